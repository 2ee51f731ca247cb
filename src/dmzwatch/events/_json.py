"""Compiled (numba) assembly of one JSON text per row from byte columns, for hashing in bulk.

The ingest hashes two texts per row (the original row as a JSON object, the event's
content as a JSON array) and stores the first. Writing them with :func:`json.dumps` one row
at a time costs more than everything else the ingest does; here they are written for a
whole batch in two passes over the bytes: the exact length of every row, then the bytes.

A row is a sequence of *parts*: literal bytes (``{"id":``, ``,``, ``]``) and *columns*,
each a :class:`Column` (UTF-8 bytes of every row's value in one buffer, with start and end
offsets). A column in :data:`STRING` mode is written as a JSON string exactly as
``json.dumps(value, ensure_ascii=False)`` writes it: quoted, with ``"``, ``\\`` and control
characters escaped (``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``, else ``\\u00xx``) and every
other character (non-ASCII included) kept. A column in :data:`RAW` mode is copied as it is
(numbers already formatted). A row whose start offset is -1 is written as ``null``.

No I/O and no adapter library: numpy and numba only, so the core may use it.

>>> ids = Column.of_strings(["1", 'say "hi"'])
>>> texts(build(2, [b'{"id":', ids, b"}"]))
['{"id":"1"}', '{"id":"say \\\\"hi\\\\""}']
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from ._sha import digests, hex_strings

__all__ = ["RAW", "STRING", "Column", "build", "sha256_rows", "texts"]

F = TypeVar("F", bound=Callable[..., Any])
Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

RAW = 0
STRING = 1


def _jit(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


def _inline(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(fn))


@dataclass(frozen=True, slots=True)
class Column:
    """The UTF-8 bytes of one value per row: ``data[starts[i]:ends[i]]`` (-1: null)."""

    data: Bytes
    starts: Ints
    ends: Ints
    mode: int = STRING

    @classmethod
    def of_strings(cls, values: Sequence[str | None], mode: int = STRING) -> Column:
        """A column from Python strings (None is null); for small inputs and tests."""
        encoded = [b"" if v is None else v.encode() for v in values]
        lengths = np.array([len(b) for b in encoded], dtype=np.int64)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        starts[[v is None for v in values]] = -1
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(data, starts.astype(np.int64), ends.astype(np.int64), mode)

    @classmethod
    def constant(cls, value: bytes, n: int, mode: int = RAW) -> Column:
        """The same bytes in every row."""
        return cls(
            np.frombuffer(value, dtype=np.uint8),
            np.zeros(n, dtype=np.int64),
            np.full(n, len(value), dtype=np.int64),
            mode,
        )

    @classmethod
    def fixed(cls, values: npt.NDArray[np.bytes_], mode: int = RAW) -> Column:
        """Values of a numpy bytes array whose items all fill its width (no padding)."""
        n, width = len(values), values.dtype.itemsize
        data = np.ascontiguousarray(values).view(np.uint8).reshape(-1)
        starts = np.arange(n, dtype=np.int64) * width
        return cls(data, starts, starts + width, mode)

    @classmethod
    def lookup(cls, table: Sequence[bytes | None], codes: npt.ArrayLike, mode: int = RAW) -> Column:
        """Row ``i`` is ``table[codes[i]]`` (few distinct values: numbers, flags, codes)."""
        encoded = [b"" if v is None else v for v in table]
        lengths = np.array([len(b) for b in encoded], dtype=np.int64)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        starts[np.array([v is None for v in table], dtype=bool)] = -1
        index = np.asarray(codes, dtype=np.intp)
        data = np.frombuffer(b"".join(encoded) or b" ", dtype=np.uint8)
        return cls(data, starts[index], ends[index], mode)


def _escape_table() -> Bytes:
    table = np.zeros(256, dtype=np.uint8)  # bytes an escape adds
    table[:32] = 5
    for c in b'"\\\b\f\n\r\t':
        table[c] = 1
    return table


_ESCAPED = _escape_table()


@_jit
def _lengths(
    data: Bytes,
    starts: Ints,
    ends: Ints,
    modes: Ints,
    literal_sizes: int,
    escaped: Bytes,
    plain: Bytes,
) -> Ints:
    n, ncols = starts.shape
    out = np.full(n, literal_sizes, dtype=np.int64)
    for i in range(n):
        size = 0
        for c in range(ncols):
            s = starts[i, c]
            if s < 0:
                size += 4
            elif modes[c] == 0:
                size += ends[i, c] - s
            else:
                extra = 0
                for k in range(s, ends[i, c]):
                    extra += escaped[data[k]]
                plain[i, c] = extra == 0
                size += ends[i, c] - s + 2 + extra
        out[i] += size
    return out


@_inline
def _copy(src: Bytes, start: int, end: int, out: Bytes, pos: int) -> int:
    size = end - start
    for j in range(size):
        out[pos + j] = src[start + j]
    return pos + size


@_jit
def _write(
    data: Bytes,
    starts: Ints,
    ends: Ints,
    modes: Ints,
    literals: Bytes,
    literal_bounds: Ints,
    offsets: Ints,
    out: Bytes,
    escaped: Bytes,
    plain: Bytes,
) -> None:
    n, ncols = starts.shape
    null = b"null"
    hexd = b"0123456789abcdef"
    for i in range(n):
        pos = offsets[i]
        for c in range(ncols + 1):
            pos = _copy(literals, literal_bounds[c], literal_bounds[c + 1], out, pos)
            if c == ncols:
                break
            s, e = starts[i, c], ends[i, c]
            if s < 0:
                for k in range(4):
                    out[pos + k] = null[k]
                pos += 4
                continue
            if modes[c] == 0:
                pos = _copy(data, s, e, out, pos)
                continue
            out[pos] = 34
            pos += 1
            if plain[i, c]:
                pos = _copy(data, s, e, out, pos)
                out[pos] = 34
                pos += 1
                continue
            for k in range(s, e):
                ch = data[k]
                if escaped[ch] == 0:
                    out[pos] = ch
                    pos += 1
                    continue
                out[pos] = 92
                if ch == 34 or ch == 92:
                    out[pos + 1] = ch
                elif ch == 10:
                    out[pos + 1] = 110  # n
                elif ch == 13:
                    out[pos + 1] = 114  # r
                elif ch == 9:
                    out[pos + 1] = 116  # t
                elif ch == 8:
                    out[pos + 1] = 98  # b
                elif ch == 12:
                    out[pos + 1] = 102  # f
                else:
                    out[pos + 1] = 117  # u00xx
                    out[pos + 2] = 48
                    out[pos + 3] = 48
                    out[pos + 4] = hexd[ch >> 4]
                    out[pos + 5] = hexd[ch & 15]
                    pos += 4
                pos += 2
            out[pos] = 34
            pos += 1


def build(n: int, parts: Sequence[bytes | Column]) -> tuple[Bytes, Ints]:
    """The bytes of ``n`` rows made of ``parts``, and the ``n + 1`` row offsets into them."""
    literals: list[bytes] = []
    columns: list[Column] = []
    pending = b""
    for part in parts:
        if isinstance(part, Column):
            literals.append(pending)
            columns.append(part)
            pending = b""
        else:
            pending += part
    literals.append(pending)
    sizes = [len(d.data) for d in columns]
    base = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    data = (
        np.concatenate([c.data for c in columns]) if columns else np.zeros(0, dtype=np.uint8)
    ).astype(np.uint8, copy=False)
    starts = np.empty((n, len(columns)), dtype=np.int64)
    ends = np.empty((n, len(columns)), dtype=np.int64)
    for k, col in enumerate(columns):
        starts[:, k] = np.where(col.starts < 0, -1, col.starts + base[k])
        ends[:, k] = col.ends + base[k]
    modes = np.array([c.mode for c in columns], dtype=np.int64)
    literal_bytes = b"".join(literals)
    bounds = np.concatenate([[0], np.cumsum([len(x) for x in literals])]).astype(np.int64)
    plain = np.zeros(starts.shape, dtype=np.uint8)
    lengths = _lengths(data, starts, ends, modes, len(literal_bytes), _ESCAPED, plain)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    out = np.empty(int(offsets[-1]), dtype=np.uint8)
    _write(
        data,
        starts,
        ends,
        modes,
        np.frombuffer(literal_bytes or b" ", dtype=np.uint8),
        bounds,
        offsets,
        out,
        _ESCAPED,
        plain,
    )
    return out, offsets


def texts(built: tuple[Bytes, Ints]) -> list[str]:
    """The rows of :func:`build` as Python strings."""
    out, offsets = built
    raw = out.tobytes()
    bounds = offsets.tolist()
    return [raw[a:b].decode() for a, b in itertools.pairwise(bounds)]


def sha256_rows(built: tuple[Bytes, Ints]) -> list[str]:
    """sha256 (hex) of every row of :func:`build`."""
    out, offsets = built
    return hex_strings(digests(out, offsets))
