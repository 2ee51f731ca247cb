"""The zones commands: scenarios, validate, zones, classify, places, demo."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from dmzwatch.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_lists_the_built_ins(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenarios", "--json")
    assert code == 0
    names = [s["name"] for s in json.loads(out)]
    assert names == ["idlib-2018", "idlib-m4-2020", "minsk-2015"]
    code, out, _ = run(capsys, "scenarios")
    assert "idlib-2018" in out and "[schematic]" in out


def test_classify_writes_exactly_the_documented_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    points = tmp_path / "points.csv"
    points.write_text(
        "id,lon,lat,precision_km\n"
        "morek,36.6897,35.37615,\n"
        "hama,36.75783,35.13179,\n"
        "fuzzy-edge,36.6897,35.37615,30\n"
    )
    code, out, _ = run(capsys, "classify", "--scenario", "idlib-2018", str(points))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["id", "lon", "lat", "zone", "band", "distance_km", "p_in_zone"]
    assert [(r["id"], r["zone"], r["band"]) for r in rows] == [
        ("morek", "dmz", "core"),
        ("hama", "", ""),
        ("fuzzy-edge", "dmz", "core"),
    ]
    assert float(rows[0]["p_in_zone"]) == 1.0
    assert float(rows[1]["p_in_zone"]) == 0.0
    assert 0.0 < float(rows[2]["p_in_zone"]) < 1.0  # a 30 km disc reaches beyond the zone
    assert float(rows[1]["distance_km"]) > 0  # distance to the nearest zone's line, still given

    out_file = tmp_path / "out.csv"
    code, out, _ = run(capsys, "classify", str(points), "--out", str(out_file))
    assert code == 0 and out == ""
    assert len(list(csv.DictReader(io.StringIO(out_file.read_text())))) == 3


def test_classify_names_the_bad_row_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    points = tmp_path / "bad.csv"
    points.write_text("id,lon,lat\na,36.6,35.4\nb,east,35.4\nc,36.6,135\n")
    code, _, err = run(capsys, "classify", str(points))
    assert code == 2
    assert "row 3, field 'lon': 'east' is not a number" in err
    assert "row 4, field 'lat': 135.0 is outside [-90, 90]" in err
    missing = tmp_path / "missing.csv"
    missing.write_text("name,x,y\n")
    code, _, err = run(capsys, "classify", str(missing))
    assert code == 2 and "missing column(s) id, lon, lat" in err


def test_unknown_scenario_lists_the_available_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "places", "--scenario", "nowhere")
    assert code == 4
    assert "idlib-2018" in err and "nowhere" in err


def test_zones_writes_geojson_and_gpkg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "zones", "--scenario", "idlib-2018", "--out", str(tmp_path))
    assert code == 0
    data = json.loads(Path(out.strip()).read_text())
    props = [f["properties"] for f in data["features"]]
    assert [(p["zone"], p["band"], p["depth_min_km"], p["depth_max_km"]) for p in props] == [
        ("dmz", "core", 0, 15),
        ("dmz", "fringe", 15, 20),
    ]
    code, out, _ = run(capsys, "zones", "--out", str(tmp_path), "--format", "gpkg")
    assert code == 0 and out.strip().endswith(".gpkg")


def test_places_reports_population_and_unknowns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "places", "--scenario", "idlib-2018", "--json")
    assert code == 0
    bands = {(b["zone"], b["band"]): b for b in json.loads(out)}
    core = {p["name"]: p for p in bands[("dmz", "core")]["places"]}
    assert core["Murak"]["population"] > 0
    assert "Hamah" not in core and "Idlib" not in core
    unknown = [p for b in bands.values() for p in b["places"] if not p["population_known"]]
    assert all(p["population"] == 0 for p in unknown)
    assert sum(b["places_unknown_population"] for b in bands.values()) == len(unknown)
    code, out, _ = run(capsys, "places")
    assert "unknown" in out and "GeoNames" in out


def test_validate_accepts_a_built_in_file(capsys: pytest.CaptureFixture[str]) -> None:
    from dmzwatch.scenario import scenario_path

    code, out, _ = run(capsys, "validate", str(scenario_path("minsk-2015")))
    assert code == 0 and "valid agreement 'minsk-2015'" in out


def test_zones_demo_and_validate_print_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "zones", "--out", str(tmp_path), "--json")
    payload = json.loads(out)
    assert code == 0 and Path(payload["path"]).is_file()
    assert [(b["zone"], b["band"]) for b in payload["bands"]] == [
        ("dmz", "core"),
        ("dmz", "fringe"),
    ]
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path / "demo"), "--json")
    demo = json.loads(out)
    assert code == 0 and demo["scenario"] == "idlib-2018" and len(demo["files"]) == 3
    assert all(Path(p).is_file() for p in demo["files"])
    assert demo["bands"][0]["places"] > 0
    toml = Path(__file__).resolve().parents[2] / "src/dmzwatch/scenarios/minsk-2015.toml"
    code, out, _ = run(capsys, "validate", str(toml), "--json")
    assert code == 0 and json.loads(out)["valid"] is True and json.loads(out)["id"] == "minsk-2015"


@pytest.mark.parametrize("command", ["zones", "demo"])
def test_an_unusable_out_directory_is_an_input_error(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("")
    code, _, err = run(capsys, command, "--scenario", "idlib-m4-2020", "--out", str(a_file))
    assert code == 2
    assert f"--out {a_file}: not a directory" in err
    below_a_file = a_file / "sub"
    code, _, err = run(capsys, command, "--scenario", "idlib-m4-2020", "--out", str(below_a_file))
    assert code == 2
    assert f"--out {below_a_file}: cannot write there" in err
    assert "Traceback" not in err


def test_classify_output_that_cannot_be_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    points = tmp_path / "points.csv"
    points.write_text("id,lon,lat\nmorek,36.6897,35.37615\n")
    for name in ("out.csv", "out.parquet"):
        target = tmp_path / "no-such-dir" / name
        code, _, err = run(capsys, "classify", str(points), "--out", str(target))
        assert code == 2
        assert f"--out {target}: cannot write there" in err


def test_classify_rejects_a_radius_that_is_not_finite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    points = tmp_path / "points.csv"
    points.write_text(
        "id,lon,lat,precision_km\na,36.6897,35.37615,nan\nb,36.6897,35.37615,inf\n"
        "c,36.6897,35.37615,-2\nd,36.6897,35.37615,\n"
    )
    code, _, err = run(capsys, "classify", str(points))
    assert code == 2
    assert f"{points}: 3 bad value(s)" in err
    assert "row 2, field 'precision_km': nan is not a finite number of km, 0 or more" in err
    assert "row 3, field 'precision_km': inf is not a finite number of km, 0 or more" in err
    assert "row 4, field 'precision_km': -2.0 is not a finite number of km, 0 or more" in err


def test_classify_an_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    points = tmp_path / "empty.csv"
    points.write_text("")
    code, _, err = run(capsys, "classify", str(points))
    assert code == 2
    assert f"{points}: the file is empty; expected a header row with columns id, lon, lat" in err


def test_places_without_a_places_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "places", "--scenario", "minsk-2015")
    assert code == 0
    assert "names no file of populated places" in out
    assert "GeoNames" not in out


NESTED = """\
[agreement]
id = "nested"
title = "Two nested zones along one line"
signed = 2020-03-05
timezone = "Asia/Damascus"
places = "{places}"

