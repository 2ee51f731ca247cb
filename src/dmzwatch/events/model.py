"""The event: one reported fact with a time, a place, their precisions and its source.

Pure value objects; no I/O. Readers (:mod:`dmzwatch.events.readers`) build events from
source files, the store (:mod:`dmzwatch.store`) keeps them.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Event",
    "EventKind",
    "canonical_json",
    "event_hash",
    "original_json",
    "parse_kind",
    "sha256_hex",
]


class EventKind(enum.StrEnum):
    """What kind of fact an event reports.

    >>> EventKind.parse("Strike")
    <EventKind.STRIKE: 'strike'>
    >>> EventKind.parse("picnic")
    Traceback (most recent call last):
    ...
    ValueError: unknown event kind 'picnic'; expected one of: weapon_sighting, attack, strike, \
clash, incident, displacement, protest, other
    """

    WEAPON_SIGHTING = "weapon_sighting"
    ATTACK = "attack"
    STRIKE = "strike"
    CLASH = "clash"
    INCIDENT = "incident"
    DISPLACEMENT = "displacement"
    PROTEST = "protest"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str) -> EventKind:
        """The kind named by ``value`` (case and spaces/hyphens ignored)."""
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        try:
            return cls(key)
        except ValueError:
            options = ", ".join(k.value for k in cls)
            raise ValueError(f"unknown event kind {value!r}; expected one of: {options}") from None


def parse_kind(value: str) -> EventKind:
    """Shorthand for :meth:`EventKind.parse`."""
    return EventKind.parse(value)


def canonical_json(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 kept, NaN refused.

    >>> canonical_json({"b": 1, "a": [1.5, None, "é"]})
    '{"a":[1.5,null,"é"],"b":1}'
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def original_json(row: Mapping[str, Any]) -> str:
    """The original row as compact JSON, in the source's column order.

    >>> print(original_json({"id": "1", "place": "Ma'arrat"}))
    {"id":"1","place":"Ma'arrat"}
    """
    return json.dumps(dict(row), separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    """sha256 of the UTF-8 bytes of ``text``, as hex."""
    return hashlib.sha256(text.encode()).hexdigest()


def _int(value: float | None) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def event_hash(values: Sequence[Any]) -> str:
    """sha256 (hex) of the compact JSON array of an event's fields (:meth:`Event.hashed_values`)."""
    return hashlib.sha256(
        json.dumps(
            list(values), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """One reported fact.

    Times are timezone-aware; ``start``..``end`` is the interval the source gives and
    ``date_precision`` its own precision code, ``date_precision_days`` the slack in days
    that code means (see :mod:`dmzwatch.events.precision`). ``lon``/``lat`` are WGS84;
    ``location_precision`` is the source's code and ``precision_km`` the radius it means.
    ``equipment_inferred`` tells that ``equipment_class`` was read from the text, and
    ``inferred_from`` which words matched. ``original`` is the untouched source row.
    """

    source: str
    source_id: str
    kind: EventKind
    start: dt.datetime
    end: dt.datetime
    lon: float
    lat: float
    date_precision: str = ""
    date_precision_days: float = 0.0
    location_precision: str = ""
    precision_km: float = 0.0
    equipment_class: str | None = None
    equipment_count: int | None = None
    equipment_inferred: bool = False
    inferred_from: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    fatalities_best: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    civilians: int | None = None
    text: str = ""
    original: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    content_hash: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("event times must be timezone-aware")
        if self.end < self.start:
            raise ValueError(f"event ends ({self.end}) before it starts ({self.start})")
        if not self.content_hash:
            object.__setattr__(self, "content_hash", event_hash(self.hashed_values()))

    def hashed_values(self) -> list[Any]:
        """The fields the content hash covers, in a fixed order (the original by its sha256)."""
        return [
            self.source,
            self.source_id,
            self.kind.value,
            self.start.astimezone(dt.UTC).isoformat(),
            self.end.astimezone(dt.UTC).isoformat(),
            self.date_precision,
            float(self.date_precision_days),
            float(self.lon),
            float(self.lat),
            self.location_precision,
            float(self.precision_km),
            self.equipment_class,
            _int(self.equipment_count),
            bool(self.equipment_inferred),
            "; ".join(self.inferred_from),
            "; ".join(self.actors),
            _int(self.fatalities_best),
            _int(self.fatalities_low),
            _int(self.fatalities_high),
            _int(self.civilians),
            self.text,
            sha256_hex(original_json(self.original)),
        ]
