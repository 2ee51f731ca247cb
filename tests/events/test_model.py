"""The event value object: aware times, kinds that list their options, a content hash."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from dmzwatch.events.model import Event, EventKind, canonical_json, event_hash

T0 = dt.datetime(2019, 5, 6, tzinfo=dt.UTC)


def make(**changes: object) -> Event:
    values: dict[str, object] = {
        "source": "test",
        "source_id": "1",
        "kind": EventKind.STRIKE,
        "start": T0,
        "end": T0 + dt.timedelta(hours=23),
        "lon": 36.6,
        "lat": 35.4,
        "original": {"id": "1"},
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def test_event_is_frozen_and_slotted() -> None:
    event = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.lon = 1.0  # type: ignore[misc]
    assert not hasattr(event, "__dict__")


def test_naive_times_and_reversed_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make(start=dt.datetime(2019, 5, 6))
    with pytest.raises(ValueError, match="before it starts"):
        make(end=T0 - dt.timedelta(days=1))


def test_kind_parse_error_lists_the_options() -> None:
    assert EventKind.parse("Weapon sighting") is EventKind.WEAPON_SIGHTING
    with pytest.raises(ValueError) as info:
        EventKind.parse("picnic")
    for kind in EventKind:
        assert kind.value in str(info.value)


def test_content_hash_covers_fields_and_original() -> None:
    base = make()
    assert base.content_hash == event_hash(base.hashed_values())
    assert make(lat=35.41).content_hash != base.content_hash
    assert make(original={"id": "2"}).content_hash != base.content_hash
    assert make().content_hash == base.content_hash


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": [1, "x"], "a": None}) == '{"a":null,"b":[1,"x"]}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
