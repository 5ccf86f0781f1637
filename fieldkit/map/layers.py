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
    extra: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def index(self) -> dict[str, int]:
        return {rid: i for i, rid in enumerate(self.ids)}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, ...]], names: tuple[str, ...]) -> Points:
        """Rows of (id, lat, lon, *names)."""
        rows = list(rows)
        ids = [r[0] for r in rows]
        lat = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        lon = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
        extra = {n: [r[3 + i] for r in rows] for i, n in enumerate(names)}
        return cls(ids, lat, lon, extra)


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

    def positions(self, layers: Iterable[str] = LAYERS) -> list[tuple[float, float]]:
        """Every shown (lat, lon), for fitting a view to them."""
        out: list[tuple[float, float]] = []
        for name in ("sites", "remnants", "photos"):
            if name in layers:
                pts: Points = getattr(self, name)
                out.extend(zip(pts.lat.tolist(), pts.lon.tolist(), strict=True))
        if "footprints" in layers:
            for fp in self.footprints:
                out.extend((lat, lon) for lon, lat in _coords(fp.get("polygon")))
        return out


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
PHOTO_COLUMNS = ("file_name", "direction", "position_accuracy_m", "captured_utc", "sha256")


def load_map_data(
    store: Any,
    flt: MapFilter = MapFilter(),
    *,
    layers: Iterable[str] = LAYERS,
    compute_footprints: bool = True,
) -> MapData:
    """Read the layers for a filter. ``store`` is a :class:`fieldkit.store.Store`.

    With ``compute_footprints=False`` the footprints are left empty and only their input
    (``footprint_input``) is read, for a caller that computes them elsewhere.
    """
    layers = set(layers)
    conn = store.conn
    where, params = ["s._retracted = 0"], []
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
    cols = ", ".join(f"s.[{'_conflict' if c == 'conflict' else c}]" for c in SITE_COLUMNS)
    site_rows = conn.execute(
        f"SELECT s.id, s.lat, s.lon, {cols} FROM sites s WHERE {site_cond}", params
    ).fetchall()
    shown_sites = [r for r in site_rows if r[1] is not None and r[2] is not None]
    site_ids = {r[0] for r in site_rows}
    sites = Points.from_rows(shown_sites, SITE_COLUMNS)
    for i, value in enumerate(sites.extra["conflict"]):
        sites.extra["conflict"][i] = bool(value)
    scoped = bool(flt.case_id or flt.site_id or flt.has_window)

    remnants = Points()
    remnant_rows: list[tuple[Any, ...]] = []
    if layers & {"remnants", "footprints", "photos"}:
        rcols = ", ".join(f"r.[{c}]" for c in REMNANT_COLUMNS)
        remnant_rows = conn.execute(
            f"SELECT r.id, r.lat, r.lon, {rcols} FROM remnants r "
            f"WHERE r._retracted = 0 AND r.site_id IN (SELECT s.id FROM sites s WHERE {site_cond})",
            params,
        ).fetchall()
        remnants = Points.from_rows(
            [r for r in remnant_rows if r[1] is not None and r[2] is not None], REMNANT_COLUMNS
        )

    photos = Points()
    if "photos" in layers:
        pcols = ", ".join(f"m.[{c}]" for c in PHOTO_COLUMNS)
        base = (
            f"SELECT m.id, m.lat, m.lon, {pcols} FROM media m "
            "WHERE m._retracted = 0 AND m.lat IS NOT NULL AND m.lon IS NOT NULL"
        )
        if not scoped:
            rows = conn.execute(base).fetchall()
        else:
            targets = site_ids | {r[0] for r in remnant_rows}
            if flt.case_id and not flt.site_id and not flt.has_window:
                targets.add(flt.case_id)
            linked = (
                "m.id IN (SELECT l.media_id FROM links l WHERE l._retracted = 0 "
                "AND l.target_id IN (SELECT value FROM json_each(?)))"
            )
            sql, args = f"{base} AND ({linked}", [json.dumps(sorted(targets))]
            if flt.has_window and not flt.site_id and not flt.case_id:
                sql += (
                    " OR (m.captured_utc >= ? AND m.captured_utc <= ? AND m.id NOT IN "
                    "(SELECT media_id FROM links WHERE _retracted = 0 AND target_kind != 'case'))"
                )
                args += [flt.start or "0000", flt.end or "9999"]
            rows = conn.execute(sql + ")", args).fetchall()
        photos = Points.from_rows(rows, PHOTO_COLUMNS)

    footprint_input = [(r[0], r[3], r[4], r[1], r[2], r[7]) for r in remnant_rows]
    footprints: list[dict[str, Any]] = []
    if "footprints" in layers and compute_footprints:
        from fieldkit.map.footprint import footprints_from_remnants

        footprints = footprints_from_remnants(footprint_input)
    return MapData(sites, remnants, photos, footprints, unknown, footprint_input)


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
    _uniq, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
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
