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
projection changed, or when more records changed than :data:`MAX_CHANGED`; the
footprints of sites whose remnants are unchanged are then taken from the old entry.
Points are kept in their rows' order in the store (rowid), as a full read orders them.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
from collections.abc import Iterable
from itertools import compress
from typing import Any

import numpy as np

from fieldkit.map.layers import LAYERS, MapData, MapFilter, Points, read_map_data

CACHE_VERSION = 3  # bump when MapData or the encoding changes
MAX_CHANGED = 20_000  # records changed since an entry beyond which it is read afresh
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


# --- updating an entry from the journal ---------------------------------------------------


def _parse_stamp(value: str) -> tuple[str, int, int, str] | None:
    """(version, journal row, held-back count, projection) of a stamp, None if foreign."""
    parts = value.split(":", 3)
    if len(parts) != 4:
        return None
    try:
        events = 0 if parts[1] == "None" else int(parts[1])
        return parts[0], events, int(parts[2]), parts[3]
    except ValueError:
        return None


def _strings(rows: Iterable[tuple[Any, ...]]) -> set[str]:
    return {r[0] for r in rows if isinstance(r[0], str)}


def update_from_journal(
    conn: Any, cached: MapData, old: str, current: str, flt: MapFilter, layers: set[str]
) -> MapData | None:
    """``cached`` (read under stamp ``old``) brought up to stamp ``current`` by reading
    again only the records changed since; None when a full read is needed (see the
    module's docstring). Runs inside the caller's read transaction."""
    was, now = _parse_stamp(old), _parse_stamp(current)
    if was is None or now is None or was[0] != now[0] or was[2:] != now[2:] or was[1] > now[1]:
        return None
    ids = _json_list
    changed = conn.execute(
        "SELECT DISTINCT kind, entity FROM events WHERE rowid > ? AND kind IN "
        "('site', 'remnant', 'media', 'link')",
        (was[1],),
    ).fetchall()
    if len(changed) > MAX_CHANGED:
        return None
    by_kind: dict[str, set[str]] = {"site": set(), "remnant": set(), "media": set(), "link": set()}
    for kind, entity in changed:
        by_kind[kind].add(entity)
    sites, remnant_ids, media = by_kind["site"], set(by_kind["remnant"]), set(by_kind["media"])
    # the remnants of a changed site (it may have left or joined the filter), as the
    # store has them now and as the entry had them
    if sites:
        remnant_ids |= _strings(
            conn.execute(
                "SELECT id FROM remnants WHERE site_id IN (SELECT value FROM json_each(?))",
                (ids(sites),),
            )
        )
        remnant_ids |= {row[0] for row in cached.footprint_input if row[1] in sites}
    if by_kind["link"]:
        # a link's photo, now and in every earlier version of the link
        for (data,) in conn.execute(
            "SELECT data FROM events WHERE entity IN (SELECT value FROM json_each(?))",
            (ids(by_kind["link"]),),
        ):
            try:
                value = json.loads(bytes(data) if not isinstance(data, str) else data)
            except ValueError:
                continue
            fields = value.get("fields") if isinstance(value, dict) else None
            if isinstance(fields, dict) and isinstance(fields.get("media_id"), str):
                media.add(fields["media_id"])
        media |= _strings(
            conn.execute(
                "SELECT media_id FROM links WHERE id IN (SELECT value FROM json_each(?))",
                (ids(by_kind["link"]),),
            )
        )
    targets = sites | remnant_ids
    scoped = bool(flt.case_id or flt.site_id or flt.has_window)
    if targets and scoped and "photos" in layers:  # shown for what they are linked to
        media |= _strings(
            conn.execute(
                "SELECT media_id FROM links WHERE target_id IN (SELECT value FROM json_each(?))",
                (ids(targets),),
            )
        )
    if len(sites) + len(remnant_ids) + len(media) > MAX_CHANGED:
        return None
    fresh = read_map_data(
        conn,
        flt,
        layers=layers,
        compute_footprints=False,
        only_sites=sites,
        only_remnants=(remnant_ids, sites),
        only_media=media if "photos" in layers else None,
    )
    out = MapData(
        _replace(cached.sites, sites, fresh.sites),
        _replace(cached.remnants, remnant_ids, fresh.remnants)
        if layers & {"remnants", "footprints"}
        else cached.remnants,
        _replace(cached.photos, media, fresh.photos) if "photos" in layers else cached.photos,
        [],
        fresh.unknown_time if flt.has_window else cached.unknown_time,
    )
    out._cache_tokens = getattr(cached, "_cache_tokens", None)  # type: ignore[attr-defined]
    rows_before = sorted(
        (r[0], int(cached.footprint_rowid[i]))
        for i, r in enumerate(cached.footprint_input)
        if r[0] in remnant_ids
    )
    rows_now = sorted(
        (r[0], int(fresh.footprint_rowid[i])) for i, r in enumerate(fresh.footprint_input)
    )
    if rows_before == rows_now and len(cached.footprint_rowid) == len(cached.footprint_input):
        # the same remnant rows (none changed, none joined or left): the footprints and
        # their input are as they were
        out.footprint_input, out.footprint_rowid = cached.footprint_input, cached.footprint_rowid
        out.footprints, out.footprints_computed = cached.footprints, cached.footprints_computed
        return out
    # the footprints' input: every remnant row of the shown sites, in rowid order
    keep = [i for i, r in enumerate(cached.footprint_input) if r[0] not in remnant_ids]
    rows = [cached.footprint_input[i] for i in keep] + list(fresh.footprint_input)
    rowid = np.concatenate([cached.footprint_rowid[keep], fresh.footprint_rowid])
    order = np.argsort(rowid, kind="stable")
    out.footprint_input = [rows[i] for i in order.tolist()]
    out.footprint_rowid = rowid[order]
    if cached.footprints_computed and "footprints" in layers:
        touched = sites | {r[1] for r in cached.footprint_input if r[0] in remnant_ids}
        touched |= {r[1] for r in fresh.footprint_input}
        out.footprints = _footprints_for(out.footprint_input, cached.footprints, touched)
        out.footprints_computed = True
    return out


