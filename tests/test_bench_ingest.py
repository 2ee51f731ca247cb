"""The ingest benchmark runs end to end on a small resampled file (its speeds are not checked)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "ingest.py"


@pytest.mark.slow
def test_every_method_reads_every_row(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("dmzwatch_bench_ingest", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    made = bench.make_file(500, tmp_path / "u.csv")
    assert made.read_text(encoding="utf-8").count("\n") >= 501
    rows = bench.run(500)
    assert [r["method"].split(" ")[0] for r in rows] == [
        "pandas.read_csv",
        "dmzwatch",
        "dmzwatch",
        "its",
        "pyarrow",
        "pyarrow",
        "columnar",
        "columnar",
        "the",
    ]
    assert all(r["n"] == 500 and r["rows_per_s"] > 0 and r["peak_mb"] > 0 for r in rows)
    assert rows[0]["ratio"] == 1.0
