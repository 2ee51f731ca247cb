"""Timing the specialised solver against HiGHS on the same game (``dmzwatch patrol bench``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .game import SecurityGame, solve_sse
from .milp import solve_sse_milp

__all__ = ["random_game", "run_bench"]


def random_game(sectors: int, units: int, seed: int = 0, per_unit: int = 4) -> SecurityGame:
    """A patrol-shaped game: ``sectors`` along a line in ``units`` areas of responsibility,
    one unit each patrolling ``per_unit`` sectors a day, log-normal values.

    >>> random_game(10, 2).budget.tolist()
    [4.0, 4.0]
    """
    rng = np.random.default_rng(seed)
    values = 0.1 + rng.lognormal(0.0, 1.0, sectors)
    group = np.minimum(np.arange(sectors) * units // sectors, units - 1)
    return SecurityGame.from_values(values, budget=np.full(units, float(per_unit)), group=group)


def run_bench(
    *, sectors: int = 2000, units: int = 20, seed: int = 0, time_limit: float = 300.0
) -> dict[str, Any]:
    """Solve one random game with :func:`solve_sse` (best of 5) and with the HiGHS MILP."""
    game = random_game(sectors, units, seed)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        eq = solve_sse(game)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    ref = solve_sse_milp(game, time_limit=time_limit)
    milp_s = time.perf_counter() - t0
    fast = min(times)
    return {
        "sectors": sectors,
        "units": units,
        "seed": seed,
        "origami_seconds": fast,
        "origami_value": eq.defender_value,
        "origami_gap": eq.gap,
        "milp_seconds": milp_s,
        "milp_value": ref.defender_value,
        "milp_status": ref.status,
        "speedup": milp_s / fast if fast > 0 else float("inf"),
        "value_difference": abs(eq.defender_value - ref.defender_value),
    }
