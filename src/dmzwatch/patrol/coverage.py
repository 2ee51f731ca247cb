"""A plan's coverage as data: GeoJSON of the sectors, a summary, the history from events.

What ``dmzwatch patrol plan`` writes as ``coverage.geojson``, what the API serves at
``GET /api/patrol/coverage`` and what the daily report's "Patrol coverage" section shows
all come from here, so the three agree. Nothing here reads a database: the callers turn
their stored events into :class:`~dmzwatch.patrol.value.HistoryRecord` values with
:func:`history_from_events`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .plan import Plan
from .value import HistoryRecord

if TYPE_CHECKING:
    from ..events.model import Event

__all__ = [
    "PLAN_NOTE",
    "coverage_geojson",
    "coverage_summary",
    "history_from_events",
    "plan_units",
    "sector_party",
]

PLAN_NOTE = (
    "a plan (optimal randomized coverage against an adaptive violator), not observed patrols"
)
"""What the coverage is, in the words every output uses."""


def history_from_events(events: Iterable[Event]) -> list[HistoryRecord]:
    """Located, dated history records of events (weight 1), in a stable order.

    The order does not depend on the order of ``events``, so the same events give the same
    values to the last bit.

    >>> history_from_events([])
    []
    """
    records = [HistoryRecord(float(e.lon), float(e.lat), e.start.date()) for e in events]
    records.sort(key=lambda r: (r.date, r.lon, r.lat, r.weight))
    return records


def sector_party(parties: Iterable[str]) -> str:
    """The label of who patrols a sector: ``"TR"``, or ``"TR+RU"`` for a joint duty.

    >>> sector_party(("TR", "RU"))
    'TR+RU'
    """
    return "+".join(parties)


def plan_units(plan: Plan) -> dict[str, int]:
    """Units per party over all its duties."""
    units: dict[str, int] = {}
    for d in plan.duties:
        for party, n in d.units.items():
            units[party] = units.get(party, 0) + n
    return units


def coverage_summary(
    plan: Plan, *, seed: int | None = None, history_source: str | None = None
) -> dict[str, Any]:
    """The plan's headline: sectors, units, expected value, solver status, gap, network."""
    eq = plan.equilibrium
    out: dict[str, Any] = {
        "scenario": plan.scenario.name,
        "start": plan.start.isoformat(),
        "sectors": len(plan.sectors),
        "units": plan_units(plan),
        "expected_value": eq.defender_value,
        "attacker_value": eq.attacker_value,
        "attacked_sector": plan.sectors[eq.target].id,
        "solver": eq.solver,
        "solver_status": eq.status,
        "gap": eq.gap,
        "network": plan.network_kind,
        "network_source": plan.network_source,
        "history_records": plan.history_records,
        "note": PLAN_NOTE,
        "notes": list(plan.notes),
    }
    if seed is not None:
        out["seed"] = seed
    if history_source is not None:
        out["history_source"] = history_source
    return out


def coverage_geojson(plan: Plan) -> dict[str, Any]:
    """Sectors with who patrols them (``party``), their ``coverage``, ``value`` and its parts."""
    from shapely.geometry import mapping

    area_of = {int(s): a.base.name for a in plan.areas for s in a.sectors}
    utility = plan.game.attacker_utility(plan.coverage)
    features = []
    for i, (s, v) in enumerate(zip(plan.sectors, plan.values, strict=True)):
        features.append(
            {
                "type": "Feature",
                "geometry": _rounded(mapping(s.geometry)),
                "properties": {
                    "id": s.id,
                    "sector": s.id,
                    "party": sector_party(s.parties),
                    "duty": s.duty,
                    "parties": list(s.parties),
                    "side": s.side.value,
                    "index": s.index,
                    "start_km": round(s.start_km, 3),
                    "end_km": round(s.end_km, 3),
                    "area_km2": round(s.area_km2, 3),
                    "coverage": round(float(plan.coverage[i]), 6),
                    "value": round(v.value, 6),
                    "history": round(v.history, 6),
                    "history_records": v.records,
                    "population_exposed": round(v.population, 1),
                    "priority": round(v.priority, 6),
                    "violator_utility": round(float(utility[i]), 6),
                    "base": area_of.get(i),
                    "reachable": i in area_of,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
