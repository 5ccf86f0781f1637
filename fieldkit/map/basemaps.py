"""Offline basemaps: raster MBTiles 1.3 and PMTiles v3 files, and the registry of them.

A basemap is a file the investigator prepared before leaving (QGIS, ``gdal_translate -of
MBTILES``, a tile downloader). It is referenced where it lies, never copied: a country at
street level is gigabytes. The registry is ``basemaps.json`` in the store folder, a
device setting (not evidence, not in the journal, not in bundles).

Nothing here opens a socket: an MBTiles is an SQLite file opened read-only, a PMTiles is
read through a memory map with the ``pmtiles`` package's reader.

Vector tiles (MBTiles ``format=pbf``, PMTiles tile type MVT) need a style renderer and are
refused this round with a message that says so.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import mmap
import os
import re
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from fieldkit.errors import MapError

REGISTRY_FILE = "basemaps.json"
BUILTIN_NAME = "natural-earth"
RASTER_FORMATS = ("png", "jpg", "webp")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,79}$")
VECTOR_REFUSAL = (
    "{path}: vector tiles ({what}) need a style renderer and are out of scope this round; "
    "add a raster MBTiles or PMTiles (PNG, JPEG or WebP tiles) instead"
)


@dataclass(frozen=True)
class BasemapInfo:
    """What ``basemap list --json`` prints for one basemap.

    ``bounds`` is [west, south, east, north] in WGS84 degrees (None when the file does not
    say); ``tile_format`` is png, jpg or webp (``vector`` for the shipped base).
    """

    name: str
    format: str  # mbtiles, pmtiles, builtin
    path: str | None
    bounds: list[float] | None
    min_zoom: int | None
    max_zoom: int | None
    tile_format: str | None
    attribution: str
    missing: bool = False
    notice: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TileSource(Protocol):
    info: BasemapInfo

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The encoded image of tile z/x/y (XYZ scheme), or None where the file has none."""

    def close(self) -> None: ...


# --- MBTiles ----------------------------------------------------------------------------


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"\x1f\x8b" or data[:1] == b"\x1a":
        return "pbf"
    return None


