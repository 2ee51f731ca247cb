"""Compiled (numba) loops of the fast classifier: grid look-up, arc distance, disc area.

Every function here is a plain loop over numpy arrays, compiled once by numba and cached on
disk next to this file. They release the GIL, so threads (or Dask workers) run them in
parallel. They check nothing: the callers in :mod:`~dmzwatch.geo.grid`,
:mod:`~dmzwatch.geo.distance` and :mod:`~dmzwatch.geo.classify` pass validated arrays.
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

# WGS84
_A = 6378137.0
_F = 1.0 / 298.257223563
_B = _A * (1.0 - _F)


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


# -- geodesy ------------------------------------------------------------------------------


@_inline
def _parametric(lon: float, lat: float) -> tuple[float, float, float]:
    """Unit vector of geodetic lon/lat degrees on the sphere of reduced (parametric) latitude.

    The reduced latitude β has tan β = (1 - f) tan φ; on this sphere great-circle angles are
    the σ of the classical geodesic formulas.
    """
    la = math.radians(lat)
    lo = math.radians(lon)
    c = math.cos(la)
    s = (1.0 - _F) * math.sin(la)
    h = math.sqrt(c * c + s * s)
    cb = c / h
    return cb * math.cos(lo), cb * math.sin(lo), s / h


@_jit
def unit_vectors(lon: Floats, lat: Floats) -> Floats:
    """(n, 3) unit vectors of geodetic lon/lat degrees on the reduced-latitude sphere."""
    n = lon.shape[0]
    out = np.empty((n, 3))
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2] = _parametric(lon[i], lat[i])
    return out


@_jit
def lonlat_of(v: Floats) -> tuple[Floats, Floats]:
    """Geodetic lon/lat degrees of reduced-latitude unit vectors (inverse of unit_vectors)."""
    n = v.shape[0]
    lon = np.empty(n)
    lat = np.empty(n)
    for i in range(n):
        lon[i] = math.degrees(math.atan2(v[i, 1], v[i, 0]))
        lat[i] = math.degrees(math.atan2(v[i, 2], (1.0 - _F) * math.hypot(v[i, 0], v[i, 1])))
    return lon, lat


@_inline
def _lambert(px: float, py: float, pz: float, qx: float, qy: float, qz: float) -> float:
    """Geodesic distance (m) on WGS84 between two reduced-latitude unit vectors.

    Lambert's (Andoyer's) formula: the great-circle angle σ on the reduced sphere, corrected
    to first order in the flattening; relative error of order f² (centimetres over tens of
    km, metres over thousands). NaN near the antipode, where it does not hold.
    """
    dx, dy, dz = px - qx, py - qy, pz - qz
    h = 0.5 * math.sqrt(dx * dx + dy * dy + dz * dz)  # sin(σ/2)
    if h == 0.0:
        return 0.0
    s2h = h * h
    c2h = 1.0 - s2h
    if c2h < 1e-6:
        return math.nan
    sigma = 2.0 * math.asin(min(1.0, h))
    sin_sigma = 2.0 * h * math.sqrt(c2h)
    x = (sigma - sin_sigma) * (0.5 * (pz + qz)) ** 2 / c2h
    # s2h underflows to 0 for points a few 1e-150 rad apart: the term then vanishes with it
    y = 0.0 if s2h == 0.0 else (sigma + sin_sigma) * (0.5 * (qz - pz)) ** 2 / s2h
    return _A * (sigma - 0.5 * _F * (x + y))


@_jit
def lambert(lon1: Floats, lat1: Floats, lon2: Floats, lat2: Floats) -> Floats:
    """Geodesic distances (m) between paired points by Lambert's formula."""
    out = np.empty(lon1.shape[0])
    for i in range(lon1.shape[0]):
        px, py, pz = _parametric(lon1[i], lat1[i])
        qx, qy, qz = _parametric(lon2[i], lat2[i])
        out[i] = _lambert(px, py, pz, qx, qy, qz)
    return out


@_inline
def _arc_cos(
    px: float, py: float, pz: float, arcs: Floats, j: int
) -> tuple[float, float, float, float]:
    """Cosine of the angle from P to arc ``j`` and the unit vector of the arc's nearest point.

    ``arcs[j]`` holds A, B, the unit normal N = A×B/|A×B|, N×A and B×N (15 numbers).
    """
    a = arcs[j]
    if px * a[9] + py * a[10] + pz * a[11] >= 0.0 and px * a[12] + py * a[13] + pz * a[14] >= 0.0:
        s = px * a[6] + py * a[7] + pz * a[8]
        qx, qy, qz = px - s * a[6], py - s * a[7], pz - s * a[8]
        q = math.sqrt(qx * qx + qy * qy + qz * qz)
        if q > 0.0:
            return q, qx / q, qy / q, qz / q
    ca = px * a[0] + py * a[1] + pz * a[2]
    cb = px * a[3] + py * a[4] + pz * a[5]
    if ca >= cb:
        return ca, a[0], a[1], a[2]
    return cb, a[3], a[4], a[5]


