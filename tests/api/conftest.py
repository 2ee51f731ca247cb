"""Fixtures of the API tests: an app on a temporary store, a client, a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dmzwatch.api import ApiSettings, Role, create_app


def event(n: int = 1, **fields: Any) -> dict[str, Any]:
    """A valid posted event (a tank seen at Morek, in the Idlib zone's core), fields overridden."""
    body: dict[str, Any] = {
        "source": "TR-OP-3",
        "source_id": f"obs-{n}",
        "kind": "weapon_sighting",
        "time": "2018-11-24T09:30:00+03:00",
        "lon": 36.6897,
        "lat": 35.3762,
        "precision_km": 0.5,
        "equipment_class": "T-72",
        "count": 2,
        "actor": "NFL",
        "text": "two tanks south of Morek",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class Api:
    """A running app (in-process), its client, and the secret of a token per role."""

    app: FastAPI
    client: TestClient
    db: Path
    secrets: dict[str, str]
    finding_id: str = ""

    def headers(self, role: str | None) -> dict[str, str]:
        if role is None:
            return {}
        return {"Authorization": f"Bearer {self.secrets[role]}"}


def make_api(tmp_path: Path, **settings: Any) -> Api:
    db = tmp_path / "store.db"
    values: dict[str, Any] = {
        "db": str(db),
        "reports_dir": tmp_path / "reports",
        "rate_per_s": 10_000.0,
        "rate_burst": 10_000,
        "anonymous_rate_per_s": 10_000.0,
        "anonymous_burst": 10_000,
    }
    values.update(settings)
    app = create_app(ApiSettings(**values))
    tokens = app.state.dmzwatch.tokens
    secrets = {
        "admin": tokens.create(Role.ADMIN)[1],
        "analyst": tokens.create(Role.ANALYST)[1],
        "monitor": tokens.create(Role.MONITOR, party="TR")[1],
        "monitor_ru": tokens.create(Role.MONITOR, party="RU")[1],
    }
    return Api(app, TestClient(app), db, secrets)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    made = make_api(tmp_path)
    yield made
    made.client.close()


@pytest.fixture
def ev() -> Any:
    """The :func:`event` builder."""
    return event


@pytest.fixture(params=["sqlite", "postgis"])
def api_on(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """An :class:`Api` on each backend: a SQLite file, then a fresh PostgreSQL database."""
    settings: dict[str, Any] = {}
    if request.param == "postgis":
        settings["db"] = request.getfixturevalue("postgres").create_db()
    made = make_api(tmp_path, **settings)
    yield made
    made.client.close()
    made.app.state.dmzwatch.close()
