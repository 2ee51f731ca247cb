"""Signed bundles: how one party hands its events to another, who checks before merging.

A party makes an ed25519 key pair (:func:`create_keys`). :func:`export_bundle` verifies the
store, then writes its events (from a date) as a JSON bundle: each record hash-chained to
the one before, the chain's head and the party's public key in the body, and an ed25519
signature over the body's canonical JSON. :func:`import_bundle` refuses a bundle unless it
is signed by the trusted key, the signature verifies, it names the party the trusted key
file is named after (``TR.pub``: ``TR``), the chain is whole and every event's content hash
is right and would still be right once stored; then merges its events, each with its
evidence entry, and logs the import itself (a ``bundle`` entry). Importing the same bundle
twice (even laid out anew) changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import BundleError, InputError, IntegrityError
from ..events.model import canonical_json, event_hash, sha256_hex
from ._db import INT64_MAX
from .evidence import GENESIS, chain
from .links import link_events_after
from .store import EVENT_FIELDS, Store, hashed_from_stored, row_to_event
from .verify import verify

__all__ = [
    "FORMAT",
    "CheckedBundle",
    "ImportResult",
    "check_bundle",
    "create_keys",
    "export_bundle",
    "import_bundle",
    "load_private_key",
    "load_public_key",
    "merge_bundle",
    "raw_public_key",
]

FORMAT = "dmzwatch-bundle/1"


def create_keys(party: str, out: Path) -> tuple[Path, Path]:
    """Write ``PARTY.key`` (private, PEM, mode 600) and ``PARTY.pub`` in ``out``."""
    if not party or not party.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"party {party!r}: use letters, digits, - and _ only")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make the key folder {out}: {exc.strerror or exc}") from exc
    key_path, pub_path = out / f"{party}.key", out / f"{party}.pub"
    if key_path.exists():
        raise InputError(f"{key_path} exists; remove it first to make a new key")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private)
    pub_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_path, pub_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The ed25519 private key in the PEM file ``path`` (:class:`InputError` if it is not one).

    Refused as well: a public key given in its place, a key encrypted with a password, and
    (on POSIX systems) a key file that other users may read or write, as ``ssh`` refuses
    one: whoever can read it can sign as the party.
    """
    data = _key_bytes(path, "private")
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise InputError(
            f"{path} holds a public key: signing needs the party's private key (PARTY.key)"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:  # encrypted, and no password given
        raise InputError(
            f"{path} is encrypted with a password: give the unencrypted key that "
            "`dmzwatch keys create` writes"
        ) from None
    except ValueError as exc:
        raise InputError(f"cannot read the private key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an ed25519 private key")
    mode = path.stat().st_mode
    if os.name == "posix" and mode & 0o077:
        raise InputError(
            f"{path}: the private key may be read or changed by other users (mode "
            f"{mode & 0o777:o}); make it private with `chmod 600 {path}` (refused)"
        )
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The ed25519 public key in the PEM file ``path`` (:class:`InputError` if it is not one)."""
    data = _key_bytes(path, "public")
    if b"PRIVATE KEY-----" in data:
        raise InputError(
            f"{path} holds a private key: give the public key of the party that signed "
            "(PARTY.pub); a private key stays with its party"
        )
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise InputError(f"cannot read the public key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path} is not an ed25519 public key")
    return key


def _key_bytes(path: Path, which: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {which} key {path}: {exc.strerror or exc}") from exc


def raw_public_key(key: Ed25519PublicKey) -> str:
    """The key's 32 raw bytes in base64, as a bundle or checkpoint names its signer."""
    return base64.b64encode(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()


def export_bundle(store: Store, key_path: Path, out: Path, since: dt.date | None = None) -> int:
    """Write the events (starting on or after ``since``) as a signed bundle; returns how many.

    Verifies the store first: the party signs only events its intact log vouches for (a
    broken log is refused with :class:`~dmzwatch.errors.IntegrityError`, naming the first
    broken record, as for a checkpoint).
    """
    key = load_private_key(key_path)  # before the (long) verification: a bad key fails fast
    result = verify(store)
    if not result.ok:
        raise IntegrityError(result.record or "?", result.reason or "?")
    party = key_path.stem
    records: list[dict[str, Any]] = []
    where = ""
    params: tuple[str, ...] = ()
    if since is not None:
        where = "WHERE start_time >= ?"
        params = (f"{since.isoformat()}T00:00:00+00:00",)
    for row in store.db.execute(
        f"SELECT {', '.join(EVENT_FIELDS)}, original, content_hash FROM events {where} "
        "ORDER BY start_time, id",
        params,
    ):
        values = hashed_from_stored(row[: len(EVENT_FIELDS)])
        record = dict(zip(EVENT_FIELDS, values, strict=True))
        record["original"] = row[len(EVENT_FIELDS)]
        record["content_hash"] = row[len(EVENT_FIELDS) + 1]
        records.append(record)
    links = chain(GENESIS, [("event", f"{r['source']}/{r['source_id']}", r) for r in records])
    body = {
        "format": FORMAT,
        "party": party,
        "public_key": raw_public_key(key.public_key()),
        "created": dt.datetime.now(dt.UTC).isoformat(),
        "since": since.isoformat() if since else None,
        "records": records,
        "chain": [h for *_, h in links],
        "head": links[-1][4] if links else GENESIS,
    }
    message = canonical_json(body).encode()
    bundle = {"body": body, "signature": base64.b64encode(key.sign(message)).decode()}
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(canonical_json(bundle), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the bundle {out}: {exc.strerror or exc}") from exc
    return len(records)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: records in the bundle, merged (new), already present, conflicts."""

    party: str
    records: int
    merged: int
    present: int
    conflicts: int
    already_imported: bool


@dataclass(frozen=True, slots=True)
class CheckedBundle:
    """A bundle whose signature, chain and content hashes :func:`check_bundle` verified."""

    path: Path
    body: dict[str, Any]
    digest: str


def check_bundle(bundle_path: Path, trust: Path) -> CheckedBundle:
    """The bundle at ``bundle_path`` once verified against the public key file ``trust``.

    Refuses (:class:`~dmzwatch.errors.BundleError`) a bundle that is not signed by that
    key, does not verify, or whose chain or content is broken; touches no store.
    """
    body, digest = _check(bundle_path, load_public_key(trust), trust)
    return CheckedBundle(bundle_path, body, digest)


def _check(bundle_path: Path, trusted: Ed25519PublicKey, trust: Path) -> tuple[dict[str, Any], str]:
    try:
        data = bundle_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the bundle {bundle_path}: {exc.strerror or exc}") from exc
    try:
        bundle = json.loads(data.decode("utf-8"))
        body, signature = bundle["body"], base64.b64decode(bundle["signature"], validate=True)
        message = canonical_json(body).encode()
    except UnicodeDecodeError as exc:
        raise BundleError(
            f"{bundle_path}: not a dmzwatch bundle (not UTF-8 text: byte {exc.start + 1} "
            "is damaged) (refused)"
        ) from None
    except RecursionError:
        raise BundleError(f"{bundle_path}: not a dmzwatch bundle (nested too deep)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{bundle_path}: not a dmzwatch bundle ({exc})") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BundleError(f"{bundle_path}: not a {FORMAT} bundle")
    if body.get("public_key") != raw_public_key(trusted):
        raise BundleError(
            f"{bundle_path}: signed with a key you do not trust (not the key in {trust}) (refused)"
        )
    try:
        trusted.verify(signature, message)
    except InvalidSignature:
        raise BundleError(
            f"{bundle_path}: the signature does not verify: the bundle is forged or was altered "
            "after signing (refused)"
        ) from None
    if body.get("party") != trust.stem:
        # the party is the signer's own claim: the one the trusted key file names must
        # make it, or the log would record the events as another party's
        raise BundleError(
            f"{bundle_path}: signed with the key of {trust.stem} ({trust}) but says it is "
            f"from party {body.get('party')!r} (refused)"
        )
    try:
        _check_records(bundle_path, body)
    except (KeyError, TypeError, AttributeError) as exc:  # signed, yet not a bundle's shape
        raise BundleError(f"{bundle_path}: malformed records ({exc!r}) (refused)") from exc
    # the bundle as signed, whatever its layout: a copy re-indented or re-encoded on its way
    # is the same bundle (for an untouched file, the sha256 of the file)
    canonical = {"body": body, "signature": base64.b64encode(signature).decode()}
    return body, sha256_hex(canonical_json(canonical))


def _check_records(bundle_path: Path, body: dict[str, Any]) -> None:
    records = body.get("records", [])
    expected = chain(GENESIS, [("event", f"{r['source']}/{r['source_id']}", r) for r in records])
    for i, (record, link) in enumerate(zip(records, expected, strict=False)):
        values = [record[f] for f in EVENT_FIELDS]
        if (
            sha256_hex(record["original"]) != record["original_hash"]
            or event_hash(values) != record["content_hash"]
        ):
            raise BundleError(
                f"{bundle_path}: record {i + 1} does not match its content hash (refused)"
            )
        if wrong := _unstorable(values, record["original"]):
            raise BundleError(
                f"{bundle_path}: record {i + 1} ({record['source']} {record['source_id']}) is "
                f"not an event as a store holds it: {wrong} (refused)"
            )
        if i >= len(body["chain"]) or body["chain"][i] != link[4]:
            raise BundleError(f"{bundle_path}: the chain breaks at record {i + 1} (refused)")
    if len(body["chain"]) != len(records) or body["head"] != (
        expected[-1][4] if expected else GENESIS
    ):
        raise BundleError(f"{bundle_path}: the chain's length or head is wrong (refused)")


_TEXT_FIELDS = frozenset(
    {
        "source",
        "source_id",
        "date_precision",
        "location_precision",
        "inferred_from",
        "actors",
        "text",
        "original_hash",
    }
)


#: Fields an event keeps as the bundle gives them (lists joined as text, the original's hash).
_AS_STORED = ("inferred_from", "actors", "original_hash")


def _unstorable(values: list[Any], original: object) -> str | None:
    """Why a bundle's event would not be the same event once stored (None when it would).

    Each value must have the type of its column (so that the stored event still has the
    content hash that was signed) and be readable as an event: a known kind, times in UTC
    as an ingest writes them, the original row as JSON text. A signed bundle may still
    come from a faulty exporter; such a record would break every later reading of the
    store."""
    for name, value in zip(EVENT_FIELDS, values, strict=True):
        if name in _TEXT_FIELDS and not isinstance(value, str):
            return f"its {name} is not text"
        if isinstance(value, str) and "\x00" in value:
            return f"its {name} holds a NUL character, which a store cannot keep"
        if isinstance(value, int) and not -INT64_MAX - 1 <= value <= INT64_MAX:
            return f"its {name} is too large for a store (64 bits)"
    equipment = values[EVENT_FIELDS.index("equipment_class")]
    if equipment is not None and not isinstance(equipment, str):
        return "its equipment_class is not text"
    try:
        event = row_to_event([*values, original, ""])
        rebuilt = event.hashed_values()
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        return str(exc)
    for name in _AS_STORED:  # stored as given (text checked above)
        rebuilt[EVENT_FIELDS.index(name)] = values[EVENT_FIELDS.index(name)]
    differ = [
        name
        for name, mine, stored in zip(EVENT_FIELDS, values, rebuilt, strict=True)
        if canonical_json(mine) != canonical_json(stored)
    ]
    if differ:
        return f"its {', '.join(differ)} would not be stored as given"
    return None


def import_bundle(store: Store, bundle_path: Path, trust: Path) -> ImportResult:
    """Verify signature and chain, then merge the bundle's events (each new one logged)."""
    return merge_bundle(store, check_bundle(bundle_path, trust))


def merge_bundle(store: Store, bundle: CheckedBundle) -> ImportResult:
    """Merge the events of a bundle :func:`check_bundle` verified (each new one logged, then
    the import: a ``bundle`` entry of its party, time, records and merged events)."""
    body, digest = bundle.body, bundle.digest
    records = body["records"]
    db = store.db
    with db.transaction():
        if db.scalar("SELECT COUNT(*) FROM bundles WHERE hash = ?", (digest,)):
            return ImportResult(body["party"], len(records), 0, len(records), 0, True)
        before = int(db.scalar("SELECT COALESCE(MAX(id), 0) FROM events"))
        db.executemany(
            "INSERT INTO events ("
            + ", ".join(EVENT_FIELDS)
            + ", original, content_hash) VALUES ("
            + ", ".join("?" * (len(EVENT_FIELDS) + 2))
            + ") ON CONFLICT DO NOTHING",
            [(*(r[f] for f in EVENT_FIELDS), r["original"], r["content_hash"]) for r in records],
        )
        new = db.query(
            "SELECT id, source, source_id, content_hash FROM events WHERE id > ? ORDER BY id",
            (before,),
        )
        store.log.extend(
            [
                (
                    "event",
                    str(eid),
                    {
                        "content_hash": h,
                        "source": src,
                        "source_id": sid,
                        "ingest": None,  # a merged event comes from no ingest and no line
                        "line": None,
                        "via_bundle": digest,
                        "party": body["party"],
                    },
                )
                for eid, src, sid, h in new
            ]
        )
        present_hashes = {
            (str(s), str(i)): str(h)
            for s, i, h in db.query("SELECT source, source_id, content_hash FROM events")
        }
        conflicts = sum(
            1
            for r in records
            if present_hashes.get((r["source"], r["source_id"])) != r["content_hash"]
        )
        imported: dict[str, Any] = {
            "party": body["party"],
            "imported_at": dt.datetime.now(dt.UTC).isoformat(),
            "records": len(records),
            "merged": len(new),
        }
        db.execute(
            "INSERT INTO bundles (hash, party, imported_at, records, merged) "
            "VALUES (?, ?, ?, ?, ?)",
            (digest, *imported.values()),
        )
        store.log.extend([("bundle", digest, imported)])
    if new:
        link_events_after(store, before)  # the same event from another source: linked, kept
    return ImportResult(
        body["party"], len(records), len(new), len(records) - len(new) - conflicts, conflicts, False
    )
