"""Readers: UCDP GED, ACLED (rows made here: ACLED data is never shipped), mapped CSV, GeoJSON."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from dmzwatch.errors import InputError
from dmzwatch.events.precision import ACLED_LOCATION
from dmzwatch.events.readers import (
    acled,
    check_input,
    detect_format,
    load_map,
    parse_map_options,
    read,
)
from dmzwatch.events.validate import validate
from dmzwatch.rules.timing import event_times

UCDP = Path("/work/shared/data/ucdp_ged_syria_nw_2018_2019.csv")


def acled_rows(n: int = 3) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        row = dict.fromkeys(acled.COLUMNS, "")
        row.update(
            event_id_cnty=f"SYR{1000 + i}",
            event_date="2019-05-0" + str(1 + i % 9),
            year="2019",
            time_precision="1",
            event_type="Explosions/Remote violence",
            sub_event_type="Shelling/artillery/missile attack",
            actor1="Military Forces of Syria",
            actor2="Civilians (Syria)",
            country="Syria",
            location="Kafr Nabudah",
            latitude="35.4395",
            longitude="36.5036",
            geo_precision="1",
            notes="Regime forces shelled the town with rockets.",
            fatalities="2",
        )
        rows.append(row)
    return rows


def write_csv(
    path: Path, rows: list[dict[str, str]], *, bom: bool = False, crlf: bool = False
) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode())
    return path


def test_real_ucdp_file_reads_with_lines_and_precisions() -> None:
    batches = list(read(UCDP))
    cols = batches[0].columns
    assert sum(len(b.columns) for b in batches) == 1475
    assert validate(cols) == []
    assert cols.line[0] == 2 and cols.line[-1] == 1485  # quoted newlines counted
    assert set(np.unique(cols.precision_km)) <= {2.0, 25.0, 30.0, 50.0}
    event = cols.event(0)
    assert event.source == "ucdp" and event.source_id == "262928"
    assert event.original["source_office"] == "SOHR;SOHR;Reuters News"
    assert event.actors == ("National Front for Liberation, SNA", "SDF")
    assert (event.fatalities_best, event.fatalities_low, event.fatalities_high) == (2, 2, 2)


def test_global_ged_columns_and_datetime_dates(tmp_path: Path) -> None:
    with UCDP.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:5]
    for row in rows:
        row["relid"] = "SYR-2018-1-" + row["id"]
        row["date_start"] += " 00:00:00.000"
        row["date_end"] += " 00:00:00.000"
    path = write_csv(tmp_path / "ged.csv", rows)
    assert detect_format(path) == "ucdp"
    cols = next(iter(read(path))).columns
    assert validate(cols) == []
    assert str(cols.start[0]) == "2018-09-01T00:00:00"


@pytest.mark.parametrize(
    ("bom", "crlf"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_acled_rows_bom_crlf_and_quoted_newlines(tmp_path: Path, bom: bool, crlf: bool) -> None:
    rows = acled_rows(3)
    rows[1]["notes"] = 'Two lines:\r\nshelling "heavy", then quiet.'
    path = write_csv(tmp_path / "acled.csv", rows, bom=bom, crlf=crlf)
    assert detect_format(path) == "acled"
    cols = next(iter(read(path))).columns
    assert validate(cols) == []
    assert cols.line.tolist() == [2, 3, 5]
    assert cols.kind.tolist() == ["strike"] * 3
    assert cols.equipment_class[0] == "artillery" and cols.equipment_inferred[0]
    assert cols.event(1).original["notes"] == rows[1]["notes"]
    assert cols.event(0).actors == ("Military Forces of Syria", "Civilians (Syria)")


def test_bad_rows_are_reported_with_lines(tmp_path: Path) -> None:
    rows = acled_rows(4)
    rows[0]["latitude"] = "north"
    rows[1]["event_date"] = "2019-02-30"
    rows[2]["event_type"] = "Picnic"
    path = write_csv(tmp_path / "acled.csv", rows)
    with path.open("a") as fh:
        fh.write("only,three,fields\n\n")
    batches = list(read(path))
    cols = batches[0].columns
    problems = {(cols.line[p.index], p.field, p.reason.split(" (")[0]) for p in validate(cols)}
    assert (2, "latitude", "not a number") in problems
    assert (3, "event_date", "not a date") in problems
    assert (4, "event_type", "unknown event kind") in problems
    assert [(b.line, b.text) for b in batches[0].bad] == [(6, "only,three,fields")]
    assert batches[0].read == 5


def test_mapped_csv_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "monitor.csv"
    path.write_text(
        "report,day,x,y,what,weapon,n,note\n"
        "r1,2018-10-20,36.70,35.40,weapon_sighting,T-72,3,tanks near Morek\n"
        "r2,2018-10-21,36.71,35.41,,,,mortar fire reported\n",
        encoding="utf-8",
    )
    assert detect_format(path) == "csv"
    with pytest.raises(InputError, match="column mapping"):
        list(read(path))
    mapping = parse_map_options(
        [
            "source_id=report",
            "date=day",
            "lon=x",
            "lat=y",
            "kind=what",
            "equipment_class=weapon",
            "equipment_count=n",
            "text=note",
            "default.kind=incident",
            "default.precision_km=0.5",
        ],
        source="monitors",
    )
    cols = next(iter(read(path, "csv", mapping))).columns
    assert validate(cols) == []
    assert cols.kind.tolist() == ["weapon_sighting", "incident"]
    assert cols.equipment_class.tolist() == ["tank", "mortar"]
    assert cols.equipment_inferred.tolist() == [False, True]
    assert cols.equipment_count[0] == 3 and cols.precision_km.tolist() == [0.5, 0.5]
    with pytest.raises(InputError, match="lacks: nope"):
        list(read(path, "csv", parse_map_options(["lon=nope"])))


def test_geojson_points(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "id": "g1",
            "geometry": {"type": "Point", "coordinates": [36.6, 35.4]},
            "properties": {"date_start": "2018-11-01", "kind": "strike", "text": "barrel bombs"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            "properties": {"id": "g2", "date_start": "2018-11-02"},
        },
    ]
    path = tmp_path / "e.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert detect_format(path) == "geojson"
    batch = next(iter(read(path)))
    assert batch.end == path.stat().st_size
    cols = batch.columns
    problems = validate(cols)
    assert [(p.index, p.reason) for p in problems if p.field == "geometry"] == [
        (1, "geometry must be a Point")
    ]
    assert cols.source_id.tolist() == ["g1", "g2"]
    event = cols.event(0)
    assert event.equipment_class == "aircraft" and event.original == features[0]


def test_small_chunks_read_the_same_rows_lines_and_originals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dmzwatch.events.readers import _csv

    whole = [b.columns for b in read(UCDP)]
    monkeypatch.setattr(_csv, "CHUNK_BYTES", 5000)  # records cut across reads, quoted newlines
    batches = list(read(UCDP))
    parts = [b.columns for b in batches]
    assert len(parts) > 100
    # each batch says how far into the file it reaches: a record's end, up to the file's end
    data = UCDP.read_bytes()
    ends = [b.end for b in batches]
    assert ends == sorted(set(ends)) and ends[-1] == len(data)
    assert all(data[e - 1 : e] == b"\n" for e in ends)
    # the next batch starts on the line after the end
    assert [data.count(b"\n", 0, e) + 1 for e in ends[:-1]] == [int(c.line[0]) for c in parts[1:]]
    for name in ("line", "source_id", "original", "original_hash", "lon", "start", "text"):
        a = np.concatenate([getattr(c, name) for c in whole])
        b = np.concatenate([getattr(c, name) for c in parts])
        assert a.tolist() == b.tolist(), name


def test_original_is_json_dumps_of_the_row_and_lines_are_physical() -> None:
    with UCDP.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows, lines, prev = [], [], reader.line_num
        for record in reader:
            rows.append(dict(zip(header, record, strict=True)))
            lines.append(prev + 1)
            prev = reader.line_num
    cols = [b.columns for b in read(UCDP)]
    originals = [o for c in cols for o in c.original.tolist()]
    assert originals == [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in rows]
    assert [int(x) for c in cols for x in c.line] == lines
    hashes = [h for c in cols for h in c.original_hash.tolist()]
    assert hashes == [hashlib.sha256(o.encode()).hexdigest() for o in originals]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("dir", "is not a file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive (an Excel .xlsx workbook?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003 workbook"),
        ("id,day\n".encode("utf-16"), "text in UTF-16"),
        (b"id,day\n\x00\x01\x02", "not a text file (it holds NUL bytes)"),
        (b"", "the file has no header row"),
        (b"\n\n", "the file has no header row"),
    ],
)
def test_files_that_are_not_event_text_are_refused_by_name(
    tmp_path: Path, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "events.csv"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        list(read(path, "ucdp"))
    assert str(path) in str(caught.value)


def test_check_input_refuses_before_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("event_id_cnty,event_date,latitude\nX1,2019-01-01,35\n")
    with pytest.raises(InputError, match="not an ACLED file: missing column"):
        check_input(path, "acled")
    with pytest.raises(InputError, match="not a UCDP GED file: missing column"):
        check_input(path, "ucdp")
    with pytest.raises(InputError, match="needs a column mapping"):
        check_input(path)
    with pytest.raises(InputError, match="lacks: longitude"):
        check_input(path, mapping=parse_map_options(["lon=longitude", "lat=latitude"]))
    with pytest.raises(InputError, match="names no column for lon, date"):
        check_input(path, mapping=parse_map_options(["lat=latitude"]))  # all rows would fail
    mapping = parse_map_options(["lat=latitude", "lon=latitude", "date=event_date"])
    assert check_input(path, mapping=mapping) == "csv"
    assert check_input(UCDP) == "ucdp"


def _collection(tmp_path: Path, features: list[object]) -> Path:
    path = tmp_path / "e.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_geojson_odd_features_are_problems_named_by_their_field(tmp_path: Path) -> None:
    point = {"type": "Point", "coordinates": [36.6, 35.4]}
    features = [
        {"type": "Feature", "id": "p1", "geometry": point, "properties": ["not", "an object"]},
        {"type": "Feature", "id": "p2", "geometry": point, "properties": "text"},
        "not a feature",
        {"type": "Feature", "id": "p4", "geometry": {"type": "Point", "coordinates": [36.6]}},
        {"type": "Feature", "id": "p5", "geometry": point, "properties": None},
    ]
    cols = next(iter(read(_collection(tmp_path, features)))).columns  # no exception
    problems = {(p.index, p.field, p.reason) for p in validate(cols)}
    assert (0, "properties", "properties must be an object (or null)") in problems
    assert (1, "properties", "properties must be an object (or null)") in problems
    assert (2, "(feature)", "a feature must be a GeoJSON Feature object") in problems
    assert (3, "geometry", "a Point needs [longitude, latitude]") in problems
    assert {p.field for p in validate(cols)} & {"__lon", "__lat"} == set()
    assert (4, "date_start", "required field is missing") in problems


def test_geojson_feature_without_end_date_lasts_its_start_day(tmp_path: Path) -> None:
    point = {"type": "Point", "coordinates": [36.6, 35.4]}
    features = [
        {
            "type": "Feature",
            "id": "a",
            "geometry": point,
            "properties": {"date_start": "2018-11-01", "date_end": "2018-11-03"},
        },
        {
            "type": "Feature",
            "id": "b",
            "geometry": point,
            "properties": {"date_start": "2018-11-02"},
        },
        {"type": "Feature", "id": "c", "geometry": point, "properties": {"date": "2018-11-04"}},
    ]
    cols = next(iter(read(_collection(tmp_path, features)))).columns
    assert validate(cols) == []
    assert [str(d)[:10] for d in cols.end] == ["2018-11-03", "2018-11-02", "2018-11-04"]
    assert [str(d)[:10] for d in cols.start] == ["2018-11-01", "2018-11-02", "2018-11-04"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"type": "Feature"}]', "the top level is a JSON array"),
        ('{"type": "Feature", "properties": {}}', "the top level is of type 'Feature'"),
        ('{"type": "FeatureCollection"}', "has no features list"),
        ('{"type": "FeatureCollection", "features": [', "cannot read"),
    ],
)
def test_json_that_is_not_a_feature_collection_is_refused_before_reading(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "e.geojson"
    path.write_text(text)
    assert detect_format(path) == "geojson"
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        check_input(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[columns]\nkindd = "type"', "unknown field(s) kindd"),
        ('[columns]\nlon = "x"\n[defaults]\nkind = "bogus"', "unknown event kind 'bogus'"),
        ("[columns]\nsource_id = 5", "columns.source_id = 5: expected a column name"),
        ('columns = "x"', "columns must be a table"),
        ("defaults = 3", "defaults must be a table"),
        ('[columns]\nactors = ["a", 3]', "columns.actors = ['a', 3]"),
        ("[defaults]\nprecision_km = -3", "defaults.precision_km = -3: expected a number >= 0"),
        ('[defaults]\nprecision_km = "far"', "defaults.precision_km = 'far'"),
        ("[column]\nlon = 1", "unknown key(s) column"),
        ("[defaults]\nprecision = 2", "unknown default(s) precision"),
    ],
)
def test_mapping_file_mistakes_name_the_file_and_the_key(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "map.toml"
    path.write_text(toml)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        load_map(path)
    assert str(caught.value).startswith(f"{path}: bad column mapping")


def test_mapping_mistakes_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_text('[columns]\nkindd = "t"\n[defaults]\nkind = "x"\nprecision_km = -1\n')
    with pytest.raises(InputError, match="3 problems"):
        load_map(path)


def test_acled_long_dates_that_do_not_exist_are_refused(tmp_path: Path) -> None:
    rows = acled_rows(3)
    rows[0]["event_date"] = "31 February 2019"  # strptime alone rolls it to 3 March
    rows[1]["event_date"] = "01 September 2019"
    rows[2]["event_date"] = "29 February 2020"
    cols = next(iter(read(write_csv(tmp_path / "acled.csv", rows)))).columns
    problems = [(p.index, p.field, p.value) for p in validate(cols)]
    assert problems == [(0, "event_date", "31 February 2019")]
    assert [str(d)[:10] for d in cols.start[1:]] == ["2019-09-01", "2020-02-29"]


def test_unsplittable_records_keep_their_text_as_written(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(
        b'id,day,text\r\n1,2018-11-01,ok\r\n2,2018-11-01,"a, ""b""",extra\r\n'
        b'3,2018-11-01,"two\nlines",extra\r\n'
    )
    mapping = parse_map_options(["source_id=id", "date=day", "lon=id", "lat=id"])
    batch = next(iter(read(path, "csv", mapping)))
    assert [(b.line, b.text) for b in batch.bad] == [
        (3, '2,2018-11-01,"a, ""b""",extra'),
        (4, '3,2018-11-01,"two\nlines",extra'),
    ]


