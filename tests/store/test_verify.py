"""Provenance is evidence: which ingest, file and line a record came from, and each ingest's
file, times and counts, are checked against the log like content is; stores whose entries
predate that still verify."""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, assume, given, settings

from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import GENESIS, Store, ingest, open_store, verify
from dmzwatch.store.evidence import chain

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
OBS = parse_map_options(["source_id=id", "date=day", "lon=x", "lat=y"], "obs")
GOOD = ["a1,2018-10-20,36.7,35.4", "a2,2018-10-21,36.6,35.5", "a3,2018-10-22,36.5,35.6"]
BAD = "z1,2018-10-20,36.7,not-a-number"


def _file(path: Path, rows: list[str]) -> Path:
    path.write_text("id,day,x,y\n" + "".join(r + "\n" for r in rows))
    return path


def _two_ingests(store: Store, folder: Path) -> None:
    """Ingest 1: events 1-3 (lines 2-4), quarantine row 1 (line 5); ingest 2: event 4."""
    ingest(store, _file(folder / "a.csv", [*GOOD, BAD]), mapping=OBS)
    ingest(store, _file(folder / "b.csv", ["b1,2018-10-23,36.4,35.7"]), mapping=OBS)


def test_ingests_are_logged_and_new_entries_carry_provenance(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        entries = store.log.entries()
        ingests = store.ingests()
        assert verify(store).ok
    kinds = [e.kind for e in entries]
    assert kinds == [
        *["ingest", "event", "event", "event", "quarantine", "ingest_finished"],
        *["ingest", "event", "ingest_finished"],
    ]
    first = ingests[0]
    assert entries[0].record_id == entries[5].record_id == str(first["id"])
    assert entries[0].payload == {k: first[k] for k in ("file", "format", "source", "started_at")}
    assert entries[5].payload == {
        k: first[k] for k in ("finished_at", "read", "stored", "duplicates", "quarantined")
    }
    assert (first["read"], first["stored"], first["quarantined"]) == (4, 3, 1)
    assert [(e.payload["ingest"], e.payload["line"]) for e in entries[1:4]] == [
        (first["id"], 2),
        (first["id"], 3),
        (first["id"], 4),
    ]
    quarantined = entries[4].payload
    assert (
        quarantined["file"],
        quarantined["line"],
        quarantined["ingest"],
        quarantined["source_id"],
    ) == (str(tmp_path / "a.csv"), 5, first["id"], "z1")


TAMPER = [
    (
        "event line",
        "UPDATE events SET line = line + 1 WHERE id = 2",
        "event 2 ",
        "its line differs from its evidence entry (altered)",
    ),
    (
        "event ingest",
        "UPDATE events SET ingest_id = 2 WHERE id = 2",
        "event 2 ",
        "its ingest_id differs from its evidence entry (altered)",
    ),
    (
        "event moved to no ingest",
        "UPDATE events SET ingest_id = NULL, line = NULL WHERE id = 4",
        "event 4 ",
        "its ingest_id, line differ from its evidence entry (altered)",
    ),
    (
        "quarantine file",
        "UPDATE quarantine SET file = 'elsewhere.csv' WHERE id = 1",
        "quarantine row 1",
        "its file differs from its evidence entry (altered)",
    ),
    (
        "quarantine line",
        "UPDATE quarantine SET line = 9 WHERE id = 1",
        "quarantine row 1",
        "its line differs from its evidence entry (altered)",
    ),
    (
        "quarantine ingest",
        "UPDATE quarantine SET ingest_id = 2 WHERE id = 1",
        "quarantine row 1",
        "its ingest_id differs from its evidence entry (altered)",
    ),
    (
        "quarantine source id changed",  # would make the row look corrected by another event
        "UPDATE quarantine SET source_id = 'a2' WHERE id = 1",
        "quarantine row 1",
        "its source_id differs from its evidence entry (altered)",
    ),
    (
        "quarantine source id cleared",
        "UPDATE quarantine SET source_id = NULL WHERE id = 1",
        "quarantine row 1",
        "its source_id differs from its evidence entry (altered)",
    ),
    (
        "ingest file",
        "UPDATE ingests SET file = 'elsewhere.csv' WHERE id = 1",
        "ingest 1",
        "its file differs from its evidence entries (altered)",
    ),
    (
        "ingest format and source",
        "UPDATE ingests SET format = 'acled', source = 'acled' WHERE id = 2",
        "ingest 2",
        "its format, source differ from its evidence entries (altered)",
    ),
    (
        "ingest started_at",
        "UPDATE ingests SET started_at = '2018-09-17T00:00:00+00:00' WHERE id = 1",
        "ingest 1",
        "its started_at differs from its evidence entries (altered)",
    ),
    (
        "ingest counts",
        "UPDATE ingests SET stored = stored - 1, quarantined = quarantined + 1 WHERE id = 1",
        "ingest 1",
        "its stored, quarantined differ from its evidence entries (altered)",
    ),
    (
        "ingest finished_at",
        "UPDATE ingests SET finished_at = '2018-09-17T00:00:00+00:00' WHERE id = 2",
        "ingest 2",
        "its finished_at differs from its evidence entries (altered)",
    ),
    (
        "ingest unfinished",
        "UPDATE ingests SET finished_at = NULL WHERE id = 2",
        "ingest 2",
        "its finished_at differs from its evidence entries (altered)",
    ),
    (
        "ingest added by hand",
        "INSERT INTO ingests (file, format, source, started_at) "
        "VALUES ('c.csv', 'csv', 'obs', '2018-10-24T00:00:00+00:00')",
        "ingest 3",
        "has no evidence entry (inserted outside the log)",
    ),
    (
        "ingest removed",
        "DELETE FROM ingests WHERE id = 2",
        "ingest 2",
        "its evidence entry exists but the ingest is gone (removed)",
    ),
]


@pytest.mark.parametrize(("case", "sql", "record", "reason"), TAMPER, ids=[c[0] for c in TAMPER])
def test_altered_provenance_is_named(
    store_url: str, tmp_path: Path, case: str, sql: str, record: str, reason: str
) -> None:
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        assert verify(store).ok
        store.db.execute(sql)
        result = verify(store)
    assert not result.ok, case
    assert result.record is not None and (result.record + " ").startswith(record), result
    assert result.reason == reason


def test_an_ingest_the_log_never_finished_may_not_claim_counts(
    store_url: str, tmp_path: Path
) -> None:
    """An interrupted ingest (started, never finished) verifies; made to look finished, or
    given counts, it does not."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        killed = store.start_ingest(str(tmp_path / "c.csv"), "csv", "obs")
        assert verify(store).ok
        store.db.execute("UPDATE ingests SET read = 5 WHERE id = ?", (killed,))
        counted = verify(store)
        store.db.execute(
            "UPDATE ingests SET read = 0, finished_at = '2018-10-25T00:00:00+00:00' WHERE id = ?",
            (killed,),
        )
        finished = verify(store)
    assert not counted.ok and counted.record == f"ingest {killed}"
    assert counted.reason == "its read differs from its evidence entry (altered)"
    assert not finished.ok and finished.reason == (
        "its finished_at differs from its evidence entry (altered)"
    )


def _rechain(store: Store, items: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Replace the whole log by ``items``, chained from the start (as lower-level code would
    have written them)."""
    store.db.execute("DELETE FROM evidence")
    store.db.executemany(
        "INSERT INTO evidence (seq, kind, record_id, payload, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(seq, *row) for seq, row in enumerate(chain(GENESIS, items), start=1)],
    )


def _to_old_format(store: Store) -> None:
    """Rewrite the log as it was before provenance was logged: no ingest entries, event and
    quarantine entries without their provenance keys (and quarantine rows without the source
    id, which was not kept either)."""
    store.db.execute("UPDATE quarantine SET source_id = NULL")
    drop = {"event": ("ingest", "line"), "quarantine": ("file", "line", "ingest", "source_id")}
    _rechain(
        store,
        [
            (e.kind, e.record_id, {k: v for k, v in e.payload.items() if k not in drop[e.kind]})
            for e in store.log.entries()
            if e.kind in drop
        ],
    )


def test_an_old_format_store_still_verifies_and_new_ingests_are_logged(
    store_url: str, tmp_path: Path
) -> None:
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        _to_old_format(store)
        payloads = [e.payload for e in store.log.entries()]
        old = verify(store)
        # not covered by old entries: not checked (the log never said otherwise)
        store.db.execute("UPDATE ingests SET file = 'elsewhere.csv' WHERE id = 1")
        store.db.execute("UPDATE events SET line = 7 WHERE id = 1")
        unchecked = verify(store)
        # but an old quarantine row had no source id: one given to it is an alteration
        store.db.execute("UPDATE quarantine SET source_id = 'a1' WHERE id = 1")
        made_up = verify(store)
        store.db.execute("UPDATE quarantine SET source_id = NULL WHERE id = 1")
        ingest(store, _file(tmp_path / "c.csv", ["c1,2018-10-24,36.3,35.8"]), mapping=OBS)
        grown = verify(store)
        new = [e for e in store.log.entries() if e.seq > len(payloads)]
        store.db.execute(
            "INSERT INTO ingests (file, format, source, started_at) "
            "VALUES ('d.csv', 'csv', 'obs', '2018-10-25T00:00:00+00:00')"
        )
        added = verify(store)
    assert [sorted(p) for p in payloads] == [
        *[["content_hash", "source", "source_id"]] * 3,
        ["problems", "row_hash", "source"],
        ["content_hash", "source", "source_id"],
    ]
    assert old.ok and old.entries == 5 and unchecked.ok
    assert not made_up.ok and made_up.record == "quarantine row 1"
    assert made_up.reason == "its source_id differs from its evidence entry (altered)"
    assert grown.ok and [e.kind for e in new] == ["ingest", "event", "ingest_finished"]
    assert (new[0].record_id, new[1].payload["ingest"], new[1].payload["line"]) == ("3", 3, 2)
    assert not added.ok and added.record == "ingest 4"
    assert added.reason == "has no evidence entry (inserted outside the log)"


@pytest.mark.parametrize(("unlogged", "ok"), [(1, True), (2, False)])
def test_only_ingests_older_than_the_first_logged_one_may_lack_entries(
    store_url: str, tmp_path: Path, unlogged: int, ok: bool
) -> None:
    """Ingest 1 unlogged (made before ingests were logged): intact. Ingest 2 unlogged while
    ingest 1 is logged: inserted outside the log."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        _rechain(
            store,
            [
                (e.kind, e.record_id, e.payload)
                for e in store.log.entries()
                if not (e.kind.startswith("ingest") and e.record_id == str(unlogged))
            ],
        )
        result = verify(store)
    assert result.ok == ok
    if not ok:
        assert result.record == f"ingest {unlogged}"
        assert result.reason == "has no evidence entry (inserted outside the log)"


# -- a record is logged once, inside its ingest ---------------------------------------------


RELOGGED = [
    ("event", "2", "event"),
    ("quarantine", "1", "quarantine row"),
    ("ingest", "1", "ingest"),
    ("ingest_finished", "2", "ingest"),
]


@pytest.mark.parametrize(("kind", "record_id", "label"), RELOGGED, ids=[c[0] for c in RELOGGED])
def test_a_record_logged_a_second_time_is_named(
    store_url: str, tmp_path: Path, kind: str, record_id: str, label: str
) -> None:
    """Appending a second entry for a record (a valid chain, and an entry "added since" for a
    checkpoint) must not replace the first: the same payload again is a second entry."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        (first,) = [e for e in store.log.entries() if (e.kind, e.record_id) == (kind, record_id)]
        store.log.append(kind, record_id, first.payload)
        again = verify(store)
    assert not again.ok and again.record == f"evidence entry 10 ({kind} {record_id})"
    assert again.reason == (
        f"a second {kind} entry for {label} {record_id} (the first is entry {first.seq}): "
        "a record is logged once (inserted)"
    )


def test_an_event_altered_and_logged_again_is_named_as_altered(
    store_url: str, tmp_path: Path
) -> None:
    from dmzwatch.events.model import event_hash
    from dmzwatch.store.store import EVENT_FIELDS, hashed_from_stored

    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        row = store.db.query(f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE id = 2")[0]
        values = hashed_from_stored(row)
        values[8] += 0.5  # lat
        forged = event_hash(values)
        store.db.execute(
            "UPDATE events SET lat = ?, content_hash = ? WHERE id = 2", (values[8], forged)
        )
        (entry,) = [e for e in store.log.entries() if (e.kind, e.record_id) == ("event", "2")]
        store.log.append("event", "2", {**entry.payload, "content_hash": forged})
        result = verify(store)
    assert not result.ok and str(result.record).startswith("event 2 ")
    assert result.reason == "stored content does not match its evidence entry (altered)"


def test_records_logged_outside_their_ingest_are_named(store_url: str, tmp_path: Path) -> None:
    """A new event appended to the log (with its row) claiming an ingest that finished."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        store.log.append("event", "10", _forged_event(store))
        result = verify(store)
    assert not result.ok and result.record == "evidence entry 10 (event 10)"
    assert result.reason == "logged after its ingest 1 finished (entry 6) (inserted)"


def _forged_event(store: Store) -> dict[str, object]:
    """Event 10, a copy of event 1 with another id and line (row and content hash written);
    the payload its evidence entry would have."""
    store.db.execute(
        "INSERT INTO events SELECT 10, source, 'a9', kind, start_time, end_time, "
        "date_precision, date_precision_days, lon, lat, location_precision, precision_km, "
        "equipment_class, equipment_count, equipment_inferred, inferred_from, actors, "
        "fatalities_best, fatalities_low, fatalities_high, civilians, text, original, "
        "original_hash, content_hash, ingest_id, 9 FROM events WHERE id = 1"
    )
    (entry,) = [e for e in store.log.entries() if (e.kind, e.record_id) == ("event", "1")]
    store.db.execute(
        "UPDATE events SET content_hash = ? WHERE id = 10",
        (_content_hash(store, 10),),
    )
    return {**entry.payload, "source_id": "a9", "line": 9, "content_hash": _content_hash(store, 10)}


def _content_hash(store: Store, event_id: int) -> str:
    from dmzwatch.events.model import event_hash
    from dmzwatch.store.store import EVENT_FIELDS, hashed_from_stored

    row = store.db.query(f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE id = ?", (event_id,))
    return event_hash(hashed_from_stored(row[0]))


# -- any one change to any table is found, and named no later than where it was made --------


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding every kind of record: two ingests (events, a quarantined row, a
    probable-duplicate link), a bundle merged from another party and recorded findings."""
    import csv
    import json

    from dmzwatch import load_scenario
    from dmzwatch.rules.engine import Engine
    from dmzwatch.store.bundle import create_keys, export_bundle, import_bundle
    from dmzwatch.store.findings import check_and_record

    from .conftest import observer_report

    tmp = tmp_path_factory.mktemp("full")
    with UCDP.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["date_start"].startswith("2018-11")][:12]
    rows[3]["latitude"] = "oops"
    ged = tmp / "nov.csv"
    with ged.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    obs, mapping = observer_report(tmp, rows[5])
    key, pub = create_keys("RU", tmp / "keys")
    feature = {
        "type": "Feature",
        "id": "m1",
        "geometry": {"type": "Point", "coordinates": [36.6, 35.6]},
        "properties": {"date_start": "2018-11-05", "kind": "strike"},
    }
    own = tmp / "ru.geojson"
    own.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with open_store(tmp / "ru.db") as ru:
        ingest(ru, own)
        export_bundle(ru, key, tmp / "ru.bundle")
    db = tmp / "full.db"
    with open_store(db) as store:
        ingest(store, ged)
        ingest(store, obs, mapping=mapping)
        import_bundle(store, tmp / "ru.bundle", pub)
        assert check_and_record(store, Engine(load_scenario("idlib-2018"))).recorded.new > 0
        counts = store.counts()
        assert verify(store).ok
    assert counts["quarantine"] == 1 and counts["links"] >= 1
    return db


TABLES = ["events", "quarantine", "links", "findings", "ingests", "evidence", "bundles"]
_KEYS = {"evidence": "seq", "bundles": "hash"}
_UNCOVERED = {("findings", "id")}  # a row's own number: a finding is named by finding_id
_BY_ENTRY = "SELECT MAX(seq) FROM evidence WHERE kind = ? AND record_id = ?"


def _seq(conn: sqlite3.Connection, sql: str, *params: object) -> float:
    row = conn.execute(sql, params).fetchone()
    return math.inf if row is None or row[0] is None else float(row[0])


def _position(conn: sqlite3.Connection, record: str) -> float:
    """The sequence number of the (last) entry of a record named by verify (inf: none)."""
    if m := re.match(r"evidence entr(?:y|ies) (\d+)", record):
        return float(m[1])
    if m := re.match(r"(event|quarantine row|link|bundle) (\w+)", record):
        return _seq(conn, _BY_ENTRY, m[1].removesuffix(" row"), m[2])
    if m := re.match(r"ingest (\d+)", record):
        return _seq(
            conn, "SELECT MAX(seq) FROM evidence WHERE kind LIKE 'ingest%' AND record_id = ?", m[1]
        )
    if m := re.match(r"finding row (\d+)", record):
        return _seq(conn, "SELECT evidence_seq FROM findings WHERE id = ?", int(m[1]))
    if m := re.match(r"finding (\S+)", record):
        return _seq(conn, _BY_ENTRY, "finding", m[1])
    raise AssertionError(f"verify named an unknown record: {record}")


_LABEL = {"events": "event", "quarantine": "quarantine row", "links": "link", "ingests": "ingest"}
_LABEL |= {"findings": "finding row", "bundles": "bundle", "evidence": "evidence entry"}


def _changed(value: object, retype: bool) -> object:
    if retype:  # by hand, SQLite keeps text in a number column
        return "zz" if not isinstance(value, str) else 7.5
    if value is None:
        return 1
    if isinstance(value, int | float):
        return value + 1
    return f"{value}x"


# a forged row: a copy under a fresh key, with fresh values where a column is unique
_FRESH = {
    "id": "(SELECT MAX(id) + 1 FROM {table})",
    "hash": "'f' || hash",
    "source_id": "source_id || 'x'",
    "event_b": "event_b + 100",
    "row_hash": "'x' || row_hash",
}


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=st.sampled_from(TABLES),
    action=st.sampled_from(["alter", "retype", "delete", "copy", "swap"]),
    data=st.data(),
)
def test_any_change_to_any_table_is_named_at_or_before_it(
    full_store: Path,
    tmp_path_factory: pytest.TempPathFactory,
    table: str,
    action: str,
    data: st.DataObject,
) -> None:
    """Alter one value (keeping or changing its type), delete a row, insert a copy of a row
    under a new key, or swap two rows' contents: verify fails and names a record whose entry
    comes no later than the change (a forged row has no entry: it may be named last)."""
    db = tmp_path_factory.mktemp("m") / "s.db"
    shutil.copy(full_store, db)
    conn = sqlite3.connect(db)
    key = _KEYS.get(table, "id")
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    keys = [r[0] for r in conn.execute(f"SELECT {key} FROM {table} ORDER BY {key}")]
    row = data.draw(st.sampled_from(keys), label="row")
    where = f" WHERE {key} = ?"
    made_at = _position(conn, f"{_LABEL[table]} {row}")
    try:
        if action in ("alter", "retype"):
            column = data.draw(
                st.sampled_from([c for c in columns if (table, c) not in _UNCOVERED])
            )
            (value,) = conn.execute(f"SELECT {column} FROM {table}{where}", (row,)).fetchone()
            conn.execute(
                f"UPDATE {table} SET {column} = ?{where}",
                (_changed(value, action == "retype"), row),
            )
        elif action == "delete":
            conn.execute(f"DELETE FROM {table}{where}", (row,))
            if table == "evidence":  # the gap shows at the next entry (none: its record's)
                made_at = row + 1.0 if row < keys[-1] else math.inf
        elif action == "copy":
            assume(table != "evidence")  # an entry copied in breaks the chain: see swap
            picked = ", ".join(_FRESH.get(c, c).format(table=table) for c in columns)
            conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picked} FROM {table}{where}",
                (row,),
            )
            made_at = math.inf
        else:
            assume(table != "findings")  # rows that trade contents trade only their ids
            other = data.draw(st.sampled_from(keys), label="other")
            kept = [c for c in columns if c != key]
            select = f"SELECT {', '.join(kept)} FROM {table}{where}"
            a, b = (conn.execute(select, (k,)).fetchone() for k in (row, other))
            assume(a != b)
            made_at = max(made_at, _position(conn, f"{_LABEL[table]} {other}"))
            sets = ", ".join(f"{c} = ?" for c in kept)
            conn.execute(f"DELETE FROM {table}{where}", (row,))  # (unique columns)
            conn.execute(f"UPDATE {table} SET {sets}{where}", (*a, other))
            conn.execute(
                f"INSERT INTO {table} ({key}, {', '.join(kept)}) "
                f"VALUES (?, {', '.join('?' * len(kept))})",
                (row, *b),
            )
    except sqlite3.IntegrityError:  # a change the schema refuses (a key taken, a type)
        conn.close()
        assume(False)
    conn.commit()
    with open_store(db) as store:
        result = verify(store)
    assert not result.ok, (table, action, row)
    base = sqlite3.connect(full_store)
    named = _position(base, str(result.record))
    base.close()
    conn.close()
    assert named <= made_at, (table, action, row, result)


def test_an_event_entry_slipped_inside_a_finished_ingest_is_counted(
    store_url: str, tmp_path: Path
) -> None:
    """An event and its entry put among its ingest's entries, the chain rewritten from there:
    the ingest's finish entry counts fewer stored events than entries name it."""
    with open_store(store_url) as store:
        _two_ingests(store, tmp_path)
        payload = _forged_event(store)
        entries = store.log.entries()
        finished = next(e for e in entries if (e.kind, e.record_id) == ("ingest_finished", "1"))
        tail = [e for e in entries if e.seq >= finished.seq]
        store.db.execute("DELETE FROM evidence WHERE seq >= ?", (finished.seq,))
        store.log.append("event", "10", payload)  # the forged entry, inside ingest 1
        for e in tail:  # the rest of the log, re-chained after it
            store.log.append(e.kind, e.record_id, e.payload)
        result = verify(store)
    assert not result.ok and result.record == "ingest 1"
    assert result.reason == (
        "its finish entry counts 3 stored events, but 4 event entries name it (inserted or altered)"
    )
