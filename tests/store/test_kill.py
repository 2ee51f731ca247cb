"""SIGKILL in the middle of a large ingest: the store stays whole, a re-run completes it."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dmzwatch.store import ingest, open_store, verify

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
ROWS = 20_000
RUNNER = """
import sys
from dmzwatch.events.readers import _csv
_csv.CHUNK_BYTES = 1 << 19  # small batches: many commits to be killed between
from dmzwatch.cli import main
sys.exit(main(["ingest", sys.argv[1], "--db", sys.argv[2]]))
"""


def big_file(path: Path) -> Path:
    with UCDP.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for i in range(ROWS):
            row = dict(rows[i % len(rows)])
            row["id"] = str(1_000_000 + i)
            writer.writerow(row)
    return path


def events_in(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=1)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_completes_without_loss_or_duplicates(tmp_path: Path) -> None:
    path = big_file(tmp_path / "big.csv")
    db = tmp_path / "store.db"
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(path), str(db)])
    deadline = time.monotonic() + 120
    while events_in(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = events_in(db)
    assert 0 < partial < ROWS, "the kill should land mid-way"
    with open_store(db) as store:
        assert verify(store).ok  # whole batches only
        result = ingest(store, path)
        assert result.read == ROWS and result.stored == ROWS - partial
        assert result.duplicates == partial and result.quarantined == 0
        ids = [e.source_id for _, e in store.events()]
        assert len(ids) == len(set(ids)) == ROWS
        assert verify(store).ok
