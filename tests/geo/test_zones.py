"""Zone geometry: geodesic band depths, sides, clipping, and the Idlib zone's known places."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.agreement.loader import parse_agreement
from dmzwatch.geo.projection import GEOD
from dmzwatch.geo.zones import geodesic_area_km2
from dmzwatch.scenario import Scenario

DATA = Path(dmzwatch.__file__).parent / "data"
LINE = json.loads((DATA / "idlib_2018_lines.geojson").read_text())["features"][0]["geometry"][
    "coordinates"
]


def _band_scenario(side: str, min_km: float, max_km: str, ends: str = "round") -> Scenario:
    text = f"""
[agreement]
id = "test"
title = "test"
signed = 2020-01-01

[lines.l]
coordinates = {json.dumps(LINE)}

[zones.z]
line = "l"
side = "{side}"
min_km = {min_km}
max_km = {max_km}
ends = "{ends}"
"""
    return Scenario(parse_agreement(text, source="test.toml", base=DATA))


@pytest.fixture(scope="module")
def left_band() -> Scenario:
    return _band_scenario("left", 0, "[15, 20]")


@pytest.fixture(scope="module")
def both_band() -> Scenario:
    return _band_scenario("both", 5, "[10, 12]")


def _line_samples(spacing_m: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    lons, lats = [], []
    for (lon0, lat0), (lon1, lat1) in itertools.pairwise(LINE):
        _, _, dist = GEOD.inv(lon0, lat0, lon1, lat1)
        pts = GEOD.npts(
            lon0, lat0, lon1, lat1, int(dist // spacing_m), initial_idx=0, terminus_idx=0
        )
        lons += [p[0] for p in pts]
        lats += [p[1] for p in pts]
    return np.array(lons), np.array(lats)


SAMPLES = _line_samples()


def _true_distance_m(lon: float, lat: float) -> float:
    """Geodesic distance to the line by dense sampling (independent of dmzwatch's method)."""
    _, _, d = GEOD.inv(np.full(len(SAMPLES[0]), lon), np.full(len(SAMPLES[0]), lat), *SAMPLES)
    return float(np.min(d))


def _point_off_line(segment: int, t: float, side: str, distance_m: float) -> tuple[float, float]:
    (lon0, lat0), (lon1, lat1) = LINE[segment], LINE[segment + 1]
    az, _, length = GEOD.inv(lon0, lat0, lon1, lat1)
    flon, flat, back = GEOD.fwd(lon0, lat0, az, t * length)
    forward = (back + 180.0) % 360.0
    lon, lat, _ = GEOD.fwd(flon, flat, forward + (-90.0 if side == "left" else 90.0), distance_m)
    return lon, lat


EDGE_OFFSETS = st.sampled_from([-50.0, 50.0])


@settings(max_examples=150, deadline=None)
@given(
    segment=st.integers(0, len(LINE) - 2),
    t=st.floats(0.05, 0.95),
    edge_km=st.sampled_from([15.0, 20.0]),
    offset=EDGE_OFFSETS,
)
def test_left_band_edges_are_geodesic(
    left_band: Scenario, segment: int, t: float, edge_km: float, offset: float
) -> None:
    d = edge_km * 1000 + offset
    lon, lat = _point_off_line(segment, t, "left", d)
    assume(abs(_true_distance_m(lon, lat) - d) < 1.0)  # this segment's foot is the nearest
    result = left_band.classify([lon], [lat])
    expected = "core" if d < 15000 else ("fringe" if d < 20000 else "")
    assert result.band[0] == expected
    assert result.zone[0] == ("z" if expected else "")
    assert result.distance_km[0] == pytest.approx(d / 1000, abs=0.005)


@settings(max_examples=150, deadline=None)
@given(
    segment=st.integers(0, len(LINE) - 2),
    t=st.floats(0.05, 0.95),
    side=st.sampled_from(["left", "right"]),
    edge_km=st.sampled_from([5.0, 10.0, 12.0]),
    offset=EDGE_OFFSETS,
)
def test_two_sided_band_with_inner_edge(
    both_band: Scenario, segment: int, t: float, side: str, edge_km: float, offset: float
) -> None:
    d = edge_km * 1000 + offset
    lon, lat = _point_off_line(segment, t, side, d)
    assume(abs(_true_distance_m(lon, lat) - d) < 1.0)
    band = both_band.classify([lon], [lat]).band[0]
    expected = "" if d < 5000 else "core" if d < 10000 else "fringe" if d < 12000 else ""
    assert band == expected


def test_left_band_excludes_the_right_side(left_band: Scenario) -> None:
    # a point 1 km to the right of the middle of a long, straight-ish segment
    lon, lat = _point_off_line(11, 0.5, "right", 1000.0)
    assert left_band.classify([lon], [lat]).zone[0] == ""
    lon, lat = _point_off_line(11, 0.5, "left", 1000.0)
    assert left_band.classify([lon], [lat]).band[0] == "core"


def test_flat_ends_stop_at_the_line_ends() -> None:
    flat = _band_scenario("both", 0, "5", ends="flat")
    round_ = _band_scenario("both", 0, "5", ends="round")
    (lon0, lat0), (lon1, lat1) = LINE[0], LINE[1]
    az, _, _ = GEOD.inv(lon1, lat1, lon0, lat0)
    beyond = GEOD.fwd(lon0, lat0, az, 2000.0)  # 2 km past the first vertex, on the extension
    assert flat.classify([beyond[0]], [beyond[1]]).zone[0] == ""
    assert round_.classify([beyond[0]], [beyond[1]]).zone[0] == "z"


def test_band_areas_match_a_geodesic_estimate(left_band: Scenario) -> None:
    core, fringe = left_band.bands
    assert core.depth_min_km == 0 and core.depth_max_km == 15
    assert fringe.depth_min_km == 15 and fringe.depth_max_km == 20
    length_km = GEOD.line_length(*zip(*LINE, strict=True)) / 1000
    # a one-sided band along a bending line: roughly length x depth, within a generous factor
    assert 0.6 < core.area_km2 / (length_km * 15) < 1.4
    assert shapely.is_valid(core.geometry) and shapely.is_valid(fringe.geometry)
    assert core.geometry.intersection(fringe.geometry).area < 1e-9


def test_geometry_is_lonlat_and_right_hand(idlib: dmzwatch.Scenario) -> None:
    for band in idlib.bands:
        x0, y0, x1, y1 = band.geometry.bounds
        assert 35.5 < x0 < x1 < 37.6 and 34.9 < y0 < y1 < 36.8
        for poly in shapely.get_parts(band.geometry):
            assert poly.exterior.is_ccw
            assert all(not ring.is_ccw for ring in poly.interiors)


@pytest.mark.parametrize(
    ("name", "lon", "lat", "zone", "band"),
    [
        ("Morek", 36.6897, 35.37615, "dmz", "core"),
        ("Hama (government-held)", 36.75783, 35.13179, "", ""),
        ("Idlib city (>20 km from the line)", 36.63393, 35.93062, "", ""),
        ("Khan Shaykhun", 36.65095, 35.44208, "dmz", "core"),
        ("Saraqib", 36.80591, 35.86447, "dmz", "core"),
    ],
)
def test_idlib_known_places(
    idlib: dmzwatch.Scenario, name: str, lon: float, lat: float, zone: str, band: str
) -> None:
    result = idlib.classify([lon], [lat])
    assert (result.zone[0], result.band[0]) == (zone, band), name


def test_idlib_city_is_more_than_20_km_from_the_line(idlib: dmzwatch.Scenario) -> None:
    assert idlib.classify([36.63393], [35.93062]).distance_km[0] > 20


def test_idlib_zone_lies_in_syria_and_the_opposition_area(idlib: dmzwatch.Scenario) -> None:
    areas = idlib.agreement.areas
    allowed = areas["syria"].geometry.intersection(areas["opposition_held"].geometry)
    for band in idlib.bands:
        # area edges are densified before projecting: they part by well under a metre
        assert band.geometry.difference(allowed.buffer(1e-6)).area == pytest.approx(0, abs=1e-12)
    total = sum(b.area_km2 for b in idlib.bands)
    assert 2500 < total < 6000  # reported DMZ size: a few thousand km²


def test_geodesic_area_of_a_known_square() -> None:
    # a 1° x 1° cell at the equator is about 12,308 km² on WGS84
    assert geodesic_area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(12308, rel=0.001)


def test_m4_corridor_is_6_km_each_side(m4: dmzwatch.Scenario) -> None:
    (band,) = m4.bands
    assert (band.zone, band.band, band.depth_max_km) == ("m4_corridor", "core", 6)
    # Ariha is on the schematic M4: inside; Idlib city is ~13 km north of it: outside
    res = m4.classify([36.60964, 36.63393], [35.81374, 35.93062])
    assert res.zone.tolist() == ["m4_corridor", ""]


def test_minsk_zones_nest(minsk: dmzwatch.Scenario) -> None:
    areas = [b.area_km2 for b in minsk.bands]
    assert areas == sorted(areas)
    assert [z.id for z in minsk.zones] == [
        "security_15km",
        "security_50km",
        "security_70km",
        "security_140km",
    ]
