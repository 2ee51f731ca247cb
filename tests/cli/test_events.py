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


MAP = ("--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y")


def test_quarantined_rows_export_to_a_csv_that_ingests_once_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(
        'id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-10-20,36.7,north\n"r3",soon,36.6,"35,5"\n'
    )
    db = str(tmp_path / "s.db")
    code, out, _ = run(capsys, "ingest", str(path), "--db", db, *MAP, "--source", "observers")
    assert "quarantined 2" in out and "problems of the quarantined rows" in out
    assert "  1 x not a date" in out and "  2 x not a number" in out  # r2's y, r3's y
    fix = tmp_path / "fix.csv"
    code, out, err = run(
        capsys, "quarantine", "--db", db, "--file", "reports.csv", "--csv", str(fix)
    )
    assert code == 0 and "wrote 2 quarantined rows" in err and "not a number" in out
    assert fix.read_text() == 'id,day,x,y\nr2,2018-10-20,36.7,north\nr3,soon,36.6,"35,5"\n'
    code, out, _ = run(capsys, "quarantine", "--db", db, "--reason", "not a date", "--json")
    assert [(q["line"], q["field"]) for q in json.loads(out)] == [(4, "day")]
    fix.write_text("id,day,x,y\nr2,2018-10-20,36.7,35.41\nr3,2018-10-21,36.6,35.5\n")
    code, out, _ = run(capsys, "ingest", str(fix), "--db", db, *MAP, "--source", "observers")
    assert code == 0 and "read 2 = stored 2 + duplicates 0 + quarantined 0" in out
    code, out, _ = run(capsys, "ingests", "--db", db, "--json")
    listed = json.loads(out)
    assert [(i["file"], i["stored"], i["quarantined"], i["status"]) for i in listed] == [
        (str(path), 1, 2, "finished"),
        (str(fix), 2, 0, "finished"),
    ]
    code, out, _ = run(capsys, "ingests", "--db", db)
    assert "reports.csv" in out and "fix.csv" in out and "interrupted" not in out


def test_quarantine_tells_corrected_rows_from_open_ones_and_exports_only_the_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-10-20,36.7,north\nr3,soon,,\n")
    db = str(tmp_path / "s.db")
    run(capsys, "ingest", str(path), "--db", db, *MAP)
    fix = tmp_path / "fix.csv"
    code, out, err = run(capsys, "quarantine", "--db", db, "--open", "--csv", str(fix))
    assert code == 0 and "wrote 2 quarantined rows (2 still open)" in err
    assert out.splitlines()[-1] == "2 quarantined rows: 2 open, 0 corrected since"
    assert fix.read_text() == "id,day,x,y\nr2,2018-10-20,36.7,north\nr3,soon,,\n"
    fix.write_text("id,day,x,y\nr2,2018-10-20,36.7,35.41\nr3,sooner,,\n")  # r3 still wrong
    run(capsys, "ingest", str(fix), "--db", db, *MAP)

    code, out, _ = run(capsys, "quarantine", "--db", db)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[-1] == "status"
    status = {
        (row.split()[1], row.split()[2], row.split()[3]): row.rsplit("  ", 1)[1].strip()
        for row in lines[2:-1]
    }
    assert status == {
        ("a.csv", "3", "y"): "corrected: event 2",  # r2, stored by the fix
        **{("a.csv", "4", f): "open" for f in ("day", "x", "y")},
        **{("fix.csv", "3", f): "open" for f in ("day", "x", "y")},  # r3 still wrong
    }
    assert lines[-1] == "3 quarantined rows: 2 open, 1 corrected since"
    code, out, _ = run(capsys, "quarantine", "--db", db, "--json")
    listed = json.loads(out)
    assert {(q["file"], q["line"], q["source_id"], q["corrected_by"]) for q in listed} == {
        (str(path), 3, "r2", 2),
        (str(path), 4, "r3", None),
        (str(fix), 3, "r3", None),
    }
    code, out, _ = run(capsys, "quarantine", "--db", db, "--open", "--json")
    assert {(Path(q["file"]).name, q["line"]) for q in json.loads(out)} == {
        ("a.csv", 4),
        ("fix.csv", 3),
    }
    everything = tmp_path / "all.csv"
    code, _, err = run(
        capsys, "quarantine", "--db", db, "--file", "a.csv", "--csv", str(everything)
    )
    assert "wrote 2 quarantined rows (1 still open)" in err  # without --open: r2 too
    code, _, err = run(
        capsys, "quarantine", "--db", db, "--file", "fix.csv", "--open", "--csv", str(fix)
    )
    assert "wrote 1 quarantined rows (1 still open)" in err
    assert fix.read_text() == "id,day,x,y\nr3,sooner,,\n"
    fix.write_text("id,day,x,y\nr3,2018-10-21,36.6,35.5\n")
    run(capsys, "ingest", str(fix), "--db", db, *MAP)
    code, out, _ = run(capsys, "quarantine", "--db", db, "--open")
    assert code == 0 and out.strip() == "nothing quarantined is still open"
    code, out, _ = run(capsys, "quarantine", "--db", db, "--open", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "quarantine", "--db", db)
    assert out.splitlines()[-1] == "3 quarantined rows: 0 open, 3 corrected since"
    assert out.count("corrected: event 3") == 6  # r3's problems, refused by both files


