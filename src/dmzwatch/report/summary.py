"""The numbers a monitor asks first: how big is each band, who lives in it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    """A :class:`BandSummary` per band, in file order."""
    result = scenario.classify_places() if scenario.places else None
    rows = []
    for band in scenario.bands:
        inside: tuple[Place, ...] = ()
        if result is not None:
            hit = np.flatnonzero((result.zone == band.zone) & (result.band == band.band))
            inside = tuple(sorted((scenario.places[i] for i in hit), key=lambda p: -p.population))
        rows.append(
            BandSummary(
                band.zone, band.band, band.depth_min_km, band.depth_max_km, band.area_km2, inside
            )
        )
    return rows
