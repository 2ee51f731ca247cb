"""Where an event may really be: an uncertainty shape, and how much of it lies in a zone.

A reported location is a point plus an uncertainty shape:

* a :class:`Disc` around the reported point, of the radius the source's precision code
  means (see :mod:`dmzwatch.events.precision` for the tables and their sources);
* a :class:`Sector` seen from an observer, as monitoring missions report what they saw or
  heard: a position, a range of bearings and a range of distances ("explosions 1–4.5 km
  south-south-east").

``p_in_zone`` is the fraction of the shape's area that lies inside a zone: 1 for a shape
wholly inside, 0 for one wholly outside, and for one across the edge the share of its area
inside (the true location is taken as uniformly distributed over the shape). A shape of
zero area (a point) gives 1 or 0.

Shapes are drawn in the scenario's local metric projection: discs as circles about the
projected point, sectors vertex by vertex along geodesics from the observer
(:data:`~dmzwatch.geo.projection.GEOD`), so bearings are true bearings. A disc's share is
exact for the true circle (summed edge by edge over the zone edges near it, compiled:
:func:`~dmzwatch.geo.classify.disc_fraction_inside`, the same answer
``Scenario.classify(..., precision_km=...)`` gives); a sector's is the area of its polygon's
intersection with the zone (shapely). No Python loop runs per event.

>>> from dmzwatch.geo.projection import LocalProjection
>>> proj = LocalProjection.centred_on(36.6, 35.6)
>>> region = shapely.box(0, -50_000, 50_000, 50_000)  # everything east of lon 36.6, locally
>>> shapes = [Disc(36.9, 35.6, 2.0), Disc(36.6, 35.6, 5.0), Disc(36.0, 35.6, 2.0)]
>>> p_in_zone(region, shapes, proj).round(2).tolist()
[1.0, 0.5, 0.0]
>>> p_in_zone(region, [Sector.from_text(36.6, 35.6, "1-4.5 km east")], proj).tolist()
[1.0]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray

from .classify import disc_fraction_inside
from .projection import GEOD, LocalProjection

__all__ = [
    "COMPASS_POINTS",
    "Disc",
    "Sector",
    "Shape",
    "compass_bearings",
    "fraction_inside",
    "p_in_zone",
    "parse_sector",
    "representative_points",
    "to_local",
]

Floats = NDArray[np.float64]
Geoms = NDArray[np.object_]

COMPASS_POINTS: Final = (
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
)
"""The 16 points of the compass, clockwise from north; each covers 22.5° of bearing."""

_POINT_WIDTH = 360.0 / len(COMPASS_POINTS)
_DISC_QUAD_SEGS = 16  # a quarter circle in 16 pieces: area within 0.2 % of the true disc
_ARC_VERTICES = 73  # vertices per sector arc (every 5° on a full turn, finer on narrower)
_WORDS = {"north": "N", "south": "S", "east": "E", "west": "W"}


def compass_bearings(point: str) -> tuple[float, float]:
    """The bearing range (degrees clockwise from true north) a compass point stands for.

    Accepts abbreviations (``SSE``) and words (``south-south-east``, ``south south east``,
    ``southeast``). A point covers its bearing ± 11.25°; ranges across north wrap (the
    first bound is then larger than the second).

    >>> compass_bearings("SSE")
    (146.25, 168.75)
    >>> compass_bearings("north")
    (348.75, 11.25)
    >>> compass_bearings("up")
    Traceback (most recent call last):
    ...
    ValueError: unknown compass point 'up'; expected one of: N, NNE, NE, ENE, E, ESE, SE, SSE, \
