"""Duty strips and their sectors."""

from __future__ import annotations

import pytest
import shapely

import dmzwatch
from dmzwatch.agreement.model import Side
from dmzwatch.errors import InputError
from dmzwatch.patrol.sectors import MAX_SECTORS, cut_sectors, duty_areas


def test_idlib_duties_patrol_their_own_sides(idlib: dmzwatch.Scenario) -> None:
    tr, ru = duty_areas(idlib, idlib.agreement.patrols)
    assert (tr.side, ru.side) == (Side.LEFT, Side.RIGHT)
    dmz = idlib.zones[0].local
    # the opposition-held side: the demilitarized zone itself
    assert abs(tr.strip.area - dmz.area) < 1e-4 * dmz.area
    # the government-held side: a strip as deep as the zone, outside it
    assert ru.depth_km == 20.0
    assert shapely.intersection(ru.strip, dmz).area < 1e-4 * dmz.area
    assert ru.strip.area > 0.5 * dmz.area
    assert shapely.intersection(ru.region, tr.strip).area < 1e-4 * dmz.area


def test_sectors_partition_the_strip_and_face_each_other(idlib: dmzwatch.Scenario) -> None:
    tr, ru = duty_areas(idlib, idlib.agreement.patrols)
    tr_sectors, ru_sectors = cut_sectors(tr, idlib, 5.0), cut_sectors(ru, idlib, 5.0)
    for area, sectors in ((tr, tr_sectors), (ru, ru_sectors)):
        total = sum(s.local.area for s in sectors)
        assert abs(total - area.strip.area) < 0.002 * area.strip.area
        union = shapely.union_all([s.local for s in sectors])
        assert abs(union.area - total) < 1e-6 * total  # no overlaps
        for s in sectors:
            assert s.local.contains(shapely.Point(s.access))
            assert s.end_km - s.start_km <= 5.0 + 1e-9
    facing = {s.index for s in tr_sectors} & {s.index for s in ru_sectors}
    assert len(facing) >= 40


def test_sector_length_is_configurable(m4: dmzwatch.Scenario) -> None:
    (area,) = duty_areas(m4, m4.agreement.patrols)
    five, two = cut_sectors(area, m4, 5.0), cut_sectors(area, m4, 2.5)
    assert len(two) >= 2 * len(five) - 1
    assert [s.index for s in two] == sorted(s.index for s in two)


def test_a_sector_length_that_would_cut_too_many_sectors_is_refused(
    m4: dmzwatch.Scenario,
) -> None:
    (area,) = duty_areas(m4, m4.agreement.patrols)
    with pytest.raises(InputError, match=r"would cut [\d,]+ sectors .* at most 2,000: give at"):
        cut_sectors(area, m4, 0.001)
    assert len(cut_sectors(area, m4, 0.1)) <= MAX_SECTORS
