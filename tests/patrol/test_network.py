"""Road networks: OpenStreetMap extracts and the fallback proximity graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

import dmzwatch
from dmzwatch.errors import InputError
from dmzwatch.patrol.network import Router, fallback_network, read_osm


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
