"""The store on both backends: the real UCDP file ingests fully, re-ingest changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import dmzwatch
from dmzwatch.store import ingest, open_store, verify

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


@pytest.fixture(scope="module")
def syria() -> object:
    scenario = dmzwatch.load_scenario("idlib-2018")
    return scenario.agreement.areas[scenario.agreement.territory or "syria"].geometry


def test_real_ucdp_file_ingests_fully_and_reingest_stores_nothing(
    store_url: str, syria: object
) -> None:
    with open_store(store_url) as store:
        first = ingest(store, UCDP, territory=syria)
        assert (first.read, first.stored, first.duplicates, first.quarantined) == (1475, 1475, 0, 0)
        assert first.warnings == 15  # low/best/high out of order in the source, stored as given
        again = ingest(store, UCDP, territory=syria)
        assert (again.read, again.stored, again.duplicates, again.quarantined) == (1475, 0, 1475, 0)
        assert store.counts() == {"events": 1475, "quarantine": 0, "links": 0, "evidence": 1475}
        assert verify(store).ok
        events = dict(store.events())
    assert len(events) == 1475
    first_event = next(iter(events.values()))
    assert first_event.start.tzinfo is not None
    assert first_event.original["id"] == first_event.source_id
