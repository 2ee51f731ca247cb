"""Commands on scenarios and their zones: scenarios, validate, zones, classify, places, demo."""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer

from ..errors import InputError
from . import app
from ._help import examples
from ._options import JsonOpt, ScenarioOpt
from ._table import table

if TYPE_CHECKING:
    import numpy as np

    from ..scenario import Scenario

T = TypeVar("T")


@app.command(epilog=examples("dmzwatch scenarios", "dmzwatch scenarios --json"))
def scenarios(
    as_json: JsonOpt = False,
) -> None:
    """List the built-in scenarios."""
    from ..scenario import list_scenarios, load_scenario

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


@app.command(
    epilog=examples(
        "dmzwatch validate src/dmzwatch/scenarios/idlib-2018.toml",
        "dmzwatch validate my-agreement.toml --json",
    )
)
def validate(
    agreement: Annotated[Path, typer.Argument(help="Agreement .toml file")],
    as_json: JsonOpt = False,
) -> None:
    """Check an agreement file; prints every problem, or a one-line summary when it is valid."""
    from ..agreement.loader import load_agreement

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


@app.command(
    epilog=examples(
        "dmzwatch zones --scenario idlib-2018 --out build/zones",
        "dmzwatch zones -s minsk-2015 --format gpkg --out build/zones --json",
    )
)
def zones(
    scenario: ScenarioOpt = "idlib-2018",
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("."),
    fmt: Annotated[
        Literal["geojson", "gpkg"], typer.Option("--format", help="geojson or gpkg")
    ] = "geojson",
    as_json: JsonOpt = False,
) -> None:
    """Write the scenario's zones (one feature per zone and band) as GeoJSON or GeoPackage."""
    from ..export import write_zones
    from ..scenario import load_scenario

    s = load_scenario(scenario)
    path = _written(out, lambda: write_zones(s, out, fmt))
    if as_json:
        bands = [
            {"zone": b.zone, "band": b.band, "area_km2": round(b.area_km2, 3)} for b in s.bands
        ]
        payload = {"scenario": s.name, "format": fmt, "path": str(path), "bands": bands}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    typer.echo(str(path))


def _written(out: Path, write: Callable[[], T]) -> T:
    """Run ``write`` (which writes under the directory ``out``); a file system error names
    ``--out`` instead of ending in a traceback."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: not a directory (an output directory is expected)")
    try:
        return write()
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there: {exc}") from exc


CLASSIFY_COLUMNS = ["id", "lon", "lat", "zone", "band", "distance_km", "p_in_zone"]


@app.command(
    epilog=examples(
        "dmzwatch classify points.csv --scenario idlib-2018",
        "dmzwatch classify points.csv -s idlib-m4-2020 --out classified.csv",
        "dmzwatch classify 'points/*.parquet' --engine dask --out classified.parquet",
    )
)
def classify(
    points: Annotated[
        str,
        typer.Argument(
            help="CSV or Parquet with columns id, lon, lat [, precision_km], or a directory "
            "of Parquet files; with --engine dask also a glob or a URL (s3://, gs://, ...)"
        ),
    ],
    scenario: ScenarioOpt = "idlib-2018",
    out: Annotated[
        str | None,
        typer.Option(
            help="Output: Parquet when it ends in .parquet (with --engine dask a directory of "
            "parts, or a URL), else CSV (default: CSV on stdout)"
        ),
    ] = None,
    engine: Annotated[
        Literal["local", "dask"],
        typer.Option(help="local: this process; dask: partitions on a Dask cluster"),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://host:8786); default: DASK_SCHEDULER_ADDRESS, "
            "else a local cluster"
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes of a local Dask cluster (default: one per CPU)"),
    ] = None,
) -> None:
    """Classify points: zone, band, geodesic distance to the zone's line, p_in_zone."""
    from ..scenario import load_scenario

    s = load_scenario(scenario)
    if engine == "dask":
        _classify_dask(points, s, out, scheduler, workers)
        return
    source, target = Path(points), None if out is None else Path(out)
    if _is_parquet(source):
        _classify_parquet(source, s, target)
    else:
        ids, lon, lat, precision = _read_points(source)
        result = s.classify(lon, lat, precision)
        columns = (ids, lon, lat, result.zone, result.band, result.distance_km, result.p_in_zone)
        with _Output(target) as sink:
            sink.write(*columns)


