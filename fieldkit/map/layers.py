"""What the map shows, read from the store: sites, remnants, photos and footprints.

Columns, not objects: a case may hold 10,000 sites and 100,000 photos, and both faces
(the static renderer and the desktop map) project whole columns at once with numpy.
Only records with a position are read; retracted records are left out.

Filters (:class:`MapFilter`): a case, a site, and an incident-time window. With a
window, a site is shown when its incident window (start..end, or the start alone)
overlaps it — a site whose incident time is unknown is left out and counted in
``MapData.unknown_time``; remnants follow their site; a photo is shown when it is
linked to a shown site or remnant, or, unlinked to any site, when it was captured in
the window.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LAYERS = ("sites", "remnants", "photos", "footprints")
FOOTPRINT_CATEGORIES = ("submunition", "crater", "fragment")


@dataclass(frozen=True)
class MapFilter:
    """``start``/``end`` are ISO 8601 UTC instants (…Z) or None (open)."""

    case_id: str | None = None
    site_id: str | None = None
    start: str | None = None
    end: str | None = None

    @property
    def has_window(self) -> bool:
        return bool(self.start or self.end)


@dataclass
class Points:
    """One layer's points as parallel columns; ``extra`` holds per-layer columns."""

    ids: list[str] = field(default_factory=list)
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # per-layer columns: lists, or float64 arrays (NaN: unknown) for the photos' numbers
    extra: dict[str, Any] = field(default_factory=dict)
    # each point's row in its projection table (SQLite rowid, int64; empty when not
    # read from the store): the points are in this order, which the layer cache keeps
    # when it updates them from the journal (:mod:`fieldkit.map.cache`)
    rowid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ids)

    def index(self) -> dict[str, int]:
        return {rid: i for i, rid in enumerate(self.ids)}

    def take(self, order: np.ndarray) -> Points:
        """The points at the positions ``order`` (an int array), in that order."""
        order = np.asarray(order, dtype=np.int64)
        picked = order.tolist()
        extra = {
            k: v[order] if isinstance(v, np.ndarray) else [v[i] for i in picked]
            for k, v in self.extra.items()
        }
        rowid = self.rowid[order] if len(self.rowid) == len(self.ids) else self.rowid[:0]
        return Points([self.ids[i] for i in picked], self.lat[order], self.lon[order], extra, rowid)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[Any, ...]],
        names: tuple[str, ...],
        numeric: tuple[str, ...] = (),
        *,
        rowid_first: bool = False,
    ) -> Points:
        """Rows of (id, lat, lon, *names), or of (rowid, id, lat, lon, *names) with
        ``rowid_first``; the ``numeric`` columns become float64 arrays with NaN where
        the value is unknown, the others lists."""
        rows = list(rows)
        if not rows:
            return cls(extra={n: np.zeros(0) if n in numeric else [] for n in names})
        cols = list(zip(*rows, strict=True))  # one C-level transpose, not a loop per column
        rowid = np.zeros(0, dtype=np.int64)
        if rowid_first:
            rowid = np.array(cols[0], dtype=np.int64)
            cols = cols[1:]
        ids = list(cols[0])
        lat = np.array(cols[1], dtype=np.float64)
        lon = np.array(cols[2], dtype=np.float64)
        extra: dict[str, Any] = {
            n: np.array(cols[3 + i], dtype=np.float64) if n in numeric else list(cols[3 + i])
            for i, n in enumerate(names)
        }
        return cls(ids, lat, lon, extra, rowid)


@dataclass
class MapData:
    sites: Points
    remnants: Points
    photos: Points
    footprints: list[dict[str, Any]]
    unknown_time: int = 0
    # (remnant id, site id, category, lat, lon, count) of the shown sites' remnants: what
    # footprints are computed from (the app computes them off the UI thread)
    footprint_input: list[tuple[Any, ...]] = field(default_factory=list)
    # whether ``footprints`` holds every footprint of ``footprint_input`` (computed)
    footprints_computed: bool = False
    # the remnants' rowids, parallel to ``footprint_input`` (its order)
    footprint_rowid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def positions(self, layers: Iterable[str] = LAYERS) -> np.ndarray:
        """Every shown (lat, lon), as an (n, 2) array, for fitting a view to them."""
        lat: list[np.ndarray] = []
        lon: list[np.ndarray] = []
        for name in ("sites", "remnants", "photos"):
            if name in layers:
                pts: Points = getattr(self, name)
                lat.append(pts.lat)
                lon.append(pts.lon)
        if "footprints" in layers:
            lonlat: list[Any] = []  # [lon, lat] pairs, as GeoJSON has them
            for fp in self.footprints:
                lonlat.extend(_coords(fp.get("polygon")))
            if not self.footprints:  # not computed (yet): the remnants they are made of
                lonlat.extend(
                    (row[4], row[3])
                    for row in self.footprint_input
                    if row[2] in FOOTPRINT_CATEGORIES and row[3] is not None and row[4] is not None
                )
            if lonlat:
                more = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
                lat.append(more[:, 1])
                lon.append(more[:, 0])
        if not lat:
            return np.zeros((0, 2))
        return np.column_stack([np.concatenate(lat), np.concatenate(lon)])


