"""Attacks in a zone: Idlib from 15 Oct 2018; the M4 corridor from 00:01 on 6 Mar 2020."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import dmzwatch
from dmzwatch.events.model import EventKind
from dmzwatch.rules import Verdict, evaluate

DAMASCUS = ZoneInfo("Asia/Damascus")


def test_idlib_attacks_after_entry_into_force(idlib: dmzwatch.Scenario, b: Any) -> None:
    early = b.event(b.MOREK, b.day(2018, 10, 14), kind=EventKind.STRIKE)
    core = b.event(b.MOREK, b.day(2018, 10, 15), kind=EventKind.STRIKE)
    outside = b.event(b.SURAN, b.day(2018, 10, 20), kind=EventKind.CLASH)
    protest = b.event(b.MOREK, b.day(2018, 10, 20), kind=EventKind.PROTEST)
    found = [
        f for f in evaluate(idlib, [early, core, outside, protest]) if f.rule == "zone-in-force"
    ]
    assert [(f.event_id, f.verdict) for f in found] == [
        ("test:" + core.source_id, Verdict.VIOLATION)
    ]


def test_m4_ceasefire_from_one_minute_past_midnight(m4: dmzwatch.Scenario, b: Any) -> None:
    jisr = (36.31983, 35.81418)  # on the M4
    ariha = (36.60964, 35.81374)
    far = (36.60964, 35.95)  # ~15 km north of the M4, outside the 6 km corridor
    before = b.event(jisr, b.day(2020, 3, 5), kind=EventKind.STRIKE)
    that_day = b.event(jisr, b.day(2020, 3, 6), kind=EventKind.STRIKE)
    minute = dt.datetime(2020, 3, 6, 0, 0, 30, tzinfo=DAMASCUS)
    at_midnight = b.event(ariha, (minute, minute), kind=EventKind.STRIKE)
    later = dt.datetime(2020, 3, 6, 9, 30, tzinfo=DAMASCUS)
    morning = b.event(ariha, (later, later), kind=EventKind.STRIKE)
    next_day = b.event(far, b.day(2020, 3, 7), kind=EventKind.STRIKE)
    found = {
        f.event_id: f for f in evaluate(m4, [before, that_day, at_midnight, morning, next_day])
    }
    assert set(found) == {"test:" + that_day.source_id, "test:" + morning.source_id}
    assert found["test:" + that_day.source_id].verdict is Verdict.POSSIBLE
    assert found["test:" + that_day.source_id].timing == "straddles"
    assert found["test:" + morning.source_id].verdict is Verdict.VIOLATION
    assert found["test:" + morning.source_id].rule_start == dt.datetime(
        2020, 3, 6, 0, 1, tzinfo=DAMASCUS
    )


def test_observer_sector_decides_the_zone(m4: dmzwatch.Scenario, b: Any) -> None:
    # an observer 12 km north of Ariha hears explosions 2–4 km south (outside the 6 km
    # corridor) or 8–12 km south (across the M4, inside it)
    observer = (36.60964, 35.93)
    day = b.day(2020, 3, 10)
    near = b.event(observer, day, kind=EventKind.STRIKE, text="explosions 2-4 km south")
    far = b.event(observer, day, kind=EventKind.STRIKE, text="explosions 8-12 km south")
    plain = evaluate(m4, [near, far])
    assert plain == []  # as points with 2 km discs, both lie outside the corridor
    found = {f.event_id: f for f in evaluate(m4, [near, far], sectors_from_text=True)}
    assert set(found) == {"test:" + far.source_id}
    f = found["test:" + far.source_id]
    assert f.verdict is Verdict.VIOLATION and f.shape.startswith("sector 8–12 km")


def test_observer_columns_give_a_sector(m4: dmzwatch.Scenario, b: Any) -> None:
    observer = (36.60964, 35.93)
    row = {"bearing": "S", "distance_km": "4-9"}
    e = b.event(observer, b.day(2020, 3, 10), kind=EventKind.STRIKE, original=row)
    (f,) = evaluate(m4, [e])
    assert f.verdict is Verdict.POSSIBLE and 0.1 <= f.p_in_zone < 0.9
    assert "observer's bearing and distance" in f.shape