S, SSW, SW, WSW, W, WNW, NW, NNW (or the words, e.g. south-south-east)
    """
    key = _compass_key(point)
    if key not in COMPASS_POINTS:
        options = ", ".join(COMPASS_POINTS)
        raise ValueError(
            f"unknown compass point {point!r}; expected one of: {options} "
            "(or the words, e.g. south-south-east)"
        )
    centre = COMPASS_POINTS.index(key) * _POINT_WIDTH
    return (centre - _POINT_WIDTH / 2) % 360.0, (centre + _POINT_WIDTH / 2) % 360.0


def _compass_key(point: str) -> str:
    text = point.strip().lower()
    words = re.split(r"[\s\-]+", text)
    letters = ""
    for word in words:
        rest = word
        while rest:
            for name, letter in _WORDS.items():
                if rest.startswith(name):
                    letters += letter
                    rest = rest[len(name) :]
                    break
            else:
                return point.strip().upper()
    return letters


_NUMBER = r"\d+(?:\.\d+)?"
_COMPASS_WORD = r"(?:north|south|east|west)(?:[\s\-]?(?:north|south|east|west)){0,2}"
_COMPASS_ABBR = r"(?:[NS]{1,2}[EW]{0,2}|[EW]|[EW][NS][EW])"
_SECTOR_RE = re.compile(
    rf"(?P<d0>{_NUMBER})\s*(?:(?:-|–|—|to)\s*(?P<d1>{_NUMBER})\s*)?km\s+"
    rf"(?:to\s+the\s+)?(?P<dir>{_COMPASS_WORD}|{_COMPASS_ABBR})\b",
    re.IGNORECASE,
)


def parse_sector(text: str) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Distance range (km) and bearing range (degrees) named in a monitor's sentence.

    Returns ``((distance_min_km, distance_max_km), (bearing_from, bearing_to))``, or None
    when the text names no "D km DIRECTION" or "D0–D1 km DIRECTION". A single distance D
    means exactly D (a zero-width ring; monitors usually give ranges).

    >>> parse_sector("heard 3 explosions 1–4.5 km south-south-east of its position")
    ((1.0, 4.5), (146.25, 168.75))
    >>> parse_sector("an undetermined explosion 3 km NW")
    ((3.0, 3.0), (303.75, 326.25))
    >>> parse_sector("shelling in the area") is None
    True
    """
    for m in _SECTOR_RE.finditer(text or ""):
        d0 = float(m.group("d0"))
        d1 = float(m.group("d1")) if m.group("d1") else d0
        try:
            bearings = compass_bearings(m.group("dir"))
        except ValueError:
            continue
        return (min(d0, d1), max(d0, d1)), bearings
    return None


@dataclass(frozen=True, slots=True)
class Disc:
    """A disc of ``radius_km`` around a reported point; ``basis`` says where the radius is from.

    >>> Disc(36.6, 35.6, 2.0, "ucdp where_prec 1").describe()
    'disc of radius 2 km (ucdp where_prec 1)'
    """

    lon: float
    lat: float
    radius_km: float
    basis: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.radius_km) or self.radius_km < 0:
            raise ValueError(f"a disc radius must be finite and >= 0 km, not {self.radius_km}")

    @property
    def kind(self) -> str:
        return "disc" if self.radius_km > 0 else "point"

    def describe(self) -> str:
        """One line for a finding's reasons."""
        what = (
            f"disc of radius {self.radius_km:g} km"
            if self.radius_km > 0
            else "point (no precision radius given)"
        )
        return f"{what} ({self.basis})" if self.basis else what


@dataclass(frozen=True, slots=True)
class Sector:
    """What an observer at (lon, lat) saw: between two bearings and two distances.

    Bearings are degrees clockwise from true north; the sector runs clockwise from
    ``bearing_from`` to ``bearing_to`` (so 350 → 10 spans 20° across north; equal bearings
    mean a full turn). Distances are km from the observer, geodesic.

    >>> s = Sector.from_text(36.6, 35.6, "explosions 1–4.5 km south-south-east")
    >>> s.describe()
    'sector 1–4.5 km, bearing 146.25°–168.75° from the observer at 36.60000, 35.60000'
    >>> round(s.span_deg, 2)
    22.5
    """

    lon: float
    lat: float
    bearing_from: float
    bearing_to: float
    distance_min_km: float
    distance_max_km: float
    basis: str = ""

    def __post_init__(self) -> None:
        values = (self.bearing_from, self.bearing_to, self.distance_min_km, self.distance_max_km)
        if not all(math.isfinite(v) for v in values):
            raise ValueError("sector bearings and distances must be finite numbers")
        if not 0 <= self.distance_min_km <= self.distance_max_km:
            raise ValueError(
                f"sector distances must satisfy 0 <= min <= max; got {self.distance_min_km}, "
                f"{self.distance_max_km}"
            )
        object.__setattr__(self, "bearing_from", self.bearing_from % 360.0)
        object.__setattr__(self, "bearing_to", self.bearing_to % 360.0)

    @classmethod
    def from_text(cls, lon: float, lat: float, text: str, basis: str = "") -> Sector:
        """The sector a monitor's sentence names, seen from (lon, lat) (ValueError if none)."""
        parsed = parse_sector(text)
        if parsed is None:
            raise ValueError(f"no 'D0-D1 km DIRECTION' in {text!r}")
        (d0, d1), (b0, b1) = parsed
        return cls(lon, lat, b0, b1, d0, d1, basis)

    @property
    def kind(self) -> str:
        return "sector"

    @property
    def span_deg(self) -> float:
        """Angular width, degrees (360 for a full turn)."""
        span = (self.bearing_to - self.bearing_from) % 360.0
        return 360.0 if span == 0 else span

    def describe(self) -> str:
        """One line for a finding's reasons."""
        text = (
            f"sector {self.distance_min_km:g}–{self.distance_max_km:g} km, bearing "
            f"{self.bearing_from:g}°–{self.bearing_to:g}° from the observer at "
            f"{self.lon:.5f}, {self.lat:.5f}"
        )
        return f"{text} ({self.basis})" if self.basis else text


