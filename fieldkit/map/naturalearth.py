"""The shipped base: Natural Earth land and country borders, drawn as vectors.

The data is ``countries-110m.json`` and ``countries-50m.json`` from the npm package
``world-atlas`` 2.0.2 (Mike Bostock; TopoJSON built from Natural Earth, which is public
domain), committed in ``resources/naturalearth/`` with its licence. TopoJSON is decoded
here (RFC-less but tiny: quantised, delta-encoded arcs shared between geometries; see
github.com/topojson/topojson-specification): no maintained Python reader exists, and the
decoder is 40 lines tested against known geography.

Borders are the arcs shared by two countries (what topojson-client's ``mesh`` with
``a !== b`` gives); coastlines are the edges of the land fill.

Populated places: ``populated-places-110m.geojson``, the 243 points (names only) of
Natural Earth's 1:110m populated places as the PyPI package ``geopandas`` 0.14.4 ships
them (``geopandas/datasets/naturalearth_cities``), converted to GeoJSON with ``ogr2ogr``.
They are drawn with their names from ``PLACES_FROM_ZOOM`` on; names that would overlap
are left out, the same way in every tile (decided once per zoom level for the world).
"""

from __future__ import annotations

import io
import itertools
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFont

from fieldkit.catalogue import resources_dir
from fieldkit.map.basemaps import BUILTIN_NAME, BasemapInfo
from fieldkit.map.geo import TILE_SIZE, to_pixels

ATTRIBUTION = "Natural Earth (public domain), via world-atlas"
SEA = (203, 221, 235)
LAND = (242, 239, 230)
BORDER = (150, 140, 150)
COAST = (160, 180, 200)
DETAIL_ZOOM = 3  # from this zoom on, the 1:50m data; below it 1:110m
PLACES_FROM_ZOOM = 4  # populated places (a dot and the name) from this zoom on
PLACE = (70, 70, 70)
PLACE_LABEL_SIZE = 12

BUILTIN_INFO = BasemapInfo(
    name=BUILTIN_NAME,
    format="builtin",
    path=None,
    bounds=[-180.0, -85.0511, 180.0, 85.0511],
    min_zoom=0,
    max_zoom=22,
    tile_format="vector",
    attribution=ATTRIBUTION,
)


def data_dir() -> Path:
    return resources_dir() / "naturalearth"


def decode_topojson(
    doc: dict[str, Any], name: str, *, pixels: bool = False
) -> list[list[np.ndarray]]:
    """The polygons of object ``name`` as [polygon][ring] arrays of (lon, lat) rows.

    Quantised arcs are delta-decoded and scaled by ``transform``; arc index ``~i`` (a
    negative number) means arc i reversed; consecutive arcs of a ring share their joint
    point, which is dropped from all but the first (TopoJSON specification, 2.1.4-2.2).
    """
    arcs = _arcs(doc, pixels=pixels)
    obj = doc["objects"][name]
    geometries = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    out = []
    for g in geometries:
        if g.get("type") == "Polygon":
            polys = [g["arcs"]]
        elif g.get("type") == "MultiPolygon":
            polys = g["arcs"]
        else:
            continue
        for poly in polys:
            out.append([_ring(arcs, ring) for ring in poly])
    return out


def _arcs(doc: dict[str, Any], *, pixels: bool = False) -> list[np.ndarray]:
    """Every arc as an (n, 2) array of (lon, lat), or of world pixels at zoom 0.

    All arcs are decoded in one pass (one cumulative sum restarted at each arc's start).
    """
    raw = doc["arcs"]
    lengths = np.fromiter((len(a) for a in raw), dtype=np.int64, count=len(raw))
    flat = np.array(list(itertools.chain.from_iterable(raw)), dtype=np.float64)[:, :2]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    transform = doc.get("transform")
    if transform:
        total = np.cumsum(flat, axis=0)
        before = np.vstack([[0.0, 0.0], total])[starts]  # the running sum before each arc
        flat = (total - np.repeat(before, lengths, axis=0)) * transform["scale"]
        flat += transform["translate"]
    if pixels:
        x, y = to_pixels(flat[:, 1], flat[:, 0], 0)
        flat = np.column_stack([x, y])
    return np.split(flat, starts[1:])


def _ring(arcs: list[np.ndarray], indexes: list[int]) -> np.ndarray:
    parts = []
    for n, i in enumerate(indexes):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if n == 0 else a[1:])
    return np.concatenate(parts)


def shared_arcs(doc: dict[str, Any], name: str, *, pixels: bool = False) -> list[np.ndarray]:
    """Arcs used by two different geometries of ``name``: the borders between countries."""
    users: dict[int, set[int]] = {}
    obj = doc["objects"][name]

    def walk(item: Any, owner: int) -> None:
        if isinstance(item, int):
            users.setdefault(item if item >= 0 else ~item, set()).add(owner)
        else:
            for sub in item:
                walk(sub, owner)

    for n, g in enumerate(obj["geometries"]):
        walk(g.get("arcs", []), n)
    arcs = _arcs(doc, pixels=pixels)
    return [arcs[i] for i, owners in sorted(users.items()) if len(owners) > 1]


