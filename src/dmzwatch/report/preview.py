"""Offline HTML map preview of a scenario: one self-contained page with an inline SVG map.

The map is drawn in the scenario's own metric projection (north up), framed on its zones:
national territory, governorates with their names, the zones' reference lines, each zone's
core and (hatched, lighter) fringe, and the populated places, highlighted where they lie in a
band. Nothing is fetched: no tile server, no external script, stylesheet or font. A little
inline JavaScript toggles layers and zooms and pans; the map reads the same without it.

The output is deterministic: the same scenario gives byte-identical HTML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import shapely

from ..places import Place
from ..scenario import Scenario
from ._svg import (
    Box,
    Canvas,
    LineStyle,
    ZoneStyle,
    area_label,
    areas_layer,
    attrs,
    fmt,
    graticule_layer,
    lines_layer,
    nice_length,
    place_label,
    territory_layer,
    text_label,
    text_width,
    tint,
    zones_layer,
)

__all__ = ["render_preview", "write_preview"]

_BAR = 0.2  # the scale bar is at most this fraction of the map's width


@dataclass(frozen=True, slots=True)
class Mark:
    """A place on the map: its SVG position and the band it lies in (``""`` when none)."""

    place: Place
    x: float
    y: float
    zone: str
    band: str
    distance_km: float


@dataclass(frozen=True, slots=True)
class MapDrawing:
    """The map's SVG and what the page around it needs to describe it."""

    svg: str
    territory: str | None
    area_layers: tuple[tuple[str, str], ...]
    lines: tuple[LineStyle, ...]
    zones: tuple[ZoneStyle, ...]
    has_places: bool
    inside: tuple[Mark, ...]
    projection: str


