"""The security game and its strong Stackelberg equilibrium, solved exactly.

The defender (the patrolling parties) commits to a coverage vector ``c``: the probability that
each target (sector) is patrolled on a given day. The attacker (a violator) watches, learns
``c`` and acts in the target that is best for it; ties are broken in the defender's favour
(the *strong* Stackelberg equilibrium, SSE).

Payoffs per target ``i``: the attacker gets ``attacker_uncovered[i]`` when ``i`` is not
patrolled and ``attacker_covered[i]`` when it is; the defender ``defender_covered[i]`` /
``defender_uncovered[i]``. Feasible coverage: ``0 <= c[i] <= cap[i] <= 1`` and, for every
resource group ``g`` (the sectors one base's units patrol), ``sum(c[group == g]) <= budget[g]``.

:func:`solve_sse` is an ORIGAMI-style algorithm (Kiekintveld et al., AAMAS 2009) extended to
disjoint resource groups and per-target caps. It rests on one fact: in the multiple-LP
formulation (Conitzer & Sandholm 2006) the LP for an attacked target ``t`` reduces to "lower
the attacker's utility level ``U`` as far as the budgets allow", and that lowest level ``U*``
is the same for every ``t``. The equilibrium then attacks the target, among those that can
reach ``U*``, where the defender does best. Every solution carries a certificate: an attacker
mixed strategy whose LP-dual value bounds ``U*`` from below, turned into a bound on the
defender's value (:attr:`Equilibrium.gap`).

>>> import numpy as np
>>> game = SecurityGame.from_values(np.array([3.0, 2.0, 1.0]), budget=1.0)
>>> eq = solve_sse(game)
>>> eq.coverage.round(3).tolist(), eq.target, round(eq.defender_value, 3), eq.gap < 1e-9
([0.485, 0.394, 0.121], 2, -0.879, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Equilibrium", "SecurityGame", "group_level", "solve_sse"]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class SecurityGame:
    """Payoffs, caps and resource groups of a security game (one entry per target)."""

    attacker_uncovered: Floats
    attacker_covered: Floats
    defender_covered: Floats
    defender_uncovered: Floats
    group: Ints
    budget: Floats
    cap: Floats
    labels: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.attacker_uncovered)
        arrays = (self.attacker_covered, self.defender_covered, self.defender_uncovered)
        if any(len(a) != n for a in (*arrays, self.group, self.cap)):
            raise ValueError("every per-target array needs one entry per target")
        if n == 0:
            raise ValueError("a security game needs at least one target")
        if np.any(self.attacker_covered > self.attacker_uncovered + _TOL):
            raise ValueError("the attacker must not gain from being caught: covered <= uncovered")
        if np.any(self.defender_covered < self.defender_uncovered - _TOL):
            raise ValueError("the defender must not lose from covering: covered >= uncovered")
        if np.any((self.cap < 0) | (self.cap > 1)):
            raise ValueError("caps are probabilities in [0, 1]")
        if np.any(self.budget < 0):
            raise ValueError("budgets must not be negative")
        if np.any((self.group < 0) | (self.group >= len(self.budget))):
            raise ValueError("every target's group must index a budget")

    @property
    def n(self) -> int:
        """Number of targets."""
        return len(self.attacker_uncovered)

    @classmethod
    def from_values(
        cls,
        values: ArrayLike,
        *,
        budget: float | ArrayLike,
        group: ArrayLike | None = None,
        cap: ArrayLike | None = None,
        attacker_penalty: float = 0.5,
        defender_reward: float = 0.0,
        labels: tuple[str, ...] = (),
    ) -> SecurityGame:
        """A game from target values ``v``: the violator gains ``v`` when unseen and loses
        ``attacker_penalty * v`` when caught; the defender loses ``v`` or gains
        ``defender_reward * v``."""
        v = np.asarray(values, dtype=np.float64)
        n = len(v)
        return cls(
            attacker_uncovered=v.copy(),
            attacker_covered=-attacker_penalty * v,
            defender_covered=defender_reward * v,
            defender_uncovered=-v,
            group=np.zeros(n, np.int64) if group is None else np.asarray(group, np.int64),
            budget=np.atleast_1d(np.asarray(budget, dtype=np.float64)),
            cap=np.ones(n) if cap is None else np.asarray(cap, dtype=np.float64),
            labels=labels,
        )

    def attacker_utility(self, coverage: Floats) -> Floats:
        """The attacker's expected utility at every target under ``coverage``."""
        a, d = self.attacker_uncovered, self.attacker_uncovered - self.attacker_covered
        return np.asarray(a - coverage * d, dtype=np.float64)

    def defender_utility(self, coverage: Floats) -> Floats:
        """The defender's expected utility if the attacker acts at each target."""
        gain = self.defender_covered - self.defender_uncovered
        return np.asarray(self.defender_uncovered + coverage * gain, dtype=np.float64)

    def is_feasible(self, coverage: Floats, tol: float = 1e-7) -> bool:
        """Whether ``coverage`` respects caps and budgets (within ``tol``)."""
        used = np.bincount(self.group, weights=coverage, minlength=len(self.budget))
        return bool(
            np.all(coverage >= -tol)
            and np.all(coverage <= self.cap + tol)
            and np.all(used <= self.budget + tol)
        )


