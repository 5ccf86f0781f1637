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

        inner = QWidget()
        form = QFormLayout(inner)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        sections = SECTIONS.get(self.kind.name, {})
        for f in self.kind.fields:
            if f.name in self.hidden:
                continue
            if f.name in sections:
                heading = QLabel(tr(sections[f.name]))
                heading.setObjectName("formSection")
                form.addRow(heading)
            widget = self._make_widget(f, (ref_choices or {}).get(f.name, []))
            widget.setObjectName(f"field_{f.name}")
            if f.help:
                widget.setToolTip(tr(f.help))
            label = QLabel(tr(f.label) + (" *" if f.required else ""))
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
        else:
            layout.addWidget(inner)

    # -- widgets ------------------------------------------------------------------------

    def _make_widget(self, f: records.Field, refs: list[tuple[str, str]]) -> QWidget:
        w: QWidget
        if f.type == "enum":
            combo = QComboBox()
            combo.addItem("—", None)
            for c in f.choices:
                combo.addItem(choice_label(c), c)
            combo.currentIndexChanged.connect(self._edited)
            w = combo
        elif f.type == "ref":
            combo = QComboBox()
            if not f.required:
                combo.addItem("—", None)
            for rid, title in refs:
                combo.addItem(title, rid)
            combo.currentIndexChanged.connect(self._edited)
            w = combo
        elif f.type == "bool":
            box = QCheckBox()
            box.toggled.connect(self._edited)
            w = box
        elif f.type in ("list", "names") or f.name in LONG_TEXT:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(72)
            edit.setPlaceholderText(tr(PLACEHOLDERS.get(f.type, "")))
            edit.textChanged.connect(self._edited)
            w = edit
        else:
            line = QLineEdit()
            line.setPlaceholderText(tr(PLACEHOLDERS.get(f.type, "")))
            line.textEdited.connect(self._edited)
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
        return {
            name: self._get(w, self.kind.by_name[name])
            for name, w in self.widgets.items()
            if w.isEnabled()
        }

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
        """The changes, or None after showing the validation message."""
        try:
            values = self.changes()
        except ValidationError as exc:
            self.show_message(str(exc), exc.fields)
            return None
        self.show_message("")
        return values

    def show_message(self, text: str, fields: tuple[str, ...] = ()) -> None:
        for name, label in self.labels.items():
            bad = name in fields
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

    def _edited(self, *_args: Any) -> None:
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
