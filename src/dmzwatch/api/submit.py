"""Store posted events as the file ingest stores rows: validated, stored or quarantined.

A posted batch becomes one ingest per source in the store (format ``api``); each event is
checked by :func:`dmzwatch.events.validate.validate` (the checks every file gets) after
the JSON checks of :mod:`dmzwatch.api.intake`, then stored, recognised as a duplicate, or
quarantined with every reason. The party and token that submitted each stored event are
in its original row (so in the hash-chained evidence log) and in the ``api_submissions``
table of this module, which :func:`ensure_tables` creates.

Linking probable duplicates across sources scans the store, so it is not done while the
client waits: :class:`Linker` does it in the background once posting pauses, from the
``api_link_queue`` table, so nothing is forgotten over a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from ..events.columns import RowProblem
from ..events.model import sha256_hex
from ..events.validate import SeenIds, validate
from ..store import Store
from ..store.links import link_new_events
from ..store.store import QuarantineRow, refused_id, refused_row
from .intake import empty_columns, intake

__all__ = ["Linker", "Submitted", "ensure_tables", "submit"]

logger = logging.getLogger(__name__)

_TABLES = (
    """CREATE TABLE IF NOT EXISTS api_submissions (
        event_id BIGINT PRIMARY KEY,
        party TEXT,
        token_id TEXT NOT NULL,
        received_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS api_link_queue (
        ingest_id BIGINT PRIMARY KEY,
        queued_at TEXT NOT NULL
    )""",
)


def ensure_tables(store: Store) -> None:
    """Create this module's tables in the store when they are missing."""
    with store.db.transaction():
        for statement in _TABLES:
            store.db.execute(statement)


@dataclass(slots=True)
class Submitted:
    """The outcome of one POST: a result per posted event, in order."""

    results: list[dict[str, Any]]
    ingests: list[int] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r["status"] == status)


def _problem_dicts(problems: Sequence[RowProblem]) -> list[dict[str, str]]:
    return [{"field": p.field, "value": p.value, "reason": p.reason} for p in problems]