_SPHERE_TOL = 2.0 * _F
"""How much farther on the sphere than the nearest arc another arc may be and still be the
nearest on the ellipsoid. On the sphere of reduced latitude, the geodesic length is
a·σ·(1 - f·w) with w in [0, 1] (w = cos²β·cos²α to first order, α the azimuth), so the two
orders can only differ when the angles differ by less than f, and by less than f·Δα when
the two feet are seen in directions Δα apart; twice that covers the second-order terms."""


@_inline
def _within(
    px: float, py: float, pz: float, chunks: Floats, c: int, cos_t: float, sin_t: float
) -> bool:
    """Whether chunk ``c`` (centre, cos and sin of its cap radius) may hold an arc within
    angle t of P: angle(P, centre) <= t + radius."""
    ch = chunks[c]
    if cos_t <= -ch[3]:  # t + radius >= pi: anything may
        return True
    return bool(px * ch[0] + py * ch[1] + pz * ch[2] >= cos_t * ch[3] - sin_t * ch[4])


@_inline
def _sphere_best(
    px: float, py: float, pz: float, arcs: Floats, chunks: Floats, starts: Ints
) -> tuple[float, float, float, float]:
    """Cosine of the angle to the nearest arc on the sphere and that arc's nearest point,
    by branch and bound over every chunk, seeded with the chunk of the nearest centre."""
    n_chunks = chunks.shape[0]
    seed, top = 0, -2.0
    for c in range(n_chunks):
        d = px * chunks[c, 0] + py * chunks[c, 1] + pz * chunks[c, 2]
        if d > top:
            seed, top = c, d
    best, sx, sy, sz = -2.0, 0.0, 0.0, 0.0
    for j in range(starts[seed], starts[seed + 1]):
        cb, qx, qy, qz = _arc_cos(px, py, pz, arcs, j)
        if cb > best:
            best, sx, sy, sz = cb, qx, qy, qz
    for c in range(n_chunks):
        if c == seed:
            continue
        if _within(px, py, pz, chunks, c, best, math.sqrt(max(0.0, 1.0 - best * best))):
            for j in range(starts[c], starts[c + 1]):
                cb, qx, qy, qz = _arc_cos(px, py, pz, arcs, j)
                if cb > best:
                    best, sx, sy, sz = cb, qx, qy, qz
    return best, sx, sy, sz


@_inline
def _chord_angle(px: float, py: float, pz: float, sx: float, sy: float, sz: float) -> float:
    """Angle between two unit vectors from their chord (accurate for small angles too)."""
    c = math.sqrt((px - sx) ** 2 + (py - sy) ** 2 + (pz - sz) ** 2)
    return 2.0 * math.asin(min(1.0, 0.5 * c))


