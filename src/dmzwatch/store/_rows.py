"""Event columns to database rows and content hashes, a whole batch at a time.

:func:`content_hashes` gives, for every row of an
:class:`~dmzwatch.events.columns.EventColumns`, exactly the hash that
:meth:`Event.hashed_values <dmzwatch.events.model.Event.hashed_values>` and
:func:`~dmzwatch.events.model.event_hash` give for that event: the canonical JSON array is
written for the whole batch by :func:`dmzwatch.events._json.build` (floats through
``repr`` once per distinct value, as ``json.dumps`` writes them). Anything unusual (a
value ``json.dumps`` would refuse, a date outside years 0-9999, an object that is not a
string) falls back to the row-by-row reference path, which raises the same errors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ..events._json import RAW, Column, build, sha256_rows
from ..events.columns import EventColumns, hashed_columns, hashed_rows, int_list
from ..events.columns import content_hashes as reference_hashes
from ..events.model import canonical_json
from ..events.readers._arrow import as_strings, column_of
from .evidence import entry_body

__all__ = [
    "content_hashes",
    "event_entries",
    "event_params",
    "event_payload",
    "int_list",
    "reference_entries",
]


class _Unusual(Exception):
    """A value the batch path does not handle: use the reference path."""


def _strings(values: npt.NDArray[Any]) -> Column:
    try:
        arr = pa.array(values, type=pa.string(), from_pandas=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise _Unusual(str(exc)) from exc
    return column_of(arr)


def _distinct(values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any]]:
    if values.dtype != np.float64:
        raise _Unusual(f"dtype {values.dtype}")
    bits, inverse = np.unique(np.ascontiguousarray(values).view(np.int64), return_inverse=True)
    return bits.view(np.float64), inverse


def _floats(values: npt.NDArray[np.float64]) -> Column:
    if not np.isfinite(values).all():
        raise _Unusual("not finite")
    distinct, inverse = _distinct(values)
    return Column.lookup([repr(float(v)).encode() for v in distinct.tolist()], inverse)


def _ints(values: npt.NDArray[np.float64]) -> Column:
    if np.isinf(values).any():
        raise _Unusual("not finite")
    distinct, inverse = _distinct(values)
    table = [None if v != v else str(int(v)).encode() for v in distinct.tolist()]
    return Column.lookup(table, inverse)


def _times(values: npt.NDArray[np.datetime64]) -> Column:
    if np.isnat(values).any():
        raise _Unusual("NaT")
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s").astype("S20")
    width = text.view(np.uint8).reshape(-1, 20)
    if width[:, 19].any() or not width[:, 18].all():
        raise _Unusual("year outside 0-9999")
    return Column.fixed(text.astype("S19"))


def _hex(hashes: Sequence[str]) -> Column:
    joined = "".join(hashes)
    if len(joined) != 64 * len(hashes) or not joined.isascii():
        raise _Unusual("not sha256 hex")
    return Column.fixed(np.frombuffer(joined.encode(), dtype="S64"))


def content_hashes(cols: EventColumns) -> list[str]:
    """The content hash of every row (as :meth:`Event.hashed_values` would hash it)."""
    n = len(cols)
    if n == 0:
        return []
    try:
        source = json.dumps(cols.source, ensure_ascii=False).encode()
        flag = Column.lookup([b"false", b"true"], cols.equipment_inferred.astype(np.intp))
        parts: list[bytes | Column] = [
            b"[" + source + b",",
            _strings(cols.source_id),
            b",",
            _strings(cols.kind),
            b',"',
            _times(cols.start),
            b'+00:00","',
            _times(cols.end),
            b'+00:00",',
            _strings(cols.date_precision),
            b",",
            _floats(cols.date_precision_days),
            b",",
            _floats(cols.lon),
            b",",
            _floats(cols.lat),
            b",",
            _strings(cols.location_precision),
            b",",
            _floats(cols.precision_km),
            b",",
            _strings(cols.equipment_class),
            b",",
            _ints(cols.equipment_count),
            b",",
            flag,
            b",",
            _strings(cols.inferred_from),
            b",",
            _strings(cols.actors),
            b",",
            _ints(cols.best),
            b",",
            _ints(cols.low),
            b",",
            _ints(cols.high),
            b",",
            _ints(cols.civilians),
            b",",
            _strings(cols.text),
            b',"',
            _hex(cols.original_hash.tolist()),
            b'"]',
        ]
    except _Unusual:
        return reference_hashes(hashed_rows(cols))
    return sha256_rows(build(n, parts))


def event_params(
    cols: EventColumns, hashes: Sequence[str], ingest_id: int | None
) -> list[tuple[Any, ...]]:
    """Insert parameters of every row: the stored event fields, original, content hash,
    ingest and line (the column order of ``store.EVENT_COLUMNS``)."""
    columns: list[Sequence[Any]] = [
        *hashed_columns(cols),
        cols.original.tolist(),
        hashes,
        [ingest_id] * len(cols),
        cols.line.tolist(),
    ]
    return list(zip(*columns, strict=True))


Lines = Sequence[int | None] | npt.NDArray[np.int64]
"""The line of each row in its file (None: no line)."""
Built = tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]


def event_payload(
    content_hash: str, source: str, source_id: str, ingest: int | None, line: int | None
) -> dict[str, Any]:
    """The evidence payload of a new event: its content hash, id and provenance."""
    return {
        "content_hash": content_hash,
        "ingest": ingest,
        "line": line,
        "source": source,
        "source_id": source_id,
    }


def event_entries(
    source: str,
    source_ids: Sequence[str],
    hashes: Sequence[str],
    record_ids: Sequence[str],
    ingest: int | None,
    lines: Lines,
) -> tuple[list[str], Built]:
    """Evidence entries of new events: each canonical payload JSON (:func:`event_payload`:
    ``{"content_hash", "ingest", "line", "source", "source_id"}``) and, built for the batch,
    the body each entry's hash covers (:func:`~dmzwatch.store.evidence.entry_body`).

    ``ingest``: the ingest all the rows come from (None: none); ``lines``: each row's line.
    """
    try:
        return _built_entries(source, source_ids, hashes, record_ids, ingest, lines)
    except _Unusual:
        return reference_entries(source, source_ids, hashes, record_ids, ingest, lines)


def reference_entries(
    source: str,
    source_ids: Sequence[str],
    hashes: Sequence[str],
    record_ids: Sequence[str],
    ingest: int | None,
    lines: Lines,
) -> tuple[list[str], Built]:
    """:func:`event_entries` one row at a time through :func:`canonical_json` (the reference,
    and the path of anything the batch path does not handle)."""
    line_values = lines.tolist() if isinstance(lines, np.ndarray) else list(lines)
    payloads = [
        canonical_json(event_payload(h, source, sid, ingest, line))
        for h, sid, line in zip(hashes, source_ids, line_values, strict=True)
    ]
    bodies = [entry_body("event", r, p) for r, p in zip(record_ids, payloads, strict=True)]
    return payloads, build(len(hashes), [Column.of_strings(bodies, RAW)])


def _line_numbers(lines: Lines) -> Column:
    try:
        arr = pa.array(lines, type=pa.int64())
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
        raise _Unusual(str(exc)) from exc
    return column_of(arr.cast(pa.string()), RAW)


def _built_entries(
    source: str,
    source_ids: Sequence[str],
    hashes: Sequence[str],
    record_ids: Sequence[str],
    ingest: int | None,
    lines: Lines,
) -> tuple[list[str], Built]:
    """:func:`event_entries` for the whole batch at once (:class:`_Unusual` if it cannot)."""
    n = len(hashes)
    if len(source_ids) != n or len(record_ids) != n or len(lines) != n:
        raise ValueError("one source id, record id and line per content hash")
    src = json.dumps(source, ensure_ascii=False).encode()
    ingest_json = b"null" if ingest is None else str(int(ingest)).encode()
    parts: list[bytes | Column] = [
        b'{"content_hash":"',
        _hex(hashes),
        b'","ingest":' + ingest_json + b',"line":',
        _line_numbers(lines),
        b',"source":' + src + b',"source_id":',
        _strings(np.asarray(source_ids, dtype=object)),
        b"}",
    ]
    out, offsets = build(n, parts)
    texts: list[str] = as_strings((out, offsets)).to_pylist()
    body = build(
        n,
        [
            b'{"kind":"event","payload":',
            Column(out, offsets[:-1], offsets[1:], RAW),
            b',"record_id":',
            _strings(np.asarray(record_ids, dtype=object)),
            b"}",
        ],
    )
    return texts, body
