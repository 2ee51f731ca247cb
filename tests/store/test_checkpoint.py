"""Signed checkpoints: the newest entries removed with their records (truncation), or entries
rewritten and re-chained, pass plain ``verify`` but not a check against a checkpoint."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from dmzwatch.errors import InputError, IntegrityError
from dmzwatch.events.model import canonical_json
from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import Store, ingest, open_store, verify
from dmzwatch.store.bundle import create_keys, load_private_key, raw_public_key
from dmzwatch.store.checkpoint import (
    FORMAT,
    check_checkpoint,
    make_checkpoint,
    write_checkpoint,
)
from dmzwatch.store.evidence import chain

MAP = ["source_id=id", "date=day", "lon=x", "lat=y"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Key pairs of two parties: {party: (private key, public key)}."""
    folder = tmp_path_factory.mktemp("keys")
    return {party: create_keys(party, folder) for party in ("TR", "RU")}


def add_events(store: Store, folder: Path, first: int, count: int) -> None:
    """Ingest ``count`` new events (ids ``first`` on) of the source ``obs``: one entry each,
    between the ingest's ``ingest`` and ``ingest_finished`` entries (``count + 2`` in all)."""
    path = folder / f"events-{first}.csv"
    rows = [
        f"e{i},2018-11-{i % 28 + 1:02d},{36.5 + i / 100:.2f},35.40"
        for i in range(first, first + count)
    ]
    path.write_text("id,day,x,y\n" + "\n".join(rows) + "\n")
    result = ingest(store, path, mapping=parse_map_options(MAP, "obs"))
    assert result.stored == count


def add_notes(store: Store, first: int, count: int, text: str = "patrol report") -> None:
    """Append ``count`` entries that no table holds (checked by the chain alone)."""
    for i in range(first, first + count):
        store.log.append("note", str(i), {"text": f"{text} {i}"})


def truncate(store: Store, keep: int) -> None:
    """Remove every entry after ``keep`` and the events and ingests they record, as a forger
    would (an ingest whose finish is removed is made unfinished again)."""
    removed = "SELECT CAST(record_id AS INTEGER) FROM evidence WHERE kind = ? AND seq > ?"
    store.db.execute(f"DELETE FROM events WHERE id IN ({removed})", ("event", keep))
    store.db.execute(f"DELETE FROM ingests WHERE id IN ({removed})", ("ingest", keep))
    store.db.execute(
        "UPDATE ingests SET finished_at = NULL, read = 0, stored = 0, duplicates = 0, "
        f"quarantined = 0 WHERE id IN ({removed})",
        ("ingest_finished", keep),
    )
    store.db.execute("DELETE FROM evidence WHERE seq > ?", (keep,))


def rewrite(store: Store, seq: int, payload: dict[str, Any]) -> None:
    """Give entry ``seq`` (one no table holds) a new payload and re-chain every entry after it."""
    entries = store.log.entries(seq - 1)
    items = [(e.kind, e.record_id, payload if e.seq == seq else e.payload) for e in entries]
    for entry, (_, _, payload_json, prev, digest) in zip(
        entries, chain(entries[0].prev_hash, items), strict=True
    ):
        store.db.execute(
            "UPDATE evidence SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (payload_json, prev, digest, entry.seq),
        )


def signed(store: Store, key: Path, out: Path) -> dict[str, Any]:
    checkpoint = make_checkpoint(store, key)
    write_checkpoint(checkpoint, out)
    return checkpoint


def test_a_checkpoint_signs_the_verified_head(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    key = keys["TR"][0]
    with open_store(store_url) as store:
        add_events(store, tmp_path, 1, 5)
        result = verify(store)
        checkpoint = signed(store, key, tmp_path / "tr.checkpoint")
    assert result.ok and result.entries == 7 and result.head is not None
    assert {k: checkpoint[k] for k in ("format", "party", "entries", "head")} == {
        "format": FORMAT,
        "party": "TR",
        "entries": 7,
        "head": result.head,
    }
    made_at = dt.datetime.fromisoformat(checkpoint["made_at"])
    assert made_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - made_at) < dt.timedelta(hours=1)
    body = {k: v for k, v in checkpoint.items() if k != "signature"}
    private = load_private_key(key)
    assert checkpoint["public_key"] == raw_public_key(private.public_key())
    private.public_key().verify(  # raises when the signature does not cover the body
        base64.b64decode(checkpoint["signature"]), canonical_json(body).encode()
    )
    assert json.loads((tmp_path / "tr.checkpoint").read_text()) == checkpoint


