"""The photos of an import, one row each, for the placement dialog (:mod:`.placement`).

A Qt model whose row texts are computed once per change of target, so a view's paint asks
Python only for a list item (the dialog opens right after an import of hundreds of photos,
while the window must keep answering).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from fieldkit.gui.i18n import tr


def distance_text(metres: float) -> str:
    if metres >= 10_000:
        return tr("{n} km").format(n=f"{metres / 1000:,.0f}")
    if metres >= 1000:
        return tr("{n} km").format(n=f"{metres / 1000:.1f}")
    return tr("{n} m").format(n=f"{metres:.0f}")


ModelIndex = QModelIndex | QPersistentModelIndex
# computed once: Qt flag arithmetic in Python is slow when a view asks for every cell
_PLAIN = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_CHECKABLE = _PLAIN | Qt.ItemFlag.ItemIsUserCheckable
_DISPLAY = Qt.ItemDataRole.DisplayRole
_CHECK = Qt.ItemDataRole.CheckStateRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_CHECKED = Qt.CheckState.Checked
_UNCHECKED = Qt.CheckState.Unchecked
_FAR_COLOUR = QColor("#b3261e")


class PlacementModel(QAbstractTableModel):
    """The photos of a placement, one row each: ticked?, taken, goes to, distance,
    already filed under. The texts of every row are computed once per change of target
    (:meth:`set_targets`), so a view's paint asks Python only for a list item."""

    def __init__(self, photos: list[dict[str, Any]], filed: list[str]) -> None:
        super().__init__()
        self.photos = photos
        self.filed = filed
        self.rows = {p["id"]: i for i, p in enumerate(photos)}
        self.checked = {p["id"]: True for p in photos}
        self.targets: list[tuple[str | None, str, float | None]] = [(None, "", None)] * len(photos)
        self.far: set[str] = set()
        self._texts: list[tuple[str, str, str, str, str]] = []
        self._fill_texts()

    def _fill_texts(self) -> None:
        self._texts = [
            (
                p["file_name"],
                (p["captured_utc"] or "")[:16].replace("T", " "),
                text,
                distance_text(distance) if distance is not None else "",
                filed,
            )
            for p, (_t, text, distance), filed in zip(
                self.photos, self.targets, self.filed, strict=True
            )
        ]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.photos)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return (
                tr("Photo"),
                tr("Taken (UTC)"),
                tr("Goes to"),
                tr("Distance"),
                tr("Already filed under"),
            )[section]
        return None

    def text(self, media_id: str, column: int) -> str:
        return str(self.data(self.index(self.rows[media_id], column)) or "")

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        if role == _DISPLAY:
            return self._texts[index.row()][index.column()] if index.isValid() else None
        if not index.isValid():
            return None
        if role == _CHECK:
            if index.column() != 0:
                return None
            return _CHECKED if self.checked[self.photos[index.row()]["id"]] else _UNCHECKED
        if role == _FOREGROUND:
            return _FAR_COLOUR if self.photos[index.row()]["id"] in self.far else None
        if role == _TOOLTIP and index.column() == 3:
            p = self.photos[index.row()]
            if p["id"] in self.far:
                distance = self.targets[index.row()][2]
                return tr("Taken {d} from the chosen site: is it really from there?").format(
                    d=distance_text(distance or 0)
                )
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return _CHECKABLE if index.column() == 0 else _PLAIN

    def setData(self, index: ModelIndex, value: Any, role: int = 2) -> bool:
        if role == _CHECK and index.column() == 0:
            state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
            self.checked[self.photos[index.row()]["id"]] = state == _CHECKED
            self.dataChanged.emit(index, index, [role])
            return True
        return False

    def set_checked(self, media_id: str, checked: bool) -> None:
        state = _CHECKED if checked else _UNCHECKED
        self.setData(self.index(self.rows[media_id], 0), state, _CHECK)

    def set_targets(
        self, targets: list[tuple[str | None, str, float | None]], far: set[str]
    ) -> None:
        """New targets; photos that became far are unticked, those no longer far ticked."""
        for mid in far - self.far:
            self.checked[mid] = False
        for mid in self.far - far:
            self.checked[mid] = True
        self.targets = targets
        self.far = set(far)
        self._fill_texts()
        if self.photos:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.photos) - 1, 4))
