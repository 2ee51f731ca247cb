"""Verify a store: the evidence chain is intact and every record matches its entry.

Finds the first broken record: an entry whose hash or link to the previous entry is wrong
(altered, removed, inserted or reordered entries), an event, quarantine row,
probable-duplicate link, ingest or finding whose content no longer matches its entry (or a
finding marked current that the log does not make current), an event or quarantine row whose
provenance (ingest, file, line) or, for a quarantine row, source id no longer matches its
entry, an entry whose record is gone, a record with no entry at all, or a table that cannot be
read (dropped). A record is logged once, when it is written: a second entry for it (appended
later, which a checkpoint counts as an entry added since) is named, and the record is
checked against its first entry; an event or quarantine row is logged between its ingest's
``ingest`` and ``ingest_finished`` entries, and an entry naming an ingest outside those is
named. Each imported bundle is checked against its ``bundle`` entry and the entries of the
events merged from it (bundles imported before bundles were logged have no entry).

Entries written before provenance was logged lack its keys and are not checked for it (a
quarantine row whose entry predates source ids must have none); the
ingests made before ingests were logged (those older than the first ingest with an entry)
have no entries and are not checked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..events.columns import content_hashes
from ..events.model import canonical_json, sha256_hex
from .evidence import GENESIS, entry_hash
from .store import EVENT_FIELDS, INGEST_COUNTS, Store, hashed_from_stored

__all__ = ["Verification", "verify"]


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome: ``ok``, how many entries were checked, the first broken record and why.

    ``head``: the hash of the last entry once the whole chain links (None when the log is
    empty or its chain breaks). ``checkpoint``: checked against a signed checkpoint
    (:func:`~dmzwatch.store.checkpoint.check_checkpoint`), what it pinned and how many entries
    were added since; None otherwise.
    """

    ok: bool
    entries: int
    record: str | None = None
    reason: str | None = None
    head: str | None = None
    checkpoint: str | None = None

    def __str__(self) -> str:
        if not self.ok:
            return f"BROKEN at {self.record}: {self.reason}"
        text = f"intact: {self.entries} evidence entries, chain and records match"
        if self.head is not None:
            text += f", head {self.head[:12]}"
        return text if self.checkpoint is None else f"{text}; {self.checkpoint}"


def verify(store: Store) -> Verification:
    """Check the whole chain and every event, quarantine row and link against it."""
    try:
        return _verify(store)
    except store.db.errors as exc:  # a table dropped or mangled by hand
        reason = f"cannot be read ({str(exc).strip()})"
        return Verification(False, 0, f"the store {store.db.where}", reason)


