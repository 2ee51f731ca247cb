"""Patrol coverage for the map: the plan of ``dmzwatch patrol plan``, from the stored events.

The coverage is the patrol core's (:func:`~dmzwatch.patrol.plan.build_plan` over the event
store's history, :func:`~dmzwatch.patrol.coverage.history_from_events`), served as the
CLI's ``coverage.geojson`` with the plan's summary as a foreign member. Solving takes a
fraction of a second but reading every stored event does not scale with requests, so each
answer is kept per (scenario, units, seed, start day, state of the events table): the map
asks again and again, the server solves once until an event arrives.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ..errors import InputError, NotFound
from ..patrol.coverage import coverage_geojson, coverage_summary, history_from_events
from ..patrol.plan import (
    MAX_UNITS,  # the most units per party; the regex below agrees
    build_plan,
    parse_units,
)
from ..scenario import Scenario
from ..store import Store

__all__ = [
    "MAX_UNITS",
    "UNITS_PATTERN",
    "CoverageCache",
    "check_parties",
    "coverage_body",
    "parse_api_units",
]

logger = logging.getLogger(__name__)


_COUNT = "(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|200)"
_ITEM = f" *[A-Za-z][A-Za-z0-9_-]{{0,31}} *= *{_COUNT} *"
UNITS_PATTERN = f"^(?:{_ITEM}(?:,{_ITEM})*)?$"
"""What ``units`` may look like: ``PARTY=COUNT`` items, comma-separated, counts 0 to 200."""

CacheKey = tuple[str, tuple[tuple[str, int], ...], int, str, tuple[int, int]]


def parse_api_units(text: str | None) -> dict[str, int]:
    """``"TR=4,RU=4"`` as a mapping; empty or None: the agreement's units (else 4 each).

    >>> parse_api_units("TR=2, RU=3")
    {'TR': 2, 'RU': 3}
    >>> parse_api_units(None)
    {}
    """
    try:
        units = parse_units(text or "")
    except InputError as exc:
        raise InputError(str(exc).replace("--units", "units")) from None
    for party, n in units.items():
        if n > MAX_UNITS:
            raise InputError(f"units: at most {MAX_UNITS} per party, got {party}={n}")
    return units


def check_parties(scenario: Scenario, units: Mapping[str, int]) -> None:
    """404 when the scenario has no patrol duties or ``units`` names a party without one."""
    duties = scenario.agreement.patrols
    if not duties:
        raise NotFound(f"scenario {scenario.name!r} has no patrol duties")
    known = {p for d in duties for p in d.parties}
    for party in units:
        if party not in known:
            raise NotFound(
                f"no patrol duty of party {party!r} in {scenario.name!r}; "
                f"parties with duties: {', '.join(sorted(known))}"
            )


def store_mark(store: Store) -> tuple[int, int]:
    """The events table's (row count, highest id): it changes whenever an event is stored."""
    count, top = store.db.query("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events")[0]
    return int(count), int(top)


def coverage_body(
    store: Store, scenario: Scenario, *, units: Mapping[str, int], seed: int, start: dt.date
) -> dict[str, Any]:
    """The coverage FeatureCollection (sectors with ``party``, ``sector``, ``coverage``,
    ``value``) with ``summary`` (solver status, gap, network, …) for the stored history."""
    history = history_from_events(event for _, event in store.events())
    plan = build_plan(scenario, start=start, units=units, history=history)
    source = f"the server's event store: {len(history)} located event(s)"
    return {
        "type": "FeatureCollection",
        "scenario": scenario.name,
        "summary": coverage_summary(plan, seed=seed, history_source=source),
        "features": coverage_geojson(plan)["features"],
    }


class CoverageCache:
    """Coverage answers (JSON bytes) kept per key, the ``size`` most recent ones."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.solves = 0
        self._lock = threading.Lock()
        self._hits: OrderedDict[CacheKey, bytes] = OrderedDict()

    def get(
        self,
        store: Store,
        scenario: Scenario,
        *,
        units: Mapping[str, int],
        seed: int,
        start: dt.date,
    ) -> bytes:
        """The answer for these inputs and the store's current events (solved when new)."""
        key: CacheKey = (
            scenario.name,
            tuple(sorted(units.items())),
            seed,
            start.isoformat(),
            store_mark(store),
        )
        with self._lock:
            hit = self._hits.get(key)
            if hit is not None:
                self._hits.move_to_end(key)
                return hit
        body = coverage_body(store, scenario, units=units, seed=seed, start=start)
        raw = json.dumps(body, ensure_ascii=False).encode()
        with self._lock:
            self.solves += 1
            self._hits[key] = raw
            while len(self._hits) > self.size:
                self._hits.popitem(last=False)
        logger.info("patrol coverage solved for %s (%d sectors)", key[:4], len(body["features"]))
        return raw
