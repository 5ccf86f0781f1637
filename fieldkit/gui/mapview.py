"""The Map view: sites, remnants, photos and footprints on an offline basemap.

A thin face on :mod:`fieldkit.map`: the core reads the layers (:func:`load_map_data`),
draws tiles (:func:`compose_tile`) and measures (:func:`within`, geodesics); this module
paints them with QPainter and turns clicks into operations on the window's writer thread.

- Tiles are drawn off the UI thread (a pool of two threads) and kept in a small cache;
  until a tile arrives its parent's quarter is drawn enlarged, else the sea colour.
- Points are held as world-pixel columns at zoom 0 (numpy); a frame scales and culls
  them. Below ``CLUSTER_BELOW_ZOOM`` points are clustered on a grid fixed to the world,
  computed once per zoom level, so panning does not recompute (or re-shuffle) clusters.
- Modes: browse (click selects, drag pans), place a site, move a site or remnant,
  measure a distance. A position set on the map has source ``map`` and an accuracy of
  two screen pixels at that zoom; replacing a GPS or typed position asks first.

:func:`install_map` adds the view to the main window as a dock (the only hook there).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.i18n import tr
from fieldkit.map import style
from fieldkit.map.basemaps import BUILTIN_NAME, Registry
from fieldkit.map.geo import (
    TILE_SIZE,
    View,
    distance_m,
    fit_view,
    metres_per_pixel,
    to_lonlat,
    to_pixels,
    wrap_lon,
)
from fieldkit.map.layers import MapData, MapFilter, cluster, load_map_data, within
from fieldkit.map.naturalearth import SEA, natural_earth
from fieldkit.map.render import compose_tile, legend_entries, nice_scale, scale_text

MIN_ZOOM, MAX_ZOOM = 1, 20
TILE_CACHE = 384  # tiles (256 KiB each as RGBA: under 100 MiB)
HIT_RADIUS = 10  # pixels around a marker that count as a click on it
DRAG_THRESHOLD = 4  # pixels of movement before a press becomes a drag
GPS_OR_TYPED = ("exif", "device", "manual", "xmp", "track")


def _qcolor(rgb: tuple[int, ...]) -> QColor:
    return QColor(*rgb)


# --- tiles off the UI thread -------------------------------------------------------------


class _TileSignals(QObject):
    ready = Signal(object, object)  # key (generation, z, x, y), QImage


def _draw_tile(source: Any, key: tuple[int, int, int, int], signals: _TileSignals) -> None:
    """On a pool thread: the tile as a QImage, announced by a (queued) signal."""
    _gen, z, x, y = key
    try:
        img = compose_tile(source, z, x, y).convert("RGBA")
        qimg = QImage(
            img.tobytes("raw", "RGBA"), img.width, img.height, QImage.Format.Format_RGBA8888
        ).copy()  # own the pixels: the bytes object dies with this frame
    except Exception:  # a damaged tile must not stop the others: the sea shows there
        qimg = QImage()
    signals.ready.emit(key, qimg)


class _FootprintSignals(QObject):
    done = Signal(int, object)  # generation, footprints


def _compute_footprints(
    rows: list[tuple[Any, ...]], generation: int, signals: _FootprintSignals
) -> None:
    """On a pool thread: footprints from remnant rows (no store, no widget)."""
    from fieldkit.map.footprint import footprints_from_remnants

    try:
        footprints = footprints_from_remnants(rows)
    except Exception:  # a footprint that cannot be computed must not stop the map
        footprints = []
    signals.done.emit(generation, footprints)


class _Pool:
    """A small thread pool (concurrent.futures) whose work can be waited for."""

    def __init__(self, workers: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="map")
        self.futures: set[Future[None]] = set()

    def start(self, fn: Callable[..., None], *args: Any) -> None:
        future = self.executor.submit(fn, *args)
        self.futures.add(future)
        future.add_done_callback(self.futures.discard)

    def wait(self, msecs: int = 5000) -> bool:
        """True when all queued work has finished within ``msecs``."""
        _done, pending = futures_wait(list(self.futures), timeout=msecs / 1000)
        QCoreApplication.processEvents()  # deliver the results' signals
        return not pending

    waitForDone = wait

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class TileLoader(QObject):
    """Tiles by (z, x, y): from the cache, or drawn on the pool and announced."""

    tile_ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = _Pool(2)
        self.cache: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self.pending: set[tuple[int, int, int]] = set()
        self.generation = 0
        self.source: Any = natural_earth()
        self._signals = _TileSignals()
        self._signals.ready.connect(self._arrived)

    def set_source(self, source: Any) -> None:
        old = self.source
        self.generation += 1
        self.source = source
        self.cache.clear()
        self.pending.clear()
        if old is not natural_earth() and old is not source:
            self.pool.wait(2000)  # no job may still read the file we close
            old.close()

    def get(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        img = self.cache.get(key)
        if img is not None:
            self.cache.move_to_end(key)
            return img
        if key not in self.pending:
            self.pending.add(key)
            self.pool.start(_draw_tile, self.source, (self.generation, z, x, y), self._signals)
        return None

    def cached(self, z: int, x: int, y: int) -> QImage | None:
        return self.cache.get((z, x, y))

    def _arrived(self, key: tuple[int, int, int, int], img: QImage) -> None:
        gen, z, x, y = key
        if gen != self.generation:
            return
        self.pending.discard((z, x, y))
        self.cache[(z, x, y)] = img
        while len(self.cache) > TILE_CACHE:
            self.cache.popitem(last=False)
        self.tile_ready.emit()

    def wait(self, msecs: int = 5000) -> bool:
        """Let every queued tile finish (tests, benchmarks, screenshots)."""
        return self.pool.wait(msecs)


# --- the view ------------------------------------------------------------------------------


class MapView(QWidget):
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
        self.tiles = TileLoader(self)
        self.tiles.tile_ready.connect(self.update)
        self.zoom = 2
        self.cx, self.cy = 0.0, 0.0  # world pixels of the centre at self.zoom
        self.set_center(20.0, 0.0, 2)
        self.data = MapData(_empty_points(), _empty_points(), _empty_points(), [])
        self.layers = {"sites", "remnants", "photos", "footprints"}
        self.mode = "browse"
        self.selected_site: str | None = None
        self.highlighted: set[str] = set()  # photo ids ("photos within N m")
        self.measure: list[tuple[float, float]] = []
        self.attribution = natural_earth().info.attribution
        self._world: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._clusters: dict[tuple[str, int], Any] = {}
        self._footprint_rings: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
        self._press: QPoint | None = None
        self._press_centre = (0.0, 0.0)
        self._dragging_marker: tuple[str, str] | None = None
        self._drag_pos: QPointF | None = None
        self._panning = False
        self.last_frame_ms = 0.0

    # -- data ------------------------------------------------------------------------

    def set_data(self, data: MapData) -> None:
        """Show new layer data (from :func:`load_map_data`); keeps the view."""
        self.data = data
        self._world = {}
        for name in ("sites", "remnants", "photos"):
            pts = getattr(data, name)
            self._world[name] = to_pixels(pts.lat, pts.lon, 0)
        self._clusters.clear()
        self.set_footprints(data.footprints)

    def set_footprints(self, footprints: list[dict[str, Any]]) -> None:
        """Show footprints (computed off the UI thread by the panel)."""
        self.data.footprints = footprints
        self._footprint_rings = [
            (_rings(fp.get("polygon")), _lines(fp.get("axis"))) for fp in footprints
        ]
        self.update()

    def set_source(self, source: Any) -> None:
        self.tiles.set_source(source)
        info = source.info
        self.attribution = info.attribution or info.name
        if info.name != BUILTIN_NAME and "Natural Earth" not in self.attribution:
            self.attribution += " · Natural Earth"
        self.update()

    # -- the view ----------------------------------------------------------------------

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

    def fit(self, positions: list[tuple[float, float]], max_zoom: int = 18) -> None:
        """Show every (lat, lon) (a case, a site and its remnants)."""
        if not positions:
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

    def _layer_screen(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        x0, y0 = self._world.get(name, (np.zeros(0), np.zeros(0)))
        scale = 2.0**self.zoom
        return self._screen(x0 * scale, y0 * scale)

    def _visible(self, sx: np.ndarray, sy: np.ndarray, margin: float = 40) -> np.ndarray:
        w, h = self.width(), self.height()
        return np.nonzero((sx > -margin) & (sx < w + margin) & (sy > -margin) & (sy < h + margin))[
            0
        ]

    def _groups(self, name: str) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
        """Lone point indexes and cluster marks in view, for the current zoom."""
        sx, sy = self._layer_screen(name)
        if self.zoom >= style.CLUSTER_BELOW_ZOOM or not len(sx):
            return self._visible(sx, sy), []
        key = (name, self.zoom)
        if key not in self._clusters:
            x0, y0 = self._world[name]
            scale = 2.0**self.zoom
            cx, cy, counts, first = cluster(x0 * scale, y0 * scale, style.CLUSTER_CELL)
            self._clusters[key] = (cx, cy, counts, first)
        cx, cy, counts, first = self._clusters[key]
        scx, scy = self._screen(cx, cy)
        vis = self._visible(scx, scy)
        lone = first[vis[counts[vis] == 1]]
        many = vis[counts[vis] > 1]
        marks = list(
            zip(scx[many].tolist(), scy[many].tolist(), counts[many].tolist(), strict=True)
        )
        return lone, marks

    # -- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        import time

        t0 = time.perf_counter()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_tiles(p)
        if "footprints" in self.layers:
            self._paint_footprints(p)
        if "photos" in self.layers:
            self._paint_photos(p)
        if "remnants" in self.layers:
            self._paint_remnants(p)
        if "sites" in self.layers:
            self._paint_sites(p)
        self._paint_measure(p)
        self._paint_furniture(p)
        p.end()
        self.last_frame_ms = (time.perf_counter() - t0) * 1000

    def _paint_tiles(self, p: QPainter) -> None:
        ox, oy = self.origin()
        n = 2**self.zoom
        p.fillRect(self.rect(), _qcolor(SEA))
        for ty in range(
            max(0, math.floor(oy / TILE_SIZE)), math.floor((oy + self.height()) / 256) + 1
        ):
            if ty >= n:
                break
            for tx in range(math.floor(ox / TILE_SIZE), math.floor((ox + self.width()) / 256) + 1):
                x, left, top = tx % n, tx * TILE_SIZE - ox, ty * TILE_SIZE - oy
                img = self.tiles.get(self.zoom, x, ty)
                target = QRectF(left, top, TILE_SIZE, TILE_SIZE)
                if img is not None and not img.isNull():
                    p.drawImage(target, img)
                    continue
                parent = self.tiles.cached(self.zoom - 1, x // 2, ty // 2) if self.zoom else None
                if parent is not None and not parent.isNull():
                    half = TILE_SIZE / 2
                    p.drawImage(target, parent, QRectF((x % 2) * half, (ty % 2) * half, half, half))

    def _paint_footprints(self, p: QPainter) -> None:
        scale = 2.0**self.zoom
        fill = QColor(*style.FOOTPRINT_FILL)
        p.setPen(QPen(_qcolor(style.FOOTPRINT_EDGE), 2))
        p.setBrush(fill)
        for rings, axes in self._footprint_rings:
            for ring in rings:
                sx, sy = self._screen(ring[:, 0] * scale, ring[:, 1] * scale)
                p.drawPolygon(QPolygonF([QPointF(a, b) for a, b in zip(sx, sy, strict=True)]))
            pen = QPen(_qcolor(style.FOOTPRINT_AXIS), 2, Qt.PenStyle.DashLine)
            p.save()
            p.setPen(pen)
            for line in axes:
                sx, sy = self._screen(line[:, 0] * scale, line[:, 1] * scale)
                p.drawPolyline(QPolygonF([QPointF(a, b) for a, b in zip(sx, sy, strict=True)]))
            p.restore()

    def _paint_clusters(
        self, p: QPainter, name: str, marks: list[tuple[float, float, int]]
    ) -> None:
        if not marks:
            return
        p.setPen(QPen(Qt.GlobalColor.white, 2))
        p.setBrush(_qcolor(style.CLUSTER[name]))
        font = QFont(p.font())
        font.setPointSizeF(8)
        font.setBold(True)
        p.setFont(font)
        for x, y, n in marks:
            r = 9 + 3 * math.log10(n)
            p.drawEllipse(QPointF(x, y), r, r)
        p.setPen(Qt.GlobalColor.white)
        for x, y, n in marks:
            p.drawText(QRectF(x - 20, y - 10, 40, 20), Qt.AlignmentFlag.AlignCenter, str(n))

    def _paint_photos(self, p: QPainter) -> None:
        if not len(self.data.photos):
            return
        lone, marks = self._groups("photos")
        sx, sy = self._layer_screen("photos")
        ex = self.data.photos.extra
        mpp = metres_per_pixel(self.center()[0], self.zoom)
        few = len(lone) <= 3000  # cones and circles only when they can be seen
        if few:
            p.setPen(Qt.PenStyle.NoPen)
            for i in lone.tolist():
                acc = ex["position_accuracy_m"][i]
                if acc:
                    r = acc / mpp
                    if 4 <= r <= 4000:
                        p.setBrush(QColor(*style.ACCURACY))
                        p.drawEllipse(QPointF(sx[i], sy[i]), r, r)
                d = ex["direction"][i]
                if d is not None:
                    cr = style.CONE_RADIUS
                    # Qt's angles: counter-clockwise from east, in 1/16 degree
                    start = (90.0 - float(d) - style.CONE_HALF_ANGLE) * 16
                    p.setBrush(QColor(*style.PHOTO_CONE))
                    p.drawPie(
                        QRectF(sx[i] - cr, sy[i] - cr, 2 * cr, 2 * cr),
                        int(start),
                        int(2 * style.CONE_HALF_ANGLE * 16),
                    )
        p.setPen(QPen(Qt.GlobalColor.white, 1))
        p.setBrush(_qcolor(style.PHOTO))
        r = style.PHOTO_RADIUS
        for i in lone.tolist():
            p.drawEllipse(QPointF(sx[i], sy[i]), r, r)
        if self.highlighted:
            p.setPen(QPen(QColor(255, 140, 0), 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            ids = self.data.photos.ids
            for i in self._visible(sx, sy).tolist():
                if ids[i] in self.highlighted:
                    p.drawEllipse(QPointF(sx[i], sy[i]), r + 4, r + 4)
        self._paint_clusters(p, "photos", marks)

    def _paint_remnants(self, p: QPainter) -> None:
        if not len(self.data.remnants):
            return
        lone, marks = self._groups("remnants")
        sx, sy = self._layer_screen("remnants")
        ex = self.data.remnants.extra
        ids = self.data.remnants.ids
        for i in lone.tolist():
            x, y = float(sx[i]), float(sy[i])
            if self._dragging_marker == ("remnant", ids[i]) and self._drag_pos is not None:
                x, y = self._drag_pos.x(), self._drag_pos.y()
            colour = style.REMNANT_COLOURS.get(ex["category"][i], (0, 0, 0))
            if style.is_hazard(ex["condition"][i], ex["hazard"][i]):
                _symbol(p, "hazard", x, y, style.REMNANT_RADIUS + 1, colour)
            else:
                _symbol(p, "circle", x, y, style.REMNANT_RADIUS, colour)
        self._paint_clusters(p, "remnants", marks)

    def _paint_sites(self, p: QPainter) -> None:
        if not len(self.data.sites):
            return
        lone, marks = self._groups("sites")
        sx, sy = self._layer_screen("sites")
        ex = self.data.sites.extra
        ids = self.data.sites.ids
        labels = len(lone) <= 60
        font = QFont(p.font())
        font.setPointSizeF(9)
        p.setFont(font)
        for i in lone.tolist():
            x, y = float(sx[i]), float(sy[i])
            if self._dragging_marker == ("site", ids[i]) and self._drag_pos is not None:
                x, y = self._drag_pos.x(), self._drag_pos.y()
            kind, colour, _label = style.site_symbol(ex["site_type"][i])
            if ids[i] == self.selected_site:
                p.setPen(QPen(QColor(0, 0, 0), 3))
                p.setBrush(QColor(255, 255, 0, 160))
                p.drawEllipse(QPointF(x, y), style.SITE_RADIUS + 8, style.SITE_RADIUS + 8)
            if ex["conflict"][i]:
                p.setPen(QPen(_qcolor(style.CONFLICT), 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(x, y), style.SITE_RADIUS + 5, style.SITE_RADIUS + 5)
            _symbol(p, kind, x, y, style.SITE_RADIUS, colour)
            if labels and ex["name"][i]:
                _halo_text(p, x + style.SITE_RADIUS + 5, y + 4, str(ex["name"][i])[:40])
        self._paint_clusters(p, "sites", marks)

    def _paint_measure(self, p: QPainter) -> None:
        if not self.measure:
            return
        pts = [self.pixel_of(lat, lon) for lat, lon in self.measure]
        p.setPen(QPen(QColor(20, 20, 20), 2, Qt.PenStyle.DashLine))
        p.drawPolyline(QPolygonF(pts))
        p.setBrush(QColor(255, 255, 255))
        for pt in pts:
            p.drawEllipse(pt, 4, 4)
        total = self.measured_length()
        _halo_text(p, pts[-1].x() + 8, pts[-1].y() - 8, _distance_text(total))

    def measured_length(self) -> float:
        """Metres along the measured line (geodesic segments on WGS84)."""
        return sum(
            distance_m(a[0], a[1], b[0], b[1])
            for a, b in zip(self.measure, self.measure[1:], strict=False)
        )

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
        entries = legend_entries(self.data, self.layers)
        if entries and self.width() > 420:
            width = 30 + max(fm.horizontalAdvance(label) for _s, label, _c in entries)
            height = 8 + 17 * len(entries)
            lx, ly = self.width() - width - 8, 8
            p.setPen(QColor(160, 160, 160))
            p.setBrush(QColor(255, 255, 255, 235))
            p.drawRect(QRectF(lx, ly, width, height))
            for n, (sym, label, colour) in enumerate(entries):
                cy = ly + 12 + 17 * n
                cx = lx + 12
                if sym == "conflict":
                    p.setPen(QPen(_qcolor(colour), 3))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawEllipse(QPointF(cx, cy), 6, 6)
                elif sym == "photo":
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(QColor(*style.PHOTO_CONE))
                    p.drawPie(QRectF(cx - 11, cy - 11, 22, 22), 65 * 16, 50 * 16)
                    p.setBrush(_qcolor(colour))
                    p.drawEllipse(QPointF(cx, cy), 3, 3)
                elif sym == "footprint":
                    p.setPen(QPen(_qcolor(colour), 1))
                    p.setBrush(QColor(*style.FOOTPRINT_FILL))
                    p.drawRect(QRectF(cx - 7, cy - 5, 14, 10))
                else:
                    _symbol(p, sym, cx, cy, 5, colour)
                p.setPen(QColor(20, 20, 20))
                p.drawText(QPointF(lx + 24, cy + 4), label)

    # -- mouse and keys ------------------------------------------------------------------

    def hit(self, pos: QPointF | QPoint) -> tuple[str, str] | None:
        """The (kind, id) of the marker under ``pos``: sites first, then remnants, photos."""
        for name, kind in (("sites", "site"), ("remnants", "remnant"), ("photos", "media")):
            if name not in self.layers or not len(getattr(self.data, name)):
                continue
            lone, _marks = self._groups(name)
            if not len(lone):
                continue
            sx, sy = self._layer_screen(name)
            d = np.hypot(sx[lone] - pos.x(), sy[lone] - pos.y())
            best = int(np.argmin(d))
            if d[best] <= HIT_RADIUS:
                return kind, getattr(self.data, name).ids[int(lone[best])]
        return None

    def cluster_at(self, pos: QPointF | QPoint) -> bool:
        for name in ("sites", "remnants", "photos"):
            if name in self.layers and len(getattr(self.data, name)):
                _lone, marks = self._groups(name)
                for x, y, n in marks:
                    if math.hypot(x - pos.x(), y - pos.y()) <= 9 + 3 * math.log10(n):
                        return True
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            if event.button() == Qt.MouseButton.RightButton and self.measure:
                self.measure = []
                self.update()
            return
        self._press = event.position().toPoint()
        self._press_centre = (self.cx, self.cy)
        self._panning = False
        self._dragging_marker = None
        if self.mode == "move":
            target = self.hit(event.position())
            if target and target[0] in ("site", "remnant"):
                self._dragging_marker = target

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        delta = event.position().toPoint() - self._press
        if self._dragging_marker is not None:
            self._drag_pos = event.position()
            self.update()
            return
        if self._panning or delta.manhattanLength() > DRAG_THRESHOLD:
            self._panning = True
            self.cx = self._press_centre[0] - delta.x()
            self.cy = self._press_centre[1] - delta.y()
            self._changed()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        moved = (pos.toPoint() - self._press).manhattanLength() > DRAG_THRESHOLD
        self._press = None
        if self._dragging_marker is not None:
            kind, rid = self._dragging_marker
            self._dragging_marker = None
            self._drag_pos = None
            self.update()
            if moved:
                lat, lon = self.latlon_at(pos)
                self.move_requested.emit(kind, rid, lat, lon)
            return
        if self._panning:
            self._panning = False
            return
        self.click(pos)

    def click(self, pos: QPointF | QPoint) -> None:
        """What a click (no drag) at ``pos`` does in the current mode."""
        lat, lon = self.latlon_at(pos)
        if self.mode == "place":
            self.place_requested.emit(lat, lon)
        elif self.mode == "measure":
            self.measure.append((lat, lon))
            self.update()
            self.measured.emit(self.measured_length())
        else:
            target = self.hit(pos)
            if target is None:
                if self.cluster_at(pos):
                    self.zoom_by(2, QPointF(pos))
                return
            kind, rid = target
            if kind == "site":
                self.site_activated.emit(rid)
            elif kind == "remnant":
                i = self.data.remnants.index()[rid]
                self.remnant_activated.emit(rid, self.data.remnants.extra["site_id"][i])
            else:
                self.photo_activated.emit(rid)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = 1 if event.angleDelta().y() > 0 else -1
        self.zoom_by(steps, event.position())

    def keyPressEvent(self, event: Any) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(-1)
        elif key == Qt.Key.Key_Left:
            self.pan_by(100, 0)
        elif key == Qt.Key.Key_Right:
            self.pan_by(-100, 0)
        elif key == Qt.Key.Key_Up:
            self.pan_by(0, 100)
        elif key == Qt.Key.Key_Down:
            self.pan_by(0, -100)
        elif key == Qt.Key.Key_Escape:
            self.measure = []
            self.update()
        else:
            super().keyPressEvent(event)


def _empty_points() -> Any:
    from fieldkit.map.layers import Points

    return Points()


def _rings(geometry: dict[str, Any] | None) -> list[np.ndarray]:
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        return []
    out = []
    for poly in polys:
        ring = np.asarray(poly[0], dtype=np.float64)
        x, y = to_pixels(ring[:, 1], ring[:, 0], 0)
        out.append(np.column_stack([x, y]))
    return out


def _lines(geometry: dict[str, Any] | None) -> list[np.ndarray]:
    if not geometry:
        return []
    lines = (
        [geometry["coordinates"]]
        if geometry["type"] == "LineString"
        else geometry["coordinates"]
        if geometry["type"] == "MultiLineString"
        else []
    )
    out = []
    for line in lines:
        a = np.asarray(line, dtype=np.float64)
        x, y = to_pixels(a[:, 1], a[:, 0], 0)
        out.append(np.column_stack([x, y]))
    return out


def _symbol(p: QPainter, kind: str, x: float, y: float, r: float, fill: tuple[int, ...]) -> None:
    p.setPen(QPen(Qt.GlobalColor.white, 2))
    p.setBrush(_qcolor(fill))
    if kind == "circle":
        p.drawEllipse(QPointF(x, y), r, r)
    elif kind == "ring":
        p.setPen(QPen(_qcolor(fill), 3))
        p.setBrush(Qt.GlobalColor.white)
        p.drawEllipse(QPointF(x, y), r, r)
        p.setBrush(_qcolor(fill))
        p.drawEllipse(QPointF(x, y), 2, 2)
    elif kind == "square":
        p.drawRect(QRectF(x - r, y - r, 2 * r, 2 * r))
    elif kind == "triangle":
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.2),
                    QPointF(x + r * 1.1, y + r * 0.8),
                    QPointF(x - r * 1.1, y + r * 0.8),
                ]
            )
        )
    elif kind == "hazard":
        p.setPen(QPen(_qcolor(style.HAZARD_EDGE), 2))
        p.setBrush(_qcolor(style.HAZARD_FILL))
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.5),
                    QPointF(x + r * 1.35, y + r),
                    QPointF(x - r * 1.35, y + r),
                ]
            )
        )
        p.drawLine(QPointF(x, y - r * 0.6), QPointF(x, y + r * 0.2))
        p.drawPoint(QPointF(x, y + r * 0.6))
    else:
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.3),
                    QPointF(x + r * 1.3, y),
                    QPointF(x, y + r * 1.3),
                    QPointF(x - r * 1.3, y),
                ]
            )
        )


def _halo_text(p: QPainter, x: float, y: float, text: str) -> None:
    path = QPainterPath()
    path.addText(QPointF(x, y), p.font(), text)
    p.setPen(QPen(QColor(255, 255, 255, 230), 4))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(25, 25, 25))
    p.drawPath(path)


def _distance_text(metres: float) -> str:
    if metres >= 1000:
        return f"{metres / 1000:.2f} km" if metres < 10_000 else f"{metres / 1000:.1f} km"
    return f"{metres:.0f} m" if metres >= 10 else f"{metres:.1f} m"


# --- the panel: tools around the view --------------------------------------------------------


class MapPanel(QWidget):
    """The map with its tools: modes, case and time filter, basemap, zoom, measure."""

    status_changed = Signal(str)

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapPanel")
        self.store = store
        self.view = MapView(self)
        self.filter = MapFilter()
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status_changed.connect(self.status.setText)

        self.modes = QButtonGroup(self)
        self.modes.setExclusive(True)
        self.mode_buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for mode, text, tip in (
            ("browse", tr("Browse"), tr("Click selects, drag pans, wheel zooms")),
            ("place", tr("Place site"), tr("Click to place a new site")),
            ("move", tr("Move"), tr("Drag a site or a remnant to its position")),
            ("measure", tr("Measure"), tr("Click points; right-click clears")),
        ):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.setObjectName(f"mapMode_{mode}")
            self.modes.addButton(b)
            self.mode_buttons[mode] = b
            b.toggled.connect(lambda on, m=mode: self._mode_toggled(on, m))
            bar.addWidget(b)
        self.mode_buttons["browse"].setChecked(True)
        self.case_box = QComboBox()
        self.case_box.setObjectName("mapCase")
        self.case_box.currentIndexChanged.connect(lambda _i: self._filter_changed())
        self.case_box.setMinimumContentsLength(18)
        self.case_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        bar.addWidget(self.case_box)
        self.start_edit = QLineEdit()
        self.end_edit = QLineEdit()
        for edit, hint in (
            (self.start_edit, tr("from (UTC)")),
            (self.end_edit, tr("to")),
        ):
            edit.setPlaceholderText(hint)
            edit.setToolTip(tr("Incident time window, ISO 8601 (e.g. 2020-10-04T00:00Z)"))
            edit.setMaximumWidth(130)
            edit.editingFinished.connect(self._filter_changed)
            bar.addWidget(edit)
        self.basemap_box = QComboBox()
        self.basemap_box.setObjectName("mapBasemap")
        self.basemap_box.activated.connect(lambda _i: self._basemap_chosen())
        bar.addWidget(self.basemap_box)
        add = QToolButton()
        add.setText(tr("Add…"))
        add.setToolTip(tr("Add an MBTiles or PMTiles basemap (it stays where it is)"))
        add.clicked.connect(self.add_basemap)
        bar.addWidget(add)
        bar.addStretch(1)

        tools = QHBoxLayout()
        tools.setContentsMargins(4, 0, 4, 2)
        for text, slot, name in (
            (tr("Zoom to case"), self.zoom_to_case, "mapZoomCase"),
            (tr("Zoom to site"), self.zoom_to_site, "mapZoomSite"),
        ):
            b = QToolButton()
            b.setText(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            tools.addWidget(b)
        tools.addWidget(QLabel(tr("Photos within")))
        self.radius = QSpinBox()
        self.radius.setRange(1, 100_000)
        self.radius.setValue(50)
        self.radius.setSuffix(" m")
        tools.addWidget(self.radius)
        near = QToolButton()
        near.setText(tr("of this site"))
        near.setObjectName("mapPhotosNear")
        near.clicked.connect(lambda: self.photos_near())
        tools.addWidget(near)
        tools.addWidget(self.status, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        self.view.measured.connect(
            lambda m: self.status_changed.emit(tr("Measured: {d}").format(d=_distance_text(m)))
        )
        self.footprint_pool = _Pool(1)
        self._footprint_generation = 0
        self._footprint_signals = _FootprintSignals()
        self._footprint_signals.done.connect(self._footprints_done)
        self.loaded = False  # the layers are read when the map is first shown

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.load()

    def load(self) -> None:
        """Read everything the first time (the map costs nothing until it is shown)."""
        self.loaded = True
        self.refresh_basemaps()
        self.refresh_cases()
        self.reload()
        self.zoom_to_case()

    def _footprints_done(self, generation: int, footprints: list[dict[str, Any]]) -> None:
        if generation == self._footprint_generation:
            self.view.set_footprints(footprints)

    # -- data ------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the layers for the current filter (after a write, or a filter change).

        Points are read here (one SQL query per layer); footprints are computed on a
        pool thread and appear when ready.
        """
        data = load_map_data(self.store, self.filter, compute_footprints=False)
        self.view.set_data(data)
        self._footprint_generation += 1
        if data.footprint_input:
            self.footprint_pool.start(
                _compute_footprints,
                list(data.footprint_input),
                self._footprint_generation,
                self._footprint_signals,
            )
        if self.filter.has_window and self.view.data.unknown_time:
            self.status_changed.emit(
                tr("{n} site(s) without an incident time are not shown").format(
                    n=self.view.data.unknown_time
                )
            )

    def refresh_cases(self) -> None:
        keep = self.case_box.currentData()
        self.case_box.blockSignals(True)
        self.case_box.clear()
        self.case_box.addItem(tr("All cases"), None)
        for case in self.store.find("case", order="title"):
            self.case_box.addItem(case["title"], case["id"])
        index = self.case_box.findData(keep)
        self.case_box.setCurrentIndex(max(0, index))
        self.case_box.blockSignals(False)

    def set_case(self, case_id: str | None) -> None:
        index = self.case_box.findData(case_id)
        if index >= 0 and index != self.case_box.currentIndex():
            self.case_box.setCurrentIndex(index)

    def _filter_changed(self) -> None:
        from fieldkit.records import parse_datetime_utc

        window: list[str | None] = []
        for edit in (self.start_edit, self.end_edit):
            text = edit.text().strip()
            try:
                window.append(parse_datetime_utc(text) if text else None)
                edit.setStyleSheet("")
            except ValueError as exc:
                edit.setStyleSheet("background: #fdd")
                self.status_changed.emit(str(exc))
                return
        self.filter = MapFilter(case_id=self.case_box.currentData(), start=window[0], end=window[1])
        self.reload()

    def refresh_basemaps(self) -> None:
        self.basemap_box.blockSignals(True)
        current = self.basemap_box.currentText()
        self.basemap_box.clear()
        for info in Registry(self.store.home).describe():
            label = info.name + (tr(" (file missing)") if info.missing else "")
            self.basemap_box.addItem(label, info.name)
        self.basemap_box.setCurrentIndex(max(0, self.basemap_box.findText(current)))
        self.basemap_box.blockSignals(False)

    def _basemap_chosen(self) -> None:
        self.use_basemap(self.basemap_box.currentData())

    def use_basemap(self, name: str | None) -> None:
        from fieldkit.errors import MapError

        try:
            source, notices = Registry(self.store.home).open(name)
        except MapError as exc:
            self.status_changed.emit(str(exc))
            return
        self.view.set_source(source)
        index = self.basemap_box.findData(name or BUILTIN_NAME)
        if index >= 0:
            self.basemap_box.setCurrentIndex(index)
        self.status_changed.emit(" ".join(notices))

    def add_basemap(self) -> None:
        from fieldkit.errors import MapError
        from fieldkit.gui.dialogs import Prompts

        path = Prompts.open_file(self, tr("Add a basemap"), tr("Basemaps (*.mbtiles *.pmtiles)"))
        if path is None:
            return
        try:
            info = Registry(self.store.home).add(Path(path))
        except MapError as exc:
            Prompts.error(self, tr("Basemap"), str(exc))
            return
        self.refresh_basemaps()
        self.use_basemap(info.name)
        if info.bounds:
            west, south, east, north = info.bounds
            self.view.fit([(south, west), (north, east)], max_zoom=info.max_zoom or 18)

    # -- tools -------------------------------------------------------------------------

    def _mode_toggled(self, on: bool, mode: str) -> None:
        if on:
            self.set_mode(mode)

    def set_mode(self, mode: str) -> None:
        """browse, place, move or measure (the buttons above the map)."""
        self.view.mode = mode
        button = self.mode_buttons[mode]
        if not button.isChecked():
            button.setChecked(True)
        cursor = {
            "browse": Qt.CursorShape.OpenHandCursor,
            "place": Qt.CursorShape.CrossCursor,
            "move": Qt.CursorShape.SizeAllCursor,
            "measure": Qt.CursorShape.CrossCursor,
        }[mode]
        self.view.setCursor(cursor)
        if mode != "measure":
            self.view.measure = []
            self.view.update()

    def select_site(self, site_id: str | None) -> None:
        """Show the window's selection: highlight the site and bring it into view (only
        when the selection changes: a refresh must not undo the user's panning)."""
        changed = site_id != self.view.selected_site
        self.view.selected_site = site_id
        if changed:
            self.view.highlighted = set()
        if changed and site_id and site_id in self.view.data.sites.index():
            i = self.view.data.sites.index()[site_id]
            lat, lon = float(self.view.data.sites.lat[i]), float(self.view.data.sites.lon[i])
            pt = self.view.pixel_of(lat, lon)
            if not self.view.rect().adjusted(20, 20, -20, -20).contains(pt.toPoint()):
                self.view.set_center(lat, lon)
        self.view.update()

    def zoom_to_case(self) -> None:
        self.view.fit(self.view.data.positions(), max_zoom=17)

    def zoom_to_site(self) -> None:
        site_id = self.view.selected_site
        if not site_id:
            self.status_changed.emit(tr("Select a site first"))
            return
        data = load_map_data(self.store, MapFilter(site_id=site_id))
        positions = data.positions(("sites", "remnants", "footprints"))
        if not positions:
            self.status_changed.emit(tr("This site has no position yet"))
            return
        self.view.fit(positions, max_zoom=18)

    def photos_near(self, metres: float | None = None) -> list[tuple[str, float]]:
        """Photos within ``metres`` (default: the spin box) of the selected site; they are
        ringed on the map. Returns (media id, metres), nearest first."""
        site_id = self.view.selected_site
        metres = float(self.radius.value() if metres is None else metres)
        if not site_id:
            self.status_changed.emit(tr("Select a site first"))
            return []
        site = self.store.get(site_id, "site")
        if site.get("lat") is None:
            self.status_changed.emit(tr("This site has no position yet"))
            return []
        photos = load_map_data(self.store, MapFilter(), layers=("photos",)).photos
        found = within(photos, site["lat"], site["lon"], metres)
        self.view.highlighted = {mid for mid, _d in found}
        self.view.update()
        self.status_changed.emit(
            tr("{n} photo(s) within {m:g} m of {site}").format(
                n=len(found), m=metres, site=site.get("name") or ""
            )
        )
        return found


