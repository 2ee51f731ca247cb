"""Every TOML example in docs/agreements.md loads as printed, and the output shown is real.

Examples are ```toml blocks whose first line is a marker: ``# example: complete`` (a whole
agreement that must load and build its zones) or ``# example: invalid`` (the file whose
validation errors the guide shows). Run this module as a script to print the equipment
class table of the guide, generated from the built-in catalogue.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest

from dmzwatch.agreement.classes import CATALOGUE
from dmzwatch.agreement.loader import parse_agreement
from dmzwatch.agreement.model import (
    Agreement,
    AttackRule,
    CapRule,
    ProhibitedClassRule,
    Side,
    WithdrawalRule,
)
from dmzwatch.cli import main
from dmzwatch.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "agreements.md"
BASE = ROOT / "src" / "dmzwatch" / "scenarios"  # where `../data/...` in the examples resolves
COMPLETE = "# example: complete"
INVALID = "# example: invalid"
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_ID = re.compile(r'^id = "([^"]+)"', re.MULTILINE)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in _FENCE.findall(DOC.read_text(encoding="utf-8")) if kind == lang]


def _examples(marker: str) -> dict[str, str]:
    found = {}
    for body in _blocks("toml"):
        if body.startswith(marker + "\n"):
            match = _ID.search(body)
            assert match is not None, f"an example without an agreement id:\n{body}"
            found[match.group(1)] = body
    return found


COMPLETE_EXAMPLES = _examples(COMPLETE)


def _load(name: str) -> Agreement:
    return parse_agreement(COMPLETE_EXAMPLES[name], source=f"{DOC.name}#{name}", base=BASE)


def catalogue_table() -> str:
    """The guide's table of built-in equipment classes, from :data:`CATALOGUE`."""
    rows = ["| id | title | calibre | aliases (matched in reports) |", "| --- | --- | --- | --- |"]
    for c in CATALOGUE.values():
        calibre = []
        if c.calibre_min_mm is not None:
            calibre.append(f"min {c.calibre_min_mm:g} mm")
        if c.calibre_max_mm is not None:
            calibre.append(f"max {c.calibre_max_mm:g} mm")
        rows.append(f"| `{c.id}` | {c.title} | {' '.join(calibre)} | {', '.join(c.aliases)} |")
    return "\n".join(rows)


def test_every_toml_block_is_a_marked_example() -> None:
    blocks = _blocks("toml")
    unmarked = [b for b in blocks if not b.startswith((COMPLETE + "\n", INVALID + "\n"))]
    assert unmarked == []
    assert len(COMPLETE_EXAMPLES) == sum(b.startswith(COMPLETE) for b in blocks)  # ids unique
    assert len(COMPLETE_EXAMPLES) >= 20


@pytest.mark.parametrize("name", sorted(COMPLETE_EXAMPLES))
def test_example_loads_and_builds_its_zones(name: str) -> None:
    agreement = _load(name)
    assert agreement.id == name
    scenario = Scenario(agreement)
    assert [z.id for z in scenario.zones] == [z.id for z in agreement.zones]
    for zone in scenario.zones:
        assert zone.bands, f"zone {zone.id} of {name} is empty"
        assert all(band.area_km2 > 0 for band in zone.bands)


