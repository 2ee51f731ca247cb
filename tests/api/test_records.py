"""Findings over the API: made by POST /api/check, explained, joined to the events; the
ingests, the probable-duplicate links and the filtered quarantine, corrected rows told from
open ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dmzwatch.api.submit import Linker
from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import ingest, open_store

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


def test_quarantine_of_a_file_lists_rows_another_file_refused_first(
    api: Api, tmp_path: Path
) -> None:
    reader = api.headers("analyst")
    bad = "r9,2018-10-20,36.7,north"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(f"id,day,x,y\n{bad}\n")
    second.write_text(f"id,day,x,y\nr1,2018-10-21,36.7,35.4\n{bad}\n")
    mapping = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
    with open_store(api.db) as store:
        for path in (first, second):
            ingest(store, path, mapping=mapping)
    q = api.client.get("/api/quarantine?file=second.csv", headers=reader).json()
    assert q["total"] == 1
    (item,) = q["items"]
    assert (item["file"], item["line"], item["field"]) == (str(second), 3, "y")
    assert item["original"] == {"id": "r9", "day": "2018-10-20", "x": "36.7", "y": "north"}
    by_ingest = api.client.get(f"/api/quarantine?ingest={item['ingest_id']}", headers=reader)
    assert by_ingest.json()["items"] == [item]
    everything = api.client.get("/api/quarantine", headers=reader).json()
    assert [(i["file"], i["line"]) for i in everything["items"]] == [
        (str(first), 2),
        (str(second), 3),
    ]


def test_quarantine_says_which_rows_a_later_post_corrected_and_filters_the_open(
    api: Api, ev: Any
) -> None:
    reader, monitor = api.headers("analyst"), api.headers("monitor")
    api.client.post("/api/events", json=ev(3), headers=monitor)
    refused = [
        ev(1, lat=95.0),  # fails validation
        ev(2, kind=None),  # fails the JSON checks
        ev(3, count=5),  # obs-3 is already stored with other content
        ev(4, source_id=None, kind=None),  # no id
    ]
    out = api.client.post("/api/events", json=refused, headers=monitor).json()
    assert out["rejected"] == 4
    before = api.client.get("/api/quarantine", headers=reader).json()["items"]
    assert {(i["source_id"], i["corrected_by"]) for i in before} == {
        ("obs-1", None),
        ("obs-2", None),
        ("obs-3", None),
        (None, None),
    }
    fixed = api.client.post("/api/events", json=[ev(1), ev(2)], headers=monitor).json()
    stored = {r["source_id"]: r["event_id"] for r in fixed["results"]}
    assert fixed["stored"] == 2
    items = api.client.get("/api/quarantine", headers=reader).json()["items"]
    assert {(i["source_id"], i["corrected_by"]) for i in items} == {
        ("obs-1", int(stored["obs-1"])),
        ("obs-2", int(stored["obs-2"])),
        ("obs-3", None),
        (None, None),
    }
    still = api.client.get("/api/quarantine?open=true", headers=reader).json()
    assert {i["source_id"] for i in still["items"]} == {"obs-3", None}
    assert (
        still["total"]
        == len(still["items"])
        == 1 + len([i for i in before if i["source_id"] is None])
    )
    everything = api.client.get("/api/quarantine?open=false", headers=reader).json()
    assert everything["items"] == items


def test_ids_too_large_for_the_database_are_a_422_not_a_500(api: Api) -> None:
    reader = api.headers("analyst")
    for url in ("/api/quarantine?ingest=", "/api/links?event="):
        assert api.client.get(url + str(2**63 - 1), headers=reader).status_code == 200
        assert api.client.get(url + str(2**63), headers=reader).status_code == 422


def test_one_event_in_full_with_its_party_and_links(api: Api, ev: Any) -> None:
    reader = api.headers("analyst")
    tr = ev(1, source="TR-OP-3", fatalities=3)
    ru = ev(1, source="RU-MP-2", source_id="ru-77", lon=36.695, lat=35.380, fatalities=4)
    api.client.post("/api/events", json=tr, headers=api.headers("monitor"))
    api.client.post("/api/events", json=ru, headers=api.headers("monitor_ru"))
    with open_store(api.db) as store:
        assert Linker(lambda: store).run_once(store) == 1
    fc = api.client.get("/api/events", headers=reader).json()
    ids = {f["properties"]["source_id"]: int(f["id"]) for f in fc["features"]}
    r = api.client.get(f"/api/events/{ids['obs-1']}", headers=reader)
    assert r.status_code == 200, r.text
    one = r.json()
    assert (one["source"], one["source_id"], one["equipment_class"]) == ("TR-OP-3", "obs-1", "tank")
    assert one["provenance"]["party"] == "TR" and one["provenance"]["ingest"]["format"] == "api"
    assert one["original"]["text"] == "two tanks south of Morek"
    assert one["evidence"]["seq"] >= 1 and len(one["evidence"]["hash"]) == 64
    assert [(k["event"], k["source_id"]) for k in one["links"]] == [(ids["ru-77"], "ru-77")]
    other = api.client.get(f"/api/events/{ids['ru-77']}", headers=reader).json()
    assert other["provenance"]["party"] == "RU"
    assert api.client.get("/api/events/999", headers=reader).status_code == 404
    assert api.client.get("/api/events/0", headers=reader).status_code == 422
    assert api.client.get(f"/api/events/{ids['obs-1']}").status_code == 401


def test_verify_reports_the_head_that_a_checkpoint_pins(api: Api, ev: Any) -> None:
    reader = api.headers("analyst")
    empty = api.client.get("/api/verify", headers=reader).json()
    assert empty["ok"] is True and empty["entries"] == 0 and empty["head"] is None
    api.client.post("/api/events", json=[ev(1), ev(2)], headers=api.headers("monitor"))
    status = api.client.get("/api/verify", headers=reader).json()
    with open_store(api.db) as store:
        seq, head = store.log.head()
    assert status["ok"] is True and status["entries"] == seq and status["head"] == head
    assert f"head {head[:12]}" in status["summary"]
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["VerifyStatus"]
    assert "head" in schema["required"] and "head" in schema["properties"]
