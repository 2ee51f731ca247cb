"""The numbers a monitor asks first: how big is each band, who lives in it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geo.grid import exact_codes
from ..places import Place
from ..scenario import Scenario

__all__ = ["BandSummary", "band_summary"]


@dataclass(frozen=True, slots=True)
class BandSummary:
    """One band of one zone: area, places inside, and their known population.

    ``population_known`` sums the places whose population is known; ``places_unknown`` counts
    the places inside whose population GeoNames gives as 0 (unknown).
    """

    zone: str
    band: str
    depth_min_km: float | None
    depth_max_km: float | None
    area_km2: float
    places: tuple[Place, ...]

    @property
    def population_known(self) -> int:
        return sum(p.population for p in self.places)

    @property
    def places_unknown(self) -> int:
        return sum(1 for p in self.places if p.population == 0)


def band_summary(scenario: Scenario) -> list[BandSummary]:
    """A :class:`BandSummary` per band, in file order.

    Each zone is judged on its own, as the rules judge it: where zones nest (Minsk's 15, 50,
    70 and 140 km), a place within 15 km is listed under every zone that holds it.
    """
    places = scenario.places
    lon = np.array([p.lon for p in places], dtype=np.float64)
    lat = np.array([p.lat for p in places], dtype=np.float64)
    rows = []
    for zone in scenario.zones:
        # the first band holding a place (the core before the fringe), as classify decides
        codes = exact_codes([b.local for b in zone.bands], scenario.projection, lon, lat)
        for k, band in enumerate(zone.bands, start=1):
            hit = np.flatnonzero(codes == k).tolist()
            inside = tuple(sorted((places[i] for i in hit), key=lambda p: -p.population))
            rows.append(
                BandSummary(
                    band.zone,
                    band.band,
                    band.depth_min_km,
                    band.depth_max_km,
                    band.area_km2,
                    inside,
                )
            )
    return rows
