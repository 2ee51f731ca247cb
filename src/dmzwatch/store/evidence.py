"""The evidence log: an append-only, hash-chained record of everything the store holds.

Each entry is ``(seq, kind, record_id, payload)``; its hash is
``sha256(prev_hash + canonical_json({"kind", "record_id", "payload"}))`` where ``prev_hash``
is the hash of the entry before (:data:`GENESIS` for the first). Any altered, removed,
inserted or reordered entry breaks the chain at that entry; events whose stored content no
longer matches the content hash in their entry are found by recomputing it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..events._sha import chain as hash_chain
from ..events._sha import hex_strings
from ..events.model import canonical_json
from ._db import Database

__all__ = ["GENESIS", "Entry", "EvidenceLog", "chain", "entry_body"]

GENESIS = "0" * 64
_COLUMNS = ("seq", "kind", "record_id", "payload", "prev_hash", "hash")


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of the log."""

    seq: int
    kind: str
    record_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(prev_hash: str, kind: str, record_id: str, payload_json: str) -> str:
    """The hash of an entry given the previous hash and its canonical payload JSON."""
    body = entry_body(kind, record_id, payload_json)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def entry_body(kind: str, record_id: str, payload_json: str) -> str:
    """The text an entry's hash covers after the previous hash."""
    return (
        '{"kind":'
        + json.dumps(kind, ensure_ascii=False)
        + ',"payload":'
        + payload_json
        + ',"record_id":'
        + json.dumps(record_id, ensure_ascii=False)
        + "}"
    )


def chain(
    prev_hash: str, items: Iterable[tuple[str, str, dict[str, Any]]]
) -> list[tuple[str, str, str, str, str]]:
    """(kind, record_id, payload_json, prev_hash, hash) for each item, chained from ``prev_hash``.

    >>> rows = chain(GENESIS, [("note", "1", {"a": 1}), ("note", "2", {"a": 2})])
    >>> rows[1][3] == rows[0][4]
    True
    """
    out = []
    for kind, record_id, payload in items:
        payload_json = canonical_json(payload)
        digest = entry_hash(prev_hash, kind, record_id, payload_json)
        out.append((kind, record_id, payload_json, prev_hash, digest))
        prev_hash = digest
    return out


class EvidenceLog:
    """The log in a store; call :meth:`append` inside :meth:`Database.transaction`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry ((0, GENESIS) when empty)."""
        row = self.db.execute("SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    def extend(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> list[Entry]:
        """Append several entries (the caller holds the write transaction)."""
        if not items:
            return []
        seq, prev = self.head()
        rows = chain(prev, items)
        records = [(seq + 1 + i, *row) for i, row in enumerate(rows)]
        self.db.insert_rows("evidence", _COLUMNS, records)
        return [
            Entry(r[0], r[1], r[2], item[2], r[4], r[5])
            for r, item in zip(records, items, strict=True)
        ]

    def extend_built(
        self,
        kind: str,
        record_ids: Sequence[str],
        payloads: Sequence[str],
        bodies: tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]],
    ) -> int:
        """Append one entry per record, given each entry's canonical payload JSON and its
        hashed body (:func:`entry_body` of it, built for the batch); returns the last seq.

        The fast path of :meth:`extend` (the caller holds the write transaction).
        """
        seq, prev = self.head()
        if not record_ids:
            return seq
        hashes = hex_strings(hash_chain(prev, *bodies))
        seqs = range(seq + 1, seq + 1 + len(record_ids))
        self.db.insert_rows(
            "evidence",
            _COLUMNS,
            zip(
                seqs,
                [kind] * len(record_ids),
                record_ids,
                payloads,
                [prev, *hashes[:-1]],
                hashes,
                strict=True,
            ),
        )
        return seq + len(record_ids)

    def append(self, kind: str, record_id: str, payload: dict[str, Any]) -> Entry:
        """Append one entry in its own transaction (for findings and other later records)."""
        with self.db.transaction():
            return self.extend([(kind, record_id, payload)])[0]

    def entries(self, since_seq: int = 0) -> list[Entry]:
        rows = self.db.query(
            "SELECT seq, kind, record_id, payload, prev_hash, hash FROM evidence "
            "WHERE seq > ? ORDER BY seq",
            (since_seq,),
        )
        return [Entry(int(r[0]), r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]