def _is_parquet(path: Path | str) -> bool:
    return Path(path).is_dir() or str(path).endswith((".parquet", ".pq"))


class _Output:
    """Where classify writes: CSV (a file or stdout) or one Parquet file, batch by batch.

    A file is written under a temporary name beside it and renamed when the block ends
    without an error: a failure leaves no partial output (and an existing file as it was).
    """

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.parquet = out is not None and _is_parquet(out)
        self._tmp: Path | None = None
        self._fh: Any = None
        self._writer: Any = None

    def __enter__(self) -> _Output:
        out = self.out
        if out is not None:
            if out.is_dir():
                raise InputError(
                    f"--out {out}: is a directory; give a file name (.parquet: Parquet, else CSV)"
                )
            self._tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
        if self.parquet:
            import pyarrow.parquet as pq

            try:
                self._writer = pq.ParquetWriter(str(self._tmp), _parquet_schema())
            except OSError as exc:
                raise InputError(f"--out {self.out}: cannot write there: {exc}") from exc
        else:
            self._fh = sys.stdout if out is None else _open_output(self._tmp or out, out)
            self._writer = csv.writer(self._fh, lineterminator="\n")
            self._writer.writerow(CLASSIFY_COLUMNS)
        return self

    def write(self, ids: Any, lon: Any, lat: Any, zone: Any, band: Any, dist: Any, p: Any) -> None:
        if self.parquet:
            import pyarrow as pa

            values = (ids, lon, lat, zone, band, dist, p)
            columns = dict(zip(CLASSIFY_COLUMNS, values, strict=True))
            table = pa.table(columns, schema=_parquet_schema())
            self._writer.write_table(table)
            return
        import numpy as np

        if hasattr(ids, "to_pylist"):  # an Arrow array
            ids = ids.to_pylist()
        self._writer.writerows(
            zip(
                ids,
                map(repr, np.asarray(lon, dtype=np.float64).tolist()),
                map(repr, np.asarray(lat, dtype=np.float64).tolist()),
                zone,
                band,
                [f"{v:.4f}" for v in np.asarray(dist).tolist()],
                [f"{v:.4f}" for v in np.asarray(p).tolist()],
                strict=True,
            )
        )

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self.parquet:
            if self._writer is not None:
                self._writer.close()
        elif self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()
        if self._tmp is None or self.out is None:
            return
        if exc_type is not None:
            self._tmp.unlink(missing_ok=True)
            return
        try:
            os.replace(self._tmp, self.out)
        except OSError as exc:
            self._tmp.unlink(missing_ok=True)
            raise InputError(f"--out {self.out}: cannot write there: {exc}") from exc


def _parquet_schema() -> Any:
    """The Parquet columns classify writes (as the dask engine writes them)."""
    import pyarrow as pa

    text, number = pa.string(), pa.float64()
    types = (text, number, number, text, text, number, number)
    return pa.schema(list(zip(CLASSIFY_COLUMNS, types, strict=True)))


def _open_output(path: Path, out: Path) -> Any:
    try:
        return path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there: {exc}") from exc


