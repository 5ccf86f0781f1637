"""The photo viewer and the per-camera clock corrections."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldkit import thumbnails
from fieldkit.gui.forms import RecordForm
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE, preview_image

if TYPE_CHECKING:
    from fieldkit.store import Store


class PhotoViewer(QDialog):
    """One photo, orientation applied, and what its metadata says."""

    use_position = Signal(str, str)  # site id, media id
    redact = Signal(str)  # media id: draw redaction rectangles (fieldkit/gui/redaction.py)

    def __init__(self, parent: QWidget | None, store: Store, media_id: str, site_id: str | None):
        super().__init__(parent)
        self.store = store
        self.site_id = site_id
        self.media = store.get(media_id, "media")
        m = self.media
        self.setWindowTitle(m.get("file_name") or m["sha256"][:16])
        self.resize(1100, 680)
        self.image = QLabel(tr("Loading…"))
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(320, 240)
        self.image.setObjectName("photo")
        self._pixmap: QPixmap | None = None
        try:
            img = preview_image(
                thumbnails.original_source(store, m["sha256"]),  # decrypted in memory if sealed
                1600,
                orientation=m.get("orientation"),
                mime=m.get("mime"),
            )
            if not img.isNull():
                self._pixmap = QPixmap.fromImage(img)
            else:
                self.image.setText(tr("This file cannot be shown as an image."))
        except Exception as exc:
            self.image.setText(tr("Cannot show this file: {e}").format(e=exc))

        info = QWidget()
        form = QFormLayout(info)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)

        def row(label: str, value: Any) -> None:
            text = QLabel("—" if value in (None, "") else str(value))
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(tr(label), text)

        time_text = m.get("captured_utc")
        if time_text:
            time_text = f"{time_text}  ({tr('from')} {m.get('time_source') or tr('unknown')})"
        row("Captured (UTC)", time_text)
        reading = _join(m.get("captured_local"), m.get("utc_offset"))
        if reading and m.get("captured_local_source"):
            reading = f"{reading}  ({tr('from')} {m['captured_local_source']})"
        row("Camera clock reading", reading)
        if m.get("clock_error_s") is not None:
            error = f"{m['clock_error_s']:+.1f} s"
            if abs(m["clock_error_s"]) < 60:
                # A phone's GPS time is its last fix, often seconds before the shutter.
                error += "  " + tr("(under a minute: may be GPS lag, not a wrong camera clock)")
            row("Camera clock error", error)
        pos = None
        if m.get("lat") is not None:
            pos = f"{m['lat']:.6f}, {m['lon']:.6f}"
            if m.get("alt") is not None:
                pos += f"  {m['alt']:.0f} m"
            if m.get("position_accuracy_m") is not None:
                pos += f"  ±{m['position_accuracy_m']:.0f} m"
            pos += f"  ({m.get('position_source') or 'exif'})"
        row("Position", pos)
        row("Direction", f"{m['direction']:.0f}°" if m.get("direction") is not None else None)
        row("Camera", _join(m.get("make"), m.get("model"), m.get("serial")))
        if m.get("width"):
            row("Pixels", f"{m['width']} × {m['height']}")
        if m.get("duration_s") is not None:
            row("Duration", _duration(m["duration_s"]))
        row("File", f"{m.get('file_name')}  ({m.get('size')} bytes, {m.get('mime')})")
        sha = QLabel(m["sha256"][:32] + "\n" + m["sha256"][32:])
        sha.setWordWrap(True)
        sha.setObjectName("mono")
        sha.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(tr("SHA-256"), sha)
        if m.get("warnings"):
            row("Warnings", "\n".join(m["warnings"]))

        self.use_button = QPushButton(tr("Use this position for the site"))
        self.use_button.setEnabled(bool(site_id) and m.get("lat") is not None)
        self.use_button.clicked.connect(self._use)
        # The app plays nothing itself: video and audio open in the system's player.
        self.open_button = QPushButton(tr("Open in another program"))
        self.open_button.setVisible(
            str(m.get("mime") or "").startswith(("video/", "audio/", "image/"))
        )
        if store.media.encrypted:
            self.open_button.setToolTip(
                tr(
                    "Writes a decrypted copy to a private temporary folder (only you can read "
                    "it); it is deleted when FieldKit locks or quits."
                )
            )
        self.open_button.clicked.connect(self._open_original)
        n_rects = len(m.get("redactions") or [])
        self.redact_button = QPushButton(
            tr("Redact for publication… ({n})").format(n=n_rects)
            if n_rects
            else tr("Redact for publication…")
        )
        self.redact_button.setToolTip(
            tr(
                "Draw black rectangles over faces, number plates or house numbers: burned "
                "into every published copy, never into the original"
            )
        )
        # Still images only: video and audio never leave in a public release.
        self.redact_button.setVisible(str(m.get("mime") or "").startswith("image/"))
        self.redact_button.clicked.connect(lambda: self.redact.emit(m["id"]))
        self.open_note = QLabel()
        self.open_note.setWordWrap(True)
        self._opened_copy: Path | None = None
        side = QVBoxLayout()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(info)
        side.addWidget(scroll, 1)
        side.addWidget(self.use_button)
        side.addWidget(self.redact_button)
        side.addWidget(self.open_button)
        side.addWidget(self.open_note)
        side_w = QWidget()
        side_w.setLayout(side)
        split = QSplitter()
        split.addWidget(self.image)
        split.addWidget(side_w)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([760, 320])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)

    def _use(self) -> None:
        if self.site_id and self.media.get("lat") is not None:
            self.use_position.emit(self.site_id, self.media["id"])

    def original_path(self) -> Any:
        """The file another program opens: the stored original (read-only) of an
        unencrypted store; for an encrypted one, a decrypted copy in the private 0700
        folder that is wiped on lock and exit (made once per viewer)."""
        if not self.store.media.encrypted:
            return self.store.media.path_of(self.media["sha256"])
        if self._opened_copy is None or not self._opened_copy.exists():
            from fieldkit.gui.lock import OPEN_COPIES

            m = self.media
            path = OPEN_COPIES.new_file(m.get("file_name") or m["sha256"])
            self.store.media.copy_original(m["sha256"], path)
            self._opened_copy = path
        return self._opened_copy

    def _open_original(self) -> bool:
        try:
            path = self.original_path()
        except Exception as exc:  # missing or damaged file: say so, never crash the viewer
            self.open_note.setText(tr("Cannot open: {e}").format(e=exc))
            return False
        if self.store.media.encrypted:
            self.open_note.setText(
                tr(
                    "Opened a decrypted copy from a private temporary folder. It is deleted "
                    "when FieldKit locks or quits; a copy you save elsewhere from the other "
                    "program is not."
                )
            )
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._scale()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._scale()

    def _scale(self) -> None:
        if self._pixmap is not None and self.image.width() > 10:
            self.image.setPixmap(
                self._pixmap.scaled(
                    self.image.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )


def _join(*parts: Any) -> str | None:
    text = "  ".join(str(p) for p in parts if p not in (None, ""))
    return text or None


class CameraDialog(QDialog):
    """Per-camera clock corrections (records of kind "camera") that the importer applies."""

    def __init__(self, parent: QWidget | None, store: Store, submit: Callable[..., Any]) -> None:
        super().__init__(parent)
        self.store = store
        self.submit = submit
        self.setWindowTitle(tr("Camera clocks"))
        self.resize(720, 440)
        info = QLabel(
            tr(
                "If a camera's clock was wrong, say by how much and in which zone it was set. "
                "Photos imported afterwards get corrected times; the camera's own reading "
                "is always kept."
            )
        )
        info.setWordWrap(True)
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._chosen)
        new = QPushButton(tr("New camera"))
        new.clicked.connect(self.new)
        self.form = RecordForm("camera")
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(new)
        right = QVBoxLayout()
        right.addWidget(self.form, 1)
        right.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for cam in self.store.find("camera"):
            text = " ".join(x for x in (cam.get("make"), cam.get("model"), cam.get("serial")) if x)
            if cam.get("clock_error_s") is not None:
                text += f"  ({cam['clock_error_s']:+g} s)"
            item = QListWidgetItem(text or tr("(unnamed camera)"))
            item.setData(ID_ROLE, cam["id"])
            self.list.addItem(item)
            if cam["id"] == select:
                chosen = item
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        else:
            self.form.load(None)

    def _chosen(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        self.form.load(self.store.get(item.data(ID_ROLE)) if item else None)

    def new(self) -> None:
        self.list.setCurrentRow(-1)
        self.form.load(None)

    def save(self) -> None:
        values = self.form.validate()
        if values is None:
            return
        rid = self.form.record.get("id")

        def done(rec: dict[str, Any]) -> None:
            self.form.mark_saved(rec)
            self.reload(rec["id"])

        if rid:
            self.submit(lambda s: s.update(rid, values), label=tr("Saving"), on_done=done)
        else:
            self.submit(lambda s: s.create("camera", values), label=tr("Saving"), on_done=done)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    return f"{text}  ({seconds:.2f} s)"
