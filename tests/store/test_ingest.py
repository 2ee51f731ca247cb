"""Ingest on both backends: garbage never crashes and the counts always add up; links; changes;
refused rows keep their source's id."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from dmzwatch.errors import InputError
from dmzwatch.events.readers import acled, check_input, parse_map_options
from dmzwatch.store import ingest, open_store, verify

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
with UCDP.open(encoding="utf-8", newline="") as _fh:
    REAL = list(csv.DictReader(_fh))
HEADER = list(REAL[0])

garbage = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", "nan", "-1", "1e400", "2019-13-01", "35,5", "\n", '"', "\ufeff", "9999-01-01"]
    ),
    st.from_regex(r"-?\d{1,3}\.\d{1,6}", fullmatch=True),
)


@st.composite
def rows(draw: st.DrawFn) -> list[list[str]]:
    """A batch of UCDP rows: real rows (repeats included) with garbage in some fields."""
    n = draw(st.integers(400, 500))
    seed = draw(st.integers(0, 10_000))
    out = [[REAL[(seed + i * 7) % len(REAL)][c] for c in HEADER] for i in range(n)]
    edits = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, len(HEADER) - 1), garbage), max_size=120
        )
    )
    for i, col, value in edits:
        out[i][col] = value
    cuts = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, len(HEADER) - 1)), max_size=8)
    )
    for i, width in cuts:
        out[i] = out[i][:width]  # records with too few fields
    return out


@settings(
    max_examples=25,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=rows())
def test_garbage_never_crashes_and_counts_add_up(
    tmp_path_factory: object, batch: list[list[str]]
) -> None:
    # 25 examples x 300-500 rows: well over 10,000 generated rows per run
    tmp = tmp_path_factory.mktemp("g")  # type: ignore[attr-defined]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # CRLF: a bare CR in a field gets quoted
    writer.writerow(HEADER)
    writer.writerows(batch)
    path = Path(tmp) / "g.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    if b"\x00" in path.read_bytes()[:4096]:  # refused as a whole, before any row is read
        with pytest.raises(InputError, match="NUL bytes"):
            check_input(path, "ucdp")
        return
    with open_store(Path(tmp) / "s.db") as store:
        result = ingest(store, path, fmt="ucdp")
        assert result.read == len(batch) == result.stored + result.duplicates + result.quarantined
        counts = store.counts()
        assert counts["events"] == result.stored
        again = ingest(store, path, fmt="ucdp")
        assert again.stored == 0 and again.read == again.duplicates + again.quarantined
        # the re-ingest adds nothing but its own two entries (ingest and ingest_finished)
        assert store.counts() == {**counts, "evidence": counts["evidence"] + 2}
        assert verify(store).ok


def test_quarantine_lists_every_problem_and_changed_rows_are_not_overwritten(
    store_url: str, tmp_path: Path
) -> None:
    rows = [dict(r) for r in REAL[:4]]
    rows[1]["latitude"], rows[1]["longitude"] = rows[1]["longitude"], rows[1]["latitude"]
    rows[2]["date_start"] = "yesterday"
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    from dmzwatch import load_scenario

    syria = load_scenario("idlib-2018").agreement.areas["syria"].geometry
    with open_store(store_url) as store:
        result = ingest(store, path, territory=syria)
        assert (result.read, result.stored, result.quarantined) == (4, 2, 2)
        listed = store.quarantined()
        assert {(q["line"], q["field"], q["reason"]) for q in listed} >= {
            (3, "latitude,longitude", "latitude and longitude look swapped"),
            (4, "date_start", "not a date (expected YYYY-MM-DD)"),
        }
        rows[0]["best"] = "99"
        rows[0]["high"] = "99"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(rows)
        again = ingest(store, path, territory=syria)
        assert (again.stored, again.duplicates, again.quarantined) == (0, 1, 3)
        assert any(
            "already stored with different content" in q["reason"] for q in store.quarantined()
        )
        assert verify(store).ok


def test_same_event_from_two_sources_is_linked_with_reasons(store_url: str, tmp_path: Path) -> None:
    ged = REAL[1]  # 263090: Badama, 2018-09-01, 2 civilians killed
    row = dict.fromkeys(acled.COLUMNS, "")
    row.update(
        event_id_cnty="SYR9001",
        event_date=ged["date_start"],
        time_precision="1",
        event_type="Violence against civilians",
        latitude=str(float(ged["latitude"]) + 0.05),
        longitude=ged["longitude"],
        geo_precision="2",
        fatalities="2",
        notes="shelling on Badama",
    )
    far = dict(row, event_id_cnty="SYR9002", latitude="36.5", fatalities="2")
    path = tmp_path / "acled.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=acled.COLUMNS)
        writer.writeheader()
        writer.writerows([row, far])
    with open_store(store_url) as store:
        ingest(store, UCDP)
        result = ingest(store, path)
        assert result.stored == 2 and result.linked >= 1
        links = store.links()
        ids = {eid: e.source_id for eid, e in store.events()}
        pairs = {tuple(sorted((ids[link["event_a"]], ids[link["event_b"]]))) for link in links}
        assert ("263090", "SYR9001") in pairs
        assert not any("SYR9002" in p for p in pairs)
        reason = next(
            link["reason"]
            for link in links
            if "263090" in {ids[link["event_a"]], ids[link["event_b"]]}
        )
        assert reason["distance_km"] <= reason["limit_km"] and reason["fatalities"] == [2.0, 2.0]
        assert store.counts()["events"] == 1477  # linked, never deleted
        assert verify(store).ok


def test_progress_is_reported_as_bytes_committed(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dmzwatch.events.readers import _csv

    monkeypatch.setattr(_csv, "CHUNK_BYTES", 1 << 18)  # several batches, several commits
    seen: list[tuple[int, int]] = []
    with open_store(store_url) as store:

        def report(done: int) -> None:
            seen.append((done, store.counts()["events"]))

        result = ingest(store, UCDP, on_progress=report)
    done = [d for d, _ in seen]
    assert len(seen) >= 3 and done == sorted(set(done)) and done[-1] == UCDP.stat().st_size
    stored = [n for _, n in seen]
    assert stored == sorted(stored) and 0 < stored[0] < stored[-1] == result.stored == 1475


def _csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_each_refused_row_keeps_the_id_its_source_gave_it(store_url: str, tmp_path: Path) -> None:
    """UCDP ``id``, ACLED ``event_id_cnty``, a GeoJSON feature's id, a mapped CSV column; no
    id for a content id, a record not split into fields, or an empty id."""
    ucdp = _csv(tmp_path / "ged.csv", HEADER, [dict(REAL[0], date_start="yesterday")])
    acled_row = dict.fromkeys(acled.COLUMNS, "") | {
        "event_id_cnty": "SYR9003",
        "event_date": "someday",
        "latitude": "35.4",
        "longitude": "36.7",
    }
    acled_file = _csv(tmp_path / "acled.csv", acled.COLUMNS, [acled_row])

    def feature(props: dict[str, str], **extra: object) -> dict[str, object]:
        point = {"type": "LineString", "coordinates": [[36.7, 35.4], [36.8, 35.5]]}
        return {"type": "Feature", "geometry": point, "properties": props, **extra}

    with_ids = tmp_path / "ids.geojson"
    with_ids.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature({"date": "2018-10-20"}, id="f1"),
                    feature({"id": "f2", "date": "2018-10-20"}),
                ],
            }
        )
    )
    no_ids = tmp_path / "anon.geojson"
    no_ids.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature({"date": "2018-10-20"})]})
    )
    table = tmp_path / "obs.csv"
    table.write_text(
        "id,day,x,y\n"
        " o1 ,2018-10-20,36.7,north\n"  # the id as the reader trims it
        ",2018-10-20,36.7,35.4\n"  # no id
        'o3,2018-10-20,"36,7",35.4,\n'  # not split into fields
    )
    obs = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
    with open_store(store_url) as store:
        results = [
            ingest(store, ucdp),
            ingest(store, acled_file),
            ingest(store, with_ids),
            ingest(store, no_ids),
            ingest(store, table, mapping=obs),
        ]
        listed = {
            (Path(q["file"]).name, q["line"]): (q["source_id"], q["corrected_by"])
            for q in store.quarantined()
        }
        logged = [e.payload["source_id"] for e in store.log.entries() if e.kind == "quarantine"]
        assert verify(store).ok
    assert [r.quarantined for r in results] == [1, 1, 2, 1, 3]
    assert all(r.adds_up and r.stored == 0 for r in results)
    assert listed == {
        ("ged.csv", 2): (REAL[0]["id"], None),
        ("acled.csv", 2): ("SYR9003", None),
        ("ids.geojson", 1): ("f1", None),
        ("ids.geojson", 2): ("f2", None),
        ("anon.geojson", 1): (None, None),
        ("obs.csv", 2): ("o1", None),
        ("obs.csv", 3): (None, None),
        ("obs.csv", 4): (None, None),
    }
    assert logged == [REAL[0]["id"], "SYR9003", "f1", "f2", None, "o1", None, None]


def test_radius_columns_and_huge_numbers_are_stored_or_refused_not_a_crash(
    store_url: str, tmp_path: Path
) -> None:
    """A mapped radius column of plain numbers (read by one cast), a padded one, a number past
    the float range and counts too long to be exact are stored or refused with a reason."""
    table = tmp_path / "obs.csv"
    table.write_text(
        "id,day,x,y,km,n\no1,2018-10-20,36.7,35.4,2,1\no2,2018-10-20,36.7,35.4,0.5,3\n",
        encoding="utf-8",
    )
    padded = tmp_path / "padded.csv"
    padded.write_text(
        "id,day,x,y,km,n\no3,2018-10-20,36.7,35.4, 2,1\no4,2018-10-20,36.7,35.4,,2\n",
        encoding="utf-8",
    )
    huge = tmp_path / "huge.csv"
    huge.write_text(
        "id,day,x,y,km,n\n"
        "o5,2018-10-20,36.7,35.4,1e400,1\n"
        "o6,2018-10-20,36.7,35.4,1,99999999999999999999\n"
        "o7,2018-10-20,36.7,35.4,1,9007199254740993\n"
        "o8,2018-10-20,36.7,35.4,1,999999999999999\n",
        encoding="utf-8",
    )
    obs = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "precision_km=km", "equipment_count=n"],
        "obs",
    )
    acled_row = dict.fromkeys(acled.COLUMNS, "") | {
        "event_id_cnty": "SYR1",
        "event_date": "2018-10-20",
        "time_precision": "1",
        "event_type": "Battles",
        "latitude": "35.4",
        "longitude": "36.7",
        "geo_precision": "1",
        "fatalities": "12345678901234567890",
    }
    acled_file = _csv(tmp_path / "acled.csv", list(acled.COLUMNS), [acled_row])
    with open_store(store_url) as store:
        results = [ingest(store, f, mapping=obs) for f in (table, padded, huge)]
        results.append(ingest(store, acled_file))
        events = [e for _, e in store.events()]
        radius = {e.source_id: e.precision_km for e in events}
        count = {e.source_id: e.equipment_count for e in events}
        refused = {(q["source_id"], q["field"], q["reason"]) for q in store.quarantined()}
        assert verify(store).ok
    assert [(r.read, r.stored, r.quarantined) for r in results] == [
        (2, 2, 0),
        (2, 2, 0),
        (4, 1, 3),
        (1, 0, 1),
    ]
    assert radius == {"o1": 2.0, "o2": 0.5, "o3": 2.0, "o4": 1.0, "o8": 1.0}
    assert count["o8"] == 999_999_999_999_999
    too_large = "number too large (at most 15 digits)"
    assert refused == {
        ("o5", "km", "number too large"),
        ("o6", "n", too_large),
        ("o7", "n", too_large),
        ("SYR1", "fatalities", too_large),
    }