def _verify(store: Store) -> Verification:
    db = store.db
    broken: list[tuple[int, str, str]] = []  # (seq or large, record, reason)
    problems: list[tuple[int, str, str]] = []
    prev = GENESIS
    expected_seq = 1
    seen: dict[tuple[str, str], tuple[int, dict[str, object]]] = {}
    findings_logged: dict[int, tuple[str, str, dict[str, object]]] = {}
    # (seq, where, ingest id, kind) of the entries of records from an ingest
    claims: list[tuple[int, str, str, str]] = []
    via: dict[str, tuple[int, int, set[object]]] = {}  # bundle -> (first seq, events, parties)
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
        except (ValueError, TypeError, RecursionError):
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
        if not isinstance(body, dict):  # every writer logs an object: this one was forged
            problems.append((seq, where, "its payload is not a JSON object (altered)"))
            continue
        first = seen.get((kind, record_id))
        if first is not None and kind in _NAMES:
            # a record is logged once, when it is written: a later entry for it would
            # override the first (and pass a checkpoint, as an entry added since)
            problems.append(
                (
                    seq,
                    where,
                    f"a second {kind} entry for {_NAMES[kind][0]} {record_id} (the first is "
                    f"entry {first[0]}): a record is logged once (inserted)",
                )
            )
            continue
        seen[(kind, record_id)] = (seq, body)
        if kind in ("event", "quarantine") and body.get("ingest") is not None:
            claims.append((seq, where, str(body["ingest"]), kind))
        if kind == "event" and "via_bundle" in body:
            bundle = str(body["via_bundle"])
            first_seq, events, parties = via.get(bundle, (seq, 0, set()))
            via[bundle] = (first_seq, events + 1, parties | {body.get("party")})
        if kind in ("finding", "finding-withdrawn") and "revision" in body:
            findings_logged[seq] = (kind, record_id, body)  # recorded by ``check``
    if broken:
        seq, record, reason = min(broken + problems)  # an entry re-logged before the break
        return Verification(False, count, record, reason)
    head = prev if count else None
    problems += _outside_their_ingest(seen, claims)

    width = len(EVENT_FIELDS)
    cursor = db.execute(
        f"SELECT id, {', '.join(EVENT_FIELDS)}, ingest_id, line, content_hash, original "
        "FROM events ORDER BY id"
    )
    ids = set()
    while events := cursor.fetchmany(20_000):
        for row, digest in zip(events, _content_hashes(events, width), strict=True):
            eid = str(row[0])
            ids.add(eid)
            name = f"event {eid} ({row[1]} {row[2]})"
            entry = _entry(seen, "event", eid, name, problems)
            if entry is None:
                continue
            if digest is None or digest != row[-2] or entry[1].get("content_hash") != digest:
                problems.append(
                    (entry[0], name, "stored content does not match its evidence entry (altered)")
                )
            elif _text_hash(row[-1]) != row[width]:
                problems.append(
                    (entry[0], name, "stored original does not match its hash (altered)")
                )
            elif differ := _provenance(
                entry[1],
                {"ingest": ("ingest_id", row[1 + width]), "line": ("line", row[2 + width])},
            ):
                problems.append((entry[0], name, differ))
    quarantine = db.query(
        "SELECT id, original, row_hash, source, problems, file, line, ingest_id, source_id "
        "FROM quarantine ORDER BY id"
    )
    qids = set()
    for qid, original, row_hash, source, reasons, file, line, ingest_id, sid in quarantine:
        qids.add(str(qid))
        name = f"quarantine row {qid}"
        entry = _entry(seen, "quarantine", str(qid), name, problems)
        if entry is None:
            continue
        if (
            entry[1].get("row_hash") != row_hash
            or entry[1].get("source") != source
            or not _same_json(reasons, entry[1].get("problems"))
        ):
            problems.append(
                (entry[0], name, "stored row does not match its evidence entry (altered)")
            )
        elif _text_hash(original) != row_hash:
            problems.append((entry[0], name, "stored original does not match its hash (altered)"))
        elif differ := _provenance(
            # an entry written before ids were kept has none, and its row has none either
            {"source_id": None, **entry[1]},
            {
                "file": ("file", file),
                "line": ("line", line),
                "ingest": ("ingest_id", ingest_id),
                "source_id": ("source_id", sid),
            },
        ):
            problems.append((entry[0], name, differ))
    iids = {str(i) for i in _ingest_problems(store, seen, problems)}
    lids = set()
    for lid, event_a, event_b, reason in db.query(
        "SELECT id, event_a, event_b, reason FROM links ORDER BY id"
    ):
        lids.add(str(lid))
        name = f"link {lid} (events {event_a} and {event_b})"
        entry = _entry(seen, "link", str(lid), name, problems)
        if entry is None:
            continue
        if [entry[1].get("event_a"), entry[1].get("event_b")] != _ints(
            event_a, event_b
        ) or not _same_json(reason, entry[1].get("reason")):
            problems.append(
                (entry[0], name, "stored link does not match its evidence entry (altered)")
            )
    present = {
        "event": ids,
        "quarantine": qids,
        "link": lids,
        "ingest": iids,
        "ingest_finished": iids,
    }
    for (kind, record_id), (seq, _) in seen.items():
        if kind in present and record_id not in present[kind]:
            label, noun = _NAMES[kind]
            problems.append(
                (
                    seq,
                    f"{label} {record_id}",
                    f"its evidence entry exists but the {noun} is gone (removed)",
                )
            )
    problems += _bundle_problems(store, seen, via)
    problems += _finding_problems(store, findings_logged)
    if problems:
        seq, record, reason = min(problems)
        return Verification(False, count, record, reason, head)
    return Verification(True, count, head=head)


