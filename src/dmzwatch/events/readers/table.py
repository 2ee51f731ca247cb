"""Any CSV with a column mapping: which column holds which event field.

The mapping comes from a small TOML file or from ``--map field=column`` options::

    source = "monitor-reports"        # how these events are labelled in the store

    [columns]
    source_id = "report_no"           # optional: without ids, rows are keyed by content
    date = "date"                     # or date_start / date_end
    lon = "lon"
    lat = "lat"
    kind = "type"                     # weapon_sighting, attack, strike, clash, ...
    equipment_class = "weapon"        # a class id or alias (T-72 -> tank)
    equipment_count = "count"
    precision_km = "precision_km"     # a radius in km
    text = "description"
    actors = ["unit", "side"]
    fatalities = "killed"             # also fatalities_low, fatalities_high, civilians

    [defaults]
    kind = "weapon_sighting"          # when the file has no kind column
    precision_km = 1.0                # when the file has no precision column
    date_precision_days = 0

Where no class is given, it is inferred from the text (and marked inferred).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from ...agreement.classes import CATALOGUE, class_lookup
from ...errors import InputError
from ..columns import EventColumns, RowProblem
from ..model import EventKind
from ..validate import REASONS
from ._arrow import Converter, strings
from ._common import DAY, actor_column, infer_column, new_columns
from ._csv import CsvBatch

__all__ = ["FIELDS", "ColumnMap", "columns", "load_map", "parse_map_options"]

#: Event fields a mapping may name, and what they hold.
FIELDS = MappingProxyType(
    {
        "source_id": "the source's id of the row",
        "date": "the day (start and end)",
        "date_start": "first day",
        "date_end": "last day",
        "lon": "longitude (WGS84)",
        "lat": "latitude (WGS84)",
        "kind": "event kind",
        "equipment_class": "equipment class id or alias",
        "equipment_count": "how many items",
        "precision_km": "location precision radius, km",
        "text": "free text",
        "actors": "actor column(s)",
        "fatalities": "fatalities (best estimate)",
        "fatalities_low": "fatalities, low estimate",
        "fatalities_high": "fatalities, high estimate",
        "civilians": "civilian fatalities",
    }
)


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which CSV column holds which event field, and defaults for absent ones."""

    source: str = "csv"
    columns: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    kind: str = EventKind.INCIDENT.value
    precision_km: float = 1.0
    date_precision_days: float = 0.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise InputError(
                f"unknown field(s) in the column mapping: {', '.join(unknown)}; "
                f"expected some of: {', '.join(FIELDS)}"
            )
        try:
            EventKind.parse(self.kind)
        except ValueError as exc:
            raise InputError(str(exc)) from None

    def column(self, name: str) -> str | None:
        value = self.columns.get(name)
        return value if isinstance(value, str) else None


_DEFAULTS = ("kind", "precision_km", "date_precision_days")


