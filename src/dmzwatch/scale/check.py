"""The rules run with the events' placement computed as a partitioned job on Dask.

Where an event lies against each zone (band, distance, p_in_zone, p_in_core, side of the
line) depends on that event alone and is most of the work of a check; it is computed in
partitions of events on the cluster (:func:`~dmzwatch.scale._worker.fit_partition`, the
same :class:`~dmzwatch.rules.placement.Placement` the single-process engine uses). The
rules then run on the client over the assembled arrays, as
:meth:`~dmzwatch.rules.engine.Engine.run` does: caps and duplicates need every event at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from dask.base import compute
from dask.delayed import delayed

from ..events.model import Event
from ..geo.uncertainty import Shape
from ..rules.engine import Engine
from ..rules.finding import Finding
from ..rules.placement import ZoneFit
from ..rules.table import EventTable
from ..scenario import Scenario
from ._worker import FitArrays, ScenarioRef, fit_partition
from .cluster import connect

__all__ = ["PartitionedPlacement", "run_check", "run_check_on_cluster"]

log = logging.getLogger(__name__)


class PartitionedPlacement:
    """Every event against every zone of some rules, computed in partitions on the cluster.

    Stands in for :class:`~dmzwatch.rules.placement.Placement` (same :meth:`fit`, same
    arrays); the active Dask scheduler (a :class:`distributed.Client`) runs the partitions.
    """

    def __init__(
        self,
        scenario: Scenario,
        shapes: Sequence[Shape],
        zone_ids: Sequence[str],
        *,
        partition_size: int = 20_000,
    ) -> None:
        self.scenario = scenario
        ref = ScenarioRef.of(scenario)
        wanted = tuple(dict.fromkeys(zone_ids))
        step = max(1, partition_size)
        chunks = [list(shapes[i : i + step]) for i in range(0, len(shapes), step)] or [[]]
        tasks = [delayed(fit_partition, pure=True)(ref, chunk, wanted) for chunk in chunks]
        parts: tuple[dict[str, FitArrays], ...] = compute(*tasks)
        log.info("placed %d event(s) in %d partition(s)", len(shapes), len(chunks))
        zones = {z.id: z for z in scenario.zones}
        self._fits = {
            zid: ZoneFit(
                zones[zid], *(np.concatenate([p[zid][k] for p in parts]) for k in range(6))
            )
            for zid in wanted
        }

    def fit(self, zone_id: str) -> ZoneFit:
        """Every event against the zone ``zone_id``."""
        return self._fits[zone_id]


def run_check(
    engine: Engine,
    events: Sequence[Event],
    *,
    same_as: Mapping[str, str] | None = None,
    progress: Callable[[int], object] | None = None,
    partition_size: int = 20_000,
) -> list[Finding]:
    """:meth:`Engine.run <dmzwatch.rules.engine.Engine.run>` with a partitioned placement.

    Runs on the active Dask scheduler (see :func:`~dmzwatch.scale.cluster.connect`) and
    gives the same findings, in the same order, as ``engine.run(events, same_as=same_as)``.
    ``progress`` is called with 1 after each rule, as by ``Engine.run``.
    """
    zone_ids = [c.rule.zone for c in engine.checks]

    def place(table: EventTable) -> PartitionedPlacement:
        return PartitionedPlacement(
            engine.scenario, table.shapes, zone_ids, partition_size=partition_size
        )

    return engine.run(events, same_as=same_as, progress=progress, place=place)


def run_check_on_cluster(
    engine: Engine,
    events: Sequence[Event],
    *,
    same_as: Mapping[str, str] | None = None,
    progress: Callable[[int], object] | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
) -> list[Finding]:
    """:func:`run_check` on the cluster at ``scheduler`` (else Dask's configured one, else a
    local cluster of ``n_workers`` processes; see :func:`~dmzwatch.scale.cluster.connect`)."""
    with connect(scheduler, n_workers=n_workers):
        return run_check(engine, events, same_as=same_as, progress=progress)