_NAMES = {
    "event": ("event", "event"),
    "quarantine": ("quarantine row", "row"),
    "link": ("link", "link"),
    "ingest": ("ingest", "ingest"),
    "ingest_finished": ("ingest", "ingest"),
    "bundle": ("bundle", "bundle"),
}
"""How a record of each kind is named in a finding: (label before its id, noun for "gone").
A record of these kinds is logged once, when it is written."""

_UNLOGGED = "has no evidence entry (inserted outside the log)"


def _content_hashes(rows: list[Any], width: int) -> list[str | None]:
    """The content hash of each stored event row (id, fields, ...); None for a row whose
    values cannot be what an event holds (a number column holding text, by hand)."""
    try:
        return list(content_hashes([hashed_from_stored(r[1 : 1 + width]) for r in rows]))
    except (TypeError, ValueError, AttributeError):
        return [_content_hash(r[1 : 1 + width]) for r in rows]


def _content_hash(fields: Sequence[Any]) -> str | None:
    try:
        return content_hashes([hashed_from_stored(fields)])[0]
    except (TypeError, ValueError, AttributeError):
        return None


def _text_hash(value: object) -> str | None:
    """sha256 of a stored text (None when the column holds no text)."""
    return sha256_hex(value) if isinstance(value, str) else None


def _ints(*values: object) -> list[int | None]:
    """Stored ids as ints (None for one that is not a whole number)."""
    out: list[int | None] = []
    for value in values:
        try:
            out.append(int(value))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            out.append(None)
    return out


def _outside_their_ingest(
    seen: dict[tuple[str, str], tuple[int, dict[str, object]]],
    claims: list[tuple[int, str, str, str]],
) -> list[tuple[int, str, str]]:
    """Entries of events and quarantine rows that name an ingest but lie outside it, and
    finished ingests whose count of stored events is not their number of event entries.

    An ingest writes its records between its ``ingest`` entry and its ``ingest_finished``
    entry: an entry naming it that comes after its finish (or before its start) was appended
    by something else. ``claims``: (seq, where, ingest id, kind) of each such entry. An
    ingest the log does not hold (made before ingests were logged) is not checked."""
    problems = []
    events: dict[str, int] = {}
    outside: set[str] = set()
    for seq, where, iid, kind in claims:
        started = seen.get(("ingest", iid))
        if started is None:
            continue
        if kind == "event":
            events[iid] = events.get(iid, 0) + 1
        finished = seen.get(("ingest_finished", iid))
        if seq < started[0] or (finished is not None and seq > finished[0]):
            outside.add(iid)
        if seq < started[0]:
            problems.append(
                (
                    seq,
                    where,
                    f"logged before its ingest {iid} started (entry {started[0]}) (inserted)",
                )
            )
        elif finished is not None and seq > finished[0]:
            problems.append(
                (
                    seq,
                    where,
                    f"logged after its ingest {iid} finished (entry {finished[0]}) (inserted)",
                )
            )
    for (kind, iid), (seq, body) in seen.items():
        if kind != "ingest_finished" or ("ingest", iid) not in seen or iid in outside:
            continue  # (an entry outside its ingest is named as such)
        stored, logged = body.get("stored"), events.get(iid, 0)
        if stored != logged:
            reason = (
                f"its finish entry counts {stored} stored events, but {logged} event entries "
                "name it (inserted or altered)"
            )
            problems.append((seq, f"ingest {iid}", reason))
    return problems


_BUNDLE = ("party", "imported_at", "records", "merged")


