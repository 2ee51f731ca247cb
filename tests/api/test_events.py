"""POST and GET /api/events: stored, duplicate or rejected with reasons; filters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dmzwatch.events.model import sha256_hex
from dmzwatch.store import open_store, verify

from .conftest import Api, make_api


def post(api: Api, body: Any, role: str = "monitor") -> dict[str, Any]:
    r = api.client.post("/api/events", json=body, headers=api.headers(role))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_one_event_is_stored_and_reposting_it_is_a_duplicate(api: Api, ev: Any) -> None:
    first = post(api, ev(1))
    assert (first["received"], first["stored"], first["duplicates"], first["rejected"]) == (
        1,
        1,
        0,
        0,
    )
    assert first["party"] == "TR"
    result = first["results"][0]
    assert result["status"] == "stored" and result["event_id"]
    again = post(api, ev(1))
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["event_id"] == result["event_id"]


def test_a_batch_answers_per_event_in_order(api: Api, ev: Any) -> None:
    batch = [
        ev(1),
        ev(2, lon=35.3762, lat=36.6897),  # swapped: the file ingest's check
        ev(3, kind="picnic", time="2018-11-24", equipment_class="spaceship"),
        "not an object",
        ev(1),  # repeated inside the batch
        ev(4, time="2999-01-01T00:00:00+00:00"),  # future
        ev(5, surprise=1),
    ]
    out = post(api, batch)
    statuses = [r["status"] for r in out["results"]]
    assert statuses == [
        "stored",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
        "rejected",
        "rejected",
    ]
    assert [r["index"] for r in out["results"]] == list(range(7))
    assert out["received"] == out["stored"] + out["duplicates"] + out["rejected"] == 7
    reasons = {
        r["index"]: {(p["field"], p["reason"]) for p in r["problems"]} for r in out["results"]
    }
    assert ("lat,lon", "latitude and longitude look swapped") in reasons[1]
    fields = {f for f, _ in reasons[2]}
    assert fields == {"kind", "time", "equipment_class"}
    assert reasons[3] == {("(event)", "must be a JSON object")}
    assert ("time", "date is in the future") in reasons[5]
    assert any(f == "surprise" and "unknown field" in why for f, why in reasons[6])


def test_rejected_events_are_quarantined_with_their_reasons(api: Api, ev: Any) -> None:
    post(api, [ev(1, lon=200), ev(2, kind="")])
    q = api.client.get("/api/quarantine", headers=api.headers("analyst")).json()
    got = {(i["field"], i["reason"]) for i in q["items"]}
    assert ("lon", "longitude outside [-180, 180]") in got or any(
        f in {"lon", "longitude"} for f, _ in got
    )
    assert ("kind", "required field is missing") in got
    assert all(i["file"].startswith("api:tok_") for i in q["items"])


def test_same_id_with_different_content_is_rejected_not_overwritten(api: Api, ev: Any) -> None:
    post(api, ev(1, count=2))
    out = post(api, ev(1, count=5))
    result = out["results"][0]
    assert result["status"] == "rejected"
    assert "different content" in result["problems"][0]["reason"]
    events = api.client.get("/api/events", headers=api.headers("analyst")).json()
    assert [f["properties"]["count"] for f in events["features"]] == [2]


def test_the_party_is_recorded_with_the_event_and_in_the_evidence_log(api: Api, ev: Any) -> None:
    post(api, ev(1), role="monitor")
    post(api, ev(1, source="RU-MP-2"), role="monitor_ru")
    post(api, ev(9, source="HQ"), role="admin")
    store = open_store(api.db)
    try:
        rows = store.db.query(
            "SELECT e.source, e.original, s.party FROM events e "
            "JOIN api_submissions s ON s.event_id = e.id ORDER BY e.id"
        )
        assert [(r[0], r[2]) for r in rows] == [("TR-OP-3", "TR"), ("RU-MP-2", "RU"), ("HQ", None)]
        for _source, original, party in rows:
            assert json.loads(original)["submitted_by"]["party"] == party
        assert verify(store).ok
    finally:
        store.close()
    tr = api.client.get("/api/events?party=TR", headers=api.headers("analyst")).json()
    assert [f["properties"]["source"] for f in tr["features"]] == ["TR-OP-3"]


def test_forging_the_party_of_a_posted_event_shows_in_verify(api: Api, ev: Any) -> None:
    post(api, ev(1))
    assert api.client.get("/api/verify", headers=api.headers("analyst")).json()["ok"] is True
    store = open_store(api.db)
    try:
        (original,) = store.db.query("SELECT original FROM events")[0]
        assert sha256_hex(original) == store.db.scalar("SELECT original_hash FROM events")
        forged = original.replace('"party":"TR"', '"party":"RU"')
        assert forged != original
        store.db.execute(
            "UPDATE events SET original = ?, original_hash = ?", (forged, sha256_hex(forged))
        )
    finally:
        store.close()
    status = api.client.get("/api/verify", headers=api.headers("analyst")).json()
    assert status["ok"] is False and status["broken_record"]


def _keys(api: Api, query: str) -> list[str]:
    r = api.client.get("/api/events" + query, headers=api.headers("analyst"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    return [f["properties"]["source_id"] for f in r.json()["features"]]


def test_filters_time_bbox_zone_band(api: Api, ev: Any) -> None:
    post(
        api,
        [
            ev(1, time="2018-11-01T10:00:00+03:00"),  # Morek: core
            ev(2, time="2018-11-10T10:00:00+03:00", lon=36.6414, lat=35.9307),  # Idlib city
            ev(3, time="2018-11-20T10:00:00+03:00", lon=36.7500, lat=35.2000),  # south: outside
        ],
    )
    assert _keys(api, "") == ["obs-1", "obs-2", "obs-3"]
    assert _keys(api, "?since=2018-11-05T00:00:00%2B03:00") == ["obs-2", "obs-3"]
    assert _keys(api, "?until=2018-11-15T00:00:00Z") == ["obs-1", "obs-2"]
    assert _keys(api, "?bbox=36.6,35.3,36.7,35.5") == ["obs-1"]
    assert _keys(api, "?band=core") == ["obs-1"]
    assert _keys(api, "?zone=dmz") == ["obs-1"]
    assert set(_keys(api, "?band=outside")) == {"obs-2", "obs-3"}
    assert _keys(api, "?verdict=none") == ["obs-1", "obs-2", "obs-3"]
    assert _keys(api, "?verdict=violation") == []
    assert _keys(api, "?actor=nfl&limit=2&offset=1") == ["obs-2", "obs-3"]


def test_collection_counts_and_paging(api: Api, ev: Any) -> None:
    post(api, [ev(i) for i in range(1, 8)])
    body = api.client.get("/api/events?limit=3&offset=6", headers=api.headers("analyst")).json()
    assert body["total"] == 7 and len(body["features"]) == 1
    assert body["counts"]["band"] == {"core": 7, "fringe": 0, "outside": 0}
    props = body["features"][0]["properties"]
    assert props["band"] == "core" and props["zone"] == "dmz" and props["p_in_zone"] == 1.0
    assert props["equipment_class"] == "tank" and props["party"] == "TR"


def test_class_is_inferred_from_text_when_not_given(api: Api, ev: Any) -> None:
    post(api, ev(1, equipment_class=None, text="heavy artillery shelling on the town"))
    props = api.client.get("/api/events", headers=api.headers("analyst")).json()["features"][0][
        "properties"
    ]
    assert props["equipment_class"].startswith("artillery")
    assert props["equipment_inferred"] is True and props["inferred_from"]


def test_limit_over_the_page_maximum_is_refused(tmp_path: Path) -> None:
    api = make_api(tmp_path, page_max=10)
    r = api.client.get("/api/events?limit=11", headers=api.headers("analyst"))
    assert r.status_code == 400


def test_garbage_batches_never_fail_and_always_add_up(tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    api = make_api(tmp_path)
    values = st.one_of(
        st.none(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.sampled_from(["2018-11-24T09:30:00+03:00", "strike", "tank", "TR-OP-3", "36.7"]),
    )
    fields = ["source", "source_id", "kind", "time", "lon", "lat", "count", "text", "x"]
    items = st.one_of(values, st.dictionaries(st.sampled_from(fields), values, max_size=8))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(items, max_size=6))
    def check(batch: list[Any]) -> None:
        r = api.client.post("/api/events", json=batch, headers=api.headers("monitor"))
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["received"] == len(batch) == len(out["results"])
        assert out["received"] == out["stored"] + out["duplicates"] + out["rejected"]
        assert all(bool(x["problems"]) == (x["status"] == "rejected") for x in out["results"])

    check()


def test_nan_and_infinity_in_raw_json_are_rejected_per_field(api: Api) -> None:
    raw = (
        '{"source": "TR-OP-3", "source_id": "n", "kind": "strike", '
        '"time": "2018-11-24T09:30:00+03:00", "lon": NaN, "lat": Infinity}'
    )
    r = api.client.post(
        "/api/events",
        content=raw,
        headers={**api.headers("monitor"), "content-type": "application/json"},
    )
    assert r.status_code == 200
    problems = {p["field"]: p["reason"] for p in r.json()["results"][0]["problems"]}
    assert problems == {"lon": "must be a number", "lat": "must be a number"}


def _raw_post(api: Api, body: bytes) -> Any:
    headers = {**api.headers("monitor"), "content-type": "application/json"}
    return api.client.post("/api/events", content=body, headers=headers)


def test_a_deeply_nested_body_is_a_400_not_a_500(api: Api) -> None:
    r = _raw_post(api, b"[" * 100_000 + b"]" * 100_000)
    assert r.status_code == 400, r.text
    assert "nested too deeply" in r.json()["error"]["message"]


def test_a_lone_surrogate_is_a_400_and_a_pair_is_text(api: Api, ev: Any) -> None:
    lone = json.dumps(ev(1, text="x")).replace('"x"', '"\\ud800"').encode()
    r = _raw_post(api, lone)
    assert r.status_code == 400, r.text
    assert "surrogate" in r.json()["error"]["message"]
    paired = json.dumps(ev(2, text="\U0001f680 rocket")).encode()  # escaped as a pair
    assert b"\\ud83d\\ude80" in paired
    r = _raw_post(api, paired)
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text


def test_a_time_out_of_range_in_utc_is_rejected_per_event(api: Api, ev: Any) -> None:
    out = post(api, [ev(1, time="9999-12-31T23:59:59-12:00"), ev(2)])
    assert [r["status"] for r in out["results"]] == ["rejected", "stored"]
    assert out["results"][0]["problems"][0]["field"] == "time"
    assert "out of range" in out["results"][0]["problems"][0]["reason"]


def test_the_same_post_with_another_token_of_the_party_is_a_duplicate(api: Api, ev: Any) -> None:
    from dmzwatch.api import Role

    second = api.app.state.dmzwatch.tokens.create(Role.MONITOR, party="TR")[1]
    post(api, ev(1))
    r = api.client.post("/api/events", json=ev(1), headers={"Authorization": f"Bearer {second}"})
    assert r.json()["results"][0]["status"] == "duplicate", r.text
    out = post(api, ev(1), role="monitor_ru")
    result = out["results"][0]
    assert result["status"] == "rejected"
    assert result["problems"][0]["reason"] == "already stored as submitted by party TR"


def _error_of(api: Api, query: str) -> str:
    r = api.client.get("/api/events" + query, headers=api.headers("analyst"))
    assert r.status_code == 400, r.text
    message: str = r.json()["error"]["message"]
    return message


def test_event_times_need_an_offset_or_are_whole_days(api: Api, ev: Any) -> None:
    post(
        api,
        [
            ev(1, time="2018-11-23T23:30:00+02:00"),  # Damascus time in November 2018
            ev(2, time="2018-11-24T00:30:00+02:00"),  # 2018-11-23T22:30Z
            ev(3, time="2018-11-24T23:30:00+02:00"),
            ev(4, time="2018-11-25T00:30:00+02:00"),
        ],
    )
    assert _keys(api, "?since=2018-11-24&until=2018-11-24") == ["obs-2", "obs-3"]
    assert "needs a UTC offset" in _error_of(api, "?since=2018-11-24T09:30:00")
    assert "'2018-11-24T09:30'" in _error_of(api, "?until=2018-11-24T09:30")
    assert "out of range" in _error_of(api, "?since=9999-12-31T23:59:59-12:00")
    assert "out of range" in _error_of(api, "?until=0001-01-01T00:00:00%2B14:00")


def test_unknown_zone_or_kind_is_named_not_an_empty_answer(api: Api, ev: Any) -> None:
    post(api, ev(1, kind="attack"))
    assert "zones: dmz" in _error_of(api, "?zone=dmx")
    assert "weapon_sighting, attack" in _error_of(api, "?kind=attacks")
    assert _keys(api, "?kind=Attack") == ["obs-1"]


def test_problems_name_the_posted_field_not_the_stored_column(api: Api, ev: Any) -> None:
    out = post(
        api,
        [
            ev(1, lat=95.0),
            ev(2, lon=-200.0),
            ev(3, count=-1),
            ev(4, fatalities=-2),
            ev(5, actor="NFL\x00"),
            ev(6, time="2999-01-01T00:00:00+03:00"),
            ev(7, lon=35.3762, lat=36.6897),
            ev(8, precision_km=-1),
        ],
    )
    fields = [[p["field"] for p in r["problems"]] for r in out["results"]]
    assert fields == [
        ["lat"],
        ["lon"],
        ["count"],
        ["fatalities"],
        ["actor"],
        ["time"],
        ["lat,lon"],
        ["precision_km"],
    ]
    posted = set(ev(0)) | {"fatalities", "lat,lon"}
    quarantined = api.client.get("/api/quarantine", headers=api.headers("analyst")).json()
    assert {i["field"] for i in quarantined["items"]} <= posted


def test_a_repeat_of_a_refused_event_is_refused_not_a_duplicate(api: Api, ev: Any) -> None:
    first = post(api, ev(1, count=2))["results"][0]["event_id"]
    out = post(api, [ev(1, count=5), ev(1, count=5), ev(2), ev(2)])
    assert [r["status"] for r in out["results"]] == ["rejected", "rejected", "stored", "duplicate"]
    assert out["results"][1]["event_id"] is None and first
    assert out["results"][0]["problems"] == out["results"][1]["problems"]
    assert (out["stored"], out["duplicates"], out["rejected"]) == (1, 1, 2)
    post(api, ev(3, source="RU-MP-2"), role="monitor_ru")
    again = post(api, [ev(3, source="RU-MP-2")] * 2)
    assert [r["status"] for r in again["results"]] == ["rejected", "rejected"]
    assert {p["reason"] for r in again["results"] for p in r["problems"]} == {
        "already stored as submitted by party RU"
    }
    reader = api.headers("analyst")
    ingests = api.client.get("/api/ingests", headers=reader).json()["items"]
    assert all(i["read"] == i["stored"] + i["duplicates"] + i["quarantined"] for i in ingests)
    assert [(i["read"], i["duplicates"], i["quarantined"]) for i in ingests[1:]] == [
        (4, 1, 2),
        (1, 0, 0),
        (2, 0, 2),
    ]
    lines = [q["line"] for q in api.client.get("/api/quarantine", headers=reader).json()["items"]]
    assert lines == [1, 2, 1, 2]
    assert api.client.get("/api/verify", headers=reader).json()["ok"] is True


def test_an_id_repeated_with_other_content_names_its_first_copy_by_index(api: Api, ev: Any) -> None:
    out = post(api, [ev(7), ev(1, count=2), ev(1, count=5)])
    assert [r["status"] for r in out["results"]] == ["stored", "stored", "rejected"]
    (problem,) = out["results"][2]["problems"]
    assert problem["reason"] == (
        "duplicate id in this post with different content (first at index 1)"
    )


def test_a_number_is_no_time_filter(api: Api, ev: Any) -> None:
    post(api, ev(1))
    assert "since '2018' is not an ISO 8601 time" in _error_of(api, "?since=2018")
    assert "until '20181124'" in _error_of(api, "?until=20181124")
    assert "until '1543044600'" in _error_of(api, "?until=1543044600")


def test_since_a_fraction_of_a_second_after_an_event_leaves_it_out(api: Api, ev: Any) -> None:
    post(api, ev(1, time="2018-11-24T09:30:00+03:00"))
    assert _keys(api, "?since=2018-11-24T06:30:00Z") == ["obs-1"]
    assert _keys(api, "?since=2018-11-24T06:30:00.5Z") == []
    assert _keys(api, "?until=2018-11-24T06:30:00.5Z") == ["obs-1"]
    assert _keys(api, "?until=2018-11-24T06:29:59.9Z") == []
    assert "out of range" in _error_of(api, "?since=9999-12-31T23:59:59.5%2B00:00")


def test_the_schema_gives_this_servers_batch_limit(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_batch=25)
    post = api.client.get("/openapi.json").json()["paths"]["/api/events"]["post"]
    batch = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1]
    assert batch["type"] == "array" and batch["maxItems"] == 25
