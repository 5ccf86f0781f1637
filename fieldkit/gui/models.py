"""Qt models over the store's tables, for display only (the UI thread's own connection).

They read small pages with plain SELECTs on the projection tables; they never write.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
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
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap

from fieldkit import thumbnails
from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.store import Store

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
ModelIndex = QModelIndex | QPersistentModelIndex


class SiteTableModel(QAbstractTableModel):
    """The sites of one case (or all), fetched in pages as the view scrolls."""

    PAGE = 2000
    # What a person scans first comes first: at 1280 × 720 name, kind, neighbourhood and
    # the day of the visit are visible without scrolling sideways.
    COLUMNS = (
        ("name", "Name"),
        ("site_type", "Kind"),
        ("neighbourhood", "Neighbourhood"),
        ("visited_on", "Visited"),
        ("access", "Access"),
        ("military_objects", "Military objects"),
        ("killed", "Killed"),
        ("injured", "Injured"),
        ("other_names", "Other names"),
    )
    WIDTHS = (160, 70, 120, 84, 80, 120, 56, 56, 160)

    def __init__(self, store: Store | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.case_id: str | None = None
        self.include_retracted = False
        self.rows: list[tuple[Any, ...]] = []
        self._after: tuple[str, str] | None = None
        self._more = False
        self._fetching = False

    # -- loading ----------------------------------------------------------------------

    def set_store(self, store: Store) -> None:
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

    def _select(self) -> str:
        cols = ", ".join(f"[{c}]" for c, _ in self.COLUMNS)
        return f"SELECT id, {cols}, _retracted, _retract_reason, _conflict, _hlc FROM sites"

    def _page(self) -> list[tuple[Any, ...]]:
        sql = self._select() + (" WHERE 1" if self.include_retracted else " WHERE _retracted = 0")
        params: list[Any] = []
        if self.case_id:
            sql += " AND case_id = ?"
            params.append(self.case_id)
        if self._after is not None:
            sql += " AND (_hlc, id) > (?, ?)"
            params.extend(self._after)
        sql += f" ORDER BY _hlc, id LIMIT {self.PAGE}"
        assert self.store is not None  # _more is False without a store
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

    def refresh_ids(self, ids: frozenset[str] | set[str]) -> bool:
        """Re-read only the rows of ``ids``; a row that left this list (retracted, moved
        to another case) is removed. False when a site is new here: the caller reloads."""
        if not ids or self.store is None:
            return True
        marks = ", ".join("?" for _ in ids)
        fresh = {
            r[0]: r
            for r in self.store.conn.execute(f"{self._select()} WHERE id IN ({marks})", list(ids))
        }
        for site_id, row in fresh.items():
            i = self.row_of(site_id)
            belongs = (self.include_retracted or not row[-4]) and (
                not self.case_id or self._case_of(site_id) == self.case_id
            )
            if i >= 0 and belongs:
                self.rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))
            elif i >= 0:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self.rows[i]
                self.endRemoveRows()
            elif belongs:
                return False
        return True

    def _case_of(self, site_id: str) -> str | None:
        assert self.store is not None
        row = self.store.conn.execute("SELECT case_id FROM sites WHERE id = ?", (site_id,))
        found = row.fetchone()
        return found[0] if found else None

    def is_retracted(self, row: int) -> bool:
        return bool(self.rows[row][-4])

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
        if role == Qt.ItemDataRole.ToolTipRole and col == 0 and row[-4]:
            return tr("Retracted: {reason}").format(reason=row[-3] or "")
        if role == Qt.ItemDataRole.ToolTipRole and col == 0 and row[-2]:
            return tr("This site has conflicting edits: resolve them in Edit → Conflicts.")
        if role == Qt.ItemDataRole.ForegroundRole and row[-4]:
            return QColor("#8a8f94")
        if role == Qt.ItemDataRole.FontRole and row[-4]:
            font = QFont()
            font.setStrikeOut(True)
            return font
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


def thumbnail_image(media: Any, cache_dir: Path, sha256: str, size: int = THUMB) -> QImage:
    """A thumbnail as a QImage, ``size`` pixels at most (safe off the UI thread; QPixmap
    is not). Comes from fieldkit.thumbnails' disk cache (the importer fills it; sealed in
    an encrypted store), made there if missing; orientation applied. Scaled here once,
    so the view never does. ``media`` is the store's MediaStore."""
    image = QImage()
    cipher = media.cipher
    dest = thumbnails.thumbnail_path(cache_dir, sha256, cipher=cipher)
    data = thumbnails.load_thumbnail(dest, cipher) if dest.is_file() else None
    if data is None:
        try:
            original = media.read_original(sha256) if media.encrypted else media.path_of(sha256)
        except Exception:  # missing, damaged, or the store was locked meanwhile
            return image
        if thumbnails.make_thumbnail(original, dest, cipher=cipher):
            data = thumbnails.load_thumbnail(dest, cipher)
    if data and image.loadFromData(data):
        return image.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return QImage()


def preview_image(
    src: thumbnails.ImageSource,
    max_side: int = 1600,
    *,
    orientation: int | None = None,
    mime: str | None = None,
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
    def __init__(self, signals: _ThumbSignals, sha: str, media: Any, cache_dir: Path) -> None:
        super().__init__()
        self.signals, self.sha, self.media, self.cache_dir = signals, sha, media, cache_dir

    def run(self) -> None:
        try:
            image = thumbnail_image(self.media, self.cache_dir, self.sha)
        except Exception:
            image = QImage()
        self.signals.loaded.emit(self.sha, image)


class ThumbnailModel(QAbstractListModel):
    """The photos linked to a record; thumbnails load lazily on a small pool and are cached.

    Only items the view asks to paint are requested, so thousands of photos stay smooth.
    The pool only reads files and never the database (one writer; workers touch no widget).
    """

    CACHE = 2000

    def __init__(self, store: Store | None = None, parent: QObject | None = None) -> None:
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

    def set_store(self, store: Store) -> None:
        self.store = store
        self._cache.clear()
        self.set_items([])

    def load_target(self, target_id: str | None) -> None:
        if self.store is None or not target_id:
            self.set_items([])
            return
        rows = self.store.conn.execute(
            "SELECT m.id, m.sha256, m.file_name, m.captured_utc, m.mime, l.caption, l.id "
            "FROM links l JOIN media m ON m.id = l.media_id "
            "WHERE l.target_id = ? AND l._retracted = 0 AND m._retracted = 0 "
            "ORDER BY m.captured_utc, m.file_name",
            (target_id,),
        ).fetchall()
        self.set_items(
            [
                {
                    "id": r[0],
                    "sha256": r[1],
                    "file_name": r[2],
                    "captured_utc": r[3],
                    "mime": r[4],
                    "caption": r[5],
                    "link_id": r[6],
                }
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
            name = item["file_name"] or item["sha256"][:12]
            return f"{name}\n{item['caption']}" if item.get("caption") else name
        if role == Qt.ItemDataRole.ToolTipRole:
            caption = item.get("caption") or ""
            return (
                f"{item['file_name']}\n{caption}\n{item['captured_utc'] or ''}\n"
                f"SHA-256 {item['sha256']}"
            )
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
        job = _ThumbJob(self._signals, sha, self.store.media, Path(self.store.cache_dir))
        self.pool.start(job)

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
