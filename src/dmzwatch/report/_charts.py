"""The daily report's figures, drawn with matplotlib from our own geometry (no tiles).

Both figures come back as SVG text. matplotlib is imported here only, on first use, and is
kept deterministic: a fixed hash salt for the SVG ids, no date or creator metadata, text
drawn as paths (no font lookup by the viewer), and no global pyplot state.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..geo.projection import densify_geodesic
from ..scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .daily import DailyReport, ReportFinding

__all__ = ["COLOURS", "map_svg", "trend_svg"]

COLOURS = {
    "violation": "#b2182b",
    "possible": "#e08214",
    "previous": "#8a8f96",
    "core": "#c8412c",
    "fringe": "#e9a99e",
    "line": "#1d1d1d",
    "territory": "#fbf9f3",
    "outside": "#e6e6e3",
    "boundary": "#9a958a",
    "text": "#333333",
    "civilians": "#3b5b92",
}
_ZONE_COLOURS = ("#c8412c", "#2f6db3", "#7a4ea3", "#23865a", "#b8741a")
_RC: dict[str, Any] = {
    "svg.hashsalt": "dmzwatch-report",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 8.0,
    "axes.edgecolor": "#777777",
    "axes.linewidth": 0.6,
    "hatch.linewidth": 0.6,
    "path.simplify": False,
}
_SVG_META = {"Date": None, "Creator": None}


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        yield


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=_SVG_META)
    return buf.getvalue()


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    if geom.is_empty:
        return []
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _parts(g)]
    return [geom]


def _path(geom: BaseGeometry) -> Any:
    """A matplotlib Path of a (multi)polygon, holes included (even-odd)."""
    from matplotlib.path import Path as MplPath

    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in _parts(geom):
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _fill(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    from matplotlib.patches import PathPatch

    path = _path(geom)
    if path is not None:
        ax.add_patch(PathPatch(path, **kw))


def _lines(ax: Axes, geom: BaseGeometry, **kw: Any) -> None:
    for part in _parts(geom):
        if part.geom_type == "Polygon":
            for ring in (part.exterior, *part.interiors):
                x, y = np.asarray(ring.coords)[:, :2].T
                ax.plot(x, y, **kw)
        elif part.geom_type == "LineString":
            x, y = np.asarray(part.coords)[:, :2].T
            ax.plot(x, y, **kw)


def _nice_km(target: float) -> float:
    """A round scale-bar length (km) not above ``target``."""
    exp = 10.0 ** math.floor(math.log10(target))
    return max(float(m) * exp for m in (1, 2, 5) if m * exp <= target)


def _frame(
    scenario: Scenario, points: np.ndarray, aspect: float
) -> tuple[float, float, float, float]:
    """The drawn rectangle (projected metres, ``aspect`` = height / width): the zones plus a
    margin, and the findings that lie close to them."""
    x0, y0, x1, y1 = shapely.union_all([z.local for z in scenario.zones]).bounds
    pad = 0.08 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    if len(points):
        near = (
            (points[:, 0] > x0 - 2 * pad)
            & (points[:, 0] < x1 + 2 * pad)
            & (points[:, 1] > y0 - 2 * pad)
            & (points[:, 1] < y1 + 2 * pad)
        )
        if near.any():
            x0 = min(x0, float(points[near, 0].min()) - pad / 3)
            x1 = max(x1, float(points[near, 0].max()) + pad / 3)
            y0 = min(y0, float(points[near, 1].min()) - pad / 3)
            y1 = max(y1, float(points[near, 1].max()) + pad / 3)
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    w, h = max(w, h / aspect), max(h, w * aspect)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _xy(scenario: Scenario, findings: Sequence[ReportFinding]) -> np.ndarray:
    if not findings:
        return np.zeros((0, 2))
    x, y = scenario.projection.forward([f.lon for f in findings], [f.lat for f in findings])
    return np.column_stack([x, y])


def map_svg(report: DailyReport, scenario: Scenario) -> str:
    """The zone with the period's findings (and the previous period's, in grey), as SVG."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    agreement = scenario.agreement
    proj = scenario.projection
    cur = _xy(scenario, report.map_findings)
    prev = _xy(scenario, report.map_previous)
    width, height = 7.0, 4.5
    x0, y0, x1, y1 = _frame(scenario, cur, height / width)
    with _style():
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_facecolor(COLOURS["outside"])
        ax.set_xticks([])
        ax.set_yticks([])
        rect = shapely.box(x0 - 1e4, y0 - 1e4, x1 + 1e4, y1 + 1e4)
        if agreement.territory is not None:
            land = shapely.intersection(
                proj.to_local(agreement.areas[agreement.territory].geometry), rect
            )
            _fill(ax, land, facecolor=COLOURS["territory"], edgecolor="none", zorder=1)
            _lines(ax, land, color="#6e6a5e", linewidth=1.0, zorder=6)
        labels = []
        for key in agreement.map_layers:
            area = agreement.areas[key]
            for label, geom in area.parts or ((key.replace("_", " "), area.geometry),):
                local = shapely.intersection(proj.to_local(geom), rect)
                if local.is_empty:
                    continue
                _lines(ax, local, color=COLOURS["boundary"], linewidth=0.5, zorder=2)
                inner = shapely.intersection(local, shapely.box(x0, y0, x1, y1))
                if inner.area > 0.04 * (x1 - x0) * (y1 - y0):
                    pt = shapely.point_on_surface(inner)
                    labels.append((pt.x, pt.y, label))
        for x, y, label in sorted(labels):
            ax.text(
                x,
                y,
                label.upper(),
                color="#a39e90",
                fontsize=7,
                ha="center",
                va="center",
                style="italic",
                zorder=3,
            )
        handles: list[Any] = []
        for i, zone in enumerate(scenario.zones):
            colour = _ZONE_COLOURS[i % len(_ZONE_COLOURS)]
            for band in zone.bands:
                local = shapely.intersection(band.local, rect)
                if band.band == "fringe":
                    _fill(
                        ax,
                        local,
                        facecolor="none",
                        edgecolor=colour,
                        alpha=0.55,
                        hatch="////",
                        linewidth=0,
                        zorder=4,
                    )
                    _fill(ax, local, facecolor=colour, alpha=0.10, edgecolor="none", zorder=4)
                    handles.append(
                        Patch(
                            facecolor="white",
                            edgecolor=colour,
                            hatch="////",
                            alpha=0.7,
                            label=f"{zone.spec.title}: fringe (uncertain)",
                        )
                    )
                else:
                    _fill(ax, local, facecolor=colour, alpha=0.30, edgecolor="none", zorder=4)
                    handles.append(
                        Patch(facecolor=colour, alpha=0.30, label=f"{zone.spec.title}: core")
                    )
                _lines(ax, local, color=colour, linewidth=0.4, alpha=0.8, zorder=5)
        for key, line in agreement.lines.items():
            local = proj.to_local(densify_geodesic(line.geometry, 2.0))
            _lines(ax, local, color="white", linewidth=3.2, alpha=0.8, zorder=7)
            _lines(
                ax,
                local,
                color=COLOURS["line"],
                linewidth=1.4,
                linestyle="--" if line.schematic else "-",
                zorder=7,
            )
            handles.append(
                Line2D([], [], color=COLOURS["line"], linewidth=1.4, label=key.replace("_", " "))
            )
        _places(ax, report, scenario, (x0, y0, x1, y1))
        if len(prev):
            ax.scatter(
                prev[:, 0],
                prev[:, 1],
                s=10,
                facecolor="none",
                edgecolor=COLOURS["previous"],
                linewidth=0.7,
                zorder=9,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markersize=3.5,
                    markerfacecolor="none",
                    markeredgecolor=COLOURS["previous"],
                    label=f"finding, previous period ({len(prev)})",
                )
            )
        for verdict, size in (("possible", 30), ("violation", 34)):
            sel = [i for i, f in enumerate(report.map_findings) if f.verdict == verdict]
            name = "violation" if verdict == "violation" else "possible violation"
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markersize=6,
                    markerfacecolor=COLOURS[verdict],
                    markeredgecolor="white",
                    label=f"{name}, this period ({len(sel)})",
                )
            )
            if not sel:
                continue
            pts = cur[sel]
            for i in sel:
                f = report.map_findings[i]
                if 0 < f.precision_km <= 10:
                    from matplotlib.patches import Circle

                    ax.add_patch(
                        Circle(
                            tuple(cur[i]),
                            f.precision_km * 1000,
                            facecolor="none",
                            edgecolor=COLOURS[verdict],
                            linewidth=0.4,
                            linestyle=(0, (2, 2)),
                            alpha=0.6,
                            zorder=9,
                        )
                    )
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=size,
                color=COLOURS[verdict],
                edgecolor="white",
                linewidth=0.8,
                zorder=10,
            )
        _scale_bar(ax, (x0, y0, x1, y1))
        ax.annotate(
            "N",
            xy=(0.965, 0.955),
            xytext=(0.965, 0.90),
            xycoords="axes fraction",
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            arrowprops={"arrowstyle": "-|>", "color": "#333333", "linewidth": 1.0},
        )
        ax.legend(
            handles=handles,
            loc="lower right",
            fontsize=6.5,
            framealpha=0.92,
            edgecolor="#bbbbbb",
            borderpad=0.6,
            labelspacing=0.45,
        )
        for spine in ax.spines.values():
            spine.set_edgecolor("#9aa4ae")
        return _svg(fig)


