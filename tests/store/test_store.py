"""The store on both backends: the real UCDP file ingests fully, re-ingest changes nothing;
the ingests and the quarantine are listed and filtered, a refused row under every file and
line that refused it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import dmzwatch
from dmzwatch.events.model import sha256_hex
from dmzwatch.events.readers import parse_map_options, read
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
        # each ingest also logs its start and its finish
        assert store.counts() == {"events": 1475, "quarantine": 0, "links": 0, "evidence": 1479}
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


OBS = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
BAD = "bad,2018-12-01,36.7,north"  # lat is not a number; in the future before December 2018


def _refusals(rows: list[dict[str, Any]]) -> list[tuple[str, int | None, int | None, str]]:
    """(file name, line, ingest, reasons) of each quarantined row listed."""
    out: dict[int, tuple[str, int | None, int | None, list[str]]] = {}
    for q in rows:
        out.setdefault(q["id"], (Path(q["file"]).name, q["line"], q["ingest_id"], []))[3].append(
            q["reason"]
        )
    return sorted((f, line, i, "; ".join(sorted(set(r)))) for f, line, i, r in out.values())


def test_a_row_refused_by_two_files_is_listed_under_each_with_its_line(
    store_url: str, tmp_path: Path
) -> None:
    a = _write(tmp_path / "a.csv", f"id,day,x,y\na1,2018-10-20,36.7,35.4\n{BAD}\n")
    b = _write(
        tmp_path / "b.csv",
        f"id,day,x,y\nb1,2018-10-21,36.7,35.4\nb2,2018-10-22,36.7,35.4\n{BAD}\n{BAD}\n",
    )
    november = dt.datetime(2018, 11, 1, tzinfo=dt.UTC)
    with open_store(store_url) as store:
        first = ingest(store, a, mapping=OBS, now=november)
        second = ingest(store, b, mapping=OBS)
        ia, ib = (i["id"] for i in store.ingests())
        listed = store.quarantined()
        under_b = store.quarantined(file="b.csv")
        by_ingest = store.quarantined(ingest_id=ib)
        counts = store.counts()
        assert verify(store).ok
        again = [ingest(store, f, mapping=OBS) for f in (a, b)]
        assert store.counts() == {**counts, "evidence": counts["evidence"] + 4}  # 2 ingests
        assert store.quarantined() == listed
        assert verify(store).ok
    assert (first.read, first.stored, first.duplicates, first.quarantined) == (2, 1, 0, 1)
    assert (second.read, second.stored, second.duplicates, second.quarantined) == (4, 2, 0, 2)
    assert [(r.read, r.stored, r.quarantined) for r in again] == [(2, 0, 1), (4, 0, 2)]
    # each file's own lines, ingest and problems (the date was in the future only for a.csv)
    assert _refusals(listed) == [
        ("a.csv", 3, ia, "date is in the future; not a number"),
        ("b.csv", 4, ib, "not a number"),
        ("b.csv", 5, ib, "not a number"),
    ]
    assert _refusals(under_b) == _refusals(by_ingest) == _refusals(listed)[1:]
    assert len({q["id"] for q in by_ingest}) == second.quarantined
    assert len({q["original"] for q in listed}) == 1
    # events + refusals + each ingest's start and finish
    assert counts["quarantine"] == 3 and counts["evidence"] == 3 + 3 + 2 * 2


def test_each_refusal_is_its_own_evidence_entry(store_url: str, tmp_path: Path) -> None:
    a = _write(tmp_path / "a.csv", f"id,day,x,y\n{BAD}\n")
    b = _write(tmp_path / "b.csv", f"id,day,x,y\n{BAD}\n")
    with open_store(store_url) as store:
        for f in (a, b):
            ingest(store, f, mapping=OBS)
        (qa, qb) = sorted({q["id"] for q in store.quarantined()})
        logged = {e.record_id for e in store.log.entries() if e.kind == "quarantine"}
        assert logged == {str(qa), str(qb)}
        store.db.execute("UPDATE quarantine SET problems = '[]' WHERE id = ?", (qb,))
        result = verify(store)
        assert not result.ok and result.record == f"quarantine row {qb}", result
        store.db.execute("UPDATE quarantine SET problems = ? WHERE id = ?", ("x", qa))
        result = verify(store)
        assert not result.ok and result.record == f"quarantine row {qa}", result


POOL = {
    "g1": "g1,2018-10-20,36.7,35.4",
    "g2": "g2,2018-10-21,36.6,35.5",
    "x1": "x1,later,36.7,35.4",
    "x2": "x2,2018-10-20,500,35.4",
    BAD.split(",")[0]: BAD,
}
"""Rows by id: two valid ones and three refused ones (each id has one content)."""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=st.lists(st.lists(st.sampled_from(sorted(POOL)), min_size=1, max_size=6), max_size=3))
def test_every_ingest_lists_each_row_it_refused_and_reingest_adds_nothing(
    tmp_path_factory: pytest.TempPathFactory, files: list[list[str]]
) -> None:
    folder = tmp_path_factory.mktemp("files")
    paths = [
        _write(folder / f"f{k}.csv", "id,day,x,y\n" + "".join(POOL[i] + "\n" for i in ids))
        for k, ids in enumerate(files)
    ]
    with open_store(folder / "store.db") as store:
        results = [ingest(store, p, mapping=OBS) for p in paths]
        ingests = store.ingests()
        listed = store.quarantined()
        counts = store.counts()
        for p in paths:
            assert ingest(store, p, mapping=OBS).adds_up
        # nothing new but each re-ingest's start and finish
        assert store.counts() == {**counts, "evidence": counts["evidence"] + 2 * len(paths)}
        assert store.quarantined() == listed
        assert verify(store).ok
    for ids, path, result, made in zip(files, paths, results, ingests, strict=True):
        refused = {line: i for line, i in enumerate(ids, start=2) if not POOL[i].startswith("g")}
        mine = [q for q in listed if q["ingest_id"] == made["id"]]
        assert result.adds_up and result.quarantined == len(refused)
        assert {q["line"]: json.loads(q["original"])["id"] for q in mine} == refused
        assert len({q["id"] for q in mine}) == len(refused)
        assert {q["file"] for q in mine} <= {str(path)}


def test_a_refusal_without_a_line_is_kept_once_per_file(store_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", "id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    nothing = next(iter(read(path, "csv", OBS))).columns.take(np.array([], dtype=np.intp))
    row = (None, sha256_hex("x"), [{"field": "(row)", "value": "x", "reason": "unreadable"}], "x")
    with open_store(store_url) as store:
        iid = store.start_ingest("one", "csv", "obs")
        for file in ("one", "one", "two"):
            store.write_batch(nothing, [row, row], file=file, ingest_id=iid)
        listed = store.quarantined()
        assert verify(store).ok
    assert [(q["file"], q["line"]) for q in listed] == [("one", None), ("two", None)]
