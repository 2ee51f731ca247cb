"""Probable duplicates: the same real-world event reported by two sources, linked, never deleted.

Two events of different sources are linked when all three hold:

* **time**: their intervals, each widened by its own date-precision slack and one day
  (sources date by local day), overlap;
* **place**: the geodesic (haversine) distance is at most the sum of their location
  precision radii plus 1 km;
* **fatalities**: where both give numbers, their ranges (low..high, or best), each widened by
  max(2, 25 %), overlap.

The link stores why: the days apart, the distance and its limit, both fatality figures.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt

from .store import Store

__all__ = [
    "DAY_S",
    "compatible_fatalities",
    "haversine_km",
    "link_events_after",
    "link_new_events",
    "linked_pairs",
]

DAY_S = 86_400.0
EARTH_KM = 6371.0088


def haversine_km(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle distance in km (mean Earth radius).

    >>> round(float(haversine_km(36.0, 35.0, 36.0, 36.0)), 1)
    111.2
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))), dtype=np.float64)


def _range(
    best: npt.NDArray[np.float64], low: npt.NDArray[np.float64], high: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lo = np.where(np.isnan(low), best, np.fmin(low, best))
    hi = np.where(np.isnan(high), best, np.fmax(high, best))
    slack = np.fmax(2.0, 0.25 * hi)
    return lo - slack, hi + slack


def compatible_fatalities(
    a: tuple[npt.NDArray[np.float64], ...], b: tuple[npt.NDArray[np.float64], ...]
) -> npt.NDArray[np.bool_]:
    """Whether (best, low, high) ranges overlap once widened; unknown is compatible.

    >>> import numpy as np
    >>> one = lambda x: np.array([x], dtype=float)
    >>> bool(compatible_fatalities((one(3), one(2), one(4)), (one(4), one(np.nan), one(np.nan)))[0])
    True
    >>> bool(compatible_fatalities((one(3), one(3), one(3)), (one(40), one(40), one(40)))[0])
    False
    """
    alo, ahi = _range(*a)
    blo, bhi = _range(*b)
    unknown = np.isnan(alo) | np.isnan(blo)
    return np.asarray(unknown | ((alo <= bhi) & (blo <= ahi)), dtype=bool)


def _epoch(texts: tuple[object, ...]) -> npt.NDArray[np.float64]:
    return np.array(
        [np.datetime64(str(t)[:19], "s").astype(np.int64) for t in texts], dtype=np.float64
    )


def _floats(values: tuple[object, ...]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if v is None else float(str(v)) for v in values], dtype=np.float64)


def _arrays(rows: list[tuple[object, ...]]) -> dict[str, npt.NDArray[Any]]:
    """Columns of rows that start with the :data:`_COLUMNS` (further columns are not read)."""
    if not rows:
        return {}
    cols = list(zip(*rows, strict=True))
    slack = _floats(cols[4]) * DAY_S + DAY_S
    return {
        "id": np.array(cols[0], dtype=np.int64),
        "source": np.array(cols[1], dtype=object),
        "start": _epoch(cols[2]) - slack,
        "end": _epoch(cols[3]) + slack,
        "lon": _floats(cols[5]),
        "lat": _floats(cols[6]),
        "km": _floats(cols[7]),
        "best": _floats(cols[8]),
        "low": _floats(cols[9]),
        "high": _floats(cols[10]),
    }


_COLUMNS = (
    "id, source, start_time, end_time, date_precision_days, lon, lat, precision_km, "
    "fatalities_best, fatalities_low, fatalities_high"
)
_SELECT = f"SELECT {_COLUMNS} FROM events"


def _other_sources(store: Store, sources: list[str]) -> bool:
    """Whether the store holds events of a source not in ``sources`` (index seeks only)."""
    ordered = sorted(set(sources))
    for lo, hi in zip([None, *ordered], [*ordered, None], strict=True):
        where = " AND ".join(
            w for w, v in (("source > ?", lo), ("source < ?", hi)) if v is not None
        )
        params = [v for v in (lo, hi) if v is not None]
        if store.db.query(f"SELECT 1 FROM events WHERE {where} LIMIT 1", params):
            return True
    return False


def link_new_events(store: Store, ingest_id: int, *, sources: list[str] | None = None) -> int:
    """Link one ingest's events to probable duplicates of other sources; returns the count.

    ``sources`` (the sources of the ingest's events, when the caller knows them) saves a
    look-up. With no other source in the store there is nothing to link, and nothing is
    read.
    """
    return _link(store, "ingest_id = ?", (ingest_id,), sources)


def link_events_after(store: Store, after_id: int) -> int:
    """Link the events stored with an id above ``after_id`` (e.g. merged from a bundle).

    Those events may be of several sources (a bundle relaying another party's events): each
    is compared with every event of another source, stored before or with it. The events are
    then read once, and split per source in memory.
    """
    return _link(store, "id > ?", (after_id,), None)


def _pairs(
    new: dict[str, npt.NDArray[Any]], other: dict[str, npt.NDArray[Any]]
) -> list[tuple[int, int, dict[str, object]]]:
    """Probable duplicates between ``new`` and ``other`` events, as (low id, high id, reason)."""
    order = np.argsort(other["start"], kind="stable")
    o = {k: v[order] for k, v in other.items()}
    widest = float(np.max(o["end"] - o["start"]))
    pairs: list[tuple[int, int, dict[str, object]]] = []
    for i in range(len(new["id"])):
        lo = np.searchsorted(o["start"], new["start"][i] - widest, side="left")
        hi = np.searchsorted(o["start"], new["end"][i], side="right")
        if hi <= lo:
            continue
        j = np.arange(lo, hi)
        j = j[(o["start"][j] <= new["end"][i]) & (new["start"][i] <= o["end"][j])]
        if j.size == 0:
            continue
        dist = haversine_km(new["lon"][i], new["lat"][i], o["lon"][j], o["lat"][j])
        limit = new["km"][i] + o["km"][j] + 1.0
        near = dist <= limit
        fat = compatible_fatalities(
            (
                np.full(j.size, new["best"][i]),
                np.full(j.size, new["low"][i]),
                np.full(j.size, new["high"][i]),
            ),
            (o["best"][j], o["low"][j], o["high"][j]),
        )
        for k in np.flatnonzero(near & fat):
            a, b = int(new["id"][i]), int(o["id"][j[k]])
            centre_a = (new["start"][i] + new["end"][i]) / 2
            centre_b = (o["start"][j[k]] + o["end"][j[k]]) / 2
            reason: dict[str, object] = {
                "rule": "different sources, overlapping dates within their precisions, within "
                "the sum of location precisions + 1 km, compatible fatalities",
                "sources": [str(new["source"][i]), str(o["source"][j[k]])],
                "days_apart": round(abs(centre_a - centre_b) / DAY_S, 2),
                "distance_km": round(float(dist[k]), 3),
                "limit_km": round(float(limit[k]), 3),
                "fatalities": [_num(new["best"][i]), _num(o["best"][j[k]])],
            }
            pairs.append((min(a, b), max(a, b), reason))
    return pairs


def _by_source(
    events: dict[str, npt.NDArray[Any]], is_new: npt.NDArray[np.bool_], sources: list[str]
) -> dict[tuple[int, int], dict[str, object]]:
    """Probable duplicates of the new events of each of ``sources`` (in that order) among
    the events of the other sources, new or not; ``events`` is every candidate, by id.

    For each source, the new events and the candidates are split from ``events`` in memory:
    the same events, in the same order, as selecting each part by source from the store.
    """
    found: dict[tuple[int, int], dict[str, object]] = {}
    for source in sources:
        own = np.asarray(events["source"] == source, dtype=bool)
        if not (is_new & own).any() or own.all():
            continue
        new = {k: v[is_new & own] for k, v in events.items()}
        other = {k: v[~own] for k, v in events.items()}
        for a, b, reason in _pairs(new, other):
            found.setdefault((a, b), reason)  # a pair of two new events is found twice
    return found


def _link(store: Store, where: str, params: tuple[int], sources: list[str] | None) -> int:
    db = store.db
    if sources is None:
        sources = [
            s for (s,) in db.query(f"SELECT DISTINCT source FROM events WHERE {where}", params)
        ]
    sources = sorted(set(sources))
    # new events of two sources (a bundle relaying another party's events) are linked to
    # each other too, even when the store holds no third source
    if not sources or (len(sources) == 1 and not _other_sources(store, sources)):
        return 0
    found: dict[tuple[int, int], dict[str, object]] = {}
    if len(sources) == 1:  # one ingest: its events, then those of every other source
        new = _arrays(db.query(_SELECT + f" WHERE {where} ORDER BY id", params))
        if new:
            other = _arrays(db.query(_SELECT + " WHERE source <> ? ORDER BY id", sources))
            if other:
                for a, b, reason in _pairs(new, other):
                    found.setdefault((a, b), reason)
    else:
        # each event is a candidate for the new events of the sources other than its own,
        # so all of them are: read once, with a flag for the new ones, split per source
        rows = db.query(
            f"SELECT {_COLUMNS}, CASE WHEN {where} THEN 1 ELSE 0 END FROM events ORDER BY id",
            params,
        )
        if rows:
            is_new = np.array([bool(row[-1]) for row in rows], dtype=bool)
            found = _by_source(_arrays(rows), is_new, sources)  # (the flag is not read)
    pairs = [(a, b, r) for (a, b), r in found.items()]
    if not pairs:
        return 0
    linked = 0
    with db.transaction():
        before = int(db.scalar("SELECT COALESCE(MAX(id), 0) FROM links"))
        db.executemany(
            "INSERT INTO links (event_a, event_b, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(a, b, json.dumps(r, sort_keys=True)) for a, b, r in pairs],
        )
        rows = db.query(
            "SELECT id, event_a, event_b, reason FROM links WHERE id > ? ORDER BY id", (before,)
        )
        store.log.extend(
            [
                ("link", str(lid), {"event_a": int(a), "event_b": int(b), "reason": json.loads(r)})
                for lid, a, b, r in rows
            ]
        )
        linked = len(rows)
    return linked


def _num(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


_EVENT_SIDE = ("source", "source_id", "start_time", "lon", "lat", "precision_km", "text")


def linked_pairs(
    store: Store, *, event_id: int | None = None, source: str | None = None
) -> list[dict[str, Any]]:
    """Probable-duplicate links with both events and the reason, oldest link first.

    ``event_id`` keeps the links of that event, ``source`` those with an event of that source.
    Each item: ``id``, ``event_a``, ``event_b``, ``reason`` (as stored when the link was made)
    and ``a`` / ``b``: the events' source, source_id, start time, place and text.
    """
    if not all(store.db.storable(v) for v in (event_id, source) if v is not None):
        return []  # no stored event has that id or source
    sides = ", ".join(f"{e}.{c}" for e in ("a", "b") for c in _EVENT_SIDE)
    where: list[str] = []
    params: list[Any] = []
    if event_id is not None:
        where.append("(l.event_a = ? OR l.event_b = ?)")
        params += [event_id, event_id]
    if source is not None:
        where.append("(a.source = ? OR b.source = ?)")
        params += [source, source]
    sql = (
        f"SELECT l.id, l.event_a, l.event_b, l.reason, {sides} FROM links l "
        "JOIN events a ON a.id = l.event_a JOIN events b ON b.id = l.event_b"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    out = []
    width = len(_EVENT_SIDE)
    for row in store.db.query(sql + " ORDER BY l.id", params):
        lid, a, b, reason = row[:4]
        item: dict[str, Any] = {
            "id": int(lid),
            "event_a": int(a),
            "event_b": int(b),
            "reason": json.loads(reason),
        }
        for k, name in enumerate(("a", "b")):
            values = row[4 + k * width : 4 + (k + 1) * width]
            side = dict(zip(_EVENT_SIDE, values, strict=True))
            for key in ("lon", "lat", "precision_km"):
                side[key] = float(side[key])
            side["start_time"] = str(side["start_time"])
            item[name] = side
        out.append(item)
    return out