# --- the hook in the main window -----------------------------------------------------------


def _create_site(store: Any, values: dict[str, Any]) -> dict[str, Any]:
    return store.create("site", values)


def _move(store: Any, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return store.update(record_id, values)


class MapController(QObject):
    """Connects a :class:`MapPanel` to the main window: selection both ways, writes on
    the window's writer thread, reloads after every write."""

    def __init__(self, window: Any, panel: MapPanel) -> None:
        super().__init__(window)
        self.window = window
        self.panel = panel
        view = panel.view
        view.site_activated.connect(self.select_in_window)
        view.remnant_activated.connect(lambda _rid, sid: self.select_in_window(sid))
        view.place_requested.connect(self.place_site)
        view.move_requested.connect(self.move_record)
        window.site_selected.connect(self._window_selected)
        window.store_changed.connect(self._store_changed)
        self._window_selected(getattr(window, "current_site_id", None))

    def select_in_window(self, site_id: str) -> None:
        if self.window.select_site(site_id):
            self.panel.select_site(site_id)

    def _window_selected(self, site_id: str | None) -> None:
        if site_id and self.panel.filter.case_id:
            case_id = self.window.store.get(site_id, "site").get("case_id")
            if case_id != self.panel.filter.case_id:
                self.panel.set_case(case_id)
        self.panel.select_site(site_id)

    def _store_changed(self) -> None:
        if not self.panel.loaded:
            return
        self.panel.refresh_cases()
        self.panel.reload()
        self.panel.view.selected_site = getattr(self.window, "current_site_id", None)

    def _accuracy(self) -> float:
        v = self.panel.view
        return round(max(1.0, 2 * metres_per_pixel(v.center()[0], v.zoom)), 1)

    def place_site(self, lat: float, lon: float) -> None:
        """A new site where the click was (source ``map``), in the map's or window's case."""
        case_id = self.panel.filter.case_id or getattr(self.window, "current_case_id", None)
        if not case_id:
            cases = self.window.store.find("case")
            if len(cases) != 1:
                self.panel.status_changed.emit(tr("Choose a case in the map's case list first"))
                return
            case_id = cases[0]["id"]
        if not self.window.maybe_save():
            return
        values = {
            "case_id": case_id,
            "name": tr("New site on the map"),
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "position_source": "map",
            "position_accuracy_m": self._accuracy(),
        }

        def done(record: dict[str, Any]) -> None:
            self.panel.set_mode("browse")
            self.window.select_site(record["id"])
            self.panel.status_changed.emit(tr("Site placed: name it in Details"))

        self.window.submit(_create_site, values, label=tr("Place site"), on_done=done)

    def move_record(self, kind: str, record_id: str, lat: float, lon: float) -> None:
        """Move a site or remnant (source ``map``); asks before replacing a GPS or typed
        position."""
        from fieldkit.gui.dialogs import Prompts

        record = self.window.store.get(record_id)
        source = record.get("position_source")
        if record.get("lat") is not None and source in GPS_OR_TYPED:
            how = (
                tr("from GPS")
                if source in ("exif", "device", "track", "xmp")
                else tr("typed by hand")
            )
            ok = Prompts.confirm(
                self.window,
                tr("Replace the position?"),
                tr(
                    "This {kind}'s position was {how} ({lat:.6f}, {lon:.6f}). Replace it "
                    "with the position on the map ({nlat:.6f}, {nlon:.6f})?"
                ).format(
                    kind=kind, how=how, lat=record["lat"], lon=record["lon"], nlat=lat, nlon=lon
                ),
            )
            if not ok:
                self.panel.view.update()
                return
        values = {
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "position_source": "map",
            "position_accuracy_m": self._accuracy(),
        }

        def done(_record: dict[str, Any]) -> None:
            if not self.window.any_dirty():
                self.window.refresh()
            self.panel.status_changed.emit(tr("Moved; the change is in the journal"))

        self.window.submit(_move, record_id, values, label=tr("Move"), on_done=done)


def install_map(window: Any) -> MapPanel:
    """Add the Map view to the main window as a dock under the lists, hidden until asked
    for (View ▸ Map, Ctrl+M, or Map on the toolbar): it reads its layers when first shown,
    so a window that never shows it pays nothing."""
    panel = MapPanel(window.store)
    dock = QDockWidget(tr("Map"), window)
    dock.setObjectName("mapDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    action = dock.toggleViewAction()
    action.setText(tr("&Map"))
    action.setObjectName("map")
    action.setShortcut(QKeySequence("Ctrl+M"))
    toolbar = window.findChild(QToolBar, "mainToolbar")
    if toolbar is not None:
        toolbar.addAction(action)
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    view_menu = next((m for m in menus if m.objectName() == "viewMenu"), None)
    if view_menu is None and len(menus) >= 3:
        view_menu = menus[2]
    if view_menu is not None:
        view_menu.addAction(action)
    window.map_dock = dock
    window.map_controller = MapController(window, panel)

    def shown(visible: bool) -> None:  # half of the window's height for the map
        if visible and dock.height() < 250:
            window.resizeDocks([dock], [max(300, window.height() // 2)], Qt.Orientation.Vertical)
            QTimer.singleShot(0, panel.zoom_to_case)

    dock.visibilityChanged.connect(shown)
    return panel
