"""Records from the window: new and edited cases, new sites, remnants and statements,
search, showing retracted records, and resolving conflicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from fieldkit.gui import operations
from fieldkit.gui.i18n import tr
from fieldkit.gui.record_dialogs import CaseDialog, ConflictsDialog, SearchDialog

if TYPE_CHECKING:
    from fieldkit.gui.window.parts import WindowParts as _Parts
else:
    _Parts = object


class RecordActions(_Parts):
    """Part of :class:`fieldkit.gui.mainwindow.MainWindow` (a mixin)."""

    def new_case(self) -> CaseDialog:
        """File → New case: the whole case form (title, summary, region, period, status)."""
        return self._case_dialog(None)

    def edit_case(self) -> CaseDialog | None:
        case_id = self.current_case_id or (self._site or {}).get("case_id")
        if not case_id:
            return None
        return self._case_dialog(self.store.get(case_id, "case"))

    def _case_dialog(self, record: dict[str, Any] | None) -> CaseDialog:
        def save(record_id: str | None, values: dict[str, Any]) -> None:
            def done(rec: dict[str, Any]) -> None:
                if record_id is None:
                    self.current_case_id = None
                    self.set_case(rec["id"])
                    self._fill_tree()

            self.run_op(
                operations.save_record, "case", record_id, values, label=tr("Saving"), on_done=done
            )

        dlg = CaseDialog(self, record, save)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["case"] = dlg
        dlg.open()
        return dlg

    def new_site(self) -> None:
        if not self.maybe_save():
            return
        case_id = self.current_case_id
        if case_id is None:
            cases = self.store.find("case", limit=1)
            if not cases:
                self.new_case()
                return
            case_id = cases[0]["id"]
        self._select_guard = True
        self.site_view.selectionModel().clearSelection()
        self._select_guard = False
        self.current_site_id = None
        self._site = None
        self._refresh_case_choices()
        self.details.form.load(None, case_id=case_id)
        self.details.setEnabled(True)
        self.tabs.setCurrentWidget(self.details)
        for pane in (self.remnants, self.statements):
            pane.load(None)
        self.photos.load(None)
        self.history.load(None)
        self.details.form.widgets["name"].setFocus()

    def new_remnant(self) -> None:
        self.tabs.setCurrentWidget(self.remnants)
        self.remnants.new()

    def new_statement(self) -> None:
        self.tabs.setCurrentWidget(self.statements)
        self.statements.new()

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def search(self, text: str) -> SearchDialog:
        """Search every record, caption and file name (``fieldkit.search``, FTS5)."""
        from fieldkit.search import search

        dlg = self.dialogs.get("search")
        if not isinstance(dlg, SearchDialog):
            dlg = SearchDialog(self)
            dlg.open_requested.connect(self.open_hit)
            dlg.query.returnPressed.connect(lambda d=dlg: self.search(d.query.text()))
            self.dialogs["search"] = dlg
        if not dlg.isVisible():
            dlg.open()
        hits = search(self.store, text)
        wanted = {h.site_id for h in hits if h.site_id}
        names = {s["id"]: s["name"] for s in self.store.find("site") if s["id"] in wanted}
        dlg.show_hits(text, hits, names)
        return dlg

    def open_hit(self, hit: Any) -> None:
        """Open what a search result names: its site, the tab, the record or the photo."""
        if hit.kind == "case":
            self.set_case(hit.id)
            self._fill_tree()
            self.edit_case()
            return
        if hit.site_id and not self.select_site(hit.site_id):
            return
        if hit.kind == "site":
            self.tabs.setCurrentWidget(self.details)
        elif hit.kind in ("remnant", "statement"):
            pane = self.remnants if hit.kind == "remnant" else self.statements
            self.tabs.setCurrentWidget(pane)
            pane.load(self._site, select=hit.id)
        elif hit.media_id:
            self.tabs.setCurrentWidget(self.photos)
            self.open_photo(hit.media_id)

    def toggle_retracted(self) -> None:
        """View → Show retracted records: they appear greyed, to be reinstated."""
        self.include_retracted = self.actions_by_name["show_retracted"].isChecked()
        self.site_model.include_retracted = self.include_retracted
        for pane in (self.remnants, self.statements):
            pane.include_retracted = self.include_retracted
        self.refresh_lists()
        self._loaded_tabs = set()
        self._load_tab()

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def open_conflicts(self) -> ConflictsDialog:
        dlg = ConflictsDialog(self, self.store)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def resolve(record_id: str, field: str, value: Any) -> None:
            def done(_rec: Any) -> None:
                dlg.show_error("")
                dlg.reload()

            # a named operation: the open form shows the resolved value at once
            self.run_op(
                operations.resolve_conflict,
                record_id,
                field,
                value,
                label=tr("Resolving"),
                on_done=done,
                on_error=lambda exc: dlg.show_error(str(exc)),
            )

        dlg.resolve_requested.connect(resolve)
        self.dialogs["conflicts"] = dlg
        dlg.open()
        return dlg
