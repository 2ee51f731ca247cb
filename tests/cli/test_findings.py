"""dmzwatch check, findings, monthly and humanitarian on stores made from real UCDP rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from dmzwatch import load_scenario
from dmzwatch.cli import main
from dmzwatch.rules import Finding
from dmzwatch.rules.engine import Engine
from dmzwatch.store import open_store
from dmzwatch.store.findings import load_events

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
PACKAGED = Path(__file__).resolve().parents[2] / "src" / "dmzwatch" / "data" / UCDP.name


def _ucdp() -> Path:
    return PACKAGED if PACKAGED.exists() else UCDP


def _slice(tmp: Path, first: str, last: str) -> Path:
    """The real rows dated ``first``..``last`` (ISO days), as a UCDP CSV of their own."""
    with _ucdp().open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if first <= r["date_start"] <= last]
        header = reader.fieldnames or []
    out = tmp / f"ucdp_{first}_{last}.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return out


def _ingest(path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(path), "--db", str(db), "--json"]) == 0
    capsys.readouterr()


def _verify(db: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["verify", "--db", str(db)]) == 0
    return capsys.readouterr().out


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def small_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "small.db"
    _ingest(_slice(tmp_path, "2018-10-01", "2018-12-31"), db, capsys)
    return db


def test_check_records_once(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", "--scenario", "idlib-2018", "--db", str(small_db)]
    first = _json(capsys, [*args, "--json"])
    assert isinstance(first, dict)
    assert first["findings"] > 0 and first["new"] == first["findings"] == first["appended"]
    assert set(first["by_rule"]) == {"heavy-weapons-withdrawn", "zone-in-force"}
    log = _verify(small_db, capsys)
    assert log.startswith("intact")
    again = _json(capsys, [*args, "--json"])
    assert isinstance(again, dict)
    assert (again["new"], again["appended"], again["unchanged"]) == (0, 0, first["findings"])
    assert _verify(small_db, capsys) == log
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "zone-in-force" in out and "0 new" in out


def test_new_thresholds_revise_and_withdraw(
    small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "--scenario", "idlib-2018", "--db", str(small_db), "--json"]
    first = _json(capsys, args)
    strict = _json(capsys, [*args, "--violation", "0.99", "--possible", "0.5"])
    assert isinstance(first, dict) and isinstance(strict, dict)
    assert strict["withdrawn"] > 0 and strict["revised"] > 0
    assert strict["findings"] < first["findings"]
    rows = _json(capsys, ["findings", "--db", str(small_db), "--format", "json"])
    assert isinstance(rows, list) and len(rows) == strict["findings"]
    assert all(r["p_in_zone"] >= 0.5 for r in rows)
    assert _verify(small_db, capsys).startswith("intact")


def test_findings_csv_and_json(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--scenario", "idlib-2018", "--db", str(small_db)]) == 0
    capsys.readouterr()
    assert main(["findings", "--db", str(small_db)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    head = [
        "finding_id",
        "event_id",
        "rule",
        "verdict",
        "p_in_zone",
        "band",
        "distance_km",
        "event_date",
        "reasons",
    ]
    assert list(rows[0])[: len(head)] == head
    assert {r["verdict"] for r in rows} <= {"violation", "possible"}
    assert all(r["event_id"].startswith("ucdp:") and r["reasons"] for r in rows)
    assert all(float(r["p_in_zone"]) >= 0.9 for r in rows if r["verdict"] == "violation")
    data = _json(
        capsys,
        [
            "findings",
            "--db",
            str(small_db),
            "--format",
            "json",
            "--verdict",
            "violation",
            "--scenario",
            "idlib-2018",
        ],
    )
    assert isinstance(data, list) and data
    parsed = [Finding.from_dict(d) for d in data]
    assert {f.finding_id for f in parsed} == {
        r["finding_id"] for r in rows if r["verdict"] == "violation"
    }
    assert main(["findings", "--db", str(small_db), "--format", "table"]) == 0
    assert "zone-in-force" in capsys.readouterr().out


def test_monthly_and_humanitarian(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["monthly", "--scenario", "idlib-2018", "--db", str(small_db)]
    assert main([*args, "--from", "2018-09", "--to", "2019-01"]) == 0
    md = capsys.readouterr().out
    lines = md.strip().splitlines()
    assert lines[0].startswith("| month | events | events in core | events in fringe | violations")
    assert [line.split(" | ")[0] for line in lines[2:]] == [
        "| 2018-09",
        "| 2018-10",
        "| 2018-11",
        "| 2018-12",
        "| 2019-01",
        "| total",
    ]
    assert lines[2] == "| 2018-09 | 0 | 0 | 0 | 0 | 0 | 0 |"
    assert main([*args, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["month"] for r in rows] == ["2018-10", "2018-11", "2018-12"]
    hum = _json(
        capsys, ["humanitarian", "--scenario", "idlib-2018", "--db", str(small_db), "--json"]
    )
    assert isinstance(hum, dict)
    assert {c["band"] for c in hum["by_band_and_month"]} <= {"core", "fringe", "outside"}
    total = sum(c["events"] for c in hum["by_band_and_month"])
    assert total == sum(int(r["events"]) for r in rows)
    assert hum["places"] and all(p["violations"] + p["possible"] > 0 for p in hum["places"])
    assert main(["humanitarian", "--scenario", "idlib-2018", "--db", str(small_db)]) == 0
    assert "GeoNames" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--scenario", "idlib-2018", "--db", "{missing}"],
        ["findings", "--db", "{missing}"],
        ["check", "--scenario", "idlib-2018", "--db", "{db}", "--violation", "0.05"],
        ["monthly", "--scenario", "idlib-2018", "--db", "{db}", "--from", "2018/09"],
        ["findings", "--db", "{db}", "--verdict", "maybe"],
    ],
)
def test_bad_input_exits_2(
    argv: list[str], small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.format(missing=tmp_path / "none.db", db=small_db) for a in argv]
    assert main(args) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.slow
def test_the_monthly_table_is_reproducible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.db"
        _ingest(_ucdp(), db, capsys)
        assert main(["check", "--scenario", "idlib-2018", "--db", str(db)]) == 0
        capsys.readouterr()
        argv = [
            "monthly",
            "--scenario",
            "idlib-2018",
            "--db",
            str(db),
            "--from",
            "2018-09",
            "--to",
            "2019-11",
        ]
        assert main(argv) == 0
        tables.append(capsys.readouterr().out)
        assert main(argv) == 0
        assert capsys.readouterr().out == tables[-1]
    assert tables[0] == tables[1]
    body = tables[0].strip().splitlines()
    assert len(body) == 2 + 15 + 1  # header, rule, Sep 2018 – Nov 2019, total
    total = body[-1].split("|")
    assert int(total[2]) == 1475


def test_findings_and_monthly_json_flags(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--scenario", "idlib-2018", "--db", str(small_db)]) == 0
    by_format = _json(capsys, ["findings", "--db", str(small_db), "--format", "json"])
    by_flag = _json(capsys, ["findings", "--db", str(small_db), "--json"])
    assert isinstance(by_flag, list) and by_flag and by_flag == by_format
    assert {"finding_id", "rule", "verdict", "p_in_zone", "band"} <= set(by_flag[0])
    out = tmp_path / "f.json"
    written = _json(capsys, ["findings", "--db", str(small_db), "--json", "--out", str(out)])
    assert written == {"path": str(out), "findings": len(by_flag)}
    assert json.loads(out.read_text()) == by_flag
    capsys.readouterr()
    assert main(["findings", "--db", str(small_db), "--json", "--format", "csv"]) == 2
    assert "--json contradicts --format csv" in capsys.readouterr().err

    args = ["monthly", "--scenario", "idlib-2018", "--db", str(small_db)]
    monthly = _json(capsys, [*args, "--json"])
    assert monthly == _json(capsys, [*args, "--format", "json"])
    assert isinstance(monthly, dict) and set(monthly) == {"scenario", "findings", "rows"}
    assert [r["month"] for r in monthly["rows"]] == ["2018-10", "2018-11", "2018-12"]
    assert {"events", "core", "fringe", "violations", "possible"} <= set(monthly["rows"][0])


def test_the_engine_reports_progress_once_per_rule(small_db: Path) -> None:
    scenario = load_scenario("idlib-2018")
    with open_store(small_db) as store:
        events = load_events(store)
    engine = Engine(scenario)
    steps: list[int] = []
    with_bar = engine.run(events, progress=steps.append)
    assert steps == [1] * len(engine.checks) and len(steps) == len(scenario.agreement.rules)
    assert with_bar == engine.run(events)  # the hook changes nothing


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["monthly", "-s", "idlib-2018", "--db", "{db}", "--from", "2018-12", "--to", "2018-10"],
            "--from 2018-12 is after --to 2018-10",
        ),
        (
            ["humanitarian", "-s", "idlib-2018", "--db", "{db}", "--radius-km", "inf"],
            "--radius-km must be a positive number of km, not inf",
        ),
        (
            ["findings", "--db", "{db}", "--out", "{tmp}/no-such-dir/findings.csv"],
            "--out {tmp}/no-such-dir/findings.csv: cannot write there",
        ),
    ],
)
def test_bad_options_name_the_option(
    argv: list[str],
    message: str,
    small_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert main([a.format(db=small_db, tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message.format(tmp=tmp_path) in err
    assert "Traceback" not in err
