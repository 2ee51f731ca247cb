"""The store on both backends: the real UCDP file ingests fully, re-ingest changes nothing;
the ingests and the quarantine are listed and filtered, a refused row under every file and
line that refused it, and corrected once a later ingest stores its id."""

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
from dmzwatch.store.bundle import create_keys, export_bundle, import_bundle
from dmzwatch.store.store import QuarantineRow, unsigned_zeros

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
    problem = {"field": "(row)", "value": "x", "reason": "unreadable"}
    row = QuarantineRow(None, sha256_hex("x"), [problem], "x", None)
    with open_store(store_url) as store:
        iid = store.start_ingest("one", "csv", "obs")
        for file in ("one", "one", "two"):
            store.write_batch(nothing, [row, row], file=file, ingest_id=iid)
        listed = store.quarantined()
        assert verify(store).ok
    assert [(q["file"], q["line"]) for q in listed] == [("one", None), ("two", None)]


def _status(rows: list[dict[str, Any]]) -> dict[tuple[str, int | None], tuple[str | None, Any]]:
    """(file name, line) -> (source id, corrected_by) of each quarantined row listed."""
    return {(Path(q["file"]).name, q["line"]): (q["source_id"], q["corrected_by"]) for q in rows}


def test_refused_rows_are_corrected_by_the_event_a_later_ingest_stores_under_their_id(
    store_url: str, tmp_path: Path
) -> None:
    a = _write(
        tmp_path / "a.csv",
        "id,day,x,y\n"
        "a1,2018-10-20,36.7,35.4\n"  # stored
        "a2,2018-10-20,36.7,north\n"  # corrected in fix.csv
        "a3,someday,36.7,35.4\n"  # still wrong in fix.csv, corrected in fix2.csv
        "a1,2018-10-21,36.7,35.4\n",  # id repeated with other content: its first copy is stored
    )
    fix = _write(tmp_path / "fix.csv", "id,day,x,y\na2,2018-10-20,36.7,35.41\na3,soon,36.7,35.4\n")
    fix2 = _write(tmp_path / "fix2.csv", "id,day,x,y\na3,2018-10-22,36.7,35.4\n")
    with open_store(store_url) as store:
        first = ingest(store, a, mapping=OBS)
        refused = _status(store.quarantined())
        assert store.quarantined(open_only=True) == store.quarantined()
        fixed = ingest(store, fix, mapping=OBS)
        ids = store.by_source_id("obs", ["a1", "a2", "a3"], "id")
        after_fix = _status(store.quarantined())
        open_after_fix = _status(store.quarantined(open_only=True))
        ingest(store, fix2, mapping=OBS)
        ids = store.by_source_id("obs", ["a1", "a2", "a3"], "id")
        after_fix2 = _status(store.quarantined())
        still_open = store.quarantined(open_only=True)
        by_file = store.quarantined(file="a.csv", open_only=True)
        counts = store.counts()
        again = [ingest(store, f, mapping=OBS) for f in (a, fix, fix2)]
        assert store.counts() == {**counts, "evidence": counts["evidence"] + 2 * 3}
        assert _status(store.quarantined()) == after_fix2
        assert verify(store).ok
    assert (first.stored, first.quarantined, fixed.stored, fixed.quarantined) == (1, 3, 1, 1)
    assert all(r.adds_up and r.stored == 0 for r in again)
    assert refused == {
        ("a.csv", 3): ("a2", None),
        ("a.csv", 4): ("a3", None),
        ("a.csv", 5): ("a1", None),
    }
    a1, a2, a3 = (int(ids[k]) for k in ("a1", "a2", "a3"))
    assert after_fix == {**refused, ("a.csv", 3): ("a2", a2), ("fix.csv", 3): ("a3", None)}
    assert open_after_fix == {k: v for k, v in after_fix.items() if k != ("a.csv", 3)}
    assert after_fix2 == {
        ("a.csv", 3): ("a2", a2),
        ("a.csv", 4): ("a3", a3),
        ("fix.csv", 3): ("a3", a3),  # the copy still wrong in fix.csv, corrected since
        ("a.csv", 5): ("a1", None),  # a1 is stored, by the very ingest that refused this copy
    }
    assert _status(still_open) == _status(by_file) == {("a.csv", 5): ("a1", None)}
    assert a1 < a2 < a3 and [q["reason"] for q in still_open] == [
        "duplicate id in this file with different content (first at line 2)"
    ]


