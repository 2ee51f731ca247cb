"""A patrol plan: sectors, values, the equilibrium coverage and daily routes, put together.

:func:`build_plan` takes a scenario, units per party and a history, and returns a
:class:`Plan`; :meth:`Plan.routes` draws the routes of any number of days (same seed, same
routes).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from ..agreement.model import PatrolDuty, PatrolPoint
from ..errors import InputError
from ..scenario import Scenario
from .game import Equilibrium, SecurityGame, group_level, solve_sse
from .network import RoadNetwork, Router, fallback_network
from .routes import Area, Base, Route, comb_sample, plan_area, time_routes
from .sectors import DEFAULT_SECTOR_KM, DutyArea, Sector, cut_sectors, duty_areas
from .value import HistoryRecord, Priority, SectorValue, ValueWeights, sector_values

__all__ = [
    "DEFAULT_ROUTE_KM",
    "MAX_UNITS",
    "DutyPlan",
    "Plan",
    "PlanConfig",
    "build_plan",
    "parse_units",
]

log = logging.getLogger(__name__)

Ints = NDArray[np.int64]

DEFAULT_ROUTE_KM = 200.0
"""Daily route length (km) when neither the caller nor the agreement gives one."""

_SNAP_KM = 5.0  # a base further than this from every road node cannot be used


@dataclass(frozen=True, slots=True)
class PlanConfig:
    """Every knob of a plan; ``None`` means "from the agreement, else the default"."""

    sector_km: float | None = None
    route_km: float | None = None
    sweep_km: float | None = None
    speed_kmh: float = 30.0
    day_start: dt.time = dt.time(7, 0)
    day_hours: float = 12.0
    default_units: int = 4
    attacker_penalty: float = 0.5
    defender_reward: float = 0.0
    max_edge_km: float = 12.0
    detour: float = 1.3
    weights: ValueWeights = field(default_factory=ValueWeights)

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be a finite number above 0, got {value!r}"
            for name, value in (
                ("sector_km", self.sector_km),
                ("route_km", self.route_km),
                ("sweep_km", self.sweep_km),
                ("speed_kmh", self.speed_kmh),
                ("day_hours", self.day_hours),
            )
            if value is not None and not (math.isfinite(value) and value > 0)
        ]
        if problems:
            raise InputError("patrol plan: " + "; ".join(problems))


@dataclass(frozen=True)
class DutyPlan:
    """One duty's part of the plan."""

    duty: PatrolDuty
    area: DutyArea
    sectors: Ints
    network: RoadNetwork
    router: Router
    areas: tuple[Area, ...]
    sector_km: float
    route_km: float
    sweep_km: float
    units: dict[str, int]


@dataclass(frozen=True)
class Plan:
    """Everything needed to draw routes and to explain them."""

    scenario: Scenario
    start: dt.date
    config: PlanConfig
    sectors: tuple[Sector, ...]
    values: tuple[SectorValue, ...]
    game: SecurityGame
    equilibrium: Equilibrium
    duties: tuple[DutyPlan, ...]
    sector_node: Ints
    network_kind: str
    network_source: str
    history_records: int
    solve_seconds: float
    facing: tuple[tuple[str, str], ...]
    meeting_points: dict[tuple[str, int], str]
    notes: tuple[str, ...] = ()

    @property
    def coverage(self) -> NDArray[np.float64]:
        return self.equilibrium.coverage

    @property
    def areas(self) -> tuple[Area, ...]:
        return tuple(a for d in self.duties for a in d.areas)

    def active(self, duty: PatrolDuty, day: dt.date) -> bool:
        return duty.start is None or duty.start <= day

    def day_picks(self, day: dt.date, rng: np.random.Generator) -> list[tuple[Area, Ints]]:
        """The sectors each area patrols on ``day`` (a fresh draw from the coverage)."""
        picks = []
        for d in self.duties:
            for area in d.areas:
                if not self.active(d.duty, day) or not len(area.units):
                    continue
                chosen = comb_sample(self.coverage[area.sectors], rng)
                picks.append((area, area.sectors[chosen]))
        return picks

    def routes(self, days: int, seed: int = 0) -> list[Route]:
        """Routes for ``days`` days from :attr:`start`; the same seed gives the same routes."""
        out: list[Route] = []
        tz = self.scenario.agreement.timezone
        index = np.array([s.index for s in self.sectors], dtype=np.int64)
        routers = {d.duty.id: d.router for d in self.duties}
        sweep = {d.duty.id: d.sweep_km for d in self.duties}
        parties = {d.duty.id: d.duty.parties for d in self.duties}
        for k in range(days):
            day = self.start + dt.timedelta(days=k)
            rng = np.random.default_rng([seed, k])
            forward = bool(rng.random() < 0.5)
            picks = self.day_picks(day, rng)
            start = dt.datetime.combine(day, self.config.day_start, tzinfo=tz)
            out += time_routes(
                day,
                picks,
                self.sector_node,
                index,
                routers,
                forward=forward,
                start=start,
                latest=start + dt.timedelta(hours=self.config.day_hours),
                speed_kmh=self.config.speed_kmh,
                sweep_km=sweep,
                parties=parties,
                facing=self.facing,
                meeting_point=self.meeting_points,
            )
        return out


