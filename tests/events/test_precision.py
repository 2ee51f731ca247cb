"""Precision tables: every code of each source maps to a positive radius or slack."""

from __future__ import annotations

import pytest

from dmzwatch.events.precision import TABLES, UCDP_LOCATION, lookup


def test_tables_are_complete_and_ordered() -> None:
    assert list(UCDP_LOCATION) == ["1", "2", "3", "4", "5", "6", "7"]
    for (source, what), table in TABLES.items():
        assert table, (source, what)
        values = [p.value for p in table.values()]
        assert all(v >= 0 for v in values)
        if what == "date":
            assert values == sorted(values)


def test_lookup_names_the_options() -> None:
    assert lookup("acled", "location", " 3 ").value == 50.0
    with pytest.raises(KeyError, match="expected one of: 1, 2, 3"):
        lookup("acled", "location", "4")
