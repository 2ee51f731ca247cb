"""Migrations on both backends: a store made at an older schema version upgrades with every
row kept, and the upgraded store behaves as a new one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import GENESIS, Store, ingest, migrations, open_store, verify
from dmzwatch.store._db import connect
from dmzwatch.store.evidence import chain
from dmzwatch.store.migrations import MIGRATIONS, migrate

OBS = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
BAD = "bad,2018-10-20,36.7,north"
TABLES = ("ingests", "events", "quarantine", "links", "evidence", "bundles")


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, by id (the evidence log by sequence number)."""
    db = connect(url)
    try:
        return {
            t: db.query(f"SELECT * FROM {t} ORDER BY {'seq' if t == 'evidence' else 1}")
            for t in TABLES
        }
    finally:
        db.close()


def _files(folder: Path) -> tuple[Path, Path]:
    """Two files of source ``obs`` refusing the same row, and one event each (linked)."""
    a, b = folder / "a.csv", folder / "b.csv"
    a.write_text(f"id,day,x,y\na1,2018-10-20,36.7,35.4\n{BAD}\nlate,someday,36.7,35.4\n")
    b.write_text(f"id,day,x,y\nb1,2018-10-21,36.6,35.5\n{BAD}\n")
    return a, b


@contextmanager
def _open_at(url: str, version: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store at ``url`` made at schema ``version`` (before 5), and what is written to it
    as the code of that version wrote it: quarantine rows and their entries without a source
    id (the rows are written with one, which is then taken away with its column)."""
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", MIGRATIONS[:version])
        with open_store(url) as store:
            store.db.execute("ALTER TABLE quarantine ADD COLUMN source_id TEXT")
            yield store
            entries = [
                (e.kind, e.record_id, {k: v for k, v in e.payload.items() if k != "source_id"})
                if e.kind == "quarantine"
                else (e.kind, e.record_id, e.payload)
                for e in store.log.entries()
            ]
            store.db.execute("DELETE FROM evidence")
            store.db.executemany(
                "INSERT INTO evidence (seq, kind, record_id, payload, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(seq, *row) for seq, row in enumerate(chain(GENESIS, entries), start=1)],
            )
            store.db.execute("ALTER TABLE quarantine DROP COLUMN source_id")


def test_migrate_applies_each_migration_once(store_url: str) -> None:
    db = connect(store_url)
    try:
        assert migrate(db) == [m.version for m in MIGRATIONS]
        assert migrate(db) == []
        versions = [int(v) for (v,) in db.query("SELECT version FROM schema_migrations")]
    finally:
        db.close()
    assert sorted(versions) == [m.version for m in MIGRATIONS] and 4 in versions


def test_a_store_at_version_3_upgrades_with_every_row_kept(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _files(tmp_path)
    with _open_at(store_url, 3, monkeypatch) as store:
        for f in (a, b):
            ingest(store, f, mapping=OBS)
        # at version 3 the row b.csv refused again is counted but not listed there
        assert store.ingests()[1]["quarantined"] == 1
        assert store.quarantined(file="b.csv") == []
        store.db.execute(
            "INSERT INTO bundles (hash, party, imported_at, records, merged) "
            "VALUES ('h', 'TR', '2018-11-01T00:00:00+00:00', 1, 0)"
        )
    before = _rows(store_url)
    assert [len(before[t]) for t in TABLES] == [2, 2, 2, 0, 8, 1]  # 2 x (ingest, row, row, finish)

    with open_store(store_url) as store:
        # migration 5 gives each quarantine row a source id column, none for the old rows
        before["quarantine"] = [(*r, None) for r in before["quarantine"]]
        assert _rows(store_url) == before
        assert verify(store).ok
        ib = store.ingests()[1]["id"]
        assert store.quarantined(file="b.csv") == []  # nothing made up for the old ingest
        again = ingest(store, b, mapping=OBS)  # the other file again lists its copy
        assert (again.stored, again.duplicates, again.quarantined) == (0, 1, 1)
        listed = store.quarantined(file="b.csv")
        counts = store.counts()
        ingest(store, b, mapping=OBS)
        ingest(store, a, mapping=OBS)
        assert store.counts() == {**counts, "evidence": counts["evidence"] + 4}  # 2 ingests
        assert verify(store).ok
    after = _rows(store_url)
    assert [(q["line"], q["ingest_id"]) for q in listed] == [(3, ib + 1)]
    assert counts["quarantine"] == 3 and counts["evidence"] == 8 + 1 + 2
    assert {t: after[t][: len(before[t])] for t in TABLES} == before  # added to, never changed


def test_a_store_at_version_4_keeps_its_refusals_without_ids_and_lists_them_open(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _files(tmp_path)
    with _open_at(store_url, 4, monkeypatch) as store:
        ingest(store, a, mapping=OBS)
        old = [(q["id"], q["line"], q["reason"]) for q in store.quarantined()]
    before = _rows(store_url)
    assert all(len(r) == 8 for r in before["quarantine"])  # no source id column

    fix = tmp_path / "fix.csv"
    fix.write_text("id,day,x,y\nbad,2018-10-20,36.7,35.4\nlate,2018-10-21,36.7,35.4\n")
    with open_store(store_url) as store:
        assert _rows(store_url) == {
            **before,
            "quarantine": [(*r, None) for r in before["quarantine"]],
        }
        assert verify(store).ok
        listed = store.quarantined()
        # the corrected rows are stored, but the old refusals never said which id they had
        fixed = ingest(store, fix, mapping=OBS)
        after = store.quarantined(open_only=True)
        assert verify(store).ok
        ingest(store, b, mapping=OBS)  # a refusal made now has its id
        (new,) = [q for q in store.quarantined() if q["file"] == str(b)]
    assert [(q["id"], q["line"], q["reason"]) for q in listed] == old and len(old) == 2
    assert {(q["source_id"], q["corrected_by"]) for q in listed} == {(None, None)}
    assert fixed.stored == 2 and after == listed
    assert (new["source_id"], new["corrected_by"]) == ("bad", None)  # stored earlier: open
