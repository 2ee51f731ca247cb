"""Points classified as a partitioned job: dask.dataframe over CSV or Parquet partitions::

    with connect() as client:  # a local cluster, or connect("tcp://scheduler:8786")
        frame = classify_points(read_points("points/*.parquet"), load_scenario("idlib-2018"))
        write_parquet(frame, "classified.parquet")

Each partition is classified by :func:`~dmzwatch.scale._worker.classify_partition` on a
worker, with the scenario the worker rebuilt from its name or path; the output keeps the
input's order and columns ``id, lon, lat, zone, band, distance_km, p_in_zone``.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from pathlib import Path

import dask.dataframe as dd
import fsspec
import pandas as pd
from dask.base import compute

from ..errors import InputError
from ..scenario import Scenario
from ._worker import ScenarioRef, classify_partition

__all__ = [
    "OUTPUT_COLUMNS",
    "classify_points",
    "is_parquet",
    "iter_frames",
    "read_points",
    "write_parquet",
]

OUTPUT_COLUMNS = ("id", "lon", "lat", "zone", "band", "distance_km", "p_in_zone")
log = logging.getLogger(__name__)

_REQUIRED = ("id", "lon", "lat")
_DTYPES = {"id": "str", "lon": "float64", "lat": "float64", "precision_km": "float64"}


def is_parquet(path: str | Path) -> bool:
    """Whether ``path`` names Parquet: a ``.parquet``/``.pq`` file or glob, or a directory."""
    text = str(path)
    if text.endswith((".parquet", ".pq")):
        return True
    fs, _, paths = fsspec.get_fs_token_paths(text)
    return len(paths) == 1 and bool(fs.isdir(paths[0]))


def read_points(path: str | Path, *, blocksize: str | int = "64MiB") -> dd.DataFrame:
    """Points from CSV (a file or a glob; split in ``blocksize`` partitions) or Parquet (a
    file, a glob or a directory: a partition per file or row group). Local paths or any URL
    fsspec knows (``s3://``, ``gs://``, ``abfs://``, ... with its package installed).

    Columns ``id, lon, lat`` and optionally ``precision_km`` (an empty value is 0); the
    rest are not read.
    """
    text = str(path)
    try:
        fs, _, paths = fsspec.get_fs_token_paths(text)
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(f"cannot read {text}: {exc}") from exc
    paths = [p for p in paths if fs.exists(p)]
    if not paths:
        raise InputError(f"no such file: {text}")
    if is_parquet(text):
        try:
            frame = dd.read_parquet(text)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {text} as Parquet: {exc}") from exc
        columns = list(frame.columns)
        _require(text, columns)
        wanted = [c for c in (*_REQUIRED, "precision_km") if c in columns]
        return frame[wanted].astype({c: _DTYPES[c] for c in wanted})
    header = _csv_header(fs, paths[0])
    _require(text, header)
    wanted = [c for c in (*_REQUIRED, "precision_km") if c in header]
    try:  # the first block is read here, for the column types
        return dd.read_csv(
            text,
            usecols=wanted,
            dtype={c: _DTYPES[c] for c in wanted},
            blocksize=blocksize,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_values={"lon": [""], "lat": [""], "precision_km": [""]},
        )
    except ValueError as exc:
        raise InputError(f"{text}: a value is not a number: {exc}") from exc


def classify_points(points: dd.DataFrame, scenario: Scenario) -> dd.DataFrame:
    """Zone, band, distance and p_in_zone of every point, one task per partition."""
    ref = ScenarioRef.of(scenario)
    meta = classify_partition(points._meta, ref)
    return points.map_partitions(classify_partition, ref, meta=meta, align_dataframes=False)


def iter_frames(frame: dd.DataFrame, *, at_once: int = 4) -> Iterator[pd.DataFrame]:
    """The partitions of ``frame`` computed and handed back in order, ``at_once`` at a time.

    Memory holds at most ``at_once`` partitions; the cluster works on them in parallel.
    Bad values in the input raise :class:`~dmzwatch.errors.InputError`.
    """
    parts = frame.to_delayed()
    for i in range(0, len(parts), at_once):
        try:
            done = compute(*parts[i : i + at_once])
        except ValueError as exc:  # the CSV parser's "could not convert ... to float"
            raise InputError(f"a value is not a number: {exc}") from exc
        yield from done


def write_parquet(frame: dd.DataFrame, out: str | Path) -> None:
    """Write ``frame`` as a Parquet dataset (a new directory of one file per partition), on
    a local path or a URL. When a partition fails, the directory is removed again: no
    partial output is left behind."""
    fs, _, paths = fsspec.get_fs_token_paths(str(out))
    if paths and fs.exists(paths[0]):
        raise InputError(f"{out} exists: remove it or choose another output")
    try:
        import pyarrow as pa

        text = {c: pa.string() for c in ("id", "zone", "band")}  # as the local engine writes
        frame.to_parquet(str(out), write_index=False, schema=text, name_function=_part_name)
    except BaseException as exc:
        _remove(fs, paths[0] if paths else None)
        if isinstance(exc, ValueError):
            raise InputError(f"a value is not a number: {exc}") from exc
        raise


def _remove(fs: fsspec.AbstractFileSystem, path: str | None) -> None:
    """Remove a partly written output directory (a failure to do so is logged)."""
    try:
        if path is not None and fs.exists(path):
            fs.rm(path, recursive=True)
    except OSError as exc:
        log.warning("could not remove the partial output %s: %s", path, exc)


def _part_name(i: int) -> str:
    """Zero-padded part names: read back in name order, the rows keep the input's order."""
    return f"part-{i:06d}.parquet"


def _require(source: str, header: list[str]) -> None:
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; the header is {', '.join(header)}"
        )


def _csv_header(fs: fsspec.AbstractFileSystem, path: str) -> list[str]:
    try:
        with fs.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
