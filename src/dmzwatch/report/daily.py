"""The daily report: what was found in a period, compared with the one before and since signing.

The report is built in two steps. :func:`build_daily_report` takes plain inputs (a scenario,
the reported events, the findings as :class:`ReportFinding` values, a last day and a number
of days) and computes every number, table and sentence of the report into a
:class:`DailyReport`; nothing is read from disk or a database. :func:`write_daily_report`
renders that report as a self-contained HTML page (figures inline, nothing fetched) and,
optionally, prints it to PDF with headless Chromium.

Periods are inclusive days in the agreement's timezone. An event or finding belongs to the
day on which its (possibly imprecise) date interval starts. The same inputs give the same
HTML, byte for byte, except the one line that says when the report was generated.

>>> from dmzwatch import load_scenario
>>> r = build_daily_report(load_scenario("idlib-2018"), [], [], dt.date(2018, 11, 24), days=7)
>>> r.period.label, r.previous.label, r.since_signing.start.isoformat()
('18–24 Nov 2018', '11–17 Nov 2018', '2018-09-17')
>>> r.summary[0]
'No violation or possible violation was found in the period (18–24 Nov 2018).'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..events.model import Event
from ..rules.finding import Finding
from ..scenario import Scenario
from ._patrol import PatrolCoverage, patrol_coverage
from ._tally import (
    CountRow,
    HarmRow,
    PlaceRow,
    TrendBin,
    by_key,
    civilian_harm,
    describe_locations,
    event_key,
    harm_events,
    places_affected,
    summary_sentences,
    trend_bins,
    type_label,
)

__all__ = [
    "CountRow",
    "DailyReport",
    "HarmRow",
    "PatrolCoverage",
    "Period",
    "PlaceRow",
    "ReportFinding",
    "TrendBin",
    "Verdict",
    "build_daily_report",
    "event_key",
    "report_findings",
    "write_daily_report",
]

log = logging.getLogger(__name__)

Verdict = str
"""A finding's verdict as the report counts it: ``"violation"`` or ``"possible"``."""

VERDICTS = ("violation", "possible")

_NO_PATROL = "Patrol coverage was not computed for this report."


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive days ``start``..``end``.

    >>> p = Period(dt.date(2018, 11, 30), dt.date(2018, 12, 1))
    >>> p.days, p.label, dt.date(2018, 12, 1) in p
    (2, '30 Nov – 1 Dec 2018', True)
    """

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """A short human label: ``24 Nov 2018``, ``18–24 Nov 2018``, ``30 Nov – 1 Dec 2018``."""
        a, b = self.start, self.end
        if a == b:
            return _day(b)
        if (a.year, a.month) == (b.year, b.month):
            return f"{a.day}–{_day(b)}"
        if a.year == b.year:
            return f"{a.day} {a:%b} – {_day(b)}"
        return f"{_day(a)} – {_day(b)}"


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True, slots=True)
class ReportFinding:
    """One finding as the report needs it: plain values, no database row.

    ``date`` is the local day (agreement timezone) on which the event's date interval starts;
    ``date_uncertain`` tells that the source gives a date range rather than a day. ``verdict``
    is ``"violation"`` or ``"possible"``; other verdicts are not reported. ``reasons`` is the
    finding's own explanation, one sentence each. ``fatalities`` and ``civilians`` are the
    event's reported deaths (best estimate), when known.
    """

    finding_id: str
    rule_id: str
    verdict: Verdict
    date: dt.date
    lon: float
    lat: float
    p_in_zone: float
    zone: str
    band: str
    distance_km: float | None
    event_ids: tuple[str, ...] = ()
    precision_km: float = 0.0
    date_uncertain: bool = False
    equipment_class: str | None = None
    equipment_inferred: bool = False
    inferred_from: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    fatalities: int | None = None
    civilians: int | None = None
    reasons: tuple[str, ...] = ()
    source: str = ""
    text: str = ""


def report_findings(findings: Iterable[Finding], events: Sequence[Event]) -> list[ReportFinding]:
    """The engine's :class:`~dmzwatch.rules.Finding` objects as :class:`ReportFinding` values.

    Deaths, location precision, source and text come from the finding's first event (found
    by :func:`event_key`); a finding without a point of its own (a cap over a time window)
    is placed at its first event. Compliant findings are left out.
    """
    by_key = {event_key(e): e for e in events}
    out = []
    for f in findings:
        if f.verdict.value not in VERDICTS:
            continue
        event = by_key.get(f.event_id)
        lon = f.lon if f.lon is not None else (event.lon if event else float("nan"))
        lat = f.lat if f.lat is not None else (event.lat if event else float("nan"))
        out.append(
            ReportFinding(
                finding_id=f.finding_id,
                rule_id=f.rule,
                verdict=f.verdict.value,
                date=f.first_day,
                lon=lon,
                lat=lat,
                p_in_zone=f.p_in_zone,
                zone=f.zone,
                band=f.band,
                distance_km=f.distance_km,
                event_ids=f.event_ids,
                precision_km=event.precision_km if event else 0.0,
                date_uncertain=f.first_day != f.last_day,
                equipment_class=f.equipment_class,
                equipment_inferred=f.equipment_inferred,
                inferred_from=f.matched_words,
                actors=f.actors,
                fatalities=event.fatalities_best if event else None,
                civilians=f.civilians
                if f.civilians is not None
                else (event.civilians if event else None),
                reasons=f.reasons,
                source=event.source if event else "",
                text=" ".join(event.text.split()) if event else "",
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class FindingLine:
    """A row of the report's findings table: the finding, its type and where it is."""

    finding: ReportFinding
    type: str
    location: str
    clause: str


