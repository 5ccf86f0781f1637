"""Shared by the map tests: positions in metres, basemap files.

Every test runs with internet sockets refused (tests/conftest.py's ``no_network``).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import mercantile
from PIL import Image

from fieldkit.map.geo import destination


def offset(lat: float, lon: float, north: float, east: float) -> tuple[float, float]:
    """The (lat, lon) ``north`` and ``east`` metres away along a geodesic."""
    dist = math.hypot(north, east)
    if dist == 0:
        return lat, lon
    return destination(lat, lon, math.degrees(math.atan2(east, north)), dist)


def rotated_rectangle(
    lat: float, lon: float, length: float, width: float, bearing: float
) -> list[tuple[float, float]]:
    """Corners and a few inside points of a length × width rectangle whose long side
    runs ``bearing`` degrees from true north, centred on (lat, lon)."""
    b = math.radians(bearing)
    along = (math.sin(b), math.cos(b))  # (east, north) unit vector of the long axis
    across = (math.cos(b), -math.sin(b))
    out = []
    for u, v in [
        (-0.5, -0.5),
        (0.5, -0.5),
        (0.5, 0.5),
        (-0.5, 0.5),
        (0, 0),
        (0.3, 0.2),
        (-0.2, -0.4),
    ]:
        east = u * length * along[0] + v * width * across[0]
        north = u * length * along[1] + v * width * across[1]
        out.append(offset(lat, lon, north, east))
    return out


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def write_pmtiles(
    path: Path, tiles: dict[tuple[int, int, int], bytes], *, tile_type: str = "PNG"
) -> None:
    """A PMTiles v3 archive written by the ``pmtiles`` package's own writer."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    zooms = [z for z, _x, _y in tiles]
    west, south, east, north = 180.0, 90.0, -180.0, -90.0
    for z, x, y in tiles:
        b = mercantile.bounds(x, y, z)
        west, south = min(west, b.west), min(south, b.south)
        east, north = max(east, b.east), max(north, b.north)
    with open(path, "wb") as f:
        writer = Writer(f)
        for tile_id, data in sorted((zxy_to_tileid(*k), v) for k, v in tiles.items()):
            writer.write_tile(tile_id, data)
        writer.finalize(
            {
                "tile_type": getattr(TileType, tile_type),
                "tile_compression": Compression.NONE,
                "min_zoom": min(zooms),
                "max_zoom": max(zooms),
                "min_lon_e7": int(west * 1e7),
                "min_lat_e7": int(south * 1e7),
                "max_lon_e7": int(east * 1e7),
                "max_lat_e7": int(north * 1e7),
                "center_zoom": min(zooms),
                "center_lon_e7": int((west + east) / 2 * 1e7),
                "center_lat_e7": int((south + north) / 2 * 1e7),
            },
            {"attribution": "Test tiles © nobody", "name": "test"},
        )
