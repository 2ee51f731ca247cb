"""``attack_prohibited``: attacks located in zone Z are prohibited from a date and time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..agreement.model import AttackRule
from .base import ATTACK_KINDS, Context, Judgement
from .finding import Finding
from .placement import ZoneFit

__all__ = ["AttackCheck"]


@dataclass(frozen=True, slots=True)
class AttackCheck:
    """Every attack, strike or clash that may lie in the zone after the rule's start.

    An event is judged where the source locates it (for UCDP and ACLED: where the force
    was used). With actors named, the rule binds only them.
    """

    rule: AttackRule

    def evaluate(self, ctx: Context, fit: ZoneFit) -> list[Finding]:
        """Findings on the events of ``ctx`` (``fit``: those events against the rule's zone)."""
        period = ctx.period(self.rule)
        mask, timing = ctx.in_play(fit, period)
        mask &= np.isin(ctx.table.kinds, list(ATTACK_KINDS))
        out: list[Finding] = []
        for i in np.flatnonzero(mask).tolist():
            event = ctx.table.events[i]
            attribution = ctx.actors.attribute(event.actors, self.rule.actors)
            if not attribution.applies:
                continue
            j = Judgement()
            j.location(ctx, fit, i)
            j.timing(ctx, period, int(timing[i]), i)
            j.reasons.append(
                f"event: a {event.kind.value}" + (f": {event.text}" if event.text else "")
            )
            j.attribution(ctx, i, attribution, self.rule.actors)
            out.append(j.finding(ctx, self.rule, fit, i, period, int(timing[i])))
        return out
