"""The main window: cases and sites on the left, the site list in the centre, the chosen
site's details on the right. Reads use the UI thread's Store; writes are named operations
(:mod:`fieldkit.gui.operations`) run on the writer thread; each returns what it changed,
and :meth:`MainWindow.apply_changes` refreshes only the views that depend on it.

This module builds the widgets and owns the window's events (drag and drop, closing,
settings). Its jobs live in :mod:`fieldkit.gui.window`: the menu bar
(:mod:`~fieldkit.gui.window.menubar`), running work and undo
(:mod:`~fieldkit.gui.window.running`), what is shown and re-read
(:mod:`~fieldkit.gui.window.browsing`), record and photo actions
(:mod:`~fieldkit.gui.window.records`, :mod:`~fieldkit.gui.window.photos`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
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
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui import menus
from fieldkit.gui.dialogs import ReportDialog
from fieldkit.gui.history import HistoryPane
from fieldkit.gui.i18n import tr
from fieldkit.gui.key_dialogs import AboutDialog, SettingsDialog
from fieldkit.gui.models import ID_ROLE, SiteFilterProxy, SiteTableModel
from fieldkit.gui.panels import FormPane, PhotosPane, RemnantsPane, StatementsPane
from fieldkit.gui.tasks import Task, TaskRunner
from fieldkit.gui.window import menubar
from fieldkit.gui.window.browsing import Browsing
from fieldkit.gui.window.photos import PhotoActions
from fieldkit.gui.window.records import RecordActions
from fieldkit.gui.window.running import Running
from fieldkit.store import Store
from fieldkit.undo import Step


class MainWindow(Running, Browsing, RecordActions, PhotoActions, QMainWindow):
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
        menubar.build(self)
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
        from fieldkit.gui.withdrawals import watch_withdrawals

        watch_withdrawals(self)  # consent withdrawn: name the releases that carried it

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

    # -- bundles, GIS, report, settings and keys -----------------------------------------

    def export_bundle(self) -> None:
        from fieldkit.gui import bundle_export

        bundle_export.export_flow(self)

    def import_bundle(self) -> None:
        from fieldkit.gui import bundle_import

        bundle_import.import_flow(self)

    def verify_bundle(self) -> None:
        from fieldkit.gui import bundle_verify

        bundle_verify.verify_flow(self)

    def export_gis(self) -> None:
        from fieldkit.gui import outputs

        outputs.gis_flow(self)

    def case_report(self) -> None:
        from fieldkit.gui import outputs

        outputs.report_flow(self)

    def open_settings(self) -> SettingsDialog:
        from fieldkit.gui.trust import revoke_flow

        def revoke(fingerprint: str, identity: str, then: Callable[[], None]) -> Any:
            return revoke_flow(self, fingerprint, identity, on_done=lambda _rec: then())

        dlg = SettingsDialog(
            self,
            Path(self.store.keys_dir),
            Path(self.store.home),
            store=self.store,
            on_revoke=revoke,
        )
        if dlg.basemaps is not None and getattr(self, "map_panel", None) is not None:
            dlg.basemaps.changed.connect(self.map_panel.refresh_basemaps)
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
