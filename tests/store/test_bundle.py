"""Signed bundles: verified before merging, forged or altered ones refused, twice is once."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

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
