"""Signed bundles: verified before merging, forged or altered ones refused, twice is once."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from dmzwatch.errors import BundleError, InputError
from dmzwatch.store import ingest, open_store, verify
from dmzwatch.store.bundle import check_bundle, create_keys, export_bundle, import_bundle

from .conftest import observer_report

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("bundle")
    key, pub = create_keys("TR", tmp / "keys")
    with open_store(tmp / "tr.db") as store:
        ingest(store, UCDP)
        count = export_bundle(
            store, key, tmp / "tr.bundle", since=__import__("datetime").date(2019, 11, 1)
        )
    assert 0 < count < 1475
    _, other_pub = create_keys("RU", tmp / "keys")
    return tmp / "tr.bundle", pub, other_pub


def test_import_verifies_merges_and_twice_changes_nothing(
    store_url: str, bundle: tuple[Path, Path, Path]
) -> None:
    path, pub, _ = bundle
    with open_store(store_url) as store:
        first = import_bundle(store, path, pub)
        assert first.merged == first.records > 0 and not first.already_imported
        counts = store.counts()
        second = import_bundle(store, path, pub)
        assert second.merged == 0 and second.already_imported
        assert store.counts() == counts
        assert verify(store).ok


def test_merged_events_are_logged_as_from_no_ingest_and_line(
    store_url: str, bundle: tuple[Path, Path, Path]
) -> None:
    path, pub, _ = bundle
    with open_store(store_url) as store:
        import_bundle(store, path, pub)
        logged = [e for e in store.log.entries() if e.kind == "event"]
        first = int(logged[0].record_id)
        store.db.execute("UPDATE events SET ingest_id = 1, line = 2 WHERE id = ?", (first,))
        result = verify(store)
    assert logged and all(
        (e.payload["ingest"], e.payload["line"], e.payload["party"]) == (None, None, "TR")
        for e in logged
    )
    assert not result.ok and str(result.record).startswith(f"event {first} ")
    assert result.reason == "its ingest_id, line differ from its evidence entry (altered)"


def _rewrite(path: Path, out: Path, change: object) -> Path:
    data = json.loads(path.read_text())
    change(data)  # type: ignore[operator]
    out.write_text(json.dumps(data))
    return out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["body"]["records"][0].update(fatalities_best=99), "signature does not verify"),
        (lambda b: b["body"]["records"].pop(1), "signature does not verify"),
        (lambda b: b["body"]["records"].reverse(), "signature does not verify"),
        (
            lambda b: b.update(signature=base64.b64encode(b"\0" * 64).decode()),
            "signature does not verify",
        ),
        (
            lambda b: b["body"].update(public_key=base64.b64encode(b"\1" * 32).decode()),
            "do not trust",
        ),
        (lambda b: b.pop("signature"), "not a dmzwatch bundle"),
    ],
)
def test_forged_or_altered_bundles_are_refused(
    tmp_path: Path, bundle: tuple[Path, Path, Path], change: object, message: str
) -> None:
    path, pub, _ = bundle
    forged = _rewrite(path, tmp_path / "forged.bundle", change)
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(BundleError, match=message):
            import_bundle(store, forged, pub)
        assert store.counts()["events"] == 0


def test_a_bundle_signed_by_another_party_is_refused(
    tmp_path: Path, bundle: tuple[Path, Path, Path]
) -> None:
    path, _, other_pub = bundle
    with open_store(tmp_path / "s.db") as store, pytest.raises(BundleError, match="do not trust"):
        import_bundle(store, path, other_pub)


def test_forged_by_the_wrong_key_with_a_valid_chain(
    tmp_path: Path, bundle: tuple[Path, Path, Path]
) -> None:
    path, pub, _ = bundle
    key, _ = create_keys("XX", tmp_path / "k")
    data = json.loads(path.read_text())
    data["body"]["public_key"] = json.loads(path.read_text())["body"]["public_key"]
    from cryptography.hazmat.primitives import serialization

    from dmzwatch.events.model import canonical_json

    forger = serialization.load_pem_private_key(key.read_bytes(), password=None)
    data["signature"] = base64.b64encode(
        forger.sign(canonical_json(data["body"]).encode())
    ).decode()  # type: ignore[union-attr]
    forged = tmp_path / "f.bundle"
    forged.write_text(json.dumps(data))
    with open_store(tmp_path / "s.db") as store, pytest.raises(BundleError, match="forged"):
        import_bundle(store, forged, pub)


def test_merged_events_are_linked_to_other_sources(
    store_url: str, bundle: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    path, pub, _ = bundle
    record = json.loads(path.read_text())["body"]["records"][0]
    # the same event, reported by a monitor's own source before the bundle arrives
    feature = {
        "type": "Feature",
        "id": "m1",
        "geometry": {"type": "Point", "coordinates": [record["lon"] + 0.01, record["lat"]]},
        "properties": {"date_start": record["start_time"][:10], "kind": "strike"},
    }
    own = tmp_path / "own.geojson"
    own.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with open_store(store_url) as store:
        ingest(store, own)
        assert store.counts()["links"] == 0
        import_bundle(store, path, pub)
        links = store.db.query("SELECT reason FROM links")
        assert links, "the merged copy of the event was not linked"
        assert all("different sources" in json.loads(r)["rule"] for (r,) in links)
        assert verify(store).ok


def test_unreadable_inputs_and_outputs_are_named_errors(
    tmp_path: Path, bundle: tuple[Path, Path, Path]
) -> None:
    _, pub, _ = bundle
    with pytest.raises(InputError, match=r"cannot read the bundle .*missing\.bundle"):
        check_bundle(tmp_path / "missing.bundle", pub)
    with pytest.raises(InputError, match="cannot read the bundle"):
        check_bundle(tmp_path, pub)  # a folder
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match=r"cannot make the key folder .*file"):
        create_keys("XX", tmp_path / "file")
    key, _ = create_keys("XX", tmp_path / "k")
    with open_store(tmp_path / "s.db") as store, pytest.raises(InputError, match="cannot write"):
        export_bundle(store, key, tmp_path)  # a folder as --out


def test_a_signed_bundle_of_malformed_records_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from dmzwatch.events.model import canonical_json
    from dmzwatch.store.bundle import FORMAT, raw_public_key

    key, pub = create_keys("XX", tmp_path / "k")
    signer = serialization.load_pem_private_key(key.read_bytes(), password=None)
    body = {
        "format": FORMAT,
        "party": "XX",
        "public_key": raw_public_key(signer.public_key()),  # type: ignore[arg-type]
        "records": [{"source": "a"}],
        "chain": [],
        "head": "",
    }
    signature = signer.sign(canonical_json(body).encode())  # type: ignore[union-attr]
    path = tmp_path / "odd.bundle"
    path.write_text(json.dumps({"body": body, "signature": base64.b64encode(signature).decode()}))
    with pytest.raises(BundleError, match="malformed records"):
        check_bundle(path, pub)


def _pairs(store: object) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    from dmzwatch.store.links import linked_pairs

    return {
        (
            (p["a"]["source"], p["a"]["source_id"]),
            (p["b"]["source"], p["b"]["source_id"]),
        )
        for p in linked_pairs(store)  # type: ignore[arg-type]
    }


def test_a_relayed_bundle_of_two_sources_is_linked_like_its_sender(
    store_url: str, tmp_path: Path
) -> None:
    """TR holds UCDP events and RU's reports (merged earlier) and re-exports them all; the
    receiver links the two sources of the one bundle as the sender did."""
    with UCDP.open(encoding="utf-8", newline="") as fh:
        rows = [next(fh) for _ in range(4)]  # header and three events
    ged = tmp_path / "ged.csv"
    ged.write_text("".join(rows), encoding="utf-8")
    with ged.open(encoding="utf-8", newline="") as fh:
        seen = list(__import__("csv").DictReader(fh))[1]
    obs, mapping = observer_report(tmp_path, seen)
    key, pub = create_keys("TR", tmp_path / "keys")
    with open_store(tmp_path / "tr.db") as sender:
        ingest(sender, ged)
        ingest(sender, obs, mapping=mapping)
        sent = _pairs(sender)
        export_bundle(sender, key, tmp_path / "tr.bundle")
    assert (("ucdp", seen["id"]), ("observers", "o1")) in sent
    with open_store(store_url) as receiver:
        result = import_bundle(receiver, tmp_path / "tr.bundle", pub)
        assert result.merged == 4
        assert _pairs(receiver) == sent
        assert verify(receiver).ok


# -- a small bundle, for attacks on its bytes, its claims and its records ---------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """TR's bundle of 3 UCDP events, TR's private key and TR's public key."""
    tmp = tmp_path_factory.mktemp("small")
    key, pub = create_keys("TR", tmp / "keys")
    with UCDP.open(encoding="utf-8", newline="") as fh:
        rows = [next(fh) for _ in range(4)]
    ged = tmp / "ged.csv"
    ged.write_text("".join(rows), encoding="utf-8")
    with open_store(tmp / "tr.db") as store:
        ingest(store, ged)
        assert export_bundle(store, key, tmp / "tr.bundle") == 3
    return tmp / "tr.bundle", key, pub


