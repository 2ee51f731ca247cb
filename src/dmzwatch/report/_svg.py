"""SVG plumbing for the map preview: a frame from projected metres to SVG units, path data,
label placement, and the geometry layers of a scenario (territory, areas, zones, lines,
graticule, scale bar and north arrow).

Everything here is deterministic: the same input gives the same string.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
import shapely.ops
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from ..geo.projection import GEOD, densify_geodesic
from ..scenario import Scenario

__all__ = [
    "Box",
    "Canvas",
    "Frame",
    "Label",
    "LineStyle",
    "ZoneStyle",
    "area_label",
    "areas_layer",
    "attrs",
    "fmt",
    "graticule_layer",
    "lines_layer",
    "nice_length",
    "path_d",
    "place_label",
    "territory_layer",
    "text_label",
    "text_width",
    "tint",
    "zones_layer",
]

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Frame:
    """The rectangle of the projected plane drawn on the map, and its size in SVG units.

    North is up: SVG ``y`` grows downwards while projected ``y`` grows northwards.

    >>> f = Frame.fit((0.0, 0.0, 1000.0, 500.0), width=100.0, margin=0.0, aspect=(0.5, 1.0))
    >>> f.height, f.px_per_unit
    (50.0, 0.1)
    >>> [float(v[0]) for v in f.to_px([0.0], [500.0])]
    [0.0, 0.0]
    """

    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    height: float

    @property
    def px_per_unit(self) -> float:
        """SVG units per projected unit (the same along x and y)."""
        return self.width / (self.x1 - self.x0)

    @classmethod
    def fit(
        cls,
        bounds: tuple[float, float, float, float],
        *,
        width: float,
        margin: float,
        aspect: tuple[float, float],
        min_span: float = 0.0,
    ) -> Frame:
        """A frame around ``bounds`` with ``margin`` (a fraction of the larger side) on every
        side, widened or heightened so that height/width lies within ``aspect``."""
        x0, y0, x1, y1 = bounds
        w, h = max(x1 - x0, min_span), max(y1 - y0, min_span)
        pad = margin * max(w, h)
        w, h = w + 2 * pad, h + 2 * pad
        low, high = aspect
        if h < low * w:
            h = low * w
        elif h > high * w:
            w = h / high
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        height = math.ceil(width * h / w * 10 - 1e-6) / 10  # never cut the bounds
        h = height * w / width
        return cls(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, width, height)

    def to_px(self, x: ArrayLike, y: ArrayLike) -> tuple[Floats, Floats]:
        """Projected coordinates to SVG coordinates."""
        k = self.px_per_unit
        return (np.asarray(x, float) - self.x0) * k, (self.y1 - np.asarray(y, float)) * k

    def to_plane(self, px: ArrayLike, py: ArrayLike) -> tuple[Floats, Floats]:
        """SVG coordinates back to projected coordinates."""
        k = self.px_per_unit
        return self.x0 + np.asarray(px, float) / k, self.y1 - np.asarray(py, float) / k

    def rect(self, grow: float = 0.0) -> BaseGeometry:
        """The frame as a projected polygon, grown by ``grow`` times its width on each side."""
        pad = grow * (self.x1 - self.x0)
        return shapely.box(self.x0 - pad, self.y0 - pad, self.x1 + pad, self.y1 + pad)


def fmt(value: float) -> str:
    """A coordinate with one decimal, without a trailing ``.0`` or a negative zero.

    >>> fmt(12.04), fmt(-0.01), fmt(3.25)
    ('12', '0', '3.2')
    """
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _flat(geom: BaseGeometry) -> Iterator[BaseGeometry]:
    for part in shapely.get_parts(geom):
        if part.geom_type.startswith("Multi") or part.geom_type == "GeometryCollection":
            yield from _flat(part)
        elif not part.is_empty:
            yield part


def path_d(geom: BaseGeometry, frame: Frame) -> str:
    """SVG path data for the polygons and lines of a projected geometry (points are skipped).

    Rings are closed with ``Z``; draw polygons with ``fill-rule="evenodd"``.

    >>> f = Frame(0.0, 0.0, 10.0, 10.0, 100.0, 100.0)
    >>> path_d(shapely.box(1, 1, 2, 2), f)
    'M20 90L20 80L10 80L10 90Z'
    """
    out = []
    for part in _flat(geom):
        if part.geom_type == "Polygon":
            rings, closed = [part.exterior, *part.interiors], True
        elif part.geom_type in ("LineString", "LinearRing"):
            rings, closed = [part], False
        else:
            continue
        for ring in rings:
            coords = np.asarray(ring.coords)[:, :2]
            px, py = frame.to_px(coords[:, 0], coords[:, 1])
            pts = np.round(np.column_stack([px, py]), 1)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            pts = pts[keep]
            if closed and len(pts) > 1 and np.all(pts[0] == pts[-1]):
                pts = pts[:-1]
            if len(pts) < (3 if closed else 2):
                continue
            body = "L".join(f"{fmt(x)} {fmt(y)}" for x, y in pts)
            out.append(f"M{body}{'Z' if closed else ''}")
    return "".join(out)


def attrs(**values: object) -> str:
    """HTML/SVG attributes, escaped; ``None`` and ``False`` are left out, ``_`` becomes ``-``.

    >>> attrs(class_="a", data_name='A "b"', hidden=None)
    'class="a" data-name="A &quot;b&quot;"'
    """
    out = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f'{name}="{escape(str(value), quote=True)}"')
    return " ".join(out)


def nice_length(limit: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is at most ``limit`` (> 0).

    >>> nice_length(37.0), nice_length(0.9), nice_length(200.0)
    (20.0, 0.5, 200.0)
    """
    exponent = math.floor(math.log10(limit))
    for mantissa in (5, 2, 1):
        value = mantissa * 10.0**exponent
        if value <= limit * (1 + 1e-9):
            return float(f"{value:.12g}")
    return float(f"{10.0**exponent:.12g}")


