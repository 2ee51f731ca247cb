"""Events posted as JSON, turned into the event columns that file readers produce.

The same checks then apply as for a file (:func:`dmzwatch.events.validate.validate`):
coordinates in range, swapped coordinates, future dates, negative counts. On top, this
module checks what JSON adds: unknown fields, wrong types, a time without its UTC offset.
Every problem of every event is collected; none stops the others.

Each posted event keeps, as its original row, the object as posted plus who submitted it
(``submitted_by``: the party and the token id), so the party is part of the record that the
evidence log chains and hashes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..agreement.classes import CATALOGUE, class_lookup
from ..events.columns import EventColumns, RowProblem
from ..events.infer import infer_weapon
from ..events.model import EventKind, sha256_hex
from ..events.validate import REASONS

__all__ = ["FIELDS", "NAMES", "EventIn", "Intake", "empty_columns", "intake"]

DEFAULT_PRECISION_KM = 1.0

#: Event fields under the names a posted event gives them: the checks of
#: :func:`dmzwatch.events.validate.validate` report each problem under the posted field.
NAMES: Mapping[str, str] = {
    "longitude": "lon",
    "latitude": "lat",
    "date_start": "time",
    "date_end": "time",
    "equipment_count": "count",
    "fatalities_best": "fatalities",
    "actors": "actor",
}


class EventIn(BaseModel):
    """One event as a monitor posts it (the OpenAPI schema of ``POST /api/events``)."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=100, description="Who reports (e.g. 'TR-OP-3')")
    source_id: str = Field(min_length=1, max_length=200, description="The source's own id")
    kind: str = Field(
        description="weapon_sighting, attack, strike, clash, incident, displacement, "
        "protest or other",
        examples=["weapon_sighting"],
    )
    time: dt.datetime = Field(description="When, ISO 8601 with a UTC offset")
    lon: float = Field(ge=-180, le=180, description="Longitude, WGS84")
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS84")
    precision_km: float | None = Field(
        None, ge=0, le=1000, description="Location precision radius, km"
    )
    equipment_class: str | None = Field(
        None, max_length=100, description="Class id or alias (T-72 -> tank)"
    )
    count: int | None = Field(
        None, ge=0, le=1_000_000, description="How many items of the class were seen"
    )
    actor: str | None = Field(None, max_length=500, description="Who the event is attributed to")
    fatalities: int | None = Field(
        None, ge=0, le=1_000_000, description="Fatalities, best estimate"
    )
    text: str | None = Field(None, max_length=10_000, description="What was seen, in words")


#: The fields of a posted event and the JSON types each accepts.
FIELDS: Mapping[str, tuple[type, ...]] = {
    "source": (str,),
    "source_id": (str, int),
    "kind": (str,),
    "time": (str,),
    "lon": (int, float),
    "lat": (int, float),
    "precision_km": (int, float),
    "equipment_class": (str,),
    "count": (int,),
    "actor": (str,),
    "fatalities": (int,),
    "text": (str,),
}
REQUIRED = ("source", "source_id", "kind", "time", "lon", "lat")
#: Longest text per field (characters) and largest number per field.
MAX_LENGTH: Mapping[str, int] = {
    "source": 100,
    "source_id": 200,
    "kind": 50,
    "time": 50,
    "equipment_class": 100,
    "actor": 500,
    "text": 10_000,
}
MAX_NUMBER: Mapping[str, float] = {
    "precision_km": 1000.0,
    "count": 1_000_000,
    "fatalities": 1_000_000,
    "lon": 1e6,
    "lat": 1e6,
}
_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number"}


@dataclass(slots=True)
class Intake:
    """A posted batch split by source: event columns per source, and problems per event.

    ``index[source][i]`` is the position in the posted batch of row ``i`` of
    ``columns[source]``; ``problems`` holds the problems found before the columns were
    built (those events are in no columns).
    """

    columns: dict[str, EventColumns] = field(default_factory=dict)
    index: dict[str, list[int]] = field(default_factory=dict)
    problems: dict[int, list[RowProblem]] = field(default_factory=dict)
    originals: dict[int, str] = field(default_factory=dict)


def _typed(i: int, name: str, value: Any, problems: list[RowProblem]) -> Any:
    if value is None:
        return None
    allowed = FIELDS[name]
    ok = isinstance(value, allowed) and not isinstance(value, bool)
    if ok and isinstance(value, float) and not math.isfinite(value):
        ok = False
    if not ok:
        want = "a number" if float in allowed else " or ".join(_TYPE_NAMES[t] for t in allowed)
        problems.append(RowProblem(i, name, _show(value), f"must be {want}"))
        return None
    if name == "source" and isinstance(value, str) and "\x00" in value:
        # the source names the event's ingest and every row of it: refused here, per event
        problems.append(RowProblem(i, name, _show(value), REASONS["nul"]))
        return None
    if isinstance(value, str) and len(value) > MAX_LENGTH.get(name, 10_000):
        limit = MAX_LENGTH.get(name, 10_000)
        problems.append(RowProblem(i, name, _show(value), f"longer than {limit} characters"))
        return None
    if isinstance(value, int | float) and name in MAX_NUMBER and abs(value) > MAX_NUMBER[name]:
        problems.append(
            RowProblem(i, name, _show(value), f"must be at most {MAX_NUMBER[name]:g} in size")
        )
        return None
    return value


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _time(i: int, value: str, problems: list[RowProblem]) -> np.datetime64 | None:
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(RowProblem(i, "time", value, "not an ISO 8601 date and time"))
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        problems.append(
            RowProblem(i, "time", value, "needs a UTC offset (e.g. 2018-11-24T14:30:00+03:00)")
        )
        return None
    try:
        utc = when.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:
        problems.append(RowProblem(i, "time", value, "out of range once converted to UTC"))
        return None
    return np.datetime64(utc, "s")


