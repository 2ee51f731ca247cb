"""Building a plan: units, bases, joint patrols, roads from OpenStreetMap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely

import dmzwatch
from dmzwatch.errors import InputError
from dmzwatch.patrol.network import read_osm
from dmzwatch.patrol.plan import Plan, PlanConfig, build_plan, parse_units
from dmzwatch.scenario import scenario_path

DAY = dt.date(2020, 4, 1)


def test_idlib_plan_is_an_optimal_equilibrium(idlib_plan: Plan) -> None:
    eq = idlib_plan.equilibrium
    assert eq.status == "optimal" and eq.gap <= 1e-6
    assert idlib_plan.game.is_feasible(eq.coverage)
    for area in idlib_plan.areas:
        assert len(area.units) == 1  # one base per unit when the agreement names none
        assert np.sum(eq.coverage[area.sectors]) <= area.budget + 1e-9
    assert {p for d in idlib_plan.duties for p in d.units} == {"TR", "RU"}
    assert idlib_plan.network_kind == "fallback"


def test_units_are_parsed_and_checked(idlib: dmzwatch.Scenario) -> None:
    assert parse_units("TR=2,RU=5") == {"TR": 2, "RU": 5}
    with pytest.raises(InputError, match="party 'TR' is given twice"):
        parse_units("TR=2, RU=5, TR=3")
    assert parse_units("TR=200") == {"TR": 200}
    with pytest.raises(InputError, match="at most 200 per party"):
        parse_units("TR=100000")
    with pytest.raises(InputError, match="PARTY=COUNT"):
        parse_units("TR:2")
    with pytest.raises(InputError, match="patrols no duty"):
        build_plan(idlib, start=DAY, units={"XX": 1})


def test_more_units_more_coverage(idlib: dmzwatch.Scenario) -> None:
    few = build_plan(idlib, start=DAY, units={"TR": 2, "RU": 2})
    many = build_plan(idlib, start=DAY, units={"TR": 8, "RU": 8})
    assert many.coverage.sum() > few.coverage.sum()
    assert many.equilibrium.defender_value >= few.equilibrium.defender_value


def test_joint_patrols_use_the_scarcer_party(m4: dmzwatch.Scenario) -> None:
    plan = build_plan(m4, start=DAY, units={"TR": 3, "RU": 2})
    (duty,) = plan.duties
    teams = [u for a in duty.areas for u in a.units]
    assert len(teams) == 2
    members = [m for a in duty.areas for m in a.members]
    assert all({p.split("-")[0] for p in m} == {"TR", "RU"} for m in members)
    assert all(a.base.meeting for a in duty.areas)


def test_plan_on_openstreetmap_roads(m4: dmzwatch.Scenario, tiny_osm: Path) -> None:
    net = read_osm(tiny_osm, m4.projection)
    plan = build_plan(m4, start=DAY, units={"TR": 2, "RU": 2}, network=net)
    assert plan.network_kind == "osm"
    (duty,) = plan.duties
    reached = plan.sector_node[duty.sectors] >= 0
    assert reached.sum() >= 10
    for r in plan.routes(3, seed=1):
        xs, ys = duty.network.x[list(r.nodes)], duty.network.y[list(r.nodes)]
        # every hop is a road segment of the extract
        edges = set(zip(duty.network.u.tolist(), duty.network.v.tolist(), strict=True))
        for a, b in zip(r.nodes[:-1], r.nodes[1:], strict=True):
            assert (a, b) in edges or (b, a) in edges
        assert r.length_km <= duty.route_km
        assert len(xs) == len(ys)


def test_agreement_bases_meeting_points_and_priorities(tmp_path: Path) -> None:
    text = scenario_path("idlib-m4-2020").read_text()
    data = scenario_path("idlib-m4-2020").parent / "../data"
    text = text.replace('"../data/', f'"{data.resolve()}/')
    text += """
[[patrols.meeting_points]]
name = "Trumba"
at = [36.7838, 35.8645]

[[patrols.meeting_points]]
name = "Jisr al-Shughur"
at = [36.3198, 35.8142]

[[patrols.priorities]]
label = "Ariha"
at = [36.6096, 35.8137]
within_km = 4
weight = 3.0
"""
    path = tmp_path / "m4.toml"
    path.write_text(text)
    s = dmzwatch.load_scenario(path)
    (duty,) = s.agreement.patrols
    assert [p.name for p in duty.meeting_points] == ["Trumba", "Jisr al-Shughur"]
    assert duty.priorities[0].weight == 3.0
    plan = build_plan(s, start=DAY, units={"TR": 1, "RU": 1})
    assert {a.base.name for a in plan.areas} == {"Trumba", "Jisr al-Shughur"}
    prio = [v.priority for v in plan.values]
    ariha = shapely.Point(*s.projection.forward([36.6096], [35.8137]))
    best = int(np.argmax(prio))
    assert plan.sectors[best].local.distance(ariha) < 4000
    # one team: it goes to the base whose area the violator likes most
    assert sum(len(a.units) for a in plan.areas) == 1


def test_bases_on_the_wrong_side_are_refused(tmp_path: Path) -> None:
    text = scenario_path("idlib-2018").read_text()
    data = (scenario_path("idlib-2018").parent / "../data").resolve()
    text = text.replace('"../data/', f'"{data}/')
    # Hama (government-held) as a base of the duty on the opposition-held side
    text = text.replace(
        'coordinated_with = ["RU"]\n',
        'coordinated_with = ["RU"]\nbases = [{ name = "Hama", at = [36.7578, 35.1318] }]\n',
        1,
    )
    path = tmp_path / "idlib.toml"
    path.write_text(text)
    with pytest.raises(InputError, match="own side"):
        build_plan(dmzwatch.load_scenario(path), start=DAY)


@pytest.mark.parametrize(
    "knobs",
    [
        {"sector_km": 0.0},
        {"route_km": -5.0},
        {"route_km": float("inf")},
        {"sweep_km": float("nan")},
        {"speed_kmh": 0.0},
    ],
)
def test_config_lengths_must_be_positive_and_finite(knobs: dict[str, float]) -> None:
    (name,) = knobs
    with pytest.raises(InputError, match=f"{name} must be a finite number above 0"):
        PlanConfig(**knobs)


def test_a_duty_without_units_is_noted_as_such(idlib: dmzwatch.Scenario) -> None:
    plan = build_plan(idlib, start=DAY, units={"TR": 0, "RU": 2})
    idle = next(d for d in plan.duties if "TR" in d.duty.parties)
    assert f"{idle.duty.id}: no units (TR=0): its {len(idle.sectors)} sector(s) go unpatrolled" in (
        plan.notes
    )
    reach = [int(n.split()[0]) for n in plan.notes if "out of reach" in n]
    assert all(count < len(idle.sectors) for count in reach)  # idle sectors are not counted
    assert np.all(plan.coverage[idle.sectors] == 0)
