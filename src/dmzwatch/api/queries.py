"""Reading the store for the API: events with their place in the zone and their verdicts.

Time, bounding box, source and kind filter in SQL; zone and band come from classifying
the points against the scenario (vectorized), verdicts from the stored findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scenario import Scenario
from ..store import Store
from ..store.records import utc_iso

__all__ = ["VERDICT_ORDER", "EventQuery", "query_events"]

#: Verdicts from worst to mildest; ``none`` means no finding names the event.
VERDICT_ORDER = ("violation", "possible", "compliant", "none")

_COLUMNS = (
    "e.id, e.source, e.source_id, e.kind, e.start_time, e.end_time, e.lon, e.lat, "
    "e.precision_km, e.location_precision, e.equipment_class, e.equipment_count, "
    "e.equipment_inferred, e.inferred_from, e.actors, e.fatalities_best, e.civilians, e.text, "
    "s.party"
)


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Filters of ``GET /api/events`` (None: no filter)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    zone: str | None = None
    band: str | None = None
    verdict: str | None = None
    source: str | None = None
    kind: str | None = None
    actor: str | None = None
    party: str | None = None
    limit: int = 1000
    offset: int = 0


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split("; ") if v]


def query_events(
    store: Store,
    scenario: Scenario,
    q: EventQuery,
    verdicts: Callable[[Sequence[str]], Mapping[str, tuple[str, list[str]]]],
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the events matching ``q``, newest last.

    ``verdicts`` maps event keys (``source:source_id``) to (worst verdict, finding ids).
    The collection carries ``total`` (matches before paging), ``limit``, ``offset`` and
    ``counts`` (matches by verdict and by band).
    """
    where: list[str] = []
    params: list[Any] = []
    if q.since is not None:
        where.append("e.start_time >= ?")
        params.append(utc_iso(q.since))
    if q.until is not None:
        where.append("e.start_time <= ?")
        params.append(utc_iso(q.until))
    if q.bbox is not None:
        west, south, east, north = q.bbox
        where.append("e.lon >= ? AND e.lon <= ? AND e.lat >= ? AND e.lat <= ?")
        params += [west, east, south, north]
    if q.source:
        where.append("e.source = ?")
        params.append(q.source)
    if q.kind:
        where.append("e.kind = ?")
        params.append(q.kind)
    if q.party:
        where.append("s.party = ?")
        params.append(q.party.upper())
    sql = (
        f"SELECT {_COLUMNS} FROM events e LEFT JOIN api_submissions s ON s.event_id = e.id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY e.start_time, e.id"
    )
    # a value the database cannot hold (a NUL on PostgreSQL) is held by no event
    rows = store.db.query(sql, params) if all(store.db.storable(p) for p in params) else []
    if q.actor:
        needle = q.actor.lower()
        rows = [r for r in rows if needle in str(r[14]).lower()]
    n = len(rows)
    zone = np.full(n, "", dtype=object)
    band = np.full(n, "", dtype=object)
    dist = np.full(n, np.nan)
    p_in = np.zeros(n)
    if n:
        lon = np.array([float(r[6]) for r in rows])
        lat = np.array([float(r[7]) for r in rows])
        radius = np.array([float(r[8]) for r in rows])
        where_ = scenario.classify(lon, lat, radius)
        zone = np.asarray(where_.zone, dtype=object)
        band = np.asarray(where_.band, dtype=object)
        dist = np.asarray(where_.distance_km, dtype=float)
        p_in = np.asarray(where_.p_in_zone, dtype=float)
    keys = [f"{r[1]}:{r[2]}" for r in rows]
    found = verdicts(keys)
    verdict = np.array([found.get(k, ("none", []))[0] for k in keys], dtype=object)
    keep = np.ones(n, dtype=bool)
    if q.zone:
        keep &= zone == q.zone
    if q.band:
        keep &= band == ("" if q.band == "outside" else q.band)
    if q.verdict:
        keep &= verdict == q.verdict
    idx = np.flatnonzero(keep)
    counts = {
        "verdict": {v: int(np.sum(verdict[idx] == v)) for v in VERDICT_ORDER},
        "band": {b or "outside": int(np.sum(band[idx] == b)) for b in ("core", "fringe", "")},
    }
    page = idx[q.offset : q.offset + q.limit]
    features = []
    for i in page.tolist():
        r = rows[i]
        findings = found.get(keys[i], ("none", []))[1]
        props = {
            "id": str(r[0]),
            "key": keys[i],
            "source": r[1],
            "source_id": r[2],
            "kind": r[3],
            "time": r[4],
            "end_time": r[5],
            "precision_km": float(r[8]),
            "location_precision": r[9],
            "equipment_class": r[10],
            "count": None if r[11] is None else int(r[11]),
            "equipment_inferred": bool(r[12]),
            "inferred_from": _split(r[13]),
            "actors": _split(r[14]),
            "fatalities": None if r[15] is None else int(r[15]),
            "civilians": None if r[16] is None else int(r[16]),
            "text": r[17],
            "party": r[18],
            "zone": zone[i] or None,
            "band": band[i] or "outside",
            "distance_km": None if np.isnan(dist[i]) else round(float(dist[i]), 3),
            "p_in_zone": round(float(p_in[i]), 4),
            "verdict": verdict[i],
            "findings": findings,
        }
        geom = {"type": "Point", "coordinates": [float(r[6]), float(r[7])]}
        features.append({"type": "Feature", "id": str(r[0]), "properties": props, "geometry": geom})
    return {
        "type": "FeatureCollection",
        "scenario": scenario.name,
        "total": int(idx.size),
        "limit": q.limit,
        "offset": q.offset,
        "counts": counts,
        "features": features,
    }
