"""The offline HTML map preview: self-contained, complete, deterministic, geometrically right."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo.projection import GEOD
from dmzwatch.report._svg import Box, Frame, nice_length, path_d, place_label, tint
from dmzwatch.report.preview import render_preview, write_preview

SCENARIOS = ["idlib-2018", "idlib-m4-2020", "minsk-2015"]
VOID = {"meta", "input", "br", "img", "link", "hr", "source", "wbr", "area", "col", "embed"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def iter(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out.extend(child.iter())
        return out

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)

    def find(self, tag: str | None = None, **want: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in want.items())
        ]

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class TreeBuilder(HTMLParser):
    """A strict little tree builder: every end tag must close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


@functools.cache
def page_of(name: str) -> str:
    return render_preview(dmzwatch.load_scenario(name))


def title_of(node: Node) -> str:
    titles = [c for c in node.children if c.tag == "title"]
    return titles[0].text if titles else ""


def path_rings(d: str) -> list[np.ndarray]:
    """The rings of SVG path data written by ``path_d`` (M, L, Z only)."""
    return [
        np.array([[float(v) for v in pt.split()] for pt in ring.rstrip("Z").split("L")])
        for ring in d.split("M")[1:]
    ]


def path_polygon(d: str) -> shapely.Geometry:
    """Even-odd polygon of a path: the symmetric difference of its rings."""
    geom = shapely.Polygon()
    for ring in path_rings(d):
        geom = shapely.symmetric_difference(geom, shapely.make_valid(shapely.Polygon(ring)))
    return geom


@pytest.mark.parametrize("name", SCENARIOS)
def test_page_is_well_formed_and_self_contained(name: str) -> None:
    page = page_of(name)
    root = parse(page)
    assert page.startswith("<!doctype html>")
    assert len(root.find("svg", id="map")) == 1 and len(root.find("svg", id="view")) == 1
    for node in root.iter():
        for key, value in node.attrs.items():
            if key in ("src", "href", "xlink:href", "action", "poster", "data"):
                pytest.fail(f"<{node.tag} {key}={value!r}>: nothing may be linked")
            for url in re.findall(r"url\(([^)]*)\)", value):
                assert url.startswith("#"), f"<{node.tag} {key}>: url({url}) is not local"
    assert not re.search(r"https?:|//[a-z]|@import|@font-face", page, flags=re.I)
    assert [s.text.strip() != "" for s in root.find("script")] == [True]


@pytest.mark.parametrize("name", SCENARIOS)
def test_output_is_deterministic(name: str) -> None:
    scenario = dmzwatch.load_scenario(name)
    path = scenario.agreement.path
    assert path is not None
    fresh = dmzwatch.Scenario(dmzwatch.load_agreement(path))
    assert render_preview(scenario) == render_preview(fresh) == page_of(name)


@pytest.mark.slow
def test_output_does_not_depend_on_the_hash_seed() -> None:
    code = (
        "import sys, dmzwatch; from dmzwatch.report.preview import render_preview; "
        "sys.stdout.write(render_preview(dmzwatch.load_scenario('idlib-2018')))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, check=True, timeout=300
    )
    assert run.stdout.decode("utf-8") == page_of("idlib-2018")


def test_idlib_has_every_layer(idlib: dmzwatch.Scenario) -> None:
    root = parse(page_of("idlib-2018"))
    territory = root.find("g", data_layer="territory")[0].find("path")
    assert len(territory) == 1 and len(path_rings(territory[0].attrs["d"])) >= 1
    # governorates: a boundary with a tooltip per part on the map, and names where they fit
    areas = {n.attrs["data-label"]: n for n in root.find("path") if "area" in n.classes()}
    assert {"Idlib", "Aleppo", "Hama", "Latakia"} <= set(areas)
    assert set(areas) <= {label for label, _ in idlib.agreement.areas["governorates"].parts}
    assert all(title_of(n) == label and n.attrs["d"] for label, n in areas.items())
    names = {n.all_text() for n in root.find("g") if "alabel" in n.classes()}
    assert {"IDLIB", "ALEPPO", "HAMA", "LATAKIA"} <= names
    # the reference line, and the zone's core and fringe with distinct fills
    (line,) = root.find("path", data_line="line_of_contact")
    assert len(path_rings(line.attrs["d"])[0]) > 10
    core = root.find("path", data_zone="dmz", data_band="core")[0]
    fringe = root.find("path", data_zone="dmz", data_band="fringe")[0]
    assert core.attrs["fill"].startswith("#") and fringe.attrs["fill"] == "url(#hatch-0)"
    assert root.find("pattern", id="hatch-0")
    assert "depth 0–15 km" in title_of(core) and "km²" in title_of(core)
    assert "fringe (uncertain): depth 15–20 km" in title_of(fringe)
    # places: every place in a band is drawn, and named
    drawn = {n.attrs["data-name"]: n for n in root.find("g") if "place" in n.classes()}
    result = idlib.classify_places()
    inside = {p.name for p, z in zip(idlib.places, result.zone, strict=True) if z}
    assert inside and inside <= set(drawn)
    labels = {n.all_text() for n in root.find("g") if "plabel" in n.classes()}
    assert inside <= labels  # room was found for all of them
    assert {"Idlib", "Aleppo"} <= labels  # the larger places outside
    unknown = [n for n in drawn.values() if n.attrs["data-population"] == "0"]
    assert unknown and all("population unknown" in title_of(n) for n in unknown)
    city = next(p for p in idlib.places if p.name == "Idlib")
    assert f"population {city.population:,}" in title_of(drawn["Idlib"])


