"""Property tests of the whole API from its OpenAPI document (schemathesis): no 5xx, and
answers that match the document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import Api, make_api


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Api:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    api = make_api(tmp)
    (tmp / "reports").mkdir()
    (tmp / "reports" / "2018-11-24.html").write_text("<!doctype html><p>daily report</p>")
    event = {
        "source": "TR-OP-3",
        "source_id": "seed-1",
        "kind": "weapon_sighting",
        "time": "2018-11-24T09:30:00+03:00",
        "lon": 36.6897,
        "lat": 35.3762,
        "equipment_class": "tank",
    }
    api.client.post("/api/events", json=event, headers=api.headers("monitor")).raise_for_status()
    api.client.post("/api/check", headers=api.headers("admin")).raise_for_status()
    return api


def test_api_answers_within_its_contract(running: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", running.app)
    admin = running.headers("admin")  # so that every operation is reached, not only its 401
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=admin)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect all, report them together
            failures[operation.label] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
