"""Dialogs about records: a case's form (:class:`CaseDialog`), search results
(:class:`SearchDialog`) and conflicting values to resolve (:class:`ConflictsDialog`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.store import Store


class ConflictsDialog(QDialog):
    """Every field two devices changed differently: pick a value or type one, then resolve."""

    resolve_requested = Signal(str, str, object)  # record id, field, value

    def __init__(self, parent: QWidget | None, store: Store) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(tr("Conflicts"))
        self.resize(720, 440)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        self.detail = QGroupBox(tr("Candidates"))
        self.choices_layout = QVBoxLayout(self.detail)
        self.radios: list[QRadioButton] = []
        self.other = QRadioButton(tr("Another value:"))
        self.other_value = QLineEdit()
        self.other_value.textEdited.connect(lambda _t: self.other.setChecked(True))
        self.resolve_button = QPushButton(tr("Resolve with this value"))
        self.resolve_button.clicked.connect(self.resolve_current)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        side = QVBoxLayout()
        side.addWidget(self.detail)
        side.addWidget(self.message)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(side, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.headline = QLabel()
        layout.addWidget(self.headline)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.conflicts: list[dict[str, Any]] = []
        self.reload()

    def reload(self) -> None:
        from fieldkit import records

        self.conflicts = self.store.all_conflicts()
        self.list.clear()
        for c in self.conflicts:
            try:
                rec = self.store.get(c["id"])
                k = records.kind_of(c["kind"])
                title = rec.get(k.title_field) or c["id"][:8]
                label = k.by_name[c["field"]].label if c["field"] in k.by_name else c["field"]
            except Exception:
                title, label = c["id"][:8], c["field"]
            self.list.addItem(f"{tr(c['kind'])} “{title}” — {tr(label)}")
        self.headline.setText(
            tr("{n} conflicting field(s). Nothing was dropped: choose what is right.").format(
                n=len(self.conflicts)
            )
            if self.conflicts
            else tr("No conflicts.")
        )
        if self.conflicts:
            self.list.setCurrentRow(0)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        for r in self.radios:
            self.choices_layout.removeWidget(r)
            r.deleteLater()
        self.radios = []
        self.choices_layout.removeWidget(self.other)
        self.choices_layout.removeWidget(self.other_value)
        self.choices_layout.removeWidget(self.resolve_button)
        if row < 0 or row >= len(self.conflicts):
            self.detail.setEnabled(False)
            return
        self.detail.setEnabled(True)
        names = _device_names(self.store)
        for i, cand in enumerate(self.conflicts[row]["candidates"]):
            who = names.get(cand.get("device"), (cand.get("device") or "")[:8])
            when = (cand.get("hlc") or "")[:0]
            radio = QRadioButton(f"{_value_text(cand['value'])}    — {who}{when}")
            radio.setProperty("value", json.dumps(cand["value"]))
            radio.setChecked(i == 0)
            self.radios.append(radio)
            self.choices_layout.addWidget(radio)
        self.choices_layout.addWidget(self.other)
        self.choices_layout.addWidget(self.other_value)
        self.choices_layout.addWidget(self.resolve_button)
        self.other_value.clear()

    def chosen_value(self) -> Any:
        if self.other.isChecked():
            return self.other_value.text()
        for r in self.radios:
            if r.isChecked():
                return json.loads(r.property("value"))
        return None

    def resolve_current(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        c = self.conflicts[row]
        self.resolve_requested.emit(c["id"], c["field"], self.chosen_value())

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def _value_text(value: Any) -> str:
    if value is None:
        return tr("(empty)")
    if isinstance(value, list):
        return ", ".join(v["name"] if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _device_names(store: Store) -> dict[str, str]:
    out = {}
    try:
        persons = {p["id"]: p["name"] for p in store.find("person")}
        for d in store.find("device"):
            out[d["id"]] = f"{persons.get(d.get('person_id'), '?')} ({d.get('name') or ''})"
    except Exception:
        pass
    return out


class CaseDialog(QDialog):
    """A case with all its fields (title, summary, region, period, status), new or
    edited. Save hands the checked changes to ``on_save(record_id, values)``."""

    def __init__(self, parent: QWidget | None, record: dict[str, Any] | None, on_save: Any) -> None:
        from fieldkit.gui.forms import RecordForm

        super().__init__(parent)
        self.on_save = on_save
        self.setWindowTitle(tr("Edit the case") if record else tr("New case"))
        self.setMinimumWidth(560)
        self.form = RecordForm("case", scroll=False)
        self.form.load(record, **({} if record else {"status": "open"}))
        if not record:
            self.form._set_dirty(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.form.widgets["title"].setFocus()

    def accept(self) -> None:
        values = self.form.validate()
        if values is None:
            return
        if values or not self.form.record.get("id"):
            self.on_save(self.form.record.get("id"), values)
        super().accept()


def _hit_kind(kind: str) -> str:
    return {
        "case": tr("Case"),
        "site": tr("Site"),
        "remnant": tr("Remnant"),
        "statement": tr("Statement"),
        "media": tr("Photo"),
        "link": tr("Caption"),
    }.get(kind, kind)


class SearchDialog(QDialog):
    """Search results (``fieldkit.search``); activating one opens the record."""

    open_requested = Signal(object)  # a fieldkit.search.Hit

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Search"))
        self.resize(720, 460)
        self.query = QLineEdit()
        self.query.setObjectName("searchQuery")
        self.query.setPlaceholderText(tr("Words to find in every record, caption and file name"))
        self.headline = QLabel()
        self.results = QTreeWidget()
        self.results.setObjectName("searchResults")
        self.results.setHeaderLabels([tr("What"), tr("Title"), tr("Site"), tr("Where it matches")])
        self.results.setRootIsDecorated(False)
        self.results.setColumnWidth(0, 90)
        self.results.setColumnWidth(1, 150)
        self.results.setColumnWidth(2, 170)
        self.results.itemActivated.connect(self._activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.headline)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.hits: list[Any] = []

    def show_hits(self, text: str, hits: list[Any], sites: dict[str, str] | None = None) -> None:
        self.query.setText(text)
        self.hits = hits
        self.results.clear()
        for i, h in enumerate(hits):
            site = (sites or {}).get(h.site_id or "", "")
            item = QTreeWidgetItem([_hit_kind(h.kind), h.title, site, h.snippet])
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setToolTip(3, h.snippet)
            self.results.addTopLevelItem(item)
        self.headline.setText(
            tr("{n} result(s) for “{text}”. Double-click or press Enter to open one.").format(
                n=len(hits), text=text
            )
            if hits
            else tr("Nothing found for “{text}”.").format(text=text)
        )
        if hits:
            first = self.results.topLevelItem(0)
            if first is not None:
                self.results.setCurrentItem(first)
            self.results.setFocus()

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.open_requested.emit(self.hits[item.data(0, Qt.ItemDataRole.UserRole)])
