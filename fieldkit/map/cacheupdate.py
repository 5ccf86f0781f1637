"""Bringing a layer cache entry (:mod:`fieldkit.map.cache`) up to date from the journal.

The records with events after the entry's journal row are read again by id — a changed
site with its remnants (and, when the filter is scoped, the photos linked to them), a
changed remnant, photo or link — and replace theirs in the cached columns, in rowid
order (as a full read orders them). When every row read again is the cached one, value
for value (a moved site's photos), the cached part is kept as it is (not written
again). Only the footprints of sites whose footprint remnants changed are computed
again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import compress
from typing import Any

import numpy as np

from fieldkit.map.layers import MapData, MapFilter, Points, read_map_data

MAX_CHANGED = 20_000  # records changed since an entry beyond which it is read afresh


def parse_stamp(value: str) -> tuple[str, int, int, str] | None:
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
    was, now = parse_stamp(old), parse_stamp(current)
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
    rows_before = [
        (int(cached.footprint_rowid[i]), *r)
        for i, r in enumerate(cached.footprint_input)
        if r[0] in remnant_ids
    ]
    rows_now = [(int(fresh.footprint_rowid[i]), *r) for i, r in enumerate(fresh.footprint_input)]
    if sorted(rows_before) == sorted(rows_now) and len(cached.footprint_rowid) == len(
        cached.footprint_input
    ):
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
        out.footprints = footprints_for(out.footprint_input, cached.footprints, touched)
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
    if _same_rows(cached, gone, fresh):  # read again, unchanged: a moved site's photos
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


def _same_rows(cached: Points, gone: list[int], fresh: Points) -> bool:
    """Whether the points at ``gone`` in ``cached`` are ``fresh``, value for value (the
    same rows, rowids included, in the same order)."""
    if len(gone) != len(fresh) or len(cached.rowid) != len(cached.ids):
        return False
    at = np.asarray(gone, dtype=np.int64)
    if not (
        np.array_equal(cached.rowid[at], fresh.rowid)
        and [cached.ids[i] for i in gone] == fresh.ids
        and np.array_equal(cached.lat[at], fresh.lat, equal_nan=True)
        and np.array_equal(cached.lon[at], fresh.lon, equal_nan=True)
        and cached.extra.keys() == fresh.extra.keys()
    ):
        return False
    for key, values in cached.extra.items():
        other = fresh.extra[key]
        if isinstance(values, np.ndarray):
            if not np.array_equal(values[at], np.asarray(other), equal_nan=True):
                return False
        elif [values[i] for i in gone] != list(other):
            return False
    return True


def footprints_for(
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
    data.footprints = footprints_for(data.footprint_input, cached.footprints, touched)
    data.footprints_computed = True
    return data
