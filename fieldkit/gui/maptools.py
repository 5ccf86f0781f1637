"""The Map view's tools: browse (select, pan, zoom), place a site, move a site or a
remnant by dragging it, measure a distance. Mouse and keys in, signals out; the canvas
(:class:`fieldkit.gui.mapcanvas.MapView`) mixes this in, and never writes itself: the
controller (:mod:`fieldkit.gui.mapcontrol`) turns its signals into journal events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QPolygonF, QWheelEvent

from fieldkit.gui.mapsprites import halo_text
from fieldkit.map.geo import distance_m

HIT_RADIUS = 10  # pixels around a marker that count as a click on it
DRAG_THRESHOLD = 4  # pixels of movement before a press becomes a drag
MODES = ("browse", "place", "move", "measure")


def distance_text(metres: float) -> str:
    if metres >= 1000:
        return f"{metres / 1000:.2f} km" if metres < 10_000 else f"{metres / 1000:.1f} km"
    return f"{metres:.0f} m" if metres >= 10 else f"{metres:.1f} m"


class MapTools:
    """Mixed into the canvas: ``self`` is a :class:`~fieldkit.gui.mapcanvas.MapView`."""

    mode: str
    measure: list[tuple[float, float]]
    _press: QPoint | None
    _press_centre: tuple[float, float]
    _dragging_marker: tuple[str, str] | None
    _drag_pos: QPointF | None
    _panning: bool

    def _init_tools(self) -> None:
        self.mode = "browse"
        self.measure = []
        self._press = None
        self._press_centre = (0.0, 0.0)
        self._dragging_marker = None
        self._drag_pos = None
        self._panning = False

    # -- what is under the mouse ---------------------------------------------------------

    def _lone_on_screen(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point index, x, y) of the layer's lone marks, in widget pixels."""
        view: Any = self
        marks = view.state.marks(name, view.zoom)
        lone = marks.index >= 0
        sx, sy = view._screen(marks.x[lone], marks.y[lone])
        return marks.index[lone], sx, sy

    def hit(self, pos: QPointF | QPoint) -> tuple[str, str] | None:
        """The (kind, id) of the marker under ``pos``: sites first, then remnants, photos."""
        view: Any = self
        for name, kind in (("sites", "site"), ("remnants", "remnant"), ("photos", "media")):
            if name not in view.layers or not len(getattr(view.data, name)):
                continue
            index, sx, sy = self._lone_on_screen(name)
            if not len(index):
                continue
            d = np.hypot(sx - pos.x(), sy - pos.y())
            best = int(np.argmin(d))
            if d[best] <= HIT_RADIUS:
                return kind, getattr(view.data, name).ids[int(index[best])]
        return None

    def cluster_at(self, pos: QPointF | QPoint) -> bool:
        view: Any = self
        for name in ("sites", "remnants", "photos"):
            if name in view.layers and len(getattr(view.data, name)):
                marks = view.state.marks(name, view.zoom)
                many = marks.index < 0
                if not many.any():
                    continue
                sx, sy = view._screen(marks.x[many], marks.y[many])
                r = 9 + 3 * np.log10(marks.count[many])
                if np.any(np.hypot(sx - pos.x(), sy - pos.y()) <= r):
                    return True
        return False

    # -- measuring -------------------------------------------------------------------------

    def measured_length(self) -> float:
        """Metres along the measured line (geodesic segments on WGS84)."""
        return sum(
            distance_m(a[0], a[1], b[0], b[1])
            for a, b in zip(self.measure, self.measure[1:], strict=False)
        )

    def _paint_measure(self, p: QPainter) -> None:
        if not self.measure:
            return
        view: Any = self
        pts = [view.pixel_of(lat, lon) for lat, lon in self.measure]
        p.setPen(QPen(QColor(20, 20, 20), 2, Qt.PenStyle.DashLine))
        p.drawPolyline(QPolygonF(pts))
        p.setBrush(QColor(255, 255, 255))
        for pt in pts:
            p.drawEllipse(pt, 4, 4)
        halo_text(p, pts[-1].x() + 8, pts[-1].y() - 8, distance_text(self.measured_length()))

    # -- mouse and keys --------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        view: Any = self
        if event.button() != Qt.MouseButton.LeftButton:
            if event.button() == Qt.MouseButton.RightButton and self.measure:
                self.measure = []
                view.update()
            return
        self._press = event.position().toPoint()
        self._press_centre = (view.cx, view.cy)
        self._panning = False
        self._dragging_marker = None
        if self.mode == "move":
            target = self.hit(event.position())
            if target and target[0] in ("site", "remnant"):
                self._dragging_marker = target

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        view: Any = self
        if self._press is None:
            return
        delta = event.position().toPoint() - self._press
        if self._dragging_marker is not None:
            self._drag_pos = event.position()
            view.update()
            return
        if self._panning or delta.manhattanLength() > DRAG_THRESHOLD:
            self._panning = True
            view.cx = self._press_centre[0] - delta.x()
            view.cy = self._press_centre[1] - delta.y()
            view._changed()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        view: Any = self
        if self._press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        moved = (pos.toPoint() - self._press).manhattanLength() > DRAG_THRESHOLD
        self._press = None
        if self._dragging_marker is not None:
            kind, rid = self._dragging_marker
            self._dragging_marker = None
            self._drag_pos = None
            view.update()
            if moved:
                lat, lon = view.latlon_at(pos)
                view.move_requested.emit(kind, rid, lat, lon)
            return
        if self._panning:
            self._panning = False
            return
        self.click(pos)

    def click(self, pos: QPointF | QPoint) -> None:
        """What a click (no drag) at ``pos`` does in the current mode."""
        view: Any = self
        lat, lon = view.latlon_at(pos)
        if self.mode == "place":
            view.place_requested.emit(lat, lon)
        elif self.mode == "measure":
            self.measure.append((lat, lon))
            view.update()
            view.measured.emit(self.measured_length())
        else:
            target = self.hit(pos)
            if target is None:
                if self.cluster_at(pos):
                    view.zoom_by(2, QPointF(pos))
                return
            kind, rid = target
            if kind == "site":
                view.site_activated.emit(rid)
            elif kind == "remnant":
                i = view.state.index("remnants")[rid]
                view.remnant_activated.emit(rid, view.data.remnants.extra["site_id"][i])
            else:
                view.photo_activated.emit(rid)

    def wheelEvent(self, event: QWheelEvent) -> None:
        view: Any = self
        steps = 1 if event.angleDelta().y() > 0 else -1
        view.zoom_by(steps, event.position())

    def keyPressEvent(self, event: Any) -> None:
        view: Any = self
        key = event.key()
        step = 100  # pixels
        moves = {
            Qt.Key.Key_Left: (step, 0),
            Qt.Key.Key_Right: (-step, 0),
            Qt.Key.Key_Up: (0, step),
            Qt.Key.Key_Down: (0, -step),
        }
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            view.zoom_by(1)
        elif key == Qt.Key.Key_Minus:
            view.zoom_by(-1)
        elif key in moves:
            view.pan_by(*moves[key])
        elif key == Qt.Key.Key_Escape:
            self.measure = []
            view.update()
        else:
            super().keyPressEvent(event)  # type: ignore[misc]
