"""The agreement file format as pydantic models: the boundary where a TOML file is checked.

These models check shapes, types and allowed values; :mod:`.loader` then checks references
between sections and loads geometries, and turns both kinds of problem into one
:class:`~dmzwatch.errors.AgreementError`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["AgreementFile"]

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
Km = Annotated[float, Field(ge=0, le=5000)]
LonLat = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgreementSection(_Strict):
    id: Id
    title: str
    signed: dt.date
    timezone: str = "UTC"
    summary: str = ""
    sources: list[str] = []
    territory: Id | None = None
    projection: str | None = None
    places: str | None = None
    map_layers: list[Id] = []
    schematic: bool = False


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
    where: dict[str, str | int | float] = {}
    label: str | None = None
    description: str = ""
    schematic: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> GeometrySource:
        inline = getattr(self, "coordinates", None)
        if (self.file is None) == (inline is None):
            raise ValueError("give exactly one of 'file' or 'coordinates'")
        if self.file is None and (self.feature or self.where or self.label):
            raise ValueError("'feature', 'where' and 'label' apply only with 'file'")
        return self


class LineSection(GeometrySource):
    coordinates: Annotated[list[LonLat], Field(min_length=2)] | None = None


class AreaSection(GeometrySource):
    # one ring (outer boundary) or a list of rings (outer, then holes)
    coordinates: (
        Annotated[list[LonLat], Field(min_length=4)]
        | list[Annotated[list[LonLat], Field(min_length=4)]]
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
    clip_to_territory: bool = True

    @model_validator(mode="after")
    def _band_or_area(self) -> ZoneSection:
        if (self.line is None) == (self.area is None):
            raise ValueError("a zone needs exactly one of 'line' (a band) or 'area' (a polygon)")
        if self.line is not None:
            if self.max_km is None:
                raise ValueError("a band zone needs 'max_km' (a number, or [core, outer])")
            if self.side is None:
                raise ValueError("a band zone needs 'side': one of 'left', 'right', 'both'")
            core, outer = self.max_km if isinstance(self.max_km, tuple) else (self.max_km,) * 2
            if not self.min_km < core <= outer:
                raise ValueError(
                    f"depths must satisfy min_km < core <= max_km; got min_km={self.min_km}, "
                    f"max_km={self.max_km!r}"
                )
        elif self.max_km is not None or self.side is not None:
            raise ValueError("'side' and 'max_km' apply only to band zones (with 'line')")
        return self


class ClassSection(_Strict):
    title: str | None = None
    aliases: list[str] = []
    calibre_min_mm: float | None = None
    calibre_max_mm: float | None = None


class _RuleBase(_Strict):
    id: Id
    clause: str
    zone: Id
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _RuleBase:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"'end' ({self.end}) is before 'start' ({self.start})")
        return self


class ProhibitedClassSection(_RuleBase):
    kind: Literal["prohibited_class"]
    classes: Annotated[list[Id], Field(min_length=1)]
    actors: list[Id] = []


class CapSection(_RuleBase):
    kind: Literal["cap"]
    classes: Annotated[list[Id], Field(min_length=1)]
    max_count: Annotated[int, Field(ge=0)]
    window_days: Annotated[int, Field(ge=1)] = 1
    actors: list[Id] = []


class AttackSection(_RuleBase):
    kind: Literal["attack_prohibited"]
    start_time: dt.time = dt.time(0, 0)
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


class MilestoneSection(_Strict):
    id: Id
    title: str
    date: dt.date
    time: dt.time = dt.time(0, 0)
    timezone: str | None = None


class PatrolSection(_Strict):
    id: Id
    parties: Annotated[list[Id], Field(min_length=1)]
    zone: Id | None = None
    line: Id | None = None
    side: Literal["left", "right", "both"] | None = None
    joint: bool = False
    coordinated_with: list[Id] = []
    start: dt.date | None = None
    units: Annotated[int, Field(ge=1)] | None = None
    route_km_per_day: Annotated[float, Field(gt=0)] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _where(self) -> PatrolSection:
        if self.zone is None and self.line is None:
            raise ValueError("a patrol duty needs a 'zone' or a 'line' (with its 'side')")
        if self.line is not None and self.side is None:
            raise ValueError("a patrol duty along a line needs 'side': left, right or both")
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
