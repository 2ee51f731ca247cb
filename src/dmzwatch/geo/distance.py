"""Geodesic distance from many points to a reference line, vectorized.

Two ways, one answer:

- :class:`Segments` (the reference, and what zones are built with): the nearest point of
  the line is found in the local projection (planar, exact for the projected segments),
  then the distance from each point to that foot is measured on the WGS84 ellipsoid with
  :data:`~dmzwatch.geo.projection.GEOD`.
- :class:`LineIndex` (fast, straight from lon/lat): the line's vertices become unit
  vectors on the sphere of reduced latitude, where the great-circle angle is the σ of the
  classical geodesic formulas, and its pieces great-circle arcs. The distance to an arc is
  measured on the ellipsoid (Lambert's formula, compiled; pyproj near the antipode) from
  the point to the arc's nearest point on that sphere, and the distance to the line is the
  least of these. The arc nearest on the ellipsoid may not be the sphere's; two proven
  bounds on Lambert's formula tell which arcs may still be (see ``_arc_kernels``): a global one
  (a·σ·(1 - f) <= L <= a·σ) and a local one from the heights of the two nearest points
  (about 2f·|Δz|: centimetres between neighbouring arcs), so that only those are measured.
  Around the line, a :class:`CandidateGrid` (a quadtree of lon/lat cells) lists per cell
  the arcs, or vertices, that may be nearest on the ellipsoid to one of its points,
  pruned with a bound on how much the difference of the distances to two arcs can change
  across the cell (the cell's size times the angle between the two as seen from it, tiny
  far from the line): a point measures one to three of them. Elsewhere, a branch and bound
  over chunks of consecutive arcs in spherical caps. The answer is the same either way
  (the grid only leaves out arcs that provably never give the least distance).

Over the 10 km pieces of a densified line, the straight projected piece and the arc differ
by centimetres; the two feet may differ by more along the line, but the distance is
stationary at the foot, so that changes it by a second-order amount (millimetres at zone
scale, metres at thousands of km). Tests hold the two within 0.1 % and 5 m.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from . import _arc_kernels as kernels
from .projection import GEOD, LocalProjection

__all__ = ["CandidateGrid", "LineIndex", "Segments"]

Floats = NDArray[np.float64]

_PAIRS_PER_CHUNK = 4_000_000  # points x segments evaluated at once: ~32 MB per float array
_GRID_PAIRS = 20_000_000  # top cells x chunks weighed when a candidate grid is built
_GRID_CELLS = 1 << 14  # top cells of the candidate quadtree
_LEAF_ITEMS = 3  # a quadtree cell listing more items than this is split in four
_DEPTH = 6  # ... this many times at most
_SPLIT_GAIN = 0.85  # ... unless its four children list more than this share of its items
_MAX_NODES = 1 << 21  # and at most this many nodes in all


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


@dataclass(frozen=True)
class LineIndex:
    """Fast geodesic distance from lon/lat points to one line, straight from lon/lat.

    A point inside the candidate grid measures the few arcs its cell lists; any other point
    takes a branch and bound over chunks of consecutive arcs, each inside a spherical cap.

    >>> line = shapely.LineString([(36.0, 35.0), (36.0, 36.0)])
    >>> index = LineIndex.of_lonlat(line)
    >>> d = index.distance_m(np.array([36.0, 36.1, 36.0]), np.array([35.5, 35.5, 34.9]))
    >>> (d / 1000).round(2).tolist()
    [0.0, 9.07, 11.09]
    """

    arcs: Floats
    """Per arc: A, B (unit vectors), N = A×B/|A×B|, N×A, B×N, and the least and greatest z
    over the arc; shape (arcs, 17)."""
    chunks: Floats
    """Per chunk: centre (unit vector), cos and sin of its cap radius, the radius (radians);
    shape (chunks, 6)."""
    starts: NDArray[np.int64]
    """Chunk ``c`` holds arcs ``starts[c]:starts[c + 1]``."""
    grid: CandidateGrid | None = None
    """The arcs to measure per lon/lat cell around the line (None: every point takes the
    branch and bound)."""

    @classmethod
    def of_lonlat(
        cls, line: BaseGeometry, *, chunk: int = 4, grid_cells: int = _GRID_CELLS
    ) -> LineIndex:
        """Index a lon/lat (multi)line: chunks of ``chunk`` arcs, and a candidate grid of at
        most ``grid_cells`` top cells over the line's surroundings (0: no grid)."""
        parts = [np.asarray(shapely.get_coordinates(p)) for p in shapely.get_parts(line)]
        arcs = _arcs(parts)
        if len(arcs) == 0:
            raise ValueError("a line needs two distinct points to measure distances to")
        starts = np.append(np.arange(0, len(arcs), chunk), len(arcs)).astype(np.int64)
        chunks = np.empty((len(starts) - 1, 6))
        for c in range(len(starts) - 1):
            ends = arcs[starts[c] : starts[c + 1], :6].reshape(-1, 3)
            centre = ends.sum(axis=0)
            centre /= np.linalg.norm(centre)
            radius = float(np.arccos(np.clip(ends @ centre, -1.0, 1.0)).max()) * 1.0001 + 1e-9
            if radius >= math.pi / 2:  # a cap must be convex to hold its arcs
                radius = math.pi
            chunks[c] = (*centre, math.cos(radius), math.sin(radius), radius)
        vertices = np.concatenate(parts)
        grid = CandidateGrid.build(vertices, arcs, chunks, starts, grid_cells)
        return cls(arcs, chunks, starts, grid)

    @classmethod
    def of(cls, line: BaseGeometry, projection: LocalProjection) -> LineIndex:
        """Index a projected (multi)line: its vertices are carried back to lon/lat."""
        return cls.of_lonlat(projection.to_lonlat(line))

    def distance_m(self, lon: ArrayLike, lat: ArrayLike) -> Floats:
        """Geodesic distance in metres from each lon/lat point to the line."""
        lon_a = np.ascontiguousarray(lon, dtype=np.float64).ravel()
        lat_a = np.ascontiguousarray(lat, dtype=np.float64).ravel()
        out = np.empty(len(lon_a))
        g = self.grid
        if g is None:
            kernels.line_distance(lon_a, lat_a, self.arcs, self.chunks, self.starts, out)
        else:
            kernels.line_distance_grid(
                lon_a, lat_a, g.rows, self.chunks, self.starts,
                g.lon0, g.lat0, 1.0 / g.cell, g.nx, g.ny, g.child, g.offsets, g.items, out,
            )  # fmt: skip
        bad = np.flatnonzero(np.isnan(out))
        if len(bad):  # Lambert's formula does not hold near the antipode
            flon, flat = kernels.lonlat_of(kernels.line_feet(lon_a[bad], lat_a[bad], self.arcs))
            out[bad] = np.asarray(GEOD.inv(lon_a[bad], lat_a[bad], flon, flat)[2])
        return out

    @property
    def nbytes(self) -> int:
        grid = 0 if self.grid is None else self.grid.nbytes
        return int(self.arcs.nbytes + self.chunks.nbytes + self.starts.nbytes + grid)