def intake(
    items: Sequence[Any], *, party: str | None = None, token_id: str | None = None
) -> Intake:
    """Check the shape of each posted item and build event columns per source.

    Items that are not objects, or lack a required field, or have a field of the wrong
    type or an unknown field, get problems and no row; the rest become rows, to be
    validated like any file's rows.

    >>> out = intake([
    ...     {"source": "TR-OP-3", "source_id": "17", "kind": "weapon_sighting",
    ...      "time": "2018-11-24T09:30:00+03:00", "lon": 36.69, "lat": 35.38,
    ...      "equipment_class": "T-72", "count": 2},
    ...     {"source": "TR-OP-3", "kind": "picnic", "time": "2018-11-24", "lon": "x"},
    ... ], party="TR", token_id="tok_1")
    >>> cols = out.columns["TR-OP-3"]
    >>> cols.equipment_class.tolist(), str(cols.start[0]), out.index["TR-OP-3"]
    (['tank'], '2018-11-24T06:30:00', [0])
    >>> sorted(p.field for p in out.problems[1])
    ['kind', 'lat', 'lon', 'source_id', 'time']
    """
    out = Intake()
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    lookup = class_lookup()
    for i, item in enumerate(items):
        problems: list[RowProblem] = []
        if not isinstance(item, dict):
            problems.append(RowProblem(i, "(event)", _show(item), "must be a JSON object"))
            out.problems[i] = problems
            continue
        for key in item:
            if key not in FIELDS:
                options = ", ".join(FIELDS)
                problems.append(
                    RowProblem(
                        i, str(key), _show(item[key]), f"unknown field (expected: {options})"
                    )
                )
        values = {name: _typed(i, name, item.get(name), problems) for name in FIELDS}
        for name in REQUIRED:
            if item.get(name) is None or (
                isinstance(item.get(name), str) and not item[name].strip()
            ):
                if not any(p.field == name for p in problems):
                    problems.append(RowProblem(i, name, "", "required field is missing"))
                values[name] = None
        if values["kind"] is not None:
            try:
                values["kind"] = EventKind.parse(values["kind"]).value
            except ValueError as exc:
                problems.append(RowProblem(i, "kind", values["kind"], str(exc)))
        if values["time"] is not None:
            values["time"] = _time(i, values["time"], problems)
        cls = values["equipment_class"]
        if cls is not None and cls.strip():
            found = lookup.get(cls.strip().lower())
            if found is None:
                options = ", ".join(sorted(CATALOGUE))
                problems.append(
                    RowProblem(i, "equipment_class", cls, f"unknown equipment class ({options})")
                )
            values["equipment_class"] = found
        else:
            values["equipment_class"] = None
        if problems:
            out.problems[i] = problems
            continue
        original = dict(item)
        original["submitted_by"] = {"party": party, "token": token_id}
        values["__original"] = json.dumps(original, separators=(",", ":"), ensure_ascii=False)
        out.originals[i] = values["__original"]
        rows.setdefault(str(values["source"]).strip(), []).append((i, values))
    for source, group in rows.items():
        out.columns[source] = _columns(source, group)
        out.index[source] = [i for i, _ in group]
    return out


def empty_columns(source: str) -> EventColumns:
    """Event columns with no rows (a batch whose every event failed the JSON checks)."""
    return _columns(source, [])


def _columns(source: str, group: list[tuple[int, dict[str, Any]]]) -> EventColumns:
    n = len(group)
    vals = [v for _, v in group]

    def floats(name: str, default: float = math.nan) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.array(
            [default if v[name] is None else float(v[name]) for v in vals], dtype=np.float64
        )

    texts = [v["text"] or "" for v in vals]
    classes: list[str | None] = []
    inferred = np.zeros(n, dtype=bool)
    words: list[str] = []
    for k, v in enumerate(vals):
        if v["equipment_class"] is not None:
            classes.append(v["equipment_class"])
            words.append("")
            continue
        guess = infer_weapon(texts[k]) if texts[k] else None
        if guess is not None and guess.equipment_class is not None:
            classes.append(guess.equipment_class)
            inferred[k] = True
            words.append("; ".join(guess.matched))
        else:
            classes.append(None)
            words.append("")
    times = np.array([v["time"] for v in vals], dtype="datetime64[s]")
    originals = [v["__original"] for v in vals]
    return EventColumns(
        source=source,
        line=np.array([i + 1 for i, _ in group], dtype=np.int64),
        source_id=np.array([str(v["source_id"]).strip() for v in vals], dtype=object),
        kind=np.array([v["kind"] for v in vals], dtype=object),
        start=times,
        end=times.copy(),
        date_precision=np.full(n, "", dtype=object),
        date_precision_days=np.zeros(n),
        lon=floats("lon"),
        lat=floats("lat"),
        location_precision=np.full(n, "km", dtype=object),
        precision_km=floats("precision_km", DEFAULT_PRECISION_KM),
        equipment_class=np.array(classes, dtype=object),
        equipment_count=floats("count"),
        equipment_inferred=inferred,
        inferred_from=np.array(words, dtype=object),
        actors=np.array([(v["actor"] or "").strip() for v in vals], dtype=object),
        best=floats("fatalities"),
        low=np.full(n, np.nan),
        high=np.full(n, np.nan),
        civilians=np.full(n, np.nan),
        text=np.array(texts, dtype=object),
        original=np.array(originals, dtype=object),
        original_hash=np.array([sha256_hex(t) for t in originals], dtype=object),
        names=dict(NAMES),
    )
