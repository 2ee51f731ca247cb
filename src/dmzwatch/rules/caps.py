"""``cap``: at most N items of the classes present in zone Z within a window of days.

Sightings are counted per window of ``window_days`` consecutive days (agreement timezone)
ending on each day a sighting may have happened. A sighting counts its
``equipment_count`` (1 when not given). Distinct sightings only: the events the store links
as duplicates (``Context.same_as``), and events that repeat one sighting (same days, class,
place and count), count once.

* ``violation``: the sightings that are certainly in the zone's core, certainly in the
  window, of a class the source reports (not inferred, calibre known) and by bound actors
  add up to more than N;
* ``possible``: all sightings that may be in the zone and the window add up to more than N;
* ``compliant``: a window with sightings that stays within the cap.

Each window's finding lists its events; of nested windows with the same verdict, only the
largest is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..agreement.model import CapRule
from .base import ClassMatch, Context, match_classes
from .finding import Finding, Verdict, finding_id
from .placement import ZoneFit
from .timing import Timing

__all__ = ["CapCheck"]

_RANK = {Verdict.COMPLIANT: 0, Verdict.POSSIBLE: 1, Verdict.VIOLATION: 2}


@dataclass(frozen=True, slots=True)
class CapCheck:
    """Counts distinct sightings per window against the rule's ``max_count``."""

    rule: CapRule

    def evaluate(self, ctx: Context, fit: ZoneFit) -> list[Finding]:
        """Findings on the events of ``ctx`` (``fit``: those events against the rule's zone)."""
        rule = self.rule
        period = ctx.period(rule)
        mask, timing = ctx.in_play(fit, period)
        match = match_classes(ctx.table.classes, rule.classes)
        mask &= match != ClassMatch.NONE
        table = ctx.table
        idx: list[int] = []
        certain: list[bool] = []
        seen: dict[object, int] = {}
        merged: dict[int, list[str]] = {}
        for i in np.flatnonzero(mask).tolist():
            event = table.events[i]
            attribution = ctx.actors.attribute(event.actors, rule.actors)
            if not attribution.applies:
                continue
            key: object = ctx.same_as.get(table.ids[i]) or (
                table.times.first_day[i],
                table.times.last_day[i],
                event.equipment_class,
                round(event.lon, 4),
                round(event.lat, 4),
                int(table.counts[i]),
            )
            if key in seen:
                merged[seen[key]].append(table.ids[i])
                continue
            seen[key] = i
            merged[i] = [table.ids[i]]
            idx.append(i)
            certain.append(
                bool(fit.p_in_core[i] >= ctx.thresholds.violation)
                and timing[i] == Timing.WITHIN
                and match[i] == ClassMatch.EXACT
                and not event.equipment_inferred
                and attribution.certain
            )
        if not idx:
            return []
        sel = np.array(idx)
        sure = np.array(certain)
        first = np.array([table.times.first_day[i].toordinal() for i in idx])
        last = np.array([table.times.last_day[i].toordinal() for i in idx])
        counts = table.counts[sel]
        start = period.start.date().toordinal()
        ends = np.unique(np.concatenate([first, last]))
        ends = ends[ends >= start]
        w = rule.window_days
        lo = ends[:, None] - w + 1
        hi = ends[:, None]
        maybe = (last[None, :] >= lo) & (first[None, :] <= hi)
        surely = (first[None, :] >= lo) & (last[None, :] <= hi) & sure[None, :]
        n_sure = (surely * counts[None, :]).sum(axis=1)
        n_maybe = (maybe * counts[None, :]).sum(axis=1)
        windows: dict[frozenset[int], tuple[Verdict, int]] = {}
        for k in range(len(ends)):
            members = frozenset(np.flatnonzero(maybe[k]).tolist())
            if not members:
                continue
            if n_sure[k] > rule.max_count:
                verdict = Verdict.VIOLATION
            elif n_maybe[k] > rule.max_count:
                verdict = Verdict.POSSIBLE
            else:
                verdict = Verdict.COMPLIANT
            old = windows.get(members)
            if old is None or _RANK[verdict] > _RANK[old[0]]:
                windows[members] = (verdict, k)
        kept = [
            (members, verdict, k)
            for members, (verdict, k) in windows.items()
            if not any(
                members < other and _RANK[v] >= _RANK[verdict] for other, (v, _) in windows.items()
            )
        ]
        out = []
        for members, verdict, k in sorted(kept, key=lambda m: int(ends[m[2]])):
            out.append(
                self._finding(
                    ctx,
                    fit,
                    sel,
                    sure,
                    surely[k],
                    members,
                    verdict,
                    int(ends[k]),
                    int(n_sure[k]),
                    int(n_maybe[k]),
                    timing,
                    merged,
                    period.start,
                )
            )
        return out

    def _finding(
        self,
        ctx: Context,
        fit: ZoneFit,
        sel: np.ndarray,
        sure: np.ndarray,
        surely: np.ndarray,
        members: frozenset[int],
        verdict: Verdict,
        end: int,
        n_sure: int,
        n_maybe: int,
        timing: np.ndarray,
        merged: dict[int, list[str]],
        rule_start: dt.datetime,
    ) -> Finding:
        rule = self.rule
        order = sorted(members)
        events = [int(sel[m]) for m in order]
        ids = tuple(sorted({x for i in events for x in merged[i]}))
        last = dt.date.fromordinal(end)
        first = last - dt.timedelta(days=rule.window_days - 1)
        counted = (
            [int(sel[m]) for m in order if surely[m]] if verdict is Verdict.VIOLATION else events
        )
        p = min(float(fit.p_in_zone[i]) for i in counted)
        p_core = min(float(fit.p_in_core[i]) for i in counted)
        classes = ", ".join(rule.classes)
        reasons = [
            f"window {first.isoformat()} to {last.isoformat()} ({rule.window_days} day(s)): "
            f"{n_sure} item(s) of {classes} certainly in zone '{rule.zone}', {n_maybe} counting "
            f"uncertain sightings; the cap is {rule.max_count}",
            f"{len(events)} distinct sighting(s) from {len(ids)} event(s)",
        ]
        uncertain = len(events) - int(sure[order].sum())
        if uncertain:
            reasons.append(
                f"{uncertain} sighting(s) count only as possible: location outside the certain "
                "core, date straddling the window or the rule's start, class inferred or "
                "without calibre, or actors not certainly bound"
            )
        bands = sorted({str(fit.band[i]) for i in events} - {""})
        return Finding(
            finding_id=finding_id(ctx.agreement.id, rule.id, ids),
            agreement=ctx.agreement.id,
            rule=rule.id,
            rule_kind=rule.kind,
            clause=" ".join(rule.clause.split()),
            verdict=verdict,
            event_ids=ids,
            zone=rule.zone,
            band="+".join(bands),
            distance_km=None,
            p_in_zone=round(p, 4),
            p_in_core=round(p_core, 4),
            shape="; ".join(sorted({ctx.table.shapes[i].describe() for i in events})),
            lon=None,
            lat=None,
            first_day=first,
            last_day=last,
            rule_start=rule_start,
            timing="after" if all(timing[i] == Timing.WITHIN for i in events) else "straddles",
            equipment_class=classes,
            count=n_sure if verdict is Verdict.VIOLATION else n_maybe,
            max_count=rule.max_count,
            reasons=tuple(reasons),
        )