def write_preview(scenario: Scenario, out_dir: Path) -> Path:
    """Write :func:`render_preview` to ``out_dir/<scenario name>-map.html``; return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{scenario.name}-map.html"
    path.write_text(render_preview(scenario), encoding="utf-8")
    return path


def render_preview(scenario: Scenario) -> str:
    """The preview page of a scenario as an HTML string (UTF-8, self-contained).

    >>> from dmzwatch import load_scenario
    >>> page = render_preview(load_scenario("idlib-m4-2020"))
    >>> page.startswith("<!doctype html>"), "<svg" in page, "http" in page
    (True, True, False)
    """
    drawing = draw_map(scenario)
    agreement = scenario.agreement
    title = escape(agreement.title)
    schematic = (
        '<p class="warn"><strong>Schematic.</strong> Some geometry of this scenario is '
        "illustrative, not surveyed: read its notes before relying on positions or "
        "distances.</p>"
        if agreement.schematic
        else ""
    )
    zones = (
        ", ".join(escape(z.title) for z in agreement.zones)
        if len(agreement.zones) <= 2
        else f"{len(agreement.zones)} zones"
    )
    header = (
        f"<header><h1>{title}</h1>"
        f'<p class="sub">Signed {_date(agreement.signed)} · scenario '
        f"<code>{escape(scenario.name)}</code> · {zones}</p>{schematic}</header>"
    )
    controls = (
        '<div class="controls" aria-label="zoom">'
        '<button type="button" data-zoom="in" title="Zoom in">+</button>'
        '<button type="button" data-zoom="out" title="Zoom out">−</button>'
        '<button type="button" data-zoom="reset" title="Reset view">⟲</button></div>'
    )
    main = (
        f'<main><section class="map">{drawing.svg}{controls}'
        '<p class="hint">Hover for details · scroll or buttons to zoom · drag to pan</p>'
        f"</section><aside>{_legend(drawing)}{_summary(scenario, drawing)}"
        f"{_milestones(scenario)}</aside></main>"
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} — map preview</title><style>{_CSS}</style></head>\n"
        f"<body>{header}\n{main}\n{_footer(scenario, drawing)}\n"
        f"<script>{_JS}</script></body></html>\n"
    )


def draw_map(scenario: Scenario) -> MapDrawing:
    """The scenario's map as an inline SVG, and the styles the legend repeats.

    The map is an outer ``<svg id="map">`` holding a zoomable ``<svg id="view">`` (the layers,
    bottom to top: territory, graticule, area boundaries, zones, lines, area names, places)
    and a fixed overlay with the scale bar and north arrow.
    """
    c = Canvas(scenario)
    defs, zone_styles, zones_svg = zones_layer(c)
    territory_svg, territory = territory_layer(c)
    areas_svg, area_layers, area_parts = areas_layer(c)
    lines_svg, line_styles = lines_layer(c)
    graticule_svg = graticule_layer(c)
    marks = _marks(c)
    places_svg = _places(c, marks)  # place labels go before area names: they matter more
    names = "".join(area_label(c, label, geom, layer) for layer, label, geom in area_parts)
    mpu = c.metres_per_unit()
    w, h = fmt(c.width), fmt(c.height)
    view = (
        f'<svg id="view" x="0" y="0" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
        f'<rect width="{w}" height="{h}" fill="{"#e4e9ee" if territory else "#f7f6f1"}"/>'
        f"{territory_svg}{graticule_svg}{areas_svg}{zones_svg}{lines_svg}"
        f'<g class="area-names">{names}</g>{places_svg}</svg>'
    )
    label = f"Map of {scenario.agreement.title}"
    svg = (
        f"<svg {attrs(id='map', viewBox=f'0 0 {w} {h}', role='img', aria_label=label)} "
        f'data-w="{w}" data-h="{h}" data-m-per-unit="{mpu:g}" '
        f'data-bar-target="{fmt(_BAR * c.width)}"><defs>{defs}</defs>{view}{_overlay(c, mpu)}'
        f'<rect x="0.5" y="0.5" width="{fmt(c.width - 1)}" height="{fmt(c.height - 1)}" '
        'fill="none" stroke="#9aa4ae"/></svg>'
    )
    order = [z.id for z in scenario.zones]
    inside = sorted(
        (m for m in marks if m.zone),
        key=lambda m: (order.index(m.zone), m.band != "core", -m.place.population, m.place.name),
    )
    return MapDrawing(
        svg,
        territory,
        area_layers,
        line_styles,
        zone_styles,
        bool(scenario.places),
        tuple(inside),
        _projection_name(scenario),
    )


def _radius(population: int) -> float:
    return 3.0 if population <= 0 else min(2.2 + 1.4 * math.sqrt(population / 1e4), 10.0)


def place_paint(colour: str | None, band: str, population: int) -> tuple[str, str]:
    """Fill and stroke of a place's dot: dark in a core, light in a fringe, grey outside
    (``colour`` None), hollow when the population is unknown."""
    if colour is None:
        fill, stroke = "#5b5b5b", "#ffffff"
    elif band == "core":
        fill, stroke = tint(colour, -0.3), "#ffffff"
    else:
        fill, stroke = tint(colour, 0.55), tint(colour, -0.5)
    if population <= 0:
        return "#ffffff", fill if stroke == "#ffffff" else stroke
    return fill, stroke


def _marks(c: Canvas) -> list[Mark]:
    """The places to draw: those in a band, and the others that fall on the map."""
    places, result = c.scenario.places, c.result
    if not places or result is None:
        return []
    x, y = c.proj.forward([p.lon for p in places], [p.lat for p in places])
    px, py = c.frame.to_px(x, y)
    on_map = (px >= 0) & (px <= c.width) & (py >= 0) & (py <= c.height)
    return [
        Mark(
            place,
            round(float(px[i]), 1),
            round(float(py[i]), 1),
            str(result.zone[i]),
            str(result.band[i]),
            float(result.distance_km[i]),
        )
        for i, place in enumerate(places)
        if result.zone[i] or on_map[i]
    ]


def _places(c: Canvas, marks: list[Mark]) -> str:
    """Place dots (in-band ones in their zone's colour), then labels for the larger places
    and every place in a band, where they fit."""
    if not c.scenario.places:
        return ""
    zones = {z.id: z for z in c.scenario.zones}
    order = sorted(
        marks, key=lambda m: (bool(m.zone), -m.place.population, m.place.name, m.place.geonameid)
    )
    for m in order:
        r = _radius(m.place.population)
        c.taken.append(Box(m.x - r, m.y - r, m.x + r, m.y + r))
    dots = []
    for m in order:
        p = m.place
        fill, stroke = place_paint(c.colours.get(m.zone), m.band, p.population)
        if m.zone:
            zone = zones[m.zone]
            where = (
                f"in {zone.spec.title} ({m.zone}), {m.band}: {m.distance_km:.1f} km from "
                f"{zone.reference_id.replace('_', ' ')}"
            )
        else:
            where = f"outside the zones: {m.distance_km:.1f} km from the nearest zone's line"
        pop = f"{p.population:,}" if p.population else "unknown"
        tip = p.name + (f", {p.admin1}" if p.admin1 else "") + f"\npopulation {pop}\n{where}"
        cls = f"sc place in-band in-{m.band}" if m.zone else "sc place outside"
        dots.append(
            f'<g class="{cls}" transform="translate({fmt(m.x)} {fmt(m.y)})" '
            f"{attrs(data_x=fmt(m.x), data_y=fmt(m.y), data_name=p.name)} "
            f"{attrs(data_zone=m.zone or None, data_band=m.band or None)} "
            f'data-population="{p.population}"><circle r="{fmt(_radius(p.population))}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.3"/><title>{escape(tip)}</title></g>'
        )
    larger = [m for m in order if not m.zone and m.place.population >= 5000][:30]
    labels = []
    avoid = shapely.union_all(c.lines) if c.lines else None
    for m in sorted(
        [m for m in order if m.zone] + larger,
        key=lambda m: (not m.zone, -m.place.population, m.place.name),
    ):
        size = 12.0 if m.zone else 11.0
        width = text_width(m.place.name, size, bold=bool(m.zone))
        r = _radius(m.place.population)
        at = place_label(m.x, m.y, r, width, size, c.taken, c.bounds, avoid)
        if at is not None:
            cls = "plabel in" if m.zone else "plabel"
            labels.append(
                text_label(
                    m.x, m.y, m.place.name, cls=cls, anchor=at.anchor, dx=at.x - m.x, dy=at.y - m.y
                )
            )
    return f'<g data-layer="places">{"".join(dots)}{"".join(labels)}</g>'


def _overlay(c: Canvas, mpu: float) -> str:
    """Scale bar (true at the centre) and north arrow, in a box that does not zoom."""
    km = nice_length(_BAR * c.width * mpu / 1000.0)
    half = km * 1000.0 / mpu / 2
    x0, y = 52.0, c.height - 22.0
    top = c.height - 52.0
    return (
        f'<g class="overlay"><rect id="sb-box" x="8" y="{fmt(top)}" width="{fmt(2 * half + 90)}" '
        f'height="44" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#c9ced4"/>'
        f'<g transform="translate(28 {fmt(c.height - 26)}) rotate({c.north():g})">'
        '<path d="M0 -10L5 6L0 3L-5 6Z" fill="#1f2328"/>'
        '<text y="-12" text-anchor="middle" class="north">N</text></g>'
        f'<rect id="sb-a" x="{fmt(x0)}" y="{fmt(y)}" width="{fmt(half)}" height="5" '
        'fill="#1f2328"/>'
        f'<rect id="sb-b" data-x0="{fmt(x0)}" x="{fmt(x0 + half)}" y="{fmt(y)}" '
        f'width="{fmt(half)}" height="5" fill="#ffffff" stroke="#1f2328" stroke-width="1"/>'
        f'<text x="{fmt(x0)}" y="{fmt(y - 5)}" text-anchor="middle" class="sb">0</text>'
        f'<text id="sb-end" data-x0="{fmt(x0)}" x="{fmt(x0 + 2 * half)}" y="{fmt(y - 5)}" '
        f'text-anchor="middle" class="sb" {attrs(data_km=f"{km:g}")}>{km:g} km</text></g>'
    )


def _projection_name(scenario: Scenario) -> str:
    crs = scenario.projection.crs
    if crs.name and crs.name != "unknown":
        return str(crs.name)
    op = crs.coordinate_operation
    if op is None:
        return "local metric projection"
    params = {p.name: float(p.value) for p in op.params if isinstance(p.value, int | float)}
    lat, lon = params.get("Latitude of natural origin"), params.get("Longitude of natural origin")
    if lat is None or lon is None:
        return str(op.method_name)
    return (
        f"{op.method_name} centred on {abs(lat):.2f}°{'N' if lat >= 0 else 'S'} "
        f"{abs(lon):.2f}°{'E' if lon >= 0 else 'W'}"
    )


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _swatch(body: str) -> str:
    return (
        '<svg class="sw" width="30" height="16" viewBox="0 0 30 16" aria-hidden="true">'
        f"{body}</svg>"
    )


def _group(layer: str, title: str) -> str:
    """A legend heading that switches a whole layer on and off."""
    box = f'<input type="checkbox" checked {attrs(data_toggle=layer, aria_label="show " + title)}>'
    return f'<label class="zt">{box}<span>{escape(title)}</span></label>'


def _row(layer: str | None, swatch: str, text: str, tip: str = "") -> str:
    box = (
        f'<input type="checkbox" checked {attrs(data_toggle=layer, aria_label="show " + text)}>'
        if layer
        else '<span class="nobox"></span>'
    )
    return (
        f"<label {attrs(title=tip or None)}>{box}{_swatch(swatch)}"
        f"<span>{escape(text)}</span></label>"
    )


def _legend(drawing: MapDrawing) -> str:
    rows = []
    if drawing.territory:
        rows.append(
            _row(
                "territory",
                '<rect x="1" y="2" width="28" height="12" fill="#fbf9f3" stroke="#6e6a5e"/>',
                drawing.territory,
            )
        )
    for layer, text in drawing.area_layers:
        rows.append(
            _row(
                layer,
                '<path d="M1 8H29" stroke="#9a958a" stroke-width="1" stroke-dasharray="4 2"/>',
                text,
            )
        )
    for line in drawing.lines:
        dash = ' stroke-dasharray="6 3"' if line.schematic else ""
        rows.append(
            _row(
                line.layer,
                f'<path d="M1 8H29" stroke="{line.colour}" stroke-width="2.5"{dash}/>',
                line.label,
                line.description,
            )
        )
    for zone in drawing.zones:
        rows.append(_group(zone.layer, zone.title))
        for band in zone.bands:
            rows.append(
                _row(None, f'<rect x="1" y="2" width="28" height="12" {band.paint}/>', band.caption)
            )
    if drawing.has_places:
        colour = drawing.zones[0].colour if drawing.zones else None
        marks = [
            (place_paint(None, "", 1), "outside the zones"),
            (place_paint(colour, "core", 1), "in a core"),
            (place_paint(colour, "fringe", 1), "in a fringe"),
            (place_paint(None, "", 0), "population unknown"),
        ]
        rows.append(_group("places", "Populated places (GeoNames)"))
        for (fill, stroke), text in marks:
            rows.append(
                _row(
                    None,
                    f'<circle cx="15" cy="8" r="4.5" fill="{fill}" stroke="{stroke}" '
                    'stroke-width="1.2"/>',
                    text,
                )
            )
    rows.append(
        _row(
            "graticule",
            '<path d="M1 8H29M15 1V15" stroke="#b9c2cc" stroke-width="0.8"/>',
            "graticule (degrees)",
        )
    )
    return f'<section class="legend"><h2>Legend and layers</h2>{"".join(rows)}</section>'


def _summary(scenario: Scenario, drawing: MapDrawing) -> str:
    if not drawing.has_places:
        return ""
    rows = []
    several = len(drawing.zones) > 1
    for mark in drawing.inside:
        pop = f"{mark.place.population:,}" if mark.place.population else "unknown"
        band = f"{mark.zone} {mark.band}" if several else mark.band
        rows.append(
            f"<tr><td>{escape(mark.place.name)}</td><td>{escape(band)}</td>"
            f"<td class='n'>{pop}</td>"
            f"<td class='n'>{mark.distance_km:.1f}</td></tr>"
        )
    known = sum(m.place.population for m in drawing.inside)
    unknown = sum(1 for m in drawing.inside if m.place.population == 0)
    note = f"; {unknown} with population unknown" if unknown else ""
    body = "".join(rows) or "<tr><td colspan='4'>none</td></tr>"
    return (
        '<section class="places"><h2>Places in the zones</h2>'
        f"<p>{len(drawing.inside)} of {len(scenario.places)} places (GeoNames), known "
        f"population {known:,}{note}.</p>"
        "<table><thead><tr><th>place</th><th>band</th><th class='n'>population</th>"
        f"<th class='n' title='geodesic distance to the reference line'>km</th></tr></thead>"
        f"<tbody>{body}</tbody></table></section>"
    )


def _milestones(scenario: Scenario) -> str:
    items = []
    for m in sorted(scenario.agreement.milestones, key=lambda m: (m.at, m.id)):
        when = _date(m.at.date()) + (f" {m.at:%H:%M}" if m.at.time() != dt.time(0, 0) else "")
        items.append(f"<li><time>{when}</time> {escape(m.title)}</li>")
    if not items:
        return ""
    return f'<section class="milestones"><h2>Milestones</h2><ul>{"".join(items)}</ul></section>'


def _footer(scenario: Scenario, drawing: MapDrawing) -> str:
    data: list[str] = []
    if drawing.territory or drawing.area_layers:
        data.append("Boundaries: Natural Earth (public domain), naturalearthdata.com.")
    if drawing.has_places:
        data.append("Places: GeoNames (CC BY 4.0), geonames.org.")
    data.append(f"Projection: {escape(drawing.projection)}; scale bar true at the map centre.")
    sources = "".join(f"<li>{escape(s)}</li>" for s in _unique(scenario.agreement.sources))
    return (
        f"<footer><p>{' '.join(data)}</p>"
        f"<p>Sources of the agreement and its geometry:</p><ul>{sources}</ul>"
        "<p>Zone geometry is computed by dmzwatch from the sources above; where they are "
        "approximate or schematic, so is the map. Not for navigation.</p></footer>"
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


_CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
"Liberation Sans",sans-serif;color:#1f2328;background:#f3f4f6}
header{padding:12px 20px 8px;background:#fff;border-bottom:1px solid #d8dde3}
h1{font-size:19px;margin:0 0 2px;font-weight:650}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:#57606a;margin:0 0 6px}
.sub{margin:0;color:#57606a}
.warn{margin:6px 0 0;padding:4px 10px;background:#fff4ce;border:1px solid #e3b341;
border-radius:4px;display:inline-block}
main{display:grid;align-items:start;grid-template-columns:minmax(0,1fr) 340px;gap:14px;
padding:14px 20px}
.map{position:relative;background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:6px}
#map{display:block;width:100%;height:auto;max-height:calc(100vh - 150px);cursor:grab;
touch-action:none;user-select:none}
#map text{font-family:inherit;paint-order:stroke;stroke:#fff;stroke-width:3px;
stroke-linejoin:round}
#view path{vector-effect:non-scaling-stroke}
#view .area{fill:transparent;stroke:#9a958a;stroke-width:.9;stroke-dasharray:4 2}
#view .area:hover{fill:rgba(110,106,94,.06)}
#view .graticule{stroke:#b9c2cc;stroke-width:.6}
.plabel text{font-size:11px;fill:#24292f}
.plabel.in text{font-size:12px;font-weight:700;fill:#111}
.alabel text{font-size:12px;font-weight:600;letter-spacing:1.5px;fill:#8b8578}
.glabel text{font-size:10px;fill:#6e7781}
.overlay text{font-size:11px}.overlay .north{font-size:10px;font-weight:700;stroke:none}
.controls{position:absolute;top:14px;right:14px;display:flex;flex-direction:column;gap:4px}
.controls button{width:30px;height:30px;font-size:17px;line-height:1;border:1px solid #aab3bd;
background:#fff;border-radius:4px;cursor:pointer}
.hint{margin:4px 4px 0;font-size:12px;color:#6e7781}
aside section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:10px 12px;
margin-bottom:12px}
.legend label{display:flex;align-items:center;gap:6px;margin:2px 0;font-size:13px}
.legend .nobox{display:inline-block;width:13px}
.legend .zt{margin:8px 0 2px;font-weight:600;font-size:13px}
.sw{flex:none}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{text-align:left;padding:2px 4px;border-bottom:1px solid #eef0f2}
.n{text-align:right;font-variant-numeric:tabular-nums}
.places p{margin:0 0 6px;font-size:12.5px}
.milestones ul{margin:0;padding-left:16px;font-size:12.5px}
time{font-variant-numeric:tabular-nums;color:#57606a}
footer{padding:4px 20px 16px;font-size:12px;color:#57606a}
footer p{margin:4px 0}footer ul{margin:2px 0;padding-left:18px}
@media (max-width:900px){main{grid-template-columns:1fr}}
"""

_JS = """
(function () {
  "use strict";
  var map = document.getElementById("map"), view = document.getElementById("view");
  if (!map || !view) return;
  var W = +map.dataset.w, H = +map.dataset.h, mpu = +map.dataset.mPerUnit;
  var k = 1, cx = W / 2, cy = H / 2, drag = null;
  var scaled = view.querySelectorAll(".sc");
  function nice(v) {
    var e = Math.pow(10, Math.floor(Math.log10(v)));
    return v >= 5 * e ? 5 * e : v >= 2 * e ? 2 * e : e;
  }
  function apply() {
    var w = W / k, h = H / k;
    cx = Math.min(Math.max(cx, w / 2), W - w / 2);
    cy = Math.min(Math.max(cy, h / 2), H - h / 2);
    view.setAttribute("viewBox", [cx - w / 2, cy - h / 2, w, h].map(function (v) {
      return v.toFixed(2); }).join(" "));
    for (var i = 0; i < scaled.length; i++) {
      var g = scaled[i];
      g.setAttribute("transform", "translate(" + g.dataset.x + " " + g.dataset.y +
        ") scale(" + (1 / k).toFixed(4) + ")");
    }
    var km = nice(+map.dataset.barTarget * mpu / k / 1000), len = km * 1000 / mpu * k;
    document.getElementById("sb-a").setAttribute("width", (len / 2).toFixed(1));
    var b = document.getElementById("sb-b");
    b.setAttribute("x", (+b.dataset.x0 + len / 2).toFixed(1));
    b.setAttribute("width", (len / 2).toFixed(1));
    document.getElementById("sb-box").setAttribute("width", (len + 90).toFixed(1));
    var end = document.getElementById("sb-end");
    end.setAttribute("x", (+end.dataset.x0 + len).toFixed(1));
    end.textContent = km + " km";
  }
  function point(e) {
    var m = map.getScreenCTM();
    if (!m) return [W / 2, H / 2];
    var p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return [p.x, p.y];
  }
  function zoom(f, p) {
    p = p || [W / 2, H / 2];
    var vx = cx + (p[0] - W / 2) / k, vy = cy + (p[1] - H / 2) / k;
    k = Math.min(Math.max(k * f, 1), 16);
    cx = vx - (p[0] - W / 2) / k; cy = vy - (p[1] - H / 2) / k;
    apply();
  }
  map.addEventListener("wheel", function (e) {
    e.preventDefault(); zoom(e.deltaY < 0 ? 1.25 : 0.8, point(e));
  }, {passive: false});
  map.addEventListener("pointerdown", function (e) {
    drag = point(e); map.setPointerCapture(e.pointerId);
  });
  map.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var p = point(e);
    cx -= (p[0] - drag[0]) / k; cy -= (p[1] - drag[1]) / k; drag = p; apply();
  });
  map.addEventListener("pointerup", function () { drag = null; });
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var z = b.dataset.zoom;
      if (z === "reset") { k = 1; cx = W / 2; cy = H / 2; apply(); }
      else zoom(z === "in" ? 1.5 : 1 / 1.5);
    });
  });
  document.querySelectorAll("input[data-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('[data-layer="' + box.dataset.toggle + '"]')
        .forEach(function (g) { g.style.display = box.checked ? "" : "none"; });
    });
  });
})();
"""