Shape = Disc | Sector


def to_local(
    shapes: Sequence[Shape], projection: LocalProjection, *, disc_polygons: bool = True
) -> Geoms:
    """Each shape as a projected shapely geometry (a point for a disc of radius 0).

    With ``disc_polygons=False`` every disc is its projected centre (for callers that take
    the radius from the disc itself, as :func:`p_in_zone` does).
    """
    n = len(shapes)
    out: Geoms = np.empty(n, dtype=object)
    disc_idx = np.array([i for i, s in enumerate(shapes) if isinstance(s, Disc)], dtype=np.int64)
    sector_idx = np.array(
        [i for i, s in enumerate(shapes) if isinstance(s, Sector)], dtype=np.int64
    )
    if len(disc_idx):
        discs = [shapes[i] for i in disc_idx]
        lon = np.array([d.lon for d in discs])
        lat = np.array([d.lat for d in discs])
        radius_m = np.array([d.radius_km for d in discs]) * 1000.0
        x, y = projection.forward(lon, lat)
        points = shapely.points(x, y)
        geoms = np.array(points, dtype=object)
        fuzzy = radius_m > 0 if disc_polygons else np.zeros(len(discs), dtype=bool)
        geoms[fuzzy] = shapely.buffer(points[fuzzy], radius_m[fuzzy], quad_segs=_DISC_QUAD_SEGS)
        out[disc_idx] = geoms
    if len(sector_idx):
        out[sector_idx] = _sectors_local([shapes[i] for i in sector_idx], projection)
    return out


def _sectors_local(sectors: Sequence[Sector], projection: LocalProjection) -> Geoms:
    n = len(sectors)
    lon0 = np.array([s.lon for s in sectors])
    lat0 = np.array([s.lat for s in sectors])
    start = np.array([s.bearing_from for s in sectors])
    span = np.array([s.span_deg for s in sectors])
    dmin = np.array([s.distance_min_km for s in sectors]) * 1000.0
    dmax = np.array([s.distance_max_km for s in sectors]) * 1000.0
    full = span >= 360.0
    k = _ARC_VERTICES
    frac = np.linspace(0.0, 1.0, k)
    az = start[:, None] + span[:, None] * frac[None, :]  # (n, k) outer arc, clockwise
    # outer arc out, inner arc back (a full turn: outer ring only; the hole is cut below)
    az_ring = np.concatenate([az, az[:, ::-1]], axis=1)
    dist_ring = np.concatenate([np.repeat(dmax[:, None], k, 1), np.repeat(dmin[:, None], k, 1)], 1)
    dist_ring[full, k:] = dmax[full, None]
    lon_r, lat_r, _ = GEOD.fwd(
        np.repeat(lon0, 2 * k), np.repeat(lat0, 2 * k), az_ring.ravel(), dist_ring.ravel()
    )
    x, y = projection.forward(np.asarray(lon_r), np.asarray(lat_r))
    ox, oy = projection.forward(lon0, lat0)
    coords = np.stack([x.reshape(n, 2 * k), y.reshape(n, 2 * k)], axis=-1)
    # a sector from the observer itself (dmin == 0) has its inner arc at the observer
    at_observer = (dmin == 0) & ~full
    coords[at_observer, k:, 0] = ox[at_observer, None]
    coords[at_observer, k:, 1] = oy[at_observer, None]
    polys = shapely.polygons(coords)
    invalid = ~shapely.is_valid(polys)
    if invalid.any():  # a zero-width ring (min == max distance) collapses to its arc
        polys[invalid] = shapely.make_valid(polys[invalid])
    if full.any():
        holes = np.flatnonzero(full & (dmin > 0))
        if len(holes):
            inner = shapely.polygons(_ring_at(lon0[holes], lat0[holes], dmin[holes], projection))
            polys[holes] = shapely.difference(polys[holes], inner)
    return np.asarray(polys, dtype=object)


