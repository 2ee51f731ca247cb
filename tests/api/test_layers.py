"""The map's layers: zones and base layers from the scenario's own data."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from dmzwatch import Scenario
from dmzwatch.api.layers import Layer, layer_collection, zones_collection
from dmzwatch.scenario import scenario_path

from .conftest import Api, make_api


def test_zones_are_core_and_fringe_polygons(idlib: Scenario) -> None:
    fc = zones_collection(idlib)
    bands = sorted(f["properties"]["band"] for f in fc["features"])
    assert bands == ["core", "fringe"]
    for f in fc["features"]:
        geom = shape(f["geometry"])
        assert geom.is_valid and geom.area > 0


def test_line_of_contact_matches_the_agreement(idlib: Scenario) -> None:
    fc = layer_collection(idlib, Layer.LINES)
    (feature,) = fc["features"]
    line = shape(feature["geometry"])
    original = idlib.agreement.lines["line_of_contact"].geometry
    assert line.hausdorff_distance(original) < 1e-4


def test_territory_is_the_border_of_the_country(idlib: Scenario) -> None:
    (feature,) = layer_collection(idlib, Layer.TERRITORY)["features"]
    border = shape(feature["geometry"])
    assert border.geom_type in {"LineString", "MultiLineString"}
    syria = idlib.agreement.areas["syria"].geometry
    assert border.distance(shapely.boundary(syria)) < 1e-4


def test_areas_are_the_governorates_with_names(idlib: Scenario) -> None:
    fc = layer_collection(idlib, Layer.AREAS)
    names = {f["properties"]["name"] for f in fc["features"]}
    assert {"Idlib", "Hama", "Aleppo", "Latakia"} <= names


def test_places_carry_their_band(idlib: Scenario) -> None:
    fc = layer_collection(idlib, Layer.PLACES)
    by_name = {f["properties"]["name"]: f["properties"] for f in fc["features"]}
    assert by_name["Khan Shaykhun"]["band"] == "core" and by_name["Khan Shaykhun"]["zone"] == "dmz"
    assert len(fc["features"]) == len(idlib.places)
    assert sum(p["band"] is not None for p in by_name.values()) >= 5


def test_a_schematic_scenario_without_territory_has_empty_layers(minsk: Scenario) -> None:
    assert layer_collection(minsk, Layer.TERRITORY)["features"] == []
    assert layer_collection(minsk, Layer.PLACES)["features"] == []
    assert len(layer_collection(minsk, Layer.LINES)["features"]) == 1


@pytest.mark.parametrize("layer", [layer.value for layer in Layer])
def test_layers_are_served_as_geojson_to_anyone(api: Api, layer: str) -> None:
    r = api.client.get(f"/api/layers/{layer}?scenario=idlib-m4-2020")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["layer"] == layer


def test_scenarios_list_the_default_and_what_each_holds(api: Api) -> None:
    listed = api.client.get("/api/scenarios").json()
    names = [s["name"] for s in listed]
    assert names == ["idlib-2018", "idlib-m4-2020", "minsk-2015"]
    assert [s["default"] for s in listed] == [True, False, False]
    idlib = listed[0]
    assert idlib["timezone"] == "Asia/Damascus" and idlib["parties"] == {
        "TR": "Republic of Türkiye",
        "RU": "Russian Federation",
    }
    assert idlib["layers"] == ["areas", "lines", "places", "territory"]
    assert idlib["rules"] and all(r["clause"] for r in idlib["rules"])


def test_a_default_agreement_file_is_served_under_the_name_the_list_gives_it(
    tmp_path: Path,
) -> None:
    # a server started on an agreement file lists it under its agreement's id; that name
    # must then open the scenario, its zones and its layers (the web map asks by it)
    text = (scenario_path("minsk-2015")).read_text(encoding="utf-8")
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(text.replace('id = "minsk-2015"', 'id = "minsk-local"', 1), "utf-8")
    api = make_api(tmp_path, scenario=str(agreement))
    with api.client as client:
        listed = {s["name"]: s["default"] for s in client.get("/api/scenarios").json()}
        assert listed["minsk-local"] is True and listed["minsk-2015"] is False
        one = client.get("/api/scenarios/minsk-local")
        assert one.status_code == 200, one.text
        assert one.json()["name"] == "minsk-local" and one.json()["default"] is True
        zones = client.get("/api/zones?scenario=minsk-local")
        assert zones.status_code == 200 and len(zones.json()["features"]) == 4
        lines = client.get("/api/layers/lines?scenario=minsk-local")
        assert lines.status_code == 200 and lines.json()["scenario"] == "minsk-local"
        # the built-in names keep their own scenario
        built_in = client.get("/api/scenarios/minsk-2015").json()
        assert built_in["name"] == "minsk-2015" and built_in["default"] is False
        assert client.get("/api/scenarios/nowhere").status_code == 404
        # the readers' resources take that name too
        reader = api.headers("analyst")
        for url in ("/api/events", "/api/findings", "/api/patrol/coverage"):
            got = client.get(f"{url}?scenario=minsk-local", headers=reader)
            assert got.status_code == 200, (url, got.text)