def _coords(geometry: dict[str, Any] | None) -> list[list[float]]:
    if not geometry:
        return []
    t, c = geometry["type"], geometry["coordinates"]
    if t == "Point":
        return [c]
    if t == "LineString":
        return list(c)
    if t == "Polygon":
        return [p for ring in c for p in ring]
    if t == "MultiPolygon":
        return [p for poly in c for ring in poly for p in ring]
    return []


SITE_COLUMNS = ("name", "site_type", "conflict", "case_id", "position_source")
REMNANT_COLUMNS = ("site_id", "category", "condition", "hazard", "count", "munition_type")
# what the map draws of a photo; nothing more is read (100,000 rows: every column costs).
# Both are numbers: float64 arrays, NaN where unknown.
PHOTO_COLUMNS = ("direction", "position_accuracy_m")


def load_map_data(
    store: Any,
    flt: MapFilter = MapFilter(),
    *,
    layers: Iterable[str] = LAYERS,
    compute_footprints: bool = True,
) -> MapData:
    """Read the layers for a filter. ``store`` is a :class:`fieldkit.store.Store`.

    With ``compute_footprints=False`` the footprints are left empty and only their input
    (``footprint_input``) is read, for a caller that computes them elsewhere. Each
    layer's points are in the order of their rows in the store (``Points.rowid``).
    """
    return read_map_data(store.conn, flt, layers=layers, compute_footprints=compute_footprints)


def _json(ids: Iterable[str]) -> str:
    """Record ids as one SQL parameter, a JSON list (read with ``json_each``: no bound
    on their number, and SQLite looks each up by its index)."""
    return json.dumps(sorted(ids))


def _link_targets(flt: MapFilter, site_cond: str, params: list[Any]) -> tuple[str, list[Any]]:
    """The ids a shown photo may be linked to, as one SQL subquery and its parameters: a
    site the filter shows, a remnant of one, or (a case filter alone) the case itself.
    The one rule for the full photo query and the query by id."""
    targets = [
        f"SELECT s.id FROM sites s WHERE {site_cond}",
        "SELECT r.id FROM remnants r JOIN sites s ON r.site_id = s.id "
        f"WHERE r._retracted = 0 AND {site_cond}",
    ]
    args = [*params, *params]
    if flt.case_id and not flt.site_id and not flt.has_window:
        targets.append("SELECT ?")
        args.append(flt.case_id)
    return " UNION ALL ".join(targets), args


def _media_by_id(
    ids: Iterable[str], pcols: str, flt: MapFilter, site_cond: str, params: list[Any]
) -> tuple[str, list[Any]]:
    """The photo query of :func:`read_map_data` for some photos only: each looked up by
    its id, then tested as the full query tests it (per photo, on the links' and the
    tables' indexes, rather than gathering every linked photo of the filter)."""
    sql = (
        f"SELECT m.rowid, m.id, m.lat, m.lon, {pcols} FROM json_each(?) j "
        "CROSS JOIN media m ON m.id = j.value "
        "WHERE m._retracted = 0 AND m.lat IS NOT NULL AND m.lon IS NOT NULL"
    )
    args: list[Any] = [_json(ids)]
    if not (flt.case_id or flt.site_id or flt.has_window):
        return sql, args
    targets, target_args = _link_targets(flt, site_cond, params)
    args += target_args
    sql += (
        " AND (EXISTS (SELECT 1 FROM links l WHERE l.media_id = m.id AND l._retracted = 0 "
        f"AND l.target_id IN ({targets}))"
    )
    if flt.has_window and not flt.site_id and not flt.case_id:
        # as ``NOT IN`` in the full query, a link without a photo id excludes every photo
        sql += (
            " OR (m.captured_utc >= ? AND m.captured_utc <= ? AND NOT EXISTS "
            "(SELECT 1 FROM links l WHERE l.media_id = m.id AND l._retracted = 0 "
            "AND l.target_kind != 'case') AND NOT EXISTS (SELECT 1 FROM links l "
            "WHERE l.media_id IS NULL AND l._retracted = 0 AND l.target_kind != 'case'))"
        )
        args += [flt.start or "0000", flt.end or "9999"]
    return sql + ")", args


