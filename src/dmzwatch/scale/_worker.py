"""What runs on a Dask worker: the scenario rebuilt from its reference, and per-partition work.

Nothing heavy crosses the wire. A task carries a :class:`ScenarioRef` (a built-in name or an
agreement path, and a digest of the zones the client built); each worker process loads the
scenario once (:func:`scenario_of` keeps it for the life of the process, and the band grid
comes from the on-disk cache) and checks that its zones are the client's. Shapely geometry,
pyproj transformers and numba state never leave the process they were made in.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .. import __version__
from ..errors import InputError, ScenarioNotFound
from ..geo.uncertainty import Shape
from ..rules.placement import Placement
from ..scenario import Scenario, load_scenario, scenario_path

__all__ = [
    "FitArrays",
    "ScenarioRef",
    "classify_partition",
    "fit_partition",
    "output_frame",
    "scenario_of",
    "worker_version",
]

FitArrays = tuple[
    NDArray[np.str_],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int8],
    NDArray[np.bool_],
]
"""A zone fit without its zone: band, distance_km, p_in_zone, p_in_core, side, crosses_line."""


def _digest(scenario: Scenario) -> str:
    """A hash of what the answers depend on: dmzwatch's version and the zones' geometry."""
    h = hashlib.sha256(f"dmzwatch {__version__}|{scenario.name}|".encode())
    for zone in scenario.zones:
        h.update(zone.id.encode())
        h.update(shapely.to_wkb(zone.reference, byte_order=1, include_srid=False))
        for band in zone.bands:
            h.update(band.band.encode())
            h.update(shapely.to_wkb(band.local, byte_order=1, include_srid=False))
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class ScenarioRef:
    """How a worker finds the client's scenario: a built-in name or an agreement path.

    ``digest`` pins the zones the client built; a worker whose scenario differs (another
    dmzwatch version, another copy of the agreement or its data files) refuses to work.

    >>> ref = ScenarioRef.of(load_scenario("idlib-2018"))
    >>> ref.source, len(ref.digest)
    ('idlib-2018', 64)
    """

    source: str
    digest: str

    @classmethod
    def of(cls, scenario: Scenario) -> ScenarioRef:
        path = scenario.agreement.path
        if path is None:
            raise InputError(
                f"scenario {scenario.name!r} was not loaded from a file: a cluster cannot "
                "rebuild it (give a built-in name or an agreement path)"
            )
        path = Path(path).resolve()
        try:
            builtin = scenario_path(path.stem).resolve() == path
        except ScenarioNotFound:
            builtin = False
        return cls(path.stem if builtin else str(path), _digest(scenario))


_CACHE: dict[ScenarioRef, Scenario] = {}
_LOCK = threading.Lock()


def scenario_of(ref: ScenarioRef) -> Scenario:
    """The scenario ``ref`` names, loaded once per process and checked against its digest."""
    with _LOCK:
        scenario = _CACHE.get(ref)
        if scenario is None:
            scenario = load_scenario(ref.source)
            if _digest(scenario) != ref.digest:
                raise InputError(
                    f"this worker builds scenario {ref.source!r} differently from the client "
                    f"(dmzwatch {__version__} here): install the client's dmzwatch version and "
                    "give the workers the same agreement and data files"
                )
            _CACHE[ref] = scenario
        return scenario


def worker_version() -> str:
    """dmzwatch's version on this worker (the client checks it before any work)."""
    return __version__


def output_frame(
    ids: pd.Series,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    zone: NDArray[np.str_],
    band: NDArray[np.str_],
    distance_km: NDArray[np.float64],
    p_in_zone: NDArray[np.float64],
) -> pd.DataFrame:
    """The classify output columns: id, lon, lat, zone, band, distance_km, p_in_zone."""
    return pd.DataFrame(
        {
            "id": ids,
            "lon": lon,
            "lat": lat,
            "zone": pd.Series(zone, dtype="str", index=ids.index),
            "band": pd.Series(band, dtype="str", index=ids.index),
            "distance_km": distance_km,
            "p_in_zone": p_in_zone,
        },
        index=ids.index,
    )


def classify_partition(frame: pd.DataFrame, ref: ScenarioRef) -> pd.DataFrame:
    """Classify one partition of points (columns id, lon, lat and optionally precision_km)."""
    lon = frame["lon"].to_numpy(dtype=np.float64, na_value=np.nan)
    lat = frame["lat"].to_numpy(dtype=np.float64, na_value=np.nan)
    precision = None
    if "precision_km" in frame.columns:
        precision = frame["precision_km"].to_numpy(dtype=np.float64, na_value=0.0)
    _validate(frame, lon, lat, precision)
    if len(frame) == 0:
        empty = np.zeros(0)
        none = np.zeros(0, dtype=str)
        return output_frame(frame["id"], empty, empty, none, none, empty, empty)
    result = scenario_of(ref).classify(lon, lat, precision)
    return output_frame(
        frame["id"], lon, lat, result.zone, result.band, result.distance_km, result.p_in_zone
    )


def _validate(
    frame: pd.DataFrame,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    precision: NDArray[np.float64] | None,
) -> None:
    problems = []
    checks = [
        ("lon", lon, ~(np.abs(lon) <= 180), "is outside [-180, 180]"),
        ("lat", lat, ~(np.abs(lat) <= 90), "is outside [-90, 90]"),
    ]
    if precision is not None:
        checks.append(
            (
                "precision_km",
                precision,
                ~((precision >= 0) & np.isfinite(precision)),
                "must be a finite number, not negative",
            )
        )
    for field, values, bad, reason in checks:
        idx = np.flatnonzero(bad)
        if len(idx):
            i = int(idx[0])
            value = "is missing (empty or NaN)" if np.isnan(values[i]) else f"{values[i]} {reason}"
            problems.append(
                f"{len(idx)} point(s) with a bad {field}; first: id {frame['id'].iloc[i]!r}, "
                f"{field} {value}"
            )
    if problems:
        raise InputError("; ".join(problems))


def fit_partition(
    ref: ScenarioRef, shapes: Sequence[Shape], zone_ids: Sequence[str]
) -> dict[str, FitArrays]:
    """Events' shapes against each zone, as :class:`~dmzwatch.rules.placement.Placement` does."""
    placement = Placement(scenario_of(ref), shapes)
    out: dict[str, FitArrays] = {}
    for zone_id in zone_ids:
        f = placement.fit(zone_id)
        out[zone_id] = (f.band, f.distance_km, f.p_in_zone, f.p_in_core, f.side, f.crosses_line)
    return out
