"""Column conversions on pyarrow string arrays: numbers, dates, the original row as JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from .._json import STRING, Column, build, sha256_rows
from ..columns import RowProblem
from ..validate import REASONS

__all__ = [
    "WHITESPACE",
    "Converter",
    "as_strings",
    "column_of",
    "joined",
    "original_json",
    "strings",
    "strip",
]

_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_INTEGER = r"^[-+]?\d+(\.0*)?$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00(\.0+)?)?)?$"
_LONG_DATE = r"^\d{1,2} [A-Za-z]+ \d{4}$"
_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_MAX_WHOLE = 1e15  # whole numbers have at most 15 digits: exact as floats, and as integers


#: The characters :meth:`str.strip` strips (``str.isspace``), for :func:`strip`.
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def strings(arr: pa.Array | None, n: int) -> npt.NDArray[np.object_]:
    """An object array of str (empty strings where ``arr`` is None)."""
    if arr is None:
        return np.full(n, "", dtype=object)
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def strip(arr: pa.Array | None, n: int) -> pa.Array:
    """The strings with what :meth:`str.strip` strips stripped (empty where ``arr`` is None)."""
    if arr is None:
        return pa.array([""] * n, type=pa.string())
    return pc.utf8_trim(arr, characters=WHITESPACE)


def joined(parts: Sequence[pa.Array], sep: str = "; ") -> pa.Array:
    """Per row, the non-empty stripped parts joined by ``sep`` (``"; ".join(...)`` of them)."""
    out: pa.Array | None = None
    for part in parts:
        if out is None:
            out = part
            continue
        both = pc.binary_join_element_wise(out, part, sep)
        out = pc.if_else(pc.equal(out, ""), part, pc.if_else(pc.equal(part, ""), out, both))
    if out is None:
        raise ValueError("nothing to join")
    return out


class Converter:
    """Converts string columns of one batch, collecting a problem per unusable value."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.problems: list[RowProblem] = []

    def _blank(self, arr: pa.Array) -> tuple[pa.Array, pa.Array]:
        trimmed = pc.utf8_trim_whitespace(arr)
        return trimmed, pc.equal(trimmed, "")

    def _report(self, bad: pa.Array, arr: pa.Array, name: str, reason: str) -> None:
        mask = bad.to_numpy(zero_copy_only=False)
        if mask.any():
            values = arr.to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(mask):
                self.problems.append(RowProblem(int(i), name, str(values[i]), reason))

    def floats(
        self, arr: pa.Array | None, name: str, *, integer: bool = False
    ) -> npt.NDArray[np.float64]:
        """Numbers (NaN where blank or not a number; the latter reported)."""
        if arr is None:
            return np.full(self.n, np.nan)
        fast = _cast_numbers(arr, integer)
        if fast is not None:
            return fast
        trimmed, blank = self._blank(arr)
        ok = pc.match_substring_regex(trimmed, _INTEGER if integer else _NUMBER)
        bad = pc.and_(pc.invert(ok), pc.invert(blank))
        reason = "not a whole number" if integer else REASONS["not_number"]
        self._report(bad, arr, name, reason)
        values = pc.cast(pc.if_else(ok, trimmed, pa.scalar(None, pa.string())), pa.float64())
        out = np.array(values.to_numpy(zero_copy_only=False), dtype=np.float64)
        # a count of more than 15 digits loses digits as a float (and overflows the store's
        # integers); a number written past the float range (1e400) is infinite
        with np.errstate(invalid="ignore"):
            huge = np.abs(out) >= _MAX_WHOLE if integer else np.isinf(out)
        if huge.any():
            limit = " (at most 15 digits)" if integer else ""
            self._report(pa.array(huge), arr, name, REASONS["too_large"] + limit)
            out[huge] = np.nan
        return out

    def dates(self, arr: pa.Array | None, name: str) -> npt.NDArray[np.datetime64]:
        """Dates as UTC ``datetime64[s]`` (NaT where blank or not a date; the latter reported)."""
        if arr is None:
            return np.full(self.n, np.datetime64("NaT"), dtype="datetime64[s]")
        fast = _cast_days(arr)
        if fast is not None:
            return fast
        trimmed, blank = self._blank(arr)
        null = pa.scalar(None, pa.string())
        iso = pc.match_substring_regex(trimmed, _ISO_DATE)
        day = pc.if_else(iso, pc.utf8_slice_codeunits(trimmed, 0, 10), null)
        iso_values = pc.strptime(day, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2019-02-30 over to March: keep only dates that print back the same
        same = pc.equal(pc.strftime(iso_values, format="%Y-%m-%d"), day)
        iso_values = pc.if_else(
            pc.fill_null(same, False), iso_values, pa.scalar(None, iso_values.type)
        )
        long = pc.match_substring_regex(trimmed, _LONG_DATE)
        long_text = pc.if_else(long, trimmed, null)
        long_values = pc.strptime(long_text, format="%d %B %Y", unit="s", error_is_null=True)
        # and 31 February 2019 over to 3 March: keep only dates whose day is the one given
        given = pc.struct_field(pc.extract_regex(long_text, r"^(?P<day>\d{1,2}) "), [0])
        same = pc.equal(pc.day(long_values), pc.cast(given, pa.int64()))
        long_values = pc.if_else(
            pc.fill_null(same, False), long_values, pa.scalar(None, long_values.type)
        )
        values = pc.coalesce(iso_values, long_values)
        bad = pc.and_(pc.is_null(values), pc.invert(blank))
        self._report(bad, arr, name, REASONS["not_date"])
        out = values.to_numpy(zero_copy_only=False)
        return np.asarray(out, dtype="datetime64[s]")

    def times(
        self, arr: pa.Array | None, name: str
    ) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
        """Days as :meth:`dates`, and times of day with a UTC offset (``2019-05-01T10:00+03:00``,
        ``...Z``) as the UTC instant; the second array is True where a value is such an instant.

        A time of day without an offset is reported: it could be any of 26 hours in UTC.
        """
        instant = np.zeros(self.n, dtype=np.bool_)
        fast = None if arr is None else _cast_days(arr)
        if fast is not None:
            return fast, instant
        if arr is None:
            return self.dates(arr, name), instant
        trimmed, _ = self._blank(arr)
        timed = pc.and_(  # a day written with a midnight time stays a day
            pc.match_substring_regex(trimmed, _TIME),
            pc.invert(pc.match_substring_regex(trimmed, _ISO_DATE)),
        ).to_numpy(zero_copy_only=False)
        if not timed.any():
            return self.dates(arr, name), instant
        offset = pc.match_substring_regex(trimmed, _TIME + _OFFSET).to_numpy(zero_copy_only=False)
        out = self.dates(pc.if_else(pa.array(timed), pa.scalar(""), arr), name)
        texts = trimmed.to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(timed).tolist():
            value = str(arr[i].as_py())
            if not offset[i]:
                self.problems.append(RowProblem(i, name, value, REASONS["no_offset"]))
                continue
            try:
                when = dt.datetime.fromisoformat(str(texts[i]))
            except ValueError:
                self.problems.append(RowProblem(i, name, value, REASONS["not_date"]))
                continue
            utc = when.astimezone(dt.UTC).replace(tzinfo=None)
            out[i] = np.datetime64(utc.replace(microsecond=0), "s")
            instant[i] = True
        return out, instant


def _cast_numbers(arr: pa.Array, integer: bool) -> npt.NDArray[np.float64] | None:
    """Every value cast at once, when every value is a plain number (else None).

    What the cast accepts is a subset of what :meth:`Converter.floats` accepts (no blanks,
    no spaces, no ``nan``/``inf``), with the same values; anything else takes the checks.
    """
    if integer and not pc.all(pc.match_substring_regex(arr, r"^-?\d{1,15}$")).as_py():
        return None  # the int cast also takes hex: plain digits only
    try:
        values = pc.cast(arr, pa.int64() if integer else pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if values.null_count:
        return None
    out = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    if not integer and not np.isfinite(out).all():
        return None
    return out


def _cast_days(arr: pa.Array) -> npt.NDArray[np.datetime64] | None:
    """Every value as a day, when every value is exactly ``YYYY-MM-DD`` of a real day in
    years 1000-9999 (else None: :meth:`Converter.dates` checks each value)."""
    if len(arr) == 0 or arr.null_count:
        return None
    col = column_of(arr)
    if not np.all(col.ends - col.starts == 10):
        return None
    text = col.data[col.starts[:, None] + np.arange(10)].astype(np.int64)
    digits = text[:, [0, 1, 2, 3, 5, 6, 8, 9]] - 48
    if not (((digits >= 0) & (digits <= 9)).all() and (text[:, [4, 7]] == 45).all()):
        return None
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    if not ((year >= 1000).all() and ((month >= 1) & (month <= 12) & (day >= 1)).all()):
        return None
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    length = (first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")
    if not (day <= length.astype(np.int64)).all():
        return None
    days = first.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    out: npt.NDArray[np.datetime64] = days.astype("datetime64[s]")
    return out


def column_of(arr: pa.Array | pa.ChunkedArray, mode: int = STRING) -> Column:
    """A string array's bytes and offsets as a :class:`~dmzwatch.events._json.Column` (no copy)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    dtype: np.dtype[Any] = np.dtype(np.int64)
    width = 8
    if not pa.types.is_large_string(arr.type):
        if not pa.types.is_string(arr.type):
            arr = arr.cast(pa.string())
        dtype = np.dtype(np.int32)
        width = 4
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=dtype, count=n + 1, offset=arr.offset * width)
    offsets = offsets.astype(np.int64)
    data = (
        np.frombuffer(data_buf, dtype=np.uint8)
        if data_buf is not None and data_buf.size
        else np.zeros(1, dtype=np.uint8)
    )
    starts = offsets[:-1]
    if arr.null_count:
        starts = np.where(arr.is_null().to_numpy(zero_copy_only=False), -1, starts)
    return Column(data, starts, offsets[1:], mode)


def as_strings(built: tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]) -> pa.Array:
    """The rows of :func:`~dmzwatch.events._json.build` as an arrow string array (no copy)."""
    out, offsets = built
    return pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(out)
    )


def original_json(
    header: Sequence[str], columns: Sequence[pa.Array]
) -> tuple[npt.NDArray[np.object_], list[str]]:
    """Each row as compact JSON (``{"col":"value",...}`` in header order) and its sha256.

    The text is exactly what ``json.dumps(row, separators=(",", ":"), ensure_ascii=False)``
    writes (:func:`dmzwatch.events.model.original_json`), built for the whole batch at once.
    """
    if not columns:
        return np.empty(0, dtype=object), []
    n = len(columns[0])
    parts: list[bytes | Column] = []
    for i, (name, col) in enumerate(zip(header, columns, strict=True)):
        parts.append(
            ("{" if i == 0 else ",").encode() + json.dumps(name, ensure_ascii=False).encode() + b":"
        )
        parts.append(column_of(col))
    parts.append(b"}")
    built = build(n, parts)
    texts = np.asarray(as_strings(built).to_numpy(zero_copy_only=False), dtype=object)
    return texts, sha256_rows(built)
