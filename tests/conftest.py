"""Shared fixtures: the built-in scenarios, loaded once per test session."""

from __future__ import annotations

import pytest

import dmzwatch


@pytest.fixture(scope="session")
def idlib() -> dmzwatch.Scenario:
    return dmzwatch.load_scenario("idlib-2018")


@pytest.fixture(scope="session")
def m4() -> dmzwatch.Scenario:
    return dmzwatch.load_scenario("idlib-m4-2020")


@pytest.fixture(scope="session")
def minsk() -> dmzwatch.Scenario:
    return dmzwatch.load_scenario("minsk-2015")
