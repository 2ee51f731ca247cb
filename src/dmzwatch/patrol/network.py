"""The network patrols drive on: roads from an OpenStreetMap extract, or a fallback graph.

* :func:`read_osm` reads an ``.osm`` XML file (the standard library parses it) or an
  ``.osm.pbf`` file (``osmium`` parses it) and keeps the ways a vehicle can use
  (``highway`` = motorway … residential, unclassified, service, track and their links,
  unless ``access`` = no or private). Both formats give the same graph. Edges are the way
  segments, measured in the local projection; the graph is undirected (``oneway`` tags are
  not read).
* :func:`fallback_network` is used without an extract: the points patrols need (sector access
  points, bases, meeting points, populated places) joined to their nearest neighbours within
  ``max_edge_km``, each edge a straight segment lengthened by ``detour`` (roads are longer
  than the crow flies), and only where the segment stays inside the duty's own-side region.
  Pieces left apart are bridged by the shortest segment that stays inside the region.

Either way a duty drives on :meth:`RoadNetwork.restricted` to its own side, and
:class:`Router` gives shortest distances and paths between the points it needs.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ..geo.projection import LocalProjection

__all__ = ["DRIVABLE", "RoadNetwork", "Router", "fallback_network", "read_osm"]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

DRIVABLE = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "service",
        "track",
        "road",
        "living_street",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    }
)
"""``highway`` values a patrol vehicle can drive on."""

_EDGE_TOL_M = 1.0  # a segment may graze its region's edge by this much


@dataclass(frozen=True)
class RoadNetwork:
    """An undirected graph in local metres: nodes ``(x, y)``, edges ``(u, v, length)``.

    ``kind`` is ``"osm"`` or ``"fallback"``; ``source`` says where it came from.
    """

    kind: str
    source: str
    x: Floats
    y: Floats
    u: Ints
    v: Ints
    length: Floats

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    def restricted(self, region: BaseGeometry) -> RoadNetwork:
        """The part whose edges lie in ``region`` (both ends and the middle inside)."""
        area = shapely.buffer(region, _EDGE_TOL_M)
        shapely.prepare(area)
        xs, ys = self.x, self.y
        mx, my = (xs[self.u] + xs[self.v]) / 2, (ys[self.u] + ys[self.v]) / 2
        inside = shapely.contains_xy(area, xs, ys)
        keep = inside[self.u] & inside[self.v] & shapely.contains_xy(area, mx, my)
        used = np.zeros(self.n_nodes, dtype=bool)
        used[self.u[keep]] = True
        used[self.v[keep]] = True
        new = np.cumsum(used) - 1
        return RoadNetwork(
            self.kind,
            self.source,
            xs[used],
            ys[used],
            new[self.u[keep]].astype(np.int64),
            new[self.v[keep]].astype(np.int64),
            self.length[keep],
        )

    def nearest(self, x: Floats, y: Floats) -> tuple[Ints, Floats]:
        """Nearest node to each point and its distance (metres); -1 on an empty network."""
        if self.n_nodes == 0:
            return np.full(len(x), -1, np.int64), np.full(len(x), np.inf)
        tree = shapely.STRtree(shapely.points(self.x, self.y))
        idx, dist = tree.query_nearest(
            shapely.points(x, y), return_distance=True, all_matches=False
        )
        node = np.full(len(x), -1, np.int64)
        d = np.full(len(x), np.inf)
        node[idx[0]] = idx[1]
        d[idx[0]] = dist
        return node, d


def read_osm(path: str | Path, projection: LocalProjection) -> RoadNetwork:
    """The drivable roads of an OpenStreetMap extract (``.osm``, ``.osm.gz`` or ``.pbf``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no OpenStreetMap file at {path}")
    if path.suffix == ".pbf":
        nodes, ways = _read_pbf(path)
    else:
        nodes, ways = _read_osm_xml(path)
    ids = np.array(list(nodes), dtype=np.int64)
    lonlat = np.array([nodes[i] for i in ids.tolist()], dtype=np.float64).reshape(-1, 2)
    index = {int(k): j for j, k in enumerate(ids.tolist())}
    us: list[int] = []
    vs: list[int] = []
    for refs in ways:
        known = [index[r] for r in refs if r in index]
        us.extend(known[:-1])
        vs.extend(known[1:])
    if not us:
        raise InputError(f"{path}: no drivable roads (ways tagged highway=...) in the extract")
    x, y = projection.forward(lonlat[:, 0], lonlat[:, 1])
    u, v = np.array(us, np.int64), np.array(vs, np.int64)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    return RoadNetwork("osm", str(path), x, y, u, v, length)


def _read_osm_xml(path: Path) -> tuple[dict[int, tuple[float, float]], list[list[int]]]:
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            for _, elem in ET.iterparse(fh, events=("end",)):
                if elem.tag == "node":
                    nodes[int(elem.attrib["id"])] = (
                        float(elem.attrib["lon"]),
                        float(elem.attrib["lat"]),
                    )
                    elem.clear()
                elif elem.tag == "way":
                    tags = {t.attrib.get("k"): t.attrib.get("v") for t in elem.iter("tag")}
                    if tags.get("highway") in DRIVABLE and tags.get("access") not in (
                        "no",
                        "private",
                    ):
                        ways.append([int(nd.attrib["ref"]) for nd in elem.iter("nd")])
                    elem.clear()
                elif elem.tag == "relation":
                    elem.clear()
    except (ET.ParseError, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a readable OpenStreetMap XML file ({exc})") from exc
    return nodes, ways


def _read_pbf(path: Path) -> tuple[dict[int, tuple[float, float]], list[list[int]]]:
    """Nodes and drivable ways of a ``.pbf`` extract, kept as :func:`_read_osm_xml` keeps them."""
    import osmium  # imported here: only .pbf extracts need it

    nodes: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []
    try:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            if isinstance(obj, osmium.osm.Node):
                if obj.location.valid():
                    nodes[obj.id] = (obj.location.lon, obj.location.lat)
            elif isinstance(obj, osmium.osm.Way):
                tags = obj.tags
                if tags.get("highway") in DRIVABLE and tags.get("access") not in (
                    "no",
                    "private",
                ):
                    ways.append([n.ref for n in obj.nodes])
    except RuntimeError as exc:  # libosmium reports unreadable input as RuntimeError
        raise InputError(f"{path}: not a readable OpenStreetMap PBF file ({exc})") from exc
    return nodes, ways


def fallback_network(
    x: Floats,
    y: Floats,
    region: BaseGeometry,
    *,
    max_edge_km: float = 12.0,
    neighbours: int = 6,
    detour: float = 1.3,
    source: str = "fallback",
) -> RoadNetwork:
    """A proximity graph on the given points, kept inside ``region`` (see the module doc)."""
    n = len(x)
    area = shapely.buffer(region, _EDGE_TOL_M)
    shapely.prepare(area)
    pts = np.column_stack([x, y])
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    np.fill_diagonal(d, np.inf)
    k = min(neighbours, max(0, n - 1))
    pairs: set[tuple[int, int]] = set()
    if k:
        near = np.argsort(d, axis=1)[:, :k]
        for i in range(n):
            for j in near[i]:
                if d[i, j] <= max_edge_km * 1000.0:
                    pairs.add((min(i, int(j)), max(i, int(j))))
    u, v = _inside(area, pts, sorted(pairs))
    # bridge pieces left apart, shortest admissible link first
    while n > 1:
        labels = _components(n, u, v)
        if labels.max() == 0:
            break
        cross = labels[:, None] != labels[None, :]
        cand = np.argwhere(np.triu(cross & np.isfinite(d), 1))
        cand = cand[np.argsort(d[cand[:, 0], cand[:, 1]], kind="stable")]
        added = False
        for start in range(0, len(cand), 512):
            block = [(int(a), int(b)) for a, b in cand[start : start + 512]]
            bu, bv = _inside(area, pts, block)
            if len(bu):
                u, v = np.append(u, bu[0]), np.append(v, bv[0])
                added = True
                break
        if not added:
            break
    length = d[u, v] * detour if len(u) else np.zeros(0)
    return RoadNetwork("fallback", source, np.asarray(x, float), np.asarray(y, float), u, v, length)


def _inside(area: BaseGeometry, pts: Floats, pairs: list[tuple[int, int]]) -> tuple[Ints, Ints]:
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    arr = np.array(pairs, dtype=np.int64)
    segs = shapely.linestrings(np.stack([pts[arr[:, 0]], pts[arr[:, 1]]], axis=1))
    ok = shapely.covers(area, segs)
    return arr[ok, 0], arr[ok, 1]


def _components(n: int, u: Ints, v: Ints) -> Ints:
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


class Router:
    """Shortest paths from a set of source nodes (metres)."""

    def __init__(self, network: RoadNetwork, sources: Ints) -> None:
        self.network = network
        n = network.n_nodes
        graph = coo_matrix(
            (
                np.concatenate([network.length, network.length]),
                (np.concatenate([network.u, network.v]), np.concatenate([network.v, network.u])),
            ),
            shape=(n, n),
        ).tocsr()
        self.sources = np.unique(np.asarray(sources, dtype=np.int64))
        self._row = {int(s): i for i, s in enumerate(self.sources)}
        if len(self.sources) and n:
            dist, pred = dijkstra(graph, indices=self.sources, return_predecessors=True)
            self._dist = np.asarray(dist, dtype=np.float64)
            self._pred = np.asarray(pred, dtype=np.int64)
        else:
            self._dist = np.zeros((0, n))
            self._pred = np.zeros((0, n), dtype=np.int64)

    def distance(self, a: int, b: int) -> float:
        """Shortest distance from source ``a`` to node ``b`` (``inf`` when unreachable)."""
        return float(self._dist[self._row[a], b])

    def path(self, a: int, b: int) -> list[int]:
        """Nodes of the shortest path from source ``a`` to node ``b`` (both included)."""
        row = self._pred[self._row[a]]
        out = [b]
        while out[-1] != a:
            prev = int(row[out[-1]])
            if prev < 0:
                raise ValueError(f"node {b} is not reachable from {a}")
            out.append(prev)
        return out[::-1]
