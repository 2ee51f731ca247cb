"""The events a rule set is run on, as aligned arrays: ids, shapes, times, classes, actors.

Built once per run and shared by every rule, so that each rule's ``evaluate`` works on whole
arrays.

An event's uncertainty shape is a :class:`~dmzwatch.geo.uncertainty.Disc` of its
``precision_km`` around the reported point, unless its original row describes what an
observer saw, in columns

* ``bearing`` (a compass point such as ``SSE``, or degrees ``150-170``) and ``distance_km``
  (``1-4.5`` or ``3``), or ``bearing_from``/``bearing_to`` and
  ``distance_min_km``/``distance_max_km``;
* optionally ``observer_lon``/``observer_lat`` (else the event's own point is the
  observer's position);

or, when asked for (``sectors_from_text``), its text says so ("1–4.5 km south-south-east").
Then the shape is a :class:`~dmzwatch.geo.uncertainty.Sector` from the observer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from ..events.model import Event
from ..events.precision import lookup
from ..geo.uncertainty import Disc, Sector, Shape, compass_bearings, parse_sector
from .timing import EventTimes, event_times

__all__ = ["EventTable", "event_id", "shape_of"]


def event_id(event: Event) -> str:
    """The id findings use for an event: ``source:source_id``.

    >>> import datetime as dt
    >>> from dmzwatch.events.model import EventKind
    >>> t = dt.datetime(2018, 10, 20, tzinfo=dt.timezone.utc)
    >>> event_id(Event("ucdp", "263090", EventKind.STRIKE, t, t, 36.2, 35.8))
    'ucdp:263090'
    """
    return f"{event.source}:{event.source_id}"


def shape_of(event: Event, *, sectors_from_text: bool = False) -> Shape:
    """The uncertainty shape of an event's location (see the module docstring)."""
    sector = _sector_from_row(event)
    if sector is None and sectors_from_text:
        parsed = parse_sector(event.text)
        if parsed is not None:
            (d0, d1), (b0, b1) = parsed
            sector = Sector(event.lon, event.lat, b0, b1, d0, d1, "from the event's text")
    if sector is not None:
        return sector
    return Disc(event.lon, event.lat, float(event.precision_km), _precision_basis(event))


def _precision_basis(event: Event) -> str:
    code = event.location_precision
    if not code:
        return "radius given with the event" if event.precision_km > 0 else ""
    try:
        meaning = lookup(event.source, "location", code).meaning
    except KeyError:
        return f"{event.source} location precision {code}"
    return f"{event.source} location precision {code}: {meaning}"


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _range(text: str) -> tuple[float, float]:
    parts = [p for p in text.replace("–", "-").split("-") if p.strip()]
    values = [float(p) for p in parts]
    if not 1 <= len(values) <= 2 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"not a number or range: {text!r}")
    return min(values), max(values)


def _sector_from_row(event: Event) -> Sector | None:
    row = event.original
    bearing = _text(row, "bearing")
    distance = _text(row, "distance_km")
    try:
        if _text(row, "bearing_from") and _text(row, "bearing_to"):
            b0, b1 = float(_text(row, "bearing_from")), float(_text(row, "bearing_to"))
        elif bearing:
            b0, b1 = (
                compass_bearings(bearing)
                if not bearing[0].isdigit()
                else _ordered(*_range(bearing), bearing)
            )
        else:
            return None
        if _text(row, "distance_min_km") and _text(row, "distance_max_km"):
            d0, d1 = float(_text(row, "distance_min_km")), float(_text(row, "distance_max_km"))
        elif distance:
            d0, d1 = _range(distance)
        else:
            return None
        lon = float(_text(row, "observer_lon") or event.lon)
        lat = float(_text(row, "observer_lat") or event.lat)
        return Sector(lon, lat, b0, b1, d0, d1, "observer's bearing and distance")
    except ValueError:
        return None


def _ordered(lo: float, hi: float, text: str) -> tuple[float, float]:
    # "350-10" means across north: keep the order the text gives
    parts = [float(p) for p in text.replace("–", "-").split("-") if p.strip()]
    return (parts[0], parts[-1]) if len(parts) == 2 else (lo, hi)


@dataclass(frozen=True, slots=True)
class EventTable:
    """Events as aligned arrays, ready for rules to evaluate."""

    events: tuple[Event, ...]
    ids: tuple[str, ...]
    shapes: tuple[Shape, ...]
    times: EventTimes
    kinds: NDArray[np.str_]
    classes: NDArray[np.str_]
    counts: NDArray[np.int64]

    @classmethod
    def build(
        cls, events: Sequence[Event], tz: ZoneInfo, *, sectors_from_text: bool = False
    ) -> EventTable:
        """Arrays for ``events``, with days in the agreement's timezone ``tz``."""
        events = tuple(events)
        return cls(
            events=events,
            ids=tuple(event_id(e) for e in events),
            shapes=tuple(shape_of(e, sectors_from_text=sectors_from_text) for e in events),
            times=event_times(events, tz),
            kinds=np.array([e.kind.value for e in events], dtype=str),
            classes=np.array([e.equipment_class or "" for e in events], dtype=str),
            counts=np.array(
                [e.equipment_count if e.equipment_count else 1 for e in events], dtype=np.int64
            ),
        )

    def __len__(self) -> int:
        return len(self.events)
