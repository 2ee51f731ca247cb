"""Offline HTML map preview of a scenario (placeholder until the SVG renderer lands)."""

from __future__ import annotations

from pathlib import Path

from ..scenario import Scenario

__all__ = ["write_preview"]


def write_preview(scenario: Scenario, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{scenario.name}-map.html"
    path.write_text("<!doctype html><title>map</title>", encoding="utf-8")
    return path