def _ring_at(
    lon0: Floats, lat0: Floats, dist_m: Floats, projection: LocalProjection
) -> NDArray[np.float64]:
    k = _ARC_VERTICES
    n = len(lon0)
    az = np.tile(np.linspace(0.0, 360.0, k), n)
    lon_r, lat_r, _ = GEOD.fwd(np.repeat(lon0, k), np.repeat(lat0, k), az, np.repeat(dist_m, k))
    x, y = projection.forward(np.asarray(lon_r), np.asarray(lat_r))
    return np.stack([x.reshape(n, k), y.reshape(n, k)], axis=-1)


def fraction_inside(region: shapely.Geometry, geoms: Geoms) -> Floats:
    """Fraction of each projected geometry's area inside a projected ``region``.

    Geometries wholly inside give exactly 1 and wholly outside exactly 0; only those that
    cross the region's edge are intersected. A geometry of zero area (a point) gives 1
    when it touches the region, else 0.

    >>> sq = shapely.box(0, 0, 100, 100)
    >>> geoms = np.array([shapely.box(10, 10, 20, 20), shapely.box(90, 0, 110, 10),
    ...                   shapely.Point(50, 50), shapely.Point(500, 50)])
    >>> fraction_inside(sq, geoms).tolist()
    [1.0, 0.5, 1.0, 0.0]
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms))
    if len(geoms) == 0:
        return out
    shapely.prepare(region)
    area = shapely.area(geoms)
    flat = area <= 0
    if flat.any():
        out[flat] = shapely.intersects(region, geoms[flat]).astype(np.float64)
    solid = np.flatnonzero(~flat)
    inside = shapely.contains_properly(region, geoms[solid])
    out[solid[inside]] = 1.0
    edge = solid[~inside]
    edge = edge[shapely.intersects(region, geoms[edge])]
    if len(edge):
        part = shapely.area(shapely.intersection(geoms[edge], region))
        out[edge] = np.clip(part / area[edge], 0.0, 1.0)
    return out


def p_in_zone(
    region: shapely.Geometry,
    shapes: Sequence[Shape],
    projection: LocalProjection,
    local: Geoms | None = None,
) -> Floats:
    """Fraction of each shape inside a projected ``region`` (a zone's or band's ``local``).

    Discs of a positive radius are measured as true circles (exact, compiled); points and
    sectors through their projected geometry (``local``: :func:`to_local` of ``shapes``,
    made here when not given).
    """
    n = len(shapes)
    out = np.zeros(n)
    if n == 0:
        return out
    discs = [(i, s) for i, s in enumerate(shapes) if isinstance(s, Disc) and s.radius_km > 0]
    fuzzy = np.zeros(n, dtype=bool)
    if discs:
        fuzzy[[i for i, _ in discs]] = True
        lon = np.array([d.lon for _, d in discs], dtype=np.float64)
        lat = np.array([d.lat for _, d in discs], dtype=np.float64)
        radius_m = np.array([d.radius_km for _, d in discs], dtype=np.float64) * 1000.0
        x, y = projection.forward(lon, lat)
        out[fuzzy] = disc_fraction_inside(region, x, y, radius_m)
    rest = np.flatnonzero(~fuzzy)
    if len(rest):
        geoms = (
            to_local([shapes[i] for i in rest.tolist()], projection)
            if local is None
            else np.asarray(local, dtype=object)[rest]
        )
        out[rest] = fraction_inside(region, geoms)
    return out


def representative_points(
    shapes: Sequence[Shape], local: Geoms, projection: LocalProjection
) -> tuple[Floats, Floats]:
    """lon/lat of each shape's reported point: a disc's centre, a sector's centroid."""
    lon = np.array([s.lon for s in shapes], dtype=np.float64)
    lat = np.array([s.lat for s in shapes], dtype=np.float64)
    sectors = np.array([isinstance(s, Sector) for s in shapes], dtype=bool)
    if sectors.any():
        c = shapely.centroid(local[sectors])
        slon, slat = projection.inverse(shapely.get_x(c), shapely.get_y(c))
        lon[sectors] = slon
        lat[sectors] = slat
    return lon, lat
