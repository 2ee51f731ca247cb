"""The command line starts without loading what its commands need only when they run.

``import dmzwatch.cli`` (every ``dmzwatch`` command, ``--help`` included) must not import
the geometry, solver, validation, storage or crypto libraries: each command imports them
when it runs. Checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import dmzwatch
from dmzwatch.cli import events as cli_events
from dmzwatch.cli import records as cli_records

#: Imported only by the commands that need them.
LAZY = [
    "numpy",
    "scipy",
    "numba",
    "shapely",
    "pyproj",
    "pydantic",
    "pyarrow",
    "cryptography",
    "highspy",
    "uvicorn",
    "fastapi",
    "dmzwatch.agreement",
    "dmzwatch.agreement.loader",
    "dmzwatch.geo",
    "dmzwatch.geo._kernels",
    "dmzwatch.geo.classify",
    "dmzwatch.patrol",
    "dmzwatch.patrol.plan",
    "dmzwatch.events",
    "dmzwatch.events.readers",
    "dmzwatch.rules",
    "dmzwatch.scenario",
    "dmzwatch.store",
    "dmzwatch.store.bundle",
    "dmzwatch.report",
    "dmzwatch.export",
    "dmzwatch.api",
]


def _loaded(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in LAZY))


@pytest.mark.parametrize(
    "code", ["import dmzwatch.cli", "import dmzwatch", "import dmzwatch.errors"]
)
def test_import_loads_no_heavy_module(code: str) -> None:
    assert _heavy(_loaded(code)) == []


def test_help_loads_no_heavy_module() -> None:
    code = (
        "from dmzwatch.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0"
    )
    assert _heavy(_loaded(code)) == []


def test_a_command_refusing_a_missing_store_loads_no_heavy_module(tmp_path: Path) -> None:
    """``verify`` on a mistyped path fails before it needs the store (typer itself loads
    pydantic to convert a subcommand's option values, so that one is let through)."""
    code = (
        "from dmzwatch.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stderr(io.StringIO()) as err:\n"
        f"    assert main(['verify', '--db', {str(tmp_path / 'missing.db')!r}]) == 2\n"
        "assert 'no store at' in err.getvalue()"
    )
    heavy = _heavy(_loaded(code))
    assert [m for m in heavy if m.split(".")[0] != "pydantic"] == []


def test_the_check_sees_a_heavy_module() -> None:
    """A command that runs does import them (the check above is not vacuous)."""
    loaded = _loaded("from dmzwatch import Scenario")
    assert {"numpy", "dmzwatch.scenario", "dmzwatch.geo.classify"} <= loaded


@pytest.mark.parametrize("name", dmzwatch.__all__)
def test_every_public_name_still_imports(name: str) -> None:
    """``from dmzwatch import X`` works for every X, in a fresh interpreter."""
    loaded = _loaded(f"from dmzwatch import {name}")
    assert "dmzwatch" in loaded
    assert getattr(dmzwatch, name) is not None


def test_public_names_are_the_defining_modules_objects() -> None:
    from dmzwatch.agreement.loader import load_agreement
    from dmzwatch.agreement.model import Agreement
    from dmzwatch.geo.zones import Zone, ZoneBand
    from dmzwatch.scenario import Scenario, load_scenario

    assert dmzwatch.load_agreement is load_agreement and dmzwatch.Agreement is Agreement
    assert dmzwatch.Zone is Zone and dmzwatch.ZoneBand is ZoneBand
    assert dmzwatch.Scenario is Scenario and dmzwatch.load_scenario is load_scenario
    assert set(dmzwatch.__all__) <= set(dir(dmzwatch))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = dmzwatch.Nothing  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        exec("from dmzwatch import Nothing", {})


def test_the_help_lists_the_readers_formats() -> None:
    """The ingest help names the formats without importing the readers: the same ones."""
    from dmzwatch.events.readers import FORMATS

    assert cli_events.FORMATS == FORMATS


def test_the_help_lists_the_event_kinds() -> None:
    """The events help names the kinds without importing the event model: the same ones."""
    from dmzwatch.events.model import EventKind

    assert tuple(k.value for k in EventKind) == cli_records.EVENT_KINDS