@dataclass(frozen=True, slots=True)
class Equilibrium:
    """A strong Stackelberg equilibrium.

    ``defender_value`` is the defender's expected utility, ``attacker_value`` the attacker's
    (``U*``), ``target`` the attacked target, ``attack_set`` every target that is a best
    response, ``gap`` an upper bound on how far ``defender_value`` is from optimal, and
    ``status`` the solver's word for the outcome.
    """

    coverage: Floats
    target: int
    defender_value: float
    attacker_value: float
    attack_set: Ints
    gap: float
    status: str = "optimal"
    solver: str = "origami"


def group_level(uncovered: Floats, delta: Floats, budget: float) -> tuple[float, NDArray[np.bool_]]:
    """The lowest attacker utility level ``U`` that ``budget`` coverage can enforce on a group.

    ``U`` solves ``sum(max(0, (uncovered - U) / delta)) == budget`` over the targets with
    ``delta > 0`` (ORIGAMI's water filling); returns ``(U, support)`` where ``support`` marks
    the targets that need coverage at ``U``. ``-inf`` when no target can be covered.

    >>> u, s = group_level(np.array([3.0, 2.0, 1.0]), np.array([1.0, 1.0, 1.0]), 1.0)
    >>> u, s.tolist()
    (2.0, [True, False, False])
    """
    live = delta > 0
    if not np.any(live):
        return -np.inf, np.zeros(len(uncovered), dtype=bool)
    idx = np.flatnonzero(live)
    order = idx[np.argsort(-uncovered[idx], kind="stable")]
    a, inv = uncovered[order], 1.0 / delta[order]
    s = np.cumsum(a * inv)
    r = np.cumsum(inv)
    # coverage needed to bring the first k targets down to the (k+1)-th one's level
    nxt = np.append(a[1:], -np.inf)
    need_at_next = s - nxt * r
    k = int(np.searchsorted(need_at_next, budget, side="left"))  # first k with need > budget
    k = min(k, len(a) - 1)
    level = float((s[k] - budget) / r[k])
    support = np.zeros(len(uncovered), dtype=bool)
    support[order[: k + 1]] = True
    return level, support


def solve_sse(game: SecurityGame) -> Equilibrium:
    """The strong Stackelberg equilibrium of ``game`` (exact; O(n log n))."""
    a = game.attacker_uncovered
    delta = a - game.attacker_covered
    # lowest level each target can be pushed to within its cap (a target that cannot be
    # covered, delta == 0 or cap == 0, stays at its uncovered utility)
    cap_floor = a - game.cap * delta
    level = float(np.max(cap_floor))
    for g in range(len(game.budget)):
        members = np.flatnonzero(game.group == g)
        if len(members):
            g_level, _ = group_level(a[members], delta[members], float(game.budget[g]))
            level = max(level, g_level)
    need = _need(a, delta, level, game.cap)
    candidates = np.flatnonzero(a >= level - _TOL * max(1.0, abs(level)))
    own = _own_coverage(game, delta, need, candidates)
    values = game.defender_utility(own)[candidates]
    target = int(candidates[int(np.argmax(values))])
    defender_value = float(np.max(values))
    need[target] = own[target]
    coverage = _fill(game, need, target, delta)
    lower = _dual_bound(game, delta, level)
    upper = _defender_bound(game, delta, lower, need)
    utilities = game.attacker_utility(coverage)
    best = float(np.max(utilities))
    attack_set = np.flatnonzero(utilities >= best - 1e-9 * max(1.0, abs(best)))
    return Equilibrium(
        coverage=coverage,
        target=target,
        defender_value=defender_value,
        attacker_value=level,
        attack_set=attack_set.astype(np.int64),
        gap=max(0.0, upper - defender_value),
    )


