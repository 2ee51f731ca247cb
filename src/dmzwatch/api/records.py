"""Reading findings, quarantine and the evidence-log status for the API."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..rules.finding import Finding
from ..store import Store, verify
from ..store.findings import ensure_table, stored_findings
from ..store.links import linked_pairs

__all__ = [
    "FindingCache",
    "finding_dict",
    "finding_rows",
    "link_rows",
    "quarantine_rows",
    "verdict_lookup",
    "verification",
]

T = TypeVar("T")

_RANK = {"violation": 0, "possible": 1, "compliant": 2}


class FindingCache:
    """The current findings of each agreement, reloaded only when the findings table changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[tuple[Any, ...], list[Finding]]] = {}

    def current(self, store: Store, agreement: str) -> list[Finding]:
        """The current findings of ``agreement``, in the order they were logged."""
        ensure_table(store)
        mark = tuple(store.db.query("SELECT COUNT(*), MAX(id) FROM findings")[0])
        hit = self._hits.get(agreement)
        if hit is not None and hit[0] == mark:
            return hit[1]
        found = stored_findings(store, agreement)
        with self._lock:
            self._hits[agreement] = (mark, found)
        return found


def verdict_lookup(
    findings: Sequence[Finding],
) -> Callable[[Sequence[str]], Mapping[str, tuple[str, list[str]]]]:
    """A function from event keys (``source:source_id``) to (worst verdict, finding ids)."""
    index: dict[str, tuple[str, list[str]]] = {}
    for f in findings:
        verdict = f.verdict.value
        for key in f.event_ids:
            worst, ids = index.get(key, ("compliant", []))
            ids.append(f.finding_id)
            if _RANK.get(verdict, 3) < _RANK.get(worst, 3):
                worst = verdict
            index[key] = (worst, ids)

    def lookup(keys: Sequence[str]) -> Mapping[str, tuple[str, list[str]]]:
        return {k: index[k] for k in keys if k in index}

    return lookup


def finding_dict(f: Finding) -> dict[str, Any]:
    """A finding as the API shows it: its fields plus ``event_id`` and ``event_date``."""
    out = f.to_dict()
    out["event_id"] = f.event_id
    out["event_date"] = f.event_date
    return out


def finding_rows(
    findings: Sequence[Finding],
    *,
    verdict: str | None = None,
    rule: str | None = None,
    event: str | None = None,
    band: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """Findings filtered (verdict, rule, event key, band, event days) and paged, worst first."""
    rows = [
        f
        for f in findings
        if (verdict is None or f.verdict.value == verdict)
        and (rule is None or f.rule == rule)
        and (event is None or event in f.event_ids)
        and (band is None or (f.band or "outside") == band)
        and (since is None or f.last_day >= since)
        and (until is None or f.first_day <= until)
    ]
    rows.sort(key=lambda f: (_RANK.get(f.verdict.value, 3), f.first_day, f.finding_id))
    return _page(rows, limit, offset, finding_dict)


def quarantine_rows(
    store: Store,
    *,
    source: str | None = None,
    file: str | None = None,
    reason: str | None = None,
    ingest_id: int | None = None,
    open_only: bool = False,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """Quarantined rows, one object per problem (source, file, line, field, value, reason,
    source id, the event that corrected the row or None); ``open_only``: not corrected."""
    rows = store.quarantined(
        source=source or None,
        file=file or None,
        reason=reason or None,
        ingest_id=ingest_id,
        open_only=open_only,
    )
    return _page(rows, limit, offset, _with_original_parsed)


def _with_original_parsed(row: dict[str, Any]) -> dict[str, Any]:
    with contextlib.suppress(TypeError, ValueError):
        row["original"] = json.loads(row["original"])
    return row


def link_rows(
    store: Store,
    *,
    event_id: int | None = None,
    source: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """Probable-duplicate links with both events and the reason, oldest first, one page."""
    return _page(linked_pairs(store, event_id=event_id, source=source or None), limit, offset)


def _page(
    rows: Sequence[T], limit: int, offset: int, item: Callable[[T], Any] | None = None
) -> dict[str, Any]:
    """One page of ``rows``: ``total`` (all rows), ``limit``, ``offset`` and its ``items``
    (each made by ``item`` when given)."""
    page = rows[offset : offset + limit]
    items = list(page) if item is None else [item(r) for r in page]
    return {"total": len(rows), "limit": limit, "offset": offset, "items": items}


def verification(store: Store) -> dict[str, Any]:
    """The evidence log's status: intact or the first broken record, and record counts."""
    result = verify(store)
    return {
        "ok": result.ok,
        "entries": result.entries,
        "broken_record": result.record,
        "reason": result.reason,
        "head": result.head,
        "summary": str(result),
        "counts": store.counts(),
    }