def _points(*ids: str) -> list[object]:
    point = {"type": "Point", "coordinates": [36.6, 35.4]}
    return [
        {"type": "Feature", "id": i, "geometry": point, "properties": {"date": "2018-11-01"}}
        for i in ids
    ]


def test_a_checked_geojson_file_is_parsed_once_then_again_for_another_read(
    tmp_path: Path, geojson_parses: list[Path]
) -> None:
    parsed = geojson_parses
    path = _collection(tmp_path, _points("a", "b"))
    assert check_input(path) == "geojson"
    cols = next(iter(read(path, "geojson"))).columns
    assert cols.source_id.tolist() == ["a", "b"] and validate(cols) == []
    assert parsed == [path]
    # the kept features went with that read: another read of the file parses it again
    assert next(iter(read(path))).columns.source_id.tolist() == ["a", "b"]
    assert parsed == [path, path]


@pytest.mark.parametrize("same_size", [False, True])
def test_a_geojson_file_changed_between_check_and_read_is_read_again(
    tmp_path: Path, geojson_parses: list[Path], same_size: bool
) -> None:
    parsed = geojson_parses
    path = _collection(tmp_path, _points("a", "b"))
    check_input(path)
    seen = path.stat()
    _collection(tmp_path, _points("c", "d") if same_size else _points("c", "d", "e"))
    if same_size:  # the size alone does not tell; a later modification time does
        assert path.stat().st_size == seen.st_size
        os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1_000_000_000))
    ids = next(iter(read(path))).columns.source_id.tolist()
    assert ids == (["c", "d"] if same_size else ["c", "d", "e"])
    assert len(parsed) == 2


