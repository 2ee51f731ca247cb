"""dmzwatch benchmark: point-in-band, distance and p_in_zone against the reference tools.

Usage: ``python bench/run.py [--quick] [--sizes 1000000 10000000] [--repeat 3]``
(``make bench`` runs it). Prints one table and writes it as JSON under ``bench/results/``
(a timestamped file and ``latest.json``); ``--distance`` runs the distance rows alone.

Every band method runs in its own subprocess on the same points (saved once as .npy), so
that its peak memory (VmHWM, which includes the interpreter, the libraries and the two
coordinate arrays) is its own; its answers are compared with the
reference (pyproj + prepared shapely, end to end), which also gives the ratios. Points are
random in the Idlib box, plus 2 % within 1 m of every band edge (made on purpose). Timings
are the best of ``--repeat`` runs after one warm-up (which builds or loads the grid and
compiles the kernels).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
BOX = (35.9, 35.0, 37.4, 36.7)  # lon0, lat0, lon1, lat1: the Idlib data box
SCENARIO = "idlib-2018"
BAND_METHODS = {
    "numpy read (lon+lat once)": "numpy",
    "shapely prepared + pyproj (reference)": "shapely",
    "shapely prepared, points pre-projected": "shapely-projected",
    "geopandas sjoin + to_crs": "geopandas",
    "DuckDB spatial ST_Transform + ST_Intersects": "duckdb",
    "dmzwatch classify(distance=False)": "dmzwatch",
}


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited from the
    parent across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def make_points(n: int, seed: int = 42, edge: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Random points in the box, a fraction ``edge`` of them within 1 m of a band edge."""
    import dmzwatch

    s = dmzwatch.load_scenario(SCENARIO)
    rng = np.random.default_rng(seed)
    n_edge = int(n * edge)
    rings = [
        shapely.get_coordinates(r)
        for b in s.bands
        for r in shapely.get_parts(shapely.boundary(b.local))
    ]
    a = np.concatenate([c[:-1] for c in rings])
    d = np.concatenate([c[1:] for c in rings]) - a
    pick = rng.integers(0, len(a), n_edge)
    t = rng.uniform(0, 1, n_edge)
    length = np.hypot(d[pick, 0], d[pick, 1])
    off = rng.uniform(-1.0, 1.0, n_edge)
    x = a[pick, 0] + t * d[pick, 0] - off * d[pick, 1] / length
    y = a[pick, 1] + t * d[pick, 1] + off * d[pick, 0] / length
    elon, elat = s.projection.inverse(x, y)
    lon = np.concatenate([rng.uniform(BOX[0], BOX[2], n - n_edge), elon])
    lat = np.concatenate([rng.uniform(BOX[1], BOX[3], n - n_edge), elat])
    order = rng.permutation(n)
    return lon[order], lat[order]


# -- workers (one method, one subprocess) -----------------------------------------------------


def worker(method: str, data: Path, out: Path, repeat: int) -> dict[str, Any]:
    import dmzwatch
    from dmzwatch.geo.grid import exact_codes

    lon, lat = np.load(data / "lon.npy"), np.load(data / "lat.npy")
    n = len(lon)
    cache = Path(tempfile.mkdtemp())
    s = dmzwatch.Scenario(dmzwatch.load_scenario(SCENARIO).agreement, cache_dir=cache)
    regions = [b.local for b in s.bands]
    for r in regions:
        shapely.prepare(r)
    extra: dict[str, Any] = {}
    codes: np.ndarray | None = None
    if method == "numpy":
        fn: Callable[[], Any] = lambda: float(lon.sum()) + float(lat.sum())  # noqa: E731
    elif method == "shapely":
        fn = lambda: exact_codes(regions, s.projection, lon, lat)  # noqa: E731
    elif method == "shapely-projected":
        x, y = s.projection.forward(lon, lat)

        def fn() -> np.ndarray:
            out = np.zeros(n, np.uint8)
            todo = np.arange(n)
            for k, r in enumerate(regions):
                hit = shapely.intersects_xy(r, x[todo], y[todo])
                out[todo[hit]] = k + 1
                todo = todo[~hit]
            return out

    elif method == "geopandas":
        fn = lambda: _geopandas(s, lon, lat)  # noqa: E731
    elif method == "duckdb":
        fn = _duckdb(s, lon, lat)
    elif method == "dmzwatch":
        t0 = time.perf_counter()
        grid = s._classifier.grid
        extra["grid_build_s"] = round(time.perf_counter() - t0, 3)
        extra["grid_mb"] = round(grid.nbytes / 1e6, 2)
        fn = lambda: s.classify(lon, lat, distance=False).code  # noqa: E731
        fn()  # warm-up: kernels compiled or loaded from numba's cache
    else:
        raise SystemExit(f"unknown method {method}")
    before = peak_mb()
    slow = method in ("geopandas", "shapely", "duckdb")
    seconds, result = best_of(fn, 1 if slow and n > 2_000_000 else repeat)
    if isinstance(result, np.ndarray):
        codes = result
        np.save(out, codes)
    return {
        "seconds": seconds,
        "points_per_s": n / seconds,
        "peak_mb": peak_mb(),
        "data_mb": before,
        **extra,
    }


