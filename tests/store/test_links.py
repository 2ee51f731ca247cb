"""Probable-duplicate links listed with both events, on both backends."""

from __future__ import annotations

import csv
from pathlib import Path

from dmzwatch.events.readers import parse_map_options
from dmzwatch.store import ingest, open_store
from dmzwatch.store.links import linked_pairs

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


def test_events_after_of_several_sources_link_to_each_other_and_to_stored_ones(
    store_url: str, tmp_path: Path
) -> None:
    """As merged from a bundle that relays two sources: the new UCDP events are linked to
    the observers' report stored before them, and to the observers' report that came with
    them, though the store holds no third source."""
    from dmzwatch.store.links import link_events_after

    ged, obs = _files(tmp_path)
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "fatalities=deaths"], "observers"
    )
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    head, o1, o2 = obs.read_text(encoding="utf-8").splitlines()
    first.write_text(f"{head}\n{o1}\n", encoding="utf-8")
    second.write_text(f"{head}\n{o1.replace('o1,', 'o3,', 1)}\n{o2}\n", encoding="utf-8")
    with open_store(store_url) as store:
        ingest(store, first, mapping=mapping)
        after = max(i for i, _ in store.events())
        ingest(store, ged)
        ingest(store, second, mapping=mapping)
        expected = {(p["event_a"], p["event_b"]) for p in linked_pairs(store)}
        store.db.execute("DELETE FROM links")
        made = link_events_after(store, after)
        again = {(p["event_a"], p["event_b"]) for p in linked_pairs(store)}
        ids = {e.source_id: i for i, e in store.events()}
    assert made == len(again) == len(expected)
    assert again == expected
    assert (min(ids["263090"], ids["o1"]), max(ids["263090"], ids["o1"])) in again
    assert (ids["263090"], ids["o3"]) in again
