"""The main window: cases and sites on the left, the site list in the centre, the chosen
site's details on the right. Reads use the UI thread's Store; writes go to the runner."""

from __future__ import annotations

import datetime as dt
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
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.dialogs import (
    AboutDialog,
    ConflictsDialog,
    Prompts,
    ReportDialog,
    SettingsDialog,
    import_summary,
)
from fieldkit.gui.models import ID_ROLE, SiteFilterProxy, SiteTableModel
from fieldkit.gui.panels import FormPane, HistoryPane, PhotosPane, RemnantsPane, StatementsPane
from fieldkit.gui.tasks import Task, TaskRunner
from fieldkit.gui.viewer import CameraDialog, PhotoViewer
from fieldkit.ingest import import_media
from fieldkit.thumbnails import BROKEN_PREFIX, check_pending, pending_checks

CASE_ROLE = ID_ROLE
KIND_ROLE = ID_ROLE + 10


class MainWindow(QMainWindow):
    """One store, one session. ``passphrase`` (bytes) unlocks signing for exports."""

    store_changed = Signal()  # after any write finished: views re-read what they show
    site_selected = Signal(object)  # site id or None

    def __init__(self, store: Any, runner: TaskRunner, passphrase: bytes | None = None) -> None:
        super().__init__()
        self.store = store
        self.runner = runner
        self.passphrase = passphrase
        self.current_case_id: str | None = None
        self.current_site_id: str | None = None
        self.dialogs: dict[str, Any] = {}  # open non-modal dialogs, by name (tests read them)
        self.last_report: ReportDialog | None = None
        self.last_error: Any = None
        self._import_task: Task | None = None
        self._select_guard = False

        self.setWindowTitle(self.tr("FieldKit"))
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
        split.setSizes([230, 470, 580])
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
        tree.setHeaderLabel(self.tr("Cases and sites"))
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
        for col, width in enumerate((170, 130, 130, 80, 90, 80, 120, 60, 60)):
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
        self.filter.setPlaceholderText(self.tr("Filter sites (Ctrl+F)"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.site_proxy.set_text)
        self.new_site_button = QPushButton(self.tr("New site"))
        self.new_site_button.clicked.connect(self.new_site)
        self.site_count = QLabel()
        self.site_count.setObjectName("muted")
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.new_site_button)
        self.centre = QWidget()
        layout = QVBoxLayout(self.centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(view, 1)
        layout.addWidget(self.site_count)

    def _build_right(self) -> None:
        submit = self.submit
        self.details = FormPane("site", submit)
        self.details.saved.connect(self._site_saved)
        self.photos = PhotosPane(self.store)
        self.photos.open_requested.connect(self.open_photo)
        self.photos.import_requested.connect(self.import_photos)
        self.remnants = RemnantsPane(submit, self.store)
        self.statements = StatementsPane(submit, self.store)
        for pane in (self.remnants, self.statements):
            pane.ask_switch = lambda p=pane: self._confirm_leave(p.pane)  # type: ignore[misc]
        self.history = HistoryPane(self.store)
        tabs = QTabWidget()
        tabs.setObjectName("siteTabs")
        tabs.addTab(self.details, self.tr("Details"))
        tabs.addTab(self.photos, self.tr("Photos"))
        tabs.addTab(self.remnants, self.tr("Remnants"))
        tabs.addTab(self.statements, self.tr("Statements"))
        tabs.addTab(self.history, self.tr("History"))
        tabs.currentChanged.connect(lambda _i: self._load_tab())
        self.tabs = tabs

    def _action(self, menu, text: str, slot, shortcut=None, name: str = "") -> QAction:
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
        m = bar.addMenu(self.tr("&File"))
        self._action(m, self.tr("Import &photos…"), self.import_photos, "Ctrl+I", "import_photos")
        self._action(
            m, self.tr("Import a &folder of photos…"), self.import_folder, None, "import_folder"
        )
        m.addSeparator()
        self._action(m, self.tr("&Export bundle…"), self.export_bundle, "Ctrl+E", "export")
        self._action(
            m, self.tr("Import &bundle…"), self.import_bundle, "Ctrl+Shift+I", "import_bundle"
        )
        self._action(m, self.tr("&Verify bundle…"), self.verify_bundle, None, "verify")
        m.addSeparator()
        self._action(m, self.tr("Export for &GIS…"), self.export_gis, None, "export_gis")
        self._action(m, self.tr("Case &report…"), self.case_report, None, "case_report")
        m.addSeparator()
        self._action(
            m,
            self.tr("&Settings and trusted keys…"),
            self.open_settings,
            QKeySequence.StandardKey.Preferences,
            "settings",
        )
        m.addSeparator()
        self._action(m, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit, "quit")
        m = bar.addMenu(self.tr("&Edit"))
        self._action(m, self.tr("&Save"), self.save_current, QKeySequence.StandardKey.Save, "save")
        m.addSeparator()
        self._action(m, self.tr("New &case…"), self.new_case, "Ctrl+Shift+N", "new_case")
        self._action(
            m, self.tr("&New site"), self.new_site, QKeySequence.StandardKey.New, "new_site"
        )
        self._action(m, self.tr("New &remnant"), self.new_remnant, None, "new_remnant")
        self._action(m, self.tr("New s&tatement"), self.new_statement, None, "new_statement")
        m.addSeparator()
        self._action(m, self.tr("&Conflicts…"), self.open_conflicts, None, "conflicts")
        self._action(m, self.tr("Camera c&locks…"), self.open_cameras, None, "cameras")
        m = bar.addMenu(self.tr("&View"))
        self._action(
            m, self.tr("&Filter sites"), self.focus_filter, QKeySequence.StandardKey.Find, "filter"
        )
        self._action(
            m, self.tr("&Refresh"), self.refresh, QKeySequence.StandardKey.Refresh, "refresh"
        )
        m = bar.addMenu(self.tr("&Help"))
        self._action(m, self.tr("&About FieldKit"), self.about, None, "about")
        tb = self.addToolBar(self.tr("Main"))
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in ("new_site", "save", "import_photos", "export", "import_bundle", "conflicts"):
            tb.addAction(self.actions_by_name[name])

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
        self.cancel_button.setText(self.tr("Cancel"))
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
            self.tr("{name} · {fp} · {home}").format(
                name=ident.get("name") or "",
                fp=(ident.get("fingerprint") or "")[:19] + "…",
                home=ident.get("home"),
            )
        )

    # -- tasks --------------------------------------------------------------------------

    def submit(self, fn, *args, label: str = "", on_done=None, on_error=None, **kwargs) -> Task:
        """Run a write (or long work) on the writer thread; refresh the views after it."""

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            self.after_write()

        return self.runner.run(
            fn, *args, label=label, on_done=done, on_error=on_error or self.show_error, **kwargs
        )

    def show_error(self, exc: BaseException) -> None:
        Prompts.error(self, self.tr("FieldKit"), str(exc))

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
            self.task_label.setText(self.tr("Cancelling…"))

    def after_write(self) -> None:
        self.refresh_lists()
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
        n = self.store.count("site")
        shown = self.site_model.rowCount()
        self.site_count.setText(
            self.tr("{shown} of {n} sites loaded").format(shown=shown, n=n)
            if self.site_model.canFetchMore()
            else self.tr("{shown} site(s)").format(shown=shown)
        )
        conflicts = self.store.conflict_count()
        self.conflict_label.setText(
            self.tr("{n} conflict(s) to resolve").format(n=conflicts) if conflicts else ""
        )

    def _fill_tree(self) -> None:
        tree = self.case_tree
        tops = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        expanded = {t.data(0, CASE_ROLE) for t in tops if t is not None and t.isExpanded()}
        tree.blockSignals(True)
        tree.clear()
        all_item = QTreeWidgetItem([self.tr("All sites")])
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
        self.details.setEnabled(site is not None)
        self._loaded_tabs: set[int] = set()
        self._load_tab()
        self.site_selected.emit(site_id)

    def _refresh_case_choices(self) -> None:
        cases = [(c["id"], c["title"]) for c in self.store.find("case", order="title")]
        self.details.form.set_ref_choices("case_id", cases)

    def _load_tab(self) -> None:
        """Only the visible tab reads its data; others wait until they are shown."""
        i = self.tabs.currentIndex()
        if i in getattr(self, "_loaded_tabs", set()):
            return
        self._loaded_tabs = getattr(self, "_loaded_tabs", set()) | {i}
        site = getattr(self, "_site", None)
        widget = self.tabs.widget(i)
        if widget is self.photos:
            self.photos.load(site["id"] if site else None)
        elif widget is self.remnants:
            if not self.remnants.pane.dirty:
                self.remnants.load(site)
        elif widget is self.statements:
            if not self.statements.pane.dirty:
                self.statements.load(site)
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
        what = self.tr("This {kind}").format(kind=self.tr(pane.form.kind.label.lower()))
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

    def new_case(self, title: str | None = None) -> None:
        title = title or Prompts.text(self, self.tr("New case"), self.tr("Title of the case"))
        if not title or not title.strip():
            return

        def done(rec: dict[str, Any]) -> None:
            self.current_case_id = None
            self.set_case(rec["id"])
            self._fill_tree()

        self.submit(
            lambda s: s.create("case", {"title": title.strip(), "status": "open"}),
            label=self.tr("Creating a case"),
            on_done=done,
        )

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

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    # -- photos ---------------------------------------------------------------------------

    def import_photos(self) -> None:
        paths = Prompts.open_paths(self, self.tr("Import photos"))
        if paths:
            self.import_paths(paths, self.current_site_id)

    def import_folder(self) -> None:
        folder = Prompts.open_folder(self, self.tr("Import a folder of photos"))
        if folder is not None:
            self.import_paths([folder], self.current_site_id)

    def import_paths(self, paths: list[Path], site_id: str | None = None) -> Task | None:
        """Import files and folders on the writer thread; a summary when it ends."""
        site = self.store.get(site_id)["name"] if site_id else None
        label = self.tr("Importing into {site}").format(site=site) if site else self.tr("Importing")

        def done(report: Any) -> None:
            doc = report.to_json() if hasattr(report, "to_json") else dict(report)
            self.last_report = import_summary(self, doc)
            self.last_report.open()
            if self.current_site_id:
                self._loaded_tabs = set()
                self._load_tab()
            # After a cancelled import the check waits for the next one (it resumes then).
            if not doc.get("cancelled") and pending_checks(self.store):
                self.check_photos()

        def cancelled() -> None:
            self.statusBar().showMessage(self.tr("Import cancelled"), 5000)
            self.after_write()

        self._import_task = self.submit(
            import_media,
            [Path(p) for p in paths],
            site_id=site_id,
            fast_previews=True,
            progress=True,
            label=label,
            on_done=done,
            on_cancelled=cancelled,
        )
        return self._import_task

    def check_photos(self) -> Task:
        """The full decode check of photos imported with their embedded preview, in the
        background (fieldkit.thumbnails.check_pending); a broken photo shows at once."""

        def progress(done: int, total: int, message: str) -> None:
            if message.startswith(BROKEN_PREFIX):
                self.statusBar().showMessage(
                    self.tr("Cannot be decoded: {name}").format(name=message[len(BROKEN_PREFIX) :]),
                    10000,
                )

        def done(report: dict[str, Any]) -> None:
            broken = len(report.get("broken") or [])
            if broken:
                self.statusBar().showMessage(
                    self.tr("{n} photo(s) cannot be decoded: see their warnings").format(n=broken),
                    10000,
                )

        return self.submit(
            check_pending,
            label=self.tr("Checking photos"),
            progress=True,
            on_progress=progress,
            on_done=done,
        )

    def open_photo(self, media_id: str) -> PhotoViewer:
        viewer = PhotoViewer(self, self.store, media_id, self.current_site_id)
        viewer.use_position.connect(self.use_photo_position)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["viewer"] = viewer
        viewer.open()
        return viewer

    def use_photo_position(
        self, site_id: str, lat: float, lon: float, source: str = "exif"
    ) -> None:
        if (
            site_id == self.current_site_id
            and self.details.dirty
            and not self._confirm_leave(self.details)
        ):
            return
        values = {"lat": lat, "lon": lon, "position_source": source}

        def done(rec: dict[str, Any]) -> None:
            if rec["id"] == self.current_site_id:
                self.details.form.load(rec)
            self.statusBar().showMessage(self.tr("Position set from the photo"), 5000)

        self.submit(lambda s: s.update(site_id, values), label=self.tr("Saving"), on_done=done)

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
            self.import_paths(paths, self.current_site_id)

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
                site_id = index.data(ID_ROLE) if index.isValid() else self.current_site_id
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

            self.submit(
                lambda s: s.resolve(record_id, field, value),
                label=self.tr("Resolving"),
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
