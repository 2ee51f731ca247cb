"""Findings in the store: recorded in the evidence log, kept in a findings table.

Each finding is appended to the evidence log as a ``finding`` entry whose payload is the
whole finding (rule, clause, events, location, p_in_zone, reasons) and its ``revision``,
the sha256 of its canonical JSON. The ``findings`` table keeps every revision with the
sequence number of its log entry and a status:

* ``current`` — what the rules say now;
* ``superseded`` — an earlier revision of a finding whose content has since changed (a
  new event linked, different thresholds); the new revision is a new entry;
* ``withdrawn`` — a finding the rules no longer make on the stored events; a
  ``finding-withdrawn`` entry records that, nothing is deleted.

Recording the same findings again changes nothing: an unchanged revision is not appended.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..events.model import Event
from ..rules.finding import Finding
from .store import Store

if TYPE_CHECKING:
    from ..rules.engine import Engine

__all__ = [
    "CheckRun",
    "Evaluate",
    "Recorded",
    "check_and_record",
    "duplicate_map",
    "ensure_table",
    "load_events",
    "record_findings",
    "stored_findings",
]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS findings (
        id {id},
        revision TEXT NOT NULL,
        finding_id TEXT NOT NULL,
        agreement TEXT NOT NULL,
        rule TEXT NOT NULL,
        verdict TEXT NOT NULL,
        first_day TEXT NOT NULL,
        payload TEXT NOT NULL,
        evidence_seq {int} NOT NULL,
        status TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS findings_current ON findings (agreement, status, finding_id)",
)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording a run's findings did."""

    new: int
    revised: int
    unchanged: int
    withdrawn: int

    @property
    def appended(self) -> int:
        """Entries appended to the evidence log."""
        return self.new + self.revised + self.withdrawn


def ensure_table(store: Store) -> None:
    """Create the findings table when the store has none (idempotent)."""
    with store.db.transaction(lock=False):
        for statement in _SCHEMA:
            store.db.execute(statement)


def load_events(store: Store) -> list[Event]:
    """Every stored event, in the store's order (start time, then id)."""
    return [event for _, event in store.events()]


