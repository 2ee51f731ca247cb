"""Commands that read the store refuse a missing SQLite file instead of creating an empty one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dmzwatch.cli import main

READERS = [
    ["verify"],
    ["verify", "--json"],
    ["verify", "--checkpoint", "OUT/tr.checkpoint", "--trust", "KEY"],
    ["checkpoint", "--sign", "KEY", "--out", "OUT/tr.checkpoint"],
    ["quarantine"],
    ["ingests"],
    ["links"],
    ["events"],
    ["event", "1"],
    ["findings"],
    ["check", "-s", "idlib-2018"],
    ["monthly", "-s", "idlib-2018"],
    ["humanitarian", "-s", "idlib-2018"],
    ["report", "-s", "idlib-2018", "--date", "2018-11-24", "--no-pdf", "--out", "OUT"],
    ["export", "--sign", "KEY", "--out", "OUT/bundle.json"],
    ["tokens", "list"],
    ["tokens", "revoke", "tok_x"],
]


@pytest.mark.parametrize("argv", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_mistyped_store_path_is_an_error_not_a_new_store(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "typo.db"
    args = [
        a.replace("OUT", str(tmp_path / "out")).replace("KEY", str(tmp_path / "k")) for a in argv
    ]
    code = main([*args, "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and f"no store at {db}" in err
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_ingest_creates_the_store_and_readers_then_open_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "e.csv"
    events.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    db = str(tmp_path / "new.db")
    mapping = ["--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y"]
    assert main(["ingest", str(events), "--db", db, *mapping]) == 0
    capsys.readouterr()
    assert main(["verify", "--db", db]) == 0
    assert "intact: 3 evidence entries" in capsys.readouterr().out  # ingest, event, finish


def test_an_empty_file_is_not_taken_for_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    for url in (str(db), f"sqlite:///{db}"):
        assert main(["verify", "--db", url]) == 2
        assert "the file is empty" in capsys.readouterr().err
    assert db.stat().st_size == 0  # left as it was


def test_a_directory_is_named_as_one_by_readers_and_by_ingest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "stores"
    folder.mkdir()
    events = tmp_path / "e.csv"
    events.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    for argv in (["verify"], ["events"], ["ingest", str(events), *MAPPING]):
        assert main([*argv, "--db", str(folder)]) == 2
        assert f"{folder} is a directory" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


MAPPING = ["--map", "source_id=id", "--map", "date=day", "--map", "lon=x", "--map", "lat=y"]


@pytest.mark.parametrize("content", ["sqlite", "text"])
def test_a_file_that_is_not_a_store_is_refused_and_left_as_it_was(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "other.db"
    if content == "sqlite":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE patrols (day TEXT)")
        conn.commit()
        conn.close()
    else:
        db.write_text("not a database\n")
    before = db.read_bytes()
    events = tmp_path / "e.csv"
    events.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    plan = ["patrol", "plan", "--scenario", "idlib-2018", "--units", "TR=2,RU=2", "--days", "1"]
    for argv in (
        ["verify"],
        ["ingests"],
        ["quarantine"],
        ["ingest", str(events), *MAPPING],
        ["serve"],
        ["tokens", "create", "--role", "monitor", "--party", "TR"],
        ["tokens", "list"],
        [*plan, "--out", str(tmp_path / "plan")],
    ):
        assert main([*argv, "--db", str(db)]) == 2, argv
        assert f"{db} is not a dmzwatch store" in capsys.readouterr().err
    assert db.read_bytes() == before  # no store tables added, not switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "other.db"]


def test_a_store_path_with_a_tilde_is_in_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    events = tmp_path / "e.csv"
    events.write_text("id,day,x,y\nr1,2018-10-20,36.7,35.4\n")
    # the shell leaves ~ alone after "=": --db=~/s.db reaches the command as it is
    assert main(["ingest", "~/e.csv", "--db=~/s.db", *MAPPING]) == 0
    assert (tmp_path / "s.db").is_file()
    capsys.readouterr()
    assert main(["events", "--db=~/s.db", "--csv=~/out.csv"]) == 0
    assert (tmp_path / "out.csv").read_text().count("\n") == 2
