"""The core loads no web, database or CLI library (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

CORE = [
    "dmzwatch",
    "dmzwatch.agreement.loader",
    "dmzwatch.geo.zones",
    "dmzwatch.geo.classify",
    "dmzwatch.geo.grid",
    "dmzwatch.geo.distance",
    "dmzwatch.scenario",
    "dmzwatch.patrol",
    "dmzwatch.patrol.milp",
    "dmzwatch.patrol.bench",
    "dmzwatch.events.model",
    "dmzwatch.events.columns",
    "dmzwatch.events.infer",
    "dmzwatch.events.precision",
    "dmzwatch.events.validate",
    "dmzwatch.events._json",
    "dmzwatch.events._sha",
    "dmzwatch.geo.uncertainty",
    "dmzwatch.rules",
    "dmzwatch.rules.engine",
    "dmzwatch.rules.humanitarian",
]
FORBIDDEN = [
    "typer",
    "click",
    "rich",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "requests",
    "sqlite3",
    "pyarrow",
    "cryptography",
    "psycopg",
    "psycopg2",
    "sqlalchemy",
    "pyogrio",
    "dmzwatch.cli",
    "dmzwatch.export",
    "dmzwatch.report",
    "dmzwatch.api",
    "dmzwatch.store",
    "pydantic_settings",
    "playwright",
    "schemathesis",
    "dask",
    "distributed",
    "dmzwatch.scale",
]


def test_core_imports_no_adapter_library() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    offending = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN or m in FORBIDDEN)
    offending = [m for m in offending if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert offending == []


def test_the_check_would_see_an_adapter() -> None:
    code = "import dmzwatch.cli, sys; print('typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