def _bundle_problems(
    store: Store,
    seen: dict[tuple[str, str], tuple[int, dict[str, object]]],
    via: dict[str, tuple[int, int, set[object]]],
) -> list[tuple[int, str, str]]:
    """Each row of the bundles table against its ``bundle`` entry and the entries of the
    events merged from it (``via``: bundle hash -> (first seq, how many, their parties)).

    A row with no ``bundle`` entry is tolerated only when it was imported before the first
    bundle that has one (imported before bundles were logged); its merged events must still
    be the ones the log names, when the log names any (entries older still do not)."""
    logged = {rid: entry for (kind, rid), entry in seen.items() if kind == "bundle"}
    first_logged = min((str(e[1].get("imported_at")) for e in logged.values()), default=None)
    problems: list[tuple[int, str, str]] = []
    hashes = set()
    rows = store.db.query(
        "SELECT hash, party, imported_at, records, merged FROM bundles ORDER BY imported_at, hash"
    )
    for i, (digest, party, imported_at, records, merged) in enumerate(rows):
        digest = str(digest)
        hashes.add(digest)
        name = f"bundle {digest}"
        stored = dict(zip(_BUNDLE, (party, imported_at, *_ints(records, merged)), strict=True))
        entry = logged.get(digest)
        if entry is None and first_logged is not None and not str(imported_at) < first_logged:
            problems.append((2 * 10**18 + i, name, _UNLOGGED))
            continue
        if entry is not None:
            differ = [k for k in _BUNDLE if entry[1].get(k) != stored[k]]
            if differ:
                verb = "differs" if len(differ) == 1 else "differ"
                reason = f"its {', '.join(differ)} {verb} from its evidence entry (altered)"
                problems.append((entry[0], name, reason))
                continue
        first_seq, events, parties = via.get(digest, (0, 0, set()))
        if (events or entry is not None) and (events, parties or {party}) != (
            stored["merged"],
            {party},
        ):
            at = first_seq or (entry[0] if entry is not None else 2 * 10**18 + i)
            reason = "its party or count differs from the entries of its merged events (altered)"
            problems.append((at, name, reason))
    for digest, (seq, _, _) in via.items():
        if digest not in hashes:
            problems.append(
                (
                    seq,
                    f"bundle {digest}",
                    "its events' entries name it but the bundle is gone (removed)",
                )
            )
    for digest, (seq, _) in logged.items():
        if digest not in hashes:
            problems.append(
                (
                    seq,
                    f"bundle {digest}",
                    "its evidence entry exists but the bundle is gone (removed)",
                )
            )
    return problems


def _entry(
    seen: dict[tuple[str, str], tuple[int, dict[str, object]]],
    kind: str,
    record_id: str,
    name: str,
    problems: list[tuple[int, str, str]],
) -> tuple[int, dict[str, object]] | None:
    """The evidence entry of a stored record; None, with the problem noted, when it has none.

    A record with no entry sorts after every entry (by its id), so that a broken entry is
    named first."""
    entry = seen.get((kind, record_id))
    if entry is None:
        problems.append((10**18 + int(record_id), name, _UNLOGGED))
    return entry


def _provenance(logged: dict[str, object], stored: dict[str, tuple[str, object]]) -> str | None:
    """Why a record's provenance differs from its entry (None when it does not).

    ``stored``: entry key -> (column, stored value). A key the entry lacks is not checked:
    entries written before provenance was logged have none."""
    differ = [
        column for key, (column, value) in stored.items() if key in logged and logged[key] != value
    ]
    if not differ:
        return None
    return (
        f"its {', '.join(differ)} {'differs' if len(differ) == 1 else 'differ'} from its "
        "evidence entry (altered)"
    )


_INGEST_STARTED = ("file", "format", "source", "started_at")
_INGEST_FINISHED = ("finished_at", *INGEST_COUNTS)
_UNFINISHED = dict.fromkeys(_INGEST_FINISHED, 0) | {"finished_at": None}
"""What the row of an ingest the log never finished holds (no finish time, no counts)."""


