"""Placement: each event's shape against each zone, measured once."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.geo.uncertainty import Disc, Sector, p_in_zone, to_local
from dmzwatch.rules.placement import Placement

IDLIB = dmzwatch.load_scenario("idlib-2018")
ZONE = IDLIB.zones[0]


def _disc(t: float, off_km: float, radius_km: float) -> Disc:
    p = ZONE.reference.interpolate(t, normalized=True)
    lon, lat = IDLIB.projection.inverse([p.x + off_km * 1000.0], [p.y])
    return Disc(float(lon[0]), float(lat[0]), radius_km)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.0, 1.0), st.floats(-30.0, 30.0), st.floats(0.0, 25.0)),
        min_size=1,
        max_size=12,
    )
)
def test_discs_cross_the_line_when_their_circle_reaches_it(
    specs: list[tuple[float, float, float]],
) -> None:
    shapes = [_disc(*spec) for spec in specs]
    fit = Placement(IDLIB, shapes).fit(ZONE.id)
    x, y = IDLIB.projection.forward([d.lon for d in shapes], [d.lat for d in shapes])
    gap = shapely.distance(ZONE.reference, shapely.points(x, y))
    radius = np.array([d.radius_km for d in shapes]) * 1000.0
    clear = np.abs(gap - radius) > 1.0  # a metre either way: no rounding question
    np.testing.assert_array_equal(fit.crosses_line[clear], (gap <= radius)[clear])
    np.testing.assert_allclose(fit.p_in_zone, p_in_zone(ZONE.local, shapes, IDLIB.projection))
    assert ((fit.p_in_core >= 0) & (fit.p_in_core <= fit.p_in_zone)).all()


def test_sectors_are_polygons_and_discs_points_in_its_shapes() -> None:
    sector = Sector(36.6, 35.6, 80.0, 100.0, 1.0, 4.5)
    place = Placement(IDLIB, [_disc(0.5, 0.0, 3.0), sector])
    assert [g.geom_type for g in place.local] == ["Point", "Polygon"]
    assert place.local[1].equals(to_local([sector], IDLIB.projection)[0])
    assert place.fit(ZONE.id).crosses_line[0]  # centred on the line
