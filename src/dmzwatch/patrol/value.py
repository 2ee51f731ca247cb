"""What a sector is worth to a violator, and so to the patrols: history, people, priorities.

For sector ``i``::

    value_i = floor
            + history    * H_i / max_j H_j
            + population * P_i / max_j P_j
            + sum_k weight_k * (area of sector i within within_km of priority k) / area_i

* ``H_i`` — the time-decayed weight of the history records (findings, events) located in
  the sector: ``sum w_r * 0.5 ** (age_r / half_life_days)``, ages counted back from
  ``as_of``; records after ``as_of`` are ignored. (The ratio ``H_i / max H`` does not depend
  on ``as_of`` as long as no record is dropped: only the relative ages matter.)
* ``P_i`` — the population exposed: ``sum pop_p * exp(-d_p / exposure_km)`` over populated
  places ``p`` at distance ``d_p`` from the sector (0 inside it); places with unknown
  population (0 in GeoNames) count as ``unknown_population``.
* priorities — from the agreement file (``[[patrols]] priorities``): a line, an area or a
  point, a radius and a weight.
* ``floor`` keeps every sector worth something, so the violator never gets a free sector.

Normalising by the maximum makes the terms comparable across scenarios; the weights say how
much each matters. All defaults are in :class:`ValueWeights`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..geo.projection import LocalProjection
from ..places import Place
from .sectors import Sector

__all__ = ["HistoryRecord", "SectorValue", "ValueWeights", "sector_values"]


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One located, dated record of the history (a finding or an event), with a weight."""

    lon: float
    lat: float
    date: dt.date
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class ValueWeights:
    """The knobs of the value formula (see the module docstring)."""

    floor: float = 0.1
    history: float = 1.0
    population: float = 0.5
    half_life_days: float = 180.0
    exposure_km: float = 3.0
    unknown_population: int = 1000

    def __post_init__(self) -> None:
        if self.floor <= 0:
            raise ValueError("the value floor must be positive")
        if min(self.history, self.population) < 0:
            raise ValueError("value weights must not be negative")
        if self.half_life_days <= 0 or self.exposure_km <= 0:
            raise ValueError("half-life and exposure distance must be positive")


@dataclass(frozen=True, slots=True)
class SectorValue:
    """A sector's value and its parts (raw, before normalisation)."""

    value: float
    history: float
    population: float
    priority: float
    records: int


@dataclass(frozen=True, slots=True)
class Priority:
    """A priority resolved to local geometry: ``weight`` within ``within_km`` of ``geometry``."""

    label: str
    geometry: BaseGeometry
    within_km: float
    weight: float


def sector_values(
    sectors: Sequence[Sector],
    projection: LocalProjection,
    *,
    history: Sequence[HistoryRecord] = (),
    places: Sequence[Place] = (),
    priorities: Sequence[Priority] = (),
    as_of: dt.date | None = None,
    weights: ValueWeights | None = None,
) -> tuple[SectorValue, ...]:
    """Value of each sector, in order.

    >>> import dmzwatch
    >>> from dmzwatch.patrol.sectors import cut_sectors, duty_areas
    >>> s = dmzwatch.load_scenario("idlib-m4-2020")
    >>> sectors = cut_sectors(duty_areas(s, s.agreement.patrols)[0], s)
    >>> rec = HistoryRecord(36.61, 35.81, dt.date(2020, 3, 1))  # Ariha
    >>> v = sector_values(sectors, s.projection, history=[rec], as_of=dt.date(2020, 3, 1))
    >>> [i for i, x in enumerate(v) if x.records]
    [8]
    """
    w = weights or ValueWeights()
    n = len(sectors)
    if n == 0:
        return ()
    geoms = np.array([s.local for s in sectors], dtype=object)
    tree = shapely.STRtree(geoms)
    h, counts = _history(tree, n, projection, history, as_of, w)
    p = _population(tree, geoms, n, projection, places, w)
    prio = np.zeros(n)
    for q in priorities:
        zone = shapely.buffer(q.geometry, q.within_km * 1000.0)
        share = shapely.area(shapely.intersection(geoms, zone)) / shapely.area(geoms)
        prio += q.weight * np.asarray(share, dtype=np.float64)
    value = w.floor + prio
    if h.max() > 0:
        value = value + w.history * h / h.max()
    if p.max() > 0:
        value = value + w.population * p / p.max()
    return tuple(
        SectorValue(float(value[i]), float(h[i]), float(p[i]), float(prio[i]), int(counts[i]))
        for i in range(n)
    )


def _history(
    tree: shapely.STRtree,
    n: int,
    projection: LocalProjection,
    history: Sequence[HistoryRecord],
    as_of: dt.date | None,
    w: ValueWeights,
) -> tuple[np.ndarray, np.ndarray]:
    h = np.zeros(n)
    counts = np.zeros(n, dtype=np.int64)
    if not history:
        return h, counts
    days = np.array([r.date.toordinal() for r in history], dtype=np.float64)
    keep = days <= (as_of.toordinal() if as_of else days.max())
    if not np.any(keep):
        return h, counts
    lon = np.array([r.lon for r in history])[keep]
    lat = np.array([r.lat for r in history])[keep]
    weight = np.array([r.weight for r in history])[keep]
    # decay from the latest kept record: the same ratios as from as_of, without underflow
    age = days[keep].max() - days[keep]
    decayed = weight * np.power(0.5, age / w.half_life_days)
    x, y = projection.forward(lon, lat)
    point_idx, sector_idx = tree.query(shapely.points(x, y), predicate="within")
    np.add.at(h, sector_idx, decayed[point_idx])
    np.add.at(counts, sector_idx, 1)
    return h, counts


def _population(
    tree: shapely.STRtree,
    geoms: np.ndarray,
    n: int,
    projection: LocalProjection,
    places: Sequence[Place],
    w: ValueWeights,
) -> np.ndarray:
    p = np.zeros(n)
    if not places:
        return p
    x, y = projection.forward([q.lon for q in places], [q.lat for q in places])
    pop = np.array([q.population or w.unknown_population for q in places], dtype=np.float64)
    reach = 5.0 * w.exposure_km * 1000.0
    pts = shapely.points(x, y)
    place_idx, sector_idx = tree.query(pts, predicate="dwithin", distance=reach)
    d = shapely.distance(pts[place_idx], geoms[sector_idx]) / 1000.0
    np.add.at(p, sector_idx, pop[place_idx] * np.exp(-d / w.exposure_km))
    return p
