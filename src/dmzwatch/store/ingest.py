"""Ingest a file: read, validate, store or quarantine every row, link probable duplicates.

Every record read ends up in exactly one of three counts: ``stored`` (new events),
``duplicates`` (already stored with the same content, or repeated in the file) and
``quarantined`` (with every problem found). ``read = stored + duplicates + quarantined``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from shapely.geometry.base import BaseGeometry

from ..events.columns import EventColumns, RowProblem
from ..events.model import sha256_hex
from ..events.readers import ColumnMap, ReadBatch, detect_format, read
from ..events.validate import SeenIds, fatality_order, validate
from .links import link_new_events
from .store import PreparedBatch, QuarantineRow, Store, prepare_batch, refused_row

__all__ = ["IngestResult", "ingest"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestResult:
    """What an ingest did. ``read == stored + duplicates + quarantined`` always."""

    file: str
    format: str
    source: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    linked: int = 0
    warnings: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def adds_up(self) -> bool:
        return self.read == self.stored + self.duplicates + self.quarantined

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["adds_up"] = self.adds_up
        return out


def ingest(
    store: Store,
    path: Path,
    *,
    fmt: str | None = None,
    mapping: ColumnMap | None = None,
    territory: BaseGeometry | None = None,
    now: dt.datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest ``path`` into ``store`` (format detected from the header when ``fmt`` is None).

    Batches flow through two threads: this one reads, validates and hashes batch ``k + 1``
    while a writer thread stores batch ``k`` (one transaction per batch, in file order).
    Most of either side runs outside the interpreter lock (pyarrow, compiled loops, SQLite).
    ``on_progress(bytes)`` is called in this thread each time a batch is committed, with the
    bytes of the file read up to the end of that batch.
    """
    fmt = fmt or detect_format(path)
    file = str(path)
    result = IngestResult(file=file, format=fmt, source="")
    seen = SeenIds()
    ingest_id: int | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dmzwatch-ingest") as writer:
        pending: Future[None] | None = None
        written = 0  # the file's bytes up to the end of the batch being written
        for batch in read(path, fmt, mapping):
            if ingest_id is None:
                result.source = batch.columns.source
                ingest_id = store.start_ingest(file, fmt, result.source)
            ready = _prepare(batch, seen, file, ingest_id, territory, now)
            if pending is not None:
                pending.result()
                if on_progress is not None:
                    on_progress(written)
            pending = writer.submit(_write, store, ready, result, file, ingest_id)
            written = batch.end
        if pending is not None:
            pending.result()
            if on_progress is not None:
                on_progress(written)
    if ingest_id is None:
        result.source = mapping.source if mapping else fmt
        ingest_id = store.start_ingest(file, fmt, result.source)
    result.linked = link_new_events(
        store, ingest_id, sources=[result.source] if result.stored else []
    )
    store.finish_ingest(ingest_id, result.as_dict())  # type: ignore[arg-type]
    log.info("ingested %s: %s", file, result)
    return result


@dataclass(slots=True)
class _Ready:
    """One batch sorted out and hashed, waiting for the writer."""

    read: int
    warnings: int
    kept: EventColumns
    prepared: PreparedBatch
    quarantine: list[QuarantineRow]
    quarantined: int
    repeats: int


def _prepare(
    batch: ReadBatch,
    seen: SeenIds,
    file: str,
    ingest_id: int,
    territory: BaseGeometry | None,
    now: dt.datetime | None,
) -> _Ready:
    cols = batch.columns
    n = len(cols)
    problems = validate(cols, territory=territory, now=now)
    warnings = len(fatality_order(cols))
    bad = np.zeros(n, dtype=bool)
    for p in problems:
        bad[p.index] = True
    good = np.flatnonzero(~bad)
    repeats, conflicts = seen.check(
        cols.source_id[good].tolist(), cols.original_hash[good].tolist(), cols.line[good].tolist()
    )
    for c in conflicts:
        problems.append(RowProblem(int(good[c.index]), c.field, c.value, c.reason))
        bad[good[c.index]] = True
    repeat_mask = np.zeros(n, dtype=bool)
    repeat_mask[good[repeats]] = True
    keep = np.flatnonzero(~bad & ~repeat_mask)

    by_row: dict[int, list[dict[str, str]]] = {}
    for p in problems:
        by_row.setdefault(p.index, []).append(
            {"field": p.field, "value": p.value, "reason": p.reason}
        )
    quarantine = [refused_row(cols, i, by_row[i]) for i in sorted(by_row)]
    for record in batch.bad:  # not split into fields: no id
        text = json.dumps({"record": record.text}, ensure_ascii=False)
        problem = {"field": "(row)", "value": record.text[:200], "reason": record.reason}
        quarantine.append(QuarantineRow(record.line, sha256_hex(text), [problem], text, None))
    kept = cols.take(keep)
    return _Ready(
        read=batch.read,
        warnings=warnings,
        kept=kept,
        prepared=prepare_batch(kept, ingest_id),
        quarantine=quarantine,
        quarantined=len(by_row) + len(batch.bad),
        repeats=len(repeats),
    )


def _write(store: Store, ready: _Ready, result: IngestResult, file: str, ingest_id: int) -> None:
    kept = ready.kept
    stored, taken = store.write_prepared(
        ready.prepared, ready.quarantine, file=file, ingest_id=ingest_id
    )
    # rows whose id is taken by different content are quarantined, not silently dropped
    changed = [(i, h) for i, h, mine in taken if h != mine]
    extra: list[QuarantineRow] = []
    if changed:
        for i, h in changed:
            reason = f"already stored with different content (stored content hash {h[:12]})"
            problem = {"field": "source_id", "value": str(kept.source_id[i]), "reason": reason}
            extra.append(refused_row(kept, i, [problem]))
        store.write_batch(
            kept.take(np.array([], dtype=np.intp)), extra, file=file, ingest_id=ingest_id
        )
    for q in ready.quarantine + extra:
        for item in q.problems:
            key = item["reason"].split(" (")[0]
            result.reasons[key] = result.reasons.get(key, 0) + 1
    result.read += ready.read
    result.warnings += ready.warnings
    result.stored += len(stored)
    result.quarantined += ready.quarantined + len(changed)
    result.duplicates += ready.repeats + len(taken) - len(changed)
    if not result.adds_up:  # pragma: no cover - a bug, not bad input
        raise RuntimeError(f"ingest counts do not add up: {result}")
