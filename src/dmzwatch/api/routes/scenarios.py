"""Open resources: scenarios, zones and base layers (no token needed), health, who am I."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from ... import __version__
from ...scenario import Scenario
from .._errors import ERROR_RESPONSES
from ..auth import Anyone
from ..layers import Layer, layer_collection, zones_collection
from ..schemas import FeatureCollection, Health, Me, ScenarioInfo
from ..services import Services, services

__all__ = ["GEOJSON", "GeoJSONResponse", "router"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
Svc = Annotated[Services, Depends(services)]
ScenarioQuery = Annotated[
    str | None, Query(description="Scenario name (default: the server's scenario)")
]

GEOJSON = "application/geo+json"
_GEOJSON_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}},
        "description": "A GeoJSON FeatureCollection",
    }
}


class GeoJSONResponse(Response):
    media_type = GEOJSON


def _info(scenario: Scenario, default: bool) -> ScenarioInfo:
    a = scenario.agreement
    rules = [
        {
            "id": r.id,
            "kind": r.kind,
            "zone": r.zone,
            "start": r.start.isoformat(),
            "clause": r.clause,
        }
        for r in a.rules
    ]
    milestones = [{"id": m.id, "title": m.title, "at": m.at.isoformat()} for m in a.milestones]
    layers = ["lines", "places"]
    if a.territory:
        layers.append("territory")
    if a.map_layers:
        layers.append("areas")
    return ScenarioInfo(
        name=scenario.name,
        title=a.title,
        signed=a.signed,
        timezone=str(a.timezone),
        default=default,
        schematic=a.schematic,
        zones=[z.id for z in a.zones],
        parties={p.id: p.name for p in a.parties},
        rules=rules,
        milestones=milestones,
        layers=sorted(layers),
    )


@router.get("/health", tags=["meta"])
def health(svc: Svc, _: Anyone) -> Health:
    """The server is up; its version and default scenario."""
    return Health(status="ok", version=__version__, scenario=svc.settings.scenario)


@router.get("/me", tags=["meta"])
def me(who: Anyone) -> Me:
    """The caller's role and party as the server sees them (null when anonymous)."""
    token = who.token
    return Me(role=who.role, party=who.party, token_id=token.id if token else None)


@router.get("/scenarios", tags=["scenarios"])
def scenarios(svc: Svc, _: Anyone) -> list[ScenarioInfo]:
    """The scenarios this server knows, the default one flagged."""
    default = svc.settings.scenario
    return [_info(svc.scenario(name), name == default) for name in svc.scenario_names()]


@router.get("/scenarios/{name}", tags=["scenarios"])
def scenario(name: str, svc: Svc, _: Anyone) -> ScenarioInfo:
    """One scenario: parties, zones, rules and milestones."""
    s = svc.scenario(name)
    # a name that is not among the server's names was found as the default's agreement id
    return _info(s, name == svc.settings.scenario or name not in svc.scenario_names())


def _geojson_bytes(svc: Services, kind: str, name: str, build: Any) -> bytes:
    raw: bytes = svc.cached(kind, name, lambda: json.dumps(build(), ensure_ascii=False).encode())
    return raw


@router.get(
    "/zones",
    tags=["scenarios"],
    response_class=GeoJSONResponse,
    responses=_GEOJSON_DOC,
    response_model=None,
)
def zones(svc: Svc, _: Anyone, scenario: ScenarioQuery = None) -> Response:
    """The scenario's zones as GeoJSON: one feature per zone and band (core, fringe)."""
    s = svc.scenario(scenario)
    body = _geojson_bytes(svc, "zones", s.name, lambda: zones_collection(s))
    return GeoJSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/layers/{layer}",
    tags=["scenarios"],
    response_class=GeoJSONResponse,
    responses=_GEOJSON_DOC,
    response_model=None,
)
def layer(layer: Layer, svc: Svc, _: Anyone, scenario: ScenarioQuery = None) -> Response:
    """A base layer of the map as GeoJSON: ``lines`` (line of contact, highways),
    ``territory`` (national border), ``areas`` (governorates), ``places`` (with their band)."""
    s = svc.scenario(scenario)
    body = _geojson_bytes(svc, f"layer:{layer.value}", s.name, lambda: layer_collection(s, layer))
    return GeoJSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


# FeatureCollection is referenced by the GeoJSON routes' documentation.
_ = FeatureCollection
