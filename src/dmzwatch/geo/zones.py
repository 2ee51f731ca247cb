"""Zone geometry: bands at a distance from a line, clipped to areas, as core and fringe.

Bands are buffered in the scenario's local metric projection; the vertices of every buffer
edge are then moved so that their geodesic distance to the line (on the WGS84 ellipsoid)
is exactly the band's depth. The result is reprojected to WGS84 lon/lat, oriented by the
right-hand rule (RFC 7946).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..agreement.model import Agreement, BandSpec, Side, ZoneSpec
from .distance import Segments
from .projection import GEOD, LocalProjection, densify_geodesic

__all__ = ["BAND_CORE", "BAND_FRINGE", "Zone", "ZoneBand", "build_zones", "geodesic_area_km2"]

BAND_CORE = "core"
BAND_FRINGE = "fringe"

_MAX_SEGMENT_KM = 10.0  # reference lines are densified along geodesics to this spacing
_AREA_SEGMENT_DEG = 0.002  # area edges are split to ~200 m before projecting
_GRID_M = 0.001  # band geometry is snapped to a 1 mm grid in the local projection
_QUAD_SEGS = 64  # buffer arcs: a quarter circle in 64 pieces (sagitta < 1 m at 20 km)


@dataclass(frozen=True, slots=True)
class ZoneBand:
    """One band of a zone: its certain ``core`` or its uncertain ``fringe``."""

    zone: str
    band: str
    depth_min_km: float | None
    depth_max_km: float | None
    geometry: BaseGeometry
    local: BaseGeometry

    @property
    def area_km2(self) -> float:
        """Geodesic area on the WGS84 ellipsoid."""
        return geodesic_area_km2(self.geometry)


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone built from its spec: bands in lon/lat and in the local projection.

    ``reference`` is the projected line the band is measured from (for an area zone, the
    area's boundary); ``local`` is the union of the bands.
    """

    spec: ZoneSpec
    bands: tuple[ZoneBand, ...]
    reference: BaseGeometry
    reference_id: str
    local: BaseGeometry
    geometry: BaseGeometry

    @property
    def id(self) -> str:
        return self.spec.id


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Area of a lon/lat polygon on the WGS84 ellipsoid, in km²."""
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area)) / 1e6


def build_zones(agreement: Agreement, projection: LocalProjection) -> tuple[Zone, ...]:
    """Build every zone of the agreement, in file order."""
    # GeoJSON edges are straight in lon/lat (RFC 7946): add vertices so they stay so locally
    local_areas = {
        k: projection.to_local(shapely.segmentize(a.geometry, _AREA_SEGMENT_DEG))
        for k, a in agreement.areas.items()
    }
    local_lines = {
        k: projection.to_local(densify_geodesic(line.geometry, _MAX_SEGMENT_KM))
        for k, line in agreement.lines.items()
    }
    territory = local_areas[agreement.territory] if agreement.territory else None
    zones = []
    for spec in agreement.zones:
        clips = [local_areas[a] for a in spec.within]
        if spec.clip_to_territory and territory is not None:
            clips.append(territory)
        if spec.band is not None:
            reference = local_lines[spec.band.line]
            pieces = _band_pieces(spec.band, reference, projection)
            ref_id = spec.band.line
        else:
            assert spec.area is not None
            reference = local_areas[spec.area].boundary
            pieces = [(BAND_CORE, None, None, local_areas[spec.area])]
            ref_id = spec.area
        bands = []
        for name, lo, hi, geom in pieces:
            for clip in clips:
                geom = shapely.intersection(geom, clip)
            # snap to a 1 mm grid: drops the degenerate slivers that buffer differences leave,
            # which would otherwise turn into self-intersections once reprojected
            geom = _polygonal(shapely.set_precision(_polygonal(geom), _GRID_M))
            if geom.is_empty:
                continue
            bands.append(ZoneBand(spec.id, name, lo, hi, _to_lonlat(geom, projection), geom))
        union = shapely.union_all([b.local for b in bands]) if bands else shapely.Polygon()
        zones.append(
            Zone(spec, tuple(bands), reference, ref_id, union, _to_lonlat(union, projection))
        )
    return tuple(zones)


def _band_pieces(
    band: BandSpec, line: BaseGeometry, projection: LocalProjection
) -> list[tuple[str, float | None, float | None, BaseGeometry]]:
    segments = Segments.of(line)
    cache: dict[float, BaseGeometry] = {}

    def within(km: float) -> BaseGeometry:
        if km not in cache:
            cache[km] = (
                shapely.Polygon()
                if km == 0
                else _geodesic_buffer(line, band, km * 1000.0, segments, projection)
            )
        return cache[km]

    pieces: list[tuple[str, float | None, float | None, BaseGeometry]] = [
        (
            BAND_CORE,
            band.min_km,
            band.core_max_km,
            shapely.difference(within(band.core_max_km), within(band.min_km)),
        )
    ]
    if band.has_fringe:
        fringe = shapely.difference(within(band.max_km), within(band.core_max_km))
        pieces.append((BAND_FRINGE, band.core_max_km, band.max_km, fringe))
    return pieces


def _geodesic_buffer(
    line: BaseGeometry,
    band: BandSpec,
    distance_m: float,
    segments: Segments,
    projection: LocalProjection,
) -> BaseGeometry:
    """Points within ``distance_m`` of the line on the band's side, geodesically corrected."""
    if band.side is Side.BOTH:
        cap = "flat" if band.flat_ends else "round"
        geom = shapely.buffer(line, distance_m, quad_segs=_QUAD_SEGS, cap_style=cap)
    else:
        sign = 1.0 if band.side is Side.LEFT else -1.0
        geom = shapely.buffer(line, sign * distance_m, quad_segs=_QUAD_SEGS, single_sided=True)
    geom = shapely.transform(
        geom, lambda c: _to_geodesic_depth(c, distance_m, segments, projection)
    )
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return _polygonal(geom)


def _to_geodesic_depth(
    coords: np.ndarray, distance_m: float, segments: Segments, projection: LocalProjection
) -> np.ndarray:
    """Move the vertices that lie on the offset curve to the exact geodesic depth.

    A vertex at planar distance ~``distance_m`` from its nearest line point is slid along
    the ray from that point so that its geodesic distance becomes ``distance_m``. Vertices
    of the line itself (single-sided buffers) and of flat ends stay where they are.
    """
    x, y = coords[:, 0], coords[:, 1]
    planar, fx, fy = segments.nearest(x, y)
    on_curve = np.abs(planar - distance_m) < 0.002 * distance_m
    if not on_curve.any():
        return coords
    lon, lat = projection.inverse(x[on_curve], y[on_curve])
    flon, flat = projection.inverse(fx[on_curve], fy[on_curve])
    _, _, geodesic = GEOD.inv(lon, lat, flon, flat)
    scale = distance_m / np.asarray(geodesic)
    out = coords.copy()
    out[on_curve, 0] = fx[on_curve] + (x[on_curve] - fx[on_curve]) * scale
    out[on_curve, 1] = fy[on_curve] + (y[on_curve] - fy[on_curve]) * scale
    return out


def _to_lonlat(geom: BaseGeometry, projection: LocalProjection) -> BaseGeometry:
    """Reproject a valid local polygon; repair the rare self-touch the reprojection makes."""
    lonlat = projection.to_lonlat(geom)
    if not lonlat.is_valid:
        lonlat = _polygonal(shapely.make_valid(lonlat))
    return shapely.orient_polygons(lonlat)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (intersections can leave slivers of lower dimension)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()
