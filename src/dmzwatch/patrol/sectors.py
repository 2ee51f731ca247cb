"""Patrol sectors: each duty's strip cut along its line into pieces of equal length.

A patrol duty of the agreement names a party (or a joint team), a line, a side and usually a
zone. Its *strip* is the ground it patrols: the zone (kept to the duty's side of the line),
or, when the duty names no zone, a band along the line on its side, as deep as the zone of
the duty it is coordinated with (Idlib 2018: the government-held side gets a strip as deep as
the demilitarized zone). Its *region* is the party's own side of the line, where its routes
may run. The strip is then cut every ``sector_km`` along the line: every point of the strip
goes to the piece of line nearest to it (a Voronoi partition of points spaced along the
line), so the cuts run square to the line where it is straight and bisect its bends.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..agreement.model import BandSpec, PatrolDuty, Side, ZoneSpec
from ..errors import InputError
from ..geo.zones import Zone, build_zones
from ..scenario import Scenario

__all__ = [
    "DEFAULT_DEPTH_KM",
    "DEFAULT_SECTOR_KM",
    "MAX_SECTORS",
    "DutyArea",
    "Sector",
    "cut_sectors",
    "duty_areas",
]

DEFAULT_SECTOR_KM = 5.0
"""Sector length along the line when neither the caller nor the agreement gives one."""

DEFAULT_DEPTH_KM = 10.0

MAX_SECTORS = 2000
"""Most sectors one duty's strip is cut into (the patrol game grows with their number)."""
"""Strip depth of a duty with no zone and no coordinated duty with a zone."""

_REGION_KM = 60.0  # depth of the own-side region routes may use, beyond the strip
_MIN_AREA_KM2 = 0.25  # slivers smaller than this are not sectors
_SPACING_M = 250.0  # spacing of the line points whose Voronoi cells make the cuts


@dataclass(frozen=True, slots=True)
class DutyArea:
    """Where one duty patrols: ``strip`` (local metres) and the own-side ``region``."""

    duty: PatrolDuty
    line: str
    side: Side
    depth_km: float
    strip: BaseGeometry
    region: BaseGeometry
    reference: BaseGeometry


@dataclass(frozen=True, slots=True)
class Sector:
    """One piece of a duty's strip.

    ``index`` counts pieces along the line from its start; sectors of two duties on the same
    line with the same ``index`` face each other. ``access`` is the local (x, y) of a point
    inside the sector that routes visit; ``geometry`` is lon/lat, ``local`` metres.
    """

    id: str
    duty: str
    parties: tuple[str, ...]
    line: str
    side: Side
    index: int
    start_km: float
    end_km: float
    local: BaseGeometry
    geometry: BaseGeometry
    access: tuple[float, float]

    @property
    def area_km2(self) -> float:
        """Area in the local projection, km²."""
        return float(self.local.area) / 1e6


def duty_areas(scenario: Scenario, duties: Sequence[PatrolDuty]) -> tuple[DutyArea, ...]:
    """Strip and own-side region of each duty (see the module docstring)."""
    agreement = scenario.agreement
    zones = {z.id: z for z in scenario.zones}
    plans: list[tuple[PatrolDuty, str, Side, float]] = []
    for duty in duties:
        zone = zones.get(duty.zone) if duty.zone else None
        if duty.zone and zone is None:
            raise InputError(f"patrol duty {duty.id!r}: unknown zone {duty.zone!r}")
        band = zone.spec.band if zone is not None else None
        line = duty.line or (band.line if band is not None else None)
        if line is None or line not in agreement.lines:
            raise InputError(f"patrol duty {duty.id!r} needs a line to cut its sectors along")
        side = duty.side or (band.side if band is not None else Side.BOTH)
        depth = duty.depth_km or _depth_of(duty, duties, zones)
        plans.append((duty, line, side, depth))
    # one-sided bands, built with the zone builder (geodesic depths, clipped to territory)
    specs: dict[tuple[str, Side, float], ZoneSpec] = {}
    for _, line, side, depth in plans:
        for sd, d in ((side, depth), (side, depth + _REGION_KM), (_opposite(side), depth)):
            key = (line, sd, d)
            specs.setdefault(
                key,
                ZoneSpec(
                    f"_patrol{len(specs)}",
                    "",
                    band=BandSpec(line, sd, 0.0, d, d, flat_ends=False),
                ),
            )
    built = build_zones(
        dataclasses.replace(agreement, zones=tuple(specs.values())), scenario.projection
    )
    band_of = {key: z.local for key, z in zip(specs, built, strict=True)}
    strips: list[BaseGeometry] = []
    for duty, line, side, depth in plans:
        zone = zones.get(duty.zone) if duty.zone else None
        strip = band_of[(line, side, depth)]
        if zone is not None:
            # the zone less the other side of the line (ground beyond the line's ends stays)
            strip = zone.local
            if side != Side.BOTH:
                strip = shapely.difference(strip, band_of[(line, _opposite(side), depth)])
        strips.append(strip)
    areas = []
    for i, (duty, line, side, depth) in enumerate(plans):
        strip, region = strips[i], band_of[(line, side, depth + _REGION_KM)]
        if side != Side.BOTH:
            # keep off the ground the other side's duties patrol
            others = [
                strips[j]
                for j, (_, ln, sd, _) in enumerate(plans)
                if j != i and ln == line and sd not in (side, Side.BOTH)
            ]
            if others:
                other = shapely.union_all(others)
                strip = shapely.difference(strip, other)
                region = shapely.difference(region, other)
        region = shapely.union(region, strip)
        reference = scenario.projection.to_local(agreement.lines[line].geometry)
        areas.append(DutyArea(duty, line, side, depth, strip, region, reference))
    return tuple(areas)


