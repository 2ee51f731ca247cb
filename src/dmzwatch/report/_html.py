"""Render a :class:`~dmzwatch.report.daily.DailyReport` as one self-contained HTML page.

A Jinja2 template (``templates/daily.html.j2``) with its stylesheet inlined and the figures
embedded as base64 SVG images: the page fetches nothing. Every line of the page is a pure
function of the report except the one ``<p class="generated">`` line.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..scenario import Scenario
from ._charts import map_svg, trend_svg
from ._patrol import patrol_svg
from ._tally import NEAR_KM

if TYPE_CHECKING:
    from .daily import DailyReport

__all__ = ["GENERATED_MARK", "attributions", "render_html"]

_TEMPLATES = Path(__file__).parent / "templates"

GENERATED_MARK = '<p class="generated">'
"""The start of the only line that differs between two renderings of the same report."""

UCDP = (
    "Events: UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, CC BY 4.0 "
    "(ucdp.uu.se). Sundberg, Ralph and Erik Melander (2013), “Introducing the UCDP "
    "Georeferenced Event Dataset”, Journal of Peace Research 50(4); Högbladh, Stina (2019), "
    "UCDP GED Codebook version 19.1."
)
ACLED = "Events: Armed Conflict Location & Event Data Project (ACLED), acleddata.com."
GEONAMES = "Populated places: GeoNames (geonames.org), CC BY 4.0."
NATURAL_EARTH = (
    "National territory and governorates: Natural Earth (naturalearthdata.com), public domain."
)


def attributions(report: DailyReport, event_sources: Sequence[str]) -> list[str]:
    """The attribution lines: event sources, places, boundaries, then the agreement's own."""
    out = []
    lowered = {s.lower() for s in event_sources}
    if any("ucdp" in s for s in lowered):
        out.append(UCDP)
    if any("acled" in s for s in lowered):
        out.append(ACLED)
    others = sorted(s for s in event_sources if not any(k in s.lower() for k in ("ucdp", "acled")))
    if others:
        out.append("Events: " + ", ".join(others) + " (as submitted to the log).")
    out += [GEONAMES, NATURAL_EARTH]
    for source in report.sources:
        low = source.lower()
        if "geonames" in low or "natural earth" in low:
            continue  # already credited above, with the licence
        out.append(f"Agreement file: {source}.".replace("..", "."))
    out.append(
        "Analysis: dmzwatch (open source). Findings are the output of automated rules applied "
        "to the sources above and should be read with the notes on method."
    )
    return out


def _num(value: int | float) -> str:
    return f"{value:,}"


def _num_or_dash(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _signed(value: int) -> str:
    return f"+{value:,}" if value > 0 else (f"−{-value:,}" if value < 0 else "0")


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else word + 's'}"


def _b64(svg: str) -> str:
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _css_string(text: str) -> str:
    """A CSS string literal (the page is UTF-8, so only quotes and backslashes escape)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_html(
    report: DailyReport,
    scenario: Scenario,
    *,
    generated_at: dt.datetime | None = None,
) -> str:
    """The report page; ``generated_at`` (default now, UTC) fills its one varying line."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=_num,
        num_or_dash=_num_or_dash,
        signed=_signed,
        day=_day,
        plural=_plural,
    )
    when = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    running = (
        f"{'Daily report' if report.period.days == 1 else 'Report'} · {report.scenario} · "
        f"{report.period.label} · cut-off {report.cutoff:%H:%M} {report.utc_offset}"
    )
    css = (
        (_TEMPLATES / "daily.css")
        .read_text("utf-8")
        .replace("var(--running)", _css_string(running))
    )
    zone_harm = [h for h in report.harm[:-1] if not h.label.startswith("outside")]
    breakdowns = [
        ("By type", report.by_type, ""),
        ("By zone and band", report.by_band, ""),
        (
            "By actor named by the source",
            report.by_actor,
            "A finding naming several actors counts once for each; naming is not attribution.",
        ),
    ]
    page = env.get_template("daily.html.j2").render(
        r=report,
        css=css.strip(),
        zones=", ".join(z.spec.title for z in scenario.zones),
        lines=len(scenario.agreement.lines),
        map_svg=_b64(map_svg(report, scenario)),
        trend_svg=_b64(trend_svg(report)),
        patrol_svg=_b64(patrol_svg(report, scenario)) if report.map_patrol else "",
        breakdowns=breakdowns,
        civilians={
            "now": sum(h.civilians for h in zone_harm),
            "prev": sum(h.prev_civilians for h in zone_harm),
            "cum": sum(h.cum_civilians for h in zone_harm),
        },
        places_hit=len(report.places),
        near_km=NEAR_KM,
        attributions=attributions(report, report.event_sources),
        rules=[
            {"id": r.id, "clause": " ".join(r.clause.split()), "start": r.start}
            for r in scenario.agreement.rules
        ],
        generated=(
            f"Generated {when:%Y-%m-%d %H:%M:%S} UTC by dmzwatch {__version__}; "
            f"everything above this line depends only on the evidence log and the scenario."
        ),
    )
    return str(page)
