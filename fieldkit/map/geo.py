"""Web Mercator tile math and local metric projections.

Pixel coordinates follow the XYZ tile scheme (the "slippy map" convention of
OpenStreetMap, EPSG:3857 with 256-pixel tiles): at zoom ``z`` the world is a square of
``256 · 2**z`` pixels, x grows east from longitude -180, y grows south from latitude
+85.0511 (the Mercator limit). Tile ids and bounds come from ``mercantile``; the
vectorised forms here use the same formula (checked against it in the tests).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mercantile
import numpy as np
from pyproj import Geod, Proj

TILE_SIZE = 256
MAX_LAT = 85.0511287798066  # where Web Mercator is a square: atan(sinh(pi))
MAX_ZOOM = 22
EARTH_RADIUS_M = 6378137.0  # the sphere of EPSG:3857
WGS84 = Geod(ellps="WGS84")


def world_size(zoom: int) -> float:
    """The width (= height) of the whole world in pixels at ``zoom``."""
    return TILE_SIZE * float(2**zoom)


def to_pixel(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """World pixel (x, y) of a WGS84 position at ``zoom``, using ``mercantile.xy``."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    mx, my = mercantile.xy(lon, lat)
    half = math.pi * EARTH_RADIUS_M
    size = world_size(zoom)
    return (mx / (2 * half) + 0.5) * size, (0.5 - my / (2 * half)) * size


