"""A cache of the map's layers in the store's own database, for a fast first map.

Reading 100,000 photos row by row costs a second or more in Python's sqlite3, every
time the map opens or ``map render`` runs. The layers a filter shows are kept instead
as one compact blob (numeric columns as raw float64, text as JSON) in the table
``map_cache``, with a *stamp* of what they were read from:

- the journal's last row (the journal is append-only: every change to a record is a new
  event, and the projection is rewritten in the same transaction);
- the number of events held back (a revocation, or a clock far ahead, changes what is
  projected without a new event: ``held_back`` only grows);
- the projection's signature (a FieldKit that projects differently).

A cached entry is used only when its stamp equals the store's, read in the same read
transaction as the entry, so a map never shows an older state than the store's. Being
in the database, the cache is encrypted with it (SQLCipher) in an encrypted store, and
it is no part of the journal, of bundles or of evidence: dropping the table loses
nothing. A cache that cannot be read or written (a damaged entry, a read-only store, a
busy database) is skipped, never an error.
"""

from __future__ import annotations

import contextlib
import json
import math
import struct
from collections.abc import Iterable
from typing import Any

import numpy as np

from fieldkit.map.layers import LAYERS, MapData, MapFilter, Points, load_map_data

CACHE_VERSION = 1  # bump when MapData or the encoding changes
KEEP = 8  # entries kept (one per filter and layer set); the oldest written go
TABLE = "map_cache"


def stamp(conn: Any) -> str:
    """What the map's layers were read from (see the module's docstring)."""
    events = conn.execute("SELECT max(rowid) FROM events").fetchone()[0]
    held = conn.execute("SELECT count(*) FROM held_back").fetchone()[0]
    row = conn.execute("SELECT value FROM meta WHERE key = 'projection'").fetchone()
    return f"{CACHE_VERSION}:{events}:{held}:{row[0] if row else ''}"


def cache_key(flt: MapFilter, layers: Iterable[str]) -> str:
    return json.dumps(
        [CACHE_VERSION, flt.case_id, flt.site_id, flt.start, flt.end, sorted(set(layers))]
    )


def read_layers(
    store: Any, flt: MapFilter | None = None, *, layers: Iterable[str] = LAYERS
) -> tuple[MapData, str | None]:
    """The layers through the cache, writing nothing: (data, stamp). ``stamp`` is None
    when the data came from the cache, else the stamp to :func:`save_layers` it under
    (read from the tables; its footprints are not computed yet)."""
    flt = flt or MapFilter()
    layers = set(layers)
    conn = store.conn
    key = cache_key(flt, layers)
    data: MapData | None = None
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")  # the stamp and what it stamps come from one snapshot
    try:
        current = stamp(conn)
        try:
            row = conn.execute(f"SELECT stamp, data FROM {TABLE} WHERE key = ?", (key,)).fetchone()
        except Exception:  # no table yet
            row = None
        if row is not None and row[0] == current:
            try:
                data = decode(bytes(row[1]))
            except Exception:  # a damaged entry: read the store instead
                data = None
        if data is not None:
            return data, None
        return load_map_data(store, flt, layers=layers, compute_footprints=False), current
    finally:
        if own:
            conn.execute("COMMIT")


def save_layers(
    store: Any, flt: MapFilter | None, layers: Iterable[str], current: str, data: MapData
) -> None:
    """Cache ``data`` (read under stamp ``current``) for the filter; nothing inside a
    transaction, and nothing when the database is busy or read-only."""
    if not store.conn.in_transaction:
        _save(store.conn, cache_key(flt or MapFilter(), set(layers)), current, encode(data))


def with_footprints(data: MapData) -> MapData:
    """A copy of ``data`` with every footprint computed (about a millisecond each)."""
    from dataclasses import replace

    from fieldkit.map.footprint import footprints_from_remnants

    return replace(
        data,
        footprints=footprints_from_remnants(data.footprint_input),
        footprints_computed=True,
    )


def load_map_data_cached(
    store: Any,
    flt: MapFilter | None = None,
    *,
    layers: Iterable[str] = LAYERS,
    compute_footprints: bool = True,
) -> MapData:
    """:func:`~fieldkit.map.layers.load_map_data` through the cache: the cached layers
    when the store has not changed since they were read, else read and cached.

    ``store`` needs only ``conn`` (a :class:`fieldkit.store.Store`, or the worker's own
    connection). With the footprints layer, the footprints are computed when the layers
    are read from the tables (about a millisecond each) and cached with them; with
    ``compute_footprints=False`` and no cache to write (inside a transaction) they are
    left out (``footprints_computed`` is False; ``footprint_input`` has their input).
    """
    layers = set(layers)
    data, current = read_layers(store, flt, layers=layers)
    own = not store.conn.in_transaction
    wanted = "footprints" in layers and not data.footprints_computed
    if wanted and (compute_footprints or (current is not None and own)):
        data = with_footprints(data)
    if current is not None and own:
        save_layers(store, flt, layers, current, data)
    return data


def clear(conn: Any) -> None:
    """Drop every cached entry (benchmarks; a user never needs to)."""
    with contextlib.suppress(Exception):
        conn.execute(f"DELETE FROM {TABLE}")