def _from_dict(data: Mapping[str, Any], origin: str) -> ColumnMap:
    """A :class:`ColumnMap` from a parsed mapping; every mistake in it reported at once."""
    problems: list[str] = []
    unknown = sorted(set(data) - {"source", "columns", "defaults"})
    if unknown:
        problems.append(
            f"unknown key(s) {', '.join(unknown)}; expected source, [columns] and [defaults]"
        )
    raw_cols = data.get("columns", {})
    defaults = data.get("defaults", {})
    for name, value in (("columns", raw_cols), ("defaults", defaults)):
        if not isinstance(value, Mapping):
            problems.append(f"{name} must be a table ([{name}]), not {value!r}")
    raw_cols = raw_cols if isinstance(raw_cols, Mapping) else {}
    defaults = defaults if isinstance(defaults, Mapping) else {}
    cols: dict[str, str | tuple[str, ...]] = {}
    for key, value in raw_cols.items():
        if isinstance(value, str):
            cols[key] = value
        elif (
            key == "actors"
            and isinstance(value, list | tuple)  # a TOML array, or ``--map actors=a,b``
            and all(isinstance(v, str) for v in value)
        ):
            cols[key] = tuple(value)
        else:
            what = "a column name or a list of them" if key == "actors" else "a column name"
            problems.append(f"columns.{key} = {value!r}: expected {what}")
    unknown = sorted(set(defaults) - set(_DEFAULTS))
    if unknown:
        problems.append(
            f"unknown default(s) {', '.join(unknown)}; expected some of: {', '.join(_DEFAULTS)}"
        )
    numbers: dict[str, float] = {}
    for key, fallback in (("precision_km", 1.0), ("date_precision_days", 0.0)):
        value = defaults.get(key, fallback)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if isinstance(value, bool) or not number >= 0 or number == float("inf"):
            problems.append(f"defaults.{key} = {value!r}: expected a number >= 0")
        numbers[key] = number
    kind = defaults.get("kind", EventKind.INCIDENT.value)
    try:
        EventKind.parse(str(kind))
    except ValueError as exc:
        problems.append(f"defaults.kind: {exc}")
    unknown = sorted(set(cols) - set(FIELDS))
    if unknown:
        problems.append(
            f"unknown field(s) {', '.join(unknown)}; expected some of: {', '.join(FIELDS)}"
        )
    if problems:
        count = len(problems)
        lines = [f"{origin}: bad column mapping ({count} problem{'s' * (count != 1)}):"]
        raise InputError("\n".join([*lines, *(f"  - {p}" for p in problems)]))
    return ColumnMap(
        source=str(data.get("source", "csv")),
        columns=cols,
        kind=str(kind),
        precision_km=numbers["precision_km"],
        date_precision_days=numbers["date_precision_days"],
    )


