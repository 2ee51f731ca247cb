"""From coverage to daily routes: areas of responsibility, sampling, timing, coordination.

Each base (or, for joint patrols, meeting point) gets an *area of responsibility*: the
reachable sectors nearer to it than to any other base of its duty. Its units drive a closed
route each day: base → the day's sectors in line order → base. Whatever subset of the area a
day picks, that route is never longer than the closed walk through *all* of the area's
sectors in line order (shortest-path distances obey the triangle inequality), so with ``T``
that walk's length, ``L`` the daily route length and ``s`` the sweep driven inside each
patrolled sector, a unit can always patrol ``K = floor((L - T) / s)`` sectors a day. Sectors
that would make ``T + s > L`` are dropped from the area (out of reach). The game's budget for
the area is ``units * K``.

A day's sectors come from systematic ("comb") sampling of the area's coverage in a random
order: one uniform draw ``u``, and sector ``i`` is picked when an integer ``k + u`` falls in
its slice of the cumulative coverage. Each sector is then picked with probability exactly its
coverage, and no more than ``ceil(sum c) <= units * K`` sectors are picked, so the day always
fits the units' capacity. Days are independent, so what a violator sees on past days says
nothing about tomorrow beyond the coverage itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .network import Router

__all__ = ["Area", "Base", "Route", "Visit", "comb_sample", "plan_area", "time_routes"]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Base:
    """Where a unit's daily route starts and ends (local metres and lon/lat)."""

    name: str
    node: int
    x: float
    y: float
    lon: float
    lat: float
    meeting: bool = False


@dataclass(frozen=True, slots=True)
class Area:
    """One base's area of responsibility: its sectors (global indices, line order), units,
    how many sectors a unit patrols a day (``capacity``) and the bounding tour (km)."""

    duty: str
    base: Base
    units: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    sectors: Ints
    capacity: int
    tour_km: float
    dropped: Ints = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def budget(self) -> float:
        """Sector-days the area's units can patrol per day."""
        return float(len(self.units) * self.capacity)


@dataclass(frozen=True, slots=True)
class Visit:
    """A sector patrolled on a route, with its time window and any meeting there."""

    sector: int
    arrive: dt.datetime
    leave: dt.datetime
    meeting: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    """One unit's route on one day."""

    unit: str
    members: tuple[str, ...]
    parties: tuple[str, ...]
    duty: str
    day: dt.date
    base: Base
    visits: tuple[Visit, ...]
    start: dt.datetime
    end: dt.datetime
    path_km: float
    sweep_km: float
    nodes: tuple[int, ...]
    meetings: tuple[str, ...] = ()

    @property
    def length_km(self) -> float:
        """Driving distance: the path plus the sweeps inside patrolled sectors."""
        return self.path_km + self.sweep_km