MAX_UNITS = 200
"""The most units per party a plan takes (the patrol game grows with their number)."""


def parse_units(text: str) -> dict[str, int]:
    """``"TR=4,RU=4"`` → ``{"TR": 4, "RU": 4}``.

    >>> parse_units("TR=4, RU=2")
    {'TR': 4, 'RU': 2}
    """
    units: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        party, sep, count = part.partition("=")
        if not sep or not count.strip().isdigit():
            raise InputError(f"--units: expected PARTY=COUNT[,PARTY=COUNT...], got {part!r}")
        if party.strip() in units:
            raise InputError(f"--units: party {party.strip()!r} is given twice in {text!r}")
        if int(count) > MAX_UNITS:
            raise InputError(f"--units: at most {MAX_UNITS} per party, got {part.strip()!r}")
        units[party.strip()] = int(count)
    return units


def build_plan(
    scenario: Scenario,
    *,
    start: dt.date,
    units: Mapping[str, int] | None = None,
    history: Sequence[HistoryRecord] = (),
    network: RoadNetwork | None = None,
    config: PlanConfig | None = None,
) -> Plan:
    """Sectors, values, equilibrium coverage and areas of responsibility for a scenario.

    ``units`` gives the units per party (missing parties: the agreement's ``units``, else
    ``config.default_units``); a party's units are split evenly across its duties, and a
    joint duty fields as many teams as its scarcest party. ``network`` is a road network
    (e.g. from :func:`~dmzwatch.patrol.network.read_osm`); without one each duty gets the
    fallback proximity graph.
    """
    cfg = config or PlanConfig()
    agreement = scenario.agreement
    duties = tuple(agreement.patrols)
    if not duties:
        raise InputError(f"scenario {scenario.name!r} has no patrol duties ([[patrols]])")
    notes: list[str] = []
    known = {p for d in duties for p in d.parties}
    for party in units or {}:
        if party not in known:
            raise InputError(
                f"--units names party {party!r}, which patrols no duty here; "
                f"parties with duties: {', '.join(sorted(known))}"
            )
    share = _unit_shares(duties, units or {}, cfg)
    areas = duty_areas(scenario, duties)
    sectors: list[Sector] = []
    owner: list[int] = []
    for i, (duty, area) in enumerate(zip(duties, areas, strict=True)):
        km = cfg.sector_km or duty.sector_km or DEFAULT_SECTOR_KM
        cut = cut_sectors(area, scenario, km)
        sectors += cut
        owner += [i] * len(cut)
    if not sectors:
        raise InputError(f"scenario {scenario.name!r}: the patrol duties cover no ground")
    values = sector_values(
        sectors,
        scenario.projection,
        history=history,
        places=scenario.places,
        priorities=_priorities(scenario, duties),
        as_of=start,
        weights=cfg.weights,
    )
    value = np.array([v.value for v in values])
    owner_arr = np.array(owner, dtype=np.int64)
    sector_node = np.full(len(sectors), -1, dtype=np.int64)
    plans: list[DutyPlan] = []
    for i, (duty, area) in enumerate(zip(duties, areas, strict=True)):
        idx = np.flatnonzero(owner_arr == i)
        plans.append(
            _duty_plan(
                scenario,
                duty,
                area,
                idx,
                sectors,
                value,
                sector_node,
                share[duty.id],
                network,
                cfg,
                notes,
            )
        )
    group = np.full(len(sectors), 0, dtype=np.int64)
    budgets = [0.0]  # group 0: sectors no route reaches
    cap = np.zeros(len(sectors))
    for d in plans:
        for a in d.areas:
            budgets.append(a.budget)
            group[a.sectors] = len(budgets) - 1
            cap[a.sectors] = 1.0
    idle = np.zeros(len(sectors), dtype=bool)
    for d in plans:
        teams = min(d.units.values()) if d.duty.joint else sum(d.units.values())
        if teams == 0:
            idle[d.sectors] = True
            given = ", ".join(f"{p}={n}" for p, n in d.units.items())
            notes.append(
                f"{d.duty.id}: no units ({given}): its {len(d.sectors)} sector(s) go unpatrolled"
            )
    unreached = int(np.sum((cap == 0) & ~idle))
    if unreached:
        notes.append(f"{unreached} sector(s) out of reach of every base within the daily route")
    game = SecurityGame.from_values(
        value,
        budget=np.array(budgets),
        group=group,
        cap=cap,
        attacker_penalty=cfg.attacker_penalty,
        defender_reward=cfg.defender_reward,
        labels=tuple(s.id for s in sectors),
    )
    t0 = time.perf_counter()
    eq = solve_sse(game)
    solve_s = time.perf_counter() - t0
    facing = _facing(duties)
    kind = network.kind if network is not None else "fallback"
    source = (
        network.source
        if network is not None
        else "fallback: sector access points, bases and places joined by a proximity graph"
    )
    return Plan(
        scenario=scenario,
        start=start,
        config=cfg,
        sectors=tuple(sectors),
        values=values,
        game=game,
        equilibrium=eq,
        duties=tuple(plans),
        sector_node=sector_node,
        network_kind=kind,
        network_source=source,
        history_records=len(history),
        solve_seconds=solve_s,
        facing=facing,
        meeting_points=_meeting_points(scenario, sectors, duties, facing),
        notes=tuple(notes),
    )


