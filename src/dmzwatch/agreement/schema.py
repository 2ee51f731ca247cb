"""The agreement file format as pydantic models: the boundary where a TOML file is checked.

These models check shapes, types and allowed values; :mod:`.loader` then checks references
between sections and loads geometries, and turns both kinds of problem into one
:class:`~dmzwatch.errors.AgreementError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "ID_RULE",
    "RULE_KINDS",
    "RULE_SECTIONS",
    "AgreementFile",
    "FieldProblem",
]

ID_RULE = "an id starts with a letter, then letters, digits, '_', '.' or '-' (at most 64)"
"""What an id (a key or a reference) may look like, in words for error messages."""

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
# Scalars are strict: TOML has real dates, times, booleans and numbers, so a quoted
# "2018-10-10", a "6" or a true where a number belongs is a mistake in the file, not a value
# to convert. Numbers are finite (TOML allows nan and inf).
Date = Annotated[dt.date, Field(strict=True)]
Flag = Annotated[bool, Field(strict=True)]
Count = Annotated[int, Field(strict=True)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Km = Annotated[Number, Field(ge=0, le=5000)]
LonLat = tuple[Annotated[Number, Field(ge=-180, le=180)], Annotated[Number, Field(ge=-90, le=90)]]


class FieldProblem(ValueError):
    """A check across keys of one table that blames one key of it (``key``, dotted).

    Raised inside a model validator; the loader appends ``key`` to the table's location so
    the writer sees the exact key path (``zones.dmz.min_km``, not just ``zones.dmz``).
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("give a local time without a UTC offset; 'timezone' says which zone")
    return value


LocalTime = Annotated[dt.time, Field(strict=True), AfterValidator(_local_time)]


class AgreementSection(_Strict):
    id: Id
    title: str
    signed: Date
    timezone: str = "UTC"
    summary: str = ""
    sources: list[str] = []
    territory: Id | None = None
    projection: str | None = None
    places: str | None = None
    map_layers: list[Id] = []
    schematic: Flag = False


class PartySection(_Strict):
    name: str
    role: Literal["guarantor", "signatory", "observer", "mediator"] = "guarantor"


class ActorSection(_Strict):
    name: str
    aliases: list[str] = []
    area: Id | None = None


class GeometrySource(_Strict):
    """A geometry from a GeoJSON file (relative to the agreement file) or inline coordinates."""

    file: str | None = None
    feature: str | None = None
    where: dict[str, str | bool | int | float] = {}
    label: str | None = None
    description: str = ""
    schematic: Flag = False

    @model_validator(mode="after")
    def _one_source(self) -> GeometrySource:
        inline = getattr(self, "coordinates", None)
        if self.file is None and inline is None:
            raise FieldProblem("", "give one of 'file' (a GeoJSON file) or 'coordinates'")
        if self.file is not None and inline is not None:
            raise FieldProblem("coordinates", "give 'file' or 'coordinates', not both")
        if self.file is None:
            for key in ("feature", "where", "label"):
                if key in self.model_fields_set:
                    raise FieldProblem(key, f"'{key}' applies only with 'file'")
        return self


class LineSection(GeometrySource):
    coordinates: Annotated[list[LonLat], Field(min_length=2)] | None = None


class AreaSection(GeometrySource):
    # one ring (outer boundary) or a list of rings (outer, then holes)
    coordinates: (
        Annotated[list[LonLat], Field(min_length=4)]
        | Annotated[list[Annotated[list[LonLat], Field(min_length=4)]], Field(min_length=1)]
        | None
    ) = None


class ZoneSection(_Strict):
    title: str = ""
    description: str = ""
    # a band from a line ...
    line: Id | None = None
    side: Literal["left", "right", "both"] | None = None
    min_km: Km = 0.0
    max_km: Km | tuple[Km, Km] | None = None
    ends: Literal["round", "flat"] = "round"
    # ... or an area given directly
    area: Id | None = None
    within: list[Id] = []
    clip_to_territory: Flag = True

    @model_validator(mode="after")
    def _band_or_area(self) -> ZoneSection:
        if self.line is None and self.area is None:
            raise FieldProblem(
                "", "a zone needs one of 'line' (a band along a line) or 'area' (a polygon)"
            )
        if self.line is not None and self.area is not None:
            raise FieldProblem(
                "area", "a zone takes 'line' (a band) or 'area' (a polygon), not both"
            )
        if self.line is None:
            for key in ("side", "min_km", "max_km", "ends"):
                if key in self.model_fields_set:
                    raise FieldProblem(key, f"'{key}' applies only to band zones (with 'line')")
            return self
        if self.side is None:
            raise FieldProblem("side", "a band zone needs 'side': one of 'left', 'right', 'both'")
        if self.max_km is None:
            raise FieldProblem("max_km", "a band zone needs 'max_km' (a number, or [core, outer])")
        ranged = isinstance(self.max_km, tuple)
        core, outer = self.max_km if isinstance(self.max_km, tuple) else (self.max_km,) * 2
        written = f"max_km = [{core:g}, {outer:g}]" if ranged else f"max_km ({core:g})"
        if core > outer:
            raise FieldProblem(
                "max_km",
                f"the core depth ({core:g}) exceeds the outer depth ({outer:g}) in {written}; "
                "depths must increase: min_km < core <= outer",
            )
        if not self.min_km < core:
            what = f"the core depth ({core:g}) in {written}" if ranged else written
            order = "min_km < core <= outer" if ranged else "min_km < max_km"
            raise FieldProblem(
                "min_km",
                f"min_km ({self.min_km:g}) is not less than {what}; depths must increase: {order}",
            )
        return self