@_inline
def _ellipsoid_best(
    px: float,
    py: float,
    pz: float,
    sx: float,
    sy: float,
    sz: float,
    ang: float,
    arcs: Floats,
    chunks: Floats,
    starts: Ints,
    cand: NDArray[np.int32],
    lo: Floats,
    k0: int,
    k1: int,
    opened: Ints,
    feet: Floats,
    i: int,
) -> float:
    """Lambert distance to the sphere-nearest point S (at angle ``ang``), then to every arc
    that may be nearer on the ellipsoid (``_SPHERE_TOL``), among chunks ``cand[k0:k1]``
    (in ascending ``lo``, each a lower bound of the angle from P to the chunk's arcs).

    The arcs of a chunk with ``opened[c] == i`` were measured already: their nearest
    points and squared chords from P are in ``feet``."""
    dist = _lambert(px, py, pz, sx, sy, sz)
    # chords stand in for angles below: their ratio never exceeds the angles' ratio
    c2 = (px - sx) ** 2 + (py - sy) ** 2 + (pz - sz) ** 2
    if c2 == 0.0:
        return dist
    chord = math.sqrt(c2)
    t = min(math.pi, (1.0 + _SPHERE_TOL) * ang + 1e-12)
    cos_t, sin_t = math.cos(t), math.sin(t)
    for k in range(k0, k1):
        if lo[k] > t:
            break
        c = cand[k]
        if not _within(px, py, pz, chunks, c, cos_t, sin_t):
            continue
        # the test below per chunk, with an upper bound of ``apart`` over the chunk, and a
        # chord (never more than its angle) for the angle from P: when it fails, no arc of
        # the chunk would pass
        ch = chunks[c]
        mp = math.sqrt((px - ch[0]) ** 2 + (py - ch[1]) ** 2 + (pz - ch[2]) ** 2)
        if mp - ch[5] > ang * (1.0 + _SPHERE_TOL) + 1e-12:
            continue
        ms2 = (sx - ch[0]) ** 2 + (sy - ch[1]) ** 2 + (sz - ch[2]) ** 2
        far = math.sqrt(ms2) * (1.0 + ms2 / 12.0) + ch[5]  # ≥ the angle S-centre + radius
        tol = 1.0 + _SPHERE_TOL * min(1.0, 2.0 * far / chord) + 1e-9
        if mp - ch[5] > ang * tol + 1e-12:
            continue
        cached = opened[c] == i
        for j in range(starts[c], starts[c + 1]):
            if cached:
                qx, qy, qz, cj2 = feet[j, 0], feet[j, 1], feet[j, 2], feet[j, 3]
            else:
                _, qx, qy, qz = _arc_cos(px, py, pz, arcs, j)
                cj2 = (px - qx) ** 2 + (py - qy) ** 2 + (pz - qz) ** 2
            if cj2 <= c2:  # S itself, or a tie the sphere could not break
                if qx != sx or qy != sy or qz != sz:
                    dist = min(dist, _lambert(px, py, pz, qx, qy, qz))
                continue
            apart = math.sqrt((qx - sx) ** 2 + (qy - sy) ** 2 + (qz - sz) ** 2)
            tol = 1.0 + _SPHERE_TOL * min(1.0, 2.0 * apart / chord) + 1e-9
            if cj2 <= c2 * tol * tol:
                dist = min(dist, _lambert(px, py, pz, qx, qy, qz))
    return dist


@_jit
def line_distance(
    lon: Floats, lat: Floats, arcs: Floats, chunks: Floats, starts: Ints, out: Floats
) -> None:
    """Geodesic distance (m) on WGS84 from each point to the nearest point of a line of arcs.

    Branch and bound over chunks of consecutive arcs (each in a spherical cap): the arc
    nearest on the sphere first, then every arc that may be nearest on the ellipsoid
    (``_SPHERE_TOL``) is measured with Lambert's formula and the shortest kept. NaN near the
    antipode of the line, where Lambert's formula does not hold.
    """
    n_chunks = chunks.shape[0]
    every = np.arange(n_chunks).astype(np.int32)
    unordered = np.full(n_chunks, -np.inf)
    never = np.full(n_chunks, -1, dtype=np.int64)
    nothing = np.empty((0, 4))
    for i in range(lon.shape[0]):
        px, py, pz = _parametric(lon[i], lat[i])
        best, sx, sy, sz = _sphere_best(px, py, pz, arcs, chunks, starts)
        ang = math.acos(min(1.0, best))
        out[i] = _ellipsoid_best(
            px, py, pz, sx, sy, sz, ang, arcs, chunks, starts,
            every, unordered, 0, n_chunks, never, nothing, i,
        )  # fmt: skip


