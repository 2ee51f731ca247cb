"""Compiled (numba) loops of the fast classifier: grid look-up, planar segments, disc area.

Every function here is a plain loop over numpy arrays, compiled once by numba and cached on
disk next to this file. They release the GIL, so threads (or Dask workers) run them in
parallel. They check nothing: the callers in :mod:`~dmzwatch.geo.grid` and
:mod:`~dmzwatch.geo.classify` pass validated arrays. The geodesic arc kernels of
:mod:`~dmzwatch.geo.distance` live in :mod:`~dmzwatch.geo._arc_kernels`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

F = TypeVar("F", bound=Callable[..., Any])

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

BOUNDARY = 255
"""Grid code of a cell the band boundary crosses: its points take the exact test."""


def _jit(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


def _inline(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(fn))


# -- band grid ---------------------------------------------------------------------------


@_jit
def lookup_codes(
    lon: Floats,
    lat: Floats,
    lon0: float,
    lat0: float,
    inv_dlon: float,
    inv_dlat: float,
    nx: int,
    ny: int,
    shift: int,
    ntx: int,
    directory: NDArray[np.int32],
    blocks: NDArray[np.uint8],
    out: NDArray[np.uint8],
) -> int:
    """Band code of each point from the tiled grid (``BOUNDARY`` where it cannot tell).

    Returns the number of points that are not valid coordinates (they get code 0).
    Branch-free: a point off the grid (or not a coordinate) is looked up at the nearest grid
    cell and its answer replaced by 0, so that every point costs the same two array reads. The grid
    must have at least one cell.
    """
    mask = (1 << shift) - 1
    bad = 0
    fnx = float(nx)
    fny = float(ny)
    last_x = fnx - 1.0
    last_y = fny - 1.0
    for i in range(lon.shape[0]):
        x = lon[i]
        y = lat[i]
        valid = (x >= -180.0) & (x <= 180.0) & (y >= -90.0) & (y <= 90.0)
        bad += not valid
        fx = (x - lon0) * inv_dlon
        fy = (y - lat0) * inv_dlat
        on_grid = valid & (fx >= 0.0) & (fy >= 0.0) & (fx < fnx) & (fy < fny)
        # clamped onto the grid (max(0.0, NaN) is 0.0): min/max keep the loop vectorized
        ix = int(min(max(0.0, fx), last_x))
        iy = int(min(max(0.0, fy), last_y))
        t = directory[(iy >> shift) * ntx + (ix >> shift)]
        code = blocks[(t << (2 * shift)) + ((iy & mask) << shift) + (ix & mask)]
        out[i] = code if on_grid else 0
    return bad


# -- planar segments and discs --------------------------------------------------------------


@_jit
def nearest_segment_distance(x: Floats, y: Floats, seg: Floats) -> Floats:
    """Planar distance from each point to the nearest of the segments (rows ax, ay, bx, by)."""
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        best = np.inf
        for j in range(seg.shape[0]):
            ax, ay, bx, by = seg[j, 0], seg[j, 1], seg[j, 2], seg[j, 3]
            dx, dy = bx - ax, by - ay
            ll = dx * dx + dy * dy
            t = 0.0 if ll == 0.0 else ((x[i] - ax) * dx + (y[i] - ay) * dy) / ll
            t = min(1.0, max(0.0, t))
            ex, ey = x[i] - ax - t * dx, y[i] - ay - t * dy
            best = min(best, ex * ex + ey * ey)
        out[i] = math.sqrt(best)
    return out


@_inline
def _segment_dist2(ax: float, ay: float, bx: float, by: float) -> float:
    """Squared distance from the origin to segment AB."""
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    t = 0.0 if ll == 0.0 else min(1.0, max(0.0, -(ax * dx + ay * dy) / ll))
    ex, ey = ax + t * dx, ay + t * dy
    return ex * ex + ey * ey


@_inline
def _sector_or_triangle(px: float, py: float, qx: float, qy: float, r: float) -> float:
    """Signed area of the disc (centre 0, radius r) ∩ triangle (0, P, Q) for a piece PQ.

    The piece lies wholly inside or wholly outside the disc (the caller splits it).
    """
    mx, my = 0.5 * (px + qx), 0.5 * (py + qy)
    cross = px * qy - py * qx
    if mx * mx + my * my <= r * r:
        return 0.5 * cross
    return 0.5 * r * r * math.atan2(cross, px * qx + py * qy)


@_inline
def _edge_in_disc(ax: float, ay: float, bx: float, by: float, r: float) -> tuple[float, float]:
    """Signed area of disc ∩ triangle (0, A, B), and the signed angle A-0-B."""
    dx, dy = bx - ax, by - ay
    qa = dx * dx + dy * dy
    ang = math.atan2(ax * by - ay * bx, ax * bx + ay * by)
    if qa == 0.0:
        return 0.0, 0.0
    qb = ax * dx + ay * dy
    qc = ax * ax + ay * ay - r * r
    disc = qb * qb - qa * qc
    if disc <= 0.0:
        return 0.5 * r * r * ang, ang
    sq = math.sqrt(disc)
    t0 = min(1.0, max(0.0, (-qb - sq) / qa))
    t1 = min(1.0, max(0.0, (-qb + sq) / qa))
    p0x, p0y = ax + t0 * dx, ay + t0 * dy
    p1x, p1y = ax + t1 * dx, ay + t1 * dy
    area = (
        _sector_or_triangle(ax, ay, p0x, p0y, r)
        + _sector_or_triangle(p0x, p0y, p1x, p1y, r)
        + _sector_or_triangle(p1x, p1y, bx, by, r)
    )
    return area, ang


@_jit
def disc_fraction(
    x: Floats,
    y: Floats,
    radius: Floats,
    inside: NDArray[np.bool_],
    seg: Floats,
    origin_x: float,
    origin_y: float,
    cell: float,
    nbx: int,
    nby: int,
    offsets: Ints,
    ids: Ints,
) -> Floats:
    """Fraction of each disc's area inside a polygon given by its oriented boundary segments.

    Only the segments in the buckets the disc's box touches are visited; every other edge
    lies outside the disc and adds the sector of its angle, which the winding number
    (1 inside, 0 outside, from ``inside``) gives in total.
    """
    n = x.shape[0]
    out = np.empty(n)
    stamp = np.full(seg.shape[0], -1, dtype=np.int64)
    for i in range(n):
        r = radius[i]
        if r <= 0.0:
            out[i] = 1.0 if inside[i] else 0.0
            continue
        i0 = max(0, math.floor((x[i] - r - origin_x) / cell))
        i1 = min(nbx - 1, math.floor((x[i] + r - origin_x) / cell))
        j0 = max(0, math.floor((y[i] - r - origin_y) / cell))
        j1 = min(nby - 1, math.floor((y[i] + r - origin_y) / cell))
        area = 0.0
        angle = 0.0
        on_edge = False
        tiny = 1e-9 * max(1.0, r)
        for bj in range(j0, j1 + 1):
            for bi in range(i0, i1 + 1):
                b = bj * nbx + bi
                for k in range(offsets[b], offsets[b + 1]):
                    s = ids[k]
                    if stamp[s] == i:
                        continue
                    stamp[s] = i
                    ax, ay = seg[s, 0] - x[i], seg[s, 1] - y[i]
                    bx, by = seg[s, 2] - x[i], seg[s, 3] - y[i]
                    a, g = _edge_in_disc(ax, ay, bx, by, r)
                    area += a
                    angle += g
                    on_edge = on_edge or _segment_dist2(ax, ay, bx, by) <= tiny * tiny
        full = math.pi * r * r
        if on_edge:
            # the centre is on the boundary: its winding number is a fraction, so sum all
            area = 0.0
            for s in range(seg.shape[0]):
                area += _edge_in_disc(
                    seg[s, 0] - x[i], seg[s, 1] - y[i], seg[s, 2] - x[i], seg[s, 3] - y[i], r
                )[0]
            out[i] = min(1.0, max(0.0, area / full))
            continue
        p = (area - 0.5 * r * r * angle) / full + (1.0 if inside[i] else 0.0)
        if p < -1e-6:
            p += 1.0
        elif p > 1.0 + 1e-6:
            p -= 1.0
        out[i] = min(1.0, max(0.0, p))
    return out


@_inline
def _bucket_range(
    seg: Floats, s: int, origin_x: float, origin_y: float, cell: float, nbx: int, nby: int
) -> tuple[int, int, int, int]:
    i0 = math.floor((min(seg[s, 0], seg[s, 2]) - origin_x) / cell)
    i1 = math.floor((max(seg[s, 0], seg[s, 2]) - origin_x) / cell)
    j0 = math.floor((min(seg[s, 1], seg[s, 3]) - origin_y) / cell)
    j1 = math.floor((max(seg[s, 1], seg[s, 3]) - origin_y) / cell)
    return max(0, i0), min(nbx - 1, i1), max(0, j0), min(nby - 1, j1)


@_jit
def bucket_segments(
    seg: Floats, origin_x: float, origin_y: float, cell: float, nbx: int, nby: int
) -> tuple[Ints, Ints]:
    """CSR ``(offsets, segment_ids)`` of the segments whose box overlaps each bucket."""
    offsets = np.zeros(nbx * nby + 1, dtype=np.int64)
    for s in range(seg.shape[0]):
        i0, i1, j0, j1 = _bucket_range(seg, s, origin_x, origin_y, cell, nbx, nby)
        for bj in range(j0, j1 + 1):
            for bi in range(i0, i1 + 1):
                offsets[bj * nbx + bi + 1] += 1
    for b in range(nbx * nby):
        offsets[b + 1] += offsets[b]
    ids = np.empty(offsets[-1], dtype=np.int64)
    fill = offsets[:-1].copy()
    for s in range(seg.shape[0]):
        i0, i1, j0, j1 = _bucket_range(seg, s, origin_x, origin_y, cell, nbx, nby)
        for bj in range(j0, j1 + 1):
            for bi in range(i0, i1 + 1):
                b = bj * nbx + bi
                ids[fill[b]] = s
                fill[b] += 1
    return offsets, ids
