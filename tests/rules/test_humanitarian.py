"""Monthly table, bands by month and places near findings, on events the tests make."""

from __future__ import annotations

from typing import Any

import dmzwatch
from dmzwatch.events.model import EventKind
from dmzwatch.rules import evaluate
from dmzwatch.rules.humanitarian import band_months, monthly_table, places_near_findings


def test_tables_on_made_events(idlib: dmzwatch.Scenario, b: Any) -> None:
    events = [
        b.event(b.MOREK, b.day(2018, 11, 1), kind=EventKind.STRIKE, civilians=3, fatalities_best=4),
        b.event(b.MOREK, b.day(2018, 11, 2), kind=EventKind.STRIKE, civilians=1, fatalities_best=1),
        b.event(b.TAFTANAZ, b.day(2018, 11, 3), kind=EventKind.STRIKE, civilians=2),
        b.event(b.SURAN, b.day(2018, 12, 1), kind=EventKind.STRIKE, civilians=7),
        b.event(b.MOREK, b.day(2018, 9, 30), kind=EventKind.STRIKE, civilians=5),
    ]
    findings = evaluate(idlib, events)
    rows = {r.month: r for r in monthly_table(idlib, events, findings)}
    assert list(rows) == ["2018-09", "2018-10", "2018-11", "2018-12"]
    nov = rows["2018-11"]
    assert (nov.events, nov.core, nov.fringe, nov.violations, nov.possible) == (3, 2, 1, 2, 1)
    assert nov.civilian_deaths == 6
    assert (rows["2018-12"].events, rows["2018-12"].civilian_deaths) == (1, 0)  # outside the zone
    assert (rows["2018-09"].violations, rows["2018-09"].civilian_deaths) == (0, 5)
    cells = {(c.month, c.band): c for c in band_months(idlib, events)}
    assert cells[("2018-11", "core")].deaths == 5
    assert cells[("2018-12", "outside")].civilian_deaths == 7
    near = {p.place.name: p for p in places_near_findings(idlib, events, findings, radius_km=3)}
    assert near["Murak"].violations == 2 and near["Murak"].civilian_deaths == 4
    assert near["Taftanaz"].possible == 1
    assert "Suran" not in near
