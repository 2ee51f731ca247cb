"""Road networks: OpenStreetMap extracts and the fallback proximity graph."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dmzwatch
from dmzwatch.cli import main
from dmzwatch.errors import InputError
from dmzwatch.patrol.network import RoadNetwork, Router, fallback_network, read_osm

from .conftest import Nodes, Ways, write_osm, write_pbf


def assert_same_graph(a: RoadNetwork, b: RoadNetwork) -> None:
    assert a.kind == b.kind == "osm"
    for name in ("x", "y", "u", "v", "length"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_read_osm_keeps_drivable_ways(m4: dmzwatch.Scenario, tiny_osm: Path) -> None:
    net = read_osm(tiny_osm, m4.projection)
    assert net.kind == "osm" and net.source == str(tiny_osm)
    # the footway's far end is on no drivable way: it has no edge
    fx, fy = m4.projection.forward([36.5], [35.70])
    far = int(np.argmin(np.hypot(net.x - fx[0], net.y - fy[0])))
    assert far not in set(net.u.tolist()) | set(net.v.tolist())
    # the trunk is ~57 km of schematic M4, the track about as long
    assert 100_000 < net.length.sum() < 140_000


def test_restricted_network_stays_inside(m4: dmzwatch.Scenario, tiny_osm: Path) -> None:
    net = read_osm(tiny_osm, m4.projection)
    box = shapely.box(float(net.x.min()), float(net.y.min()), float(np.median(net.x)), 1e7)
    part = net.restricted(box)
    assert 0 < part.n_nodes < net.n_nodes
    assert np.all(part.x <= np.median(net.x) + 1.0)


def test_unreadable_osm_is_an_input_error(m4: dmzwatch.Scenario, tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1'")
    with pytest.raises(InputError, match="not a readable"):
        read_osm(bad, m4.projection)
    with pytest.raises(InputError, match="no OpenStreetMap file"):
        read_osm(tmp_path / "missing.osm", m4.projection)


def test_pbf_gives_the_same_graph_as_osm(
    m4: dmzwatch.Scenario, tiny_osm: Path, tiny_pbf: Path
) -> None:
    from_osm = read_osm(tiny_osm, m4.projection)
    from_pbf = read_osm(tiny_pbf, m4.projection)
    assert from_pbf.source == str(tiny_pbf)
    assert from_pbf.n_nodes == from_osm.n_nodes > 0 and len(from_pbf.u) == len(from_osm.u) > 0
    assert_same_graph(from_pbf, from_osm)


_TAGS = st.fixed_dictionaries(
    {"highway": st.sampled_from(["trunk", "residential", "track", "footway", "path"])},
    optional={
        "oneway": st.sampled_from(["yes", "-1", "no"]),
        "access": st.sampled_from(["no", "private", "yes"]),
    },
)


@st.composite
def _extracts(draw: st.DrawFn) -> tuple[Nodes, Ways]:
    n = draw(st.integers(2, 12))
    lon = st.integers(360_000, 368_000).map(lambda k: k / 10_000)
    lat = st.integers(357_000, 359_000).map(lambda k: k / 10_000)
    nodes = [(i + 1, draw(lon), draw(lat)) for i in range(n)]
    refs = st.lists(st.integers(1, n + 2), min_size=2, max_size=6)  # n+1, n+2: absent nodes
    ways = [(w + 1, draw(refs), draw(_TAGS)) for w in range(draw(st.integers(1, 4)))]
    return nodes, ways


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extract=_extracts())
def test_pbf_and_osm_keep_the_same_ways(
    m4: dmzwatch.Scenario, tmp_path: Path, extract: tuple[Nodes, Ways]
) -> None:
    # access, oneway and refs to nodes missing from the extract are handled alike
    nodes, ways = extract
    osm = write_osm(tmp_path / "x.osm", nodes, ways)
    pbf = write_pbf(tmp_path / "x.osm.pbf", nodes, ways)
    try:
        from_osm = read_osm(osm, m4.projection)
    except InputError as exc:
        assert "no drivable roads" in str(exc)
        with pytest.raises(InputError, match="no drivable roads"):
            read_osm(pbf, m4.projection)
        return
    assert_same_graph(read_osm(pbf, m4.projection), from_osm)


def test_unreadable_pbf_is_an_input_error(m4: dmzwatch.Scenario, tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a protocol buffer")
    with pytest.raises(InputError, match="not a readable OpenStreetMap PBF"):
        read_osm(bad, m4.projection)


def test_plan_on_a_pbf_extract(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny_pbf: Path
) -> None:
    out = tmp_path / "plan"
    code = main(
        [
            "patrol", "plan", "--scenario", "idlib-m4-2020", "--units", "TR=2,RU=2",
            "--days", "1", "--out", str(out), "--osm", str(tiny_pbf), "--start", "2020-04-01",
        ]
    )  # fmt: skip
    stdout, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["network"] == "osm"
    assert summary["network_source"] == str(tiny_pbf)
    assert "network osm" in stdout


def test_fallback_graph_stays_in_its_region_and_connects() -> None:
    # a U-shaped region: points on both arms must be joined around the bend, not across
    region = shapely.union_all(
        [
            shapely.box(0, 0, 10_000, 50_000),
            shapely.box(30_000, 0, 40_000, 50_000),
            shapely.box(0, 0, 40_000, 10_000),
        ]
    )
    x = np.array([5_000, 5_000, 5_000, 20_000, 35_000, 35_000, 35_000], dtype=float)
    y = np.array([45_000, 25_000, 5_000, 5_000, 5_000, 25_000, 45_000], dtype=float)
    net = fallback_network(x, y, region, max_edge_km=25, detour=1.0)
    segs = shapely.linestrings(
        np.stack([np.column_stack([x[net.u], y[net.u]]), np.column_stack([x[net.v], y[net.v]])], 1)
    )
    assert shapely.covers(shapely.buffer(region, 1.0), segs).all()
    router = Router(net, np.array([0]))
    assert router.distance(0, 6) == pytest.approx(110_000, rel=1e-9)
    assert router.path(0, 6)[0] == 0 and router.path(0, 6)[-1] == 6
