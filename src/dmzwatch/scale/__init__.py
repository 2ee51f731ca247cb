"""Scale-out: classification and checks as partitioned jobs on a Dask cluster.

An adapter around the core (it needs the ``scale`` extra: ``pip install 'dmzwatch[scale]'``).
The workers rebuild the scenario from its name or agreement path, once per worker process;
see ``docs/scale.md`` for running on Kubernetes or over SSH.
"""

from __future__ import annotations

from ._worker import ScenarioRef, scenario_of
from .check import PartitionedPlacement, run_check, run_check_on_cluster
from .cluster import connect, scheduler_address
from .points import (
    OUTPUT_COLUMNS,
    classify_points,
    is_parquet,
    iter_frames,
    read_points,
    write_parquet,
)

__all__ = [
    "OUTPUT_COLUMNS",
    "PartitionedPlacement",
    "ScenarioRef",
    "classify_points",
    "connect",
    "is_parquet",
    "iter_frames",
    "read_points",
    "run_check",
    "run_check_on_cluster",
    "scenario_of",
    "scheduler_address",
    "write_parquet",
]
