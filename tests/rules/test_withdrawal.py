"""Minsk 2015: per-class withdrawal distances, each side from its own side of the line."""

from __future__ import annotations

from typing import Any

import pytest

import dmzwatch
from dmzwatch.events.model import EventKind
from dmzwatch.rules import Engine, Finding, Verdict

UA = ("Ukrainian armed forces",)
DPR = ("DPR",)
LEFT, RIGHT = 1, -1


def _run(scenario: dmzwatch.Scenario, *events: Any) -> list[Finding]:
    return Engine(scenario).run(events)


def _at(minsk: dmzwatch.Scenario, b: Any, km: float, side: int) -> tuple[float, float]:
    return b.offset_point(minsk, "contact_schematic", km, side, fraction=0.45)


@pytest.mark.parametrize(
    ("cls", "km", "side", "actors", "rule"),
    [
        ("tank", 10, LEFT, UA, "tanks-15km"),
        ("tank", 10, RIGHT, DPR, "tanks-15km"),
        ("artillery_100mm_plus", 40, LEFT, UA, "artillery-50km"),
        ("mlrs", 60, RIGHT, DPR, "mlrs-70km"),
        ("mlrs_heavy", 120, LEFT, UA, "heavy-rockets-140km"),
        ("mortar_up_to_120mm", 5, RIGHT, DPR, "light-weapons-15km"),
    ],
)
def test_a_side_s_own_weapon_within_its_distance_is_a_violation(
    minsk: dmzwatch.Scenario,
    b: Any,
    cls: str,
    km: float,
    side: int,
    actors: tuple[str, ...],
    rule: str,
) -> None:
    e = b.event(_at(minsk, b, km, side), b.day(2015, 11, 20), equipment_class=cls, actors=actors)
    found = [f for f in _run(minsk, e) if f.verdict is Verdict.VIOLATION]
    assert rule in {f.rule for f in found}
    f = next(f for f in found if f.rule == rule)
    assert f.side == ("left" if side == LEFT else "right")
    assert f.distance_km == pytest.approx(km, abs=0.5)
    assert any(r.startswith(f"side: {f.side} of line 'contact_schematic'") for r in f.reasons)


def test_beyond_the_distance_or_the_other_side_s_actor_nothing(
    minsk: dmzwatch.Scenario, b: Any
) -> None:
    when = b.day(2015, 11, 20)
    beyond = b.event(_at(minsk, b, 20, LEFT), when, equipment_class="tank", actors=UA)
    wrong_side = b.event(_at(minsk, b, 10, LEFT), when, equipment_class="tank", actors=DPR)
    assert _run(minsk, beyond, wrong_side) == []


def test_before_the_deadline_nothing_on_the_day_of_it_a_violation(
    minsk: dmzwatch.Scenario, b: Any
) -> None:
    where = _at(minsk, b, 10, LEFT)
    before = b.event(where, b.day(2015, 10, 13), equipment_class="tank", actors=UA)
    on_day = b.event(where, b.day(2015, 10, 14), equipment_class="tank", actors=UA)
    (f,) = _run(minsk, before, on_day)
    assert f.event_id == "test:" + on_day.source_id and f.verdict is Verdict.VIOLATION


def test_artillery_without_calibre_is_possible(minsk: dmzwatch.Scenario, b: Any) -> None:
    e = b.event(
        _at(minsk, b, 30, RIGHT), b.day(2015, 4, 1), equipment_class="artillery", actors=DPR
    )
    (f,) = _run(minsk, e)
    assert (f.rule, f.verdict) == ("artillery-50km", Verdict.POSSIBLE)
    assert any("without the calibre" in r for r in f.reasons)


def test_a_shape_across_the_line_leaves_the_side_open(minsk: dmzwatch.Scenario, b: Any) -> None:
    e = b.event(
        _at(minsk, b, 1, LEFT),
        b.day(2015, 11, 20),
        equipment_class="tank",
        actors=DPR,
        precision_km=5,
    )
    (f,) = _run(minsk, e)
    assert f.verdict is Verdict.POSSIBLE and f.side == "both"
    assert any("reaches across line" in r for r in f.reasons)


def test_a_strike_is_judged_where_it_landed(minsk: dmzwatch.Scenario, b: Any) -> None:
    # a strike located where it landed says nothing certain about where the launcher stood
    e = b.event(
        _at(minsk, b, 30, LEFT),
        b.day(2015, 4, 1),
        kind=EventKind.STRIKE,
        equipment_class="mlrs",
        actors=UA,
    )
    found = {f.rule: f for f in _run(minsk, e)}
    assert found["mlrs-70km"].verdict is Verdict.POSSIBLE
    assert any("may have fired from outside" in r for r in found["mlrs-70km"].reasons)
    # 'mlrs' may also be one of the heaviest systems: possible under the 140 km rule too
    assert found["heavy-rockets-140km"].verdict is Verdict.POSSIBLE