def _signed(path: Path, key: Path, out: Path, change: object) -> Path:
    """``path``'s bundle changed by ``change(body)``, with chain, head and signature made
    again by the holder of ``key``: a bundle that party really signed."""
    from dmzwatch.events.model import canonical_json
    from dmzwatch.store.bundle import GENESIS, chain, load_private_key

    data = json.loads(path.read_text())
    body = data["body"]
    change(body)  # type: ignore[operator]
    links = chain(
        GENESIS, [("event", f"{r['source']}/{r['source_id']}", r) for r in body["records"]]
    )
    body["chain"] = [link[4] for link in links]
    body["head"] = links[-1][4] if links else GENESIS
    signature = load_private_key(key).sign(canonical_json(body).encode())
    out.write_text(
        canonical_json({"body": body, "signature": base64.b64encode(signature).decode()})
    )
    return out


def test_a_bundle_that_claims_another_party_is_refused(
    tmp_path: Path, small: tuple[Path, Path, Path]
) -> None:
    """TR signs a bundle saying it is RU's: trusting TR's key must not log RU as the party."""
    path, key, pub = small
    claim = _signed(path, key, tmp_path / "claim.bundle", lambda b: b.update(party="RU"))
    with pytest.raises(BundleError, match=r"signed with the key of TR .* from party 'RU'"):
        check_bundle(claim, pub)
    assert check_bundle(path, pub).body["party"] == "TR"


