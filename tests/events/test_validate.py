"""Validation: swapped coordinates, ranges, dates, duplicates; every problem collected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import dmzwatch
from dmzwatch.events.readers import parse_map_options, read
from dmzwatch.events.validate import REASONS, SeenIds, validate


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


def _acled_dates(tmp_path: Path, *dates: str) -> Path:
    from dmzwatch.events.readers import acled

    lines = [",".join(acled.COLUMNS)]
    for i, day in enumerate(dates):
        row = dict.fromkeys(acled.COLUMNS, "")
        row.update(
            event_id_cnty=f"SYR{i}",
            event_date=day,
            time_precision="1",
            event_type="Battles",
            latitude="35.44",
            longitude="36.50",
            geo_precision="1",
        )
        lines.append(",".join(row.values()))
    path = tmp_path / "acled.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_event_dated_today_is_not_in_the_future(tmp_path: Path) -> None:
    path = _acled_dates(
        tmp_path, "2019-05-01", "01 May 2019", "2019-04-30", "2019-05-02", "02 May 2019", ""
    )
    cols = next(iter(read(path))).columns
    for hour in (0, 10, 23):  # any time of that day, UTC
        now = dt.datetime(2019, 5, 1, hour, tzinfo=dt.UTC)
        found = [(p.index, p.field, p.value, p.reason) for p in validate(cols, now=now)]
        # tomorrow is in the future, told once for the one column that gives start and end
        assert found == [
            (3, "event_date", "2019-05-02", "date is in the future"),
            (4, "event_date", "2019-05-02", "date is in the future"),
            (5, "event_date", "", "required field is missing"),
        ]


def test_a_range_ending_in_the_future_names_its_end_day(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "id,first,last,lon,lat\nr1,2019-04-20,2019-05-01,36.7,35.4\n"
        "r2,2019-04-20,2019-05-03,36.7,35.4\nr3,2019-04-20,2019-04-19,36.7,35.4\n",
        encoding="utf-8",
    )
    mapping = parse_map_options(
        ["source_id=id", "date_start=first", "date_end=last", "lon=lon", "lat=lat"]
    )
    cols = next(iter(read(path, "csv", mapping))).columns
    now = dt.datetime(2019, 5, 1, 8, tzinfo=dt.UTC)
    found = [(p.index, p.field, p.value, p.reason) for p in validate(cols, now=now)]
    assert found == [
        (1, "last", "2019-05-03", "date is in the future"),
        (2, "last", "2019-04-19", "end date is before start date"),
    ]


def test_a_nul_character_in_a_text_field_is_refused_by_field(tmp_path: Path) -> None:
    path = tmp_path / "monitor.csv"
    good = b"".join(b"g%d,2018-10-20,36.70,35.40,fine,a\n" % i for i in range(200))
    path.write_bytes(  # past the first 4 kB, where a NUL refuses the whole file
        b"id,day,x,y,note,unit\n"
        + good
        + b"r2,2018-10-20,36.70,35.40,bad\x00note,b\n"
        + b"r\x003,2018-10-20,36.70,35.40,fine,c\x00d\n"
    )
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "text=note", "actors=unit"]
    )
    cols = next(iter(read(path, "csv", mapping))).columns
    found = [(p.index, p.field) for p in validate(cols)]
    assert found == [(200, "note"), (201, "id"), (201, "unit")]
    assert {p.reason for p in validate(cols)} == {REASONS["nul"]}
