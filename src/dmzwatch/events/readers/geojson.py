"""GeoJSON FeatureCollections of Point features, properties mapped as for generic tables.

Property names default to the event field names (``id`` or ``source_id``, ``date`` or
``date_start``/``date_end``, ``kind``, ``equipment_class``, ``text``, ``fatalities``,
``fatalities_low``, ``fatalities_high``, ...); a
:class:`~dmzwatch.events.readers.table.ColumnMap` can rename them. The coordinates come from
the geometry; a feature without an id (in its properties or as the Feature's ``id``) is keyed
by its content. A feature whose geometry is not a Point, or that is not an object with an
object (or null) as properties, is quarantined. A feature without an end date lasts its
start day. The "line" of a feature is its position in the collection (1 = the first feature).

A file is parsed once per ingest: :func:`check_features` (the check before a store is
opened) keeps the features it parsed, and the next :func:`iter_columns` of the same file
takes them, if the file's size and modification time are still those seen before parsing.
One file is kept at a time, and only until that next read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ...errors import InputError
from ..columns import EventColumns, RowProblem
from ..model import sha256_hex
from ._csv import CsvBatch
from .table import ColumnMap
from .table import columns as table_columns

__all__ = ["DEFAULT_MAP", "check_features", "iter_columns", "load_features"]

BATCH = 50_000
DEFAULT_MAP = ColumnMap(
    source="geojson",
    columns={
        "source_id": "id",
        "date_start": "date_start",
        "date_end": "date_end",
        "lon": "__lon",
        "lat": "__lat",
        "kind": "kind",
        "equipment_class": "equipment_class",
        "equipment_count": "equipment_count",
        "precision_km": "precision_km",
        "text": "text",
        "actors": ("actors",),
        "fatalities": "fatalities",
        "fatalities_low": "fatalities_low",
        "fatalities_high": "fatalities_high",
        "civilians": "civilians",
    },
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _parse(path: Path) -> Any:
    """The JSON document of ``path`` (the one place a GeoJSON file is parsed)."""
    return json.loads(path.read_text(encoding="utf-8-sig"))


def load_features(path: Path) -> list[Any]:
    """The features of a FeatureCollection file."""
    try:
        data = _parse(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path} as GeoJSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        if isinstance(data, dict):
            top = f"of type {data['type']!r}" if "type" in data else "an object with no type"
        else:
            top = "a JSON " + {
                list: "array",
                str: "string",
                bool: "boolean",
                type(None): "null",
            }.get(type(data), "number")
        raise InputError(f"{path}: not a GeoJSON FeatureCollection (the top level is {top})")
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(f"{path}: the FeatureCollection has no features list")
    return features


_Key = tuple[str, int, int]
_kept_lock = threading.Lock()
_kept: tuple[_Key, list[Any]] | None = None


def _key(path: Path) -> _Key | None:
    """What identifies the file's content: resolved path, size, modification time (ns)."""
    try:
        st = path.stat()
        return str(path.resolve()), st.st_size, st.st_mtime_ns
    except OSError:
        return None  # not kept: :func:`load_features` names the error


def check_features(path: Path) -> None:
    """Refuse ``path`` unless it is a FeatureCollection; keep its features for the next
    :func:`iter_columns` of the same, unchanged file."""
    global _kept
    with _kept_lock:
        _kept = None  # one file at a time, and not a refused one
    key = _key(path)  # before parsing: a change made while parsing is seen at the next read
    features = load_features(path)
    with _kept_lock:
        _kept = None if key is None else (key, features)


def _take_features(path: Path) -> list[Any]:
    """The features kept by :func:`check_features` if the file is unchanged, else parsed."""
    global _kept
    key = _key(path)
    with _kept_lock:
        kept, _kept = _kept, None  # taken or stale, it is let go either way
    if key is not None and kept is not None and kept[0] == key:
        return kept[1]
    return load_features(path)


