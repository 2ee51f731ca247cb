"""Ingest benchmark: full ingest into SQLite next to a bare ``pandas.read_csv`` of the same file.

The file is made by resampling the real UCDP GED Syria extract (UCDP GED, CC BY 4.0) to
``rows`` rows with fresh ids, under a temporary directory. Each method runs in a fresh
Python process so that its peak memory (max RSS) is its own.

``run(rows)`` returns one table row per method with the keys
``method, n, rows_per_s, ratio, peak_mb`` (ratio: rows/s relative to the pandas read).
The third row times ``verify`` of the store the full ingest made (the whole evidence chain,
every event's content, original and provenance recomputed and compared; rows: its events).
The fourth row times only the store's inserts of the rows the full ingest stored (events and
their evidence entries, same statements and transactions, no reading, validation or hashing):
the floor of any ingest that stores one SQLite row per event. The last two rows time
pyarrow's CSV parser splitting and decoding every field as text, on one thread and on two:
the part of any ingest, row store or columnar, that no validation, hashing or storing can skip.
The last three rows time ``bench/columnar_floor.py``: that parse plus the least a columnar
store (compressed Arrow blocks, one hash per row) would do, an upper bound for such a design;
a leaner variant that keeps the file's own bytes as the originals and hashes each row in
place; and that variant again with every thread of its process on one core (``sched``
affinity, Linux), which shows how much a second core gives it (pandas' read uses one).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "src" / "dmzwatch" / "data"
UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")

_MEASURE = r"""
import json, resource, sys, time
method, path, db = sys.argv[1], sys.argv[2], sys.argv[3]
if method == "pandas.read_csv":
    import pandas as pd
    t = time.perf_counter()
    frame = pd.read_csv(path, engine="c", low_memory=False)
    n = len(frame)
elif method.startswith("pyarrow"):
    # the parse alone: every field split and decoded as text, nothing validated or kept
    import csv, pyarrow as pa, pyarrow.csv as pacsv
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    t = time.perf_counter()
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=method.endswith("2 threads")),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )
    n = table.num_rows
elif method == "sqlite inserts alone":
    # the rows a full ingest stored (path: its store), written again into a new store
    # with the same statements and one transaction per 10,000 events; nothing else
    import sqlite3
    from dmzwatch.store import open_store
    from dmzwatch.store.store import EVENT_COLUMNS, EVENT_FIELDS
    src = sqlite3.connect(path)
    events = src.execute(
        f"SELECT {', '.join(EVENT_FIELDS)}, original, content_hash, ingest_id, line "
        "FROM events ORDER BY id").fetchall()
    evidence = src.execute(
        "SELECT seq, kind, record_id, payload, prev_hash, hash FROM evidence ORDER BY seq"
    ).fetchall()
    src.close()
    with open_store(db) as store:
        t = time.perf_counter()
        for k in range(0, len(events), 10_000):
            with store.db.transaction():
                store.db.insert_rows(
                    "events", EVENT_COLUMNS, events[k : k + 10_000], skip_conflicts=True
                )
                store.db.executemany(
                    "INSERT INTO evidence (seq, kind, record_id, payload, prev_hash, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?)", evidence[k : k + 10_000])
        n = len(events)
elif method == "verify":
    # dmzwatch verify of the store a full ingest made (path: that store)
    import sqlite3
    from dmzwatch.store import open_store, verify
    with sqlite3.connect(path) as counted:
        n = counted.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    t = time.perf_counter()
    with open_store(path) as store:
        outcome = verify(store)
    assert outcome.ok, outcome
elif method.startswith("columnar floor"):
    # the least a columnar store could do (bench/columnar_floor.py); db: a new file
    import os
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from columnar_floor import ingest_blocks, ingest_raw_blocks
    if method.endswith("1 core"):  # every thread of this process on one core
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    t = time.perf_counter()
    if method == "columnar floor":
        n, _ = ingest_blocks(Path(path), Path(db))
    else:
        n, _ = ingest_raw_blocks(Path(path), Path(db))
else:
    from pathlib import Path
    from dmzwatch.store import ingest, open_store
    t = time.perf_counter()
    with open_store(db) as store:
        result = ingest(store, Path(path), fmt="ucdp")
    n = result.read
    assert result.adds_up
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": n, "seconds": seconds, "peak_mb": peak}))
"""


def make_file(rows: int, out: Path, source: Path = UCDP) -> Path:
    """A UCDP-format CSV of ``rows`` rows resampled from ``source``, with unique ids."""
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        real = list(reader)
    id_col = header.index("id")
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for i in range(rows):
            row = list(real[(i * 7919) % len(real)])
            row[id_col] = str(10_000_000 + i)
            writer.writerow(row)
    return out


def _measure(method: str, path: Path, db: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, method, str(path), str(db), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def run(rows: int) -> list[dict[str, Any]]:
    """Time a full ingest (validation, hashing, SQLite) and pandas.read_csv of ``rows`` rows."""
    with tempfile.TemporaryDirectory(prefix="dmzwatch-bench-") as tmp:
        path = make_file(rows, Path(tmp) / "ucdp.csv")
        base = _measure("pandas.read_csv", path, Path(tmp) / "unused.db")
        full = _measure("dmzwatch ingest (sqlite)", path, Path(tmp) / "bench.db")
        check = _measure("verify", Path(tmp) / "bench.db", Path(tmp) / "unused.db")
        inserts = _measure("sqlite inserts alone", Path(tmp) / "bench.db", Path(tmp) / "copy.db")
        parse1 = _measure("pyarrow 1 thread", path, Path(tmp) / "unused.db")
        parse2 = _measure("pyarrow 2 threads", path, Path(tmp) / "unused.db")
        floor = _measure("columnar floor", path, Path(tmp) / "floor.db")
        raw = _measure("columnar floor, raw", path, Path(tmp) / "raw.db")
        raw1 = _measure("columnar floor, raw, 1 core", path, Path(tmp) / "raw1.db")
    base_rate = base["n"] / base["seconds"]
    table = []
    for method, m in (
        ("pandas.read_csv (C engine)", base),
        ("dmzwatch ingest -> SQLite", full),
        ("dmzwatch verify of that store (chain + every event)", check),
        ("its SQLite inserts alone (events + evidence rows)", inserts),
        ("pyarrow CSV parse alone, every field as text, 1 thread", parse1),
        ("pyarrow CSV parse alone, every field as text, 2 threads", parse2),
        ("columnar floor: that parse, 4 checks, sha256 a row, zstd Arrow blocks", floor),
        ("columnar floor, raw: 11 columns parsed, rows hashed in place, lz4 chunks", raw),
        ("the same, every thread on one core", raw1),
    ):
        rate = m["n"] / m["seconds"]
        table.append(
            {
                "method": method,
                "n": int(m["n"]),
                "rows_per_s": round(rate),
                "ratio": round(rate / base_rate, 3),
                "peak_mb": round(float(m["peak_mb"]), 1),
            }
        )
    return table


if __name__ == "__main__":  # pragma: no cover
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000):
        print(row)
