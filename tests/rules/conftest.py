"""Builders for rule tests: events at named places, points at a distance from a line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import dmzwatch
from dmzwatch.events.model import Event, EventKind

UTC = dt.UTC
MOREK = (36.6897, 35.37615)  # core of the Idlib zone, about 5 km from the line
TAFTANAZ = (36.78579, 35.99832)  # fringe (15–20 km)
SURAN = (36.74848, 35.29193)  # government-held side, outside the zone
MAARAT = (36.67693, 35.6483)  # opposition-held, 24 km from the line: outside the zone

_counter = iter(range(1, 1_000_000))


class Builders:
    """The helpers of this module, handed to tests by the ``b`` fixture."""

    MOREK = MOREK
    TAFTANAZ = TAFTANAZ
    SURAN = SURAN
    MAARAT = MAARAT

    @staticmethod
    def day(y: int, m: int, d: int) -> tuple[dt.datetime, dt.datetime]:
        return day(y, m, d)

    @staticmethod
    def event(
        where: tuple[float, float], when: tuple[dt.datetime, dt.datetime], **kw: Any
    ) -> Event:
        return event(where, when, **kw)

    @staticmethod
    def offset_point(
        scenario: dmzwatch.Scenario,
        line_id: str,
        distance_km: float,
        side: int,
        fraction: float = 0.5,
    ) -> tuple[float, float]:
        return offset_point(scenario, line_id, distance_km, side, fraction)


@pytest.fixture
def b() -> type[Builders]:
    return Builders


def day(y: int, m: int, d: int) -> tuple[dt.datetime, dt.datetime]:
    """A whole day as UCDP gives it: 00:00 to 23:59:59 UTC."""
    start = dt.datetime(y, m, d, tzinfo=UTC)
    return start, start.replace(hour=23, minute=59, second=59)


def event(
    where: tuple[float, float],
    when: tuple[dt.datetime, dt.datetime],
    *,
    kind: EventKind = EventKind.WEAPON_SIGHTING,
    source: str = "test",
    source_id: str | None = None,
    **kw: Any,
) -> Event:
    """An event with sensible defaults (2 km precision, no actors)."""
    kw.setdefault("precision_km", 2.0)
    return Event(
        source=source,
        source_id=source_id or str(next(_counter)),
        kind=kind,
        start=when[0],
        end=when[1],
        lon=where[0],
        lat=where[1],
        **kw,
    )


def offset_point(
    scenario: dmzwatch.Scenario, line_id: str, distance_km: float, side: int, fraction: float = 0.5
) -> tuple[float, float]:
    """A lon/lat point ``distance_km`` left (+1) or right (-1) of a line, at ``fraction``
    of its length (measured in the scenario's projection)."""
    line = scenario.projection.to_local(scenario.agreement.lines[line_id].geometry)
    at = line.interpolate(fraction, normalized=True)
    ahead = line.interpolate(min(1.0, fraction + 0.001), normalized=True)
    dx, dy = ahead.x - at.x, ahead.y - at.y
    norm = float(np.hypot(dx, dy))
    nx, ny = -dy / norm * side, dx / norm * side
    lon, lat = scenario.projection.inverse(
        [at.x + nx * distance_km * 1000], [at.y + ny * distance_km * 1000]
    )
    return float(lon[0]), float(lat[0])
