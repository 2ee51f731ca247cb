"""The event store: events, quarantine, probable-duplicate links and the evidence log.

SQLite by default (one file, WAL), PostgreSQL with PostGIS for a server
(``postgresql://...``). Writes happen in batches, one transaction per batch, each holding
the rows, their quarantine entries and their evidence entries: a process killed at any
moment leaves whole batches or nothing, and re-running the ingest completes it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ..events.columns import EventColumns, int_or_none
from ..events.model import Event, EventKind
from ._db import Database, connect
from ._rows import content_hashes, event_entries, event_params
from .evidence import EvidenceLog
from .migrations import migrate

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_FIELDS",
    "INGEST_COUNTS",
    "PreparedBatch",
    "QuarantineRow",
    "Store",
    "open_store",
    "prepare_batch",
    "refused_id",
    "refused_row",
    "unsigned_zeros",
]

#: Stored event columns, in the order of :meth:`Event.hashed_values` (original by its hash).
EVENT_FIELDS = (
    "source",
    "source_id",
    "kind",
    "start_time",
    "end_time",
    "date_precision",
    "date_precision_days",
    "lon",
    "lat",
    "location_precision",
    "precision_km",
    "equipment_class",
    "equipment_count",
    "equipment_inferred",
    "inferred_from",
    "actors",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "civilians",
    "text",
    "original_hash",
)
#: The columns an event is inserted with, in the order of :func:`~._rows.event_params`.
EVENT_COLUMNS = (*EVENT_FIELDS, "original", "content_hash", "ingest_id", "line")


class QuarantineRow(NamedTuple):
    """A refused row to quarantine: its line (None: none), the sha256 of its original row,
    every problem found (``field``, ``value``, ``reason``), the original row as JSON text and
    the source's own id of the row (None when it has none: see :func:`refused_id`)."""

    line: int | None
    row_hash: str
    problems: list[dict[str, str]]
    original: str
    source_id: str | None


def refused_row(cols: EventColumns, i: int, problems: list[dict[str, str]]) -> QuarantineRow:
    """Row ``i`` of ``cols`` to quarantine with its problems, under its own id if any."""
    digest = str(cols.original_hash[i])
    return QuarantineRow(
        int(cols.line[i]),
        digest,
        problems,
        str(cols.original[i]),
        refused_id(str(cols.source_id[i]), digest),
    )


def refused_id(source_id: str, original_hash: str) -> str | None:
    """The id a refused row is quarantined with: its source id as the reader gave it, or None
    when it is empty, is the content id a reader made for a source without ids (``sha256:``
    and the start of the row's own hash), which no corrected row can share, or holds a NUL
    character (PostgreSQL cannot store it; no event is stored under it).

    >>> refused_id("17", "ab" * 32), refused_id(" ", "ab" * 32), refused_id("1\\x007", "")
    ('17', None, None)
    >>> refused_id("sha256:" + "ab" * 16, "ab" * 32) is None
    True
    """
    if not source_id.strip() or source_id == "sha256:" + original_hash[:32]:
        return None
    if "\x00" in source_id:
        return None
    return source_id


#: The counts of an ingest, as its row and its ``ingest_finished`` evidence entry hold them.
INGEST_COUNTS = ("read", "stored", "duplicates", "quarantined")

# The event that corrected quarantined row ``q``: same source and id, stored by a later ingest
# (events.source and source_id are unique, so there is at most one)
_CORRECTED_BY = (
    "(SELECT e.id FROM events e WHERE e.source = q.source AND e.source_id = q.source_id "
    "AND e.ingest_id > q.ingest_id)"
)

_LOOKUP_COLUMNS = frozenset({"id", *EVENT_FIELDS, "original", "content_hash", "ingest_id"})


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """Valid rows ready to insert: parameters, content hashes, ids and lines, in row order,
    and the ingest they come from."""

    source: str
    params: list[tuple[Any, ...]]
    hashes: list[str]
    source_ids: list[str]
    ingest_id: int | None
    lines: npt.NDArray[np.int64]


