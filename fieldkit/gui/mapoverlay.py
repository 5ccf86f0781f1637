"""The first map's overlay tiles, painted off the UI thread and kept in the store.

Opening the map paints the layers' overlay tiles of the fitted view (about 24 tiles of
256 px: clusters of 100,000 photos, sites, remnants, footprints); that painting, not the
read, was most of the time to the first map. So the read's worker thread
(:func:`fieldkit.gui.maptiles.load_layers`) paints them itself and hands them to the
canvas with the layers, and keeps them (their pixels, compressed) in the table
``map_tiles`` of the store's database (encrypted with it, like the layer cache
:mod:`fieldkit.map.cache`). The next opening with the store unchanged pastes them
instead of painting them.

A kept tile is used only when everything it was painted from is the same: the layers'
stamp (the journal's last event, held-back events, the projection), the filter and the
layers shown, the zoom, and the painting itself — a hash of the map's modules (every
module of :mod:`fieldkit.map` and the app's ``fieldkit/gui/map*.py``), the Qt version
and the default font. Anything else is painted again. As with the layer cache, a table
that cannot be read or written is skipped, never an error; dropping it loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import qVersion
from PySide6.QtGui import QFont, QImage

from fieldkit.map.cache import write_kept
from fieldkit.map.geo import TILE_SIZE, View

TABLE = "map_tiles"
KEEP = 8  # entries kept (one per filter, layers and zoom); the oldest written go
Tiles = dict[tuple[int, int], QImage | None]
FORMAT = QImage.Format.Format_ARGB32_Premultiplied  # what the canvas pastes

_signature: str | None = None


def paint_signature() -> str:
    """What the overlay tiles' pixels depend on besides the data (see the module)."""
    global _signature
    if _signature is None:
        import fieldkit.gui as app_pkg
        import fieldkit.map as map_pkg

        h = hashlib.sha256()
        # every module of the map's core and of the app's map (however they are split)
        files = sorted(Path(str(map_pkg.__file__)).parent.glob("*.py"))
        files += sorted(Path(str(app_pkg.__file__)).parent.glob("map*.py"))
        for path in files:
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        h.update(qVersion().encode())
        h.update(QFont().toString().encode())
        _signature = h.hexdigest()
    return _signature


def visible_tiles(view: View) -> list[tuple[int, int]]:
    """(x, y) of the tiles under a canvas showing ``view`` (as the canvas finds them),
    each once: :meth:`View.tiles` with its world copies folded together."""
    return list(dict.fromkeys((x, y) for x, y, _z, _left, _top in view.tiles()))


def tiles_key(layer_key: str, shown: Iterable[str], zoom: int) -> str:
    return json.dumps([layer_key, sorted(shown), zoom, paint_signature()])


def read_tiles(conn: Any, key: str, stamp: str) -> Tiles:
    """The kept tiles for ``key`` painted from data under ``stamp`` ({} if none)."""
    try:
        row = conn.execute(f"SELECT stamp, data FROM {TABLE} WHERE key = ?", (key,)).fetchone()
    except Exception:  # no table yet
        return {}
    if row is None or row[0] != stamp:
        return {}
    try:
        return _decode(bytes(row[1]))
    except Exception:  # a damaged entry: paint again
        return {}


def save_tiles(conn: Any, key: str, stamp: str, tiles: Tiles) -> None:
    """Keep ``tiles`` (painted from data under ``stamp``); nothing when the database is
    busy, read-only or inside a transaction."""
    if conn.in_transaction:
        return
    blob = _encode(tiles)

    def write(used: int) -> None:
        conn.execute(
            f"INSERT OR REPLACE INTO {TABLE} (key, stamp, data, used) VALUES (?, ?, ?, ?)",
            (key, stamp, blob, used),
        )
        conn.execute(
            f"DELETE FROM {TABLE} WHERE key NOT IN "
            f"(SELECT key FROM {TABLE} ORDER BY used DESC LIMIT {KEEP})"
        )

    write_kept(conn, TABLE, write)


def clear(conn: Any) -> None:
    """Drop every kept tile (benchmarks; a user never needs to)."""
    try:
        conn.execute(f"DELETE FROM {TABLE}")
    except Exception:
        return


def _encode(tiles: Tiles) -> bytes:
    """Each tile's premultiplied pixels as they are (zlib: mostly transparent), so a kept
    tile is the painted one to the bit."""
    index: list[list[int]] = []
    chunks: list[bytes] = []
    for (x, y), img in sorted(tiles.items()):
        data = b""
        if img is not None:
            img = img.convertToFormat(FORMAT)
            if (img.width(), img.height()) != (TILE_SIZE, TILE_SIZE):
                raise ValueError("an overlay tile of an unexpected size")
            data = zlib.compress(bytes(img.constBits())[: img.sizeInBytes()], 1)
        index.append([x, y, len(data)])
        chunks.append(data)
    head = json.dumps(index).encode()
    return struct.pack("<I", len(head)) + head + b"".join(chunks)


def _decode(blob: bytes) -> Tiles:
    (n,) = struct.unpack_from("<I", blob)
    index = json.loads(blob[4 : 4 + n])
    at = 4 + n
    out: Tiles = {}
    for x, y, length in index:
        img: QImage | None = None
        if length:
            raw = zlib.decompress(blob[at : at + length])
            if len(raw) != TILE_SIZE * TILE_SIZE * 4:
                raise ValueError("a damaged tile")
            img = QImage(raw, TILE_SIZE, TILE_SIZE, TILE_SIZE * 4, FORMAT).copy()  # owns it
        out[(int(x), int(y))] = img
        at += length
    if at != len(blob):
        raise ValueError("a damaged entry")
    return out
