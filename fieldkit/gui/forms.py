"""A form generated from a record kind's field specifications (``records.KINDS``).

The form never decides whether a value is acceptable: it turns widget text into plain
values and asks :func:`fieldkit.records.validate` — the same check the CLI and the store
use — and shows its message next to the field it names.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldkit import records
from fieldkit.errors import ValidationError
from fieldkit.gui.i18n import tr
from fieldkit.gui.messages import human_message
from fieldkit.gui.widgets import DateTimeOffsetEdit, PositionEdit, no_wheel_focus

# Forms never grow wider than this (at 2560 × 1440 a line of a form stays readable).
MAX_FORM_WIDTH = 860

# Free-text fields that deserve more than one line.
LONG_TEXT = {"description", "summary", "notes", "access_notes", "military_notes"}

# Headings placed before a field, to group a long form into sections people recognise.
SECTIONS = {
    "site": {
        "case_id": "Place",
        "lat": "Position",
        "address": "Address",
        "incident_start": "Incident",
        "visited_on": "Visit",
        "civilian_objects": "Assessment",
        "killed": "Civilian casualties",
        "access": "Access",
    },
    "remnant": {"category": "Item", "markings_lot": "Markings", "lat": "Position"},
    "statement": {"witness_code": "Witness", "consent": "Consent", "summary": "Account"},
}

PLACEHOLDERS = {
    "date": "YYYY-MM-DD",
    "datetime": "2020-10-09T14:02:00+04:00 or …Z",
    "names": "one per line: NAME or NAME@LANG",
    "list": "one per line",
}


def choice_label(choice: str) -> str:
    return tr(choice.replace("_", " "))


class RecordForm(QWidget):
    """Edits one record of ``kind``; emits ``dirty_changed`` when edits start or end."""

    dirty_changed = Signal(bool)

    def __init__(
        self,
        kind: str,
        *,
        hidden: tuple[str, ...] = (),
        ref_choices: dict[str, list[tuple[str, str]]] | None = None,
        scroll: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = records.kind_of(kind)
        self.hidden = set(hidden)
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.record: dict[str, Any] = {}
        self.fixed: dict[str, Any] = {}  # values set by context (e.g. the parent's id)
        self._dirty = False
        self._loading = False
        self.area: QScrollArea | None = None
        offsets = records.OFFSET_FIELDS.get(self.kind.name, {})
        self.offset_of = {k: v for k, v in offsets.items() if k in self.kind.by_name}
        companions = set(self.offset_of.values())
        self.has_position = "lat" in self.kind.by_name and "lon" in self.kind.by_name

        inner = QWidget()
        inner.setMaximumWidth(MAX_FORM_WIDTH)
        form = QFormLayout(inner)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        sections = SECTIONS.get(self.kind.name, {})
        for f in self.kind.fields:
            if f.name in self.hidden or f.name in companions:
                continue
            if self.has_position and f.name == "lon":
                continue
            if f.name in sections:
                heading = QLabel(tr(sections[f.name]))
                heading.setObjectName("formSection")
                form.addRow(heading)
            widget = self._make_widget(f, (ref_choices or {}).get(f.name, []))
            widget.setObjectName(f"field_{f.name}")
            if f.help:
                widget.setToolTip(tr(f.help))
            text = tr("Position") if self.has_position and f.name == "lat" else tr(f.label)
            if f.name in self.offset_of:
                text = text.replace(" (UTC)", "")
            label = QLabel(text + (" *" if f.required else ""))
            label.setBuddy(widget)
            self.widgets[f.name] = widget
            self.labels[f.name] = label
            form.addRow(label, widget)

        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        if scroll:
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            area.setWidget(inner)
            layout.addWidget(area)
            self.area = area
        else:
            layout.addWidget(inner)

    # -- widgets ------------------------------------------------------------------------

    def _make_widget(self, f: records.Field, refs: list[tuple[str, str]]) -> QWidget:
        w: QWidget
        if self.has_position and f.name == "lat":
            pos = PositionEdit()
            pos.edited.connect(self.mark_edited)
            return pos
        if f.name in self.offset_of:
            when = DateTimeOffsetEdit()
            when.edited.connect(self.mark_edited)
            return when
        if f.type == "enum":
            combo = QComboBox()
            no_wheel_focus(combo)
            combo.addItem("—", None)
            for c in f.choices:
                combo.addItem(choice_label(c), c)
            combo.currentIndexChanged.connect(self.mark_edited)
            w = combo
        elif f.type == "ref":
            combo = QComboBox()
            no_wheel_focus(combo)
            if not f.required:
                combo.addItem("—", None)
            for rid, title in refs:
                combo.addItem(title, rid)
            combo.currentIndexChanged.connect(self.mark_edited)
            w = combo
        elif f.type == "bool":
            box = QCheckBox()
            box.toggled.connect(self.mark_edited)
            w = box
        elif f.type in ("list", "names") or f.name in LONG_TEXT:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(72)
            edit.setPlaceholderText(tr(PLACEHOLDERS.get(f.type, "")))
            edit.textChanged.connect(self.mark_edited)
            w = edit
        else:
            line = QLineEdit()
            line.setPlaceholderText(tr(PLACEHOLDERS.get(f.type, "")))
            line.textEdited.connect(self.mark_edited)
            w = line
        return w

    def set_ref_choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        combo = self.widgets.get(name)
        if not isinstance(combo, QComboBox):
            return
        self._loading = True
        try:
            current = combo.currentData()
            combo.clear()
            if not self.kind.by_name[name].required:
                combo.addItem("—", None)
            for rid, title in choices:
                combo.addItem(title, rid)
            i = combo.findData(current)
            combo.setCurrentIndex(max(i, 0))
        finally:
            self._loading = False

    # -- loading and reading ------------------------------------------------------------

    def load(self, record: dict[str, Any] | None, **fixed: Any) -> None:
        """Show a record (or an empty form for a new one, with ``fixed`` values)."""
        self._loading = True
        try:
            self.record = dict(record or {})
            self.fixed = fixed
            values = {**fixed, **self.record}
            for name, w in self.widgets.items():
                if isinstance(w, PositionEdit):
                    w.set_position(values.get("lat"), values.get("lon"))
                elif isinstance(w, DateTimeOffsetEdit):
                    w.set_value(values.get(name), values.get(self.offset_of[name]))
                else:
                    self._set(w, self.kind.by_name[name], values.get(name))
            self.show_message("")
        finally:
            self._loading = False
        self._set_dirty(False)

    def _set(self, w: QWidget, f: records.Field, value: Any) -> None:
        if isinstance(w, QComboBox):
            i = w.findData(value)
            if i < 0 and value is not None:
                w.addItem(str(value), value)
                i = w.count() - 1
            w.setCurrentIndex(max(i, 0))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QPlainTextEdit):
            if f.type == "names":
                lines = [
                    f"{n['name']}@{n['lang']}" if n.get("lang") else n["name"]
                    for n in (value or [])
                ]
                w.setPlainText("\n".join(lines))
            elif f.type == "list":
                w.setPlainText("\n".join(value or []))
            else:
                w.setPlainText("" if value is None else str(value))
        elif isinstance(w, QLineEdit):
            if isinstance(value, float) and value.is_integer() and f.type == "float":
                w.setText(repr(value))
            else:
                w.setText("" if value is None else str(value))
            w.setCursorPosition(0)

    def _get(self, w: QWidget, f: records.Field) -> Any:
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        text = w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()  # type: ignore[attr-defined]
        text = text.strip()
        if f.type in ("list", "names"):
            return [line.strip() for line in text.splitlines() if line.strip()]
        if not text:
            return None
        if f.type == "int":
            try:
                return int(text)
            except ValueError:
                return text  # validate() names the field and the bad value
        if f.type == "float":
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return text
        return text

    def raw_values(self) -> dict[str, Any]:
        """The widgets' values as plain data (ValidationError for a position not understood)."""
        out: dict[str, Any] = {}
        for name, w in self.widgets.items():
            if not w.isEnabled():
                continue
            if isinstance(w, PositionEdit):
                out["lat"], out["lon"] = w.position()
            elif isinstance(w, DateTimeOffsetEdit):
                out[name] = w.iso_text()
                out[self.offset_of[name]] = w.offset_text() if out[name] else None
            else:
                out[name] = self._get(w, self.kind.by_name[name])
        return out

    def changes(self) -> dict[str, Any]:
        """What the user changed, checked by ``records.validate`` (raises ValidationError).

        For a new record: every filled value plus the fixed ones; for an existing one:
        only the fields whose checked value differs from the stored one.
        """
        raw = self.raw_values()
        if not self.record.get("id"):
            values = {k: v for k, v in {**raw, **self.fixed}.items() if v not in (None, [], "")}
            clean = records.validate(self.kind, values, partial=False)
            records.check_record(self.kind, clean)
            return clean
        clean = records.validate(self.kind, raw, partial=True)
        return {k: v for k, v in clean.items() if _norm(v) != _norm(self.record.get(k))}

    def validate(self) -> dict[str, Any] | None:
        """The changes, or None after showing the message in people's words, with the
        form scrolled to the first field at fault and the cursor in it."""
        try:
            values = self.changes()
        except ValidationError as exc:
            try:
                raw = self.raw_values()
            except ValidationError:
                raw = {}
            self.show_message(self.human(exc, raw), exc.fields)
            self.focus_field(exc.fields[0] if exc.fields else None)
            return None
        self.show_message("")
        return values

    def human(self, exc: ValidationError, raw: dict[str, Any]) -> str:
        text = str(exc)
        if exc.fields == ("lat",) and "between" in text:  # typed in the position box
            which = tr("Latitude") if text.startswith("latitude") else tr("Longitude")
            high = "90" if text.startswith("latitude") else "180"
            return tr("{label} must be between −{high} and {high}.").format(label=which, high=high)
        return human_message(self.kind, exc, raw)

    def widget_of(self, name: str) -> QWidget | None:
        if name == "lon" and self.has_position:
            name = "lat"
        for field_name, offset_name in self.offset_of.items():
            if name == offset_name:
                name = field_name
        return self.widgets.get(name)

    def focus_field(self, name: str | None) -> None:
        widget = self.widget_of(name) if name else None
        if widget is None:
            return
        if self.area is not None:
            self.area.ensureWidgetVisible(self.labels[self._row_of(widget)], 0, 40)
            self.area.ensureWidgetVisible(widget, 0, 40)
        target = widget
        if isinstance(widget, PositionEdit):
            target = widget.text
        elif isinstance(widget, DateTimeOffsetEdit):
            target = widget.local
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _row_of(self, widget: QWidget) -> str:
        return next(n for n, w in self.widgets.items() if w is widget)

    def show_message(self, text: str, fields: tuple[str, ...] = ()) -> None:
        shown = {self._row_of(w) for w in (self.widget_of(f) for f in fields) if w is not None}
        for name, label in self.labels.items():
            bad = name in shown
            label.setProperty("invalid", bad)
            self.widgets[name].setProperty("invalid", bad)
            for w in (label, self.widgets[name]):
                w.style().unpolish(w)
                w.style().polish(w)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- dirty state --------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_edited(self, *_args: Any) -> None:
        """The person changed a value (a widget's edit signal, or a pane that fills a field
        for them, like a catalogue pick): the form becomes dirty unless it is loading."""
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, value: bool) -> None:
        if value != self._dirty:
            self._dirty = value
            self.dirty_changed.emit(value)

    def mark_saved(self, record: dict[str, Any]) -> None:
        self.load(record, **self.fixed)


def _norm(value: Any) -> Any:
    return None if value in ("", []) else value