def _places(
    ax: Axes, report: DailyReport, scenario: Scenario, box: tuple[float, float, float, float]
) -> None:
    """Populated places as dots; names for the affected ones and the largest, placed
    greedily so that no two names overlap (a name with no free spot is left out)."""
    places = scenario.places
    if not places:
        return
    x0, y0, x1, y1 = box
    px, py = scenario.projection.forward([p.lon for p in places], [p.lat for p in places])
    inside = (px > x0) & (px < x1) & (py > y0) & (py < y1)
    ax.scatter(px[inside], py[inside], s=5, color="#55595e", linewidth=0, zorder=8)
    rank = {r.name: k for k, r in enumerate(report.places[:10])}
    order = sorted(
        np.flatnonzero(inside).tolist(),
        key=lambda i: (
            places[i].name not in rank,
            rank.get(places[i].name, 0),
            -places[i].population,
            places[i].name,
        ),
    )
    per_pt = (x1 - x0) / (7.0 * 72)  # metres per point at the figure's width
    taken: list[tuple[float, float, float, float]] = []
    shown = 0
    for i in order:
        bold = places[i].name in rank
        if not bold and shown >= len(rank) + 6:
            break
        size = 6.8 if bold else 6.2
        w = len(places[i].name) * size * 0.58 * per_pt
        h = size * 1.15 * per_pt
        gap = 3.0 * per_pt
        for ha, va, bx, by in (
            ("left", "bottom", px[i] + gap, py[i] + gap / 2),
            ("right", "bottom", px[i] - gap - w, py[i] + gap / 2),
            ("left", "top", px[i] + gap, py[i] - gap / 2 - h),
            ("right", "top", px[i] - gap - w, py[i] - gap / 2 - h),
        ):
            cand = (bx, by, bx + w, by + h)
            if cand[0] < x0 or cand[2] > x1 or cand[1] < y0 or cand[3] > y1:
                continue
            if any(
                a < c2 and c0 < b and d < c3 and c1 < e
                for c0, c1, c2, c3 in taken
                for a, d, b, e in [cand]
            ):
                continue
            taken.append(cand)
            shown += 1
            ax.text(
                px[i] + (gap if ha == "left" else -gap),
                py[i] + (gap / 2 if va == "bottom" else -gap / 2),
                places[i].name,
                fontsize=size,
                ha=ha,
                va=va,
                color="#1f1f1f" if bold else "#55595e",
                fontweight="bold" if bold else "normal",
                zorder=11,
                clip_on=True,
                path_effects=_halo(),
            )
            break


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.2, foreground="white")]


