"""The Map view: sites, remnants, photos and footprints on an offline basemap.

A thin face on :mod:`fieldkit.map` (the core reads the layers, draws tiles, measures),
in modules by job:

- this module: :class:`MapPanel`, the map with its toolbar (modes, case and time
  filter, basemap, zoom to case or site, photos within N m); it reads the layers off
  the UI thread (:func:`fieldkit.gui.maptiles.load_layers`) and shows them when ready;
- :mod:`fieldkit.gui.mapcanvas`: the canvas (view, frames of cached tiles);
- :mod:`fieldkit.gui.maplayers`: the layers painted into overlay tiles;
- :mod:`fieldkit.gui.maptools`: browse, place, move and measure (mouse and keys);
- :mod:`fieldkit.gui.maptiles`: basemap tiles, the read and footprints off the UI thread;
- :mod:`fieldkit.gui.mapcontrol`: the hook in the main window and the tools' writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.i18n import tr
from fieldkit.gui.mapcanvas import MapView
from fieldkit.gui.maptiles import (
    FIT_MAX_ZOOM,
    Pool,
    ResultSignals,
    compute_footprints,
    load_layers,
)
from fieldkit.gui.maptools import distance_text
from fieldkit.map.basemaps import BUILTIN_NAME, Registry
from fieldkit.map.layers import MapFilter, load_map_data, photos_near


class MapPanel(QWidget):
    """The map with its tools: modes, case and time filter, basemap, zoom, measure."""

    status_changed = Signal(str)

    def __init__(self, store: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapPanel")
        self.store = store
        self.view = MapView(self)
        self.filter = MapFilter()
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status_changed.connect(self.status.setText)

        self.modes = QButtonGroup(self)
        self.modes.setExclusive(True)
        self.mode_buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for mode, text, tip in (
            ("browse", tr("Browse"), tr("Click selects, drag pans, wheel zooms")),
            ("place", tr("Place site"), tr("Click to place a new site")),
            ("move", tr("Move"), tr("Drag a site or a remnant to its position")),
            ("measure", tr("Measure"), tr("Click points; right-click clears")),
        ):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.setObjectName(f"mapMode_{mode}")
            self.modes.addButton(b)
            self.mode_buttons[mode] = b
            b.toggled.connect(lambda on, m=mode: self._mode_toggled(on, m))
            bar.addWidget(b)
        self.mode_buttons["browse"].setChecked(True)
        self.case_box = QComboBox()
        self.case_box.setObjectName("mapCase")
        self.case_box.currentIndexChanged.connect(lambda _i: self._filter_changed())
        self.case_box.setMinimumContentsLength(18)
        self.case_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        bar.addWidget(self.case_box)
        self.start_edit = QLineEdit()
        self.end_edit = QLineEdit()
        for edit, hint in (
            (self.start_edit, tr("from (UTC)")),
            (self.end_edit, tr("to")),
        ):
            edit.setPlaceholderText(hint)
            edit.setToolTip(tr("Incident time window, ISO 8601 (e.g. 2020-10-04T00:00Z)"))
            edit.setMaximumWidth(130)
            edit.editingFinished.connect(self._filter_changed)
            bar.addWidget(edit)
        self.basemap_box = QComboBox()
        self.basemap_box.setObjectName("mapBasemap")
        self.basemap_box.activated.connect(lambda _i: self._basemap_chosen())
        bar.addWidget(self.basemap_box)
        add = QToolButton()
        add.setText(tr("Add…"))
        add.setToolTip(tr("Add an MBTiles or PMTiles basemap (it stays where it is)"))
        add.clicked.connect(self.add_basemap)
        bar.addWidget(add)
        bar.addStretch(1)

        tools = QHBoxLayout()
        tools.setContentsMargins(4, 0, 4, 2)
        for text, slot, name in (
            (tr("Zoom to case"), self.zoom_to_case, "mapZoomCase"),
            (tr("Zoom to site"), self.zoom_to_site, "mapZoomSite"),
        ):
            b = QToolButton()
            b.setText(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            tools.addWidget(b)
        tools.addWidget(QLabel(tr("Photos within")))
        self.radius = QSpinBox()
        self.radius.setRange(1, 100_000)
        self.radius.setValue(50)
        self.radius.setSuffix(" m")
        tools.addWidget(self.radius)
        near = QToolButton()
        near.setText(tr("of this site"))
        near.setObjectName("mapPhotosNear")
        near.clicked.connect(lambda: self.photos_near())
        tools.addWidget(near)
        tools.addWidget(self.status, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        self.view.measured.connect(
            lambda m: self.status_changed.emit(tr("Measured: {d}").format(d=distance_text(m)))
        )
        self.footprint_pool = Pool(1)
        self._footprint_generation = 0
        self._footprint_signals = ResultSignals()
        self._footprint_signals.done.connect(self._footprints_done)
        self.load_pool = Pool(1)
        self._load_generation = 0
        self._load_signals = ResultSignals()
        self._load_signals.done.connect(self._layers_read)
        self.basemap_name = BUILTIN_NAME  # the basemap in use
        self.loaded = False  # the layers are read when the map is first shown
        self.loading = False  # a read is under way (off the UI thread)
        self._fit_when_read = False
        self._load_shown: frozenset[str] = frozenset()  # the layers the read paints

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.load()

    def load(self) -> None:
        """Read everything the first time (the map costs nothing until it is shown);
        the basemap shows at once, the layers when read, then the map fits the case."""
        self.loaded = True
        self.refresh_basemaps()
        self.refresh_cases()
        self._fit_when_read = True
        self.reload()

    def wait_loaded(self, msecs: int = 30000) -> bool:
        """Wait for the layers' read and their footprints (tests, benchmarks)."""
        ok = self.load_pool.wait(msecs)
        return self.footprint_pool.wait(msecs) and ok and not self.loading

    def _footprints_done(self, generation: int, footprints: list[dict[str, Any]]) -> None:
        if generation == self._footprint_generation:
            self.view.set_footprints(footprints)

    # -- data ------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the layers for the current filter (after a write, or a filter change).

        The read runs on a thread with its own connection; the map keeps showing what it
        had until the new layers arrive (a newer read supersedes an older one).
        Footprints are then computed on another thread and appear when ready.
        """
        self._load_generation += 1
        self.loading = True
        size = (self.view.width(), self.view.height()) if self._fit_when_read else None
        self._load_shown = frozenset(self.view.layers)
        self.load_pool.start(
            load_layers,
            self.store.home,
            getattr(self.store, "secrets", None),
            self.filter,
            self._load_generation,
            self._load_signals,
            size,
            self._load_shown,
        )

    def _layers_read(self, generation: int, result: Any) -> None:
        if generation != self._load_generation:
            return  # superseded by a newer read
        if isinstance(result, tuple) and result[0] == "footprints":
            self.view.set_footprints(result[1])  # computed after the points were shown
            return
        self.loading = False
        if isinstance(result, Exception):
            self.status_changed.emit(tr("The map could not read the records: {e}").format(e=result))
            return
        data, state, fitted, tiles = result
        self.view.set_data(data, state)
        self._footprint_generation += 1
        if data.footprint_input and not data.footprints_computed:
            self.footprint_pool.start(
                compute_footprints,
                list(data.footprint_input),
                self._footprint_generation,
                self._footprint_signals,
            )
        if self._fit_when_read:
            self._fit_when_read = False
            same_size = fitted is not None and (fitted.width, fitted.height) == (
                max(self.view.width(), 64),
                max(self.view.height(), 64),
            )
            if fitted is not None and same_size:  # fitted with the read, off the UI thread
                # with its overlay tiles painted there too (or kept from the last time)
                if self._load_shown == frozenset(self.view.layers):
                    self.view.preload_overlay(fitted.zoom, tiles)
                self.view.set_center(fitted.lat, fitted.lon, max(1, fitted.zoom))
            else:  # the canvas was resized meanwhile (a dock's first layout)
                self.zoom_to_case()
        if self.filter.has_window and data.unknown_time:
            self.status_changed.emit(
                tr("{n} site(s) without an incident time are not shown").format(n=data.unknown_time)
            )

    def refresh_cases(self) -> None:
        keep = self.case_box.currentData()
        self.case_box.blockSignals(True)
        self.case_box.clear()
        self.case_box.addItem(tr("All cases"), None)
        for case in self.store.find("case", order="title"):
            self.case_box.addItem(case["title"], case["id"])
        index = self.case_box.findData(keep)
        self.case_box.setCurrentIndex(max(0, index))
        self.case_box.blockSignals(False)

    def set_case(self, case_id: str | None) -> None:
        index = self.case_box.findData(case_id)
        if index >= 0 and index != self.case_box.currentIndex():
            self.case_box.setCurrentIndex(index)

    def _filter_changed(self) -> None:
        from fieldkit.records import parse_datetime_utc

        window: list[str | None] = []
        for edit in (self.start_edit, self.end_edit):
            text = edit.text().strip()
            try:
                window.append(parse_datetime_utc(text) if text else None)
                edit.setStyleSheet("")
            except ValueError as exc:
                edit.setStyleSheet("background: #fdd")
                self.status_changed.emit(str(exc))
                return
        self.filter = MapFilter(case_id=self.case_box.currentData(), start=window[0], end=window[1])
        self.reload()

    def refresh_basemaps(self) -> None:
        """Read the basemap list again (after Settings or the toolbar changed it); a
        basemap in use that was removed gives way to the shipped base."""
        self.basemap_box.blockSignals(True)
        self.basemap_box.clear()
        names = []
        for info in Registry(self.store.home).describe():
            label = info.name + (tr(" (file missing)") if info.missing else "")
            self.basemap_box.addItem(label, info.name)
            names.append(info.name)
        current = self.basemap_name if self.basemap_name in names else BUILTIN_NAME
        self.basemap_box.setCurrentIndex(max(0, self.basemap_box.findData(current)))
        self.basemap_box.blockSignals(False)
        if current != self.basemap_name:
            self.use_basemap(None)

    def _basemap_chosen(self) -> None:
        self.use_basemap(self.basemap_box.currentData())

    def use_basemap(self, name: str | None) -> None:
        from fieldkit.errors import MapError

        try:
            source, notices = Registry(self.store.home).open(name)
        except MapError as exc:
            self.status_changed.emit(str(exc))
            return
        self.view.set_source(source)
        self.basemap_name = name or BUILTIN_NAME
        index = self.basemap_box.findData(name or BUILTIN_NAME)
        if index >= 0:
            self.basemap_box.setCurrentIndex(index)
        self.status_changed.emit(" ".join(notices))

    def add_basemap(self) -> None:
        from fieldkit.errors import MapError
        from fieldkit.gui.dialogs import Prompts

        path = Prompts.open_file(self, tr("Add a basemap"), tr("Basemaps (*.mbtiles *.pmtiles)"))
        if path is None:
            return
        try:
            info = Registry(self.store.home).add(Path(path))
        except MapError as exc:
            Prompts.error(self, tr("Basemap"), str(exc))
            return
        self.refresh_basemaps()
        self.use_basemap(info.name)
        if info.bounds:
            west, south, east, north = info.bounds
            self.view.fit([(south, west), (north, east)], max_zoom=info.max_zoom or 18)

    # -- tools -------------------------------------------------------------------------

    def _mode_toggled(self, on: bool, mode: str) -> None:
        if on:
            self.set_mode(mode)

    def set_mode(self, mode: str) -> None:
        """browse, place, move or measure (the buttons above the map)."""
        self.view.mode = mode
        button = self.mode_buttons[mode]
        if not button.isChecked():
            button.setChecked(True)
        cursor = {
            "browse": Qt.CursorShape.OpenHandCursor,
            "place": Qt.CursorShape.CrossCursor,
            "move": Qt.CursorShape.SizeAllCursor,
            "measure": Qt.CursorShape.CrossCursor,
        }[mode]
        self.view.setCursor(cursor)
        if mode != "measure":
            self.view.measure = []
            self.view.update()

    def select_site(self, site_id: str | None) -> None:
        """Show the window's selection: highlight the site and bring it into view (only
        when the selection changes: a refresh must not undo the user's panning)."""
        changed = site_id != self.view.selected_site
        self.view.selected_site = site_id
        if changed:
            self.view.highlighted = set()
        if changed and site_id and site_id in self.view.state.index("sites"):
            i = self.view.state.index("sites")[site_id]
            lat, lon = float(self.view.data.sites.lat[i]), float(self.view.data.sites.lon[i])
            pt = self.view.pixel_of(lat, lon)
            if not self.view.rect().adjusted(20, 20, -20, -20).contains(pt.toPoint()):
                self.view.set_center(lat, lon)
        self.view.update()

    def zoom_to_case(self) -> None:
        self.view.fit(self.view.data.positions(), max_zoom=FIT_MAX_ZOOM)

    def zoom_to_site(self) -> None:
        site_id = self.view.selected_site
        if not site_id:
            self.status_changed.emit(tr("Select a site first"))
            return
        data = load_map_data(self.store, MapFilter(site_id=site_id))
        positions = data.positions(("sites", "remnants", "footprints"))
        if not len(positions):
            self.status_changed.emit(tr("This site has no position yet"))
            return
        self.view.fit(positions, max_zoom=18)

    def photos_near(self, metres: float | None = None) -> list[tuple[str, float]]:
        """Photos within ``metres`` (default: the spin box) of the selected site; they are
        ringed on the map. Returns (media id, metres), nearest first."""
        site_id = self.view.selected_site
        metres = float(self.radius.value() if metres is None else metres)
        if not site_id:
            self.status_changed.emit(tr("Select a site first"))
            return []
        site = self.store.get(site_id, "site")
        if site.get("lat") is None:
            self.status_changed.emit(tr("This site has no position yet"))
            return []
        found = photos_near(self.store, site["lat"], site["lon"], metres)
        self.view.highlighted = {mid for mid, _d in found}
        self.view.update()
        self.status_changed.emit(
            tr("{n} photo(s) within {m:g} m of {site}").format(
                n=len(found), m=metres, site=site.get("name") or ""
            )
        )
        return found


# the hook in the main window (imported here so ``fieldkit.gui.mapview`` stays the entry)
from fieldkit.gui.mapcontrol import MapController, install_map  # noqa: E402

__all__ = ["MapController", "MapPanel", "MapView", "install_map"]