def test_a_refused_geojson_file_lets_go_of_the_one_checked_before(
    tmp_path: Path, geojson_parses: list[Path]
) -> None:
    parsed = geojson_parses
    good = _collection(tmp_path, _points("a"))
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Feature"}')
    check_input(good)
    with pytest.raises(InputError, match="not a GeoJSON FeatureCollection"):
        check_input(bad)
    assert next(iter(read(good))).columns.source_id.tolist() == ["a"]
    assert parsed == [good, bad, good]


@pytest.mark.parametrize("slow", [False, True])
def test_blank_lines_are_no_records_on_either_path(tmp_path: Path, slow: bool) -> None:
    # saved by a spreadsheet: BOM, CRLF, blank lines below the table, a row of empty cells;
    # with ``slow`` a record that does not fit the header sends the chunk to the csv module
    path = write_csv(tmp_path / "acled.csv", acled_rows(3), bom=True, crlf=True)
    empty = "," * (len(acled.COLUMNS) - 1)
    tail = "\r\n" + ("only,three,fields\r\n" if slow else "") + f"\r\n{empty}\r\n\r\n"
    path.write_bytes(path.read_bytes() + tail.encode())
    batches = list(read(path))
    cols = batches[0].columns
    # the row of empty cells is a record (refused for what it lacks), the blank lines are not
    assert cols.source_id.tolist() == ["SYR1000", "SYR1001", "SYR1002", ""]
    assert cols.line.tolist() == [2, 3, 4, 8 if slow else 7]
    assert {p.index for p in validate(cols)} == {3}
    assert [(b.line, b.text) for b in batches[0].bad] == (
        [(6, "only,three,fields")] if slow else []
    )
    assert sum(b.read for b in batches) == 4 + slow


