"""CSV files in batches of string columns, with the physical line of every row.

The file is cut into chunks at record boundaries (a newline outside quotes). Each chunk is
parsed by pyarrow's multithreaded CSV reader; when pyarrow cannot parse a chunk cleanly
(a row with the wrong number of fields, a blank line, bytes that are not UTF-8), that chunk
is parsed again with Python's :mod:`csv` module, which keeps every record and its line, and
the records that do not fit the header are returned as :class:`BadRecord`. Nothing is lost;
blank lines are no records, on either path. Handles UTF-8 with or without a byte-order mark,
LF or CRLF, and quoted newlines; lines are counted by LF (a bare CR, quoted or not, starts no
new line). A file whose lines end with a bare CR only is refused.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from ...errors import InputError

__all__ = ["BadRecord", "CsvBatch", "iter_batches", "read_header"]

CHUNK_BYTES = 16 << 20
BOM = b"\xef\xbb\xbf"
csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that could not be read as a row of the header's columns."""

    line: int
    text: str
    reason: str


@dataclass(slots=True)
class CsvBatch:
    """Rows of a CSV file as string columns, in header order."""

    header: list[str]
    columns: list[pa.Array]
    lines: npt.NDArray[np.int64]
    bad: list[BadRecord] = field(default_factory=list)
    replaced: npt.NDArray[np.bool_] | None = None
    #: bytes of the file read up to the end of this batch (0 when not read from a file)
    end: int = 0

    def __len__(self) -> int:
        return int(self.lines.shape[0])

    def column(self, name: str) -> pa.Array | None:
        """The column of that name, or None when the header lacks it."""
        try:
            return self.columns[self.header.index(name)]
        except ValueError:
            return None


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for i, raw in enumerate(names):
        name = raw.strip() or f"column_{i + 1}"
        base, k = name, 1
        while name in out:
            k += 1
            name = f"{base}_{k}"
        out.append(name)
    return out


def _header(data: bytes, path: Path) -> tuple[list[str], int, int]:
    """Header names, the offset where the data starts and the number of header lines."""
    start = len(BOM) if data.startswith(BOM) else 0
    end = _record_end(data, start, min(len(data), start + (1 << 20)))
    text = data[start:end].decode("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{path}: the file has no header row")
    if any(rows[1:]):  # records end at a bare CR: no line of the file ends with LF
        raise InputError(
            f"{path}: its lines end with a bare CR (old Mac OS line ends); save it with LF "
            "or CRLF line ends (e.g. as 'CSV UTF-8')"
        )
    return _unique(rows[0]), end, text.count("\n") or 1


def _record_end(data: bytes, start: int, stop: int) -> int:
    """Offset just after the first newline outside quotes at or after ``start``."""
    quotes = 0
    pos = start
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        quotes += data.count(b'"', pos, nl)
        if quotes % 2 == 0:
            return nl + 1
        pos = nl + 1


def read_header(path: Path) -> list[str]:
    """The header of a CSV file (names made unique)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    return _header(head, path)[0]


def _cut(data: bytes, limit: int) -> int:
    """Offset just after the last newline outside quotes before ``limit`` (-1: none)."""
    stop = min(len(data), limit)
    quotes_before = data.count(b'"', 0, stop)
    cut = data.rfind(b"\n", 0, stop)
    while cut >= 0:
        if (quotes_before - data.count(b'"', cut, stop)) % 2 == 0:
            return cut + 1
        cut = data.rfind(b"\n", 0, cut)
    return -1


def iter_batches(path: Path) -> Iterator[CsvBatch]:
    """Batches of rows of ``path`` (about :data:`CHUNK_BYTES` each), read as a stream.

    Only about two chunks of the file are in memory at a time.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    with fh:
        size = CHUNK_BYTES
        data = fh.read(max(size, 1 << 20))
        header, offset, header_lines = _header(data, path)
        line = 1 + header_lines
        data = data[offset:]
        done = offset
        eof = False
        while True:
            while not eof and len(data) < size:
                more = fh.read(size)
                eof = not more
                data += more
            if not data:
                return
            if eof and len(data) <= size:
                cut = len(data)
            else:
                cut = _cut(data, size)
                if cut < 0:  # one record longer than a chunk: taken whole
                    cut = _record_end(data, 0, len(data))
                    if cut == len(data) and not eof:
                        more = fh.read(size)
                        eof = not more
                        data += more
                        continue
            chunk, data = data[:cut], data[cut:]
            batch = _fast(chunk, header, line)
            if batch is None:
                batch = _slow(chunk, header, line)
            done += len(chunk)
            batch.end = done
            yield batch
            line += chunk.count(b"\n")