def test_rows_refused_as_taken_without_ids_or_against_merged_events_stay_open(
    store_url: str, tmp_path: Path
) -> None:
    """A row whose id an earlier ingest stored with other content, a row of a source without
    ids (a content id), and a row whose id came in with a bundle: never corrected."""
    no_ids = parse_map_options(["date=day", "lon=x", "lat=y"], "anon")
    key, pub = create_keys("TR", tmp_path / "keys")
    with open_store(tmp_path / "tr.db") as tr:
        ingest(
            tr, _write(tmp_path / "tr.csv", "id,day,x,y\nm1,2018-10-20,36.7,35.4\n"), mapping=OBS
        )
        export_bundle(tr, key, tmp_path / "tr.bundle")
    with open_store(store_url) as store:
        ingest(
            store, _write(tmp_path / "a.csv", "id,day,x,y\nt1,2018-10-20,36.7,35.4\n"), mapping=OBS
        )
        taken = ingest(
            store,
            _write(tmp_path / "b.csv", "id,day,x,y\nt1,2018-10-21,36.7,35.4\nm1,later,36.7,35.4\n"),
            mapping=OBS,
        )
        anon = _write(tmp_path / "anon.csv", "day,x,y\n2018-10-20,36.7,north\n")
        ingest(store, anon, mapping=no_ids)
        import_bundle(store, tmp_path / "tr.bundle", pub)
        # fixed versions: a new id for the taken one, m1 as merged, the anonymous row
        fixed = ingest(
            store,
            _write(
                tmp_path / "fix.csv",
                "id,day,x,y\nt2,2018-10-21,36.7,35.4\nm1,2018-10-20,36.7,35.4\n",
            ),
            mapping=OBS,
        )
        anon_fixed = ingest(
            store,
            _write(tmp_path / "anon-fix.csv", "day,x,y\n2018-10-20,36.7,35.4\n"),
            mapping=no_ids,
        )
        listed = store.quarantined()
        still_open = store.quarantined(open_only=True)
        assert verify(store).ok
    assert taken.quarantined == 2 and (fixed.stored, fixed.duplicates) == (1, 1)
    assert anon_fixed.stored == 1
    assert _status(listed) == {
        ("b.csv", 2): ("t1", None),  # already stored with different content
        ("b.csv", 3): ("m1", None),  # m1 stored from the bundle only: no ingest
        ("anon.csv", 2): (None, None),  # a content id is no id
    }
    assert still_open == listed
    (t1,) = [q["reason"] for q in listed if q["source_id"] == "t1"]
    assert t1.startswith("already stored with different content")


def test_a_negative_zero_is_stored_as_zero_and_verifies(store_url: str, tmp_path: Path) -> None:
    """SQLite reads a stored -0.0 back as 0.0: the store keeps zeros unsigned on both
    backends, so the event matches its content hash and both show the same value."""
    path = _write(
        tmp_path / "z.csv",
        "id,day,x,y\nz1,2018-10-20,-0.0,35.4\nz2,2018-10-20,36.7,-0\nz3,2018-10-21,-1e-320,35.4\n",
    )
    with open_store(store_url) as store:
        first = ingest(store, path, mapping=OBS)
        again = ingest(store, path, mapping=OBS)
        shown = {e.source_id: e for _, e in store.events()}
        assert verify(store).ok
    assert (first.stored, again.stored, again.duplicates) == (3, 0, 3)
    assert [json.dumps([e.lon, e.lat]) for e in shown.values()] == [
        "[0.0, 35.4]",
        "[36.7, 0.0]",
        "[-1e-320, 35.4]",  # a tiny negative number keeps its sign
    ]


REAL = next(iter(read(UCDP, "ucdp"))).columns


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=8))
def test_unsigned_zeros_changes_only_the_sign_of_zeros(values: list[float]) -> None:
    cols = REAL.take(np.zeros(len(values), dtype=np.intp))
    cols.lon = np.array(values, dtype=np.float64)
    out = unsigned_zeros(cols)
    kept = np.array(values, dtype=np.float64)
    assert np.array_equal(out.lon, kept, equal_nan=True)
    assert not np.signbit(out.lon[out.lon == 0]).any()
    assert (out is cols) == (not np.signbit(kept[kept == 0]).any())
    assert out.lat is cols.lat and np.array_equal(out.source_id, cols.source_id)


def test_filters_on_values_no_backend_can_hold_match_nothing(
    store_url: str, tmp_path: Path
) -> None:
    """An ingest id past 64 bits, a source with a NUL character: nothing, on both backends
    (SQLite raised OverflowError for the one, PostgreSQL DataError for the other)."""
    with open_store(store_url) as store:
        rows = f"id,day,x,y\nr1,2018-10-20,36.7,35.4\n{BAD}\n"
        ingest(store, _write(tmp_path / "a.csv", rows), mapping=OBS)
        assert len(store.quarantined(source="obs")) == 1
        assert store.by_source_id("obs", ["r1", "r1\x00"], "source_id") == {"r1": "r1"}
        assert store.quarantined(ingest_id=2**63) == []
        assert store.quarantined(ingest_id=-(2**64)) == []
        assert store.quarantined(source="obs\x00") == []
        assert store.by_source_id("obs", ["bad\x00"], "id") == {}
        assert store.by_source_id("obs\x00", ["bad"], "id") == {}


def test_a_refused_row_whose_id_holds_a_nul_is_quarantined_on_both_backends(
    store_url: str, tmp_path: Path
) -> None:
    """A GeoJSON id may hold a NUL character (``\\u0000``), which PostgreSQL cannot store:
    the refused row is kept without its id (it failed the whole ingest there)."""
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.7, 35.4]},
        "properties": {"id": "g\x001", "date_start": "someday"},
    }
    path = tmp_path / "n.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with open_store(store_url) as store:
        done = ingest(store, path)
        listed = store.quarantined()
        assert verify(store).ok
    assert (done.read, done.quarantined) == (1, 1)
    assert {(q["source_id"], q["line"]) for q in listed} == {(None, 1)}
    assert json.loads(listed[0]["original"])["properties"]["id"] == "g\x001"
