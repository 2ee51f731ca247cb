"""Where events lie against each zone of a scenario: band, distance, p_in_zone, side.

Each zone is judged on its own (zones may nest, as Minsk's 15, 50, 70 and 140 km zones do):
the band and the distance to the zone's line come from
:class:`~dmzwatch.geo.classify.Classifier` run on that zone alone, ``p_in_zone`` and
``p_in_core`` from :func:`~dmzwatch.geo.uncertainty.fraction_inside` on the events'
uncertainty shapes, the side of the line from :func:`._geometry.side_of_line`.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from ..geo.classify import Classifier
from ..geo.distance import Segments
from ..geo.uncertainty import Disc, Shape, p_in_zone, representative_points, to_local
from ..geo.zones import BAND_CORE, Zone
from ..scenario import Scenario
from ._geometry import side_of_line

__all__ = ["Placement", "ZoneFit"]

Floats = NDArray[np.float64]

# one classifier per zone of a scenario, kept as long as the scenario lives: its line
# structures are built on first use and reused by every later run
_CLASSIFIERS: weakref.WeakKeyDictionary[Scenario, dict[str, Classifier]] = (
    weakref.WeakKeyDictionary()
)


def _classifier(scenario: Scenario, zone: Zone) -> Classifier:
    per_zone = _CLASSIFIERS.setdefault(scenario, {})
    if zone.id not in per_zone:
        per_zone[zone.id] = Classifier([zone], scenario.projection)
    return per_zone[zone.id]


@dataclass(frozen=True, slots=True)
class ZoneFit:
    """Events against one zone, as arrays aligned with the events.

    ``band`` is the band the reported point lies in ('' outside the zone); ``distance_km``
    its geodesic distance to the zone's line; ``p_in_zone``/``p_in_core`` the share of the
    uncertainty shape inside the zone / its core band; ``side`` +1 left of the line, -1
    right, 0 on it; ``crosses_line`` whether the shape reaches across the line (the side is
    then uncertain).
    """

    zone: Zone
    band: NDArray[np.str_]
    distance_km: Floats
    p_in_zone: Floats
    p_in_core: Floats
    side: NDArray[np.int8]
    crosses_line: NDArray[np.bool_]

    @property
    def has_fringe(self) -> bool:
        return any(b.band != BAND_CORE for b in self.zone.bands)


class Placement:
    """Events' shapes in a scenario's projection; :meth:`fit` per zone, computed once each."""

    def __init__(self, scenario: Scenario, shapes: Sequence[Shape]) -> None:
        self.scenario = scenario
        self.shapes = tuple(shapes)
        # discs stay points here: their share of a zone is measured on the true circle
        self.local = to_local(self.shapes, scenario.projection, disc_polygons=False)
        self.radius_m = np.array(
            [s.radius_km * 1000.0 if isinstance(s, Disc) else 0.0 for s in self.shapes]
        )
        self.lon, self.lat = representative_points(self.shapes, self.local, scenario.projection)
        self._fits: dict[str, ZoneFit] = {}

    def fit(self, zone_id: str) -> ZoneFit:
        """Every event against the zone ``zone_id`` (KeyError when the scenario has none)."""
        if zone_id not in self._fits:
            zones = {z.id: z for z in self.scenario.zones}
            self._fits[zone_id] = self._fit(zones[zone_id])
        return self._fits[zone_id]

    def _fit(self, zone: Zone) -> ZoneFit:
        n = len(self.shapes)
        if n == 0:
            empty = np.zeros(0)
            return ZoneFit(
                zone,
                np.zeros(0, dtype=str),
                empty,
                empty,
                empty,
                np.zeros(0, dtype=np.int8),
                np.zeros(0, dtype=bool),
            )
        projection = self.scenario.projection
        result = _classifier(self.scenario, zone).classify(self.lon, self.lat)
        p_zone = p_in_zone(zone.local, self.shapes, projection, self.local)
        core_parts = [b.local for b in zone.bands if b.band == BAND_CORE]
        if len(core_parts) == len(zone.bands):
            p_core = p_zone
        else:
            core = shapely.union_all(core_parts) if core_parts else shapely.Polygon()
            p_core = p_in_zone(core, self.shapes, projection, self.local)
        x, y = projection.forward(self.lon, self.lat)
        side = side_of_line(Segments.of(zone.reference), x, y)
        crosses = shapely.dwithin(zone.reference, self.local, self.radius_m)
        return ZoneFit(
            zone,
            np.asarray(result.band, dtype=str),
            np.asarray(result.distance_km, dtype=np.float64),
            p_zone,
            np.minimum(p_core, p_zone),
            side,
            np.asarray(crosses, dtype=bool),
        )