def test_quarantine_csv_refuses_rows_of_different_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    for name, header in (("a.csv", "id,day,x,y"), ("b.csv", "id,day,y,x")):
        (tmp_path / name).write_text(f"{header}\nr1,never,36.7,35.4\n")
        run(capsys, "ingest", str(tmp_path / name), "--db", db, *MAP)
    code, _, err = run(capsys, "quarantine", "--db", db, "--csv", str(tmp_path / "fix.csv"))
    assert code != 0 and "different columns" in err and "--file" in err
    code, _, err = run(
        capsys, "quarantine", "--db", db, "--file", "b.csv", "--csv", str(tmp_path / "fix.csv")
    )
    assert code == 0 and (tmp_path / "fix.csv").read_text() == "id,day,y,x\nr1,never,36.7,35.4\n"


def test_quarantine_of_a_file_lists_rows_another_file_refused_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    bad = "r9,2018-10-20,36.7,north"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f"id,day,x,y\n{bad}\n")
    second.write_text(f"id,day,x,y\nr1,soon,36.7,35.4\n{bad}\nr2,2018-10-21,36.7,35.4\n{bad}\n")
    for path in (first, second):
        code, out, _ = run(capsys, "ingest", str(path), "--db", db, *MAP, "--json")
        assert code == 0
    assert json.loads(out)["quarantined"] == 3
    fix = tmp_path / "fix.csv"
    code, out, err = run(
        capsys, "quarantine", "--db", db, "--file", "second.csv", "--csv", str(fix)
    )
    assert code == 0 and "wrote 2 quarantined rows" in err
    assert [line.split()[:3] for line in out.splitlines() if "second.csv" in line] == [
        ["csv", "second.csv", "2"],
        ["csv", "second.csv", "3"],
        ["csv", "second.csv", "5"],
    ]
    assert fix.read_text() == f"id,day,x,y\nr1,soon,36.7,35.4\n{bad}\n"  # each row once
    code, out, _ = run(capsys, "quarantine", "--db", db, "--ingest", "2", "--json")
    assert [(q["file"], q["line"], q["field"]) for q in json.loads(out)] == [
        (str(second), 2, "day"),
        (str(second), 3, "y"),
        (str(second), 5, "y"),
    ]
    code, out, _ = run(capsys, "quarantine", "--db", db, "--file", "first.csv", "--json")
    assert [(q["line"], q["ingest_id"]) for q in json.loads(out)] == [(2, 1)]
    run(capsys, "ingest", str(second), "--db", db, *MAP)
    code, out, _ = run(capsys, "quarantine", "--db", db, "--json")
    assert len(json.loads(out)) == 4  # ingesting a file again lists nothing twice
    code, out, _ = run(capsys, "verify", "--db", db)
    assert code == 0 and "intact" in out


