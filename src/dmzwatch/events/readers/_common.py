"""Pieces the readers share: precision lookups, kinds, weapon inference, assembling columns."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from ..columns import EventColumns, RowProblem
from ..infer import infer_weapon
from ..model import EventKind
from ..precision import Precision
from ..validate import REASONS
from ._arrow import original_json
from ._csv import CsvBatch

__all__ = ["REMOTE_CLASSES", "codes", "infer_column", "kinds", "new_columns"]

#: Classes whose use makes an event a strike (fire from a distance) rather than a clash.
REMOTE_CLASSES = frozenset(
    {
        "aircraft",
        "drone",
        "artillery",
        "artillery_100mm_plus",
        "artillery_under_100mm",
        "mlrs",
        "mlrs_heavy",
        "mortar",
        "mortar_up_to_120mm",
    }
)

DAY = np.timedelta64(86_399, "s")


def codes(
    values: npt.NDArray[np.object_],
    table: Mapping[str, Precision],
    name: str,
    problems: list[RowProblem],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Stripped codes and their values; an unknown code (blank included) is a problem."""
    stripped = np.array([str(v).strip() for v in values.tolist()], dtype=object)
    out = np.full(len(values), np.nan)
    for code, precision in table.items():
        out[stripped == code] = precision.value
    options = ", ".join(table)
    for i in np.flatnonzero(np.isnan(out)):
        reason = f"{REASONS['precision_code']} (expected one of: {options})"
        if not stripped[i]:
            reason = REASONS["missing"]
        problems.append(RowProblem(int(i), name, str(values[i]), reason))
    return stripped, out


def kinds(
    values: npt.NDArray[np.object_],
    mapping: Mapping[str, EventKind],
    name: str,
    problems: list[RowProblem],
) -> npt.NDArray[np.object_]:
    """Kinds from a source's own vocabulary (``mapping``), a problem for anything else."""
    out = np.full(len(values), "", dtype=object)
    for i, raw in enumerate(values.tolist()):
        key = str(raw).strip()
        kind = mapping.get(key) or mapping.get(key.lower())
        if kind is None:
            options = ", ".join(sorted({k for k in mapping if k == k.strip()}))
            reason = f"{REASONS['kind']} (expected one of: {options})"
            if not key:
                reason = REASONS["missing"]
            problems.append(RowProblem(i, name, key, reason))
        else:
            out[i] = kind.value
    return out


def infer_column(
    texts: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Inferred class (None when no weapon is named) and the matched words per text."""
    classes = np.full(len(texts), None, dtype=object)
    words = np.full(len(texts), "", dtype=object)
    cache: dict[str, tuple[str | None, str]] = {}
    for i, text in enumerate(texts.tolist()):
        hit = cache.get(text)
        if hit is None:
            inference = infer_weapon(text)
            hit = (inference.equipment_class, "; ".join(inference.matched))
            cache[text] = hit
        classes[i], words[i] = hit
    return classes, words


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
    if batch.replaced is not None:
        for i in np.flatnonzero(batch.replaced):
            cols.problems.append(RowProblem(int(i), "(row)", "", REASONS["encoding"]))
    return cols
