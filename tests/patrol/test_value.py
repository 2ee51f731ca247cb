"""Sector values: decayed history, exposed population, priorities."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.patrol.sectors import Sector, cut_sectors, duty_areas
from dmzwatch.patrol.value import HistoryRecord, Priority, ValueWeights, sector_values


@pytest.fixture(scope="module")
def sectors(m4: dmzwatch.Scenario) -> tuple[Sector, ...]:
    return cut_sectors(duty_areas(m4, m4.agreement.patrols)[0], m4, 5.0)


def _centre(m4: dmzwatch.Scenario, sector: Sector) -> tuple[float, float]:
    lon, lat = m4.projection.inverse([sector.access[0]], [sector.access[1]])
    return float(lon[0]), float(lat[0])


def test_recent_history_weighs_more(m4: dmzwatch.Scenario, sectors: tuple[Sector, ...]) -> None:
    day = dt.date(2020, 3, 1)
    old = HistoryRecord(*_centre(m4, sectors[2]), day - dt.timedelta(days=360))
    new = HistoryRecord(*_centre(m4, sectors[5]), day)
    future = HistoryRecord(*_centre(m4, sectors[7]), day + dt.timedelta(days=1))
    w = ValueWeights(half_life_days=180, population=0.0)
    v = sector_values(sectors, m4.projection, history=[old, new, future], as_of=day, weights=w)
    assert v[5].history == pytest.approx(4 * v[2].history)  # two half-lives apart
    assert v[7].records == 0  # after as_of: ignored
    assert v[5].value == pytest.approx(w.floor + w.history)
    assert v[2].value == pytest.approx(w.floor + w.history / 4)
    assert min(x.value for x in v) == pytest.approx(w.floor)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 4000))
def test_only_relative_ages_matter(shift: int) -> None:
    m4 = dmzwatch.load_scenario("idlib-m4-2020")
    secs = cut_sectors(duty_areas(m4, m4.agreement.patrols)[0], m4, 5.0)
    day = dt.date(2020, 3, 1)
    recs = [HistoryRecord(*_centre(m4, secs[i]), day - dt.timedelta(days=30 * i)) for i in range(6)]
    base = sector_values(secs, m4.projection, history=recs, as_of=day)
    later = sector_values(secs, m4.projection, history=recs, as_of=day + dt.timedelta(days=shift))
    assert [round(a.value, 9) for a in base] == [round(b.value, 9) for b in later]


def test_population_and_priorities(m4: dmzwatch.Scenario, sectors: tuple[Sector, ...]) -> None:
    plain = sector_values(sectors, m4.projection)
    peopled = sector_values(sectors, m4.projection, places=m4.places)
    ariha = next(p for p in m4.places if p.name == "Ariha")
    x, y = m4.projection.forward([ariha.lon], [ariha.lat])
    here = next(i for i, s in enumerate(sectors) if s.local.contains(shapely.Point(x[0], y[0])))
    alone = sector_values(sectors, m4.projection, places=[ariha])
    pop = ariha.population or ValueWeights().unknown_population  # 0 means unknown
    assert alone[here].population == pytest.approx(pop)  # inside: undiscounted
    for i, v in enumerate(alone):
        d_km = shapely.distance(sectors[i].local, shapely.Point(x[0], y[0])) / 1000
        assert v.population == pytest.approx(pop * math.exp(-d_km / 3.0) * (d_km < 15))
    assert all(p.value >= q.value for p, q in zip(peopled, plain, strict=True))
    prio = Priority("Ariha", shapely.Point(x[0], y[0]), 3.0, 2.0)
    boosted = sector_values(sectors, m4.projection, priorities=[prio])
    assert boosted[here].priority > 0
    assert boosted[here].value > plain[here].value
    assert boosted[0].priority == 0.0
