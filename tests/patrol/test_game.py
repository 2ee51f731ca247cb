"""The SSE solver: exact against HiGHS (one LP per attacked target) on hypothesis games."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmzwatch.patrol.game import SecurityGame, group_level, solve_sse
from dmzwatch.patrol.milp import solve_sse_milp, solve_sse_multiple_lp


@st.composite
def games(draw: st.DrawFn, max_targets: int = 6) -> SecurityGame:
    n = draw(st.integers(1, max_targets))
    groups = draw(st.integers(1, 3))
    num = st.floats(0, 5, allow_nan=False).map(lambda x: round(x, 2))
    au = np.array(draw(st.lists(num, min_size=n, max_size=n)))
    # some targets where coverage changes nothing for the attacker (delta == 0)
    delta = np.array(draw(st.lists(num, min_size=n, max_size=n)))
    dc = np.array(draw(st.lists(num, min_size=n, max_size=n))) - 2
    gain = np.array(draw(st.lists(num, min_size=n, max_size=n)))
    cap = np.array(draw(st.lists(st.sampled_from([0.0, 0.3, 0.75, 1.0]), min_size=n, max_size=n)))
    group = np.array(draw(st.lists(st.integers(0, groups - 1), min_size=n, max_size=n)))
    budget = np.array(draw(st.lists(num.map(lambda x: x / 2), min_size=groups, max_size=groups)))
    return SecurityGame(au, au - delta, dc, dc - gain, group, budget, cap)


@settings(max_examples=150, deadline=None)
@given(games())
def test_solve_sse_matches_the_lp_per_target_brute_force(game: SecurityGame) -> None:
    eq = solve_sse(game)
    ref = solve_sse_multiple_lp(game)
    assert abs(eq.defender_value - ref.defender_value) <= 1e-6
    assert eq.gap <= 1e-6
    assert game.is_feasible(eq.coverage)
    # the attacked target is a best response, and it pays the defender what was promised
    utilities = game.attacker_utility(eq.coverage)
    assert utilities[eq.target] >= utilities.max() - 1e-9
    assert eq.target in eq.attack_set
    assert abs(game.defender_utility(eq.coverage)[eq.target] - eq.defender_value) <= 1e-9
    assert abs(utilities.max() - eq.attacker_value) <= 1e-7


@settings(max_examples=40, deadline=None)
@given(games(max_targets=5))
def test_the_milp_formulation_agrees(game: SecurityGame) -> None:
    # HiGHS meets the MILP's constraints only to its feasibility tolerance (its
    # mip_feasibility_tolerance is 1e-6 by default): the values agree to a few 1e-6
    assert abs(solve_sse(game).defender_value - solve_sse_milp(game).defender_value) <= 5e-6


def test_more_resources_never_hurt_the_defender() -> None:
    rng = np.random.default_rng(7)
    values = rng.lognormal(0, 1, 40)
    last = -np.inf
    for budget in np.linspace(0, 40, 17):
        eq = solve_sse(SecurityGame.from_values(values, budget=budget))
        assert eq.defender_value >= last - 1e-12
        last = eq.defender_value
    assert last == pytest.approx(0.0)  # enough units to cover everything


def test_uncoverable_targets_bound_the_violator() -> None:
    game = SecurityGame.from_values([5.0, 1.0, 1.0], budget=2.0, cap=[1.0, 1.0, 0.0])
    eq = solve_sse(game)
    assert eq.attacker_value == pytest.approx(1.0)  # the uncapped sector at value 1
    assert eq.coverage[2] == 0.0


def test_group_level_water_fills() -> None:
    a = np.array([4.0, 3.0, 1.0])
    level, support = group_level(a, np.ones(3), 1.5)
    assert level == pytest.approx(2.75)
    assert support.tolist() == [True, True, False]
    assert np.sum(np.maximum(0, a - level)) == pytest.approx(1.5)


def test_invalid_games_are_refused() -> None:
    with pytest.raises(ValueError, match="attacker must not gain"):
        SecurityGame.from_values([1.0], budget=1.0, attacker_penalty=-2.0)
    with pytest.raises(ValueError, match="caps"):
        SecurityGame.from_values([1.0], budget=1.0, cap=[1.5])
