"""The daily report: its numbers from plain inputs, its HTML (deterministic, self-contained)
and its PDF."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.events.model import Event, EventKind
from dmzwatch.patrol import build_plan, history_from_events
from dmzwatch.report._html import GENERATED_MARK, render_html
from dmzwatch.report._patrol import LOW_COVERAGE
from dmzwatch.report._pdf import pdf_page_count
from dmzwatch.report.daily import (
    Period,
    ReportFinding,
    build_daily_report,
    report_findings,
    write_daily_report,
)
from dmzwatch.rules.finding import EXAMPLE, Finding

DAY = dt.date(2018, 11, 24)
MOREK = (36.6897, 35.37615)  # in the core band (see the scenario's doctest)
KHAN_SHAYKHUN = (36.6386, 35.4397)
FAR_EAST = (37.9, 35.5)  # government-held, far outside the zone
EAST_OF_LINE = (36.95, 35.6)  # government-held, within the patrolled strip


def event(
    source_id: str,
    day: dt.date,
    where: tuple[float, float] = MOREK,
    *,
    civilians: int | None = None,
    deaths: int | None = None,
    source: str = "ucdp",
) -> Event:
    t = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    return Event(
        source,
        source_id,
        EventKind.STRIKE,
        t,
        t,
        where[0],
        where[1],
        precision_km=2.0,
        fatalities_best=deaths,
        civilians=civilians,
        actors=("Government of Syria", "Syrian insurgents"),
        text=f"shelling near the town, report {source_id}",
    )


def finding(
    fid: str,
    day: dt.date,
    verdict: str = "violation",
    *,
    rule: str = "zone-in-force",
    band: str = "core",
    where: tuple[float, float] = MOREK,
    actors: tuple[str, ...] = ("Government of Syria",),
    civilians: int | None = None,
    cls: str | None = None,
) -> ReportFinding:
    return ReportFinding(
        finding_id=fid,
        rule_id=rule,
        verdict=verdict,
        date=day,
        lon=where[0],
        lat=where[1],
        p_in_zone=1.0 if verdict == "violation" else 0.5,
        zone="dmz",
        band=band,
        distance_km=5.0,
        event_ids=(f"ucdp:{fid}",),
        precision_km=2.0,
        equipment_class=cls,
        actors=actors,
        civilians=civilians,
        reasons=(f"reason of {fid}",),
        source="ucdp",
    )


def test_periods_and_cutoff(idlib: dmzwatch.Scenario) -> None:
    r = build_daily_report(idlib, [], [], DAY, days=3)
    assert r.period == Period(dt.date(2018, 11, 22), DAY)
    assert r.previous == Period(dt.date(2018, 11, 19), dt.date(2018, 11, 21))
    assert r.since_signing == Period(idlib.agreement.signed, DAY)
    assert r.cutoff.date() == DAY and r.cutoff.tzinfo is idlib.agreement.timezone
    assert r.utc_offset == "UTC+02:00"  # Damascus in November 2018
    assert any("no reported event" in s for s in r.summary)
    with pytest.raises(ValueError, match="at least 1"):
        build_daily_report(idlib, [], [], DAY, days=0)


def test_a_period_before_the_signing(idlib: dmzwatch.Scenario) -> None:
    """Before the signing no rule was in force: no count "since signing" of minus N days,
    and the cumulative column does not call the period's first day the signature."""
    r = build_daily_report(idlib, [], [], dt.date(2018, 9, 1), days=7, patrol=False)
    assert (
        "The period ends before the agreement was signed on 17 Sep 2018: none of its rules "
        "was in force yet."
    ) in r.summary
    assert not any(s.startswith("Since the agreement was signed") for s in r.summary)
    html = render_html(r, idlib, generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert "26 Aug 2018 (signature)" not in html
    assert "26 Aug 2018 (the agreement was signed 17 Sep 2018)" in html
    after = build_daily_report(idlib, [], [], DAY, patrol=False)
    assert "Since the agreement was signed on 17 Sep 2018 (69 days): " in " ".join(after.summary)
    html = render_html(after, idlib, generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert "17 Sep 2018 (signature)" in html


def test_counts_compare_with_the_previous_period_and_since_signing(
    idlib: dmzwatch.Scenario,
) -> None:
    findings = [
        finding("a", DAY),
        finding("b", DAY, "possible", band="fringe", actors=("HTS", "Government of Syria")),
        finding("c", DAY, rule="heavy-weapons-withdrawn", cls="artillery"),
        finding("d", DAY - dt.timedelta(days=1)),
        finding("e", dt.date(2018, 10, 20), "possible"),
        finding("late", DAY + dt.timedelta(days=1)),  # after the cut-off: left out
        finding("ok", DAY, "compliant"),  # not a breach: left out
    ]
    r = build_daily_report(idlib, [], findings, DAY)
    t = r.totals
    assert (t.v, t.p, t.prev_v, t.prev_p, t.cum_v, t.cum_p) == (2, 1, 1, 0, 3, 2)
    assert [f.finding.finding_id for f in r.findings] == ["a", "c", "b"]
    by_type = {row.label: (row.v, row.p, row.cum_v) for row in r.by_type}
    artillery = idlib.agreement.classes["artillery"].title.lower()
    assert by_type == {
        "Attack in the zone": (1, 1, 2),
        f"Prohibited weapon in the zone: {artillery}": (1, 0, 1),
    }
    by_band = {row.label: row.total for row in r.by_band}
    assert by_band == {"dmz, core (certain)": 2, "dmz, fringe (uncertain)": 1}
    by_actor = {row.label: row.total for row in r.by_actor}
    government = idlib.agreement.actors[2].name
    radical = idlib.agreement.actors[1].name
    assert by_actor[government] == 3 and by_actor[radical] == 1  # aliases matched
    assert r.summary[0].startswith("In the period (24 Nov 2018) 2 violations and 1 possible")


def test_civilian_harm_by_band_and_places_affected(idlib: dmzwatch.Scenario) -> None:
    events = [
        event("1", DAY, MOREK, civilians=3, deaths=5),
        event("2", DAY, FAR_EAST, civilians=7, deaths=7),
        event("3", DAY - dt.timedelta(days=1), MOREK, civilians=2, deaths=2),
        event("4", DAY + dt.timedelta(days=2), MOREK, civilians=50, deaths=50),
    ]
    findings = [finding("1", DAY, civilians=3), finding("k", DAY, "possible", where=KHAN_SHAYKHUN)]
    r = build_daily_report(idlib, events, findings, DAY)
    rows = {h.label: h for h in r.harm}
    core = rows["dmz, core"]
    assert (core.events, core.fatalities, core.civilians) == (1, 5, 3)
    assert (core.prev_events, core.prev_civilians, core.cum_civilians) == (1, 2, 5)
    assert rows["outside the zone(s)"].civilians == 7
    total = r.harm[-1]
    assert total.label == "all reported events" and total.civilians == 10
    assert r.events_in_period == 2 and r.events_total == 3  # event 4 is after the cut-off
    assert [e["key"] for e in r.harm_events] == ["ucdp:1", "ucdp:2"]
    names = {p.name: p for p in r.places}
    morek = next(
        p for p in idlib.places if abs(p.lon - MOREK[0]) < 0.01 and abs(p.lat - MOREK[1]) < 0.01
    )
    assert names[morek.name].violations == 1 and names[morek.name].civilians == 3
    assert sum(p.violations + p.possible for p in r.places) == 2
    assert r.findings[0].location.endswith(morek.name)


def test_trend_bins_end_with_the_period(idlib: dmzwatch.Scenario) -> None:
    findings = [finding(str(i), DAY - dt.timedelta(days=i)) for i in range(0, 40, 3)]
    r = build_daily_report(idlib, [], findings, DAY, days=7)
    assert r.trend[-1].end == DAY and r.trend[-1].current
    assert all(b.end - b.start == dt.timedelta(days=6) for b in r.trend)
    assert r.trend[0].end >= idlib.agreement.signed
    assert sum(b.violations for b in r.trend) == len(findings)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.sampled_from(["violation", "possible", "compliant"]),
            st.sampled_from(["core", "fringe", ""]),
        ),
        max_size=30,
    ),
    st.integers(min_value=1, max_value=10),
)
def test_tables_add_up(
    idlib: dmzwatch.Scenario, spec: list[tuple[int, str, str]], days: int
) -> None:
    findings = [
        finding(f"h{i}", DAY - dt.timedelta(days=back), verdict, band=band)
        for i, (back, verdict, band) in enumerate(spec)
    ]
    r = build_daily_report(idlib, [], findings, DAY, days=days, patrol=False)
    in_period = [f for f in findings if f.date in r.period and f.verdict != "compliant"]
    assert r.totals.total == len(in_period) == len(r.findings)
    assert sum(row.total for row in r.by_type) == r.totals.total
    assert sum(row.total for row in r.by_band) == r.totals.total
    assert sum(row.previous_total for row in r.by_band) == r.totals.previous_total
    assert r.totals.cumulative_total >= r.totals.total + r.totals.previous_total
    assert r.totals.cumulative_total == sum(row.cumulative_total for row in r.by_type)


