"""Fast geodesic distance to a reference line agrees with pyproj.Geod (0.1 % and 5 m)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo import _arc_kernels as kernels
from dmzwatch.geo.distance import LineIndex, Segments
from dmzwatch.geo.projection import GEOD

WGS84_A = 6378137.0
WGS84_F = 1.0 / 298.257223563


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
    got = kernels.lambert(np.array([lon1]), np.array([lat1]), np.array([lon2]), np.array([lat2]))
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
@example(seed=0, vertices=30, size=0.05, cells=1 << 14, chunk=4, lon0=36.0, lat0=35.0)
@given(
    seed=st.integers(0, 2**32 - 1),
    vertices=st.integers(2, 40),
    size=st.floats(0.001, 3.0),
    cells=st.sampled_from([64, 1024, 1 << 14, 1 << 15]),
    chunk=st.integers(1, 6),
    lon0=st.floats(-170.0, 170.0),
    lat0=st.floats(-70.0, 70.0),
)
def test_grid_and_plain_search_agree_on_any_line(
    seed: int, vertices: int, size: float, cells: int, chunk: int, lon0: float, lat0: float
) -> None:
    rng = np.random.default_rng(seed)
    xy = np.column_stack(
        [
            lon0 + np.cumsum(rng.normal(0, size, vertices)),
            lat0 + np.cumsum(rng.normal(0, size, vertices)),
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
    g = fast.grid
    if g is not None:  # and on the edges of the quadtree's cells, down to 1/64 of a top cell
        lon = np.append(lon, g.lon0 + g.cell * rng.integers(0, 64 * g.nx, 200) / 64)
        lat = np.append(lat, g.lat0 + g.cell * rng.integers(0, 64 * g.ny, 200) / 64)
    np.testing.assert_allclose(fast.distance_m(lon, lat), plain.distance_m(lon, lat), 0, 1e-4)


def toward(p: np.ndarray, azimuth: float, angle: float) -> np.ndarray:
    """The unit vector at ``angle`` (radians) from unit vector ``p``, toward ``azimuth``."""
    east = np.cross([0.0, 0.0, 1.0], p)
    east /= np.linalg.norm(east)
    north = np.cross(p, east)
    return np.cos(angle) * p + np.sin(angle) * (np.cos(azimuth) * north + np.sin(azimuth) * east)


@settings(max_examples=400, deadline=None)
@example(lon=36.0, lat=35.0, angle=0.01, az_s=0.3, az_q=0.35, farther=0.0005)
@given(
    lon=st.floats(-180.0, 180.0),
    lat=st.floats(-89.0, 89.0),
    angle=st.floats(1e-7, 1.5),
    az_s=st.floats(0.0, 2 * np.pi),
    az_q=st.floats(0.0, 2 * np.pi),
    farther=st.floats(0.0, 0.02),
)
def test_a_point_left_unmeasured_is_never_nearer_on_the_ellipsoid(
    lon: float, lat: float, angle: float, az_s: float, az_q: float, farther: float
) -> None:
    """The two bounds that spare Lambert's formula hold for the formula itself."""
    p = kernels.unit_vectors(np.array([lon]), np.array([lat]))[0]
    s, q = toward(p, az_s, angle), toward(p, az_q, angle * (1.0 + farther))
    ls, ka, kb = kernels._lambert_ab(*p, *s)
    lq = kernels._lambert(*p, *q)
    for dist, x in ((ls, s), (lq, q)):  # a·σ·(1 - f) <= L <= a·σ
        sigma = 2.0 * np.arcsin(np.linalg.norm(p - x) / 2.0)
        assert WGS84_A * sigma * (1.0 - WGS84_F) * (1 - 1e-12) <= dist
        assert dist <= WGS84_A * sigma * (1 + 1e-12)
    c2, cs = float(np.sum((p - q) ** 2)), float(np.linalg.norm(p - s))
    if not kernels._may_beat(c2, q[2], cs, s[2], p[2], ka, kb):
        assert lq >= ls * (1 - 1e-12)


def cell_items(index: LineIndex, lon: np.ndarray, lat: np.ndarray) -> list[np.ndarray]:
    g = index.grid
    assert g is not None
    leaf = g.leaves(lon, lat)
    assert (leaf >= 0).all() and (g.child[leaf] < 0).all()
    return [g.items[g.offsets[n] : g.offsets[n + 1]] for n in leaf]


def test_a_cell_lists_few_of_the_arcs_of_a_long_line() -> None:
    line = wiggly_line()
    index = LineIndex.of_lonlat(line)
    rng = np.random.default_rng(23)
    lon, lat = rng.uniform(35.5, 38.0, 20_000), rng.uniform(35.2, 36.5, 20_000)
    sizes = np.array([len(items) for items in cell_items(index, lon, lat)])
    assert sizes.min() >= 1
    assert sizes.mean() < 3.0  # of 1,999 arcs


def test_a_vertex_stands_for_its_two_arcs_where_it_is_nearest() -> None:
    index = LineIndex.of_lonlat(shapely.LineString([(36.0, 35.0), (36.5, 35.5), (37.0, 35.0)]))
    assert index.grid is not None
    (items,) = cell_items(index, np.array([36.5]), np.array([35.9]))  # north of the ridge
    assert len(items) == 1 and items[0] >= len(index.arcs)
    ridge = kernels.unit_vectors(np.array([36.5]), np.array([35.5]))[0]
    np.testing.assert_array_equal(index.grid.rows[items[0], :3], ridge)
    want = GEOD.inv(36.5, 35.9, 36.5, 35.5)[2]
    assert index.distance_m([36.5], [35.9])[0] == pytest.approx(want, rel=1e-5)


def test_no_grid_where_it_would_not_pay() -> None:
    polar = shapely.LineString([(0.0, 70.0), (20.0, 80.0)])
    wide = shapely.LineString([(-100.0, 0.0), (100.0, 10.0)])
    for line in (polar, wide):
        index = LineIndex.of_lonlat(line)
        assert index.grid is None
        assert index.distance_m(np.array([10.0]), np.array([75.0]))[0] > 0
