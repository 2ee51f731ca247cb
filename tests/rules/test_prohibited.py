"""Idlib 2018: heavy weapons out of the zone by 10 Oct 2018, for the opposition groups."""

from __future__ import annotations

from typing import Any

import dmzwatch
from dmzwatch.events.model import EventKind
from dmzwatch.rules import Engine, Finding, Verdict

NFL = ("National Front for Liberation",)


def _run(scenario: dmzwatch.Scenario, *events: Any) -> list[Finding]:
    return Engine(scenario, rules=["heavy-weapons-withdrawn"]).run(events)


def test_a_reported_tank_in_the_core_after_the_deadline_is_a_violation(
    idlib: dmzwatch.Scenario, b: Any
) -> None:
    e = b.event(b.MOREK, b.day(2018, 10, 20), equipment_class="tank", actors=NFL)
    (f,) = _run(idlib, e)
    assert f.verdict is Verdict.VIOLATION
    assert (f.rule, f.band, f.event_ids) == (
        "heavy-weapons-withdrawn",
        "core",
        ("test:" + e.source_id,),
    )
    assert f.p_in_zone >= 0.9 and f.timing == "after"
    assert f.first_day.isoformat() == "2018-10-20"
    assert "withdrawal of all tanks" in f.clause
    assert any(r.startswith("weapon: tank, as the source reports it") for r in f.reasons)
    assert f.distance_km is not None and 3 < f.distance_km < 8


def test_before_the_deadline_nothing(idlib: dmzwatch.Scenario, b: Any) -> None:
    e = b.event(b.MOREK, b.day(2018, 10, 9), equipment_class="tank", actors=NFL)
    assert _run(idlib, e) == []


def test_an_interval_across_the_deadline_is_at_most_possible(
    idlib: dmzwatch.Scenario, b: Any
) -> None:
    start, _ = b.day(2018, 10, 8)
    _, end = b.day(2018, 10, 12)
    e = b.event(b.MOREK, (start, end), equipment_class="mortar", actors=NFL, date_precision="2")
    (f,) = _run(idlib, e)
    assert f.verdict is Verdict.POSSIBLE and f.timing == "straddles"
    assert f.event_date == "2018-10-08..2018-10-12"
    assert any("straddles" in r for r in f.reasons)


def test_fringe_is_at_most_possible(idlib: dmzwatch.Scenario, b: Any) -> None:
    (f,) = _run(idlib, b.event(b.TAFTANAZ, b.day(2018, 11, 1), equipment_class="tank", actors=NFL))
    assert f.verdict is Verdict.POSSIBLE and f.band == "fringe"
    assert f.p_in_zone >= 0.9 > f.p_in_core
    assert any("certain core" in r for r in f.reasons)


def test_outside_nothing_unless_the_disc_reaches_in(idlib: dmzwatch.Scenario, b: Any) -> None:
    exact = b.event(b.MAARAT, b.day(2018, 11, 1), equipment_class="tank", actors=NFL)
    vague = b.event(
        b.MAARAT, b.day(2018, 11, 1), equipment_class="tank", actors=NFL, precision_km=25.0
    )
    (f,) = _run(idlib, exact, vague)
    assert f.event_ids == ("test:" + vague.source_id,)
    assert f.verdict is Verdict.POSSIBLE and f.band == ""
    assert 0.1 <= f.p_in_zone < 0.9
    assert f"uncertain: {f.p_in_zone:.0%} in the zone is below the 90%" in " ".join(f.reasons)


def test_a_vague_fringe_location_gives_its_share_of_the_zone(
    idlib: dmzwatch.Scenario, b: Any
) -> None:
    vague = b.event(
        b.TAFTANAZ, b.day(2018, 11, 1), equipment_class="tank", actors=NFL, precision_km=6.0
    )
    (f,) = _run(idlib, vague)
    assert f.verdict is Verdict.POSSIBLE and f.band == "fringe"
    assert f.p_in_core < f.p_in_zone < 0.9
    text = " ".join(f.reasons)
    assert f"uncertain: {f.p_in_zone:.0%} in the zone is below the 90%" in text


def test_inferred_strike_with_both_sides_is_possible_and_says_why(
    idlib: dmzwatch.Scenario, b: Any
) -> None:
    e = b.event(
        b.MOREK,
        b.day(2018, 11, 1),
        kind=EventKind.STRIKE,
        equipment_class="artillery",
        equipment_inferred=True,
        inferred_from=("shelling",),
        actors=("Government of Syria", "Syrian insurgents"),
    )
    (f,) = _run(idlib, e)
    assert f.verdict is Verdict.POSSIBLE
    assert f.matched_words == ("shelling",) and f.equipment_inferred
    text = " ".join(f.reasons)
    assert "inferred from the text ('shelling')" in text
    assert "may have fired from outside the zone" in text
    assert "does not say which one acted" in text


def test_actors_the_rule_does_not_bind_give_nothing(idlib: dmzwatch.Scenario, b: Any) -> None:
    gov = b.event(
        b.MOREK, b.day(2018, 11, 1), equipment_class="tank", actors=("Government of Syria",)
    )
    other_class = b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="aircraft", actors=NFL)
    assert _run(idlib, gov, other_class) == []


def test_unnamed_actor_is_possible(idlib: dmzwatch.Scenario, b: Any) -> None:
    (f,) = _run(idlib, b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="mlrs"))
    assert f.verdict is Verdict.POSSIBLE
    assert any("names no actor" in r for r in f.reasons)


def test_radical_group_alias_matches(idlib: dmzwatch.Scenario, b: Any) -> None:
    e = b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="tank", actors=("HTS",))
    (f,) = _run(idlib, e)
    assert f.verdict is Verdict.VIOLATION


def test_rerun_gives_identical_findings(idlib: dmzwatch.Scenario, b: Any) -> None:
    events = [
        b.event(b.MOREK, b.day(2018, 11, d), equipment_class="tank", actors=NFL) for d in (1, 2, 3)
    ]
    assert _run(idlib, *events) == _run(idlib, *events)
    assert len({f.finding_id for f in _run(idlib, *events)}) == 3
