"""A fine lon/lat grid of a scenario's bands, for exact point-in-band look-ups at memory speed.

The reference of exactness
--------------------------
The band of a point is defined by :func:`exact_codes`: project the point's WGS84 lon/lat with
pyproj into the scenario's local projection, then test it with ``shapely.intersects_xy``
against each projected band polygon (``ZoneBand.local``) in file order (zones in order,
bands in order); the first hit wins, a point on a boundary is inside. The grid answers the
same question without pyproj or shapely for almost every point, and gives exactly that
answer for every point.

How
---
The grid is laid over lon/lat directly (cells of about ``cell_m`` metres, 25 by default),
so a look-up is two multiplications and two array reads. Every band boundary is densified
in the projection (vertices at most 0.4 cell apart), carried back to lon/lat, and every
cell that a boundary piece comes within ``margin`` (2 % of a cell, about half a metre) of
is marked ``BOUNDARY``. A cell that is not marked lies wholly on one side of every
boundary, and so does any connected run of such cells: one representative point of each
run (or of each tile without any marked cell) is classified by :func:`exact_codes` and its
answer holds for the whole run. Points that fall in a marked cell (a fraction of a percent
for random points in the Idlib area) are tested exactly. The margin dwarfs every error it
has to absorb: the chord between two densified vertices departs from the true lon/lat image
of the projected edge by micrometres, and pyproj's round trip by nanometres.

Memory: the grid is stored in tiles of 32 × 32 cells; the tile directory names each tile's
1 KiB block. A tile without any marked cell shares one block per code (filled with that
code) with every other such tile, so a look-up is the same two array reads for every point,
with no branch: the compiled loop runs at memory speed. The Idlib grid is about 1 MB.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from . import _kernels
from .projection import LocalProjection

__all__ = ["BOUNDARY", "BandGrid", "default_cache_dir", "exact_codes", "grid_key"]

log = logging.getLogger(__name__)

Floats = NDArray[np.float64]
Codes = NDArray[np.uint8]

BOUNDARY = _kernels.BOUNDARY
"""Code of a grid cell a band boundary crosses (its points are tested exactly)."""

GRID_VERSION = 2
"""Bumped whenever the grid's layout or construction changes (part of the cache key)."""

_SHIFT = 5  # tiles of 2**5 = 32 cells a side
_MARGIN = 0.02  # cells: how close a boundary may come to a cell before the cell is marked
_DENSIFY = 0.4  # cells: longest boundary piece after densifying
_MAX_TILES = 4_000_000  # past this the cells grow (a 1,600 km square at 25 m cells)
_WGS84_A = 6378137.0
_WGS84_E2 = 6.69437999014e-3


def exact_codes(
    regions: Sequence[BaseGeometry], projection: LocalProjection, lon: Floats, lat: Floats
) -> Codes:
    """The reference answer: 1 + index of the first projected region holding each point.

    0 for a point in no region. ``regions`` should be prepared (``shapely.prepare``).

    >>> p = LocalProjection.centred_on(36.0, 35.0)
    >>> sq = shapely.box(-1000, -1000, 1000, 1000)
    >>> exact_codes([sq], p, np.array([36.0, 37.0]), np.array([35.0, 35.0])).tolist()
    [1, 0]
    """
    out = np.zeros(len(lon), dtype=np.uint8)
    if len(lon) == 0:
        return out
    x, y = projection.forward(lon, lat)
    todo = np.arange(len(lon))
    for k, region in enumerate(regions):
        if len(todo) == 0:
            break
        hit = shapely.intersects_xy(region, x[todo], y[todo])
        out[todo[hit]] = k + 1
        todo = todo[~hit]
    return out


def grid_key(regions: Sequence[BaseGeometry], projection: LocalProjection, cell_m: float) -> str:
    """A hash of everything a grid depends on: the geometry, the projection and this code.

    The regions' WKB stands for the agreement file and every data file behind it: an edit
    that changes a band (or the code that builds bands) changes the key, and one that does
    not (a rule, a date) keeps the cached grid.
    """
    h = hashlib.sha256()
    h.update(f"grid-v{GRID_VERSION}|{cell_m!r}|{_SHIFT}|{_MARGIN}|{_DENSIFY}|".encode())
    h.update(Path(__file__).read_bytes())
    h.update(Path(_kernels.__file__).read_bytes())
    h.update(projection.crs.to_wkt().encode())
    for region in regions:
        h.update(shapely.to_wkb(region, byte_order=1, include_srid=False))
    return h.hexdigest()


def default_cache_dir() -> Path:
    """Where grids are cached unless a scenario is given another directory."""
    return Path.home() / ".cache" / "dmzwatch" / "grids"


