"""Fixtures for the patrol tests: a tiny OpenStreetMap extract along the M4."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import osmium
import pytest

import dmzwatch
from dmzwatch.patrol.plan import Plan, build_plan

# the schematic M4 of the idlib-m4-2020 scenario, west to east
M4 = [(36.160, 35.800), (36.31983, 35.81418), (36.60964, 35.81374), (36.78380, 35.86447)]


Nodes = list[tuple[int, float, float]]
Ways = list[tuple[int, list[int], dict[str, str]]]


def tiny_network() -> tuple[Nodes, Ways]:
    """Nodes ``(id, lon, lat)`` (6 decimals) and ways ``(id, refs, tags)``: a trunk road
    along the M4 every ~1 km, a parallel track 2 km north joined to it at both ends, and a
    footway (not drivable) off to the south."""
    nodes: list[tuple[int, float, float]] = []
    trunk: list[int] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(M4):
        steps = max(2, int(np.hypot(x1 - x0, y1 - y0) / 0.01))
        for t in np.linspace(0, 1, steps, endpoint=False):
            nodes.append((len(nodes) + 1, x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
            trunk.append(len(nodes))
    nodes.append((len(nodes) + 1, *M4[-1]))
    trunk.append(len(nodes))
    track = []
    for _, lon, lat in [nodes[i - 1] for i in trunk[::4]]:
        nodes.append((len(nodes) + 1, lon, lat + 0.018))
        track.append(len(nodes))
    track = [trunk[0], *track, trunk[-1]]
    nodes.append((len(nodes) + 1, 36.5, 35.70))
    foot = [trunk[len(trunk) // 2], len(nodes)]
    rounded = [(i, round(float(lon), 6), round(float(lat), 6)) for i, lon, lat in nodes]
    ways = [(1, trunk, "trunk"), (2, track, "track"), (3, foot, "footway")]
    return rounded, [(i, refs, {"highway": kind}) for i, refs, kind in ways]


def write_osm(path: Path, nodes: Nodes, ways: Ways) -> Path:
    """Nodes ``(id, lon, lat)`` and ways ``(id, refs, tags)`` as ``.osm`` XML."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [f'  <node id="{i}" lat="{lat:.6f}" lon="{lon:.6f}"/>' for i, lon, lat in nodes]
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_pbf(path: Path, nodes: Nodes, ways: Ways) -> Path:
    """The same as :func:`write_osm`, as an ``.osm.pbf`` file written by pyosmium."""
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    try:
        for i, lon, lat in nodes:
            writer.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat)))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


@pytest.fixture(scope="session")
def tiny_osm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_osm(tmp_path_factory.mktemp("osm") / "m4.osm", *tiny_network())


@pytest.fixture(scope="session")
def tiny_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pbf(tmp_path_factory.mktemp("pbf") / "m4.osm.pbf", *tiny_network())


@pytest.fixture(scope="session")
def idlib_plan(idlib: dmzwatch.Scenario) -> Plan:
    return build_plan(idlib, start=dt.date(2019, 12, 1), units={"TR": 4, "RU": 4})
