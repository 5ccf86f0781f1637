"""Painting the map's layers in world-aligned overlay tiles, for the Map view.

A frame never walks the layers' points: they are drawn once per zoom level into
256-pixel overlay tiles aligned with the basemap's (cached, like the basemap tiles), and
a frame only pastes the tiles it shows. So a pan costs the same with 100,000 photos as
with none, and only tiles entering the view are drawn.

- :class:`Marks`: one layer's marks at one zoom level (lone points and cluster marks,
  clusters on a grid fixed to the world), bucketed by tile with numpy so a tile finds its
  marks (and its neighbours' that reach into it) by binary search, not a scan.
- :class:`LayerState`: the layers' points projected once to Web Mercator (world pixels at
  zoom 0), the per-zoom :class:`Marks`, and :meth:`LayerState.paint_tile`.
- Marks are pasted from sprites drawn once (:mod:`fieldkit.gui.mapsprites`), so a dense
  tile is one ``drawImage`` per mark.

What depends on the view rather than the tile (the selected site, photos ringed by
"photos within N m", site names, the dragged marker) is drawn live by the canvas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

from fieldkit.gui.mapsprites import paint_clusters, qcolor, stamp, stamp_many
from fieldkit.map import style
from fieldkit.map.geo import EARTH_RADIUS_M, TILE_SIZE, to_pixels
from fieldkit.map.layers import MapData, Points, cluster
from fieldkit.map.render import MIN_FOOTPRINT_PX

MARGIN = 48  # pixels a mark may reach beyond its point (cone 26, cluster ≤ 25, ring 15)
FEW_PHOTOS = 3000  # below this many lone photos at a zoom level, cones and circles show
CONES_FROM_ZOOM = 16  # ... and always from this zoom on
POINT_LAYERS = ("photos", "remnants", "sites")  # painted in this order (sites on top)


# --- marks bucketed by tile -----------------------------------------------------------------


class Marks:
    """One layer's marks at one zoom: world pixels ``x``, ``y`` at that zoom, the point
    index of a lone point (-1 for a cluster) and the count (1 for a lone point)."""

    def __init__(
        self, zoom: int, x: np.ndarray, y: np.ndarray, index: np.ndarray, count: np.ndarray
    ) -> None:
        self.zoom = zoom
        self.tiles = 2**zoom
        tx = np.clip(np.floor(x / TILE_SIZE), 0, self.tiles - 1).astype(np.int64)
        ty = np.clip(np.floor(y / TILE_SIZE), 0, self.tiles - 1).astype(np.int64)
        order = np.argsort(tx * self.tiles + ty, kind="stable")
        self.key = (tx * self.tiles + ty)[order]
        self.x, self.y = x[order], y[order]
        self.index, self.count = index[order], count[order]
        self.lone_total = int(np.count_nonzero(self.index >= 0))

    @classmethod
    def of(cls, x0: np.ndarray, y0: np.ndarray, zoom: int, clustered: bool) -> Marks:
        """Marks from zoom-0 world pixels; clustered on a world-fixed grid if asked."""
        scale = 2.0**zoom
        x, y = x0 * scale, y0 * scale
        if not clustered or not len(x):
            return cls(zoom, x, y, np.arange(len(x)), np.ones(len(x), dtype=np.int64))
        cx, cy, counts, first = cluster(x, y, style.CLUSTER_CELL)
        index = np.where(counts == 1, first, -1)
        return cls(zoom, cx, cy, index, counts.astype(np.int64))

    def near(self, tx: int, ty: int, margin: float = MARGIN) -> tuple[np.ndarray, ...]:
        """(positions, x, y) of the marks reaching into tile (tx, ty) by ``margin``, with
        x, y relative to the tile's top-left corner (the world wraps east-west)."""
        n = self.tiles
        keys = sorted(
            {
                ((tx + dx) % n) * n + ty + dy
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                if 0 <= ty + dy < n
            }
        )
        bounds = np.searchsorted(self.key, [k + e for k in keys for e in (0, 1)])
        parts = [
            np.arange(lo, hi) for lo, hi in zip(bounds[::2], bounds[1::2], strict=True) if hi > lo
        ]
        empty = np.zeros(0, dtype=np.int64)
        if not parts:
            return empty, np.zeros(0), np.zeros(0)
        idx = np.concatenate(parts)
        size = TILE_SIZE * n
        x0 = self.x[idx] - tx * TILE_SIZE
        y0 = self.y[idx] - ty * TILE_SIZE
        out_i, out_x, out_y = [], [], []
        for shift in (0.0, -size, size):  # the copy of the world that reaches the tile
            x = x0 + shift
            keep = (x > -margin) & (x < TILE_SIZE + margin) & (y0 > -margin)
            keep &= y0 < TILE_SIZE + margin
            if keep.any():
                out_i.append(idx[keep])
                out_x.append(x[keep])
                out_y.append(y0[keep])
        if not out_i:
            return empty, np.zeros(0), np.zeros(0)
        return np.concatenate(out_i), np.concatenate(out_x), np.concatenate(out_y)


