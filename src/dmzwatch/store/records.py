"""Stored events as plain records: a filtered list, and one event with its provenance.

:func:`event_rows` lists events (every stored field, oldest first) for the ``events``
command and exports. :func:`event_record` gives one event in full, as a data officer checks
it: the untouched original row, where it came from (ingest, file and line, or the API party
that submitted it), its content hash and evidence entry, and its probable-duplicate links.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from ._db import INT64_MAX
from .store import EVENT_FIELDS, Store, hashed_from_stored

__all__ = ["event_record", "event_rows", "utc_iso"]

_LISTS = ("inferred_from", "actors")


def utc_iso(when: dt.datetime) -> str:
    """``when`` as stored times are written: UTC, whole seconds (a naive time is UTC).

    >>> utc_iso(dt.datetime(2018, 10, 15, 10, 30, 5, 999))
    '2018-10-15T10:30:05+00:00'
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _as_dict(event_id: Any, stored: Sequence[Any], ingest_id: Any, line: Any) -> dict[str, Any]:
    values = dict(zip(EVENT_FIELDS, hashed_from_stored(stored), strict=True))
    for key in _LISTS:
        values[key] = [v for v in str(values[key]).split("; ") if v]
    return {
        "id": int(event_id),
        **values,
        "ingest_id": None if ingest_id is None else int(ingest_id),
        "line": None if line is None else int(line),
    }


def event_rows(
    store: Store,
    *,
    source: str | None = None,
    kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    ingest_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(matches, the page of them) by start time then id; times are UTC, ``until`` inclusive.

    ``limit`` (None: all) and ``offset`` must not be negative (ValueError).

    Each item has the event's id, every stored field (:data:`~.store.EVENT_FIELDS`; actors
    and inferred words as lists), its ingest id and line in the file (for events posted to the
    API, the post and the position in it; None for events merged from a bundle).
    """
    if (limit is not None and limit < 0) or offset < 0:
        raise ValueError(f"limit and offset must not be negative (got {limit}, {offset})")
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("source", source), ("kind", kind), ("ingest_id", ingest_id)):
        if value is not None:
            if not store.db.storable(value):  # no event holds it
                return 0, []
            where.append(f"{column} = ?")
            params.append(value)
    if since is not None:
        where.append("start_time >= ?")
        params.append(utc_iso(since))
    if until is not None:
        where.append("start_time <= ?")
        params.append(utc_iso(until))
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = int(store.db.scalar(f"SELECT COUNT(*) FROM events{clause}", params))
    # past 64 bits, no page: both backends refuse such numbers, and no store is that big
    offset = min(offset, INT64_MAX)
    if limit is None:  # SQLite needs a LIMIT before an OFFSET; -1 is none
        limit = -1 if store.db.dialect == "sqlite" else None
    else:
        limit = min(limit, INT64_MAX)
    page = ("" if limit is None else f" LIMIT {int(limit)}") + f" OFFSET {int(offset)}"
    rows = store.db.query(
        f"SELECT id, {', '.join(EVENT_FIELDS)}, ingest_id, line FROM events{clause} "
        f"ORDER BY start_time, id{page}",
        params,
    )
    width = len(EVENT_FIELDS)
    return total, [_as_dict(r[0], r[1 : 1 + width], r[1 + width], r[2 + width]) for r in rows]


def event_record(store: Store, event_id: int) -> dict[str, Any] | None:
    """Event ``event_id`` in full, or None when no event has that id.

    Beside the fields of :func:`event_rows`: ``original`` (the row as read), ``content_hash``,
    ``provenance`` (``ingest``: id, file, format, start time, or None; ``line``; ``party``
    that posted it through the API, or None; ``bundle``: the hash, signing party and import
    time of the bundle it was merged from, or None), ``evidence`` (the log entry's ``seq`` and
    ``hash``, or None if the entry is missing) and ``links`` (each probable duplicate: link
    id, the other event's id, source and source id, and the stored reason).
    """
    db = store.db
    if not db.storable(event_id):
        return None
    rows = db.query(
        f"SELECT id, {', '.join(EVENT_FIELDS)}, ingest_id, line, original, content_hash "
        "FROM events WHERE id = ?",
        (event_id,),
    )
    if not rows:
        return None
    row = rows[0]
    width = len(EVENT_FIELDS)
    out = _as_dict(row[0], row[1 : 1 + width], row[1 + width], row[2 + width])
    original_text, content_hash = row[3 + width], row[4 + width]
    ingest = None
    if out["ingest_id"] is not None:
        found = db.query(
            "SELECT id, file, format, started_at FROM ingests WHERE id = ?", (out["ingest_id"],)
        )
        if found:
            iid, file, fmt, started = found[0]
            ingest = {"id": int(iid), "file": file, "format": fmt, "started_at": started}
    party = None
    if db.has_table("api_submissions"):
        posted = db.query("SELECT party FROM api_submissions WHERE event_id = ?", (event_id,))
        party = posted[0][0] if posted else None
    entry = db.query(
        "SELECT seq, hash, payload FROM evidence WHERE kind = 'event' AND record_id = ? "
        "ORDER BY seq LIMIT 1",  # its first entry: a later one is refused by verify
        (str(event_id),),
    )
    bundle = None
    logged = json.loads(entry[0][2]) if entry else {}
    if "via_bundle" in logged:
        digest = logged["via_bundle"]
        imported = db.query("SELECT imported_at FROM bundles WHERE hash = ?", (digest,))
        bundle = {
            "hash": digest,
            "party": logged.get("party"),
            "imported_at": imported[0][0] if imported else None,
        }
    links = [
        {
            "id": int(lid),
            "event": int(b if int(a) == event_id else a),
            "source": source,
            "source_id": source_id,
            "reason": json.loads(reason),
        }
        for lid, a, b, reason, source, source_id in db.query(
            "SELECT l.id, l.event_a, l.event_b, l.reason, o.source, o.source_id FROM links l "
            "JOIN events o ON o.id = CASE WHEN l.event_a = ? THEN l.event_b ELSE l.event_a END "
            "WHERE l.event_a = ? OR l.event_b = ? ORDER BY l.id",
            (event_id, event_id, event_id),
        )
    ]
    out.update(
        original=json.loads(original_text),
        content_hash=content_hash,
        provenance={"ingest": ingest, "line": out["line"], "party": party, "bundle": bundle},
        evidence={"seq": int(entry[0][0]), "hash": entry[0][1]} if entry else None,
        links=links,
    )
    return out
