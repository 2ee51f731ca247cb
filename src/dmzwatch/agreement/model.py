"""Value objects of an agreement: what the file says, validated and resolved.

Geometries are shapely objects in WGS84 lon/lat (GeoJSON order). Everything here is
immutable; :mod:`dmzwatch.agreement.loader` builds it from a TOML file.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from shapely.geometry.base import BaseGeometry

__all__ = [
    "Actor",
    "Agreement",
    "Area",
    "AttackRule",
    "BandSpec",
    "CapRule",
    "EquipmentClass",
    "Line",
    "Milestone",
    "Party",
    "PatrolDuty",
    "PatrolPoint",
    "PatrolPriority",
    "ProhibitedClassRule",
    "Rule",
    "Side",
    "WithdrawalRule",
    "ZoneSpec",
]


class Side(enum.StrEnum):
    """Which side of a directed line a band lies on."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Party:
    """A signatory or guarantor of the agreement (e.g. ``TR``, ``RU``)."""

    id: str
    name: str
    role: str = "guarantor"


@dataclass(frozen=True, slots=True)
class Actor:
    """An armed actor the rules apply to, with the names sources use for it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    area: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """A named reference polyline (line of contact, highway, border)."""

    id: str
    geometry: BaseGeometry
    description: str = ""
    schematic: bool = False


@dataclass(frozen=True, slots=True)
class Area:
    """A named polygon; ``parts`` keeps the labelled features it was dissolved from."""

    id: str
    geometry: BaseGeometry
    description: str = ""
    parts: tuple[tuple[str, BaseGeometry], ...] = ()


@dataclass(frozen=True, slots=True)
class BandSpec:
    """Distances of a band from its line, in km.

    ``core_max_km`` is where the certain core ends and the uncertain fringe starts; it equals
    ``max_km`` when the agreement gives the depth as a single number.
    """

    line: str
    side: Side
    min_km: float
    core_max_km: float
    max_km: float
    flat_ends: bool = False

    @property
    def has_fringe(self) -> bool:
        return self.max_km > self.core_max_km


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """A zone as written: a band from a line, or an area given directly."""

    id: str
    title: str
    band: BandSpec | None = None
    area: str | None = None
    within: tuple[str, ...] = ()
    clip_to_territory: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class EquipmentClass:
    """A weapon class with the words sources use for it."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()
    calibre_min_mm: float | None = None
    calibre_max_mm: float | None = None


@dataclass(frozen=True, slots=True)
class ProhibitedClassRule:
    """Class C is prohibited in zone Z from a date, for the given actors (all when empty)."""

    id: str
    clause: str
    zone: str
    classes: tuple[str, ...]
    start: dt.date
    actors: tuple[str, ...] = ()
    end: dt.date | None = None
    kind: str = field(default="prohibited_class", init=False)


@dataclass(frozen=True, slots=True)
class CapRule:
    """At most ``max_count`` items of the classes present in zone Z within a time window."""

    id: str
    clause: str
    zone: str
    classes: tuple[str, ...]
    max_count: int
    window_days: int
    start: dt.date
    actors: tuple[str, ...] = ()
    end: dt.date | None = None
    kind: str = field(default="cap", init=False)


@dataclass(frozen=True, slots=True)
class AttackRule:
    """Attacks located in zone Z are prohibited from a date (and time)."""

    id: str
    clause: str
    zone: str
    start: dt.date
    start_time: dt.time = dt.time(0, 0)
    actors: tuple[str, ...] = ()
    end: dt.date | None = None
    kind: str = field(default="attack_prohibited", init=False)


@dataclass(frozen=True, slots=True)
class WithdrawalRule:
    """Each side withdraws the classes beyond a distance from the line by a date.

    ``sides`` maps a side of the zone's line (left, right) to the actors that must withdraw
    from that side.
    """

    id: str
    clause: str
    zone: str
    classes: tuple[str, ...]
    start: dt.date
    sides: tuple[tuple[Side, tuple[str, ...]], ...]
    end: dt.date | None = None
    kind: str = field(default="withdrawal", init=False)


Rule = ProhibitedClassRule | CapRule | AttackRule | WithdrawalRule


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated step of the agreement, at a time of day in a named timezone."""

    id: str
    title: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class PatrolPoint:
    """A named point of a patrol duty (a base or a meeting point), lon/lat degrees."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class PatrolPriority:
    """Extra sector value ``weight`` within ``within_km`` of a line, an area or a point.

    Exactly one of ``line`` (a line id), ``area`` (an area id) or ``at`` (lon, lat) is set.
    """

    label: str
    weight: float
    within_km: float
    line: str | None = None
    area: str | None = None
    at: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class PatrolDuty:
    """Who patrols where: a party on a side of a line, or along a zone, possibly jointly."""

    id: str
    parties: tuple[str, ...]
    zone: str | None = None
    line: str | None = None
    side: Side | None = None
    joint: bool = False
    coordinated_with: tuple[str, ...] = ()
    start: dt.date | None = None
    units: int | None = None
    route_km_per_day: float | None = None
    description: str = ""
    depth_km: float | None = None
    sector_km: float | None = None
    bases: tuple[PatrolPoint, ...] = ()
    meeting_points: tuple[PatrolPoint, ...] = ()
    priorities: tuple[PatrolPriority, ...] = ()


@dataclass(frozen=True, slots=True)
class Agreement:
    """One accord, fully resolved: every reference checked, every geometry loaded."""

    id: str
    title: str
    signed: dt.date
    timezone: ZoneInfo
    summary: str
    sources: tuple[str, ...]
    parties: tuple[Party, ...]
    actors: tuple[Actor, ...]
    lines: dict[str, Line]
    areas: dict[str, Area]
    territory: str | None
    zones: tuple[ZoneSpec, ...]
    classes: dict[str, EquipmentClass]
    rules: tuple[Rule, ...]
    milestones: tuple[Milestone, ...]
    patrols: tuple[PatrolDuty, ...]
    places_file: Path | None
    map_layers: tuple[str, ...]
    projection: str | None
    path: Path | None
    schematic: bool = False

    def zone(self, zone_id: str) -> ZoneSpec:
        """The zone with this id (KeyError when absent)."""
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)