def to_pixels(lat: Any, lon: Any, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`to_pixel` for numpy arrays of degrees (zoom may be fractional)."""
    lat = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    lon = np.asarray(lon, dtype=np.float64)
    size = TILE_SIZE * 2.0**zoom
    x = (lon / 360.0 + 0.5) * size
    y = (0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi)) * size
    return x, y


def to_lonlat(x: float, y: float, zoom: float) -> tuple[float, float]:
    """The WGS84 (lat, lon) of world pixel (x, y) at ``zoom``."""
    size = TILE_SIZE * 2.0**zoom
    lon = x / size * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / size))))
    return lat, lon


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Ground resolution of Web Mercator at a latitude: 2πR·cos(lat) / (256·2**zoom)."""
    return 2 * math.pi * EARTH_RADIUS_M * math.cos(math.radians(lat)) / (TILE_SIZE * 2.0**zoom)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid, in metres (pyproj.Geod, Karney's method)."""
    _az1, _az2, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def destination(lat: float, lon: float, bearing_deg: float, dist_m: float) -> tuple[float, float]:
    """The (lat, lon) ``dist_m`` metres from a point along a geodesic with an initial bearing."""
    lon2, lat2, _ = WGS84.fwd(lon, lat, bearing_deg, dist_m)
    return float(lat2), float(lon2)


def wrap_lon(lon: float) -> float:
    """A longitude folded into [-180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


def circular_mean_lon(lons: Sequence[float]) -> float:
    """The mean of longitudes on the circle, so 179.9 and -179.9 average to 180, not 0."""
    s = sum(math.sin(math.radians(v)) for v in lons)
    c = sum(math.cos(math.radians(v)) for v in lons)
    return wrap_lon(math.degrees(math.atan2(s, c)))


def local_projection(lat0: float, lon0: float) -> Proj:
    """An azimuthal equidistant projection on the WGS84 ellipsoid, in metres (x east, y
    north), centred near (lat0, lon0): ``p(lon, lat)`` projects, ``p(x, y, inverse=True)``
    goes back.

    The centre is (lat0, lon0) rounded to 0.1° so that nearby sites share one projection
    (making one costs milliseconds; a case has thousands of sites). Points lie within
    8 km of that centre, where the projection's scale error is below 3 parts in ten
    million (it grows as d²/6R²): far below the precision of any position we record.
    A ``Proj`` rather than a ``Transformer.from_crs``: the same PROJ operation without a
    database look-up. One per thread (pyproj objects are not shared between threads).
    """
    return _projection(round(lat0, 1), round(wrap_lon(lon0), 1), threading.get_ident())


@lru_cache(maxsize=256)
def _projection(lat0: float, lon0: float, _thread: int) -> Proj:
    return Proj(proj="aeqd", lat_0=lat0, lon_0=lon0, datum="WGS84", units="m")


@dataclass(frozen=True)
class View:
    """What a map shows: a centre, an integer zoom level and a size in pixels.

    The centre falls on the continuous pixel coordinate (width/2, height/2): with an even
    width it is the corner shared by four pixels, and a marker of radius ≥ 1 drawn there
    covers pixel (⌊width/2⌋, ⌊height/2⌋).
    """

    lat: float
    lon: float
    zoom: int
    width: int
    height: int

    @property
    def origin(self) -> tuple[float, float]:
        """World pixel of the image's top-left corner."""
        cx, cy = to_pixel(self.lat, self.lon, self.zoom)
        return cx - self.width / 2, cy - self.height / 2

    def pixel(self, lat: float, lon: float) -> tuple[float, float]:
        """Image pixel of a position; the copy of the world nearest the centre is used."""
        x, y = to_pixel(lat, lon, self.zoom)
        return self._nearest_copy(x), y - self.origin[1]

    def pixels(self, lat: Any, lon: Any) -> tuple[np.ndarray, np.ndarray]:
        x, y = to_pixels(lat, lon, self.zoom)
        ox, oy = self.origin
        size = world_size(self.zoom)
        cx = ox + self.width / 2
        x = x + np.round((cx - x) / size) * size  # nearest copy across the antimeridian
        return x - ox, y - oy

    def _nearest_copy(self, x: float) -> float:
        ox, _oy = self.origin
        size = world_size(self.zoom)
        cx = ox + self.width / 2
        return x + round((cx - x) / size) * size - ox

    def lonlat(self, px: float, py: float) -> tuple[float, float]:
        """The (lat, lon) under image pixel (px, py)."""
        ox, oy = self.origin
        lat, lon = to_lonlat(ox + px, oy + py, self.zoom)
        return lat, wrap_lon(lon)

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees; west > east when it spans the antimeridian."""
        north, west = self.lonlat(0, 0)
        south, east = self.lonlat(self.width, self.height)
        if self.width >= world_size(self.zoom):
            west, east = -180.0, 180.0
        return west, south, east, north

    def metres_per_pixel(self) -> float:
        return metres_per_pixel(self.lat, self.zoom)

    def tiles(self) -> list[tuple[int, int, int, float, float]]:
        """The XYZ tiles that cover the image: (x, y, z, left, top) with x folded into
        [0, 2**z) and (left, top) where the tile's corner lands in the image."""
        ox, oy = self.origin
        n = 2**self.zoom
        out = []
        for ty in range(
            max(0, math.floor(oy / TILE_SIZE)), math.floor((oy + self.height) / TILE_SIZE) + 1
        ):
            if ty >= n:
                break
            for tx in range(
                math.floor(ox / TILE_SIZE), math.floor((ox + self.width) / TILE_SIZE) + 1
            ):
                out.append((tx % n, ty, self.zoom, tx * TILE_SIZE - ox, ty * TILE_SIZE - oy))
        return out

    def to_json(self) -> dict[str, Any]:
        west, south, east, north = self.bounds()
        return {
            "center": {"lat": round(self.lat, 7), "lon": round(self.lon, 7)},
            "zoom": self.zoom,
            "size": {"width": self.width, "height": self.height},
            "bounds": {
                "west": round(west, 7),
                "south": round(south, 7),
                "east": round(east, 7),
                "north": round(north, 7),
            },
            "metres_per_pixel": round(self.metres_per_pixel(), 4),
            "crs": "EPSG:3857",
            "tile_size": TILE_SIZE,
        }


def fit_view(
    positions: Sequence[tuple[float, float]] | np.ndarray,
    width: int,
    height: int,
    *,
    padding: int = 48,
    max_zoom: int = 18,
    min_zoom: int = 0,
) -> View:
    """The closest integer zoom that shows every (lat, lon), centred on their bounds.

    ``positions``: (lat, lon) pairs, or an (n, 2) array of them. No positions: the whole
    world at zoom 0-2. Positions on both sides of the antimeridian are fitted across it
    when that is the shorter way round.
    """
    if not len(positions):
        zoom = max(0, min(2, int(math.log2(max(1, min(width, height)) / TILE_SIZE))))
        return View(20.0, 0.0, zoom, width, height)
    pts = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    lats, lons = pts[:, 0], pts[:, 1]
    west, east = _lon_span(lons)
    south, north = float(lats.min()), float(lats.max())
    centre_lon = wrap_lon((west + east) / 2)
    x0, y0 = to_pixel(north, west, 0)
    x1, y1 = to_pixel(south, east, 0)
    span_x, span_y = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
    room_x, room_y = max(width - 2 * padding, 16), max(height - 2 * padding, 16)
    zoom = math.floor(math.log2(min(room_x / span_x, room_y / span_y)))
    zoom = max(min_zoom, min(max_zoom, zoom))
    mid_y = (y0 + y1) / 2
    centre_lat, _ = to_lonlat(0, mid_y, 0)
    return View(centre_lat, centre_lon, zoom, width, height)


def _lon_span(lons: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(west, east) of longitudes, east possibly > 180 when crossing the antimeridian."""
    a = np.asarray(lons, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    shifted = np.where(a < 0, a + 360, a)
    lo2, hi2 = float(shifted.min()), float(shifted.max())
    if hi2 - lo2 < hi - lo:
        return lo2, hi2
    return lo, hi