def _hashed(change: object) -> object:
    """``change`` applied to the first record, whose content hash is then made again."""
    from dmzwatch.events.model import event_hash, sha256_hex
    from dmzwatch.store.store import EVENT_FIELDS

    def apply(body: dict[str, object]) -> None:
        record = body["records"][0]  # type: ignore[index]
        change(record)  # type: ignore[operator]
        record["original_hash"] = sha256_hex(record["original"])
        record["content_hash"] = event_hash([record[f] for f in EVENT_FIELDS])

    return apply


UNSTORABLE = [
    ("a word for a longitude", lambda r: r.update(lon="east"), "could not convert"),
    ("an unknown kind", lambda r: r.update(kind="picnic"), "'picnic' is not a valid EventKind"),
    ("a whole number for a float", lambda r: r.update(lon=36), "its lon would not be stored"),
    ("a number for an id", lambda r: r.update(source_id=17), "its source_id is not text"),
    (
        "a time not in UTC",
        lambda r: r.update(start_time=r["start_time"].replace("+00:00", "+03:00")),
        "its start_time would not be stored",
    ),
    ("an original that is not JSON", lambda r: r.update(original="{"), "Expecting"),
    ("a count with a fraction", lambda r: r.update(fatalities_best=2.5), "fatalities_best"),
    ("a count past 64 bits", lambda r: r.update(fatalities_best=2**64), "too large"),
    ("a NUL in a text", lambda r: r.update(text="a\x00b"), "its text holds a NUL"),
]


