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
    "check_file",
    "check_input",
    "detect_format",
    "load_map",
    "parse_map_options",
    "read",
    "read_header",
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


_NAMES = {"ucdp": "a UCDP GED", "acled": "an ACLED"}
_NOT_TEXT = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?): save the sheet as CSV (UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook: save the sheet as CSV (UTF-8)"),
    (b"\xff\xfe", "text in UTF-16: save it as UTF-8"),
    (b"\xfe\xff", "text in UTF-16: save it as UTF-8"),
)


def check_file(path: Path) -> bytes:
    """The first 4 kB of ``path``, which must be a readable text file; else a clear error."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for magic, what in _NOT_TEXT:
        if head.startswith(magic):
            raise InputError(f"{path} is {what}, then ingest that file")
    if b"\x00" in head:
        raise InputError(f"{path} is not a text file (it holds NUL bytes); expected CSV or GeoJSON")
    return head


def detect_format(path: Path) -> str:
    """``geojson``, ``ucdp``, ``acled`` or ``csv``, from the file's start and header."""
    head = check_file(path).lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"{", b"[")):  # JSON: GeoJSON, or refused as not a FeatureCollection
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
            f"{path}: not {_NAMES.get(fmt, 'a ' + fmt)} file: missing column(s) "
            f"{', '.join(missing)}; the header is {', '.join(header)}"
        )


def check_input(path: Path, fmt: str | None = None, mapping: ColumnMap | None = None) -> str:
    """The format of ``path`` once its file and header suit it (reads the header only; a
    GeoJSON file is parsed whole, to refuse one that is not a FeatureCollection, and its
    features are kept for the :func:`read` that follows).

    Everything :func:`read` refuses before its first row is refused here, so that a caller
    can check an input before it opens or creates anything.
    """
    check_file(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if fmt == "geojson":
        geojson.check_features(path)  # not JSON, not a FeatureCollection: refused here;
        # the features are kept for the next read of the unchanged file: parsed once
    elif fmt == "ucdp":
        _check_header(path, fmt, ucdp.REQUIRED)
    elif fmt == "acled":
        _check_header(path, fmt, acled.REQUIRED)
    elif fmt == "csv" and mapping is None:
        raise InputError(
            f"{path}: a generic CSV needs a column mapping (--mapping FILE.toml or --map "
            "field=column); fields: " + ", ".join(table.FIELDS)
        )
    elif fmt == "csv" and mapping is not None:
        header = read_header(path)
        named = [c for v in mapping.columns.values() for c in ((v,) if isinstance(v, str) else v)]
        missing = [c for c in named if c not in header]
        if missing:
            raise InputError(
                f"{path}: the column mapping names column(s) the file lacks: {', '.join(missing)}"
            )
        unmapped = [f for f in ("lon", "lat") if mapping.column(f) is None]
        if mapping.column("date") is None and mapping.column("date_start") is None:
            unmapped.append("date (or date_start)")
        if unmapped:  # else every row would be quarantined for want of them
            raise InputError(
                f"{path}: the column mapping names no column for {', '.join(unmapped)}; "
                "map them with --map field=column or in the mapping's [columns]"
            )
    return fmt


def read(
    path: Path, fmt: str | None = None, mapping: ColumnMap | None = None
) -> Iterator[ReadBatch]:
    """Batches of ``path`` as event columns (format detected when ``fmt`` is None)."""
    if (fmt or detect_format(path)) == "geojson":
        check_file(path)  # the features are checked as they are loaded (or were, kept by
        # check_input), once
        size = path.stat().st_size  # the features are parsed from the whole file at once
        for cols in geojson.iter_columns(path, mapping):
            yield ReadBatch(cols, end=size)
        return
    fmt = check_input(path, fmt, mapping)
    for batch in iter_batches(path):
        if fmt == "ucdp":
            cols = ucdp.columns(batch)
        elif fmt == "acled":
            cols = acled.columns(batch)
        else:
            assert mapping is not None
            cols = table.columns(batch, mapping)
        yield ReadBatch(cols, batch.bad, batch.end)
