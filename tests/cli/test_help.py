"""Every command, subcommand and group of ``dmzwatch`` shows an example in ``--help``, and
every example is a command line that the CLI accepts."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from dmzwatch.cli import app, main
from dmzwatch.cli._help import examples


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


TREE = dict(_walk(typer.main.get_command(app)))


def _example_lines(help_text: str) -> list[str]:
    """The lines of the Example(s) block that follows the options."""
    lines = [line.strip(" │") for line in help_text.splitlines()]
    heads = [i for i, line in enumerate(lines) if line in ("Example:", "Examples:")]
    assert heads, "no Example: heading"
    return [line for line in lines[heads[-1] + 1 :] if line.startswith("dmzwatch")]


def test_the_walk_reaches_every_group_and_command() -> None:
    groups = {p for p, c in TREE.items() if hasattr(c, "commands")}
    assert {(), ("keys",), ("patrol",), ("tokens",)} <= groups
    leaves = {" ".join(p) for p, c in TREE.items() if not hasattr(c, "commands")}
    assert {"ingest", "check", "report", "classify", "serve"} <= leaves
    assert {"keys create", "tokens create", "tokens list", "tokens revoke"} <= leaves
    assert {"patrol plan", "patrol evaluate", "patrol bench"} <= leaves
    assert len(leaves) >= 24


@pytest.mark.parametrize("path", sorted(TREE), ids=lambda p: " ".join(p) or "dmzwatch")
def test_help_shows_an_example(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    prefix = " ".join(("dmzwatch", *path))
    found = _example_lines(out)
    assert found and all(line.startswith("dmzwatch ") for line in found)
    if path:  # a command's own examples run that command
        assert any(line.startswith(prefix + " ") or line == prefix for line in found), found


EXAMPLES = sorted(
    {line.strip() for command in TREE.values() for line in (command.epilog or "").split("\n\n")[1:]}
)


def test_examples_were_collected() -> None:
    assert len(EXAMPLES) >= len(TREE)


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_parses(example: str) -> None:
    """Options, choices, types and required options of every example are right."""
    words = shlex.split(example)
    assert words[0] == "dmzwatch"
    command: Any = TREE[()]
    depth = 1
    while hasattr(command, "commands") and depth < len(words) and words[depth] in command.commands:
        command = command.commands[words[depth]]
        depth += 1
    assert not hasattr(command, "commands"), f"{example!r} names no command"
    ctx = command.make_context(" ".join(words[:depth]), words[depth:])
    ctx.close()


def test_examples_rejects_a_line_that_is_not_a_command() -> None:
    with pytest.raises(ValueError, match="dmzwatch"):
        examples("ingest events.csv")
    with pytest.raises(ValueError):
        examples()


#: Commands that print no results of their own to format as JSON, and why.
WITHOUT_JSON = {
    "serve": "runs the server; it logs on stderr and prints nothing on stdout",
    "classify": "writes its CSV of classified points (stdout or --out)",
}


def test_every_command_that_prints_results_has_json() -> None:
    lacking = {
        " ".join(path)
        for path, command in TREE.items()
        if not hasattr(command, "commands") and not any("--json" in p.opts for p in command.params)
    }
    assert lacking <= set(WITHOUT_JSON)
    assert "serve" in lacking