@pytest.mark.parametrize(("name", "change", "message"), UNSTORABLE, ids=[u[0] for u in UNSTORABLE])
def test_a_signed_bundle_of_events_no_store_could_hold_is_refused(
    tmp_path: Path, small: tuple[Path, Path, Path], name: str, change: object, message: str
) -> None:
    """Signed by the trusted party (a faulty exporter), yet merged it would break every later
    reading of the store (``events``, ``verify``): refused, naming the record."""
    path, key, pub = small
    odd = _signed(path, key, tmp_path / "odd.bundle", _hashed(change))
    with pytest.raises(BundleError, match=r"record 1 .* not an event as a store holds it") as e:
        check_bundle(odd, pub)
    assert message in str(e.value), name


def test_a_damaged_file_is_refused_not_a_crash(
    tmp_path: Path, small: tuple[Path, Path, Path]
) -> None:
    path, _, pub = small
    text = path.read_text()
    cases = {
        "nan.bundle": text.replace('"lon":', '"lon":NaN,"x":', 1),
        "deep.bundle": "[" * 100_000,
        "truncated.bundle": text[: len(text) // 2],
    }
    for name, content in cases.items():
        (tmp_path / name).write_text(content)
        with pytest.raises(BundleError, match="not a dmzwatch bundle"):
            check_bundle(tmp_path / name, pub)
    (tmp_path / "latin.bundle").write_bytes(text.encode().replace(b'"body"', b'"b\xf6dy"'))
    with pytest.raises(BundleError, match="not UTF-8 text: byte 4 is damaged"):
        check_bundle(tmp_path / "latin.bundle", pub)


@settings(max_examples=60, deadline=None)
@given(where=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7))
def test_any_flipped_bit_is_refused(small: tuple[Path, Path, Path], where: float, bit: int) -> None:
    path, _, pub = small
    data = bytearray(path.read_bytes())
    data[int(where * len(data))] ^= 1 << bit
    flipped = path.with_name(f"flipped-{os.getpid()}.bundle")
    flipped.write_bytes(bytes(data))
    try:
        with pytest.raises(BundleError):
            check_bundle(flipped, pub)
    finally:
        flipped.unlink()


def test_the_same_bundle_laid_out_anew_is_the_same_bundle(
    store_url: str, tmp_path: Path, small: tuple[Path, Path, Path]
) -> None:
    """Pretty-printed on its way (the signature covers content, not layout): importing it
    after the original changes nothing and says so."""
    path, _, pub = small
    pretty = tmp_path / "pretty.bundle"
    pretty.write_text(json.dumps(json.loads(path.read_text()), indent=2, ensure_ascii=True))
    with open_store(store_url) as store:
        first = import_bundle(store, path, pub)
        counts = store.counts()
        again = import_bundle(store, pretty, pub)
        bundles = store.db.scalar("SELECT COUNT(*) FROM bundles")
        assert store.counts() == counts and verify(store).ok
    assert first.merged == 3 and again.already_imported and bundles == 1


def test_a_broken_store_is_not_exported(tmp_path: Path, small: tuple[Path, Path, Path]) -> None:
    """The party signs only what its intact log vouches for: an event altered by hand (with
    its content hash made to match) would otherwise go out signed, and pass the importer."""
    from dmzwatch.errors import IntegrityError

    path, key, pub = small
    with open_store(tmp_path / "s.db") as store:
        import_bundle(store, path, pub)
        store.db.execute("UPDATE events SET fatalities_best = 0 WHERE id = 2")
        with pytest.raises(IntegrityError, match="evidence log broken at event 2 "):
            export_bundle(store, key, tmp_path / "out.bundle")
    assert not (tmp_path / "out.bundle").exists()


# -- the bundles table is covered by the log ----------------------------------------------