@numba.njit(cache=True, nogil=True)
def _record_lines(
    data: npt.NDArray[np.uint8], out: npt.NDArray[np.int64], blank: npt.NDArray[np.bool_]
) -> int:
    """Lines before each record's start (newlines outside quotes end records), whether the
    record is a blank line (LF or CRLF alone); the number of records."""
    records = 0
    newlines = 0
    quoted = False
    start = True
    size = data.shape[0]
    for k in range(size):
        c = data[k]
        if start:
            if records < out.shape[0]:
                out[records] = newlines
                blank[records] = c == 10 or (c == 13 and k + 1 < size and data[k + 1] == 10)
            records += 1
            start = False
        if c == 34:
            quoted = not quoted
        elif c == 10:
            newlines += 1
            start = not quoted
    return records


def _fast(chunk: bytes, header: list[str], first_line: int) -> CsvBatch | None:
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(chunk),
            read_options=pacsv.ReadOptions(column_names=header, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if invalid:
        return None
    columns = [table.column(i).combine_chunks() for i in range(len(header))]
    n = table.num_rows
    starts = np.zeros(n, dtype=np.int64)
    blank = np.zeros(n, dtype=np.bool_)
    if _record_lines(np.frombuffer(chunk, dtype=np.uint8), starts, blank) != n:  # pragma: no cover
        return None  # pyarrow saw other records than a plain quote count: let csv decide
    if blank.any():  # pyarrow reads a blank line as a row of empty fields: not a record
        keep = ~blank
        columns = [col.filter(pa.array(keep)) for col in columns]
        starts = starts[keep]
    return CsvBatch(header, columns, first_line + starts)


def _slow(chunk: bytes, header: list[str], first_line: int) -> CsvBatch:
    try:
        text = chunk.decode("utf-8")
        replaced_any = False
    except UnicodeDecodeError:
        text = chunk.decode("utf-8", errors="replace")
        replaced_any = True
    physical = io.StringIO(text, newline="").readlines()
    # the csv module splits at a bare CR too; lines are counted by LF (as in the fast path)
    lf_before = np.concatenate(([0], np.cumsum([p.endswith("\n") for p in physical])))
    reader = csv.reader(physical)
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[BadRecord] = []
    prev = 0
    for record in reader:
        start = first_line + int(lf_before[prev])
        begin, prev = prev, reader.line_num
        if not record:  # a blank line
            continue
        if len(record) != width:
            raw = _without_newline("".join(physical[begin:prev]))  # as written: quotes kept
            reason = f"wrong number of fields: {len(record)}, the header has {width}"
            bad.append(BadRecord(start, raw, reason))
            continue
        rows.append(record)
        lines.append(start)
    columns = [pa.array([r[i] for r in rows], type=pa.string()) for i in range(width)]
    replaced = None
    if replaced_any:
        replaced = np.array(["\ufffd" in "".join(r) for r in rows], dtype=bool)
        bad = [
            BadRecord(b.line, b.text, b.reason + "; not valid UTF-8") if "\ufffd" in b.text else b
            for b in bad
        ]
    return CsvBatch(header, columns, np.array(lines, dtype=np.int64), bad, replaced)


def _without_newline(text: str) -> str:
    """``text`` without the line break that ends it (CRLF, LF or CR)."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\n", "\r")) else text
