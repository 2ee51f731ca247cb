"""The Idlib 2018 rules on the real UCDP GED events (Sep 2018 – Nov 2019): invariants."""

from __future__ import annotations

from collections import Counter

import pytest

import dmzwatch
from dmzwatch.events.model import Event
from dmzwatch.rules import Finding, Verdict, evaluate
from dmzwatch.rules.humanitarian import month_range, monthly_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def events(ucdp_events: list[Event]) -> list[Event]:
    assert len(ucdp_events) == 1475
    return ucdp_events


@pytest.fixture(scope="module")
def findings(events: list[Event]) -> list[Finding]:
    return evaluate(dmzwatch.load_scenario("idlib-2018"), events)


def test_no_finding_dated_before_its_rule(findings: list[Finding]) -> None:
    rules = {r.id: r for r in dmzwatch.load_scenario("idlib-2018").agreement.rules}
    assert findings
    for f in findings:
        start = rules[f.rule].start
        assert f.last_day >= start, f
        if f.first_day < start:  # an imprecise date across the rule's start
            assert (f.verdict, f.timing) == (Verdict.POSSIBLE, "straddles"), f


def test_every_violation_is_certain_enough(findings: list[Finding]) -> None:
    violations = [f for f in findings if f.verdict is Verdict.VIOLATION]
    assert violations
    for f in violations:
        assert f.p_in_zone >= 0.9 and f.p_in_core >= 0.9, f
        assert f.band == "core" and f.timing == "after"
    assert all(f.p_in_zone >= 0.1 for f in findings)


def test_findings_are_well_formed(events: list[Event], findings: list[Finding]) -> None:
    ids = {f"{e.source}:{e.source_id}" for e in events}
    assert len({f.finding_id for f in findings}) == len(findings)
    for f in findings:
        assert set(f.event_ids) <= ids
        assert f.reasons and f.clause and f.shape
    weapons = [f for f in findings if f.rule == "heavy-weapons-withdrawn"]
    assert weapons and all(f.equipment_inferred and f.matched_words for f in weapons)
    # UCDP never reports a weapon as such: an inferred class is never a violation
    assert all(f.verdict is Verdict.POSSIBLE for f in weapons)


def test_same_events_same_findings(events: list[Event], findings: list[Finding]) -> None:
    again = evaluate(dmzwatch.load_scenario("idlib-2018"), list(reversed(events)))
    assert sorted(f.to_json() for f in again) == sorted(f.to_json() for f in findings)


def test_monthly_table_adds_up(events: list[Event], findings: list[Finding]) -> None:
    s = dmzwatch.load_scenario("idlib-2018")
    months = month_range("2018-09", "2019-11")
    rows = monthly_table(s, events, findings, months=months)
    assert [r.month for r in rows] == months
    assert sum(r.events for r in rows) == len(events)
    assert all(r.core + r.fringe <= r.events for r in rows)
    assert all(r.violations + r.possible <= r.events for r in rows)
    by_verdict = Counter()
    strongest: dict[str, Verdict] = {}
    for f in findings:
        for eid in f.event_ids:
            if strongest.get(eid) is not Verdict.VIOLATION:
                strongest[eid] = f.verdict
    by_verdict.update(strongest.values())
    assert sum(r.violations for r in rows) == by_verdict[Verdict.VIOLATION]
    assert sum(r.possible for r in rows) == by_verdict[Verdict.POSSIBLE]
    # before the rules took effect nothing is a violation
    assert rows[0].violations == 0
    assert monthly_table(s, events, findings, months=months) == rows
