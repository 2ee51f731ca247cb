"""A scenario: an agreement with its zones built, ready to classify points and places."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .agreement.loader import load_agreement
from .agreement.model import Agreement
from .errors import InputError, ScenarioNotFound
from .geo.classify import BandLabels, Classification, Classifier
from .geo.grid import default_cache_dir
from .geo.projection import LocalProjection
from .geo.zones import Zone, ZoneBand, build_zones
from .places import Place, read_places

__all__ = ["Scenario", "list_scenarios", "load_scenario", "scenario_path"]

_BUILTIN = Path(__file__).parent / "scenarios"


class Scenario:
    """An agreement and the geometry derived from it.

    >>> s = load_scenario("idlib-2018")
    >>> s.classify([36.6897], [35.37615]).band.tolist()  # Morek
    ['core']

    ``cache_dir`` is where the band grid is cached (default: :func:`default_cache_dir`;
    ``False``: build it in memory on first use, cache nothing).
    """

    def __init__(self, agreement: Agreement, *, cache_dir: Path | Literal[False] | None = None):
        self.agreement = agreement
        geoms = [line.geometry for line in agreement.lines.values()]
        geoms += [agreement.areas[z.area].geometry for z in agreement.zones if z.area]
        self.projection = LocalProjection.for_geometries(geoms, agreement.projection)
        self.zones: tuple[Zone, ...] = build_zones(agreement, self.projection)
        self._classifier = Classifier(
            self.zones,
            self.projection,
            name=agreement.id,
            cache_dir=None if cache_dir is False else (cache_dir or default_cache_dir()),
        )

    @property
    def name(self) -> str:
        return self.agreement.id

    @property
    def bands(self) -> tuple[ZoneBand, ...]:
        """Every band of every zone, in file order."""
        return tuple(b for z in self.zones for b in z.bands)

    @functools.cached_property
    def places(self) -> tuple[Place, ...]:
        """The scenario's populated places (none when the agreement names no places file)."""
        path = self.agreement.places_file
        return read_places(path) if path is not None else ()

    @overload
    def classify(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        precision_km: ArrayLike | None = None,
        *,
        distance: Literal[True] = True,
    ) -> Classification: ...

    @overload
    def classify(
        self, lon: ArrayLike, lat: ArrayLike, precision_km: None = None, *, distance: Literal[False]
    ) -> BandLabels: ...

    def classify(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        precision_km: ArrayLike | None = None,
        *,
        distance: bool = True,
    ) -> Classification | BandLabels:
        """Zone, band, geodesic distance (km) to the zone's line and p_in_zone per point.

        Without ``precision_km``, p_in_zone is 1 inside a zone and 0 outside; with it (a
        scalar or one radius per point, km), it is the fraction of each point's uncertainty
        disc that lies inside the zone (the containing zone; for a point in no zone, the zone
        along the nearest line that holds the largest part of the disc).
        With ``distance=False``, only the bands, as compact :class:`BandLabels` (fastest).
        """
        if distance:
            return self._classifier.classify(lon, lat, precision_km)
        if precision_km is not None:
            raise InputError("p_in_zone needs distances: leave distance=True")
        return self._classifier.bands(lon, lat)

    def distance_km(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (km) to the containing zone's line, else the nearest zone's."""
        return self._classifier.distance_km(lon, lat)

    def classify_places(self) -> Classification:
        """:meth:`classify` for :attr:`places`, in the same order."""
        lon = np.array([p.lon for p in self.places])
        lat = np.array([p.lat for p in self.places])
        return self.classify(lon, lat)


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in _BUILTIN.glob("*.toml"))


def scenario_path(name: str | Path) -> Path:
    """The agreement file of a built-in scenario, or ``name`` itself when it is a file."""
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    builtin = _BUILTIN / f"{name}.toml"
    if builtin.is_file():
        return builtin
    raise ScenarioNotFound(str(name), list_scenarios())


def load_scenario(name: str | Path) -> Scenario:
    """Load a built-in scenario by name (see :func:`list_scenarios`) or an agreement file."""
    path = scenario_path(name).resolve()
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> Scenario:
    return Scenario(load_agreement(path))
