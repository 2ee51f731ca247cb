"""The rules with the events placed in partitions on a 2-worker cluster: the same findings."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import dask
import distributed
import numpy as np
import pytest

import dmzwatch
from dmzwatch.cli import main
from dmzwatch.events.model import Event
from dmzwatch.rules.engine import Engine
from dmzwatch.scale import run_check

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
PACKAGED = Path(__file__).resolve().parents[2] / "src" / "dmzwatch" / "data" / UCDP.name

pytestmark = pytest.mark.slow


def _ucdp() -> Path:
    return PACKAGED if PACKAGED.exists() else UCDP


def resample(events: list[Event], n: int, seed: int) -> list[Event]:
    """``n`` events drawn from the real ones, each moved up to ~5 km, with ids of their own."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(events), n)
    shift = rng.uniform(-0.05, 0.05, (n, 2))
    return [
        dataclasses.replace(
            events[i],
            source_id=f"{events[i].source_id}-{k}",
            lon=events[i].lon + shift[k, 0],
            lat=events[i].lat + shift[k, 1],
            content_hash="",
        )
        for k, i in enumerate(pick)
    ]


def test_partitioned_placement_gives_the_same_findings(
    client: distributed.Client, idlib: dmzwatch.Scenario, ucdp_events: list[Event]
) -> None:
    events = resample(ucdp_events, 12_000, seed=4)
    engine = Engine(idlib, sectors_from_text=True)
    want = engine.run(events)
    steps: list[int] = []
    with dask.config.set(scheduler=client), distributed.get_task_stream(client) as stream:
        got = run_check(engine, events, partition_size=2_500, progress=steps.append)
    assert got == want
    assert len(want) > 1_000
    assert {f.verdict.value for f in want} >= {"violation", "possible"}
    assert steps == [1] * len(engine.checks)
    tasks = [t for t in stream.data if "fit_partition" in str(t["key"])]
    assert len(tasks) == 5
    assert len({t["worker"] for t in tasks}) == 2


def test_no_events_no_findings(client: distributed.Client, idlib: dmzwatch.Scenario) -> None:
    with dask.config.set(scheduler=client):
        assert run_check(Engine(idlib), []) == []


def _slice(tmp: Path, first: str, last: str) -> Path:
    with _ucdp().open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if first <= r["date_start"] <= last]
        header = reader.fieldnames or []
    out = tmp / "slice.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return out


def test_cli_check_on_a_cluster_records_what_the_local_engine_records(
    client: distributed.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_db, dask_db = tmp_path / "local.db", tmp_path / "dask.db"
    assert (
        main(["ingest", str(_slice(tmp_path, "2018-10-01", "2019-03-31")), "--db", str(local_db)])
        == 0
    )
    shutil.copy(local_db, dask_db)
    capsys.readouterr()
    outputs = []
    for db, extra in ((local_db, []), (dask_db, ["--engine", "dask"])):
        with dask.config.set({"scheduler-address": client.scheduler.address}):
            assert main(["check", "-s", "idlib-2018", "--db", str(db), "--json", *extra]) == 0
        summary = capsys.readouterr().out
        assert main(["findings", "--db", str(db), "--format", "json"]) == 0
        outputs.append((summary, capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert '"new": 0' not in outputs[0][0]
