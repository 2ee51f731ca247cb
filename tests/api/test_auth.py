"""Roles x endpoints: every pair allowed or refused as the table says; rate limits per token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dmzwatch.api.auth import RateLimiter

from .conftest import Api, make_api

ANON, ANALYST, MONITOR, ADMIN = None, "analyst", "monitor", "admin"
ROLES = [ANON, ANALYST, MONITOR, ADMIN]
OPEN = {ANON: 200, ANALYST: 200, MONITOR: 200, ADMIN: 200}
READ = {ANON: 401, ANALYST: 200, MONITOR: 200, ADMIN: 200}
SUBMIT = {ANON: 401, ANALYST: 403, MONITOR: 200, ADMIN: 200}
MANAGE = {ANON: 401, ANALYST: 403, MONITOR: 403, ADMIN: 200}

# (method, path, body, expected status per role): written out, not derived from the code.
TABLE: list[tuple[str, str, Any, dict[str | None, int]]] = [
    ("GET", "/api/health", None, OPEN),
    ("GET", "/api/me", None, OPEN),
    ("GET", "/api/scenarios", None, OPEN),
    ("GET", "/api/scenarios/idlib-2018", None, OPEN),
    ("GET", "/api/zones", None, OPEN),
    ("GET", "/api/zones?scenario=minsk-2015", None, OPEN),
    ("GET", "/api/layers/lines", None, OPEN),
    ("GET", "/api/layers/territory", None, OPEN),
    ("GET", "/api/layers/areas", None, OPEN),
    ("GET", "/api/layers/places", None, OPEN),
    ("GET", "/api/events", None, READ),
    ("GET", "/api/events?band=core&verdict=none", None, READ),
    ("POST", "/api/events", "EVENT", SUBMIT),
    ("GET", "/api/findings", None, READ),
    ("GET", "/api/findings?verdict=violation&band=core", None, READ),
    ("GET", "/api/findings/FINDING_ID", None, READ),
    ("POST", "/api/check", None, MANAGE),
    ("GET", "/api/quarantine", None, READ),
    ("GET", "/api/quarantine?reason=date&file=x.csv&ingest=1", None, READ),
    ("GET", "/api/ingests", None, READ),
    ("GET", "/api/links", None, READ),
    ("GET", "/api/links?event=1&source=TR-OP-3", None, READ),
    ("GET", "/api/reports", None, READ),
    ("GET", "/api/reports/daily.html", None, READ),
    ("GET", "/api/verify", None, READ),
    ("GET", "/api/patrol/coverage", None, READ),
    ("GET", "/api/patrol/coverage?scenario=idlib-2018&units=TR=4,RU=4&seed=1", None, READ),
    ("GET", "/api/tokens", None, MANAGE),
    ("POST", "/api/tokens", {"role": "analyst", "label": "x"}, {**MANAGE, ADMIN: 201}),
    ("DELETE", "/api/tokens/TOKEN_ID", None, MANAGE),
]
EVENT = {
    "source": "TR-OP-3",
    "source_id": "tank-1",
    "kind": "weapon_sighting",
    "time": "2018-11-24T09:30:00+03:00",
    "lon": 36.6897,
    "lat": 35.3762,
    "equipment_class": "tank",
    "actor": "NFL",
}
CASES = [
    pytest.param(method, path, body, role, want[role], id=f"{method} {path} as {role or 'anon'}")
    for method, path, body, want in TABLE
    for role in ROLES
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Api:
    tmp = tmp_path_factory.mktemp("auth")
    made = make_api(tmp)
    monitor = made.headers("monitor")
    made.client.post("/api/events", json=[EVENT], headers=monitor).raise_for_status()
    made.client.post("/api/check", headers=made.headers("admin")).raise_for_status()
    items = made.client.get("/api/findings", headers=monitor).json()["items"]
    made.finding_id = items[0]["finding_id"]
    (tmp / "reports").mkdir()
    (tmp / "reports" / "daily.html").write_text("<!doctype html><p>report</p>")
    return made


def _call(api: Api, method: str, path: str, body: Any, role: str | None) -> Any:
    if "FINDING_ID" in path:
        path = path.replace("FINDING_ID", api.finding_id)
    if "TOKEN_ID" in path:
        victim = api.app.state.dmzwatch.tokens.create(_role("analyst"), label="victim")[0]
        path = path.replace("TOKEN_ID", victim.id)
    if body == "EVENT":
        body = {
            "source": f"auth-{role}",
            "source_id": "1",
            "kind": "weapon_sighting",
            "time": "2018-11-24T09:30:00+03:00",
            "lon": 36.6897,
            "lat": 35.3762,
        }
    return api.client.request(method, path, json=body, headers=api.headers(role))


def _role(name: str) -> Any:
    from dmzwatch.api import Role

    return Role(name)


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), CASES)
def test_role_endpoint_table(
    shared: Api, method: str, path: str, body: Any, role: str | None, status: int
) -> None:
    response = _call(shared, method, path, body, role)
    assert response.status_code == status, response.text
    if status >= 400:
        error = response.json()["error"]
        assert error["status"] == status
        assert error["code"] == {401: "unauthorized", 403: "forbidden"}[status]
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "body"), [(m, p, b) for m, p, b, _ in TABLE], ids=[p for _, p, _, _ in TABLE]
)
@pytest.mark.parametrize(
    "header", ["Bearer dmzw_not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer", "dmzw_bare"]
)
def test_a_bad_token_is_refused_everywhere(
    shared: Api, method: str, path: str, body: Any, header: str
) -> None:
    path = path.replace("TOKEN_ID", "tok_000000000000").replace("FINDING_ID", "f-0")
    response = shared.client.request(method, path, json=body, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_revoked_token_stops_working(tmp_path: Path) -> None:
    api = make_api(tmp_path, token_cache_s=0)
    who = api.client.get("/api/me", headers=api.headers("analyst")).json()
    assert who["role"] == "analyst"
    gone = api.client.delete(f"/api/tokens/{who['token_id']}", headers=api.headers("admin"))
    assert gone.status_code == 200 and gone.json()["revoked_at"]
    assert api.client.get("/api/events", headers=api.headers("analyst")).status_code == 401


def test_an_admin_made_token_works_and_shows_its_secret_once(api: Api) -> None:
    made = api.client.post(
        "/api/tokens", json={"role": "monitor", "party": "ru"}, headers=api.headers("admin")
    )
    assert made.status_code == 201
    secret = made.json()["token"]
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me == {"role": "monitor", "party": "RU", "token_id": made.json()["id"]}
    listed = api.client.get("/api/tokens", headers=api.headers("admin")).json()
    assert secret not in str(listed)
    assert made.json()["id"] in [t["id"] for t in listed]


def test_a_monitor_token_needs_a_party_over_the_api_too(api: Api) -> None:
    admin = api.headers("admin")
    made = api.client.post("/api/tokens", json={"role": "monitor"}, headers=admin)
    assert made.status_code == 422
    assert "party" in str(made.json()["error"]["details"])
    other = api.client.post("/api/tokens", json={"role": "analyst", "party": "TR"}, headers=admin)
    assert other.status_code == 422


def test_rate_limit_is_per_token(tmp_path: Path) -> None:
    api = make_api(tmp_path, rate_per_s=0.001, rate_burst=3)
    analyst, monitor = api.headers("analyst"), api.headers("monitor")
    codes = [api.client.get("/api/me", headers=analyst).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api.client.get("/api/me", headers=analyst)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    # another token has its own bucket
    assert api.client.get("/api/me", headers=monitor).status_code == 200


def test_anonymous_requests_share_their_address_bucket(tmp_path: Path) -> None:
    api = make_api(tmp_path, anonymous_rate_per_s=0.001, anonymous_burst=2)
    codes = [api.client.get("/api/scenarios").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert api.client.get("/api/scenarios", headers=api.headers("analyst")).status_code == 200


def test_rate_limiter_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=4, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(4)] == [None] * 4
    wait = limiter.hit("a")
    assert wait == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.hit("a") is None
    assert limiter.hit("a") is not None
    assert limiter.hit("b") is None
    now[0] = 100.0
    assert [limiter.hit("a") for _ in range(5)] == [None] * 4 + [pytest.approx(0.5)]
