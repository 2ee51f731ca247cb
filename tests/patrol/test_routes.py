"""Sampling days from the coverage, and the routes that patrol them."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from dmzwatch.patrol.plan import Plan
from dmzwatch.patrol.routes import comb_sample


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=12),
    st.integers(0, 2**32 - 1),
)
def test_comb_sample_never_exceeds_the_budget(cov: list[float], seed: int) -> None:
    c = np.array(cov)
    picked = comb_sample(c, np.random.default_rng(seed))
    assert len(picked) <= math.ceil(c.sum() - 1e-12)
    assert len(picked) >= math.floor(c.sum() + 1e-12) - 0  # systematic: floor or ceil
    assert np.all(c[picked] > 0)
    assert len(set(picked.tolist())) == len(picked)


def test_comb_sample_marginals_are_the_coverage() -> None:
    c = np.array([0.9, 0.05, 0.5, 0.25, 1.0, 0.0, 0.3])
    rng = np.random.default_rng(1)
    days = 20_000
    hits = np.zeros(len(c))
    for _ in range(days):
        hits[comb_sample(c, rng)] += 1
    sd = np.sqrt(c * (1 - c) / days)
    assert np.all(np.abs(hits / days - c) <= 4.5 * sd + 1e-12)


def test_empirical_coverage_of_a_plan_converges(idlib_plan: Plan) -> None:
    plan = idlib_plan
    days = 3000
    hits = np.zeros(len(plan.sectors))
    rng = np.random.default_rng(11)
    for k in range(days):
        for _, picked in plan.day_picks(plan.start + dt.timedelta(days=k), rng):
            hits[picked] += 1
    c = plan.coverage
    sd = np.sqrt(c * (1 - c) / days)
    assert np.all(np.abs(hits / days - c) <= 4.5 * sd + 1e-12)
    assert np.max(np.abs(hits / days - c)) < 0.04


def test_routes_start_and_end_at_a_base_on_their_own_side_within_length(
    idlib_plan: Plan,
) -> None:
    plan = idlib_plan
    routes = plan.routes(10, seed=4)
    assert routes
    duties = {d.duty.id: d for d in plan.duties}
    for r in routes:
        d = duties[r.duty]
        assert r.length_km <= d.route_km + 1e-6
        assert r.nodes[0] == r.base.node == r.nodes[-1]
        assert r.base.name in {a.base.name for a in d.areas}
        coords = np.column_stack([d.network.x[list(r.nodes)], d.network.y[list(r.nodes)]])
        region = shapely.buffer(d.area.region, 1.0)
        if len(coords) > 1:
            assert region.covers(shapely.LineString(coords))
        for v in r.visits:
            assert plan.sectors[v.sector].duty == r.duty
            node = int(plan.sector_node[v.sector])
            assert node in r.nodes
            point = shapely.Point(d.network.x[node], d.network.y[node])
            assert plan.sectors[v.sector].local.buffer(1.0).covers(point)
        assert r.start <= r.end <= r.start + dt.timedelta(hours=plan.config.day_hours)
        arrivals = [v.arrive for v in r.visits]
        assert arrivals == sorted(arrivals)


def test_facing_patrols_meet_in_the_same_window(idlib_plan: Plan) -> None:
    routes = idlib_plan.routes(10, seed=2)
    at = {}
    for r in routes:
        for v in r.visits:
            at[(r.day, r.duty, idlib_plan.sectors[v.sector].index)] = (v, r)
    met = both = 0
    for (day, duty, index), (v, r) in at.items():
        if duty != "tr-opposition-side" or (day, "ru-government-side", index) not in at:
            continue
        both += 1
        w, q = at[(day, "ru-government-side", index)]
        if v.meeting:
            met += 1
            assert v.arrive == w.arrive and v.leave == w.leave
            assert q.unit in v.meeting and r.unit in w.meeting
    assert both > 0
    assert met >= 0.8 * both  # only a day too short for the wait leaves a pair apart


def test_same_seed_same_routes(idlib_plan: Plan) -> None:
    a = idlib_plan.routes(3, seed=9)
    b = idlib_plan.routes(3, seed=9)
    c = idlib_plan.routes(3, seed=10)
    assert [(r.unit, r.visits, r.nodes) for r in a] == [(r.unit, r.visits, r.nodes) for r in b]
    assert [r.visits for r in a] != [r.visits for r in c]
