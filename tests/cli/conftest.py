"""Helpers of the CLI tests: files of real UCDP GED rows."""

from __future__ import annotations

import csv
from pathlib import Path

UCDP = Path(__file__).resolve().parents[3] / "shared" / "data" / "ucdp_ged_syria_nw_2018_2019.csv"
if not UCDP.exists():  # a checkout beside shared/ (as in CI) or the shared folder of the host
    UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def ucdp_rows(folder: Path, first: str, last: str) -> Path:
    """The real UCDP rows whose date_start lies in first..last, as ``folder/ucdp.csv``."""
    out = folder / "ucdp.csv"
    with (
        UCDP.open(encoding="utf-8", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if first <= row["date_start"][:10] <= last:
                writer.writerow(row)
    return out