def duplicate_map(store: Store) -> dict[str, str]:
    """``source:source_id`` of each linked event -> that of its group's first event.

    Probable duplicates are linked pairwise; linked groups are joined (union-find) and
    represented by their smallest store id.
    """
    links = store.links()
    if not links:
        return {}
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        a, b = find(int(link["event_a"])), find(int(link["event_b"]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    ids = sorted(parent)
    keys: dict[int, str] = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        marks = ", ".join("?" * len(chunk))
        for eid, source, source_id in store.db.query(
            f"SELECT id, source, source_id FROM events WHERE id IN ({marks})", chunk
        ):
            keys[int(eid)] = f"{source}:{source_id}"
    return {keys[i]: keys[find(i)] for i in ids if i in keys and find(i) in keys}


class Evaluate(Protocol):
    """What evaluates the rules on events: :meth:`Engine.run <dmzwatch.rules.engine.Engine.run>`
    or a stand-in with its arguments (e.g. one that runs the engine on a cluster)."""

    def __call__(
        self,
        events: Sequence[Event],
        *,
        same_as: Mapping[str, str] | None = None,
        progress: Callable[[int], object] | None = None,
    ) -> list[Finding]: ...


@dataclass(frozen=True, slots=True)
class CheckRun:
    """What :func:`check_and_record` did: the events evaluated, the findings, the recording."""

    events: list[Event]
    findings: list[Finding]
    recorded: Recorded


def check_and_record(
    store: Store,
    engine: Engine,
    *,
    evaluate: Evaluate | None = None,
    progress: Callable[[int], object] | None = None,
) -> CheckRun:
    """Evaluate ``engine``'s rules on every stored event and record the findings (what
    ``dmzwatch check`` and ``POST /api/check`` do).

    Probable duplicates the store links count as one event. ``evaluate`` replaces
    ``engine.run`` (same arguments). ``progress``, when given, is called with 1 after
    loading the events, after each rule and after recording (``len(engine.checks) + 2``
    calls in all). Re-running on the same events appends nothing to the evidence log.
    """
    events = load_events(store)
    if progress is not None:
        progress(1)
    run = evaluate if evaluate is not None else engine.run
    findings = run(events, same_as=duplicate_map(store), progress=progress)
    recorded = record_findings(
        store,
        engine.scenario.agreement.id,
        findings,
        rules=[c.rule.id for c in engine.checks],
    )
    if progress is not None:
        progress(1)
    return CheckRun(events, findings, recorded)


def _revision(finding: Finding) -> str:
    return hashlib.sha256(finding.to_json().encode()).hexdigest()


def record_findings(
    store: Store, agreement: str, findings: Sequence[Finding], *, rules: Iterable[str]
) -> Recorded:
    """Append new and changed findings to the evidence log; withdraw those no longer made.

    ``rules`` are the ids of the rules that were evaluated: only their findings can be
    withdrawn. Everything happens in one transaction.
    """
    ensure_table(store)
    evaluated = set(rules)
    db = store.db
    with db.transaction():
        current: dict[str, tuple[int, str, str]] = {
            str(fid): (int(row_id), str(rev), str(rule))
            for row_id, fid, rev, rule in db.query(
                "SELECT id, finding_id, revision, rule FROM findings "
                "WHERE agreement = ? AND status = 'current'",
                (agreement,),
            )
        }
        entries: list[tuple[str, str, dict[str, Any]]] = []
        rows: list[tuple[Finding | None, str, str]] = []  # (finding, finding_id, revision)
        superseded: list[int] = []
        new = revised = unchanged = 0
        made = set()
        for f in findings:
            made.add(f.finding_id)
            rev = _revision(f)
            old = current.get(f.finding_id)
            if old is not None and old[1] == rev:
                unchanged += 1
                continue
            if old is None:
                new += 1
            else:
                revised += 1
                superseded.append(old[0])
            payload: dict[str, Any] = {"revision": rev, "finding": f.to_dict()}
            if old is not None:
                payload["supersedes"] = old[1]
            entries.append(("finding", f.finding_id, payload))
            rows.append((f, f.finding_id, rev))
        gone = [
            (fid, row)
            for fid, row in sorted(current.items())
            if fid not in made and row[2] in evaluated
        ]
        for fid, (row_id, rev, _) in gone:
            entries.append(
                (
                    "finding-withdrawn",
                    fid,
                    {
                        "revision": rev,
                        "reason": "the rules no longer make this finding on the stored events",
                    },
                )
            )
            rows.append((None, fid, rev))
            superseded.append(row_id)
        logged = store.log.extend(entries)
        if superseded:
            for k in range(0, len(superseded), 500):
                chunk = superseded[k : k + 500]
                marks = ", ".join("?" * len(chunk))
                db.execute(
                    f"UPDATE findings SET status = 'superseded' WHERE id IN ({marks})", chunk
                )
        if gone:
            marks = ", ".join("?" * len(gone))
            db.execute(
                f"UPDATE findings SET status = 'withdrawn' WHERE agreement = ? AND finding_id "
                f"IN ({marks}) AND status = 'superseded'",
                (agreement, *[fid for fid, _ in gone]),
            )
        db.executemany(
            "INSERT INTO findings (revision, finding_id, agreement, rule, verdict, first_day, "
            "payload, evidence_seq, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'current')",
            [
                (
                    rev,
                    fid,
                    agreement,
                    f.rule,
                    f.verdict.value,
                    f.first_day.isoformat(),
                    f.to_json(),
                    entry.seq,
                )
                for (f, fid, rev), entry in zip(rows, logged, strict=True)
                if f is not None
            ],
        )
    return Recorded(new, revised, unchanged, len(gone))


def stored_findings(store: Store, agreement: str | None = None) -> list[Finding]:
    """The current findings (of one agreement, or all), in the order they were logged."""
    ensure_table(store)
    where, params = "WHERE status = 'current'", []
    if agreement is not None:
        where, params = where + " AND agreement = ?", [agreement]
    rows = store.db.query(f"SELECT payload FROM findings {where} ORDER BY evidence_seq, id", params)
    return [Finding.from_dict(json.loads(payload)) for (payload,) in rows]
