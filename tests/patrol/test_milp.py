"""The HiGHS reference formulations."""

from __future__ import annotations

import numpy as np
import pytest

from dmzwatch.patrol.bench import random_game, run_bench
from dmzwatch.patrol.game import solve_sse
from dmzwatch.patrol.milp import solve_lp, solve_sse_milp, solve_sse_multiple_lp


def test_solve_lp_solves_a_small_lp() -> None:
    # max x + y s.t. x + 2y <= 4, 3x + y <= 6
    rows = [
        (np.array([0, 1]), np.array([1.0, 2.0]), -np.inf, 4.0),
        (np.array([0, 1]), np.array([3.0, 1.0]), -np.inf, 6.0),
    ]
    res = solve_lp(np.ones(2), np.zeros(2), np.full(2, np.inf), rows, maximize=True)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(2.8)
    assert res.x.tolist() == pytest.approx([1.6, 1.2])


def test_all_three_solvers_agree_on_a_patrol_shaped_game() -> None:
    game = random_game(24, 3, seed=5)
    values = [solve_sse(game), solve_sse_multiple_lp(game), solve_sse_milp(game)]
    assert max(v.defender_value for v in values) - min(v.defender_value for v in values) < 1e-6


def test_bench_reports_both_timings() -> None:
    result = run_bench(sectors=40, units=4, seed=1)
    assert result["milp_status"] == "optimal"
    assert result["value_difference"] < 1e-6
    assert result["origami_seconds"] > 0 and result["milp_seconds"] > 0