def plan_area(
    duty: str,
    base: Base,
    sectors: Ints,
    access: Ints,
    order: Ints,
    router: Router,
    *,
    route_km: float,
    sweep_km: float,
) -> tuple[Ints, int, float, Ints]:
    """Trim an area to what one route can reach; returns (sectors, capacity, tour_km, dropped).

    ``sectors`` are global indices, ``access`` their network nodes, ``order`` their position
    along the line.
    """
    keep = np.argsort(order, kind="stable")
    sectors, access, order = sectors[keep], access[keep], order[keep]
    dropped: list[int] = []
    while len(sectors):
        tour = _tour_m(router, base.node, access) / 1000.0
        if tour + sweep_km <= route_km:
            cap = len(sectors) if sweep_km <= 0 else int((route_km - tour) // sweep_km)
            return sectors, min(len(sectors), cap), tour, np.array(dropped, np.int64)
        far = int(np.argmax([router.distance(base.node, int(a)) for a in access]))
        dropped.append(int(sectors[far]))
        sectors, access, order = (np.delete(v, far) for v in (sectors, access, order))
    return sectors, 0, 0.0, np.array(dropped, np.int64)


def _tour_m(router: Router, base: int, nodes: Sequence[int] | Ints) -> float:
    stops = [base, *[int(n) for n in nodes], base]
    return float(sum(router.distance(a, b) for a, b in itertools.pairwise(stops)))


def comb_sample(coverage: Floats, rng: np.random.Generator) -> Ints:
    """Indices picked by systematic sampling in a random order: each ``i`` with probability
    ``coverage[i]`` (each in [0, 1]); at most ``ceil(sum(coverage))`` picks."""
    if len(coverage) == 0:
        return np.zeros(0, np.int64)
    perm = rng.permutation(len(coverage))
    cum = np.cumsum(np.clip(coverage[perm], 0.0, 1.0))
    u = rng.random()
    marks = np.arange(u, cum[-1], 1.0)
    picked = np.searchsorted(cum, marks, side="right")
    picked = picked[picked < len(coverage)]
    return np.sort(perm[np.unique(picked)]).astype(np.int64)


@dataclass
class _Draft:
    """A route being timed: legs can get waits inserted to meet a partner."""

    area: Area
    unit: int
    sectors: list[int]
    nodes: list[int]
    travel_h: list[float]
    sweep_h: float
    start: dt.datetime
    waits: list[float] = field(default_factory=list)
    meetings: dict[int, str] = field(default_factory=dict)

    def arrival(self, j: int) -> dt.datetime:
        hours = sum(self.travel_h[: j + 1]) + j * self.sweep_h + sum(self.waits[: j + 1])
        return self.start + dt.timedelta(hours=hours)

    def end(self) -> dt.datetime:
        hours = sum(self.travel_h) + len(self.sectors) * self.sweep_h + sum(self.waits)
        return self.start + dt.timedelta(hours=hours)


def time_routes(
    day: dt.date,
    picks: Sequence[tuple[Area, Ints]],
    sector_node: Ints,
    sector_index: Ints,
    routers: dict[str, Router],
    *,
    forward: bool,
    start: dt.datetime,
    latest: dt.datetime,
    speed_kmh: float,
    sweep_km: dict[str, float],
    parties: dict[str, tuple[str, ...]],
    facing: Sequence[tuple[str, str]] = (),
    meeting_point: dict[tuple[str, int], str] | None = None,
) -> list[Route]:
    """Routes of one day: each area's picked sectors split among its units in line order,
    timed from ``start``; facing sectors of coordinated duties (``facing`` pairs of duty ids)
    patrolled the same day are given the same arrival time by waiting, when the day allows."""
    drafts: list[_Draft] = []
    for area, picked in picks:
        router = routers[area.duty]
        chosen = sorted(picked.tolist(), key=lambda i: sector_index[i], reverse=not forward)
        for u, chunk in enumerate(np.array_split(np.array(chosen, np.int64), len(area.units))):
            secs = [int(i) for i in chunk]
            stops = [area.base.node, *[int(sector_node[i]) for i in secs], area.base.node]
            legs = [router.distance(a, b) / 1000.0 for a, b in itertools.pairwise(stops)]
            drafts.append(
                _Draft(
                    area,
                    u,
                    secs,
                    stops,
                    [leg / speed_kmh for leg in legs],
                    sweep_km[area.duty] / speed_kmh,
                    start,
                    [0.0] * (len(secs) + 1),
                )
            )
    _coordinate(drafts, facing, sector_index, latest, forward, meeting_point or {})
    routes = []
    for d in drafts:
        router = routers[d.area.duty]
        path: list[int] = [d.nodes[0]]
        for a, b in zip(d.nodes[:-1], d.nodes[1:], strict=True):
            path.extend(router.path(a, b)[1:])
        visits = tuple(
            Visit(
                s,
                d.arrival(j),
                d.arrival(j) + dt.timedelta(hours=d.sweep_h),
                d.meetings.get(j, ""),
            )
            for j, s in enumerate(d.sectors)
        )
        sweep = sweep_km[d.area.duty] * len(d.sectors)
        path_km = sum(d.travel_h) * speed_kmh
        routes.append(
            Route(
                unit=d.area.units[d.unit],
                members=d.area.members[d.unit],
                parties=parties[d.area.duty],
                duty=d.area.duty,
                day=day,
                base=d.area.base,
                visits=visits,
                start=d.start,
                end=d.end(),
                path_km=path_km,
                sweep_km=sweep,
                nodes=tuple(path),
                meetings=tuple(v.meeting for v in visits if v.meeting),
            )
        )
    return routes


def _coordinate(
    drafts: list[_Draft],
    facing: Sequence[tuple[str, str]],
    sector_index: Ints,
    latest: dt.datetime,
    forward: bool,
    meeting_point: dict[tuple[str, int], str],
) -> None:
    if not facing:
        return
    where: dict[tuple[str, int], tuple[_Draft, int]] = {}
    for d in drafts:
        for j, s in enumerate(d.sectors):
            where[(d.area.duty, int(sector_index[s]))] = (d, j)
    pairs = []
    for a, b in facing:
        for (duty, k), (d1, j1) in where.items():
            if duty == a and (b, k) in where:
                pairs.append((k, (d1, j1), where[(b, k)]))
    pairs.sort(key=lambda p: p[0] if forward else -p[0])
    for k, (d1, j1), (d2, j2) in pairs:
        t1, t2 = d1.arrival(j1), d2.arrival(j2)
        late, (d, j) = (t1, (d2, j2)) if t1 >= t2 else (t2, (d1, j1))
        wait = (late - d.arrival(j)).total_seconds() / 3600.0
        if d.end() + dt.timedelta(hours=wait) > latest:
            continue
        d.waits[j] += wait
        name = meeting_point.get((d1.area.duty, k), f"sector {k}")
        d1.meetings[j1] = f"{name} with {d2.area.units[d2.unit]}"
        d2.meetings[j2] = f"{name} with {d1.area.units[d1.unit]}"