# --- the layers' state ------------------------------------------------------------------------


class LayerState:
    """The shown data in world pixels, with per-zoom marks; paints overlay tiles."""

    def __init__(self, data: MapData) -> None:
        self.data = data
        self.world: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in POINT_LAYERS:
            pts: Points = getattr(data, name)
            self.world[name] = to_pixels(pts.lat, pts.lon, 0)
        self._marks: dict[tuple[str, int], Marks] = {}
        self.footprint_rings: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
        self._fp_box = np.zeros((0, 4))
        # per photo: accuracy (m) and metres per zoom-0 pixel at its latitude (NaN: none)
        photos = data.photos
        acc = np.asarray(photos.extra.get("position_accuracy_m", []), dtype=np.float64)
        self._acc = np.where(acc > 0, acc, np.nan)
        self._mpp0 = (
            2 * math.pi * EARTH_RADIUS_M * np.cos(np.radians(photos.lat)) / TILE_SIZE
            if len(photos)
            else np.zeros(0)
        )
        self._dir = np.asarray(photos.extra.get("direction", []), dtype=np.float64)
        self._id_index: dict[str, dict[str, int]] = {}
        self._extra_cache: dict[tuple[str, int], Any] = {}

    def forget(self) -> None:
        """Drop what was computed per zoom (the points moved)."""
        self._marks.clear()
        self._extra_cache.clear()

    def index(self, name: str) -> dict[str, int]:
        """Record id → point index of a layer (built once)."""
        found = self._id_index.get(name)
        if found is None:
            found = self._id_index[name] = getattr(self.data, name).index()
        return found

    def set_footprints(self, footprints: list[dict[str, Any]]) -> None:
        from fieldkit.gui.maptiles import footprint_shapes

        self.data.footprints = footprints
        self.footprint_rings, boxes = footprint_shapes(footprints)
        self._fp_box = boxes.reshape(-1, 4)

    def marks(self, name: str, zoom: int) -> Marks:
        key = (name, zoom)
        found = self._marks.get(key)
        if found is None:
            x0, y0 = self.world[name]
            found = Marks.of(x0, y0, zoom, zoom < style.CLUSTER_BELOW_ZOOM)
            self._marks[key] = found
        return found

    def cones(self, zoom: int) -> bool:
        """Whether view cones and accuracy circles show at this zoom level (everywhere
        alike, so tiles drawn at different times agree)."""
        return zoom >= CONES_FROM_ZOOM or self.marks("photos", zoom).lone_total <= FEW_PHOTOS

    # -- one overlay tile ------------------------------------------------------------------

    def paint_tile(self, zoom: int, tx: int, ty: int, layers: set[str]) -> QImage | None:
        """The layers' marks that reach into tile (tx, ty) at ``zoom``, as a transparent
        256×256 premultiplied image; None when nothing reaches it."""
        img = QImage(TILE_SIZE, TILE_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        drawn = False
        if "footprints" in layers and self.footprint_rings:
            drawn |= self._paint_footprints(p, zoom, tx, ty)
        if "photos" in layers and len(self.data.photos):
            drawn |= self._paint_photos(p, zoom, tx, ty)
        if "remnants" in layers and len(self.data.remnants):
            drawn |= self._paint_remnants(p, zoom, tx, ty)
        if "sites" in layers and len(self.data.sites):
            drawn |= self._paint_sites(p, zoom, tx, ty)
        p.end()
        return img if drawn else None

    def _paint_footprints(self, p: QPainter, zoom: int, tx: int, ty: int) -> bool:
        scale = 2.0**zoom
        size = TILE_SIZE * scale
        left, top = tx * TILE_SIZE, ty * TILE_SIZE
        box = self._fp_box * scale
        # a footprint under 3 pixels is a dot under its site's marker (as in map render)
        shows = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) >= MIN_FOOTPRINT_PX
        hits: list[tuple[int, float]] = []
        for shift in (0.0, -size, size):
            near = shows & (box[:, 0] + shift < left + TILE_SIZE + 4)
            near &= box[:, 2] + shift > left - 4
            near &= (box[:, 1] < top + TILE_SIZE + 4) & (box[:, 3] > top - 4)
            hits.extend((int(i), shift) for i in np.nonzero(near)[0])
        if not hits:
            return False
        p.setPen(QPen(qcolor(style.FOOTPRINT_EDGE), 2))
        p.setBrush(QColor(*style.FOOTPRINT_FILL))
        axis_pen = QPen(qcolor(style.FOOTPRINT_AXIS), 2, Qt.PenStyle.DashLine)
        for i, shift in hits:
            rings, axes = self.footprint_rings[i]
            for ring in rings:
                xs, ys = ring[:, 0] * scale + shift - left, ring[:, 1] * scale - top
                p.drawPolygon(QPolygonF([QPointF(a, b) for a, b in zip(xs, ys, strict=True)]))
            p.save()
            p.setPen(axis_pen)
            for line in axes:
                xs, ys = line[:, 0] * scale + shift - left, line[:, 1] * scale - top
                p.drawPolyline(QPolygonF([QPointF(a, b) for a, b in zip(xs, ys, strict=True)]))
            p.restore()
        return True

    def _paint_photos(self, p: QPainter, zoom: int, tx: int, ty: int) -> bool:
        marks = self.marks("photos", zoom)
        pos, xs, ys = marks.near(tx, ty)
        index = marks.index[pos]
        lone = index >= 0
        li, lx, ly = index[lone], xs[lone], ys[lone]
        drawn = bool(len(pos))
        if self.cones(zoom):
            radius, big = self._accuracy(zoom)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(*style.ACCURACY))
            r = radius[li] if len(radius) else np.zeros(0)
            small = (r >= 4) & (r <= MARGIN)  # reaches no further than the tile's margin
            for x, y, rr in zip(
                lx[small].tolist(), ly[small].tolist(), r[small].tolist(), strict=True
            ):
                p.drawEllipse(QPointF(x, y), rr, rr)
            drawn |= self._paint_big_circles(p, big, radius, zoom, tx, ty)
            d = self._dir[li] if len(self._dir) else np.zeros(0)
            has = ~np.isnan(d)
            if has.any():
                p.setBrush(QColor(*style.PHOTO_CONE))
                cr = style.CONE_RADIUS
                span = int(2 * style.CONE_HALF_ANGLE * 16)
                for x, y, deg in zip(
                    lx[has].tolist(), ly[has].tolist(), d[has].tolist(), strict=True
                ):
                    # Qt's angles: counter-clockwise from east, in 1/16 degree
                    start = int((90.0 - deg - style.CONE_HALF_ANGLE) * 16)
                    p.drawPie(QRectF(x - cr, y - cr, 2 * cr, 2 * cr), start, span)
        stamp_many(p, "photo", style.PHOTO_RADIUS, style.PHOTO, lx, ly)
        many = ~lone
        paint_clusters(p, "photos", xs[many], ys[many], marks.count[pos][many])
        return drawn

    def _accuracy(self, zoom: int) -> tuple[np.ndarray, np.ndarray]:
        """Per photo, its accuracy circle's radius in pixels at ``zoom`` (NaN: none), and
        the lone photos whose circle reaches beyond a tile's margin (once per zoom)."""
        key = ("accuracy", zoom)
        found = self._extra_cache.get(key)
        if found is None:
            if not len(self._acc):
                found = (np.zeros(0), np.zeros(0, dtype=np.int64))
            else:
                radius = self._acc / (self._mpp0 / 2.0**zoom)
                marks = self.marks("photos", zoom)
                lone = marks.index[marks.index >= 0]
                r = radius[lone]
                big = lone[(r > MARGIN) & (r <= 4000)]
                found = (radius, big)
            self._extra_cache[key] = found
        return found

    def _paint_big_circles(
        self, p: QPainter, big: np.ndarray, radius: np.ndarray, zoom: int, tx: int, ty: int
    ) -> bool:
        """Accuracy circles wider than a tile's margin (up to 4000 px) reaching the tile."""
        if not len(big):
            return False
        x0, y0 = self.world["photos"]
        scale = 2.0**zoom
        size = TILE_SIZE * scale
        r = radius[big]
        drawn = False
        for shift in (0.0, -size, size):
            x = x0[big] * scale + shift - tx * TILE_SIZE
            y = y0[big] * scale - ty * TILE_SIZE
            hit = (x + r > 0) & (x - r < TILE_SIZE) & (y + r > 0) & (y - r < TILE_SIZE)
            for cx, cy, rr in zip(x[hit].tolist(), y[hit].tolist(), r[hit].tolist(), strict=True):
                p.drawEllipse(QPointF(cx, cy), rr, rr)
                drawn = True
        return drawn

    def _paint_remnants(self, p: QPainter, zoom: int, tx: int, ty: int) -> bool:
        marks = self.marks("remnants", zoom)
        pos, xs, ys = marks.near(tx, ty)
        index = marks.index[pos]
        ex = self.data.remnants.extra
        for i, x, y in zip(index.tolist(), xs.tolist(), ys.tolist(), strict=True):
            if i < 0:
                continue
            colour = style.REMNANT_COLOURS.get(ex["category"][i], (0, 0, 0))
            if style.is_hazard(ex["condition"][i], ex["hazard"][i]):
                stamp(p, "hazard", x, y, style.REMNANT_RADIUS + 1, colour)
            else:
                stamp(p, "circle", x, y, style.REMNANT_RADIUS, colour)
        many = index < 0
        paint_clusters(p, "remnants", xs[many], ys[many], marks.count[pos][many])
        return bool(len(pos))

    def _paint_sites(self, p: QPainter, zoom: int, tx: int, ty: int) -> bool:
        marks = self.marks("sites", zoom)
        pos, xs, ys = marks.near(tx, ty)
        index = marks.index[pos]
        ex = self.data.sites.extra
        ring = QPen(qcolor(style.CONFLICT), 3)
        for i, x, y in zip(index.tolist(), xs.tolist(), ys.tolist(), strict=True):
            if i < 0:
                continue
            if ex["conflict"][i]:
                p.setPen(ring)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(x, y), style.SITE_RADIUS + 5, style.SITE_RADIUS + 5)
            kind, colour, _label = style.site_symbol(ex["site_type"][i])
            stamp(p, kind, x, y, style.SITE_RADIUS, colour)
        many = index < 0
        paint_clusters(p, "sites", xs[many], ys[many], marks.count[pos][many])
        return bool(len(pos))
