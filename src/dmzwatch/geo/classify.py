"""Vectorized classification of lon/lat points against a scenario's zones.

For each point: the zone and band it lies in, its geodesic distance to that zone's reference
line, and the probability that its true location (a disc of the given precision radius)
lies in the zone. Work is done on whole numpy arrays; no Python loop runs over points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .distance import Segments
from .projection import LocalProjection
from .zones import Zone

__all__ = ["Classification", "Classifier", "disc_fraction_inside"]

Floats = NDArray[np.float64]

_DISC_QUAD_SEGS = 16


class Classification(NamedTuple):
    """Per-point results, aligned with the input arrays.

    ``zone`` and ``band`` are empty strings for a point in no zone; ``distance_km`` is then
    the distance to the nearest zone's reference line, and ``p_in_zone`` refers to that
    nearest zone.
    """

    zone: NDArray[np.str_]
    band: NDArray[np.str_]
    distance_km: Floats
    p_in_zone: Floats


class Classifier:
    """Point-in-band, distance and uncertainty for a fixed set of zones."""

    def __init__(self, zones: Sequence[Zone], projection: LocalProjection) -> None:
        if not zones:
            raise InputError("a scenario needs at least one zone to classify against")
        self.zones = tuple(zones)
        self.projection = projection
        self._segments: dict[str, Segments] = {}
        for zone in self.zones:
            if zone.reference_id not in self._segments:
                self._segments[zone.reference_id] = Segments.of(zone.reference)
            for band in zone.bands:
                shapely.prepare(band.local)
            shapely.prepare(zone.local)

    def classify(
        self, lon: ArrayLike, lat: ArrayLike, precision_km: ArrayLike | None = None
    ) -> Classification:
        """Classify points given as lon/lat arrays (degrees, WGS84)."""
        lon_a, lat_a = _coordinates(lon, lat)
        n = len(lon_a)
        x, y = self.projection.forward(lon_a, lat_a)
        zone_idx = np.full(n, -1, dtype=np.int64)
        band_names = sorted({b.band for z in self.zones for b in z.bands})
        band_idx = np.full(n, -1, dtype=np.int64)
        for zi, zone in enumerate(self.zones):
            for band in zone.bands:
                todo = np.flatnonzero(zone_idx < 0)
                if len(todo) == 0:
                    break
                hit = todo[shapely.intersects_xy(band.local, x[todo], y[todo])]
                zone_idx[hit] = zi
                band_idx[hit] = band_names.index(band.band)

        by_ref: dict[str, Floats] = {
            ref: seg.geodesic_distance_km(lon_a, lat_a, x, y, self.projection)
            for ref, seg in self._segments.items()
        }
        per_zone = np.stack([by_ref[z.reference_id] for z in self.zones])
        outside = zone_idx < 0
        zone_idx_or_nearest = np.where(outside, np.argmin(per_zone, axis=0), zone_idx)
        distance = per_zone[zone_idx_or_nearest, np.arange(n)]

        if precision_km is None:
            p = (~outside).astype(np.float64)
        else:
            r = np.broadcast_to(np.asarray(precision_km, dtype=np.float64), (n,))
            if np.any(~np.isfinite(r) | (r < 0)):
                raise InputError("precision_km must be finite and not negative")
            p = (~outside).astype(np.float64)
            fuzzy = np.flatnonzero(r > 0)
            for zi, zone in enumerate(self.zones):
                sel = fuzzy[zone_idx_or_nearest[fuzzy] == zi]
                if len(sel):
                    p[sel] = disc_fraction_inside(zone.local, x[sel], y[sel], r[sel] * 1000.0)

        names = np.array([z.id for z in self.zones] + [""])
        bands = np.array([*band_names, ""])
        return Classification(names[zone_idx], bands[band_idx], distance, p)


def disc_fraction_inside(
    region: shapely.Geometry, x: Floats, y: Floats, radius_m: Floats
) -> Floats:
    """Fraction of each disc's area that lies inside a projected ``region``.

    Discs wholly inside give exactly 1 and discs wholly outside exactly 0; only the discs
    that cross the region's edge are intersected.

    >>> sq = shapely.box(0, 0, 100, 100)
    >>> disc_fraction_inside(sq, np.array([50.0, 500, 100]), np.array([50.0, 50, 50]),
    ...                      np.array([10.0, 10, 10])).round(3).tolist()
    [1.0, 0.0, 0.5]
    """
    shapely.prepare(region)
    discs = shapely.buffer(shapely.points(x, y), radius_m, quad_segs=_DISC_QUAD_SEGS)
    out = np.zeros(len(x))
    inside = shapely.contains_properly(region, discs)
    out[inside] = 1.0
    edge = np.flatnonzero(~inside & shapely.intersects(region, discs))
    if len(edge):
        part = shapely.area(shapely.intersection(discs[edge], region))
        out[edge] = np.clip(part / shapely.area(discs[edge]), 0.0, 1.0)
    return out


def _coordinates(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon_a.shape != lat_a.shape or lon_a.ndim != 1:
        raise InputError(
            f"lon and lat must be 1-D arrays of one length; got {lon_a.shape}, {lat_a.shape}"
        )
    bad = ~(np.isfinite(lon_a) & np.isfinite(lat_a)) | (np.abs(lon_a) > 180) | (np.abs(lat_a) > 90)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{int(bad.sum())} point(s) outside lon [-180, 180] / lat [-90, 90]; "
            f"first at index {i}: lon={lon_a[i]}, lat={lat_a[i]}"
        )
    return lon_a, lat_a