@dataclass
class _Level:
    """One scale of the data in world pixels at zoom 0, with bounding boxes for culling."""

    land: list[Any]  # shapely Polygons (with holes)
    land_boxes: np.ndarray  # (n, 4): minx, miny, maxx, maxy
    lines: list[Any]  # shapely LineStrings: coastlines and borders
    line_boxes: np.ndarray
    is_border: np.ndarray  # bool per line


def _continuous(ring: np.ndarray) -> np.ndarray:
    """Longitudes made continuous: a step of more than 180° is a crossing of the
    antimeridian (the data is spherical, as d3 draws it), so ±360 is added after it."""
    lon = ring[:, 0]
    step = np.diff(lon)
    step -= 360.0 * np.round(step / 360.0)
    out = ring.copy()
    out[:, 0] = lon[0] + np.concatenate([[0.0], np.cumsum(step)])
    return out


def _planar_polygons(rings: list[np.ndarray]) -> list[Any]:
    """A spherical polygon as planar lon/lat polygons within [-180, 180].

    A ring whose longitudes run once round the globe (Antarctica) encloses a pole: it is
    closed along that pole. A polygon across the antimeridian is cut there.
    """
    outer = _continuous(rings[0])
    turn = outer[-1, 0] - outer[0, 0]
    if abs(turn) > 180:
        pole = -90.0 if outer[:, 1].mean() < 0 else 90.0
        outer = np.vstack([outer, [[outer[-1, 0], pole], [outer[0, 0], pole]]])
    holes = []
    for hole in rings[1:]:
        h = _continuous(hole)
        h[:, 0] += 360.0 * np.round((outer[:, 0].mean() - h[:, 0].mean()) / 360.0)
        holes.append(h)
    poly = shapely.Polygon(outer, holes)
    minx, _, maxx, _ = poly.bounds
    if minx >= -180 and maxx <= 180:
        return [poly]
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
    out: list[Any] = []
    for shift in (-360.0, 0.0, 360.0):
        part = shapely.clip_by_rect(poly, -180 - shift, -90, 180 - shift, 90)
        if part.is_empty:
            continue
        part = shapely.transform(part, lambda c, s=shift: c + np.array([s, 0.0]))
        out.extend(g for g in getattr(part, "geoms", [part]) if g.geom_type == "Polygon")
    return out


def _split_lines(line: np.ndarray) -> list[np.ndarray]:
    """A spherical line cut where it jumps across the antimeridian."""
    jumps = np.nonzero(np.abs(np.diff(line[:, 0])) > 180)[0] + 1
    return [p for p in np.split(line, jumps) if len(p) > 1]


def _project_geometry(geom: Any) -> Any:
    return shapely.transform(
        geom, lambda c: np.column_stack(to_pixels(c[:, 1], c[:, 0], 0)) if len(c) else c
    )


def _bounds(geoms: list[Any]) -> np.ndarray:
    boxes: Any = shapely.bounds(geoms)
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def _load_level(path: Path) -> _Level:
    doc = json.loads(path.read_text(encoding="utf-8"))
    land: list[Any] = []
    coasts: list[np.ndarray] = []
    for rings in decode_topojson(doc, "land"):
        # Natural Earth's rings are valid; no make_valid (it would triple the load time)
        land.extend(_project_geometry(p) for p in _planar_polygons(rings))
        for r in rings:
            coasts.extend(_split_lines(r))
    border_arcs = []
    for a in shared_arcs(doc, "countries"):
        border_arcs.extend(_split_lines(a))
    parts = coasts + border_arcs
    flat = np.concatenate(parts)
    x, y = to_pixels(flat[:, 1], flat[:, 0], 0)
    index = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    lines = list(shapely.linestrings(np.column_stack([x, y]), indices=index))
    return _Level(
        land=land,
        land_boxes=_bounds(land),
        lines=lines,
        line_boxes=_bounds(lines),
        is_border=np.array([False] * len(coasts) + [True] * len(border_arcs)),
    )


