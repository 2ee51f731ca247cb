"""Geodesic distance from many points to a reference line, vectorized.

The nearest point of the line is found in the local projection (planar, exact for the
projected segments), then the distance from each point to that foot is measured on the
WGS84 ellipsoid with :data:`~dmzwatch.geo.projection.GEOD`. Over the few hundred km of a
zone the projected and geodesic nearest points differ by far less than a metre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from .projection import GEOD, LocalProjection

__all__ = ["Segments"]

Floats = NDArray[np.float64]

_PAIRS_PER_CHUNK = 4_000_000  # points x segments evaluated at once: ~32 MB per float array


@dataclass(frozen=True)
class Segments:
    """The straight segments of a projected line (or polygon boundary), as arrays."""

    ax: Floats
    ay: Floats
    bx: Floats
    by: Floats

    @classmethod
    def of(cls, geom: BaseGeometry) -> Segments:
        """Segments of every part of a projected (multi)line or polygon boundary."""
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            geom = geom.boundary
        parts = shapely.get_parts(geom)
        a, b = [], []
        for part in parts:
            c = np.asarray(shapely.get_coordinates(part))
            a.append(c[:-1])
            b.append(c[1:])
        pa, pb = np.concatenate(a), np.concatenate(b)
        keep = np.any(pa != pb, axis=1)
        pa, pb = pa[keep], pb[keep]
        return cls(pa[:, 0].copy(), pa[:, 1].copy(), pb[:, 0].copy(), pb[:, 1].copy())

    def __len__(self) -> int:
        return len(self.ax)

    def nearest(self, x: ArrayLike, y: ArrayLike) -> tuple[Floats, Floats, Floats]:
        """Planar distance from each point to the nearest segment, and the nearest point.

        Returns ``(distance_m, foot_x, foot_y)``.

        >>> s = Segments.of(shapely.LineString([(0, 0), (10, 0)]))
        >>> d, fx, fy = s.nearest([5.0, 13.0], [3.0, 4.0])
        >>> d.tolist(), fx.tolist(), fy.tolist()
        ([3.0, 5.0], [5.0, 10.0], [0.0, 0.0])
        """
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        n = len(x)
        best = np.full(n, np.inf)
        fx = np.empty(n)
        fy = np.empty(n)
        dx = self.bx - self.ax
        dy = self.by - self.ay
        inv_len2 = 1.0 / (dx * dx + dy * dy)
        step = max(1, _PAIRS_PER_CHUNK // max(1, len(self)))
        for i in range(0, n, step):
            px = x[i : i + step, None]
            py = y[i : i + step, None]
            t = np.clip(((px - self.ax) * dx + (py - self.ay) * dy) * inv_len2, 0.0, 1.0)
            qx = self.ax + t * dx
            qy = self.ay + t * dy
            d2 = (px - qx) ** 2 + (py - qy) ** 2
            j = np.argmin(d2, axis=1)
            rows = np.arange(len(j))
            best[i : i + step] = d2[rows, j]
            fx[i : i + step] = qx[rows, j]
            fy[i : i + step] = qy[rows, j]
        return np.sqrt(best), fx, fy

    def geodesic_distance_km(
        self, lon: ArrayLike, lat: ArrayLike, x: Floats, y: Floats, projection: LocalProjection
    ) -> Floats:
        """Geodesic distance in km from lon/lat points (with projected x, y) to the line."""
        _, fx, fy = self.nearest(x, y)
        flon, flat = projection.inverse(fx, fy)
        lon = np.asarray(lon, dtype=np.float64).ravel()
        lat = np.asarray(lat, dtype=np.float64).ravel()
        _, _, dist = GEOD.inv(lon, lat, flon, flat)
        return np.asarray(dist, dtype=np.float64) / 1000.0
