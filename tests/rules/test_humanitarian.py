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


def test_the_monthly_table_of_a_zone_counts_the_rules_on_that_zone(
    minsk: dmzwatch.Scenario, b: Any
) -> None:
    """Minsk's zones nest: a tank 10 km out (in the 15 km zone) breaks the 15 km rule, and
    also lies in the 50 km zone, whose own rule (artillery) it does not break."""
    where = b.offset_point(minsk, "contact_schematic", 10, 1, fraction=0.45)
    tank = b.event(where, b.day(2015, 11, 20), equipment_class="tank", actors=("UA forces",))
    gun = b.event(
        b.offset_point(minsk, "contact_schematic", 40, 1, fraction=0.45),
        b.day(2015, 11, 21),
        equipment_class="artillery_100mm_plus",
        actors=("UA forces",),
    )
    findings = evaluate(minsk, [tank, gun])
    assert {f.rule for f in findings} == {"tanks-15km", "artillery-50km"}

    def row(zone: str) -> tuple[int, int, int]:
        (r,) = monthly_table(minsk, [tank, gun], findings, zone=zone)
        return r.core, r.violations, r.possible

    assert row("security_15km") == (1, 1, 0)  # the tank only
    assert row("security_50km") == (2, 1, 0)  # both lie in it; only the gun breaks its rule
    assert row("security_140km") == (2, 0, 0)  # no rule of its own is broken
