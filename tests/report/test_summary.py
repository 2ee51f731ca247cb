"""Band summaries: area and population per band."""

from __future__ import annotations

import dmzwatch
from dmzwatch.report.summary import band_summary


def test_summary_counts_places_once_and_by_band(idlib: dmzwatch.Scenario) -> None:
    rows = band_summary(idlib)
    assert [(r.zone, r.band) for r in rows] == [("dmz", "core"), ("dmz", "fringe")]
    result = idlib.classify_places()
    assert sum(len(r.places) for r in rows) == int((result.zone != "").sum())
    core = rows[0]
    assert "Murak" in [p.name for p in core.places]
    assert core.population_known == sum(p.population for p in core.places)
    assert core.places_unknown == sum(p.population == 0 for p in core.places)
    assert abs(core.area_km2 - idlib.bands[0].area_km2) < 1e-9


def test_a_scenario_without_places(minsk: dmzwatch.Scenario) -> None:
    rows = band_summary(minsk)
    assert len(rows) == 4 and all(r.places == () for r in rows)