def test_links_lists_probable_duplicates_with_their_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    run(capsys, "ingest", str(UCDP), "--db", db)
    code, out, _ = run(capsys, "links", "--db", db)
    assert code == 0 and "no probable duplicates" in out  # one source: nothing to link
    # UCDP 263090 (Badama, 2018-09-01, 2 deaths) reported again by observers
    obs = tmp_path / "obs.csv"
    obs.write_text("id,day,x,y,deaths\no1,2018-09-01,36.2,35.81,2\n")
    run(capsys, "ingest", str(obs), "--db", db, *MAP, "--map", "fatalities=deaths")
    code, out, _ = run(capsys, "links", "--db", db, "--source", "csv", "--json")
    links = json.loads(out)
    assert code == 0 and links
    sides = [{link["a"]["source_id"], link["b"]["source_id"]} for link in links]
    assert all("o1" in s for s in sides) and {"263090", "o1"} in sides
    code, out, _ = run(capsys, "links", "--db", db)
    assert "ucdp:263090" in out and "csv:o1" in out
    code, out, _ = run(capsys, "links", "--db", db, "--event", "1", "--json")
    assert all(1 in (link["event_a"], link["event_b"]) for link in json.loads(out))


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


def test_ingest_of_a_bad_input_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.db"
    book = tmp_path / "events.xlsx"
    book.write_bytes(b"PK\x03\x04\x14\x00\x06\x00")
    acled_like = tmp_path / "acled.csv"
    acled_like.write_text("event_id_cnty,event_date,latitude\nX1,2019-01-01,35\n")
    collection = tmp_path / "one.geojson"
    collection.write_text('{"type": "Feature", "properties": {}, "geometry": null}')
    truncated = tmp_path / "cut.geojson"
    truncated.write_text('{"type": "FeatureCollection", "features": [')
    for argv, message in (
        ([str(tmp_path / "missing.csv")], "no such file"),
        ([str(book)], "save the sheet as CSV (UTF-8)"),
        ([str(acled_like), "--format", "acled"], "not an ACLED file"),
        ([str(acled_like)], "needs a column mapping"),
        ([str(collection)], "not a GeoJSON FeatureCollection (the top level is of type 'Feature')"),
        ([str(truncated)], "cannot read"),
    ):
        code, _, err = run(capsys, "ingest", *argv, "--db", str(db))
        assert code == 2 and message in err, argv
    assert not db.exists()


def test_links_table_shows_each_events_own_fatalities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    for name, rows, source in (
        ("one.csv", "1,2018-11-01,36.70,35.70,3", "one"),
        ("two.csv", "A,2018-11-01,36.701,35.701,4", "two"),
    ):
        (tmp_path / name).write_text(f"id,day,x,y,k\n{rows}\n")
        argv = ("ingest", str(tmp_path / name), "--db", db, *MAP, "--map", "fatalities=k")
        run(capsys, *argv, "--source", source)
    code, out, _ = run(capsys, "links", "--db", db)
    row = next(line for line in out.splitlines() if "one:1" in line)
    assert code == 0 and row.index("one:1") < row.index("two:A")
    assert row.rstrip().endswith("3 / 4")  # event a (one:1, 3 dead) first


def test_import_of_a_refused_bundle_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    run(capsys, "keys", "create", "--party", "TR", "--out", str(keys))
    run(capsys, "keys", "create", "--party", "RU", "--out", str(keys))
    db = str(tmp_path / "tr.db")
    run(capsys, "ingest", str(UCDP), "--db", db)
    bundle = tmp_path / "tr.bundle"
    run(capsys, "export", "--db", db, "--sign", str(keys / "TR.key"), "--out", str(bundle))
    target = tmp_path / "ru.db"
    for name, trust, code_wanted, message in (
        ("tr.bundle", keys / "RU.pub", 8, "do not trust"),
        ("missing.bundle", keys / "TR.pub", 2, "cannot read the bundle"),
    ):
        argv = ("import-bundle", str(tmp_path / name), "--db", str(target))
        code, _, err = run(capsys, *argv, "--trust", str(trust))
        assert code == code_wanted and message in err, name
    assert not target.exists()


