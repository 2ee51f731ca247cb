"""Whole-column casts give what the value-by-value checks give, or step aside for them."""

from __future__ import annotations

import datetime as dt

import hypothesis.strategies as st
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings

from dmzwatch.events.readers import _arrow
from dmzwatch.events.readers._arrow import Converter, joined, strip

numbers = st.one_of(
    st.from_regex(r"[-+]?\d{0,5}(\.\d{0,4})?([eE][-+]?\d{1,3})?", fullmatch=True),
    st.sampled_from(["nan", "inf", "-inf", "0x1A", " 1", "1 ", "", ".", "1e400", "-0", "+5"]),
    st.floats(allow_nan=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
)
days = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
    st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True),
    st.sampled_from(["2019-02-29", "2019-1-01", " 2019-01-01", "0000-01-01", "1 May 2019"]),
)


def _both(convert: object, values: list[str]) -> tuple[object, ...]:
    arr = pa.array(values, type=pa.string())
    fast = Converter(len(values))
    got = convert(fast, arr)  # type: ignore[operator]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_arrow, "_cast_numbers", lambda *a: None)
        m.setattr(_arrow, "_cast_days", lambda *a: None)
        slow = Converter(len(values))
        want = convert(slow, arr)  # type: ignore[operator]
    return got, want, fast.problems, slow.problems


@settings(max_examples=150, deadline=None)
@given(values=st.lists(numbers, max_size=20), integer=st.booleans())
def test_number_casts_match_the_checks(values: list[str], integer: bool) -> None:
    got, want, p1, p2 = _both(lambda c, a: c.floats(a, "x", integer=integer), values)
    np.testing.assert_array_equal(got, want)  # type: ignore[arg-type]
    assert p1 == p2


@settings(max_examples=150, deadline=None)
@given(values=st.lists(days, max_size=20))
def test_day_casts_match_the_checks(values: list[str]) -> None:
    got, want, p1, p2 = _both(lambda c, a: c.dates(a, "d"), values)
    np.testing.assert_array_equal(got, want)  # type: ignore[arg-type]
    assert p1 == p2


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=10))
def test_strip_and_join_match_python(parts: list[tuple[str, str]]) -> None:
    a = strip(pa.array([p[0] for p in parts], type=pa.string()), len(parts))
    b = strip(pa.array([p[1] for p in parts], type=pa.string()), len(parts))
    assert a.to_pylist() == [p[0].strip() for p in parts]
    expected = ["; ".join(x.strip() for x in p if x.strip()) for p in parts]
    assert (joined([a, b]).to_pylist() if parts else []) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
    st.sampled_from(["T", " "]),
)
def test_a_time_with_its_offset_is_that_utc_instant(
    when: dt.datetime, minutes: int, sep: str
) -> None:
    local = when.replace(microsecond=0, tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    text = local.isoformat(sep=sep)
    conv = Converter(1)
    values, instant = conv.times(pa.array([text]), "date")
    assert conv.problems == []
    assert instant.tolist() == [True]
    expected = local.astimezone(dt.UTC).replace(tzinfo=None)
    assert values[0] == np.datetime64(expected, "s")


def test_times_keep_days_as_days_and_refuse_a_time_without_offset() -> None:
    values = ["2019-05-01", "2019-05-01 00:00:00", "2019-05-01T10:00Z", "2019-05-01 10:00", ""]
    values += ["2019-13-01T10:00+03:00"]
    conv = Converter(len(values))
    out, instant = conv.times(pa.array(values), "date")
    assert instant.tolist() == [False, False, True, False, False, False]
    day = np.datetime64("2019-05-01T00:00:00", "s")
    assert out[:3].tolist() == [day, day, np.datetime64("2019-05-01T10:00:00", "s")]
    assert np.isnat(out[3:]).all()
    assert [(p.index, p.value, p.reason) for p in conv.problems] == [
        (3, "2019-05-01 10:00", "time without a UTC offset (add Z or +HH:MM)"),
        (5, "2019-13-01T10:00+03:00", "not a date (expected YYYY-MM-DD)"),
    ]