def tint(colour: str, amount: float) -> str:
    """``colour`` (``#rrggbb``) mixed with white by ``amount`` (0 keeps it, 1 gives white), or
    with black by ``-amount`` when ``amount`` is negative.

    >>> tint("#000000", 0.5), tint("#ffffff", -0.5)
    ('#808080', '#808080')
    """
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount >= 0 else 0
    mixed = [round(v + (target - v) * abs(amount)) for v in rgb]
    return "#" + "".join(f"{v:02x}" for v in mixed)


_NARROW = set("iljtfr.,;:'!|() ")
_WIDE = set("mwMW")


def text_width(text: str, size: float, *, bold: bool = False, spacing: float = 0.0) -> float:
    """An estimate of the rendered width of ``text`` in a sans-serif font (SVG units)."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.3
        elif ch in _WIDE:
            em += 0.85
        elif ch.isupper() or ch.isdigit():
            em += 0.66
        else:
            em += 0.54
    return em * size * (1.07 if bold else 1.0) + spacing * len(text)


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in SVG units."""

    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box) -> bool:
        return not (
            self.x1 <= other.x0 or other.x1 <= self.x0 or self.y1 <= other.y0 or other.y1 <= self.y0
        )

    def bounds(self) -> tuple[float, float, float, float]:
        return self.x0, self.y0, self.x1, self.y1

    def within(self, outer: Box) -> bool:
        return (
            self.x0 >= outer.x0
            and self.y0 >= outer.y0
            and self.x1 <= outer.x1
            and self.y1 <= outer.y1
        )


@dataclass(frozen=True, slots=True)
class Label:
    """A placed label: the text's anchor point (baseline) and ``text-anchor``."""

    x: float
    y: float
    anchor: str
    box: Box