def _unit_shares(
    duties: Sequence[PatrolDuty], units: Mapping[str, int], cfg: PlanConfig
) -> dict[str, dict[str, int]]:
    """Units of each party on each duty: a party's units split evenly across its duties."""
    by_party: dict[str, list[PatrolDuty]] = {}
    for d in duties:
        for p in d.parties:
            by_party.setdefault(p, []).append(d)
    share: dict[str, dict[str, int]] = {d.id: {} for d in duties}
    for party, ds in by_party.items():
        total = units.get(party)
        if total is None:
            total = next((d.units for d in ds if d.units is not None), cfg.default_units)
        base, extra = divmod(total, len(ds))
        for j, d in enumerate(ds):
            share[d.id][party] = base + (1 if j < extra else 0)
    return share


def _priorities(scenario: Scenario, duties: Sequence[PatrolDuty]) -> list[Priority]:
    agreement, proj = scenario.agreement, scenario.projection
    out = []
    for d in duties:
        for q in d.priorities:
            if q.line is not None:
                geom = proj.to_local(shapely.segmentize(agreement.lines[q.line].geometry, 0.01))
            elif q.area is not None:
                geom = proj.to_local(shapely.segmentize(agreement.areas[q.area].geometry, 0.01))
            else:
                assert q.at is not None
                x, y = proj.forward([q.at[0]], [q.at[1]])
                geom = shapely.Point(float(x[0]), float(y[0]))
            out.append(Priority(q.label, geom, q.within_km, q.weight))
    return out