def _json_list(items: Iterable[str]) -> str:
    return json.dumps(sorted(items))


def _replace(cached: Points, dropped: set[str], fresh: Points) -> Points:
    """``cached`` without the points ``dropped`` (read again), with ``fresh`` (what
    they are now), in rowid order. A changed record's row is written anew, so its
    rowid is the highest: most often ``fresh`` just goes at the end."""
    gone = list(compress(range(len(cached.ids)), map(dropped.__contains__, cached.ids)))
    if not gone and not len(fresh):
        return cached
    if (
        len(gone) == len(fresh)
        and len(cached.rowid) == len(cached.ids)
        and np.array_equal(cached.rowid[gone], fresh.rowid)
        and [cached.ids[i] for i in gone] == fresh.ids
    ):
        # read again but the same rows (a projection row is written anew, with a new
        # rowid, whenever its record changes): a photo of a moved site, say
        return cached
    if gone:
        mask = np.ones(len(cached.ids), dtype=bool)
        mask[gone] = False
        kept = cached.take(np.flatnonzero(mask))
    else:
        kept = cached
    if not len(fresh):
        return kept
    if not len(kept):
        return fresh
    extra: dict[str, Any] = {}
    for key, value in kept.extra.items():
        other = fresh.extra.get(key, [])
        extra[key] = (
            np.concatenate([value, np.asarray(other, dtype=value.dtype)])
            if isinstance(value, np.ndarray)
            else list(value) + list(other)
        )
    joined = Points(
        kept.ids + fresh.ids,
        np.concatenate([kept.lat, fresh.lat]),
        np.concatenate([kept.lon, fresh.lon]),
        extra,
        np.concatenate([kept.rowid, fresh.rowid]),
    )
    if len(joined.rowid) != len(joined.ids) or (
        not len(kept.rowid) or kept.rowid[-1] < fresh.rowid.min()
    ):
        return joined
    return joined.take(np.argsort(joined.rowid, kind="stable"))


