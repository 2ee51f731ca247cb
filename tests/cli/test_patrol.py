"""``dmzwatch patrol plan | evaluate | bench``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dmzwatch.cli import main
from dmzwatch.store import ingest, open_store

SHARED_UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def plan(capsys: pytest.CaptureFixture[str], out: Path, *extra: str) -> dict[str, object]:
    code, _, err = run(
        capsys,
        "patrol", "plan", "--scenario", "idlib-2018", "--days", "2", "--units", "TR=4,RU=4",
        "--out", str(out), "--start", "2019-12-01", *extra,
    )  # fmt: skip
    assert code == 0, err
    summary: dict[str, object] = json.loads((out / "summary.json").read_text())
    return summary


def test_plan_writes_every_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "plan"
    summary = plan(capsys, out, "--db", str(tmp_path / "missing.db"))
    for key in ("sectors", "units", "expected_value", "solver_status", "gap", "network"):
        assert key in summary
    assert summary["network"] == "fallback"
    assert summary["history_records"] == 0
    assert "empty history" in str(summary["history_source"])
    assert summary["solver_status"] == "optimal"
    assert isinstance(summary["gap"], float) and summary["gap"] <= 1e-6
    assert summary["units"] == {"TR": 4, "RU": 4}
    coverage = json.loads((out / "coverage.geojson").read_text())
    assert len(coverage["features"]) == summary["sectors"]
    assert all(0 <= f["properties"]["coverage"] <= 1 for f in coverage["features"])
    with (out / "schedule.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:7] == [
        "unit", "party", "day", "start", "end", "waypoints", "meeting_points",
    ]  # fmt: skip
    assert {r["party"] for r in rows} == {"TR", "RU"}
    assert {r["day"] for r in rows} == {"2019-12-01", "2019-12-02"}
    assert any(r["meeting_points"] for r in rows)
    for r in rows:
        stem = out / "routes" / r["day"] / r["unit"]
        gj = json.loads(stem.with_suffix(".geojson").read_text())
        line = gj["features"][0]
        assert line["geometry"]["type"] == "LineString"
        assert line["geometry"]["coordinates"][0] == line["geometry"]["coordinates"][-1]
        assert line["properties"]["length_km"] <= 200.0
        gpx = ET.parse(stem.with_suffix(".gpx")).getroot()
        ns = {"g": "http://www.topografix.com/GPX/1/1"}
        assert len(gpx.findall(".//g:trkpt", ns)) == len(line["geometry"]["coordinates"])
        assert len(gpx.findall("g:wpt", ns)) == 1 + int(r["sectors"])


def test_same_seed_same_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    c = tmp_path / "c"
    plan(capsys, a, "--seed", "7")
    plan(capsys, b, "--seed", "7")
    plan(capsys, c, "--seed", "8")
    for name in ("schedule.csv", "coverage.geojson", "summary.json", "routes.geojson"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "schedule.csv").read_bytes() != (c / "schedule.csv").read_bytes()


def test_history_from_the_event_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with SHARED_UCDP.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[:31]
    small = tmp_path / "ucdp.csv"
    with small.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    db = tmp_path / "events.db"
    with open_store(db) as store:
        stored = ingest(store, small).stored
    assert stored == 30
    summary = plan(capsys, tmp_path / "p", "--db", str(db))
    assert summary["history_records"] == 30
    coverage = json.loads((tmp_path / "p" / "coverage.geojson").read_text())
    assert sum(f["properties"]["history_records"] for f in coverage["features"]) > 0


def test_plan_on_an_osm_extract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    osm = tmp_path / "m4.osm"
    osm.write_text(
        '<?xml version="1.0"?>\n<osm version="0.6">\n'
        + "".join(
            f'<node id="{i}" lat="{35.80 + 0.0009 * i:.5f}" lon="{36.16 + 0.0062 * i:.5f}"/>\n'
            for i in range(1, 101)
        )
        + '<way id="1">'
        + "".join(f'<nd ref="{i}"/>' for i in range(1, 101))
        + '<tag k="highway" v="primary"/></way>\n</osm>\n'
    )
    out = tmp_path / "osm"
    code, stdout, err = run(
        capsys,
        "patrol", "plan", "--scenario", "idlib-m4-2020", "--units", "TR=2,RU=2", "--days", "1",
        "--out", str(out), "--osm", str(osm), "--start", "2020-04-01",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["network"] == "osm"
    assert summary["network_source"] == str(osm)
    assert "network osm" in stdout
    with (out / "schedule.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["party"] == "TR+RU" for r in rows)
    assert all("team forms" in r["meeting_points"] for r in rows)


def test_evaluate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "patrol", "evaluate", "--scenario", "idlib-2018", "--days", "30", "--runs", "3",
        "--seed", "1", "--json", "--start", "2019-12-01",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["days"] == 30
    for key in ("plan", "round_robin", "highest_value"):
        assert 0 <= result[key] <= 1
        low, high = result["intervals"][key]
        assert low <= result[key] <= high
    assert result["plan"] > max(result["round_robin"], result["highest_value"])
    code, out, _ = run(capsys, "patrol", "evaluate", "--days", "10", "--runs", "1")
    assert code == 0 and "round_robin" in out and "95% CI" in out


def test_bench_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "patrol", "bench", "--sectors", "30", "--units", "3", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["value_difference"] < 1e-6
    assert result["milp_status"] == "optimal"


def test_bad_input_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "patrol", "plan", "--out", str(tmp_path), "--units", "TR=x",
    )  # fmt: skip
    assert code == 2 and "PARTY=COUNT" in err
    code, _, err = run(capsys, "patrol", "plan", "--out", str(tmp_path), "--start", "soon")
    assert code == 2 and "not a date" in err


def test_plan_json_is_the_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "plan"
    code, stdout, err = run(
        capsys,
        "patrol", "plan", "--days", "1", "--units", "TR=2,RU=2", "--start", "2019-12-01",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert code == 0, err
    printed = json.loads(stdout)
    written = json.loads((out / "summary.json").read_text())
    assert printed.pop("out") == str(out) and printed.pop("solve_seconds") >= 0
    assert printed == written
    assert {"sectors", "units", "routes", "solver_status", "gap", "notes"} <= set(printed)


def test_simulate_reports_progress_once_per_simulated_day() -> None:
    from dmzwatch import load_scenario
    from dmzwatch.patrol.plan import build_plan, parse_units
    from dmzwatch.patrol.simulate import STRATEGIES, simulate

    s = load_scenario("idlib-2018")
    p = build_plan(s, start=dt.date(2019, 12, 1), units=parse_units("TR=2,RU=2"), history=[])
    ticks: list[int] = []
    rates = simulate(p, days=4, runs=2, seed=3, progress=ticks.append)
    assert ticks == [1] * (4 * 2 * len(STRATEGIES))
    assert rates == simulate(p, days=4, runs=2, seed=3)  # the hook changes nothing


@pytest.mark.parametrize("command", ["plan", "evaluate", "bench"])
def test_a_negative_seed_is_refused(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = ["--out", str(tmp_path)] if command == "plan" else []
    code, _, err = run(capsys, "patrol", command, "--seed", "-1", *extra)
    assert code == 2 and "--seed" in err


def test_bad_history_rows_are_all_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "lon,lat,date,weight\n"
        "36.6,35.5,2019-11-01,1\n"
        "36.6,35.5\n"
        "360,35.5,2019-11-01,1\n"
        "36.6,nan,2019-11-01,1\n"
        "36.6,35.5,2019-11-01,-2\n"
        "36.6,35.5,2019-11-01,inf\n"
        "36.6,35.5,2019-11-01,1,extra\n"
    )
    code, _, err = run(
        capsys, "patrol", "plan", "--out", str(tmp_path / "out"), "--history", str(history),
        "--start", "2019-12-01", "--days", "1",
    )  # fmt: skip
    assert code == 2, err
    assert "6 row(s)" in err
    for row, words in [
        (3, "date is missing"),
        (4, "lon '360'"),
        (5, "lat 'nan'"),
        (6, "weight '-2'"),
        (7, "weight 'inf'"),
        (8, "1 value(s) more than the header"),
    ]:
        assert f"row {row}: {words}" in err
    assert "Traceback" not in err


def test_a_history_that_is_not_utf8_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    history.write_bytes(b"\xff\xfe\x00lon,lat,date\n")
    code, _, err = run(
        capsys, "patrol", "plan", "--out", str(tmp_path / "out"), "--history", str(history),
    )  # fmt: skip
    assert code == 2 and "not a UTF-8 text file" in err


def test_an_out_that_cannot_be_a_folder_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file\n")
    code, _, err = run(
        capsys, "patrol", "plan", "--out", str(taken), "--start", "2019-12-01", "--days", "1",
    )  # fmt: skip
    assert code == 2 and "--out" in err and "cannot write" in err


def test_days_past_the_last_date_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "patrol", "plan", "--out", str(tmp_path), "--start", "9999-12-31", "--days", "2",
    )  # fmt: skip
    assert code == 2 and "runs past 9999-12-31" in err


@pytest.mark.parametrize(
    ("option", "value"),
    [("--sector-km", "0"), ("--route-km", "0"), ("--route-km", "-5"), ("--route-km", "inf")],
)
def test_lengths_must_be_positive_and_finite(
    option: str, value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "patrol", "plan", "--out", str(tmp_path), "--start", "2019-12-01", "--days", "1",
        option, value,
    )  # fmt: skip
    assert code == 2, err
    assert f"{option[2:].replace('-', '_')} must be a finite number above 0" in err


def test_a_missing_store_is_said_in_the_text_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "typo.db"
    code, out, err = run(
        capsys, "patrol", "plan", "--out", str(tmp_path / "out"), "--db", str(missing),
        "--start", "2019-12-01", "--days", "1",
    )  # fmt: skip
    assert code == 0, err
    assert f"note: history: {missing}: no event store there" in out
