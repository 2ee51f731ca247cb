"""Tables for a monitor's report: findings and civilian harm by month, band and place.

Everything here is computed from events and findings already made; nothing is judged
again. An event belongs to the month of its first possible day (agreement timezone) and to
the band its reported point lies in (:class:`~dmzwatch.rules.placement.Placement`);
civilian deaths are the sources' own counts (UCDP ``deaths_civilians``; ACLED gives none).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..events.model import Event
from ..places import Place
from ..scenario import Scenario
from .finding import Finding, Verdict
from .placement import Placement
from .table import EventTable

__all__ = [
    "BandMonth",
    "MonthRow",
    "PlaceFindings",
    "band_months",
    "month_range",
    "monthly_table",
    "places_near_findings",
]

OUTSIDE = "outside"


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month of the monitor's table.

    ``violations`` and ``possible`` count events, not findings: an event with a violation
    of any rule on the table's zone counts once under ``violations``; one whose strongest
    finding is possible counts under ``possible``. ``civilian_deaths`` sums the civilian
    deaths of events whose reported point lies in the zone (core or fringe).
    """

    month: str
    events: int
    core: int
    fringe: int
    violations: int
    possible: int
    civilian_deaths: int


@dataclass(frozen=True, slots=True)
class BandMonth:
    """Events, deaths and civilian deaths of one band (or outside the zone) in one month."""

    month: str
    band: str
    events: int
    deaths: int
    civilian_deaths: int


@dataclass(frozen=True, slots=True)
class PlaceFindings:
    """A populated place and the findings whose reported point lies within ``radius_km``."""

    place: Place
    band: str
    violations: int
    possible: int
    civilian_deaths: int
    last_day: dt.date | None
    finding_ids: tuple[str, ...]


def month_range(first: str, last: str) -> list[str]:
    """Months ``YYYY-MM`` from ``first`` to ``last`` inclusive.

    >>> month_range("2018-11", "2019-02")
    ['2018-11', '2018-12', '2019-01', '2019-02']
    """
    y, m = (int(x) for x in first.split("-"))
    y1, m1 = (int(x) for x in last.split("-"))
    out = []
    while (y, m) <= (y1, m1):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _bands(scenario: Scenario, table: EventTable, zone: str) -> np.ndarray:
    placement = Placement(scenario, table.shapes)
    return placement.fit(zone).band


def _months(table: EventTable) -> list[str]:
    return [d.strftime("%Y-%m") for d in table.times.first_day]


def monthly_table(
    scenario: Scenario,
    events: Sequence[Event],
    findings: Iterable[Finding],
    *,
    zone: str | None = None,
    months: Sequence[str] | None = None,
) -> list[MonthRow]:
    """The monthly table of a zone (the agreement's first zone unless ``zone`` is given).

    Violations and possible violations are those of the rules on that zone (where zones
    nest, a rule on the 50 km zone does not count in the table of the 15 km zone).
    ``months`` fixes the rows (``YYYY-MM``); by default every month from the first to the
    last event.
    """
    zone_id = zone or scenario.zones[0].id
    table = EventTable.build(events, scenario.agreement.timezone)
    bands = _bands(scenario, table, zone_id)
    event_months = _months(table)
    strongest: dict[str, Verdict] = {}
    for f in findings:
        if f.verdict is Verdict.COMPLIANT or f.zone != zone_id:
            continue
        for eid in f.event_ids:
            if strongest.get(eid) is not Verdict.VIOLATION:
                strongest[eid] = f.verdict
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i, month in enumerate(event_months):
        row = rows[month]
        row["events"] += 1
        band = str(bands[i])
        if band:
            row[band] += 1
            row["civilians"] += table.events[i].civilians or 0
        verdict = strongest.get(table.ids[i])
        if verdict is Verdict.VIOLATION:
            row["violations"] += 1
        elif verdict is Verdict.POSSIBLE:
            row["possible"] += 1
    if months is None:
        months = month_range(min(event_months), max(event_months)) if event_months else []
    return [
        MonthRow(
            m,
            rows[m]["events"],
            rows[m]["core"],
            rows[m]["fringe"],
            rows[m]["violations"],
            rows[m]["possible"],
            rows[m]["civilians"],
        )
        for m in months
    ]


def band_months(
    scenario: Scenario, events: Sequence[Event], *, zone: str | None = None
) -> list[BandMonth]:
    """Events, deaths and civilian deaths by month and band (``outside`` beyond the zone)."""
    zone_id = zone or scenario.zones[0].id
    table = EventTable.build(events, scenario.agreement.timezone)
    bands = _bands(scenario, table, zone_id)
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, month in enumerate(_months(table)):
        cell = acc[(month, str(bands[i]) or OUTSIDE)]
        cell[0] += 1
        cell[1] += table.events[i].fatalities_best or 0
        cell[2] += table.events[i].civilians or 0
    order = {"core": 0, "fringe": 1, OUTSIDE: 2}
    return [
        BandMonth(m, band, *acc[(m, band)])
        for m, band in sorted(acc, key=lambda k: (k[0], order.get(k[1], 3), k[1]))
    ]


def places_near_findings(
    scenario: Scenario,
    events: Sequence[Event],
    findings: Sequence[Finding],
    *,
    radius_km: float = 5.0,
) -> list[PlaceFindings]:
    """Each populated place with the violations and possible violations reported near it.

    Distances are measured in the scenario's local projection between the place and each
    finding's reported point (findings without a point, such as caps, are left out).
    Places with no finding nearby are left out; the rest come most affected first.
    """
    places = scenario.places
    located = [
        f
        for f in findings
        if f.lon is not None and f.lat is not None and f.verdict is not Verdict.COMPLIANT
    ]
    flon = [f.lon for f in located if f.lon is not None]
    flat = [f.lat for f in located if f.lat is not None]
    if not places or not located:
        return []
    civilians = {f"{e.source}:{e.source_id}": e.civilians or 0 for e in events}
    proj = scenario.projection
    px, py = proj.forward([p.lon for p in places], [p.lat for p in places])
    fx, fy = proj.forward(flon, flat)
    near = np.hypot(px[:, None] - fx[None, :], py[:, None] - fy[None, :]) <= radius_km * 1000.0
    place_bands = scenario.classify_places().band
    out = []
    for i in np.flatnonzero(near.any(axis=1)).tolist():
        hits = [located[j] for j in np.flatnonzero(near[i]).tolist()]
        events_hit = {eid for f in hits for eid in f.event_ids}
        out.append(
            PlaceFindings(
                place=places[i],
                band=str(place_bands[i]) or OUTSIDE,
                violations=sum(f.verdict is Verdict.VIOLATION for f in hits),
                possible=sum(f.verdict is Verdict.POSSIBLE for f in hits),
                civilian_deaths=sum(civilians.get(eid, 0) for eid in events_hit),
                last_day=max(f.last_day for f in hits),
                finding_ids=tuple(sorted(f.finding_id for f in hits)),
            )
        )
    out.sort(key=lambda r: (-r.violations, -r.possible, -r.civilian_deaths, r.place.name))
    return out