class ClassSection(_Strict):
    title: str | None = None
    aliases: list[str] = []
    calibre_min_mm: Annotated[Number, Field(gt=0)] | None = None
    calibre_max_mm: Annotated[Number, Field(gt=0)] | None = None


class _RuleBase(_Strict):
    id: Id
    clause: str
    zone: Id
    start: Date
    end: Date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _RuleBase:
        if self.end is not None and self.end < self.start:
            raise FieldProblem("end", f"'end' ({self.end}) is before 'start' ({self.start})")
        return self


class ProhibitedClassSection(_RuleBase):
    kind: Literal["prohibited_class"]
    classes: Annotated[list[Id], Field(min_length=1)]
    actors: list[Id] = []


class CapSection(_RuleBase):
    kind: Literal["cap"]
    classes: Annotated[list[Id], Field(min_length=1)]
    max_count: Annotated[Count, Field(ge=0)]
    window_days: Annotated[Count, Field(ge=1)] = 1
    actors: list[Id] = []


class AttackSection(_RuleBase):
    kind: Literal["attack_prohibited"]
    start_time: LocalTime = dt.time(0, 0)
    actors: list[Id] = []


class WithdrawalSection(_RuleBase):
    kind: Literal["withdrawal"]
    classes: Annotated[list[Id], Field(min_length=1)]
    sides: dict[Literal["left", "right"], list[Id]]

    @field_validator("sides")
    @classmethod
    def _some_side(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not value:
            raise ValueError("name the actors of at least one side: left, right")
        return value


RuleSection = Annotated[
    ProhibitedClassSection | CapSection | AttackSection | WithdrawalSection,
    Field(discriminator="kind"),
]

RULE_SECTIONS: dict[str, type[_RuleBase]] = {
    "prohibited_class": ProhibitedClassSection,
    "cap": CapSection,
    "attack_prohibited": AttackSection,
    "withdrawal": WithdrawalSection,
}
"""Each rule ``kind`` and the table that describes it."""

RULE_KINDS = tuple(RULE_SECTIONS)


class MilestoneSection(_Strict):
    id: Id
    title: str
    date: Date
    time: LocalTime = dt.time(0, 0)
    timezone: str | None = None


class PatrolPointSection(_Strict):
    """A named point of a patrol duty: a base or a meeting point."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    at: LonLat


class PatrolPrioritySection(_Strict):
    """Extra value for sectors near a line, inside an area or near a point."""

    label: str = ""
    weight: Annotated[Number, Field(ge=0, le=1000)] = 1.0
    within_km: Km = 5.0
    line: Id | None = None
    area: Id | None = None
    at: LonLat | None = None

    @model_validator(mode="after")
    def _one_target(self) -> PatrolPrioritySection:
        given = [k for k in ("line", "area", "at") if getattr(self, k) is not None]
        if len(given) != 1:
            raise FieldProblem("", "a patrol priority needs exactly one of 'line', 'area', 'at'")
        return self


class PatrolSection(_Strict):
    id: Id
    parties: Annotated[list[Id], Field(min_length=1)]
    zone: Id | None = None
    line: Id | None = None
    side: Literal["left", "right", "both"] | None = None
    joint: Flag = False
    coordinated_with: list[Id] = []
    start: Date | None = None
    units: Annotated[Count, Field(ge=1)] | None = None
    route_km_per_day: Annotated[Number, Field(gt=0)] | None = None
    description: str = ""
    depth_km: Annotated[Number, Field(gt=0, le=5000)] | None = None
    sector_km: Annotated[Number, Field(gt=0, le=1000)] | None = None
    bases: list[PatrolPointSection] = []
    meeting_points: list[PatrolPointSection] = []
    priorities: list[PatrolPrioritySection] = []

    @model_validator(mode="after")
    def _where(self) -> PatrolSection:
        if self.zone is None and self.line is None:
            raise FieldProblem("", "a patrol duty needs a 'zone' or a 'line' (with its 'side')")
        if self.line is not None and self.side is None:
            raise FieldProblem(
                "side", "a patrol duty along a line needs 'side': 'left', 'right' or 'both'"
            )
        return self


class AgreementFile(_Strict):
    """The whole file."""

    agreement: AgreementSection
    parties: dict[Id, PartySection] = {}
    actors: dict[Id, ActorSection] = {}
    lines: dict[Id, LineSection] = {}
    areas: dict[Id, AreaSection] = {}
    zones: Annotated[dict[Id, ZoneSection], Field(min_length=1)]
    classes: dict[Id, ClassSection] = {}
    rules: list[RuleSection] = []
    milestones: list[MilestoneSection] = []
    patrols: list[PatrolSection] = []
