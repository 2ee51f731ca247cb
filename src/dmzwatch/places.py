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
    population, admin1_name``)."""
    places = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                places.append(
                    Place(
                        int(row["geonameid"]),
                        row.get("name_ascii") or row["name"],
                        float(row["longitude"]),
                        float(row["latitude"]),
                        int(row.get("population") or 0),
                        row.get("admin1_name", ""),
                    )
                )
            except (KeyError, ValueError) as exc:
                raise InputError(f"{path}, row {row_no}: not a valid place ({exc})") from exc
    return tuple(places)
