"""Provenance is evidence: which ingest, file and line a record came from, and each ingest's
file, times and counts, are checked against the log like content is; stores whose entries
predate that still verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import GENESIS, Store, ingest, open_store, verify
from dmzwatch.store.evidence import chain

OBS = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
GOOD = ["a1,2018-10-20,36.7,35.4", "a2,2018-10-21,36.6,35.5", "a3,2018-10-22,36.5,35.6"]
BAD = "z1,2018-10-20,36.7,not-a-number"


def _file(path: Path, rows: list[str]) -> Path:
    path.write_text("id,day,x,y\n" + "".join(r + "\n" for r in rows))
    return path


def _two_ingests(store: Store, folder: Path) -> None:
    """Ingest 1: events 1-3 (lines 2-4), quarantine row 1 (line 5); ingest 2: event 4."""
    ingest(store, _file(folder / "a.csv", [*GOOD, BAD]), mapping=OBS)
    ingest(store, _file(folder / "b.csv", ["b1,2018-10-23,36.4,35.7"]), mapping=OBS)


def test_ingests_are_logged_and_new_entries_carry_provenance(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        entries = store.log.entries()
        ingests = store.ingests()
        assert verify(store).ok
    kinds = [e.kind for e in entries]
    assert kinds == [
        *["ingest", "event", "event", "event", "quarantine", "ingest_finished"],
        *["ingest", "event", "ingest_finished"],
    ]
    first = ingests[0]
    assert entries[0].record_id == entries[5].record_id == str(first["id"])
    assert entries[0].payload == {k: first[k] for k in ("file", "format", "source", "started_at")}
    assert entries[5].payload == {
        k: first[k] for k in ("finished_at", "read", "stored", "duplicates", "quarantined")
    }
    assert (first["read"], first["stored"], first["quarantined"]) == (4, 3, 1)
    assert [(e.payload["ingest"], e.payload["line"]) for e in entries[1:4]] == [
        (first["id"], 2),
        (first["id"], 3),
        (first["id"], 4),
    ]
    quarantined = entries[4].payload
    assert (
        quarantined["file"],
        quarantined["line"],
        quarantined["ingest"],
        quarantined["source_id"],
    ) == (str(tmp_path / "a.csv"), 5, first["id"], "z1")


TAMPER = [
    (
        "event line",
        "UPDATE events SET line = line + 1 WHERE id = 2",
        "event 2 ",
        "its line differs from its evidence entry (altered)",
    ),
    (
        "event ingest",
        "UPDATE events SET ingest_id = 2 WHERE id = 2",
        "event 2 ",
        "its ingest_id differs from its evidence entry (altered)",
    ),
    (
        "event moved to no ingest",
        "UPDATE events SET ingest_id = NULL, line = NULL WHERE id = 4",
        "event 4 ",
        "its ingest_id, line differ from its evidence entry (altered)",
    ),
    (
        "quarantine file",
        "UPDATE quarantine SET file = 'elsewhere.csv' WHERE id = 1",
        "quarantine row 1",
        "its file differs from its evidence entry (altered)",
    ),
    (
        "quarantine line",
        "UPDATE quarantine SET line = 9 WHERE id = 1",
        "quarantine row 1",
        "its line differs from its evidence entry (altered)",
    ),
    (
        "quarantine ingest",
        "UPDATE quarantine SET ingest_id = 2 WHERE id = 1",
        "quarantine row 1",
        "its ingest_id differs from its evidence entry (altered)",
    ),
    (
        "quarantine source id changed",  # would make the row look corrected by another event
        "UPDATE quarantine SET source_id = 'a2' WHERE id = 1",
        "quarantine row 1",
        "its source_id differs from its evidence entry (altered)",
    ),
    (
        "quarantine source id cleared",
        "UPDATE quarantine SET source_id = NULL WHERE id = 1",
        "quarantine row 1",
        "its source_id differs from its evidence entry (altered)",
    ),
    (
        "ingest file",
        "UPDATE ingests SET file = 'elsewhere.csv' WHERE id = 1",
        "ingest 1",
        "its file differs from its evidence entries (altered)",
    ),
    (
        "ingest format and source",
        "UPDATE ingests SET format = 'acled', source = 'acled' WHERE id = 2",
        "ingest 2",
        "its format, source differ from its evidence entries (altered)",
    ),
    (
        "ingest started_at",
        "UPDATE ingests SET started_at = '2018-09-17T00:00:00+00:00' WHERE id = 1",
        "ingest 1",
        "its started_at differs from its evidence entries (altered)",
    ),
    (
        "ingest counts",
        "UPDATE ingests SET stored = stored - 1, quarantined = quarantined + 1 WHERE id = 1",
        "ingest 1",
        "its stored, quarantined differ from its evidence entries (altered)",
    ),
    (
        "ingest finished_at",
        "UPDATE ingests SET finished_at = '2018-09-17T00:00:00+00:00' WHERE id = 2",
        "ingest 2",
        "its finished_at differs from its evidence entries (altered)",
    ),
    (
        "ingest unfinished",
        "UPDATE ingests SET finished_at = NULL WHERE id = 2",
        "ingest 2",
        "its finished_at differs from its evidence entries (altered)",
    ),
    (
        "ingest added by hand",
        "INSERT INTO ingests (file, format, source, started_at) "
        "VALUES ('c.csv', 'csv', 'obs', '2018-10-24T00:00:00+00:00')",
        "ingest 3",
        "has no evidence entry (inserted outside the log)",
    ),
    (
        "ingest removed",
        "DELETE FROM ingests WHERE id = 2",
        "ingest 2",
        "its evidence entry exists but the ingest is gone (removed)",
    ),
]


@pytest.mark.parametrize(("case", "sql", "record", "reason"), TAMPER, ids=[c[0] for c in TAMPER])
def test_altered_provenance_is_named(
    store_url: str, tmp_path: Path, case: str, sql: str, record: str, reason: str
) -> None:
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        assert verify(store).ok
        store.db.execute(sql)
        result = verify(store)
    assert not result.ok, case
    assert result.record is not None and (result.record + " ").startswith(record), result
    assert result.reason == reason


def test_an_ingest_the_log_never_finished_may_not_claim_counts(
    store_url: str, tmp_path: Path
) -> None:
    """An interrupted ingest (started, never finished) verifies; made to look finished, or
    given counts, it does not."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        killed = store.start_ingest(str(tmp_path / "c.csv"), "csv", "obs")
        assert verify(store).ok
        store.db.execute("UPDATE ingests SET read = 5 WHERE id = ?", (killed,))
        counted = verify(store)
        store.db.execute(
            "UPDATE ingests SET read = 0, finished_at = '2018-10-25T00:00:00+00:00' WHERE id = ?",
            (killed,),
        )
        finished = verify(store)
    assert not counted.ok and counted.record == f"ingest {killed}"
    assert counted.reason == "its read differs from its evidence entry (altered)"
    assert not finished.ok and finished.reason == (
        "its finished_at differs from its evidence entry (altered)"
    )