def _footprints_for(
    rows: list[tuple[Any, ...]], old: list[dict[str, Any]], touched: set[str]
) -> list[dict[str, Any]]:
    """The footprints of ``rows``: the old ones of untouched sites, the touched sites'
    computed again; sorted by site as :func:`footprints_from_remnants` sorts them."""
    from fieldkit.map.footprint import footprints_from_remnants

    present = {r[1] for r in rows}
    kept = [fp for fp in old if fp.get("site") in present and fp.get("site") not in touched]
    new = footprints_from_remnants([r for r in rows if r[1] in touched])
    return sorted(kept + new, key=lambda fp: str(fp.get("site")))


def reuse_footprints(data: MapData, cached: MapData) -> MapData:
    """``data`` (read afresh) with its footprints computed, taking the cached footprint
    of every site whose footprint remnants are the same rows (a footprint depends on
    its input alone)."""

    def by_site(rows: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for r in rows:
            out.setdefault(r[1], []).append(tuple(r))
        return out

    before, now = by_site(cached.footprint_input), by_site(data.footprint_input)
    touched = {site for site, rows in now.items() if before.get(site) != rows}
    data.footprints = _footprints_for(data.footprint_input, cached.footprints, touched)
    data.footprints_computed = True
    return data


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
            parts[part] = _decode_part(part, blob)
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
            blobs[part] = (token, _encode_part(part, data))
            head_parts[part] = token
    head = json.dumps({"parts": head_parts, "unknown_time": data.unknown_time}).encode()
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
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")


# --- the encoding: a JSON header, then raw little-endian columns ---------------------------
#
# Numbers are float64 (NaN: unknown), rowids int64; a column of texts (or None) is a list
# of its distinct values in the header and one integer code per point (a site's type,
# its case, a remnant's site: few values, read in microseconds); record ids are one text
# chunk split on line breaks. Reading 100,000 photos is then a few array copies.


def _column(values: Any) -> tuple[str, Any, Any]:
    """(kind, array or list, distinct values) of a column: "a" a float64 array; "f"/"i"/
    "b" a list of numbers or bools (float64, NaN for None); "d" texts or None (codes
    into the distinct values); else "j", the list itself in the header."""
    if isinstance(values, np.ndarray):
        return "a", values, None
    if set(map(type, values)) <= {str, type(None)}:  # (map and set: loops in C)
        distinct = list(dict.fromkeys(values))
        code = {v: i for i, v in enumerate(distinct)}
        return "d", np.fromiter(map(code.__getitem__, values), "<i4", len(values)), distinct
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        kind = "i" if all(v is None or isinstance(v, int) for v in values) else "f"
        return kind, np.array([np.nan if v is None else v for v in values], dtype="<f8"), None
    if all(isinstance(v, bool) for v in values):
        return "b", np.array(values, dtype="<f8"), None
    return "j", values, None


def _uncolumn(kind: str, raw: Any, distinct: Any = None) -> Any:
    if kind == "a":
        return raw
    if kind == "j":
        return list(raw)
    if kind == "d":
        table = np.empty(len(distinct), dtype=object)
        table[:] = distinct
        return table[raw].tolist() if len(raw) else []
    values = raw.tolist()
    if kind == "b":
        return [bool(v) for v in values]
    if kind == "i":
        return [None if math.isnan(v) else int(v) for v in values]
    return [None if math.isnan(v) else v for v in values]


# every footprint repeats the method's paragraph (and often one message): kept once
_REPEATED = ("method", "message")


def _pack_texts(footprints: list[dict[str, Any]]) -> dict[str, Any]:
    texts: dict[str, int] = {}
    items = []
    for fp in footprints:
        item = dict(fp)
        for k in _REPEATED:
            if isinstance(item.get(k), str):
                item[k] = texts.setdefault(item[k], len(texts))
        items.append(item)
    return {"texts": list(texts), "items": items}


def _unpack_texts(packed: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not packed:
        return []
    texts = packed["texts"]
    items: list[dict[str, Any]] = packed["items"]
    for item in items:
        for k in _REPEATED:
            if isinstance(item.get(k), int):
                item[k] = texts[item[k]]
    return items


def _joined(texts: list[str]) -> bytes:
    if any("\n" in t for t in texts):
        raise ValueError("a record id with a line break")
    return "\n".join(texts).encode()


class _Writer:
    """A JSON header and raw little-endian chunks after it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def put(self, arr: np.ndarray | bytes, dtype: str = "<f8") -> list[Any]:
        raw = arr if isinstance(arr, bytes) else np.ascontiguousarray(arr, dtype=dtype).tobytes()
        self.chunks.append(raw)
        self.offset += len(raw)
        return [self.offset - len(raw), len(raw), dtype]

    def column(self, values: Any) -> list[Any]:
        kind, arr, distinct = _column(values)
        if kind == "j":
            return [kind, arr]
        return [kind, self.put(arr, "<i4" if kind == "d" else "<f8"), distinct]

    def blob(self, header: dict[str, Any]) -> bytes:
        head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        return struct.pack("<I", len(head)) + head + b"".join(self.chunks)


def _encode_part(part: str, data: MapData) -> bytes:
    w = _Writer()
    if part == "footprints":
        rows = data.footprint_input
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(6)]
        return w.blob(
            {
                "footprints": _pack_texts(data.footprints) if data.footprints_computed else None,
                "n": len(rows),
                "rowid": w.put(data.footprint_rowid, "<i8"),
                "columns": [w.column(list(c)) for c in columns],
            }
        )
    pts: Points = getattr(data, part)
    # record ids are UUIDs (no line breaks): one text chunk, split on reading, is ten
    # times faster than a JSON list of 100,000 strings
    return w.blob(
        {
            "ids": w.put(_joined(pts.ids)),
            "lat": w.put(pts.lat),
            "lon": w.put(pts.lon),
            "rowid": w.put(pts.rowid, "<i8"),
            "extra": {col: w.column(values) for col, values in pts.extra.items()},
        }
    )


def _decode_part(part: str, blob: bytes) -> Any:
    """A part as :func:`_encode_part` wrote it: Points, or for the footprints (rows,
    rowids, footprints or None). Raises ValueError (or another error) when damaged."""
    (n,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4 : 4 + n])
    body = memoryview(blob)[4 + n :]

    def get(span: list[Any]) -> np.ndarray:
        start, length, dtype = span
        return np.frombuffer(body[start : start + length], dtype=dtype).copy()

    def column(entry: list[Any]) -> Any:
        kind = entry[0]
        if kind == "j":
            return _uncolumn(kind, entry[1])
        return _uncolumn(kind, get(entry[1]), entry[2])

    if part == "footprints":
        columns = [column(spec) for spec in header["columns"]]
        rows = list(zip(*columns, strict=True)) if header["n"] else []
        rowid = get(header["rowid"])
        if len(rows) != header["n"] or len(rowid) != len(rows):
            raise ValueError("a damaged map cache entry")
        packed = header.get("footprints")
        return rows, rowid, None if packed is None else _unpack_texts(packed)
    extra = {col: column(spec) for col, spec in header["extra"].items()}
    start, length, _dtype = header["ids"]
    text = bytes(body[start : start + length]).decode()
    ids = text.split("\n") if text else []
    pts = Points(ids, get(header["lat"]), get(header["lon"]), extra, get(header["rowid"]))
    sizes = {len(pts.lat), len(pts.lon), len(pts.ids)} | {len(v) for v in extra.values()}
    if len(sizes) != 1 or len(pts.rowid) not in (0, len(pts.ids)):
        raise ValueError("a damaged map cache entry")
    return pts


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