def place_label(
    cx: float,
    cy: float,
    radius: float,
    width: float,
    size: float,
    taken: list[Box],
    bounds: Box,
    avoid: BaseGeometry | None = None,
) -> Label | None:
    """Put a label of ``width`` x ``size`` next to a dot, on its right, left, top or bottom,
    where it overlaps nothing in ``taken`` and stays in ``bounds``; append its box to
    ``taken``. Positions clear of ``avoid`` (e.g. lines) come first. ``None`` when every
    position collides."""
    gap, ascent, descent = radius + 2.5, 0.72 * size, 0.22 * size
    mid = cy + 0.35 * size
    options = (  # anchor, baseline x and y, box left and top
        ("start", cx + gap, mid, cx + gap, mid - ascent),
        ("end", cx - gap, mid, cx - gap - width, mid - ascent),
        ("middle", cx, cy - gap - descent, cx - width / 2, cy - gap - descent - ascent),
        ("middle", cx, cy + gap + ascent, cx - width / 2, cy + gap),
    )
    boxes = [Box(left, top, left + width, top + ascent + descent) for *_, left, top in options]
    free = [box.within(bounds) and not any(box.hits(t) for t in taken) for box in boxes]
    clear = [
        ok and (avoid is None or not shapely.intersects(avoid, shapely.box(*box.bounds())))
        for ok, box in zip(free, boxes, strict=True)
    ]
    for ok in (clear, free):
        for (anchor, x, y, *_), box, fits in zip(options, boxes, ok, strict=True):
            if fits:
                taken.append(box)
                return Label(x, y, anchor, box)
    return None


# -- the map's geometry layers ---------------------------------------------------------------

_WIDTH = 1000.0
_MARGIN = 0.08  # of the zones' larger side, on every side
_ASPECT = (0.6, 0.88)  # height / width
_SIMPLIFY_M = 75.0
_ZONE_COLOURS = ("#c8412c", "#2f6db3", "#7a4ea3", "#23865a", "#b8741a", "#1f8a8a", "#a3366f")
_LINE_COLOURS = ("#1d1d1d", "#5a3a00", "#00506b", "#4b1f66")
_GRATICULE_STEPS = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0)


@dataclass(frozen=True, slots=True)
class BandStyle:
    """How a band is painted (SVG attributes shared by map and legend) and described."""

    band: str
    paint: str
    caption: str


@dataclass(frozen=True, slots=True)
class ZoneStyle:
    """A zone's layer id, title and colour, and its bands' styles, for the legend."""

    layer: str
    title: str
    colour: str
    bands: tuple[BandStyle, ...]


@dataclass(frozen=True, slots=True)
class LineStyle:
    """A reference line's layer id, label and look, for the legend."""

    layer: str
    label: str
    description: str
    colour: str
    schematic: bool


class Canvas:
    """What the layers of one map share: the scenario, its frame and SVG size, the zones'
    colours, the places' classification, and the label boxes already ``taken``.

    :meth:`local` projects, clips and simplifies (~75 m) a geometry for drawing.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.proj = scenario.projection
        axes = self.proj.crs.axis_info
        self.unit_m = float(axes[0].unit_conversion_factor) if axes else 1.0
        geoms = [b.local for b in scenario.bands if not b.local.is_empty] or [
            self.proj.to_local(line.geometry) for line in scenario.agreement.lines.values()
        ]
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(np.asarray(geoms, object)))
        self.frame = Frame.fit(
            (x0, y0, x1, y1),
            width=_WIDTH,
            margin=_MARGIN,
            aspect=_ASPECT,
            min_span=5000.0 / self.unit_m,
        )
        self.clip = tuple(float(v) for v in self.frame.rect(0.03).bounds)
        self.width, self.height = self.frame.width, self.frame.height
        self.taken: list[Box] = [
            Box(0, self.height - 60, 310, self.height),  # scale bar and north arrow
            Box(self.width - 46, 0, self.width, 112),  # zoom buttons
        ]
        self.bounds = Box(3, 3, self.width - 3, self.height - 3)
        self.lines: list[BaseGeometry] = []  # drawn lines in SVG units, for labels to avoid
        self.result = scenario.classify_places() if scenario.places else None
        self.colours = {
            z.id: _ZONE_COLOURS[i % len(_ZONE_COLOURS)] for i, z in enumerate(scenario.zones)
        }

    def local(self, geom: BaseGeometry, *, projected: bool = False) -> BaseGeometry:
        g = geom if projected else self.proj.to_local(geom)
        g = shapely.clip_by_rect(g, *self.clip)
        return shapely.simplify(g, _SIMPLIFY_M / self.unit_m, preserve_topology=True)

    def metres_per_unit(self) -> float:
        """Geodesic metres per SVG unit along x at the centre of the map."""
        px = np.array([self.width / 2 - 50, self.width / 2 + 50])
        x, y = self.frame.to_plane(px, np.full(2, self.height / 2))
        lon, lat = self.proj.inverse(x, y)
        _, _, dist = GEOD.inv(lon[0], lat[0], lon[1], lat[1])
        return float(f"{float(dist) / 100.0:.6g}")

    def north(self) -> float:
        """The angle (degrees, clockwise) from the map's up to true north at the centre."""
        x, y = self.frame.to_plane([self.width / 2], [self.height / 2])
        lon, lat = self.proj.inverse(x, y)
        x2, y2 = self.proj.forward(lon, lat + 0.05)
        px, py = self.frame.to_px(np.r_[x, x2], np.r_[y, y2])
        return round(math.degrees(math.atan2(px[1] - px[0], py[0] - py[1])), 1) + 0.0


