"""Options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._complete import complete_scenario

__all__ = ["DbOpt", "JsonOpt", "ScenarioOpt", "expand_user"]


def expand_user(path: Path | None) -> Path | None:
    """A path option with ``~`` expanded, as the shell does not in ``--out=~/x``."""
    return None if path is None else path.expanduser()


DbOpt = Annotated[str, typer.Option("--db", help="SQLite file or postgresql://... URL")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario",
        "-s",
        help="Built-in scenario name or path of an agreement .toml",
        autocompletion=complete_scenario,
    ),
]
