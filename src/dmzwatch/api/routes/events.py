"""Events: monitors post them (one or a batch), readers list them with filters."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ...errors import InputError, PayloadTooLarge
from ...events.model import EventKind
from .._errors import ERROR_RESPONSES
from ..auth import Reader, Submitter
from ..intake import EventIn
from ..queries import EventQuery, query_events
from ..records import verdict_lookup
from ..schemas import EventsPosted
from ..services import Services, services
from ..submit import submit
from .scenarios import GEOJSON, GeoJSONResponse

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["events"], responses=ERROR_RESPONSES)
Svc = Annotated[Services, Depends(services)]

_EVENT_SCHEMA = EventIn.model_json_schema()
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One event, or a JSON list of events (a batch).",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        _EVENT_SCHEMA,
                        {"type": "array", "items": _EVENT_SCHEMA, "maxItems": 10_000},
                    ]
                },
                "example": [
                    {
                        "source": "TR-OP-3",
                        "source_id": "2018-11-24-017",
                        "kind": "weapon_sighting",
                        "time": "2018-11-24T09:30:00+03:00",
                        "lon": 36.6897,
                        "lat": 35.3762,
                        "precision_km": 0.5,
                        "equipment_class": "T-72",
                        "count": 2,
                        "actor": "NFL",
                        "text": "two tanks seen moving south of Morek",
                    }
                ],
            }
        },
    }
}


_SURROGATE = re.compile(rb"\\[uU][dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate: paired it is fine, alone it is not text."""


def _territory(svc: Services) -> Any:
    scenario = svc.scenario()
    key = scenario.agreement.territory
    area = scenario.agreement.areas.get(key) if key else None
    return area.geometry if area is not None else None


