"""GET /api/patrol/coverage: the patrol core's coverage from the stored events, kept until
they change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest

from dmzwatch import Scenario, load_scenario
from dmzwatch.api.patrol import MAX_UNITS, UNITS_PATTERN, check_parties, parse_api_units
from dmzwatch.errors import InputError, NotFound
from dmzwatch.patrol import build_plan, coverage_geojson, history_from_events
from dmzwatch.store import open_store

from .conftest import Api

URL = "/api/patrol/coverage?scenario=idlib-2018&start=2018-11-25"


def _get(api: Api, url: str = URL, role: str = "analyst") -> Any:
    response = api.client.get(url, headers=api.headers(role))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    return response.json()


def test_coverage_per_sector_with_the_plan_summary(api: Api, ev: Any) -> None:
    monitor = api.headers("monitor")
    posted = [ev(1), ev(2, lon=36.64, lat=35.44), ev(3, lon=36.57, lat=35.83)]
    assert api.client.post("/api/events", json=posted, headers=monitor).json()["stored"] == 3
    fc = _get(api)
    assert fc["type"] == "FeatureCollection" and fc["scenario"] == "idlib-2018"
    props = [f["properties"] for f in fc["features"]]
    assert {p["party"] for p in props} == {"TR", "RU"}
    assert all(0.0 <= p["coverage"] <= 1.0 and p["value"] > 0 for p in props)
    assert all(p["sector"] == p["id"] for p in props)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in fc["features"])
    summary = fc["summary"]
    assert summary["sectors"] == len(props)
    assert summary["units"] == {"TR": 4, "RU": 4}  # the agreement gives none: 4 each
    assert summary["solver_status"] == "optimal" and summary["gap"] <= 1e-6
    assert summary["network"] == "fallback" and summary["seed"] == 0
    assert summary["history_records"] == 3 and "not observed patrols" in summary["note"]
    assert sum(p["history_records"] for p in props) >= 1  # the events gave some value

    # the same numbers as the patrol core over the same events (the CLI's function)
    with open_store(api.db) as store:
        history = history_from_events(e for _, e in store.events())
    plan = build_plan(load_scenario("idlib-2018"), start=dt.date(2018, 11, 25), history=history)
    direct = {f["properties"]["id"]: f["properties"] for f in coverage_geojson(plan)["features"]}
    assert {p["id"]: p["coverage"] for p in props} == {k: v["coverage"] for k, v in direct.items()}
    assert summary["expected_value"] == pytest.approx(plan.equilibrium.defender_value)


def test_answers_are_kept_until_the_events_change(api: Api, ev: Any) -> None:
    cache = api.app.state.dmzwatch.patrol
    first = _get(api)
    assert cache.solves == 1
    assert _get(api, role="monitor") == first  # any reader, same answer, not solved again
    assert cache.solves == 1
    fewer = _get(api, URL + "&units=TR=1,RU=1&seed=3")
    assert cache.solves == 2
    assert fewer["summary"]["units"] == {"TR": 1, "RU": 1} and fewer["summary"]["seed"] == 3
    total = sum(f["properties"]["coverage"] for f in first["features"])
    assert sum(f["properties"]["coverage"] for f in fewer["features"]) < total
    api.client.post("/api/events", json=ev(9), headers=api.headers("monitor")).raise_for_status()
    again = _get(api)
    assert cache.solves == 3
    assert again["summary"]["history_records"] == first["summary"]["history_records"] + 1


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("&units=TR", 422, "invalid_request"),
        ("&units=TR=x", 422, "invalid_request"),
        (f"&units=TR={MAX_UNITS + 1}", 422, "invalid_request"),
        ("&units=OSCE=2", 404, "not_found"),
        ("&seed=-1", 422, "invalid_request"),
        ("&start=yesterday", 422, "invalid_request"),
    ],
)
def test_bad_queries_are_refused(api: Api, query: str, status: int, code: str) -> None:
    response = api.client.get(URL + query, headers=api.headers("analyst"))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_an_unknown_scenario_is_not_found(api: Api) -> None:
    response = api.client.get("/api/patrol/coverage?scenario=nowhere", headers=api.headers("admin"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "scenario_not_found"


def test_units_are_parsed_as_the_cli_does() -> None:
    assert parse_api_units("TR=4,RU=2") == {"TR": 4, "RU": 2}
    assert parse_api_units("") == {}
    with pytest.raises(InputError, match=r"^units: "):
        parse_api_units("TR=x")
    with pytest.raises(InputError, match="at most"):
        parse_api_units(f"TR={MAX_UNITS + 1}")
    assert re.fullmatch(UNITS_PATTERN, f" TR = 4 ,RU={MAX_UNITS}")
    assert not re.fullmatch(UNITS_PATTERN, f"TR={MAX_UNITS + 1}")


def test_a_scenario_without_patrol_duties_has_no_coverage(idlib: Scenario) -> None:
    bare = Scenario(dataclasses.replace(idlib.agreement, patrols=()), cache_dir=False)
    with pytest.raises(NotFound, match="no patrol duties"):
        check_parties(bare, {})
    check_parties(idlib, {"TR": 1, "RU": 0})
