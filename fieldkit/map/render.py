"""The static map (no Qt): ``fieldkit map render`` and the maps in reports.

Web Mercator, 256-pixel XYZ tiles, integer zoom levels. With an explicit centre, the
centre falls on the image's continuous pixel coordinate (W/2, H/2), so its marker covers
pixel (⌊W/2⌋, ⌊H/2⌋); every other point lies where :class:`~fieldkit.map.geo.View`
puts it. Every map carries a scale bar and the basemap's attribution.

For colleagues: ``render_map(store, …)`` returns a :class:`Rendered` (a Pillow image and
the view used); ``render_view(view, data, source)`` draws prepared data on any basemap.
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from fieldkit.errors import MapError
from fieldkit.map import style
from fieldkit.map.basemaps import Registry, TileSource
from fieldkit.map.cache import load_map_data_cached
from fieldkit.map.footprint import (  # noqa: F401 - MIN_FOOTPRINT_PX: for the app's map
    MIN_FOOTPRINT_PX,
    footprint_sites_in_view,
    footprints_in_view,
)
from fieldkit.map.furniture import default_font, draw_furniture, legend_entries, printable
from fieldkit.map.geo import TILE_SIZE, View, fit_view
from fieldkit.map.layers import LAYERS, MapData, MapFilter, cluster
from fieldkit.map.naturalearth import NaturalEarth, natural_earth

MAX_SIZE = 8192
MAX_OVERZOOM = 6  # beyond this many levels past a basemap's deepest tiles: shipped base


@dataclass
class Rendered:
    image: Image.Image
    view: View
    basemap: str
    attribution: str
    layers: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "view": self.view.to_json(),
            "basemap": self.basemap,
            "attribution": self.attribution,
            "layers": list(self.layers),
            "counts": self.counts,
            "notices": self.notices,
        }

    def save(self, out: Path | str) -> Path:
        """Write the PNG atomically (a temp file in the same folder, then rename)."""
        out = Path(out)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
        try:
            self.image.save(tmp, "PNG")
            os.replace(tmp, out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise MapError(f"{out}: cannot write the map ({exc.strerror})") from None
        return out


# --- tiles --------------------------------------------------------------------------------


def tile_image(source: TileSource, z: int, x: int, y: int) -> Image.Image | None:
    """Tile z/x/y of a source as an RGBA image, None where it has none.

    Past the source's deepest level, the deepest tile is enlarged (up to
    ``MAX_OVERZOOM`` levels); a tile that does not decode is treated as missing.
    """
    if isinstance(source, NaturalEarth):
        return source.render_tile(z, x, y).convert("RGBA")
    info = source.info
    if info.min_zoom is not None and z < info.min_zoom:
        return None
    dz = 0
    if info.max_zoom is not None and z > info.max_zoom:
        dz = z - info.max_zoom
        if dz > MAX_OVERZOOM:
            return None
    data = source.tile(z - dz, x >> dz, y >> dz)
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            img = opened.convert("RGBA")
    except Exception:  # a damaged tile: draw the shipped base there, not a crash
        return None
    if img.size != (TILE_SIZE, TILE_SIZE):
        img = img.resize((TILE_SIZE, TILE_SIZE), Image.Resampling.BILINEAR)
    if dz:
        part = TILE_SIZE >> dz
        left = (x & ((1 << dz) - 1)) * part
        top = (y & ((1 << dz) - 1)) * part
        img = img.crop((left, top, left + part, top + part)).resize(
            (TILE_SIZE, TILE_SIZE), Image.Resampling.BILINEAR
        )
    return img


def _see_through(tile: Image.Image) -> bool:
    low: Any = tile.getchannel("A").getextrema()[0]
    return bool(low < 255)


def compose_tile(source: TileSource, z: int, x: int, y: int) -> Image.Image:
    """Tile z/x/y as drawn on a map: the source's tile, over the shipped base where the
    source has none or is see-through. Thread-safe (the app calls it off the UI thread)."""
    tile = tile_image(source, z, x, y)
    if tile is None or _see_through(tile):
        under = natural_earth().render_tile(z, x, y).convert("RGBA")
        tile = under if tile is None else Image.alpha_composite(under, tile)
    return tile


def draw_basemap(image: Image.Image, view: View, source: TileSource) -> None:
    """Paste the tiles under ``view`` into an RGBA ``image``; gaps get the shipped base."""
    for x, y, z, left, top in view.tiles():
        image.paste(compose_tile(source, z, x, y), (round(left), round(top)))


# --- layers -------------------------------------------------------------------------------


def _symbol(
    draw: ImageDraw.ImageDraw,
    kind: str,
    x: float,
    y: float,
    r: float,
    fill: tuple[int, ...],
    edge: tuple[int, ...] = (255, 255, 255),
) -> None:
    if kind == "circle":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill, outline=edge, width=2)
    elif kind == "ring":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=edge, outline=fill, width=3)
        draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=fill)
    elif kind == "square":
        draw.rectangle([x - r, y - r, x + r, y + r], fill=fill, outline=edge, width=2)
    elif kind == "triangle":
        draw.polygon(
            [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)],
            fill=fill,
            outline=edge,
            width=2,
        )
    elif kind == "hazard":
        draw.polygon(
            [(x, y - r * 1.5), (x + r * 1.35, y + r), (x - r * 1.35, y + r)],
            fill=style.HAZARD_FILL,
            outline=style.HAZARD_EDGE,
            width=2,
        )
        draw.line([(x, y - r * 0.6), (x, y + r * 0.2)], fill=style.HAZARD_EDGE, width=2)
        draw.point([(x, y + r * 0.6)], fill=style.HAZARD_EDGE)
    else:  # diamond
        draw.polygon(
            [(x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)],
            fill=fill,
            outline=edge,
            width=2,
        )


def _visible(x: np.ndarray, y: np.ndarray, view: View, margin: float = 40) -> np.ndarray:
    return np.nonzero(
        (x >= -margin) & (x <= view.width + margin) & (y >= -margin) & (y <= view.height + margin)
    )[0]


def _split(
    x: np.ndarray, y: np.ndarray, idx: np.ndarray, clustered: bool
) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
    """The points drawn on their own, and the (x, y, count) of cells with several."""
    if not clustered:
        return idx, []
    cx, cy, counts, first = cluster(x[idx], y[idx], style.CLUSTER_CELL)
    many = counts > 1
    groups = list(zip(cx[many].tolist(), cy[many].tolist(), counts[many].tolist(), strict=True))
    return idx[first[~many]], groups


def _draw_clusters(
    draw: ImageDraw.ImageDraw, layer: str, groups: list[tuple[float, float, int]]
) -> None:
    """Each cluster's disc, its count centred on it in white. A count's glyphs are
    rasterised once per map (a city's 500 clusters have a few dozen distinct counts)
    and stamped at the whole pixel nearest the centre."""
    colour = style.CLUSTER[layer]
    font = default_font(11)
    labels: dict[str, tuple[Image.Image, int, int]] = {}
    for px, py, n in groups:
        r = 9 + 3 * math.log10(n)
        draw.ellipse(
            [px - r, py - r, px + r, py + r], fill=colour, outline=(255, 255, 255), width=2
        )
        text = str(int(n))
        label = labels.get(text)
        if label is None:
            label = labels[text] = _label_mask(text, font)
        mask, dx, dy = label
        draw.bitmap((round(px) - dx, round(py) - dy), mask, fill=(255, 255, 255))


def _label_mask(text: str, font: Any) -> tuple[Image.Image, int, int]:
    """``text`` as drawn centred ("mm") on a point, as a mask: (mask, dx, dy) with the
    point at (dx, dy) in it (the same glyphs ``ImageDraw.text`` draws at a whole pixel)."""
    left, top, right, bottom = font.getbbox(text, anchor="mm")
    dx, dy = 2 - math.floor(left), 2 - math.floor(top)
    mask = Image.new("L", (math.ceil(right) + dx + 2, math.ceil(bottom) + dy + 2), 0)
    ImageDraw.Draw(mask).text((dx, dy), text, fill=255, font=font, anchor="mm")
    return mask, dx, dy


def render_view(
    view: View,
    data: MapData,
    source: TileSource | None = None,
    *,
    layers: Iterable[str] = LAYERS,
    legend: bool = True,
    labels: bool = True,
) -> tuple[Image.Image, dict[str, int]]:
    """Draw the basemap and the layers for ``view``; returns the RGB image and how many
    marks of each layer are in it (clusters count their members)."""
    layers = tuple(layers)
    source = source or natural_earth()
    image = Image.new("RGBA", (view.width, view.height), (255, 255, 255, 255))
    draw_basemap(image, view, source)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    od = ImageDraw.Draw(overlay)
    counts: dict[str, int] = {}
    clustered = view.zoom < style.CLUSTER_BELOW_ZOOM

    if "footprints" in layers:
        counts["footprints"] = 0
        for fp in data.footprints:
            if _draw_footprint(od, view, fp):
                counts["footprints"] += 1
    mpp = view.metres_per_pixel()
    photo_lone = np.zeros(0, dtype=int)
    photo_groups: list[tuple[float, float, int]] = []
    if "photos" in layers and len(data.photos):
        x, y = view.pixels(data.photos.lat, data.photos.lon)
        idx = _visible(x, y, view)
        counts["photos"] = len(idx)
        photo_lone, photo_groups = _split(x, y, idx, clustered)
        acc = data.photos.extra["position_accuracy_m"]
        direction = data.photos.extra["direction"]
        for i in photo_lone.tolist():
            px, py = float(x[i]), float(y[i])
            a_m, d_deg = float(acc[i]), float(direction[i])  # NaN: unknown
            if a_m > 0:
                r = a_m / mpp
                if 4 <= r <= 4 * max(view.width, view.height):
                    od.ellipse([px - r, py - r, px + r, py + r], fill=style.ACCURACY)
            if not math.isnan(d_deg):
                a = d_deg - 90.0  # Pillow's angles run clockwise from east
                cr = style.CONE_RADIUS
                od.pieslice(
                    [px - cr, py - cr, px + cr, py + cr],
                    a - style.CONE_HALF_ANGLE,
                    a + style.CONE_HALF_ANGLE,
                    fill=style.PHOTO_CONE,
                )
    image = Image.alpha_composite(image, overlay)
    draw = ImageDraw.Draw(image)
    if "photos" in layers and len(data.photos):
        x, y = view.pixels(data.photos.lat, data.photos.lon)
        r = style.PHOTO_RADIUS
        for i in photo_lone.tolist():
            px, py = float(x[i]), float(y[i])
            draw.ellipse(
                [px - r, py - r, px + r, py + r], fill=style.PHOTO, outline=(255, 255, 255)
            )
        _draw_clusters(draw, "photos", photo_groups)
    if "remnants" in layers and len(data.remnants):
        x, y = view.pixels(data.remnants.lat, data.remnants.lon)
        idx = _visible(x, y, view)
        counts["remnants"] = len(idx)
        lone, groups = _split(x, y, idx, clustered)
        _draw_clusters(draw, "remnants", groups)
        ex = data.remnants.extra
        for i in lone.tolist():
            colour = style.REMNANT_COLOURS.get(ex["category"][i], (0, 0, 0))
            if style.is_hazard(ex["condition"][i], ex["hazard"][i]):
                _symbol(draw, "hazard", float(x[i]), float(y[i]), style.REMNANT_RADIUS + 1, colour)
            else:
                _symbol(draw, "circle", float(x[i]), float(y[i]), style.REMNANT_RADIUS, colour)
    if "sites" in layers and len(data.sites):
        x, y = view.pixels(data.sites.lat, data.sites.lon)
        idx = _visible(x, y, view)
        counts["sites"] = len(idx)
        lone, groups = _split(x, y, idx, clustered)
        _draw_clusters(draw, "sites", groups)
        ex = data.sites.extra
        font = default_font(13)
        show_labels = labels and len(lone) <= 60
        for i in lone.tolist():
            px, py = float(x[i]), float(y[i])
            kind, colour, _label = style.site_symbol(ex["site_type"][i])
            if ex["conflict"][i]:
                rr = style.SITE_RADIUS + 5
                draw.ellipse([px - rr, py - rr, px + rr, py + rr], outline=style.CONFLICT, width=3)
            _symbol(draw, kind, px, py, style.SITE_RADIUS, colour)
            if show_labels and ex["name"][i]:
                draw.text(
                    (px + style.SITE_RADIUS + 5, py),
                    printable(str(ex["name"][i]))[:40],
                    fill=(30, 30, 30),
                    font=font,
                    anchor="lm",
                    stroke_width=3,
                    stroke_fill=(255, 255, 255),
                )
    if legend:
        draw_legend(draw, view, data, layers)
    return image.convert("RGB"), counts


def _draw_footprint(draw: ImageDraw.ImageDraw, view: View, fp: dict[str, Any]) -> bool:
    geom = fp.get("polygon") or {}
    rings: list[list[list[float]]] = []
    if geom.get("type") == "Polygon":
        rings = [geom["coordinates"][0]]
    elif geom.get("type") == "MultiPolygon":
        rings = [poly[0] for poly in geom["coordinates"]]
    elif geom.get("type") in ("LineString", "MultiLineString"):
        rings = []
    drawn = False
    for ring in rings:
        lon = np.array([p[0] for p in ring])
        lat = np.array([p[1] for p in ring])
        x, y = view.pixels(lat, lon)
        pts = list(zip(x.tolist(), y.tolist(), strict=True))
        draw.polygon(pts, fill=style.FOOTPRINT_FILL, outline=style.FOOTPRINT_EDGE, width=2)
        drawn = True
    axis = fp.get("axis") or {}
    lines = []
    if axis.get("type") == "LineString":
        lines = [axis["coordinates"]]
    elif axis.get("type") == "MultiLineString":
        lines = axis["coordinates"]
    for line in lines:
        x, y = view.pixels(np.array([p[1] for p in line]), np.array([p[0] for p in line]))
        pts = list(zip(x.tolist(), y.tolist(), strict=True))
        _dashed(draw, pts, (*style.FOOTPRINT_AXIS, 255), 2)
        drawn = True
    return drawn


def _dashed(
    draw: ImageDraw.ImageDraw, pts: Sequence[tuple[float, float]], fill: Any, width: int
) -> None:
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        length = math.hypot(x1 - x0, y1 - y0)
        steps = max(1, int(length // 8))
        for s in range(0, steps, 2):
            a, b = s / steps, min(1.0, (s + 1) / steps)
            draw.line(
                [
                    (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                    (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                ],
                fill=fill,
                width=width,
            )


# --- furniture: the legend (drawn with the layers' symbols) -----------------------------


def draw_legend(
    draw: ImageDraw.ImageDraw, view: View, data: MapData, layers: Iterable[str]
) -> None:
    entries = legend_entries(data, layers)
    if not entries or view.width < 300 or view.height < 200:
        return
    font = default_font(12)
    width = 26 + max(draw.textlength(label, font=font) for _s, label, _c in entries)
    height = 8 + 18 * len(entries)
    x0, y0 = view.width - width - 10, 10
    draw.rectangle([x0, y0, x0 + width, y0 + height], fill=(255, 255, 255), outline=(160, 160, 160))
    for n, (sym, label, colour) in enumerate(entries):
        cy = y0 + 13 + 18 * n
        cx = x0 + 12
        if sym == "conflict":
            draw.ellipse([cx - 7, cy - 7, cx + 7, cy + 7], outline=colour, width=3)
        elif sym == "photo":
            draw.pieslice([cx - 12, cy - 12, cx + 12, cy + 12], -115, -65, fill=(160, 190, 220))
            draw.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill=colour)
        elif sym == "footprint":
            draw.rectangle([cx - 7, cy - 5, cx + 7, cy + 5], fill=(240, 190, 180), outline=colour)
        else:
            _symbol(draw, sym, cx, cy, 5, colour, (90, 90, 90))
        draw.text((x0 + 24, cy), label, fill=(20, 20, 20), font=font, anchor="lm")


# --- the whole map --------------------------------------------------------------------------


def render_map(
    store: Any,
    *,
    case_id: str | None = None,
    site_id: str | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    size: tuple[int, int] = (1024, 768),
    basemap: str | None = None,
    layers: Sequence[str] = LAYERS,
    start: str | None = None,
    end: str | None = None,
    legend: bool = True,
) -> Rendered:
    """A static map of the store's records; the view is ``center``+``zoom`` when given,
    else fitted to what the filter shows (a site, a case, or everything).

    Raises :class:`~fieldkit.errors.NotFound` for an unknown case or site and
    :class:`MapError` for an unknown basemap or a bad zoom.
    """
    if case_id:
        store.get(case_id, "case")
    if site_id:
        store.get(site_id, "site")
    if zoom is not None and not 0 <= zoom <= 22:
        raise MapError(f"--zoom {zoom}: zoom levels are 0 to 22")
    width, height = size
    flt = MapFilter(case_id=case_id, site_id=site_id, start=start, end=end)
    data = load_map_data_cached(store, flt, layers=layers, compute_footprints=False)
    if center is not None:
        view = View(center[0], center[1], 16 if zoom is None else zoom, width, height)
    else:
        view = fit_view(data.positions(layers), width, height, max_zoom=18)
        if zoom is not None:
            view = View(view.lat, view.lon, zoom, width, height)
    if "footprints" in layers:
        data.footprints = footprints_in_view(view, data)
    source, opened_notices = Registry(store.home).open(basemap)
    notices = list(opened_notices)
    try:
        image, counts = render_view(view, data, source, layers=layers, legend=legend)
        attribution = source.info.attribution or source.info.name
    finally:
        if source is not natural_earth():
            source.close()
    if source is not natural_earth() and "Natural Earth" not in attribution:
        attribution = f"{attribution} · Natural Earth"
    draw_furniture(image, view, attribution)
    if data.unknown_time:
        notices.append(
            f"{data.unknown_time} site(s) with no incident time are not shown "
            "(the time window cannot place them)"
        )
    return Rendered(
        image=image,
        view=view,
        basemap=source.info.name,
        attribution=attribution,
        layers=tuple(layers),
        counts=counts,
        notices=notices,
    )