def _duty_plan(
    scenario: Scenario,
    duty: PatrolDuty,
    area: DutyArea,
    idx: Ints,
    sectors: Sequence[Sector],
    value: NDArray[np.float64],
    sector_node: Ints,
    units: dict[str, int],
    network: RoadNetwork | None,
    cfg: PlanConfig,
    notes: list[str],
) -> DutyPlan:
    proj = scenario.projection
    sector_km = cfg.sector_km or duty.sector_km or DEFAULT_SECTOR_KM
    route_km = cfg.route_km or duty.route_km_per_day or DEFAULT_ROUTE_KM
    sweep_km = cfg.sweep_km if cfg.sweep_km is not None else sector_km
    teams = min(units.values()) if duty.joint else sum(units.values())
    points: Sequence[PatrolPoint] = (
        (duty.meeting_points or duty.bases) if duty.joint else (duty.bases or duty.meeting_points)
    )
    given = [(p.name, *_xy(proj, p.lon, p.lat)) for p in points]
    for name, x, y in given:
        if not shapely.contains_xy(shapely.buffer(area.region, 1.0), x, y):
            raise InputError(
                f"patrol duty {duty.id!r}: base {name!r} is not on the duty's own side "
                "of the line (or too far from it)"
            )
    ax = np.array([sectors[i].access[0] for i in idx])
    ay = np.array([sectors[i].access[1] for i in idx])
    if network is None:
        net, snode, place_names, pxy = _fallback(scenario, area, ax, ay, given, cfg)
    else:
        net = network.restricted(area.region)
        snode = _snap_sectors(net, [sectors[i] for i in idx])
        place_names, pxy = [], np.zeros((0, 2))
    sector_node[idx] = snode
    reach = snode >= 0
    if not np.all(reach):
        notes.append(f"{duty.id}: {int(np.sum(~reach))} sector(s) have no road node inside")
    # bases: given, or one per unit spread along the line
    if given:
        gx = np.array([g[1] for g in given])
        gy = np.array([g[2] for g in given])
        if network is None:
            bnode = np.arange(len(given)) + len(idx)  # fallback puts them after the sectors
            bdist = np.zeros(len(given))
        else:
            bnode, bdist = net.nearest(gx, gy)
        bases = [
            _base(proj, name, int(node), net, meeting=duty.joint)
            for (name, _, _), node, dist in zip(given, bnode, bdist, strict=True)
            if node >= 0 and dist <= _SNAP_KM * 1000
        ]
        if len(bases) < len(given):
            notes.append(f"{duty.id}: {len(given) - len(bases)} base(s) too far from any road")
    else:
        bases = _derived_bases(
            proj, duty, idx[reach], snode[reach], sectors, teams, net, place_names, pxy
        )
    router = Router(net, np.concatenate([snode[reach], [b.node for b in bases]]).astype(np.int64))
    order = np.array([sectors[i].index for i in idx], dtype=np.int64)
    # each reachable sector to its nearest base by road
    nearest = np.full(len(idx), -1)
    if bases:
        dist = np.array(
            [[router.distance(b.node, int(n)) if n >= 0 else np.inf for n in snode] for b in bases]
        )
        ok = np.isfinite(dist).any(axis=0)
        nearest[ok] = np.argmin(dist[:, ok], axis=0)
    raw = []
    for j, base in enumerate(bases):
        mine = nearest == j
        secs, capacity, tour, dropped = plan_area(
            duty.id,
            base,
            idx[mine],
            snode[mine],
            order[mine],
            router,
            route_km=route_km,
            sweep_km=sweep_km,
        )
        raw.append((base, secs, capacity, tour, dropped))
    counts = _allocate(teams, raw, value, cfg)
    areas = []
    serial = 0
    for (base, secs, capacity, tour, dropped), n in zip(raw, counts, strict=True):
        names, members = [], []
        for _ in range(n):
            serial += 1
            team = tuple(
                f"{p}-{duty.id}-{serial}" if duty.joint else f"{p}-{serial}" for p in duty.parties
            )
            members.append(team)
            names.append(f"{'+'.join(duty.parties)}-{serial}" if duty.joint else team[0])
        areas.append(
            Area(duty.id, base, tuple(names), tuple(members), secs, capacity, tour, dropped)
        )
    return DutyPlan(
        duty, area, idx, net, router, tuple(areas), sector_km, route_km, sweep_km, dict(units)
    )


def _xy(proj: object, lon: float, lat: float) -> tuple[float, float]:
    from ..geo.projection import LocalProjection

    assert isinstance(proj, LocalProjection)
    x, y = proj.forward([lon], [lat])
    return float(x[0]), float(y[0])


def _fallback(
    scenario: Scenario,
    area: DutyArea,
    ax: NDArray[np.float64],
    ay: NDArray[np.float64],
    given: list[tuple[str, float, float]],
    cfg: PlanConfig,
) -> tuple[RoadNetwork, Ints, list[str], NDArray[np.float64]]:
    proj = scenario.projection
    places = scenario.places
    px, py = proj.forward([p.lon for p in places], [p.lat for p in places])
    inside = shapely.contains_xy(area.region, px, py) if len(places) else np.zeros(0, bool)
    names = [p.name for p, ok in zip(places, inside, strict=True) if ok]
    pxy = np.column_stack([px[inside], py[inside]]) if len(places) else np.zeros((0, 2))
    x = np.concatenate([ax, [g[1] for g in given], pxy[:, 0]])
    y = np.concatenate([ay, [g[2] for g in given], pxy[:, 1]])
    net = fallback_network(x, y, area.region, max_edge_km=cfg.max_edge_km, detour=cfg.detour)
    return net, np.arange(len(ax), dtype=np.int64), names, pxy


def _snap_sectors(net: RoadNetwork, sectors: Sequence[Sector]) -> Ints:
    """For each sector the road node inside it nearest to its access point (-1: none)."""
    out = np.full(len(sectors), -1, dtype=np.int64)
    if net.n_nodes == 0 or not sectors:
        return out
    tree = shapely.STRtree(shapely.points(net.x, net.y))
    geoms = np.array([s.local for s in sectors], dtype=object)
    sec, node = tree.query(geoms, predicate="contains")
    for i in range(len(sectors)):
        nodes = node[sec == i]
        if len(nodes):
            ax, ay = sectors[i].access
            out[i] = int(nodes[np.argmin(np.hypot(net.x[nodes] - ax, net.y[nodes] - ay))])
    return out


