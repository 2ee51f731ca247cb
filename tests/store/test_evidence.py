"""The evidence log: alter, remove, insert or reorder anything and verify names the first break."""

from __future__ import annotations

import csv
import itertools
import shutil
import sqlite3
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import GENESIS, ingest, open_store, verify
from dmzwatch.store.evidence import chain

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def small_file(path: Path, n: int = 40) -> Path:
    with UCDP.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:n]
    rows[3]["latitude"] = "oops"  # one quarantined row
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("evidence")
    db = tmp / "base.db"
    with open_store(db) as store:
        ingest(store, small_file(tmp / "small.csv"))
        store.log.append("finding", "f-1", {"verdict": "violation", "events": [1, 2]})
        assert verify(store).ok
    return db


TAMPER = [
    (
        "alter_event",
        "UPDATE events SET fatalities_best = fatalities_best + 1 WHERE id = {k}",
        "event {k} ",
    ),
    (
        "alter_quarantine",
        "UPDATE quarantine SET original = original || ' ' WHERE id = 1",
        "quarantine row 1",
    ),
    ("remove_event", "DELETE FROM events WHERE id = {k}", "event {k}"),
    (
        "insert_event",
        "INSERT INTO events SELECT {k} + 1000, source, source_id || 'x', kind, start_time, "
        "end_time, date_precision, date_precision_days, lon, lat, location_precision, "
        "precision_km, equipment_class, equipment_count, equipment_inferred, inferred_from, "
        "actors, fatalities_best, "
        "fatalities_low, fatalities_high, civilians, text, original, original_hash, content_hash, "
        "ingest_id, line FROM events WHERE id = {k}",
        "event {k1000}",
    ),
    (
        "alter_entry",
        "UPDATE evidence SET payload = replace(payload, 'violation', 'compliant') "
        "WHERE kind = 'finding'",
        "evidence entry",
    ),
    ("remove_entry", "DELETE FROM evidence WHERE seq = {k}", "evidence entry {k1}"),
    (
        "reorder_entries",
        "UPDATE evidence SET seq = -1 WHERE seq = {k}; "
        "UPDATE evidence SET seq = {k} WHERE seq = {k1}; "
        "UPDATE evidence SET seq = {k1} WHERE seq = -1",
        "evidence entry {k}",
    ),
]


def tamper(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.commit()
    conn.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=st.sampled_from(TAMPER), k=st.integers(1, 38))
def test_any_tampering_is_found_and_named(
    base_db: Path, tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str, str], k: int
) -> None:
    name, sql, expected = case
    db = tmp_path_factory.mktemp("t") / "copy.db"
    shutil.copy(base_db, db)
    tamper(db, sql.format(k=k, k1=k + 1))
    with open_store(db) as store:
        result = verify(store)
    assert not result.ok, name
    assert result.record is not None
    assert expected.format(k=k, k1=k + 1, k1000=k + 1000) in result.record + " ", (name, result)


def test_untouched_log_verifies_and_chain_links(base_db: Path) -> None:
    with open_store(base_db) as store:
        result = verify(store)
        entries = store.log.entries()
    assert result.ok and result.entries == len(entries) == 43  # ingest, 40 rows, finish, finding
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert (
        chain(GENESIS, [(e.kind, e.record_id, e.payload) for e in entries])[-1][4]
        == entries[-1].hash
    )


