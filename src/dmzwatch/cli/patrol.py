"""``dmzwatch patrol``: plan randomized patrols, evaluate them, time the solver."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from . import app
from ._help import examples
from ._options import JsonOpt
from ._progress import progress
from ._store import existing_store

if TYPE_CHECKING:
    from ..patrol.network import RoadNetwork
    from ..patrol.plan import Plan
    from ..patrol.routes import Route
    from ..patrol.value import HistoryRecord
    from ..scenario import Scenario

log = logging.getLogger(__name__)

patrol = typer.Typer(
    name="patrol",
    help="Plan randomized patrols that an adaptive violator cannot predict; evaluate them.",
    no_args_is_help=True,
    epilog=examples(
        "dmzwatch patrol plan --scenario idlib-2018 --db idlib.db --days 7 --out build/patrol",
        "dmzwatch patrol evaluate --scenario idlib-2018 --db idlib.db --days 90 --json",
    ),
)
app.add_typer(patrol, name="patrol")

ScenarioOpt = Annotated[
    str, typer.Option("--scenario", "-s", help="Built-in scenario name or agreement .toml")
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Event store (SQLite file or postgresql://... URL) whose events make the value "
        "history",
    ),
]
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="CSV of past events: lon,lat,date[,weight] or UCDP GED columns "
        "(longitude, latitude, date_start)",
    ),
]
UnitsOpt = Annotated[
    str, typer.Option("--units", help="Units per party, e.g. TR=4,RU=4 (default: agreement or 4)")
]
SeedOpt = Annotated[
    int, typer.Option("--seed", min=0, help="Random seed (0 or more): same seed, same plan")
]
OsmOpt = Annotated[
    Path | None, typer.Option("--osm", help="OpenStreetMap extract (.osm or .pbf) for roads")
]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="First day, YYYY-MM-DD (default: today)")
]
SectorOpt = Annotated[
    float | None, typer.Option("--sector-km", help="Sector length along the line (default 5)")
]
RouteOpt = Annotated[
    float | None, typer.Option("--route-km", help="Daily route length per unit (default 200)")
]


def _context(
    scenario: str,
    days: int,
    db: str | None,
    history_csv: Path | None,
    osm: Path | None,
    start: str | None,
    units: str,
    sector_km: float | None,
    route_km: float | None,
) -> tuple[Plan, str]:
    from ..patrol.network import read_osm
    from ..patrol.plan import PlanConfig, build_plan, parse_units
    from ..scenario import load_scenario

    s = load_scenario(scenario)
    first = _parse_day(start, s)
    if (dt.date.max - first).days < days - 1:
        raise InputError(
            f"--start {first.isoformat()} with --days {days} runs past {dt.date.max.isoformat()}"
        )
    records, source = _history(db, history_csv)
    network: RoadNetwork | None = read_osm(osm, s.projection) if osm is not None else None
    config = PlanConfig(sector_km=sector_km, route_km=route_km)
    plan = build_plan(
        s, start=first, units=parse_units(units), history=records, network=network, config=config
    )
    return plan, source


@patrol.command(
    "plan",
    epilog=examples(
        "dmzwatch patrol plan --scenario idlib-2018 --db idlib.db --days 7 --start 2019-12-01 "
        "--out build/patrol",
        "dmzwatch patrol plan -s idlib-m4-2020 --units TR=2,RU=2 --osm m4.osm --out build/m4 "
        "--json",
    ),
)
def plan_command(
    out: Annotated[Path, typer.Option("--out", help="Output directory")],
    scenario: ScenarioOpt = "idlib-2018",
    db: DbOpt = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366)] = 7,
    units: UnitsOpt = "",
    seed: SeedOpt = 0,
    osm: OsmOpt = None,
    start: StartOpt = None,
    history: HistoryOpt = None,
    sector_km: SectorOpt = None,
    route_km: RouteOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON: summary.json's object with out and solve_seconds added"
        ),
    ] = False,
) -> None:
    """Write a patrol plan: routes (GeoJSON, GPX), schedule.csv, coverage.geojson, summary."""
    plan, source = _context(scenario, days, db, history, osm, start, units, sector_km, route_km)
    routes = plan.routes(days, seed)
    try:
        summary = write_plan(plan, routes, out, days=days, seed=seed, history_source=source)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write the plan there ({exc.strerror})") from exc
    if as_json:
        payload = {**summary, "out": str(out), "solve_seconds": plan.solve_seconds}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{out}: {len(routes)} route(s) over {days} day(s) for {len(plan.sectors)} sectors; "
        f"network {summary['network']}; history {summary['history_records']} record(s); "
        f"equilibrium {summary['solver_status']} (gap {summary['gap']:.1e}, "
        f"solved in {plan.solve_seconds * 1000:.1f} ms)"
    )
    for note in summary["notes"]:
        typer.echo(f"note: {note}")
    if (db is not None or history is not None) and not plan.history_records:
        typer.echo(f"note: history: {source}")


@patrol.command(
    "evaluate",
    epilog=examples(
        "dmzwatch patrol evaluate --scenario idlib-2018 --db idlib.db --days 90 --runs 20",
        "dmzwatch patrol evaluate --days 30 --runs 3 --seed 1 --start 2019-12-01 --json",
    ),
)
def evaluate_command(
    scenario: ScenarioOpt = "idlib-2018",
    db: DbOpt = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3660)] = 90,
    runs: Annotated[int, typer.Option("--runs", min=1, max=1000, help="Violators simulated")] = 20,
    units: UnitsOpt = "",
    seed: SeedOpt = 0,
    osm: OsmOpt = None,
    start: StartOpt = None,
    history: HistoryOpt = None,
    sector_km: SectorOpt = None,
    route_km: RouteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Detection rates against a violator who learns from the patrols it sees: dmzwatch's
    plan against a fixed round-robin and a highest-value-first schedule."""
    from ..patrol.simulate import STRATEGIES, simulate

    plan, source = _context(scenario, days, db, history, osm, start, units, sector_km, route_km)
    total = days * runs * len(STRATEGIES)
    with progress("Simulating violators", total, enabled=not as_json) as advance:
        rates = simulate(plan, days=days, runs=runs, seed=seed, progress=advance)
    best_baseline = max(rates["round_robin"].rate, rates["highest_value"].rate)
    payload: dict[str, Any] = {name: rates[name].rate for name in STRATEGIES}
    payload.update(
        days=days,
        runs=runs,
        seed=seed,
        scenario=plan.scenario.name,
        intervals={n: [rates[n].low, rates[n].high] for n in STRATEGIES},
        detected={n: rates[n].detected for n in STRATEGIES},
        violations=rates["plan"].trials,
        ratio_to_best_baseline=(rates["plan"].rate / best_baseline) if best_baseline else None,
        history_records=plan.history_records,
        history_source=source,
        network=plan.network_kind,
        sectors=len(plan.sectors),
    )
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(
        f"{plan.scenario.name}: {runs} violator(s) x {days} day(s), {len(plan.sectors)} sectors, "
        f"history {plan.history_records} record(s), network {plan.network_kind}"
    )
    if (db is not None or history is not None) and not plan.history_records:
        typer.echo(f"  note: history: {source}")
    for name in STRATEGIES:
        r = rates[name]
        typer.echo(
            f"  {name:<14} detection {r.rate:6.1%}  95% CI [{r.low:6.1%}, {r.high:6.1%}]  "
            f"({r.detected}/{r.trials})"
        )
    ratio = payload["ratio_to_best_baseline"]
    typer.echo(f"  plan / best baseline: {'n/a' if ratio is None else f'{ratio:.2f}x'}")