def test_a_quoted_bare_cr_starts_no_line_on_either_path(tmp_path: Path) -> None:
    rows = acled_rows(4)
    rows[0]["notes"] = "first\rsecond"  # quoted (QUOTE_ALL): one physical line
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    fast = tmp_path / "fast.csv"
    fast.write_text(buf.getvalue(), encoding="utf-8", newline="")
    lines = buf.getvalue().split("\n")
    lines.insert(3, "only,three,fields")  # line 4: the chunk is read by the csv module
    slow = tmp_path / "slow.csv"
    slow.write_text("\n".join(lines), encoding="utf-8", newline="")
    assert next(iter(read(fast))).columns.line.tolist() == [2, 3, 4, 5]
    batch = next(iter(read(slow)))
    assert batch.columns.line.tolist() == [2, 3, 5, 6]
    assert [b.line for b in batch.bad] == [4]


def test_a_file_with_bare_cr_line_ends_is_refused_by_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mac.csv", acled_rows(3))
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    with pytest.raises(InputError, match="lines end with a bare CR") as caught:
        check_input(path)
    assert str(path) in str(caught.value)
    with pytest.raises(InputError, match="lines end with a bare CR"):
        list(read(path, "acled"))


def test_map_option_names_several_actor_columns(tmp_path: Path) -> None:
    path = tmp_path / "monitor.csv"
    path.write_text(
        "id,day,x,y,unit,side\nr1,2018-10-20,36.70,35.40,3rd brigade,opposition\n"
        "r2,2018-10-20,36.70,35.40,,government\n",
        encoding="utf-8",
    )
    base = ["source_id=id", "date=day", "lon=x", "lat=y"]
    mapping = parse_map_options([*base, "actors=unit, side"])  # as documented
    assert mapping.columns["actors"] == ("unit", "side")
    cols = next(iter(read(path, "csv", mapping))).columns
    assert validate(cols) == []
    assert [cols.event(i).actors for i in range(2)] == [
        ("3rd brigade", "opposition"),
        ("government",),
    ]
    one = next(iter(read(path, "csv", parse_map_options([*base, "actors=side"])))).columns
    assert one.event(0).actors == ("opposition",)


