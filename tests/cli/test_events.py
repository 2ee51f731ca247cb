"""The events commands end to end: ingest, quarantine, verify, keys, export, import-bundle."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from dmzwatch.cli import main

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ingest_prints_counts_that_add_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    code, out, _ = run(capsys, "ingest", str(UCDP), "--db", db)
    assert code == 0 and "read 1475 = stored 1475 + duplicates 0 + quarantined 0" in out
    code, out, _ = run(capsys, "ingest", str(UCDP), "--db", db, "--json", "--format", "ucdp")
    data = json.loads(out)
    assert (data["read"], data["stored"], data["duplicates"], data["quarantined"]) == (
        1475,
        0,
        1475,
        0,
    )
    code, out, _ = run(capsys, "verify", "--db", db)
    assert code == 0 and "intact" in out


def test_quarantine_json_and_verify_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.csv"
    path.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-10-20,36.7,north\nr3,soon,,\n")
    db = str(tmp_path / "s.db")
    code, out, _ = run(
        capsys,
        "ingest",
        str(path),
        "--db",
        db,
        "--map",
        "source_id=id",
        "--map",
        "date=day",
        "--map",
        "lon=x",
        "--map",
        "lat=y",
        "--json",
    )
    assert code == 0 and json.loads(out)["quarantined"] == 2
    code, out, _ = run(capsys, "quarantine", "--db", db, "--json")
    listed = json.loads(out)
    assert {"source", "line", "field", "value", "reason"} <= set(listed[0])
    assert ("csv", 3, "y", "north", "not a number") in {
        (q["source"], q["line"], q["field"], q["value"], q["reason"]) for q in listed
    }
    assert {q["line"] for q in listed} == {3, 4}
    conn = sqlite3.connect(db)
    conn.execute("UPDATE events SET text = 'edited' WHERE id = 1")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "verify", "--db", db)
    assert code != 0 and "event 1 " in err


def test_unknown_format_and_missing_mapping_are_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.csv"
    path.write_text("a,b\n1,2\n")
    code, _, err = run(
        capsys, "ingest", str(path), "--db", str(tmp_path / "s.db"), "--format", "xml"
    )
    assert code == 2 and "expected one of: ucdp, acled, csv, geojson" in err
    code, _, err = run(capsys, "ingest", str(path), "--db", str(tmp_path / "s.db"))
    assert code == 2 and "column mapping" in err


def test_keys_export_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, other = str(tmp_path / "tr.db"), str(tmp_path / "ru.db")
    run(capsys, "ingest", str(UCDP), "--db", db)
    code, out, _ = run(capsys, "keys", "create", "--party", "TR", "--out", str(tmp_path / "keys"))
    assert code == 0 and (tmp_path / "keys" / "TR.key").stat().st_mode & 0o777 == 0o600
    bundle = str(tmp_path / "tr.bundle")
    code, out, _ = run(
        capsys,
        "export",
        "--db",
        db,
        "--since",
        "2019-11-01",
        "--sign",
        str(tmp_path / "keys" / "TR.key"),
        "--out",
        bundle,
    )
    assert code == 0
    pub = str(tmp_path / "keys" / "TR.pub")
    code, out, _ = run(capsys, "import-bundle", bundle, "--db", other, "--trust", pub, "--json")
    first = json.loads(out)
    assert code == 0 and first["merged"] > 0
    code, out, _ = run(capsys, "import-bundle", bundle, "--db", other, "--trust", pub, "--json")
    assert json.loads(out)["merged"] == 0
    data = json.loads(Path(bundle).read_text())
    data["body"]["records"][0]["lat"] = 0.0
    Path(bundle).write_text(json.dumps(data))
    code, _, err = run(capsys, "import-bundle", bundle, "--db", other, "--trust", pub)
    assert code != 0 and "forged or was altered" in err


def test_verify_keys_and_export_print_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.csv"
    path.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-11-02,36.6,35.3\n")
    db = str(tmp_path / "s.db")
    maps = ["--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y"]
    assert run(capsys, "ingest", str(path), "--db", db, *maps, "--json")[0] == 0
    code, out, _ = run(capsys, "verify", "--db", db, "--json")
    intact = json.loads(out)
    assert code == 0 and intact["ok"] is True and intact["entries"] >= 2
    assert (intact["record"], intact["reason"]) == (None, None)

    code, out, _ = run(capsys, "keys", "create", "--party", "TR", "--out", str(tmp_path), "--json")
    keys = json.loads(out)
    assert code == 0 and set(keys) == {"party", "private_key", "public_key"}
    assert keys["party"] == "TR" and Path(keys["public_key"]).is_file()
    assert Path(keys["private_key"]).stat().st_mode & 0o777 == 0o600

    bundle = tmp_path / "tr.bundle"
    argv = ["export", "--db", db, "--sign", keys["private_key"], "--out", str(bundle)]
    code, out, _ = run(capsys, *argv, "--since", "2018-11-01", "--json")
    exported = json.loads(out)
    assert code == 0 and exported == {
        "bundle": str(bundle),
        "events": 1,
        "party": "TR",
        "since": "2018-11-01",
    }
    assert len(json.loads(bundle.read_text())["body"]["records"]) == 1

    conn = sqlite3.connect(db)
    conn.execute("UPDATE events SET lat = 0.0 WHERE id = 1")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "verify", "--db", db, "--json")
    broken = json.loads(out)  # the outcome on stdout, the error and exit code as without --json
    assert code == 9 and broken["ok"] is False and broken["record"] and broken["reason"]
    assert broken["record"] in err