@patrol.command(
    "bench",
    epilog=examples(
        "dmzwatch patrol bench",
        "dmzwatch patrol bench --sectors 500 --units 10 --time-limit 60 --json",
    ),
)
def bench_command(
    sectors: Annotated[int, typer.Option("--sectors", min=2)] = 2000,
    units: Annotated[int, typer.Option("--units", min=1)] = 20,
    seed: SeedOpt = 0,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.0, help="HiGHS limit, s")
    ] = 300.0,
    as_json: JsonOpt = False,
) -> None:
    """Time the specialised solver against HiGHS on the same game written as a MILP."""
    from ..patrol.bench import run_bench

    description = f"Solving {sectors} sectors x {units} units twice"
    with progress(description, enabled=not as_json):  # no hook inside: a spinner
        result = run_bench(sectors=sectors, units=units, seed=seed, time_limit=time_limit)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(
        f"{sectors} sectors x {units} units: origami {result['origami_seconds'] * 1000:.1f} ms "
        f"(gap {result['origami_gap']:.1e}); HiGHS MILP {result['milp_seconds']:.2f} s "
        f"({result['milp_status']}); speed-up {result['speedup']:.0f}x; "
        f"value difference {result['value_difference']:.1e}"
    )


def _parse_day(text: str | None, s: Scenario) -> dt.date:
    if text is None:
        return dt.datetime.now(s.agreement.timezone).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"--start: {text!r} is not a date (YYYY-MM-DD)") from exc


