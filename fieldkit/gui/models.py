"""Qt models over the store's tables, for display only (the UI thread's own connection).

They read small pages with plain SELECTs on the projection tables; they never write.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from fieldkit import thumbnails

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
ModelIndex = QModelIndex | QPersistentModelIndex


def tr(text: str) -> str:
    return QCoreApplication.translate("Models", text)


class SiteTableModel(QAbstractTableModel):
    """The sites of one case (or all), fetched in pages as the view scrolls."""

    PAGE = 2000
    COLUMNS = (
        ("name", "Name"),
        ("other_names", "Other names"),
        ("neighbourhood", "Neighbourhood"),
        ("site_type", "Kind"),
        ("visited_on", "Visited"),
        ("access", "Access"),
        ("military_objects", "Military objects"),
        ("killed", "Killed"),
        ("injured", "Injured"),
    )

    def __init__(self, store: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.case_id: str | None = None
        self.rows: list[tuple[Any, ...]] = []
        self._after: tuple[str, str] | None = None
        self._more = False
        self._fetching = False

    # -- loading ----------------------------------------------------------------------

    def set_store(self, store: Any) -> None:
        self.store = store
        self.reload()

    def set_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = []
        self._after = None
        self._more = self.store is not None
        self.endResetModel()
        if self._more:
            self.fetchMore(QModelIndex())

    def _page(self) -> list[tuple[Any, ...]]:
        cols = ", ".join(f"[{c}]" for c, _ in self.COLUMNS)
        sql = f"SELECT id, {cols}, _conflict, _hlc FROM sites WHERE _retracted = 0"
        params: list[Any] = []
        if self.case_id:
            sql += " AND case_id = ?"
            params.append(self.case_id)
        if self._after is not None:
            sql += " AND (_hlc, id) > (?, ?)"
            params.extend(self._after)
        sql += f" ORDER BY _hlc, id LIMIT {self.PAGE}"
        return self.store.conn.execute(sql, params).fetchall()

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        # Views and proxies react to rowsInserted by asking for more; a nested fetch
        # would insert rows before this insertion is announced as finished.
        if parent.isValid() or not self._more or self._fetching:
            return
        self._fetching = True
        try:
            page = self._page()
            self._more = len(page) == self.PAGE
            if not page:
                return
            self._after = (page[-1][-1], page[-1][0])
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self.rows.extend(page)
            self.endInsertRows()
        finally:
            self._fetching = False

    def fetch_all(self) -> None:
        while self._more:
            self.fetchMore(QModelIndex())

    def row_of(self, site_id: str) -> int:
        for i, r in enumerate(self.rows):
            if r[0] == site_id:
                return i
        return -1

    # -- the model ------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.COLUMNS[section][1])
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        value = row[col + 1]
        name = self.COLUMNS[col][0]
        if role == Qt.ItemDataRole.DisplayRole:
            if name == "other_names":
                return _names_text(value)
            if value is None:
                return ""
            if isinstance(value, str) and name not in ("name", "neighbourhood"):
                return tr(value.replace("_", " "))
            return value
        if role == SORT_ROLE:
            if name == "other_names":
                return _names_text(value)
            return value if value is not None else ""
        if role == ID_ROLE:
            return row[0]
        if role == Qt.ItemDataRole.ToolTipRole and col == 0 and row[-2]:
            return tr("This site has conflicting edits: resolve them in Edit → Conflicts.")
        if role == Qt.ItemDataRole.ForegroundRole and col == 0 and row[-2]:
            return QColor("#b3261e")
        if role == Qt.ItemDataRole.TextAlignmentRole and name in ("killed", "injured"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled
        )


def _names_text(value: Any) -> str:
    if not value:
        return ""
    try:
        names = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    return ", ".join(n.get("name", "") for n in names if isinstance(n, dict))


class SiteFilterProxy(QSortFilterProxyModel):
    """Sort and filter the site list; loads every page first, so both see all the sites."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_text(self, text: str) -> None:
        source = self.sourceModel()
        if text and isinstance(source, SiteTableModel):
            source.fetch_all()
        self.setFilterFixedString(text)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if column >= 0 and isinstance(source, SiteTableModel):
            source.fetch_all()
        super().sort(column, order)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if type(a) is not type(b):
            return str(a) < str(b)
        return bool(a < b)


# --- thumbnails ---------------------------------------------------------------------------

THUMB = 160


