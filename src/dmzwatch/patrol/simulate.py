"""How often patrols catch a violator who watches them and learns.

Every simulated day the violator acts in one sector. Before it acts it predicts, for each
sector, the chance of a patrol there today from every patrol it has seen so far, and it
picks the sector with the best expected payoff ``(1 - p) * v - p * penalty * v`` (ties at
random). Its predictor can find schedules that repeat: it mixes, for every period
``1..max_period`` days, the Krichevsky–Trofimov estimate ``(seen + 1/2) / (days + 1)`` of
the patrols on the days of today's phase, weighting each period by how well it predicted the
past at that sector (its log-likelihood there). A fixed rotation is learned within a few
cycles; a randomized plan's best prediction is its coverage.

Three patrol strategies, all with the same bases, areas and daily capacity:

* ``plan`` — dmzwatch's plan: a fresh draw from the equilibrium coverage every day;
* ``round_robin`` — each area works through its sectors in line order, ``capacity`` sectors
  a day per unit, and starts over;
* ``highest_value`` — each area patrols its most valuable sectors every day.

A violation is *detected* when a patrol is in its sector that day. Rates come with 95%
Wilson score intervals over all violations of all runs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .plan import Plan

__all__ = ["STRATEGIES", "Rate", "simulate", "wilson"]

Bools = NDArray[np.bool_]

STRATEGIES = ("plan", "round_robin", "highest_value")


@dataclass(frozen=True, slots=True)
class Rate:
    """A detection rate with its 95% confidence interval."""

    rate: float
    low: float
    high: float
    detected: int
    trials: int


def wilson(k: int, n: int, z: float = 1.959963984540054) -> Rate:
    """The Wilson score interval for ``k`` successes in ``n`` trials.

    >>> r = wilson(45, 90)
    >>> round(r.rate, 3), round(r.low, 3), round(r.high, 3)
    (0.5, 0.399, 0.601)
    """
    if n == 0:
        return Rate(0.0, 0.0, 1.0, 0, 0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Rate(p, low, high, k, n)


def simulate(
    plan: Plan,
    *,
    days: int = 90,
    runs: int = 20,
    seed: int = 0,
    max_period: int = 30,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Rate]:
    """Detection rate of each strategy against the learning violator (see module doc).

    ``progress``, when given, is called with 1 after each simulated day (``days * runs *
    len(STRATEGIES)`` calls in all), e.g. to advance a progress bar.
    """
    value = np.array([v.value for v in plan.values])
    penalty = plan.config.attacker_penalty
    out = {}
    for name in STRATEGIES:
        caught = 0
        for run in range(runs):
            rng = np.random.default_rng([seed, run, STRATEGIES.index(name)])
            patrols = _strategy(plan, name, rng)
            caught += _violator(patrols, days, value, penalty, max_period, rng, progress)
        out[name] = wilson(caught, days * runs)
    return out


def _strategy(plan: Plan, name: str, rng: np.random.Generator) -> Callable[[int], Bools]:
    n = len(plan.sectors)
    value = np.array([v.value for v in plan.values])

    def day_of(k: int) -> dt.date:
        return plan.start + dt.timedelta(days=k)

    if name == "plan":

        def draw(k: int) -> Bools:
            x = np.zeros(n, dtype=bool)
            for _, picked in plan.day_picks(day_of(k), rng):
                x[picked] = True
            return x

        return draw

    def fixed(k: int) -> Bools:
        x = np.zeros(n, dtype=bool)
        for d in plan.duties:
            if not plan.active(d.duty, day_of(k)):
                continue
            for area in d.areas:
                m = min(int(area.budget), len(area.sectors))
                if m == 0:
                    continue
                if name == "round_robin":
                    start = (k * m) % len(area.sectors)
                    x[np.roll(area.sectors, -start)[:m]] = True
                else:
                    best = np.argsort(-value[area.sectors], kind="stable")[:m]
                    x[area.sectors[best]] = True
        return x

    return fixed


def _violator(
    patrols: Callable[[int], Bools],
    days: int,
    value: NDArray[np.float64],
    penalty: float,
    max_period: int,
    rng: np.random.Generator,
    progress: Callable[[int], object] | None = None,
) -> int:
    n = len(value)
    periods = np.arange(1, max_period + 1)
    seen = np.zeros((max_period, max_period, n))  # [period, phase, sector]
    count = np.zeros((max_period, max_period))
    loglik = np.zeros((max_period, n))  # how well each period predicted each sector
    caught = 0
    for t in range(days):
        phase = t % periods
        q = (seen[periods - 1, phase] + 0.5) / (count[periods - 1, phase] + 1.0)[:, None]
        w = np.exp(loglik - loglik.max(axis=0))
        p = (w * q).sum(axis=0) / w.sum(axis=0)
        payoff = (1 - p) * value - p * penalty * value
        best = np.flatnonzero(payoff >= payoff.max() - 1e-12)
        target = int(rng.choice(best))
        x = patrols(t)
        caught += bool(x[target])
        loglik += np.where(x, np.log(q), np.log1p(-q))
        seen[periods - 1, phase] += x
        count[periods - 1, phase] += 1
        if progress is not None:
            progress(1)
    return caught
