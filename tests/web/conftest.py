"""Browser-test fixtures: the API on a free loopback port (uvicorn in a thread) over a
temporary store with a few events and their findings, and Debian's chromium via Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from dmzwatch.api import ApiSettings, Role, create_app
from dmzwatch.scenario import scenario_path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _event(n: int, day: str, lon: float, lat: float, **more: Any) -> dict[str, Any]:
    return {
        "source": "TR-OP-3",
        "source_id": f"web-{n}",
        "kind": "weapon_sighting",
        "time": f"{day}T09:30:00+03:00",
        "lon": lon,
        "lat": lat,
        "precision_km": 0.5,
        **more,
    }


#: A few events: tanks and shelling in the zone's core and fringe, and some outside it.
EVENTS = [
    _event(1, "2018-11-02", 36.6513, 35.4421, equipment_class="tank", count=2, actor="NFL"),
    _event(
        2, "2018-11-10", 36.5700, 35.8300, kind="strike", text="artillery shelling", actor="SAA"
    ),
    _event(3, "2018-11-24", 36.3300, 35.8200, equipment_class="mortar", actor="HTS"),
    _event(4, "2018-12-05", 36.6400, 35.9300, kind="incident", text="market reopened"),
    _event(5, "2018-12-20", 36.7500, 35.2000, kind="strike", text="air strikes", actor="SAA"),
    _event(6, "2019-01-15", 36.7040, 35.5590, equipment_class="tank", actor="NFL"),
]


@dataclass
class Served:
    """The running server: its base URL, the events it holds and a token per role."""

    url: str
    secrets: dict[str, str]
    events: int
    with_verdict: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free loopback port; yield its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the API did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp: Path = tmp_path_factory.mktemp("web")
    settings = ApiSettings(db=str(tmp / "store.db"), reports_dir=tmp / "reports", auto_check=False)
    app = create_app(settings)
    tokens = app.state.dmzwatch.tokens
    secrets = {
        "monitor": tokens.create(Role.MONITOR, party="TR")[1],
        "admin": tokens.create(Role.ADMIN)[1],
    }
    with TestClient(app) as client:  # fill the store through the API itself
        auth = {"Authorization": f"Bearer {secrets['monitor']}"}
        assert client.post("/api/events", json=EVENTS, headers=auth).json()["stored"] == 6
        admin = {"Authorization": f"Bearer {secrets['admin']}"}
        assert client.post("/api/check", headers=admin).status_code == 200
        events = client.get("/api/events", headers=auth).json()
    with_verdict = sum(f["properties"]["verdict"] != "none" for f in events["features"])
    assert 0 < with_verdict < len(EVENTS)
    with _serve(app) as url:
        yield Served(url, secrets, len(EVENTS), with_verdict)


#: Texts a page must show as text, never as markup.
HOSTILE = (
    "<img src=x data-bad=1> \"quoted\" & 'single' </td><script>document.body.dataset.bad=1</script>"
)
ARABIC = "قصف مدفعي على أطراف بلدة كفرنبل"


@pytest.fixture(scope="module")
def served_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server started on an agreement file (a copy of idlib-2018 under the id
    ``idlib-local``, with markup in its line's description and its zone's title) that holds
    at most 2 records a page, over a store with events whose texts hold markup and Arabic."""
    tmp: Path = tmp_path_factory.mktemp("web-file")
    text = scenario_path("idlib-2018").read_text(encoding="utf-8")
    data = scenario_path("idlib-2018").parent.parent / "data"
    text = text.replace('"../data/', f'"{data.as_posix()}/')
    text = text.replace('id = "idlib-2018"', 'id = "idlib-local"', 1)
    text = text.replace(
        'description = "Approximate line of contact',
        'description = "<b>Line</b> &amp; approximate line of contact',
        1,
    )
    text = text.replace('title = "Demilitarized zone"', 'title = "Zone <i>DMZ</i> & co"', 1)
    agreement = tmp / "idlib-local.toml"
    agreement.write_text(text, encoding="utf-8")
    settings = ApiSettings(
        db=str(tmp / "store.db"),
        reports_dir=tmp / "reports",
        auto_check=False,
        scenario=str(agreement),
        page_max=2,
    )
    app = create_app(settings)
    tokens = app.state.dmzwatch.tokens
    secrets = {
        "monitor": tokens.create(Role.MONITOR, party="TR")[1],
        "admin": tokens.create(Role.ADMIN)[1],
    }
    events = [
        _event(
            1, "2018-11-02", 36.6513, 35.4421, equipment_class="tank", actor="NFL", text=HOSTILE
        ),
        _event(2, "2018-11-10", 36.5700, 35.8300, kind="strike", actor=HOSTILE, text=ARABIC),
        _event(3, "2018-11-24", 36.3300, 35.8200, equipment_class="mortar", actor="HTS"),
        _event(4, "2018-12-05", 36.6400, 35.9300, kind="incident", text="market reopened"),
        _event(5, "2019-01-15", 36.7040, 35.5590, equipment_class="tank", actor="NFL"),
    ]
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {secrets['monitor']}"}
        assert client.post("/api/events", json=events, headers=auth).json()["stored"] == 5
        admin = {"Authorization": f"Bearer {secrets['admin']}"}
        assert client.post("/api/check", headers=admin).status_code == 200
    with _serve(app) as url:
        yield Served(url, secrets, len(events), 0)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