def thumbnail_image(src: Path, cache_dir: Path, sha256: str, size: int = THUMB) -> QImage:
    """A thumbnail as a QImage, ``size`` pixels at most (safe off the UI thread; QPixmap
    is not). Comes from fieldkit.thumbnails' disk cache (the importer fills it), made
    there if missing; orientation applied. Scaled here once, so the view never does."""
    image = QImage()
    dest = thumbnails.thumbnail_path(cache_dir, sha256)
    if (dest.is_file() or thumbnails.make_thumbnail(src, dest)) and image.load(str(dest)):
        return image.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


def preview_image(
    src: Path, max_side: int = 1600, *, orientation: int | None = None, mime: str | None = None
) -> QImage:
    """The viewer's image, upright by the record's orientation (fieldkit.thumbnails.preview);
    a video's poster frame.

    Pixels go straight into the QImage; no encode and decode round-trip.
    """
    im = thumbnails.preview(src, max_side, orientation=orientation, mime=mime).convert("RGB")
    width, height = im.size
    data = im.tobytes()
    # copy(): the QImage must own its pixels once ``data`` goes away.
    return QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class _ThumbSignals(QObject):
    loaded = Signal(str, QImage)


class _ThumbJob(QRunnable):
    def __init__(self, signals: _ThumbSignals, sha: str, src: Path, cache_dir: Path) -> None:
        super().__init__()
        self.signals, self.sha, self.src, self.cache_dir = signals, sha, src, cache_dir

    def run(self) -> None:
        try:
            image = thumbnail_image(self.src, self.cache_dir, self.sha)
        except Exception:
            image = QImage()
        self.signals.loaded.emit(self.sha, image)


class ThumbnailModel(QAbstractListModel):
    """The photos linked to a record; thumbnails load lazily on a small pool and are cached.

    Only items the view asks to paint are requested, so thousands of photos stay smooth.
    The pool only reads files and never the database (one writer; workers touch no widget).
    """

    CACHE = 2000

    def __init__(self, store: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.items: list[dict[str, Any]] = []
        self._rows: dict[str, list[int]] = {}
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._signals = _ThumbSignals()
        self._signals.loaded.connect(self._loaded)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._placeholder = _placeholder()

    def set_store(self, store: Any) -> None:
        self.store = store
        self._cache.clear()
        self.set_items([])

    def load_target(self, target_id: str | None) -> None:
        if self.store is None or not target_id:
            self.set_items([])
            return
        rows = self.store.conn.execute(
            "SELECT m.id, m.sha256, m.file_name, m.captured_utc, m.mime, l.caption "
            "FROM links l JOIN media m ON m.id = l.media_id "
            "WHERE l.target_id = ? AND l._retracted = 0 AND m._retracted = 0 "
            "ORDER BY m.captured_utc, m.file_name",
            (target_id,),
        ).fetchall()
        self.set_items(
            [
                {"id": r[0], "sha256": r[1], "file_name": r[2], "captured_utc": r[3], "mime": r[4]}
                for r in rows
            ]
        )

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.items = items
        self._rows = {}
        for row, item in enumerate(items):
            self._rows.setdefault(item["sha256"], []).append(row)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item["file_name"] or item["sha256"][:12]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item['file_name']}\n{item['captured_utc'] or ''}\nSHA-256 {item['sha256']}"
        if role == ID_ROLE:
            return item["id"]
        if role == Qt.ItemDataRole.DecorationRole:
            pix = self._cache.get(item["sha256"])
            if pix is not None:
                self._cache.move_to_end(item["sha256"])
                return pix
            self._request(item)
            return self._placeholder
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(THUMB + 24, THUMB + 40)
        return None

    def _request(self, item: dict[str, Any]) -> None:
        sha = item["sha256"]
        if sha in self._pending or self.store is None:
            return
        self._pending.add(sha)
        src = self.store.media.path_of(sha)
        self.pool.start(_ThumbJob(self._signals, sha, src, Path(self.store.cache_dir)))

    def _loaded(self, sha: str, image: QImage) -> None:
        self._pending.discard(sha)
        pix = QPixmap.fromImage(image) if not image.isNull() else self._placeholder
        self._cache[sha] = pix
        while len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        for row in self._rows.get(sha, []):
            i = self.index(row)
            self.dataChanged.emit(i, i, [Qt.ItemDataRole.DecorationRole])

    def wait_idle(self, ms: int = 10000) -> bool:
        return self.pool.waitForDone(ms)

    def loaded_count(self) -> int:
        return sum(1 for it in self.items if it["sha256"] in self._cache)


def _placeholder() -> QPixmap:
    pix = QPixmap(THUMB, THUMB)
    pix.fill(QColor("#e8ebee"))
    p = QPainter(pix)
    p.setPen(QColor("#9aa4ad"))
    p.drawRect(0, 0, THUMB - 1, THUMB - 1)
    p.end()
    return pix