def _base(proj: object, name: str, node: int, net: RoadNetwork, *, meeting: bool) -> Base:
    from ..geo.projection import LocalProjection

    assert isinstance(proj, LocalProjection)
    lon, lat = proj.inverse([net.x[node]], [net.y[node]])
    return Base(
        name, node, float(net.x[node]), float(net.y[node]), float(lon[0]), float(lat[0]), meeting
    )


def _derived_bases(
    proj: object,
    duty: PatrolDuty,
    idx: Ints,
    snode: Ints,
    sectors: Sequence[Sector],
    teams: int,
    net: RoadNetwork,
    place_names: list[str],
    pxy: NDArray[np.float64],
) -> list[Base]:
    """One base per unit (team), at the middle sector of equal stretches along the line."""
    if teams <= 0 or not len(idx):
        return []
    order = np.argsort([sectors[i].index for i in idx], kind="stable")
    bases = []
    for j, chunk in enumerate(np.array_split(order, min(teams, len(idx)))):
        mid = int(chunk[len(chunk) // 2])
        node = int(snode[mid])
        label = "meeting point" if duty.joint else "base"
        name = f"{duty.id} {label} {j + 1}"
        if len(pxy):
            d = np.hypot(pxy[:, 0] - net.x[node], pxy[:, 1] - net.y[node])
            k = int(np.argmin(d))
            if d[k] <= 15_000:
                name += f" (near {place_names[k]})"
        bases.append(_base(proj, name, node, net, meeting=duty.joint))
    return bases


def _allocate(
    teams: int,
    raw: list[tuple[Base, Ints, int, float, Ints]],
    value: NDArray[np.float64],
    cfg: PlanConfig,
) -> list[int]:
    """Units per base: each next unit to the base whose sectors the violator likes best
    (greedy on the attacker's level; optimal for the min-max of decreasing functions)."""
    counts = [0] * len(raw)
    usable = [j for j, r in enumerate(raw) if r[2] > 0 and len(r[1])]
    if not usable:
        return counts
    for _ in range(teams):
        best, best_level = usable[0], -np.inf
        for j in usable:
            _, secs, capacity, _, _ = raw[j]
            if counts[j] * capacity >= len(secs):
                continue  # already covers its whole area every day
            v = value[secs]
            level, _ = group_level(v, (1 + cfg.attacker_penalty) * v, counts[j] * capacity)
            if level > best_level + 1e-12:
                best, best_level = j, level
        counts[best] += 1
    return counts


def _facing(duties: Sequence[PatrolDuty]) -> tuple[tuple[str, str], ...]:
    """Pairs of coordinated duties on the same line (their same-index sectors face)."""
    out = []
    for i, a in enumerate(duties):
        for b in duties[i + 1 :]:
            if a.joint or b.joint or a.line is None or a.line != b.line:
                continue
            if set(a.coordinated_with) & set(b.parties) or set(b.coordinated_with) & set(a.parties):
                out.append((a.id, b.id))
    return tuple(out)


def _meeting_points(
    scenario: Scenario,
    sectors: Sequence[Sector],
    duties: Sequence[PatrolDuty],
    facing: Sequence[tuple[str, str]],
) -> dict[tuple[str, int], str]:
    """Where facing patrols meet: the agreed meeting point nearest the middle of their stretch
    of line (within 10 km), else that point of the line."""
    out: dict[tuple[str, int], str] = {}
    proj = scenario.projection
    by_id = {d.id: d for d in duties}
    for a, b in facing:
        agreed = [*by_id[a].meeting_points, *by_id[b].meeting_points]
        line = proj.to_local(scenario.agreement.lines[by_id[a].line or ""].geometry)
        for s in sectors:
            if s.duty != a:
                continue
            mid = line.interpolate((s.start_km + s.end_km) / 2 * 1000.0)
            name = ""
            for p in agreed:
                x, y = _xy(proj, p.lon, p.lat)
                if np.hypot(x - mid.x, y - mid.y) <= 10_000:
                    name = p.name
                    break
            if not name:
                lon, lat = proj.inverse([mid.x], [mid.y])
                name = f"{s.line} km {(s.start_km + s.end_km) / 2:.1f} ({lon[0]:.4f}, {lat[0]:.4f})"
            out[(a, s.index)] = name
    return out