#: The float columns of a batch that are stored as floats (the others are whole numbers).
_FLOAT_COLUMNS = ("date_precision_days", "lon", "lat", "precision_km")


def unsigned_zeros(cols: EventColumns) -> EventColumns:
    """``cols`` with each negative zero of a float column made 0.0 (a copy when any is).

    SQLite stores a whole REAL as an integer and reads -0.0 back as 0.0: an event hashed
    with -0.0 would then no longer match its content hash there, and the two backends would
    show different values. The store keeps every zero unsigned, on both backends.
    """
    fixed: dict[str, Any] = {}
    for name in _FLOAT_COLUMNS:
        values: npt.NDArray[np.float64] = getattr(cols, name)
        negative_zero = (values == 0) & np.signbit(values)
        if negative_zero.any():
            fixed[name] = np.where(negative_zero, 0.0, values)
    return replace(cols, **fixed) if fixed else cols


def prepare_batch(cols: EventColumns, ingest_id: int | None) -> PreparedBatch:
    """Content hashes and insert parameters of ``cols`` (no database work; negative zeros
    are stored as 0.0, see :func:`unsigned_zeros`)."""
    cols = unsigned_zeros(cols)
    hashes = content_hashes(cols)
    return PreparedBatch(
        cols.source,
        event_params(cols, hashes, ingest_id),
        hashes,
        cols.source_id.tolist(),
        ingest_id,
        cols.line,
    )


def hashed_from_stored(row: Sequence[Any]) -> list[Any]:
    """The hashed values of an event from its stored columns (in :data:`EVENT_FIELDS` order)."""
    values = list(row)
    for i in (6, 7, 8, 10):
        values[i] = float(values[i])
    for i in (12, 16, 17, 18, 19):
        values[i] = int_or_none(None if values[i] is None else float(values[i]))
    values[13] = bool(values[13])
    return values


