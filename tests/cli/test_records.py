"""`events` lists stored events, `event` shows one in full."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dmzwatch.cli import main

from .conftest import ucdp_rows


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = ucdp_rows(tmp_path, "2018-09-01", "2018-12-31")
    out = str(tmp_path / "s.db")
    assert main(["ingest", str(path), "--db", out]) == 0
    capsys.readouterr()
    return out


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(argv) == 0
    data: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return data


def test_events_json_filters_and_pages(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    everything = _json(["events", "--db", db, "--limit", "0", "--json"], capsys)
    total = everything["total"]
    assert total == len(everything["events"]) > 50
    first = _json(["events", "--db", db, "--json"], capsys)
    assert first["events"] == everything["events"][:50] and first["total"] == total
    rest = _json(["events", "--db", db, "--offset", "50", "--limit", "0", "--json"], capsys)
    assert first["events"] + rest["events"] == everything["events"]
    days = _json(
        ["events", "--db", db, "--since", "2018-10-15", "--until", "2018-10-16", "--json"],
        capsys,
    )
    assert days["events"] == [
        e for e in everything["events"] if "2018-10-15" <= e["start_time"][:10] <= "2018-10-16"
    ]
    strikes = _json(["events", "--db", db, "--kind", "Strike", "--limit", "0", "--json"], capsys)
    assert strikes["events"] == [e for e in everything["events"] if e["kind"] == "strike"]


def test_events_table_and_csv(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--db", db, "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["id", "source:id", "kind"]
    assert "events 1-3 of" in out and "--offset for more" in out
    target = tmp_path / "events.csv"
    assert main(["events", "--db", db, "--limit", "0", "--csv", str(target)]) == 0
    assert "matching events written to" in capsys.readouterr().out
    listed = _json(["events", "--db", db, "--limit", "0", "--json"], capsys)["events"]
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["source_id"] for r in rows] == [e["source_id"] for e in listed]
    assert rows[0]["actors"] == "; ".join(listed[0]["actors"])
    assert float(rows[0]["lon"]) == listed[0]["lon"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "15/10/2018"], "--since '15/10/2018': expected a day"),
        (["--since", "2018-10-20", "--until", "2018-10-10"], "is after --until"),
        (["--kind", "parade"], "unknown event kind 'parade'"),
        (["--csv", "/nonexistent/events.csv"], "--csv: cannot write /nonexistent/events.csv"),
    ],
)
def test_events_bad_filters_are_named(
    db: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "--db", db, *argv]) == 2
    assert message in capsys.readouterr().err


def test_event_in_full(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    record = _json(["event", "5", "--db", db, "--json"], capsys)
    assert record["id"] == 5 and record["source"] == "ucdp"
    assert record["original"]["id"] == record["source_id"]
    assert record["provenance"]["ingest"]["id"] == 1
    assert main(["event", "5", "--db", db]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"event 5: ucdp:{record['source_id']}")
    assert f"line {record['provenance']['line']})" in text
    assert f"evidence entry: {record['evidence']['seq']} " in text
    assert "original row:" in text and f"  id: {record['source_id']}" in text
    assert main(["event", "999999", "--db", db]) == 4
    assert "no event 999999" in capsys.readouterr().err


def test_event_merged_from_a_bundle(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys, bundle, other = tmp_path / "keys", tmp_path / "tr.bundle", str(tmp_path / "ru.db")
    assert main(["keys", "create", "--party", "TR", "--out", str(keys)]) == 0
    assert main(["export", "--db", db, "--sign", str(keys / "TR.key"), "--out", str(bundle)]) == 0
    assert main(["import-bundle", str(bundle), "--db", other, "--trust", str(keys / "TR.pub")]) == 0
    capsys.readouterr()
    assert main(["event", "1", "--db", other]) == 0
    text = capsys.readouterr().out
    assert "from: bundle " in text and "signed by TR, imported " in text


def test_the_listing_fits_80_columns_with_each_text_below_its_event(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dmzwatch.cli._table import width

    monkeypatch.setenv("COLUMNS", "80")
    assert main(["events", "--db", db, "--limit", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(width(line) for line in lines) <= 80
    assert lines[2].split()[1].startswith("ucdp:") and lines[3].startswith("    ")
    first = _json(["events", "--db", db, "--limit", "1", "--json"], capsys)["events"][0]
    assert lines[3].strip().rstrip("…") in first["text"]


def test_events_csv_with_json_prints_only_json(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "e.csv"
    assert main(["events", "--db", db, "--limit", "3", "--csv", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert len(data["events"]) == 3 and "written to" in captured.err
    with out.open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == 4
