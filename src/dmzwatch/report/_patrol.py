"""The daily report's "Patrol coverage" section: the patrol plan for the next day.

The plan is the patrol core's (:func:`~dmzwatch.patrol.plan.build_plan`, as ``dmzwatch
patrol plan`` and ``GET /api/patrol/coverage`` make it) from the events up to the cut-off,
with the agreement's units (4 per party where it gives none), the fallback road network and
a fixed seed, so the section is as deterministic as the rest of the report. Findings of the
period are put in sectors by point-in-polygon of their locations in the sectors' polygons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ..errors import InputError
from ..events.model import Event
from ..patrol.coverage import PLAN_NOTE, history_from_events, plan_units, sector_party
from ..patrol.plan import Plan, build_plan
from ..scenario import Scenario

if TYPE_CHECKING:
    from .daily import DailyReport, ReportFinding

__all__ = [
    "LOW_COVERAGE",
    "PATROL_SEED",
    "LowCoverageFinding",
    "PatrolCoverage",
    "PatrolParty",
    "SectorRow",
    "patrol_coverage",
    "patrol_svg",
]

PATROL_SEED = 0
"""The seed the report's plan is made with (the coverage itself does not depend on it)."""

LOW_COVERAGE = 0.25
"""A sector patrolled on fewer than this share of days has low coverage."""

TOP = 3
"""Sectors listed per party with the highest coverage and the highest value."""


@dataclass(frozen=True, slots=True)
class SectorRow:
    """A sector in a party's table: its id, coverage and value."""

    sector: str
    coverage: float
    value: float


@dataclass(frozen=True, slots=True)
class PatrolParty:
    """One party's (or joint team's) part of the plan."""

    party: str
    sectors: int
    units: str
    expected_value: float
    low_sectors: int
    top_coverage: tuple[SectorRow, ...]
    top_value: tuple[SectorRow, ...]


@dataclass(frozen=True, slots=True)
class LowCoverageFinding:
    """A finding of the period located in a sector with low coverage."""

    finding_id: str
    date: dt.date
    verdict: str
    party: str
    sector: str
    coverage: float
    value: float


@dataclass(frozen=True, slots=True)
class PatrolCoverage:
    """The section's content; ``available`` False with a one-line ``note`` when there is none."""

    available: bool
    note: str
    start: dt.date | None = None
    seed: int = PATROL_SEED
    units: dict[str, int] = field(default_factory=dict)
    sectors: int = 0
    expected_value: float = 0.0
    solver_status: str = ""
    gap: float = 0.0
    network: str = ""
    network_source: str = ""
    history_records: int = 0
    low_threshold: float = LOW_COVERAGE
    parties: tuple[PatrolParty, ...] = ()
    findings_in_sectors: int = 0
    low_findings: tuple[LowCoverageFinding, ...] = ()
    command: str = ""


def _r(value: float) -> float:
    return round(float(value), 6)


def patrol_coverage(
    scenario: Scenario,
    events: Sequence[Event],
    findings: Sequence[ReportFinding],
    date: dt.date,
) -> tuple[PatrolCoverage, tuple[tuple[Any, float], ...]]:
    """The section for the plan of the day after ``date``, and the sectors to draw
    (local geometry, coverage). ``events`` are the events up to the cut-off (the history),
    ``findings`` those of the period."""
    if not scenario.agreement.patrols:
        return PatrolCoverage(False, "No patrol duties in this agreement: no patrol plan."), ()
    start = date + dt.timedelta(days=1)
    history = history_from_events(events)
    try:
        plan = build_plan(scenario, start=start, history=history)
    except InputError as exc:
        return PatrolCoverage(False, f"No patrol plan: {exc}."), ()
    cov = plan.coverage
    value = np.array([v.value for v in plan.values])
    label = [sector_party(s.parties) for s in plan.sectors]
    parties = []
    for party in sorted(set(label)):
        idx = [i for i, lab in enumerate(label) if lab == party]
        rows = [SectorRow(plan.sectors[i].id, _r(cov[i]), _r(value[i])) for i in idx]
        parties.append(
            PatrolParty(
                party=party,
                sectors=len(idx),
                units=_units(plan, party),
                expected_value=_r(float(np.sum(cov[idx] * value[idx]))),
                low_sectors=int(np.sum(cov[idx] < LOW_COVERAGE)),
                top_coverage=tuple(sorted(rows, key=lambda r: (-r.coverage, r.sector))[:TOP]),
                top_value=tuple(sorted(rows, key=lambda r: (-r.value, r.sector))[:TOP]),
            )
        )
    where = _sector_of(plan, findings)
    low = tuple(
        LowCoverageFinding(
            f.finding_id, f.date, f.verdict, label[i], plan.sectors[i].id, _r(cov[i]), _r(value[i])
        )
        for f, i in zip(findings, where, strict=True)
        if i >= 0 and cov[i] < LOW_COVERAGE
    )
    eq = plan.equilibrium
    section = PatrolCoverage(
        available=True,
        note=f"The coverage is {PLAN_NOTE}.",
        start=start,
        seed=PATROL_SEED,
        units=plan_units(plan),
        sectors=len(plan.sectors),
        expected_value=_r(eq.defender_value),
        solver_status=eq.status,
        gap=_r(eq.gap),
        network=plan.network_kind,
        network_source=plan.network_source,
        history_records=plan.history_records,
        parties=tuple(parties),
        findings_in_sectors=int(np.sum(where >= 0)),
        low_findings=tuple(sorted(low, key=lambda f: (f.coverage, f.date, f.finding_id))),
        command=(
            f"dmzwatch patrol plan --scenario {scenario.name} --db DB "
            f"--start {start.isoformat()} --seed {PATROL_SEED} --out DIR"
        ),
    )
    drawn = tuple((s.local, float(c)) for s, c in zip(plan.sectors, cov, strict=True))
    return section, drawn