def _rechain(store: Store, items: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Replace the whole log by ``items``, chained from the start (as lower-level code would
    have written them)."""
    store.db.execute("DELETE FROM evidence")
    store.db.executemany(
        "INSERT INTO evidence (seq, kind, record_id, payload, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(seq, *row) for seq, row in enumerate(chain(GENESIS, items), start=1)],
    )


def _to_old_format(store: Store) -> None:
    """Rewrite the log as it was before provenance was logged: no ingest entries, event and
    quarantine entries without their provenance keys (and quarantine rows without the source
    id, which was not kept either)."""
    store.db.execute("UPDATE quarantine SET source_id = NULL")
    drop = {"event": ("ingest", "line"), "quarantine": ("file", "line", "ingest", "source_id")}
    _rechain(
        store,
        [
            (e.kind, e.record_id, {k: v for k, v in e.payload.items() if k not in drop[e.kind]})
            for e in store.log.entries()
            if e.kind in drop
        ],
    )


def test_an_old_format_store_still_verifies_and_new_ingests_are_logged(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        _to_old_format(store)
        payloads = [e.payload for e in store.log.entries()]
        old = verify(store)
        # not covered by old entries: not checked (the log never said otherwise)
        store.db.execute("UPDATE ingests SET file = 'elsewhere.csv' WHERE id = 1")
        store.db.execute("UPDATE events SET line = 7 WHERE id = 1")
        unchecked = verify(store)
        # but an old quarantine row had no source id: one given to it is an alteration
        store.db.execute("UPDATE quarantine SET source_id = 'a1' WHERE id = 1")
        made_up = verify(store)
        store.db.execute("UPDATE quarantine SET source_id = NULL WHERE id = 1")
        ingest(store, _file(tmp_path / "c.csv", ["c1,2018-10-24,36.3,35.8"]), mapping=OBS)
        grown = verify(store)
        new = [e for e in store.log.entries() if e.seq > len(payloads)]
        store.db.execute(
            "INSERT INTO ingests (file, format, source, started_at) "
            "VALUES ('d.csv', 'csv', 'obs', '2018-10-25T00:00:00+00:00')"
        )
        added = verify(store)
    assert [sorted(p) for p in payloads] == [
        *[["content_hash", "source", "source_id"]] * 3,
        ["problems", "row_hash", "source"],
        ["content_hash", "source", "source_id"],
    ]
    assert old.ok and old.entries == 5 and unchecked.ok
    assert not made_up.ok and made_up.record == "quarantine row 1"
    assert made_up.reason == "its source_id differs from its evidence entry (altered)"
    assert grown.ok and [e.kind for e in new] == ["ingest", "event", "ingest_finished"]
    assert (new[0].record_id, new[1].payload["ingest"], new[1].payload["line"]) == ("3", 3, 2)
    assert not added.ok and added.record == "ingest 4"
    assert added.reason == "has no evidence entry (inserted outside the log)"


@pytest.mark.parametrize(("unlogged", "ok"), [(1, True), (2, False)])
def test_only_ingests_older_than_the_first_logged_one_may_lack_entries(
    store_url: str, tmp_path: Path, unlogged: int, ok: bool
) -> None:
    """Ingest 1 unlogged (made before ingests were logged): intact. Ingest 2 unlogged while
    ingest 1 is logged: inserted outside the log."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        _rechain(
            store,
            [
                (e.kind, e.record_id, e.payload)
                for e in store.log.entries()
                if not (e.kind.startswith("ingest") and e.record_id == str(unlogged))
            ],
        )
        result = verify(store)
    assert result.ok == ok
    if not ok:
        assert result.record == f"ingest {unlogged}"
        assert result.reason == "has no evidence entry (inserted outside the log)"
