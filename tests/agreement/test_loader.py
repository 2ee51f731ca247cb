"""Agreement files: every malformed file gets one error naming the file, the key and the fix.

Each bad file is written into ``tmp_path`` and loaded with :func:`load_agreement`; the
built-in scenarios are loaded and their facts checked against the accords.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmzwatch import AgreementError, load_agreement
from dmzwatch.agreement.classes import CATALOGUE
from dmzwatch.agreement.loader import parse_agreement
from dmzwatch.agreement.model import (
    Agreement,
    AttackRule,
    ProhibitedClassRule,
    Side,
    WithdrawalRule,
)
from dmzwatch.cli import main
from dmzwatch.errors import Problem
from dmzwatch.scenario import scenario_path

SCENARIOS = Path(__file__).resolve().parents[2] / "src" / "dmzwatch" / "scenarios"
LINES_GEOJSON = SCENARIOS.parent / "data" / "idlib_2018_lines.geojson"

GOOD = """\
[agreement]
id = "test"
title = "A test agreement"
signed = 2020-03-05
timezone = "Asia/Damascus"

[parties.TR]
name = "Republic of Türkiye"

[parties.RU]
name = "Russian Federation"

[actors.opposition]
name = "Armed opposition groups"

[actors.government]
name = "Government forces"

[lines.m4]
coordinates = [[36.160, 35.800], [36.31983, 35.81418], [36.60964, 35.81374], [36.78380, 35.86447]]

[lines.contact]
coordinates = [[36.20, 35.70], [36.60, 35.60]]

[areas.box]
coordinates = [[36.55, 35.75], [36.70, 35.75], [36.70, 35.88], [36.55, 35.88], [36.55, 35.75]]

[zones.corridor]
line = "m4"
side = "both"
max_km = [4, 6]

[zones.box]
area = "box"

[classes.tank]
[classes.mlrs]

[[rules]]
id = "no-tanks"
kind = "prohibited_class"
clause = "No tanks in the corridor."
zone = "corridor"
classes = ["tank"]
start = 2020-03-10
actors = ["opposition"]

[[rules]]
id = "ceasefire"
kind = "attack_prohibited"
clause = "No attacks from 00:01 on 6 March."
zone = "corridor"
start = 2020-03-06
start_time = 00:01:00

[[milestones]]
id = "ceasefire"
title = "Ceasefire"
date = 2020-03-06
time = 00:01:00

