"""Classification: exact bands, distances, p_in_zone, and the API around them."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo.classify import GRID_MIN_POINTS, BandLabels, Classifier, disc_fraction_inside
from dmzwatch.geo.grid import exact_codes
from dmzwatch.geo.projection import GEOD


def random_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(35.9, 37.4, n), rng.uniform(35.0, 36.7, n)


@pytest.fixture(scope="module")
def fresh_idlib(idlib: dmzwatch.Scenario) -> Classifier:
    return Classifier(idlib.zones, idlib.projection)


@pytest.mark.slow
def test_bands_identical_to_shapely_on_a_million_points(
    idlib: dmzwatch.Scenario, fresh_idlib: Classifier
) -> None:
    lon, lat = random_points(1_000_000)
    got = fresh_idlib.classify(lon, lat, distance=False)
    regions = [b.local for b in idlib.bands]
    for r in regions:
        shapely.prepare(r)
    assert np.array_equal(got.code, exact_codes(regions, idlib.projection, lon, lat))


def test_small_and_large_inputs_agree(fresh_idlib: Classifier) -> None:
    lon, lat = random_points(3 * GRID_MIN_POINTS, seed=1)
    big = fresh_idlib.classify(lon, lat)
    small = [fresh_idlib.classify(lon[i : i + 100], lat[i : i + 100]) for i in range(0, 3000, 100)]
    assert np.array_equal(np.concatenate([s.zone for s in small]), big.zone[:3000])
    assert np.array_equal(np.concatenate([s.band for s in small]), big.band[:3000])
    assert np.array_equal(np.concatenate([s.distance_km for s in small]), big.distance_km[:3000])


def test_bands_alone_and_distances_alone_match_the_full_result(idlib: dmzwatch.Scenario) -> None:
    lon, lat = random_points(20_000, seed=2)
    full = idlib.classify(lon, lat)
    bands = idlib.classify(lon, lat, distance=False)
    assert isinstance(bands, BandLabels)
    assert np.array_equal(bands.zone, full.zone)
    assert np.array_equal(bands.band, full.band)
    assert np.array_equal(idlib.distance_km(lon, lat), full.distance_km)
    counts = bands.counts()
    assert sum(counts.values()) == int(bands.inside.sum()) == int((full.zone != "").sum())
    assert set(counts) == {("dmz", "core"), ("dmz", "fringe")}


def test_known_places(idlib: dmzwatch.Scenario) -> None:
    r = idlib.classify([36.6897, 36.0], [35.37615, 36.6])  # Morek; far north-west
    assert r.band.tolist() == ["core", ""]
    assert r.p_in_zone.tolist() == [1.0, 0.0]
    assert 0 < r.distance_km[0] < 15


def test_overlapping_zones_go_to_the_first(minsk: dmzwatch.Scenario) -> None:
    lon = np.linspace(37.0, 40.5, 50_000)
    lat = np.linspace(47.0, 49.0, 50_000)
    r = minsk.classify(lon, lat)
    regions = [b.local for b in minsk.bands]
    want = exact_codes(regions, minsk.projection, lon, lat)
    names = np.array(["", *(b.zone for b in minsk.bands)])
    assert np.array_equal(r.zone, names[want])
    assert {"security_15km", "security_50km"} <= set(r.zone.tolist())
    # a point in several zones is measured from the first zone's line: all share one line
    assert np.array_equal(minsk.distance_km(lon, lat), r.distance_km)


def test_invalid_coordinates_are_rejected_on_both_paths(idlib: dmzwatch.Scenario) -> None:
    for n in (10, 2 * GRID_MIN_POINTS):
        lon, lat = random_points(n, seed=3)
        lon[5] = np.nan
        with pytest.raises(dmzwatch.InputError, match="first at index 5"):
            idlib.classify(lon, lat, distance=False)
        with pytest.raises(dmzwatch.InputError, match="first at index 5"):
            idlib.distance_km(lon, lat)
    with pytest.raises(dmzwatch.InputError, match="one length"):
        idlib.classify([36.0, 36.1], [35.0])
    with pytest.raises(dmzwatch.InputError, match="needs distances"):
        idlib.classify([36.0], [35.0], 1.0, distance=False)  # type: ignore[call-overload]
    with pytest.raises(dmzwatch.InputError, match="not negative"):
        idlib.classify([36.0], [35.0], -1.0)


# -- p_in_zone --------------------------------------------------------------------------


def polygon_fraction(region: shapely.Geometry, x: float, y: float, r: float) -> float:
    disc = shapely.Point(x, y).buffer(r, quad_segs=256)
    return float(shapely.intersection(disc, region).area / disc.area)


def test_disc_fraction_matches_shapely_polygons(idlib: dmzwatch.Scenario) -> None:
    zone = idlib.zones[0].local
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = zone.bounds
    x, y = rng.uniform(x0, x1, 300), rng.uniform(y0, y1, 300)
    r = rng.uniform(100, 20_000, 300)
    got = disc_fraction_inside(zone, x, y, r)
    want = [polygon_fraction(zone, *args) for args in zip(x, y, r, strict=True)]
    np.testing.assert_allclose(got, want, atol=2e-4)
    assert np.mean((got > 0) & (got < 1)) > 0  # some discs do cross the edge


def test_p_in_zone_deep_inside_far_outside_and_in_between(idlib: dmzwatch.Scenario) -> None:
    lon, lat = random_points(30_000, seed=6)
    r = idlib.classify(lon, lat, precision_km=5.0)
    inside = r.zone != ""
    deep = inside & (r.distance_km > 5.5) & (r.distance_km < 9)  # core, far from both edges
    assert (r.p_in_zone[deep] > 0.0).all()
    assert ((r.p_in_zone >= 0) & (r.p_in_zone <= 1)).all()
    assert (r.p_in_zone[~inside & (r.distance_km > 60)] == 0).all()
    crossing = (r.p_in_zone > 0) & (r.p_in_zone < 1)
    assert crossing.any()
    zero = idlib.classify(lon[:100], lat[:100], precision_km=0.0)
    assert np.array_equal(zero.p_in_zone, (zero.zone != "").astype(float))


@settings(max_examples=40, deadline=None)
@given(
    t=st.floats(0.0, 1.0),
    side=st.floats(-1.0, 1.0),
    radius=st.floats(10.0, 10_000.0),
)
def test_p_in_zone_properties(
    idlib: dmzwatch.Scenario, t: float, side: float, radius: float
) -> None:
    """In [0, 1]; 1 when the disc is inside, 0 outside; continuous across the edge."""
    zone = idlib.zones[0].local
    ring = shapely.get_exterior_ring(zone)
    p = shapely.line_interpolate_point(ring, t, normalized=True)
    px, py = p.x, p.y
    # walk across the edge along the normal of the nearest boundary piece
    q = shapely.line_interpolate_point(ring, min(1.0, t + 1e-6), normalized=True)
    dx, dy = q.x - px, q.y - py
    norm = max(np.hypot(dx, dy), 1e-9)
    nx, ny = -dy / norm, dx / norm
    steps = np.linspace(-1.5, 1.5, 61) * radius + side
    x, y = px + steps * nx, py + steps * ny
    f = disc_fraction_inside(zone, x, y, np.full(len(x), radius))
    assert ((f >= 0) & (f <= 1)).all()
    # continuity: a step of radius/20 changes the fraction by at most a bounded amount
    assert np.abs(np.diff(f)).max() <= 0.2
    inside_far = shapely.contains_properly(zone, shapely.Point(x[0], y[0]).buffer(radius * 1.001))
    if inside_far:
        assert f[0] == pytest.approx(1.0, abs=1e-9)
    outside_far = not shapely.intersects(zone, shapely.Point(x[-1], y[-1]).buffer(radius * 1.001))
    if outside_far:
        assert f[-1] == pytest.approx(0.0, abs=1e-9)


def test_p_in_zone_outside_nested_zones_counts_the_outermost_it_reaches(
    minsk: dmzwatch.Scenario,
) -> None:
    """A point just outside the 140 km zone, whose disc reaches into it, is not at 0 because
    the 15 km zone along the same line comes first in the file."""
    lon, lat, _ = GEOD.fwd([37.80] * 3, [47.60] * 3, [-70.0] * 3, [140_300.0, 141_000, 49_900])
    r = minsk.classify(lon, lat, precision_km=1.0)
    assert r.zone.tolist() == ["", "", "security_50km"]
    x, y = minsk.projection.forward(lon, lat)
    outer = minsk.zones[-1].local
    assert minsk.zones[-1].id == "security_140km"
    want = polygon_fraction(outer, x[0], y[0], 1000.0)
    assert 0.2 < want < 0.5
    assert r.p_in_zone[0] == pytest.approx(want, abs=1e-3)
    assert r.p_in_zone[1] == 0.0  # the disc reaches no zone
    inner = minsk.zones[1].local  # a point in a zone: the fraction in that zone, as before
    assert r.p_in_zone[2] == pytest.approx(polygon_fraction(inner, x[2], y[2], 1000.0), abs=1e-3)


def test_p_in_zone_is_continuous_in_the_radius() -> None:
    sq = shapely.box(0, 0, 1000, 1000)
    r = np.linspace(1, 2000, 400)
    f = disc_fraction_inside(sq, np.full(400, 100.0), np.full(400, 500.0), r)
    assert f[0] == 1.0
    assert np.abs(np.diff(f)).max() < 0.02
    assert np.all(np.diff(f) <= 1e-12)  # growing the disc past the edge only lowers it
