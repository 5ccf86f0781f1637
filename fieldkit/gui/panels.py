"""The right-hand panes for a selected site: Details, Photos, Remnants, Statements (the
History tab: :mod:`fieldkit.gui.history`).

Each pane reads with the UI thread's Store and hands writes to the window's ``submit``
(the writer thread). Forms come from ``records.KINDS`` via :class:`RecordForm`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldkit import catalogue
from fieldkit.gui import operations
from fieldkit.gui.forms import RecordForm, choice_label
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE, ThumbnailModel

if TYPE_CHECKING:
    from fieldkit.store import Store

Submit = Callable[..., Any]
DESIGNATION_ROLE = Qt.ItemDataRole.UserRole + 5


class FormPane(QWidget):
    """A form with a Save button; knows the record it shows."""

    saved = Signal(dict)

    def __init__(self, kind: str, submit: Submit, *, hidden: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.submit = submit
        self.form = RecordForm(kind, hidden=hidden)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("primary")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.form.dirty_changed.connect(self._dirty)
        self.status = QLabel()
        self.status.setObjectName("muted")
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form, 1)
        layout.addLayout(bar)

    def _dirty(self, dirty: bool) -> None:
        self.save_button.setEnabled(dirty)
        self.status.setText(tr("Unsaved changes") if dirty else "")

    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def record_id(self) -> str | None:
        return self.form.record.get("id")

    def save(self) -> bool:
        """Check on the UI thread, write on the worker; False if the values are refused."""
        values = self.form.validate()
        if values is None:
            return False
        rid = self.record_id()
        if rid and not values:
            self.form.load(self.form.record, **self.form.fixed)
            return True
        kind = self.form.kind.name
        self.submit(
            operations.save_record, kind, rid, values, label=tr("Saving"), on_done=self._saved
        )
        return True

    def _saved(self, record: dict[str, Any]) -> None:
        self.form.mark_saved(record)
        self.saved.emit(record)


class PhotosPane(QWidget):
    """The site's photos as a thumbnail grid; double-click opens the viewer; a right-click
    captions, links to a remnant or statement, moves to another site or unlinks."""

    open_requested = Signal(str)
    import_requested = Signal()
    menu_requested = Signal(object, object)  # media item (dict), global position

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.model = ThumbnailModel(store, self)
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(160, 160))
        self.view.setGridSize(QSize(184, 204))
        self.view.setSpacing(4)
        self.view.setWordWrap(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(200)
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.doubleClicked.connect(lambda i: self.open_requested.emit(i.data(ID_ROLE)))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.count = QLabel()
        self.count.setObjectName("muted")
        add = QPushButton(tr("Import photos…"))
        add.clicked.connect(self.import_requested)
        view = QPushButton(tr("View"))
        view.clicked.connect(self._open_current)
        bar = QHBoxLayout()
        bar.addWidget(self.count, 1)
        bar.addWidget(view)
        bar.addWidget(add)
        hint = QLabel(tr("Drop photos or folders here or on a site to import them."))
        hint.setObjectName("muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        layout.addLayout(bar)

    def load(self, site_id: str | None) -> None:
        self.site_id = site_id
        self.model.load_target(site_id)
        self.count.setText(tr("{n} photo(s)").format(n=self.model.rowCount()))

    def _menu(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self.view.setCurrentIndex(index)
            item = self.model.items[index.row()]
            self.menu_requested.emit(item, self.view.viewport().mapToGlobal(pos))

    def _open_current(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0)
        if index.isValid():
            self.open_requested.emit(index.data(ID_ROLE))


class ListFormPane(QWidget):
    """A list of child records (remnants, statements) above a form for the chosen one.
    A right-click on a row offers what can be done to it (retract, reinstate, move)."""

    menu_requested = Signal(object, object)  # record id, global position

    def __init__(self, kind: str, submit: Submit, store: Store, hidden: tuple[str, ...]) -> None:
        super().__init__()
        self.kind = kind
        self.store = store
        self.site: dict[str, Any] | None = None
        self.include_retracted = False
        self.list = QListWidget()
        self.list.setObjectName(f"{kind}List")
        self.list.currentItemChanged.connect(self._chosen)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.new_button = QPushButton(tr("New"))
        self.new_button.clicked.connect(self.new)
        self.pane = FormPane(kind, submit, hidden=hidden)
        self.pane.saved.connect(self._saved)
        self.header = QHBoxLayout()
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.new_button)
        tl.addLayout(row)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addLayout(self.header)
        bl.addWidget(self.pane, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.ask_switch: Callable[[], bool] = lambda: True

    # subclasses say what belongs to a site and how a row reads
    def records(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def fixed(self) -> dict[str, Any]:
        raise NotImplementedError

    def item_text(self, rec: dict[str, Any]) -> str:
        raise NotImplementedError

    def decorate(self, item: QListWidgetItem, rec: dict[str, Any]) -> None:
        pass

    def _menu(self, pos: Any) -> None:
        item = self.list.itemAt(pos)
        if item is not None:
            self.list.setCurrentItem(item)
            if self.list.currentItem() is item:
                self.menu_requested.emit(item.data(ID_ROLE), self.list.mapToGlobal(pos))

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def load(self, site: dict[str, Any] | None, select: str | None = None) -> None:
        self.site = site
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for rec in self.records() if site else []:
            text = self.item_text(rec)
            if rec.get("retracted"):
                text = tr("[retracted] {text} — {reason}").format(
                    text=text, reason=rec.get("retract_reason") or ""
                )
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, rec["id"])
            self.decorate(item, rec)
            if rec.get("retracted"):
                from PySide6.QtGui import QColor

                item.setForeground(QColor("#8a8f94"))
            self.list.addItem(item)
            if rec["id"] == select:
                chosen = item
        self.list.blockSignals(False)
        self.setEnabled(site is not None)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        elif self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.pane.form.load(None, **(self.fixed() if site else {}))
            self.after_load()

    def _chosen(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if previous is not None and self.pane.dirty and not self.ask_switch():
            self.list.blockSignals(True)
            self.list.setCurrentItem(previous)
            self.list.blockSignals(False)
            return
        if item is None:
            self.pane.setEnabled(True)
            self.pane.form.load(None, **self.fixed())
        else:
            rec = self.store.get(item.data(ID_ROLE))
            self.pane.form.load(rec, **self.fixed())
            self.pane.setEnabled(not rec.get("retracted"))
        self.after_load()

    def after_load(self) -> None:
        pass

    def new(self) -> None:
        if self.site is None:
            return
        if self.pane.dirty and not self.ask_switch():
            return
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self.pane.setEnabled(True)
        self.pane.form.load(None, **self.fixed())
        self.after_load()
        first = next(iter(self.pane.form.widgets.values()))
        first.setFocus()

    def _saved(self, record: dict[str, Any]) -> None:
        self.load(self.site, select=record["id"])


class RemnantsPane(ListFormPane):
    """Remnants found at the site; the munition type completes from the catalogue."""

    def __init__(self, submit: Submit, store: Store) -> None:
        super().__init__("remnant", submit, store, hidden=("site_id",))
        self.completer_model = QStandardItemModel(self)
        self.completer = QCompleter(self.completer_model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionRole(DESIGNATION_ROLE)
        self.munition = self.pane.form.widgets["munition_type"]
        assert isinstance(self.munition, QLineEdit)
        self.munition.setCompleter(self.completer)
        self.munition.textEdited.connect(self.search)
        self.completer.activated.connect(self._picked)
        self.munition.setPlaceholderText(tr("type to search the catalogue, e.g. 9N2"))

    def search(self, text: str) -> list[dict[str, Any]]:
        """Catalogue entries for what is typed (catalogue.search), shown as completions."""
        found = catalogue.search(text, self.store)[:25] if text.strip() else []
        self.completer_model.clear()
        for m in found:
            extra = ", ".join(x for x in (m.get("category"), m.get("origin")) if x)
            item = QStandardItem(f"{m['designation']}  ({extra})" if extra else m["designation"])
            item.setData(m["designation"], DESIGNATION_ROLE)
            item.setEditable(False)
            self.completer_model.appendRow(item)
        if found:
            self.completer.complete()
        return found

    def _picked(self, designation: str) -> None:
        self.munition.setText(designation)  # type: ignore[attr-defined]
        self.pane.form.mark_edited()
        for m in catalogue.search(designation, self.store):
            if m["designation"] == designation and m.get("category") in ("submunition", "fuze"):
                combo = self.pane.form.widgets["category"]
                if combo.currentData() is None:  # type: ignore[attr-defined]
                    combo.setCurrentIndex(combo.findData(m["category"]))  # type: ignore[attr-defined]
                break

    def records(self) -> list[dict[str, Any]]:
        assert self.site is not None
        return self.store.find(
            "remnant", where={"site_id": self.site["id"]}, include_retracted=self.include_retracted
        )

    def fixed(self) -> dict[str, Any]:
        return {"site_id": self.site["id"]} if self.site else {}

    def item_text(self, rec: dict[str, Any]) -> str:
        parts = [
            rec.get("munition_type") or tr("unidentified"),
            choice_label(rec["category"]) if rec.get("category") else "",
            choice_label(rec["condition"]) if rec.get("condition") else "",
        ]
        count = rec.get("count")
        text = " · ".join(p for p in parts if p)
        return f"{text} ×{count}" if count and count > 1 else text


BADGES = {
    "confidential": ("CONFIDENTIAL", "#b3261e"),
    "restricted": ("RESTRICTED", "#b26a00"),
    "public": ("PUBLIC", "#2e7d32"),
    "anonymous": ("ANONYMOUS", "#5b4b8a"),
    "internal_only": ("INTERNAL USE ONLY", "#b3261e"),
    "named": ("MAY BE NAMED", "#2e7d32"),
    "withdrawn": ("CONSENT WITHDRAWN", "#b3261e"),
}


class Badge(QLabel):
    """A coloured label: the sensitivity or consent of a statement, impossible to miss."""

    def set_value(self, value: str | None) -> None:
        if not value or value not in BADGES:
            self.hide()
            return
        text, colour = BADGES[value]
        self.setText(tr(text))
        self.setObjectName("badge")
        self.setStyleSheet(
            f"background:{colour};color:white;border-radius:4px;padding:3px 8px;font-weight:600;"
        )
        self.show()


class StatementsPane(ListFormPane):
    """Witness statements about the site: a pseudonym, never a name; consent and sensitivity
    are shown as badges above the form and in the list."""

    def __init__(self, submit: Submit, store: Store) -> None:
        super().__init__("statement", submit, store, hidden=("case_id", "site_id"))
        self.sensitivity = Badge()
        self.consent = Badge()
        self.sensitivity.setObjectName("sensitivityBadge")
        self.header.addWidget(self.sensitivity)
        self.header.addWidget(self.consent)
        self.header.addStretch(1)
        form = self.pane.form
        form.widgets["sensitivity"].currentIndexChanged.connect(self.after_load)  # type: ignore[attr-defined]
        form.widgets["consent"].currentIndexChanged.connect(self.after_load)  # type: ignore[attr-defined]

    def after_load(self, *_args: Any) -> None:
        form = self.pane.form
        self.sensitivity.set_value(form.widgets["sensitivity"].currentData())  # type: ignore[attr-defined]
        self.consent.set_value(form.widgets["consent"].currentData())  # type: ignore[attr-defined]

    def records(self) -> list[dict[str, Any]]:
        assert self.site is not None
        return self.store.find(
            "statement",
            where={"site_id": self.site["id"]},
            include_retracted=self.include_retracted,
        )

    def fixed(self) -> dict[str, Any]:
        if not self.site:
            return {}
        return {"site_id": self.site["id"], "case_id": self.site["case_id"]}

    def item_text(self, rec: dict[str, Any]) -> str:
        who = " · ".join(
            str(x) for x in (rec.get("witness_code"), rec.get("role"), rec.get("age")) if x
        )
        badge = BADGES.get(rec.get("sensitivity") or "", ("", ""))[0]
        return f"{who}    [{tr(badge)}]" if badge else who

    def decorate(self, item: QListWidgetItem, rec: dict[str, Any]) -> None:
        from PySide6.QtGui import QColor

        colour = BADGES.get(rec.get("sensitivity") or "", ("", ""))[1]
        if colour:
            item.setForeground(QColor(colour))