@dataclass(frozen=True, slots=True)
class DailyReport:
    """Everything the daily report shows, computed; rendering only formats it."""

    scenario: str
    title: str
    signed: dt.date
    timezone: str
    utc_offset: str
    schematic: bool
    cutoff: dt.datetime
    period: Period
    previous: Period
    since_signing: Period
    summary: tuple[str, ...]
    totals: CountRow
    by_type: tuple[CountRow, ...]
    by_band: tuple[CountRow, ...]
    by_actor: tuple[CountRow, ...]
    findings: tuple[FindingLine, ...]
    harm: tuple[HarmRow, ...]
    harm_events: tuple[dict[str, Any], ...]
    places: tuple[PlaceRow, ...]
    trend: tuple[TrendBin, ...]
    events_in_period: int
    events_total: int
    latest_event: dt.date | None
    sources: tuple[str, ...]
    event_sources: tuple[str, ...]
    thresholds: str
    patrol: PatrolCoverage = field(default_factory=lambda: PatrolCoverage(False, _NO_PATROL))
    digest: str = ""
    evidence_head: str | None = None
    map_findings: tuple[ReportFinding, ...] = field(default=(), repr=False)
    map_previous: tuple[ReportFinding, ...] = field(default=(), repr=False)
    map_patrol: tuple[tuple[Any, float], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The report's numbers as JSON-ready data (dates as ISO strings)."""
        data = asdict(self)
        del data["map_findings"], data["map_previous"], data["map_patrol"]
        return json.loads(json.dumps(data, default=_json_default, sort_keys=True))  # type: ignore[no-any-return]


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def build_daily_report(
    scenario: Scenario,
    events: Sequence[Event],
    findings: Sequence[ReportFinding],
    date: dt.date,
    *,
    days: int = 1,
    thresholds: tuple[float, float] = (0.9, 0.1),
    evidence_head: str | None = None,
    patrol: bool = True,
) -> DailyReport:
    """Compute the report for the ``days`` days ending on ``date`` (inclusive, local time).

    Parameters
    ----------
    scenario
        The scenario whose agreement the findings were judged against.
    events
        Every reported event in the log (any date: later ones are left out, earlier ones
        feed the comparisons and the trend).
    findings
        The findings of the compliance engine, any date; only violations and possible
        violations are reported.
    date
        The last day of the period; the cut-off is the end of that day in the agreement's
        timezone.
    days
        The length of the period; the previous period is as long and ends the day before.
    thresholds
        The ``p_in_zone`` thresholds of a violation and of a possible violation, as the
        engine used them (they are stated in the report's notes).
    evidence_head
        The hash at the head of the evidence log at the cut-off, printed when given.
    patrol
        Plan the next day's patrols from the events up to the cut-off and add the "Patrol
        coverage" section (see :mod:`dmzwatch.report._patrol`); False leaves it out.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    agreement = scenario.agreement
    tz = agreement.timezone
    period = Period(date - dt.timedelta(days=days - 1), date)
    previous = Period(period.start - dt.timedelta(days=days), period.start - dt.timedelta(days=1))
    since = Period(min(agreement.signed, period.start), date)
    cutoff = dt.datetime.combine(date, dt.time(23, 59), tzinfo=tz)
    offset = cutoff.strftime("%z")
    utc_offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"

    reported = sorted(
        (f for f in findings if f.verdict in VERDICTS and f.date <= date),
        key=lambda f: (f.date, f.verdict != "violation", f.finding_id),
    )
    known = [e for e in events if e.start.astimezone(tz).date() <= date]
    labels = {f.finding_id: type_label(agreement, f.rule_id, f.equipment_class) for f in reported}
    cur = [f for f in reported if f.date in period]
    prev = [f for f in reported if f.date in previous]
    cum = [f for f in reported if f.date in since]

    totals = next(
        iter(by_key(cur, prev, cum, lambda f: ("all findings",))),
        CountRow("all findings", 0, 0, 0, 0, 0, 0),
    )
    by_type = by_key(cur, prev, cum, lambda f: (labels[f.finding_id],))
    by_band = by_key(cur, prev, cum, lambda f: (_band_label(f.zone, f.band),), order="key")
    by_actor = by_key(cur, prev, cum, lambda f: _actor_names(agreement, f.actors))

    classified = harm_events(scenario, known)
    harm = civilian_harm(classified, period, previous, since)
    places = places_affected(scenario, cur)
    locations = describe_locations(scenario, cur)
    clauses = {r.id: " ".join(r.clause.split()) for r in agreement.rules}
    lines = tuple(
        FindingLine(f, labels[f.finding_id], locations[f.finding_id], clauses.get(f.rule_id, ""))
        for f in cur
    )
    trend = trend_bins(period, agreement.signed, reported, classified)
    if patrol:
        patrol_section, patrol_map = patrol_coverage(scenario, known, cur, date)
    else:
        patrol_section, patrol_map = PatrolCoverage(False, _NO_PATROL), ()
    in_period = sum(1 for e in known if e.start.astimezone(tz).date() in period)
    latest = max((e.start.astimezone(tz).date() for e in known), default=None)
    summary = summary_sentences(
        period=period,
        previous=previous,
        since=since,
        signed=agreement.signed,
        totals=totals,
        by_type=by_type,
        by_band=by_band,
        harm=harm,
        places=places,
        events_in_period=in_period,
        latest=latest,
        distinct_events=len({k for f in cur for k in f.event_ids}),
    )
    report = DailyReport(
        scenario=scenario.name,
        title=agreement.title,
        signed=agreement.signed,
        timezone=str(tz.key),
        utc_offset=utc_offset,
        schematic=agreement.schematic,
        cutoff=cutoff,
        period=period,
        previous=previous,
        since_signing=since,
        summary=tuple(summary),
        totals=totals,
        by_type=tuple(by_type),
        by_band=tuple(by_band),
        by_actor=tuple(by_actor),
        findings=lines,
        harm=tuple(harm),
        harm_events=tuple(_harm_listing(classified, period)),
        places=tuple(places),
        trend=tuple(trend),
        events_in_period=in_period,
        events_total=len(known),
        latest_event=latest,
        sources=tuple(agreement.sources),
        event_sources=tuple(sorted(({e.source for e in known} | {f.source for f in cur}) - {""})),
        thresholds=(
            f"violation: p_in_zone ≥ {thresholds[0]:g}; "
            f"possible violation: {thresholds[1]:g} ≤ p_in_zone < {thresholds[0]:g}"
        ),
        evidence_head=evidence_head,
        patrol=patrol_section,
        map_findings=tuple(cur),
        map_previous=tuple(prev),
        map_patrol=patrol_map,
    )
    digest = hashlib.sha256(
        json.dumps(report.to_dict(), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return _replace_digest(report, digest)


def _replace_digest(report: DailyReport, digest: str) -> DailyReport:
    return replace(report, digest=digest)


def _band_label(zone: str, band: str) -> str:
    """``dmz, core (certain)``; ``outside, near dmz`` for a point in no zone."""
    if not band:
        return f"outside, near {zone}" if zone else "outside"
    return f"{zone}, {_BAND_NAMES.get(band, band)}"


_BAND_NAMES = {"core": "core (certain)", "fringe": "fringe (uncertain)"}


def _actor_names(agreement: Any, actors: Sequence[str]) -> tuple[str, ...]:
    """The agreement's names for the actors a source names (aliases matched, case ignored)."""
    lookup: dict[str, str] = {}
    for actor in agreement.actors:
        for alias in (actor.id, actor.name, *actor.aliases):
            lookup[alias.casefold()] = actor.name
    names = {lookup.get(a.strip().casefold(), a.strip()) for a in actors if a.strip()}
    return tuple(sorted(names)) or ("not named by the source",)


def _harm_listing(classified: Any, period: Period) -> list[dict[str, Any]]:
    rows = [row for row in classified if row["date"] in period and (row["civilians"] or 0) > 0]
    rows.sort(key=lambda r: (r["band"] == "", -(r["civilians"] or 0), r["date"], r["key"]))
    return rows


def write_daily_report(
    report: DailyReport,
    scenario: Scenario,
    out: Path,
    *,
    pdf: bool = True,
    generated_at: dt.datetime | None = None,
    chromium: str | None = None,
) -> dict[str, Path]:
    """Write ``report-DATE.html`` (and ``.pdf``, ``.json``) under ``out``; returns the paths.

    ``generated_at`` (default: now, UTC) is the only thing in the HTML that changes between
    two runs on the same inputs. ``chromium`` overrides the browser executable used for the
    PDF (see :func:`dmzwatch.report._pdf.print_pdf`).
    """
    from ._html import render_html
    from ._pdf import print_pdf

    out.mkdir(parents=True, exist_ok=True)
    stem = f"report-{report.scenario}-{report.period.end.isoformat()}"
    if report.period.days > 1:
        stem += f"-{report.period.days}d"
    html_path = out / f"{stem}.html"
    html_path.write_text(render_html(report, scenario, generated_at=generated_at), "utf-8")
    json_path = out / f"{stem}.json"
    json_path.write_text(
        json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8"
    )
    paths = {"html": html_path, "json": json_path}
    if pdf:
        paths["pdf"] = print_pdf(html_path, out / f"{stem}.pdf", chromium=chromium)
    log.info("daily report written: %s", ", ".join(str(p) for p in paths.values()))
    return paths