def _scale_bar(ax: Axes, box: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = box
    km = _nice_km((x1 - x0) / 1000 / 5)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot(
        [bx, bx + km * 1000],
        [by, by],
        color="#222222",
        linewidth=2.2,
        solid_capstyle="butt",
        zorder=12,
    )
    ax.plot(
        [bx, bx + km * 500],
        [by, by],
        color="white",
        linewidth=1.0,
        solid_capstyle="butt",
        zorder=12,
    )
    ax.text(
        bx + km * 500,
        by + 0.015 * (y1 - y0),
        f"{km:g} km",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=12,
        path_effects=_halo(),
    )


def trend_svg(report: DailyReport) -> str:
    """Findings per bar-period (stacked violations and possible violations) and civilian
    deaths in the zone, this period highlighted, as SVG."""
    from matplotlib.figure import Figure

    bins = report.trend
    x = np.arange(len(bins))
    v = np.array([b.violations for b in bins])
    p = np.array([b.possible for b in bins])
    civ = np.array([b.civilians_in_zone for b in bins])
    with _style():
        fig = Figure(figsize=(7.0, 2.9))
        top, low = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
        fig.subplots_adjust(left=0.08, right=0.99, top=0.9, bottom=0.2, hspace=0.15)
        edge = ["#222222" if b.current else "none" for b in bins]
        top.bar(x, v, color=COLOURS["violation"], edgecolor=edge, linewidth=0.9, label="violations")
        top.bar(
            x,
            p,
            bottom=v,
            color=COLOURS["possible"],
            edgecolor=edge,
            linewidth=0.9,
            label="possible violations",
        )
        top.set_ylabel("findings")
        top.legend(loc="upper left", fontsize=7, frameon=False, ncols=2, bbox_to_anchor=(0.0, 1.22))
        low.bar(x, civ, color=COLOURS["civilians"], width=0.6)
        low.set_ylabel("civilian\ndeaths", fontsize=7)
        for ax in (top, low):
            ax.spines[["top", "right"]].set_visible(False)
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.grid(axis="y", color="#dddddd", linewidth=0.5)
            ax.set_axisbelow(True)
        if len(bins):
            cur = len(bins) - 1
            top.annotate(
                "this period",
                xy=(cur, v[cur] + p[cur]),
                xytext=(0, 4),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize=7,
            )
            top.set_ylim(0, max(1, int((v + p).max())) * 1.25)
            low.set_ylim(0, max(1, int(civ.max())) * 1.15)
        step = max(1, math.ceil(len(bins) / 12))
        ticks = list(range(len(bins) - 1, -1, -step))[::-1]
        low.set_xticks(ticks)
        one_day = bool(bins) and bins[0].start == bins[0].end
        low.set_xticklabels(
            [_tick(bins[i].start, bins[i].end, one_day) for i in ticks], fontsize=6.5
        )
        low.set_xlim(-0.6, max(len(bins), 1) - 0.4)
        return _svg(fig)


def _tick(start: Any, end: Any, one_day: bool) -> str:
    return f"{end.day} {end:%b}" if one_day else f"{start.day} {start:%b}–\n{end.day} {end:%b}"
