"""Run every rule of an agreement on a sequence of events.

Fetching events, evaluating, storing and reporting findings are separate steps; this module
only evaluates. The events' shapes are projected once, each zone is judged once for all
events (:class:`~dmzwatch.rules.placement.Placement`), then each rule's ``evaluate`` runs on
those arrays.

>>> import datetime as dt
>>> from dmzwatch import load_scenario
>>> from dmzwatch.events.model import Event, EventKind
>>> day = dt.datetime(2018, 11, 2, tzinfo=dt.timezone.utc)
>>> morek = Event("demo", "1", EventKind.STRIKE, day, day.replace(hour=23, minute=59, second=59),
...               36.6897, 35.37615, precision_km=2.0, actors=("Government of Syria",))
>>> [(f.rule, f.verdict.value, f.band) for f in evaluate(load_scenario("idlib-2018"), [morek])]
[('zone-in-force', 'violation', 'core')]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from ..agreement.model import AttackRule, CapRule, ProhibitedClassRule, Rule, WithdrawalRule
from ..events.model import Event
from ..scenario import Scenario
from .attacks import AttackCheck
from .base import Context
from .caps import CapCheck
from .finding import Finding, Thresholds
from .placement import Placement, ZoneFit
from .prohibited import ProhibitedClassCheck
from .table import EventTable
from .withdrawal import WithdrawalCheck

__all__ = ["Check", "Engine", "check_for", "evaluate"]

log = logging.getLogger(__name__)


class Placer(Protocol):
    """Where the events lie against a zone: what every check reads."""

    def fit(self, zone_id: str) -> ZoneFit: ...


Check = ProhibitedClassCheck | AttackCheck | CapCheck | WithdrawalCheck


def check_for(rule: Rule) -> Check:
    """The check that evaluates ``rule``."""
    if isinstance(rule, ProhibitedClassRule):
        return ProhibitedClassCheck(rule)
    if isinstance(rule, AttackRule):
        return AttackCheck(rule)
    if isinstance(rule, CapRule):
        return CapCheck(rule)
    if isinstance(rule, WithdrawalRule):
        return WithdrawalCheck(rule)
    raise TypeError(f"no check for rule kind {type(rule).__name__}")  # pragma: no cover


class Engine:
    """The rules of one scenario, ready to run on events.

    Parameters
    ----------
    scenario
        The agreement with its zones built.
    thresholds
        p_in_zone cut-offs for violation and possible (0.9 and 0.1 by default).
    sectors_from_text
        Read observer sectors ("1–4.5 km south-south-east") from event texts.
    rules
        Only these rule ids (all rules when None).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        thresholds: Thresholds | None = None,
        sectors_from_text: bool = False,
        rules: Sequence[str] | None = None,
    ) -> None:
        self.scenario = scenario
        self.thresholds = thresholds or Thresholds()
        self.sectors_from_text = sectors_from_text
        chosen = scenario.agreement.rules
        if rules is not None:
            known = {r.id for r in chosen}
            unknown = sorted(set(rules) - known)
            if unknown:
                raise KeyError(f"no rule {', '.join(unknown)} in {scenario.agreement.id}")
            chosen = tuple(r for r in chosen if r.id in set(rules))
        self.checks: tuple[Check, ...] = tuple(check_for(r) for r in chosen)

    def table(self, events: Sequence[Event]) -> EventTable:
        """The events as arrays, with days in the agreement's timezone."""
        return EventTable.build(
            events, self.scenario.agreement.timezone, sectors_from_text=self.sectors_from_text
        )

    def run(
        self,
        events: Sequence[Event],
        *,
        same_as: Mapping[str, str] | None = None,
        progress: Callable[[int], object] | None = None,
        place: Callable[[EventTable], Placer] | None = None,
    ) -> list[Finding]:
        """Findings of every rule on ``events``, in rule order then event order.

        ``progress``, when given, is called with 1 after each rule (``len(self.checks)``
        calls in all), e.g. to advance a progress bar. ``place`` builds what places the
        events against each zone (default: :class:`Placement` in this process; the Dask
        engine passes one that does it in partitions on a cluster).
        """
        table = self.table(events)
        placement = (place or self._place_here)(table)
        ctx = Context(self.scenario.agreement, table, self.thresholds, dict(same_as or {}))
        findings: list[Finding] = []
        for check in self.checks:
            found = check.evaluate(ctx, placement.fit(check.rule.zone))
            log.info("rule %s: %d finding(s)", check.rule.id, len(found))
            findings.extend(found)
            if progress is not None:
                progress(1)
        return findings

    def _place_here(self, table: EventTable) -> Placer:
        return Placement(self.scenario, table.shapes)


def evaluate(
    scenario: Scenario,
    events: Sequence[Event],
    *,
    thresholds: Thresholds | None = None,
    sectors_from_text: bool = False,
    same_as: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Run every rule of ``scenario`` on ``events`` (see :class:`Engine`)."""
    engine = Engine(scenario, thresholds=thresholds, sectors_from_text=sectors_from_text)
    return engine.run(events, same_as=same_as)