def test_the_head_is_the_last_hash_once_the_chain_links(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as store:
        empty = verify(store)
        ingest(store, small_file(tmp_path / "s.csv", 10))
        intact = verify(store)
        last = store.log.entries()[-1]
        store.db.execute("UPDATE events SET lat = lat + 0.01 WHERE id = 5")
        records_broken = verify(store)  # the chain links: its head is known
        store.db.execute("DELETE FROM evidence WHERE seq = 3")
        chain_broken = verify(store)
    assert empty.ok and empty.head is None and str(empty).endswith("records match")
    assert intact.ok and intact.head == last.hash and intact.entries == last.seq
    assert str(intact).endswith(f", head {last.hash[:12]}")
    assert not records_broken.ok and records_broken.head == last.hash
    assert not chain_broken.ok and chain_broken.head is None


def test_tampering_is_found_on_both_backends(store_url: str, tmp_path: Path, backend: str) -> None:
    with open_store(store_url) as store:
        ingest(store, small_file(tmp_path / "s.csv", 10))
        assert verify(store).ok
        store.db.execute("UPDATE events SET lat = lat + 0.01 WHERE id = 5")
        result = verify(store)
        assert not result.ok and result.record is not None and result.record.startswith("event 5 ")
        store.db.execute("UPDATE events SET lat = lat - 0.01 WHERE id = 5")
        assert verify(store).ok
        store.db.execute("DELETE FROM evidence WHERE seq = 3")
        result = verify(store)
        assert not result.ok and result.record is not None and "evidence entry 4" in result.record


def _linked_store(url: str, tmp_path: Path) -> None:
    """Two sources reporting the same event (one link) and one quarantined row."""
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("id,day,x,y,k\n1,2018-11-01,36.70,35.70,3\n2,2018-11-02,36.8,oops,1\n")
    two.write_text("id,day,x,y,k\nA,2018-11-01,36.701,35.701,4\n")
    with open_store(url) as store:
        for path, source in ((one, "one"), (two, "two")):
            mapping = parse_map_options(
                ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=k"], source
            )
            ingest(store, path, mapping=mapping)
        assert len(store.links()) == 1 and store.counts()["quarantine"] == 1
        assert verify(store).ok


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE links SET reason = '{}'", "link 1 (events 1 and 2): stored link does not match"),
        ("UPDATE links SET event_a = 2", "link 1 (events 2 and 2): stored link does not match"),
        ("DELETE FROM links", "link 1: its evidence entry exists but the link is gone"),
        (
            "INSERT INTO links (event_a, event_b, reason) VALUES (2, 1, '{}')",
            "link 2 (events 2 and 1): has no evidence entry",
        ),
        ("UPDATE quarantine SET problems = '[]'", "quarantine row 1: stored row does not match"),
        ("UPDATE quarantine SET source = 'two'", "quarantine row 1: stored row does not match"),
        ("DROP TABLE links", "the store "),
    ],
)
def test_links_and_quarantine_problems_are_covered_by_the_log(
    store_url: str, tmp_path: Path, sql: str, expected: str
) -> None:
    _linked_store(store_url, tmp_path)
    with open_store(store_url) as store:
        store.db.execute(sql)
        result = verify(store)
    assert not result.ok and f"{result.record}: {result.reason}".startswith(expected), result


def _checked_store(url: str, tmp_path: Path) -> None:
    """The real UCDP events of November 2018, checked against the Idlib agreement."""
    from dmzwatch import load_scenario
    from dmzwatch.rules.engine import Engine
    from dmzwatch.store.findings import check_and_record

    with UCDP.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["date_start"].startswith("2018-11")]
    path = tmp_path / "nov.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open_store(url) as store:
        ingest(store, path)
        run = check_and_record(store, Engine(load_scenario("idlib-2018")))
        assert run.recorded.new >= 2
        assert verify(store).ok


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE findings SET verdict = 'compliant' WHERE id = 1", "does not match"),
        ("UPDATE findings SET payload = payload || ' ' WHERE id = 1", "does not match"),
        ("UPDATE findings SET status = 'withdrawn' WHERE id = 1", "but the log makes it current"),
        ("DELETE FROM findings WHERE id = 1", "its evidence entry exists but the row is gone"),
        (
            "INSERT INTO findings (revision, finding_id, agreement, rule, verdict, first_day, "
            "payload, evidence_seq, status) SELECT revision, finding_id, agreement, rule, "
            "verdict, first_day, payload, evidence_seq, status FROM findings WHERE id = 1",
            "has no evidence entry (inserted outside the log)",
        ),
    ],
)
def test_findings_are_covered_by_the_log(
    store_url: str, tmp_path: Path, sql: str, expected: str
) -> None:
    _checked_store(store_url, tmp_path)
    with open_store(store_url) as store:
        store.db.execute(sql)
        result = verify(store)
    assert not result.ok and expected in str(result.reason), result
    assert str(result.record).startswith(("finding row ", "finding f")), result


def test_an_entry_whose_payload_is_not_an_object_is_named(store_url: str, tmp_path: Path) -> None:
    """Every writer logs an object; an entry that links and hashes right but holds a list
    (written by a forger) is named, not a crash."""
    with open_store(store_url) as store:
        ingest(store, small_file(tmp_path / "s.csv", 5))
        with store.db.transaction():
            store.log.extend([("event", "3", [1, 2])])  # type: ignore[list-item]
        result = verify(store)
    assert not result.ok and result.record == "evidence entry 8 (event 3)"
    assert result.reason == "its payload is not a JSON object (altered)"
