"""The band grid answers exactly what pyproj + shapely answer, and is cached per geometry."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo.classify import Classifier
from dmzwatch.geo.grid import BOUNDARY, BandGrid, exact_codes, grid_key


def _regions(s: dmzwatch.Scenario) -> list[shapely.Geometry]:
    return [b.local for b in s.bands]


@pytest.fixture(scope="module")
def idlib_grid(idlib: dmzwatch.Scenario) -> BandGrid:
    return BandGrid.build(_regions(idlib), idlib.projection)


def near_edges(
    s: dmzwatch.Scenario, per_edge: int, seed: int, within_m: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat points within ``within_m`` of every band edge (some exactly on it), on purpose."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for region in _regions(s):
        for ring in shapely.get_parts(shapely.boundary(region)):
            c = shapely.get_coordinates(ring)
            a, b = c[:-1], c[1:]
            t = rng.uniform(0, 1, (len(a), per_edge))
            t[:, 0] = 0.0  # the vertices themselves
            d = b - a
            length = np.hypot(d[:, 0], d[:, 1])[:, None]
            nx, ny = -d[:, 1:2] / length, d[:, 0:1] / length
            off = rng.uniform(-within_m, within_m, t.shape)
            off[:, 1] = 0.0  # and points on the edge
            xs.append((a[:, 0:1] + t * d[:, 0:1] + off * nx).ravel())
            ys.append((a[:, 1:2] + t * d[:, 1:2] + off * ny).ravel())
    return s.projection.inverse(np.concatenate(xs), np.concatenate(ys))


@pytest.mark.parametrize("name", ["idlib-2018", "idlib-m4-2020", "minsk-2015"])
def test_grid_matches_shapely_on_random_points_and_at_every_edge(name: str) -> None:
    s = dmzwatch.load_scenario(name)
    regions = _regions(s)
    grid = BandGrid.build(regions, s.projection)
    rng = np.random.default_rng(7)
    n = 200_000
    lon = rng.uniform(grid.lon0 - 0.2, grid.lon0 + grid.nx * grid.dlon + 0.2, n)
    lat = rng.uniform(grid.lat0 - 0.2, grid.lat0 + grid.ny * grid.dlat + 0.2, n)
    elon, elat = near_edges(s, per_edge=8, seed=1)
    lon, lat = np.concatenate([lon, elon]), np.concatenate([lat, elat])
    got = grid.codes(regions, s.projection, lon, lat)
    want = exact_codes(regions, s.projection, lon, lat)
    assert np.array_equal(got, want)
    assert len(set(want.tolist())) == len(regions) + 1  # every band and the outside occur


def test_most_points_need_no_exact_test(idlib: dmzwatch.Scenario, idlib_grid: BandGrid) -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(35.9, 37.4, 100_000), rng.uniform(35.0, 36.7, 100_000)
    codes, bad = idlib_grid.lookup(lon, lat)
    assert bad == 0
    assert (codes == BOUNDARY).mean() < 0.01
    assert idlib_grid.nbytes < 8_000_000


def test_points_on_an_edge_are_never_decided_by_the_grid(
    idlib: dmzwatch.Scenario, idlib_grid: BandGrid
) -> None:
    lon, lat = near_edges(idlib, per_edge=4, seed=2, within_m=0.0)
    codes, _ = idlib_grid.lookup(lon, lat)
    assert (codes == BOUNDARY).all()


@settings(max_examples=60, deadline=None)
@given(
    edge=st.integers(min_value=0, max_value=10_000),
    t=st.floats(min_value=0, max_value=1),
    off=st.floats(min_value=-1.0, max_value=1.0),
)
def test_any_point_near_an_edge_is_exact(
    idlib: dmzwatch.Scenario, idlib_grid: BandGrid, edge: int, t: float, off: float
) -> None:
    regions = _regions(idlib)
    c = shapely.get_coordinates(shapely.boundary(regions[edge % 2]))
    i = edge % (len(c) - 1)
    a, b = c[i], c[i + 1]
    d = b - a
    n = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-9)
    x, y = a + t * d + off * n
    lon, lat = idlib.projection.inverse([x], [y])
    got = idlib_grid.codes(regions, idlib.projection, lon, lat)
    assert got.tolist() == exact_codes(regions, idlib.projection, lon, lat).tolist()


def test_lookup_counts_invalid_coordinates(idlib_grid: BandGrid) -> None:
    codes, bad = idlib_grid.lookup(np.array([36.6, np.nan, 200.0]), np.array([35.5, 35.5, 0.0]))
    assert bad == 2
    assert codes[1:].tolist() == [0, 0]


@settings(max_examples=40, deadline=None)
@given(
    lon=st.lists(
        st.one_of(
            st.floats(35.0, 38.5),
            st.floats(-400.0, 400.0),
            st.sampled_from([np.nan, np.inf, -np.inf, 180.0, -180.0]),
        ),
        min_size=1,
        max_size=50,
    ),
    lat=st.one_of(st.floats(34.5, 37.0), st.sampled_from([np.nan, 90.0, -90.0, 91.0])),
)
def test_off_grid_and_invalid_points_get_zero(
    idlib: dmzwatch.Scenario, idlib_grid: BandGrid, lon: list[float], lat: float
) -> None:
    """The branch-free look-up clamps every point onto the grid, then zeroes those off it."""
    x = np.array(lon)
    y = np.full(len(x), lat)
    codes, bad = idlib_grid.lookup(x, y)
    valid = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    assert bad == int((~valid).sum())
    assert (codes[~valid] == 0).all()
    decided = valid & (codes != BOUNDARY)
    want = exact_codes(_regions(idlib), idlib.projection, x[decided], y[decided])
    assert codes[decided].tolist() == want.tolist()


def test_uniform_tiles_share_one_block_per_code(
    idlib: dmzwatch.Scenario, idlib_grid: BandGrid
) -> None:
    blocks = idlib_grid.blocks.reshape(-1, 32 * 32)
    codes = len(_regions(idlib)) + 1  # outside, then each band
    shared = len(blocks) - codes + np.arange(codes)
    assert [set(blocks[b].tolist()) for b in shared] == [{c} for c in range(codes)]
    one_code = (blocks == blocks[:, :1]).all(axis=1) & (blocks[:, 0] != BOUNDARY)
    # every tile of a single code points at that code's shared block, never a copy of it
    assert set(np.flatnonzero(one_code)) <= set(shared.tolist())
    assert set(shared.tolist()) & set(idlib_grid.directory.tolist())


def test_a_grid_without_bands_answers_zero() -> None:
    empty = BandGrid.build([], dmzwatch.load_scenario("idlib-2018").projection)
    codes, bad = empty.lookup(np.array([36.6, np.nan]), np.array([35.5, 35.5]))
    assert codes.tolist() == [0, 0] and bad == 1


def test_save_and_load_round_trip(idlib_grid: BandGrid, tmp_path: Path) -> None:
    path = tmp_path / "g.npz"
    idlib_grid.save(path)
    loaded = BandGrid.load(path)
    assert loaded is not None
    assert np.array_equal(loaded.directory, idlib_grid.directory)
    assert np.array_equal(loaded.blocks, idlib_grid.blocks)
    assert (loaded.lon0, loaded.dlat, loaded.nx) == (
        idlib_grid.lon0,
        idlib_grid.dlat,
        idlib_grid.nx,
    )


def test_unreadable_cache_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING):
        assert BandGrid.load(path) is None
    assert "unreadable" in caplog.text
    assert BandGrid.load(tmp_path / "missing.npz") is None


def test_grid_is_cached_per_geometry_and_rebuilt_when_it_changes(
    idlib: dmzwatch.Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Classifier(idlib.zones, idlib.projection, name="idlib", cache_dir=tmp_path)
    assert first.grid.nbytes > 0
    files = list(tmp_path.glob("idlib-*.npz"))
    assert len(files) == 1

    def no_build(*args: object, **kwargs: object) -> BandGrid:
        raise AssertionError("the cached grid should have been used")

    monkeypatch.setattr(BandGrid, "build", no_build)
    second = Classifier(idlib.zones, idlib.projection, name="idlib", cache_dir=tmp_path)
    assert np.array_equal(second.grid.blocks, first.grid.blocks)

    regions = _regions(idlib)
    moved = [shapely.affinity.translate(regions[0], 1.0, 0.0), *regions[1:]]
    assert grid_key(moved, idlib.projection, 25.0) != grid_key(regions, idlib.projection, 25.0)
    assert grid_key(regions, idlib.projection, 25.0) == grid_key(
        list(regions), idlib.projection, 25.0
    )


def test_a_changed_zone_replaces_the_stale_cache(
    m4: dmzwatch.Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Classifier(m4.zones, m4.projection, name="m4", cache_dir=tmp_path).grid  # noqa: B018
    old = {p.name for p in tmp_path.glob("m4-*.npz")}
    zone = m4.zones[0]
    band = zone.bands[0]
    shifted = shapely.affinity.translate(band.local, 5.0, 0.0)
    changed = type(zone)(
        zone.spec,
        (type(band)(band.zone, band.band, 0, 6, band.geometry, shifted),),
        zone.reference,
        zone.reference_id,
        shifted,
        zone.geometry,
    )
    Classifier([changed], m4.projection, name="m4", cache_dir=tmp_path).grid  # noqa: B018
    new = {p.name for p in tmp_path.glob("m4-*.npz")}
    assert len(new) == 1
    assert new != old
