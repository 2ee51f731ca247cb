"""The daily report's arithmetic: counts by key, civilian harm, places, trend, sentences.

Plain functions over plain values; :mod:`dmzwatch.report.daily` calls them in order. Every
ordering is total (ties broken by a label or id), so the same inputs give the same tables.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..agreement.model import Agreement
from ..events.model import Event
from ..scenario import Scenario

if TYPE_CHECKING:
    from .daily import Period, ReportFinding

__all__ = [
    "CountRow",
    "HarmRow",
    "PlaceRow",
    "TrendBin",
    "by_key",
    "civilian_harm",
    "describe_locations",
    "event_key",
    "harm_events",
    "places_affected",
    "summary_sentences",
    "trend_bins",
    "type_label",
]

NEAR_KM = 5.0
"""A finding is attributed to the nearest populated place within this distance."""

DESCRIBE_KM = 25.0
"""A finding's location is described from the nearest place within this distance."""

_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True, slots=True)
class CountRow:
    """Violations (``v``) and possible violations (``p``): this period, the previous one, and
    cumulative since the agreement was signed.

    >>> r = CountRow("x", 3, 1, 1, 1, 9, 4)
    >>> r.total, r.previous_total, r.change, r.cumulative_total
    (4, 2, 2, 13)
    """

    label: str
    v: int
    p: int
    prev_v: int
    prev_p: int
    cum_v: int
    cum_p: int

    @property
    def total(self) -> int:
        return self.v + self.p

    @property
    def previous_total(self) -> int:
        return self.prev_v + self.prev_p

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def cumulative_total(self) -> int:
        return self.cum_v + self.cum_p


@dataclass(frozen=True, slots=True)
class HarmRow:
    """Reported events, deaths and civilian deaths in one band (or outside every zone)."""

    label: str
    events: int
    fatalities: int
    civilians: int
    prev_events: int
    prev_fatalities: int
    prev_civilians: int
    cum_events: int
    cum_fatalities: int
    cum_civilians: int


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A populated place with the period's findings nearest to it."""

    name: str
    admin1: str
    band: str
    population: int
    violations: int
    possible: int
    civilians: int
    nearest_km: float


@dataclass(frozen=True, slots=True)
class TrendBin:
    """One bar of the trend chart: a span of days as long as the report's period."""

    start: dt.date
    end: dt.date
    violations: int
    possible: int
    civilians_in_zone: int
    current: bool


def event_key(event: Event) -> str:
    """The id the report shows for an event: ``source:source_id``.

    >>> from dmzwatch.events.model import EventKind
    >>> t = dt.datetime(2018, 11, 24, tzinfo=dt.UTC)
    >>> event_key(Event("ucdp", "123", EventKind.ATTACK, t, t, 36.6, 35.6))
    'ucdp:123'
    """
    return f"{event.source}:{event.source_id}"


def type_label(agreement: Agreement, rule_id: str, equipment_class: str | None) -> str:
    """What kind of breach a finding of ``rule_id`` is, in words, with the weapon class."""
    rule = next((r for r in agreement.rules if r.id == rule_id), None)
    if rule is None:
        return rule_id
    cls = agreement.classes.get(equipment_class or "")
    what = (cls.title if cls else equipment_class or "unspecified class").lower()
    zone = agreement.zone(rule.zone).title.lower() if len(agreement.zones) > 1 else "zone"
    if rule.kind == "attack_prohibited":
        return f"Attack in the {zone}"
    if rule.kind == "prohibited_class":
        return f"Prohibited weapon in the {zone}: {what}"
    if rule.kind == "cap":
        return f"Above the cap in the {zone}: {what}"
    if rule.kind == "withdrawal":
        return f"Not withdrawn from the {zone}: {what}"
    return rule_id  # pragma: no cover  (every rule kind is named above)


def by_key(
    cur: Sequence[ReportFinding],
    prev: Sequence[ReportFinding],
    cum: Sequence[ReportFinding],
    key: Callable[[ReportFinding], tuple[str, ...]],
    *,
    order: Literal["count", "key"] = "count",
) -> list[CountRow]:
    """Count violations and possible violations per key (a finding may have several keys)."""
    counts: dict[str, list[int]] = {}
    for slot, findings in enumerate((cur, prev, cum)):
        for f in findings:
            for k in key(f):
                row = counts.setdefault(k, [0] * 6)
                row[2 * slot + (f.verdict != "violation")] += 1
    rows = [CountRow(k, *c) for k, c in counts.items()]
    if order == "key":
        return sorted(rows, key=lambda r: r.label)
    return sorted(rows, key=lambda r: (-r.total, -r.cumulative_total, r.label))


def _local_day(event: Event, agreement: Agreement) -> dt.date:
    return event.start.astimezone(agreement.timezone).date()


