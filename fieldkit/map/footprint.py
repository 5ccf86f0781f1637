"""The footprint of a strike: the area over which a cluster munition's submunitions fell.

From the positions of the remnants recorded at a site (categories submunition, crater
and fragment), :func:`compute_footprint` gives the convex hull, its area, the long axis
of the minimum-area bounding rectangle (its length, width and bearing from true north,
0-180°) and the hull's centroid. Everything is computed in metres, in an azimuthal
equidistant projection centred on the points (pyproj, WGS84 ellipsoid; the centre is
rounded to 0.1° so neighbouring sites share one, see
:func:`~fieldkit.map.geo.local_projection`): within 8 km of the centre distances are true
to better than one part in a million, so no result depends on degrees of longitude
shrinking with latitude.

What it means (see docs/footprint.md): found remnants are a sample, so the hull is a
*lower bound* of the real footprint; the long axis often follows the carrier's direction
of travel, which is an indication for an expert to assess, never a conclusion.

Rules: a remnant with ``count`` N is one point (one position), N goes into
``total_count``; several remnants at the same position are one point. Fewer than three
distinct points, or points on one line, have no area: ``area_m2`` 0, ``length_m`` the
length of the line, and a ``message`` saying why. A polygon that crosses the
antimeridian is split into a MultiPolygon (RFC 7946, section 3.1.9).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box, mapping
from shapely.geometry.polygon import orient

from fieldkit.map.geo import WGS84, View, circular_mean_lon, local_projection, wrap_lon

if TYPE_CHECKING:
    from fieldkit.map.layers import MapData

FOOTPRINT_CATEGORIES = ("submunition", "crater", "fragment")
COLLINEAR_WIDTH_M = 0.01  # below a centimetre of width, the points lie on one line
METHOD = (
    "convex hull of the positions of the site's remnants of categories submunition, "
    "crater and fragment (one point per position; a count of N at one position is one "
    "point), computed in metres in an azimuthal equidistant projection centred on the "
    "points (pyproj, WGS84); long axis, length and width from the hull's minimum-area "
    "bounding rectangle (shapely); bearing of the long axis from true north, 0-180°. "
    "A lower bound of the real footprint: only remnants that were found and recorded count."
)


def compute_footprint(points: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """The footprint of (lat, lon) points in WGS84 degrees.

    Returns ``points`` (distinct positions), ``area_m2``, ``length_m``, ``width_m``,
    ``axis_bearing_deg`` (0 ≤ b < 180, from true north; None with fewer than two
    points), ``centroid`` {lat, lon} (None with no points), ``polygon`` (a GeoJSON
    Polygon, MultiPolygon across the antimeridian, LineString or Point; None with no
    points), ``axis`` (the long axis as a GeoJSON LineString, or None), ``message``
    (None, or why there is no area) and ``method``.
    """
    distinct = sorted({(round(lat, 9), round(wrap_lon(lon), 9)) for lat, lon in points})
    result: dict[str, Any] = {
        "points": len(distinct),
        "area_m2": 0.0,
        "length_m": 0.0,
        "width_m": 0.0,
        "axis_bearing_deg": None,
        "centroid": None,
        "polygon": None,
        "axis": None,
        "message": None,
        "method": METHOD,
    }
    if not distinct:
        result["message"] = (
            "no remnant of category submunition, crater or fragment has a position: no footprint"
        )
        return result
    lat0 = sum(p[0] for p in distinct) / len(distinct)
    lon0 = circular_mean_lon([p[1] for p in distinct])
    proj = local_projection(lat0, lon0)
    xs, ys = proj([p[1] for p in distinct], [p[0] for p in distinct])
    hull = MultiPoint(list(zip(xs, ys, strict=True))).convex_hull

    def to_lonlat(x: float, y: float) -> tuple[float, float]:
        lon, lat = proj(x, y, inverse=True)
        return round(lon0 + wrap_lon(lon - lon0), 7), round(lat, 7)  # unwrapped near lon0

    if isinstance(hull, Point):
        lon, lat = to_lonlat(hull.x, hull.y)
        result["centroid"] = {"lat": lat, "lon": round(wrap_lon(lon), 7)}
        result["polygon"] = {"type": "Point", "coordinates": [round(wrap_lon(lon), 7), lat]}
        result["message"] = "one point: no area and no axis"
        return result

    rect = hull.minimum_rotated_rectangle if isinstance(hull, Polygon) else None
    corners = list(rect.exterior.coords)[:4] if isinstance(rect, Polygon) else []
    if corners:
        edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
        lengths = [math.dist(a, b) for a, b in edges]
        long_i = max(range(4), key=lambda i: lengths[i])
        length, width = lengths[long_i], lengths[(long_i + 1) % 4]
    else:
        width = 0.0
    if not corners or width < COLLINEAR_WIDTH_M:
        line = _longest_segment(list(zip(xs, ys, strict=True)))
        a, b = line
        result["length_m"] = round(math.dist(a, b), 3)
        result["axis_bearing_deg"] = _bearing(a, b, to_lonlat)
        coords = [to_lonlat(*a), to_lonlat(*b)]
        result["polygon"] = _line_geojson(coords)
        result["axis"] = result["polygon"]
        mid = LineString([a, b]).interpolate(0.5, normalized=True)
        lon, lat = to_lonlat(mid.x, mid.y)
        result["centroid"] = {"lat": lat, "lon": round(wrap_lon(lon), 7)}
        result["message"] = (
            "fewer than three points: no area; the length of the line is given"
            if len(distinct) < 3
            else "the points lie on one line: no area; the length of the line is given"
        )
        return result

    # the long axis runs through the rectangle's centre, between the midpoints of its
    # two short sides
    a0, a1 = edges[(long_i + 1) % 4]
    b0, b1 = edges[(long_i + 3) % 4]
    start = ((a0[0] + a1[0]) / 2, (a0[1] + a1[1]) / 2)
    end = ((b0[0] + b1[0]) / 2, (b0[1] + b1[1]) / 2)
    centroid = hull.centroid
    clon, clat = to_lonlat(centroid.x, centroid.y)
    rx, ry = zip(*hull.exterior.coords, strict=True)
    rlon, rlat = proj(list(rx), list(ry), inverse=True)
    ring = [
        (round(lon0 + wrap_lon(a - lon0), 7), round(b, 7)) for a, b in zip(rlon, rlat, strict=True)
    ]
    result.update(
        area_m2=round(hull.area, 2),
        length_m=round(length, 3),
        width_m=round(width, 3),
        axis_bearing_deg=_bearing(start, end, to_lonlat),
        centroid={"lat": clat, "lon": round(wrap_lon(clon), 7)},
        polygon=_polygon_geojson(ring),
        axis=_line_geojson([to_lonlat(*start), to_lonlat(*end)]),
    )
    return result


def _longest_segment(pts: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    hull = MultiPoint(pts).convex_hull
    cand = list(hull.exterior.coords) if isinstance(hull, Polygon) else list(hull.coords)
    best = (cand[0], cand[-1])
    for i, a in enumerate(cand):
        for b in cand[i + 1 :]:
            if math.dist(a, b) > math.dist(*best):
                best = (a, b)
    return best


def _bearing(a: tuple[float, float], b: tuple[float, float], to_lonlat: Any) -> float:
    """Bearing of the line a→b at its midpoint, from true north, folded into [0, 180).

    The geodesic azimuths at both ends (pyproj.Geod) are averaged, so meridian
    convergence across a long footprint does not bias it.
    """
    lon1, lat1 = to_lonlat(*a)
    lon2, lat2 = to_lonlat(*b)
    az1, az2, _ = WGS84.inv(lon1, lat1, lon2, lat2)
    back = (az2 + 180.0) % 360.0  # Geod.inv gives the back azimuth; forward at the far end
    mean = math.degrees(
        math.atan2(
            math.sin(math.radians(az1)) + math.sin(math.radians(back)),
            math.cos(math.radians(az1)) + math.cos(math.radians(back)),
        )
    )
    return round(mean % 180.0, 3)


def _line_geojson(coords: list[tuple[float, float]]) -> dict[str, Any]:
    """A LineString; one that crosses the antimeridian becomes a MultiLineString."""
    line = LineString(coords)
    parts = _split_antimeridian(line)
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": _round(mapping(parts[0])["coordinates"])}
    return {
        "type": "MultiLineString",
        "coordinates": [_round(mapping(p)["coordinates"]) for p in parts],
    }


def _polygon_geojson(ring: list[tuple[float, float]]) -> dict[str, Any]:
    """A Polygon with the exterior ring counter-clockwise (RFC 7946, 3.1.6); one that
    crosses the antimeridian is cut there into a MultiPolygon (RFC 7946, 3.1.9)."""
    poly = orient(Polygon(ring), 1.0)
    parts = [orient(p, 1.0) for p in _split_antimeridian(poly)]
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": _round(mapping(parts[0])["coordinates"])}
    return {
        "type": "MultiPolygon",
        "coordinates": [_round(mapping(p)["coordinates"]) for p in parts],
    }


def _split_antimeridian(geom: Any) -> list[Any]:
    """Pieces of a geometry whose longitudes run continuously past ±180, each moved back
    into [-180, 180]; a geometry within [-180, 180] comes back whole."""
    minx, _miny, maxx, _maxy = geom.bounds
    if minx >= -180 and maxx <= 180:
        return [geom]
    pieces = []
    for shift, west, east in ((360, -540, -180), (0, -180, 180), (-360, 180, 540)):
        part = geom.intersection(box(west, -90, east, 90))
        if part.is_empty:
            continue
        part = shapely.transform(part, lambda c, s=shift: c + np.array([s, 0.0]))
        for g in getattr(part, "geoms", [part]):
            if g.geom_type in ("Polygon", "LineString") and not g.is_empty and g.length > 0:
                pieces.append(g)
    return pieces


def _round(coords: Any) -> Any:
    if isinstance(coords, (tuple, list)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), 7) for c in coords]
    return [_round(c) for c in coords]


def footprints_from_remnants(
    rows: Iterable[tuple[str, str, str | None, float | None, float | None, int | None]],
) -> list[dict[str, Any]]:
    """Footprints of every site from rows (remnant id, site id, category, lat, lon, count).

    Sites whose footprint remnants have no position at all give no footprint.
    """
    by_site: dict[str, list[tuple[str, float | None, float | None, int | None]]] = {}
    for rid, site_id, category, lat, lon, count in rows:
        if category in FOOTPRINT_CATEGORIES:
            by_site.setdefault(site_id, []).append((rid, lat, lon, count))
    out = []
    for site_id, items in sorted(by_site.items()):
        located = [(lat, lon) for _r, lat, lon, _c in items if lat is not None and lon is not None]
        if not located:
            continue
        fp = compute_footprint(located)
        out.append(
            {
                "site": site_id,
                **fp,
                "remnants": sum(
                    1 for _r, lat, lon, _c in items if lat is not None and lon is not None
                ),
                "total_count": sum(
                    (c or 1) for _r, lat, lon, c in items if lat is not None and lon is not None
                ),
                "without_position": sum(1 for _r, lat, _lon, _c in items if lat is None),
            }
        )
    return out


def site_footprint(store: Any, site_id: str) -> dict[str, Any]:
    """``fieldkit site footprint ID --json``: the footprint of one site from the store.

    Raises :class:`~fieldkit.errors.NotFound` when ``site_id`` is not a site.
    """
    site = store.get(site_id, "site")
    rows = store.conn.execute(
        "SELECT id, site_id, category, lat, lon, count FROM remnants "
        "WHERE site_id = ? AND _retracted = 0",
        (site_id,),
    ).fetchall()
    found = footprints_from_remnants(rows)
    if found:
        return {
            "site": site_id,
            "site_name": site.get("name"),
            **{k: v for k, v in found[0].items() if k != "site"},
        }
    fp = compute_footprint([])
    without = sum(1 for r in rows if r[2] in FOOTPRINT_CATEGORIES)
    return {
        "site": site_id,
        "site_name": site.get("name"),
        **fp,
        "remnants": 0,
        "total_count": 0,
        "without_position": without,
    }


# --- which footprints a map draws --------------------------------------------------------

MIN_FOOTPRINT_PX = 3  # a footprint smaller than this on the map is not drawn


def footprint_sites_in_view(view: View, rows: Sequence[tuple[Any, ...]]) -> set[str]:
    """The sites whose footprint is worth drawing in ``view``, from remnant rows
    (remnant id, site id, category, lat, lon, count): those whose footprint remnants
    reach into the view and span at least ``MIN_FOOTPRINT_PX`` pixels there. A smaller
    footprint would be a dot under the site's marker."""
    located = [
        r for r in rows if r[2] in FOOTPRINT_CATEGORIES and r[3] is not None and r[4] is not None
    ]
    if not located:
        return set()
    x, y = view.pixels(np.array([r[3] for r in located]), np.array([r[4] for r in located]))
    boxes: dict[str, list[float]] = {}
    for r, px, py in zip(located, x.tolist(), y.tolist(), strict=True):
        b = boxes.get(r[1])
        if b is None:
            boxes[r[1]] = [px, py, px, py]
        else:
            b[0], b[1], b[2], b[3] = min(b[0], px), min(b[1], py), max(b[2], px), max(b[3], py)
    return {
        site
        for site, (x0, y0, x1, y1) in boxes.items()
        if max(x1 - x0, y1 - y0) >= MIN_FOOTPRINT_PX
        and x1 >= -10
        and y1 >= -10
        and x0 <= view.width + 10
        and y0 <= view.height + 10
    }


def footprints_in_view(view: View, data: MapData) -> list[dict[str, Any]]:
    """The footprints worth drawing in ``view`` (:func:`footprint_sites_in_view`): the
    cached ones when computed, else computed for those sites only (about a millisecond
    each, in metres with pyproj: computing every one is what made a city's map slow)."""
    keep = footprint_sites_in_view(view, data.footprint_input)
    if data.footprints_computed:
        return [fp for fp in data.footprints if fp.get("site") in keep]
    # the sites' rows without a position too: they are counted in each footprint
    return footprints_from_remnants([r for r in data.footprint_input if r[1] in keep])
