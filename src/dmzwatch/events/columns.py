"""Events as columns: the numpy form readers produce and validation and the store consume.

Ingesting a million rows one :class:`~dmzwatch.events.model.Event` at a time is slow; the
pipeline works on :class:`EventColumns` (one numpy array per field) and builds ``Event``
objects only on demand (:meth:`EventColumns.event`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from .model import Event, EventKind

__all__ = [
    "EventColumns",
    "RowProblem",
    "content_hashes",
    "hashed_columns",
    "hashed_rows",
    "int_list",
    "int_or_none",
]

FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong with one row: its index in the batch, the field, the value, why."""

    index: int
    field: str
    value: str
    reason: str


@dataclass(slots=True)
class EventColumns:
    """One batch of events, one array per field (see :class:`~dmzwatch.events.model.Event`).

    Missing numbers are NaN, missing times NaT (``datetime64[s]``, UTC). ``problems``
    holds what the reader found while parsing (values that are not numbers or dates).
    """

    source: str
    line: npt.NDArray[np.int64]
    source_id: ObjArray
    kind: ObjArray
    start: npt.NDArray[np.datetime64]
    end: npt.NDArray[np.datetime64]
    date_precision: ObjArray
    date_precision_days: FloatArray
    lon: FloatArray
    lat: FloatArray
    location_precision: ObjArray
    precision_km: FloatArray
    equipment_class: ObjArray
    equipment_count: FloatArray
    equipment_inferred: npt.NDArray[np.bool_]
    inferred_from: ObjArray
    actors: ObjArray
    best: FloatArray
    low: FloatArray
    high: FloatArray
    civilians: FloatArray
    text: ObjArray
    original: ObjArray
    original_hash: ObjArray
    problems: list[RowProblem] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def name(self, event_field: str) -> str:
        """The source's column name for an event field (problems are reported under it)."""
        return self.names.get(event_field, event_field)

    def __len__(self) -> int:
        return int(self.line.shape[0])

    def take(self, index: npt.NDArray[np.intp]) -> EventColumns:
        """The rows at ``index`` (problems are not carried over)."""
        if len(index) == len(self) and np.array_equal(index, np.arange(len(self))):
            return dataclasses.replace(self, problems=[])
        values: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                values[f.name] = value[index]
        return EventColumns(source=self.source, problems=[], names=self.names, **values)

    def event(self, i: int) -> Event:
        """Row ``i`` as an :class:`~dmzwatch.events.model.Event` (the row must be valid)."""
        return Event(
            source=self.source,
            source_id=str(self.source_id[i]),
            kind=EventKind(self.kind[i]),
            start=_dt(self.start[i]),
            end=_dt(self.end[i]),
            lon=float(self.lon[i]),
            lat=float(self.lat[i]),
            date_precision=str(self.date_precision[i]),
            date_precision_days=float(self.date_precision_days[i]),
            location_precision=str(self.location_precision[i]),
            precision_km=float(self.precision_km[i]),
            equipment_class=self.equipment_class[i],
            equipment_count=int_or_none(float(self.equipment_count[i])),
            equipment_inferred=bool(self.equipment_inferred[i]),
            inferred_from=_split(self.inferred_from[i]),
            actors=_split(self.actors[i]),
            fatalities_best=int_or_none(float(self.best[i])),
            fatalities_low=int_or_none(float(self.low[i])),
            fatalities_high=int_or_none(float(self.high[i])),
            civilians=int_or_none(float(self.civilians[i])),
            text=str(self.text[i]),
            original=json.loads(self.original[i]),
        )


def _dt(value: np.datetime64) -> dt.datetime:
    seconds = int(value.astype("datetime64[s]").astype(np.int64))
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split("; ") if v)


def int_or_none(value: float | None) -> int | None:
    """NaN and None to None, anything else to int."""
    if value is None or math.isnan(value):
        return None
    return int(value)


def int_list(values: FloatArray) -> list[int | None]:
    """Whole numbers as ints, NaN as None (as :func:`int_or_none`)."""
    nan = np.isnan(values)
    if not nan.any() and np.all(np.abs(values) < 2.0**62):
        out: list[int | None] = values.astype(np.int64).tolist()
        return out
    return [None if v != v else int(v) for v in values.tolist()]


def _iso(values: npt.NDArray[np.datetime64]) -> list[str]:
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s").astype(object)
    out: list[str] = (text + "+00:00").tolist()
    return out


def hashed_columns(cols: EventColumns) -> list[list[Any]]:
    """The columns of :func:`hashed_rows`: one list per field :meth:`Event.hashed_values`
    gives, in the same order."""
    n = len(cols)
    return [
        [cols.source] * n,
        cols.source_id.tolist(),
        cols.kind.tolist(),
        _iso(cols.start),
        _iso(cols.end),
        cols.date_precision.tolist(),
        cols.date_precision_days.tolist(),
        cols.lon.tolist(),
        cols.lat.tolist(),
        cols.location_precision.tolist(),
        cols.precision_km.tolist(),
        cols.equipment_class.tolist(),
        int_list(cols.equipment_count),
        cols.equipment_inferred.tolist(),
        cols.inferred_from.tolist(),
        cols.actors.tolist(),
        int_list(cols.best),
        int_list(cols.low),
        int_list(cols.high),
        int_list(cols.civilians),
        cols.text.tolist(),
        cols.original_hash.tolist(),
    ]


def hashed_rows(cols: EventColumns) -> list[list[Any]]:
    """For each row, the values :meth:`Event.hashed_values` gives, in the same order."""
    return [list(row) for row in zip(*hashed_columns(cols), strict=True)]


def content_hashes(rows: Sequence[Sequence[Any]]) -> list[str]:
    """sha256 hex of each row's compact JSON array (as :func:`.model.event_hash`)."""
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
    sha = hashlib.sha256
    return [sha(dumps(row).encode()).hexdigest() for row in rows]