def test_mapped_kind_and_class_problems_name_the_files_columns(tmp_path: Path) -> None:
    path = tmp_path / "monitor.csv"
    path.write_text(
        "id,day,x,y,type,weapon\nr1,2018-10-20,36.70,35.40,Picnic,ray gun\n", encoding="utf-8"
    )
    mapping = parse_map_options(
        ["source_id=id", "date=day", "lon=x", "lat=y", "kind=type", "equipment_class=weapon"]
    )
    cols = next(iter(read(path, "csv", mapping))).columns
    found = {(p.field, p.value, p.reason.split(" (expected")[0]) for p in validate(cols)}
    assert found == {
        ("type", "Picnic", "unknown event kind"),
        ("weapon", "ray gun", "unknown equipment class"),
    }
    kind = next(p for p in validate(cols) if p.field == "type")
    assert kind.reason == (
        "unknown event kind (expected one of: weapon_sighting, attack, strike, clash, incident, "
        "displacement, protest, other)"
    )


def test_bytes_that_are_not_utf8_are_named_by_field_and_value(tmp_path: Path) -> None:
    rows = acled_rows(3)
    rows[1]["location"] = "Ma'arrat al-Nu\u00e9man"
    rows[1]["notes"] = "Shelling near Jisr al-Shughur \u00e0 l'aube."
    path = tmp_path / "latin1.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("latin-1"))  # saved in a Western code page
    cols = next(iter(read(path))).columns
    found = [(int(cols.line[p.index]), p.field, p.value, p.reason) for p in validate(cols)]
    reason = "not valid UTF-8 (bytes replaced by U+FFFD)"
    assert found == [
        (3, "location", "Ma'arrat al-Nu\ufffdman", reason),
        (3, "notes", "Shelling near Jisr al-Shughur \ufffd l'aube.", reason),
    ]


