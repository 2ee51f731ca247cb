"""Populated places: the shipped GeoNames extract reads; a bad file names each row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dmzwatch import load_scenario
from dmzwatch.errors import InputError
from dmzwatch.places import read_places

HEADER = "geonameid,name,name_ascii,latitude,longitude,population,admin1_name\n"


def test_the_scenario_places_read_with_unknown_population_as_zero() -> None:
    places = load_scenario("idlib-2018").places
    assert len(places) > 10
    assert all(-180 <= p.lon <= 180 and -90 <= p.lat <= 90 and p.population >= 0 for p in places)
    assert len({p.geonameid for p in places}) == len(places)


def test_a_good_file_with_blank_population(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "1,Ma'arrat,Maarrat,35.64,36.67,,Idlib\n2,Kafr,,35.5,36.6,120,\n")
    first, second = read_places(path)
    assert (first.name, first.population, first.admin1) == ("Maarrat", 0, "Idlib")
    assert (second.name, second.lon, second.lat, second.population) == ("Kafr", 36.6, 35.5, 120)


def test_every_bad_row_is_named_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        HEADER
        + "abc,A,A,35.6,36.6,10,x\n"  # row 2: geonameid
        + "3,B,B,95,36.6,10,x\n"  # row 3: latitude
        + "4,C,C,35.6,nan,-5,x\n"  # row 4: longitude and population
        + "5,,,35.6,36.6,1.5,x\n"  # row 5: name and population
    )
    with pytest.raises(InputError) as caught:
        read_places(path)
    text = str(caught.value)
    assert str(path) in text and "6 bad place(s)" in text
    for expected in (
        "row 2: geonameid 'abc' is not a whole number",
        "row 3: latitude '95' is outside [-90, 90]",
        "row 4: longitude 'nan' is outside [-180, 180]",
        "row 4: population '-5' is outside [0, ",
        "row 5: population '1.5' is not a whole number",
        "row 5: name_ascii and name are both empty",
    ):
        assert expected in text


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,label,lat\n1,A,35\n")
    expected = r"missing column\(s\) geonameid, latitude, longitude, name_ascii \(or name\)"
    with pytest.raises(InputError, match=expected):
        read_places(path)