@_jit
def line_distance_grid(
    lon: Floats,
    lat: Floats,
    arcs: Floats,
    chunks: Floats,
    starts: Ints,
    lon0: float,
    lat0: float,
    inv_cell: float,
    nx: int,
    ny: int,
    offsets: Ints,
    cand: NDArray[np.int32],
    lo: Floats,
    out: Floats,
) -> None:
    """:func:`line_distance`, with the chunks to visit looked up in a lon/lat grid.

    Cell ``(ix, iy)`` lists, in ``cand[offsets[cell]:offsets[cell + 1]]``, every chunk that
    may hold the nearest arc (on the sphere or the ellipsoid) of a point in the cell, in
    ascending ``lo``: a lower bound of the angle from any point of the cell to the chunk.
    A point visits them in that order and stops at the first one farther than its best so
    far. Points outside the grid take the full branch and bound.
    """
    n_chunks = chunks.shape[0]
    every = np.arange(n_chunks).astype(np.int32)
    unordered = np.full(n_chunks, -np.inf)
    opened = np.full(n_chunks, -1, dtype=np.int64)
    feet = np.empty((arcs.shape[0], 4))
    for i in range(lon.shape[0]):
        px, py, pz = _parametric(lon[i], lat[i])
        fx = (lon[i] - lon0) * inv_cell
        fy = (lat[i] - lat0) * inv_cell
        if not (fx >= 0.0 and fy >= 0.0 and fx < nx and fy < ny):
            best, sx, sy, sz = _sphere_best(px, py, pz, arcs, chunks, starts)
            ang = math.acos(min(1.0, best))
            out[i] = _ellipsoid_best(
                px, py, pz, sx, sy, sz, ang, arcs, chunks, starts,
                every, unordered, 0, n_chunks, opened, feet, i,
            )  # fmt: skip
            continue
        cell = int(fy) * nx + int(fx)
        k0, k1 = offsets[cell], offsets[cell + 1]
        best, sx, sy, sz = -2.0, 0.0, 0.0, 0.0
        ang = 4.0
        for k in range(k0, k1):
            if lo[k] > ang:
                break
            c = cand[k]
            if best > -2.0 and not _within(
                px, py, pz, chunks, c, best, math.sqrt(max(0.0, 1.0 - best * best))
            ):
                continue
            improved = False
            opened[c] = i
            for j in range(starts[c], starts[c + 1]):
                cb, qx, qy, qz = _arc_cos(px, py, pz, arcs, j)
                feet[j, 0], feet[j, 1], feet[j, 2] = qx, qy, qz
                feet[j, 3] = (px - qx) ** 2 + (py - qy) ** 2 + (pz - qz) ** 2
                if cb > best:
                    best, sx, sy, sz = cb, qx, qy, qz
                    improved = True
            if improved:
                ang = _chord_angle(px, py, pz, sx, sy, sz)
        out[i] = _ellipsoid_best(
            px, py, pz, sx, sy, sz, ang, arcs, chunks, starts,
            cand, lo, k0, k1, opened, feet, i,
        )  # fmt: skip


@_jit
def chunk_candidates(
    centres: Floats, radius: Floats, arcs: Floats, chunks: Floats, starts: Ints
) -> tuple[Ints, NDArray[np.int32], Floats]:
    """The grid's CSR lists for :func:`line_distance_grid`, one cell per row of ``centres``.

    A cell is the set of points within angle ``radius`` of its centre C. With D the angle
    from C to the line, every point P of the cell is within D + r of the line, so its
    nearest arc (and any arc the ellipsoid may prefer, ``_SPHERE_TOL``) lies within
    (1 + tol)(D + r) of P; a chunk farther than that from every point of the cell (its
    centre's angle from C, less its cap radius and r) is left out.
    """
    n_cells = centres.shape[0]
    n_chunks = chunks.shape[0]
    cap = np.empty(n_chunks)
    for c in range(n_chunks):
        cap[c] = chunks[c, 5]
    bound = np.empty(n_cells)
    counts = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n_cells):
        px, py, pz = centres[i, 0], centres[i, 1], centres[i, 2]
        _, sx, sy, sz = _sphere_best(px, py, pz, arcs, chunks, starts)
        reach = (1.0 + _SPHERE_TOL) * (_chord_angle(px, py, pz, sx, sy, sz) + radius[i])
        bound[i] = reach + 1e-9
        for c in range(n_chunks):
            a = _chord_angle(px, py, pz, chunks[c, 0], chunks[c, 1], chunks[c, 2])
            if a - cap[c] - radius[i] <= bound[i]:
                counts[i + 1] += 1
    offsets = np.cumsum(counts)
    cand = np.empty(offsets[-1], dtype=np.int32)
    lo = np.empty(offsets[-1])
    for i in range(n_cells):
        px, py, pz = centres[i, 0], centres[i, 1], centres[i, 2]
        k = offsets[i]
        for c in range(n_chunks):
            a = _chord_angle(px, py, pz, chunks[c, 0], chunks[c, 1], chunks[c, 2])
            a -= cap[c] + radius[i]
            if a <= bound[i]:
                cand[k] = c
                lo[k] = a - 1e-9
                k += 1
        k0, k1 = offsets[i], offsets[i + 1]
        order = np.argsort(lo[k0:k1])
        cand[k0:k1] = cand[k0:k1][order]
        lo[k0:k1] = lo[k0:k1][order]
    return offsets, cand, lo


@_jit
def line_feet(lon: Floats, lat: Floats, arcs: Floats) -> Floats:
    """Reduced-latitude unit vectors of the line's nearest points (on the sphere), (n, 3).

    Brute force over every arc: for the rare points the fast path hands back.
    """
    out = np.empty((lon.shape[0], 3))
    for i in range(lon.shape[0]):
        px, py, pz = _parametric(lon[i], lat[i])
        best = -2.0
        for j in range(arcs.shape[0]):
            cb, qx, qy, qz = _arc_cos(px, py, pz, arcs, j)
            if cb > best:
                best, out[i, 0], out[i, 1], out[i, 2] = cb, qx, qy, qz
    return out


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
