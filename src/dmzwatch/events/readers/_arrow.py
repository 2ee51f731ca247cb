"""Column conversions on pyarrow string arrays: numbers, dates, the original row as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ..columns import RowProblem
from ..model import sha256_hex
from ..validate import REASONS

__all__ = [
    "Converter",
    "original_json",
    "strings",
]

_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_INTEGER = r"^[-+]?\d+(\.0*)?$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00(\.0+)?)?)?$"
_LONG_DATE = r"^\d{1,2} [A-Za-z]+ \d{4}$"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def strings(arr: pa.Array | None, n: int) -> npt.NDArray[np.object_]:
    """An object array of str (empty strings where ``arr`` is None)."""
    if arr is None:
        return np.full(n, "", dtype=object)
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


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
        trimmed, blank = self._blank(arr)
        ok = pc.match_substring_regex(trimmed, _INTEGER if integer else _NUMBER)
        bad = pc.and_(pc.invert(ok), pc.invert(blank))
        reason = "not a whole number" if integer else REASONS["not_number"]
        self._report(bad, arr, name, reason)
        values = pc.cast(pc.if_else(ok, trimmed, pa.scalar(None, pa.string())), pa.float64())
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)

    def dates(self, arr: pa.Array | None, name: str) -> npt.NDArray[np.datetime64]:
        """Dates as UTC ``datetime64[s]`` (NaT where blank or not a date; the latter reported)."""
        if arr is None:
            return np.full(self.n, np.datetime64("NaT"), dtype="datetime64[s]")
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
        long_values = pc.strptime(
            pc.if_else(long, trimmed, null), format="%d %B %Y", unit="s", error_is_null=True
        )
        values = pc.coalesce(iso_values, long_values)
        bad = pc.and_(pc.is_null(values), pc.invert(blank))
        self._report(bad, arr, name, REASONS["not_date"])
        out = values.to_numpy(zero_copy_only=False)
        return np.asarray(out, dtype="datetime64[s]")


def _escape(arr: pa.Array) -> pa.Array:
    arr = pc.replace_substring(arr, "\\", "\\\\")
    arr = pc.replace_substring(arr, '"', '\\"')
    arr = pc.replace_substring(arr, "\n", "\\n")
    arr = pc.replace_substring(arr, "\r", "\\r")
    return pc.replace_substring(arr, "\t", "\\t")


def original_json(
    header: Sequence[str], columns: Sequence[pa.Array]
) -> tuple[npt.NDArray[np.object_], list[str]]:
    """Each row as compact JSON (``{"col":"value",...}`` in header order) and its sha256.

    Built with array operations; rows with rare control characters are redone with
    :func:`json.dumps` so the text is exactly what ``json.dumps`` writes.
    """
    if not columns:
        return np.empty(0, dtype=object), []
    n = len(columns[0])
    parts: list[object] = []
    for i, (name, col) in enumerate(zip(header, columns, strict=True)):
        key = json.dumps(name, ensure_ascii=False)
        parts.append(("{" if i == 0 else ",") + key + ':"')
        parts.append(_escape(col))
        parts.append('"')
    parts.append("}")
    arrays = [p if isinstance(p, pa.Array) else pa.scalar(p, pa.string()) for p in parts]
    joined = pc.binary_join_element_wise(*arrays, "")
    texts: list[str] = joined.to_pylist()
    control = np.zeros(n, dtype=bool)
    for col in columns:
        if pc.any(pc.match_substring_regex(col, _CONTROL)).as_py():
            control |= pc.match_substring_regex(col, _CONTROL).to_numpy(zero_copy_only=False)
    for k in np.flatnonzero(control).tolist():
        row = {name: col[k].as_py() for name, col in zip(header, columns, strict=True)}
        texts[k] = json.dumps(row, separators=(",", ":"), ensure_ascii=False)
    hashes = [sha256_hex(t) for t in texts]
    return np.array(texts, dtype=object), hashes