[[patrols]]
id = "joint"
parties = ["TR", "RU"]
zone = "corridor"
joint = true
"""


def write(tmp_path: Path, text: str, name: str = "agreement.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[AgreementError, list[Problem]]:
    with pytest.raises(AgreementError) as info:
        load_agreement(path)
    error = info.value
    assert str(path) in str(error)  # the message names the file
    assert error.source == str(path)
    return error, list(error.problems)


def the_problem(path: Path) -> Problem:
    error, problems = problems_of(path)
    assert len(problems) == 1, str(error)
    assert "(1 problem)" in str(error)
    assert f"  - {problems[0]}" in str(error)  # listed in the message with its key path
    return problems[0]


def edited(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def test_the_good_file_loads(tmp_path: Path) -> None:
    agreement = load_agreement(write(tmp_path, GOOD))
    assert agreement.id == "test"
    assert agreement.path == tmp_path / "agreement.toml"
    assert [z.id for z in agreement.zones] == ["corridor", "box"]


# -- one problem per file -------------------------------------------------------------


def test_invalid_toml_syntax(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('title = "A test agreement"', "title = A test")))
    assert problem.key == ""
    assert problem.message.startswith("not valid TOML")
    assert "line 3" in problem.message
    assert str(problem).startswith("(top level): ")


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    problem = the_problem(
        write(tmp_path, edited("max_km = [4, 6]", 'max_km = [4, 6]\nendz = "flat"'))
    )
    assert problem.key == "zones.corridor.endz"
    assert "unknown key (did you mean 'ends'?)" in problem.message
    assert "allowed here: title, description, line, side, min_km, max_km, ends" in problem.message


def test_misspelt_required_key_is_also_missing(tmp_path: Path) -> None:
    _, problems = problems_of(write(tmp_path, edited("max_km = [4, 6]", "max_kms = [4, 6]")))
    assert [p.key for p in problems] == ["zones.corridor.max_kms", "zones.corridor.max_km"]
    assert "did you mean 'max_km'?" in problems[0].message
    assert problems[1].message == "a band zone needs 'max_km' (a number, or [core, outer])"


def test_unknown_key_in_a_rule_lists_that_kind_of_rule(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("start_time = 00:01:00", "start_tme = 00:01:00")))
    assert problem.key == "rules[1].start_tme"
    assert "did you mean 'start_time'?" in problem.message
    assert "classes" not in problem.message  # an attack rule has no classes


def test_unknown_section(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, GOOD + '\n[zone.extra]\narea = "box"\n'))
    assert problem.key == "zone"
    assert "did you mean 'zones'?" in problem.message


def test_bad_side_lists_the_sides(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('side = "both"', 'side = "north"')))
    assert problem.key == "zones.corridor.side"
    assert problem.message == "must be one of 'left', 'right' or 'both' (got 'north')"


def test_bad_ends_and_role(tmp_path: Path) -> None:
    text = edited("max_km = [4, 6]", 'max_km = [4, 6]\nends = "square"')
    text = text.replace('name = "Russian Federation"', 'name = "RU"\nrole = "arbiter"')
    _, problems = problems_of(write(tmp_path, text))
    assert [(p.key, p.message) for p in problems] == [
        ("parties.RU.role", "must be one of 'guarantor', 'signatory', 'observer' or 'mediator' "
         "(got 'arbiter')"),
        ("zones.corridor.ends", "must be one of 'round' or 'flat' (got 'square')"),
    ]  # fmt: skip


def test_depth_order_min_not_below_max(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("max_km = [4, 6]", "min_km = 6\nmax_km = 6")))
    assert problem.key == "zones.corridor.min_km"
    assert problem.message == (
        "min_km (6) is not less than max_km (6); depths must increase: min_km < max_km"
    )


def test_depth_order_core_beyond_outer(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("max_km = [4, 6]", "max_km = [20, 15]")))
    assert problem.key == "zones.corridor.max_km"
    assert "the core depth (20) exceeds the outer depth (15)" in problem.message
    assert "depths must increase: min_km < core <= outer" in problem.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"six"', "must be a number of km, or [core, outer]: two numbers with core <= outer"),
        ("[1, 2, 3]", "needs at most 2 item(s), got 3"),
        ("-1", "must be greater than or equal to 0 (got -1)"),
    ],
)
def test_max_km_is_a_number_or_a_range(tmp_path: Path, value: str, message: str) -> None:
    problem = the_problem(write(tmp_path, edited("max_km = [4, 6]", f"max_km = {value}")))
    assert problem.key == "zones.corridor.max_km"
    assert problem.message.startswith(message)


def test_max_km_range_member(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("max_km = [4, 6]", 'max_km = [4, "x"]')))
    assert (problem.key, problem.message) == (
        "zones.corridor.max_km[1]",
        "must be a number (got 'x')",
    )


def test_zone_refers_to_an_unknown_line(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('line = "m4"', 'line = "m5"')))
    assert problem.key == "zones.corridor.line"
    assert problem.message == "unknown line 'm5'; defined in [lines]: contact, m4"


def test_zone_with_both_line_and_area(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('line = "m4"', 'line = "m4"\narea = "box"')))
    assert problem.key == "zones.corridor.area"
    assert "a zone takes 'line' (a band) or 'area' (a polygon), not both" in problem.message


def test_zone_with_neither_line_nor_area(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('area = "box"', 'title = "Box"')))
    assert problem.key == "zones.box"
    assert "needs one of 'line'" in problem.message


def test_band_keys_on_an_area_zone(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('area = "box"', 'area = "box"\nmin_km = 3')))
    assert (problem.key, problem.message) == (
        "zones.box.min_km",
        "'min_km' applies only to band zones (with 'line')",
    )


def test_band_without_side(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('side = "both"\n', "")))
    assert problem.key == "zones.corridor.side"
    assert "'left', 'right', 'both'" in problem.message


def test_rule_refers_to_unknown_class_actor_and_zone(tmp_path: Path) -> None:
    text = edited('classes = ["tank"]', 'classes = ["tank", "artillery", "ufo"]')
    text = text.replace('actors = ["opposition"]', 'actors = ["rebels"]')
    text = text.replace('zone = "corridor"\nclasses', 'zone = "coridor"\nclasses')
    _, problems = problems_of(write(tmp_path, text))
    assert [(p.key, p.message) for p in problems] == [
        ("rules[0].zone", "unknown zone 'coridor'; defined in [zones]: box, corridor"),
        ("rules[0].classes", "unknown equipment class 'artillery'; defined in [classes]: "
         "mlrs, tank; 'artillery' is built in: add an empty [classes.artillery] table to use it"),
        ("rules[0].classes", "unknown equipment class 'ufo'; defined in [classes]: mlrs, tank"),
        ("rules[0].actors", "unknown actor 'rebels'; defined in [actors]: government, opposition"),
    ]  # fmt: skip


def test_unknown_rule_kind_lists_the_kinds(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('kind = "attack_prohibited"', 'kind = "truce"')))
    assert problem.key == "rules[1].kind"
    assert problem.message == (
        "unknown rule kind 'truce'; allowed: prohibited_class, cap, attack_prohibited, withdrawal"
    )


def test_rule_without_kind(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('kind = "attack_prohibited"\n', "")))
    assert problem.key == "rules[1].kind"
    assert problem.message.startswith("required key is missing; a rule's kind is one of: ")


def test_missing_required_keys(tmp_path: Path) -> None:
    text = edited('clause = "No tanks in the corridor."\n', "")
    text = text.replace('actors = ["opposition"]', 'actors = ["rebels"]')
    _, problems = problems_of(write(tmp_path, text))
    assert [(p.key, p.message) for p in problems] == [
        ("rules[0].clause", "required key is missing"),
    ]  # the rule is set aside: its actors are checked once it has its clause
    _, problems = problems_of(write(tmp_path, text.replace("signed = 2020-03-05\n", "")))
    assert [(p.key, p.message) for p in problems] == [
        ("agreement.signed", "required key is missing"),
        ("rules[0].clause", "required key is missing"),
    ]  # without a valid header, only the shape of the file is checked


def test_geojson_file_missing(tmp_path: Path) -> None:
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "data/front.geojson"\nfeature = "front"',
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "lines.contact.file"
    assert problem.message == f"file not found: {tmp_path / 'data' / 'front.geojson'}"


def test_geojson_file_not_a_feature_collection(tmp_path: Path) -> None:
    (tmp_path / "front.geojson").write_text('{"type": "LineString"', encoding="utf-8")
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "front.geojson"',
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "lines.contact.file"
    assert problem.message.startswith("cannot read GeoJSON from")


def test_feature_not_in_the_file_lists_the_names(tmp_path: Path) -> None:
    (tmp_path / "lines.geojson").write_bytes(LINES_GEOJSON.read_bytes())
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "lines.geojson"\nfeature = "line_of_contact"',
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "lines.contact.feature"
    assert problem.message == (
        "no feature in lines.geojson matches {'name': 'line_of_contact'}; names there: "
        "line_of_contact_2018_09_17, opposition_held_area_2018_09_17"
    )


def test_where_selector_that_matches_nothing(tmp_path: Path) -> None:
    (tmp_path / "lines.geojson").write_bytes(LINES_GEOJSON.read_bytes())
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "lines.geojson"\nwhere = { kind = "road" }',
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "lines.contact.where"
    assert "matches {'kind': 'road'}" in problem.message


def test_feature_of_the_wrong_geometry_type(tmp_path: Path) -> None:
    (tmp_path / "lines.geojson").write_bytes(LINES_GEOJSON.read_bytes())
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "lines.geojson"\nwhere = { kind = "area" }',
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "lines.contact"
    assert "feature geometry is Polygon, expected one of" in problem.message


def test_label_property_missing(tmp_path: Path) -> None:
    (tmp_path / "lines.geojson").write_bytes(LINES_GEOJSON.read_bytes())
    text = GOOD + '\n[areas.held]\nfile = "lines.geojson"\nwhere = { kind = "area" }\nlabel = "x"\n'
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "areas.held.label"
    assert "no property 'x'; properties there: kind, name, note" in problem.message


def test_line_and_file_together(tmp_path: Path) -> None:
    text = edited("[lines.contact]\n", '[lines.contact]\nfile = "x.geojson"\n')
    problem = the_problem(write(tmp_path, text))
    assert (problem.key, problem.message) == (
        "lines.contact.coordinates",
        "give 'file' or 'coordinates', not both",
    )


def test_coordinates_out_of_range(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("[36.60, 35.60]]", "[36.60, 95.60]]")))
    assert problem.key == "lines.contact.coordinates[1][1]"
    assert problem.message == "must be less than or equal to 90 (got 95.6)"


def test_unknown_timezone(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('"Asia/Damascus"', '"Asia/Damaskus"')))
    assert problem.key == "agreement.timezone"
    assert problem.message == (
        "unknown timezone 'Asia/Damaskus'; use an IANA name such as 'Asia/Damascus'"
    )


def test_unknown_milestone_timezone(tmp_path: Path) -> None:
    text = edited("\ntime = 00:01:00\n", '\ntime = 00:01:00\ntimezone = "Damascus"\n')
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "milestones[0].timezone"


def test_time_with_an_offset(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("\ntime = 00:01:00", '\ntime = "00:01:00+02:00"')))
    assert problem.key == "milestones[0].time"
    assert "without a UTC offset" in problem.message


def test_date_in_quotes_that_is_no_date(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("date = 2020-03-06", 'date = "6 March"')))
    assert problem.key == "milestones[0].date"
    assert problem.message.startswith("must be a date such as 2018-10-10")


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "signed = 2020-03-05",
            'signed = "2020-03-05"',
            "agreement.signed",
            "must be a date such as 2018-10-10 (a TOML date, no quotes) (got '2020-03-05')",
        ),
        (
            "start = 2020-03-06",
            "start = 2020-03-06T00:00:00",
            "rules[1].start",
            "must be a date such as 2018-10-10 (a TOML date, no quotes) "
            "(got datetime.datetime(2020, 3, 6, 0, 0))",
        ),
        (
            "max_km = [4, 6]",
            "max_km = true",
            "zones.corridor.max_km",
            "must be a number of km, or [core, outer]: two numbers with core <= outer (got True)",
        ),
        (
            "max_km = [4, 6]",
            'max_km = "6"',
            "zones.corridor.max_km",
            "must be a number of km, or [core, outer]: two numbers with core <= outer (got '6')",
        ),
        ("max_km = [4, 6]", "max_km = [4, nan]", "zones.corridor.max_km[1]", None),
        ("max_km = [4, 6]", "max_km = inf", "zones.corridor.max_km", None),
        ("joint = true", 'joint = "yes"', "patrols[0].joint", "must be true or false (got 'yes')"),
        (
            "[36.60, 35.60]]",
            '[36.60, "35.60"]]',
            "lines.contact.coordinates[1][1]",
            "must be a number (got '35.60')",
        ),
        (
            "[36.60, 35.60]]",
            "[36.60]]",
            "lines.contact.coordinates[1]",
            "a position needs two numbers: [lon, lat]",
        ),
    ],
)
def test_values_of_the_wrong_type_are_not_converted(
    tmp_path: Path, old: str, new: str, key: str, message: str | None
) -> None:
    """A quoted date, a quoted number, true for a number, nan or inf: each is a mistake
    in the file, not a value to convert."""
    problem = the_problem(write(tmp_path, edited(old, new)))
    assert problem.key == key
    if message is None:
        assert problem.message.startswith("must be a finite number (got ")
    else:
        assert problem.message == message


def _with_line_file(tmp_path: Path, geometry: object) -> Path:
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": geometry}
    (tmp_path / "x.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]})
    )
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "x.geojson"',
    )
    return write(tmp_path, text)


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        (
            [[36.2, 35.7], [400, 35.6]],
            "x.geojson: features[0] (LineString): position [400, 35.6] is out of range: "
            "[lon, lat] with lon in [-180, 180] and lat in [-90, 90]",
        ),
        (
            [[36.2, 35.7], [36.6, float("nan")]],
            "x.geojson: features[0] (LineString): its coordinates include a value that is "
            "not a finite number",
        ),
        ([[36.2, 35.7]], "x.geojson: features[0] (LineString): its coordinates do not make"),
        ([[36.2, 35.7], ["x", 35.6]], "x.geojson: features[0] (LineString): its coordinates"),
        ([[36.2, 35.7], [36.6, 35.6, 1], [36.7]], "x.geojson: features[0] (LineString): its"),
    ],
)
def test_bad_coordinates_in_a_geojson_file(
    tmp_path: Path, coordinates: object, message: str
) -> None:
    problem = the_problem(
        _with_line_file(tmp_path, {"type": "LineString", "coordinates": coordinates})
    )
    assert problem.key == "lines.contact"
    assert problem.message.startswith(message)


def test_geojson_file_without_features_or_with_a_bare_value(tmp_path: Path) -> None:
    text = edited(
        "[lines.contact]\ncoordinates = [[36.20, 35.70], [36.60, 35.60]]",
        '[lines.contact]\nfile = "x.geojson"',
    )
    (tmp_path / "x.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    problem = the_problem(write(tmp_path, text))
    assert (problem.key, problem.message) == ("lines.contact.file", "x.geojson has no features")
    (tmp_path / "x.geojson").write_text('{"type": "FeatureCollection", "features": [5]}')
    problem = the_problem(write(tmp_path, text))
    assert (problem.key, problem.message) == (
        "lines.contact.file",
        "x.geojson: features[0] is not a GeoJSON Feature (an object)",
    )


def test_ring_not_closed(tmp_path: Path) -> None:
    text = edited(
        "[[36.55, 35.75], [36.70, 35.75], [36.70, 35.88], [36.55, 35.88], [36.55, 35.75]]",
        "[[36.55, 35.75], [36.70, 35.75], [36.70, 35.88], [36.55, 35.88]]",
    )
    problem = the_problem(write(tmp_path, text))
    assert (problem.key, problem.message) == (
        "areas.box.coordinates",
        "a ring must end where it starts: repeat its first position last",
    )


def test_a_line_across_the_180th_meridian(tmp_path: Path) -> None:
    text = edited(
        "coordinates = [[36.20, 35.70], [36.60, 35.60]]",
        "coordinates = [[179.5, 65.0], [-179.5, 65.2]]",
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key.startswith("lines.")
    assert "jumps 359 degrees of longitude" in problem.message
    assert "crosses the 180th meridian" in problem.message


def test_end_before_start(tmp_path: Path) -> None:
    text = edited("start = 2020-03-10\n", "start = 2020-03-10\nend = 2020-03-09\n")
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "rules[0].end"
    assert problem.message == "'end' (2020-03-09) is before 'start' (2020-03-10)"


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited('id = "ceasefire"', 'id = "no-tanks"')))
    assert problem.key == "rules[1].id"
    assert problem.message == "id 'no-tanks' is already used by rules[0]; ids must be unique"


def test_polygon_not_valid(tmp_path: Path) -> None:
    bowtie = "[[36.55, 35.75], [36.70, 35.88], [36.70, 35.75], [36.55, 35.88], [36.55, 35.75]]"
    text = edited(
        "[[36.55, 35.75], [36.70, 35.75], [36.70, 35.88], [36.55, 35.88], [36.55, 35.75]]", bowtie
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "areas.box"
    assert problem.message.startswith("the polygon is not valid (Self-intersection")
    assert problem.message.endswith("it will not be repaired")


def test_ring_too_short(tmp_path: Path) -> None:
    text = edited(
        "[[36.55, 35.75], [36.70, 35.75], [36.70, 35.88], [36.55, 35.88], [36.55, 35.75]]",
        "[[36.55, 35.75], [36.70, 35.75], [36.55, 35.75]]",
    )
    problem = the_problem(write(tmp_path, text))
    assert (problem.key, problem.message) == (
        "areas.box.coordinates",
        "needs at least 4 item(s), got 3",
    )


def test_no_rings(tmp_path: Path) -> None:
    text = edited(
        "[[36.55, 35.75], [36.70, 35.75], [36.70, 35.88], [36.55, 35.88], [36.55, 35.75]]", "[]"
    )
    problem = the_problem(write(tmp_path, text))
    assert (problem.key, problem.message) == (
        "areas.box.coordinates",
        "needs at least 4 item(s), got 0",
    )


def test_invalid_id(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("[zones.box]", '[zones."2nd box"]')))
    assert problem.key == 'zones."2nd box"'
    assert "not a valid id: an id starts with a letter" in problem.message


def test_custom_class_without_title(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("[classes.mlrs]", "[classes.atgm]")))
    assert problem.key == "classes.atgm"
    assert "needs a 'title'" in problem.message
    assert ", ".join(sorted(CATALOGUE)) in problem.message


def test_withdrawal_on_a_side_the_zone_does_not_cover(tmp_path: Path) -> None:
    text = edited('side = "both"', 'side = "left"') + (
        '\n[[rules]]\nid = "pull-back"\nkind = "withdrawal"\nclause = "Pull back."\n'
        'zone = "corridor"\nclasses = ["tank"]\nstart = 2020-03-20\n'
        'sides = { left = ["opposition"], right = ["government"] }\n'
    )
    problem = the_problem(write(tmp_path, text))
    assert problem.key == "rules[2].sides.right"
    assert "lies only on the left side of its line; allowed here: left" in problem.message


def test_withdrawal_needs_a_band_zone_and_known_sides(tmp_path: Path) -> None:
    rule = (
        '\n[[rules]]\nid = "pull-back"\nkind = "withdrawal"\nclause = "Pull back."\n'
        'zone = "box"\nclasses = ["tank"]\nstart = 2020-03-20\nsides = {{ {} }}\n'
    )
    problem = the_problem(write(tmp_path, GOOD + rule.format('left = ["opposition"]')))
    assert problem.key == "rules[2].zone"
    assert "needs a band zone; 'box' is an area" in problem.message
    problem = the_problem(write(tmp_path, GOOD + rule.format('north = ["opposition"]')))
    assert problem.key == "rules[2].sides.north"
    assert "must be one of 'left' or 'right' (got 'north')" in problem.message


def test_patrol_line_needs_a_side(tmp_path: Path) -> None:
    problem = the_problem(write(tmp_path, edited("joint = true", 'joint = true\nline = "m4"')))
    assert problem.key == "patrols[0].side"


def test_patrol_refers_to_unknown_party(tmp_path: Path) -> None:
    problem = the_problem(
        write(tmp_path, edited('parties = ["TR", "RU"]', 'parties = ["TR", "UN"]'))
    )
    assert problem.key == "patrols[0].parties"
    assert problem.message == "unknown party 'UN'; defined in [parties]: RU, TR"


def test_projection_must_be_metric(tmp_path: Path) -> None:
    text = edited('timezone = "Asia/Damascus"', 'timezone = "Asia/Damascus"\nprojection = "{}"')
    problem = the_problem(write(tmp_path, text.format("EPSG:4326")))
    assert problem.key == "agreement.projection"
    assert "not a projected CRS in metres" in problem.message
    problem = the_problem(write(tmp_path, text.format("EPSG:999999")))
    assert problem.message.startswith("not a known CRS: 'EPSG:999999'")
    assert load_agreement(write(tmp_path, text.format("EPSG:32637"))).projection == "EPSG:32637"


def test_unreadable_file(tmp_path: Path) -> None:
    problem = the_problem(tmp_path / "nowhere.toml")
    assert problem.message.startswith("cannot read the file")


# -- many problems at once ------------------------------------------------------------


def test_many_problems_in_one_error(tmp_path: Path) -> None:
    text = GOOD.replace('timezone = "Asia/Damascus"', 'timezone = "Asia/Damaskus"')
    text = text.replace('side = "both"', 'side = "up"\nendz = "flat"')  # bad value + typo
    text = text.replace('[zones.box]\narea = "box"', '[zones.box]\narea = "bx"\nwithin = ["b"]')
    text = text.replace('kind = "attack_prohibited"', 'kind = "truce"')
    text = text.replace('parties = ["TR", "RU"]', 'parties = ["TR", "UN"]')
    text = text.replace("[classes.mlrs]", '[classes.mlrs]\n[lines.front]\nfile = "no.geojson"')
    text += '\n[[milestones]]\nid = "ceasefire"\ntitle = "Again"\ndate = 2020-03-07\n'
    error, problems = problems_of(write(tmp_path, text))
    assert [p.key for p in problems] == [
        "zones.corridor.side",
        "zones.corridor.endz",
        "rules[1].kind",
        "agreement.timezone",
        "lines.front.file",
        "zones.box.within",
        "zones.box.area",
        "milestones[1].id",
        "patrols[0].parties",
    ]
    assert str(error).startswith(f"{tmp_path / 'agreement.toml'}: invalid agreement (9 problems):")
    assert all(f"  - {p}" in str(error) for p in problems)
    # the rule that refers to the zone with a bad side is not told the zone is unknown
    assert not any("unknown zone" in p.message for p in problems)


# -- properties -----------------------------------------------------------------------

depths = st.integers(min_value=0, max_value=60).map(float)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low=depths, core=depths, outer=depths, ranged=st.booleans())
def test_depths_load_exactly_when_they_increase(
    low: float, core: float, outer: float, ranged: bool
) -> None:
    max_km = f"[{core:g}, {outer:g}]" if ranged else f"{core:g}"
    text = edited("max_km = [4, 6]", f"min_km = {low:g}\nmax_km = {max_km}")
    valid = low < core and (core <= outer or not ranged)
    if valid:
        band = parse_agreement(text, source="t.toml", base=SCENARIOS).zone("corridor").band
        assert band is not None
        assert (band.min_km, band.core_max_km, band.max_km) == (
            low,
            core,
            outer if ranged else core,
        )
        assert band.has_fringe == (ranged and outer > core)
        return
    with pytest.raises(AgreementError) as info:
        parse_agreement(text, source="t.toml", base=SCENARIOS)
    (problem,) = info.value.problems
    assert problem.key in ("zones.corridor.min_km", "zones.corridor.max_km")
    assert "depths must increase" in problem.message


def _toml_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.integers(-10, 10),
        st.floats(-1e3, 1e3, allow_nan=False),
        st.booleans(),
        st.text(max_size=8),
        st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
        st.times(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
        max_leaves=6,
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_value_at_any_key_gives_an_agreement_or_an_agreement_error(data: st.DataObject) -> None:
    """No value, and no missing key, makes the loader fail with anything but AgreementError."""
    doc = tomllib.loads(GOOD)
    paths: list[tuple[Any, ...]] = []

    def collect(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, dict | list):
                collect(value, (*path, key))
            else:
                paths.append((*path, key))

    collect(doc, ())
    path = data.draw(st.sampled_from(paths[1:]))
    node = doc
    for part in path[:-1]:
        node = node[part]
    if isinstance(node, dict) and data.draw(st.booleans()):
        del node[path[-1]]
    else:
        node[path[-1]] = data.draw(_toml_values())
    text = tomli_w.dumps(doc)
    try:
        parse_agreement(text, source="fuzz.toml", base=SCENARIOS)
    except AgreementError as exc:
        assert exc.problems
        assert all(isinstance(p.message, str) and p.message for p in exc.problems)


# -- the built-in scenarios -----------------------------------------------------------

Load = Callable[[str], Agreement]


@pytest.fixture(scope="module")
def builtin() -> Load:
    return lambda name: load_agreement(scenario_path(name))


def test_idlib_2018_facts(builtin: Load) -> None:
    a = builtin("idlib-2018")
    assert [p.id for p in a.parties] == ["TR", "RU"]
    assert {p.role for p in a.parties} == {"guarantor"}
    assert a.timezone == ZoneInfo("Asia/Damascus")
    assert a.signed == dt.date(2018, 9, 17)
    rules = {r.id: r for r in a.rules}
    heavy = rules["heavy-weapons-withdrawn"]
    assert isinstance(heavy, ProhibitedClassRule)
    assert heavy.start == dt.date(2018, 10, 10)
    assert set(heavy.classes) == {"tank", "mlrs", "artillery", "mortar", "air_defence"}
    assert heavy.actors == ("opposition", "radical_groups")
    in_force = rules["zone-in-force"]
    assert isinstance(in_force, AttackRule)
    assert in_force.start == dt.date(2018, 10, 15)
    (zone,) = a.zones
    assert zone.band is not None
    assert (zone.band.min_km, zone.band.core_max_km, zone.band.max_km) == (0, 15, 20)
    assert zone.within == ("opposition_held",)
    assert a.territory == "syria" and zone.clip_to_territory
    assert len(a.areas["syria"].parts) == 15
    assert {p.id: (p.side, p.parties) for p in a.patrols} == {
        "tr-opposition-side": (Side.LEFT, ("TR",)),
        "ru-government-side": (Side.RIGHT, ("RU",)),
    }
    assert a.places_file is not None and a.places_file.is_file()
    assert not a.schematic


def test_idlib_m4_2020_facts(builtin: Load) -> None:
    a = builtin("idlib-m4-2020")
    (zone,) = a.zones
    assert zone.id == "m4_corridor"
    assert zone.band is not None
    assert zone.band.side is Side.BOTH
    assert (zone.band.min_km, zone.band.core_max_km, zone.band.max_km) == (0, 6, 6)
    assert zone.band.flat_ends
    (ceasefire,) = a.rules
    assert isinstance(ceasefire, AttackRule)
    assert (ceasefire.start, ceasefire.start_time) == (dt.date(2020, 3, 6), dt.time(0, 1))
    at = {m.id: m.at for m in a.milestones}["ceasefire"]
    assert at == dt.datetime(2020, 3, 6, 0, 1, tzinfo=ZoneInfo("Asia/Damascus"))
    assert at.astimezone(dt.UTC) == dt.datetime(2020, 3, 5, 22, 1, tzinfo=dt.UTC)
    (patrol,) = a.patrols
    assert patrol.joint and patrol.parties == ("TR", "RU") and patrol.start == dt.date(2020, 3, 15)
    assert a.schematic


def test_minsk_2015_facts(builtin: Load) -> None:
    a = builtin("minsk-2015")
    depths = {z.id: z.band.max_km for z in a.zones if z.band is not None}
    assert depths == {
        "security_15km": 15,
        "security_50km": 50,
        "security_70km": 70,
        "security_140km": 140,
    }
    assert all(z.band is not None and z.band.side is Side.BOTH for z in a.zones)
    assert a.timezone == ZoneInfo("Europe/Kyiv")
    withdrawals = [r for r in a.rules if isinstance(r, WithdrawalRule)]
    assert len(withdrawals) == len(a.rules) == 5
    for rule in withdrawals:
        assert rule.sides == (
            (Side.LEFT, ("ua_forces",)),
            (Side.RIGHT, ("armed_formations",)),
        )
    by_zone = {r.id: (r.zone, r.classes, r.start) for r in withdrawals}
    assert by_zone["artillery-50km"] == (
        "security_50km",
        ("artillery_100mm_plus",),
        dt.date(2015, 3, 3),
    )
    assert by_zone["heavy-rockets-140km"][:2] == ("security_140km", ("mlrs_heavy",))
    assert by_zone["tanks-15km"][2] == dt.date(2015, 10, 14)
    assert {p.role for p in a.parties} == {"signatory", "observer"}


# -- the CLI --------------------------------------------------------------------------


def test_cli_validate_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: valid agreement 'test': 2 zone(s), 2 rule(s)")


def test_cli_validate_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, edited('side = "both"', 'side = "up"'))
    assert main(["validate", str(path)]) == AgreementError.exit_code == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"error: {path}: invalid agreement (1 problem):",
        "  - zones.corridor.side: must be one of 'left', 'right' or 'both' (got 'up')",
    ]


@pytest.mark.slow
def test_cli_validate_exit_code_in_a_subprocess(tmp_path: Path) -> None:
    path = write(tmp_path, edited('kind = "attack_prohibited"', 'kind = "truce"'))
    exe = Path(sys.executable).with_name("dmzwatch")
    result = subprocess.run([exe, "validate", path], capture_output=True, text=True, check=False)
    assert result.returncode == 3
    assert "rules[1].kind: unknown rule kind 'truce'" in result.stderr
    assert f"error: {path}: invalid agreement (1 problem):" in result.stderr