def test_acled_event_types_are_read_whatever_their_case(tmp_path: Path) -> None:
    rows = acled_rows(4)
    for row, kind in zip(
        rows,
        ["battles", "EXPLOSIONS/REMOTE VIOLENCE", " Violence against civilians ", "Picnic"],
        strict=True,
    ):
        row["event_type"] = kind
    cols = next(iter(read(write_csv(tmp_path / "acled.csv", rows)))).columns
    assert cols.kind.tolist()[:3] == ["clash", "strike", "attack"]
    assert [(p.index, p.field) for p in validate(cols)] == [(3, "event_type")]


def test_geojson_ids_fatalities_and_features_without_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dmzwatch.events.readers import geojson

    point = {"type": "Point", "coordinates": [36.6, 35.4]}

    def feature(props: dict[str, object], **extra: object) -> dict[str, object]:
        return {"type": "Feature", "geometry": point, "properties": props, **extra}

    features = [
        feature({"date": "2018-11-01"}),  # no id: keyed by its content
        feature({"date": "2018-11-02"}, id="f2"),
        feature({"source_id": "s3", "date": "2018-11-03", "fatalities": 4}),
        feature({"id": "p4", "date": "2018-11-04", "fatalities_low": 2, "fatalities_high": 7}),
        feature({"date": "2018-11-05", "text": "no id either"}),
    ]
    path = _collection(tmp_path, features)
    whole = [b.columns for b in read(path)]
    monkeypatch.setattr(geojson, "BATCH", 2)  # the same whichever features share a batch
    parts = [b.columns for b in read(path)]
    for batches in (whole, parts):
        assert all(validate(c) == [] for c in batches)
        ids = [i for c in batches for i in c.source_id.tolist()]
        assert ids[1:4] == ["f2", "s3", "p4"]
        assert ids[0].startswith("sha256:") and ids[4].startswith("sha256:") and ids[0] != ids[4]
    events = [c.event(i) for c in whole for i in range(len(c))]
    assert (events[2].fatalities_best, events[3].fatalities_low, events[3].fatalities_high) == (
        4,
        2,
        7,
    )