@dataclass(frozen=True)
class BandGrid:
    """Band codes on a tiled lon/lat grid; see the module docstring for how it is exact."""

    lon0: float
    lat0: float
    dlon: float
    dlat: float
    nx: int
    ny: int
    directory: NDArray[np.int32]
    """One entry per tile: the index of its block (tiles wholly of one code share one)."""
    blocks: Codes
    """32 × 32 cells per block, flattened: the mixed tiles' blocks, then one block per code."""

    @property
    def ntx(self) -> int:
        return -(-self.nx >> _SHIFT)

    @property
    def nbytes(self) -> int:
        return int(self.directory.nbytes + self.blocks.nbytes)

    @classmethod
    def build(
        cls, regions: Sequence[BaseGeometry], projection: LocalProjection, cell_m: float = 25.0
    ) -> BandGrid:
        """Build the grid of projected ``regions`` (codes 1, 2, … in their order)."""
        if len(regions) > BOUNDARY - 1:
            raise ValueError(f"a grid holds at most {BOUNDARY - 1} bands, got {len(regions)}")
        for region in regions:
            shapely.prepare(region)
        lon, lat, part = _boundary_lonlat(regions, projection, cell_m * _DENSIFY)
        if len(lon) == 0:
            return cls(0.0, 0.0, 1.0, 1.0, 0, 0, np.zeros(0, np.int32), np.zeros(0, np.uint8))
        phi = math.radians((lat.min() + lat.max()) / 2)
        w = 1 - _WGS84_E2 * math.sin(phi) ** 2
        m_per_deg_lat = math.radians(1) * _WGS84_A * (1 - _WGS84_E2) / w**1.5
        m_per_deg_lon = math.radians(1) * _WGS84_A / math.sqrt(w) * math.cos(phi)
        span_lon, span_lat = float(np.ptp(lon)), float(np.ptp(lat))
        while True:
            dlat, dlon = cell_m / m_per_deg_lat, cell_m / m_per_deg_lon
            nx = math.ceil(span_lon / dlon) + 5
            ny = math.ceil(span_lat / dlat) + 5
            if ((nx >> _SHIFT) + 1) * ((ny >> _SHIFT) + 1) <= _MAX_TILES:
                break
            cell_m *= 2.0
        lon0 = float(lon.min()) - 2 * dlon
        lat0 = float(lat.min()) - 2 * dlat
        cells = _marked_cells((lon - lon0) / dlon, (lat - lat0) / dlat, part, nx, ny)
        return cls._from_marked(regions, projection, lon0, lat0, dlon, dlat, nx, ny, cells)

    @classmethod
    def _from_marked(
        cls,
        regions: Sequence[BaseGeometry],
        projection: LocalProjection,
        lon0: float,
        lat0: float,
        dlon: float,
        dlat: float,
        nx: int,
        ny: int,
        cells: NDArray[np.int64],
    ) -> BandGrid:
        size = 1 << _SHIFT
        ntx, nty = -(-nx >> _SHIFT), -(-ny >> _SHIFT)
        iy, ix = np.divmod(cells, nx)
        tile = (iy >> _SHIFT) * ntx + (ix >> _SHIFT)
        mixed, block_of = np.unique(tile, return_inverse=True)
        blocks = np.zeros((len(mixed), size, size), dtype=np.uint8)
        blocks[block_of, iy & (size - 1), ix & (size - 1)] = BOUNDARY

        directory = np.empty(ntx * nty, dtype=np.int32)
        directory[mixed] = np.arange(len(mixed), dtype=np.int32)
        uniform = np.setdiff1d(np.arange(ntx * nty), mixed)
        ty, tx = np.divmod(uniform, ntx)
        centre_lon = lon0 + (tx * size + size / 2) * dlon
        centre_lat = lat0 + (ty * size + size / 2) * dlat
        codes = exact_codes(regions, projection, centre_lon, centre_lat).astype(np.int32)
        # every tile of one code points at that code's shared block (after the mixed ones)
        directory[uniform] = len(mixed) + codes

        # runs of unmarked cells along each block row share one answer
        rows = blocks.reshape(-1, size)
        free = rows != BOUNDARY
        start = free.copy()
        start[:, 1:] &= ~free[:, :-1]
        row_idx, col = np.nonzero(start)
        block, r = np.divmod(row_idx, size)
        ty, tx = np.divmod(mixed[block], ntx)
        rep_lon = lon0 + (tx * size + col + 0.5).astype(np.float64) * dlon
        rep_lat = lat0 + (ty * size + r + 0.5).astype(np.float64) * dlat
        run_code = exact_codes(regions, projection, rep_lon, rep_lat)
        run_id = np.cumsum(start.ravel()) - 1
        flat = rows.ravel()
        flat[free.ravel()] = run_code[run_id[free.ravel()]]
        uniform_blocks = np.repeat(np.arange(len(regions) + 1, dtype=np.uint8), size * size)
        flat = np.concatenate([flat, uniform_blocks])
        log.debug(
            "band grid: %d x %d cells, %d tiles, %d mixed, %d runs",
            nx,
            ny,
            ntx * nty,
            len(mixed),
            len(run_code),
        )
        return cls(lon0, lat0, dlon, dlat, nx, ny, directory, flat)

    def lookup(self, lon: Floats, lat: Floats) -> tuple[Codes, int]:
        """Grid codes of lon/lat points: a band code, 0, or :data:`BOUNDARY` (test exactly).

        Also returns how many points are not valid coordinates (NaN, or outside
        [-180, 180] × [-90, 90]); they get code 0.
        """
        out = np.empty(len(lon), dtype=np.uint8)
        if len(self.directory) == 0:  # no band at all: every point is outside
            out[:] = 0
            ok = (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
            return out, int(len(lon) - np.count_nonzero(ok))
        bad = _kernels.lookup_codes(
            np.ascontiguousarray(lon, dtype=np.float64),
            np.ascontiguousarray(lat, dtype=np.float64),
            self.lon0,
            self.lat0,
            1.0 / self.dlon,
            1.0 / self.dlat,
            self.nx,
            self.ny,
            _SHIFT,
            self.ntx,
            self.directory,
            self.blocks,
            out,
        )
        return out, int(bad)

    def codes(
        self,
        regions: Sequence[BaseGeometry],
        projection: LocalProjection,
        lon: ArrayLike,
        lat: ArrayLike,
    ) -> Codes:
        """Exact band codes: the grid where it can tell, :func:`exact_codes` where it cannot."""
        lon_a = np.ascontiguousarray(lon, dtype=np.float64)
        lat_a = np.ascontiguousarray(lat, dtype=np.float64)
        out, _ = self.lookup(lon_a, lat_a)
        edge = np.flatnonzero(out == BOUNDARY)
        if len(edge):
            out[edge] = exact_codes(regions, projection, lon_a[edge], lat_a[edge])
        return out

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the grid to ``path`` (.npz) atomically; a failure is logged, not raised."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    meta=np.array([self.lon0, self.lat0, self.dlon, self.dlat]),
                    shape=np.array([self.nx, self.ny]),
                    directory=self.directory,
                    blocks=self.blocks,
                )
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not cache the band grid at %s: %s", path, exc)

    @classmethod
    def load(cls, path: Path) -> BandGrid | None:
        """A grid saved by :meth:`save`, or None when the file is missing or unreadable."""
        try:
            with np.load(path) as data:
                lon0, lat0, dlon, dlat = (float(v) for v in data["meta"])
                nx, ny = (int(v) for v in data["shape"])
                return cls(lon0, lat0, dlon, dlat, nx, ny, data["directory"], data["blocks"])
        except (OSError, KeyError, ValueError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.warning("ignoring unreadable band grid cache %s: %s", path, exc)
            return None


def _boundary_lonlat(
    regions: Sequence[BaseGeometry], projection: LocalProjection, max_piece_m: float
) -> tuple[Floats, Floats, NDArray[np.int64]]:
    """Vertices of every region's boundary, densified in the projection, in lon/lat.

    Returns lon, lat and the index of the ring each vertex belongs to.
    """
    rings = [
        ring
        for region in regions
        for ring in shapely.get_parts(shapely.boundary(region))
        if not ring.is_empty
    ]
    if not rings:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int64)
    dense = shapely.segmentize(np.asarray(rings, dtype=object), max_piece_m)
    xy, part = shapely.get_coordinates(dense, return_index=True)
    lon, lat = projection.inverse(xy[:, 0], xy[:, 1])
    return lon, lat, np.asarray(part, dtype=np.int64)


def _marked_cells(
    gx: Floats, gy: Floats, part: NDArray[np.int64], nx: int, ny: int
) -> NDArray[np.int64]:
    """Linear ids of the cells within ``_MARGIN`` of a piece between consecutive vertices."""
    same = part[1:] == part[:-1]
    ax, bx = gx[:-1][same], gx[1:][same]
    ay, by = gy[:-1][same], gy[1:][same]
    x0 = np.floor(np.minimum(ax, bx) - _MARGIN).astype(np.int64)
    x1 = np.floor(np.maximum(ax, bx) + _MARGIN).astype(np.int64)
    y0 = np.floor(np.minimum(ay, by) - _MARGIN).astype(np.int64)
    y1 = np.floor(np.maximum(ay, by) + _MARGIN).astype(np.int64)
    out = []
    for dx in range(int((x1 - x0).max()) + 1):
        for dy in range(int((y1 - y0).max()) + 1):
            ok = (x0 + dx <= x1) & (y0 + dy <= y1)
            cx, cy = x0[ok] + dx, y0[ok] + dy
            inside = (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)
            out.append(cy[inside] * nx + cx[inside])
    return np.unique(np.concatenate(out))
