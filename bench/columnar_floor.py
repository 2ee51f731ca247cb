"""The least a columnar ingest could do: the floor of any design that hashes every row.

Nothing here is used by dmzwatch; ``bench/ingest.py`` times it next to the real ingest to
measure how much room a columnar store (compressed blocks instead of one SQLite row per
event) would have on this machine. Two variants keep only what no such design could skip.

:func:`ingest_blocks`:

* pyarrow parses the file in streamed blocks, every field as text, on two threads;
* four vectorized checks: latitude and longitude cast and in range, both dates parse, the
  fatality counts are whole numbers; ids are collected to find repeats;
* one sha256 per row over its fields (the per-record hash the evidence chain needs),
  computed by the project's compiled loop outside the interpreter lock;
* each block written as one zstd-compressed Arrow IPC blob into SQLite (WAL) with its
  row hashes and one chained hash per block, in a writer thread.

:func:`ingest_raw_blocks`, leaner still, keeps each row's original as the file's own bytes:

* the file is cut into ~16 MB chunks at record boundaries, and each chunk's records are
  found by vectorized quote parity (:func:`record_bounds`), not by a loop over bytes;
* each row's sha256 is taken in place over its raw bytes (no fields joined);
* pyarrow parses only the eleven columns the same four checks read;
* the chunk itself, lz4-compressed, is the stored original;
* ``workers`` threads do all of that for as many chunks at once, while the calling thread
  writes the blocks and chains their hashes.

Neither builds typed events, infers weapon classes, writes canonical content forms,
compares with stored events, quarantines anything or indexes the rows for queries: a real
columnar ingest would do all of that on top, so their speeds are upper bounds.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from dmzwatch.events._sha import digests
from dmzwatch.events.readers._csv import _cut

__all__ = ["ingest_blocks", "ingest_raw_blocks", "record_bounds"]

CHUNK = 16 << 20
CHECKED = [
    "id",
    "date_start",
    "date_end",
    "latitude",
    "longitude",
    "where_prec",
    "date_prec",
    "best",
    "low",
    "high",
    "deaths_civilians",
]


def _row_hashes(batch: pa.RecordBatch) -> bytes:
    """Hex sha256 of each row's fields joined by a unit separator, as one byte string."""
    joined = pc.binary_join_element_wise(*batch.columns, "\x1f")
    _, offsets, data = joined.buffers()
    start = joined.offset
    ends = np.frombuffer(offsets, dtype=np.int32, count=len(joined) + 1 + start)[start:]
    return bytes(digests(np.frombuffer(data, dtype=np.uint8), ends.astype(np.int64)).tobytes())


def _failed_checks(table: pa.Table | pa.RecordBatch) -> int:
    """Rows whose coordinates are out of range or whose dates do not parse; casts counts."""
    lat = pc.cast(table["latitude"], pa.float64())
    lon = pc.cast(table["longitude"], pa.float64())
    ok = pc.and_(
        pc.and_(pc.greater_equal(lat, -90), pc.less_equal(lat, 90)),
        pc.and_(pc.greater_equal(lon, -180), pc.less_equal(lon, 180)),
    )
    for column in ("date_start", "date_end"):
        day = pc.strptime(table[column], format="%Y-%m-%d", unit="s", error_is_null=True)
        ok = pc.and_(ok, pc.is_valid(day))
    for column in ("best", "low", "high", "deaths_civilians"):
        pc.cast(table[column], pa.int64())
    return int(table.num_rows - (pc.sum(ok.cast(pa.int64())).as_py() or 0))


def _new_db(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE blocks (id INTEGER PRIMARY KEY, rows INTEGER NOT NULL, "
        "data BLOB NOT NULL, row_hashes BLOB NOT NULL, hash TEXT NOT NULL)"
    )
    return con


def _store(con: sqlite3.Connection, prev: str, rows: int, blob: bytes, hashes: bytes) -> str:
    """Write one block in its own transaction, chained to ``prev``; returns its hash."""
    body = hashlib.sha256(blob).hexdigest() + hashlib.sha256(hashes).hexdigest()
    head = hashlib.sha256((prev + body).encode()).hexdigest()
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO blocks (rows, data, row_hashes, hash) VALUES (?, ?, ?, ?)",
        (rows, blob, hashes, head),
    )
    con.execute("COMMIT")
    return head