@dataclass(frozen=True)
class CandidateGrid:
    """A quadtree of lon/lat cells around a line, each leaf listing the items its points
    may need: every arc that may be the nearest on the ellipsoid to one of its points, or,
    where all of the cell has the same end of an arc as its nearest point, that vertex.

    Square cells of ``cell`` degrees form the top level (node ``iy * nx + ix``); a node is
    split in four while it lists more than a few items and splitting shortens the lists.
    The lists are pruned per cell with :func:`~dmzwatch.geo._arc_kernels.prune_candidates`, so
    that a cell lists about the items whose nearest-point regions it crosses, and a point
    measures one to three (:func:`~dmzwatch.geo._arc_kernels.line_distance_grid`).
    """

    lon0: float
    lat0: float
    cell: float
    """Top cell size, degrees of longitude and of latitude."""
    nx: int
    ny: int
    child: NDArray[np.int32]
    """Per node: its first child (the four are ``child + qx + 2 qy``), or -1 for a leaf."""
    offsets: NDArray[np.int64]
    items: NDArray[np.int32]
    """A leaf's items are ``items[offsets[node]:offsets[node + 1]]``, rows of ``rows``."""
    rows: Floats
    """The items: the line's arcs (as :attr:`LineIndex.arcs`), then its vertices, each an
    arc from itself to itself with NaN side planes (its nearest point is the vertex)."""

    @property
    def nbytes(self) -> int:
        return int(self.child.nbytes + self.offsets.nbytes + self.items.nbytes + self.rows.nbytes)

    def leaves(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int64]:
        """The leaf of each lon/lat point, as the compiled look-up finds it (-1: off the
        grid); its items are ``items[offsets[leaf]:offsets[leaf + 1]]``."""
        fx = (np.asarray(lon, dtype=np.float64).ravel() - self.lon0) / self.cell
        fy = (np.asarray(lat, dtype=np.float64).ravel() - self.lat0) / self.cell
        on = (fx >= 0) & (fy >= 0) & (fx < self.nx) & (fy < self.ny)
        ix, iy = np.where(on, fx, 0).astype(np.int64), np.where(on, fy, 0).astype(np.int64)
        u, v = np.where(on, fx - ix, 0.0), np.where(on, fy - iy, 0.0)
        node = iy * self.nx + ix
        while (self.child[node] >= 0).any():
            inner = self.child[node] >= 0
            u, v = np.where(inner, 2 * u, u), np.where(inner, 2 * v, v)
            east, north = inner & (u >= 1.0), inner & (v >= 1.0)
            u, v = u - east, v - north
            node = np.where(inner, self.child[node] + east + 2 * north, node)
        return np.where(on, node, -1)

    @classmethod
    def build(
        cls,
        vertices: Floats,
        arcs: Floats,
        chunks: Floats,
        starts: NDArray[np.int64],
        max_cells: int,
        *,
        leaf: int = _LEAF_ITEMS,
        depth: int = _DEPTH,
    ) -> CandidateGrid | None:
        """The quadtree over the line's box widened by half its size (at least 0.5°) each
        way, of at most ``max_cells`` top cells (fewer for a line of many chunks), split while
        a cell lists more than ``leaf`` items, ``depth`` times at most; None where that box is
        too large or too near a pole, or the line too long, to be worth it."""
        lon, lat = vertices[:, 0], vertices[:, 1]
        span = max(float(np.ptp(lon)), float(np.ptp(lat)))
        margin = max(0.5, 0.5 * span)
        lon0, lon1 = float(lon.min()) - margin, float(lon.max()) + margin
        lat0, lat1 = float(lat.min()) - margin, float(lat.max()) + margin
        if lon1 - lon0 > 90.0 or lat0 < -75.0 or lat1 > 75.0:
            return None
        max_cells = min(max_cells, _GRID_PAIRS // len(chunks))
        if max_cells < 64:
            return None
        cell = math.sqrt((lon1 - lon0) * (lat1 - lat0) / max_cells)
        nx, ny = math.ceil((lon1 - lon0) / cell), math.ceil((lat1 - lat0) / cell)
        iy, ix = np.divmod(np.arange(nx * ny), nx)
        west, south, size = lon0 + ix * cell, lat0 + iy * cell, cell
        centres, radius = kernels.box_caps(west, south, size)
        offsets, items = kernels.root_candidates(centres, radius, arcs, chunks, starts)
        rows, ends = _item_rows(arcs)
        levels: list[tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.bool_]]] = []
        nodes = nx * ny
        for level in range(depth + 1):
            counts, items = kernels.prune_candidates(centres, radius, offsets, items, rows, ends)
            if level:  # a split that barely shortens the lists is undone
                parents = levels[-1][2]
                before = levels[-1][0][parents]
                vain = counts.reshape(-1, 4).sum(axis=1) > _SPLIT_GAIN * 4 * before
                if vain.any():
                    parents[np.flatnonzero(parents)[vain]] = False
                    stay = np.repeat(~vain, 4)
                    items = items[np.repeat(stay, counts)]
                    counts, west, south = counts[stay], west[stay], south[stay]
                    nodes -= 4 * int(vain.sum())
                    if not len(counts):
                        break
            split = counts > leaf
            if level == depth or nodes + 4 * int(split.sum()) > _MAX_NODES:
                split[:] = False
            levels.append((counts, items, split))
            if not split.any():
                break
            # four children per split node, each starting from its parent's list
            p = np.flatnonzero(split)
            nodes += 4 * len(p)
            size *= 0.5
            q = np.arange(4)
            west = (west[p, None] + (q & 1) * size).ravel()
            south = (south[p, None] + (q >> 1) * size).ravel()
            offsets, items = _each_four_times(counts, items, p)
            centres, radius = kernels.box_caps(west, south, size)
        child, sizes, lists = [], [], []
        base = 0
        for counts, items, split in levels:
            base += len(counts)  # the next level's first node
            ch = np.full(len(counts), -1, dtype=np.int32)
            ch[split] = base + 4 * np.arange(int(split.sum()))
            child.append(ch)
            sizes.append(np.where(split, 0, counts))
            lists.append(items[np.repeat(~split, counts)])
        return cls(
            lon0,
            lat0,
            cell,
            nx,
            ny,
            np.concatenate(child),
            np.concatenate([[0], np.cumsum(np.concatenate(sizes))]).astype(np.int64),
            np.concatenate(lists).astype(np.int32),
            rows,
        )


