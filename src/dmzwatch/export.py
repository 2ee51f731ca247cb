"""Zone geometry out: GeoJSON (RFC 7946) and GeoPackage files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely

from .scenario import Scenario

__all__ = ["write_zones", "zones_feature_collection"]

Format = Literal["geojson", "gpkg"]

_PRECISION = 7  # decimal places of lon/lat written: about 1 cm


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def zones_feature_collection(scenario: Scenario) -> dict[str, Any]:
    """One feature per zone and band, properties ``zone, band, depth_min_km, depth_max_km,
    area_km2`` (plus ``title`` and ``scenario``), WGS84 lon/lat, right-hand rule."""
    features = []
    for zone in scenario.zones:
        for band in zone.bands:
            geom = shapely.set_precision(band.geometry, 10**-_PRECISION)
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "scenario": scenario.name,
                        "zone": band.zone,
                        "band": band.band,
                        "title": zone.spec.title,
                        "depth_min_km": _round(band.depth_min_km),
                        "depth_max_km": _round(band.depth_max_km),
                        "area_km2": _round(band.area_km2, 1),
                    },
                    "geometry": json.loads(shapely.to_geojson(shapely.orient_polygons(geom))),
                }
            )
    return {"type": "FeatureCollection", "features": features}


def write_zones(scenario: Scenario, out_dir: Path, fmt: Format = "geojson") -> Path:
    """Write the scenario's zones to ``out_dir/<scenario>-zones.<ext>``; returns the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    collection = zones_feature_collection(scenario)
    if fmt == "geojson":
        path = out_dir / f"{scenario.name}-zones.geojson"
        path.write_text(json.dumps(collection, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
    import pyogrio.raw  # the GDAL-backed writer is loaded only when a GeoPackage is asked for

    path = out_dir / f"{scenario.name}-zones.gpkg"
    path.unlink(missing_ok=True)
    feats = collection["features"]
    names = ["scenario", "zone", "band", "title", "depth_min_km", "depth_max_km", "area_km2"]
    columns = [
        np.array(
            [f["properties"][n] for f in feats],
            dtype=float if n.endswith(("_km", "km2")) else object,
        )
        for n in names
    ]
    geoms = shapely.multipolygons(
        [shapely.get_parts(shapely.geometry.shape(f["geometry"])) for f in feats]
    )
    pyogrio.raw.write(
        str(path),
        geometry=shapely.to_wkb(geoms),
        field_data=columns,
        fields=names,
        crs="EPSG:4326",
        driver="GPKG",
        geometry_type="MultiPolygon",
        layer="zones",
    )
    return path
