"""Commands that read the store refuse a missing SQLite file instead of creating an empty one."""

from __future__ import annotations

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
