"""The learning violator and the detection rates."""

from __future__ import annotations

import pytest

from dmzwatch.patrol.plan import Plan
from dmzwatch.patrol.simulate import simulate, wilson


def test_wilson_interval() -> None:
    r = wilson(0, 50)
    assert r.rate == 0 and r.low == 0 and 0 < r.high < 0.1
    r = wilson(30, 30)
    assert r.rate == 1 and r.high == 1 and r.low > 0.85
    assert wilson(0, 0).trials == 0


def test_randomized_plan_beats_predictable_baselines(idlib_plan: Plan) -> None:
    rates = simulate(idlib_plan, days=60, runs=4, seed=3)
    best = max(rates["round_robin"].rate, rates["highest_value"].rate)
    assert rates["plan"].rate >= 1.3 * best
    assert rates["plan"].low > best
    for r in rates.values():
        assert 0 <= r.low <= r.rate <= r.high <= 1
        assert r.trials == 240


def test_simulation_is_deterministic(idlib_plan: Plan) -> None:
    a = simulate(idlib_plan, days=20, runs=2, seed=5)
    b = simulate(idlib_plan, days=20, runs=2, seed=5)
    assert a == b
    assert a["plan"].rate == pytest.approx(a["plan"].detected / 40)
