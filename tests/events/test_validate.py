"""Validation: swapped coordinates, ranges, dates, duplicates; every problem collected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import dmzwatch
from dmzwatch.events.readers import parse_map_options, read
from dmzwatch.events.validate import SeenIds, validate


@pytest.fixture(scope="module")
def syria() -> object:
    s = dmzwatch.load_scenario("idlib-2018")
    return s.agreement.areas[s.agreement.territory or "syria"].geometry


def test_every_problem_of_a_row_is_collected(tmp_path: Path, syria: object) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "id,day,lon,lat,dead\n"
        "ok,2018-10-20,36.70,35.40,1\n"
        "swap,2018-10-20,35.40,36.70,1\n"
        "range,2018-10-20,200,-95,1\n"
        "future,2999-01-01,36.7,35.4,-3\n"
        ",,,,x\n",
        encoding="utf-8",
    )
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=lon", "lat=lat", "fatalities=dead"]
    )
    cols = next(iter(read(path, "csv", mapping))).columns
    now = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    found = {(p.index, p.field, p.reason) for p in validate(cols, territory=syria, now=now)}
    assert not any(i == 0 for i, _, _ in found)
    assert (1, "lat,lon", "latitude and longitude look swapped") in found
    assert (2, "lon", "longitude outside [-180, 180]") in found
    assert (2, "lat", "latitude outside [-90, 90]") in found
    assert (3, "day", "date is in the future") in found
    assert (3, "dead", "must not be negative") in found
    reasons_4 = {(f, r) for i, f, r in found if i == 4}
    assert {
        ("id", "required field is missing"),
        ("day", "required field is missing"),
        ("lon", "required field is missing"),
        ("dead", "not a whole number"),
    } <= reasons_4


def test_seen_ids_across_batches() -> None:
    seen = SeenIds()
    assert seen.check(["a"], ["h"], [2]) == ([], [])
    repeats, problems = seen.check(["a", "a"], ["h", "other"], [9, 10])
    assert repeats == [0]
    assert problems[0].index == 1 and "first at line 2" in problems[0].reason
