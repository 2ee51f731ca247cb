"""Stored events listed and shown in full with their provenance, on both backends."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import pytest

from dmzwatch.store import ingest, open_store
from dmzwatch.store.records import event_record, event_rows, utc_iso

from .conftest import observer_report

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def _real_rows(tmp_path: Path, n: int) -> tuple[Path, list[dict[str, str]]]:
    with UCDP.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [next(reader) for _ in range(n)]
    path = tmp_path / "ged.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def test_rows_filter_and_page_in_time_order(store_url: str, tmp_path: Path) -> None:
    path, real = _real_rows(tmp_path, 40)
    with open_store(store_url) as store:
        done = ingest(store, path)
        total, everything = event_rows(store)
        assert total == done.stored == len(everything) == 40
        starts = [(r["start_time"], r["id"]) for r in everything]
        assert starts == sorted(starts)
        assert {r["source_id"] for r in everything} == {r["id"] for r in real}
        assert all(r["ingest_id"] == 1 and r["line"] >= 2 for r in everything)
        paged = []
        for offset in range(0, 40, 7):
            count, page = event_rows(store, limit=7, offset=offset)
            assert count == 40
            paged += page
        assert paged == everything
        _, tail = event_rows(store, offset=35)
        assert tail == everything[35:]
        day = dt.date.fromisoformat(everything[10]["start_time"][:10])
        since = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        until = since + dt.timedelta(days=1, seconds=-1)
        count, on_day = event_rows(store, since=since, until=until)
        assert count == len(on_day) > 0
        assert on_day == [r for r in everything if r["start_time"][:10] == day.isoformat()]
        kind = everything[0]["kind"]
        count, of_kind = event_rows(store, kind=kind)
        assert of_kind == [r for r in everything if r["kind"] == kind]
        assert event_rows(store, source="acled") == (0, [])
        assert event_rows(store, ingest_id=2) == (0, [])


def test_one_event_in_full_original_provenance_evidence_links(
    store_url: str, tmp_path: Path
) -> None:
    path, real = _real_rows(tmp_path, 3)
    seen = real[1]
    obs, mapping = observer_report(tmp_path, seen)
    with open_store(store_url) as store:
        ingest(store, path)
        assert ingest(store, obs, mapping=mapping).linked == 1
        _, rows = event_rows(store)
        ids = {r["source_id"]: r["id"] for r in rows}
        record = event_record(store, ids[seen["id"]])
        assert record is not None
        assert record["original"] == seen  # the row exactly as read
        assert record["provenance"]["ingest"]["file"] == str(path)
        assert record["provenance"]["ingest"]["format"] == "ucdp"
        assert record["provenance"]["line"] == 3  # header, first row, this one
        assert record["provenance"]["party"] is None
        entries = store.db.query(
            "SELECT seq, hash FROM evidence WHERE kind = 'event' AND record_id = ?",
            (str(record["id"]),),
        )
        assert record["evidence"] == {"seq": int(entries[0][0]), "hash": entries[0][1]}
        assert len(record["content_hash"]) == 64
        (link,) = record["links"]
        assert (link["event"], link["source"], link["source_id"]) == (
            ids["o1"],
            "observers",
            "o1",
        )
        assert link["reason"]["days_apart"] == 0
        other = event_record(store, ids["o1"])
        assert other is not None and other["links"][0]["event"] == record["id"]
        assert other["original"] == {
            "id": "o1",
            "day": seen["date_start"][:10],
            "x": seen["longitude"],
            "y": seen["latitude"],
            "deaths": seen["best"],
        }
        assert event_record(store, 10_000) is None
        store.db.execute("DELETE FROM evidence WHERE record_id = ?", (str(ids["o1"]),))
        gone = event_record(store, ids["o1"])
        assert gone is not None and gone["evidence"] is None


def test_an_event_merged_from_a_bundle_names_the_bundle(store_url: str, tmp_path: Path) -> None:
    from dmzwatch.store.bundle import create_keys, export_bundle, import_bundle

    path, real = _real_rows(tmp_path, 2)
    key, pub = create_keys("TR", tmp_path / "keys")
    with open_store(tmp_path / "tr.db") as sender:
        ingest(sender, path)
        export_bundle(sender, key, tmp_path / "tr.bundle")
    with open_store(store_url) as receiver:
        merged = import_bundle(receiver, tmp_path / "tr.bundle", pub)
        _, rows = event_rows(receiver)
        record = event_record(receiver, rows[0]["id"])
        digest = receiver.db.scalar("SELECT hash FROM bundles")
    assert merged.merged == 2 and record is not None
    p = record["provenance"]
    assert p["ingest"] is None and p["line"] is None and p["party"] is None
    assert p["bundle"]["hash"] == digest and p["bundle"]["party"] == "TR"
    assert p["bundle"]["imported_at"]
    assert record["original"] in real


def test_numbers_past_64_bits_find_nothing_and_pages_stay_empty(
    store_url: str, tmp_path: Path
) -> None:
    """Ids and pages past what either backend stores: the same answer on both (SQLite
    raised OverflowError, both refused an offset or limit past 64 bits), and a negative
    limit or offset is an error on both (SQLite read it as none)."""
    path, _ = _real_rows(tmp_path, 3)
    with open_store(store_url) as store:
        ingest(store, path)
        _, everything = event_rows(store)
        for big in (2**63, -(2**63) - 1, 10**30):
            assert event_record(store, big) is None
            assert event_rows(store, ingest_id=big) == (0, [])
        assert event_rows(store, offset=2**63) == (3, [])
        assert event_rows(store, limit=2**64) == (3, everything)
        assert event_rows(store, source="ucdp\x00") == (0, [])
        assert event_rows(store, kind="strike\x00") == (0, [])
        for page in ({"limit": -1}, {"offset": -1}):
            with pytest.raises(ValueError, match="must not be negative"):
                event_rows(store, **page)


def test_a_time_without_zone_is_utc_whatever_the_machine_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "JST-9")  # a machine nine hours east of UTC
    time.tzset()
    try:
        assert utc_iso(dt.datetime(2018, 10, 15, 1, 0)) == "2018-10-15T01:00:00+00:00"
        east = dt.datetime(2018, 10, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
        assert utc_iso(east) == "2018-10-15T01:00:00+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()
