"""Verify a store: the evidence chain is intact and every record matches its entry.

Finds the first broken record: an entry whose hash or link to the previous entry is wrong
(altered, removed, inserted or reordered entries), an event or quarantine row whose
content no longer matches its entry, an entry whose record is gone, or a record with no
entry at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..events.columns import content_hashes
from ..events.model import canonical_json, sha256_hex
from .evidence import GENESIS, entry_hash
from .store import EVENT_FIELDS, Store, hashed_from_stored

__all__ = ["Verification", "verify"]


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome: ``ok``, how many entries were checked, the first broken record and why."""

    ok: bool
    entries: int
    record: str | None = None
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"intact: {self.entries} evidence entries, chain and records match"
        return f"BROKEN at {self.record}: {self.reason}"


def verify(store: Store) -> Verification:
    """Check the whole chain and every event and quarantine row against it."""
    db = store.db
    broken: list[tuple[int, str, str]] = []  # (seq or large, record, reason)
    prev = GENESIS
    expected_seq = 1
    seen: dict[tuple[str, str], tuple[int, dict[str, object]]] = {}
    count = 0
    for seq, kind, record_id, payload, prev_hash, digest in db.execute(
        "SELECT seq, kind, record_id, payload, prev_hash, hash FROM evidence ORDER BY seq"
    ):
        count += 1
        seq = int(seq)
        where = f"evidence entry {seq} ({kind} {record_id})"
        try:
            body = json.loads(payload)
            canonical = canonical_json(body)
        except ValueError:
            broken.append((seq, where, "payload is not valid JSON"))
            break
        if seq != expected_seq:
            broken.append(
                (seq, where, f"sequence jumps from {expected_seq - 1} to {seq} (entry removed?)")
            )
            break
        if prev_hash != prev:
            broken.append(
                (
                    seq,
                    where,
                    "does not link to the entry before it (removed, inserted or reordered)",
                )
            )
            break
        if canonical != payload or entry_hash(prev, kind, record_id, canonical) != digest:
            broken.append((seq, where, "its hash does not match its content (altered)"))
            break
        prev = digest
        expected_seq += 1
        seen[(kind, record_id)] = (seq, body)
    if broken:
        seq, record, reason = broken[0]
        return Verification(False, count, record, reason)

    problems: list[tuple[int, str, str]] = []
    cursor = db.execute(
        f"SELECT id, {', '.join(EVENT_FIELDS)}, content_hash, original FROM events ORDER BY id"
    )
    ids = set()
    while events := cursor.fetchmany(20_000):
        recomputed = content_hashes([hashed_from_stored(r[1:-2]) for r in events])
        for row, digest in zip(events, recomputed, strict=True):
            eid = str(row[0])
            ids.add(eid)
            entry = seen.get(("event", eid))
            name = f"event {eid} ({row[1]} {row[2]})"
            if entry is None:
                problems.append(
                    (10**18 + int(eid), name, "has no evidence entry (inserted outside the log)")
                )
            elif digest != row[-2] or entry[1].get("content_hash") != digest:
                problems.append(
                    (entry[0], name, "stored content does not match its evidence entry (altered)")
                )
            elif sha256_hex(row[-1]) != row[-3]:
                problems.append(
                    (entry[0], name, "stored original does not match its hash (altered)")
                )
    quarantine = db.query("SELECT id, original, row_hash FROM quarantine ORDER BY id")
    qids = set()
    for qid, original, row_hash in quarantine:
        qids.add(str(qid))
        entry = seen.get(("quarantine", str(qid)))
        name = f"quarantine row {qid}"
        if entry is None:
            problems.append(
                (10**18 + int(qid), name, "has no evidence entry (inserted outside the log)")
            )
        elif entry[1].get("row_hash") != row_hash:
            problems.append(
                (entry[0], name, "stored row does not match its evidence entry (altered)")
            )
        elif sha256_hex(original) != row_hash:
            problems.append((entry[0], name, "stored original does not match its hash (altered)"))
    for (kind, record_id), (seq, _) in seen.items():
        if kind == "event" and record_id not in ids:
            problems.append(
                (
                    seq,
                    f"event {record_id}",
                    "its evidence entry exists but the event is gone (removed)",
                )
            )
        if kind == "quarantine" and record_id not in qids:
            problems.append(
                (
                    seq,
                    f"quarantine row {record_id}",
                    "its evidence entry exists but the row is gone (removed)",
                )
            )
    if problems:
        seq, record, reason = min(problems)
        return Verification(False, count, record, reason)
    return Verification(True, count)
