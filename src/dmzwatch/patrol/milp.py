"""The same security game written as generic LPs / a MILP and solved with HiGHS.

These are the textbook formulations, kept as references: :func:`solve_sse_multiple_lp`
(Conitzer & Sandholm 2006: one LP per attacked target, keep the best) and
:func:`solve_sse_milp` (the single MILP of DOBSS/ERASER: a binary attacker choice with big-M
best-response constraints). Tests check :func:`~dmzwatch.patrol.game.solve_sse` against them;
``dmzwatch patrol bench`` times them.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from .game import Equilibrium, Floats, SecurityGame

__all__ = ["LpResult", "solve_lp", "solve_sse_milp", "solve_sse_multiple_lp"]

_INF = highspy.kHighsInf


@dataclass(frozen=True, slots=True)
class LpResult:
    """What HiGHS returned: ``status`` in words, ``objective``, ``x`` and the MIP gap."""

    status: str
    objective: float
    x: Floats
    mip_gap: float


def solve_lp(
    cost: Floats,
    lower: Floats,
    upper: Floats,
    rows: list[tuple[NDArray[np.int64], Floats, float, float]],
    *,
    integer: NDArray[np.bool_] | None = None,
    maximize: bool = False,
    time_limit: float | None = None,
) -> LpResult:
    """Solve ``min/max cost.x`` s.t. ``lo <= a.x <= hi`` for each row ``(index, a, lo, hi)``."""
    h = highspy._Highs()  # type: ignore[attr-defined]  # the class without the banner
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    n = len(cost)
    starts = np.zeros(len(rows) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(r[0]) for r in rows])
    index = np.concatenate([r[0] for r in rows]).astype(np.int32) if rows else np.zeros(0, np.int32)
    value = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0)
    integrality = np.zeros(n, np.int32) if integer is None else integer.astype(np.int32)
    h.passModel(
        n,
        len(rows),
        len(index),
        2,  # row-wise
        -1 if maximize else 1,
        0.0,
        np.asarray(cost, np.float64),
        np.asarray(lower, np.float64),
        np.asarray(upper, np.float64),
        np.array([r[2] for r in rows], np.float64),
        np.array([r[3] for r in rows], np.float64),
        starts[:-1] if len(rows) else np.zeros(0, np.int32),
        index,
        np.asarray(value, np.float64),
        integrality,
    )
    h.run()
    status = h.modelStatusToString(h.getModelStatus()).lower()
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    gap = float(info.mip_gap) if integer is not None else 0.0
    return LpResult(status, float(info.objective_function_value), x, gap)


def _budget_rows(
    game: SecurityGame, offset: int = 0
) -> list[tuple[NDArray[np.int64], Floats, float, float]]:
    rows = []
    for g, budget in enumerate(game.budget):
        members = np.flatnonzero(game.group == g) + offset
        if len(members):
            rows.append((members, np.ones(len(members)), -_INF, float(budget)))
    return rows


def solve_sse_multiple_lp(game: SecurityGame) -> Equilibrium:
    """The SSE by one LP per target: maximise the defender's utility at ``t`` subject to
    ``t`` being a best response; the best of the feasible LPs wins."""
    a = game.attacker_uncovered
    delta = a - game.attacker_covered
    gain = game.defender_covered - game.defender_uncovered
    best: tuple[float, int, Floats] | None = None
    for t in range(game.n):
        rows = _budget_rows(game)
        for i in range(game.n):
            if i != t:  # a_i - delta_i c_i <= a_t - delta_t c_t
                idx = np.array([i, t], np.int64)
                rows.append((idx, np.array([-delta[i], delta[t]]), -_INF, float(a[t] - a[i])))
        cost = np.zeros(game.n)
        cost[t] = gain[t]
        res = solve_lp(cost, np.zeros(game.n), game.cap.copy(), rows, maximize=True)
        if res.status != "optimal":
            continue
        value = float(game.defender_uncovered[t] + res.objective)
        if best is None or value > best[0] + 1e-12:
            best = (value, t, res.x)
    if best is None:  # pragma: no cover - zero coverage is always feasible for some target
        raise RuntimeError("no LP was feasible")
    value, t, x = best
    return _equilibrium(game, x, t, value, "multiple-lp")


def solve_sse_milp(game: SecurityGame, *, time_limit: float | None = None) -> Equilibrium:
    """The SSE as one MILP (DOBSS/ERASER form) solved by HiGHS.

    Variables: coverage ``c`` (n), attacker choice ``q`` (n, binary), attacker value ``k``,
    defender value ``d``. Maximise ``d`` s.t. ``sum q = 1``, budgets, and for every target
    ``0 <= k - U_a(i) <= (1 - q_i) M`` and ``d - U_d(i) <= (1 - q_i) M``.
    """
    n = game.n
    a = game.attacker_uncovered
    delta = a - game.attacker_covered
    gain = game.defender_covered - game.defender_uncovered
    big_a = float(np.max(a) - np.min(game.attacker_covered)) + 1.0
    big_d = float(np.max(game.defender_covered) - np.min(game.defender_uncovered)) + 1.0
    k, d = 2 * n, 2 * n + 1
    rows = _budget_rows(game)
    rows.append((np.arange(n, 2 * n, dtype=np.int64), np.ones(n), 1.0, 1.0))
    for i in range(n):
        # k - a_i + delta_i c_i >= 0  and  k - a_i + delta_i c_i + M q_i <= M
        idx = np.array([k, i], np.int64)
        rows.append((idx, np.array([1.0, delta[i]]), float(a[i]), _INF))
        idx3 = np.array([k, i, n + i], np.int64)
        rows.append((idx3, np.array([1.0, delta[i], big_a]), -_INF, float(a[i] + big_a)))
        # d - (du_i + gain_i c_i) + M q_i <= M
        idx3 = np.array([d, i, n + i], np.int64)
        rows.append(
            (
                idx3,
                np.array([1.0, -gain[i], big_d]),
                -_INF,
                float(game.defender_uncovered[i] + big_d),
            )
        )
    lower = np.concatenate([np.zeros(2 * n), [-_INF, -_INF]])
    upper = np.concatenate([game.cap, np.ones(n), [_INF, _INF]])
    cost = np.zeros(2 * n + 2)
    cost[d] = 1.0
    integer = np.zeros(2 * n + 2, dtype=bool)
    integer[n : 2 * n] = True
    res = solve_lp(cost, lower, upper, rows, integer=integer, maximize=True, time_limit=time_limit)
    c = np.clip(res.x[:n], 0.0, game.cap)
    t = int(np.argmax(res.x[n : 2 * n]))
    return _equilibrium(game, c, t, float(res.x[d]), "milp", res.status, res.mip_gap)


def _equilibrium(
    game: SecurityGame,
    coverage: Floats,
    target: int,
    value: float,
    solver: str,
    status: str = "optimal",
    gap: float = 0.0,
) -> Equilibrium:
    utilities = game.attacker_utility(coverage)
    best = float(np.max(utilities))
    attack_set = np.flatnonzero(utilities >= best - 1e-7 * max(1.0, abs(best)))
    return Equilibrium(
        coverage=coverage,
        target=target,
        defender_value=value,
        attacker_value=float(utilities[target]),
        attack_set=attack_set.astype(np.int64),
        gap=abs(gap) * max(1.0, abs(value)),
        status=status,
        solver=solver,
    )