def test_mapping_options_that_would_be_ignored_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    reports = tmp_path / "r.csv"
    reports.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    toml = tmp_path / "map.toml"
    toml.write_text('[columns]\nsource_id = "id"\ndate = "day"\nlon = "x"\nlat = "y"\n')
    for argv, message in (
        ([str(reports), "--mapping", str(toml), "--map", "lon=y"], "either as --mapping"),
        ([str(UCDP), "--map", "lon=longitude"], "is read as ucdp"),
        ([str(UCDP), "--source", "mine"], "--source applies to a generic CSV"),
    ):
        code, _, err = run(capsys, "ingest", *argv, "--db", str(db))
        assert code == 2 and message in err, argv
    assert not db.exists()
    code, out, _ = run(
        capsys, "ingest", str(reports), "--db", str(db), "--mapping", str(toml), "--source", "obs"
    )
    assert code == 0 and "source obs" in out  # --source names the events of a mapping file


def test_quarantine_csv_of_unsplittable_rows_has_the_header_and_the_rows_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.csv"
    path.write_text('id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-10-20,"36,7",35.4,\n')
    db = str(tmp_path / "s.db")
    run(capsys, "ingest", str(path), "--db", db, *MAP)
    fix = tmp_path / "fix.csv"
    code, _, _ = run(capsys, "quarantine", "--db", db, "--csv", str(fix))
    assert code == 0 and fix.read_text() == 'id,day,x,y\nr2,2018-10-20,"36,7",35.4,\n'
    code, _, err = run(capsys, "quarantine", "--db", db, "--csv", str(tmp_path / "no" / "f.csv"))
    assert code == 2 and "cannot write" in err


def test_an_unreachable_postgresql_url_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://monitor:s3cret@127.0.0.1:1/dmz"
    code, _, err = run(capsys, "ingests", "--db", url)
    assert code == 2 and err.startswith("error: cannot connect to") and "s3cret" not in err