def _geopandas(s: Any, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326).to_crs(s.projection.crs)
    bands = gpd.GeoDataFrame(
        {"code": np.arange(1, len(s.bands) + 1)},
        geometry=[b.local for b in s.bands],
        crs=s.projection.crs,
    )
    joined = gpd.sjoin(pts, bands, predicate="intersects", how="inner")
    first = joined.groupby(level=0)["code"].min()  # a point on a shared edge: first band
    codes = np.zeros(len(lon), np.uint8)
    codes[first.index.to_numpy()] = first.to_numpy()
    return codes


def _duckdb(s: Any, lon: np.ndarray, lat: np.ndarray) -> Callable[[], np.ndarray]:
    import duckdb
    import duckdb_extension_spatial
    import pyarrow as pa

    ext = (
        Path(duckdb_extension_spatial.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "spatial.duckdb_extension"
    )
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")  # shipped in the wheel: no network
    crs = s.projection.crs.to_proj4()
    bands = pa.table(
        {
            "code": np.arange(1, len(s.bands) + 1, dtype=np.int32),
            "wkb": [shapely.to_wkb(b.local) for b in s.bands],
        }
    )
    con.register("bands_arrow", bands)
    con.execute("CREATE TABLE bands AS SELECT code, ST_GeomFromWKB(wkb) AS geom FROM bands_arrow")
    points = pa.table({"i": np.arange(len(lon), dtype=np.int64), "lon": lon, "lat": lat})
    con.register("pts", points)
    sql = f"""
        WITH p AS (
            SELECT i, ST_Transform(ST_Point(lon, lat), 'EPSG:4326', '{crs}', always_xy := true)
                AS geom FROM pts)
        SELECT p.i, min(b.code) AS code FROM p JOIN bands b ON ST_Intersects(b.geom, p.geom)
        GROUP BY p.i
    """

    def fn() -> np.ndarray:
        hits = con.execute(sql).fetchnumpy()
        codes = np.zeros(len(lon), np.uint8)
        codes[hits["i"]] = hits["code"]
        return codes

    return fn


# -- distance and p_in_zone (in this process: baselines on a subsample) ------------------------


def synthetic_line(s: Any, vertices: int = 2000, length_km: float = 200.0) -> shapely.LineString:
    """A wiggly 200 km line of 2,000 vertices through the Idlib box (as in the issue)."""
    t = np.linspace(-0.5, 0.5, vertices)
    rng = np.random.default_rng(1)
    x = t * length_km * 1000
    y = 8000 * np.sin(t * 9) + np.cumsum(rng.normal(0, 60, vertices))
    return s.projection.to_lonlat(shapely.LineString(np.column_stack([x, y])))


def distance_rows(n: int, repeat: int) -> list[dict[str, Any]]:
    import dmzwatch
    from dmzwatch.geo.distance import LineIndex, Segments

    s = dmzwatch.load_scenario(SCENARIO)
    lon, lat = make_points(n, seed=7)  # random in the box
    m = min(n, 20_000)
    rows = []
    lines = {
        "Idlib line of contact (35 vertices)": s.projection.to_lonlat(s.zones[0].reference),
        "synthetic 200 km line (2,000 vertices)": synthetic_line(s),
    }
    for label, line in lines.items():
        local = s.projection.to_local(line)
        shapely.prepare(local)
        x, y = s.projection.forward(lon[:m], lat[:m])
        pts = shapely.points(x, y)
        t_shp, _ = best_of(lambda: shapely.distance(local, pts), repeat)  # noqa: B023
        seg = Segments.of(local)
        t_geod, ref = best_of(
            lambda: seg.geodesic_distance_km(lon[:m], lat[:m], x, y, s.projection),  # noqa: B023
            1,
        )
        t0 = time.perf_counter()
        index = LineIndex.of_lonlat(line)
        build = time.perf_counter() - t0
        index.distance_m(lon[:10], lat[:10])
        t_fast, fast = best_of(lambda: index.distance_m(lon, lat), repeat)  # noqa: B023
        err = np.abs(fast[:m] - ref[:m] * 1000)
        base = m / t_shp
        rows += [
            {"what": f"distance, {label}", "method": "shapely distance (planar)", "n": m,
             "points_per_s": base, "ratio": 1.0},
            {"what": f"distance, {label}", "method": "planar nearest + pyproj Geod.inv", "n": m,
             "points_per_s": m / t_geod, "ratio": m / t_geod / base},
            {"what": f"distance, {label}", "method": "dmzwatch LineIndex (geodesic)", "n": n,
             "points_per_s": n / t_fast, "ratio": n / t_fast / base,
             "max_err_m": float(err.max()),
             "max_rel_err": float((err / np.maximum(ref[:m] * 1000, 1.0)).max()),
             "within_0.1%_5m": bool(err.max() < 5 and (err <= ref[:m] * 1000 * 0.001 + 0.05).all()),
             "build_s": round(build, 3)},
        ]  # fmt: skip
    return rows


def pinzone_rows(n: int, repeat: int) -> list[dict[str, Any]]:
    import dmzwatch
    from dmzwatch.geo.classify import disc_fraction_inside

    s = dmzwatch.load_scenario(SCENARIO)
    zone = s.zones[0].local
    lon, lat = make_points(n, seed=9)
    x, y = s.projection.forward(lon, lat)
    r = np.random.default_rng(3).uniform(1000, 10_000, n)
    m = min(n, 20_000)
    shapely.prepare(zone)

    def per_point_shapely() -> np.ndarray:
        discs = shapely.buffer(shapely.points(x[:m], y[:m]), r[:m], quad_segs=16)
        return shapely.area(shapely.intersection(discs, zone)) / shapely.area(discs)

    t_base, base = best_of(per_point_shapely, 1)
    disc_fraction_inside(zone, x[:10], y[:10], r[:10])
    t_fast, fast = best_of(lambda: disc_fraction_inside(zone, x, y, r), repeat)
    return [
        {"what": "p_in_zone, discs 1-10 km", "method": "shapely buffer + intersection area",
         "n": m, "points_per_s": m / t_base, "ratio": 1.0},
        {"what": "p_in_zone, discs 1-10 km", "method": "dmzwatch exact disc ∩ polygon", "n": n,
         "points_per_s": n / t_fast, "ratio": n / t_fast / (m / t_base),
         "max_abs_diff": float(np.abs(fast[:m] - base).max())},
    ]  # fmt: skip


UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def resampled_events(n: int, seed: int = 5) -> list[Any]:
    """``n`` events drawn from the real UCDP GED rows (CC BY 4.0), each moved up to ~5 km."""
    import dataclasses

    from dmzwatch.events.readers import read

    packaged = HERE.parent / "src" / "dmzwatch" / "data" / UCDP.name
    real = []
    for batch in read(packaged if packaged.exists() else UCDP, "ucdp"):
        bad = {p.row for p in batch.columns.problems}
        real += [batch.columns.event(i) for i in range(len(batch.columns)) if i not in bad]
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(real), n)
    shift = rng.uniform(-0.05, 0.05, (n, 2))
    return [
        dataclasses.replace(real[i], source_id=f"{real[i].source_id}-{k}",
                            lon=real[i].lon + shift[k, 0], lat=real[i].lat + shift[k, 1],
                            content_hash="")
        for k, i in enumerate(pick)
    ]  # fmt: skip


