"""JSON events to event columns: every item accounted for, whatever it holds."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dmzwatch.api.intake import FIELDS, intake

from .conftest import event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
field_values = st.one_of(
    json_values,
    st.sampled_from(["2018-11-24T09:30:00+03:00", "2018-11-24", "weapon_sighting", "T-72", ""]),
    st.floats(min_value=-200, max_value=200),
)
items = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from([*FIELDS, "extra"]), field_values, max_size=len(FIELDS) + 1),
    st.builds(lambda n: event(n), st.integers(0, 5)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(items, max_size=12))
def test_every_item_is_a_row_or_has_problems(batch: list[Any]) -> None:
    out = intake(batch, party="TR", token_id="tok_x")
    rows = [i for idx in out.index.values() for i in idx]
    assert sorted(rows + list(out.problems)) == list(range(len(batch)))
    assert not set(rows) & set(out.problems)
    for source, cols in out.columns.items():
        assert len(cols) == len(out.index[source])
        assert all(p for p in out.problems.values())


def test_a_valid_event_keeps_what_was_posted_and_who_posted_it() -> None:
    out = intake([event(7, fatalities=3, precision_km=2)], party="TR", token_id="tok_1")
    cols = out.columns["TR-OP-3"]
    assert cols.source_id.tolist() == ["obs-7"]
    assert cols.best.tolist() == [3.0] and cols.precision_km.tolist() == [2.0]
    assert cols.equipment_class.tolist() == ["tank"] and not cols.equipment_inferred[0]
    assert cols.actors.tolist() == ["NFL"]
    assert '"submitted_by":{"party":"TR","token":"tok_1"}' in cols.original[0]


def test_precision_defaults_and_times_convert_to_utc() -> None:
    out = intake([event(1, precision_km=None, time="2018-11-24T00:30:00+03:00")])
    cols = out.columns["TR-OP-3"]
    assert cols.precision_km.tolist() == [1.0]
    assert str(cols.start[0]) == "2018-11-23T21:30:00" and cols.start[0] == cols.end[0]


def test_types_are_checked_per_field() -> None:
    out = intake([event(1, count=1.5, fatalities=True, lon="36.6", actor=["a"])])
    reasons = {p.field: p.reason for p in out.problems[0]}
    assert reasons == {
        "count": "must be a whole number",
        "fatalities": "must be a whole number",
        "lon": "must be a number",
        "actor": "must be a string",
    }


def test_events_of_several_sources_are_grouped() -> None:
    out = intake([event(1), event(2, source="RU-MP-2"), event(3)])
    assert out.index == {"TR-OP-3": [0, 2], "RU-MP-2": [1]}


def test_sizes_are_bounded() -> None:
    out = intake(
        [
            event(1, count=2**70),
            event(2, fatalities=2**63),
            event(3, lon=10**400),
            event(4, source_id="x" * 201),
            event(5, precision_km=1e308),
        ]
    )
    assert sorted(out.problems) == [0, 1, 2, 3, 4]
    assert out.problems[3][0].reason == "longer than 200 characters"
    assert out.problems[0][0].reason == "must be at most 1e+06 in size"