def test_a_grown_log_is_intact_and_says_how_much_was_added(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    key, pub = keys["TR"]
    path = tmp_path / "tr.checkpoint"
    with open_store(store_url) as store:
        add_events(store, tmp_path, 1, 4)
        add_notes(store, 1, 1)
        checkpoint = signed(store, key, path)
        same = check_checkpoint(store, path, pub)
        add_events(store, tmp_path, 10, 3)
        add_notes(store, 2, 2)
        grown = check_checkpoint(store, path, pub)
        head = verify(store).head
    assert same.ok and same.entries == 7 and same.head == checkpoint["head"]
    assert same.checkpoint is not None and same.checkpoint.endswith("0 entries added since")
    assert grown.ok and grown.entries == 14 and grown.head == head != checkpoint["head"]
    assert grown.checkpoint == (
        f"matches the checkpoint signed by TR at {checkpoint['made_at']} "
        f"(7 entries, head {checkpoint['head'][:12]}); 7 entries added since"
    )
    assert head is not None
    assert str(grown).startswith(
        f"intact: 14 evidence entries, chain and records match, head {head[:12]};"
    )


@pytest.mark.parametrize("removed", [1, 4])
def test_truncation_is_found_though_plain_verify_passes(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]], removed: int
) -> None:
    """8 entries (the ingest, 6 events, its finish); remove its finish alone, or with the
    last 3 events."""
    key, pub = keys["TR"]
    path = tmp_path / "tr.checkpoint"
    with open_store(store_url) as store:
        add_events(store, tmp_path, 1, 6)
        checkpoint = signed(store, key, path)
        truncate(store, 8 - removed)
        plain = verify(store)
        result = check_checkpoint(store, path, pub)
        counts = store.counts()
    assert counts["events"] == 7 - removed
    assert plain.ok and plain.entries == 8 - removed  # the shorter chain is a valid chain
    assert not result.ok and result.entries == 8 - removed
    assert result.reason == (
        f"truncated: the checkpoint signed by TR at {checkpoint['made_at']} holds 8 entries, "
        f"the store has {8 - removed}"
    )
    assert result.record == ("evidence entry 8" if removed == 1 else "evidence entries 5-8")


