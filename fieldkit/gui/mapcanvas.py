"""The Map view's canvas: the view (centre, zoom), and a frame made of cached tiles.

A frame pastes one opaque image per 256-pixel tile: the basemap tile (drawn off the UI
thread, :mod:`fieldkit.gui.maptiles`) with the layers' overlay tile (drawn once per zoom
level, :mod:`fieldkit.gui.maplayers`) composed on it once and cached, so pasting a tile
is a copy rather than two blends. Then what depends on the view: the selected site, site
names, photos ringed by "photos within N m", a marker being dragged, the measured line,
and the furniture (:mod:`fieldkit.gui.mapfurniture`: scale bar, attribution, legend,
each drawn once into an image and pasted while it does not change). Until a basemap
tile arrives its parent's quarter is drawn enlarged, else the sea colour, with the
overlay tile over it (nothing is composed from a stand-in). While panning, overlay
tiles entering the view are drawn within a time budget per frame, nearest the centre
first; the rest follow in the next frames. Tools (mouse, keys) come from
:class:`fieldkit.gui.maptools.MapTools`.

The composed tiles are forgotten whenever what they show changes: new layer data
(:meth:`MapView.set_data`), moved points or footprints (:meth:`MapView.clear_caches`),
another basemap (:meth:`MapView.set_source`); the layer choice and zoom are part of
their key.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QRegion
from PySide6.QtWidgets import QWidget

from fieldkit.gui.mapfurniture import Furniture
from fieldkit.gui.maplayers import LayerState
from fieldkit.gui.mapsprites import label_image, qcolor, stamp
from fieldkit.gui.maptiles import TileLoader
from fieldkit.gui.maptools import MapTools
from fieldkit.map import style
from fieldkit.map.basemaps import BUILTIN_NAME
from fieldkit.map.geo import (
    TILE_SIZE,
    View,
    fit_view,
    to_lonlat,
    to_pixels,
    wrap_lon,
)
from fieldkit.map.layers import MapData, Points
from fieldkit.map.naturalearth import SEA, natural_earth

MIN_ZOOM, MAX_ZOOM = 1, 20
OVERLAY_CACHE = 320  # overlay tiles kept (256 KiB each; empty tiles cost nothing)
COMPOSED_CACHE = 320  # basemap tiles with their overlay (256 KiB each, shared when empty)
PREFETCH_RING = 1  # basemap tiles drawn ahead beyond each edge of the view
OVERLAY_BUDGET_S = 0.008  # a panning frame's time for drawing overlay tiles entering it
LABELS_BELOW = 60  # site names show when fewer lone sites than this are in view


def empty_data() -> MapData:
    return MapData(Points(), Points(), Points(), [])


class MapView(MapTools, QWidget):
    """The map canvas. Signals carry record ids and positions; it never writes."""

    site_activated = Signal(str)  # a click on a site
    remnant_activated = Signal(str, str)  # remnant id, its site id
    photo_activated = Signal(str)  # media id
    place_requested = Signal(float, float)  # lat, lon of a click in "place" mode
    move_requested = Signal(str, str, float, float)  # kind, id, lat, lon
    view_changed = Signal()
    measured = Signal(float)  # metres along the measured line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapView")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 160)
        # every pixel is painted each frame: Qt need not paint the parent under it first
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self._init_tools()
        self.tiles = TileLoader(self)
        self.tiles.tile_ready.connect(self.update)
        self.zoom = 2
        self.cx, self.cy = 0.0, 0.0  # world pixels of the centre at self.zoom
        self.set_center(20.0, 0.0, 2)
        self.data = empty_data()
        self.state = LayerState(self.data)
        self.layers = {"sites", "remnants", "photos", "footprints"}
        self.selected_site: str | None = None
        self.highlighted: set[str] = set()  # photo ids ("photos within N m")
        self.attribution = natural_earth().info.attribution
        self._overlay: OrderedDict[tuple[Any, ...], QImage | None] = OrderedDict()
        self._composed: OrderedDict[tuple[Any, ...], QImage] = OrderedDict()
        self.furniture = Furniture()
        self._sea_tile: QImage | None = None
        self.last_frame_ms = 0.0
        self.frames_painted = 0
        self._generation = 0  # counts changes of what the layers show
        self._budget_key: tuple[Any, ...] | None = None

    # -- data ------------------------------------------------------------------------------

    def set_data(self, data: MapData, state: LayerState | None = None) -> None:
        """Show new layer data (from :func:`load_map_data`); keeps the view. ``state``:
        the same data already projected (:func:`fieldkit.gui.maptiles.load_layers`)."""
        self.data = data
        if state is None:
            state = LayerState(data)
            state.set_footprints(data.footprints)
        self.state = state
        self._generation += 1
        self._overlay.clear()
        self._composed.clear()
        self.furniture.forget_legend()
        self.update()

    def preload_overlay(self, zoom: int, tiles: dict[tuple[int, int], QImage | None]) -> None:
        """Overlay tiles (x, y) at ``zoom`` of the current data and layers, painted off
        the UI thread (:func:`fieldkit.gui.maptiles.load_layers`): the frame pastes them
        instead of painting them."""
        layers = frozenset(self.layers)
        for (x, y), img in tiles.items():
            self._overlay[(layers, zoom, x, y)] = img

    def set_footprints(self, footprints: list[dict[str, Any]]) -> None:
        """Show footprints (computed off the UI thread by the panel)."""
        self.state.set_footprints(footprints)
        self.clear_caches()

    def clear_caches(self) -> None:
        """Forget the drawn overlay tiles, marks and legend (the data changed)."""
        self.state.forget()
        self._generation += 1
        self._overlay.clear()
        self._composed.clear()
        self.furniture.forget_legend()
        self.update()

    def move_point(self, kind: str, record_id: str, lat: float, lon: float) -> None:
        """Show a site or remnant at its new position at once (the panel re-reads the
        layers off the UI thread after every write; this bridges the wait)."""
        name = {"site": "sites", "remnant": "remnants"}.get(kind)
        if name is None:
            return
        i = self.state.index(name).get(record_id)
        if i is None:
            return
        pts: Points = getattr(self.data, name)
        pts.lat[i], pts.lon[i] = lat, lon
        x, y = to_pixels(np.array([lat]), np.array([lon]), 0)
        self.state.world[name][0][i], self.state.world[name][1][i] = x[0], y[0]
        self.clear_caches()

    def set_source(self, source: Any) -> None:
        self.tiles.set_source(source)
        self._composed.clear()  # composed on the old basemap's tiles
        self._generation += 1
        info = source.info
        self.attribution = info.attribution or info.name
        if info.name != BUILTIN_NAME and "Natural Earth" not in self.attribution:
            self.attribution += " · Natural Earth"
        self.update()

    # -- the view --------------------------------------------------------------------------

    def set_center(self, lat: float, lon: float, zoom: int | None = None) -> None:
        if zoom is not None:
            self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, int(zoom)))
        x, y = to_pixels(np.array([lat]), np.array([lon]), self.zoom)
        self.cx, self.cy = float(x[0]), float(y[0])
        self._changed()

    def center(self) -> tuple[float, float]:
        lat, lon = to_lonlat(self.cx, self.cy, self.zoom)
        return lat, wrap_lon(lon)

    def view(self) -> View:
        lat, lon = self.center()
        return View(lat, lon, self.zoom, max(1, self.width()), max(1, self.height()))

    def fit(self, positions: Any, max_zoom: int = 18) -> None:
        """Show every (lat, lon) (pairs or an (n, 2) array: a case, a site and its
        remnants)."""
        if not len(positions):
            return
        v = fit_view(positions, max(self.width(), 64), max(self.height(), 64), max_zoom=max_zoom)
        self.set_center(v.lat, v.lon, max(MIN_ZOOM, v.zoom))

    def zoom_by(self, steps: int, anchor: QPointF | None = None) -> None:
        """Zoom in (positive) or out by whole levels, keeping ``anchor`` in place."""
        new = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom + steps))
        if new == self.zoom:
            return
        ax = anchor.x() - self.width() / 2 if anchor is not None else 0.0
        ay = anchor.y() - self.height() / 2 if anchor is not None else 0.0
        factor = 2.0 ** (new - self.zoom)
        self.cx = (self.cx + ax) * factor - ax
        self.cy = (self.cy + ay) * factor - ay
        self.zoom = new
        self._changed()

    def pan_by(self, dx: float, dy: float) -> None:
        self.cx -= dx
        self.cy -= dy
        self._changed()

    def _changed(self) -> None:
        size = TILE_SIZE * 2.0**self.zoom
        self.cx %= size  # the world wraps east-west
        self.cy = min(max(self.cy, 0.0), size)
        self.update()
        self.view_changed.emit()

    def origin(self) -> tuple[float, float]:
        return self.cx - self.width() / 2, self.cy - self.height() / 2

    def pixel_of(self, lat: float, lon: float) -> QPointF:
        """Widget coordinates of a position (the copy of the world nearest the centre)."""
        x, y = to_pixels(np.array([lat]), np.array([lon]), self.zoom)
        sx, sy = self._screen(x, y)
        return QPointF(float(sx[0]), float(sy[0]))

    def latlon_at(self, pos: QPointF | QPoint) -> tuple[float, float]:
        ox, oy = self.origin()
        lat, lon = to_lonlat(ox + pos.x(), oy + pos.y(), self.zoom)
        return lat, wrap_lon(lon)

    def _screen(self, wx: np.ndarray, wy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World pixels at the current zoom → widget pixels, nearest world copy."""
        size = TILE_SIZE * 2.0**self.zoom
        wx = wx + np.round((self.cx - wx) / size) * size
        ox, oy = self.origin()
        return wx - ox, wy - oy

    def _point(self, name: str, i: int) -> tuple[float, float]:
        x0, y0 = self.state.world[name]
        scale = 2.0**self.zoom
        sx, sy = self._screen(np.array([x0[i] * scale]), np.array([y0[i] * scale]))
        return float(sx[0]), float(sy[0])

    def _visible_tiles(self, ring: int = 0) -> list[tuple[int, int, float, float]]:
        """(x, y, left, top) of the tiles under the widget at the current zoom; with
        ``ring``, also that many tiles beyond each edge."""
        ox, oy = self.origin()
        n = 2**self.zoom
        out = []
        for ty in range(
            max(0, math.floor(oy / TILE_SIZE) - ring),
            math.floor((oy + self.height()) / TILE_SIZE) + 1 + ring,
        ):
            if ty >= n:
                break
            for tx in range(
                math.floor(ox / TILE_SIZE) - ring,
                math.floor((ox + self.width()) / TILE_SIZE) + 1 + ring,
            ):
                out.append((tx % n, ty, tx * TILE_SIZE - ox, ty * TILE_SIZE - oy))
        return out

    def _prefetch(self, tiles: list[tuple[int, int, float, float]]) -> None:
        """Name the basemap tiles in a ring around the view, nearest the centre first."""
        shown = {(x, y) for x, y, _l, _t in tiles}
        cx, cy = self.width() / 2 - TILE_SIZE / 2, self.height() / 2 - TILE_SIZE / 2
        ring = sorted(
            (t for t in self._visible_tiles(PREFETCH_RING) if (t[0], t[1]) not in shown),
            key=lambda t: (t[2] - cx) ** 2 + (t[3] - cy) ** 2,
        )
        self.tiles.prefetch(self.zoom, [(x, y) for x, y, _l, _t in ring])

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        t0 = time.perf_counter()
        p = QPainter(self)
        tiles = self._visible_tiles()
        deferred = self._paint_base(p, tiles, t0)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_live(p)
        self._paint_measure(p)
        self.furniture.paint(p, self)
        p.end()
        self._prefetch(tiles)
        if deferred:  # overlay tiles left for the next frame, which repaints only them
            QTimer.singleShot(0, self, lambda: self.update(deferred))
        self.frames_painted += 1
        self.last_frame_ms = (time.perf_counter() - t0) * 1000

    def _paint_base(
        self, p: QPainter, tiles: list[tuple[int, int, float, float]], t0: float
    ) -> QRegion | None:
        """The basemap and the layers' overlay, one pasted image per tile. While the
        view pans over the same layers at one zoom, overlay tiles entering it are drawn
        (nearest the centre first) until ``OVERLAY_BUDGET_S`` after ``t0`` — at least
        one per frame — and the rest show their basemap until the next frame; the first
        frame after a zoom, layer, data or basemap change draws them all. Returns where
        overlay tiles were left for the next frame (None: nowhere)."""
        layers = frozenset(self.layers)
        key = (layers, self.zoom, self._generation)
        budgeted, self._budget_key = self._budget_key == key, key
        deadline = t0 + OVERLAY_BUDGET_S
        drawn_new, deferred = 0, QRegion()
        if not self._covered(tiles):  # beyond the poles' edge of the world at low zoom
            p.fillRect(self.rect(), qcolor(SEA))
        cx, cy = self.width() / 2 - TILE_SIZE / 2, self.height() / 2 - TILE_SIZE / 2
        for x, y, left, top in sorted(tiles, key=lambda t: (t[2] - cx) ** 2 + (t[3] - cy) ** 2):
            at = QPointF(left, top)
            base = self.tiles.get(self.zoom, x, y)
            if layers and not self._has_overlay(layers, x, y):
                if budgeted and drawn_new and time.perf_counter() > deadline:
                    # this frame's time is spent: the basemap only, for now
                    deferred += QRect(
                        math.floor(left), math.floor(top), TILE_SIZE + 1, TILE_SIZE + 1
                    )
                    if base is not None and not base.isNull():
                        if base.hasAlphaChannel():
                            p.fillRect(QRectF(left, top, TILE_SIZE, TILE_SIZE), qcolor(SEA))
                        p.drawImage(at, base)
                    else:
                        self._paint_stand_in(p, x, y, left, top)
                    continue
                drawn_new += 1
            if base is not None:
                p.drawImage(at, self._composed_tile(layers, x, y, base))
                continue
            # not drawn yet (it was asked for): a stand-in, the layers over it
            self._paint_stand_in(p, x, y, left, top)
            overlay = self._overlay_tile(layers, x, y)
            if overlay is not None:
                p.drawImage(at, overlay)
        return None if deferred.isEmpty() else deferred

    def _has_overlay(self, layers: frozenset[str], x: int, y: int) -> bool:
        """Whether tile (x, y)'s overlay is drawn (alone or composed)."""
        key = (layers, self.zoom, x, y)
        return key in self._composed or key in self._overlay

    def _covered(self, tiles: list[tuple[int, int, float, float]]) -> bool:
        """Whether the tiles cover the whole widget (they always do east-west)."""
        if not tiles:
            return False
        tops = [t[3] for t in tiles]
        return min(tops) <= 0 and max(tops) + TILE_SIZE >= self.height()

    def _paint_stand_in(self, p: QPainter, x: int, y: int, left: float, top: float) -> None:
        """Until tile (x, y) arrives: its parent's quarter enlarged, else the sea."""
        target = QRectF(left, top, TILE_SIZE, TILE_SIZE)
        parent = self.tiles.cached(self.zoom - 1, x // 2, y // 2) if self.zoom else None
        if parent is not None and not parent.isNull():
            half = TILE_SIZE / 2
            p.fillRect(target, qcolor(SEA))
            p.drawImage(target, parent, QRectF((x % 2) * half, (y % 2) * half, half, half))
        else:
            p.fillRect(target, qcolor(SEA))

    def _composed_tile(self, layers: frozenset[str], x: int, y: int, base: QImage) -> QImage:
        """Basemap tile (x, y) with the layers' overlay on it, opaque; composed once.
        A tile with nothing over it is the basemap tile itself (shared, not copied)."""
        key = (layers, self.zoom, x, y)
        img = self._composed.get(key)
        if img is not None:
            self._composed.move_to_end(key)
            return img
        overlay = self._overlay_tile(layers, x, y) if layers else None
        if base.isNull():  # a damaged tile: the sea shows there
            base = self._sea()
        if overlay is None and not base.hasAlphaChannel():
            img = base
        else:
            img = QImage(TILE_SIZE, TILE_SIZE, QImage.Format.Format_RGB32)
            img.fill(qcolor(SEA))
            cp = QPainter(img)
            cp.drawImage(0, 0, base)
            if overlay is not None:
                cp.drawImage(0, 0, overlay)
            cp.end()
            self._overlay.pop(key, None)  # kept composed; drawn again if that is dropped
        self._composed[key] = img
        while len(self._composed) > COMPOSED_CACHE:
            self._composed.popitem(last=False)
        return img

    def _sea(self) -> QImage:
        if self._sea_tile is None:
            self._sea_tile = QImage(TILE_SIZE, TILE_SIZE, QImage.Format.Format_RGB32)
            self._sea_tile.fill(qcolor(SEA))
        return self._sea_tile

    def _overlay_tile(self, layers: frozenset[str], x: int, y: int) -> QImage | None:
        """The layers' overlay tile (x, y) at the current zoom (None: nothing there)."""
        if not layers:
            return None
        key = (layers, self.zoom, x, y)
        if key in self._overlay:
            self._overlay.move_to_end(key)
            return self._overlay[key]
        img = self._overlay[key] = self.state.paint_tile(self.zoom, x, y, set(layers))
        while len(self._overlay) > OVERLAY_CACHE:
            self._overlay.popitem(last=False)
        return img

    def _paint_live(self, p: QPainter) -> None:
        """What depends on the view, not the tile: names, selection, rings, a drag."""
        w, h = self.width(), self.height()
        if "photos" in self.layers and self.highlighted:
            index = self.state.index("photos")
            p.setPen(QPen(QColor(255, 140, 0), 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            r = style.PHOTO_RADIUS + 4
            for pid in self.highlighted:
                i = index.get(pid)
                if i is not None:
                    x, y = self._point("photos", i)
                    if -20 < x < w + 20 and -20 < y < h + 20:
                        p.drawEllipse(QPointF(x, y), r, r)
        if "sites" in self.layers and len(self.data.sites):
            self._paint_site_names(p)
            if self.selected_site:
                i = self.state.index("sites").get(self.selected_site)
                if i is not None:
                    x, y = self._point("sites", i)
                    p.setPen(QPen(QColor(0, 0, 0), 3))
                    p.setBrush(QColor(255, 255, 0, 160))
                    p.drawEllipse(QPointF(x, y), style.SITE_RADIUS + 8, style.SITE_RADIUS + 8)
                    kind, colour, _label = style.site_symbol(self.data.sites.extra["site_type"][i])
                    stamp(p, kind, x, y, style.SITE_RADIUS, colour)
        if self._dragging_marker is not None and self._drag_pos is not None:
            kind, rid = self._dragging_marker
            x, y = self._drag_pos.x(), self._drag_pos.y()
            if kind == "site":
                i = self.state.index("sites").get(rid)
                site_type = self.data.sites.extra["site_type"][i] if i is not None else None
                sym, colour, _label = style.site_symbol(site_type)
                stamp(p, sym, x, y, style.SITE_RADIUS, colour)
            else:
                i = self.state.index("remnants").get(rid)
                ex = self.data.remnants.extra
                category = ex["category"][i] if i is not None else None
                fill = style.REMNANT_COLOURS.get(category) or (0, 0, 0)
                hazard = i is not None and style.is_hazard(ex["condition"][i], ex["hazard"][i])
                stamp(
                    p,
                    "hazard" if hazard else "circle",
                    x,
                    y,
                    style.REMNANT_RADIUS + (1 if hazard else 0),
                    fill,
                )

    def _paint_site_names(self, p: QPainter) -> None:
        index, sx, sy = self._lone_on_screen("sites")
        inside = (sx > -40) & (sx < self.width() + 40) & (sy > -40) & (sy < self.height() + 40)
        if not 0 < np.count_nonzero(inside) <= LABELS_BELOW:
            return
        font = QFont(p.font())
        font.setPointSizeF(9)
        names = self.data.sites.extra["name"]
        for i, x, y in zip(
            index[inside].tolist(), sx[inside].tolist(), sy[inside].tolist(), strict=True
        ):
            if names[i]:
                img, baseline = label_image(str(names[i])[:40], font)
                p.drawImage(QPointF(x + style.SITE_RADIUS + 5, y + 4 - baseline), img)
