"""Commands on scenarios and their zones: scenarios, validate, zones, classify, places, demo."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import typer

from ..agreement.loader import load_agreement
from ..errors import InputError
from ..export import write_zones
from ..report.preview import write_preview
from ..report.summary import band_summary
from ..scenario import list_scenarios, load_scenario, scenario_path
from . import app
from ._complete import complete_scenario
from ._table import table

ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario",
        "-s",
        help="Built-in scenario name or path of an agreement .toml",
        autocompletion=complete_scenario,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command(epilog="Example: dmzwatch scenarios --json")
def scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List the built-in scenarios."""
    rows: list[dict[str, Any]] = []
    for name in list_scenarios():
        agreement = load_scenario(name).agreement
        rows.append(
            {
                "name": name,
                "title": agreement.title,
                "signed": agreement.signed.isoformat(),
                "zones": [z.id for z in agreement.zones],
                "schematic": agreement.schematic,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    typer.echo(
        table(
            ["name", "signed", "zones", "title"],
            [
                [
                    r["name"],
                    r["signed"],
                    ", ".join(r["zones"]),
                    r["title"] + (" [schematic]" if r["schematic"] else ""),
                ]
                for r in rows
            ],
        )
    )


@app.command(epilog="Example: dmzwatch validate src/dmzwatch/scenarios/idlib-2018.toml")
def validate(
    agreement: Annotated[Path, typer.Argument(help="Agreement .toml file")],
    as_json: JsonOpt = False,
) -> None:
    """Check an agreement file; prints every problem, or a one-line summary when it is valid."""
    a = load_agreement(agreement)
    if as_json:
        payload = {
            "file": str(agreement),
            "valid": True,
            "id": a.id,
            "zones": [z.id for z in a.zones],
            "rules": [r.id for r in a.rules],
            "milestones": len(a.milestones),
            "patrols": len(a.patrols),
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{agreement}: valid agreement {a.id!r}: {len(a.zones)} zone(s), {len(a.rules)} rule(s), "
        f"{len(a.milestones)} milestone(s), {len(a.patrols)} patrol duty(ies)"
    )


@app.command(epilog="Example: dmzwatch zones --scenario idlib-2018 --format gpkg --out build/zones")
def zones(
    scenario: ScenarioOpt = "idlib-2018",
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("."),
    fmt: Annotated[
        Literal["geojson", "gpkg"], typer.Option("--format", help="geojson or gpkg")
    ] = "geojson",
    as_json: JsonOpt = False,
) -> None:
    """Write the scenario's zones (one feature per zone and band) as GeoJSON or GeoPackage."""
    s = load_scenario(scenario)
    path = write_zones(s, out, fmt)
    if as_json:
        bands = [
            {"zone": b.zone, "band": b.band, "area_km2": round(b.area_km2, 3)} for b in s.bands
        ]
        payload = {"scenario": s.name, "format": fmt, "path": str(path), "bands": bands}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(str(path))


CLASSIFY_COLUMNS = ["id", "lon", "lat", "zone", "band", "distance_km", "p_in_zone"]


@app.command()
def classify(
    points: Annotated[Path, typer.Argument(help="CSV with columns id, lon, lat [, precision_km]")],
    scenario: ScenarioOpt = "idlib-2018",
    out: Annotated[Path | None, typer.Option(help="Output CSV (default: stdout)")] = None,
) -> None:
    """Classify points: zone, band, geodesic distance to the zone's line, p_in_zone."""
    ids, lon, lat, precision = _read_points(points)
    result = load_scenario(scenario).classify(lon, lat, precision)
    buffer = io.StringIO() if out is None else None
    with out.open("w", newline="", encoding="utf-8") if out else _nullcontext(buffer) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CLASSIFY_COLUMNS)
        for i in range(len(ids)):
            writer.writerow(
                [
                    ids[i],
                    repr(float(lon[i])),
                    repr(float(lat[i])),
                    result.zone[i],
                    result.band[i],
                    f"{result.distance_km[i]:.4f}",
                    f"{result.p_in_zone[i]:.4f}",
                ]
            )
    if buffer is not None:
        sys.stdout.write(buffer.getvalue())


class _nullcontext:
    def __init__(self, value: io.StringIO | None) -> None:
        self.value = value

    def __enter__(self) -> io.StringIO:
        assert self.value is not None
        return self.value

    def __exit__(self, *exc: object) -> None:
        return None


def _read_points(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray | None]:
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    with fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in ("id", "lon", "lat") if c not in header]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {', '.join(missing)}; the header is {', '.join(header)}"
            )
        has_precision = "precision_km" in header
        ids, lon, lat, prec = [], [], [], []
        problems = []
        for row_no, row in enumerate(reader, start=2):
            values = {}
            for field in ("lon", "lat", *(["precision_km"] if has_precision else [])):
                raw = (row.get(field) or "").strip()
                if field == "precision_km" and raw == "":
                    values[field] = 0.0
                    continue
                try:
                    values[field] = float(raw)
                except ValueError:
                    problems.append(f"row {row_no}, field {field!r}: {raw!r} is not a number")
            if len(problems) >= 20:
                break
            lo, la = values.get("lon", 0.0), values.get("lat", 0.0)
            if not -180 <= lo <= 180:
                problems.append(f"row {row_no}, field 'lon': {lo} is outside [-180, 180]")
            if not -90 <= la <= 90:
                problems.append(f"row {row_no}, field 'lat': {la} is outside [-90, 90]")
            if values.get("precision_km", 0.0) < 0:
                problems.append(f"row {row_no}, field 'precision_km': must not be negative")
            ids.append(row.get("id") or "")
            lon.append(lo)
            lat.append(la)
            prec.append(values.get("precision_km", 0.0))
        if problems:
            raise InputError(f"{path}: {len(problems)} bad value(s):\n  " + "\n  ".join(problems))
    return ids, np.array(lon), np.array(lat), (np.array(prec) if has_precision else None)


