"""GeoJSON and GeoPackage output of the zones."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import shapely
from shapely.geometry import shape

import dmzwatch
from dmzwatch.export import write_zones, zones_feature_collection


def test_feature_collection_is_rfc7946(idlib: dmzwatch.Scenario) -> None:
    fc = zones_feature_collection(idlib)
    assert fc["type"] == "FeatureCollection"
    for feature in fc["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
        for poly in shapely.get_parts(geom):
            assert poly.exterior.is_ccw  # right-hand rule: exterior counter-clockwise
        props = feature["properties"]
        assert set(props) >= {"zone", "band", "depth_min_km", "depth_max_km", "area_km2"}
        assert props["area_km2"] > 0


def test_gpkg_round_trip(idlib: dmzwatch.Scenario, tmp_path: Path) -> None:
    path = write_zones(idlib, tmp_path, "gpkg")
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326"
    assert info["features"] == len(idlib.bands)
    assert list(info["fields"]) == [
        "scenario",
        "zone",
        "band",
        "title",
        "depth_min_km",
        "depth_max_km",
        "area_km2",
    ]
    _, _, geometry, fields = pyogrio.raw.read(path)
    bands = dict(zip(fields[2], shapely.from_wkb(geometry), strict=True))
    for band in idlib.bands:
        # coordinates are written to 7 decimals (about 1 cm): only rounding separates them
        moved = bands[band.band].symmetric_difference(band.geometry).area
        assert moved < 1e-6 * band.geometry.area


def test_rewriting_replaces_the_file(idlib: dmzwatch.Scenario, tmp_path: Path) -> None:
    write_zones(idlib, tmp_path, "gpkg")
    path = write_zones(idlib, tmp_path, "gpkg")
    assert pyogrio.read_info(path)["features"] == len(idlib.bands)