def _history(db: str | None, path: Path | None) -> tuple[list[HistoryRecord], str]:
    records: list[HistoryRecord] = []
    sources: list[str] = []
    if path is not None:
        records += read_history_csv(path)
        sources.append(f"{path} ({len(records)} records)")
    if db is not None:
        from_db, note = history_from_store(db)
        records += from_db
        sources.append(note)
    if not sources:
        sources.append("none given: planned with an empty history")
    return records, "; ".join(sources)


def history_from_store(db: str | Path) -> tuple[list[HistoryRecord], str]:
    """Located, dated events of the event store at ``db`` (a SQLite path or a
    ``postgresql://`` URL); empty (and why) when there is no SQLite file."""
    from ..patrol.coverage import history_from_events

    url = str(db)
    if not url.startswith(("postgresql://", "postgres://")):
        path = Path(url)
        if not path.is_file() or path.stat().st_size == 0:
            return [], f"{db}: no event store there (missing or empty): empty history"
    with existing_store(url) as store:  # a file that is no store is refused, left as it is
        records = history_from_events(event for _, event in store.events())
    return records, f"{db}: {len(records)} located event(s) from the event store"


def read_history_csv(path: Path) -> list[HistoryRecord]:
    """History records from a CSV: ``lon, lat, date[, weight]`` or UCDP GED columns.

    Every bad row is reported, together, in one :class:`InputError`.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            cols = set(reader.fieldnames or [])
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        ) from exc
    except (OSError, csv.Error) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    return _history_rows(path, cols, rows)


def _history_rows(
    path: Path, cols: set[str], rows: list[dict[str | Any, Any]]
) -> list[HistoryRecord]:
    lon_c = "lon" if "lon" in cols else "longitude"
    lat_c = "lat" if "lat" in cols else "latitude"
    date_c = "date" if "date" in cols else "date_start"
    missing = [c for c in (lon_c, lat_c, date_c) if c not in cols]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}: give lon,lat,date[,weight] "
            "or UCDP GED columns"
        )
    from ..patrol.value import HistoryRecord

    out: list[HistoryRecord] = []
    problems: list[str] = []
    for row_no, row in enumerate(rows, start=2):
        why: list[str] = []
        lon = _number(row.get(lon_c), lon_c, -180.0, 180.0, why)
        lat = _number(row.get(lat_c), lat_c, -90.0, 90.0, why)
        weight = _number(row.get("weight") or "1", "weight", 0.0, math.inf, why)
        day: dt.date | None = None
        text = row.get(date_c)
        if text is None:
            why.append(f"{date_c} is missing (the row is short)")
        else:
            try:
                day = dt.date.fromisoformat(text.strip()[:10])
            except ValueError:
                why.append(f"{date_c} {text!r} is not a date (YYYY-MM-DD)")
        if None in row:
            why.append(f"{len(row[None])} value(s) more than the header has columns")
        if why:
            problems.append(f"row {row_no}: {'; '.join(why)}")
        elif lon is not None and lat is not None and weight is not None and day is not None:
            out.append(HistoryRecord(lon, lat, day, weight))
    if problems:
        count = len(problems)
        shown = [f"  - {p}" for p in problems[:20]]
        if count > 20:
            shown.append(f"  ... and {count - 20} more")
        raise InputError(f"{path}: {count} row(s) are not history records:\n" + "\n".join(shown))
    return out


def _number(text: str | None, name: str, low: float, high: float, why: list[str]) -> float | None:
    """``text`` as a finite number within [low, high]; else None, and why."""
    if text is None:
        why.append(f"{name} is missing (the row is short)")
        return None
    try:
        value = float(text)
    except ValueError:
        why.append(f"{name} {text!r} is not a number")
        return None
    if not math.isfinite(value) or not low <= value <= high:
        within = f"from {low:g} to {high:g}" if math.isfinite(high) else f"of {low:g} or more"
        why.append(f"{name} {text!r} is not a finite number {within}")
        return None
    return value


# --- writing a plan --------------------------------------------------------------------


def write_plan(
    plan: Plan, routes: Sequence[Route], out: Path, *, days: int, seed: int, history_source: str
) -> dict[str, Any]:
    """Write every output of a plan under ``out``; returns the summary."""
    from ..patrol.coverage import coverage_geojson

    out.mkdir(parents=True, exist_ok=True)
    (out / "routes").mkdir(exist_ok=True)
    features = []
    for r in routes:
        stem = out / "routes" / r.day.isoformat() / r.unit
        stem.parent.mkdir(parents=True, exist_ok=True)
        collection = _route_geojson(plan, r)
        stem.with_suffix(".geojson").write_text(json.dumps(collection, indent=1) + "\n")
        stem.with_suffix(".gpx").write_bytes(_route_gpx(plan, r))
        features.append(collection["features"][0])
    (out / "routes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}) + "\n"
    )
    _write_schedule(plan, routes, out / "schedule.csv")
    (out / "coverage.geojson").write_text(json.dumps(coverage_geojson(plan)) + "\n")
    summary = plan_summary(plan, routes, days=days, seed=seed, history_source=history_source)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def plan_summary(
    plan: Plan, routes: Sequence[Route], *, days: int, seed: int, history_source: str
) -> dict[str, Any]:
    from ..patrol.coverage import coverage_summary

    pairs = sum(len(r.meetings) for r in routes) // 2  # each meeting is on both routes
    return {
        **coverage_summary(plan, seed=seed, history_source=history_source),
        "days": days,
        "routes": len(routes),
        "coordinated_meetings": pairs,
        "duties": [
            {
                "id": d.duty.id,
                "parties": list(d.duty.parties),
                "joint": d.duty.joint,
                "side": d.area.side.value,
                "sectors": len(d.sectors),
                "sector_km": d.sector_km,
                "route_km_per_day": d.route_km,
                "sweep_km": d.sweep_km,
                "units": d.units,
                "areas": [
                    {
                        "base": a.base.name,
                        "lon": round(a.base.lon, 6),
                        "lat": round(a.base.lat, 6),
                        "units": list(a.units),
                        "sectors": len(a.sectors),
                        "sectors_per_unit_per_day": a.capacity,
                        "bounding_tour_km": round(a.tour_km, 3),
                        "out_of_reach": len(a.dropped),
                    }
                    for a in d.areas
                ],
            }
            for d in plan.duties
        ],
    }


def _lonlat(plan: Plan, route: Route) -> list[list[float]]:
    import numpy as np

    net = next(d.network for d in plan.duties if d.duty.id == route.duty)
    nodes = np.array(route.nodes, dtype=np.int64)
    lon, lat = plan.scenario.projection.inverse(net.x[nodes], net.y[nodes])
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def _visit_points(plan: Plan, route: Route) -> list[tuple[str, float, float, str, str, str]]:
    """(label, lon, lat, arrive, leave, meeting) for each patrolled sector."""
    net = next(d.network for d in plan.duties if d.duty.id == route.duty)
    out = []
    for v in route.visits:
        node = int(plan.sector_node[v.sector])
        lon, lat = plan.scenario.projection.inverse([net.x[node]], [net.y[node]])
        out.append(
            (
                plan.sectors[v.sector].id,
                round(float(lon[0]), 6),
                round(float(lat[0]), 6),
                v.arrive.isoformat(timespec="minutes"),
                v.leave.isoformat(timespec="minutes"),
                v.meeting,
            )
        )
    return out


def _route_geojson(plan: Plan, r: Route) -> dict[str, Any]:
    props = {
        "unit": r.unit,
        "members": list(r.members),
        "parties": list(r.parties),
        "duty": r.duty,
        "day": r.day.isoformat(),
        "start": r.start.isoformat(timespec="minutes"),
        "end": r.end.isoformat(timespec="minutes"),
        "base": r.base.name,
        "length_km": round(r.length_km, 3),
        "path_km": round(r.path_km, 3),
        "sweep_km": round(r.sweep_km, 3),
        "sectors": [plan.sectors[v.sector].id for v in r.visits],
        "meeting_points": list(r.meetings),
        "network": plan.network_kind,
    }
    coords = _lonlat(plan, r)
    if len(coords) < 2:
        coords = coords * 2
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": props,
        },
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(r.base.lon, 6), round(r.base.lat, 6)],
            },
            "properties": {"role": "base", "name": r.base.name},
        },
    ]
    for label, lon, lat, arrive, leave, meeting in _visit_points(plan, r):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "role": "sector",
                    "sector": label,
                    "arrive": arrive,
                    "leave": leave,
                    "meeting": meeting,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _route_gpx(plan: Plan, r: Route) -> bytes:
    ns = "http://www.topografix.com/GPX/1/1"
    gpx = ET.Element("gpx", {"version": "1.1", "creator": "dmzwatch", "xmlns": ns})
    meta = ET.SubElement(gpx, "metadata")
    ET.SubElement(meta, "name").text = f"{r.unit} {r.day.isoformat()}"
    ET.SubElement(
        meta, "desc"
    ).text = f"duty {r.duty}; base {r.base.name}; network {plan.network_kind}"
    for name, lon, lat, when in [
        (r.base.name, round(r.base.lon, 6), round(r.base.lat, 6), r.start.isoformat()),
        *[(f"{p[0]} {p[5]}".strip(), p[1], p[2], p[3]) for p in _visit_points(plan, r)],
    ]:
        wpt = ET.SubElement(gpx, "wpt", {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
        ET.SubElement(wpt, "time").text = _utc(when)
        ET.SubElement(wpt, "name").text = name
    trk = ET.SubElement(gpx, "trk")
    ET.SubElement(trk, "name").text = f"{r.unit} {r.day.isoformat()}"
    seg = ET.SubElement(trk, "trkseg")
    for lon, lat in _lonlat(plan, r):
        ET.SubElement(seg, "trkpt", {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    ET.indent(gpx)
    text: bytes = ET.tostring(gpx, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _utc(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


SCHEDULE_COLUMNS = [
    "unit",
    "party",
    "day",
    "start",
    "end",
    "waypoints",
    "meeting_points",
    "duty",
    "members",
    "base",
    "length_km",
    "sectors",
]


def _write_schedule(plan: Plan, routes: Sequence[Route], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(SCHEDULE_COLUMNS)
        for r in routes:
            stops = [f"{r.base.name} {r.start:%H:%M}"]
            stops += [
                f"{plan.sectors[v.sector].id} {v.arrive:%H:%M}-{v.leave:%H:%M}" for v in r.visits
            ]
            stops.append(f"{r.base.name} {r.end:%H:%M}")
            meetings = list(r.meetings)
            if r.base.meeting:
                meetings.insert(0, f"{r.base.name} {r.start:%H:%M} (team forms)")
            w.writerow(
                [
                    r.unit,
                    "+".join(r.parties),
                    r.day.isoformat(),
                    r.start.isoformat(timespec="minutes"),
                    r.end.isoformat(timespec="minutes"),
                    " > ".join(stops),
                    "; ".join(meetings),
                    r.duty,
                    "+".join(r.members),
                    r.base.name,
                    f"{r.length_km:.3f}",
                    len(r.visits),
                ]
            )
