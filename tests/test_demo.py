"""``make demo`` end to end, as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    run = subprocess.run(
        ["make", "-s", "demo", f"DEMO_OUT={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "area km²" in run.stdout and "core" in run.stdout and "fringe" in run.stdout
    geojson = json.loads((out / "idlib-2018-zones.geojson").read_text())
    assert geojson["type"] == "FeatureCollection"
    assert {f["properties"]["band"] for f in geojson["features"]} == {"core", "fringe"}
    assert all(shape(f["geometry"]).is_valid for f in geojson["features"])
    assert (out / "idlib-2018-zones.gpkg").read_bytes()[:16] == b"SQLite format 3\x00"
    html = (out / "idlib-2018-map.html").read_text()
    assert "<svg" in html
