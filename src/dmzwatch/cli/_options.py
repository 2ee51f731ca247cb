"""Options that several commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

from ._complete import complete_scenario

__all__ = ["DbOpt", "JsonOpt", "ScenarioOpt"]

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