def check_rows(n: int, repeat: int) -> list[dict[str, Any]]:
    """The idlib-2018 rules on ``n`` resampled events, in this process (events/s)."""
    import dmzwatch
    from dmzwatch.rules.engine import Engine

    events = resampled_events(n)
    engine = Engine(dmzwatch.load_scenario(SCENARIO))
    engine.run(events[:100])  # warm-up: kernels, classifiers
    seconds, findings = best_of(lambda: engine.run(events), repeat)
    return [
        {"what": "check: idlib-2018 rules on resampled UCDP events",
         "method": "dmzwatch Engine.run (in process)", "n": n, "points_per_s": n / seconds,
         "findings": len(findings), "rules": len(engine.checks)},
    ]  # fmt: skip


def ingest_rows(n: int) -> list[dict[str, Any]] | str:
    path = HERE / "ingest.py"
    if not path.is_file():
        return "bench/ingest.py is not available"
    spec = importlib.util.spec_from_file_location("dmzwatch_bench_ingest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.run(n))


# -- scale: the classify command, local engine and dask engine, as N grows ---------------------

_SCALE_PART = 1_000_000  # rows per Parquet file (one Dask partition each)
_RUN_CLI = (
    "import sys; from pathlib import Path; from dmzwatch.cli import main; "
    "rc = main(sys.argv[1:]); status = Path('/proc/self/status').read_text().splitlines(); "
    "hwm = [ln for ln in status if ln.startswith('VmHWM')]; "
    "print('PEAK_KB', hwm[0].split()[1] if hwm else 0); sys.exit(rc)"
)


def _scale_points(directory: Path, n: int) -> None:
    """``n`` random points in the Idlib box as Parquet files of a million rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True)
    rng = np.random.default_rng(n)
    for k, start in enumerate(range(0, n, _SCALE_PART)):
        m = min(_SCALE_PART, n - start)
        ids = pa.array(np.char.add("p", np.arange(start, start + m).astype(str)))
        lon, lat = rng.uniform(BOX[0], BOX[2], m), rng.uniform(BOX[1], BOX[3], m)
        pq.write_table(
            pa.table({"id": ids, "lon": lon, "lat": lat}), directory / f"{k:04d}.parquet"
        )


def scale_rows(sizes: list[int], workers: int = 2, repeat: int = 1) -> list[dict[str, Any]]:
    """Wall time of ``dmzwatch classify DIR --out OUT.parquet`` per engine and N (whole
    command: start-up, scenario, cluster start for dask, read, classify, write), the best
    of ``repeat`` runs."""
    import pyarrow.parquet as pq

    rows = []
    exe = [sys.executable, "-c", _RUN_CLI]
    with tempfile.TemporaryDirectory(prefix="dmzwatch-scale-") as tmp:
        for n in sizes:
            src = Path(tmp) / f"points-{n}"
            _scale_points(src, n)
            outs = {}
            for engine in ("local", "dask"):
                out = Path(tmp) / f"{engine}-{n}.parquet"
                cmd = [*exe, "classify", str(src), "--out", str(out), "--engine", engine]
                if engine == "dask":
                    cmd += ["--workers", str(workers)]
                seconds = np.inf
                for _ in range(repeat):
                    if out.exists():
                        shutil.rmtree(out) if out.is_dir() else out.unlink()
                    t0 = time.perf_counter()
                    proc = subprocess.run(cmd, capture_output=True, text=True)
                    seconds = min(seconds, time.perf_counter() - t0)
                    if proc.returncode != 0:
                        raise SystemExit(f"{engine} at N={n:,} failed:\n{proc.stderr[-2000:]}")
                peak = [ln for ln in proc.stdout.splitlines() if ln.startswith("PEAK_KB")]
                outs[engine] = out
                rows.append({
                    "engine": engine if engine == "local" else f"dask, {workers} workers",
                    "n": n, "seconds": round(seconds, 2), "points_per_s": n / seconds,
                    "client_peak_mb": round(int(peak[0].split()[1]) / 1024, 1) if peak else None,
                })  # fmt: skip
                print(f"  {rows[-1]['engine']}: N={n:,} {seconds:.1f} s", file=sys.stderr)
            a = pq.read_table(outs["local"], columns=["band", "distance_km"])
            b = pq.read_table(outs["dask"], columns=["band", "distance_km"])
            same = all(
                np.array_equal(a[c].to_numpy(), b[c].to_numpy()) for c in ("band", "distance_km")
            )
            for r in rows[-2:]:
                r["same_as_local"] = bool(same)
            shutil.rmtree(src)
            for out in outs.values():
                shutil.rmtree(out) if out.is_dir() else out.unlink()
    return rows


def scale_chart(rows: list[dict[str, Any]], path: Path) -> None:
    """Wall time against N, log-log, one line per engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for engine in dict.fromkeys(r["engine"] for r in rows):
        mine = [r for r in rows if r["engine"] == engine]
        ax.plot([r["n"] for r in mine], [r["seconds"] for r in mine], "o-", label=engine)
        for r in mine:
            ax.annotate(f"{r['points_per_s'] / 1e6:.1f} M/s", (r["n"], r["seconds"]),
                        textcoords="offset points", xytext=(4, -12), fontsize=7)  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    secs = [r["seconds"] for r in rows]
    ax.set_ylim(min(secs) / 1.3, max(secs) * 1.3)
    ax.set_yticks([t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                   if min(secs) / 1.3 <= t <= max(secs) * 1.3])  # fmt: skip
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("points (N)")
    ax.set_ylabel("wall time of dmzwatch classify (s)")
    ax.set_title("classify (bands + geodesic distance), Parquet in and out", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# -- driver -------------------------------------------------------------------------------


def run_bands(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        rows += _band_rows(n, repeat, 0.0, list(BAND_METHODS))
    for n in sizes:  # the exactness check: 2 % of the points within 1 m of a band edge
        rows += _band_rows(n, repeat, 0.02, [k for k, v in BAND_METHODS.items()
                                              if v in ("shapely", "dmzwatch")])  # fmt: skip
    return rows


def _band_rows(n: int, repeat: int, edge: float, labels: list[str]) -> list[dict[str, Any]]:
    what = "bands" if edge == 0 else f"bands, {edge:.0%} of points within 1 m of an edge"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        lon, lat = make_points(n, edge=edge)
        np.save(data / "lon.npy", lon)
        np.save(data / "lat.npy", lat)
        del lon, lat
        results = {}
        for label in labels:
            method = BAND_METHODS[label]
            out = data / f"{method}.npy"
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", method, "--data", tmp,
                 "--out", str(out), "--repeat", str(repeat)],
                capture_output=True, text=True,
            )  # fmt: skip
            if proc.returncode != 0:
                print(f"{label} at N={n:,} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            if out.is_file():
                res["codes"] = out
            results[method] = (label, res)
        ref = results.get("shapely", (None, {}))[1]
        ref_codes = np.load(ref["codes"]) if "codes" in ref else None
        read = results.get("numpy", (None, {}))[1].get("points_per_s")
        for method, (label, res) in results.items():
            row = {"what": what, "method": label, "n": n,
                   "points_per_s": res["points_per_s"], "peak_mb": round(res["peak_mb"], 1),
                   "ratio": res["points_per_s"] / ref["points_per_s"] if ref else None}  # fmt: skip
            if "codes" in res and ref_codes is not None:
                row["mismatches"] = int((np.load(res["codes"]) != ref_codes).sum())
            if method == "dmzwatch":
                if read:
                    row["fraction_of_numpy_read"] = res["points_per_s"] / read
                row["grid_build_s"] = res.get("grid_build_s")
                row["grid_mb"] = res.get("grid_mb")
                row["memory_ok"] = res["peak_mb"] < 1500
            rows.append(row)
    return rows


def _rate(per_s: float) -> str:
    return f"{per_s / 1e6:,.2f} M" if per_s >= 100_000 else f"{per_s:,.0f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    head = ["what", "method", "N", "per s", "ratio", "peak MB", "notes"]
    body = []
    for r in rows:
        notes = []
        keys = ("mismatches", "fraction_of_numpy_read", "grid_build_s", "grid_mb", "max_err_m",
                "max_rel_err", "within_0.1%_5m", "max_abs_diff", "build_s", "memory_ok",
                "findings")  # fmt: skip
        for key in keys:
            if key in r and r[key] is not None:
                v = r[key]
                notes.append(f"{key}={v:.3g}" if isinstance(v, float) else f"{key}={v}")
        body.append([
            r["what"], r["method"], f"{r['n']:,}", _rate(r["points_per_s"]),
            "" if r.get("ratio") is None else f"{r['ratio']:,.1f}x",
            "" if r.get("peak_mb") is None else f"{r['peak_mb']:,.0f}", " ".join(notes),
        ])  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    for line in [head, ["-" * w for w in widths], *body]:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="N = 100k and 1M instead of 1M and 10M")
    p.add_argument("--sizes", type=int, nargs="*")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--scale",
        type=int,
        nargs="+",
        metavar="N",
        help="only the scale study: classify N points, local and dask engines",
    )
    p.add_argument("--workers", type=int, default=2, help="Dask workers for --scale")
    p.add_argument(
        "--distance",
        action="store_true",
        help="only the distance rows, at the first size (written to distance-latest.json)",
    )
    p.add_argument("--worker")
    p.add_argument("--data")
    p.add_argument("--out")
    a = p.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.worker, Path(a.data), Path(a.out), a.repeat)))
        return 0
    if a.scale:
        return run_scale(a.scale, a.workers, a.repeat, argv)
    sizes = a.sizes or ([100_000, 1_000_000] if a.quick else [1_000_000, 10_000_000])
    started = dt.datetime.now(dt.UTC)
    if a.distance:
        rows = distance_rows(sizes[0], a.repeat)
        print_table(rows)
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "distance-latest.json").write_text(
            json.dumps({"started": started.isoformat(), "rows": rows}, indent=2, default=str)
        )
        return 0
    rows = run_bands(sizes, a.repeat)
    rows += distance_rows(sizes[0], a.repeat)
    rows += pinzone_rows(sizes[0], a.repeat)
    rows += check_rows(min(sizes[0], 50_000), a.repeat)
    print_table(rows)
    ingest = ingest_rows(min(sizes[0], 200_000))
    if isinstance(ingest, str):
        print(f"\ningest: {ingest}")
    else:
        print("\ningest")
        for r in ingest:
            print(f"  {r['method']}: {r['n']:,} rows, {r['rows_per_s']:,.0f} rows/s, "
                  f"ratio {r['ratio']:.2f}, peak {r['peak_mb']:.0f} MB")  # fmt: skip
    payload = {
        "started": started.isoformat(),
        "command": " ".join(["python", "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "scenario": SCENARIO,
        "rows": rows,
        "ingest": ingest,
    }
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    text = json.dumps(payload, indent=2, default=str)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (out_dir / f"{stamp}.json").write_text(text)
    (out_dir / "latest.json").write_text(text)
    print(f"\nwritten: bench/results/{stamp}.json and bench/results/latest.json")
    return 0


def run_scale(sizes: list[int], workers: int, repeat: int, argv: list[str] | None) -> int:
    started = dt.datetime.now(dt.UTC)
    rows = scale_rows(sizes, workers, repeat)
    print("engine              N            seconds  points/s   client peak MB  same as local")
    for r in rows:
        print(f"{r['engine']:<18}  {r['n']:>11,}  {r['seconds']:>7.1f}  "
              f"{r['points_per_s'] / 1e6:>6.2f} M  {r['client_peak_mb']!s:>14}  "
              f"{r['same_as_local']}")  # fmt: skip
    payload = {
        "started": started.isoformat(),
        "command": " ".join(["python", "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "rows": rows,
    }  # fmt: skip
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scale-latest.json").write_text(json.dumps(payload, indent=2))
    chart = HERE.parent / "docs" / "img" / "scale-curve.png"
    scale_chart(rows, chart)
    print(f"\nwritten: bench/results/scale-latest.json and {chart.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
