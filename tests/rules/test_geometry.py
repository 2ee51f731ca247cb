"""The side of a line: a property over random polylines and points off them."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from dmzwatch.geo.distance import Segments
from dmzwatch.rules._geometry import side_of_line

# projected metres, to the millimetre (zone geometry is snapped to a 1 mm grid)
metres = st.floats(-1000, 1000).map(lambda v: round(v, 3))
coords = st.lists(st.tuples(metres, metres), min_size=2, max_size=8, unique=True)


@settings(max_examples=80, deadline=None)
@given(pts=coords, t=st.floats(0.05, 0.95), seg=st.integers(0, 6), d=st.floats(0.01, 0.2))
def test_points_off_a_segment_interior(pts, t, seg, d) -> None:  # type: ignore[no-untyped-def]
    line = shapely.LineString(pts)
    segments = Segments.of(line)
    j = seg % len(segments)
    ax, ay, bx, by = segments.ax[j], segments.ay[j], segments.bx[j], segments.by[j]
    length = float(np.hypot(bx - ax, by - ay))
    if length < 1.0:
        return
    fx, fy = ax + t * (bx - ax), ay + t * (by - ay)
    nx, ny = -(by - ay) / length, (bx - ax) / length
    # close enough that this segment is the nearest one: a small fraction of its length
    # and of the distance to every other part of the line
    gap = min(length * t, length * (1 - t))
    rest = [
        shapely.LineString([(segments.ax[k], segments.ay[k]), (segments.bx[k], segments.by[k])])
        for k in range(len(segments))
        if k != j
    ]
    clearance = min([gap, *(r.distance(shapely.Point(fx, fy)) for r in rest)])
    if clearance < 1e-3:
        return
    off = clearance * d
    left = side_of_line(segments, [fx + nx * off], [fy + ny * off])
    right = side_of_line(segments, [fx - nx * off], [fy - ny * off])
    assert left.tolist() == [1]
    assert right.tolist() == [-1]


def test_outside_of_a_sharp_bend() -> None:
    # a hairpin: east, then back west just above; the point east of the tip is right of it
    s = Segments.of(shapely.LineString([(0, 0), (10, 0), (0, 1)]))
    assert side_of_line(s, [12, 5, 5], [0.5, -1, 0.3]).tolist() == [-1, -1, 1]