def _units(plan: Plan, party: str) -> str:
    """Units on the duties of ``party`` (a joint label lists each party's)."""
    counts: dict[str, int] = {}
    for d in plan.duties:
        if sector_party(d.duty.parties) == party:
            for p, n in d.units.items():
                counts[p] = counts.get(p, 0) + n
    return ", ".join(f"{p} {n}" for p, n in counts.items())


def _sector_of(plan: Plan, findings: Sequence[ReportFinding]) -> np.ndarray:
    """For each finding the sector whose polygon holds its location (-1: none)."""
    out = np.full(len(findings), -1, dtype=np.int64)
    if not findings:
        return out
    tree = shapely.STRtree([s.geometry for s in plan.sectors])
    points = shapely.points([f.lon for f in findings], [f.lat for f in findings])
    found, sector = tree.query(points, predicate="within")
    for k, i in sorted(zip(found.tolist(), sector.tolist(), strict=True), reverse=True):
        out[k] = i  # sorted descending: the lowest sector index wins on a shared edge
    return out


def patrol_svg(report: DailyReport, scenario: Scenario) -> str:
    """The sectors shaded by planned coverage, the line and the period's findings, as SVG."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from ._charts import COLOURS, _fill, _lines, _scale_bar, _style, _svg, _xy

    sectors = report.map_patrol
    agreement, proj = scenario.agreement, scenario.projection
    x0, y0, x1, y1 = shapely.union_all([g for g, _ in sectors]).bounds
    pad = 0.05 * max(x1 - x0, y1 - y0)
    width = 7.0
    height = min(4.2, max(2.6, width * (y1 - y0 + 2 * pad) / (x1 - x0 + 2 * pad)))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0 + 2 * pad, (y1 - y0 + 2 * pad) * width / height)
    h = w * height / width
    box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    cmap, norm = colormaps["PuBu"], Normalize(0.0, 1.0)
    with _style():
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((0.0, 0.0, 0.88, 1.0))
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_facecolor(COLOURS["outside"])
        ax.set_xticks([])
        ax.set_yticks([])
        rect = shapely.box(box[0] - 1e4, box[1] - 1e4, box[2] + 1e4, box[3] + 1e4)
        if agreement.territory is not None:
            land = shapely.intersection(
                proj.to_local(agreement.areas[agreement.territory].geometry), rect
            )
            _fill(ax, land, facecolor=COLOURS["territory"], edgecolor="none", zorder=1)
        for geom, c in sectors:
            _fill(ax, geom, facecolor=cmap(norm(c)), edgecolor="#4a5a6a", linewidth=0.3, zorder=3)
        for line in agreement.lines.values():
            _lines(ax, proj.to_local(line.geometry), color=COLOURS["line"], lw=1.2, zorder=5)
        cur = _xy(scenario, report.map_findings)
        for verdict in ("possible", "violation"):
            sel = [i for i, f in enumerate(report.map_findings) if f.verdict == verdict]
            if sel:
                ax.scatter(
                    cur[sel, 0],
                    cur[sel, 1],
                    s=22,
                    color=COLOURS[verdict],
                    edgecolor="white",
                    linewidth=0.7,
                    zorder=6,
                )
        _scale_bar(ax, box)
        bar = fig.add_axes((0.905, 0.12, 0.022, 0.76))
        steps = 40
        for k in range(steps):
            bar.add_patch(
                Rectangle((0, k / steps), 1, 1 / steps, color=cmap((k + 0.5) / steps), lw=0)
            )
        bar.set_xlim(0, 1)
        bar.set_ylim(0, 1)
        bar.set_xticks([])
        bar.yaxis.tick_right()
        bar.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        bar.set_yticklabels(["0", "0.25", "0.5", "0.75", "1"], fontsize=6.5)
        bar.set_title("coverage", fontsize=6.5, pad=4)
        for spine in ax.spines.values():
            spine.set_edgecolor("#9aa4ae")
        return _svg(fig)
