"""Drawing redaction rectangles over a photo (faces, number plates, house numbers).

The person drags rectangles over the photo *as they see it*, upright. The rectangles are
kept in the media record's ``redactions`` field in whole pixels of the upright
full-resolution photo (``"x,y,w,h"``, :mod:`fieldkit.redact`): exactly what ``fieldkit
media edit ID --redact X,Y,W,H`` stores, and what the public release, a public report
and a public KMZ burn in as solid blocks. The dialog shows a reduced preview; a point on
it is mapped back to full-resolution pixels, and a rectangle is widened outwards to
whole pixels, never narrowed, so rounding can only hide a little more.

Saving is a named operation (:func:`fieldkit.gui.operations.save_record`): an ordinary
journal event that Edit → Undo takes back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldkit import thumbnails
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import preview_image
from fieldkit.redact import Rect, parse_rects

if TYPE_CHECKING:
    from fieldkit.store import Store

MIN_DRAG = 4  # a drag shorter than this on the screen is a click, not a rectangle
MIN_SIDE = 1  # and a rectangle has at least this many photo pixels each way
_TURNED = (5, 6, 7, 8)  # EXIF Orientation values that swap width and height (tag 0x0112)


def upright_size(record: dict[str, Any], fallback: tuple[int, int]) -> tuple[int, int]:
    """The photo's full-resolution size as shown upright: the stored frame size with
    width and height swapped for Orientation 5 to 8; ``fallback`` when it is unknown."""
    w, h = record.get("width"), record.get("height")
    if not w or not h:
        return fallback
    return (int(h), int(w)) if (record.get("orientation") or 1) in _TURNED else (int(w), int(h))


def rect_text(rect: Rect) -> str:
    return "{},{},{},{}".format(*rect)


class RedactionCanvas(QWidget):
    """The upright photo with its rectangles; a mouse drag adds one.

    ``rects`` are in upright full-resolution pixels (``full_size``); the image shown is
    any reduced copy of the same picture.
    """

    rects_changed = Signal()

    def __init__(self, image: QImage, full_size: tuple[int, int], rects: Sequence[Rect] = ()):
        super().__init__()
        self.image = image
        self.full_w, self.full_h = full_size
        self.rects: list[Rect] = list(rects)
        self.selected: int | None = None
        self._start: QPointF | None = None
        self._now: QPointF | None = None
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(False)

    # -- geometry ---------------------------------------------------------------------

    def target(self) -> QRectF:
        """Where the photo is drawn in the widget: as large as fits, aspect kept, centred."""
        if self.full_w <= 0 or self.full_h <= 0:
            return QRectF()
        scale = min(self.width() / self.full_w, self.height() / self.full_h)
        w, h = self.full_w * scale, self.full_h * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def to_photo(self, point: QPointF) -> tuple[float, float]:
        """A widget point → upright full-resolution pixels (clamped to the photo)."""
        t = self.target()
        if t.width() <= 0:
            return 0.0, 0.0
        x = (point.x() - t.x()) * self.full_w / t.width()
        y = (point.y() - t.y()) * self.full_h / t.height()
        return min(max(x, 0.0), float(self.full_w)), min(max(y, 0.0), float(self.full_h))

    def to_widget(self, rect: Rect) -> QRectF:
        t = self.target()
        sx, sy = t.width() / self.full_w, t.height() / self.full_h
        x, y, w, h = rect
        return QRectF(t.x() + x * sx, t.y() + y * sy, w * sx, h * sy)

    def rect_between(self, a: QPointF, b: QPointF) -> Rect | None:
        """The whole-pixel rectangle covering the drag from ``a`` to ``b`` (widened, never
        narrowed), or None when it is smaller than :data:`MIN_SIDE`."""
        (x0, y0), (x1, y1) = self.to_photo(a), self.to_photo(b)
        left, top = math.floor(min(x0, x1)), math.floor(min(y0, y1))
        right = min(self.full_w, math.ceil(max(x0, x1)))
        bottom = min(self.full_h, math.ceil(max(y0, y1)))
        if right - left < MIN_SIDE or bottom - top < MIN_SIDE:
            return None
        return left, top, right - left, bottom - top

    # -- editing ----------------------------------------------------------------------

    def set_rects(self, rects: Sequence[Rect]) -> None:
        self.rects = list(rects)
        self.selected = None
        self.update()
        self.rects_changed.emit()

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.rects):
            del self.rects[index]
            self.selected = None
            self.update()
            self.rects_changed.emit()

    def mousePressEvent(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._now = event.position()
            self.update()

    def mouseMoveEvent(self, event: Any) -> None:
        if self._start is not None:
            self._now = event.position()
            self.update()

    def mouseReleaseEvent(self, event: Any) -> None:
        if self._start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        start, end = self._start, event.position()
        self._start = self._now = None
        moved = abs(end.x() - start.x()) >= MIN_DRAG and abs(end.y() - start.y()) >= MIN_DRAG
        rect = self.rect_between(start, end) if moved else None
        if rect is not None:
            self.rects.append(rect)
            self.selected = len(self.rects) - 1
            self.rects_changed.emit()
        self.update()

    def paintEvent(self, _event: Any) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202020"))
        t = self.target()
        if not self.image.isNull() and t.width() > 0:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(t, self.image)
        for i, rect in enumerate(self.rects):
            box = self.to_widget(rect)
            p.fillRect(box, QColor(0, 0, 0, 200))  # what the release will burn in, see-through
            pen = QPen(QColor("#ffcc00") if i == self.selected else QColor("#ff4040"))
            pen.setWidth(2)
            p.setPen(pen)
            p.drawRect(box)
            p.drawText(box.adjusted(4, 2, 0, 0), str(i + 1))
        if self._start is not None and self._now is not None:
            pen = QPen(QColor("#ffffff"))
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawRect(QRectF(self._start, self._now).normalized())
        p.end()


class RedactionDialog(QDialog):
    """The photo upright, its redaction rectangles, a list to remove them; Save or Cancel.

    ``on_save(rects)`` gets the rectangles as ``"x,y,w,h"`` texts when the person saves
    a change.
    """

    def __init__(
        self,
        parent: QWidget | None,
        store: Store,
        media_id: str,
        on_save: Callable[[list[str]], Any],
    ) -> None:
        super().__init__(parent)
        self.media = store.get(media_id, "media")
        self.on_save = on_save
        m = self.media
        self.setWindowTitle(
            tr("Redactions — {name}").format(name=m.get("file_name") or m["sha256"][:16])
        )
        self.resize(1000, 680)
        image = QImage()
        problem = ""
        try:
            image = preview_image(
                thumbnails.original_source(store, m["sha256"]),
                1600,
                orientation=m.get("orientation"),
                mime=m.get("mime"),
            )
        except Exception as exc:  # a damaged file: say so, never crash
            problem = tr("Cannot show this file: {e}").format(e=exc)
        self.saved_rects = [rect_text(r) for r in parse_rects(m.get("redactions"))]
        full = upright_size(m, (image.width(), image.height()))
        self.canvas = RedactionCanvas(image, full, parse_rects(m.get("redactions")))
        self.canvas.setObjectName("redactionCanvas")
        self.canvas.rects_changed.connect(self._refresh_list)
        info = QLabel(
            problem
            or tr(
                "Drag over what must not be seen in a published copy: faces, number plates, "
                "house numbers. Each rectangle is burned in as a solid black block (never a "
                "blur) in the public release, a public report and a public KMZ; the original "
                "is never changed. Pixels of the upright photo, {w} × {h}."
            ).format(w=full[0], h=full[1])
        )
        info.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("redactionList")
        self.list.currentRowChanged.connect(self._select)
        self.remove_button = QPushButton(tr("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button = QPushButton(tr("Remove all"))
        self.clear_button.clicked.connect(lambda: self.canvas.set_rects([]))
        # Delete (or Backspace) on the list or the photo removes the selected rectangle.
        self.list.installEventFilter(self)
        self.canvas.installEventFilter(self)
        self.canvas.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        side = QVBoxLayout()
        side.addWidget(QLabel(tr("Rectangles (x, y, width, height)")))
        side.addWidget(self.list, 1)
        side.addWidget(self.remove_button)
        side.addWidget(self.clear_button)
        body = QHBoxLayout()
        body.addWidget(self.canvas, 4)
        body.addLayout(side, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self._refresh_list()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        ):
            self.remove_selected()
            return True
        return super().eventFilter(obj, event)

    def rects(self) -> list[str]:
        return [rect_text(r) for r in self.canvas.rects]

    def _refresh_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for i, r in enumerate(self.canvas.rects):
            self.list.addItem(QListWidgetItem(f"{i + 1}.  {rect_text(r)}"))
        if self.canvas.selected is not None:
            self.list.setCurrentRow(self.canvas.selected)
        self.list.blockSignals(False)
        changed = self.rects() != self.saved_rects
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(changed)
        self.remove_button.setEnabled(bool(self.canvas.rects))
        self.clear_button.setEnabled(bool(self.canvas.rects))

    def _select(self, row: int) -> None:
        self.canvas.selected = row if row >= 0 else None
        self.canvas.update()

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0 and self.canvas.rects:
            row = len(self.canvas.rects) - 1
        self.canvas.remove(row)

    def accept(self) -> None:
        if self.rects() != self.saved_rects:
            self.on_save(self.rects())
        super().accept()


def open_redactions(win: Any, media_id: str, parent: QWidget | None = None) -> RedactionDialog:
    """Open the redaction dialog for a photo; saving runs a named, undoable operation."""
    from fieldkit.gui import operations

    def save(rects: list[str]) -> None:
        win.run_op(
            operations.save_record,
            "media",
            media_id,
            {"redactions": rects},
            label=tr("Saving redactions"),
        )

    dlg = RedactionDialog(parent or win, win.store, media_id, save)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.dialogs["redactions"] = dlg
    dlg.show()
    return dlg


__all__ = ["RedactionCanvas", "RedactionDialog", "open_redactions", "upright_size"]
