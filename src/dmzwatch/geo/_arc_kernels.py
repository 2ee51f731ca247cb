"""Compiled (numba) loops of the geodesic distance to a line: unit vectors on the sphere of
reduced latitude, Lambert's ellipsoidal distance, the search over great-circle arcs and the
candidate quadtree that :class:`~dmzwatch.geo.distance.CandidateGrid` builds.

Like :mod:`~dmzwatch.geo._kernels`: plain loops over numpy arrays, compiled once by numba and
cached on disk, releasing the GIL; they check nothing (:mod:`~dmzwatch.geo.distance` passes
validated arrays).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._kernels import Floats, Ints, _inline, _jit

# WGS84
_A = 6378137.0
_F = 1.0 / 298.257223563


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
def _lambert_ab(
    px: float, py: float, pz: float, qx: float, qy: float, qz: float
) -> tuple[float, float, float]:
    """Geodesic distance (m) on WGS84 between two reduced-latitude unit vectors, with the
    coefficients A and B of its flattening term.

    Lambert's (Andoyer's) formula: with σ the great-circle angle on the reduced sphere and
    Zs, Zd the half sum and half difference of the two z (sines of reduced latitude),
    L = a·(σ - f/2·(A·Zs² + B·Zd²)), A = (σ - sin σ)/cos²(σ/2), B = (σ + sin σ)/sin²(σ/2);
    relative error of order f² (centimetres over tens of km, metres over thousands). Since
    Zs² <= cos²(σ/2) and Zd² <= sin²(σ/2), a·σ·(1 - f) <= L <= a·σ. NaN near the antipode,
    where it does not hold.
    """
    dx, dy, dz = px - qx, py - qy, pz - qz
    h = 0.5 * math.sqrt(dx * dx + dy * dy + dz * dz)  # sin(σ/2)
    if h == 0.0:
        return 0.0, 0.0, 0.0
    s2h = h * h
    c2h = 1.0 - s2h
    if c2h < 1e-6:
        return math.nan, 0.0, 0.0
    sigma = 2.0 * math.asin(min(1.0, h))
    sin_sigma = 2.0 * h * math.sqrt(c2h)
    ka = (sigma - sin_sigma) / c2h
    # s2h underflows to 0 for points a few 1e-150 rad apart: the term then vanishes with it
    kb = 0.0 if s2h == 0.0 else (sigma + sin_sigma) / s2h
    x = ka * (0.5 * (pz + qz)) ** 2
    y = kb * (0.5 * (qz - pz)) ** 2
    return _A * (sigma - 0.5 * _F * (x + y)), ka, kb


@_inline
def _lambert(px: float, py: float, pz: float, qx: float, qy: float, qz: float) -> float:
    """Geodesic distance (m) on WGS84 between two reduced-latitude unit vectors
    (:func:`_lambert_ab`)."""
    return _lambert_ab(px, py, pz, qx, qy, qz)[0]


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
def _coef_a(sigma: float) -> float:
    """A(σ) of :func:`_lambert_ab` (increasing in σ)."""
    return (sigma - math.sin(sigma)) / math.cos(0.5 * sigma) ** 2


@_inline
def _coef_b(sigma: float) -> float:
    """B(σ) of :func:`_lambert_ab` (decreasing in σ)."""
    return (sigma + math.sin(sigma)) / math.sin(0.5 * sigma) ** 2


# -- distance to a line of arcs -----------------------------------------------------------
#
# The distance from P to arc j is L_j = Lambert(P, Q_j), Q_j the arc's nearest point on the
# sphere; the distance to the line is the least L_j. For a fixed P, L depends on Q only
# through σ = angle(P, Q) and Q's z (:func:`_lambert_ab`). Two bounds follow, used to leave
# arcs out without measuring them (S is a measured point, σ_Q >= σ_S):
#
# - a·σ·(1 - f) <= L <= a·σ: a point farther than L_S / (a·(1 - f)) on the sphere is never
#   nearer on the ellipsoid (an allowance of f, ~0.3 % of the distance);
# - L_Q - L_S >= a·[(σ_Q - σ_S)·(1 - 0.8·f·c_Q²) - f/4·Δz·(A_S·(z_P + z̄) + B_S·(z̄ - z_P))],
#   Δz = z_Q - z_S and z̄ their mean, c_Q the chord (c_Q² <= 2): at fixed σ the z term is
#   exact (the flattening term is a quadratic in z), and as σ grows B only decreases and
#   A grows by at most A'·Δσ, A'/2 <= 0.8·c². The allowance is about 2f·|Δz|·|cos α|
#   (α the azimuth): nil for feet at one latitude, centimetres between neighbouring arcs.


@_inline
def _foot(
    px: float, py: float, pz: float, arcs: Floats, j: int
) -> tuple[float, float, float, float]:
    """Squared chord from P to arc ``j`` and the unit vector of the arc's nearest point.

    ``arcs[j]`` holds A, B (unit vectors), the unit normal N = A×B/|A×B|, N×A, B×N and the
    least and greatest z over the arc (17 numbers).
    """
    a = arcs[j]
    if px * a[9] + py * a[10] + pz * a[11] >= 0.0 and px * a[12] + py * a[13] + pz * a[14] >= 0.0:
        s = px * a[6] + py * a[7] + pz * a[8]
        w = 1.0 - s * s
        if w > 0.0:
            q = math.sqrt(w)
            iq = 1.0 / q
            qx, qy, qz = (px - s * a[6]) * iq, (py - s * a[7]) * iq, (pz - s * a[8]) * iq
            return 2.0 * s * s / (1.0 + q), qx, qy, qz
    da = (px - a[0]) ** 2 + (py - a[1]) ** 2 + (pz - a[2]) ** 2
    db = (px - a[3]) ** 2 + (py - a[4]) ** 2 + (pz - a[5]) ** 2
    if da <= db:
        return da, a[0], a[1], a[2]
    return db, a[3], a[4], a[5]


@_inline
def _may_beat(c2: float, qz: float, cs: float, sz: float, pz: float, ka: float, kb: float) -> bool:
    """Whether a point Q at squared chord ``c2`` from P (z ``qz``) may be nearer to P on the
    ellipsoid than S (chord ``cs``, z ``sz``; ``ka``, ``kb``: A and B of P-S), by the second
    bound above, chords standing in for angles (σ_Q - σ_S >= c_Q - c_S)."""
    if c2 > 2.0:
        return True
    c = math.sqrt(c2)
    if c <= cs:
        return True
    zbar = 0.5 * (qz + sz)
    gain = 0.25 * _F * (qz - sz) * (ka * (pz + zbar) + kb * (zbar - pz))
    return (c - cs) * (1.0 - 0.8 * _F * c2) <= gain + 1e-12 * c + 1e-15


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
    """Squared chord to the nearest arc on the sphere and that arc's nearest point, by
    branch and bound over every chunk, seeded with the chunk of the nearest centre."""
    n_chunks = chunks.shape[0]
    seed, top = 0, -2.0
    for c in range(n_chunks):
        d = px * chunks[c, 0] + py * chunks[c, 1] + pz * chunks[c, 2]
        if d > top:
            seed, top = c, d
    best, sx, sy, sz = 5.0, 0.0, 0.0, 0.0
    for j in range(starts[seed], starts[seed + 1]):
        c2, qx, qy, qz = _foot(px, py, pz, arcs, j)
        if c2 < best:
            best, sx, sy, sz = c2, qx, qy, qz
    for c in range(n_chunks):
        if c == seed:
            continue
        cos_t = 1.0 - 0.5 * best
        if _within(px, py, pz, chunks, c, cos_t, math.sqrt(max(0.0, 1.0 - cos_t * cos_t))):
            for j in range(starts[c], starts[c + 1]):
                c2, qx, qy, qz = _foot(px, py, pz, arcs, j)
                if c2 < best:
                    best, sx, sy, sz = c2, qx, qy, qz
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
    c2s: float,
    sx: float,
    sy: float,
    sz: float,
    arcs: Floats,
    chunks: Floats,
    starts: Ints,
) -> float:
    """Lambert distance to the sphere-nearest point S (squared chord ``c2s``), then to
    every arc that may be nearer on the ellipsoid, over every chunk (both bounds above)."""
    dist, ka, kb = _lambert_ab(px, py, pz, sx, sy, sz)
    if not dist > 0.0:  # on the line, or near the antipode (NaN)
        return dist
    t = dist / (_A * (1.0 - _F)) * (1.0 + 1e-12) + 1e-15
    if t >= math.pi:
        cos_t, sin_t, reach = -1.0, 0.0, 5.0
    else:
        cos_t, sin_t, reach = math.cos(t), math.sin(t), (2.0 * math.sin(0.5 * t)) ** 2
    cs = math.sqrt(c2s)
    for c in range(chunks.shape[0]):
        if not _within(px, py, pz, chunks, c, cos_t, sin_t):
            continue
        for j in range(starts[c], starts[c + 1]):
            c2, qx, qy, qz = _foot(px, py, pz, arcs, j)
            if c2 > reach or (qx == sx and qy == sy and qz == sz):
                continue
            if _may_beat(c2, qz, cs, sz, pz, ka, kb):
                dist = min(dist, _lambert(px, py, pz, qx, qy, qz))
    return dist


@_jit
def line_distance(
    lon: Floats, lat: Floats, arcs: Floats, chunks: Floats, starts: Ints, out: Floats
) -> None:
    """Geodesic distance (m) on WGS84 from each point to the nearest point of a line of arcs.

    Branch and bound over chunks of consecutive arcs (each in a spherical cap): the arc
    nearest on the sphere first, then every arc that may be nearer on the ellipsoid is
    measured with Lambert's formula and the shortest kept. NaN near the antipode of the
    line, where Lambert's formula does not hold.
    """
    for i in range(lon.shape[0]):
        px, py, pz = _parametric(lon[i], lat[i])
        c2s, sx, sy, sz = _sphere_best(px, py, pz, arcs, chunks, starts)
        out[i] = _ellipsoid_best(px, py, pz, c2s, sx, sy, sz, arcs, chunks, starts)


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
    child: NDArray[np.int32],
    offsets: Ints,
    items: NDArray[np.int32],
    out: Floats,
) -> None:
    """:func:`line_distance`, with the arcs to measure looked up in a lon/lat quadtree.

    Cell ``(ix, iy)`` of the grid is node ``iy * nx + ix``; a node with ``child >= 0`` is
    split in four (``child + qx + 2 qy``, halves of longitude and latitude), a leaf lists in
    ``items[offsets[node]:offsets[node + 1]]`` every item (row of ``arcs``: the line's arcs,
    then its vertices) that may be nearest on the ellipsoid to one of its points. A point
    measures those on the sphere, takes Lambert's distance to the nearest, and to any other
    that may be nearer on the ellipsoid. Points outside the grid take the full branch and
    bound over the chunks.
    """
    most = 1
    for node in range(child.shape[0]):
        most = max(most, offsets[node + 1] - offsets[node])
    feet = np.empty((most, 4))
    for i in range(lon.shape[0]):
        px, py, pz = _parametric(lon[i], lat[i])
        fx = (lon[i] - lon0) * inv_cell
        fy = (lat[i] - lat0) * inv_cell
        if not (fx >= 0.0 and fy >= 0.0 and fx < nx and fy < ny):
            c2s, sx, sy, sz = _sphere_best(px, py, pz, arcs, chunks, starts)
            out[i] = _ellipsoid_best(px, py, pz, c2s, sx, sy, sz, arcs, chunks, starts)
            continue
        ix, iy = int(fx), int(fy)
        u, v = fx - ix, fy - iy
        node = iy * nx + ix
        while child[node] >= 0:
            node = child[node]
            u += u
            v += v
            if u >= 1.0:
                u -= 1.0
                node += 1
            if v >= 1.0:
                v -= 1.0
                node += 2
        k0, k1 = offsets[node], offsets[node + 1]
        if k1 - k0 == 1:
            _, sx, sy, sz = _foot(px, py, pz, arcs, items[k0])
            out[i] = _lambert(px, py, pz, sx, sy, sz)
            continue
        b, c2s = 0, 5.0
        for m in range(k1 - k0):
            c2, qx, qy, qz = _foot(px, py, pz, arcs, items[k0 + m])
            feet[m, 0], feet[m, 1], feet[m, 2], feet[m, 3] = c2, qx, qy, qz
            if c2 < c2s:
                b, c2s = m, c2
        sx, sy, sz = feet[b, 1], feet[b, 2], feet[b, 3]
        dist, ka, kb = _lambert_ab(px, py, pz, sx, sy, sz)
        if dist > 0.0:
            cs = math.sqrt(c2s)
            for m in range(k1 - k0):
                qx, qy, qz = feet[m, 1], feet[m, 2], feet[m, 3]
                if m == b or (qx == sx and qy == sy and qz == sz):
                    continue
                if _may_beat(feet[m, 0], qz, cs, sz, pz, ka, kb):
                    dist = min(dist, _lambert(px, py, pz, qx, qy, qz))
        out[i] = dist


# -- the candidate quadtree of line_distance_grid (built by distance.CandidateGrid) ------


@_jit
def box_caps(lon_a: Floats, lat_a: Floats, size: float) -> tuple[Floats, Floats]:
    """Centre (unit vector) and angular radius of a cap holding each lon/lat box
    ``[lon_a, lon_a + size] × [lat_a, lat_a + size]`` (degrees; small, away from the poles:
    the farthest point is a corner, widened by 1 %)."""
    n = lon_a.shape[0]
    centres = np.empty((n, 3))
    radius = np.empty(n)
    h = 0.5 * size
    for i in range(n):
        clon, clat = lon_a[i] + h, lat_a[i] + h
        cx, cy, cz = _parametric(clon, clat)
        centres[i, 0], centres[i, 1], centres[i, 2] = cx, cy, cz
        r = 0.0
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                ex, ey, ez = _parametric(clon + dx * h, clat + dy * h)
                r = max(r, _chord_angle(cx, cy, cz, ex, ey, ez))
        radius[i] = r * 1.01 + 1e-9
    return centres, radius


@_jit
def root_candidates(
    centres: Floats, radius: Floats, arcs: Floats, chunks: Floats, starts: Ints
) -> tuple[Ints, NDArray[np.int32]]:
    """CSR lists of the arcs that may be nearest on the ellipsoid to a point of each cap.

    With D the angle from a cap's centre to the line, every point P of the cap (radius r)
    is within D + r of it on the sphere, so its nearest arc on the ellipsoid lies within
    (D + r)/(1 - f) of P (first bound above): the arcs of chunks farther than that from
    every point of the cap are left out.
    """
    n_cells = centres.shape[0]
    n_chunks = chunks.shape[0]
    bound = np.empty(n_cells)
    counts = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n_cells):
        px, py, pz = centres[i, 0], centres[i, 1], centres[i, 2]
        c2, _, _, _ = _sphere_best(px, py, pz, arcs, chunks, starts)
        d = 2.0 * math.asin(min(1.0, 0.5 * math.sqrt(c2)))
        bound[i] = (d + radius[i]) / (1.0 - _F) * (1.0 + 1e-9) + radius[i] + 1e-12
        for c in range(n_chunks):
            a = _chord_angle(px, py, pz, chunks[c, 0], chunks[c, 1], chunks[c, 2])
            if a - chunks[c, 5] <= bound[i]:
                counts[i + 1] += starts[c + 1] - starts[c]
    offsets = np.cumsum(counts)
    items = np.empty(offsets[-1], dtype=np.int32)
    for i in range(n_cells):
        px, py, pz = centres[i, 0], centres[i, 1], centres[i, 2]
        k = offsets[i]
        for c in range(n_chunks):
            a = _chord_angle(px, py, pz, chunks[c, 0], chunks[c, 1], chunks[c, 2])
            if a - chunks[c, 5] <= bound[i]:
                for j in range(starts[c], starts[c + 1]):
                    items[k] = j
                    k += 1
    return offsets, items


@_inline
def _collapse(cx: float, cy: float, cz: float, r: float, rows: Floats, ends: Ints, j: int) -> int:
    """Item ``j`` for a cap (centre C, radius r): the vertex item (``ends``) where every point
    of the cap has the same end of arc ``j`` as its nearest point, else ``j`` itself."""
    n = ends.shape[0]
    if j >= n:
        return j
    a = rows[j]
    lim = math.sin(r) + 1e-12
    if cx * a[9] + cy * a[10] + cz * a[11] >= -lim and cx * a[12] + cy * a[13] + cz * a[14] >= -lim:
        return j  # some point of the cap may fall inside the arc
    dx, dy, dz = a[0] - a[3], a[1] - a[4], a[2] - a[5]
    side = (cx * dx + cy * dy + cz * dz) / math.sqrt(dx * dx + dy * dy + dz * dz)
    if side > lim:
        return int(ends[j, 0])
    if side < -lim:
        return int(ends[j, 1])
    return j


@_jit
def prune_candidates(
    centres: Floats,
    radius: Floats,
    offsets: Ints,
    items: NDArray[np.int32],
    rows: Floats,
    ends: Ints,
) -> tuple[Ints, NDArray[np.int32]]:
    """The items of each cap's CSR list that may still be nearest on the ellipsoid to one of
    its points, as ``(counts, items)`` (each cap's kept items in turn).

    An item is a row of ``rows``: an arc (the first ``len(ends)``), or a vertex, an arc from
    itself to itself with NaN side planes, so that :func:`_foot` always takes the vertex. A
    vertex stands for the arcs of which it is the nearest point for every point of the cap
    (``ends``: the vertex rows of each arc's ends), so that the two arcs of a vertex, which
    tie wherever that vertex is nearest, count once.

    Let K be the item nearest to the cap's centre C, at angle D*, F its nearest point, and
    item j at angle D_j from C. For P in the cap (radius r), σ_j(P) - σ_K(P) >=
    σ_j(P) - angle(P, F), which moves from C to P by at most r·|u_Q - u_F| (u the unit
    directions from a point of the path to Q in item j and to F): the gradient of a
    difference of distances. |u_Q - u_F| <= chord(Q, F)/√(sin σ(·, Q)·sin σ(·, F)) on the
    sphere (law of cosines), so σ_j(P) - σ_K(P) >= D_j - D* - r·G_j with G_j (at most 2)
    from the item's farthest end from F. Far from the line G_j is about (distance along the
    line)/(distance from it), and cells see few arcs. Item j is left out when that margin
    exceeds what the ellipsoid may take back: f·σ_j (first bound above), or, the cap being
    clear of K, the z allowance of the second bound over the z ranges of j and K.
    """
    n_arcs = ends.shape[0]
    most = 1
    for i in range(centres.shape[0]):
        most = max(most, offsets[i + 1] - offsets[i])
    cand = np.empty(most, dtype=np.int64)
    ang = np.empty(most)
    seen = np.full(rows.shape[0] - n_arcs, -1, dtype=np.int64)
    counts = np.zeros(centres.shape[0], dtype=np.int64)
    out = np.empty(items.shape[0], dtype=np.int32)
    w = 0
    for i in range(centres.shape[0]):
        cx, cy, cz = centres[i, 0], centres[i, 1], centres[i, 2]
        r = radius[i]
        m = 0
        for k in range(offsets[i], offsets[i + 1]):
            j = _collapse(cx, cy, cz, r, rows, ends, items[k])
            if j >= n_arcs:
                if seen[j - n_arcs] == i:
                    continue
                seen[j - n_arcs] = i
            cand[m] = j
            m += 1
        near, ks, fx, fy, fz = 10.0, 0, 0.0, 0.0, 0.0
        for k in range(m):
            c2, qx, qy, qz = _foot(cx, cy, cz, rows, cand[k])
            d = 2.0 * math.asin(min(1.0, 0.5 * math.sqrt(c2)))
            ang[k] = d
            if d < near:
                near, ks, fx, fy, fz = d, cand[k], qx, qy, qz
        clear = near - r  # a lower bound of σ_K(P)
        tiny = 1e-9 * (near + r) + 1e-13
        ka = kb = 0.0
        if clear > 0.0 and near + r < 1.5:
            ka, kb = _coef_a(near + r), _coef_b(clear)
        zlo, zhi = rows[ks, 15], rows[ks, 16]
        for k in range(m):
            d = ang[k]
            a = rows[cand[k]]
            ax, ay, az, bx, by, bz, jlo, jhi = a[0], a[1], a[2], a[3], a[4], a[5], a[15], a[16]
            grad = 2.0
            if clear > 0.0 and near + r < 0.5 * math.pi:
                e = max(
                    math.sqrt((ax - fx) ** 2 + (ay - fy) ** 2 + (az - fz) ** 2),
                    math.sqrt((bx - fx) ** 2 + (by - fy) ** 2 + (bz - fz) ** 2),
                )
                far = max(
                    _chord_angle(cx, cy, cz, ax, ay, az), _chord_angle(cx, cy, cz, bx, by, bz)
                )
                if e < 1.414 and far + r < 0.5 * math.pi:
                    grad = min(2.0, e / math.sqrt(math.sin(d - r) * math.sin(clear)))
            lo = d - near - r * grad  # σ_j(P) - σ_K(P) >= lo
            sj = d + r  # >= σ_j(P)
            keep = lo <= _F * sj + tiny
            if keep and kb > 0.0 and sj < 1.5:
                zspan = max(jhi - zlo, zhi - jlo)
                c2 = (2.0 * math.sin(0.5 * sj)) ** 2
                allowance = 0.5 * _F * zspan * (ka + kb * math.sin(0.5 * sj))
                keep = lo * (1.0 - 0.8 * _F * c2) <= allowance + tiny
            if keep:
                out[w] = cand[k]
                w += 1
                counts[i] += 1
    return counts, out[:w]


@_jit
def line_feet(lon: Floats, lat: Floats, arcs: Floats) -> Floats:
    """Reduced-latitude unit vectors of the line's nearest points (on the sphere), (n, 3).

    Brute force over every arc: for the rare points the fast path hands back.
    """
    out = np.empty((lon.shape[0], 3))
    for i in range(lon.shape[0]):
        px, py, pz = _parametric(lon[i], lat[i])
        best = 5.0
        for j in range(arcs.shape[0]):
            c2, qx, qy, qz = _foot(px, py, pz, arcs, j)
            if c2 < best:
                best, out[i, 0], out[i, 1], out[i, 2] = c2, qx, qy, qz
    return out
