"""Fast geodesic distance to a reference line agrees with pyproj.Geod (0.1 % and 5 m)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo import _kernels
from dmzwatch.geo.distance import LineIndex, Segments
from dmzwatch.geo.projection import GEOD


def reference_m(s: dmzwatch.Scenario, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Nearest point in the projection, then pyproj.Geod to it (the project's definition)."""
    zone = s.zones[0]
    x, y = s.projection.forward(lon, lat)
    return Segments.of(zone.reference).geodesic_distance_km(lon, lat, x, y, s.projection) * 1000


@pytest.fixture(scope="module")
def idlib_line(idlib: dmzwatch.Scenario) -> LineIndex:
    return LineIndex.of(idlib.zones[0].reference, idlib.projection)


def test_within_5_m_and_0_1_percent_of_geod_near_the_zone(
    idlib: dmzwatch.Scenario, idlib_line: LineIndex
) -> None:
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(35.0, 38.5, 100_000), rng.uniform(34.0, 37.5, 100_000)
    got = idlib_line.distance_m(lon, lat)
    want = reference_m(idlib, lon, lat)
    err = np.abs(got - want)
    assert err.max() < 5.0
    assert (err <= 0.001 * want + 0.05).all()


def test_within_0_1_percent_far_away(idlib: dmzwatch.Scenario, idlib_line: LineIndex) -> None:
    rng = np.random.default_rng(12)
    lon, lat = rng.uniform(-30.0, 100.0, 2000), rng.uniform(-60.0, 80.0, 2000)
    got = idlib_line.distance_m(lon, lat)
    # brute force on the ellipsoid: every vertex of the line densified to 100 m
    line = shapely.segmentize(idlib.projection.to_lonlat(idlib.zones[0].reference), 0.001)
    c = shapely.get_coordinates(line)
    want = np.array(
        [
            GEOD.inv(np.full(len(c), lo), np.full(len(c), la), c[:, 0], c[:, 1])[2].min()
            for lo, la in zip(lon, lat, strict=True)
        ]
    )
    assert np.all(np.abs(got - want) <= 0.001 * want)


def test_nearly_antipodal_points_fall_back_to_pyproj(idlib_line: LineIndex) -> None:
    lon, lat = np.array([36.6 - 180.0]), np.array([-35.8])
    d = idlib_line.distance_m(lon, lat)
    assert np.isfinite(d).all()
    assert 19_000_000 < d[0] < 20_010_000


def test_points_on_the_line_are_at_zero(idlib: dmzwatch.Scenario, idlib_line: LineIndex) -> None:
    c = shapely.get_coordinates(idlib.projection.to_lonlat(idlib.zones[0].reference))
    assert idlib_line.distance_m(c[:, 0], c[:, 1]).max() < 0.01


def test_multipart_lines() -> None:
    line = shapely.MultiLineString([[(36.0, 35.0), (36.0, 35.5)], [(37.0, 35.0), (37.0, 35.5)]])
    index = LineIndex.of_lonlat(line, chunk=1)
    lon, lat = np.array([36.1, 36.9, 36.5, 50.0]), np.array([35.2, 35.2, 35.2, 35.2])
    got = index.distance_m(lon, lat)
    c = shapely.get_coordinates(shapely.segmentize(line, 0.0005))
    want = [
        GEOD.inv(np.full(len(c), lo), np.full(len(c), la), c[:, 0], c[:, 1])[2].min()
        for lo, la in zip(lon, lat, strict=True)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-4)


def test_a_line_needs_two_points() -> None:
    with pytest.raises(ValueError, match="two distinct points"):
        LineIndex.of_lonlat(shapely.LineString([(36.0, 35.0), (36.0, 35.0)]))


@settings(max_examples=200, deadline=None)
@example(lon1=0.0, lat1=0.0, dlon=0.0, dlat=1.1633417861401374e-160)  # sin²(σ/2) underflows
@given(
    lon1=st.floats(-179, 179),
    lat1=st.floats(-85, 85),
    dlon=st.floats(-20, 20),
    dlat=st.floats(-20, 20),
)
def test_lambert_agrees_with_geod(lon1: float, lat1: float, dlon: float, dlat: float) -> None:
    lon2, lat2 = lon1 + dlon, float(np.clip(lat1 + dlat, -89, 89))
    got = _kernels.lambert(np.array([lon1]), np.array([lat1]), np.array([lon2]), np.array([lat2]))
    want = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    assert abs(got[0] - want) <= 1e-4 * want + 1e-3


