"""Patrol coverage: the planned coverage per sector, for the map's "Patrol coverage" layer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from .._errors import ERROR_RESPONSES
from ..auth import Reader
from ..patrol import UNITS_PATTERN, check_parties, parse_api_units
from ..services import Services, services
from .scenarios import GEOJSON, GeoJSONResponse

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["patrol"], responses=ERROR_RESPONSES)
Svc = Annotated[Services, Depends(services)]

_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}},
        "description": "Sectors with party, sector, coverage and value, and the plan's summary",
    }
}


@router.get(
    "/patrol/coverage",
    response_class=GeoJSONResponse,
    responses=_DOC,
    response_model=None,
)
def patrol_coverage(
    svc: Svc,
    _: Reader,
    scenario: Annotated[
        str | None, Query(description="Scenario (default: the server's scenario)")
    ] = None,
    units: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=UNITS_PATTERN,
            description="Units per party, e.g. TR=4,RU=4 (default: the agreement's, else 4)",
        ),
    ] = None,
    seed: Annotated[
        int, Query(ge=0, le=2**32 - 1, description="Random seed, as the CLI's --seed")
    ] = 0,
    start: Annotated[
        dt.date | None,
        Query(description="Day the plan is for; history is decayed to it (default: today)"),
    ] = None,
) -> Response:
    """The patrol plan's coverage per sector as GeoJSON, as ``dmzwatch patrol plan`` writes
    it to ``coverage.geojson``: each sector with ``party``, ``sector``, ``coverage`` (the
    probability it is patrolled on a day) and ``value``, plus ``summary`` (sectors, units,
    expected value, solver status, gap, network). Planned from the stored events as history;
    a plan, not observed patrols. Kept until the stored events change. A scenario without
    patrol duties, or a party in ``units`` without one, is not found (404)."""
    s = svc.scenario(scenario)
    parsed = parse_api_units(units)
    check_parties(s, parsed)
    day = start or dt.datetime.now(s.agreement.timezone).date()
    body = svc.patrol.get(svc.store(), s, units=parsed, seed=seed, start=day)
    return GeoJSONResponse(body, headers={"Cache-Control": "private, max-age=60"})