def _classify_parquet(path: Path, s: Scenario, out: Path | None) -> None:
    """The local engine on Parquet: file by file and batch by batch, in order, in constant
    memory (a directory's ``*.parquet`` files are read in name order)."""
    import pyarrow.parquet as pq

    if path.is_dir():
        files = [f for pattern in ("*.parquet", "*.pq") for f in sorted(path.glob(pattern))]
        files = [f for f in files if f.is_file()]
    else:
        files = [path]
    if not files:
        raise InputError(f"no Parquet files in {path}")
    with _Output(out) as sink:
        for file in files:
            try:
                reader = pq.ParquetFile(file)
            except (OSError, ValueError) as exc:
                raise InputError(f"cannot read {file} as Parquet: {exc}") from exc
            names = reader.schema_arrow.names
            missing = [c for c in ("id", "lon", "lat") if c not in names]
            if missing:
                raise InputError(
                    f"{file}: missing column(s) {', '.join(missing)}; "
                    f"the columns are {', '.join(names)}"
                )
            wanted = [c for c in ("id", "lon", "lat", "precision_km") if c in names]
            first_row = 1
            for batch in reader.iter_batches(batch_size=1 << 20, columns=wanted):
                ids = batch.column("id").cast("string")
                lon, lat = (_numbers(file, batch, c, first_row) for c in ("lon", "lat"))
                precision = None
                if "precision_km" in wanted:
                    precision = _numbers(file, batch, "precision_km", first_row, empty=0.0)
                _check_values(file, ids, lon, lat, precision, first_row)
                r = s.classify(lon, lat, precision)
                sink.write(ids, lon, lat, r.zone, r.band, r.distance_km, r.p_in_zone)
                first_row += batch.num_rows


def _numbers(
    path: Path, batch: Any, field: str, first_row: int, *, empty: float = math.nan
) -> np.ndarray:
    """A column of a Parquet batch as float64, a null as ``empty``; a value that is not a
    number is an error naming the file, the row (counted from 1) and the field."""
    import numpy as np

    column = batch.column(field)
    values: np.ndarray
    try:
        values = np.array(column.to_numpy(zero_copy_only=False), dtype=np.float64)
    except (TypeError, ValueError):  # text, or text and nulls: value by value
        values = np.empty(len(column))
        for i, v in enumerate(column.to_pylist()):
            try:
                values[i] = math.nan if v is None else float(v)
            except (TypeError, ValueError):
                raise InputError(
                    f"{path}: row {first_row + i}, field {field!r}: {v!r} is not a number"
                ) from None
    if column.null_count and not math.isnan(empty):
        values[column.is_null().to_numpy(zero_copy_only=False)] = empty
    return values


def _check_values(
    path: Path,
    ids: Any,
    lon: np.ndarray,
    lat: np.ndarray,
    precision: np.ndarray | None,
    first_row: int = 1,
) -> None:
    import numpy as np

    checks = [("lon", lon, ~(np.abs(lon) <= 180)), ("lat", lat, ~(np.abs(lat) <= 90))]
    if precision is not None:
        checks.append(("precision_km", precision, ~((precision >= 0) & np.isfinite(precision))))
    problems = [
        f"{int(bad.sum())} bad {field} value(s); first: id {str(ids[i])!r}, {field} "
        f"{'missing (null or NaN)' if np.isnan(values[i]) else values[i]} (row {first_row + i})"
        for field, values, bad in checks
        if bad.any()
        for i in [int(np.flatnonzero(bad)[0])]
    ]
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))


def _classify_dask(
    points: str, s: Scenario, out: str | None, scheduler: str | None, workers: int | None
) -> None:
    """The dask engine: one task per partition; Parquet out is a directory of parts."""
    try:
        from .. import scale
    except ImportError as exc:
        raise InputError(
            f"--engine dask needs the scale extra: pip install 'dmzwatch[scale]' ({exc})"
        ) from exc
    frame = scale.classify_points(scale.read_points(points), s)
    parquet_out = out is not None and _is_parquet(out)
    if parquet_out and out is not None and Path(out).exists():  # before starting a cluster
        raise InputError(f"{out} exists: remove it or choose another output")
    with scale.connect(scheduler, n_workers=workers):
        try:
            if parquet_out and out is not None:
                scale.write_parquet(frame, out)
                return
            with _Output(None if out is None else Path(out)) as sink:
                for part in scale.iter_frames(frame):
                    sink.write(*(part[c].to_numpy() for c in CLASSIFY_COLUMNS))
        except InputError as exc:  # a bad value found by a worker: name the input
            if str(exc).startswith((f"{points}: ", f"--out {out}: ", f"{out} exists")):
                raise
            raise InputError(f"{points}: {exc}") from exc


