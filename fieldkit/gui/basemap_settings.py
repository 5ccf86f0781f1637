"""Basemaps in Settings: the list with what each file holds, add a file, remove one.

The same registry as ``fieldkit basemap add/list/remove`` (:class:`fieldkit.map.Registry`,
``basemaps.json`` in the store folder, a setting of this laptop): files are referenced
where they lie, never copied; removing one forgets it and leaves the file alone. A file
that is gone (an unplugged disk) is listed with a notice, not an error.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.map.basemaps import BUILTIN_NAME, BasemapInfo, Registry
from fieldkit.safetext import escape

COLUMNS = ("name", "format", "tiles", "zooms", "bounds", "file")


def _bounds_text(info: BasemapInfo) -> str:
    if not info.bounds:
        return tr("not stated")
    west, south, east, north = info.bounds
    return f"{west:.3f}, {south:.3f} → {east:.3f}, {north:.3f}"


class BasemapSettings(QWidget):
    """The basemap list of a store (its folder ``home``)."""

    changed = Signal()  # a basemap was added or removed (the map's list follows)

    def __init__(self, home: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("basemapSettings")
        self.registry = Registry(home)
        info = QLabel(
            tr(
                "Raster MBTiles and PMTiles files prepared before you leave (QGIS, "
                "gdal_translate, a tile downloader). They stay where they are: FieldKit "
                "remembers where. The shipped Natural Earth base is always there."
            )
        )
        info.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("basemapTable")
        self.table.setHorizontalHeaderLabels(
            [tr("Name"), tr("Format"), tr("Tiles"), tr("Zooms"), tr("Bounds (W, S → E, N)"),
             tr("File")]
        )  # fmt: skip
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.add_button = QPushButton(tr("Add a basemap file…"))
        self.add_button.setObjectName("basemapAdd")
        self.add_button.clicked.connect(lambda: self.add_file())
        self.remove_button = QPushButton(tr("Remove"))
        self.remove_button.setObjectName("basemapRemove")
        self.remove_button.setToolTip(tr("Forget this basemap; the file is left where it is"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.infos: list[BasemapInfo] = []
        self.reload()

    def reload(self) -> None:
        """Read the list again (each file is opened to say what it holds)."""
        self.infos = self.registry.describe()
        self.table.setRowCount(len(self.infos))
        for r, info in enumerate(self.infos):
            builtin = info.name == BUILTIN_NAME
            zooms = (
                f"{info.min_zoom}–{info.max_zoom}"
                if info.min_zoom is not None and info.max_zoom is not None
                else "?"
            )
            cells = (
                info.name + ("  " + tr("(file missing)") if info.missing else ""),
                tr("shipped (vectors)") if builtin else info.format,
                info.tile_format or "?",
                tr("all") if builtin else zooms,
                _bounds_text(info),
                tr("(shipped with FieldKit)") if builtin else escape(info.path or ""),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if info.missing or info.notice:
                    item.setToolTip(escape(info.notice or ""))
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        self._selection_changed()

    def selected(self) -> BasemapInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.infos[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        for r, info in enumerate(self.infos):
            if info.name == name:
                self.table.selectRow(r)

    def _selection_changed(self) -> None:
        info = self.selected()
        self.remove_button.setEnabled(info is not None and info.name != BUILTIN_NAME)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def add_file(self, path: Path | None = None, name: str | None = None) -> BasemapInfo | None:
        """Register an MBTiles or PMTiles file (it is checked first: a vector or damaged
        file is refused with the reason)."""
        from fieldkit.errors import MapError

        path = path or Prompts.open_file(
            self, tr("Add a basemap"), tr("Basemaps (*.mbtiles *.pmtiles)")
        )
        if path is None:
            return None
        try:
            info = self.registry.add(Path(path), name)
        except (MapError, OSError) as exc:
            self._show(escape(str(exc)))
            return None
        self.reload()
        self.select(info.name)
        self._show(tr("Added {name}: the file stays where it is").format(name=info.name))
        self.changed.emit()
        return info

    def remove_selected(self) -> None:
        from fieldkit.errors import MapError

        info = self.selected()
        if info is None or info.name == BUILTIN_NAME:
            return
        try:
            self.registry.remove(info.name)
        except MapError as exc:
            self._show(escape(str(exc)))
            return
        self.reload()
        self._show(tr("Removed {name}; the file was left where it is").format(name=info.name))
        self.changed.emit()