def text_label(
    x: float,
    y: float,
    body: str,
    *,
    cls: str,
    anchor: str = "start",
    dx: float = 0.0,
    dy: float = 0.0,
    layer: str | None = None,
) -> str:
    """A label that keeps its screen size when the map zooms (scaled around its anchor)."""
    return (
        f"<g {attrs(class_=f'sc {cls}', data_layer=layer)} "
        f'transform="translate({fmt(x)} {fmt(y)})" data-x="{fmt(x)}" data-y="{fmt(y)}">'
        f'<text x="{fmt(dx)}" y="{fmt(dy)}" text-anchor="{anchor}">{escape(body)}</text></g>'
    )


def zones_layer(c: Canvas) -> tuple[str, tuple[ZoneStyle, ...], str]:
    """Pattern definitions, legend styles and the zone layers (largest zone drawn first)."""
    counts: dict[tuple[str, str], int] = {}
    if c.result is not None:
        for zone, band in zip(c.result.zone.tolist(), c.result.band.tolist(), strict=True):
            counts[zone, band] = counts.get((zone, band), 0) + 1
    defs, styles, layers = [], [], []
    opacity = "0.42" if len(c.scenario.zones) == 1 else "0.2"  # zones may nest
    for i, zone in enumerate(c.scenario.zones):
        colour = c.colours[zone.id]
        pattern = f"hatch-{i}"
        defs.append(
            f'<pattern id="{pattern}" patternUnits="userSpaceOnUse" width="7" height="7" '
            f'patternTransform="rotate(45)"><rect width="7" height="7" fill="{tint(colour, 0.8)}" '
            f'fill-opacity="0.8"/><path d="M0 0V7" stroke="{colour}" stroke-width="1.6" '
            'stroke-opacity="0.6"/></pattern>'
        )
        bands, paths = [], []
        for band in sorted(zone.bands, key=lambda b: b.band == "core"):
            depth = (
                f"{band.depth_min_km:g}–{band.depth_max_km:g} km"
                if band.depth_min_km is not None and band.depth_max_km is not None
                else "given area"
            )
            uncertain = " (uncertain)" if band.band == "fringe" else ""
            area = f"{band.area_km2:,.0f} km²"
            n = counts.get((zone.id, band.band), 0)
            tip = (
                f"{zone.spec.title} ({zone.id})\n{band.band}{uncertain}: depth {depth}\n"
                f"area {area}" + (f"\n{n} place(s) inside" if c.scenario.places else "")
            )
            if band.band == "core":
                paint = (
                    f'fill="{colour}" fill-opacity="{opacity}" stroke="{colour}" stroke-width="1.4"'
                )
            else:
                paint = (
                    f'fill="url(#{pattern})" stroke="{colour}" stroke-width="1.1" '
                    'stroke-dasharray="5 3"'
                )
            d = path_d(c.local(band.local, projected=True), c.frame)
            paths.append(
                f"<path {attrs(class_=f'band {band.band}', data_zone=zone.id, data_band=band.band)}"
                f' fill-rule="evenodd" {paint} d="{d}"><title>{escape(tip)}</title></path>'
            )
            bands.append(BandStyle(band.band, paint, f"{band.band} {depth}{uncertain} · {area}"))
        layer = f"zone-{zone.id}"
        styles.append(ZoneStyle(layer, zone.spec.title, colour, tuple(bands[::-1])))
        layers.append((-zone.local.area, i, f"<g {attrs(data_layer=layer)}>{''.join(paths)}</g>"))
    body = "".join(s for _, _, s in sorted(layers))
    return "".join(defs), tuple(styles), f'<g class="zones">{body}</g>'