def load_map(path: Path) -> ColumnMap:
    """A :class:`ColumnMap` from a TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the column mapping {path}: {exc}") from exc
    return _from_dict(data, str(path))


def parse_map_options(options: Sequence[str], source: str = "csv") -> ColumnMap:
    """A :class:`ColumnMap` from ``field=column`` strings (``actors=a,b`` for several).

    >>> parse_map_options(["lon=x", "lat=y", "date=day"]).columns["lon"]
    'x'
    """
    cols: dict[str, str | tuple[str, ...]] = {}
    defaults: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise InputError(f"--map {option!r}: expected field=column")
        key = key.strip()
        if key.startswith("default."):
            defaults[key.removeprefix("default.")] = value
        elif key == "actors":
            cols[key] = tuple(v.strip() for v in value.split(","))
        else:
            cols[key] = value.strip()
    return _from_dict({"source": source, "columns": cols, "defaults": defaults}, "--map")


def columns(batch: CsvBatch, mapping: ColumnMap) -> EventColumns:
    """One batch of rows as event columns, through ``mapping``."""
    n = len(batch)
    conv = Converter(n)
    problems: list[RowProblem] = conv.problems

    def get(name: str) -> Any:
        col = mapping.column(name)
        return batch.column(col) if col else None

    names = {
        "source_id": mapping.column("source_id") or "source_id",
        "date_start": mapping.column("date_start") or mapping.column("date") or "date_start",
        "date_end": mapping.column("date_end") or mapping.column("date") or "date_end",
        "longitude": mapping.column("lon") or "lon",
        "latitude": mapping.column("lat") or "lat",
        "fatalities_best": mapping.column("fatalities") or "fatalities",
    }
    for key in (
        "fatalities_low",
        "fatalities_high",
        "civilians",
        "equipment_count",
        "precision_km",
        "text",
        "equipment_class",
        "kind",
    ):
        names[key] = mapping.column(key) or key
    actor_cols = mapping.columns.get("actors", ())
    actor_names = (actor_cols,) if isinstance(actor_cols, str) else actor_cols
    names["actors"] = ",".join(actor_names) or "actors"
    # a day lasts the whole day; a time with its UTC offset is that instant; a blank end
    # (or no end column) ends where the start does
    start, start_instant = conv.times(get("date_start") or get("date"), names["date_start"])
    end = np.where(start_instant, start, start + DAY)
    if get("date_end") is not None:
        given, end_instant = conv.times(get("date_end"), names["date_end"])
        given = np.where(end_instant, given, given + DAY)
        end = np.where(np.isnat(given), end, given)
    lon = conv.floats(get("lon"), names["longitude"])
    lat = conv.floats(get("lat"), names["latitude"])
    radius = conv.floats(get("precision_km"), names["precision_km"])
    # a blank radius takes the default (a new array: a cast column may be read-only)
    radius = np.where(np.isnan(radius), mapping.precision_km, radius)
    count = conv.floats(get("equipment_count"), names["equipment_count"], integer=True)
    best = conv.floats(get("fatalities"), names["fatalities_best"], integer=True)
    low = conv.floats(get("fatalities_low"), names["fatalities_low"], integer=True)
    high = conv.floats(get("fatalities_high"), names["fatalities_high"], integer=True)
    civilians = conv.floats(get("civilians"), names["civilians"], integer=True)
    text = strings(get("text"), n)
    kind = _kinds(strings(get("kind"), n), mapping.kind, names["kind"], problems)
    eq_class, inferred, words = _classes(
        strings(get("equipment_class"), n), text, names["equipment_class"], problems
    )
    actors = actor_column(batch, actor_names)
    cols = new_columns(
        mapping.source,
        batch,
        source_id=strings(get("source_id"), n),
        kind=kind,
        start=start,
        end=end,
        date_precision=np.full(n, "", dtype=object),
        date_precision_days=np.full(n, mapping.date_precision_days),
        lon=lon,
        lat=lat,
        location_precision=np.full(n, "km", dtype=object),
        precision_km=radius,
        equipment_class=eq_class,
        equipment_count=count,
        equipment_inferred=inferred,
        inferred_from=words,
        actors=actors,
        best=best,
        low=low,
        high=high,
        civilians=civilians,
        text=text,
        problems=problems,
        names=names,
    )
    if get("source_id") is None:
        cols.source_id = np.array(
            ["sha256:" + h[:32] for h in cols.original_hash.tolist()], dtype=object
        )
    else:
        cols.source_id = np.array([s.strip() for s in cols.source_id.tolist()], dtype=object)
    return cols


def _kinds(
    values: npt.NDArray[np.object_], default: str, name: str, problems: list[RowProblem]
) -> npt.NDArray[np.object_]:
    """Kinds of the ``name`` column (``default`` where blank); a problem for unknown ones."""
    out = np.full(len(values), EventKind.parse(default).value, dtype=object)
    options = ", ".join(k.value for k in EventKind)
    for i, raw in enumerate(values.tolist()):
        if raw.strip():
            try:
                out[i] = EventKind.parse(raw).value
            except ValueError:
                reason = f"{REASONS['kind']} (expected one of: {options})"
                problems.append(RowProblem(i, name, raw, reason))
    return out


def _classes(
    given: npt.NDArray[np.object_],
    text: npt.NDArray[np.object_],
    name: str,
    problems: list[RowProblem],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    lookup = class_lookup()
    inferred_class, words = infer_column(text)
    out = inferred_class.copy()
    inferred = np.array([c is not None for c in inferred_class.tolist()], dtype=bool)
    for i, raw in enumerate(given.tolist()):
        key = raw.strip().lower()
        if not key:
            continue
        cls = lookup.get(key)
        if cls is None:
            options = ", ".join(sorted(CATALOGUE))
            problems.append(
                RowProblem(
                    i,
                    name,
                    raw,
                    f"unknown equipment class (expected one of: {options})",
                )
            )
            continue
        out[i], inferred[i], words[i] = cls, False, ""
    return out, inferred, words
