"""Findings: deterministic ids, JSON round trip, thresholds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmzwatch.rules import Finding, Thresholds, Verdict, finding_id
from dmzwatch.rules.finding import EXAMPLE


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6))
def test_finding_id_ignores_order_and_repeats(ids: list[str]) -> None:
    a = finding_id("a", "r", ids)
    assert a == finding_id("a", "r", list(reversed(ids)) + ids)
    assert a != finding_id("a", "other", ids)
    assert a != finding_id("b", "r", ids)


def test_json_round_trip() -> None:
    f = Finding.from_dict(EXAMPLE)
    assert Finding.from_dict(f.to_dict()) == f
    assert f.event_id == "ucdp:1"
    assert f.event_date == "2018-11-01"
    assert '"verdict":"violation"' in f.to_json()


@pytest.mark.parametrize(
    ("p", "verdict"),
    [(1.0, "violation"), (0.9, "violation"), (0.89, "possible"), (0.1, "possible")],
)
def test_default_thresholds(p: float, verdict: str) -> None:
    assert Thresholds().verdict(p) == Verdict(verdict)


def test_thresholds_are_configurable_and_checked() -> None:
    assert Thresholds(violation=0.6, possible=0.3).verdict(0.7) is Verdict.VIOLATION
    assert Thresholds(violation=0.6, possible=0.3).verdict(0.2) is None
    with pytest.raises(ValueError, match="0 < possible <= violation"):
        Thresholds(violation=0.2, possible=0.5)
