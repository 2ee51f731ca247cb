"""A plan's coverage as data: the GeoJSON, the summary and the history from events."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.events.model import Event, EventKind
from dmzwatch.patrol.coverage import (
    coverage_geojson,
    coverage_summary,
    history_from_events,
    plan_units,
    sector_party,
)
from dmzwatch.patrol.plan import Plan, build_plan


def _event(n: int, day: dt.date, lon: float, lat: float) -> Event:
    t = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    return Event("ucdp", str(n), EventKind.STRIKE, t, t, lon, lat)


def test_geojson_has_party_sector_coverage_and_value(idlib_plan: Plan) -> None:
    fc = coverage_geojson(idlib_plan)
    props = [f["properties"] for f in fc["features"]]
    assert len(props) == len(idlib_plan.sectors)
    assert [p["sector"] for p in props] == [s.id for s in idlib_plan.sectors]
    assert [p["party"] for p in props] == ["+".join(s.parties) for s in idlib_plan.sectors]
    assert np.allclose([p["coverage"] for p in props], idlib_plan.coverage, atol=1e-6)
    assert np.allclose([p["value"] for p in props], [v.value for v in idlib_plan.values])


def test_summary_says_what_was_solved_and_on_which_network(idlib_plan: Plan) -> None:
    s = coverage_summary(idlib_plan, seed=7, history_source="none")
    assert s["sectors"] == len(idlib_plan.sectors)
    assert s["units"] == plan_units(idlib_plan) == {"TR": 4, "RU": 4}
    assert s["solver_status"] == idlib_plan.equilibrium.status == "optimal"
    assert s["gap"] <= 1e-6 and s["network"] == "fallback" and s["seed"] == 7
    assert s["expected_value"] == idlib_plan.equilibrium.defender_value
    assert "not observed patrols" in s["note"]
    assert "seed" not in coverage_summary(idlib_plan)


def test_joint_duties_are_labelled_with_both_parties(m4: dmzwatch.Scenario) -> None:
    plan = build_plan(m4, start=dt.date(2020, 6, 1))
    assert {f["properties"]["party"] for f in coverage_geojson(plan)["features"]} == {"TR+RU"}
    assert sector_party(("TR",)) == "TR"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 400),
            st.floats(36.0, 37.5, allow_nan=False),
            st.floats(35.0, 36.2, allow_nan=False),
        ),
        max_size=20,
    ),
    st.randoms(use_true_random=False),
)
def test_history_does_not_depend_on_event_order(
    spec: list[tuple[int, float, float]], rnd: object
) -> None:
    events = [
        _event(i, dt.date(2018, 1, 1) + dt.timedelta(days=d), lon, lat)
        for i, (d, lon, lat) in enumerate(spec)
    ]
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    records = history_from_events(events)
    assert records == history_from_events(shuffled)
    assert len(records) == len(events)
    assert sorted((r.lon, r.lat) for r in records) == sorted((e.lon, e.lat) for e in events)
    assert all(r.weight == 1.0 for r in records)
