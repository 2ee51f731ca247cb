"""Findings over the API: made by POST /api/check, explained, joined to the events; the
ingests, the probable-duplicate links and the filtered quarantine."""

from __future__ import annotations

from typing import Any

from dmzwatch.api.submit import Linker
from dmzwatch.store import open_store

from .conftest import Api


def _setup(api: Api, ev: Any) -> None:
    batch = [
        ev(1),  # a tank at Morek (zone core) after the withdrawal date: violation
        ev(2, lon=36.75, lat=35.20, source_id="far"),  # outside the zone: no finding
        ev(3, time="2018-09-20T10:00:00+03:00"),  # before the withdrawal date
    ]
    r = api.client.post("/api/events", json=batch, headers=api.headers("monitor"))
    assert r.json()["stored"] == 3


def test_check_records_findings_and_is_idempotent(api: Api, ev: Any) -> None:
    _setup(api, ev)
    admin = api.headers("admin")
    first = api.client.post("/api/check", headers=admin).json()
    assert first["events"] == 3 and first["findings"] >= 1 and first["new"] == first["findings"]
    again = api.client.post("/api/check", headers=admin).json()
    assert again["new"] == 0 and again["unchanged"] == first["findings"]


def test_findings_explain_themselves(api: Api, ev: Any) -> None:
    _setup(api, ev)
    api.client.post("/api/check", headers=api.headers("admin"))
    page = api.client.get(
        "/api/findings?event=TR-OP-3:obs-1", headers=api.headers("analyst")
    ).json()
    assert page["total"] >= 1
    violation = [f for f in page["items"] if f["verdict"] == "violation"]
    assert violation, page
    f = violation[0]
    assert f["event_id"] == "TR-OP-3:obs-1" and f["band"] == "core"
    assert f["clause"] and f["reasons"] and f["p_in_zone"] >= 0.9
    one = api.client.get(f"/api/findings/{f['finding_id']}", headers=api.headers("analyst"))
    assert one.status_code == 200 and one.json()["finding_id"] == f["finding_id"]
    missing = api.client.get("/api/findings/f-nothing", headers=api.headers("analyst"))
    assert missing.status_code == 404


def test_events_carry_their_worst_verdict_and_filter_by_it(api: Api, ev: Any) -> None:
    _setup(api, ev)
    api.client.post("/api/check", headers=api.headers("admin"))
    fc = api.client.get("/api/events", headers=api.headers("analyst")).json()
    verdicts = {f["properties"]["source_id"]: f["properties"]["verdict"] for f in fc["features"]}
    assert verdicts["obs-1"] == "violation" and verdicts["far"] == "none"
    assert fc["counts"]["verdict"]["violation"] >= 1
    only = api.client.get("/api/events?verdict=violation", headers=api.headers("analyst")).json()
    assert {f["properties"]["source_id"] for f in only["features"]} == {"obs-1"}
    ids = only["features"][0]["properties"]["findings"]
    assert ids and all(i.startswith("f-") for i in ids)


def test_findings_filters(api: Api, ev: Any) -> None:
    _setup(api, ev)
    api.client.post("/api/check", headers=api.headers("admin"))
    h = api.headers("analyst")
    everything = api.client.get("/api/findings", headers=h).json()["items"]
    worst_first = [f["verdict"] for f in everything]
    assert worst_first == sorted(worst_first, key=["violation", "possible", "compliant"].index)
    late = api.client.get("/api/findings?since=2018-11-01", headers=h).json()["items"]
    assert late and all(f["last_day"] >= "2018-11-01" for f in late)
    early = api.client.get("/api/findings?until=2018-10-01", headers=h).json()["items"]
    assert all(f["first_day"] <= "2018-10-01" for f in early)
    assert api.client.get("/api/findings?band=fringe", headers=h).json()["total"] == 0
    rule = everything[0]["rule"]
    by_rule = api.client.get(f"/api/findings?rule={rule}", headers=h).json()["items"]
    assert by_rule and {f["rule"] for f in by_rule} == {rule}


def test_other_scenarios_have_their_own_findings(api: Api, ev: Any) -> None:
    _setup(api, ev)
    api.client.post("/api/check", headers=api.headers("admin"))
    page = api.client.get("/api/findings?scenario=minsk-2015", headers=api.headers("analyst"))
    assert page.status_code == 200 and page.json()["total"] == 0


def test_ingests_links_and_filtered_quarantine(api: Api, ev: Any) -> None:
    reader = api.headers("analyst")
    tr = ev(1, source="TR-OP-3", fatalities=3)
    ru = ev(1, source="RU-MP-2", source_id="ru-77", lon=36.695, lat=35.380, fatalities=4)
    bad = ev(2, source="TR-OP-3", lon=36.7, lat=95.0)
    api.client.post("/api/events", json=[tr, bad], headers=api.headers("monitor"))
    api.client.post("/api/events", json=ru, headers=api.headers("monitor_ru"))
    assert api.client.get("/api/links", headers=reader).json() == {
        "total": 0,
        "limit": 1000,
        "offset": 0,
        "items": [],
    }
    with open_store(api.db) as store:
        assert Linker(lambda: store).run_once(store) == 1

    ingests = api.client.get("/api/ingests", headers=reader).json()
    assert ingests["total"] == 2
    assert [(i["read"], i["stored"], i["quarantined"]) for i in ingests["items"]] == [
        (2, 1, 1),
        (1, 1, 0),
    ]
    links = api.client.get("/api/links", headers=reader).json()
    assert links["total"] == 1
    link = links["items"][0]
    assert {link["a"]["source_id"], link["b"]["source_id"]} == {"obs-1", "ru-77"}
    assert link["reason"]["distance_km"] <= link["reason"]["limit_km"]
    only = api.client.get(f"/api/links?event={link['event_b']}", headers=reader).json()
    assert only["items"] == [link]
    assert api.client.get("/api/links?source=nobody", headers=reader).json()["total"] == 0

    first = ingests["items"][0]["id"]
    q = api.client.get(f"/api/quarantine?ingest={first}&reason=latitude", headers=reader).json()
    assert q["total"] >= 1 and all("latitude" in i["reason"] for i in q["items"])
    assert all(i["ingest_id"] == first for i in q["items"])
    other = ingests["items"][1]["id"]
    assert api.client.get(f"/api/quarantine?ingest={other}", headers=reader).json()["total"] == 0


def test_ids_too_large_for_the_database_are_a_422_not_a_500(api: Api) -> None:
    reader = api.headers("analyst")
    for url in ("/api/quarantine?ingest=", "/api/links?event="):
        assert api.client.get(url + str(2**63 - 1), headers=reader).status_code == 200
        assert api.client.get(url + str(2**63), headers=reader).status_code == 422
