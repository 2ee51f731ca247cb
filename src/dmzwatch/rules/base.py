"""What every rule kind shares: the evaluation context, class matching, and one-event verdicts.

A verdict is reached in two steps. First the location: ``violation`` when at least
``thresholds.violation`` of the event's uncertainty shape lies in the zone's certain core,
``possible`` when at least ``thresholds.possible`` of it lies in the zone (core or fringe),
nothing below. Then everything else that could make a violation uncertain caps it at
``possible``, and says so: a date interval that straddles the rule's start, a weapon class
inferred from text, a class named without the calibre the rule needs, a strike seen where
it landed rather than where it was fired from, actors the source names beside the ones the
rule binds, a side of the line the shape reaches across.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..agreement.classes import FIRED_FROM_AFAR
from ..agreement.model import Agreement, Rule
from ..events.model import EventKind
from .actors import ActorMatcher, Attribution, Blame
from .finding import Finding, Thresholds, Verdict, finding_id
from .placement import ZoneFit
from .table import EventTable
from .timing import RulePeriod, Timing, rule_period

__all__ = [
    "ATTACK_KINDS",
    "FIRED_FROM_AFAR",
    "ClassMatch",
    "Context",
    "Judgement",
    "class_match",
    "match_classes",
]

#: Event kinds that are attacks for an ``attack_prohibited`` rule.
ATTACK_KINDS = frozenset({EventKind.ATTACK.value, EventKind.STRIKE.value, EventKind.CLASH.value})

#: Event kinds whose location is where force was used, not where the weapon stood.
_USE_KINDS = frozenset({EventKind.ATTACK.value, EventKind.STRIKE.value, EventKind.CLASH.value})


class ClassMatch(enum.IntEnum):
    """How an event's equipment class meets a rule's classes."""

    NONE = 0
    GENERAL = 1  # the event names a class the rule narrows by calibre (artillery vs ≥ 100 mm)
    EXACT = 2


def class_match(event_class: str, rule_classes: Iterable[str]) -> tuple[ClassMatch, str]:
    """Whether a rule's classes cover an event's class, and which rule class it is.

    A class id ``X_...`` narrows the class ``X`` (``artillery_100mm_plus`` narrows
    ``artillery``): an event of the narrower class is covered by a rule on the wider one;
    an event of the wider class only possibly by a rule on a narrower one (the calibre is
    not known).

    >>> class_match("mortar", ["tank", "mortar"])
    (<ClassMatch.EXACT: 2>, 'mortar')
    >>> class_match("artillery", ["artillery_100mm_plus"])
    (<ClassMatch.GENERAL: 1>, 'artillery_100mm_plus')
    >>> class_match("mlrs_heavy", ["mlrs"])
    (<ClassMatch.EXACT: 2>, 'mlrs')
    >>> class_match("aircraft", ["tank"])
    (<ClassMatch.NONE: 0>, '')
    """
    classes = tuple(rule_classes)
    if not event_class:
        return ClassMatch.NONE, ""
    if event_class in classes:
        return ClassMatch.EXACT, event_class
    for rc in classes:
        if event_class.startswith(rc + "_"):
            return ClassMatch.EXACT, rc
    for rc in classes:
        if rc.startswith(event_class + "_"):
            return ClassMatch.GENERAL, rc
    return ClassMatch.NONE, ""


def match_classes(classes: NDArray[np.str_], rule_classes: Iterable[str]) -> NDArray[np.int8]:
    """:func:`class_match` for an array of event classes (one lookup per distinct class)."""
    wanted = tuple(rule_classes)
    distinct, inverse = np.unique(classes, return_inverse=True)
    table = np.array([class_match(str(c), wanted)[0] for c in distinct], dtype=np.int8)
    return table[inverse] if len(classes) else np.zeros(0, dtype=np.int8)


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule is evaluated with: the agreement, the events, the thresholds.

    ``same_as`` maps an event id to the id of the event it duplicates (the store's probable
    duplicate links), so that caps count one sighting once.
    """

    agreement: Agreement
    table: EventTable
    thresholds: Thresholds = field(default_factory=Thresholds)
    same_as: Mapping[str, str] = field(default_factory=dict)
    actors: ActorMatcher = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "actors", ActorMatcher(self.agreement.actors))

    def period(self, rule: Rule) -> RulePeriod:
        return rule_period(rule, self.agreement.timezone)

    def in_play(
        self, fit: ZoneFit, period: RulePeriod
    ) -> tuple[NDArray[np.bool_], NDArray[np.int8]]:
        """Events that may be in the zone (p >= possible) and in the rule's period."""
        timing = period.timing(self.table.times)
        mask = (fit.p_in_zone >= self.thresholds.possible) & (timing != Timing.OUTSIDE)
        return mask, timing


