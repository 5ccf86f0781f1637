"""`fieldkit basemap add|list|remove`, `fieldkit map render`, `fieldkit site footprint`."""

from __future__ import annotations

import argparse
import math
import unicodedata
from typing import Any

from fieldkit.cli.common import add_json, home_of, open_store, print_json
from fieldkit.errors import MapError


def _safe(text: Any) -> str:
    """Text from a file or record with control and bidi-override characters escaped."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "basemap",
        help="offline basemaps: raster MBTiles and PMTiles",
        description="Offline basemaps: raster MBTiles 1.3 and PMTiles v3 files (PNG, JPEG "
        "or WebP tiles), referenced where they lie, never copied. The shipped base "
        "(Natural Earth land and borders) is always there.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("add", help="register a basemap file", description="Register a file.")
    v.add_argument("file", help="an .mbtiles or .pmtiles file with raster tiles")
    v.add_argument("--name", help="the name to use it by (default: the file name)")
    add_json(v)
    v.set_defaults(handler=cmd_basemap_add)
    v = verbs.add_parser(
        "list",
        help="list basemaps",
        description="Every basemap: name, format, bounds, min and max zoom, tile format; a "
        "missing file is a notice.",
    )
    add_json(v)
    v.set_defaults(handler=cmd_basemap_list)
    v = verbs.add_parser(
        "remove", help="forget a basemap", description="Forget a basemap; the file stays."
    )
    v.add_argument("name")
    add_json(v)
    v.set_defaults(handler=cmd_basemap_remove)

    p = sub.add_parser(
        "map",
        help="draw a static map",
        description="Static maps (Web Mercator, 256-pixel XYZ tiles), for reports and scripts.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser(
        "render",
        help="draw a map to a PNG file",
        description="Draw sites, remnants, photos and footprints on a basemap. With "
        "--center the point falls on the image's centre pixel; without it the map fits "
        "the case, the site or everything.",
    )
    v.add_argument("--out", required=True, help="the PNG file to write")
    scope = v.add_mutually_exclusive_group()
    scope.add_argument("--case", dest="case_id", help="only this case")
    scope.add_argument("--site", dest="site_id", help="only this site")
    v.add_argument("--center", help="LAT,LON of the image centre (decimal degrees)")
    v.add_argument("--zoom", type=int, help="zoom level 0-22 (default with --center: 16)")
    v.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT in pixels (1024x768)")
    v.add_argument("--basemap", help="a basemap name (default: the shipped base)")
    v.add_argument(
        "--layers",
        help="comma-separated: sites,remnants,photos,footprints (default: all)",
    )
    v.add_argument("--from", dest="start", help="incident time window start (ISO 8601)")
    v.add_argument("--to", dest="end", help="incident time window end (ISO 8601)")
    v.add_argument("--no-legend", action="store_true", help="leave the legend out")
    add_json(v)
    v.set_defaults(handler=cmd_map_render)


def register_site_verbs(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``fieldkit site footprint ID``: called by the records module for ``site``."""
    v = verbs.add_parser(
        "footprint",
        help="the footprint of a strike from its remnants",
        description="Convex hull, area, long axis (length, width, bearing from true north) "
        "and centroid of the positions of the site's submunitions, craters and "
        "fragments, computed in metres. A lower bound of the real footprint; the axis "
        "is an indication for an expert, not a conclusion (docs/footprint.md).",
    )
    v.add_argument("id", help="the site id")
    add_json(v)
    v.set_defaults(handler=cmd_site_footprint)


def cmd_basemap_add(args: argparse.Namespace) -> int:
    from fieldkit.map.basemaps import Registry

    info = Registry(home_of(args)).add(args.file, args.name)
    if args.json:
        print_json(info.to_json())
    else:
        print(
            f"added basemap {_safe(info.name)} ({info.format}, {info.tile_format} tiles, "
            f"zoom {info.min_zoom}-{info.max_zoom})"
        )
    return 0


def cmd_basemap_list(args: argparse.Namespace) -> int:
    from fieldkit.map.basemaps import Registry

    items = Registry(home_of(args)).describe()
    if args.json:
        print_json({"basemaps": [i.to_json() for i in items]})
        return 0
    for i in items:
        where = f"  {_safe(i.path)}" if i.path else ""
        print(
            f"{_safe(i.name)}  {i.format}  {i.tile_format or '?'}  "
            f"zoom {i.min_zoom}-{i.max_zoom}{where}"
        )
        if i.notice:
            print(f"  notice: {_safe(i.notice)}")
    return 0