@app.command(epilog="Example: dmzwatch places --scenario idlib-2018 --json")
def places(
    scenario: ScenarioOpt = "idlib-2018",
    as_json: JsonOpt = False,
) -> None:
    """Populated places (GeoNames) in each zone and band, with their population."""
    rows = band_summary(load_scenario(scenario))
    if as_json:
        payload = [
            {
                "zone": r.zone,
                "band": r.band,
                "places": [
                    {
                        "geonameid": p.geonameid,
                        "name": p.name,
                        "lon": p.lon,
                        "lat": p.lat,
                        "population": p.population,
                        "population_known": p.population > 0,
                        "admin1": p.admin1,
                    }
                    for p in r.places
                ],
                "population_known": r.population_known,
                "places_unknown_population": r.places_unknown,
            }
            for r in rows
        ]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    body = [
        [r.zone, r.band, p.name, p.admin1, p.population if p.population else "unknown"]
        for r in rows
        for p in r.places
    ]
    typer.echo(table(["zone", "band", "place", "governorate", "population"], body))
    typer.echo("\npopulation 'unknown': GeoNames gives 0, which means not known, not empty.")
    typer.echo("Places: GeoNames (CC BY 4.0, geonames.org).")


@app.command(epilog="Example: dmzwatch demo --scenario idlib-2018 --out build/demo")
def demo(
    scenario: ScenarioOpt = "idlib-2018",
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("build/demo"),
    as_json: JsonOpt = False,
) -> None:
    """Build the zone, write GeoJSON, GeoPackage and an offline HTML map, print a summary."""
    s = load_scenario(scenario)
    paths = [write_zones(s, out, "geojson"), write_zones(s, out, "gpkg"), write_preview(s, out)]
    rows = band_summary(s)
    if as_json:
        payload = {
            "scenario": s.name,
            "title": s.agreement.title,
            "signed": s.agreement.signed.isoformat(),
            "schematic": s.agreement.schematic,
            "bands": [
                {
                    "zone": r.zone,
                    "band": r.band,
                    "depth_min_km": r.depth_min_km,
                    "depth_max_km": r.depth_max_km,
                    "area_km2": round(r.area_km2, 3),
                    "places": len(r.places),
                    "population_known": r.population_known,
                    "places_unknown_population": r.places_unknown,
                }
                for r in rows
            ],
            "files": [str(p) for p in paths],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{s.agreement.title}\n{scenario_path(scenario).name}, signed {s.agreement.signed}")
    if s.agreement.schematic:
        typer.echo("SCHEMATIC: some geometry of this scenario is illustrative, see its file.")
    typer.echo("")
    typer.echo(
        table(
            ["zone", "band", "depth km", "area km²", "places", "known population", "pop. unknown"],
            [
                [
                    r.zone,
                    r.band,
                    f"{r.depth_min_km:g}–{r.depth_max_km:g}"
                    if r.depth_max_km is not None
                    else "area",
                    r.area_km2,
                    len(r.places),
                    r.population_known,
                    r.places_unknown,
                ]
                for r in rows
            ]
            + [
                [
                    "total",
                    "",
                    "",
                    sum(r.area_km2 for r in rows),
                    sum(len(r.places) for r in rows),
                    sum(r.population_known for r in rows),
                    sum(r.places_unknown for r in rows),
                ]
            ],
        )
    )
    typer.echo("\nWritten:")
    for p in paths:
        typer.echo(f"  {p}")
