"""What the window shows and how it is re-read: the case tree, the site table, the chosen
site's tabs (each loaded when shown), refreshing by what changed, and the Save / Discard /
Cancel question before leaving unsaved edits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QTreeWidgetItem,
)

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE
from fieldkit.gui.operations import Changes
from fieldkit.gui.panels import FormPane

if TYPE_CHECKING:
    from fieldkit.gui.window.parts import WindowParts as _Parts
else:
    _Parts = object


CASE_ROLE = ID_ROLE
KIND_ROLE = ID_ROLE + 10


class Browsing(_Parts):
    """Part of :class:`fieldkit.gui.mainwindow.MainWindow` (a mixin)."""

    def apply_changes(self, changes: Changes) -> None:
        """Refresh only what depends on ``changes`` (kinds and ids of records)."""
        if changes.touches("case", "site"):
            self._fill_tree()
            self._refresh_case_choices()
        if changes.touches("site"):
            keep = self.current_site_id
            self._select_guard = True
            try:
                if not self.site_model.refresh_ids(changes.ids):
                    self.site_model.reload()
                if keep:
                    self._select_in_table(keep)
            finally:
                self._select_guard = False
        site = self.current_site_id
        if site and site in changes.ids and not self.details.dirty:
            self._site = self.store.get(site, "site")
            self.details.form.load(self._site)
        mine = bool(site and site in changes.ids)
        stale = set()
        if changes.touches("remnant") or mine:
            stale.add(self.tabs.indexOf(self.remnants))
        if changes.touches("statement") or mine:
            stale.add(self.tabs.indexOf(self.statements))
        if changes.touches("link", "media"):
            stale.add(self.tabs.indexOf(self.photos))
        stale.add(self.tabs.indexOf(self.history))
        self._loaded_tabs -= stale
        self._load_tab()
        self._update_counts()
        self.changes_applied.emit(changes)

    def refresh(self) -> None:
        """F5: re-read everything shown (keeps unsaved edits)."""
        self.refresh_lists()
        if self.current_site_id and not self.any_dirty():
            self.show_site(self.current_site_id)

    def refresh_lists(self) -> None:
        self._fill_tree()
        keep = self.current_site_id
        self._select_guard = True
        try:
            self.site_model.reload()
            if keep:
                self._select_in_table(keep)
        finally:
            self._select_guard = False
        self._update_counts()

    def _update_counts(self) -> None:
        has_case = bool(self.store.count("case"))
        self.centre.setCurrentIndex(0 if has_case else 1)
        n = self.store.count("site")
        shown = self.site_model.rowCount()
        self.site_count.setText(
            tr("{shown} of {n} sites loaded").format(shown=shown, n=n)
            if self.site_model.canFetchMore()
            else tr("{shown} site(s)").format(shown=shown)
        )
        conflicts = self.store.conflict_count()
        self.conflict_label.setText(
            tr("{n} conflict(s) to resolve").format(n=conflicts) if conflicts else ""
        )

    def _fill_tree(self) -> None:
        tree = self.case_tree
        tops = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        expanded = {t.data(0, CASE_ROLE) for t in tops if t is not None and t.isExpanded()}
        tree.blockSignals(True)
        tree.clear()
        all_item = QTreeWidgetItem([tr("All sites")])
        all_item.setData(0, CASE_ROLE, None)
        all_item.setData(0, KIND_ROLE, "all")
        tree.addTopLevelItem(all_item)
        current = all_item
        counts = dict(
            self.store.conn.execute(
                "SELECT case_id, count(*) FROM sites WHERE _retracted = 0 GROUP BY case_id"
            ).fetchall()
        )
        for case in self.store.find("case", order="title"):
            item = QTreeWidgetItem([f"{case['title']}  ({counts.get(case['id'], 0)})"])
            item.setToolTip(0, case["title"])
            item.setData(0, CASE_ROLE, case["id"])
            item.setData(0, KIND_ROLE, "case")
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            tree.addTopLevelItem(item)
            if case["id"] == self.current_case_id:
                current = item
        tree.setCurrentItem(current)
        tree.blockSignals(False)
        for i in range(tree.topLevelItemCount()):
            top = tree.topLevelItem(i)
            if top is not None and top.data(0, CASE_ROLE) in expanded and top.data(0, CASE_ROLE):
                top.setExpanded(True)

    def _expand_case(self, item: QTreeWidgetItem) -> None:
        """Sites appear under a case only when it is opened (a case may have thousands)."""
        if item.data(0, KIND_ROLE) != "case" or item.childCount():
            return
        rows = self.store.conn.execute(
            "SELECT id, name FROM sites WHERE case_id = ? AND _retracted = 0 "
            "ORDER BY name LIMIT 1000",
            (item.data(0, CASE_ROLE),),
        ).fetchall()
        for sid, name in rows:
            child = QTreeWidgetItem([name])
            child.setData(0, CASE_ROLE, sid)
            child.setData(0, KIND_ROLE, "site")
            item.addChild(child)

    def _tree_chosen(self, item: QTreeWidgetItem | None, previous: Any = None) -> None:
        if item is None:
            return
        kind = item.data(0, KIND_ROLE)
        if kind == "site":
            parent = item.parent()
            case_id = parent.data(0, CASE_ROLE) if parent else None
            if case_id != self.current_case_id:
                self.set_case(case_id)
            self.select_site(item.data(0, CASE_ROLE))
        else:
            self.set_case(item.data(0, CASE_ROLE))

    def set_case(self, case_id: str | None) -> None:
        if case_id == self.current_case_id and self.site_model.case_id == case_id:
            return
        self.current_case_id = case_id
        self.site_model.set_case(case_id)
        self._update_counts()
        if self.current_site_id and self.site_model.row_of(self.current_site_id) < 0:
            self._select_in_table(None)

    def _select_in_table(self, site_id: str | None) -> None:
        view = self.site_view
        if site_id is None:
            view.selectionModel().clearSelection()
            return
        row = self.site_model.row_of(site_id)
        while row < 0 and self.site_model.canFetchMore():
            self.site_model.fetchMore(QModelIndex())
            row = self.site_model.row_of(site_id)
        if row < 0:
            return
        index = self.site_proxy.mapFromSource(self.site_model.index(row, 0))
        if index.isValid():
            view.selectionModel().setCurrentIndex(
                index,
                view.selectionModel().SelectionFlag.ClearAndSelect
                | view.selectionModel().SelectionFlag.Rows,
            )
            view.scrollTo(index)

    def _table_chosen(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._select_guard or not current.isValid():
            return
        site_id = current.data(ID_ROLE)
        if site_id == self.current_site_id:
            return
        if not self.maybe_save():
            self._select_guard = True
            try:
                self._select_in_table(self.current_site_id)
            finally:
                self._select_guard = False
            return
        self.show_site(site_id)

    def select_site(self, site_id: str | None) -> bool:
        """Select a site as a click would (asks about unsaved edits); False if refused."""
        if site_id == self.current_site_id:
            return True
        if not self.maybe_save():
            return False
        self._select_guard = True
        try:
            self._select_in_table(site_id)
        finally:
            self._select_guard = False
        self.show_site(site_id)
        return True

    def show_site(self, site_id: str | None) -> None:
        self.current_site_id = site_id
        site = self.store.get(site_id, "site") if site_id else None
        self._site = site
        self._refresh_case_choices()
        self.details.form.load(site)
        self.details.setEnabled(site is not None and not site.get("retracted"))
        self._loaded_tabs = set()
        self._load_tab()
        self.site_selected.emit(site_id)

    def _refresh_case_choices(self) -> None:
        cases = [(c["id"], c["title"]) for c in self.store.find("case", order="title")]
        self.details.form.set_ref_choices("case_id", cases)

    def _load_tab(self) -> None:
        """Only the visible tab reads its data; others wait until they are shown."""
        i = self.tabs.currentIndex()
        if i in self._loaded_tabs:
            return
        self._loaded_tabs = self._loaded_tabs | {i}
        site = self._site
        widget = self.tabs.widget(i)
        if widget is self.photos:
            self.photos.load(site["id"] if site else None)
        elif widget is self.remnants:
            if not self.remnants.pane.dirty:
                self.remnants.load(site, select=self.remnants.current_id())
        elif widget is self.statements:
            if not self.statements.pane.dirty:
                self.statements.load(site, select=self.statements.current_id())
        elif widget is self.history:
            self.history.load(site["id"] if site else None)

    def _site_saved(self, record: dict[str, Any]) -> None:
        self.current_site_id = record["id"]
        self._site = record
        if record.get("case_id") and self.current_case_id not in (None, record["case_id"]):
            self.set_case(record["case_id"])
        self._select_guard = True
        try:
            self._select_in_table(record["id"])
        finally:
            self._select_guard = False
        self._loaded_tabs = {self.tabs.indexOf(self.details)}
        self._load_tab()

    def dirty_panes(self) -> list[FormPane]:
        return [p for p in (self.details, self.remnants.pane, self.statements.pane) if p.dirty]

    def any_dirty(self) -> bool:
        return bool(self.dirty_panes())

    def _confirm_leave(self, pane: FormPane) -> bool:
        what = tr("This {kind}").format(kind=tr(pane.form.kind.label.lower()))
        answer = Prompts.save_discard_cancel(self, what)
        if answer == "save":
            return pane.save()
        if answer == "discard":
            pane.form.load(pane.form.record or None, **pane.form.fixed)
            return True
        return False

    def maybe_save(self) -> bool:
        """Before leaving the shown records: Save, Discard or Cancel each dirty form."""
        return all(self._confirm_leave(p) for p in self.dirty_panes())

    def save_current(self) -> None:
        pane = {
            self.details: self.details,
            self.remnants: self.remnants.pane,
            self.statements: self.statements.pane,
        }.get(self.tabs.currentWidget())
        if pane is not None and (pane.dirty or not pane.record_id()):
            pane.save()