def test_engine_findings_become_report_findings() -> None:
    engine_finding = Finding.from_dict(EXAMPLE)
    ev = event("1", dt.date(2018, 11, 1), civilians=4, deaths=6)
    (rf,) = report_findings([engine_finding], [ev])
    assert (rf.finding_id, rf.rule_id, rf.verdict, rf.band) == (
        "f-0",
        "zone-in-force",
        "violation",
        "core",
    )
    assert rf.date == dt.date(2018, 11, 1) and not rf.date_uncertain
    assert (rf.fatalities, rf.civilians, rf.precision_km, rf.source) == (6, 4, 2.0, "ucdp")
    compliant = Finding.from_dict({**EXAMPLE, "verdict": "compliant"})
    assert report_findings([compliant], [ev]) == []


def _inputs(idlib: dmzwatch.Scenario) -> tuple[list[Event], list[ReportFinding]]:
    events = [
        event(str(i), DAY - dt.timedelta(days=i % 5), MOREK, civilians=i % 3) for i in range(8)
    ]
    findings = [
        finding(
            str(i),
            DAY - dt.timedelta(days=i % 5),
            "violation" if i % 2 else "possible",
            civilians=i % 3,
        )
        for i in range(8)
    ]
    return events, findings


def _without_generated(html: str) -> list[str]:
    return [line for line in html.splitlines() if GENERATED_MARK not in line]


