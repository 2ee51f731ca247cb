"""The API on SQLite and on PostgreSQL: the same answers, never a 500 for what one of them
cannot store."""

from __future__ import annotations

from typing import Any

from .conftest import Api


def test_a_nul_in_a_posted_source_is_refused_per_event(api_on: Api, ev: Any) -> None:
    r = api_on.client.post(
        "/api/events",
        json=[ev(1, source="TR\x00OP"), ev(2)],
        headers=api_on.headers("monitor"),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert [x["status"] for x in out["results"]] == ["rejected", "stored"]
    assert out["received"] == out["stored"] + out["duplicates"] + out["rejected"]
    (problem,) = out["results"][0]["problems"]
    assert problem["field"] == "source" and "NUL" in problem["reason"]
    reader = api_on.headers("analyst")
    ingests = api_on.client.get("/api/ingests", headers=reader).json()["items"]
    assert sorted((i["source"], i["read"], i["quarantined"]) for i in ingests) == [
        ("TR-OP-3", 1, 0),
        ("api", 1, 1),
    ]
    quarantined = api_on.client.get("/api/quarantine", headers=reader).json()["items"]
    assert [(q["source"], q["field"]) for q in quarantined] == [("api", "source")]
    assert api_on.client.get("/api/verify", headers=reader).json()["ok"] is True


def test_a_nul_in_an_event_filter_matches_nothing(api_on: Api, ev: Any) -> None:
    api_on.client.post("/api/events", json=ev(1), headers=api_on.headers("monitor"))
    reader = api_on.headers("analyst")
    for query in ("source=TR%00OP-3", "party=T%00R", "actor=N%00FL"):
        r = api_on.client.get(f"/api/events?{query}", headers=reader)
        assert r.status_code == 200, (query, r.text)
        assert r.json()["total"] == 0 and r.json()["features"] == []
    assert api_on.client.get("/api/events?party=tr", headers=reader).json()["total"] == 1


def test_stopping_the_app_closes_every_store_connection(api_on: Api, ev: Any) -> None:
    svc = api_on.app.state.dmzwatch
    with api_on.client:  # the app's lifespan: started, then stopped
        api_on.client.post("/api/events", json=ev(1), headers=api_on.headers("monitor"))
        api_on.client.get("/api/events", headers=api_on.headers("analyst"))
        opened = list(svc._opened)
    assert opened and svc._opened == []
    for store in opened:
        try:
            store.db.query("SELECT 1")
        except Exception:  # closed: sqlite3.ProgrammingError, psycopg.OperationalError
            continue
        raise AssertionError("a store connection is still open after the app stopped")
