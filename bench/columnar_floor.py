"""The least a columnar ingest could do: the floor of any design that hashes every row.

Nothing here is used by dmzwatch; ``bench/ingest.py`` times it next to the real ingest to
measure how much room a columnar store (compressed Arrow blocks instead of one SQLite row
per event) would have on this machine. It keeps only what no such design could skip:

* pyarrow parses the file in streamed blocks, every field as text, on two threads;
* four vectorized checks: latitude and longitude cast and in range, both dates parse, the
  fatality counts are whole numbers; ids are collected to find repeats;
* one sha256 per row over its fields (the per-record hash the evidence chain needs),
  computed by the project's compiled loop outside the interpreter lock;
* each block written as one zstd-compressed Arrow IPC blob into SQLite (WAL) with its
  row hashes and one chained hash per block, in a writer thread.

It does not build typed events, infer weapon classes, write canonical content forms,
compare with stored events, quarantine anything or index the rows for queries: a real
columnar ingest would do all of that on top, so its speed is an upper bound.
"""

from __future__ import annotations

import hashlib
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from dmzwatch.events._sha import digests

__all__ = ["ingest_blocks"]


def _row_hashes(batch: pa.RecordBatch) -> bytes:
    """Hex sha256 of each row's fields joined by a unit separator, as one byte string."""
    joined = pc.binary_join_element_wise(*batch.columns, "\x1f")
    _, offsets, data = joined.buffers()
    start = joined.offset
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(joined) + 1 + start)[start:]
    return bytes(digests(np.frombuffer(data, dtype=np.uint8), ends.astype(np.int64)).tobytes())


def ingest_blocks(path: Path, db: Path) -> tuple[int, int]:
    """Ingest ``path`` (a UCDP GED CSV) as blocks into a new SQLite file ``db``.

    Returns (rows read, rows failing a check).
    """
    with path.open(encoding="utf-8") as fh:
        header = next(iter(fh)).rstrip("\r\n").split(",")
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE blocks (id INTEGER PRIMARY KEY, rows INTEGER NOT NULL, "
        "data BLOB NOT NULL, row_hashes BLOB NOT NULL, hash TEXT NOT NULL)"
    )
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True, block_size=8 << 20),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )
    options = ipc.IpcWriteOptions(compression=pa.Codec("zstd", 1))
    prev = ["0" * 64]

    def write(batch: pa.RecordBatch) -> None:
        hashes = _row_hashes(batch)
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, batch.schema, options=options) as w:
            w.write_batch(batch)
        blob = sink.getvalue().to_pybytes()
        body = hashlib.sha256(blob).hexdigest() + hashlib.sha256(hashes).hexdigest()
        prev[0] = hashlib.sha256((prev[0] + body).encode()).hexdigest()
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO blocks (rows, data, row_hashes, hash) VALUES (?, ?, ?, ?)",
            (batch.num_rows, blob, hashes, prev[0]),
        )
        con.execute("COMMIT")

    n = failed = 0
    seen: set[str] = set()
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        for batch in reader:
            lat = pc.cast(batch.column("latitude"), pa.float64())
            lon = pc.cast(batch.column("longitude"), pa.float64())
            ok = pc.and_(
                pc.and_(pc.greater_equal(lat, -90), pc.less_equal(lat, 90)),
                pc.and_(pc.greater_equal(lon, -180), pc.less_equal(lon, 180)),
            )
            for column in ("date_start", "date_end"):
                day = pc.strptime(
                    batch.column(column), format="%Y-%m-%d", unit="s", error_is_null=True
                )
                ok = pc.and_(ok, pc.is_valid(day))
            for column in ("best", "low", "high", "deaths_civilians"):
                pc.cast(batch.column(column), pa.int64())
            ids = batch.column("id").to_pylist()
            seen.update(ids)
            failed += batch.num_rows - int(pc.sum(ok.cast(pa.int64())).as_py() or 0)
            n += batch.num_rows
            if pending is not None:
                pending.result()
            pending = writer.submit(write, batch)
        if pending is not None:
            pending.result()
    con.close()
    return n, failed + (n - len(seen))
