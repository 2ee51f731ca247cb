"""The columnar floor of the ingest bench stores every row, hashed over its own bytes."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import itertools
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _floor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("columnar_floor", BENCH / "columnar_floor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("columnar_floor", module)
    spec.loader.exec_module(module)
    return module


FLOOR = _floor()


def _rows(rows: list[list[str]]) -> list[bytes]:
    out = []
    for row in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        out.append(buf.getvalue().encode("utf-8"))
    return out


@given(st.lists(st.lists(st.text(alphabet='ab,"\n é', max_size=6), min_size=1, max_size=4)))
def test_record_bounds_cut_each_written_row(rows: list[list[str]]) -> None:
    written = _rows(rows)
    bounds = FLOOR.record_bounds(b"".join(written)).tolist()
    lengths = [b - a for a, b in itertools.pairwise(bounds)]
    assert [n for n in lengths if n] == [len(w) for w in written]


def test_raw_blocks_keep_every_row_hashed_and_chained(tmp_path: Path) -> None:
    header = FLOOR.CHECKED
    good = dict.fromkeys(header, "1")
    good |= {"date_start": "2018-10-15", "date_end": "2018-10-16"}
    good |= {"latitude": "35.9", "longitude": "36.6"}
    rows = [[good[h] for h in header] for _ in range(5)]
    rows[1][header.index("where_prec")] = 'two\nlines, "quoted"'
    rows[3][header.index("latitude")] = "135.9"  # out of range
    body = b"".join(_rows(rows))
    path = tmp_path / "u.csv"
    path.write_bytes(",".join(header).encode() + b"\n" + body)
    db = tmp_path / "raw.db"
    assert FLOOR.ingest_raw_blocks(path, db, workers=2) == (5, 1)
    with sqlite3.connect(db) as con:
        ((n, blob, hashes, head),) = con.execute(
            "SELECT rows, data, row_hashes, hash FROM blocks"
        ).fetchall()
    assert n == 5
    assert pa.decompress(blob, len(body), codec="lz4", asbytes=True) == body
    assert hashes == b"".join(hashlib.sha256(r).hexdigest().encode() for r in _rows(rows))
    digest = hashlib.sha256(blob).hexdigest() + hashlib.sha256(hashes).hexdigest()
    assert head == hashlib.sha256(("0" * 64 + digest).encode()).hexdigest()
