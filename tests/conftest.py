"""Shared fixtures: the built-in scenarios and the real UCDP events, loaded once per session.

Hypothesis: on CI (``CI`` set) examples are derandomized, so that a run is reproducible and a
red CI points at code, not at the draw; locally each run explores new examples, and a
failure found there is pinned with ``@example``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

import dmzwatch
from dmzwatch.events.model import Event
from dmzwatch.events.readers import read

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
"""The real UCDP GED extract (CC BY 4.0) of ../shared/data."""

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def idlib() -> dmzwatch.Scenario:
    return dmzwatch.load_scenario("idlib-2018")


@pytest.fixture(scope="session")
def m4() -> dmzwatch.Scenario:
    return dmzwatch.load_scenario("idlib-m4-2020")


@pytest.fixture(scope="session")
def minsk() -> dmzwatch.Scenario:
    return dmzwatch.load_scenario("minsk-2015")


@pytest.fixture(scope="session")
def ucdp_events() -> list[Event]:
    """The real UCDP GED rows read as events (rows with a problem left out)."""
    out: list[Event] = []
    for batch in read(UCDP, "ucdp"):
        bad = {p.row for p in batch.columns.problems}
        out += [batch.columns.event(i) for i in range(len(batch.columns)) if i not in bad]
    return out


@pytest.fixture
def geojson_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the GeoJSON reader parses from here on, one entry per parse."""
    from dmzwatch.events.readers import geojson

    parsed: list[Path] = []
    real = geojson._parse

    def parse(path: Path) -> object:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(geojson, "_parse", parse)
    return parsed


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """One PostgreSQL + PostGIS server for the whole run (store and API tests), stopped after."""
    from .store.conftest import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