class NaturalEarth:
    """A tile source that draws the shipped vectors (thread-safe; decoded once).

    Each tile clips the polygons to its own box first (shapely, in C): Pillow's polygon
    fill is slow with vertices millions of pixels outside the image, as at street level.
    """

    info = BUILTIN_INFO

    def __init__(self) -> None:
        self._levels: dict[str, _Level] = {}
        self._lock = threading.Lock()
        self._places: tuple[list[str], np.ndarray, np.ndarray] | None = None
        self._labels: dict[int, list[tuple[int, float, float, float]]] = {}
        self._fonts = threading.local()  # Pillow's fonts are not shared between threads

    def places(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(names, x, y) of the shipped populated places, in world pixels at zoom 0."""
        with self._lock:
            if self._places is None:
                path = data_dir() / "populated-places-110m.geojson"
                doc = json.loads(path.read_text(encoding="utf-8"))
                names = [str(f["properties"].get("name") or "") for f in doc["features"]]
                coords = np.array(
                    [f["geometry"]["coordinates"][:2] for f in doc["features"]], dtype=float
                ).reshape(-1, 2)
                x, y = to_pixels(coords[:, 1], coords[:, 0], 0)
                self._places = (names, x, y)
            return self._places

    def _font(self) -> Any:
        font = getattr(self._fonts, "font", None)
        if font is None:
            font = self._fonts.font = ImageFont.load_default(PLACE_LABEL_SIZE)
        return font

    def place_labels(self, z: int) -> list[tuple[int, float, float, float]]:
        """(place index, x, y, label width) of the places named at zoom ``z``, in world
        pixels at ``z``: greedily, in the data's order, each name that overlaps none
        already kept (one decision per zoom, so tiles agree)."""
        with self._lock:
            found = self._labels.get(z)
        if found is not None:
            return found
        names, x0, y0 = self.places()
        font = self._font()
        scale = float(2**z)
        kept: list[tuple[int, float, float, float]] = []
        boxes: list[tuple[float, float, float, float]] = []
        for i, name in enumerate(names):
            x, y = float(x0[i] * scale), float(y0[i] * scale)
            w = float(font.getlength(name))
            box = (x - 3, y - 9, x + 6 + w, y + 9)
            if any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes
            ):
                continue
            boxes.append(box)
            kept.append((i, x, y, w))
        with self._lock:
            self._labels[z] = kept
        return kept

    def _draw_places(self, draw: ImageDraw.ImageDraw, z: int, ox: float, oy: float) -> None:
        names = self.places()[0]
        font = self._font()
        for i, x, y, w in self.place_labels(z):
            px, py = x - ox, y - oy
            if px + w + 10 < 0 or px - 10 > TILE_SIZE or py + 12 < 0 or py - 12 > TILE_SIZE:
                continue
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=(255, 255, 255), outline=PLACE)
            draw.text(
                (px + 6, py),
                names[i],
                fill=PLACE,
                font=font,
                anchor="lm",
                stroke_width=2,
                stroke_fill=(255, 255, 255),
            )

    def _level(self, scale: str) -> _Level:
        with self._lock:
            if scale not in self._levels:
                self._levels[scale] = _load_level(data_dir() / f"countries-{scale}.json")
            return self._levels[scale]

    def render_tile(self, z: int, x: int, y: int) -> Image.Image:
        """Tile z/x/y (XYZ) as a 256×256 RGB image."""
        img = Image.new("RGB", (TILE_SIZE, TILE_SIZE), SEA)
        level = self._level("110m" if z < DETAIL_ZOOM else "50m")
        scale = float(2**z)
        ox, oy = x * TILE_SIZE, y * TILE_SIZE
        # the tile's box at zoom 0, with two pixels of margin so edges do not show
        box = np.array([ox - 2, oy - 2, ox + TILE_SIZE + 2, oy + TILE_SIZE + 2]) / scale
        draw = ImageDraw.Draw(img)

        def pts(coords: Any) -> list[float]:
            return (np.asarray(coords)[:, :2] * scale - (ox, oy)).ravel().tolist()

        for i in _visible(level.land_boxes, box):
            part = shapely.clip_by_rect(level.land[i], *box)
            for poly in getattr(part, "geoms", [part]):
                if poly.is_empty or poly.geom_type != "Polygon":
                    continue
                draw.polygon(pts(poly.exterior.coords), fill=LAND)
                for hole in poly.interiors:
                    draw.polygon(pts(hole.coords), fill=SEA)
        for i in _visible(level.line_boxes, box):
            border = bool(level.is_border[i])
            if border and z < 2:
                continue
            part = shapely.clip_by_rect(level.lines[i], *box)
            for line in getattr(part, "geoms", [part]):
                if line.is_empty or line.geom_type != "LineString":
                    continue
                draw.line(
                    pts(line.coords),
                    fill=BORDER if border else COAST,
                    width=2 if border and z >= 6 else 1,
                )
        if z >= PLACES_FROM_ZOOM:
            self._draw_places(draw, z, ox, oy)
        return img

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        out = io.BytesIO()
        self.render_tile(z, x, y).save(out, "PNG")
        return out.getvalue()

    def close(self) -> None:
        pass


def _visible(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    if not len(boxes):
        return np.zeros(0, dtype=int)
    hit = (
        (boxes[:, 2] >= box[0])
        & (boxes[:, 0] <= box[2])
        & (boxes[:, 3] >= box[1])
        & (boxes[:, 1] <= box[3])
    )
    return np.nonzero(hit)[0]


@lru_cache(maxsize=1)
def natural_earth() -> NaturalEarth:
    """The one shared instance (its decoded data is kept for the process)."""
    return NaturalEarth()
