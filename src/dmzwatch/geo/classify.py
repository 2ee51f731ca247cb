"""Vectorized classification of lon/lat points against a scenario's zones.

For each point: the zone and band it lies in, its geodesic distance to that zone's reference
line, and the probability that its true location (a disc of the given precision radius)
lies in the zone. Work is done on whole numpy arrays and compiled loops; no Python loop
runs over points.

Three indexes make it fast, each built on first use:

- bands: a :class:`~dmzwatch.geo.grid.BandGrid` looked up straight from lon/lat, exact
  against the projected shapely polygons (see :mod:`dmzwatch.geo.grid`), cached on disk;
- distances: a :class:`~dmzwatch.geo.distance.LineIndex` per reference line;
- p_in_zone: the zone's oriented boundary segments in buckets; the area of a disc inside
  the zone is summed exactly, edge by edge, over the edges near the disc.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, overload

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from . import _kernels
from .distance import LineIndex
from .grid import BandGrid, exact_codes, grid_key
from .projection import LocalProjection
from .zones import Zone

__all__ = ["BandLabels", "Classification", "Classifier", "disc_fraction_inside"]

log = logging.getLogger(__name__)

Floats = NDArray[np.float64]
Codes = NDArray[np.uint8]

GRID_MIN_POINTS = 4096
"""Below this many points the bands are tested exactly rather than building the grid."""


class Classification(NamedTuple):
    """Per-point results, aligned with the input arrays.

    ``zone`` and ``band`` are empty strings for a point in no zone; ``distance_km`` is then
    the distance to the nearest zone's reference line, and ``p_in_zone`` refers to the zone
    measured from that line that holds the largest part of the point's disc (of nested
    zones, the outermost one the disc reaches).
    """

    zone: NDArray[np.str_]
    band: NDArray[np.str_]
    distance_km: Floats
    p_in_zone: Floats


@dataclass(frozen=True, slots=True)
class BandLabels:
    """Bands alone, one byte per point: ``code`` 0 is no zone, ``k`` is ``labels[k - 1]``.

    >>> b = BandLabels(np.array([0, 2, 1], dtype=np.uint8), (("dmz", "core"), ("dmz", "fringe")))
    >>> b.zone.tolist(), b.band.tolist(), b.counts()
    (['', 'dmz', 'dmz'], ['', 'fringe', 'core'], {('dmz', 'core'): 1, ('dmz', 'fringe'): 1})
    """

    code: Codes
    labels: tuple[tuple[str, str], ...]

    @property
    def zone(self) -> NDArray[np.str_]:
        """Zone id per point ('' outside every zone)."""
        return np.array(["", *(z for z, _ in self.labels)])[self.code]

    @property
    def band(self) -> NDArray[np.str_]:
        """Band name per point ('core', 'fringe'; '' outside every zone)."""
        return np.array(["", *(b for _, b in self.labels)])[self.code]

    @property
    def inside(self) -> NDArray[np.bool_]:
        """True where a point is in some zone."""
        return self.code > 0

    def counts(self) -> dict[tuple[str, str], int]:
        """Points per (zone, band), in label order."""
        n = np.bincount(self.code, minlength=len(self.labels) + 1)
        return {label: int(n[k + 1]) for k, label in enumerate(self.labels)}

    def __len__(self) -> int:
        return len(self.code)


class Classifier:
    """Point-in-band, distance and uncertainty for a fixed set of zones.

    Parameters
    ----------
    zones, projection
        The zones (in priority order: a point in two zones gets the first) and the
        projection their ``local`` geometry is in.
    name
        Names the cached grid file.
    cache_dir
        Where the band grid is cached (``None``: not cached, built in memory on first use).
    """

    def __init__(
        self,
        zones: Sequence[Zone],
        projection: LocalProjection,
        *,
        name: str = "zones",
        cache_dir: Path | None = None,
    ) -> None:
        if not zones:
            raise InputError("a scenario needs at least one zone to classify against")
        self.zones = tuple(zones)
        self.projection = projection
        self.name = name
        self.cache_dir = cache_dir
        bands = [(zi, b) for zi, z in enumerate(self.zones) for b in z.bands]
        self.labels: tuple[tuple[str, str], ...] = tuple((b.zone, b.band) for _, b in bands)
        self._regions = [b.local for _, b in bands]
        for region in self._regions:
            shapely.prepare(region)
        self._zone_of_code = np.array([-1] + [zi for zi, _ in bands], dtype=np.int64)
        self._refs = list(dict.fromkeys(z.reference_id for z in self.zones))
        self._same_line = [
            [zj for zj, other in enumerate(self.zones) if other.reference_id == z.reference_id]
            for z in self.zones
        ]
        self._lock = threading.Lock()
        self._grid: BandGrid | None = None
        self._lines: dict[str, LineIndex] | None = None
        self._discs: dict[int, _Discs] = {}

    # -- indexes -------------------------------------------------------------------------

    @property
    def grid(self) -> BandGrid:
        """The band grid: loaded from the cache, else built (and cached)."""
        with self._lock:
            if self._grid is None:
                self._grid = self._load_or_build_grid()
            return self._grid

    def _load_or_build_grid(self) -> BandGrid:
        path = None
        if self.cache_dir is not None:
            key = grid_key(self._regions, self.projection, 25.0)
            path = self.cache_dir / f"{self.name}-{key[:24]}.npz"
            grid = BandGrid.load(path)
            if grid is not None:
                log.debug("band grid of %s loaded from %s", self.name, path)
                return grid
        grid = BandGrid.build(self._regions, self.projection)
        if path is not None:
            grid.save(path)
            for stale in path.parent.glob(f"{self.name}-*.npz"):
                if stale != path:
                    stale.unlink(missing_ok=True)
        return grid

    @property
    def lines(self) -> dict[str, LineIndex]:
        """One distance index per reference line."""
        with self._lock:
            if self._lines is None:
                refs = {z.reference_id: z.reference for z in self.zones}
                self._lines = {
                    ref: LineIndex.of(geom, self.projection) for ref, geom in refs.items()
                }
            return self._lines

    def _discs_of(self, zi: int) -> _Discs:
        with self._lock:
            if zi not in self._discs:
                self._discs[zi] = _Discs.of(self.zones[zi].local)
            return self._discs[zi]

    # -- queries ---------------------------------------------------------------------------

    def codes(self, lon: ArrayLike, lat: ArrayLike) -> Codes:
        """Band code per point (0: none; k: ``labels[k - 1]``), validated."""
        lon_a, lat_a = _as_arrays(lon, lat)
        if len(lon_a) < GRID_MIN_POINTS:
            _check_range(lon_a, lat_a)
            return exact_codes(self._regions, self.projection, lon_a, lat_a)
        out, bad = self.grid.lookup(lon_a, lat_a)
        if bad:
            _check_range(lon_a, lat_a)
        edge = np.flatnonzero(out == _kernels.BOUNDARY)
        if len(edge):
            out[edge] = exact_codes(self._regions, self.projection, lon_a[edge], lat_a[edge])
        return out

    def bands(self, lon: ArrayLike, lat: ArrayLike) -> BandLabels:
        """Zone and band of each point, as compact codes."""
        return BandLabels(self.codes(lon, lat), self.labels)

    def distance_km(self, lon: ArrayLike, lat: ArrayLike) -> Floats:
        """Geodesic distance (km) to the containing zone's line, else the nearest zone's.

        With one reference line for all zones (the usual case) the bands are not needed.
        """
        lon_a, lat_a = _as_arrays(lon, lat)
        if len(self._refs) == 1:
            _check_range(lon_a, lat_a)
            return self.lines[self._refs[0]].distance_m(lon_a, lat_a) / 1000.0
        return self._distance_and_zone(lon_a, lat_a, self.codes(lon_a, lat_a))[0]

    def _distance_and_zone(
        self, lon: Floats, lat: Floats, codes: Codes
    ) -> tuple[Floats, NDArray[np.int64]]:
        """Distances (km) and the zone they are measured from (containing, else nearest)."""
        zone = self._zone_of_code[codes]
        if len(self._refs) == 1:
            d = self.lines[self._refs[0]].distance_m(lon, lat)
            zone[zone < 0] = 0  # every zone is as near: the first one, as with argmin
            return d / 1000.0, zone
        by_ref = {ref: index.distance_m(lon, lat) for ref, index in self.lines.items()}
        best = np.full(len(lon), np.inf)
        nearest = np.zeros(len(lon), dtype=np.int64)
        for zi, z in enumerate(self.zones):
            d = by_ref[z.reference_id]
            closer = d < best
            best[closer] = d[closer]
            nearest[closer] = zi
        outside = zone < 0
        zone[outside] = nearest[outside]
        ref_of_zone = np.array([self._refs.index(z.reference_id) for z in self.zones])
        ref = ref_of_zone[zone]
        d = np.empty(len(lon))
        for k, key in enumerate(self._refs):
            sel = ref == k
            d[sel] = by_ref[key][sel]
        return d / 1000.0, zone

    @overload
    def classify(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        precision_km: ArrayLike | None = None,
        *,
        distance: Literal[True] = True,
    ) -> Classification: ...

    @overload
    def classify(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        precision_km: None = None,
        *,
        distance: Literal[False],
    ) -> BandLabels: ...

    def classify(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        precision_km: ArrayLike | None = None,
        *,
        distance: bool = True,
    ) -> Classification | BandLabels:
        """Classify points given as lon/lat arrays (degrees, WGS84).

        With ``distance=False``, only the bands, as :class:`BandLabels` (the fast path).
        """
        if not distance:
            if precision_km is not None:
                raise InputError("p_in_zone needs distances: leave distance=True")
            return self.bands(lon, lat)
        lon_a, lat_a = _as_arrays(lon, lat)
        codes = self.codes(lon_a, lat_a)
        dist, zone = self._distance_and_zone(lon_a, lat_a, codes)
        inside = codes > 0
        p = inside.astype(np.float64)
        if precision_km is not None:
            r = np.broadcast_to(np.asarray(precision_km, dtype=np.float64), lon_a.shape)
            if np.any(~np.isfinite(r) | (r < 0)):
                raise InputError("precision_km must be finite and not negative")
            fuzzy = np.flatnonzero(r > 0)
            for zi in np.unique(zone[fuzzy]):
                sel = fuzzy[zone[fuzzy] == zi]
                x, y = self.projection.forward(lon_a[sel], lat_a[sel])
                p[sel] = self._discs_of(int(zi)).fraction(x, y, r[sel] * 1000.0, inside[sel])
            # a point in no zone: its nearest line's zones are all as near (nested zones
            # along one line); the one holding the largest part of its disc counts
            outside = fuzzy[~inside[fuzzy]]
            for zi in np.unique(zone[outside]):
                others = [zj for zj in self._same_line[int(zi)] if zj != zi]
                if not others:
                    continue
                sel = outside[zone[outside] == zi]
                x, y = self.projection.forward(lon_a[sel], lat_a[sel])
                nowhere = np.zeros(len(sel), dtype=np.bool_)
                for zj in others:
                    q = self._discs_of(zj).fraction(x, y, r[sel] * 1000.0, nowhere)
                    p[sel] = np.maximum(p[sel], q)
        labels = BandLabels(codes, self.labels)
        return Classification(labels.zone, labels.band, dist, p)


@dataclass(frozen=True)
class _Discs:
    """A polygon's oriented boundary segments, bucketed, for disc-area fractions."""

    seg: Floats
    origin: tuple[float, float]
    cell: float
    shape: tuple[int, int]
    offsets: NDArray[np.int64]
    ids: NDArray[np.int64]

    @classmethod
    def of(cls, region: shapely.Geometry, max_buckets: int = 1 << 20) -> _Discs:
        oriented = shapely.orient_polygons(region)  # exteriors counter-clockwise
        rings = shapely.get_parts(shapely.boundary(oriented))
        xy, part = shapely.get_coordinates(np.asarray(rings, dtype=object), return_index=True)
        same = part[1:] == part[:-1]
        seg = np.ascontiguousarray(np.hstack([xy[:-1][same], xy[1:][same]]))
        if len(seg) == 0:
            seg = np.zeros((0, 4))
            x0 = y0 = 0.0
            w = h = 1.0
        else:
            x0, y0 = float(seg[:, [0, 2]].min()), float(seg[:, [1, 3]].min())
            w = float(seg[:, [0, 2]].max()) - x0 + 1.0
            h = float(seg[:, [1, 3]].max()) - y0 + 1.0
        cell = max(1000.0, math.sqrt(w * h / max_buckets))
        nbx, nby = math.ceil(w / cell), math.ceil(h / cell)
        offsets, ids = _kernels.bucket_segments(seg, x0, y0, cell, nbx, nby)
        return cls(seg, (x0, y0), cell, (nbx, nby), offsets, ids)

    def fraction(self, x: Floats, y: Floats, radius_m: Floats, inside: NDArray[np.bool_]) -> Floats:
        return _kernels.disc_fraction(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(y, dtype=np.float64),
            np.ascontiguousarray(radius_m, dtype=np.float64),
            np.ascontiguousarray(inside, dtype=np.bool_),
            self.seg,
            self.origin[0],
            self.origin[1],
            self.cell,
            self.shape[0],
            self.shape[1],
            self.offsets,
            self.ids,
        )


