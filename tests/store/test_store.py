"""The store on both backends: the real UCDP file ingests fully, re-ingest changes nothing;
the ingests and the quarantine are listed and filtered."""

from __future__ import annotations

from pathlib import Path

import pytest

import dmzwatch
from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import ingest, open_store, verify

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


@pytest.fixture(scope="module")
def syria() -> object:
    scenario = dmzwatch.load_scenario("idlib-2018")
    return scenario.agreement.areas[scenario.agreement.territory or "syria"].geometry


def test_real_ucdp_file_ingests_fully_and_reingest_stores_nothing(
    store_url: str, syria: object
) -> None:
    with open_store(store_url) as store:
        first = ingest(store, UCDP, territory=syria)
        assert (first.read, first.stored, first.duplicates, first.quarantined) == (1475, 1475, 0, 0)
        assert first.warnings == 15  # low/best/high out of order in the source, stored as given
        again = ingest(store, UCDP, territory=syria)
        assert (again.read, again.stored, again.duplicates, again.quarantined) == (1475, 0, 1475, 0)
        assert store.counts() == {"events": 1475, "quarantine": 0, "links": 0, "evidence": 1475}
        assert verify(store).ok
        events = dict(store.events())
    assert len(events) == 1475
    first_event = next(iter(events.values()))
    assert first_event.start.tzinfo is not None
    assert first_event.original["id"] == first_event.source_id


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_ingests_are_listed_with_their_counts_and_interrupted_ones_flagged(
    store_url: str, tmp_path: Path
) -> None:
    reports = _write(
        tmp_path / "reports.csv", "id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,someday,36.7,35.4\n"
    )
    mapping = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "observers")
    with open_store(store_url) as store:
        assert store.ingests() == []
        result = ingest(store, reports, mapping=mapping)
        killed = store.start_ingest(str(tmp_path / "big.csv"), "ucdp", "ucdp")
        listed = store.ingests()
    assert [i["id"] for i in listed] == [listed[0]["id"], killed]
    first, second = listed
    assert (first["file"], first["format"], first["source"]) == (str(reports), "csv", "observers")
    assert (
        (first["read"], first["stored"], first["duplicates"], first["quarantined"])
        == (
            result.read,
            result.stored,
            result.duplicates,
            result.quarantined,
        )
        == (2, 1, 0, 1)
    )
    assert first["status"] == "finished" and first["finished_at"] >= first["started_at"]
    assert second["status"] == "interrupted" and second["finished_at"] is None


def test_quarantine_filters_by_source_file_reason_and_ingest(
    store_url: str, tmp_path: Path
) -> None:
    a = _write(tmp_path / "a.csv", "id,day,x,y\na1,2018-10-20,36.7,north\na2,later,36.7,35.4\n")
    b = _write(tmp_path / "b.csv", "id,day,x,y\nb1,2018-10-20,500,35.4\n")
    with open_store(store_url) as store:
        ingest(store, a, mapping=parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"]))
        second = ingest(
            store,
            b,
            mapping=parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs"),
        )
        every = store.quarantined()
        by_source = store.quarantined(source="obs")
        by_name = store.quarantined(file="a.csv")
        by_path = store.quarantined(file=str(a))
        by_reason = store.quarantined(reason="NOT A DATE")
        by_ingest = store.quarantined(ingest_id=store.ingests()[-1]["id"])
        nothing = store.quarantined(file="c.csv")
    assert second.quarantined == 1
    assert {q["source"] for q in every} == {"csv", "obs"} and len(every) == 3
    assert [q["line"] for q in by_source] == [2] and by_source == by_ingest
    assert by_name == by_path and {q["line"] for q in by_name} == {2, 3}
    assert [(q["line"], q["field"]) for q in by_reason] == [(3, "day")]
    assert nothing == []


def test_events_are_looked_up_by_source_id(store_url: str, tmp_path: Path) -> None:
    reports = _write(
        tmp_path / "r.csv", "id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-10-21,36.6,35.5\n"
    )
    mapping = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
    with open_store(store_url) as store:
        ingest(store, reports, mapping=mapping)
        ids = store.by_source_id("obs", ["r2", "r1", "r2", "nope"], "id")
        originals = store.by_source_id("obs", ["r1"], "original")
        assert store.by_source_id("csv", ["r1"], "id") == {}
        with pytest.raises(ValueError, match="not an events column"):
            store.by_source_id("obs", ["r1"], "id; DROP TABLE events")
    assert sorted(ids) == ["r1", "r2"] and ids["r1"] != ids["r2"]
    assert '"id":"r1"' in originals["r1"].replace(" ", "")