def test_mapped_times_with_offsets_are_instants(tmp_path: Path) -> None:
    path = tmp_path / "monitor.csv"
    path.write_text(
        "id,when,until,x,y\n"
        "r1,2018-10-15T10:30:00+03:00,,36.70,35.40\n"  # an instant
        "r2,2018-10-15T10:30:00+03:00,2018-10-15T12:00Z,36.70,35.40\n"  # from one to the other
        "r3,2018-10-15,,36.70,35.40\n"  # the whole day
        "r4,2018-10-15,2018-10-16T08:00+03:00,36.70,35.40\n",  # a day, then until a time
        encoding="utf-8",
    )
    mapping = parse_map_options(
        ["source_id=id", "date_start=when", "date_end=until", "lon=x", "lat=y"]
    )
    cols = next(iter(read(path, "csv", mapping))).columns
    assert validate(cols) == []
    spans = [(cols.event(i).start.isoformat(), cols.event(i).end.isoformat()) for i in range(4)]
    assert spans == [
        ("2018-10-15T07:30:00+00:00", "2018-10-15T07:30:00+00:00"),
        ("2018-10-15T07:30:00+00:00", "2018-10-15T12:00:00+00:00"),
        ("2018-10-15T00:00:00+00:00", "2018-10-15T23:59:59+00:00"),
        ("2018-10-15T00:00:00+00:00", "2018-10-16T05:00:00+00:00"),
    ]
    # the rules read an instant as that moment, in the agreement's time zone
    notes = event_times([cols.event(i) for i in range(4)], ZoneInfo("Asia/Damascus")).notes
    assert notes[0] == "at 2018-10-15T10:30+03:00"
    assert notes[2] == "the whole day 2018-10-15 (time of day not given)"


def test_precision_codes_written_with_decimals_are_those_codes(tmp_path: Path) -> None:
    rows = acled_rows(3)
    rows[0]["geo_precision"], rows[0]["time_precision"] = "2.0", "1.00"
    rows[1]["geo_precision"] = "2.5"
    path = write_csv(tmp_path / "acled.csv", rows)
    cols = next(iter(read(path))).columns
    found = [(p.index, p.field, p.value) for p in validate(cols)]
    assert found == [(1, "geo_precision", "2.5")]
    assert (cols.location_precision[0], cols.date_precision[0]) == ("2", "1")
    assert cols.precision_km[0] == ACLED_LOCATION["2"].value