def test_the_examples_cover_every_construct() -> None:
    loaded = [_load(name) for name in COMPLETE_EXAMPLES]
    zones = [z for a in loaded for z in a.zones]
    bands = [z.band for z in zones if z.band is not None]
    rules = [r for a in loaded for r in a.rules]
    patrols = [p for a in loaded for p in a.patrols]
    heads = [a for a in loaded]
    assert any(a.projection and a.places_file and a.map_layers and a.territory for a in heads)
    assert any(a.sources and a.summary and a.schematic for a in heads)
    assert {p.role for a in loaded for p in a.parties} >= {"guarantor", "signatory", "observer"}
    assert any(actor.aliases and actor.area for a in loaded for actor in a.actors)
    areas = [area for a in loaded for area in a.areas.values()]
    assert any(len(area.parts) > 1 for area in areas)  # dissolved, with labels
    assert any(getattr(area.geometry, "interiors", ()) for area in areas)  # a hole
    assert {b.side for b in bands} == {Side.LEFT, Side.RIGHT, Side.BOTH}
    assert any(b.min_km > 0 for b in bands)
    assert any(b.has_fringe for b in bands)
    assert {b.flat_ends for b in bands} == {True, False}
    assert any(z.within for z in zones)
    assert any(not z.clip_to_territory for z in zones)
    assert any(z.area is not None for z in zones)
    assert any(set(a.classes) - set(CATALOGUE) for a in loaded)  # a custom class
    kinds = {type(r) for r in rules}
    assert kinds == {ProhibitedClassRule, CapRule, AttackRule, WithdrawalRule}
    assert any(isinstance(r, AttackRule) and r.start_time != dt.time(0, 0) for r in rules)
    assert any(isinstance(r, WithdrawalRule) and len(r.sides) == 2 for r in rules)
    milestones = [(a, m) for a in loaded for m in a.milestones]
    assert any(m.at.timetz() != dt.time(0, 0, tzinfo=m.at.tzinfo) for _, m in milestones)
    assert any(m.at.tzinfo != a.timezone for a, m in milestones)
    assert any(p.line and p.side is not Side.BOTH and len(p.parties) == 1 for p in patrols)
    assert any(p.joint and p.zone for p in patrols)
    assert any(p.coordinated_with and p.units and p.route_km_per_day for p in patrols)


def test_left_of_a_line_drawn_west_to_east_is_north() -> None:
    scenario = Scenario(_load("example-zone-sides"))
    north, south, corridor = scenario.zones
    assert north.geometry.centroid.y > corridor.geometry.centroid.y > south.geometry.centroid.y
    # one-sided bands end square; the corridor adds a half disc of 6 km at each end
    caps = sum(b.area_km2 for b in corridor.bands) - sum(
        b.area_km2 for z in (north, south) for b in z.bands
    )
    assert caps == pytest.approx(math.pi * 6**2, rel=0.01)


def test_the_territory_clips_a_zone_that_opts_in() -> None:
    clipped, free = Scenario(_load("example-territory")).zones
    assert clipped.geometry.area < 0.95 * free.geometry.area
    assert clipped.geometry.difference(free.geometry).area < 1e-9


def test_a_depth_range_gives_core_and_fringe() -> None:
    (zone,) = Scenario(_load("example-zone-range")).zones
    assert [(b.band, b.depth_min_km, b.depth_max_km) for b in zone.bands] == [
        ("core", 0.0, 15.0),
        ("fringe", 15.0, 20.0),
    ]


def test_flat_ends_make_a_smaller_corridor_than_round_ones() -> None:
    flat, rnd = Scenario(_load("example-zone-ends")).zones
    assert flat.geometry.area < rnd.geometry.area
    assert flat.geometry.difference(rnd.geometry).area < 1e-9


def test_the_invalid_example_gives_the_errors_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (invalid,) = [b for b in _blocks("toml") if b.startswith(INVALID + "\n")]
    (console,) = [b for b in _blocks("console") if "validate broken.toml" in b]
    command, *shown, status = console.rstrip("\n").split("\n")
    assert command.startswith("$ dmzwatch validate broken.toml")
    (tmp_path / "broken.toml").write_text(invalid, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["validate", "broken.toml"])
    assert status == f"exit status {code}"
    assert code == 3
    assert capsys.readouterr().err.rstrip("\n").split("\n") == shown


def test_the_valid_output_shown_is_real(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (console,) = [b for b in _blocks("console") if "idlib-2018.toml" in b]
    command, shown = console.rstrip("\n").split("\n")
    monkeypatch.chdir(ROOT)
    assert main(command.removeprefix("$ dmzwatch ").split()) == 0
    assert capsys.readouterr().out.rstrip("\n") == shown


def test_the_class_table_matches_the_catalogue() -> None:
    text = DOC.read_text(encoding="utf-8")
    begin = text.index("<!-- catalogue: begin")
    start = text.index("\n", begin) + 1
    end = text.index("<!-- catalogue: end -->")
    assert text[start:end].strip() == catalogue_table()


if __name__ == "__main__":  # pragma: no cover
    print(catalogue_table())