def test_an_entry_rewritten_and_rechained_is_found(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    key, pub = keys["TR"]
    path = tmp_path / "tr.checkpoint"
    with open_store(store_url) as store:
        add_events(store, tmp_path, 1, 3)
        add_notes(store, 1, 3)
        checkpoint = signed(store, key, path)
        rewrite(store, 6, {"text": "nothing seen"})  # the first note
        plain = verify(store)
        result = check_checkpoint(store, path, pub)
        add_notes(store, 4, 2)  # a rewritten log that grew on is still rewritten
        later = check_checkpoint(store, path, pub)
    assert plain.ok and plain.entries == 8 and plain.head != checkpoint["head"]
    assert not result.ok and result.record == "evidence entry 8"
    assert result.reason == (
        f"rewritten: entry 8's hash differs from the checkpoint signed by TR at "
        f"{checkpoint['made_at']}"
    )
    assert not later.ok and later.entries == 10 and later.reason == result.reason


def test_truncated_then_refilled_is_a_rewrite(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    key, pub = keys["TR"]
    path = tmp_path / "tr.checkpoint"
    with open_store(store_url) as store:
        add_events(store, tmp_path, 1, 5)  # 7 entries
        signed(store, key, path)
        truncate(store, 4)  # the ingest and 3 events left
        add_events(store, tmp_path, 20, 4)  # other events in place of the removed ones
        assert verify(store).ok
        result = check_checkpoint(store, path, pub)
    assert not result.ok and result.entries == 10
    assert result.reason is not None and result.reason.startswith("rewritten: entry 7's hash")


def test_a_broken_store_is_not_signed_and_checks_as_broken(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    key, pub = keys["TR"]
    path = tmp_path / "tr.checkpoint"
    with open_store(store_url) as store:
        with pytest.raises(InputError, match="empty, nothing to checkpoint"):
            make_checkpoint(store, key)
        add_events(store, tmp_path, 1, 4)
        signed(store, key, path)
        store.db.execute("UPDATE events SET lat = lat + 0.01 WHERE id = 2")
        with pytest.raises(IntegrityError, match="event 2 ") as refused:
            make_checkpoint(store, key)
        result = check_checkpoint(store, path, pub)
    assert "does not match its evidence entry" in str(refused.value)
    assert not result.ok and str(result.record).startswith("event 2 ")


@pytest.fixture(scope="module")
def pinned(
    tmp_path_factory: pytest.TempPathFactory, keys: dict[str, tuple[Path, Path]]
) -> tuple[Path, Path]:
    """A SQLite store of 3 events and TR's checkpoint of it."""
    tmp = tmp_path_factory.mktemp("pinned")
    with open_store(tmp / "s.db") as store:
        add_events(store, tmp, 1, 3)
        signed(store, keys["TR"][0], tmp / "tr.checkpoint")
    return tmp / "s.db", tmp / "tr.checkpoint"


def _resign(doc: dict[str, Any], key: Path) -> None:
    """Sign ``doc`` again with ``key``: a checkpoint that party really made, of this body."""
    private = load_private_key(key)
    doc["public_key"] = raw_public_key(private.public_key())
    body = {k: v for k, v in doc.items() if k != "signature"}
    doc["signature"] = base64.b64encode(private.sign(canonical_json(body).encode())).decode()


FORGERIES: list[tuple[str, Callable[[dict[str, Any], dict[str, tuple[Path, Path]]], None], str]] = [
    ("fewer entries", lambda d, k: d.update(entries=2), "signature does not verify"),
    ("another head", lambda d, k: d.update(head="0" * 64), "signature does not verify"),
    ("another party", lambda d, k: d.update(party="RU"), "signature does not verify"),
    (
        "zero signature",
        lambda d, k: d.update(signature=base64.b64encode(b"\0" * 64).decode()),
        "signature does not verify",
    ),
    ("short signature", lambda d, k: d.update(signature="AAAA"), "signature does not verify"),
    ("RU's key named", lambda d, k: _resign(d, k["RU"][0]), "other than the trusted one"),
    ("no signature", lambda d, k: d.pop("signature"), "not a dmzwatch checkpoint"),
    ("signature not base64", lambda d, k: d.update(signature="%%"), "not a dmzwatch checkpoint"),
    ("a bundle", lambda d, k: d.update(format="dmzwatch-bundle/1"), "not a dmzwatch-checkpoint/1"),
    (
        "TR's key, RU named",  # TR's own statement, made in RU's name
        lambda d, k: (d.update(party="RU"), _resign(d, k["TR"][0])),
        r"signed with the key of TR \(.*TR\.pub\) but says it was made by party 'RU'",
    ),
    (
        "signed, of the wrong shape",
        lambda d, k: (d.update(entries="all"), _resign(d, k["TR"][0])),
        "wrong shape",
    ),
]


@pytest.mark.parametrize(("name", "change", "message"), FORGERIES, ids=[f[0] for f in FORGERIES])
def test_forged_or_untrusted_checkpoints_are_refused(
    tmp_path: Path,
    keys: dict[str, tuple[Path, Path]],
    pinned: tuple[Path, Path],
    name: str,
    change: Callable[[dict[str, Any], dict[str, tuple[Path, Path]]], None],
    message: str,
) -> None:
    db, path = pinned
    doc = json.loads(path.read_text())
    change(doc, keys)
    forged = tmp_path / "forged.checkpoint"
    forged.write_text(json.dumps(doc))
    with open_store(db) as store, pytest.raises(InputError, match=message) as refused:
        check_checkpoint(store, forged, keys["TR"][1])
    assert str(forged) in str(refused.value), name


def test_a_checkpoint_is_checked_against_the_trusted_key_only(
    tmp_path: Path, keys: dict[str, tuple[Path, Path]], pinned: tuple[Path, Path]
) -> None:
    db, path = pinned
    with open_store(db) as store:
        assert check_checkpoint(store, path, keys["TR"][1]).ok
        with pytest.raises(InputError, match="key other than the trusted one") as refused:
            check_checkpoint(store, path, keys["RU"][1])
        assert str(path) in str(refused.value) and str(keys["RU"][1]) in str(refused.value)
        with pytest.raises(InputError, match="cannot read the checkpoint"):
            check_checkpoint(store, tmp_path / "missing.checkpoint", keys["TR"][1])
        (tmp_path / "not.json").write_text("{")
        with pytest.raises(InputError, match="not a dmzwatch checkpoint"):
            check_checkpoint(store, tmp_path / "not.json", keys["TR"][1])
        with pytest.raises(InputError, match="cannot read the public key"):
            check_checkpoint(store, path, tmp_path / "missing.pub")


@pytest.fixture(scope="module")
def base(
    tmp_path_factory: pytest.TempPathFactory, keys: dict[str, tuple[Path, Path]]
) -> tuple[Path, Path]:
    """A SQLite store of an ingest of 4 events and 4 notes (10 entries: the ingest, the
    events, its finish, the notes) and TR's checkpoint of it."""
    tmp = tmp_path_factory.mktemp("base")
    with open_store(tmp / "s.db") as store:
        add_events(store, tmp, 1, 4)
        add_notes(store, 1, 4)
        signed(store, keys["TR"][0], tmp / "tr.checkpoint")
    return tmp / "s.db", tmp / "tr.checkpoint"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    removed=st.integers(0, 10),
    added=st.integers(0, 5),
    rewritten=st.one_of(st.none(), st.integers(7, 10)),
)
def test_only_a_log_that_still_holds_the_checkpoint_passes(
    tmp_path_factory: pytest.TempPathFactory,
    keys: dict[str, tuple[Path, Path]],
    base: tuple[Path, Path],
    removed: int,
    added: int,
    rewritten: int | None,
) -> None:
    """Remove the newest entries (and their events), rewrite a note that is left and re-chain,
    append new entries: plain verify passes every time; the checkpoint passes exactly when
    nothing was removed or rewritten, and names truncation when the log is shorter."""
    db = tmp_path_factory.mktemp("case") / "s.db"
    shutil.copy(base[0], db)
    kept = 10 - removed
    with open_store(db) as store:
        truncate(store, kept)
        if rewritten is not None and rewritten > kept:
            rewritten = None  # that entry is gone
        if rewritten is not None:
            rewrite(store, rewritten, {"text": "rewritten"})
        add_notes(store, 100, added, text="later report")
        plain = verify(store)
        result = check_checkpoint(store, base[1], keys["TR"][1])
    assert plain.ok and plain.entries == kept + added
    assert result.entries == kept + added
    if removed == 0 and rewritten is None:
        assert result.ok and str(result.checkpoint).endswith(
            f"{added} {'entry' if added == 1 else 'entries'} added since"
        )
    elif kept + added < 10:
        assert not result.ok and str(result.reason).startswith("truncated: ")
    else:
        assert not result.ok and result.reason is not None
        assert result.reason.startswith("rewritten: entry 10's hash differs")


def test_an_event_altered_and_logged_again_after_the_checkpoint_is_found(
    store_url: str, tmp_path: Path, keys: dict[str, tuple[Path, Path]]
) -> None:
    """The forger leaves every pinned entry alone: it alters an event (and its content hash)
    and appends a new entry for it. The chain and the checkpoint hold (one entry added
    since); the event still answers to its first entry."""
    from dmzwatch.events.model import event_hash
    from dmzwatch.store.store import EVENT_FIELDS, hashed_from_stored

    key, pub = keys["TR"]
    path = tmp_path / "tr.checkpoint"
    with open_store(store_url) as store:
        add_events(store, tmp_path, 1, 3)
        signed(store, key, path)
        row = store.db.query(f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE id = 2")[0]
        values = hashed_from_stored(row)
        values[16] = 40  # fatalities_best
        forged = event_hash(values)
        store.db.execute(
            "UPDATE events SET fatalities_best = 40, content_hash = ? WHERE id = 2", (forged,)
        )
        (entry,) = [e for e in store.log.entries() if (e.kind, e.record_id) == ("event", "2")]
        store.log.append("event", "2", {**entry.payload, "content_hash": forged})
        result = check_checkpoint(store, path, pub)
    assert not result.ok and str(result.record).startswith("event 2 ")
    assert result.reason == "stored content does not match its evidence entry (altered)"