def territory_layer(c: Canvas) -> tuple[str, str | None]:
    key = c.scenario.agreement.territory
    if key is None:
        return "", None
    area = c.scenario.agreement.areas[key]
    name = f"{key.replace('_', ' ').title()}, national territory"
    tip = area.description or name
    d = path_d(c.local(area.geometry), c.frame)
    return (
        f'<g data-layer="territory"><path class="territory" fill-rule="evenodd" fill="#fbf9f3" '
        f'stroke="#6e6a5e" stroke-width="1.4" d="{d}"><title>{escape(tip)}</title></path></g>',
        name,
    )


def areas_layer(
    c: Canvas,
) -> tuple[str, tuple[tuple[str, str], ...], list[tuple[str, str, BaseGeometry]]]:
    """The map layers' boundaries, their legend rows, and (layer, label, projected part)."""
    agreement = c.scenario.agreement
    groups, legend, labels = [], [], []
    rect = c.frame.rect()
    for key in agreement.map_layers:
        area = agreement.areas[key]
        layer = f"area-{key}"
        parts = area.parts or ((key.replace("_", " "), area.geometry),)
        paths = []
        for label, geom in parts:
            local = c.local(geom)
            if local.is_empty:
                continue
            paths.append(
                f'<path {attrs(class_="area", data_label=label)} fill-rule="evenodd" '
                f'd="{path_d(local, c.frame)}"><title>{escape(label)}</title></path>'
            )
            labels.append((layer, label, shapely.intersection(local, rect)))
        groups.append(f"<g {attrs(data_layer=layer, class_='areas')}>{''.join(paths)}</g>")
        legend.append((layer, f"{key.replace('_', ' ')} (boundaries, names)"))
    return "".join(groups), tuple(legend), labels


def area_label(c: Canvas, label: str, geom: BaseGeometry, layer: str) -> str:
    """An area's name where it has room: near its pole of inaccessibility, clear of others."""
    polys = [p for p in _flat(geom) if p.geom_type == "Polygon"]
    if not polys or not label:
        return ""
    frame_area = (c.frame.x1 - c.frame.x0) * (c.frame.y1 - c.frame.y0)
    poly = max(polys, key=lambda p: p.area)
    if poly.area < 0.03 * frame_area:
        return ""
    k = c.frame.px_per_unit
    centre = shapely.ops.polylabel(poly, tolerance=2.0 / k)
    gx, gy = np.meshgrid(np.arange(15.0, c.width, 25.0), np.arange(15.0, c.height, 25.0))
    x, y = c.frame.to_plane(gx.ravel(), gy.ravel())
    inside = shapely.contains_xy(poly, x, y)
    cand = np.column_stack([np.r_[centre.x, x[inside]], np.r_[centre.y, y[inside]]])
    order = np.argsort(np.hypot(cand[:, 0] - centre.x, cand[:, 1] - centre.y), kind="stable")
    text = label.upper()
    size = 12.0
    width = text_width(text, size, bold=True, spacing=1.5)
    for px, py in zip(*c.frame.to_px(cand[order, 0], cand[order, 1]), strict=True):
        box = Box(px - width / 2, py - 0.6 * size, px + width / 2, py + 0.4 * size)
        if box.within(c.bounds) and not any(box.hits(t) for t in c.taken):
            c.taken.append(box)
            return text_label(
                float(px),
                float(py),
                text,
                cls="alabel",
                anchor="middle",
                dy=0.35 * size,
                layer=layer,
            )
    return ""