BUNDLE_TAMPER = [
    ("party", "UPDATE bundles SET party = 'RU'", "its party differs from its evidence entry"),
    (
        "imported_at",
        "UPDATE bundles SET imported_at = '2018-09-17T00:00:00+00:00'",
        "its imported_at differs from its evidence entry",
    ),
    ("merged", "UPDATE bundles SET merged = 0", "its merged differs from its evidence entry"),
    ("removed", "DELETE FROM bundles", "its events' entries name it but the bundle is gone"),
    (
        "inserted",
        "INSERT INTO bundles (hash, party, imported_at, records, merged) "
        "VALUES ('ab', 'TR', '2999-01-01T00:00:00+00:00', 3, 0)",
        "has no evidence entry (inserted outside the log)",
    ),
]


@pytest.mark.parametrize(
    ("name", "sql", "reason"), BUNDLE_TAMPER, ids=[b[0] for b in BUNDLE_TAMPER]
)
def test_an_imported_bundle_is_covered_by_the_log(
    store_url: str, small: tuple[Path, Path, Path], name: str, sql: str, reason: str
) -> None:
    path, _, pub = small
    with open_store(store_url) as store:
        import_bundle(store, path, pub)
        digest = str(store.db.scalar("SELECT hash FROM bundles"))
        logged = [e for e in store.log.entries() if e.kind == "bundle"]
        store.db.execute(sql)
        result = verify(store)
    assert [(e.record_id, e.payload["party"], e.payload["merged"]) for e in logged] == [
        (digest, "TR", 3)
    ]
    assert not result.ok and result.reason is not None and result.reason.startswith(reason)
    assert result.record == f"bundle {'ab' if name == 'inserted' else digest}"


def test_bundles_imported_before_they_were_logged_still_verify(
    store_url: str, tmp_path: Path, small: tuple[Path, Path, Path]
) -> None:
    """A store whose bundles have no entry (imported before bundles were logged) verifies;
    their merged events must still be those the log names."""
    from dmzwatch.store import GENESIS
    from dmzwatch.store.evidence import chain

    path, _, pub = small
    with open_store(store_url) as store:
        import_bundle(store, path, pub)
        items = [
            (e.kind, e.record_id, e.payload) for e in store.log.entries() if e.kind != "bundle"
        ]
        store.db.execute("DELETE FROM evidence")
        store.db.executemany(
            "INSERT INTO evidence (seq, kind, record_id, payload, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(seq, *row) for seq, row in enumerate(chain(GENESIS, items), start=1)],
        )
        old = verify(store)
        store.db.execute("UPDATE bundles SET merged = 2")
        altered = verify(store)
    assert old.ok
    assert not altered.ok and str(altered.record).startswith("bundle ")
    assert altered.reason == (
        "its party or count differs from the entries of its merged events (altered)"
    )


# -- keys -------------------------------------------------------------------------------------


def test_keys_given_in_the_wrong_place_or_form_are_named(tmp_path: Path) -> None:
    import subprocess

    from dmzwatch.store.bundle import load_private_key, load_public_key

    key, pub = create_keys("TR", tmp_path)
    with pytest.raises(InputError, match=r"TR\.pub holds a public key: signing needs"):
        load_private_key(pub)
    with pytest.raises(InputError, match=r"TR\.key holds a private key: give the public key"):
        load_public_key(key)
    encrypted = tmp_path / "enc.key"
    subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(key),
            "-aes256",
            "-passout",
            "pass:x",
            "-out",
            str(encrypted),
        ],
        check=True,
    )
    encrypted.chmod(0o600)
    with pytest.raises(InputError, match="is encrypted with a password"):
        load_private_key(encrypted)
    with pytest.raises(InputError, match=r"cannot read the private key .*missing\.key"):
        load_private_key(tmp_path / "missing.key")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_private_key_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    from dmzwatch.store.bundle import load_private_key

    key, _ = create_keys("TR", tmp_path)
    assert load_private_key(key)
    key.chmod(mode)
    with pytest.raises(InputError, match=rf"\(mode {mode:o}\); make it private with `chmod 600"):
        load_private_key(key)
