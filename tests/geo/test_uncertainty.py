"""Uncertainty shapes and p_in_zone: properties on a half-plane and on the real Idlib zone."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo.projection import LocalProjection
from dmzwatch.geo.uncertainty import (
    Disc,
    Sector,
    compass_bearings,
    fraction_inside,
    p_in_zone,
    parse_sector,
    representative_points,
    to_local,
)

PROJ = LocalProjection.centred_on(36.6, 35.6)
# everything east of the projection's centre meridian, 200 km around
EAST = shapely.box(0, -200_000, 200_000, 200_000)


def _at(x_km: float, y_km: float = 0.0) -> tuple[float, float]:
    lon, lat = PROJ.inverse([x_km * 1000.0], [y_km * 1000.0])
    return float(lon[0]), float(lat[0])


radii = st.floats(min_value=0.5, max_value=40.0)


@settings(max_examples=60, deadline=None)
@given(r=radii, margin=st.floats(min_value=1.01, max_value=3.0), y=st.floats(-50, 50))
def test_one_deep_inside_zero_far_outside(r: float, margin: float, y: float) -> None:
    inside = Disc(*_at(r * margin, y), r)
    outside = Disc(*_at(-r * margin, y), r)
    p = p_in_zone(EAST, [inside, outside], PROJ)
    assert p.tolist() == [1.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(r=radii, x=st.floats(-60, 60), y=st.floats(-60, 60))
def test_always_a_probability(r: float, x: float, y: float) -> None:
    p = p_in_zone(EAST, [Disc(*_at(x, y), r), Sector(*_at(x, y), 10, 200, 0, r)], PROJ)
    assert np.all((p >= 0) & (p <= 1))


@settings(max_examples=60, deadline=None)
@given(r=radii, x=st.floats(-1.2, 1.2), step_m=st.floats(0.5, 200.0))
def test_continuous_across_the_edge(r: float, x: float, step_m: float) -> None:
    # moving a disc of radius r by d changes the share inside by at most the area it sweeps:
    # 2 r d / (pi r^2) per side, 4 d / (pi r) in all (plus polygonisation slack)
    a = Disc(*_at(x * r), r)
    b = Disc(*_at(x * r + step_m / 1000.0), r)
    pa, pb = p_in_zone(EAST, [a, b], PROJ)
    bound = 4 * (step_m / 1000.0) / (math.pi * r)
    assert abs(pb - pa) <= bound * 1.05 + 1e-6
    assert pb >= pa - 1e-9  # moving east moves into the zone


@pytest.mark.parametrize("r", [0.5, 2.0, 25.0])
def test_half_inside_on_the_edge(r: float) -> None:
    (p,) = p_in_zone(EAST, [Disc(*_at(0.0), r)], PROJ)
    assert p == pytest.approx(0.5, abs=0.005)


@settings(max_examples=30, deadline=None)
@given(
    t=st.floats(0.05, 0.95),
    depth=st.floats(0.0, 25.0),
    r=st.floats(0.5, 30.0),
    step_m=st.floats(1.0, 100.0),
)
def test_continuous_on_the_real_zone(t: float, depth: float, r: float, step_m: float) -> None:
    s = dmzwatch.load_scenario("idlib-2018")
    zone = s.zones[0]
    line = s.projection.to_local(s.agreement.lines["line_of_contact"].geometry)
    at = line.interpolate(t, normalized=True)
    ahead = line.interpolate(t + 0.001, normalized=True)
    nx, ny = -(ahead.y - at.y), ahead.x - at.x
    norm = math.hypot(nx, ny)
    x0 = at.x + nx / norm * depth * 1000
    y0 = at.y + ny / norm * depth * 1000
    x1, y1 = x0 + step_m, y0
    lon, lat = s.projection.inverse([x0, x1], [y0, y1])
    shapes = [Disc(float(lon[0]), float(lat[0]), r), Disc(float(lon[1]), float(lat[1]), r)]
    p = p_in_zone(zone.local, shapes, s.projection)
    assert np.all((p >= 0) & (p <= 1))
    assert abs(p[1] - p[0]) <= 4 * (step_m / 1000) / (math.pi * r) * 1.1 + 1e-6


def test_a_point_is_in_or_out() -> None:
    p = p_in_zone(EAST, [Disc(*_at(1.0), 0.0), Disc(*_at(-1.0), 0.0)], PROJ)
    assert p.tolist() == [1.0, 0.0]


def test_sector_area_matches_the_formula() -> None:
    s = Sector(*_at(0.0), 146.25, 168.75, 1.0, 4.5)
    (g,) = to_local([s], PROJ)
    expected = math.pi * (4.5**2 - 1.0**2) * (22.5 / 360.0)
    assert g.area / 1e6 == pytest.approx(expected, rel=0.01)
    full = Sector(*_at(0.0), 0.0, 0.0, 1.0, 4.5)
    (g,) = to_local([full], PROJ)
    assert g.area / 1e6 == pytest.approx(math.pi * (4.5**2 - 1.0), rel=0.01)
    assert g.is_valid


def test_sector_points_where_its_bearings_say() -> None:
    observer = _at(-3.0)  # 3 km west of the zone's edge
    east = Sector(*observer, 80.0, 100.0, 4.0, 6.0)  # all of it beyond the edge
    west = Sector(*observer, 260.0, 280.0, 0.0, 6.0)
    across = Sector(*observer, 60.0, 120.0, 1.0, 5.0)  # partly inside
    p = p_in_zone(EAST, [east, west, across], PROJ)
    assert p[0] == 1.0
    assert p[1] == 0.0
    assert 0.0 < p[2] < 1.0


def test_sector_across_north_wraps() -> None:
    s = Sector(*_at(0.0, -10.0), 350.0, 10.0, 0.0, 5.0)
    assert s.span_deg == pytest.approx(20.0)
    (g,) = to_local([s], PROJ)
    assert g.area / 1e6 == pytest.approx(math.pi * 25 * 20 / 360, rel=0.01)
    # straddles the meridian x = 0 symmetrically
    (p,) = fraction_inside(EAST, np.array([g]))
    assert p == pytest.approx(0.5, abs=0.01)


def test_zero_width_ring_is_a_line() -> None:
    s = Sector(*_at(5.0), 0.0, 90.0, 2.0, 2.0)
    (p,) = p_in_zone(EAST, [s], PROJ)
    assert p == 1.0


def test_mixed_shapes_keep_their_order() -> None:
    shapes = [Disc(*_at(10.0), 1.0), Sector(*_at(-20.0), 260.0, 280.0, 1.0, 2.0), Disc(*_at(5), 0)]
    local = to_local(shapes, PROJ)
    assert [g.geom_type for g in local] == ["Polygon", "Polygon", "Point"]
    lon, _ = representative_points(shapes, local, PROJ)
    assert lon[0] == shapes[0].lon
    assert lon[1] < shapes[1].lon  # a west-pointing sector's centroid is west of its observer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 explosions 1–4.5 km south-south-east", ((1.0, 4.5), (146.25, 168.75))),
        ("an explosion 2-3km SSE of its position", ((2.0, 3.0), (146.25, 168.75))),
        ("bursts 4 to 6 km north-west", ((4.0, 6.0), (303.75, 326.25))),
        ("shelling 5 km to the east", ((5.0, 5.0), (78.75, 101.25))),
        ("heard in the south", None),
    ],
)
def test_parse_sector(text: str, expected: object) -> None:
    assert parse_sector(text) == expected


def test_compass_words_and_abbreviations_agree() -> None:
    for word, abbr in [("south-south-east", "SSE"), ("northwest", "NW"), ("West", "W")]:
        assert compass_bearings(word) == compass_bearings(abbr)
    with pytest.raises(ValueError, match="expected one of: N, NNE"):
        compass_bearings("upwards")


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="radius"):
        Disc(36.0, 35.0, -1.0)
    with pytest.raises(ValueError, match="min <= max"):
        Sector(36.0, 35.0, 0, 10, 5.0, 1.0)


@settings(max_examples=40, deadline=None)
@given(
    t=st.floats(0.0, 1.0),
    off_km=st.floats(-25.0, 25.0),
    r=st.floats(0.2, 30.0),
)
def test_discs_are_true_circles_on_the_real_zone(t: float, off_km: float, r: float) -> None:
    """A disc's share is exact for the circle: the 64-gon's intersection differs from it by
    less than the polygon's area error, and Scenario.classify gives the same number."""
    idlib = dmzwatch.load_scenario("idlib-2018")
    zone = idlib.zones[0]
    line = zone.reference
    p = line.interpolate(t, normalized=True)
    lon, lat = idlib.projection.inverse([p.x + off_km * 1000.0], [p.y])
    disc = Disc(float(lon[0]), float(lat[0]), r)
    got = p_in_zone(zone.local, [disc], idlib.projection)[0]
    polygon = fraction_inside(zone.local, to_local([disc], idlib.projection))[0]
    assert abs(got - polygon) <= 0.004
    via_classify = idlib.classify(lon, lat, precision_km=[r]).p_in_zone[0]
    assert got == pytest.approx(via_classify, abs=1e-9)


def test_given_local_shapes_are_used_for_points_and_sectors() -> None:
    shapes = [Sector(*_at(10.0), 80.0, 100.0, 1.0, 2.0), Disc(*_at(-5.0), 0), Disc(*_at(-0.5), 1.0)]
    local = to_local(shapes, PROJ)
    got = p_in_zone(EAST, shapes, PROJ, local)
    assert got[:2].tolist() == [1.0, 0.0]
    assert 0.0 < got[2] < 0.5
    np.testing.assert_array_equal(got, p_in_zone(EAST, shapes, PROJ))
