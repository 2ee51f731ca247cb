"""Probable-duplicate links listed with both events, on both backends."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import numpy as np
from hypothesis import given, settings

from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import ingest, open_store
from dmzwatch.store.links import (
    _arrays,
    _by_source,
    _pairs,
    link_events_after,
    link_new_events,
    linked_pairs,
)
from dmzwatch.store.store import Store

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """Three real UCDP rows, and observer reports: one at a real event, one far from all."""
    with UCDP.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        real = [next(reader) for _ in range(3)]
    ged = tmp_path / "ged.csv"
    with ged.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(real[0]))
        writer.writeheader()
        writer.writerows(real)
    obs = tmp_path / "obs.csv"
    seen = real[1]
    obs.write_text(
        "id,day,x,y,deaths\n"
        f"o1,{seen['date_start'][:10]},{seen['longitude']},{seen['latitude']},{seen['best']}\n"
        f"o2,{seen['date_start'][:10]},38.9,34.1,{seen['best']}\n",
        encoding="utf-8",
    )
    return ged, obs


def test_links_list_both_events_the_reason_and_filter(store_url: str, tmp_path: Path) -> None:
    ged, obs = _files(tmp_path)
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=deaths"], "observers"
    )
    with open_store(store_url) as store:
        ingest(store, ged)
        result = ingest(store, obs, mapping=mapping)
        pairs = linked_pairs(store)
        ids = {e.source_id: i for i, e in store.events()}
        of_o1 = linked_pairs(store, event_id=ids["o1"])
        of_o2 = linked_pairs(store, event_id=ids["o2"])
        by_source = linked_pairs(store, source="observers")
        none = linked_pairs(store, source="nobody")
        stored = store.links()
    assert len(pairs) == result.linked == len(stored) >= 1
    assert [p["id"] for p in pairs] == [s["id"] for s in stored]
    for p in pairs:
        assert {p["a"]["source"], p["b"]["source"]} == {"ucdp", "observers"}
        assert p["event_a"] < p["event_b"]
        assert p["reason"]["distance_km"] <= p["reason"]["limit_km"]
        assert ids[p["a"]["source_id"]] == p["event_a"] and ids[p["b"]["source_id"]] == p["event_b"]
    exact = [p for p in of_o1 if p["a"]["source_id"] == "263090"]
    assert exact and exact[0]["reason"]["distance_km"] == 0.0
    assert exact[0]["a"]["lon"] == exact[0]["b"]["lon"] and exact[0]["a"]["text"]
    assert of_o2 == [] and by_source == pairs and none == []


def _relayed(store: Store, tmp_path: Path) -> int:
    """Stores as a bundle relaying two sources would leave them: an observers' report, then
    UCDP events and two more reports (one a copy of the first under a new id). Returns the
    id of the last event stored before the relayed ones."""
    ged, obs = _files(tmp_path)
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=deaths"], "observers"
    )
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    head, o1, o2 = obs.read_text(encoding="utf-8").splitlines()
    first.write_text(f"{head}\n{o1}\n", encoding="utf-8")
    second.write_text(f"{head}\n{o1.replace('o1,', 'o3,', 1)}\n{o2}\n", encoding="utf-8")
    ingest(store, first, mapping=mapping)
    after = max(i for i, _ in store.events())
    ingest(store, ged)
    ingest(store, second, mapping=mapping)
    return after


def test_events_after_of_several_sources_link_to_each_other_and_to_stored_ones(
    store_url: str, tmp_path: Path
) -> None:
    """As merged from a bundle that relays two sources: the new UCDP events are linked to
    the observers' report stored before them, and to the observers' report that came with
    them, though the store holds no third source."""
    with open_store(store_url) as store:
        after = _relayed(store, tmp_path)
        expected = {(p["event_a"], p["event_b"]) for p in linked_pairs(store)}
        store.db.execute("DELETE FROM links")
        made = link_events_after(store, after)
        again = {(p["event_a"], p["event_b"]) for p in linked_pairs(store)}
        ids = {e.source_id: i for i, e in store.events()}
    assert made == len(again) == len(expected)
    assert again == expected
    assert (min(ids["263090"], ids["o1"]), max(ids["263090"], ids["o1"])) in again
    assert (ids["263090"], ids["o3"]) in again


def test_events_after_of_two_sources_are_read_once(store_url: str, tmp_path: Path) -> None:
    """A bundle of two sources: the candidate events are read in one query, each row once,
    and split per source in memory; the links are those the store had."""
    with open_store(store_url) as store:
        after = _relayed(store, tmp_path)
        expected = [(p["event_a"], p["event_b"], p["reason"]) for p in linked_pairs(store)]
        total = store.counts()["events"]
        store.db.execute("DELETE FROM links")
        reads: list[int] = []  # rows returned by each query that reads event rows
        query = store.db.query

        def counted(text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            rows = query(text, params)
            if "start_time" in text:
                reads.append(len(rows))
            return rows

        store.db.query = counted  # type: ignore[method-assign]
        made = link_events_after(store, after)
        bundle_reads = list(reads)
        # one ingest's events (one source): those events, then the other sources' events
        reads.clear()
        last = int(store.db.scalar("SELECT MAX(ingest_id) FROM events"))
        link_new_events(store, last, sources=["observers"])
        store.db.query = query  # type: ignore[method-assign]
        again = [(p["event_a"], p["event_b"], p["reason"]) for p in linked_pairs(store)]
    assert total == 6 and made == len(expected) >= 2
    assert bundle_reads == [total]
    assert reads == [2, 3]
    assert sorted(again) == sorted(expected)  # (links of the ingests were made in 2 steps)


_T0 = np.datetime64("2018-11-01T00:00:00", "s")


@st.composite
def _events(draw: st.DrawFn) -> tuple[list[tuple[object, ...]], list[bool]]:
    """Rows as the store returns them (by id), close enough in time and place to link."""
    n = draw(st.integers(1, 14))
    rows: list[tuple[object, ...]] = []
    new: list[bool] = []
    for i in range(n):
        start = _T0 + np.timedelta64(draw(st.integers(0, 6)) * 43_200, "s")
        end = start + np.timedelta64(draw(st.integers(0, 3)) * 86_400, "s")
        best = draw(st.one_of(st.none(), st.integers(0, 30)))
        low = draw(st.one_of(st.none(), st.integers(0, 30)))
        rows.append(
            (
                i + 1,
                draw(st.sampled_from(["acled", "observers", "ucdp"])),
                str(start),
                str(end),
                draw(st.sampled_from([0, 1, 2])),
                36.6 + draw(st.integers(0, 40)) * 0.001,
                35.4 + draw(st.integers(0, 40)) * 0.001,
                draw(st.sampled_from([0.0, 0.5, 2.0])),
                best,
                low,
                None if low is None else low + draw(st.integers(0, 10)),
            )
        )
        new.append(draw(st.booleans()))
    return rows, new


@given(_events())
@settings(max_examples=200, deadline=None)
def test_splitting_in_memory_links_as_pairing_each_source_alone(
    drawn: tuple[list[tuple[object, ...]], list[bool]],
) -> None:
    """The split of all events per source finds the pairs of selecting each source's new
    events and the other sources' events apart, with the same reasons, in the same order."""
    rows, new = drawn
    sources = sorted({str(r[1]) for r, n in zip(rows, new, strict=True) if n})
    expected: dict[tuple[int, int], dict[str, object]] = {}
    for source in sources:  # as the store was asked, one source at a time
        mine = [r for r, n in zip(rows, new, strict=True) if n and r[1] == source]
        others = [r for r in rows if r[1] != source]
        if mine and others:
            for a, b, reason in _pairs(_arrays(mine), _arrays(others)):
                expected.setdefault((a, b), reason)
    found = _by_source(_arrays(rows), np.array(new, dtype=bool), sources)
    assert list(found.items()) == list(expected.items())


def test_links_of_an_id_or_source_no_backend_can_hold_are_none(
    store_url: str, tmp_path: Path
) -> None:
    ged, obs = _files(tmp_path)
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=deaths"], "observers"
    )
    with open_store(store_url) as store:
        ingest(store, ged)
        ingest(store, obs, mapping=mapping)
        assert linked_pairs(store, source="observers")
        assert linked_pairs(store, event_id=2**63) == []
        assert linked_pairs(store, event_id=-(2**70)) == []
        assert linked_pairs(store, source="observers\x00") == []