@dataclass
class Judgement:
    """A one-event verdict being built: reasons, and the caps that keep it below violation."""

    reasons: list[str] = field(default_factory=list)
    caps: list[str] = field(default_factory=list)

    def location(self, ctx: Context, fit: ZoneFit, i: int) -> None:
        zone = fit.zone
        shape = ctx.table.shapes[i].describe()
        p, p_core = float(fit.p_in_zone[i]), float(fit.p_in_core[i])
        band = str(fit.band[i])
        where = (
            f"the reported point lies in the {band} band of zone '{zone.id}'"
            if band
            else f"the reported point lies outside zone '{zone.id}'"
        )
        self.reasons.append(
            f"location: {where}, {fit.distance_km[i]:.1f} km from its line "
            f"'{zone.reference_id}'; {p:.0%} of the {shape} lies in the zone"
        )
        if fit.has_fringe and p_core < ctx.thresholds.violation <= p:
            core = next((b for b in zone.bands if b.band == "core"), None)
            depth = f" (up to {core.depth_max_km:g} km)" if core and core.depth_max_km else ""
            self.reasons.append(
                f"only {p_core:.0%} of it lies in the zone's certain core{depth}: the agreement "
                "gives the depth as a range, so the zone may not reach the rest"
            )
        elif p_core < ctx.thresholds.violation:
            # the zone's share when it is the one too small, else the core's (no fringe)
            share = p if p < ctx.thresholds.violation else p_core
            self.reasons.append(
                f"the location is uncertain: {share:.0%} in the zone is below the "
                f"{ctx.thresholds.violation:.0%} a violation needs"
            )

    def timing(self, ctx: Context, period: RulePeriod, timing: int, i: int) -> None:
        note = ctx.table.times.notes[i]
        if timing == Timing.WITHIN:
            self.reasons.append(f"date: {note}, within the rule's period {period.describe()}")
        else:
            self.cap(
                f"date: {note}, which straddles the rule's period {period.describe()}: "
                "the event may have happened outside it"
            )

    def weapon(self, ctx: Context, i: int, match: int, rule_class: str) -> None:
        event = ctx.table.events[i]
        cls = event.equipment_class or ""
        if event.equipment_inferred:
            words = ", ".join(f"'{w}'" for w in event.inferred_from) or "its text"
            self.cap(f"weapon: {cls}, inferred from the text ({words}), not reported as such")
        else:
            self.reasons.append(f"weapon: {cls}, as the source reports it")
        if match == ClassMatch.GENERAL:
            self.cap(f"the source says '{cls}' without the calibre; the rule covers '{rule_class}'")
        if event.kind.value in _USE_KINDS and cls in FIRED_FROM_AFAR:
            self.cap(
                f"the event is a {event.kind.value} located where force was used; a weapon of "
                f"class '{cls}' may have fired from outside the zone"
            )

    def attribution(self, ctx: Context, i: int, a: Attribution, bound: Iterable[str]) -> None:
        names = ", ".join(ctx.table.events[i].actors) or "none"
        binds = ", ".join(bound)
        if a.blame is Blame.ANYONE:
            self.reasons.append(f"actors: {names} (the rule binds every actor)")
        elif a.blame is Blame.BOUND:
            self.reasons.append(f"actors: {names}, bound by the rule ({binds})")
        else:
            self.cap(f"actors: {names}; the rule binds {binds}; {a.blame.value}")

    def cap(self, reason: str) -> None:
        self.caps.append(reason)

    def verdict(self, ctx: Context, fit: ZoneFit, i: int) -> Verdict:
        if fit.p_in_core[i] >= ctx.thresholds.violation and not self.caps:
            return Verdict.VIOLATION
        return Verdict.POSSIBLE

    def finding(
        self,
        ctx: Context,
        rule: Rule,
        fit: ZoneFit,
        i: int,
        period: RulePeriod,
        timing: int,
        *,
        side: str = "",
    ) -> Finding:
        """The finding for event ``i``; caps are listed after the other reasons."""
        verdict = self.verdict(ctx, fit, i)
        event = ctx.table.events[i]
        reasons = list(self.reasons)
        if self.caps:
            reasons += self.caps
            if verdict is Verdict.POSSIBLE and fit.p_in_core[i] >= ctx.thresholds.violation:
                reasons.append("so: at most a possible violation, though the location is certain")
        times = ctx.table.times
        return Finding(
            finding_id=finding_id(ctx.agreement.id, rule.id, [ctx.table.ids[i]]),
            agreement=ctx.agreement.id,
            rule=rule.id,
            rule_kind=rule.kind,
            clause=" ".join(rule.clause.split()),
            verdict=verdict,
            event_ids=(ctx.table.ids[i],),
            zone=fit.zone.id,
            band=str(fit.band[i]),
            distance_km=round(float(fit.distance_km[i]), 3),
            p_in_zone=round(float(fit.p_in_zone[i]), 4),
            p_in_core=round(float(fit.p_in_core[i]), 4),
            shape=ctx.table.shapes[i].describe(),
            lon=float(event.lon),
            lat=float(event.lat),
            first_day=times.first_day[i],
            last_day=times.last_day[i],
            rule_start=period.start,
            timing="after" if timing == Timing.WITHIN else "straddles",
            equipment_class=event.equipment_class,
            equipment_inferred=event.equipment_inferred,
            matched_words=tuple(event.inferred_from),
            actors=tuple(event.actors),
            side=side,
            civilians=event.civilians,
            reasons=tuple(reasons),
        )
