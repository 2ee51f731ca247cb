"""The two backends give the same answers: one store built on SQLite and on PostgreSQL from
the real UCDP file, an ACLED export and an observers' CSV (refused rows, a corrected one,
probable duplicates across sources, Arabic names and emoji, a negative zero), then every
listing a user reads compared as JSON text (so 1 and 1.0, 0 and false, -0.0 and 0.0 differ).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import dmzwatch
from dmzwatch.events.model import EventKind
from dmzwatch.events.readers import acled, parse_map_options
from dmzwatch.rules.engine import Engine
from dmzwatch.store import Store, ingest, open_store, verify
from dmzwatch.store.findings import check_and_record, duplicate_map, stored_findings
from dmzwatch.store.links import linked_pairs
from dmzwatch.store.records import event_record, event_rows

from .conftest import PostgresServer

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")
OBS = parse_map_options(
    ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=deaths", "text=note"],
    "observers",
)
UTC = dt.UTC


def _files(folder: Path) -> list[tuple[Path, Any]]:
    """The files to ingest, in order, each with its column mapping (None: detected)."""
    with UCDP.open(encoding="utf-8", newline="") as fh:
        real = list(csv.DictReader(fh))
    rows = []
    for i, r in enumerate(real[:40]):  # the same attacks as reported by ACLED
        row = dict.fromkeys(acled.COLUMNS, "")
        row.update(
            event_id_cnty=f"SYR{1000 + i}",
            event_date=r["date_start"][:10],
            year=r["year"],
            time_precision="1",
            event_type="Explosions/Remote violence" if i % 3 else "Battles",
            sub_event_type="Shelling/artillery/missile attack",
            actor1="Military Forces of Syria",
            actor2="Civilians (Syria)",
            country="Syria",
            location="كفر نبودة",
            latitude=r["latitude"],
            longitude=r["longitude"],
            geo_precision=str(1 + i % 3),
            notes=f"Shelling with tanks near {r['where_coordinates']} 🚀",
            fatalities=r["best"],
        )
        rows.append(row)
    rows.append({**rows[0], "event_id_cnty": "SYR9001", "latitude": "north"})
    rows.append({**rows[1], "event_id_cnty": "SYR9002", "event_date": "someday"})
    export = folder / "acled.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(acled.COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    obs = ["id,day,x,y,deaths,note,who"]
    for i, r in enumerate(real[10:40]):
        obs.append(
            f"o{i},{r['date_start'][:10]},{r['longitude']},{r['latitude']},{r['best']},"
            f"قصف على سراقب {i} 😀,Observer ☂"
        )
    obs += [
        "o0,2018-10-21,36.7,35.4,1,the same id with other content,",
        "late,someday,36.7,35.4,1,a date to fix,",
        "far,2018-10-20,36.7,north,,a place to fix,",
        "zero,2018-10-20,-0.0,35.4,0,on the meridian,",
        "tie1,2018-10-20,36.1,35.1,3,one of three at the same time,",
        "tie2,2018-10-20,36.2,35.2,3,one of three at the same time,",
        "tie3,2018-10-20,36.3,35.3,3,one of three at the same time,",
        "big,2018-10-20,36.123456789012345,35.000000000000004,9007199254740993,many digits,",
    ]
    first = folder / "obs.csv"
    first.write_text("\n".join(obs) + "\n", encoding="utf-8")
    fix = folder / "fix.csv"
    fix.write_text(
        "id,day,x,y,deaths,note,who\nlate,2018-10-22,36.7,35.4,1,a date fixed,\n", encoding="utf-8"
    )
    return [(UCDP, None), (export, None), (first, OBS), (fix, OBS)]


def _ingest_row(row: dict[str, Any]) -> dict[str, Any]:
    """An ingest as listed, its times replaced by whether they are set (they differ)."""
    return {**row, "started_at": bool(row["started_at"]), "finished_at": bool(row["finished_at"])}


def _record(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """One event in full; the ingest's start time and the entry's hash (which covers that
    time) replaced by whether they are there."""
    if record is None:
        return None
    ingest_ = record["provenance"]["ingest"]
    if ingest_ is not None:
        ingest_ = {**ingest_, "started_at": bool(ingest_["started_at"])}
    evidence = record["evidence"]
    if evidence is not None:
        evidence = {"seq": evidence["seq"], "hash": len(evidence["hash"])}
    return {
        **record,
        "provenance": {**record["provenance"], "ingest": ingest_},
        "evidence": evidence,
    }


def _views(store: Store, files: list[tuple[Path, Any]]) -> dict[str, Any]:
    """Everything a user reads from the store, by name."""
    scenario = dmzwatch.load_scenario("idlib-2018")
    syria = scenario.agreement.areas[scenario.agreement.territory or "syria"].geometry
    views: dict[str, Any] = {}
    for k, (path, mapping) in enumerate(files):
        done = ingest(store, path, mapping=mapping, territory=None if mapping else syria)
        views[f"ingest {k}"] = {**done.as_dict(), "file": path.name}
    views["counts"] = store.counts()
    views["ingests"] = [_ingest_row(i) for i in store.ingests()]
    lists: dict[str, Callable[[], Any]] = {
        "events": lambda: event_rows(store),
        "events none": lambda: event_rows(store, limit=0),
        "events since": lambda: event_rows(store, since=dt.datetime(2018, 10, 20, tzinfo=UTC)),
        "events until": lambda: event_rows(
            store, until=dt.datetime(2018, 10, 20, 23, 59, 59, tzinfo=UTC)
        ),
        "events on a day, given in UTC+3": lambda: event_rows(
            store,
            since=dt.datetime(2018, 10, 20, 3, tzinfo=dt.timezone(dt.timedelta(hours=3))),
            until=dt.datetime(2018, 10, 21, 2, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=3))),
        ),
        "events past the end": lambda: event_rows(store, offset=10_000),
        "quarantine": store.quarantined,
        "quarantine open": lambda: store.quarantined(open_only=True),
        "quarantine of observers": lambda: store.quarantined(source="observers"),
        "quarantine of obs.csv": lambda: store.quarantined(file="obs.csv"),
        "quarantine by reason": lambda: store.quarantined(reason="NOT A"),
        "links": store.links,
        "linked pairs": lambda: linked_pairs(store),
        "linked pairs of acled": lambda: linked_pairs(store, source="acled"),
        "events read": lambda: [(i, repr(e)) for i, e in store.events()],
        "events read since": lambda: [i for i, _ in store.events(dt.date(2018, 10, 20))],
        "verify": lambda: str(verify(store)).split(", head")[0],
    }
    for source in ("ucdp", "acled", "observers", "Observers"):
        lists[f"events of {source}"] = lambda s=source: event_rows(store, source=s)
    for kind in [k.value for k in EventKind] + ["STRIKE"]:
        lists[f"events of kind {kind}"] = lambda k=kind: event_rows(store, kind=k)
    for iid in range(1, len(files) + 2):
        lists[f"events of ingest {iid}"] = lambda i=iid: event_rows(store, ingest_id=i)
        lists[f"quarantine of ingest {iid}"] = lambda i=iid: store.quarantined(ingest_id=i)
    for offset in range(0, 1700, 97):
        lists[f"events page at {offset}"] = lambda o=offset: event_rows(store, limit=97, offset=o)
    views.update({name: read() for name, read in lists.items()})
    total = views["counts"]["events"]
    views["records"] = [_record(event_record(store, i)) for i in range(total + 2)]
    linked = sorted({p["event_a"] for p in views["links"]})[:5]
    views["linked pairs of events"] = [linked_pairs(store, event_id=i) for i in linked]
    run = check_and_record(store, Engine(scenario))
    views["check"] = [len(run.events), len(run.findings), run.recorded]
    views["findings"] = [repr(f) for f in stored_findings(store)]
    views["findings stored"] = store.db.query(
        "SELECT id, revision, finding_id, agreement, rule, verdict, first_day, payload, "
        "evidence_seq, status FROM findings ORDER BY id"
    )
    views["same events"] = duplicate_map(store)
    return views


@pytest.fixture(scope="module")
def both(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("parity")
    files = _files(folder)
    out = {}
    for backend, url in (("sqlite", str(folder / "store.db")), ("postgis", postgres.create_db())):
        with open_store(url) as store:
            out[backend] = _views(store, files)
    return out


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def test_the_store_holds_what_a_parity_check_needs(both: dict[str, dict[str, Any]]) -> None:
    """Refused rows open and corrected, links across sources, ties in time, odd values."""
    views = both["sqlite"]
    assert views["counts"]["links"] > 0 and views["verify"].startswith("intact")
    statuses = {q["corrected_by"] is None for q in views["quarantine"]}
    assert statuses == {True, False} and len(views["quarantine open"]) < len(views["quarantine"])
    assert {s for p in views["linked pairs"] for s in p["reason"]["sources"]} == {
        "ucdp",
        "acled",
        "observers",
    }
    _, rows = views["events"]
    starts = [r["start_time"] for r in rows]
    assert len(starts) > len(set(starts))  # events at the same time: ordered by id
    shown = {r["source_id"]: r for r in rows}
    assert "سراقب" in shown["o1"]["text"] and "😀" in shown["o1"]["text"]
    assert _text(shown["zero"]["lon"]) == "0.0"
    assert views["findings"], "no findings to compare"


def test_every_listing_is_the_same_on_both_backends(both: dict[str, dict[str, Any]]) -> None:
    lite, pg = both["sqlite"], both["postgis"]
    assert sorted(lite) == sorted(pg)
    differ = [name for name in lite if _text(lite[name]) != _text(pg[name])]
    assert differ == [], {name: (_text(lite[name])[:300], _text(pg[name])[:300]) for name in differ}
