"""Populated places (GeoNames) that a scenario reports on: who lives in or near a zone."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["Place", "read_places"]


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place; ``population`` 0 means unknown, not empty."""

    geonameid: int
    name: str
    lon: float
    lat: float
    population: int
    admin1: str


def read_places(path: Path) -> tuple[Place, ...]:
    """Read a GeoNames-style CSV (``geonameid, name_ascii|name, latitude, longitude,
    population, admin1_name``); every bad row is reported at once, by row and field."""
    places = []
    problems: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in ("geonameid", "latitude", "longitude") if c not in header]
        if "name_ascii" not in header and "name" not in header:
            missing.append("name_ascii (or name)")
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
        for row_no, row in enumerate(reader, start=2):
            here: list[str] = []
            geonameid = _number(row, "geonameid", True, (1, 2**63 - 1), here)
            lon = _number(row, "longitude", False, (-180, 180), here)
            lat = _number(row, "latitude", False, (-90, 90), here)
            population = _number(row, "population", True, (0, 2**63 - 1), here, default=0)
            name = (row.get("name_ascii") or row.get("name") or "").strip()
            if not name:
                here.append("name_ascii and name are both empty")
            if here:
                problems += [f"row {row_no}: {p}" for p in here]
                continue
            admin1 = row.get("admin1_name") or ""
            places.append(Place(int(geonameid), name, lon, lat, int(population), admin1))
    if problems:
        more = [f"... and {len(problems) - 20} more"] if len(problems) > 20 else []
        listed = "\n  - ".join(problems[:20] + more)
        raise InputError(f"{path}: {len(problems)} bad place(s):\n  - {listed}")
    return tuple(places)


def _number(
    row: dict[str, str],
    field: str,
    whole: bool,
    bounds: tuple[float, float],
    problems: list[str],
    default: float | None = None,
) -> float:
    """The number in ``row[field]`` (0 and a problem noted when it is not one, or out of
    ``bounds``; ``default`` for an empty cell when given)."""
    text = (row.get(field) or "").strip()
    if not text and default is not None:
        return default
    try:
        value = float(int(text)) if whole else float(text)
    except ValueError:
        problems.append(f"{field} {text!r} is not {'a whole' if whole else 'a'} number")
        return 0.0
    low, high = bounds
    if not low <= value <= high:  # NaN fails too
        problems.append(f"{field} {text!r} is outside [{low:g}, {high:g}]")
    return value