def test_murak_is_drawn_inside_the_core(idlib: dmzwatch.Scenario) -> None:
    root = parse(page_of("idlib-2018"))
    (murak,) = [n for n in root.find("g", data_name="Murak") if "place" in n.classes()]
    assert murak.attrs["data-zone"] == "dmz" and murak.attrs["data-band"] == "core"
    assert "in-core" in murak.classes()
    x, y = float(murak.attrs["data-x"]), float(murak.attrs["data-y"])
    assert murak.attrs["transform"] == f"translate({murak.attrs['data-x']} {murak.attrs['data-y']})"
    core = path_polygon(root.find("path", data_zone="dmz", data_band="core")[0].attrs["d"])
    fringe = path_polygon(root.find("path", data_zone="dmz", data_band="fringe")[0].attrs["d"])
    assert core.contains(shapely.Point(x, y)) and not fringe.contains(shapely.Point(x, y))
    i = next(i for i, p in enumerate(idlib.places) if p.name == "Murak")
    km = idlib.classify_places().distance_km[i]
    assert f"Murak, {idlib.places[i].admin1}" in title_of(murak)
    assert f"core: {km:.1f} km from line of contact" in title_of(murak)


def test_the_scale_bar_and_positions_measure_true_distances(idlib: dmzwatch.Scenario) -> None:
    root = parse(page_of("idlib-2018"))
    (svg,) = root.find("svg", id="map")
    mpu = float(svg.attrs["data-m-per-unit"])
    (end,) = root.find("text", id="sb-end")
    km = float(end.attrs["data-km"])
    assert end.text == f"{km:g} km" and km == nice_length(km)
    bar = 2 * float(root.find("rect", id="sb-a")[0].attrs["width"])
    assert bar * mpu / 1000 == pytest.approx(km, rel=0.002)
    assert 0.08 * float(svg.attrs["data-w"]) <= bar <= 0.2 * float(svg.attrs["data-w"])
    # SVG distances between drawn places, times the scale, are their geodesic distances
    pos = {
        n.attrs["data-name"]: (float(n.attrs["data-x"]), float(n.attrs["data-y"]))
        for n in root.find("g")
        if "place" in n.classes()
    }
    where = {p.name: (p.lon, p.lat) for p in idlib.places}
    for a, b in [("Murak", "Darat 'Izzah"), ("Jisr ash Shughur", "Saraqib"), ("Idlib", "Murak")]:
        _, _, metres = GEOD.inv(*where[a], *where[b])
        svg_units = float(np.hypot(pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]))
        assert svg_units * mpu == pytest.approx(metres, rel=0.005)
    # north is up: the northern place is drawn higher
    assert pos["Darat 'Izzah"][1] < pos["Idlib"][1] < pos["Murak"][1]
    arrow = [n for n in root.iter() if "rotate(" in n.attrs.get("transform", "")]
    angle = float(re.findall(r"rotate\(([-\d.]+)\)", arrow[0].attrs["transform"])[0])
    assert abs(angle) < 1.0


def test_m4_schematic_corridor(m4: dmzwatch.Scenario) -> None:
    page = page_of("idlib-m4-2020")
    root = parse(page)
    assert "Schematic." in page and "M4 (schematic)" in page
    (line,) = root.find("path", data_line="m4")
    assert line.attrs["stroke-dasharray"]
    assert root.find("path", data_zone="m4_corridor", data_band="core")
    assert not root.find("path", data_band="fringe")
    drawn = {n.attrs["data-name"]: n for n in root.find("g") if "in-band" in n.classes()}
    result = m4.classify_places()
    assert set(drawn) == {p.name for p, z in zip(m4.places, result.zone, strict=True) if z}
    assert "Jisr ash Shughur" in drawn


def test_minsk_without_territory_or_places(minsk: dmzwatch.Scenario) -> None:
    page = page_of("minsk-2015")
    root = parse(page)
    assert not root.find(data_layer="territory") and not root.find(data_layer="places")
    assert "Schematic." in page and "GeoNames" not in page
    layers = [n.attrs["data-layer"] for n in root.find("g") if n.attrs.get("data-layer", "")]
    zones = [layer for layer in layers if layer.startswith("zone-")]
    # nested zones: the largest is drawn first, so every smaller one stays visible on top
    assert zones == [f"zone-{z}" for z in ("security_140km", "security_70km")] + [
        "zone-security_50km",
        "zone-security_15km",
    ]
    widest = path_polygon(root.find("path", data_zone="security_140km")[0].attrs["d"])
    (svg,) = root.find("svg", id="map")
    frame = shapely.box(0, 0, float(svg.attrs["data-w"]), float(svg.attrs["data-h"]))
    assert frame.contains(widest)  # framed on the zones, with a margin
    assert widest.area > 0.3 * frame.area
    assert root.find("path", data_line="contact_schematic")