def _save(conn: Any, key: str, current: str, blob: bytes) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Exception:  # busy or read-only: no cache this time
        return
    try:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, stamp TEXT NOT NULL, "
            "data BLOB NOT NULL, used INTEGER NOT NULL)"
        )
        used = conn.execute(f"SELECT coalesce(max(used), 0) + 1 FROM {TABLE}").fetchone()[0]
        conn.execute(
            f"INSERT OR REPLACE INTO {TABLE} (key, stamp, data, used) VALUES (?, ?, ?, ?)",
            (key, current, blob, used),
        )
        conn.execute(
            f"DELETE FROM {TABLE} WHERE key NOT IN "
            f"(SELECT key FROM {TABLE} ORDER BY used DESC LIMIT {KEEP})"
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")


# --- the encoding: a JSON header, then raw little-endian float64 columns -----------------


def _column(values: Any) -> tuple[str, Any]:
    """("a", the array) for a float64 column; ("f"/"i"/"b", float64 array with NaN for
    None) for a list of numbers; else ("j", the list)."""
    if isinstance(values, np.ndarray):
        return "a", values
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        kind = "i" if all(v is None or isinstance(v, int) for v in values) else "f"
        return kind, np.array([np.nan if v is None else v for v in values], dtype="<f8")
    if all(isinstance(v, bool) for v in values):
        return "b", np.array(values, dtype="<f8")
    return "j", values


def _uncolumn(kind: str, raw: Any) -> Any:
    if kind == "a":
        return raw
    if kind == "j":
        return list(raw)
    values = raw.tolist()
    if kind == "b":
        return [bool(v) for v in values]
    if kind == "i":
        return [None if math.isnan(v) else int(v) for v in values]
    return [None if math.isnan(v) else v for v in values]


def encode(data: MapData) -> bytes:
    header: dict[str, Any] = {
        "unknown_time": data.unknown_time,
        "footprint_input": [list(r) for r in data.footprint_input],
        "footprints": data.footprints if data.footprints_computed else None,
        "layers": {},
    }
    chunks: list[bytes] = []
    offset = 0

    def put(arr: np.ndarray | bytes) -> list[int]:
        nonlocal offset
        raw = arr if isinstance(arr, bytes) else np.ascontiguousarray(arr, dtype="<f8").tobytes()
        chunks.append(raw)
        offset += len(raw)
        return [offset - len(raw), len(raw)]

    for name in ("sites", "remnants", "photos"):
        pts: Points = getattr(data, name)
        cols: dict[str, Any] = {}
        for col, values in pts.extra.items():
            kind, arr = _column(values)
            cols[col] = [kind, arr if kind == "j" else put(arr)]
        # record ids are UUIDs (no line breaks): one text chunk, split on reading, is
        # ten times faster than a JSON list of 100,000 strings
        if any("\n" in i for i in pts.ids):
            raise ValueError("a record id with a line break")
        header["layers"][name] = {
            "ids": put("\n".join(pts.ids).encode()),
            "lat": put(pts.lat),
            "lon": put(pts.lon),
            "extra": cols,
        }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    return struct.pack("<I", len(head)) + head + b"".join(chunks)


def decode(blob: bytes) -> MapData:
    (n,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4 : 4 + n])
    body = memoryview(blob)[4 + n :]

    def get(span: list[int]) -> np.ndarray:
        start, length = span
        return np.frombuffer(body[start : start + length], dtype="<f8").copy()

    layers: dict[str, Points] = {}
    for name in ("sites", "remnants", "photos"):
        entry = header["layers"][name]
        extra = {
            col: _uncolumn(kind, raw if kind == "j" else get(raw))
            for col, (kind, raw) in entry["extra"].items()
        }
        start, length = entry["ids"]
        text = bytes(body[start : start + length]).decode()
        ids = text.split("\n") if text else []
        pts = Points(ids, get(entry["lat"]), get(entry["lon"]), extra)
        if not (len(pts.lat) == len(pts.lon) == len(pts.ids)):
            raise ValueError("a damaged map cache entry")
        layers[name] = pts
    return MapData(
        layers["sites"],
        layers["remnants"],
        layers["photos"],
        list(header.get("footprints") or []),
        int(header["unknown_time"]),
        [tuple(r) for r in header["footprint_input"]],
        footprints_computed=header.get("footprints") is not None,
    )


class LayerReader:
    """What :func:`load_map_data` needs of a store: a connection (``conn``, sqlite3 or
    SQLCipher DB-API). Lets a worker thread read the layers on a connection of its own."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn


def load_map_data_apart(
    home: Any, secrets: Any, flt: MapFilter | None = None, **kw: Any
) -> MapData:
    """:func:`load_map_data_cached` on a connection of its own, for a worker thread.

    ``home`` is the store folder, ``secrets`` its unlocked keys (``Store.secrets``; None
    for an unencrypted store). The store is in WAL mode, so this reads a consistent
    snapshot while another connection writes. Raises what opening the database raises.
    """
    from pathlib import Path

    from fieldkit.atrest.database import connect
    from fieldkit.paths import DB_NAME

    conn = connect(Path(home) / DB_NAME, secrets)
    try:
        return load_map_data_cached(LayerReader(conn), flt, **kw)
    finally:
        conn.close()
