"""Validation of event batches: every problem of every row, found with array operations.

A row with any problem is quarantined with all of its problems; nothing is dropped silently.
The checks (each reason is a fixed phrase, listed in :data:`REASONS`):

* required fields present (source id where the source has ids, date, coordinates);
* coordinates in range; a point outside the scenario's territory whose swapped
  coordinates fall inside it ("latitude and longitude look swapped");
* dates parse and are not in the future (an event dated today is not); the end is not
  before the start;
* numbers are numbers (the reader reports those), counts not negative;
* duplicate ids inside one file (:class:`SeenIds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from .columns import EventColumns, RowProblem

__all__ = [
    "REASONS",
    "SeenIds",
    "fatality_order",
    "validate",
]

REASONS = {
    "missing": "required field is missing",
    "not_number": "not a number",
    "too_large": "number too large",
    "not_date": "not a date (expected YYYY-MM-DD)",
    "no_offset": "time without a UTC offset (add Z or +HH:MM)",
    "future": "date is in the future",
    "end_before_start": "end date is before start date",
    "lon_range": "longitude outside [-180, 180]",
    "lat_range": "latitude outside [-90, 90]",
    "swapped": "latitude and longitude look swapped",
    "negative": "must not be negative",
    "order": "low, best and high fatalities are out of order",
    "precision_code": "unknown precision code",
    "kind": "unknown event kind",
    "duplicate_id": "duplicate id in this file with different content",
    "encoding": "not valid UTF-8 (bytes replaced by U+FFFD)",
    "nul": "holds a NUL character (not text; PostgreSQL cannot store it)",
    "columns": "wrong number of fields",
}


def _problems(
    mask: npt.NDArray[np.bool_], field_name: str, values: npt.NDArray[Any], reason: str
) -> list[RowProblem]:
    idx = np.flatnonzero(mask)
    return [RowProblem(int(i), field_name, _text(values[i]), reason) for i in idx]


def _text(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else repr(float(value))
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return ""
        text = str(value.astype("datetime64[s]"))
        return text.removesuffix("T00:00:00")  # a day is shown as the day
    return "" if value is None else str(value)


def validate(
    cols: EventColumns,
    *,
    territory: BaseGeometry | None = None,
    now: dt.datetime | None = None,
    id_required: bool = True,
) -> list[RowProblem]:
    """Every problem of every row of ``cols`` (the reader's own problems included).

    ``territory`` is the scenario's national territory (lon/lat polygon): a point outside
    it whose swapped coordinates fall inside is reported as swapped. ``now`` (aware,
    default the current time) bounds dates from above.
    """
    problems = list(cols.problems)
    n = len(cols)
    if n == 0:
        return problems
    known: dict[str, npt.NDArray[np.bool_]] = {}
    for p in problems:
        known.setdefault(p.field, np.zeros(n, dtype=bool))[p.index] = True

    def skip_known(mask: npt.NDArray[np.bool_], name: str) -> npt.NDArray[np.bool_]:
        return mask & ~known[name] if name in known else mask

    if id_required:
        missing_id = np.array([not s for s in cols.source_id.tolist()], dtype=bool)
        problems += _problems(
            missing_id, cols.name("source_id"), cols.source_id, REASONS["missing"]
        )

    lon, lat = cols.lon, cols.lat
    lon_name, lat_name = cols.name("longitude"), cols.name("latitude")
    problems += _problems(skip_known(np.isnan(lon), lon_name), lon_name, lon, REASONS["missing"])
    problems += _problems(skip_known(np.isnan(lat), lat_name), lat_name, lat, REASONS["missing"])
    with np.errstate(invalid="ignore"):
        bad_lon = np.abs(lon) > 180
        bad_lat = np.abs(lat) > 90
    problems += _problems(bad_lon, lon_name, lon, REASONS["lon_range"])
    problems += _problems(bad_lat, lat_name, lat, REASONS["lat_range"])
    if territory is not None:
        ok = ~(np.isnan(lon) | np.isnan(lat) | bad_lon | bad_lat)
        swapped = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(ok)
        if idx.size:
            inside = shapely.contains_xy(territory, lon[idx], lat[idx])
            out = idx[~inside]
            if out.size:
                swapped[out] = shapely.contains_xy(territory, lat[out], lon[out])
        for i in np.flatnonzero(swapped):
            problems.append(
                RowProblem(
                    int(i),
                    f"{lat_name},{lon_name}",
                    f"{float(lat[i])!r},{float(lon[i])!r}",
                    REASONS["swapped"],
                )
            )

    now_utc = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    limit = np.datetime64(now_utc, "s")
    # in the future: an event that has not begun by now, or whose last day has not (an event
    # dated today ends at 23:59:59 today, later than now, and is not in the future)
    last_day = cols.end.astype("datetime64[D]").astype("datetime64[s]")
    for key, times, future in (
        ("date_start", cols.start, cols.start > limit),
        ("date_end", cols.end, last_day > limit),
    ):
        name = cols.name(key)
        problems += _problems(skip_known(np.isnat(times), name), name, times, REASONS["missing"])
        shown = last_day if key == "date_end" else times
        problems += _problems(future, name, shown, REASONS["future"])
    problems += _problems(
        cols.end < cols.start, cols.name("date_end"), last_day, REASONS["end_before_start"]
    )

    for key, values in (
        ("fatalities_best", cols.best),
        ("fatalities_low", cols.low),
        ("fatalities_high", cols.high),
        ("civilians", cols.civilians),
        ("equipment_count", cols.equipment_count),
        ("precision_km", cols.precision_km),
    ):
        with np.errstate(invalid="ignore"):
            negative = np.less(values, 0)
        problems += _problems(negative, cols.name(key), values, REASONS["negative"])
    for key in ("source_id", "text", "actors", "equipment_class"):
        texts = _texts(getattr(cols, key))
        if "\x00" in "".join(texts):  # one scan; rows only when a NUL is there
            nul = np.array(["\x00" in v for v in texts], dtype=bool)
            problems += _problems(nul, cols.name(key), getattr(cols, key), REASONS["nul"])
    problems.sort(key=lambda p: p.index)
    return _once(problems)


def _once(problems: list[RowProblem]) -> list[RowProblem]:
    """``problems`` without repeats of a row's field and reason (a source whose one column
    gives both the start and the end, as ACLED's ``event_date``, has its problem told once)."""
    seen: set[tuple[int, str, str]] = set()
    out: list[RowProblem] = []
    for p in problems:
        key = (p.index, p.field, p.reason)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _texts(values: npt.NDArray[np.object_]) -> list[str]:
    """A text column's values as strings (tuples, as of actors, joined)."""
    out: list[Any] = values.tolist()
    if all(type(v) is str for v in out):
        return out
    return ["; ".join(v) if isinstance(v, tuple) else str(v) for v in out]


def fatality_order(cols: EventColumns) -> list[RowProblem]:
    """Rows whose low, best and high fatalities are out of order.

    Sources publish such rows (15 in the UCDP Syria extract); they are stored as given and
    reported as warnings, not quarantined.
    """
    with np.errstate(invalid="ignore"):
        disorder = (cols.low > cols.best) | (cols.best > cols.high) | (cols.low > cols.high)
    return [
        RowProblem(
            int(i),
            "low,best,high",
            f"{_text(cols.low[i])},{_text(cols.best[i])},{_text(cols.high[i])}",
            REASONS["order"],
        )
        for i in np.flatnonzero(disorder)
    ]


@dataclass(slots=True)
class SeenIds:
    """The ids seen so far in one file, to find ids that repeat.

    A repeat with the same content is a duplicate (counted, not stored twice); a repeat
    with different content is a problem (quarantined).

    >>> seen = SeenIds()
    >>> seen.check(["a", "b", "a", "b"], ["h1", "h2", "h1", "other"], [2, 3, 4, 5])
    ([2], [RowProblem(index=3, field='source_id', value='b', reason='duplicate id in this \
file with different content (first at line 3)')])
    """

    first: dict[str, tuple[str, int]] = field(default_factory=dict)

    def check(
        self, ids: Iterable[str], hashes: Iterable[str], lines: Iterable[int]
    ) -> tuple[list[int], list[RowProblem]]:
        """Indexes of exact repeats, and a problem for each conflicting repeat."""
        repeats: list[int] = []
        problems: list[RowProblem] = []
        first = self.first
        ids, hashes, lines = list(ids), list(hashes), list(lines)
        keys = set(ids)
        if len(keys) == len(ids) and "" not in keys and keys.isdisjoint(first):
            # the common case: every id new and once in the batch
            first.update(zip(ids, zip(hashes, map(int, lines), strict=True), strict=True))
            return repeats, problems
        for i, (key, digest, line) in enumerate(zip(ids, hashes, lines, strict=True)):
            if not key:
                continue
            seen = first.get(key)
            if seen is None:
                first[key] = (digest, int(line))
            elif seen[0] == digest:
                repeats.append(i)
            else:
                reason = f"{REASONS['duplicate_id']} (first at line {seen[1]})"
                problems.append(RowProblem(i, "source_id", key, reason))
        return repeats, problems
