"""Readers: source files to batches of event columns (adapters around the event core).

:func:`read` picks the reader for a format (``ucdp``, ``acled``, ``csv``, ``geojson``) or
detects it (:func:`detect_format`): GeoJSON by its content, UCDP GED and ACLED by their
header columns, anything else is a generic CSV that needs a column mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ..columns import EventColumns
from . import acled, geojson, table, ucdp
from ._csv import BadRecord, iter_batches, read_header
from .table import ColumnMap, load_map, parse_map_options

__all__ = [
    "FORMATS",
    "BadRecord",
    "ColumnMap",
    "ReadBatch",
    "detect_format",
    "load_map",
    "parse_map_options",
    "read",
]

FORMATS = ("ucdp", "acled", "csv", "geojson")


@dataclass(slots=True)
class ReadBatch:
    """Event columns of one batch and the records that could not be split into fields."""

    columns: EventColumns
    bad: list[BadRecord] = field(default_factory=list)
    #: bytes of the file read up to the end of this batch (for progress)
    end: int = 0

    @property
    def read(self) -> int:
        """Records read in this batch (rows and unsplittable records)."""
        return len(self.columns) + len(self.bad)


def detect_format(path: Path) -> str:
    """``geojson``, ``ucdp``, ``acled`` or ``csv``, from the file's start and header."""
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{"):
        return "geojson"
    header = set(read_header(path))
    if set(ucdp.REQUIRED) <= header:
        return "ucdp"
    if set(acled.REQUIRED) <= header:
        return "acled"
    return "csv"


def _check_header(path: Path, fmt: str, required: tuple[str, ...]) -> None:
    header = read_header(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"{path}: not a {fmt} file: missing column(s) {', '.join(missing)}; "
            f"the header is {', '.join(header)}"
        )


def read(
    path: Path, fmt: str | None = None, mapping: ColumnMap | None = None
) -> Iterator[ReadBatch]:
    """Batches of ``path`` as event columns (format detected when ``fmt`` is None)."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if fmt == "geojson":
        size = path.stat().st_size  # the features are parsed from the whole file at once
        for cols in geojson.iter_columns(path, mapping):
            yield ReadBatch(cols, end=size)
        return
    if fmt == "ucdp":
        _check_header(path, fmt, ucdp.REQUIRED)
    elif fmt == "acled":
        _check_header(path, fmt, acled.REQUIRED)
    elif mapping is None:
        raise InputError(
            f"{path}: a generic CSV needs a column mapping (--mapping FILE.toml or --map "
            "field=column); fields: " + ", ".join(table.FIELDS)
        )
    else:
        header = read_header(path)
        named = [c for v in mapping.columns.values() for c in ((v,) if isinstance(v, str) else v)]
        missing = [c for c in named if c not in header]
        if missing:
            raise InputError(
                f"{path}: the column mapping names column(s) the file lacks: {', '.join(missing)}"
            )
    for batch in iter_batches(path):
        if fmt == "ucdp":
            cols = ucdp.columns(batch)
        elif fmt == "acled":
            cols = acled.columns(batch)
        else:
            assert mapping is not None
            cols = table.columns(batch, mapping)
        yield ReadBatch(cols, batch.bad, batch.end)