class MBTilesSource:
    """A raster MBTiles 1.3 file, opened read-only (``mode=ro``; never written).

    Rows are TMS (y from the south): tile_row = 2**z - 1 - y (MBTiles 1.3, "Content").
    """

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                f"file:{path.resolve()}?mode=ro", uri=True, check_same_thread=False
            )
            meta = dict(self._conn.execute("SELECT name, value FROM metadata").fetchall())
            self._conn.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 0"
            )
        except sqlite3.DatabaseError as exc:
            raise MapError(f"{path}: not an MBTiles file ({exc})") from None
        fmt = str(meta.get("format", "")).lower().strip()
        if fmt == "jpeg":
            fmt = "jpg"
        if not fmt:
            row = self._conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
            fmt = (_sniff(bytes(row[0])) if row and row[0] else None) or ""
        if fmt in ("pbf", "mvt"):
            self.close()
            raise MapError(VECTOR_REFUSAL.format(path=path, what=f"MBTiles format={fmt}"))
        if fmt not in RASTER_FORMATS:
            self.close()
            raise MapError(
                f"{path}: MBTiles tile format {fmt or 'unknown'!r} is not png, jpg or webp"
            )
        zooms = self._conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        self.info = BasemapInfo(
            name=name or str(meta.get("name") or path.stem),
            format="mbtiles",
            path=str(path),
            bounds=_parse_bounds(meta.get("bounds")),
            min_zoom=_int_or(meta.get("minzoom"), zooms[0]),
            max_zoom=_int_or(meta.get("maxzoom"), zooms[1]),
            tile_format=fmt,
            attribution=str(meta.get("attribution") or ""),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        return bytes(row[0]) if row and row[0] else None

    def close(self) -> None:
        self._conn.close()


def _int_or(value: Any, default: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(default) if default is not None else None


def _parse_bounds(text: Any) -> list[float] | None:
    try:
        parts = [float(p) for p in str(text).split(",")]
    except (TypeError, ValueError):
        return None
    return parts if len(parts) == 4 else None


# --- PMTiles ----------------------------------------------------------------------------


class PMTilesSource:
    """A raster PMTiles v3 archive, read with the ``pmtiles`` package over a memory map."""

    def __init__(self, path: Path, name: str | None = None) -> None:
        from pmtiles.reader import Reader
        from pmtiles.tile import Compression, TileType

        self.path = path
        self._lock = threading.Lock()
        try:
            self._file = open(path, "rb")  # noqa: SIM115 - kept open for the memory map
        except OSError as exc:
            raise MapError(f"{path}: cannot open ({exc.strerror})") from None
        try:
            if self._file.read(7) != b"PMTiles":
                raise MapError(f"{path}: not a PMTiles file (no PMTiles magic number)")
            if self._file.read(1) != b"\x03":
                raise MapError(f"{path}: only PMTiles version 3 is read")
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            view = self._map
            self._reader = Reader(lambda offset, length: view[offset : offset + length])
            header = self._reader.header()
            metadata = self._reader.metadata()
        except MapError:
            self._file.close()
            raise
        except Exception as exc:  # the reader raises plain exceptions on a damaged file
            self._file.close()
            raise MapError(f"{path}: cannot read the PMTiles archive ({exc})") from None
        tile_type = header.get("tile_type")
        types = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}
        if tile_type == TileType.MVT:
            self.close()
            raise MapError(VECTOR_REFUSAL.format(path=path, what="PMTiles tile type MVT"))
        if tile_type not in types:
            self.close()
            raise MapError(f"{path}: PMTiles tile type {tile_type} is not PNG, JPEG or WebP")
        self._gzip = header.get("tile_compression") == Compression.GZIP
        meta = metadata if isinstance(metadata, dict) else {}
        bounds = [
            header.get("min_lon_e7", 0) / 1e7,
            header.get("min_lat_e7", 0) / 1e7,
            header.get("max_lon_e7", 0) / 1e7,
            header.get("max_lat_e7", 0) / 1e7,
        ]
        self.info = BasemapInfo(
            name=name or str(meta.get("name") or path.stem),
            format="pmtiles",
            path=str(path),
            bounds=bounds,
            min_zoom=int(header.get("min_zoom", 0)),
            max_zoom=int(header.get("max_zoom", 0)),
            tile_format=types[tile_type],
            attribution=str(meta.get("attribution") or ""),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            data = self._reader.get(z, x, y)
        if not data:
            return None
        return gzip.decompress(data) if self._gzip else bytes(data)

    def close(self) -> None:
        m = getattr(self, "_map", None)
        if m is not None:
            with contextlib.suppress(BufferError):  # a slice still refers to it
                m.close()
        self._file.close()


# --- opening and the registry --------------------------------------------------------------


def open_basemap(path: Path | str, name: str | None = None) -> MBTilesSource | PMTilesSource:
    """Open a basemap file by its content (not its name): PMTiles magic, else SQLite.

    Raises :class:`MapError` for a missing, unreadable, vector or unknown file.
    """
    path = Path(path)
    if not path.is_file():
        raise MapError(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise MapError(f"{path}: cannot read ({exc.strerror})") from None
    if head.startswith(b"PMTiles"):
        return PMTilesSource(path, name)
    if head.startswith(b"SQLite format 3\x00"):
        return MBTilesSource(path, name)
    raise MapError(f"{path}: neither an MBTiles (SQLite) nor a PMTiles file")


class Registry:
    """The basemaps known to this store: ``<home>/basemaps.json``, written atomically."""

    def __init__(self, home: Path | str) -> None:
        self.home = Path(home)
        self.path = self.home / REGISTRY_FILE

    def _load(self) -> list[dict[str, str]]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise MapError(f"{self.path}: cannot read the basemap list ({exc})") from None
        items = doc.get("basemaps") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise MapError(f"{self.path}: not a basemap list")
        return [
            {"name": str(i["name"]), "path": str(i["path"])}
            for i in items
            if isinstance(i, dict) and "name" in i and "path" in i
        ]

    def _save(self, items: list[dict[str, str]]) -> None:
        if not self.home.is_dir():
            raise MapError(f"no store at {self.home} (run `fieldkit init`)")
        tmp = self.path.with_name(f".{REGISTRY_FILE}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"basemaps": items}, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def add(self, file: Path | str, name: str | None = None) -> BasemapInfo:
        """Check the file can be drawn, then remember it (by absolute path)."""
        path = Path(file).expanduser().resolve()
        source = open_basemap(path)
        try:
            info = source.info
        finally:
            source.close()
        chosen = (name or path.stem).strip()
        if not _NAME_RE.match(chosen):
            raise MapError(
                f"basemap name {chosen!r}: use letters, digits, space, dot, dash or underscore"
            )
        if chosen == BUILTIN_NAME:
            raise MapError(f"the name {BUILTIN_NAME!r} is the shipped base; choose another")
        items = self._load()
        if any(i["name"] == chosen for i in items):
            raise MapError(f"a basemap named {chosen!r} exists; remove it first or use --name")
        items.append({"name": chosen, "path": str(path)})
        self._save(items)
        return BasemapInfo(**{**asdict(info), "name": chosen})

    def remove(self, name: str) -> None:
        """Forget a basemap; the file itself is left where it is."""
        items = self._load()
        kept = [i for i in items if i["name"] != name]
        if len(kept) == len(items):
            raise MapError(f"no basemap named {name!r} (see `fieldkit basemap list`)")
        self._save(kept)

    def names(self) -> list[str]:
        return [i["name"] for i in self._load()]

    def describe(self) -> list[BasemapInfo]:
        """Every basemap with what its file says; a missing or damaged file is a notice."""
        from fieldkit.map.naturalearth import BUILTIN_INFO

        out = [BUILTIN_INFO]
        for item in self._load():
            out.append(self._describe(item))
        return out

    def _describe(self, item: dict[str, str]) -> BasemapInfo:
        path = Path(item["path"])
        try:
            source = open_basemap(path, item["name"])
        except MapError as exc:
            missing = not path.exists()
            return BasemapInfo(
                name=item["name"],
                format="mbtiles" if path.suffix.lower() == ".mbtiles" else "pmtiles",
                path=str(path),
                bounds=None,
                min_zoom=None,
                max_zoom=None,
                tile_format=None,
                attribution="",
                missing=missing,
                notice=(
                    f"the file {path} is not there (moved, or on a disk not plugged in); "
                    f"the map uses the shipped base until it is back"
                    if missing
                    else str(exc)
                ),
            )
        try:
            return source.info
        finally:
            source.close()

    def open(self, name: str | None) -> tuple[TileSource, list[str]]:
        """The tile source for a basemap name (None: the shipped base) and any notices.

        A registered file that is missing gives the shipped base and a notice, not an
        error: the investigator can still see their sites.
        """
        from fieldkit.map.naturalearth import natural_earth

        if name in (None, "", BUILTIN_NAME):
            return natural_earth(), []
        items = {i["name"]: i for i in self._load()}
        if name not in items:
            raise MapError(f"no basemap named {name!r} (see `fieldkit basemap list`)")
        path = Path(items[name]["path"])
        if not path.exists():
            return natural_earth(), [
                f"basemap {name!r}: the file {path} is not there; drawn on the shipped base"
            ]
        return open_basemap(path, name), []
