"""Readers' resources: findings, quarantine, ingests, links, reports and the evidence log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from ...errors import NotFound
from ...store.records import event_record
from .._errors import ERROR_RESPONSES
from ..auth import Admin, Reader
from ..evaluate import run_check
from ..records import finding_dict, finding_rows, link_rows, quarantine_rows, verification
from ..reports import list_reports, report_path
from ..schemas import (
    CheckSummary,
    EventRecord,
    FindingOut,
    FindingsPage,
    Ingests,
    Links,
    Quarantine,
    ReportFile,
    VerifyStatus,
)
from ..services import Services, services

__all__ = ["router"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
Svc = Annotated[Services, Depends(services)]


MAX_ID = 2**63 - 1  # the largest id the database stores

ScenarioQuery = Annotated[
    str | None, Query(description="Scenario (default: the server's scenario)")
]


@router.get("/findings", tags=["findings"])
def findings(
    svc: Svc,
    _: Reader,
    scenario: ScenarioQuery = None,
    verdict: Literal["violation", "possible", "compliant"] | None = None,
    rule: Annotated[str | None, Query(max_length=100)] = None,
    event: Annotated[
        str | None, Query(max_length=300, description="An event key, source:source_id")
    ] = None,
    band: Literal["core", "fringe", "outside"] | None = None,
    since: Annotated[dt.date | None, Query(description="Events on or after this day")] = None,
    until: Annotated[dt.date | None, Query(description="Events on or before this day")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FindingsPage:
    """The current findings (recorded by ``dmzwatch check`` or ``POST /api/check``), worst
    first, each with its rule, clause, events, band, distance, p_in_zone and reasons."""
    s = svc.scenario(scenario)
    current = svc.findings.current(svc.store(), s.agreement.id)
    body = finding_rows(
        current,
        verdict=verdict,
        rule=rule,
        event=event,
        band=band,
        since=since,
        until=until,
        limit=min(limit, svc.settings.page_max),
        offset=offset,
    )
    return FindingsPage.model_validate(body)


@router.get("/findings/{finding_id}", tags=["findings"])
def finding(finding_id: str, svc: Svc, _: Reader, scenario: ScenarioQuery = None) -> FindingOut:
    """One current finding."""
    s = svc.scenario(scenario)
    for f in svc.findings.current(svc.store(), s.agreement.id):
        if f.finding_id == finding_id:
            return FindingOut.model_validate(finding_dict(f))
    raise NotFound(f"no current finding {finding_id!r} under {s.name}")


@router.post("/check", tags=["findings"])
async def check(svc: Svc, _: Admin, scenario: ScenarioQuery = None) -> CheckSummary:
    """Evaluate every rule on the stored events and record the findings in the evidence log
    (as ``dmzwatch check``); re-running on the same events appends nothing."""
    s = svc.scenario(scenario)
    body = await run_in_threadpool(lambda: run_check(svc.store(), s))
    return CheckSummary.model_validate(body)


@router.get("/quarantine", tags=["events"])
def quarantine(
    svc: Svc,
    _: Reader,
    source: Annotated[str | None, Query(max_length=100)] = None,
    file: Annotated[
        str | None, Query(max_length=1000, description="Input file, by its path or its name")
    ] = None,
    reason: Annotated[
        str | None, Query(max_length=200, description="Substring of a problem's reason")
    ] = None,
    ingest: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Ingest id (see /api/ingests)")
    ] = None,
    open_: Annotated[
        bool,
        Query(
            alias="open",
            description="Only rows still open: no later ingest stored an event of the same "
            "source with the row's source id",
        ),
    ] = False,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Quarantine:
    """Rows that were not stored, one item per problem: source, file, line, field, value,
    reason, the original row, its source id, and ``corrected_by``: the event a later ingest
    stored under that id (a corrected version), or null while the row is open."""
    body: dict[str, Any] = quarantine_rows(
        svc.store(),
        source=source,
        file=file,
        reason=reason,
        ingest_id=ingest,
        open_only=open_,
        limit=min(limit, svc.settings.page_max),
        offset=offset,
    )
    return Quarantine.model_validate(body)


@router.get("/ingests", tags=["events"])
def ingests(svc: Svc, _: Reader) -> Ingests:
    """Every ingest, oldest first, with its counts (read = stored + duplicates + quarantined);
    an ingest that never finished is ``interrupted``."""
    rows = svc.store().ingests()
    return Ingests.model_validate({"total": len(rows), "items": rows})


@router.get("/links", tags=["events"])
def links(
    svc: Svc,
    _: Reader,
    event: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Links of this event id")
    ] = None,
    source: Annotated[
        str | None, Query(max_length=100, description="Links with an event of this source")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Links:
    """Probable duplicates: pairs of events of different sources linked as one real-world
    event, each with both events and the reason (days and km apart, the limit, fatalities)."""
    body = link_rows(
        svc.store(),
        event_id=event,
        source=source,
        limit=min(limit, svc.settings.page_max),
        offset=offset,
    )
    return Links.model_validate(body)


@router.get("/events/{event_id}", tags=["events"])
def event(
    event_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The event's id")],
    svc: Svc,
    _: Reader,
) -> EventRecord:
    """One stored event in full: its fields, the original row as read, where it came from
    (ingest file and line, or the party that posted it), its content hash, its evidence entry
    and its probable duplicates."""
    record = event_record(svc.store(), event_id)
    if record is None:
        raise NotFound(f"no event {event_id}")
    return EventRecord.model_validate(record)


@router.get("/verify", tags=["evidence"])
def verify_log(svc: Svc, _: Reader) -> VerifyStatus:
    """Check the hash-chained evidence log and every record against it; ``head`` is the
    last entry's hash, which a signed checkpoint (``dmzwatch checkpoint``) pins."""
    return VerifyStatus.model_validate(verification(svc.store()))


@router.get("/reports", tags=["reports"])
def reports(svc: Svc, _: Reader) -> list[ReportFile]:
    """Report files in the server's reports directory, newest first."""
    return [ReportFile.model_validate(r) for r in list_reports(svc.settings.reports_path())]


@router.get(
    "/reports/{name:path}",
    tags=["reports"],
    response_class=FileResponse,
    responses={200: {"description": "The report file (HTML, PDF, PNG, SVG, JSON or CSV)"}},
)
def report(name: str, svc: Svc, _: Reader) -> FileResponse:
    """One report file."""
    path, media = report_path(svc.settings.reports_path(), name)
    return FileResponse(path, media_type=media)
