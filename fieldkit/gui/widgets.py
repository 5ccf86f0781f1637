"""Small widgets the forms use: a position typed three ways, a local time with its UTC
offset, and the guard that keeps the mouse wheel from changing values while scrolling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from fieldkit import coords
from fieldkit.errors import ValidationError
from fieldkit.gui.i18n import tr

# --- the mouse wheel --------------------------------------------------------------------


class WheelGuard(QObject):
    """Installed on each combo box (:func:`no_wheel_focus`): one without keyboard focus
    never changes on the wheel (scrolling a long form flipped "Incident time known
    from"); the wheel scrolls the form around it instead. Per widget, not on the whole
    application, so no other event pays for a Python filter."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(obj, QComboBox | QAbstractSpinBox)
            and not obj.hasFocus()
        ):
            parent = obj.parentWidget()
            while parent is not None and not isinstance(parent, QAbstractScrollArea):
                parent = parent.parentWidget()
            if parent is not None:
                QApplication.sendEvent(parent.viewport(), event)
            return True
        return False


_GUARD: list[WheelGuard] = []


def no_wheel_focus(widget: QWidget) -> None:
    """Focus by click or Tab only, and no value change on the wheel without focus."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if not _GUARD:
        _GUARD.append(WheelGuard())
    widget.installEventFilter(_GUARD[0])


# --- positions --------------------------------------------------------------------------


def _format_label(key: str) -> str:
    return {"decimal": tr("Decimal"), "dms": tr("DMS"), "mgrs": tr("MGRS")}[key]


def coordinate_format() -> str:
    value = QSettings().value("coordinates/format", "decimal")
    return value if value in coords.FORMATS else "decimal"


class PositionEdit(QWidget):
    """Latitude and longitude in one field, typed as decimal degrees, DMS or MGRS
    (:mod:`fieldkit.coords`) and shown back in the form the person chose."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit()
        self.text.setObjectName("positionText")
        self.text.setPlaceholderText(
            tr("e.g. 39.8153, 46.7519 or 39°48′55″N 46°45′07″E or 38S PK 49948 08725")
        )
        self.text.textEdited.connect(lambda _t: self.edited.emit())
        self.form = QComboBox()
        self.form.setObjectName("positionFormat")
        no_wheel_focus(self.form)
        for key in coords.FORMATS:
            self.form.addItem(_format_label(key), key)
        self.form.setToolTip(tr("Show as decimal degrees, degrees-minutes-seconds or MGRS"))
        self.form.setCurrentIndex(max(0, self.form.findData(coordinate_format())))
        self.form.currentIndexChanged.connect(self._reformat)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.form)

    def set_position(self, lat: float | None, lon: float | None) -> None:
        if lat is None or lon is None:
            self.text.clear()
            self._shown: tuple[str, float, float] | None = None
        else:
            text = coords.format_position(lat, lon, self.form.currentData())
            self.text.setText(text)
            self._shown = (text, lat, lon)  # the exact values behind the rounded text
        self.text.setCursorPosition(0)

    def position(self) -> tuple[float | None, float | None]:
        """(lat, lon), (None, None) when empty; ValidationError naming the forms understood.
        Untouched text gives back the exact stored values, not their rounded display."""
        text = self.text.text().strip()
        if not text:
            return None, None
        shown = getattr(self, "_shown", None)
        if shown is not None and shown[0] == text:
            return shown[1], shown[2]
        try:
            return coords.parse_position(text)
        except ValidationError as exc:
            raise ValidationError(str(exc), fields=("lat",)) from None

    def _reformat(self, _index: int) -> None:
        QSettings().setValue("coordinates/format", self.form.currentData())
        try:
            lat, lon = self.position()
        except ValidationError:
            return
        self.set_position(lat, lon)


# --- a time as people give it -----------------------------------------------------------


def _offsets() -> list[str]:
    out = []
    for minutes in range(-12 * 60, 14 * 60 + 1, 15):
        if minutes % 60 and minutes % 60 not in (30, 45):
            continue
        sign = "-" if minutes < 0 else "+"
        out.append(f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}")
    return out