def _need(a: Floats, delta: Floats, level: float, cap: Floats) -> Floats:
    """Coverage that brings every target down to ``level`` (within its cap)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(delta > 0, (a - level) / delta, 0.0)
    return np.asarray(np.clip(raw, 0.0, cap), dtype=np.float64)


def _own_coverage(game: SecurityGame, delta: Floats, need: Floats, candidates: Ints) -> Floats:
    """Each candidate target's coverage in its own LP: ``need`` where coverage lowers the
    attacker's utility; where it does not (``delta == 0``) the attacker's level is fixed at
    ``a_t`` and the defender covers ``t`` with what its group has left at that level."""
    own = need.copy()
    a = game.attacker_uncovered
    for t in candidates[delta[candidates] <= 0]:
        g = game.group[t]
        others = np.flatnonzero((game.group == g) & (np.arange(game.n) != t))
        used = float(np.sum(_need(a[others], delta[others], float(a[t]), game.cap[others])))
        own[t] = max(0.0, min(float(game.cap[t]), float(game.budget[g]) - used))
    return own


def _fill(game: SecurityGame, need: Floats, target: int, delta: Floats) -> Floats:
    """Spend what the equilibrium leaves of each budget: lower the attacker's utility on the
    other targets of each group (never on the attacked target, which must stay a best
    response), each group to its own lowest level."""
    coverage = need.copy()
    a = game.attacker_uncovered
    for g in range(len(game.budget)):
        members = np.flatnonzero((game.group == g) & (np.arange(game.n) != target))
        if not len(members):
            continue
        budget = float(game.budget[g]) - (coverage[target] if game.group[target] == g else 0.0)
        caps = game.cap[members]
        if np.sum(caps) <= budget:
            coverage[members] = caps
            continue
        lo = float(np.min(a[members] - caps * delta[members]))
        hi = float(np.max(a[members]))
        lo = min(lo, hi)
        # the used coverage is monotone in the level: bisection to machine precision, then
        # the exact level on the final breakpoint interval
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if np.sum(_need(a[members], delta[members], mid, caps)) > budget:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-15 * max(1.0, abs(hi)):
                break
        coverage[members] = np.maximum(need[members], _need(a[members], delta[members], hi, caps))
    return coverage


def _dual_bound(game: SecurityGame, delta: Floats, level: float) -> float:
    """A lower bound on the attacker's level ``U*`` from the LP dual.

    The dual of "min U s.t. c_i >= (a_i - U)/delta_i, caps, budgets" is an attacker mixed
    strategy ``y``; its value is ``y.a - sum_g min_z [z*budget_g + sum_i cap_i*max(0,
    delta_i*y_i - z)]``. Candidates: the target whose cap sets ``U*`` and, for every group,
    ``y ~ 1/delta`` on the targets its water filling supports.
    """
    a = game.attacker_uncovered
    candidates: list[Floats] = []
    y = np.zeros(game.n)
    y[int(np.argmax(a - game.cap * delta))] = 1.0
    candidates.append(y)
    for g in range(len(game.budget)):
        members = np.flatnonzero(game.group == g)
        if not len(members):
            continue
        _, support = group_level(a[members], delta[members], float(game.budget[g]))
        if np.any(support):
            y = np.zeros(game.n)
            sel = members[support]
            y[sel] = 1.0 / delta[sel]
            y /= y.sum()
            candidates.append(y)
    return max(_dual_value(game, delta, y) for y in candidates)


def _dual_value(game: SecurityGame, delta: Floats, y: Floats) -> float:
    value = float(y @ game.attacker_uncovered)
    for g in range(len(game.budget)):
        members = np.flatnonzero(game.group == g)
        b = delta[members] * y[members]
        u = game.cap[members]
        order = np.argsort(-b)
        b, u = b[order], u[order]
        # h(z) = z*budget + sum u_j max(0, b_j - z) is convex; its minimum is at 0 or a b_k
        points = np.append(b, 0.0)
        cu = np.append(0.0, np.cumsum(u))  # sum of u_j over b_j > points[k]
        cub = np.append(0.0, np.cumsum(u * b))
        h = points * float(game.budget[g]) + (cub - cu * points)
        value -= float(np.min(h))
    return value


def _defender_bound(game: SecurityGame, delta: Floats, lower: float, own: Floats) -> float:
    """An upper bound on the defender's value from a lower bound on ``U*``: each target's LP
    can reach at best the coverage that brings it down to ``lower`` (targets where coverage
    does not move the attacker are exact in ``own``)."""
    a = game.attacker_uncovered
    reach = a >= lower - _TOL * max(1.0, abs(lower))
    cover = _need(a, delta, lower, game.cap)
    fixed = np.flatnonzero(reach & (delta <= 0))
    cover[fixed] = _own_coverage(game, delta, own, fixed)[fixed]
    best = game.defender_utility(cover)
    return float(np.max(best[reach])) if np.any(reach) else float(np.max(best))