@router.post("/events", openapi_extra=_BODY_DOC, response_model=EventsPosted)
async def post_events(request: Request, who: Submitter, svc: Svc) -> Response:
    """Submit one event or a batch. Each event is validated with the same checks as a file
    ingest, then stored, recognised as a duplicate, or rejected (and quarantined) with every
    reason. Events are recorded as submitted by the token's party."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError("the body is not valid JSON: nested too deeply") from None
    if _SURROGATE.search(raw):
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise InputError(
                "the body is not valid JSON text: it escapes a lone UTF-16 surrogate "
                "(\\ud800 to \\udfff without its pair), which is no Unicode character"
            ) from None
    items: list[Any] = data if isinstance(data, list) else [data]
    limit = svc.settings.max_batch
    if len(items) > limit:
        raise PayloadTooLarge(len(items), limit, "batch")
    token = who.token
    assert token is not None  # Submitter admits tokens only
    territory = svc.cached("territory", svc.settings.scenario, lambda: _territory(svc))

    def work() -> bytes:
        out = submit(svc.store(), items, party=who.party, token_id=token.id, territory=territory)
        results = [
            {"event_id": None, "problems": [], **r} for r in out.results
        ]  # the shape of EventResult, built directly: batches are large
        body = {
            "received": len(items),
            "stored": out.count("stored"),
            "duplicates": out.count("duplicate"),
            "rejected": out.count("rejected"),
            "party": who.party,
            "results": results,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    posted = await run_in_threadpool(work)
    svc.linker.poke()
    return Response(posted, media_type="application/json")


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    try:
        parts = [float(x) for x in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or not all(-180 <= p <= 180 for p in parts):
        raise InputError(f"bbox {value!r}: expected west,south,east,north in degrees")
    west, south, east, north = parts
    if west > east or south > north or abs(south) > 90 or abs(north) > 90:
        raise InputError(f"bbox {value!r}: expected west <= east and south <= north")
    return west, south, east, north


_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def _bound(
    name: str, value: dt.datetime | None, raw: str | None, tz: dt.tzinfo, problems: list[str]
) -> dt.datetime | None:
    """``since``/``until`` as an aware time: a bare day is the whole day in the scenario's
    timezone (from its first second for ``since``, to its last for ``until``); a time
    needs a UTC offset and must stay a valid time once converted to UTC."""
    if value is None:
        return None
    if raw is not None and not _ISO_DATE.match(raw):
        # a number would be read as seconds since 1970: 'since=2018' is no year
        problems.append(
            f"{name} {raw!r} is not an ISO 8601 time with a UTC offset "
            "(e.g. 2018-11-24T00:00:00+03:00) or a bare day (YYYY-MM-DD)"
        )
        return None
    if raw is not None and _DAY.match(raw):
        clock = dt.time.min if name == "since" else dt.time(23, 59, 59)
        value = dt.datetime.combine(value.date(), clock, tzinfo=tz)
    elif value.utcoffset() is None:
        problems.append(
            f"{name} {raw or value.isoformat()!r} needs a UTC offset "
            "(e.g. 2018-11-24T00:00:00+03:00 or 2018-11-24T00:00:00Z) or must be a bare day"
        )
        return None
    try:
        if name == "since" and value.microsecond:
            # stored times are whole seconds: from 09:30:00.5 on means from 09:30:01
            value = value.replace(microsecond=0) + dt.timedelta(seconds=1)
        value.astimezone(dt.UTC)
    except OverflowError:
        problems.append(f"{name} {raw or value.isoformat()!r} is out of range in UTC")
        return None
    return value


@router.get(
    "/events",
    response_class=GeoJSONResponse,
    response_model=None,
    responses={
        200: {
            "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}},
            "description": "Matching events as GeoJSON points; 'total', 'counts' and paging "
            "as foreign members",
        }
    },
)
def list_events(
    request: Request,
    svc: Svc,
    _: Reader,
    since: Annotated[
        dt.datetime | None,
        Query(
            description="From this time (ISO 8601 with a UTC offset), or from this day "
            "(YYYY-MM-DD, in the scenario's timezone)"
        ),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        Query(
            description="Up to this time (ISO 8601 with a UTC offset), or to the end of this "
            "day (YYYY-MM-DD, in the scenario's timezone)"
        ),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(description="west,south,east,north (degrees)", examples=["36,35,37.5,36.5"]),
    ] = None,
    zone: Annotated[str | None, Query(max_length=100)] = None,
    band: Literal["core", "fringe", "outside"] | None = None,
    verdict: Literal["violation", "possible", "compliant", "none"] | None = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[str | None, Query(max_length=50)] = None,
    actor: Annotated[str | None, Query(max_length=100, description="Substring of an actor")] = None,
    party: Annotated[str | None, Query(max_length=16, description="Submitted by party")] = None,
    scenario: Annotated[str | None, Query(description="Scenario for zone and band")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Stored events with their zone, band, p_in_zone and worst verdict, filtered."""
    if limit > svc.settings.page_max:
        raise InputError(f"limit {limit} is over the most one page holds ({svc.settings.page_max})")
    s = svc.scenario(scenario)
    problems: list[str] = []
    tz = s.agreement.timezone
    since = _bound("since", since, request.query_params.get("since"), tz, problems)
    until = _bound("until", until, request.query_params.get("until"), tz, problems)
    zones = [z.id for z in s.agreement.zones]
    if zone and zone not in zones:
        problems.append(f"zone {zone!r} is not a zone of {s.name} (zones: {', '.join(zones)})")
    if kind:
        try:
            kind = EventKind.parse(kind).value
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError("; ".join(problems))
    q = EventQuery(
        since=since,
        until=until,
        bbox=_bbox(bbox),
        zone=zone,
        band=band,
        verdict=verdict,
        source=source,
        kind=kind,
        actor=actor,
        party=party,
        limit=limit,
        offset=offset,
    )
    store = svc.store()
    current = svc.findings.current(store, s.agreement.id)
    body = query_events(store, s, q, verdict_lookup(current))
    return GeoJSONResponse(json.dumps(body, ensure_ascii=False, allow_nan=False).encode())
