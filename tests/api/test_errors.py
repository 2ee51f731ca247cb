"""One JSON error shape everywhere; size limits; no stack trace reaches a client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter
from fastapi.testclient import TestClient

from dmzwatch.api._errors import error_payload
from dmzwatch.errors import AgreementError, Problem

from .conftest import Api, make_api

SHAPE = {"status", "code", "message", "details"}


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == SHAPE
    return body["error"]  # type: ignore[no-any-return]


def test_unknown_path_and_method(api: Api) -> None:
    missing = api.client.get("/api/nothing-here")
    assert missing.status_code == 404 and _error(missing)["code"] == "not_found"
    wrong = api.client.put("/api/zones")
    assert wrong.status_code == 405 and _error(wrong)["code"] == "method_not_allowed"


def test_validation_errors_list_every_problem(api: Api) -> None:
    r = api.client.get("/api/events?limit=0&offset=-1&band=middle", headers=api.headers("analyst"))
    assert r.status_code == 422
    error = _error(r)
    assert error["code"] == "invalid_request"
    where = sorted(d["loc"][-1] for d in error["details"])  # type: ignore[union-attr, index]
    assert where == ["band", "limit", "offset"]


def test_dmzwatch_errors_map_to_their_status(api: Api) -> None:
    r = api.client.get("/api/zones?scenario=atlantis")
    assert r.status_code == 404
    error = _error(r)
    assert error["code"] == "scenario_not_found" and "atlantis" in str(error["message"])
    bad = api.client.get("/api/events?bbox=1,2,3", headers=api.headers("analyst"))
    assert bad.status_code == 400 and _error(bad)["code"] == "input_error"


def test_a_scenario_file_path_is_not_accepted_from_clients(api: Api) -> None:
    r = api.client.get("/api/zones", params={"scenario": "/etc/passwd.toml"})
    assert r.status_code == 404


def test_declared_body_over_the_limit_is_refused(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_body_bytes=2048)
    body = json.dumps([{"text": "x" * 100}] * 40)
    r = api.client.post(
        "/api/events",
        content=body,
        headers={**api.headers("monitor"), "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert _error(r)["code"] == "payload_too_large"


def test_streamed_body_over_the_limit_is_refused(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(50):
            yield b'{"text": "' + b"x" * 100 + b'"},'
        yield b"{}]"

    r = api.client.post(
        "/api/events",
        content=chunks(),
        headers={**api.headers("monitor"), "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert _error(r)["code"] == "payload_too_large"


def test_batch_over_the_limit_is_refused(tmp_path: Path) -> None:
    api = make_api(tmp_path, max_batch=3)
    r = api.client.post("/api/events", json=[{}] * 4, headers=api.headers("monitor"))
    assert r.status_code == 413
    assert "batch" in str(_error(r)["message"])


def test_body_that_is_not_json(api: Api) -> None:
    r = api.client.post(
        "/api/events",
        content=b"{not json",
        headers={**api.headers("monitor"), "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert _error(r)["code"] == "input_error"


def test_an_unexpected_failure_is_a_bare_500_without_traceback(tmp_path: Path) -> None:
    api = make_api(tmp_path)
    router = APIRouter()

    @router.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: /srv/dmzwatch/store.db password=hunter2")

    api.app.include_router(router)
    client = TestClient(api.app, raise_server_exceptions=False)
    r = client.get("/api/boom")
    assert r.status_code == 500
    error = _error(r)
    assert error == {
        "status": 500,
        "code": "internal_server_error",
        "message": "internal server error",
        "details": [],
    }
    assert "hunter2" not in r.text and "Traceback" not in r.text


def test_an_agreement_error_carries_its_problems_as_details() -> None:
    from dmzwatch.api._errors import _on_dmzwatch_error

    exc = AgreementError("a.toml", [Problem("zones.dmz.line", "unknown line 'x'")])
    import asyncio

    response = asyncio.run(_on_dmzwatch_error(None, exc))  # type: ignore[arg-type]
    body = json.loads(bytes(response.body))
    assert response.status_code == 422
    assert body["error"]["details"] == [
        {"loc": ["zones.dmz.line"], "msg": "unknown line 'x'", "type": "problem"}
    ]


def test_error_payload_codes_follow_the_status_phrase() -> None:
    assert error_payload(429, "slow down")["error"]["code"] == "too_many_requests"
    assert error_payload(404, "gone", code="x")["error"] == {
        "status": 404,
        "code": "x",
        "message": "gone",
        "details": [],
    }
