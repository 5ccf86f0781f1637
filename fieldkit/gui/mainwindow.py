"""The main window: cases and sites on the left, the site list in the centre, the chosen
site's details on the right. Reads use the UI thread's Store; writes are named operations
(:mod:`fieldkit.gui.operations`) run on the writer thread; each returns what it changed,
and :meth:`MainWindow.apply_changes` refreshes only the views that depend on it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui import menus, operations
from fieldkit.gui.dialogs import (
    AboutDialog,
    CaseDialog,
    ConflictsDialog,
    Prompts,
    ReportDialog,
    SearchDialog,
    SettingsDialog,
    import_summary,
)
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE, SiteFilterProxy, SiteTableModel
from fieldkit.gui.operations import Changes, OpResult
from fieldkit.gui.panels import FormPane, HistoryPane, PhotosPane, RemnantsPane, StatementsPane
from fieldkit.gui.placement import PlaceDialog, Placement, import_for_placement
from fieldkit.gui.tasks import Task, TaskRunner
from fieldkit.gui.viewer import CameraDialog, PhotoViewer
from fieldkit.store import Store
from fieldkit.thumbnails import BROKEN_PREFIX, check_pending, pending_checks
from fieldkit.undo import Step

CASE_ROLE = ID_ROLE
KIND_ROLE = ID_ROLE + 10


class MainWindow(QMainWindow):
    """One store, one session. ``passphrase`` (bytes) unlocks signing for exports."""

    store_changed = Signal()  # after a bulk write (import, merge): views re-read everything
    changes_applied = Signal(object)  # Changes, after a named operation finished
    site_selected = Signal(object)  # site id or None

    def __init__(self, store: Store, runner: TaskRunner, passphrase: bytes | None = None) -> None:
        super().__init__()
        self.store = store
        self.runner = runner
        self.passphrase = passphrase
        self.current_case_id: str | None = None
        self.current_site_id: str | None = None
        self.dialogs: dict[str, Any] = {}  # open non-modal dialogs, by name (tests read them)
        self.last_report: ReportDialog | None = None
        self.last_error: Any = None
        self.last_menu: QMenu | None = None  # the last right-click menu (tests read it)
        self.last_export: dict[str, Any] | None = None  # the last export's report
        self.last_output: dict[str, Any] | None = None  # the last GIS export or case report
        self._import_task: Task | None = None
        self._import_doc: dict[str, Any] | None = None
        self._select_guard = False
        self.undo_stack: list[tuple[str, tuple[Step, ...]]] = []
        self.include_retracted = False
        self._site: dict[str, Any] | None = None
        self._loaded_tabs: set[int] = set()

        self.setWindowTitle(tr("FieldKit"))
        self.setAcceptDrops(True)
        self.resize(1280, 720)
        self._build_left()
        self._build_centre()
        self._build_right()
        split = QSplitter()
        split.setObjectName("mainSplitter")
        split.addWidget(self.case_tree)
        split.addWidget(self.centre)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 4)
        split.setStretchFactor(2, 5)
        split.setSizes([200, 500, 580])
        split.setChildrenCollapsible(False)
        self.splitter = split
        self.setCentralWidget(split)
        self._build_actions()
        self._build_status()
        runner.task_started.connect(self._task_started)
        runner.task_finished.connect(self._task_finished)
        runner.progress_changed.connect(self._task_progress)
        self.restore_settings()
        self.details.setEnabled(False)
        self.refresh()
        if self.site_model.rowCount():  # open on something, not on an empty form
            self.select_site(self.site_model.rows[0][0])
        from fieldkit.gui.mapview import install_map

        self.map_panel = install_map(self)  # the Map dock: fieldkit/gui/mapview.py

    # -- building -----------------------------------------------------------------------

    def _build_left(self) -> None:
        tree = QTreeWidget()
        tree.setObjectName("caseTree")
        tree.setHeaderLabel(tr("Cases and sites"))
        tree.itemExpanded.connect(self._expand_case)
        tree.currentItemChanged.connect(self._tree_chosen)
        self.case_tree = tree

    def _build_centre(self) -> None:
        self.site_model = SiteTableModel(self.store, self)
        self.site_proxy = SiteFilterProxy(self)
        self.site_proxy.setSourceModel(self.site_model)
        view = QTableView()
        view.setObjectName("siteTable")
        view.setModel(self.site_proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(26)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setDefaultSectionSize(110)
        for col, width in enumerate(SiteTableModel.WIDTHS):
            view.setColumnWidth(col, width)
        view.setWordWrap(False)
        view.selectionModel().currentRowChanged.connect(self._table_chosen)
        view.setAcceptDrops(True)
        view.viewport().setAcceptDrops(True)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        view.viewport().installEventFilter(self)
        self.site_view = view
        self.filter = QLineEdit()
        self.filter.setObjectName("siteFilter")
        self.filter.setPlaceholderText(tr("Filter sites (Ctrl+F)"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.site_proxy.set_text)
        self.new_site_button = QPushButton(tr("New site"))
        self.new_site_button.clicked.connect(self.new_site)
        self.site_count = QLabel()
        self.site_count.setObjectName("muted")
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.new_site_button)
        sites_page = QWidget()
        layout = QVBoxLayout(sites_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(view, 1)
        layout.addWidget(self.site_count)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos: menus.site_menu(self, pos))
        welcome = QWidget()
        welcome.setObjectName("welcome")
        wl = QVBoxLayout(welcome)
        wl.addStretch(1)
        hello = QLabel(
            tr(
                "Welcome. Everything you record belongs to a case: an investigation with a "
                "title, a region and a period. Start with one."
            )
        )
        hello.setWordWrap(True)
        hello.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.first_case_button = QPushButton(tr("Create your first case"))
        self.first_case_button.setObjectName("primary")
        self.first_case_button.clicked.connect(lambda: self.new_case())
        wl.addWidget(hello)
        wl.addWidget(self.first_case_button, 0, Qt.AlignmentFlag.AlignHCenter)
        wl.addStretch(2)
        self.centre = QStackedWidget()
        self.centre.addWidget(sites_page)
        self.centre.addWidget(welcome)
        self.welcome = welcome

    def _build_right(self) -> None:
        submit = self.run_op
        self.details = FormPane("site", submit)
        self.details.saved.connect(self._site_saved)
        self.photos = PhotosPane(self.store)
        self.photos.open_requested.connect(self.open_photo)
        self.photos.import_requested.connect(self.import_photos)
        self.photos.menu_requested.connect(lambda item, pos: menus.photo_menu(self, item, pos))
        self.remnants = RemnantsPane(submit, self.store)
        self.statements = StatementsPane(submit, self.store)
        for list_pane in (self.remnants, self.statements):
            list_pane.menu_requested.connect(
                lambda rid, pos, p=list_pane: menus.record_menu(self, p, rid, pos)
            )
        for pane in (self.remnants, self.statements):
            pane.ask_switch = lambda p=pane: self._confirm_leave(p.pane)  # type: ignore[misc]
        self.history = HistoryPane(self.store)
        tabs = QTabWidget()
        tabs.setObjectName("siteTabs")
        tabs.addTab(self.details, tr("Details"))
        tabs.addTab(self.photos, tr("Photos"))
        tabs.addTab(self.remnants, tr("Remnants"))
        tabs.addTab(self.statements, tr("Statements"))
        tabs.addTab(self.history, tr("History"))
        tabs.currentChanged.connect(lambda _i: self._load_tab())
        self.tabs = tabs

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        name: str = "",
    ) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _checked=False: slot())
        act.setObjectName(name or text)
        menu.addAction(act)
        self.actions_by_name[name] = act
        return act

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        bar = self.menuBar()
        m = bar.addMenu(tr("&File"))
        self.file_menu = m
        self._action(m, tr("New &case…"), self.new_case, "Ctrl+Shift+N", "new_case")
        m.addSeparator()
        self._action(m, tr("Import &photos…"), self.import_photos, "Ctrl+I", "import_photos")
        self._action(
            m, tr("Import a &folder of photos…"), self.import_folder, None, "import_folder"
        )
        m.addSeparator()
        self._action(m, tr("&Export bundle…"), self.export_bundle, "Ctrl+E", "export")
        self._action(m, tr("Import &bundle…"), self.import_bundle, "Ctrl+Shift+I", "import_bundle")
        self._action(m, tr("&Verify bundle…"), self.verify_bundle, None, "verify")
        m.addSeparator()
        self._action(m, tr("Export for &GIS…"), self.export_gis, None, "export_gis")
        self._action(m, tr("Case &report…"), self.case_report, None, "case_report")
        m.addSeparator()
        self._action(
            m,
            tr("&Settings and trusted keys…"),
            self.open_settings,
            QKeySequence.StandardKey.Preferences,
            "settings",
        )
        m.addSeparator()
        self._action(m, tr("&Quit"), self.close, QKeySequence.StandardKey.Quit, "quit")
        m = bar.addMenu(tr("&Edit"))
        self.edit_menu = m
        undo = self._action(m, tr("&Undo"), self.undo, QKeySequence.StandardKey.Undo, "undo")
        undo.setEnabled(False)
        m.addSeparator()
        self._action(m, tr("&Save"), self.save_current, QKeySequence.StandardKey.Save, "save")
        m.addSeparator()
        self._action(m, tr("Edit the c&ase…"), self.edit_case, None, "edit_case")
        self._action(m, tr("&New site"), self.new_site, QKeySequence.StandardKey.New, "new_site")
        self._action(m, tr("New &remnant"), self.new_remnant, None, "new_remnant")
        self._action(m, tr("New s&tatement"), self.new_statement, None, "new_statement")
        m.addSeparator()
        self._action(
            m, tr("&Merge this site into another…"), lambda: menus.merge_site(self), None, "merge"
        )
        m.addSeparator()
        self._action(m, tr("&Conflicts…"), self.open_conflicts, None, "conflicts")
        self._action(m, tr("Camera c&locks…"), self.open_cameras, None, "cameras")
        m = bar.addMenu(tr("&View"))
        self._action(
            m, tr("&Filter sites"), self.focus_filter, QKeySequence.StandardKey.Find, "filter"
        )
        self._action(m, tr("&Search everything…"), self.focus_search, "Ctrl+Shift+F", "search")
        shown = self._action(
            m, tr("Show &retracted records"), self.toggle_retracted, None, "show_retracted"
        )
        shown.setCheckable(True)
        self._action(m, tr("&Refresh"), self.refresh, QKeySequence.StandardKey.Refresh, "refresh")
        m = bar.addMenu(tr("&Help"))
        self._action(m, tr("&About FieldKit"), self.about, None, "about")
        tb = self.addToolBar(tr("Main"))
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in (
            "new_case",
            "new_site",
            "save",
            "undo",
            "import_photos",
            "export",
            "import_bundle",
            "conflicts",
        ):
            tb.addAction(self.actions_by_name[name])
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText(tr("Search everything (Ctrl+Shift+F)"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaximumWidth(280)
        self.search_box.returnPressed.connect(lambda: self.search(self.search_box.text()))
        tb.addWidget(self.search_box)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.who = QLabel()
        self.who.setObjectName("muted")
        self.conflict_label = QLabel()
        self.conflict_label.setObjectName("conflictNote")
        self.progress = QProgressBar()
        self.progress.setObjectName("taskProgress")
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QToolButton()
        self.cancel_button.setText(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel_task)
        self.cancel_button.hide()
        self.task_label = QLabel()
        sb.addWidget(self.who, 1)
        sb.addPermanentWidget(self.conflict_label)
        sb.addPermanentWidget(self.task_label)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        ident = self.store.identity()
        self.who.setText(
            tr("{name} · signing key {fp} · {home}").format(
                name=ident.get("name") or "",
                fp=(ident.get("fingerprint") or "")[:19] + "…",
                home=ident.get("home"),
            )
        )

    # -- tasks --------------------------------------------------------------------------

    def run_op(
        self,
        op: Callable[..., OpResult],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Run a named operation on the writer thread; then keep its undo steps, call
        ``on_done(value)`` and refresh what its :class:`Changes` touch."""

        def done(result: OpResult) -> None:
            if result.undo:
                self.undo_stack.append((result.label, result.undo))
                del self.undo_stack[:-50]
            self._update_undo()
            if on_done is not None:
                on_done(result.value)
            self.apply_changes(result.changes)

        return self.runner.run(
            op, *args, label=label, on_done=done, on_error=on_error or self.show_error
        )

    def undo(self) -> Task | None:
        """Edit → Undo: take back the last operation of this session as new events."""
        if not self.undo_stack:
            return None
        label, steps = self.undo_stack[-1]

        def done(_ids: Any) -> None:
            if self.undo_stack and self.undo_stack[-1][1] is steps:
                self.undo_stack.pop()
            self._update_undo()
            self.statusBar().showMessage(tr("Undone: {what}").format(what=label), 5000)

        def failed(exc: BaseException) -> None:
            if self.undo_stack and self.undo_stack[-1][1] is steps:
                self.undo_stack.pop()  # it cannot be taken back any more
            self._update_undo()
            self.show_error(exc)

        return self.run_op(
            operations.undo, steps, label, label=tr("Undoing"), on_done=done, on_error=failed
        )

    def _update_undo(self) -> None:
        act = self.actions_by_name["undo"]
        act.setEnabled(bool(self.undo_stack))
        act.setText(
            tr("&Undo {what}").format(what=self.undo_stack[-1][0])
            if self.undo_stack
            else tr("&Undo")
        )
        act.setIconText(tr("Undo"))  # the toolbar stays short; the menu says what

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

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run long work (an import, an export, a bundle merge) on the writer thread;
        afterwards every view re-reads (it may have changed anything)."""

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            self.after_write()

        return self.runner.run(
            fn, *args, label=label, on_done=done, on_error=on_error or self.show_error, **kwargs
        )

    def show_error(self, exc: BaseException) -> None:
        Prompts.error(self, tr("FieldKit"), str(exc))

    def _task_started(self, task: Task) -> None:
        if task.progress:
            self.task_label.setText(task.label)
            self.progress.setRange(0, 0)
            self.progress.show()
            self.cancel_button.show()
            self._progress_task = task

    def _task_progress(self, task: Task, done: int, total: int, message: str) -> None:
        if not task.progress:
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} / {total}")
        self.progress.setToolTip(message)

    def _task_finished(self, task: Task) -> None:
        if task.progress and not self.runner.busy():
            self.progress.hide()
            self.cancel_button.hide()
            self.task_label.setText("")

    def cancel_task(self) -> None:
        task = getattr(self, "_progress_task", None)
        if task is not None:
            task.cancel.cancel()
            self.task_label.setText(tr("Cancelling…"))

    def after_write(self) -> None:
        self.refresh_lists()
        if self.current_site_id and not self.any_dirty():
            self.show_site(self.current_site_id)
        self.store_changed.emit()

    # -- reading into the views -----------------------------------------------------------

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

    # -- unsaved edits --------------------------------------------------------------------

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

    # -- creating -------------------------------------------------------------------------

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

    # -- photos ---------------------------------------------------------------------------

    def import_photos(self) -> None:
        paths = Prompts.open_paths(self, tr("Import photos"))
        if paths:
            self.import_paths(paths)  # where they belong is asked, not assumed

    def import_folder(self) -> None:
        folder = Prompts.open_folder(self, tr("Import a folder of photos"))
        if folder is not None:
            self.import_paths([folder])

    def import_paths(self, paths: list[Path], site_id: str | None = None) -> Task | None:
        """Import files and folders on the writer thread, linking nothing; then ask where
        the photos belong (``site_id`` preselected, e.g. the row they were dropped on)."""
        site = self.store.get(site_id)["name"] if site_id else None
        label = tr("Importing for {site}").format(site=site) if site else tr("Importing")

        def done(placement: Placement) -> None:
            # The full summary (every file, the raw report) is built when asked for:
            # for hundreds of photos it is thousands of rows.
            self._import_doc = placement.report
            self.last_report = None
            if not placement.photos or placement.report.get("cancelled"):
                self._open_last_report()
            if placement.photos:
                self.ask_placement(placement, site_id)
            # After a cancelled import the check waits for the next one (it resumes then).
            if not placement.report.get("cancelled") and pending_checks(self.store):
                self.check_photos()

        def cancelled() -> None:
            self.statusBar().showMessage(tr("Import cancelled"), 5000)
            self.apply_changes(Changes(frozenset({"media"})))

        # Not submit(): the import links nothing, so no view but the counts changes yet.
        self._import_task = self.runner.run(
            import_for_placement,
            [Path(p) for p in paths],
            fast_previews=True,
            progress=True,
            label=label,
            on_done=done,
            on_error=self.show_error,
            on_cancelled=cancelled,
        )
        return self._import_task

    def ask_placement(self, placement: Placement, site_id: str | None) -> PlaceDialog:
        case_id = self.current_case_id
        if case_id is None and site_id:
            case_id = placement.sites.get(site_id, {}).get("case_id")
        if case_id is None:
            first = self.store.find("case", limit=1)
            case_id = first[0]["id"] if first else None
        dlg = PlaceDialog(self, placement, site_id=site_id, case_id=case_id)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def placed(where: dict[str, list[str]], new: list[Any]) -> None:
            if not where and not new:
                return
            self.run_op(operations.file_photos, where, new, label=tr("Filing photos"))

        dlg.placed.connect(placed)
        dlg.details_requested.connect(self._open_last_report)
        self.dialogs["place"] = dlg
        dlg.open()
        return dlg

    def check_photos(self) -> Task:
        """The full decode check of photos imported with their embedded preview, in the
        background (fieldkit.thumbnails.check_pending); a broken photo shows at once."""

        def progress(done: int, total: int, message: str) -> None:
            if message.startswith(BROKEN_PREFIX):
                self.statusBar().showMessage(
                    tr("Cannot be decoded: {name}").format(name=message[len(BROKEN_PREFIX) :]),
                    10000,
                )

        def done(report: dict[str, Any]) -> None:
            broken = len(report.get("broken") or [])
            if broken:
                self.statusBar().showMessage(
                    tr("{n} photo(s) cannot be decoded: see their warnings").format(n=broken),
                    10000,
                )

        return self.submit(
            check_pending,
            label=tr("Checking photos"),
            progress=True,
            on_progress=progress,
            on_done=done,
        )

    def open_photo(self, media_id: str) -> PhotoViewer:
        old = self.dialogs.get("viewer")
        if isinstance(old, PhotoViewer):
            with contextlib.suppress(RuntimeError):
                old.close()
        viewer = PhotoViewer(self, self.store, media_id, self.current_site_id)
        viewer.use_position.connect(self.use_photo_position)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["viewer"] = viewer
        viewer.open()
        return viewer

    def _open_last_report(self) -> None:
        if self.last_report is None and self._import_doc is not None:
            self.last_report = import_summary(self, self._import_doc)
        if self.last_report is not None:
            self.last_report.open()

    def use_photo_position(self, site_id: str, media_id: str) -> Task | None:
        """The photo's position for the site: latitude, longitude, altitude, accuracy and
        source (a photo's exif, a video's quicktime) together. Asks first when the site
        already has a position from another source, saying how far apart they are."""
        if (
            site_id == self.current_site_id
            and self.details.dirty
            and not self._confirm_leave(self.details)
        ):
            return None
        from fieldkit.gui.placement import distance_text
        from fieldkit.suggest import haversine_m

        site = self.store.get(site_id, "site")
        m = self.store.get(media_id, "media")
        if m.get("lat") is None:
            return None
        position = {
            "lat": m["lat"],
            "lon": m["lon"],
            "alt": m.get("alt"),
            "position_accuracy_m": m.get("position_accuracy_m"),
            "position_source": m.get("position_source") or "exif",  # a video: quicktime
        }
        if site.get("lat") is not None and (
            site.get("position_source") != position["position_source"]
            or (site["lat"], site["lon"]) != (m["lat"], m["lon"])
        ):
            far = haversine_m(site["lat"], site["lon"], m["lat"], m["lon"])
            source = site.get("position_source") or tr("unknown")
            ok = Prompts.confirm(
                self,
                tr("Replace the site's position?"),
                tr(
                    "“{site}” already has a position ({source}). The photo {photo} was taken "
                    "{far} from it. Replace it with the photo's GPS position, altitude and "
                    "accuracy?"
                ).format(
                    site=site["name"],
                    source=tr(source),
                    photo=m.get("file_name") or "",
                    far=distance_text(far),
                ),
            )
            if not ok:
                return None

        def done(_rec: dict[str, Any]) -> None:
            self.statusBar().showMessage(tr("Position set from the photo"), 5000)

        return self.run_op(
            operations.set_position, site_id, position, label=tr("Saving"), on_done=done
        )

    def open_cameras(self) -> CameraDialog:
        dlg = CameraDialog(self, self.store, self.submit)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["cameras"] = dlg
        dlg.open()
        return dlg

    # drag and drop: onto the window (the current site) or onto a row (that site)
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.site_view.viewport():
            t = event.type()
            if t in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                if event.mimeData().hasUrls():  # type: ignore[attr-defined]
                    event.acceptProposedAction()  # type: ignore[attr-defined]
                    return True
            elif t == QEvent.Type.Drop:
                paths = _local_paths(event)
                index = self.site_view.indexAt(event.position().toPoint())  # type: ignore[attr-defined]
                site_id = index.data(ID_ROLE) if index.isValid() else None
                if paths:
                    event.acceptProposedAction()  # type: ignore[attr-defined]
                    self.import_paths(paths, site_id)
                return True
        return super().eventFilter(obj, event)

    # -- bundles, conflicts, keys ---------------------------------------------------------

    def export_bundle(self) -> None:
        from fieldkit.gui import bundles

        bundles.export_flow(self)

    def import_bundle(self) -> None:
        from fieldkit.gui import bundles

        bundles.import_flow(self)

    def verify_bundle(self) -> None:
        from fieldkit.gui import bundles

        bundles.verify_flow(self)

    def export_gis(self) -> None:
        from fieldkit.gui import outputs

        outputs.gis_flow(self)

    def case_report(self) -> None:
        from fieldkit.gui import outputs

        outputs.report_flow(self)

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

    def open_settings(self) -> SettingsDialog:
        dlg = SettingsDialog(self, Path(self.store.keys_dir))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["settings"] = dlg
        dlg.open()
        return dlg

    def about(self) -> AboutDialog:
        ident = self.store.identity()
        dlg = AboutDialog(self, ident.get("fingerprint") or "", ident.get("email") or "")
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["about"] = dlg
        dlg.open()
        return dlg

    def default_bundle_path(self) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        who = (self.store.identity().get("email") or "fieldkit").split("@")[0]
        return Path.home() / f"fieldkit-{who}-{stamp}"

    # -- settings and closing -------------------------------------------------------------

    def restore_settings(self) -> None:
        s = QSettings()
        geometry = s.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        split = s.value("main/splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)

    def save_settings(self) -> None:
        s = QSettings()
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        s.setValue("main/splitter", self.splitter.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.save_settings()
        self.photos.model.pool.clear()
        self.photos.model.wait_idle(5000)
        QTimer.singleShot(0, lambda: None)
        event.accept()


def _local_paths(event: Any) -> list[Path]:
    return [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
