"""``prohibited_class``: class C is prohibited in zone Z from a date, for the given actors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..agreement.model import ProhibitedClassRule
from .base import ClassMatch, Context, Judgement, class_match, match_classes
from .finding import Finding
from .placement import ZoneFit

__all__ = ["ProhibitedClassCheck"]


@dataclass(frozen=True, slots=True)
class ProhibitedClassCheck:
    """Every event of a prohibited class that may lie in the zone after the rule's date.

    The event's actors must include an actor the rule binds (any actor when the rule names
    none). A weapon sighting in the zone's core, of a class the source reports, by the
    bound actors alone, after the date, is a violation; anything less certain is possible.
    """

    rule: ProhibitedClassRule

    def evaluate(self, ctx: Context, fit: ZoneFit) -> list[Finding]:
        """Findings on the events of ``ctx`` (``fit``: those events against the rule's zone)."""
        period = ctx.period(self.rule)
        mask, timing = ctx.in_play(fit, period)
        mask &= match_classes(ctx.table.classes, self.rule.classes) != ClassMatch.NONE
        out: list[Finding] = []
        for i in np.flatnonzero(mask).tolist():
            event = ctx.table.events[i]
            attribution = ctx.actors.attribute(event.actors, self.rule.actors)
            if not attribution.applies:
                continue
            match, rule_class = class_match(event.equipment_class or "", self.rule.classes)
            j = Judgement()
            j.location(ctx, fit, i)
            j.timing(ctx, period, int(timing[i]), i)
            j.weapon(ctx, i, match, rule_class)
            j.attribution(ctx, i, attribution, self.rule.actors)
            out.append(j.finding(ctx, self.rule, fit, i, period, int(timing[i])))
        return out