def harm_events(scenario: Scenario, events: Sequence[Event]) -> list[dict[str, Any]]:
    """One row per event: its day, band, deaths and nearest place (classified in one pass)."""
    if not events:
        return []
    lon = np.array([e.lon for e in events], dtype=float)
    lat = np.array([e.lat for e in events], dtype=float)
    prec = np.array([e.precision_km for e in events], dtype=float)
    result = scenario.classify(lon, lat, prec)
    names = _nearest_names(scenario, lon, lat)
    rows = []
    for i, e in enumerate(events):
        rows.append(
            {
                "key": event_key(e),
                "date": _local_day(e, scenario.agreement),
                "zone": str(result.zone[i]),
                "band": str(result.band[i]),
                "p_in_zone": round(float(result.p_in_zone[i]), 3),
                "fatalities": e.fatalities_best,
                "civilians": e.civilians,
                "location": names[i],
                "text": " ".join(e.text.split())[:160],
            }
        )
    return rows


def civilian_harm(
    rows: Sequence[dict[str, Any]], period: Period, previous: Period, since: Period
) -> list[HarmRow]:
    """Events, deaths and civilian deaths by band: this period, the previous, cumulative."""

    def key(row: dict[str, Any]) -> tuple[str, str]:
        return (row["zone"], row["band"]) if row["band"] else ("", "")

    labels = {
        key(r): f"{r['zone']}, {r['band']}" if r["band"] else "outside the zone(s)" for r in rows
    }
    keys = sorted(labels, key=lambda k: (k[1] == "", k[0], k[1] != "core", k[1]))
    out = []
    for k in [*keys, None]:
        sel = [r for r in rows if k is None or key(r) == k]
        sums = []
        for span in (period, previous, since):
            in_span = [r for r in sel if r["date"] in span]
            sums += [
                len(in_span),
                sum(r["fatalities"] or 0 for r in in_span),
                sum(r["civilians"] or 0 for r in in_span),
            ]
        out.append(HarmRow("all reported events" if k is None else labels[k], *sums))
    return out