def lines_layer(c: Canvas) -> tuple[str, tuple[LineStyle, ...]]:
    groups, styles = [], []
    for i, (key, line) in enumerate(c.scenario.agreement.lines.items()):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        label = key.upper() if len(key) <= 3 else key.replace("_", " ")
        if line.schematic and "schematic" not in label:
            label += " (schematic)"
        local = c.local(densify_geodesic(line.geometry, 2.0))
        c.lines.append(shapely.transform(local, lambda xy: np.column_stack(c.frame.to_px(*xy.T))))
        d = path_d(local, c.frame)
        dash = ' stroke-dasharray="9 5"' if line.schematic else ""
        tip = f"{label}: {line.description}" if line.description else label
        layer = f"line-{key}"
        groups.append(
            f'<g {attrs(data_layer=layer, class_="line")}><path d="{d}" fill="none" '
            'stroke="#ffffff" stroke-opacity="0.85" stroke-width="5" stroke-linejoin="round"/>'
            f'<path {attrs(data_line=key)} d="{d}" fill="none" stroke="{colour}" '
            f'stroke-width="2.4" stroke-linejoin="round"{dash}><title>{escape(tip)}</title>'
            "</path></g>"
        )
        styles.append(LineStyle(layer, label, line.description, colour, line.schematic))
    return "".join(groups), tuple(styles)


def graticule_layer(c: Canvas) -> str:
    """Meridians and parallels at a round step, labelled where they leave the map."""
    f = c.frame
    edge = np.asarray(shapely.segmentize(f.rect(), (f.x1 - f.x0) / 40).exterior.coords)
    lon, lat = c.proj.inverse(edge[:, 0], edge[:, 1])
    span = max(float(np.ptp(lon)), float(np.ptp(lat)))
    step = next((s for s in _GRATICULE_STEPS if span / s <= 7), _GRATICULE_STEPS[-1])
    lon0, lon1 = float(lon.min()) - step, float(lon.max()) + step
    lat0, lat1 = max(float(lat.min()) - step, -89.9), min(float(lat.max()) + step, 89.9)
    paths, labels = [], []
    rect = f.rect()
    for along_lon in (True, False):
        lo, hi = (lon0, lon1) if along_lon else (lat0, lat1)
        for v in np.arange(math.ceil(lo / step) * step, hi, step):
            v = round(float(v), 6)
            s = np.linspace(lat0, lat1, 80) if along_lon else np.linspace(lon0, lon1, 80)
            xs, ys = (
                c.proj.forward(np.full(80, v), s)
                if along_lon
                else c.proj.forward(s, np.full(80, v))
            )
            geom = shapely.intersection(shapely.LineString(np.column_stack([xs, ys])), rect)
            if geom.is_empty:
                continue
            paths.append(path_d(geom, f))
            px, py = f.to_px(xs, ys)
            hemi = ("E" if v >= 0 else "W") if along_lon else ("N" if v >= 0 else "S")
            text = f"{abs(v):g}°{hemi}"
            width = text_width(text, 10.0)
            if along_lon:  # where the meridian meets the bottom edge
                order = np.argsort(py)
                at = float(np.interp(c.height, py[order], px[order]))
                box = Box(at + 3, c.height - 14, at + 5 + width, c.height - 3)
                anchor = (at + 3, c.height - 5.0)
            else:  # where the parallel meets the left edge
                order = np.argsort(px)
                at = float(np.interp(0.0, px[order], py[order]))
                box = Box(4, at - 13, 6 + width, at - 2)
                anchor = (5.0, at - 4)
            if box.within(c.bounds) and not any(box.hits(b) for b in c.taken):
                c.taken.append(box)
                labels.append(text_label(*anchor, text, cls="glabel"))
    return (
        f'<g data-layer="graticule"><path class="graticule" fill="none" d="{"".join(paths)}"/>'
        f"{''.join(labels)}</g>"
    )