[lines.m4]
coordinates = [[36.160, 35.800], [36.31983, 35.81418], [36.60964, 35.81374], [36.78380, 35.86447]]

[zones.inner]
line = "m4"
side = "both"
max_km = 6

[zones.outer]
line = "m4"
side = "both"
max_km = 12
"""


def test_nested_zones_list_a_place_in_each_and_count_it_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    places = Path(__file__).resolve().parents[2] / "src/dmzwatch/data/geonames_syria_nw_places.csv"
    agreement = tmp_path / "nested.toml"
    agreement.write_text(NESTED.format(places=places.as_posix()))
    code, out, _ = run(capsys, "places", "--scenario", str(agreement), "--json")
    assert code == 0
    names = {b["zone"]: {p["name"] for p in b["places"]} for b in json.loads(out)}
    assert "Jisr ash Shughur" in names["inner"]  # on the line itself
    assert names["inner"] <= names["outer"]  # within 6 km is also within 12 km
    code, out, _ = run(capsys, "demo", "--scenario", str(agreement), "--out", str(tmp_path))
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:6].strip()}
    # the total is the outer zone: its area and places, not the sum of both zones
    assert rows["total"][1:] == rows["outer"][3:]


def _parquet(path: Path, **columns: list[object]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path)
    return path


def test_classify_parquet_values_that_are_not_numbers_name_the_row_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = _parquet(tmp_path / "text.parquet", id=["a", "b"], lon=["36.6", "east"], lat=[35.4] * 2)
    code, _, err = run(capsys, "classify", str(text))
    assert code == 2
    assert f"{text}: row 2, field 'lon': 'east' is not a number" in err
    assert "Traceback" not in err
    null = _parquet(tmp_path / "null.parquet", id=["a", "b"], lon=[36.6, None], lat=[35.4] * 2)
    code, _, err = run(capsys, "classify", str(null))
    assert code == 2
    assert f"{null}: 1 bad lon value(s); first: id 'b', lon missing (null or NaN) (row 2)" in err


def test_a_failed_classify_leaves_no_partial_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    _parquet(parts / "0.parquet", id=["morek"], lon=[36.6897], lat=[35.37615])
    _parquet(parts / "1.parquet", id=["bad"], lon=[36.6897], lat=[135.0])
    (parts / "old-output.parquet").mkdir()  # a directory is not one of the files
    for name in ("out.parquet", "out.csv"):
        out = tmp_path / name
        code, _, err = run(capsys, "classify", str(parts), "--out", str(out))
        assert code == 2 and "1 bad lat value(s); first: id 'bad', lat 135.0 (row 1)" in err
        assert not out.exists()  # not the first file's rows alone
        out.write_text("an earlier result")
        assert run(capsys, "classify", str(parts), "--out", str(out))[0] == 2
        assert out.read_text() == "an earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.parquet", "parts"]
    (parts / "1.parquet").unlink()
    assert run(capsys, "classify", str(parts), "--out", str(tmp_path / "out.csv"))[0] == 0
    assert (tmp_path / "out.csv").read_text().splitlines()[1].startswith("morek,36.6897,")


def test_classify_no_points_to_parquet_writes_the_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header_only = tmp_path / "points.csv"
    header_only.write_text("id,lon,lat\n")
    no_rows = pa.table(
        {"id": pa.array([], pa.string()), "lon": pa.array([], pa.float64()), "lat": [0.0][:0]}
    )
    pq.write_table(no_rows, tmp_path / "points.parquet")
    for source in (header_only, tmp_path / "points.parquet"):
        out = tmp_path / f"out-{source.suffix[1:]}.parquet"
        code, _, err = run(capsys, "classify", str(source), "--out", str(out))
        assert code == 0, err
        table = pq.read_table(out)
        assert table.num_rows == 0
        assert [(f.name, str(f.type)) for f in table.schema] == [
            ("id", "string"),
            ("lon", "double"),
            ("lat", "double"),
            ("zone", "string"),
            ("band", "string"),
            ("distance_km", "double"),
            ("p_in_zone", "double"),
        ]
