"""Read a daily report's inputs from a store: its events, its findings, its log head."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..events.model import Event
from ..rules.engine import evaluate
from ..rules.finding import Finding
from ..scenario import Scenario
from ..store import EvidenceLog, open_store
from ..store.findings import duplicate_map, stored_findings

__all__ = ["ReportInputs", "load_inputs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """What a report is built from, as read from one store at one moment."""

    events: tuple[Event, ...]
    findings: tuple[Finding, ...]
    evidence_head: str | None
    findings_from_log: bool


def load_inputs(db: str | Path, scenario: Scenario) -> ReportInputs:
    """The store's events, the scenario's findings and the evidence log's head hash.

    The findings are those ``dmzwatch check`` stored for the scenario; where the store holds
    none for it, the rules are evaluated on the stored events now (the same engine, so the
    same findings), and the report says so.
    """
    with open_store(db) as store:
        events = tuple(e for _, e in store.events())
        _, head = EvidenceLog(store.db).head()
        stored = stored_findings(store, scenario.name)
        same_as = {} if stored else duplicate_map(store)
    if stored:
        return ReportInputs(events, tuple(stored), head, True)
    log.info("no stored findings for %s: evaluating the rules now", scenario.name)
    found = evaluate(scenario, list(events), same_as=same_as)
    return ReportInputs(events, tuple(found), head, False)
