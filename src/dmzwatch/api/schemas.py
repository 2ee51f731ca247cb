"""Bodies the API reads and writes (pydantic: the boundary, and the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .tokens import ApiToken, Role

__all__ = [
    "CheckSummary",
    "EventResult",
    "EventsPosted",
    "FeatureCollection",
    "FindingOut",
    "FindingsPage",
    "Health",
    "Me",
    "MonitorTokenCreate",
    "OtherTokenCreate",
    "Problem",
    "Quarantine",
    "QuarantineItem",
    "ReportFile",
    "ScenarioInfo",
    "TokenCreate",
    "TokenCreated",
    "TokenInfo",
    "VerifyStatus",
]


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946), WGS84 lon/lat."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


class ScenarioInfo(BaseModel):
    name: str
    title: str
    signed: dt.date
    timezone: str
    default: bool
    schematic: bool
    zones: list[str]
    parties: dict[str, str]
    rules: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    layers: list[str]


class Problem(BaseModel):
    """One reason an event was rejected."""

    field: str
    value: str
    reason: str


class EventResult(BaseModel):
    """What became of one posted event (``index``: its position in the posted batch)."""

    index: int
    source: str | None = None
    source_id: str | None = None
    status: Literal["stored", "duplicate", "rejected"]
    event_id: str | None = None
    problems: list[Problem] = Field(default_factory=list)


class EventsPosted(BaseModel):
    """The answer to a POST of events: counts, then one result per event, in order."""

    received: int
    stored: int
    duplicates: int
    rejected: int
    party: str | None
    results: list[EventResult]


class ReportFile(BaseModel):
    name: str
    size: int
    modified: dt.datetime
    media_type: str
    url: str


class MonitorTokenCreate(BaseModel):
    """A monitor token, bound to a party (e.g. ``TR``)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["monitor"]
    party: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    label: str = Field("", max_length=200)


class OtherTokenCreate(BaseModel):
    """An admin or analyst token (bound to no party)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "analyst"]
    label: str = Field("", max_length=200)


TokenCreate = Annotated[MonitorTokenCreate | OtherTokenCreate, Field(discriminator="role")]


class TokenInfo(BaseModel):
    id: str
    role: Role
    party: str | None
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenInfo:
        return cls(
            id=token.id,
            role=token.role,
            party=token.party,
            label=token.label,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )


class TokenCreated(TokenInfo):
    """A new token: ``token`` is the secret, shown this once and stored only hashed."""

    token: str


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    scenario: str


class Me(BaseModel):
    """Who the caller is: ``role`` null for anonymous."""

    role: Role | None
    party: str | None
    token_id: str | None


class QuarantineItem(BaseModel):
    """One problem of one quarantined row."""

    id: int
    source: str
    file: str
    line: int | None
    field: str
    value: str
    reason: str
    original: Any
    ingest_id: int | None = None
    source_id: str | None = Field(
        default=None, description="The source's own id of the row (null: the source gives none)"
    )
    corrected_by: int | None = Field(
        default=None,
        description="The event of the same source and id that a later ingest stored "
        "(null: still open)",
    )


class Quarantine(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[QuarantineItem]


class IngestOut(BaseModel):
    """One ingest of a file (or of events posted to the API) with its counts."""

    id: int
    file: str
    format: str
    source: str
    started_at: str
    finished_at: str | None
    status: Literal["finished", "interrupted"]
    read: int
    stored: int
    duplicates: int
    quarantined: int


class Ingests(BaseModel):
    total: int
    items: list[IngestOut]


class LinkedEvent(BaseModel):
    """One side of a probable-duplicate link."""

    source: str
    source_id: str
    start_time: str
    lon: float
    lat: float
    precision_km: float
    text: str


class LinkOut(BaseModel):
    """Two events of different sources linked as one real-world event, and why."""

    id: int
    event_a: int
    event_b: int
    reason: dict[str, Any]
    a: LinkedEvent
    b: LinkedEvent


class Links(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[LinkOut]


class EventIngest(BaseModel):
    id: int
    file: str
    format: str
    started_at: str


class BundleRef(BaseModel):
    hash: str
    party: str | None
    imported_at: str | None


class EventProvenance(BaseModel):
    """Where a stored event came from: an ingest (file and line), the party that posted it
    through the API, or the signed bundle it was merged from."""

    ingest: EventIngest | None
    line: int | None
    party: str | None
    bundle: BundleRef | None


class EvidenceRef(BaseModel):
    seq: int
    hash: str


class EventLink(BaseModel):
    """A probable duplicate of the event: the link, the other event and the stored reason."""

    id: int
    event: int
    source: str
    source_id: str
    reason: dict[str, Any]


class EventRecord(BaseModel):
    """One stored event in full: every stored field, the original row as read, its
    provenance, content hash, evidence entry (null if missing) and probable duplicates."""

    id: int
    source: str
    source_id: str
    kind: str
    start_time: str
    end_time: str
    date_precision: str
    date_precision_days: float
    lon: float
    lat: float
    location_precision: str
    precision_km: float
    equipment_class: str | None
    equipment_count: int | None
    equipment_inferred: bool
    inferred_from: list[str]
    actors: list[str]
    fatalities_best: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    civilians: int | None
    text: str
    original_hash: str
    ingest_id: int | None
    line: int | None
    original: dict[str, Any]
    content_hash: str
    provenance: EventProvenance
    evidence: EvidenceRef | None
    links: list[EventLink]


class VerifyStatus(BaseModel):
    """The evidence log: ``ok`` when the chain and every record match."""

    ok: bool
    entries: int
    broken_record: str | None
    reason: str | None
    head: str | None = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="sha256 hex of the last evidence entry, once the whole chain links "
        "(null when the log is empty or its chain breaks); a signed checkpoint pins it",
    )
    summary: str
    counts: dict[str, int]


class FindingOut(BaseModel):
    """A finding with everything that explains it (see ``docs/findings.md``)."""

    model_config = ConfigDict(extra="allow")

    finding_id: str
    agreement: str
    rule: str
    rule_kind: str
    clause: str
    verdict: Literal["violation", "possible", "compliant"]
    event_ids: list[str]
    event_id: str
    event_date: str
    zone: str
    band: str
    distance_km: float | None
    p_in_zone: float
    shape: str
    first_day: dt.date
    last_day: dt.date
    rule_start: dt.datetime
    reasons: list[str]


class FindingsPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[FindingOut]


class CheckSummary(BaseModel):
    """What a check run did: findings made, and what was appended to the evidence log."""

    scenario: str
    events: int
    findings: int
    by_verdict: dict[str, int]
    new: int
    revised: int
    unchanged: int
    withdrawn: int