@pytest.mark.parametrize("name", SCENARIOS)
def test_title_date_legend_and_attribution(name: str) -> None:
    scenario = dmzwatch.load_scenario(name)
    page = page_of(name)
    root = parse(page)
    agreement = scenario.agreement
    assert root.find("h1")[0].text == agreement.title
    assert f"{agreement.signed.day} {agreement.signed:%B %Y}" in page
    assert ("Schematic." in page) == agreement.schematic
    (legend,) = [n for n in root.find("section") if "legend" in n.classes()]
    toggles = {n.attrs["data-toggle"] for n in legend.find("input")}
    layers = {n.attrs["data-layer"] for n in root.iter() if "data-layer" in n.attrs}
    assert toggles == layers  # each layer can be switched, and each switch has a layer
    assert {f"zone-{z.id}" for z in agreement.zones} <= toggles
    footer = root.find("footer")[0].all_text()
    assert all(source in footer for source in agreement.sources)
    if scenario.places:
        assert "GeoNames (CC BY 4.0), geonames.org" in footer
    if agreement.territory:
        assert "Natural Earth (public domain)" in footer


@pytest.mark.parametrize("name", SCENARIOS)
def test_reasonable_size_and_rounded_coordinates(name: str) -> None:
    page = page_of(name)
    assert len(page.encode("utf-8")) < 150_000
    for d in re.findall(r' d="([^"]*)"', page):
        assert re.fullmatch(r"[MLZVH0-9. -]*", d) and not re.search(r"\.\d\d", d)


def test_write_preview(tmp_path: Path) -> None:
    scenario = dmzwatch.load_scenario("idlib-m4-2020")
    path = write_preview(scenario, tmp_path / "out")
    assert path == tmp_path / "out" / "idlib-m4-2020-map.html"
    assert path.read_text(encoding="utf-8") == page_of("idlib-m4-2020")


# -- the SVG helpers -------------------------------------------------------------------------


@given(st.floats(1e-3, 1e7))
def test_nice_length_is_a_round_number_just_below_the_limit(limit: float) -> None:
    value = nice_length(limit)
    assert limit / 2.5 <= value * (1 + 1e-9) and value <= limit * (1 + 1e-9)
    mantissa = value / 10 ** np.floor(np.log10(value) + 1e-12)
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6


@given(
    st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)),
    st.floats(1.0, 1e6),
    st.floats(1.0, 1e6),
    st.floats(0.0, 0.3),
)
def test_frame_contains_its_bounds_with_margin_and_aspect(
    origin: tuple[float, float], w: float, h: float, margin: float
) -> None:
    x0, y0 = origin
    frame = Frame.fit((x0, y0, x0 + w, y0 + h), width=1000.0, margin=margin, aspect=(0.6, 0.9))
    eps = 1e-9 * max(w, h, abs(x0), abs(y0))
    assert frame.x0 <= x0 + eps and frame.y0 <= y0 + eps
    assert frame.x1 >= x0 + w - eps and frame.y1 >= y0 + h - eps
    assert 0.6 - 1e-3 <= frame.height / frame.width <= 0.9 + 1e-3
    px, py = frame.to_px([x0, x0 + w], [y0, y0 + h])
    assert py[1] < py[0]  # north up
    back_x, back_y = frame.to_plane(px, py)
    assert np.allclose(back_x, [x0, x0 + w]) and np.allclose(back_y, [y0, y0 + h])


@given(
    st.lists(
        st.tuples(st.floats(0, 400), st.floats(0, 300), st.integers(1, 14)),
        min_size=1,
        max_size=40,
    )
)
def test_placed_labels_never_overlap_and_stay_inside(
    dots: list[tuple[float, float, int]],
) -> None:
    bounds = Box(0, 0, 400, 300)
    taken = [Box(x - 3, y - 3, x + 3, y + 3) for x, y, _ in dots]
    placed = []
    for x, y, n in dots:
        label = place_label(x, y, 3.0, 6.0 * n, 11.0, taken, bounds)
        if label is not None:
            placed.append(label.box)
            assert label.box.within(bounds)
            assert not label.box.hits(Box(x - 3, y - 3, x + 3, y + 3))
    for i, a in enumerate(placed):
        assert not any(a.hits(b) for b in placed[i + 1 :])


def test_path_data_of_a_polygon_with_a_hole() -> None:
    frame = Frame(0.0, 0.0, 100.0, 100.0, 100.0, 100.0)
    square = shapely.box(0, 0, 50, 50).difference(shapely.box(10, 10, 20, 20))
    d = path_d(square, frame)
    assert d.count("M") == 2 and d.count("Z") == 2
    assert path_polygon(d).area == pytest.approx(50 * 50 - 10 * 10)
    assert path_d(shapely.Point(1, 1), frame) == ""
    assert tint("#c8412c", 0.0) == "#c8412c" and tint("#c8412c", 1.0) == "#ffffff"
