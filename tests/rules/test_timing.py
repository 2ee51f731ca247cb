"""Event intervals against rule periods: inclusive local days, precision, start times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dmzwatch.agreement.model import AttackRule, ProhibitedClassRule
from dmzwatch.events.model import Event, EventKind
from dmzwatch.rules import Timing, event_times, rule_period

DAMASCUS = ZoneInfo("Asia/Damascus")
UTC = dt.UTC


def _event(start: dt.datetime, end: dt.datetime, **kw: object) -> Event:
    return Event("t", "1", EventKind.STRIKE, start, end, 36.6, 35.6, **kw)  # type: ignore[arg-type]


def _timing(rule: ProhibitedClassRule | AttackRule, *events: Event) -> list[int]:
    times = event_times(events, DAMASCUS)
    return rule_period(rule, DAMASCUS).timing(times).tolist()


RULE = ProhibitedClassRule("r", "", "z", ("tank",), dt.date(2018, 10, 10))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ((2018, 10, 9), (2018, 10, 9), Timing.OUTSIDE),
        ((2018, 10, 10), (2018, 10, 10), Timing.WITHIN),  # the start day is inclusive
        ((2018, 10, 8), (2018, 10, 12), Timing.STRADDLES),  # UCDP date_prec 2 style
        ((2018, 10, 11), (2018, 10, 30), Timing.WITHIN),
    ],
)
def test_ucdp_style_days(
    start: tuple[int, int, int], end: tuple[int, int, int], expected: Timing
) -> None:
    e = _event(dt.datetime(*start, tzinfo=UTC), dt.datetime(*end, 23, 59, 59, tzinfo=UTC))
    assert _timing(RULE, e) == [expected]


def test_slack_widens_a_single_day() -> None:
    # ACLED time_precision 2: the middle of the week is recorded, ± 4 days
    start = dt.datetime(2018, 10, 12, tzinfo=UTC)
    e = _event(
        start,
        start.replace(hour=23, minute=59, second=59),
        date_precision="2",
        date_precision_days=4.0,
    )
    times = event_times([e], DAMASCUS)
    assert (times.first_day[0], times.last_day[0]) == (dt.date(2018, 10, 8), dt.date(2018, 10, 16))
    assert "± 4 day(s)" in times.notes[0]
    assert _timing(RULE, e) == [Timing.STRADDLES]


def test_rule_end_is_inclusive() -> None:
    rule = ProhibitedClassRule(
        "r", "", "z", ("tank",), dt.date(2018, 10, 10), end=dt.date(2018, 10, 20)
    )
    on_end = _event(
        dt.datetime(2018, 10, 20, tzinfo=UTC), dt.datetime(2018, 10, 20, 23, 59, 59, tzinfo=UTC)
    )
    after = _event(
        dt.datetime(2018, 10, 21, tzinfo=UTC), dt.datetime(2018, 10, 21, 23, 59, 59, tzinfo=UTC)
    )
    assert _timing(rule, on_end, after) == [Timing.WITHIN, Timing.OUTSIDE]


def test_a_start_time_makes_its_day_straddle() -> None:
    ceasefire = AttackRule("c", "", "z", dt.date(2020, 3, 6), dt.time(0, 1))
    local = ZoneInfo("Asia/Damascus")
    whole_day = _event(
        dt.datetime(2020, 3, 6, tzinfo=UTC), dt.datetime(2020, 3, 6, 23, 59, 59, tzinfo=UTC)
    )
    next_day = _event(
        dt.datetime(2020, 3, 7, tzinfo=UTC), dt.datetime(2020, 3, 7, 23, 59, 59, tzinfo=UTC)
    )
    just_before = _event(
        dt.datetime(2020, 3, 6, 0, 0, 30, tzinfo=local),
        dt.datetime(2020, 3, 6, 0, 0, 30, tzinfo=local),
    )
    just_after = _event(
        dt.datetime(2020, 3, 6, 0, 5, tzinfo=local), dt.datetime(2020, 3, 6, 0, 5, tzinfo=local)
    )
    # 23:00 UTC on the 5th is 01:00 on the 6th in Damascus (UTC+2 in March 2020)
    utc_evening = _event(
        dt.datetime(2020, 3, 5, 23, tzinfo=UTC), dt.datetime(2020, 3, 5, 23, tzinfo=UTC)
    )
    assert _timing(ceasefire, whole_day, next_day, just_before, just_after, utc_evening) == [
        Timing.STRADDLES,
        Timing.WITHIN,
        Timing.OUTSIDE,
        Timing.WITHIN,
        Timing.WITHIN,
    ]