def test_export_since_edges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first day of an event keeps it, the day after drops it, a day after all events
    gives an empty bundle that imports, and the date printed is the one the bundle holds."""
    path = tmp_path / "e.csv"
    path.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-11-02,36.6,35.3\n")
    db = str(tmp_path / "s.db")
    maps = ["--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y"]
    assert run(capsys, "ingest", str(path), "--db", db, *maps)[0] == 0
    run(capsys, "keys", "create", "--party", "TR", "--out", str(tmp_path / "keys"))
    bundle = tmp_path / "tr.bundle"
    argv = ["export", "--db", db, "--sign", str(tmp_path / "keys" / "TR.key"), "--out"]
    for since, day, events in (
        ("2018-10-20", "2018-10-20", 2),
        ("2018-10-21", "2018-10-21", 1),
        ("2018-11-02", "2018-11-02", 1),
        ("20181103", "2018-11-03", 0),
    ):
        code, out, _ = run(capsys, *argv, str(bundle), "--since", since, "--json")
        printed = json.loads(out)
        body = json.loads(bundle.read_text())["body"]
        assert code == 0 and printed["events"] == events == len(body["records"]), since
        assert printed["since"] == body["since"] == day
    code, out, _ = run(
        capsys,
        "import-bundle",
        str(bundle),
        "--db",
        str(tmp_path / "ru.db"),
        "--trust",
        str(tmp_path / "keys" / "TR.pub"),
        "--json",
    )
    assert code == 0 and json.loads(out)["records"] == json.loads(out)["merged"] == 0
    for bad in ("2018-13-01", "2018-10-3", "yesterday"):
        code, _, err = run(capsys, *argv, str(tmp_path / "bad.bundle"), "--since", bad)
        assert code == 2 and "expected YYYY-MM-DD" in err, bad
    assert not (tmp_path / "bad.bundle").exists()


def test_ingest_parses_a_geojson_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], geojson_parses: list[Path]
) -> None:
    """Checked before the store is opened, then read: one parse of the file."""
    point = {"type": "Point", "coordinates": [36.6, 35.4]}
    features = [
        {"type": "Feature", "id": f"g{i}", "geometry": point, "properties": {"date": "2018-11-01"}}
        for i in range(3)
    ]
    path = tmp_path / "e.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    code, out, _ = run(capsys, "ingest", str(path), "--db", str(tmp_path / "s.db"), "--json")
    assert code == 0 and json.loads(out)["stored"] == 3
    assert geojson_parses == [path]


def test_checkpoint_then_verify_against_it_finds_truncation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, out = str(tmp_path / "s.db"), str(tmp_path / "tr.checkpoint")
    maps = ["--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y"]
    first, later = tmp_path / "first.csv", tmp_path / "later.csv"
    first.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\nr2,2018-11-02,36.6,35.3\n")
    later.write_text("id,day,x,y\nr3,2018-11-03,36.5,35.3\n")
    assert run(capsys, "ingest", str(first), "--db", db, *maps, "--json")[0] == 0
    for party in ("TR", "RU"):
        assert run(capsys, "keys", "create", "--party", party, "--out", str(tmp_path))[0] == 0
    tr_key, tr_pub, ru_pub = (str(tmp_path / name) for name in ("TR.key", "TR.pub", "RU.pub"))

    code, text, _ = run(capsys, "verify", "--db", db, "--json")
    head = json.loads(text)["head"]
    assert code == 0 and len(head) == 64
    code, text, _ = run(capsys, "checkpoint", "--db", db, "--sign", tr_key, "--out", out, "--json")
    made = json.loads(text)
    assert code == 0 and set(made) == {"checkpoint", "party", "entries", "head", "made_at"}
    assert (made["checkpoint"], made["party"], made["entries"], made["head"]) == (
        out,
        "TR",
        4,  # the ingest, 2 events, its finish
        head,
    )
    code, text, _ = run(capsys, "checkpoint", "--db", db, "--sign", tr_key, "--out", out)
    assert code == 0 and f"{out}: 4 evidence entries, head {head[:12]}, signed by TR" in text

    pinned = ["--checkpoint", out, "--trust", tr_pub]
    code, text, _ = run(capsys, "verify", "--db", db, *pinned)
    assert code == 0 and text.startswith(
        f"intact: 4 evidence entries, chain and records match, head {head[:12]}; matches the "
        "checkpoint signed by TR at "
    )
    assert text.rstrip().endswith("0 entries added since")
    assert run(capsys, "ingest", str(later), "--db", db, *maps, "--json")[0] == 0
    code, text, _ = run(capsys, "verify", "--db", db, *pinned, "--json")
    grown = json.loads(text)
    assert code == 0 and grown["ok"] is True and grown["entries"] == 7 and grown["head"] != head
    assert grown["checkpoint"].endswith("3 entries added since")

    code, _, err = run(capsys, "verify", "--db", db, "--checkpoint", out, "--trust", ru_pub)
    assert code == 2 and "other than the trusted one" in err and out in err
    code, _, err = run(capsys, "verify", "--db", db, "--checkpoint", out)
    assert code == 2 and "--checkpoint and --trust go together" in err
    forged = tmp_path / "forged.checkpoint"
    forged.write_text(json.dumps(json.loads(Path(out).read_text()) | {"entries": 1}))
    code, _, err = run(capsys, "verify", "--db", db, "--checkpoint", str(forged), "--trust", tr_pub)
    assert code == 2 and "signature does not verify" in err and str(forged) in err

    conn = sqlite3.connect(db)  # the newest entries removed with their events and ingests
    conn.execute("DELETE FROM events WHERE id > 1")
    conn.execute("DELETE FROM ingests WHERE id > 1")
    conn.execute(
        "UPDATE ingests SET finished_at = NULL, read = 0, stored = 0, duplicates = 0, "
        "quarantined = 0"
    )
    conn.execute("DELETE FROM evidence WHERE seq > 2")
    conn.commit()
    conn.close()
    assert run(capsys, "verify", "--db", db)[0] == 0  # the chain alone cannot tell
    code, _, err = run(capsys, "verify", "--db", db, *pinned)
    assert code == 9 and "truncated: the checkpoint signed by TR at" in err
    assert "holds 4 entries, the store has 2" in err
    code, text, _ = run(capsys, "verify", "--db", db, *pinned, "--json")
    truncated = json.loads(text)
    assert code == 9 and truncated["ok"] is False and truncated["reason"].startswith("truncated")
    assert truncated["record"] == "evidence entries 3-4" and truncated["checkpoint"] is None


def test_a_broken_store_is_not_checkpointed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, out = str(tmp_path / "s.db"), tmp_path / "tr.checkpoint"
    path = tmp_path / "e.csv"
    path.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    maps = ["--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y"]
    assert run(capsys, "ingest", str(path), "--db", db, *maps, "--json")[0] == 0
    assert run(capsys, "keys", "create", "--party", "TR", "--out", str(tmp_path))[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE events SET lat = 0.0 WHERE id = 1")
    conn.commit()
    conn.close()
    argv = ["checkpoint", "--db", db, "--sign", str(tmp_path / "TR.key"), "--out", str(out)]
    code, _, err = run(capsys, *argv)
    assert code == 9 and "evidence log broken at event 1 " in err and not out.exists()
    code, text, _ = run(capsys, *argv, "--json")
    assert code == 9 and text == "" and not out.exists()


def test_ctrl_c_during_an_ingest_says_so_and_a_rerun_completes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import dmzwatch.store as store_package  # the ingest command imports ingest when it runs

    real = store_package.ingest

    def interrupted(*args: object, **kwargs: object) -> object:
        def press_ctrl_c(done: int) -> None:  # once the first batch is committed
            raise KeyboardInterrupt

        return real(*args, **{**kwargs, "on_progress": press_ctrl_c})  # type: ignore[arg-type]

    monkeypatch.setattr(store_package, "ingest", interrupted)
    db = str(tmp_path / "s.db")
    code, out, err = run(capsys, "ingest", str(UCDP), "--db", db)
    assert code == 130 and out == ""
    assert "interrupted" in err and str(UCDP) in err and "ingest the file again" in err
    assert "Traceback" not in err
    monkeypatch.setattr(store_package, "ingest", real)
    code, out, _ = run(capsys, "ingests", "--db", db, "--json")
    assert [i["status"] for i in json.loads(out)] == ["interrupted"]
    code, out, _ = run(capsys, "ingest", str(UCDP), "--db", db, "--json")
    done = json.loads(out)
    assert code == 0 and done["read"] == 1475 and done["adds_up"]
    assert done["stored"] + done["duplicates"] == 1475
    assert run(capsys, "verify", "--db", db)[0] == 0


def _cells(text: str) -> int:
    from dmzwatch.cli._table import width

    return max(width(line) for line in text.splitlines())


def test_quarantine_fits_an_80_column_terminal_and_json_keeps_every_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "observers_north_sector_2018.csv"
    path.write_text(
        "id,day,x,y,what\no1,2018-10-20,36.7,35.4,parade\no2,2018-10-21,36.7,35.4,مَعَرَّةُ النُّعْمَانِ\n"
    )
    db = str(tmp_path / "s.db")
    run(capsys, "ingest", str(path), "--db", db, *MAP, "--map", "kind=what")
    code, out, _ = run(capsys, "quarantine", "--db", db)
    assert code == 0 and _cells(out) <= 80
    assert "parade" in out and "unknown event kind" in out and " open" in out
    code, out, _ = run(capsys, "quarantine", "--db", db, "--json")
    reasons = {q["reason"] for q in json.loads(out)}
    assert any(r.endswith("protest, other)") for r in reasons)  # not shortened


def test_quarantine_json_gives_the_refused_geojson_feature_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[36.6, 35.6], [36.7, 35.7]]},
        "properties": {"id": "g2", "date": "2018-11-24", "kind": "strike"},
    }
    path = tmp_path / "g.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    db = str(tmp_path / "s.db")
    run(capsys, "ingest", str(path), "--db", db, "--source", "monitors")
    code, _, err = run(capsys, "quarantine", "--db", db, "--csv", str(tmp_path / "q.csv"))
    assert code == 2 and "use --json" in err
    code, out, _ = run(capsys, "quarantine", "--db", db, "--json")
    listed = json.loads(out)
    assert (
        code == 0
        and listed
        and all(q["original"]["geometry"] == feature["geometry"] for q in listed)
    )
    assert {q["original"]["properties"]["id"] for q in listed} == {"g2"}


def test_tables_of_the_store_fit_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    db = str(tmp_path / "s.db")
    run(capsys, "ingest", str(UCDP), "--db", db)
    path = tmp_path / "observers_north_sector_2018.csv"
    path.write_text("id,day,x,y\no1,2018-10-20,36.7,35.4\n")
    run(capsys, "ingest", str(path), "--db", db, *MAP, "--source", "observers")
    code, out, _ = run(capsys, "ingests", "--db", db)
    assert code == 0 and _cells(out) <= 80
    assert "ucdp_ged_syria_nw_2018_2019.csv"[:9] in out and "1,475" in out
