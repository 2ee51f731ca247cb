"""Posted events and the background linker: duplicates across sources linked, rules re-run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dmzwatch.api.submit import Linker
from dmzwatch.store import Store, open_store

from .conftest import Api, make_api


def _two_reports_of_one_event(api: Api, ev: Any) -> None:
    tr = ev(1, source="TR-OP-3", fatalities=3)
    ru = ev(1, source="RU-MP-2", source_id="ru-77", lon=36.695, lat=35.380, fatalities=4)
    assert api.client.post("/api/events", json=tr, headers=api.headers("monitor")).json()["stored"]
    assert api.client.post("/api/events", json=ru, headers=api.headers("monitor_ru")).json()[
        "stored"
    ]


def test_run_once_links_queued_ingests_then_runs_the_next_step(api: Api, ev: Any) -> None:
    _two_reports_of_one_event(api, ev)
    calls: list[int] = []
    store = open_store(api.db)
    try:
        linker = Linker(lambda: store, then=lambda s: calls.append(s.counts()["links"]))
        assert store.db.scalar("SELECT COUNT(*) FROM api_link_queue") == 2
        assert linker.run_once(store) == 1
        assert store.db.scalar("SELECT COUNT(*) FROM api_link_queue") == 0
        assert calls == [1]
        links = store.links()
        assert len(links) == 1 and links[0]["reason"]["sources"]
        assert linker.run_once(store) == 0 and calls == [1]  # nothing queued: no next step
    finally:
        store.close()


def _wait_for(check: Any, limit_s: float = 20.0) -> bool:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_the_server_links_and_judges_posted_events_once_posting_pauses(
    tmp_path: Path, ev: Any
) -> None:
    api = make_api(tmp_path, link_quiet_s=0.05)
    with api.client:  # runs the app's lifespan: the background worker starts and stops
        _two_reports_of_one_event(api, ev)

        def judged() -> bool:
            fc = api.client.get("/api/events", headers=api.headers("analyst")).json()
            return all(f["properties"]["verdict"] != "none" for f in fc["features"])

        assert _wait_for(judged)
    store: Store = open_store(api.db)
    try:
        assert store.counts()["links"] == 1
        assert store.db.scalar("SELECT COUNT(*) FROM api_link_queue") == 0
    finally:
        store.close()


def test_without_auto_check_posted_events_stay_unjudged(tmp_path: Path, ev: Any) -> None:
    api = make_api(tmp_path, link_quiet_s=0.05, auto_check=False)
    with api.client:
        _two_reports_of_one_event(api, ev)
        store = open_store(api.db)
        try:
            assert _wait_for(lambda: store.counts()["links"] == 1)
        finally:
            store.close()
        fc = api.client.get("/api/events", headers=api.headers("analyst")).json()
        assert {f["properties"]["verdict"] for f in fc["features"]} == {"none"}