def _text(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def submit(
    store: Store,
    items: Sequence[Any],
    *,
    party: str | None,
    token_id: str,
    territory: BaseGeometry | None,
    now: dt.datetime | None = None,
) -> Submitted:
    """Validate and store ``items`` (posted JSON values); one result per item."""
    received = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    got = intake(items, party=party, token_id=token_id)
    results: list[dict[str, Any] | None] = [None] * len(items)
    file = f"api:{token_id}"
    out = Submitted(results=[])

    # events that failed the JSON checks: quarantined under their source, or under "api"
    # where the source itself is refused (missing, not text, too long, holding a NUL)
    early: dict[str, list[int]] = {}
    for i, problems in got.problems.items():
        item = items[i]
        source = item.get("source") if isinstance(item, dict) else None
        refused = any(p.field == "source" for p in problems)
        name = source.strip() if isinstance(source, str) and not refused else ""
        early.setdefault(name or "api", []).append(i)

    for source in sorted(set(got.columns) | set(early)):
        cols = got.columns.get(source)
        index = got.index.get(source, [])
        if cols is None:
            cols = empty_columns(source)
        ingest_id = store.start_ingest(file, "api", source)
        out.ingests.append(ingest_id)
        problems = validate(cols, territory=territory, now=received) if len(cols) else []
        n = len(cols)
        bad = np.zeros(n, dtype=bool)
        for p in problems:
            bad[p.index] = True
        good = np.flatnonzero(~bad)
        repeats, conflicts = SeenIds().check(
            cols.source_id[good].tolist(),
            cols.original_hash[good].tolist(),
            cols.line[good].tolist(),
        )
        for c in conflicts:
            k = int(good[c.index])
            problems.append(RowProblem(k, c.field, c.value, _in_this_post(c.reason)))
            bad[k] = True
        repeat = np.zeros(n, dtype=bool)
        repeat[good[repeats]] = True
        by_row: dict[int, list[RowProblem]] = {}
        for p in problems:
            by_row.setdefault(p.index, []).append(p)
        quarantine = [refused_row(cols, k, _problem_dicts(ps)) for k, ps in sorted(by_row.items())]
        for i in early.get(source, []):
            original = _text(
                {"posted": items[i], "submitted_by": {"party": party, "token": token_id}}
            )
            digest = sha256_hex(original)
            posted = _rejected_early(i, items[i], got.problems[i])["source_id"]
            quarantine.append(
                QuarantineRow(
                    i + 1,
                    digest,
                    _problem_dicts(got.problems[i]),
                    original,
                    None if posted is None else refused_id(posted.strip(), digest),
                )
            )
        keep = np.flatnonzero(~bad & ~repeat)
        kept = cols.take(keep)
        stored, taken = store.write_batch(kept, quarantine, file=file, ingest_id=ingest_id)
        changed = [(k, h) for k, h, mine in taken if h != mine]
        stored_as = store.by_source_id(
            source, [str(kept.source_id[k]) for k, _ in changed], "original"
        )
        resent = {
            k
            for k, _ in changed
            if _same_post(stored_as.get(str(kept.source_id[k])), str(kept.original[k]), party)
        }
        changed = [(k, h) for k, h in changed if k not in resent]  # same post, another token
        if changed:
            extra = []
            conflicts_of: dict[str, str] = {}
            for k, h in changed:
                sid = str(kept.source_id[k])
                reason = _conflict(stored_as.get(sid), str(kept.original[k]), h)
                conflicts_of[sid] = reason
                problem = RowProblem(int(keep[k]), "source_id", sid, reason)
                by_row.setdefault(int(keep[k]), []).append(problem)
                extra.append(refused_row(kept, k, _problem_dicts([problem])))
            # a copy repeated in the post shares its first copy's fate: refused with it, not
            # a duplicate of the other content (or other party's event) that holds the id
            for r in np.flatnonzero(repeat).tolist():
                sid = str(cols.source_id[r])
                if sid in conflicts_of:
                    problem = RowProblem(r, "source_id", sid, conflicts_of[sid])
                    by_row.setdefault(r, []).append(problem)
                    extra.append(refused_row(cols, r, _problem_dicts([problem])))
                    repeat[r] = False
            store.write_batch(
                kept.take(np.array([], dtype=np.intp)), extra, file=file, ingest_id=ingest_id
            )
        ids = store.by_source_id(source, [str(s) for s in cols.source_id.tolist()], "id")
        stored_rows = {int(keep[k]) for k in stored}
        for k in range(n):
            i = index[k]
            sid = str(cols.source_id[k])
            base = {"index": i, "source": source, "source_id": sid}
            if k in by_row:
                results[i] = {**base, "status": "rejected", "problems": _problem_dicts(by_row[k])}
            elif k in stored_rows:
                results[i] = {**base, "status": "stored", "event_id": ids.get(sid)}
            else:
                results[i] = {**base, "status": "duplicate", "event_id": ids.get(sid)}
        for i in early.get(source, []):
            results[i] = _rejected_early(i, items[i], got.problems[i])
        new_ids = [ids[str(kept.source_id[k])] for k in stored if str(kept.source_id[k]) in ids]
        _record(store, ingest_id, new_ids, party, token_id, received)
        counts = {
            "read": n + len(early.get(source, [])),
            "stored": len(stored),
            "duplicates": int(repeat.sum()) + len(taken) - len(changed),
            "quarantined": len(by_row) + len(early.get(source, [])),
        }
        store.finish_ingest(ingest_id, counts)
    out.results = [r for r in results if r is not None]
    return out


def _posted(original: str | None) -> tuple[dict[str, Any], Any] | None:
    """A stored or new original row as (the event as posted, who submitted it)."""
    try:
        row = json.loads(original or "")
    except ValueError:
        return None
    if not isinstance(row, dict) or "submitted_by" not in row:
        return None  # not an event posted to the API
    by = row.pop("submitted_by")
    return row, by.get("party") if isinstance(by, dict) else None


def _same_post(stored: str | None, mine: str, party: str | None) -> bool:
    """The stored event was posted with these very fields, by the same party."""
    old, new = _posted(stored), _posted(mine)
    return old is not None and new is not None and old[0] == new[0] and old[1] == party


def _conflict(stored: str | None, mine: str, stored_hash: str) -> str:
    """Why an event whose source id is taken is refused, in words."""
    old, new = _posted(stored), _posted(mine)
    if old is not None and new is not None and old[0] == new[0]:
        return f"already stored as submitted by party {old[1] or '(none: an admin token)'}"
    return f"already stored with different content (stored content hash {stored_hash[:12]})"


def _rejected_early(i: int, item: Any, problems: Sequence[RowProblem]) -> dict[str, Any]:
    fields = item if isinstance(item, dict) else {}
    source, sid = fields.get("source"), fields.get("source_id")
    return {
        "index": i,
        "source": source if isinstance(source, str) and source.strip() else None,
        "source_id": str(sid) if isinstance(sid, str | int) and not isinstance(sid, bool) else None,
        "status": "rejected",
        "problems": _problem_dicts(problems),
    }


def _record(
    store: Store,
    ingest_id: int,
    event_ids: Sequence[str],
    party: str | None,
    token_id: str,
    received: dt.datetime,
) -> None:
    when = received.isoformat()
    with store.db.transaction():
        store.db.executemany(
            "INSERT INTO api_submissions (event_id, party, token_id, received_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(int(e), party, token_id, when) for e in event_ids],
        )
        store.db.execute(
            "INSERT INTO api_link_queue (ingest_id, queued_at) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (ingest_id, when),
        )


class Linker:
    """Links probable duplicates of posted events in the background, once posting pauses.

    ``open_store`` makes the linker's own store connection. :meth:`poke` after each POST;
    the thread waits until ``quiet_s`` seconds pass without a poke, then links every queued
    ingest (oldest first), clears it from the queue and, when there was any, calls ``then``
    with its store (the app re-evaluates the rules there, so new events get their findings).
    """

    def __init__(
        self,
        open_store: Callable[[], Store],
        quiet_s: float = 1.0,
        then: Callable[[Store], object] | None = None,
    ) -> None:
        self._open = open_store
        self.quiet_s = quiet_s
        self._then = then
        self._last = time.monotonic()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dmzwatch-linker", daemon=True)
        self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def poke(self) -> None:
        self._last = time.monotonic()
        self._wake.set()

    def _run(self) -> None:
        store = self._open()
        try:
            while not self._stop.is_set():
                self._wake.wait()
                self._wake.clear()
                while not self._stop.is_set():
                    idle = time.monotonic() - self._last
                    if idle >= self.quiet_s:
                        break
                    self._stop.wait(self.quiet_s - idle)
                if not self._stop.is_set():
                    self.run_once(store)
        finally:
            store.close()

    def run_once(self, store: Store) -> int:
        """Link every queued ingest now; returns the number of links made."""
        linked = 0
        queued = store.db.query("SELECT ingest_id FROM api_link_queue ORDER BY ingest_id")
        if not queued:
            return 0
        for (ingest_id,) in queued:
            if self._stop.is_set():
                break
            try:
                linked += link_new_events(store, int(ingest_id))
            except Exception:  # keep the queue entry: the next round tries again
                logger.exception("linking ingest %s failed", ingest_id)
                continue
            with store.db.transaction():
                store.db.execute(
                    "DELETE FROM api_link_queue WHERE ingest_id = ?", (int(ingest_id),)
                )
        if self._then is not None and not self._stop.is_set():
            try:
                self._then(store)
            except Exception:
                logger.exception("the step after linking failed")
        return linked


def _in_this_post(reason: str) -> str:
    """A file's repeated-id reason said of a post: its first copy by its result ``index``
    (from 0), where a file names a line.

    >>> _in_this_post("duplicate id in this file with different content (first at line 3)")
    'duplicate id in this post with different content (first at index 2)'
    """
    reason = reason.replace("in this file", "in this post")
    return re.sub(r"\(first at line (\d+)\)", lambda m: f"(first at index {int(m[1]) - 1})", reason)
