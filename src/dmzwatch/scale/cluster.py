"""A Dask client: on an existing cluster given by address, else on a local cluster.

The address is the ``--scheduler`` option, else Dask's own setting ``scheduler-address``
(the ``DASK_SCHEDULER_ADDRESS`` environment variable or a Dask config file), else a
:class:`distributed.LocalCluster` of worker processes is started for the job and stopped
after it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dask
from distributed import Client, LocalCluster

from .. import __version__
from ..errors import ExternalToolError
from ._worker import worker_version

__all__ = ["connect", "scheduler_address"]

log = logging.getLogger(__name__)


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The cluster to use: ``scheduler``, else Dask's configured address, else None (local)."""
    address = scheduler or dask.config.get("scheduler-address", None)
    return str(address) if address else None


@contextmanager
def connect(
    scheduler: str | None = None,
    *,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    timeout: str = "30s",
) -> Iterator[Client]:
    """A client on the cluster at ``scheduler`` (see :func:`scheduler_address`) or a local one.

    A local cluster has ``n_workers`` worker processes (default: one per CPU) of
    ``threads_per_worker`` threads each, its dashboard on a free port, and lives as long as
    the block. On any cluster the workers must run the client's dmzwatch version; this is
    checked first. ``timeout`` bounds the wait for an existing cluster's scheduler.
    """
    address = scheduler_address(scheduler)
    # distributed logs every start and stop at INFO: as loud as dmzwatch's own logging only
    level = max(logging.getLogger("dmzwatch").getEffectiveLevel(), logging.INFO)
    logging.getLogger("distributed").setLevel(level)
    if address is None:
        workers = n_workers or max(1, os.cpu_count() or 1)
        log.info("starting a local Dask cluster of %d worker process(es)", workers)
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=threads_per_worker,
                processes=True,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster) as client,
        ):
            _check_workers(client)
            if level > logging.DEBUG:
                client.run(_quiet_failed_tasks)
            yield client
        return
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ExternalToolError(
            "dask", f"cannot reach the Dask scheduler at {address}: {exc}"
        ) from exc
    with client:
        _check_workers(client)
        yield client


def _quiet_failed_tasks() -> None:
    """On a worker of a local cluster: no "Compute Failed" log with the task's traceback.

    The client raises the task's error and reports it (a bad input value: one line naming
    it); the worker, writing to the same terminal, would repeat it with a traceback.
    """
    logging.getLogger("distributed.worker").addFilter(_not_a_failed_task)


def _not_a_failed_task(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Compute Failed")


def _check_workers(client: Client) -> None:
    try:
        client.wait_for_workers(1, timeout=60)
        versions = client.run(worker_version)
    except Exception as exc:  # an unpicklable task means dmzwatch is missing there
        raise ExternalToolError(
            "dask",
            f"the Dask workers cannot run dmzwatch (pip install dmzwatch=={__version__}): {exc}",
        ) from exc
    wrong = {w: v for w, v in versions.items() if v != __version__}
    if wrong:
        raise ExternalToolError(
            "dask",
            f"Dask workers run another dmzwatch version than this client ({__version__}): "
            + ", ".join(f"{w}: {v}" for w, v in sorted(wrong.items())),
        )
    log.info("Dask cluster: %d worker(s) running dmzwatch %s", len(versions), __version__)
