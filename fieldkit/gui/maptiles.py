"""The Map view's work off the UI thread: basemap tiles, the layers' read, footprints.

- :class:`TileLoader`: basemap tiles drawn on a pool of two threads
  (:func:`fieldkit.map.render.compose_tile`), converted there to the format a frame
  pastes without converting or blending (opaque tiles ``RGB32``), kept in an LRU cache.
- :func:`load_layers`: :func:`fieldkit.map.layers.load_map_data` on a connection of its
  own (the store is in WAL mode: it reads while the UI's connection writes), so opening
  the map or changing its filter never blocks the UI thread on SQLite.
- :func:`compute_footprints`: footprints from remnant rows, on a pool thread.

Results come back to the UI thread as queued signals; nothing here touches a widget.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QImage

from fieldkit.map.geo import to_pixels
from fieldkit.map.layers import MapFilter
from fieldkit.map.naturalearth import natural_earth
from fieldkit.map.render import compose_tile

TILE_CACHE = 384  # tiles (256 KiB each: under 100 MiB)
FIT_MAX_ZOOM = 17  # "zoom to case" never goes closer than this


class Pool:
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


# --- basemap tiles ---------------------------------------------------------------------------


class _TileSignals(QObject):
    ready = Signal(object, object)  # key (generation, z, x, y), QImage


def tile_qimage(img: Image.Image) -> QImage:
    """A Pillow tile as the QImage a frame pastes fastest: ``Format_RGB32`` when it is
    opaque (every tile of the shipped base, most raster tiles; pasting it is a copy,
    not a blend), else premultiplied ARGB32. The QImage owns its pixels."""
    rgba = img.convert("RGBA")
    alpha = rgba.getchannel("A").getextrema()
    opaque = alpha[0] == 255
    qimg = QImage(
        rgba.tobytes("raw", "RGBA"), rgba.width, rgba.height, QImage.Format.Format_RGBA8888
    )
    return qimg.convertToFormat(
        QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
    )


def _draw_tile(source: Any, key: tuple[int, int, int, int], signals: _TileSignals) -> None:
    """On a pool thread: the tile as a QImage (:func:`tile_qimage`), announced by a
    signal."""
    _gen, z, x, y = key
    try:
        qimg = tile_qimage(compose_tile(source, z, x, y))
    except Exception:  # a damaged tile must not stop the others: the sea shows there
        qimg = QImage()
    signals.ready.emit(key, qimg)


class TileLoader(QObject):
    """Tiles by (z, x, y): from the cache, or drawn on the pool and announced.

    Besides the tiles a frame asks for (:meth:`get`), the canvas names the tiles just
    around its view (:meth:`prefetch`): they are drawn when the pool has nothing else to
    do, so a pan finds its next tiles ready, as web maps keep a buffer around the view.
    """

    tile_ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = Pool(2)
        self.cache: OrderedDict[tuple[int, int, int], QImage] = OrderedDict()
        self.pending: set[tuple[int, int, int]] = set()
        self.wanted: list[tuple[int, int, int]] = []  # to prefetch, nearest first
        self._unseen: set[tuple[int, int, int]] = set()  # pending, asked by no frame yet
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
        self.wanted.clear()
        self._unseen.clear()
        if old is not natural_earth() and old is not source:
            self.pool.wait(2000)  # no job may still read the file we close
            old.close()

    def get(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        img = self.cache.get(key)
        if img is not None:
            self.cache.move_to_end(key)
            return img
        if key in self.pending:
            self._unseen.discard(key)  # a frame waits for it now: announce it
        else:
            self._request(key)
        return None

    def _request(self, key: tuple[int, int, int]) -> None:
        self.pending.add(key)
        self.pool.start(_draw_tile, self.source, (self.generation, *key), self._signals)

    def prefetch(self, z: int, tiles: list[tuple[int, int]]) -> None:
        """Tiles (x, y) at zoom ``z`` to draw once the pool is idle, nearest first;
        replaces the last list (the view moved on)."""
        self.wanted = [(z, x, y) for x, y in tiles if (z, x, y) not in self.cache]
        self._feed()

    def _feed(self) -> None:
        """Start prefetching when no tile a frame asked for is still being drawn: two at
        a time (the pool's threads), so a frame's own tiles never queue behind many."""
        if self.pending:
            return
        while self.wanted and len(self.pending) < 2:
            key = self.wanted.pop(0)
            if key not in self.cache and key not in self.pending:
                self._unseen.add(key)
                self._request(key)

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
        if (z, x, y) in self._unseen:
            self._unseen.discard((z, x, y))  # prefetched: no frame shows it yet
        else:
            self.tile_ready.emit()
        self._feed()

    def wait(self, msecs: int = 5000) -> bool:
        """Let every queued tile finish, the prefetched ones too (tests, benchmarks,
        screenshots); False when some are still being drawn after ``msecs``."""
        deadline = time.monotonic() + msecs / 1000
        while True:
            left = deadline - time.monotonic()
            if not self.pool.wait(max(0, int(left * 1000))):  # delivers what arrived
                return False
            if not self.pending and not self.wanted:
                return True
            if left <= 0:
                return False
            self._feed()


# --- the layers and footprints ----------------------------------------------------------------


class ResultSignals(QObject):
    done = Signal(int, object)  # generation, result (or the exception)


def load_layers(
    home: Path,
    secrets: Any,
    flt: MapFilter,
    generation: int,
    signals: ResultSignals,
    fit_size: tuple[int, int] | None = None,
    shown: frozenset[str] | None = None,
) -> None:
    """On a pool thread: the layers for ``flt`` read on a connection of its own (through
    the layer cache), projected to world pixels; with ``fit_size`` (the canvas's width,
    height) also the view that fits them, its zoom's clusters made here too, and with
    ``shown`` (the canvas's layers) that view's overlay tiles, kept in the store for the
    next time or taken from it (:mod:`fieldkit.gui.mapoverlay`). Emits (MapData,
    LayerState, View or None, {(x, y): tile} at the view's zoom), or the exception; when
    the layers came from the tables without their footprints, then ("footprints", the
    footprints); then caches what it read.
    """
    from pathlib import Path as _Path

    from fieldkit.atrest.database import connect
    from fieldkit.gui import mapoverlay
    from fieldkit.gui.maplayers import POINT_LAYERS, LayerState
    from fieldkit.map import style
    from fieldkit.map.cache import (
        LayerReader,
        cache_key,
        read_layers_stamped,
        save_layers,
        with_footprints,
    )
    from fieldkit.map.geo import fit_view
    from fieldkit.map.layers import LAYERS
    from fieldkit.paths import DB_NAME

    conn = None
    try:
        conn = connect(_Path(home) / DB_NAME, secrets)
        reader = LayerReader(conn)
        data, current, unchanged = read_layers_stamped(reader, flt, layers=LAYERS)
        shown_data = _for_the_canvas(data)
        state = LayerState(shown_data)
        state.set_footprints(data.footprints)
        view = None
        tiles: mapoverlay.Tiles = {}
        painted = False
        complete = data.footprints_computed or not data.footprint_input
        if fit_size is not None:
            positions = data.positions()
            if len(positions):
                w, h = fit_size
                view = fit_view(positions, max(w, 64), max(h, 64), max_zoom=FIT_MAX_ZOOM)
                zoom = max(1, view.zoom)
                view = type(view)(view.lat, view.lon, zoom, view.width, view.height)
                for name in POINT_LAYERS:
                    if zoom < style.CLUSTER_BELOW_ZOOM:
                        state.marks(name, zoom)
                if shown and complete:
                    key = mapoverlay.tiles_key(cache_key(flt, LAYERS), shown, zoom)
                    tiles = mapoverlay.read_tiles(conn, key, current)
                    for tx, ty in mapoverlay.visible_tiles(view):
                        if (tx, ty) not in tiles:  # painted here, not on the UI thread
                            tiles[(tx, ty)] = state.paint_tile(zoom, tx, ty, set(shown))
                            painted = True
        signals.done.emit(generation, (shown_data, state, view, tiles))
        if not unchanged:
            # read from the tables: the map shows the points now; the footprints follow,
            # then everything is cached for the next time
            if data.footprint_input and not data.footprints_computed:
                data = with_footprints(data)
                signals.done.emit(generation, ("footprints", data.footprints))
            save_layers(reader, flt, LAYERS, current, data)
        if painted and view is not None and shown:
            mapoverlay.save_tiles(conn, key, current, tiles)
    except Exception as exc:  # shown in the panel's status line, never a crash
        signals.done.emit(generation, exc)
    finally:
        if conn is not None:
            conn.close()


def _for_the_canvas(data: Any) -> Any:
    """``data`` with the sites' and remnants' positions copied: the canvas moves a
    dragged marker in place, and this thread caches ``data`` after handing it over."""
    from dataclasses import replace

    from fieldkit.map.layers import Points

    def copied(pts: Points) -> Points:
        return Points(pts.ids, pts.lat.copy(), pts.lon.copy(), pts.extra, pts.rowid)

    return replace(data, sites=copied(data.sites), remnants=copied(data.remnants))


def compute_footprints(
    rows: list[tuple[Any, ...]], generation: int, signals: ResultSignals
) -> None:
    """On a pool thread: footprints from remnant rows (no store, no widget)."""
    from fieldkit.map.footprint import footprints_from_remnants

    try:
        footprints = footprints_from_remnants(rows)
    except Exception:  # a footprint that cannot be computed must not stop the map
        footprints = []
    signals.done.emit(generation, footprints)


def footprint_rings(geometry: dict[str, Any] | None) -> list[np.ndarray]:
    """A footprint's outer rings as (n, 2) arrays of zoom-0 world pixels."""
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


def footprint_lines(geometry: dict[str, Any] | None) -> list[np.ndarray]:
    """A footprint's axis (LineString or MultiLineString) in zoom-0 world pixels."""
    if not geometry:
        return []
    if geometry["type"] == "LineString":
        lines = [geometry["coordinates"]]
    elif geometry["type"] == "MultiLineString":
        lines = geometry["coordinates"]
    else:
        return []
    out = []
    for line in lines:
        a = np.asarray(line, dtype=np.float64)
        x, y = to_pixels(a[:, 1], a[:, 0], 0)
        out.append(np.column_stack([x, y]))
    return out


def footprint_shapes(
    footprints: list[dict[str, Any]],
) -> tuple[list[tuple[list[np.ndarray], list[np.ndarray]]], np.ndarray]:
    """Every footprint's (rings, axis lines) as :func:`footprint_rings` and
    :func:`footprint_lines` give them, and their boxes (min x, min y, max x, max y;
    infinite when empty) as an (n, 4) array; projected in one go (1,000 footprints:
    one numpy call, not 2,000)."""
    parts: list[list[Any]] = []  # each ring and line's coordinates, in order
    counts: list[tuple[int, int]] = []  # per footprint: its rings, its lines
    for fp in footprints:
        rings = _outer_rings(fp.get("polygon"))
        lines = _lines(fp.get("axis"))
        parts.extend(rings)
        parts.extend(lines)
        counts.append((len(rings), len(lines)))
    sizes = [len(part) for part in parts]
    flat = [pt for part in parts for pt in part]
    arrays: list[np.ndarray] = []
    if flat:
        a = np.asarray(flat, dtype=np.float64).reshape(-1, 2)
        x, y = to_pixels(a[:, 1], a[:, 0], 0)
        xy = np.column_stack([x, y])
        arrays = np.split(xy, np.cumsum(sizes)[:-1]) if len(sizes) > 1 else [xy]
    shapes: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
    boxes = np.empty((len(footprints), 4), dtype=np.float64)
    at = 0
    for n, (nr, nl) in enumerate(counts):
        rings, lines = arrays[at : at + nr], arrays[at + nr : at + nr + nl]
        at += nr + nl
        shapes.append((list(rings), list(lines)))
        pts = [a for a in rings + lines if len(a)]
        if pts:
            allp = np.concatenate(pts)
            boxes[n] = [*allp.min(axis=0), *allp.max(axis=0)]
        else:
            boxes[n] = [np.inf, np.inf, -np.inf, -np.inf]
    return shapes, boxes


def _outer_rings(geometry: dict[str, Any] | None) -> list[Any]:
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _lines(geometry: dict[str, Any] | None) -> list[Any]:
    if not geometry:
        return []
    if geometry["type"] == "LineString":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiLineString":
        return list(geometry["coordinates"])
    return []