def read_map_data(
    conn: Any,
    flt: MapFilter = MapFilter(),
    *,
    layers: Iterable[str] = LAYERS,
    compute_footprints: bool = True,
    only_sites: Iterable[str] | None = None,
    only_remnants: tuple[Iterable[str], Iterable[str]] | None = None,
    only_media: Iterable[str] | None = None,
) -> MapData:
    """:func:`load_map_data` on a DB-API connection, optionally for some records only
    (what :mod:`fieldkit.map.cache` re-reads after a change): ``only_sites`` (site
    ids), ``only_remnants`` (remnant ids, site ids: the remnants with either),
    ``only_media`` (media ids). A layer not restricted when others are is not read.
    """
    layers = set(layers)
    partial = only_sites is not None or only_remnants is not None or only_media is not None
    where: list[str] = ["s._retracted = 0"]
    params: list[Any] = []
    if flt.site_id:
        where.append("s.id = ?")
        params.append(flt.site_id)
    if flt.case_id:
        where.append("s.case_id = ?")
        params.append(flt.case_id)
    unknown = 0
    if flt.has_window:
        start, end = flt.start or "0000", flt.end or "9999"
        cond = " AND ".join(where)
        unknown = int(
            conn.execute(
                f"SELECT count(*) FROM sites s WHERE {cond} AND s.incident_start IS NULL",
                params,
            ).fetchone()[0]
        )
        # overlap of [incident_start, incident_end or incident_start] with [start, end]
        where.append("s.incident_start IS NOT NULL AND s.incident_start <= ?")
        where.append("coalesce(s.incident_end, s.incident_start) >= ?")
        params.extend([end, start])
    site_cond = " AND ".join(where)
    sites = Points()
    if not partial or only_sites is not None:
        cols = ", ".join(f"s.[{'_conflict' if c == 'conflict' else c}]" for c in SITE_COLUMNS)
        sql = f"SELECT s.rowid, s.id, s.lat, s.lon, {cols} FROM sites s WHERE {site_cond}"
        args = list(params)
        if only_sites is not None:  # looked up by id, then filtered
            sql = (
                f"SELECT s.rowid, s.id, s.lat, s.lon, {cols} FROM json_each(?) j "
                f"CROSS JOIN sites s ON s.id = j.value WHERE {site_cond}"
            )
            args = [_json(only_sites), *params]
        site_rows = conn.execute(
            f"{sql} AND s.lat IS NOT NULL AND s.lon IS NOT NULL ORDER BY s.rowid", args
        ).fetchall()
        sites = Points.from_rows(site_rows, SITE_COLUMNS, rowid_first=True)
        sites.extra["conflict"] = [bool(v) for v in sites.extra["conflict"]]
    scoped = bool(flt.case_id or flt.site_id or flt.has_window)

    remnants = Points()
    remnant_rows: list[tuple[Any, ...]] = []
    if layers & {"remnants", "footprints"} and (not partial or only_remnants is not None):
        rcols = ", ".join(f"r.[{c}]" for c in REMNANT_COLUMNS)
        sql = (
            f"SELECT r.rowid, r.id, r.lat, r.lon, {rcols} FROM remnants r "
            f"WHERE r._retracted = 0 AND r.site_id IN (SELECT s.id FROM sites s WHERE {site_cond})"
        )
        args = list(params)
        if only_remnants is not None:  # looked up by id and by site, then filtered
            sql = (
                f"SELECT r.rowid, r.id, r.lat, r.lon, {rcols} FROM remnants r WHERE r.rowid IN "
                "(SELECT x.rowid FROM json_each(?) j CROSS JOIN remnants x ON x.id = j.value "
                "UNION SELECT x.rowid FROM json_each(?) j "
                "CROSS JOIN remnants x ON x.site_id = j.value) "
                "AND r._retracted = 0 AND EXISTS "
                f"(SELECT 1 FROM sites s WHERE s.id = r.site_id AND {site_cond})"
            )
            args = [_json(only_remnants[0]), _json(only_remnants[1]), *params]
        remnant_rows = conn.execute(f"{sql} ORDER BY r.rowid", args).fetchall()
        remnants = Points.from_rows(
            [r for r in remnant_rows if r[2] is not None and r[3] is not None],
            REMNANT_COLUMNS,
            rowid_first=True,
        )

    photos = Points()
    if "photos" in layers and (not partial or only_media is not None):
        pcols = ", ".join(f"m.[{c}]" for c in PHOTO_COLUMNS)
        base = (
            f"SELECT m.rowid, m.id, m.lat, m.lon, {pcols} FROM media m "
            "WHERE m._retracted = 0 AND m.lat IS NOT NULL AND m.lon IS NOT NULL"
        )
        args = []
        if only_media is not None:
            sql, args = _media_by_id(only_media, pcols, flt, site_cond, params)
        elif not scoped:
            sql = base
        else:
            # the photos linked to a shown site, to a remnant of one, or to the case: a
            # join on the links' target index (not a JSON list of every id: 3.7 s at
            # 10,000 sites and 100,000 photos)
            targets, target_args = _link_targets(flt, site_cond, params)
            args += target_args
            linked = (
                "m.id IN (SELECT l.media_id FROM links l WHERE l._retracted = 0 "
                f"AND l.target_id IN ({targets}))"
            )
            sql = f"{base} AND ({linked}"
            if flt.has_window and not flt.site_id and not flt.case_id:
                sql += (
                    " OR (m.captured_utc >= ? AND m.captured_utc <= ? AND m.id NOT IN "
                    "(SELECT media_id FROM links WHERE _retracted = 0 AND target_kind != 'case'))"
                )
                args += [flt.start or "0000", flt.end or "9999"]
            sql += ")"
        rows = conn.execute(f"{sql} ORDER BY m.rowid", args).fetchall()
        photos = Points.from_rows(rows, PHOTO_COLUMNS, numeric=PHOTO_COLUMNS, rowid_first=True)

    footprint_input = [(r[1], r[4], r[5], r[2], r[3], r[8]) for r in remnant_rows]
    footprint_rowid = np.array([r[0] for r in remnant_rows], dtype=np.int64)
    footprints: list[dict[str, Any]] = []
    if "footprints" in layers and compute_footprints:
        from fieldkit.map.footprint import footprints_from_remnants

        footprints = footprints_from_remnants(footprint_input)
    computed = "footprints" in layers and compute_footprints
    return MapData(
        sites,
        remnants,
        photos,
        footprints,
        unknown,
        footprint_input,
        computed,
        footprint_rowid,
    )


