"""What the main window's parts may use of each other, declared once for the type checker.

The parts (:mod:`.menubar`, :mod:`.running`, :mod:`.browsing`, :mod:`.records`,
:mod:`.photos`) are mixins of :class:`fieldkit.gui.mainwindow.MainWindow`; each names
:class:`WindowParts` as its base only while type checking (at run time their base is
``object``), so a part reads the window's widgets and calls another part's methods with
their real types. Nothing here runs: :class:`MainWindow` builds the widgets and the parts
define the methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
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
    QWidget,
)

from fieldkit.gui.dialogs import ReportDialog
from fieldkit.gui.history import HistoryPane
from fieldkit.gui.models import SiteFilterProxy, SiteTableModel
from fieldkit.gui.operations import Changes, OpResult
from fieldkit.gui.panels import FormPane, PhotosPane, RemnantsPane, StatementsPane
from fieldkit.gui.tasks import Task, TaskRunner
from fieldkit.gui.viewer import PhotoViewer
from fieldkit.store import Store
from fieldkit.undo import Step


class WindowParts(QMainWindow):
    """The main window as its parts see it: state, widgets and the methods they share."""

    # signals (fieldkit.gui.mainwindow.MainWindow)
    store_changed: SignalInstance
    changes_applied: SignalInstance
    site_selected: SignalInstance

    # state
    store: Store
    runner: TaskRunner
    passphrase: bytes | None
    current_case_id: str | None
    current_site_id: str | None
    dialogs: dict[str, Any]
    last_report: ReportDialog | None
    last_error: Any
    last_menu: QMenu | None
    last_export: dict[str, Any] | None
    last_output: dict[str, Any] | None
    undo_stack: list[tuple[str, tuple[Step, ...]]]
    include_retracted: bool
    _import_task: Task | None
    _import_doc: dict[str, Any] | None
    _select_guard: bool
    _site: dict[str, Any] | None
    _loaded_tabs: set[int]

    # widgets
    case_tree: QTreeWidget
    centre: QStackedWidget
    welcome: QWidget
    first_case_button: QPushButton
    site_model: SiteTableModel
    site_proxy: SiteFilterProxy
    site_view: QTableView
    filter: QLineEdit
    new_site_button: QPushButton
    site_count: QLabel
    tabs: QTabWidget
    details: FormPane
    photos: PhotosPane
    remnants: RemnantsPane
    statements: StatementsPane
    history: HistoryPane
    splitter: QSplitter
    actions_by_name: dict[str, QAction]
    file_menu: QMenu
    edit_menu: QMenu
    search_box: QLineEdit
    who: QLabel
    conflict_label: QLabel
    progress: QProgressBar
    cancel_button: QToolButton
    task_label: QLabel

    # methods one part calls on another (defined by the parts)
    def run_op(
        self,
        op: Callable[..., OpResult],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        raise NotImplementedError

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Task:
        raise NotImplementedError

    def show_error(self, exc: BaseException) -> None:
        raise NotImplementedError

    def apply_changes(self, changes: Changes) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def refresh_lists(self) -> None:
        raise NotImplementedError

    def select_site(self, site_id: str | None) -> bool:
        raise NotImplementedError

    def show_site(self, site_id: str | None) -> None:
        raise NotImplementedError

    def set_case(self, case_id: str | None) -> None:
        raise NotImplementedError

    def any_dirty(self) -> bool:
        raise NotImplementedError

    def maybe_save(self) -> bool:
        raise NotImplementedError

    def _confirm_leave(self, pane: FormPane) -> bool:
        raise NotImplementedError

    def _fill_tree(self) -> None:
        raise NotImplementedError

    def _load_tab(self) -> None:
        raise NotImplementedError

    def _refresh_case_choices(self) -> None:
        raise NotImplementedError

    def _select_in_table(self, site_id: str | None) -> None:
        raise NotImplementedError

    def _table_chosen(self, current: QModelIndex, previous: QModelIndex) -> None:
        raise NotImplementedError

    def edit_case(self) -> Any:
        raise NotImplementedError

    def new_case(self) -> Any:
        raise NotImplementedError

    def open_photo(self, media_id: str) -> PhotoViewer:
        raise NotImplementedError

    def import_paths(self, paths: list[Any], site_id: str | None = None) -> Task | None:
        raise NotImplementedError
