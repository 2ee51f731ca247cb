"""Caps: at most N of a class in a zone within a window, counting distinct sightings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

import dmzwatch
from dmzwatch.agreement.model import CapRule
from dmzwatch.rules import Engine, Finding, Verdict

NFL = ("National Front for Liberation",)


@pytest.fixture(scope="module")
def capped() -> dmzwatch.Scenario:
    base = dmzwatch.load_scenario("idlib-2018").agreement
    rule = CapRule(
        "tank-cap",
        "At most 3 tanks in the zone in any 7 days.",
        "dmz",
        ("tank",),
        max_count=3,
        window_days=7,
        start=dt.date(2018, 10, 1),
        actors=("opposition",),
    )
    return dmzwatch.Scenario(dataclasses.replace(base, rules=(rule,)))


def _run(s: dmzwatch.Scenario, *events: Any) -> list[Finding]:
    return Engine(s).run(events)


def test_within_the_cap_is_compliant(capped: dmzwatch.Scenario, b: Any) -> None:
    events = [
        b.event(b.MOREK, b.day(2018, 11, d), equipment_class="tank", actors=NFL) for d in (1, 2)
    ]
    (f,) = _run(capped, *events)
    assert f.verdict is Verdict.COMPLIANT
    assert (f.count, f.max_count) == (2, 3)
    assert len(f.event_ids) == 2


def test_over_the_cap_in_one_window_is_a_violation(capped: dmzwatch.Scenario, b: Any) -> None:
    events = [
        b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="tank", actors=NFL, equipment_count=2),
        b.event(b.MOREK, b.day(2018, 11, 4), equipment_class="tank", actors=NFL, equipment_count=2),
        # 8 days later: a new window, within the cap
        b.event(b.MOREK, b.day(2018, 11, 12), equipment_class="tank", actors=NFL),
    ]
    found = _run(capped, *events)
    verdicts = [
        (f.verdict, f.count, f.first_day.isoformat(), f.last_day.isoformat()) for f in found
    ]
    assert verdicts == [
        (Verdict.VIOLATION, 4, "2018-10-29", "2018-11-04"),
        (Verdict.COMPLIANT, 1, "2018-11-06", "2018-11-12"),
    ]
    assert all(f.p_in_zone >= 0.9 for f in found if f.verdict is Verdict.VIOLATION)


def test_the_same_sighting_twice_counts_once(capped: dmzwatch.Scenario, b: Any) -> None:
    a = b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="tank", actors=NFL, equipment_count=2)
    again = b.event(
        b.MOREK,
        b.day(2018, 11, 1),
        equipment_class="tank",
        actors=NFL,
        equipment_count=2,
        source="other",
    )
    (f,) = _run(capped, a, again)
    assert f.verdict is Verdict.COMPLIANT and f.count == 2
    assert len(f.event_ids) == 2  # both reports are cited


def test_linked_duplicates_count_once(capped: dmzwatch.Scenario, b: Any) -> None:
    a = b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="tank", actors=NFL, equipment_count=2)
    near = b.event(
        (b.MOREK[0] + 0.01, b.MOREK[1]),
        b.day(2018, 11, 2),
        equipment_class="tank",
        actors=NFL,
        equipment_count=2,
    )
    assert _run(capped, a, near)[0].verdict is Verdict.VIOLATION
    same = {
        "test:" + near.source_id: "test:" + a.source_id,
        "test:" + a.source_id: "test:" + a.source_id,
    }
    (f,) = Engine(capped).run([a, near], same_as=same)
    assert f.verdict is Verdict.COMPLIANT


def test_uncertain_sightings_make_it_possible(capped: dmzwatch.Scenario, b: Any) -> None:
    events = [
        b.event(b.MOREK, b.day(2018, 11, 1), equipment_class="tank", actors=NFL, equipment_count=3),
        b.event(b.TAFTANAZ, b.day(2018, 11, 2), equipment_class="tank", actors=NFL),  # fringe
    ]
    (f,) = _run(capped, *events)
    assert f.verdict is Verdict.POSSIBLE and f.count == 4
    assert any("count only as possible" in r for r in f.reasons)
