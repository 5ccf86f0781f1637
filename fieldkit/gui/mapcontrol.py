"""The Map view in the main window: selection both ways, and the tools' writes.

:class:`MapController` turns the canvas's signals into operations on the window's writer
thread (a new site, a moved site or remnant: ordinary journal events with position
source ``map``; a question first before replacing a position from GPS or typed by
hand), and re-reads the layers after every write. :func:`install_map` adds the panel to
the window as a dock (the only hook there).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolBar

from fieldkit.gui.i18n import tr
from fieldkit.gui.mapview import MapPanel
from fieldkit.map.geo import metres_per_pixel

GPS_OR_TYPED = ("exif", "device", "manual", "xmp", "track")


# --- the hook in the main window -----------------------------------------------------------


def _create_site(store: Any, values: dict[str, Any]) -> dict[str, Any]:
    return store.create("site", values)


def _move(store: Any, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
    return store.update(record_id, values)


class MapController(QObject):
    """Connects a :class:`MapPanel` to the main window: selection both ways, writes on
    the window's writer thread, reloads after every write."""

    def __init__(self, window: Any, panel: MapPanel) -> None:
        super().__init__(window)
        self.window = window
        self.panel = panel
        view = panel.view
        view.site_activated.connect(self.select_in_window)
        view.remnant_activated.connect(lambda _rid, sid: self.select_in_window(sid))
        view.place_requested.connect(self.place_site)
        view.move_requested.connect(self.move_record)
        window.site_selected.connect(self._window_selected)
        window.store_changed.connect(self._store_changed)
        self._window_selected(getattr(window, "current_site_id", None))

    def select_in_window(self, site_id: str) -> None:
        if self.window.select_site(site_id):
            self.panel.select_site(site_id)

    def _window_selected(self, site_id: str | None) -> None:
        if site_id and self.panel.filter.case_id:
            case_id = self.window.store.get(site_id, "site").get("case_id")
            if case_id != self.panel.filter.case_id:
                self.panel.set_case(case_id)
        self.panel.select_site(site_id)

    def _store_changed(self) -> None:
        if not self.panel.loaded:
            return
        self.panel.refresh_cases()
        self.panel.reload()
        self.panel.view.selected_site = getattr(self.window, "current_site_id", None)

    def _accuracy(self) -> float:
        v = self.panel.view
        return round(max(1.0, 2 * metres_per_pixel(v.center()[0], v.zoom)), 1)

    def place_site(self, lat: float, lon: float) -> None:
        """A new site where the click was (source ``map``), in the map's or window's case."""
        case_id = self.panel.filter.case_id or getattr(self.window, "current_case_id", None)
        if not case_id:
            cases = self.window.store.find("case")
            if len(cases) != 1:
                self.panel.status_changed.emit(tr("Choose a case in the map's case list first"))
                return
            case_id = cases[0]["id"]
        if not self.window.maybe_save():
            return
        values = {
            "case_id": case_id,
            "name": tr("New site on the map"),
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "position_source": "map",
            "position_accuracy_m": self._accuracy(),
        }

        def done(record: dict[str, Any]) -> None:
            self.panel.set_mode("browse")
            self.window.select_site(record["id"])
            self.panel.status_changed.emit(tr("Site placed: name it in Details"))

        self.window.submit(_create_site, values, label=tr("Place site"), on_done=done)

    def move_record(self, kind: str, record_id: str, lat: float, lon: float) -> None:
        """Move a site or remnant (source ``map``); asks before replacing a GPS or typed
        position."""
        from fieldkit.gui.dialogs import Prompts

        record = self.window.store.get(record_id)
        source = record.get("position_source")
        if record.get("lat") is not None and source in GPS_OR_TYPED:
            how = (
                tr("from GPS")
                if source in ("exif", "device", "track", "xmp")
                else tr("typed by hand")
            )
            ok = Prompts.confirm(
                self.window,
                tr("Replace the position?"),
                tr(
                    "This {kind}'s position was {how} ({lat:.6f}, {lon:.6f}). Replace it "
                    "with the position on the map ({nlat:.6f}, {nlon:.6f})?"
                ).format(
                    kind=kind, how=how, lat=record["lat"], lon=record["lon"], nlat=lat, nlon=lon
                ),
            )
            if not ok:
                self.panel.view.update()
                return
        values = {
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "position_source": "map",
            "position_accuracy_m": self._accuracy(),
        }

        def done(_record: dict[str, Any]) -> None:
            # shown at once; the layers are re-read off the UI thread after the write
            self.panel.view.move_point(kind, record_id, round(lat, 7), round(lon, 7))
            if not self.window.any_dirty():
                self.window.refresh()
            self.panel.status_changed.emit(tr("Moved; the change is in the journal"))

        self.window.submit(_move, record_id, values, label=tr("Move"), on_done=done)


def install_map(window: Any) -> MapPanel:
    """Add the Map view to the main window as a dock under the lists, hidden until asked
    for (View ▸ Map, Ctrl+M, or Map on the toolbar): it reads its layers when first shown,
    so a window that never shows it pays nothing."""
    panel = MapPanel(window.store)
    dock = QDockWidget(tr("Map"), window)
    dock.setObjectName("mapDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    action = dock.toggleViewAction()
    action.setText(tr("&Map"))
    action.setObjectName("map")
    action.setShortcut(QKeySequence("Ctrl+M"))
    toolbar = window.findChild(QToolBar, "mainToolbar")
    if toolbar is not None:
        toolbar.addAction(action)
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    view_menu = next((m for m in menus if m.objectName() == "viewMenu"), None)
    if view_menu is None and len(menus) >= 3:
        view_menu = menus[2]
    if view_menu is not None:
        view_menu.addAction(action)
    window.map_dock = dock
    window.map_controller = MapController(window, panel)

    def shown(visible: bool) -> None:  # half of the window's height for the map
        if visible and dock.height() < 250:
            window.resizeDocks([dock], [max(300, window.height() // 2)], Qt.Orientation.Vertical)
            QTimer.singleShot(0, panel.zoom_to_case)

    dock.visibilityChanged.connect(shown)
    return panel