def disc_fraction_inside(
    region: shapely.Geometry, x: Floats, y: Floats, radius_m: Floats
) -> Floats:
    """Fraction of each disc's area that lies inside a projected ``region``.

    Exact for true circles (not polygons approximating them): the area is summed edge by
    edge over the region's edges near the disc. Discs wholly inside give 1 and discs wholly
    outside 0; the fraction is continuous in the centre and the radius.

    >>> sq = shapely.box(0, 0, 100, 100)
    >>> disc_fraction_inside(sq, np.array([50.0, 500, 100, 0]), np.array([50.0, 50, 50, 0]),
    ...                      np.array([10.0, 10, 10, 10])).round(3).tolist()
    [1.0, 0.0, 0.5, 0.25]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    shapely.prepare(region)
    inside = shapely.intersects_xy(region, x, y)
    r = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), x.shape)
    return _Discs.of(region).fraction(x, y, r, inside)


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    lon_a = np.ascontiguousarray(np.atleast_1d(np.asarray(lon, dtype=np.float64)))
    lat_a = np.ascontiguousarray(np.atleast_1d(np.asarray(lat, dtype=np.float64)))
    if lon_a.shape != lat_a.shape or lon_a.ndim != 1:
        raise InputError(
            f"lon and lat must be 1-D arrays of one length; got {lon_a.shape}, {lat_a.shape}"
        )
    return lon_a, lat_a


def _check_range(lon_a: Floats, lat_a: Floats) -> None:
    bad = ~((np.abs(lon_a) <= 180) & (np.abs(lat_a) <= 90))  # NaN fails both
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{int(bad.sum())} point(s) outside lon [-180, 180] / lat [-90, 90]; "
            f"first at index {i}: lon={lon_a[i]}, lat={lat_a[i]}"
        )
