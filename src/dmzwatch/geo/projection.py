"""A local metric projection for a scenario, and moving coordinates and geometries through it.

Zones are built and measured in metres in an azimuthal equidistant projection centred on the
scenario's reference lines (or a CRS the agreement names), then reprojected to WGS84 lon/lat.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Geod, Transformer
from shapely.geometry.base import BaseGeometry

__all__ = ["GEOD", "LocalProjection", "densify_geodesic"]

GEOD = Geod(ellps="WGS84")
"""The WGS84 ellipsoid: every geodesic distance and area in dmzwatch is measured on it."""

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class LocalProjection:
    """A metric CRS with transformers to and from WGS84 lon/lat (always x=lon, y=lat).

    >>> p = LocalProjection.centred_on(36.6, 35.6)
    >>> x, y = p.forward([36.6], [35.6])
    >>> bool(abs(x[0]) < 1e-6 and abs(y[0]) < 1e-6)
    True
    """

    crs: CRS
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        wgs84 = CRS.from_epsg(4326)
        object.__setattr__(self, "_fwd", Transformer.from_crs(wgs84, self.crs, always_xy=True))
        object.__setattr__(self, "_inv", Transformer.from_crs(self.crs, wgs84, always_xy=True))

    @classmethod
    def centred_on(cls, lon: float, lat: float) -> LocalProjection:
        """An azimuthal equidistant projection on WGS84 centred at (lon, lat)."""
        return cls(
            CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m")
        )

    @classmethod
    def for_geometries(cls, geoms: list[BaseGeometry], crs: str | None = None) -> LocalProjection:
        """The agreement's CRS when it names one, else one centred on the geometries' bounds."""
        if crs is not None:
            return cls(CRS.from_user_input(crs))
        x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object))
        return cls.centred_on((x0 + x1) / 2, (y0 + y1) / 2)

    def forward(self, lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
        """lon/lat degrees to projected metres."""
        x, y = self._fwd.transform(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse(self, x: ArrayLike, y: ArrayLike) -> tuple[Floats, Floats]:
        """Projected metres to lon/lat degrees."""
        lon, lat = self._inv.transform(
            np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        )
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    def to_local(self, geom: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry in projected metres."""
        return shapely.transform(geom, lambda c: np.column_stack(self.forward(c[:, 0], c[:, 1])))

    def to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """A projected geometry in lon/lat degrees."""
        return shapely.transform(geom, lambda c: np.column_stack(self.inverse(c[:, 0], c[:, 1])))


def densify_geodesic(line: BaseGeometry, max_segment_km: float) -> BaseGeometry:
    """A lon/lat line with extra vertices so that no segment is longer than ``max_segment_km``.

    The added vertices lie on the geodesic between the original ones, so the line follows
    geodesics once it is drawn straight in a local projection.
    """
    parts = [line] if line.geom_type == "LineString" else list(getattr(line, "geoms", []))
    out = []
    for part in parts:
        coords = np.asarray(part.coords)
        pts = [coords[0]]
        for (lon0, lat0), (lon1, lat1) in itertools.pairwise(coords):
            _, _, dist = GEOD.inv(lon0, lat0, lon1, lat1)
            n = int(np.ceil(dist / (max_segment_km * 1000.0))) - 1
            if n > 0:
                pts.extend(np.asarray(GEOD.npts(lon0, lat0, lon1, lat1, n)))
            pts.append(np.array([lon1, lat1]))
        out.append(shapely.LineString(pts))
    return out[0] if len(out) == 1 else shapely.MultiLineString(out)
