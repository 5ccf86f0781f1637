"""The Map view's canvas: the view (centre, zoom), and a frame made of cached tiles.

A frame pastes premultiplied basemap tiles (drawn off the UI thread,
:mod:`fieldkit.gui.maptiles`) and overlay tiles of the layers (drawn once per zoom level,
:mod:`fieldkit.gui.maplayers`), then what depends on the view: the selected site, site
names, photos ringed by "photos within N m", a marker being dragged, the measured line,
the scale bar, the attribution and the legend. Until a basemap tile arrives its parent's
quarter is drawn enlarged, else the sea colour. Tools (mouse, keys) come from
:class:`fieldkit.gui.maptools.MapTools`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from fieldkit.gui.maplayers import (
    LayerState,
    draw_symbol,
    label_image,
    qcolor,
    stamp,
)
from fieldkit.gui.maptiles import TileLoader
from fieldkit.gui.maptools import MapTools
from fieldkit.map import style
from fieldkit.map.basemaps import BUILTIN_NAME
from fieldkit.map.furniture import legend_entries, nice_scale, scale_text
from fieldkit.map.geo import (
    TILE_SIZE,
    View,
    fit_view,
    metres_per_pixel,
    to_lonlat,
    to_pixels,
    wrap_lon,
)
from fieldkit.map.layers import MapData, Points
from fieldkit.map.naturalearth import SEA, natural_earth

MIN_ZOOM, MAX_ZOOM = 1, 20
OVERLAY_CACHE = 320  # overlay tiles kept (256 KiB each; empty tiles cost nothing)
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
        self._legend: tuple[Any, QImage] | None = None
        self.last_frame_ms = 0.0

    # -- data ------------------------------------------------------------------------------

    def set_data(self, data: MapData, state: LayerState | None = None) -> None:
        """Show new layer data (from :func:`load_map_data`); keeps the view. ``state``:
        the same data already projected (:func:`fieldkit.gui.maptiles.load_layers`)."""
        self.data = data
        if state is None:
            state = LayerState(data)
            state.set_footprints(data.footprints)
        self.state = state
        self._overlay.clear()
        self._legend = None
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
        self._overlay.clear()
        self._legend = None
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

    def _visible_tiles(self) -> list[tuple[int, int, float, float]]:
        """(x, y, left, top) of the tiles under the widget at the current zoom."""
        ox, oy = self.origin()
        n = 2**self.zoom
        out = []
        for ty in range(
            max(0, math.floor(oy / TILE_SIZE)), math.floor((oy + self.height()) / TILE_SIZE) + 1
        ):
            if ty >= n:
                break
            for tx in range(
                math.floor(ox / TILE_SIZE), math.floor((ox + self.width()) / TILE_SIZE) + 1
            ):
                out.append((tx % n, ty, tx * TILE_SIZE - ox, ty * TILE_SIZE - oy))
        return out

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        t0 = time.perf_counter()
        p = QPainter(self)
        tiles = self._visible_tiles()
        self._paint_tiles(p, tiles)
        self._paint_overlay(p, tiles)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_live(p)
        self._paint_measure(p)
        self._paint_furniture(p)
        p.end()
        self.last_frame_ms = (time.perf_counter() - t0) * 1000

    def _paint_tiles(self, p: QPainter, tiles: list[tuple[int, int, float, float]]) -> None:
        p.fillRect(self.rect(), qcolor(SEA))
        half = TILE_SIZE / 2
        for x, y, left, top in tiles:
            img = self.tiles.get(self.zoom, x, y)
            if img is not None and not img.isNull():
                p.drawImage(QPointF(left, top), img)
                continue
            parent = self.tiles.cached(self.zoom - 1, x // 2, y // 2) if self.zoom else None
            if parent is not None and not parent.isNull():
                target = QRectF(left, top, TILE_SIZE, TILE_SIZE)
                p.drawImage(target, parent, QRectF((x % 2) * half, (y % 2) * half, half, half))

    def _paint_overlay(self, p: QPainter, tiles: list[tuple[int, int, float, float]]) -> None:
        layers = frozenset(self.layers)
        if not layers:
            return
        for x, y, left, top in tiles:
            key = (layers, self.zoom, x, y)
            if key in self._overlay:
                img = self._overlay[key]
                self._overlay.move_to_end(key)
            else:
                img = self._overlay[key] = self.state.paint_tile(self.zoom, x, y, set(layers))
                while len(self._overlay) > OVERLAY_CACHE:
                    self._overlay.popitem(last=False)
            if img is not None:
                p.drawImage(QPointF(left, top), img)

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

    def _paint_furniture(self, p: QPainter) -> None:
        font = QFont(p.font())
        font.setPointSizeF(8)
        p.setFont(font)
        metres, px = nice_scale(metres_per_pixel(self.center()[0], self.zoom), 120)
        x0, y0 = 10, self.height() - 12
        p.fillRect(QRectF(x0 - 5, y0 - 20, px + 14, 28), QColor(255, 255, 255, 220))
        p.setPen(QPen(QColor(0, 0, 0), 3))
        p.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        p.setPen(QPen(QColor(0, 0, 0), 2))
        p.drawLine(QPointF(x0, y0 - 6), QPointF(x0, y0 + 3))
        p.drawLine(QPointF(x0 + px, y0 - 6), QPointF(x0 + px, y0 + 3))
        p.drawText(QPointF(x0, y0 - 7), scale_text(metres))
        fm = p.fontMetrics()
        text = self.attribution
        tw = fm.horizontalAdvance(text)
        p.fillRect(
            QRectF(self.width() - tw - 12, self.height() - 18, tw + 12, 18),
            QColor(255, 255, 255, 220),
        )
        p.setPen(QColor(40, 40, 40))
        p.drawText(QPointF(self.width() - tw - 6, self.height() - 5), text)
        if self.width() > 420:
            legend = self._legend_image(font)
            if legend is not None:
                p.drawImage(QPointF(self.width() - legend.width() - 8, 8), legend)

    def _legend_image(self, font: QFont) -> QImage | None:
        """The legend, drawn when what the map shows changes (not every frame)."""
        key = (frozenset(self.layers), len(self.data.footprints), font.pointSizeF())
        if self._legend is not None and self._legend[0] == key:
            return None if self._legend[1].isNull() else self._legend[1]
        entries = legend_entries(self.data, self.layers)
        if not entries:
            self._legend = (key, QImage())
            return None
        probe = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
        pp = QPainter(probe)
        pp.setFont(font)
        fm = pp.fontMetrics()
        width = 30 + max(fm.horizontalAdvance(label) for _s, label, _c in entries)
        pp.end()
        height = 8 + 17 * len(entries)
        img = QImage(width + 1, height + 1, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font)
        p.setPen(QColor(160, 160, 160))
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRect(QRectF(0, 0, width, height))
        for n, (sym, label, colour) in enumerate(entries):
            cy, cx = 12 + 17 * n, 12
            if sym == "conflict":
                p.setPen(QPen(qcolor(colour), 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(cx, cy), 6, 6)
            elif sym == "photo":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(*style.PHOTO_CONE))
                p.drawPie(QRectF(cx - 11, cy - 11, 22, 22), 65 * 16, 50 * 16)
                p.setBrush(qcolor(colour))
                p.drawEllipse(QPointF(cx, cy), 3, 3)
            elif sym == "footprint":
                p.setPen(QPen(qcolor(colour), 1))
                p.setBrush(QColor(*style.FOOTPRINT_FILL))
                p.drawRect(QRectF(cx - 7, cy - 5, 14, 10))
            else:
                draw_symbol(p, sym, cx, cy, 5, colour)
            p.setPen(QColor(20, 20, 20))
            p.drawText(QPointF(24, cy + 4), label)
        p.end()
        self._legend = (key, img)
        return img
