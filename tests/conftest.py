"""Shared fixtures: the built-in scenarios, loaded once per test session.

Hypothesis: on CI (``CI`` set) examples are derandomized, so that a run is reproducible and a
red CI points at code, not at the draw; locally each run explores new examples, and a
failure found there is pinned with ``@example``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import dmzwatch

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
