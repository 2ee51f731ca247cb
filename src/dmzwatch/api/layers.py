"""GeoJSON of a scenario for the map: its zones and the base layers drawn under them.

Base layers come from the scenario's own data, so the map needs no tile server: the
reference lines (line of contact, highways), the national territory's outline, the
context areas the agreement lists for maps (governorates), and the populated places with
the band each lies in.
"""

from __future__ import annotations

import enum
import json
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from ..export import zones_feature_collection
from ..scenario import Scenario

__all__ = ["Layer", "layer_collection", "zones_collection"]

_PRECISION = 1e-5  # about 1 m: enough for a map, a third of the bytes of the full precision


class Layer(enum.StrEnum):
    """Base layers of a scenario's map."""

    LINES = "lines"
    TERRITORY = "territory"
    AREAS = "areas"
    PLACES = "places"


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    geom = shapely.set_precision(geom, _PRECISION)
    out: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return out


def _collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **members, "features": features}


def zones_collection(scenario: Scenario) -> dict[str, Any]:
    """The scenario's zones, one feature per zone and band (core, fringe)."""
    return zones_feature_collection(scenario)


def layer_collection(scenario: Scenario, layer: Layer) -> dict[str, Any]:
    """One base layer of the scenario as a FeatureCollection.

    >>> from dmzwatch import load_scenario
    >>> fc = layer_collection(load_scenario("idlib-2018"), Layer.LINES)
    >>> [f["properties"]["id"] for f in fc["features"]]
    ['line_of_contact']
    """
    agreement = scenario.agreement
    features: list[dict[str, Any]] = []
    if layer is Layer.LINES:
        for line in agreement.lines.values():
            props = {"id": line.id, "description": line.description, "schematic": line.schematic}
            features.append(
                {"type": "Feature", "properties": props, "geometry": _geojson(line.geometry)}
            )
    elif layer is Layer.TERRITORY:
        key = agreement.territory
        if key is not None and key in agreement.areas:
            area = agreement.areas[key]
            border = shapely.boundary(shapely.union_all([area.geometry]))
            props = {"id": key, "description": area.description}
            features.append({"type": "Feature", "properties": props, "geometry": _geojson(border)})
    elif layer is Layer.AREAS:
        for key in agreement.map_layers:
            context = agreement.areas.get(key)
            if context is None:
                continue
            parts = context.parts or ((key.replace("_", " "), context.geometry),)
            for label, geom in parts:
                props = {"layer": key, "name": label}
                features.append(
                    {"type": "Feature", "properties": props, "geometry": _geojson(geom)}
                )
    else:
        places = scenario.places
        if places:
            where = scenario.classify_places()
            for k, place in enumerate(places):
                props = {
                    "geonameid": place.geonameid,
                    "name": place.name,
                    "population": place.population,
                    "admin1": place.admin1,
                    "zone": str(where.zone[k]) or None,
                    "band": str(where.band[k]) or None,
                    "distance_km": round(float(where.distance_km[k]), 2),
                }
                geom = {"type": "Point", "coordinates": [round(place.lon, 5), round(place.lat, 5)]}
                features.append({"type": "Feature", "properties": props, "geometry": geom})
    return _collection(features, scenario=scenario.name, layer=layer.value)