class Store:
    """An open store; use as a context manager or call :meth:`close`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.log = EvidenceLog(db)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- ingests -------------------------------------------------------------------------

    def start_ingest(self, file: str, fmt: str, source: str) -> int:
        """A new ingest of ``file``; its row and its ``ingest`` evidence entry (file, format,
        source, start time) are written in one transaction. Returns its id."""
        with self.db.transaction():
            started = _now()
            cur = self.db.execute(
                "INSERT INTO ingests (file, format, source, started_at) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (file, fmt, source, started),
            )
            ingest_id = int(cur.fetchone()[0])
            payload = {"file": file, "format": fmt, "source": source, "started_at": started}
            self.log.extend([("ingest", str(ingest_id), payload)])
        return ingest_id

    def finish_ingest(self, ingest_id: int, counts: dict[str, int]) -> None:
        """Record the end of an ingest and its counts (``read``, ``stored``, ``duplicates``,
        ``quarantined``), with its ``ingest_finished`` evidence entry in the same transaction."""
        with self.db.transaction():
            payload: dict[str, Any] = {"finished_at": _now()}
            payload.update({k: int(counts[k]) for k in INGEST_COUNTS})
            self.db.execute(
                "UPDATE ingests SET finished_at = ?, read = ?, stored = ?, duplicates = ?, "
                "quarantined = ? WHERE id = ?",
                (payload["finished_at"], *(payload[k] for k in INGEST_COUNTS), ingest_id),
            )
            self.log.extend([("ingest_finished", str(ingest_id), payload)])

    def write_batch(
        self,
        cols: EventColumns,
        quarantine: Sequence[QuarantineRow],
        *,
        file: str,
        ingest_id: int,
    ) -> tuple[list[int], list[tuple[int, str, str]]]:
        """Store valid rows ``cols`` and ``quarantine`` entries in one transaction.

        Returns the indexes of rows stored and, for rows not stored because their
        (source, source_id) is taken, (index, stored content hash, this row's content hash).
        Each new event and quarantine row gets its evidence entry in the same transaction.
        """
        return self.write_prepared(
            prepare_batch(cols, ingest_id), quarantine, file=file, ingest_id=ingest_id
        )

    def write_prepared(
        self,
        batch: PreparedBatch,
        quarantine: Sequence[QuarantineRow],
        *,
        file: str,
        ingest_id: int,
    ) -> tuple[list[int], list[tuple[int, str, str]]]:
        """:meth:`write_batch` of a batch :func:`prepare_batch` made (maybe in another thread)."""
        params, hashes, source_ids = batch.params, batch.hashes, batch.source_ids
        lines = batch.lines
        db = self.db
        with db.transaction():
            before = int(db.scalar("SELECT COALESCE(MAX(id), 0) FROM events"))
            known: dict[str, str] | None = None
            if db.dialect == "sqlite":
                inserted = db.insert_rows("events", EVENT_COLUMNS, params, skip_conflicts=True)
            else:
                # every writer of events holds the transaction's lock: the ids not stored
                # yet stay free until this commit, and go in as one COPY stream
                known = self.by_source_id(batch.source, source_ids, "content_hash")
                fresh = [p for p, sid in zip(params, source_ids, strict=True) if sid not in known]
                inserted = db.insert_rows("events", EVENT_COLUMNS, fresh)
            if db.dialect == "sqlite" and inserted == len(params):
                # one writer holds the lock and every row went in: ids follow in order
                stored = list(range(len(params)))
                ids: Sequence[int] = range(before + 1, before + 1 + len(params))
                taken: list[tuple[int, str, str]] = []
            else:
                stored, ids, taken = self._sort_out(batch.source, source_ids, hashes, before, known)
            if len(stored) < len(params):
                source_ids = [source_ids[i] for i in stored]
                hashes = [hashes[i] for i in stored]
                lines = lines[np.asarray(stored, dtype=np.intp)]
            record_ids = [str(e) for e in ids]
            payloads, bodies = event_entries(
                batch.source, source_ids, hashes, record_ids, batch.ingest_id, lines
            )
            self.log.extend_built("event", record_ids, payloads, bodies)
            if quarantine:
                self._quarantine(batch.source, quarantine, file=file, ingest_id=ingest_id)
        return stored, taken

    def _sort_out(
        self,
        source: str,
        source_ids: list[str],
        hashes: list[str],
        before: int,
        existing: dict[str, str] | None = None,
    ) -> tuple[list[int], list[int], list[tuple[int, str, str]]]:
        """Which rows were stored (and their ids), which were not (the id was taken).

        ``existing``: the content hashes of the batch's ids stored before it, when the
        caller looked them up already."""
        new = self.db.query(
            "SELECT id, source_id, content_hash FROM events WHERE id > ? ORDER BY id", (before,)
        )
        new_ids = {sid: (int(eid), h) for eid, sid, h in new}
        stored: list[int] = []
        missing: list[int] = []
        for i, sid in enumerate(source_ids):
            hit = new_ids.get(sid)
            if hit is not None and hit[1] == hashes[i]:
                stored.append(i)
            else:
                missing.append(i)
        stored.sort(key=lambda i: new_ids[source_ids[i]][0])
        taken: list[tuple[int, str, str]] = []
        if missing:
            if existing is None:
                existing = self._content_hashes(source, [source_ids[i] for i in missing])
            taken = [(i, existing.get(source_ids[i], ""), hashes[i]) for i in missing]
        return stored, [new_ids[source_ids[i]][0] for i in stored], taken

    def _quarantine(
        self, source: str, quarantine: Sequence[QuarantineRow], *, file: str, ingest_id: int
    ) -> None:
        db = self.db
        qbefore = int(db.scalar("SELECT COALESCE(MAX(id), 0) FROM quarantine"))
        db.executemany(
            "INSERT INTO quarantine (source, file, line, row_hash, problems, original, "
            "ingest_id, source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                (
                    source,
                    file,
                    q.line,
                    q.row_hash,
                    json.dumps(q.problems),
                    q.original,
                    ingest_id,
                    q.source_id,
                )
                for q in quarantine
            ],
        )
        self.log.extend(
            [
                (
                    "quarantine",
                    str(qid),
                    {
                        "row_hash": row_hash,
                        "source": source,
                        "problems": json.loads(problems),
                        "file": file_,
                        "line": None if line is None else int(line),
                        "ingest": None if iid is None else int(iid),
                        "source_id": sid,
                    },
                )
                for qid, row_hash, problems, file_, line, iid, sid in db.query(
                    "SELECT id, row_hash, problems, file, line, ingest_id, source_id "
                    "FROM quarantine WHERE id > ? ORDER BY id",
                    (qbefore,),
                )
            ]
        )

    def _content_hashes(self, source: str, ids: Sequence[str]) -> dict[str, str]:
        return self.by_source_id(source, ids, "content_hash")

    def by_source_id(self, source: str, source_ids: Sequence[str], column: str) -> dict[str, str]:
        """``{source_id: column}`` of the stored events of ``source`` with these ids.

        ``column`` is one of the events table's columns (``id``, ``content_hash``,
        ``original``, ...); values come back as text.
        """
        if column not in _LOOKUP_COLUMNS:
            raise ValueError(f"not an events column to look up: {column!r}")
        out: dict[str, str] = {}
        if not self.db.storable(source):
            return out
        # an id the database cannot hold is stored under no source
        unique = sorted({sid for sid in source_ids if self.db.storable(sid)})
        if self.db.dialect == "postgresql" and unique:  # one query, the ids as an array
            rows = self.db.query(
                f"SELECT source_id, {column} FROM events WHERE source = ? AND source_id = ANY(?)",
                (source, unique),
            )
            return {str(sid): str(value) for sid, value in rows}
        for k in range(0, len(unique), 500):
            chunk = unique[k : k + 500]
            marks = ", ".join("?" * len(chunk))
            for sid, value in self.db.query(
                f"SELECT source_id, {column} FROM events WHERE source = ? "
                f"AND source_id IN ({marks})",
                (source, *chunk),
            ):
                out[str(sid)] = str(value)
        return out

    # -- reading -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows in each table."""
        return {
            t: int(self.db.scalar(f"SELECT COUNT(*) FROM {t}"))
            for t in ("events", "quarantine", "links", "evidence")
        }

    def ingests(self) -> list[dict[str, Any]]:
        """Every ingest, oldest first: file, format, source, times, counts and status.

        An ingest with no finish time was interrupted (killed, or failed on an unreadable
        file): what it committed is kept, and running it again completes it.
        """
        out = []
        for row in self.db.query(
            "SELECT id, file, format, source, started_at, finished_at, read, stored, "
            "duplicates, quarantined FROM ingests ORDER BY id"
        ):
            iid, file, fmt, source, started, finished, *counts = row
            out.append(
                {
                    "id": int(iid),
                    "file": file,
                    "format": fmt,
                    "source": source,
                    "started_at": started,
                    "finished_at": finished,
                    "status": "finished" if finished else "interrupted",
                    **dict(
                        zip(
                            INGEST_COUNTS,
                            (int(c) for c in counts),
                            strict=True,
                        )
                    ),
                }
            )
        return out

    def quarantined(
        self,
        *,
        source: str | None = None,
        file: str | None = None,
        reason: str | None = None,
        ingest_id: int | None = None,
        open_only: bool = False,
    ) -> list[dict[str, Any]]:
        """One dict per problem of a quarantined row: source, file, line, field, value, reason,
        the original row, its ingest, its ``source_id`` and ``corrected_by``.

        A row refused by several files (or at several lines of one file) is listed under each
        of them, with that file's line, ingest and problems; re-ingesting a file lists nothing
        twice (its rows stay under the ingest that first refused them there).

        ``source_id`` is the source's own id of the row (None when the source gives none, the
        row could not be read into fields, or it was quarantined before ids were kept).
        ``corrected_by`` is the id of the event of the same source with that id that a LATER
        ingest stored (a corrected version), or None while the row is open. An event stored
        by the refusing ingest itself (the first copy of an id repeated with other content) or
        by an earlier one (the id was already taken) does not correct it, nor does an event
        merged from a bundle (it has no ingest).

        Filters: ``source`` and ``ingest_id`` exactly, ``file`` by its path or its name,
        ``reason`` as a case-insensitive substring of a problem's reason (the rows kept then
        list only their matching problems), ``open_only``: the rows not corrected.
        """
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("q.source", source), ("q.ingest_id", ingest_id)):
            if value is not None:
                if not self.db.storable(value):  # no row holds it
                    return []
                where.append(f"{column} = ?")
                params.append(value)
        if open_only:
            where.append(f"{_CORRECTED_BY} IS NULL")
        sql = (
            "SELECT q.id, q.source, q.file, q.line, q.problems, q.original, q.ingest_id, "
            f"q.source_id, {_CORRECTED_BY} FROM quarantine q"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        needle = reason.casefold() if reason else None
        out = []
        for qid, source_, file_, line, problems, original, iid, sid, fixed in self.db.query(
            sql + " ORDER BY q.id", params
        ):
            if file is not None and file not in (file_, Path(file_).name):
                continue
            for p in json.loads(problems):
                if needle is not None and needle not in p["reason"].casefold():
                    continue
                out.append(
                    {
                        "id": int(qid),
                        "source": source_,
                        "file": file_,
                        "line": None if line is None else int(line),
                        "field": p["field"],
                        "value": p["value"],
                        "reason": p["reason"],
                        "original": original,
                        "ingest_id": None if iid is None else int(iid),
                        "source_id": sid,
                        "corrected_by": None if fixed is None else int(fixed),
                    }
                )
        return out

    def events(self, since: dt.date | None = None) -> Iterator[tuple[int, Event]]:
        """(id, event) for stored events, by start time (from ``since`` when given)."""
        where = ""
        params: tuple[str, ...] = ()
        if since is not None:
            where = "WHERE start_time >= ?"
            params = (f"{since.isoformat()}T00:00:00+00:00",)
        cur = self.db.execute(
            f"SELECT id, {', '.join(EVENT_FIELDS)}, original, content_hash FROM events {where} "
            "ORDER BY start_time, id",
            params,
        )
        for row in cur:
            yield int(row[0]), row_to_event(row[1:])

    def links(self) -> list[dict[str, Any]]:
        """Probable-duplicate links with their reasons."""
        return [
            {"id": int(i), "event_a": int(a), "event_b": int(b), "reason": json.loads(r)}
            for i, a, b, r in self.db.query(
                "SELECT id, event_a, event_b, reason FROM links ORDER BY id"
            )
        ]


def row_to_event(row: Sequence[Any]) -> Event:
    """An :class:`Event` from stored columns (EVENT_FIELDS, original, content_hash)."""
    v = hashed_from_stored(row[: len(EVENT_FIELDS)])
    original, content_hash = row[len(EVENT_FIELDS)], row[len(EVENT_FIELDS) + 1]
    return Event(
        source=v[0],
        source_id=v[1],
        kind=EventKind(v[2]),
        start=dt.datetime.fromisoformat(v[3]),
        end=dt.datetime.fromisoformat(v[4]),
        date_precision=v[5],
        date_precision_days=v[6],
        lon=v[7],
        lat=v[8],
        location_precision=v[9],
        precision_km=v[10],
        equipment_class=v[11],
        equipment_count=v[12],
        equipment_inferred=v[13],
        inferred_from=tuple(x for x in v[14].split("; ") if x),
        actors=tuple(x for x in v[15].split("; ") if x),
        fatalities_best=v[16],
        fatalities_low=v[17],
        fatalities_high=v[18],
        civilians=v[19],
        text=v[20],
        original=json.loads(original),
        content_hash=content_hash,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def open_store(url: str | Path) -> Store:
    """Open (and migrate) the store at a SQLite path or a ``postgresql://`` URL."""
    db = connect(url)
    migrate(db)
    return Store(db)