def _item_rows(arcs: Floats) -> tuple[Floats, NDArray[np.int64]]:
    """The rows of a grid's items: the arcs, then the vertices, each an arc from itself to
    itself with NaN side planes; and the vertex rows of each arc's two ends."""
    points, ends = np.unique(arcs[:, :6].reshape(-1, 3), axis=0, return_inverse=True)
    nan, zero, z = np.full((len(points), 6), np.nan), np.zeros((len(points), 3)), points[:, 2:]
    rows = np.vstack([arcs, np.hstack([points, points, zero, nan, z, z])])
    return np.ascontiguousarray(rows), ends.reshape(-1, 2).astype(np.int64) + len(arcs)


def _each_four_times(
    counts: NDArray[np.int64], items: NDArray[np.int32], nodes: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """CSR ``(offsets, items)`` of the lists of ``nodes`` (into lists of ``counts`` items in
    turn), each four times in a row: the starting lists of their children."""
    lens = np.repeat(counts[nodes], 4)
    first = np.repeat(np.concatenate([[0], np.cumsum(counts)])[nodes], 4)
    begin = np.concatenate([[0], np.cumsum(lens)])
    return begin, items[np.repeat(first - begin[:-1], lens) + np.arange(begin[-1])]


def _arcs(parts: Sequence[Floats]) -> Floats:
    rows = []
    for coords in parts:
        if len(coords) < 2:
            continue
        v = kernels.unit_vectors(
            np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
        )
        a, b = v[:-1], v[1:]
        n = np.cross(a, b)
        norm = np.linalg.norm(n, axis=1)
        keep = norm > 1e-13  # drop pieces shorter than a micrometre
        n = n[keep] / norm[keep, None]
        a, b = a[keep], b[keep]
        na, bn = np.cross(n, a), np.cross(b, n)
        # the z range of an arc: its ends', or the top (bottom) of its great circle if inside
        rim = np.sqrt(np.maximum(0.0, 1.0 - n[:, 2] ** 2))
        top = (np.array([0.0, 0.0, 1.0]) - n[:, 2, None] * n) / np.maximum(rim, 1e-300)[:, None]
        up = np.einsum("ij,ij->i", top, na)
        across = np.einsum("ij,ij->i", top, bn)
        zlo = np.where((up <= 0) & (across <= 0), -rim, np.minimum(a[:, 2], b[:, 2]))
        zhi = np.where((up >= 0) & (across >= 0), rim, np.maximum(a[:, 2], b[:, 2]))
        rows.append(np.hstack([a, b, n, na, bn, zlo[:, None], zhi[:, None]]))
    return np.ascontiguousarray(np.concatenate(rows)) if rows else np.zeros((0, 17))
