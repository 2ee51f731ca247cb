"""Which cluster a job runs on, and the checks made before any work."""

from __future__ import annotations

import socket

import dask
import distributed
import pandas as pd
import pytest

import dmzwatch
import dmzwatch.scale
from dmzwatch.errors import ExternalToolError, InputError
from dmzwatch.scale import ScenarioRef, cluster, connect, scheduler_address
from dmzwatch.scale._worker import classify_partition


def test_public_names() -> None:
    names = dmzwatch.scale.__all__
    assert names == sorted(names)
    assert all(hasattr(dmzwatch.scale, n) for n in names)


def test_the_address_comes_from_the_option_then_from_dask_config() -> None:
    with dask.config.set({"scheduler-address": "tcp://configured:8786"}):
        assert scheduler_address("tcp://given:8786") == "tcp://given:8786"
        assert scheduler_address() == "tcp://configured:8786"
    with dask.config.set({"scheduler-address": None}):
        assert scheduler_address() is None


def test_an_existing_cluster_by_address(client: distributed.Client) -> None:
    with connect(client.scheduler.address) as c:
        assert c.scheduler.address == client.scheduler.address
        assert len(c.scheduler_info()["workers"]) == 2


def test_workers_of_another_version_are_refused(
    client: distributed.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "__version__", "0.0.0-not-this")
    with (
        pytest.raises(ExternalToolError, match="another dmzwatch version"),
        connect(client.scheduler.address),
    ):
        pass


def test_an_unreachable_scheduler_is_an_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        pytest.raises(ExternalToolError, match="cannot reach the Dask scheduler"),
        connect(f"tcp://127.0.0.1:{port}", timeout="1s"),
    ):
        pass


@pytest.mark.slow
def test_a_local_cluster_leaves_a_failed_task_to_the_client(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The client raises the task's error; the workers, on the same terminal, do not log it
    again with a traceback."""
    ref = ScenarioRef.of(dmzwatch.load_scenario("idlib-2018"))
    bad = pd.DataFrame({"id": ["a"], "lon": [36.6], "lat": [135.0]})
    with connect(n_workers=1) as c, pytest.raises(InputError, match="bad lat; first: id 'a'"):
        c.submit(classify_partition, bad, ref, pure=False).result()
    err = capfd.readouterr().err
    assert "Compute Failed" not in err and "Traceback" not in err
