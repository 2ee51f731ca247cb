"""Run the compliance engine on the stored events and record its findings (as ``dmzwatch
check`` does), for ``POST /api/check`` and the background worker."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..rules.engine import Engine
from ..scenario import Scenario
from ..store import Store
from ..store.findings import check_and_record

__all__ = ["run_check"]


def run_check(store: Store, scenario: Scenario) -> dict[str, Any]:
    """Evaluate every rule of ``scenario`` on the store's events; record the findings.

    Re-running on the same events appends nothing to the evidence log.
    """
    done = check_and_record(store, Engine(scenario))
    events, findings, recorded = done.events, done.findings, done.recorded
    verdicts = Counter(f.verdict.value for f in findings)
    return {
        "scenario": scenario.name,
        "events": len(events),
        "findings": len(findings),
        "by_verdict": dict(sorted(verdicts.items())),
        "new": recorded.new,
        "revised": recorded.revised,
        "unchanged": recorded.unchanged,
        "withdrawn": recorded.withdrawn,
    }
