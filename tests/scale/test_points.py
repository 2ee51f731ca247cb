"""Points classified in partitions on a 2-worker cluster equal the single-process answers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import distributed
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

import dmzwatch
from dmzwatch.cli import main
from dmzwatch.errors import InputError
from dmzwatch.scale import (
    ScenarioRef,
    classify_points,
    iter_frames,
    read_points,
    scenario_of,
    write_parquet,
)
from dmzwatch.scale._worker import classify_partition
from dmzwatch.scenario import scenario_path

BOX = (35.9, 35.0, 37.4, 36.7)


def make_points(s: dmzwatch.Scenario, n: int, seed: int) -> pd.DataFrame:
    """Random points in the Idlib box, a tenth of them within 1 m of a band edge, and
    precision radii of 0 (a third), 1 and 10 km."""
    rng = np.random.default_rng(seed)
    n_edge = n // 10
    ring = np.concatenate(
        [shapely.get_coordinates(shapely.boundary(b.local)) for b in s.bands], axis=0
    )
    a = ring[rng.integers(0, len(ring) - 1, n_edge)]
    x, y = a[:, 0] + rng.uniform(-1, 1, n_edge), a[:, 1] + rng.uniform(-1, 1, n_edge)
    elon, elat = s.projection.inverse(x, y)
    lon = np.concatenate([rng.uniform(BOX[0], BOX[2], n - n_edge), elon])
    lat = np.concatenate([rng.uniform(BOX[1], BOX[3], n - n_edge), elat])
    return pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "precision_km": rng.choice([0.0, 1.0, 10.0], n),
        }
    )


def assert_same(got: pd.DataFrame, points: pd.DataFrame, s: dmzwatch.Scenario) -> None:
    want = s.classify(points["lon"], points["lat"], points["precision_km"])
    assert got["id"].tolist() == points["id"].tolist()
    assert (got["zone"].to_numpy(dtype=str) == want.zone).all()
    assert (got["band"].to_numpy(dtype=str) == want.band).all()
    np.testing.assert_array_equal(got["distance_km"].to_numpy(), want.distance_km)
    np.testing.assert_array_equal(got["p_in_zone"].to_numpy(), want.p_in_zone)
    assert {"core", "fringe", ""} <= set(want.band)
    assert np.mean((want.p_in_zone > 0) & (want.p_in_zone < 1)) > 0


@pytest.mark.slow
def test_parquet_partitions_give_the_single_process_answers(
    client: distributed.Client, idlib: dmzwatch.Scenario, tmp_path: Path
) -> None:
    points = make_points(idlib, 300_000, seed=1)
    src = tmp_path / "points"
    src.mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(points)), 12)):  # > 10: name order
        pq.write_table(pa.Table.from_pandas(points.iloc[part]), src / f"part-{k:02d}.parquet")
    frame = classify_points(read_points(src), idlib)
    assert frame.npartitions == 12
    got = pd.concat(list(iter_frames(frame)), ignore_index=True)
    assert_same(got, points, idlib)

    write_parquet(frame, tmp_path / "out.parquet")
    written = pd.read_parquet(tmp_path / "out.parquet")
    assert_same(written, points, idlib)
    with pytest.raises(InputError, match="exists"):
        write_parquet(frame, tmp_path / "out.parquet")


def test_csv_blocks_give_the_single_process_answers(
    client: distributed.Client, idlib: dmzwatch.Scenario, tmp_path: Path
) -> None:
    points = make_points(idlib, 30_000, seed=2)
    points.loc[::7, "precision_km"] = np.nan  # an empty precision is 0 km
    path = tmp_path / "points.csv"
    points.to_csv(path, index=False)
    frame = classify_points(read_points(path, blocksize=200_000), idlib)
    assert frame.npartitions >= 4
    got = pd.concat(list(iter_frames(frame)), ignore_index=True)
    assert_same(got, points.fillna({"precision_km": 0.0}), idlib)


def test_bad_values_name_the_point(
    client: distributed.Client, idlib: dmzwatch.Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,lon,lat\na,36.6,35.4\nc,36.6,135\n")
    with pytest.raises(InputError, match=r"bad lat; first: id 'c', lat 135.0"):
        list(iter_frames(classify_points(read_points(path), idlib)))
    path.write_text("id,lon,lat\na,36.6,35.4\nb,east,35.4\n")
    with pytest.raises(InputError, match="not a number"):
        list(iter_frames(classify_points(read_points(path), idlib)))
    path.write_text("name,x,y\n")
    with pytest.raises(InputError, match="missing column"):
        read_points(path)
    with pytest.raises(InputError, match="no such file"):
        read_points(tmp_path / "nowhere-*.csv")


def test_workers_rebuild_the_scenario_by_name_or_path(idlib: dmzwatch.Scenario) -> None:
    ref = ScenarioRef.of(idlib)
    assert ref.source == "idlib-2018"
    assert scenario_of(ref) is scenario_of(ref)
    assert scenario_of(ref).zones[0].bands[0].local.equals(idlib.zones[0].bands[0].local)
    assert idlib.agreement.path is not None
    by_path = ScenarioRef.of(dmzwatch.Scenario(dmzwatch.load_scenario("minsk-2015").agreement))
    assert by_path.source == "minsk-2015" and by_path.digest != ref.digest
    with pytest.raises(InputError, match="differently from the client"):
        scenario_of(ScenarioRef("idlib-2018", "0" * 64))


def test_an_agreement_outside_the_package_travels_by_path(tmp_path: Path) -> None:
    copy = tmp_path / "my-agreement.toml"
    builtin = scenario_path("idlib-2018")
    data = builtin.parent.parent / "data"
    copy.write_text(builtin.read_text(encoding="utf-8").replace('"../data/', f'"{data}/'))
    s = dmzwatch.load_scenario(copy)
    ref = ScenarioRef.of(s)
    assert ref.source == str(copy.resolve())
    assert scenario_of(ref).name == s.name


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.slow
def test_cli_dask_engine_writes_what_the_local_engine_writes(
    client: distributed.Client,
    idlib: dmzwatch.Scenario,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    points = make_points(idlib, 20_000, seed=3)
    path = tmp_path / "points.csv"
    points.to_csv(path, index=False)
    assert main(["classify", str(path)]) == 0
    local = capsys.readouterr().out
    address = client.scheduler.address
    assert main(["classify", str(path), "--engine", "dask", "--scheduler", address]) == 0
    assert capsys.readouterr().out == local
    assert len(_csv(local)) == 20_001

    out = tmp_path / "out.parquet"
    args = ["classify", str(path), "--engine", "dask", "--scheduler", address, "--out", str(out)]
    assert main(args) == 0
    table = pd.read_parquet(out)
    assert table["id"].tolist() == points["id"].tolist()

    parts = tmp_path / "parts"
    parts.mkdir()
    for k, rows in enumerate(np.array_split(np.arange(len(points)), 3)):
        table = pa.Table.from_pandas(points.iloc[rows], preserve_index=False)
        pq.write_table(table, parts / f"{k}.parquet")
    for extra in ([], ["--engine", "dask", "--scheduler", address]):
        csv_out = tmp_path / "from-parquet.csv"
        assert main(["classify", str(parts), "--out", str(csv_out), *extra]) == 0
        assert csv_out.read_text() == local


def test_cli_local_engine_checks_parquet_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.parquet"
    table = pa.table({"id": ["a", "b"], "lon": [36.6, 36.6], "lat": [35.4, 135.0]})
    pq.write_table(table, path)
    assert main(["classify", str(path)]) == 2
    assert "1 bad lat value(s); first: id 'b', lat 135.0" in capsys.readouterr().err
    pq.write_table(pa.table({"name": ["a"]}), path)
    assert main(["classify", str(path)]) == 2
    assert "missing column(s) id, lon, lat" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_dask_engine_starts_a_local_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "points.csv"
    path.write_text("id,lon,lat\nmorek,36.6897,35.37615\nhama,36.75783,35.13179\n")
    assert main(["classify", str(path), "--engine", "dask", "--workers", "1"]) == 0
    rows = _csv(capsys.readouterr().out)
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [("morek", "dmz", "core"), ("hama", "", "")]


def test_a_radius_that_is_not_finite_names_the_point(idlib: dmzwatch.Scenario) -> None:
    frame = pd.DataFrame(
        {"id": ["a", "b"], "lon": [36.6, 36.6], "lat": [35.4, 35.4], "precision_km": [1, np.inf]}
    )
    with pytest.raises(InputError, match=r"first: id 'b', precision_km inf must be a finite"):
        classify_partition(frame, ScenarioRef.of(idlib))
    frame.loc[1, "precision_km"] = 1.0
    frame.loc[1, "lon"] = np.nan  # an empty cell
    with pytest.raises(InputError, match=r"first: id 'b', lon is missing \(empty or NaN\)"):
        classify_partition(frame, ScenarioRef.of(idlib))


def test_a_failed_parquet_write_leaves_no_directory(
    client: distributed.Client, idlib: dmzwatch.Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "points.csv"
    rows = [f"p{i},36.6,35.4" for i in range(2_000)] + ["bad,36.6,135"]
    path.write_text("id,lon,lat\n" + "\n".join(rows) + "\n")
    frame = classify_points(read_points(path, blocksize=10_000), idlib)
    assert frame.npartitions > 1
    out = tmp_path / "out.parquet"
    with pytest.raises(InputError, match=r"first: id 'bad', lat 135\.0"):
        write_parquet(frame, out)
    assert not out.exists()  # so that the same command can run again once the input is fixed


def test_cli_dask_engine_names_the_input_of_a_bad_value(
    client: distributed.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "points.csv"
    path.write_text("id,lon,lat\nmorek,36.6897,35.37615\nbad,36.6,135\n")
    address = client.scheduler.address
    for out in ([], ["--out", str(tmp_path / "out.csv")], ["--out", str(tmp_path / "o.parquet")]):
        assert main(["classify", str(path), "--engine", "dask", "--scheduler", address, *out]) == 2
        err = capsys.readouterr().err
        assert f"error: {path}: 1 point(s) with a bad lat; first: id 'bad', lat 135.0" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["points.csv"]
