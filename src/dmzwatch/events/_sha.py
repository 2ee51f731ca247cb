"""sha256 of many byte ranges at once, and hash chains, outside the interpreter lock.

A batch of a million rows needs three million sha256 digests (the original row, the
content, the evidence entry). :mod:`hashlib` is fast per call, but every call holds the
interpreter lock, so a writer thread and the hashing could not overlap. Here a compiled
(numba) loop calls OpenSSL's one-shot ``SHA256`` (the library :mod:`hashlib` uses) for
each range, and writes the hex digests into one array. Where that library cannot be
loaded, the same digests come from :mod:`hashlib` (slower, same bytes).

>>> data = np.frombuffer(b"abcabc", dtype=np.uint8)
>>> hex_strings(digests(data, np.array([0, 3, 6])))[0] == hashlib.sha256(b"abc").hexdigest()
True
"""

from __future__ import annotations

import ctypes.util
import hashlib
import itertools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["chain", "digests", "hex_strings", "native"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _load() -> bool:
    name = ctypes.util.find_library("crypto")
    if not name:
        return False
    try:
        import llvmlite.binding  # type: ignore[import-untyped]

        llvmlite.binding.load_library_permanently(name)
        ctypes.CDLL(name).SHA256  # noqa: B018 - the symbol must exist
    except (OSError, AttributeError, RuntimeError) as exc:  # pragma: no cover - no OpenSSL
        log.debug("OpenSSL SHA256 not usable (%s): hashing with hashlib", exc)
        return False
    return True


_NATIVE = _load()
_VOIDPTR: Any = numba.types.voidptr
_SHA256: Any = numba.types.ExternalFunction(
    "SHA256", _VOIDPTR(_VOIDPTR, numba.types.intp, _VOIDPTR)
)


def native() -> bool:
    """Whether digests are computed by the compiled loop (else by :mod:`hashlib`)."""
    return _NATIVE


def _jit(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


@_jit
def _hexify(raw: Bytes, out: Bytes, hexd: Bytes) -> None:
    for k in range(32):
        out[2 * k] = hexd[raw[k] >> 4]
        out[2 * k + 1] = hexd[raw[k] & 15]


@_jit
def _digests(data: Bytes, offsets: Ints, out: Bytes, hexd: Bytes) -> None:
    raw = np.empty(32, dtype=np.uint8)
    for i in range(offsets.shape[0] - 1):
        _SHA256(data[offsets[i] :].ctypes.data, offsets[i + 1] - offsets[i], raw.ctypes.data)
        _hexify(raw, out[i], hexd)


@_jit
def _chain(prev: Bytes, data: Bytes, offsets: Ints, out: Bytes, hexd: Bytes) -> None:
    n = offsets.shape[0] - 1
    longest = 0
    for i in range(n):
        longest = max(longest, offsets[i + 1] - offsets[i])
    message = np.empty(64 + longest, dtype=np.uint8)
    raw = np.empty(32, dtype=np.uint8)
    message[:64] = prev
    for i in range(n):
        size = offsets[i + 1] - offsets[i]
        message[64 : 64 + size] = data[offsets[i] : offsets[i + 1]]
        _SHA256(message.ctypes.data, 64 + size, raw.ctypes.data)
        _hexify(raw, out[i], hexd)
        message[:64] = out[i]


def digests(data: Bytes, offsets: Ints) -> Bytes:
    """Hex sha256 (an ``(n, 64)`` array of ASCII) of ``data[offsets[i]:offsets[i + 1]]``."""
    n = len(offsets) - 1
    out = np.empty((n, 64), dtype=np.uint8)
    if n == 0:
        return out
    if _NATIVE:
        _digests(np.ascontiguousarray(data), np.asarray(offsets, dtype=np.int64), out, _HEX)
        return out
    view = memoryview(np.ascontiguousarray(data).tobytes())
    bounds = np.asarray(offsets).tolist()
    sha = hashlib.sha256
    text = "".join(sha(view[a:b]).hexdigest() for a, b in itertools.pairwise(bounds))
    out[:] = np.frombuffer(text.encode(), dtype=np.uint8).reshape(n, 64)
    return out


def chain(prev: str, data: Bytes, offsets: Ints) -> Bytes:
    """A hash chain: row ``i``'s hex digest is ``sha256(hex_{i-1} + data_i)``, from ``prev``."""
    n = len(offsets) - 1
    out = np.empty((n, 64), dtype=np.uint8)
    if n == 0:
        return out
    start = np.frombuffer(prev.encode(), dtype=np.uint8)
    if len(start) != 64:
        raise ValueError("the previous hash must be 64 hex characters")
    if _NATIVE:
        _chain(
            start.copy(), np.ascontiguousarray(data), np.asarray(offsets, dtype=np.int64), out, _HEX
        )
        return out
    raw = np.ascontiguousarray(data).tobytes()
    bounds = np.asarray(offsets).tolist()
    sha = hashlib.sha256
    digest = prev.encode()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        digest = sha(digest + raw[a:b]).hexdigest().encode()
        out[i] = np.frombuffer(digest, dtype=np.uint8)
    return out


def hex_strings(hexes: Bytes) -> list[str]:
    """The rows of an ``(n, 64)`` hex array as Python strings."""
    text = hexes.tobytes().decode("ascii")
    return [text[k : k + 64] for k in range(0, len(text), 64)]