def _read_points(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray | None]:
    import numpy as np

    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    with fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if not header:
            raise InputError(
                f"{path}: the file is empty; expected a header row with columns id, lon, lat "
                "[, precision_km]"
            )
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
            radius = values.get("precision_km", 0.0)
            if not 0 <= radius < math.inf:
                problems.append(
                    f"row {row_no}, field 'precision_km': {radius} is not a finite number "
                    "of km, 0 or more"
                )
            ids.append(row.get("id") or "")
            lon.append(lo)
            lat.append(la)
            prec.append(values.get("precision_km", 0.0))
        if problems:
            raise InputError(f"{path}: {len(problems)} bad value(s):\n  " + "\n  ".join(problems))
    return ids, np.array(lon), np.array(lat), (np.array(prec) if has_precision else None)


@app.command(
    epilog=examples(
        "dmzwatch places --scenario idlib-2018", "dmzwatch places -s idlib-m4-2020 --json"
    )
)
def places(
    scenario: ScenarioOpt = "idlib-2018",
    as_json: JsonOpt = False,
) -> None:
    """Populated places (GeoNames) in each zone and band, with their population."""
    from ..report.summary import band_summary
    from ..scenario import load_scenario

    s = load_scenario(scenario)
    rows = band_summary(s)
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
    if s.agreement.places_file is None:
        typer.echo(
            f"{s.name}: the agreement names no file of populated places ('places' in its "
            "[agreement] table), so no place can be listed."
        )
        return
    body = [
        [r.zone, r.band, p.name, p.admin1, p.population if p.population else "unknown"]
        for r in rows
        for p in r.places
    ]
    typer.echo(table(["zone", "band", "place", "governorate", "population"], body))
    typer.echo("\npopulation 'unknown': GeoNames gives 0, which means not known, not empty.")
    typer.echo("Places: GeoNames (CC BY 4.0, geonames.org).")


@app.command(
    epilog=examples(
        "dmzwatch demo --scenario idlib-2018 --out build/demo",
        "dmzwatch demo -s minsk-2015 --out build/minsk --json",
    )
)
def demo(
    scenario: ScenarioOpt = "idlib-2018",
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("build/demo"),
    as_json: JsonOpt = False,
) -> None:
    """Build the zone, write GeoJSON, GeoPackage and an offline HTML map, print a summary."""
    import shapely

    from ..export import write_zones
    from ..geo.zones import geodesic_area_km2
    from ..report.preview import write_preview
    from ..report.summary import band_summary
    from ..scenario import load_scenario, scenario_path

    s = load_scenario(scenario)
    paths = _written(
        out,
        lambda: [
            write_zones(s, out, "geojson"),
            write_zones(s, out, "gpkg"),
            write_preview(s, out),
        ],
    )
    rows = band_summary(s)
    # zones may nest (a place within 15 km is also within 50 km): the total counts the area
    # of their union and each place once
    everywhere = list({p.geonameid: p for r in rows for p in r.places}.values())
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
                    geodesic_area_km2(shapely.union_all([z.geometry for z in s.zones])),
                    len(everywhere),
                    sum(p.population for p in everywhere),
                    sum(1 for p in everywhere if p.population == 0),
                ]
            ],
        )
    )
    typer.echo("\nWritten:")
    for p in paths:
        typer.echo(f"  {p}")