def cmd_basemap_remove(args: argparse.Namespace) -> int:
    from fieldkit.map.basemaps import Registry

    Registry(home_of(args)).remove(args.name)
    if args.json:
        print_json({"removed": args.name})
    else:
        print(f"removed basemap {_safe(args.name)} (the file was left where it is)")
    return 0


def cmd_map_render(args: argparse.Namespace) -> int:
    import sys

    from fieldkit.errors import MapError
    from fieldkit.map.render import render_map
    from fieldkit.records import parse_datetime_utc

    size = parse_size(args.size)
    center = parse_center(args.center) if args.center else None
    layers = parse_layers(args.layers)
    window = []
    for option, text in (("--from", args.start), ("--to", args.end)):
        try:
            window.append(parse_datetime_utc(text) if text else None)
        except ValueError as exc:
            raise MapError(f"{option}: {exc}") from None
    with open_store(args) as store:
        rendered = render_map(
            store,
            case_id=args.case_id,
            site_id=args.site_id,
            center=center,
            zoom=args.zoom,
            size=size,
            basemap=args.basemap,
            layers=layers,
            start=window[0],
            end=window[1],
            legend=not args.no_legend,
        )
    out = rendered.save(args.out)
    if args.json:
        print_json({"out": str(out), **rendered.to_json()})
    else:
        v = rendered.view
        print(f"wrote {out}: {v.width}x{v.height}, zoom {v.zoom}, centre {v.lat:.6f},{v.lon:.6f}")
        for notice in rendered.notices:
            print(f"notice: {_safe(notice)}", file=sys.stderr)
    return 0


def cmd_site_footprint(args: argparse.Namespace) -> int:
    from fieldkit.map.footprint import site_footprint

    with open_store(args) as store:
        fp = site_footprint(store, args.id)
    if args.json:
        print_json(fp)
        return 0
    print(f"footprint of site {fp['site']} ({_safe(fp.get('site_name') or '')})")
    print(f"  points: {fp['points']} ({fp['total_count']} item(s) counted)")
    print(f"  area: {fp['area_m2']:,.0f} m²")
    print(f"  long axis: {fp['length_m']:,.1f} m, width {fp['width_m']:,.1f} m")
    if fp["axis_bearing_deg"] is not None:
        print(
            f"  axis bearing: {fp['axis_bearing_deg']:.1f}° from true north (an indication "
            "for an expert to assess, not a conclusion)"
        )
    if fp["centroid"]:
        print(f"  centroid: {fp['centroid']['lat']:.6f}, {fp['centroid']['lon']:.6f}")
    if fp["message"]:
        print(f"  note: {fp['message']}")
    if fp.get("without_position"):
        print(f"  {fp['without_position']} remnant(s) without a position were not counted")
    return 0


# --- parsing the render options ---------------------------------------------------------


def parse_size(text: str) -> tuple[int, int]:
    """``"1024x768"`` → (1024, 768); each side 64..8192 pixels. Raises MapError."""
    from fieldkit.map.render import MAX_SIZE

    w, sep, h = text.lower().partition("x")
    if not sep or not w.strip().isdigit() or not h.strip().isdigit():
        raise MapError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 1024x768")
    width, height = int(w), int(h)
    if not (64 <= width <= MAX_SIZE and 64 <= height <= MAX_SIZE):
        raise MapError(f"--size {text!r}: each side must be 64 to {MAX_SIZE} pixels")
    return width, height


def parse_center(text: str) -> tuple[float, float]:
    """``"39.8153,46.7519"`` → (lat, lon) in WGS84 degrees."""
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise MapError(f"--center {text!r}: expected LAT,LON in decimal degrees") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        raise MapError(f"--center {text!r}: latitude -90..90, longitude -180..180")
    return lat, lon


def parse_layers(text: str | None) -> tuple[str, ...]:
    """``"sites,photos"`` → the layers named (all of them when empty). Raises MapError."""
    from fieldkit.map.layers import LAYERS

    if not text:
        return LAYERS
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if n not in LAYERS]
    if bad:
        raise MapError(f"--layers: unknown layer {bad[0]!r}; layers are {', '.join(LAYERS)}")
    return names