def iter_columns(path: Path, mapping: ColumnMap | None = None) -> Iterator[EventColumns]:
    """Batches of event columns from a FeatureCollection (parsed, or kept by
    :func:`check_features`)."""
    features = _take_features(path)
    base = mapping or DEFAULT_MAP
    cols = dict(base.columns)
    cols["lon"], cols["lat"] = "__lon", "__lat"
    if "date_start" in cols and "date" in cols:
        cols.pop("date")
    mapping = ColumnMap(base.source, cols, base.kind, base.precision_km, base.date_precision_days)
    for offset in range(0, len(features), BATCH):
        yield _batch(
            features[offset : offset + BATCH],
            offset,
            mapping,
            date_alias=base.columns == DEFAULT_MAP.columns,
        )


def _properties(feature: Any) -> tuple[dict[str, Any], tuple[str, str, str] | None]:
    """A feature's properties (empty when unusable) and the problem that makes them so."""
    if not isinstance(feature, dict):
        return {}, ("(feature)", _text(feature)[:200], "a feature must be a GeoJSON Feature object")
    props = feature.get("properties")
    if props is None:
        return {}, None
    if not isinstance(props, dict):
        return {}, ("properties", _text(props)[:200], "properties must be an object (or null)")
    return props, None


def _batch(
    features: list[Any], offset: int, mapping: ColumnMap, *, date_alias: bool = False
) -> EventColumns:
    start_col = mapping.column("date_start") or mapping.column("date")
    end_col = mapping.column("date_end")
    names: list[str] = []
    for f in features:
        for key in _properties(f)[0]:
            if key not in names:
                names.append(key)
    for extra in ("id", start_col, end_col):
        if extra and extra not in names:
            names.append(extra)
    names += ["__lon", "__lat"]
    rows: list[dict[str, str]] = []
    problems: list[tuple[int, str, str, str]] = []
    for i, f in enumerate(features):
        props, problem = _properties(f)
        if problem is not None:
            problems.append((i, *problem))
        row = {k: _text(props.get(k)) for k in names[:-2]}
        if not row.get("id") and isinstance(f, dict) and f.get("id") is not None:
            row["id"] = _text(f.get("id"))
        if date_alias and not row.get("id") and props.get("source_id") is not None:
            row["id"] = _text(props.get("source_id"))  # the event field's own name
        if date_alias and start_col and props.get(start_col) is None:
            row[start_col] = _text(props.get("date"))  # the documented ``date`` property
        if end_col and start_col and props.get(end_col) is None:
            row[end_col] = row[start_col]  # no end date: the start day
        geom = f.get("geometry") if isinstance(f, dict) else None
        lon = lat = ""
        if isinstance(geom, dict) and geom.get("type") == "Point":
            coords = geom.get("coordinates")
            if isinstance(coords, list) and len(coords) >= 2:
                lon, lat = _text(coords[0]), _text(coords[1])
            else:
                shown = json.dumps(coords, ensure_ascii=False, default=str)[:200]
                problems.append((i, "geometry", shown, "a Point needs [longitude, latitude]"))
        elif isinstance(f, dict):
            kind = geom.get("type") if isinstance(geom, dict) else geom
            problems.append((i, "geometry", _text(kind), "geometry must be a Point"))
        row["__lon"], row["__lat"] = lon, lat
        rows.append(row)
    batch = CsvBatch(
        names,
        [pa.array([r[k] for r in rows], type=pa.string()) for k in names],
        np.arange(offset + 1, offset + 1 + len(features), dtype=np.int64),
    )
    out = table_columns(batch, mapping)
    # the coordinates come from the geometry: name them so, not by their internal columns
    out.names = {**out.names, "longitude": "longitude", "latitude": "latitude"}
    renamed = {"__lon": "longitude", "__lat": "latitude"}
    out.problems = [
        RowProblem(p.index, renamed.get(p.field, p.field), p.value, p.reason) for p in out.problems
    ]
    texts = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features]
    out.original = np.array(texts, dtype=object)
    out.original_hash = np.array([sha256_hex(t) for t in texts], dtype=object)
    # a feature without an id (GeoJSON's ids are optional) is keyed by its content, whatever
    # the other features of the file hold
    content = np.array(["sha256:" + h[:32] for h in out.original_hash.tolist()], dtype=object)
    if mapping.column("source_id") is None:
        out.source_id = content
    else:
        out.source_id = np.where(out.source_id == "", content, out.source_id)
    out.problems += [RowProblem(*p) for p in problems]
    return out
