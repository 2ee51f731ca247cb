"""When an event may have happened, against when a rule applies.

Dates in agreements are inclusive days in the agreement's timezone. A source that gives
only a day (midnight to midnight, or to 23:59:59, in its own timezone: UCDP, ACLED) means
that calendar day in the agreement's timezone. An event is judged on its whole possible
interval:

* a source that gives a range of days (UCDP ``date_start``..``date_end``) is taken at its
  word: the event happened on one of those days;
* a source that gives one day with a precision code that means slack (ACLED
  ``time_precision`` 2: "the middle of the week is recorded") is widened by that slack on
  both sides (``Event.date_precision_days``);
* a source that gives times keeps them, widened by any slack it states.

Against a rule in force from ``start`` (a day, and a time of day where the rule has one)
to the end of its optional ``end`` day, the interval lies **within** the rule's period,
**straddles** one of its bounds (then at most a possible violation), or lies wholly
**outside** it (no finding).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from ..agreement.model import Rule
from ..events.model import Event

__all__ = [
    "EventTimes",
    "RulePeriod",
    "Timing",
    "event_times",
    "rule_period",
]

Floats = NDArray[np.float64]

_DAY = dt.timedelta(days=1)
_INSTANT = dt.timedelta(seconds=1)


class Timing(enum.IntEnum):
    """Where an event's possible interval lies against a rule's period."""

    OUTSIDE = 0
    STRADDLES = 1
    WITHIN = 2


@dataclass(frozen=True, slots=True)
class EventTimes:
    """Every event's possible interval, as arrays aligned with the events.

    ``lo``/``hi`` are POSIX seconds (``hi`` exclusive); ``first_day``/``last_day`` the
    days in the agreement's timezone; ``notes`` one sentence per event saying how the
    interval was read.
    """

    lo: Floats
    hi: Floats
    first_day: tuple[dt.date, ...]
    last_day: tuple[dt.date, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RulePeriod:
    """When a rule applies: from ``start`` to ``end`` (exclusive; None for open-ended)."""

    start: dt.datetime
    end: dt.datetime | None

    def timing(self, times: EventTimes) -> NDArray[np.int8]:
        """:class:`Timing` per event, as int8."""
        s = self.start.timestamp()
        e = math.inf if self.end is None else self.end.timestamp()
        overlap = (times.hi > s) & (times.lo < e)
        within = (times.lo >= s) & (times.hi <= e)
        out = np.where(within, Timing.WITHIN, np.where(overlap, Timing.STRADDLES, Timing.OUTSIDE))
        return out.astype(np.int8)

    def describe(self) -> str:
        """'from 2018-10-10' or 'from 2020-03-06 00:01 to 2020-12-31', local time."""
        start = self.start.strftime(
            "%Y-%m-%d" if self.start.time() == dt.time(0) else "%Y-%m-%d %H:%M"
        )
        text = f"from {start}"
        if self.end is not None:
            text += f" to {(self.end - _DAY).date().isoformat()}"
        return f"{text} ({self.start.tzinfo})"


def rule_period(rule: Rule, tz: ZoneInfo) -> RulePeriod:
    """The period a rule applies in, in the agreement's timezone.

    >>> from dmzwatch.agreement.model import AttackRule
    >>> r = AttackRule("c", "", "z", dt.date(2020, 3, 6), dt.time(0, 1))
    >>> rule_period(r, ZoneInfo("Asia/Damascus")).describe()
    'from 2020-03-06 00:01 (Asia/Damascus)'
    """
    start_time = getattr(rule, "start_time", dt.time(0, 0))
    start = dt.datetime.combine(rule.start, start_time, tz)
    end = None if rule.end is None else dt.datetime.combine(rule.end + _DAY, dt.time(0), tz)
    return RulePeriod(start, end)


def event_times(events: Sequence[Event], tz: ZoneInfo) -> EventTimes:
    """The possible interval of every event (see the module docstring for the rules).

    >>> from dmzwatch.events.model import Event, EventKind
    >>> utc = dt.timezone.utc
    >>> e = Event("ucdp", "1", EventKind.STRIKE, dt.datetime(2018, 10, 8, tzinfo=utc),
    ...           dt.datetime(2018, 10, 12, 23, 59, 59, tzinfo=utc), 36.6, 35.6,
    ...           date_precision="2", date_precision_days=6.0)
    >>> t = event_times([e], ZoneInfo("Asia/Damascus"))
    >>> t.first_day[0].isoformat(), t.last_day[0].isoformat()
    ('2018-10-08', '2018-10-12')
    >>> t.notes[0]
    'one of the days 2018-10-08 to 2018-10-12 (ucdp date precision 2)'
    """
    lo = np.empty(len(events))
    hi = np.empty(len(events))
    first: list[dt.date] = []
    last: list[dt.date] = []
    notes: list[str] = []
    for i, event in enumerate(events):
        a, b, d0, d1, note = _interval(event, tz)
        lo[i] = a.timestamp()
        hi[i] = b.timestamp()
        first.append(d0)
        last.append(d1)
        notes.append(note)
    return EventTimes(lo, hi, tuple(first), tuple(last), tuple(notes))


def _midnight(t: dt.datetime) -> bool:
    return t.time() == dt.time(0)


def _day_end(t: dt.datetime) -> bool:
    return t.time() >= dt.time(23, 59, 59)


def _interval(event: Event, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime, dt.date, dt.date, str]:
    s, e = event.start, event.end
    code = f"{event.source} date precision {event.date_precision}" if event.date_precision else ""
    slack_days = max(0.0, float(event.date_precision_days))
    if _midnight(s) and (_day_end(e) or _midnight(e)):
        d0 = s.date()
        d1 = e.date() if (_day_end(e) or e == s) else (e - _DAY).date()
        if d0 == d1 and slack_days > 0:
            widen = dt.timedelta(days=math.ceil(slack_days))
            note = (
                f"the day {d0.isoformat()} ± {widen.days} day(s)"
                f" ({code or 'stated slack'}): {(d0 - widen).isoformat()} to "
                f"{(d1 + widen).isoformat()}"
            )
            d0, d1 = d0 - widen, d1 + widen
        elif d0 == d1:
            note = f"the whole day {d0.isoformat()} (time of day not given)"
        else:
            note = f"one of the days {d0.isoformat()} to {d1.isoformat()}"
            note += f" ({code})" if code else ""
        lo = dt.datetime.combine(d0, dt.time(0), tz)
        hi = dt.datetime.combine(d1 + _DAY, dt.time(0), tz)
        return lo, hi, d0, d1, note
    slack = dt.timedelta(days=slack_days) if e == s else dt.timedelta(0)
    lo, hi = s - slack, e + slack
    hi = hi if hi > lo else lo + _INSTANT
    lo_local, hi_local = lo.astimezone(tz), (hi - _INSTANT).astimezone(tz)
    if lo == s and hi == s + _INSTANT:
        note = f"at {lo_local.isoformat(timespec='minutes')}"
    else:
        note = (
            f"between {lo_local.isoformat(timespec='minutes')} and "
            f"{hi_local.isoformat(timespec='minutes')}"
        )
    return lo, hi, lo_local.date(), hi_local.date(), note