def _opposite(side: Side) -> Side:
    return {Side.LEFT: Side.RIGHT, Side.RIGHT: Side.LEFT}.get(side, Side.BOTH)


def _depth_of(duty: PatrolDuty, duties: Sequence[PatrolDuty], zones: Mapping[str, Zone]) -> float:
    own = zones.get(duty.zone) if duty.zone else None
    if own is not None and own.spec.band is not None:
        return own.spec.band.max_km
    for other in duties:
        if other is duty or not other.zone or other.line != duty.line:
            continue
        if set(other.parties) & set(duty.coordinated_with) or set(duty.parties) & set(
            other.coordinated_with
        ):
            zone = zones.get(other.zone)
            if zone is not None and zone.spec.band is not None:
                return zone.spec.band.max_km
    return DEFAULT_DEPTH_KM


def cut_sectors(
    area: DutyArea, scenario: Scenario, sector_km: float = DEFAULT_SECTOR_KM
) -> tuple[Sector, ...]:
    """Cut ``area``'s strip every ``sector_km`` along its line.

    >>> import dmzwatch
    >>> s = dmzwatch.load_scenario("idlib-m4-2020")
    >>> (area,) = duty_areas(s, s.agreement.patrols)
    >>> sectors = cut_sectors(area, s, 5.0)
    >>> len(sectors), sectors[0].id, round(sum(x.area_km2 for x in sectors))
    (12, 'm4-joint:000', 686)
    """
    if not sector_km > 0:
        raise InputError(f"sector length must be positive, got {sector_km}")
    strip, line = area.strip, area.reference
    if strip.is_empty:
        return ()
    length = float(line.length)
    step = sector_km * 1000.0
    if length / step > MAX_SECTORS:
        shortest = math.ceil(length / MAX_SECTORS / 100.0) / 10.0
        raise InputError(
            f"sector length {sector_km:g} km would cut {math.ceil(length / step):,} sectors "
            f"along the {length / 1000:,.0f} km line of duty '{area.duty.id}'; at most "
            f"{MAX_SECTORS:,}: give at least {shortest:g} km"
        )
    spacing = min(_SPACING_M, step / 4)
    n_points = max(2, math.ceil(length / spacing))
    s = (np.arange(n_points) + 0.5) * (length / n_points)
    points = shapely.line_interpolate_point(line, s)
    chunk = np.minimum((s // step).astype(np.int64), max(0, math.ceil(length / step) - 1))
    x0, y0, x1, y1 = strip.bounds
    margin = 2 * (max(x1 - x0, y1 - y0) + area.depth_km * 1000.0)
    extent = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=extent, ordered=True)
    )
    prepared = strip
    shapely.prepare(prepared)
    sectors = []
    for k in np.unique(chunk):
        piece = shapely.intersection(prepared, shapely.union_all(cells[chunk == k]))
        piece = _polygonal(piece)
        if piece.is_empty or piece.area / 1e6 < _MIN_AREA_KM2:
            continue
        access = _access_point(piece)
        sectors.append(
            Sector(
                id=f"{area.duty.id}:{int(k):03d}",
                duty=area.duty.id,
                parties=area.duty.parties,
                line=area.line,
                side=area.side,
                index=int(k),
                start_km=float(k * step / 1000.0),
                end_km=float(min(length, (k + 1) * step) / 1000.0),
                local=piece,
                geometry=scenario.projection.to_lonlat(piece),
                access=access,
            )
        )
    return tuple(sectors)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _access_point(piece: BaseGeometry) -> tuple[float, float]:
    """A point inside the sector: its centroid when inside, else a point on its largest part."""
    centroid = piece.centroid
    if piece.contains(centroid):
        return float(centroid.x), float(centroid.y)
    largest = max(shapely.get_parts(piece), key=lambda p: p.area)
    point = largest.point_on_surface()
    return float(point.x), float(point.y)
