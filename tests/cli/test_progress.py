"""Progress bars: drawn on a terminal's stderr only, never with ``--json``, never on stdout."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dmzwatch.cli import main
from dmzwatch.cli._progress import progress, track

from .conftest import ucdp_rows


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, and keeps what is drawn on it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Terminal]:
    """Installs a terminal stderr when called, in the test's body: capture (capsys) sets its
    own stderr again when a test's call phase starts."""
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)

    def install() -> Terminal:
        fake = Terminal()
        monkeypatch.setattr(sys, "stderr", fake)
        return fake

    return install


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real UCDP rows of 10-26 November 2018 as a GED file of their own."""
    return ucdp_rows(tmp_path_factory.mktemp("progress"), "2018-11-10", "2018-11-26")


def test_the_helper_draws_on_a_terminal_only(
    terminal: Callable[[], Terminal], capsys: pytest.CaptureFixture[str]
) -> None:
    stderr = terminal()
    with progress("Counting sheep", total=3) as advance:
        for _ in range(3):
            advance(1)
    drawn = stderr.getvalue()
    assert "Counting sheep" in drawn
    with progress("Waiting", total=None):  # a spinner
        pass
    assert "Waiting" in stderr.getvalue()[len(drawn) :]
    drawn = stderr.getvalue()
    with progress("Reading", total=2_500_000, unit="bytes") as advance:
        advance(2_500_000)
    assert "2.5/2.5 MB" in stderr.getvalue()[len(drawn) :]
    stderr.seek(0)
    stderr.truncate()
    with progress("Hidden", total=2, enabled=False) as advance:  # --json: never
        advance(2)
    assert list(track([1, 2], "Hidden too", enabled=False)) == [1, 2]
    assert stderr.getvalue() == ""
    assert capsys.readouterr().out == ""  # never on stdout


def test_the_helper_writes_nothing_off_a_terminal() -> None:
    code = (
        "from dmzwatch.cli._progress import progress, track\n"
        "with progress('Working', total=2) as advance:\n"
        "    advance(2)\n"
        "with progress('Spinning'):\n"
        "    pass\n"
        "assert list(track(range(3), 'Tracking')) == [0, 1, 2]\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert (done.stdout, done.stderr) == ("", "")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str], stderr: Terminal) -> str:
    """Run a command; its stdout (what was drawn on the terminal is left in ``stderr``)."""
    stderr.seek(0)
    stderr.truncate()
    code = main(argv)
    assert code == 0, stderr.getvalue()
    return capsys.readouterr().out


def test_long_commands_draw_bars_but_never_with_json(
    events_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    terminal: Callable[[], Terminal],
) -> None:
    stderr = terminal()
    db = str(tmp_path / "events.db")
    report = ["report", "--db", db, "--date", "2018-11-24", "--out", str(tmp_path), "--no-pdf"]
    evaluate = ["patrol", "evaluate", "--days", "5", "--runs", "1", "--start", "2019-12-01"]
    commands: list[tuple[list[str], str, set[str]]] = [
        (["ingest", str(events_csv), "--db", db], "Ingesting", {"read", "stored"}),
        (["check", "-s", "idlib-2018", "--db", db], "Checking", {"findings", "by_rule"}),
        (report, "Building the report", {"violations", "files"}),
        (evaluate, "Simulating violators", {"plan", "round_robin", "intervals"}),
        (["patrol", "bench", "--sectors", "20", "--units", "2"], "Solving", {"speedup"}),
    ]
    for argv, description, keys in commands:
        out = _run([*argv, "--json"], capsys, stderr)
        assert stderr.getvalue() == "", argv  # --json: no bar, even on a terminal
        assert keys <= set(json.loads(out)), argv  # and stdout is one JSON document
        out = _run(argv, capsys, stderr)
        assert description in stderr.getvalue(), argv  # on a terminal: a bar
        assert description not in out and "\x1b" not in out  # and stdout stays clean
