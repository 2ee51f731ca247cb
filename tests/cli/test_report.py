"""``dmzwatch report`` on a store, and the CLI polish: examples in --help, completion,
progress bars that stay off pipes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import dmzwatch
from dmzwatch.cli import main
from dmzwatch.cli._progress import progress, track, wanted
from dmzwatch.report._html import GENERATED_MARK
from dmzwatch.rules import evaluate
from dmzwatch.store import open_store

from .conftest import ucdp_rows


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report-db")
    db = tmp / "events.db"
    assert (
        main(["ingest", str(ucdp_rows(tmp, "2018-11-10", "2018-11-26")), "--db", str(db), "--json"])
        == 0
    )
    return db


def test_report_json_and_files(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = ["report", "-s", "idlib-2018", "--db", str(small_db), "--date", "2018-11-24"]
    assert main([*args, "--days", "3", "--out", str(tmp_path), "--no-pdf", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["period"] == {"start": "2018-11-22", "end": "2018-11-24"}
    assert payload["cutoff"].startswith("2018-11-24T23:59:00+02:00")
    assert set(payload["files"]) == {"html", "json"}
    html = Path(payload["files"]["html"]).read_text("utf-8")
    figures = json.loads(Path(payload["files"]["json"]).read_text("utf-8"))
    assert figures["totals"]["v"] == payload["violations"]
    assert figures["digest"] == payload["digest"] and payload["digest"] in html

    with open_store(small_db) as store:
        events = [e for _, e in store.events()]
    found = evaluate(dmzwatch.load_scenario("idlib-2018"), events)
    days = {dt.date(2018, 11, d) for d in (22, 23, 24)}
    expected = Counter(f.verdict.value for f in found if f.first_day in days)
    assert (payload["violations"], payload["possible"]) == (
        expected["violation"],
        expected["possible"],
    )


def test_same_log_same_report(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = []
    for name in ("one", "two"):
        args = [
            "report",
            "--db",
            str(small_db),
            "--date",
            "2018-11-24",
            "--out",
            str(tmp_path / name),
        ]
        assert main([*args, "--no-pdf"]) == 0
        pages.append((tmp_path / name / "report-idlib-2018-2018-11-24.html").read_text("utf-8"))
    out = capsys.readouterr().out
    assert "Daily report 24 Nov 2018" in out and "Written:" in out
    strip = [[ln for ln in p.splitlines() if GENERATED_MARK not in ln] for p in pages]
    assert strip[0] == strip[1]
    assert sum(GENERATED_MARK in ln for ln in pages[0].splitlines()) == 1


def test_report_reads_the_findings_check_stored(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "checked.db"
    shutil.copy(small_db, db)
    args = ["report", "--db", str(db), "--date", "2018-11-24", "--no-pdf", "--json"]
    assert main([*args, "--out", str(tmp_path / "before")]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["check", "--scenario", "idlib-2018", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "after")]) == 0
    after = json.loads(capsys.readouterr().out)
    assert not before["findings_from_log"] and after["findings_from_log"]
    for key in ("violations", "possible", "previous", "since_signing"):
        assert after[key] == before[key]
    assert after["digest"] != before["digest"]  # the evidence log's head moved on


@pytest.mark.slow
def test_report_pdf(small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "report",
        "--db",
        str(small_db),
        "--date",
        "2018-11-24",
        "--out",
        str(tmp_path),
        "--json",
    ]
    assert main(args) == 0
    pdf = Path(json.loads(capsys.readouterr().out)["files"]["pdf"])
    assert pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(next(ln.split()[1] for ln in info.splitlines() if ln.startswith("Pages:"))) >= 2


def test_bad_date_and_missing_browser(
    small_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (
        main(["report", "--db", str(small_db), "--date", "24/11/2018", "--out", str(tmp_path)]) == 2
    )
    assert "YYYY-MM-DD" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("dmzwatch.report._pdf.CHROMIUM_CANDIDATES", ("no-such-browser",))
    code = main(["report", "--db", str(small_db), "--date", "2018-11-24", "--out", str(tmp_path)])
    assert code == 7
    assert "no Chromium browser found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("date", "days", "message"),
    [
        ("20181124", "1", "--date: '20181124' is not a date in the form YYYY-MM-DD"),
        ("2018-W47-6", "1", "--date: '2018-W47-6' is not a date in the form YYYY-MM-DD"),
        ("0001-01-03", "1", "--date: 0001-01-03 is too close to the end of the calendar"),
        ("0001-03-01", "7", "for a report of 7 days and the periods before it"),
        ("9999-12-31", "1", "--date: 9999-12-31 is too close to the end of the calendar"),
    ],
)
def test_dates_out_of_form_or_of_the_calendar(
    date: str,
    days: str,
    message: str,
    small_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["report", "--db", str(small_db), "--date", date, "--days", days, "--no-pdf"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_out_that_is_not_a_directory(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    argv = ["report", "--db", str(small_db), "--date", "2018-11-24", "--no-pdf"]
    assert main([*argv, "--out", str(taken)]) == 2
    assert f"--out {taken}: not a directory" in capsys.readouterr().err
    assert main([*argv, "--out", str(taken / "sub")]) == 2
    assert f"--out {taken / 'sub'}: cannot write the report there" in capsys.readouterr().err


REPORT_AND_ZONES = ["report", "scenarios", "validate", "zones", "places", "demo"]


@pytest.mark.parametrize("command", REPORT_AND_ZONES)
def test_help_shows_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out and f"dmzwatch {command}" in out


def test_shell_completion() -> None:
    exe = Path(sys.executable).with_name("dmzwatch")
    shown = subprocess.run(
        [str(exe), "--show-completion", "bash"], capture_output=True, text=True, check=True
    )
    assert "_DMZWATCH_COMPLETE=complete_bash" in shown.stdout
    env = {**os.environ, "_DMZWATCH_COMPLETE": "complete_bash"}
    words = {"COMP_WORDS": "dmzwatch rep", "COMP_CWORD": "1"}
    done = subprocess.run(
        [str(exe)], env={**env, **words}, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["report"]
    words = {"COMP_WORDS": "dmzwatch report --scenario idlib", "COMP_CWORD": "3"}
    done = subprocess.run(
        [str(exe)], env={**env, **words}, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["idlib-2018", "idlib-m4-2020"]


def test_progress_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert not wanted(None)  # pytest captures stderr: not a terminal
    assert not wanted(False)
    seen = []
    with progress("Working", total=2) as advance:
        for i in range(2):
            seen.append(i)
            advance(1)
    assert list(track(iter("ab"), "Letters", total=2)) == ["a", "b"]
    captured = capsys.readouterr()
    assert seen == [0, 1] and captured.out == "" and captured.err == ""
