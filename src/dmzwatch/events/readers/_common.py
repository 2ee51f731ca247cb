"""Pieces the readers share: precision lookups, kinds, weapon inference, assembling columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ...agreement.classes import FIRED_FROM_AFAR
from ..columns import EventColumns, RowProblem
from ..infer import infer_weapon
from ..model import EventKind
from ..precision import Precision
from ..validate import REASONS
from ._arrow import joined, original_json, strings, strip
from ._csv import CsvBatch

__all__ = [
    "REMOTE_CLASSES",
    "actor_column",
    "codes",
    "infer_column",
    "infer_unique",
    "kinds",
    "new_columns",
]

#: Classes whose use makes an event a strike (fire from a distance) rather than a clash.
REMOTE_CLASSES = FIRED_FROM_AFAR

DAY = np.timedelta64(86_399, "s")


def codes(
    values: pa.Array | None,
    n: int,
    table: Mapping[str, Precision],
    name: str,
    problems: list[RowProblem],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Stripped codes and their values; an unknown code (blank included) is a problem.

    A code written as a whole number with decimals (``2.0``, as spreadsheets and pandas write
    a column with gaps) is that code.
    """
    stripped = pc.replace_substring_regex(strip(values, n), r"^(\d+)\.0+$", r"\1")
    keys = list(table)
    index = pc.index_in(stripped, value_set=pa.array(keys, type=pa.string()))
    lookup = np.array([table[k].value for k in keys] + [np.nan], dtype=np.float64)
    where = np.asarray(pc.fill_null(index, len(keys)).to_numpy(zero_copy_only=False))
    out = lookup[where]
    codes_out = np.asarray(stripped.to_numpy(zero_copy_only=False), dtype=object)
    bad = np.flatnonzero(np.isnan(out))
    if bad.size:
        options = ", ".join(table)
        raw = strings(values, n)
        for i in bad.tolist():
            reason = f"{REASONS['precision_code']} (expected one of: {options})"
            if not codes_out[i]:
                reason = REASONS["missing"]
            problems.append(RowProblem(int(i), name, str(raw[i]), reason))
    return codes_out, out


def actor_column(batch: CsvBatch, names: Sequence[str]) -> npt.NDArray[np.object_]:
    """Per row, the non-empty stripped values of the ``names`` columns joined by ``"; "``
    (empty strings when ``names`` is empty; a column the header lacks counts as empty)."""
    n = len(batch)
    if not names:
        return np.full(n, "", dtype=object)
    return strings(joined([strip(batch.column(c), n) for c in names]), n)


def kinds(
    values: npt.NDArray[np.object_],
    mapping: Mapping[str, EventKind],
    name: str,
    problems: list[RowProblem],
) -> npt.NDArray[np.object_]:
    """Kinds from a source's own vocabulary (``mapping``), a problem for anything else."""
    out = np.full(len(values), "", dtype=object)
    folded = {k.strip().casefold(): v for k, v in mapping.items()}  # case ignored
    for i, raw in enumerate(values.tolist()):
        key = str(raw).strip()
        kind = mapping.get(key) or folded.get(key.casefold())
        if kind is None:
            options = ", ".join(sorted({k for k in mapping if k == k.strip()}))
            reason = f"{REASONS['kind']} (expected one of: {options})"
            if not key:
                reason = REASONS["missing"]
            problems.append(RowProblem(i, name, key, reason))
        else:
            out[i] = kind.value
    return out


#: Inferences of texts seen before (texts repeat: the same headline for many events).
_INFERRED: dict[str, tuple[str | None, str]] = {}
_INFERRED_MAX = 200_000


def infer_unique(
    texts: pa.Array | npt.NDArray[np.object_],
) -> tuple[list[str | None], list[str], npt.NDArray[np.intp]]:
    """Inferred class and matched words of each distinct text, and each row's text index."""
    arr = texts if isinstance(texts, pa.Array) else pa.array(texts, type=pa.string())
    encoded = arr.dictionary_encode()
    distinct: list[str | None] = encoded.dictionary.to_pylist()
    index = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)
    if len(_INFERRED) > _INFERRED_MAX:
        _INFERRED.clear()
    classes: list[str | None] = []
    words: list[str] = []
    for text in distinct:
        key = text or ""
        hit = _INFERRED.get(key)
        if hit is None:
            inference = infer_weapon(key)
            hit = (inference.equipment_class, "; ".join(inference.matched))
            _INFERRED[key] = hit
        classes.append(hit[0])
        words.append(hit[1])
    return classes, words, index


def infer_column(
    texts: pa.Array | npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Inferred class (None when no weapon is named) and the matched words per text."""
    classes, words, index = infer_unique(texts)
    if not classes:
        return np.full(len(index), None, dtype=object), np.full(len(index), "", dtype=object)
    return (
        np.array([*classes, None], dtype=object)[:-1][index],
        np.array(words, dtype=object)[index],
    )


def new_columns(source: str, batch: CsvBatch, **values: object) -> EventColumns:
    """EventColumns for ``batch``: the original rows and lines from the batch, the rest given."""
    n = len(batch)
    original, hashes = original_json(batch.header, batch.columns)
    nan = np.full(n, np.nan)
    defaults: dict[str, object] = {
        "line": batch.lines,
        "original": original,
        "original_hash": np.array(hashes, dtype=object),
        "equipment_count": nan,
        "equipment_inferred": np.zeros(n, dtype=bool),
        "inferred_from": np.full(n, "", dtype=object),
        "equipment_class": np.full(n, None, dtype=object),
        "best": nan,
        "low": nan,
        "high": nan,
        "civilians": nan,
        "text": np.full(n, "", dtype=object),
        "actors": np.full(n, "", dtype=object),
    }
    defaults.update(values)
    cols = EventColumns(source=source, **defaults)  # type: ignore[arg-type]
    if batch.replaced is not None:  # each field that held bytes not UTF-8, as decoded
        for i in np.flatnonzero(batch.replaced).tolist():
            for name, col in zip(batch.header, batch.columns, strict=True):
                value = str(col[i].as_py())
                if "\ufffd" in value:
                    cols.problems.append(RowProblem(i, name, value, REASONS["encoding"]))
    return cols
