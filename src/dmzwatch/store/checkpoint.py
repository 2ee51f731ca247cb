"""Signed checkpoints: a party pins the evidence log's head so that truncation shows.

:func:`~dmzwatch.store.verify.verify` finds any altered, removed, inserted or reordered
entry, but not the removal of the newest entries together with their records: the shorter
chain is still a valid chain. A checkpoint closes that gap. :func:`make_checkpoint` verifies
the store, then signs (ed25519, with the party's key from :func:`~dmzwatch.store.bundle.
create_keys`) how many entries the log holds and the hash of the last one.
:func:`check_checkpoint` refuses a checkpoint that is not signed by the trusted key or does
not verify, then verifies the store and requires it to still hold that entry with that hash:
fewer entries is a truncation, another hash a rewrite; more entries after it is an intact,
grown log.

A checkpoint is one JSON object::

    {"format": "dmzwatch-checkpoint/1", "party": "TR", "entries": 41, "head": "<sha256 hex>",
     "made_at": "2018-11-24T09:30:00+00:00", "public_key": "<base64>", "signature": "<base64>"}

signed, as a bundle is, over the canonical JSON of every field but ``signature``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from ..errors import InputError, IntegrityError
from ..events.model import canonical_json
from .bundle import load_private_key, load_public_key, raw_public_key
from .store import Store
from .verify import Verification, verify

__all__ = ["FORMAT", "check_checkpoint", "make_checkpoint", "write_checkpoint"]

FORMAT = "dmzwatch-checkpoint/1"

_HEX64 = re.compile(r"[0-9a-f]{64}")


def make_checkpoint(store: Store, key_path: Path) -> dict[str, Any]:
    """The store's head signed with the private key at ``key_path`` (party: the file's stem).

    Verifies the store first: a broken log is refused (:class:`~dmzwatch.errors.
    IntegrityError`, naming the first broken record), and so is an empty one
    (:class:`~dmzwatch.errors.InputError`: there is nothing to pin).
    """
    key = load_private_key(key_path)  # before the (long) verification: a bad key fails fast
    result = verify(store)
    if not result.ok:
        raise IntegrityError(result.record or "?", result.reason or "?")
    if result.head is None:
        raise InputError(f"{store.db.where}: the evidence log is empty, nothing to checkpoint")
    body: dict[str, Any] = {
        "format": FORMAT,
        "party": key_path.stem,
        "entries": result.entries,
        "head": result.head,
        "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "public_key": raw_public_key(key.public_key()),
    }
    signature = key.sign(canonical_json(body).encode())
    return {**body, "signature": base64.b64encode(signature).decode()}


def write_checkpoint(checkpoint: dict[str, Any], out: Path) -> None:
    """Write a checkpoint as indented JSON (the signature covers its content, not its layout)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(checkpoint, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    except OSError as exc:
        raise InputError(f"cannot write the checkpoint {out}: {exc.strerror or exc}") from exc


def check_checkpoint(store: Store, checkpoint_path: Path, trust_pub_path: Path) -> Verification:
    """Verify the store against the checkpoint at ``checkpoint_path``.

    Refuses (:class:`~dmzwatch.errors.InputError`, naming the file) a checkpoint that cannot
    be read, is signed with a key other than the one in ``trust_pub_path`` or whose signature
    does not verify. Otherwise the outcome of :func:`~dmzwatch.store.verify.verify`, and when
    that is intact: broken if the store holds fewer entries than the checkpoint (truncated) or
    another hash at the checkpoint's last entry (rewritten); intact, with how many entries
    were added since, if it holds that entry with that hash.
    """
    pinned = _read(checkpoint_path, trust_pub_path)
    count, head = pinned["entries"], pinned["head"]
    signed = f"the checkpoint signed by {pinned['party']} at {pinned['made_at']}"
    result = verify(store)
    if not result.ok:
        return result
    if result.entries < count:
        first = result.entries + 1
        missing = (
            f"evidence entry {count}" if first == count else f"evidence entries {first}-{count}"
        )
        reason = f"truncated: {signed} holds {count} entries, the store has {result.entries}"
        return Verification(False, result.entries, missing, reason, result.head)
    stored = store.db.scalar("SELECT hash FROM evidence WHERE seq = ?", (count,))
    if stored != head:
        reason = f"rewritten: entry {count}'s hash differs from {signed}"
        return Verification(False, result.entries, f"evidence entry {count}", reason, result.head)
    added = result.entries - count
    note = (
        f"matches {signed} ({count} entries, head {head[:12]}); "
        f"{added} {'entry' if added == 1 else 'entries'} added since"
    )
    return Verification(True, result.entries, head=result.head, checkpoint=note)


def _read(path: Path, trust_pub_path: Path) -> dict[str, Any]:
    """The checkpoint at ``path`` once its key is the trusted one and its signature verifies."""
    trusted = load_public_key(trust_pub_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"cannot read the checkpoint {path}: {reason}") from exc
    try:
        document = json.loads(text)
        body = {k: v for k, v in document.items() if k != "signature"}
        signature = base64.b64decode(document["signature"], validate=True)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise InputError(f"{path}: not a dmzwatch checkpoint ({exc!r})") from exc
    if body.get("format") != FORMAT:
        raise InputError(f"{path}: not a {FORMAT} checkpoint")
    if body.get("public_key") != raw_public_key(trusted):
        raise InputError(
            f"{path}: signed with a key other than the trusted one ({trust_pub_path}) (refused)"
        )
    try:
        trusted.verify(signature, canonical_json(body).encode())
    except (InvalidSignature, ValueError):
        raise InputError(
            f"{path}: the signature does not verify: the checkpoint is forged or was altered "
            "after signing (refused)"
        ) from None
    if body.get("party") != trust_pub_path.stem:
        # the party is the signer's own claim: the one the trusted key file names must make
        # it, or the check would report another party's checkpoint
        raise InputError(
            f"{path}: signed with the key of {trust_pub_path.stem} ({trust_pub_path}) but says "
            f"it was made by party {body.get('party')!r} (refused)"
        )
    entries, head = body.get("entries"), body.get("head")
    if (
        not isinstance(entries, int)
        or isinstance(entries, bool)
        or entries < 1
        or not isinstance(head, str)
        or not _HEX64.fullmatch(head)
        or not isinstance(body.get("party"), str)
        or not isinstance(body.get("made_at"), str)
    ):
        raise InputError(f"{path}: a signed checkpoint of the wrong shape (refused)")
    return body