def _nearest_names(scenario: Scenario, lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """``"Kafr Nabl"``, ``"3 km NE of Kafr Nabl"`` or the coordinates, per point."""
    places = scenario.places
    if not places or len(lon) == 0:
        return [f"{la:.3f}°N {lo:.3f}°E" for lo, la in zip(lon, lat, strict=True)]
    idx, dist, dx, dy = _nearest(scenario, lon, lat)
    names = []
    for i in range(len(lon)):
        km = float(dist[i])
        place = places[int(idx[i])].name
        if km > DESCRIBE_KM:
            names.append(f"{lat[i]:.3f}°N {lon[i]:.3f}°E")
        elif km < 1.0:
            names.append(place)
        else:
            angle = math.degrees(math.atan2(float(dx[i]), float(dy[i]))) % 360
            names.append(f"{km:.0f} km {_COMPASS[round(angle / 45) % 8]} of {place}")
    return names


def _nearest(
    scenario: Scenario, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Index of the nearest place, its distance (km) and the offset from it (m), per point."""
    px, py = scenario.projection.forward(
        [p.lon for p in scenario.places], [p.lat for p in scenario.places]
    )
    x, y = scenario.projection.forward(lon, lat)
    dx = x[:, None] - px[None, :]
    dy = y[:, None] - py[None, :]
    d2 = dx * dx + dy * dy
    idx = np.argmin(d2, axis=1)
    rows = np.arange(len(x))
    return idx, np.sqrt(d2[rows, idx]) / 1000.0, dx[rows, idx], dy[rows, idx]


def describe_locations(scenario: Scenario, findings: Sequence[ReportFinding]) -> dict[str, str]:
    """A place-based description of each finding's location, by finding id."""
    lon = np.array([f.lon for f in findings], dtype=float)
    lat = np.array([f.lat for f in findings], dtype=float)
    names = _nearest_names(scenario, lon, lat)
    return {f.finding_id: name for f, name in zip(findings, names, strict=True)}


def places_affected(scenario: Scenario, findings: Sequence[ReportFinding]) -> list[PlaceRow]:
    """Places with findings of the period within :data:`NEAR_KM` (each finding counted once,
    for its nearest place)."""
    places = scenario.places
    if not places or not findings:
        return []
    lon = np.array([f.lon for f in findings], dtype=float)
    lat = np.array([f.lat for f in findings], dtype=float)
    idx, dist, _, _ = _nearest(scenario, lon, lat)
    bands = scenario.classify_places()
    tally: dict[int, list[float]] = {}
    seen_events: dict[int, set[str]] = {}
    for i, f in enumerate(findings):
        if dist[i] > NEAR_KM:
            continue
        j = int(idx[i])
        row = tally.setdefault(j, [0, 0, 0, math.inf])
        row[0 if f.verdict == "violation" else 1] += 1
        events = seen_events.setdefault(j, set())
        key = ",".join(f.event_ids) or f.finding_id
        if key not in events:  # civilians once per event, not once per finding
            events.add(key)
            row[2] += f.civilians or 0
        row[3] = min(row[3], float(dist[i]))
    out = []
    for j, (v, p, civ, near) in tally.items():
        place = places[j]
        band = str(bands.band[j])
        out.append(
            PlaceRow(
                place.name,
                place.admin1,
                f"{bands.zone[j]}, {band}" if band else "outside",
                place.population,
                int(v),
                int(p),
                int(civ),
                round(near, 1),
            )
        )
    return sorted(out, key=lambda r: (-(r.violations + r.possible), -r.civilians, r.name))


def trend_bins(
    period: Period,
    signed: dt.date,
    findings: Sequence[ReportFinding],
    harm: Sequence[dict[str, Any]],
    *,
    span_days: int = 182,
) -> list[TrendBin]:
    """Bars as long as the period, ending with it, back over about ``span_days`` (8 to 30
    bars) but not before the day the agreement was signed."""
    n = min(30, max(8, math.ceil(span_days / period.days)))
    step = dt.timedelta(days=period.days)
    bins = []
    for k in range(n - 1, -1, -1):
        end = period.end - k * step
        start = end - step + dt.timedelta(days=1)
        if end < signed:
            continue
        v = sum(1 for f in findings if start <= f.date <= end and f.verdict == "violation")
        p = sum(1 for f in findings if start <= f.date <= end and f.verdict != "violation")
        civ = sum(r["civilians"] or 0 for r in harm if r["band"] and start <= r["date"] <= end)
        bins.append(TrendBin(start, end, v, p, civ, k == 0))
    return bins


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _vp(v: int, p: int) -> str:
    return f"{_plural(v, 'violation')} and {_plural(p, 'possible violation')}"


def summary_sentences(
    *,
    period: Period,
    previous: Period,
    since: Period,
    signed: dt.date,
    totals: CountRow,
    by_type: Sequence[CountRow],
    by_band: Sequence[CountRow],
    harm: Sequence[HarmRow],
    places: Sequence[PlaceRow],
    events_in_period: int,
    latest: dt.date | None,
    distinct_events: int,
) -> list[str]:
    """The report's opening bullets, in plain, neutral words."""
    out = []
    if totals.total == 0:
        out.append(f"No violation or possible violation was found in the period ({period.label}).")
    else:
        out.append(
            f"In the period ({period.label}) {_vp(totals.v, totals.p)} were found, from "
            f"{_plural(distinct_events, 'reported event')}; in the previous period "
            f"({previous.label}): {totals.prev_v:,} and {totals.prev_p:,}."
        )
        top = [r for r in by_type if r.total][:2]
        kinds = "; ".join(f"{r.label.lower()} ({r.total:,})" for r in top)
        band = max((r for r in by_band if r.total), key=lambda r: (r.total, r.label))
        out.append(
            f"Most findings concern: {kinds}. {band.total:,} of {totals.total:,} lie in "
            f"{band.label}."
        )
    if totals.total == 0 and totals.previous_total:
        out.append(
            f"The previous period ({previous.label}) had {_vp(totals.prev_v, totals.prev_p)}."
        )
    in_zone = [h for h in harm[:-1] if not h.label.startswith("outside")]
    civ = sum(h.civilians for h in in_zone)
    prev_civ = sum(h.prev_civilians for h in in_zone)
    deaths = sum(h.fatalities for h in in_zone)
    if any(h.events for h in in_zone) or prev_civ:
        out.append(
            f"Reported deaths in events located in the zone: {deaths:,}, of them "
            f"{_plural(civ, 'civilian')} (previous period: {_plural(prev_civ, 'civilian')})."
        )
    named = [p for p in places if p.violations + p.possible][:3]
    if named:
        out.append(
            "Places with the most findings nearby: "
            + ", ".join(f"{p.name} ({p.violations + p.possible})" for p in named)
            + "."
        )
    days = (since.end - signed).days + 1
    if days < 1:
        out.append(
            f"The period ends before the agreement was signed on {signed.day} {signed:%b %Y}: "
            "none of its rules was in force yet."
        )
    else:
        out.append(
            f"Since the agreement was signed on {signed.day} {signed:%b %Y} ({days:,} days): "
            f"{_vp(totals.cum_v, totals.cum_p)}."
        )
    if events_in_period == 0:
        out.append(
            "The log holds no reported event for the period: an absence of reports is not "
            "evidence of compliance."
        )
    if latest is not None and latest < period.end:
        out.append(f"The latest event in the log is dated {latest.day} {latest:%b %Y}.")
    return out
