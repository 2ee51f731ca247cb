"""``withdrawal``: each side pulls the classes back beyond the zone's distance from the line.

A weapon of the classes seen on one side of the zone's line, within the zone (its distance
of the line), after the deadline, is a violation by that side's actors. The side is that
of the reported point (the sign of the cross product with the nearest segment of the line);
when the uncertainty shape reaches across the line, the side and so the bound actors are
uncertain and the finding at most possible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..agreement.model import Side, WithdrawalRule
from ._geometry import LEFT, RIGHT
from .base import ClassMatch, Context, Judgement, class_match, match_classes
from .finding import Finding
from .placement import ZoneFit

__all__ = ["WithdrawalCheck"]


@dataclass(frozen=True, slots=True)
class WithdrawalCheck:
    """Weapons of the rule's classes within the zone on a side, by that side's actors."""

    rule: WithdrawalRule

    def bound(self, side: Side) -> tuple[str, ...]:
        """The actors that must withdraw from ``side`` (both sides' for ``Side.BOTH``)."""
        sides = dict(self.rule.sides)
        if side is Side.BOTH:
            return tuple(a for s in (Side.LEFT, Side.RIGHT) for a in sides.get(s, ()))
        return tuple(sides.get(side, ()))

    def evaluate(self, ctx: Context, fit: ZoneFit) -> list[Finding]:
        """Findings on the events of ``ctx`` (``fit``: those events against the rule's zone)."""
        period = ctx.period(self.rule)
        mask, timing = ctx.in_play(fit, period)
        mask &= match_classes(ctx.table.classes, self.rule.classes) != ClassMatch.NONE
        out: list[Finding] = []
        line = fit.zone.reference_id
        for i in np.flatnonzero(mask).tolist():
            event = ctx.table.events[i]
            crosses = bool(fit.crosses_line[i]) or fit.side[i] == 0
            side = {LEFT: Side.LEFT, RIGHT: Side.RIGHT}.get(int(fit.side[i]), Side.BOTH)
            bound = self.bound(Side.BOTH if crosses else side)
            if not bound:
                continue
            attribution = ctx.actors.attribute(event.actors, bound)
            if not attribution.applies:
                continue
            match, rule_class = class_match(event.equipment_class or "", self.rule.classes)
            j = Judgement()
            j.location(ctx, fit, i)
            if crosses:
                j.cap(
                    f"side: the location's uncertainty reaches across line '{line}', so the "
                    "side, and who must withdraw from it, is uncertain"
                )
            else:
                j.reasons.append(
                    f"side: {side.value} of line '{line}', where the rule binds {', '.join(bound)}"
                )
            j.timing(ctx, period, int(timing[i]), i)
            j.weapon(ctx, i, match, rule_class)
            j.attribution(ctx, i, attribution, bound)
            out.append(
                j.finding(
                    ctx,
                    self.rule,
                    fit,
                    i,
                    period,
                    int(timing[i]),
                    side="both" if crosses else side.value,
                )
            )
        return out