def test_same_log_same_html_but_the_generation_line(idlib: dmzwatch.Scenario) -> None:
    events, findings = _inputs(idlib)
    one = render_html(
        build_daily_report(idlib, events, findings, DAY, days=2),
        idlib,
        generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    two = render_html(
        build_daily_report(idlib, list(reversed(events)), list(reversed(findings)), DAY, days=2),
        idlib,
        generated_at=dt.datetime(2025, 6, 1, 12, 30, tzinfo=dt.UTC),
    )
    assert one != two
    assert _without_generated(one) == _without_generated(two)
    differing = [a for a, b in zip(one.splitlines(), two.splitlines(), strict=True) if a != b]
    assert len(differing) == 1 and GENERATED_MARK in differing[0]
    changed = render_html(
        build_daily_report(idlib, events, findings[1:], DAY, days=2),
        idlib,
        generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    assert _without_generated(changed) != _without_generated(one)


def test_html_is_self_contained_and_complete(idlib: dmzwatch.Scenario) -> None:
    events, findings = _inputs(idlib)
    report = build_daily_report(idlib, events, findings, DAY, days=2)
    html = render_html(report, idlib, generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "<script" not in html
    for heading in (
        "Summary",
        "Violations and possible violations",
        "Trend",
        "Civilian harm",
        "Places affected",
        "Notes on method",
        "Sources and attribution",
    ):
        assert heading in html
    assert "UCDP Georeferenced Event Dataset" in html and "CC BY 4.0" in html
    assert "GeoNames" in html and "Natural Earth" in html and "S/2018/852" in html
    assert report.digest in html
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 3  # the zone, the trend, the patrol coverage
    svg_map = base64.b64decode(images[0]).decode()
    assert "<dc:date>" not in svg_map and "<svg" in svg_map
    for f in report.findings:
        assert f.finding.finding_id in html


@pytest.mark.slow
def test_pdf_printed_with_chromium(idlib: dmzwatch.Scenario, tmp_path: Path) -> None:
    events, findings = _inputs(idlib)
    report = build_daily_report(idlib, events, findings, DAY, days=2)
    paths = write_daily_report(report, idlib, tmp_path, pdf=True)
    assert set(paths) == {"html", "json", "pdf"}
    pdf = paths["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages = pdf_page_count(pdf)
    assert pages >= 2
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(rf"^Pages:\s+{pages}$", info.stdout, re.M)
    assert "A4" in info.stdout
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes().startswith(b"\x89PNG")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "Daily report" in text.stdout or "Report" in text.stdout
    assert "Sources and attribution" in text.stdout


def test_patrol_coverage_section_for_idlib(idlib: dmzwatch.Scenario) -> None:
    events = [event("1", DAY - dt.timedelta(days=3), MOREK), event("2", DAY, FAR_EAST)]
    findings = [
        finding("m", DAY, where=MOREK),
        finding("e", DAY, "possible", where=EAST_OF_LINE, band=""),
        finding("far", DAY, where=FAR_EAST, band=""),
    ]
    r = build_daily_report(idlib, events, findings, DAY, days=2)
    pc = r.patrol
    assert pc.available and pc.start == DAY + dt.timedelta(days=1)
    # the same plan as the patrol core makes: sectors per party, units, network
    plan = build_plan(idlib, start=pc.start, history=history_from_events(events))
    per_party = Counter("+".join(s.parties) for s in plan.sectors)
    assert {p.party: p.sectors for p in pc.parties} == dict(per_party) != {}
    assert set(per_party) == {"TR", "RU"} and pc.sectors == len(plan.sectors)
    assert pc.units == {"TR": 4, "RU": 4} and pc.network == "fallback"
    assert pc.solver_status == "optimal" and pc.gap <= 1e-6 and pc.history_records == 2
    for p in pc.parties:
        assert len(p.top_coverage) == len(p.top_value) == 3
        assert p.top_coverage[0].coverage >= p.top_coverage[-1].coverage
        assert p.top_value[0].value >= p.top_value[-1].value
    # findings by point-in-polygon: Morek and the point east of the line in sectors, not far
    assert pc.findings_in_sectors == 2
    expected = set()
    for f in findings:
        inside = [
            i for i, s in enumerate(plan.sectors) if shapely.contains_xy(s.geometry, f.lon, f.lat)
        ]
        assert len(inside) == (0 if f.finding_id == "far" else 1)
        if inside and plan.coverage[inside[0]] < LOW_COVERAGE:
            expected.add((f.finding_id, plan.sectors[inside[0]].id))
    assert {(low.finding_id, low.sector) for low in pc.low_findings} == expected
    assert "e" in {fid for fid, _ in expected}  # no history there: the plan leaves it thin
    html = render_html(r, idlib, generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    section = html[html.index("<h2>7. Patrol coverage</h2>") : html.index("8. Notes on method")]
    assert "not observed patrols" in section and "Road network: fallback" in section
    for p in pc.parties:
        assert f'<tr><td>{p.party}</td><td class="n">{p.sectors}</td>' in section
    assert r.to_dict()["patrol"]["sectors"] == pc.sectors


def test_no_patrol_section_without_patrol_duties(idlib: dmzwatch.Scenario) -> None:
    bare = dmzwatch.Scenario(dataclasses.replace(idlib.agreement, patrols=()), cache_dir=False)
    r = build_daily_report(bare, [], [finding("m", DAY)], DAY)
    assert not r.patrol.available and "no patrol duties" in r.patrol.note.lower()
    html = render_html(r, bare, generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert "Patrol coverage</h2>" not in html and "7. Notes on method" in html
    (note,) = re.findall(r'<p class="none patrol-absent">(.*)</p>', html)
    assert "no patrol duties" in note.lower()
    assert len(re.findall(r'src="data:image/svg\+xml;base64,', html)) == 2
