"""Which side of a directed reference line a projected point lies on, vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..geo.distance import Segments

__all__ = ["LEFT", "ON_LINE", "RIGHT", "side_of_line"]

LEFT = 1
RIGHT = -1
ON_LINE = 0

_PAIRS_PER_CHUNK = 2_000_000


def side_of_line(segments: Segments, x: ArrayLike, y: ArrayLike) -> NDArray[np.int8]:
    """+1 left of the line, -1 right of it, 0 on it, for projected points.

    The side is the sign of the cross product of the nearest segment's direction with the
    vector from the foot of the perpendicular to the point. When the foot is a vertex
    shared by two segments (the point faces the outside of a bend), the sum of both
    segments' left normals decides, which is right however sharp the bend.

    >>> import shapely
    >>> s = Segments.of(shapely.LineString([(0, 0), (10, 0), (10, 10)]))
    >>> side_of_line(s, [5, 5, 12, 5, 15], [3, -3, -2, 0, 5]).tolist()
    [1, -1, -1, 0, -1]
    """
    px_all = np.asarray(x, dtype=np.float64).ravel()
    py_all = np.asarray(y, dtype=np.float64).ravel()
    ax, ay, bx, by = segments.ax, segments.ay, segments.bx, segments.by
    dx, dy = bx - ax, by - ay
    length = np.hypot(dx, dy)
    # left normals, unit length
    nx, ny = -dy / length, dx / length
    m = len(ax)
    joined_prev = np.zeros(m, dtype=bool)
    joined_prev[1:] = (ax[1:] == bx[:-1]) & (ay[1:] == by[:-1])
    joined_next = np.zeros(m, dtype=bool)
    joined_next[:-1] = joined_prev[1:]
    out = np.zeros(len(px_all), dtype=np.int8)
    step = max(1, _PAIRS_PER_CHUNK // max(1, m))
    for i in range(0, len(px_all), step):
        px = px_all[i : i + step, None]
        py = py_all[i : i + step, None]
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / (length * length), 0.0, 1.0)
        d2 = (px - (ax + t * dx)) ** 2 + (py - (ay + t * dy)) ** 2
        j = np.argmin(d2, axis=1)
        rows = np.arange(len(j))
        tj = t[rows, j]
        fx = ax[j] + tj * dx[j]
        fy = ay[j] + tj * dy[j]
        wx, wy = nx[j].copy(), ny[j].copy()
        at_start = (tj == 0.0) & joined_prev[j]
        at_end = (tj == 1.0) & joined_next[j]
        wx[at_start] += nx[j[at_start] - 1]
        wy[at_start] += ny[j[at_start] - 1]
        wx[at_end] += nx[j[at_end] + 1]
        wy[at_end] += ny[j[at_end] + 1]
        dot = (px[:, 0] - fx) * wx + (py[:, 0] - fy) * wy
        out[i : i + step] = np.sign(dot).astype(np.int8)
    return out
