"""The menu bar and the toolbar: every named action (``win.actions_by_name``) with its
shortcut, and the search box. What an action does lives with its job (records, photos,
bundles); this module only lays the actions out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLineEdit,
    QMenu,
    QSizePolicy,
    QWidget,
)

from fieldkit.gui import geotag, menus, release, trust
from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow


def _action(
    win: MainWindow,
    menu: QMenu,
    text: str,
    slot: Callable[[], Any],
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    name: str = "",
) -> QAction:
    act = QAction(text, win)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.triggered.connect(lambda _checked=False: slot())
    act.setObjectName(name or text)
    menu.addAction(act)
    win.actions_by_name[name] = act
    return act


def build(win: MainWindow) -> None:
    """Lay out the menu bar and the toolbar of ``win`` (at construction)."""
    win.actions_by_name = {}
    bar = win.menuBar()
    m = bar.addMenu(tr("&File"))
    win.file_menu = m
    _action(win, m, tr("New &case…"), win.new_case, "Ctrl+Shift+N", "new_case")
    m.addSeparator()
    _action(win, m, tr("Import &photos…"), win.import_photos, "Ctrl+I", "import_photos")
    _action(win, m, tr("Import a &folder of photos…"), win.import_folder, None, "import_folder")
    m.addSeparator()
    _action(win, m, tr("&Export bundle…"), win.export_bundle, "Ctrl+E", "export")
    _action(win, m, tr("Import &bundle…"), win.import_bundle, "Ctrl+Shift+I", "import_bundle")
    _action(win, m, tr("&Verify bundle…"), win.verify_bundle, None, "verify")
    m.addSeparator()
    _action(win, m, tr("Export for &GIS…"), win.export_gis, None, "export_gis")
    _action(win, m, tr("Case &report…"), win.case_report, None, "case_report")
    _action(
        win, m, tr("Public re&lease…"), lambda: release.release_flow(win), None, "public_release"
    )
    m.addSeparator()
    _action(
        win,
        m,
        tr("&Settings and trusted keys…"),
        win.open_settings,
        QKeySequence.StandardKey.Preferences,
        "settings",
    )
    m.addSeparator()
    _action(win, m, tr("&Quit"), win.close, QKeySequence.StandardKey.Quit, "quit")
    m = bar.addMenu(tr("&Edit"))
    win.edit_menu = m
    undo = _action(win, m, tr("&Undo"), win.undo, QKeySequence.StandardKey.Undo, "undo")
    undo.setEnabled(False)
    m.addSeparator()
    _action(win, m, tr("&Save"), win.save_current, QKeySequence.StandardKey.Save, "save")
    m.addSeparator()
    _action(win, m, tr("Edit the c&ase…"), win.edit_case, None, "edit_case")
    _action(win, m, tr("&New site"), win.new_site, QKeySequence.StandardKey.New, "new_site")
    _action(win, m, tr("New &remnant"), win.new_remnant, None, "new_remnant")
    _action(win, m, tr("New s&tatement"), win.new_statement, None, "new_statement")
    m.addSeparator()
    _action(
        win, m, tr("&Merge this site into another…"), lambda: menus.merge_site(win), None, "merge"
    )
    m.addSeparator()
    _action(win, m, tr("&Conflicts…"), win.open_conflicts, None, "conflicts")
    _action(win, m, tr("Changes to re&view…"), lambda: trust.reviews_flow(win), None, "reviews")
    _action(win, m, tr("Camera c&locks…"), win.open_cameras, None, "cameras")
    _action(
        win,
        m,
        tr("Positions from a GPS &track…"),
        lambda: geotag.geotag_flow(win),
        None,
        "geotag",
    )
    m = bar.addMenu(tr("&View"))
    _action(win, m, tr("&Filter sites"), win.focus_filter, QKeySequence.StandardKey.Find, "filter")
    _action(win, m, tr("&Search everything…"), win.focus_search, "Ctrl+Shift+F", "search")
    shown = _action(
        win, m, tr("Show &retracted records"), win.toggle_retracted, None, "show_retracted"
    )
    shown.setCheckable(True)
    _action(win, m, tr("&Refresh"), win.refresh, QKeySequence.StandardKey.Refresh, "refresh")
    m = bar.addMenu(tr("&Help"))
    _action(win, m, tr("&About FieldKit"), win.about, None, "about")
    tb = win.addToolBar(tr("Main"))
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
        tb.addAction(win.actions_by_name[name])
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tb.addWidget(spacer)
    win.search_box = QLineEdit()
    win.search_box.setObjectName("searchBox")
    win.search_box.setPlaceholderText(tr("Search everything (Ctrl+Shift+F)"))
    win.search_box.setClearButtonEnabled(True)
    win.search_box.setMaximumWidth(280)
    win.search_box.returnPressed.connect(lambda: win.search(win.search_box.text()))
    tb.addWidget(win.search_box)