def test_segments_nearest_still_works() -> None:
    s = Segments.of(shapely.LineString([(0, 0), (10, 0)]))
    d, fx, fy = s.nearest([5.0], [-2.0])
    assert (d.tolist(), fx.tolist(), fy.tolist()) == ([2.0], [5.0], [0.0])


def wiggly_line(vertices: int = 2000, seed: int = 1) -> shapely.LineString:
    """A 200 km line of ``vertices`` vertices across the Idlib area, wiggling like a front."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, vertices)
    lon = 35.9 + 1.8 * t
    lat = 35.8 + 0.07 * np.sin(t * 9) + np.cumsum(rng.normal(0.0, 0.0006, vertices))
    return shapely.LineString(np.column_stack([lon, lat]))


def test_the_candidate_grid_changes_no_distance_by_more_than_0_1_mm() -> None:
    line = wiggly_line()
    fast = LineIndex.of_lonlat(line)
    plain = LineIndex.of_lonlat(line, grid_cells=0)
    assert fast.grid is not None and plain.grid is None
    rng = np.random.default_rng(21)
    near = rng.uniform(35.0, 38.5, 60_000), rng.uniform(34.5, 37.0, 60_000)
    far = rng.uniform(-20.0, 80.0, 2_000), rng.uniform(-60.0, 70.0, 2_000)  # off the grid too
    on = shapely.get_coordinates(line).T
    for lon, lat in (near, far, on):  # the same, but for ties (µm, on the line itself)
        np.testing.assert_allclose(fast.distance_m(lon, lat), plain.distance_m(lon, lat), 0, 1e-4)


def test_the_candidate_grid_is_within_geod_on_a_long_line() -> None:
    line = wiggly_line(vertices=600, seed=2)
    index = LineIndex.of_lonlat(line)
    rng = np.random.default_rng(22)
    lon, lat = rng.uniform(35.5, 38.0, 300), rng.uniform(35.0, 36.8, 300)
    c = shapely.get_coordinates(shapely.segmentize(line, 0.0005))
    want = np.array(
        [
            GEOD.inv(np.full(len(c), lo), np.full(len(c), la), c[:, 0], c[:, 1])[2].min()
            for lo, la in zip(lon, lat, strict=True)
        ]
    )
    err = np.abs(index.distance_m(lon, lat) - want)
    assert err.max() < 5.0
    assert (err <= 0.001 * want + 0.05).all()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    vertices=st.integers(2, 40),
    size=st.floats(0.001, 3.0),
    cells=st.sampled_from([64, 1024, 1 << 15]),
    chunk=st.integers(1, 6),
)
def test_grid_and_plain_search_agree_on_any_line(
    seed: int, vertices: int, size: float, cells: int, chunk: int
) -> None:
    rng = np.random.default_rng(seed)
    xy = np.column_stack(
        [
            36.0 + np.cumsum(rng.normal(0, size, vertices)),
            35.0 + np.cumsum(rng.normal(0, size, vertices)),
        ]
    )
    line = shapely.LineString(xy)
    if shapely.length(line) == 0 or np.abs(xy[:, 1]).max() > 80:
        return
    fast = LineIndex.of_lonlat(line, chunk=chunk, grid_cells=cells)
    plain = LineIndex.of_lonlat(line, chunk=chunk, grid_cells=0)
    span = 3 * size * vertices**0.5 + 0.1
    lon = rng.uniform(xy[:, 0].min() - span, xy[:, 0].max() + span, 500)
    lat = np.clip(rng.uniform(xy[:, 1].min() - span, xy[:, 1].max() + span, 500), -89, 89)
    np.testing.assert_allclose(fast.distance_m(lon, lat), plain.distance_m(lon, lat), 0, 1e-4)


def test_no_grid_where_it_would_not_pay() -> None:
    polar = shapely.LineString([(0.0, 70.0), (20.0, 80.0)])
    wide = shapely.LineString([(-100.0, 0.0), (100.0, 10.0)])
    for line in (polar, wide):
        index = LineIndex.of_lonlat(line)
        assert index.grid is None
        assert index.distance_m(np.array([10.0]), np.array([75.0]))[0] > 0