def ingest_blocks(path: Path, db: Path) -> tuple[int, int]:
    """Ingest ``path`` (a UCDP GED CSV) as blocks into a new SQLite file ``db``.

    Returns (rows read, rows failing a check or repeating an id).
    """
    with path.open(encoding="utf-8") as fh:
        header = next(iter(fh)).rstrip("\r\n").split(",")
    con = _new_db(db)
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
        prev[0] = _store(con, prev[0], batch.num_rows, sink.getvalue().to_pybytes(), hashes)

    n = failed = 0
    seen: set[str] = set()
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        for batch in reader:
            failed += _failed_checks(batch)
            seen.update(batch.column("id").to_pylist())
            n += batch.num_rows
            if pending is not None:
                pending.result()
            pending = writer.submit(write, batch)
        if pending is not None:
            pending.result()
    con.close()
    return n, failed + (n - len(seen))


def record_bounds(chunk: bytes) -> npt.NDArray[np.int64]:
    """Offsets of each record's start in ``chunk``, then of its end.

    A record ends at a newline with an even number of quotes before it in the chunk.

    >>> record_bounds(b'1,"a\\nb"\\n2,c\\n').tolist()
    [0, 8, 12]
    """
    data = np.frombuffer(chunk, dtype=np.uint8)
    quotes = np.flatnonzero(data == 34)
    newlines = np.flatnonzero(data == 10)
    ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0] + 1
    if ends.size == 0 or ends[-1] != data.size:
        ends = np.append(ends, data.size)
    return np.concatenate(([0], ends)).astype(np.int64)


def _raw_block(chunk: bytes, header: list[str]) -> tuple[int, int, bytes, bytes]:
    """(rows, rows failing a check, lz4 of the chunk, the rows' hex sha256 digests)."""
    bounds = record_bounds(chunk)
    n = bounds.size - 1
    hashes = digests(np.frombuffer(chunk, dtype=np.uint8), bounds).tobytes()
    table = pacsv.read_csv(
        pa.BufferReader(chunk),
        read_options=pacsv.ReadOptions(column_names=header, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=CHECKED, column_types=dict.fromkeys(CHECKED, pa.string())
        ),
    )
    if table.num_rows != n:  # pragma: no cover - the quote count and pyarrow disagree
        raise ValueError(f"{table.num_rows} rows parsed where {n} records were cut")
    return n, _failed_checks(table), pa.compress(chunk, codec="lz4", asbytes=True), hashes


def _chunks(fh: BinaryIO) -> Iterator[bytes]:
    """~:data:`CHUNK`-byte pieces of the rest of ``fh``, each ending at a record boundary."""
    read = fh.read
    data, eof = b"", False
    while True:
        while not eof and len(data) < CHUNK:
            more = read(CHUNK)
            eof = not more
            data += more
        if not data:
            return
        end = len(data) if eof and len(data) <= CHUNK else _cut(data, CHUNK)
        if end < 0:  # pragma: no cover - a record longer than a chunk: taken whole
            end = len(data)
        yield data[:end]
        data = data[end:]


def ingest_raw_blocks(path: Path, db: Path, workers: int = 2) -> tuple[int, int]:
    """Store ``path`` (a UCDP GED CSV) as lz4 blocks of its raw chunks in a new SQLite ``db``.

    Returns (rows read, rows failing a check).
    """
    con = _new_db(db)
    prev = "0" * 64
    n = failed = 0
    with path.open("rb") as fh, ThreadPoolExecutor(max_workers=workers) as pool:
        header = fh.readline().decode("utf-8").rstrip("\r\n").split(",")
        pending: list[Future[tuple[int, int, bytes, bytes]]] = []

        def store_first() -> None:
            nonlocal prev, n, failed
            rows, bad, blob, hashes = pending.pop(0).result()
            prev = _store(con, prev, rows, blob, hashes)
            n, failed = n + rows, failed + bad

        for chunk in _chunks(fh):
            pending.append(pool.submit(_raw_block, chunk, header))
            while len(pending) > workers:
                store_first()
        while pending:
            store_first()
    con.close()
    return n, failed