def _offset_delta(offset: str) -> dt.timedelta:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return sign * dt.timedelta(hours=int(hours), minutes=int(minutes))


class DateTimeOffsetEdit(QWidget):
    """A local date and time with the UTC offset it was given in, and its UTC shown
    beside: "2020-10-04 09:10 [+04:00]  = 05:10 UTC". The record keeps the UTC instant
    and, in a companion field, the offset, so the local time as entered comes back."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local = QLineEdit()
        self.local.setObjectName("localTime")
        self.local.setPlaceholderText(tr("YYYY-MM-DD HH:MM"))
        self.offset = QComboBox()
        self.offset.setObjectName("utcOffset")
        self.offset.setEditable(True)
        no_wheel_focus(self.offset)
        self.offset.addItems(_offsets())
        self.offset.setCurrentText("+00:00")
        self.utc = QLabel()
        self.utc.setObjectName("muted")
        self.local.textEdited.connect(self._changed)
        self.offset.currentTextChanged.connect(self._changed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.local, 2)
        row.addWidget(self.offset)
        row.addWidget(self.utc, 1)
        self._loading = False

    def set_value(self, utc_text: str | None, offset: str | None) -> None:
        self._loading = True
        try:
            offset = offset or "+00:00"
            self.offset.setCurrentText(offset)
            if not utc_text:
                self.local.clear()
            else:
                instant = dt.datetime.fromisoformat(utc_text.replace("Z", "+00:00"))
                local = instant.astimezone(dt.timezone(_offset_delta(offset)))
                fmt = "%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M"
                self.local.setText(local.strftime(fmt))
        except ValueError:
            self.local.setText(utc_text or "")
        finally:
            self._loading = False
        self._show_utc()

    def iso_text(self) -> str | None:
        """What to validate: the local time with its offset (``…T09:10:00+04:00``), the
        text as typed when it already carries an offset, or None when empty."""
        text = self.local.text().strip()
        if not text:
            return None
        if _has_offset(text):
            return text
        base = text.replace(" ", "T", 1)
        if len(base) == 16:
            base += ":00"
        return base + self.offset_text()

    def offset_text(self) -> str:
        text = self.local.text().strip()
        if _has_offset(text):
            from fieldkit.records import typed_offset

            return typed_offset(text) or "+00:00"
        return self.offset.currentText().strip() or "+00:00"

    def _changed(self, *_a: object) -> None:
        text = self.local.text().strip()
        if _has_offset(text):  # a pasted ISO time: split it into local time and offset
            from fieldkit.records import typed_offset

            offset = typed_offset(text)
            if offset is not None:
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                self._loading = True
                self.offset.setCurrentText(offset)
                self.local.setText(value.strftime("%Y-%m-%d %H:%M"))
                self._loading = False
        self._show_utc()
        if not self._loading:
            self.edited.emit()

    def _show_utc(self) -> None:
        from fieldkit.records import parse_datetime_utc

        iso = self.iso_text()
        if iso is None:
            self.utc.setText("")
            return
        try:
            utc = parse_datetime_utc(iso)
        except ValueError:
            self.utc.setText(tr("not a time yet"))
            return
        self.utc.setText(tr("= {utc} UTC").format(utc=utc[:16].replace("T", " ")))


def _has_offset(text: str) -> bool:
    from fieldkit.records import typed_offset

    return len(text) > 16 and typed_offset(text) is not None


def tree_group_rows(tree: Any, key: Any, role: int, columns: int = 2) -> list[tuple[str, ...]]:
    """The texts of the children of the top-level item of a QTreeWidget whose ``role``
    data is ``key``: one tuple of ``columns`` texts per row (what a person reads there)."""
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        if top is not None and top.data(0, role) == key:
            rows = []
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None:
                    rows.append(tuple(child.text(c) for c in range(columns)))
            return rows
    return []