def _ingest_problems(
    store: Store,
    seen: dict[tuple[str, str], tuple[int, dict[str, object]]],
    problems: list[tuple[int, str, str]],
) -> list[int]:
    """Check each ingests row against its ``ingest`` entry and, once finished, its
    ``ingest_finished`` entry; returns the ids of the rows.

    An ingest with no ``ingest`` entry is tolerated only when it is older than the first
    ingest that has one (made before ingests were logged); any later one was inserted
    outside the log."""
    logged = [
        int(record_id)
        for kind, record_id in seen
        if kind == "ingest" and record_id.lstrip("-").isdigit()
    ]
    first_logged = min(logged, default=None)
    ids = []
    for row in store.db.query(
        "SELECT id, file, format, source, started_at, finished_at, "
        + ", ".join(INGEST_COUNTS)
        + " FROM ingests ORDER BY id"
    ):
        iid = int(row[0])
        ids.append(iid)
        stored = dict(zip((*_INGEST_STARTED, *_INGEST_FINISHED), row[1:], strict=True))
        name = f"ingest {iid}"
        started = seen.get(("ingest", str(iid)))
        finished = seen.get(("ingest_finished", str(iid)))
        if started is None and (first_logged is None or iid < first_logged):
            if finished is None:
                continue  # made before ingests were logged: nothing to check it against
        elif started is None:
            problems.append((10**18 + iid, name, _UNLOGGED))
            continue
        differ: list[tuple[int, str]] = []
        if started is not None:
            differ += [(started[0], k) for k in _INGEST_STARTED if started[1].get(k) != stored[k]]
        if finished is not None:
            differ += [
                (finished[0], k) for k in _INGEST_FINISHED if finished[1].get(k) != stored[k]
            ]
        elif started is not None:  # never finished: no finish time, no counts
            differ += [(started[0], k) for k in _INGEST_FINISHED if stored[k] != _UNFINISHED[k]]
        if differ:
            fields = [k for _, k in differ]
            verb = "differs" if len(fields) == 1 else "differ"
            where = "entries" if finished is not None else "entry"
            problems.append(
                (
                    min(seq for seq, _ in differ),
                    name,
                    f"its {', '.join(fields)} {verb} from its evidence {where} (altered)",
                )
            )
    return ids


def _finding_problems(
    store: Store, logged: dict[int, tuple[str, str, dict[str, object]]]
) -> list[tuple[int, str, str]]:
    """Each row of the findings table against the entry that recorded it (``evidence_seq``),
    which row is current against the newest entry of its finding, and entries whose row is
    gone. ``logged``: the finding and finding-withdrawn entries that ``check`` recorded (with
    a revision), by sequence number; other entries appended to the log are checked by the
    chain alone."""
    try:
        rows = store.db.query(
            "SELECT id, finding_id, agreement, rule, verdict, first_day, revision, payload, "
            "evidence_seq, status FROM findings ORDER BY id"
        )
    except store.db.errors:
        if not logged:
            return []  # no check ever ran: no findings table, nothing to check
        raise
    newest: dict[str, int] = {}  # finding id -> seq of its newest entry of either kind
    for seq, (_, fid, _) in logged.items():
        newest[fid] = max(seq, newest.get(fid, 0))
    problems: list[tuple[int, str, str]] = []
    recorded: set[int] = set()
    for row_id, fid, agreement, rule, verdict, first_day, revision, payload, seq, status in rows:
        seq = _ints(seq)[0] or 0  # not a whole number (by hand): no entry has it
        name = f"finding row {row_id} ({fid})"
        entry = None if seq in recorded else logged.get(seq)  # one row per entry
        recorded.add(seq)
        try:
            stored = json.loads(payload)
        except ValueError:
            stored = None
        if entry is None or entry[0] != "finding" or entry[1] != fid:
            problems.append((10**18 + int(row_id), name, _UNLOGGED))
        elif (
            not isinstance(stored, dict)
            or sha256_hex(payload) != revision
            or entry[2].get("revision") != revision
            or canonical_json(stored) != canonical_json(entry[2].get("finding"))
            or [stored.get(k) for k in ("agreement", "rule", "verdict", "first_day")]
            != [agreement, rule, verdict, first_day]
        ):
            problems.append(
                (seq, name, "stored finding does not match its evidence entry (altered)")
            )
        elif (status == "current") != (newest.get(fid) == seq):
            should = "current" if newest.get(fid) == seq else "not current"
            problems.append(
                (seq, name, f"its status is {status!r}, but the log makes it {should} (altered)")
            )
    for seq, (kind, fid, _) in sorted(logged.items()):
        if kind == "finding" and seq not in recorded:
            problems.append(
                (seq, f"finding {fid}", "its evidence entry exists but the row is gone (removed)")
            )
    return problems


def _same_json(stored: str, logged: object) -> bool:
    """Whether the JSON text of a stored column says what its evidence entry says."""
    try:
        return canonical_json(json.loads(stored)) == canonical_json(logged)
    except (ValueError, TypeError, RecursionError):  # not JSON text (or NaN): altered
        return False