def cluster(
    x: np.ndarray, y: np.ndarray, cell: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Grid clustering of pixel positions: (cx, cy, count, first index) per occupied cell.

    A cell of ``cell`` pixels with several points becomes one mark at their mean with
    their count; fast enough for 100,000 points per frame (one ``np.unique``).
    """
    if not len(x):
        z = np.zeros(0)
        return z, z, np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    gx = np.floor(x / cell).astype(np.int64)
    gy = np.floor(y / cell).astype(np.int64)
    key = gx * 4_000_000_007 + gy
    # what np.unique(key, return_index, return_inverse, return_counts) gives, with one
    # stable sort (it sorts twice): cells in key order, each one's first point
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, len(key)))
    first = order[starts]
    inverse = np.empty(len(key), dtype=np.int64)
    inverse[order] = np.repeat(np.arange(len(starts)), counts)
    cx = np.bincount(inverse, weights=x) / counts
    cy = np.bincount(inverse, weights=y) / counts
    return cx, cy, counts, first


def within(points: Points, lat: float, lon: float, metres: float) -> list[tuple[str, float]]:
    """(id, distance in metres) of the points within ``metres`` of (lat, lon), nearest
    first; geodesic distances on the WGS84 ellipsoid (pyproj.Geod, vectorised)."""
    if not len(points):
        return []
    from fieldkit.map.geo import WGS84

    # a cheap box first: a degree of latitude is at least 110.5 km
    dlat = metres / 110_500 + 1e-9
    dlon = dlat / max(np.cos(np.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    near = np.nonzero(
        (np.abs(points.lat - lat) <= dlat) & (np.abs((points.lon - lon + 180) % 360 - 180) <= dlon)
    )[0]
    if not len(near):
        return []
    _az1, _az2, dist = WGS84.inv(
        np.full(len(near), lon), np.full(len(near), lat), points.lon[near], points.lat[near]
    )
    found = [
        (points.ids[i], float(d)) for i, d in zip(near.tolist(), dist, strict=True) if d <= metres
    ]
    return sorted(found, key=lambda item: item[1])


def photos_near(store: Any, lat: float, lon: float, metres: float) -> list[tuple[str, float]]:
    """(media id, metres) of every photo in the store within ``metres`` of (lat, lon),
    nearest first (geodesic, WGS84). Only a box around the point is read from SQLite,
    so this costs little on a store of 100,000 photos."""
    dlat = metres / 110_500 + 1e-9  # a degree of latitude is at least 110.5 km
    dlon = dlat / max(float(np.cos(np.radians(min(abs(lat) + dlat, 89.9)))), 1e-6)
    sql = (
        "SELECT id, lat, lon FROM media WHERE _retracted = 0 AND lat BETWEEN ? AND ? "
        "AND lon IS NOT NULL"
    )
    args: list[Any] = [lat - dlat, lat + dlat]
    if dlon < 180 and lon - dlon >= -180 and lon + dlon <= 180:
        sql += " AND lon BETWEEN ? AND ?"
        args += [lon - dlon, lon + dlon]
    rows = store.conn.execute(sql, args).fetchall()
    return within(Points.from_rows(rows, ()), lat, lon, metres)
