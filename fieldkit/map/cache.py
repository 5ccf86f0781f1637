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

When the store has changed since an entry was written, the entry is **updated from the
journal**, not re-read: the records with events after its journal row (its high-water
mark) are read again — a changed site with its remnants and the photos linked to them, a
changed remnant with its photos, a changed photo, the photos of a changed link — and
replace theirs in the cached columns; only the footprints of the sites whose remnants
changed are computed again. A record's projected row depends on its own events alone
(:mod:`fieldkit.store.projection`), so this gives what a full read gives (the tests
compare the two after creating, moving, retracting and importing). A full read is made
when there is no entry, when events were held back since (a revocation), when the
projection changed, or when more records changed than
:data:`~fieldkit.map.cacheupdate.MAX_CHANGED`; the footprints of sites whose remnants
are unchanged are then taken from the old entry.
Points are kept in their rows' order in the store (rowid), as a full read orders them.
The update is :mod:`fieldkit.map.cacheupdate`; the encoding :mod:`fieldkit.map.cachecodec`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from fieldkit.map.cachecodec import decode_part, encode_part
from fieldkit.map.cacheupdate import reuse_footprints, update_from_journal
from fieldkit.map.layers import LAYERS, MapData, MapFilter, read_map_data

CACHE_VERSION = 3  # bump when MapData or the encoding changes
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
    when the data came from the cache unchanged, else the stamp to :func:`save_layers`
    it under: updated from the journal since a cached entry (footprints computed when
    the entry had them), or read from the tables (footprints not computed yet)."""
    data, current, cached = read_layers_stamped(store, flt, layers=layers)
    return data, None if cached else current


def read_layers_stamped(
    store: Any, flt: MapFilter | None = None, *, layers: Iterable[str] = LAYERS
) -> tuple[MapData, str, bool]:
    """:func:`read_layers` as (data, the stamp it was read under, whether it came from
    the cache unchanged)."""
    flt = flt or MapFilter()
    layers = set(layers)
    conn = store.conn
    key = cache_key(flt, layers)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")  # the stamp and what it stamps come from one snapshot
    try:
        current = stamp(conn)
        found = _read_entry(conn, key)
        cached = found[1] if found else None
        if found is not None and found[0] == current:
            return found[1], current, True
        if found is not None:
            updated = update_from_journal(conn, found[1], found[0], current, flt, layers)
            if updated is not None:
                return updated, current, False
        data = read_map_data(conn, flt, layers=layers, compute_footprints=False)
        if cached is not None and cached.footprints_computed and "footprints" in layers:
            data = reuse_footprints(data, cached)
        return data, current, False
    finally:
        if own:
            conn.execute("COMMIT")


def save_layers(
    store: Any, flt: MapFilter | None, layers: Iterable[str], current: str, data: MapData
) -> None:
    """Cache ``data`` (read under stamp ``current``) for the filter; nothing inside a
    transaction, and nothing when the database is busy or read-only. A part of an entry
    that ``data`` took unchanged from it (the photos, when only a site moved) is not
    written again."""
    if not store.conn.in_transaction:
        _save(store.conn, cache_key(flt or MapFilter(), set(layers)), current, data)


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


# --- an entry: a head row and one row per part -----------------------------------------
#
# The head (key: the filter and layers) has the stamp, and a token per part; each part
# (sites, remnants, photos, footprints) is a row of its own (key: the head's, a unit
# separator, the part's name; stamp: its token). An entry is whole when every part's
# token is the head's; an update writes only the parts that changed.

PARTS = ("sites", "remnants", "photos", "footprints")
_SEP = "\x1f"  # never in a key: JSON escapes control characters


def _read_entry(conn: Any, key: str) -> tuple[str, MapData] | None:
    """(stamp, data) of the cached entry for ``key``; None when there is none, or it is
    incomplete or damaged (the store is read instead)."""
    keys = [key, *(key + _SEP + part for part in PARTS)]
    try:
        rows = {
            k: (st, bytes(blob))
            for k, st, blob in conn.execute(
                f"SELECT key, stamp, data FROM {TABLE} WHERE key IN (?, ?, ?, ?, ?)", keys
            )
        }
    except Exception:  # no table yet
        return None
    try:
        entry_stamp, head_blob = rows[key]
        head = json.loads(head_blob)
        parts: dict[str, Any] = {}
        tokens: dict[str, tuple[str, Any]] = {}
        for part in PARTS:
            token, blob = rows[key + _SEP + part]
            if token != head["parts"][part]:
                return None  # written by an update that did not finish
            parts[part] = decode_part(part, blob)
        fp_input, fp_rowid, footprints = parts["footprints"]
        data = MapData(
            parts["sites"],
            parts["remnants"],
            parts["photos"],
            footprints if footprints is not None else [],
            int(head["unknown_time"]),
            fp_input,
            footprints_computed=footprints is not None,
            footprint_rowid=fp_rowid,
        )
    except Exception:  # a damaged entry: read the store instead
        return None
    for part in ("sites", "remnants", "photos"):
        tokens[part] = (head["parts"][part], getattr(data, part))
    tokens["footprints"] = (head["parts"]["footprints"], _footprint_identity(data))
    data._cache_tokens = tokens  # type: ignore[attr-defined]
    return entry_stamp, data


def _footprint_identity(data: MapData) -> tuple[Any, ...]:
    return (data.footprints, data.footprint_input, data.footprint_rowid, data.footprints_computed)


def _same_part(part: str, data: MapData, was: Any) -> bool:
    if part == "footprints":
        return all(a is b for a, b in zip(_footprint_identity(data), was, strict=True))
    return getattr(data, part) is was


def _save(conn: Any, key: str, current: str, data: MapData) -> None:
    tokens: dict[str, tuple[str, Any]] = getattr(data, "_cache_tokens", None) or {}
    blobs: dict[str, tuple[str, bytes]] = {}
    head_parts: dict[str, str] = {}
    for part in PARTS:
        was = tokens.get(part)
        if was is not None and _same_part(part, data, was[1]):
            head_parts[part] = was[0]  # unchanged: its row stays as it is
        else:
            token = os.urandom(8).hex()
            blobs[part] = (token, encode_part(part, data))
            head_parts[part] = token
    head = json.dumps({"parts": head_parts, "unknown_time": data.unknown_time}).encode()

    def write(used: int) -> None:
        rows = [(key, current, head, used)]
        rows += [(key + _SEP + part, token, blob, used) for part, (token, blob) in blobs.items()]
        conn.executemany(
            f"INSERT OR REPLACE INTO {TABLE} (key, stamp, data, used) VALUES (?, ?, ?, ?)", rows
        )
        # the KEEP entries last written stay, with their parts (whenever written)
        conn.execute(
            f"DELETE FROM {TABLE} WHERE (CASE WHEN instr(key, ?) > 0 "
            "THEN substr(key, 1, instr(key, ?) - 1) ELSE key END) NOT IN "
            f"(SELECT key FROM {TABLE} WHERE instr(key, ?) = 0 ORDER BY used DESC LIMIT {KEEP})",
            (_SEP, _SEP, _SEP),
        )

    write_kept(conn, TABLE, write)


def write_kept(conn: Any, table: str, write: Callable[[int], None]) -> None:
    """One write to a table of kept, derived blobs (``key``, ``stamp``, ``data``, ``used``:
    this cache, the first map's tiles), made if missing: ``write(used)`` runs inside an
    immediate transaction, ``used`` being the next write's number (newest highest, for
    eviction). Nothing is written when the database is busy or read-only, and everything
    is rolled back if ``write`` fails: a cache is never worth an error."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except Exception:  # busy or read-only: no cache this time
        return
    try:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, stamp TEXT NOT NULL, "
            "data BLOB NOT NULL, used INTEGER NOT NULL)"
        )
        write(conn.execute(f"SELECT coalesce(max(used), 0) + 1 FROM {table}").fetchone()[0])
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")


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
