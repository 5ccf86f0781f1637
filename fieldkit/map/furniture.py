"""The static map's furniture: the scale bar, the attribution and the legend's entries.

Shared by :mod:`fieldkit.map.render` (the static map) and the app's map canvas, so both
show the same scale (a 1-2-5 × 10ⁿ distance, true at the map's centre latitude) and the
same legend. Pillow only, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from fieldkit.map import style
from fieldkit.map.geo import View
from fieldkit.map.layers import MapData


def default_font(size: int) -> Any:
    """Pillow's default font at ``size`` pixels (no font file needed)."""
    return ImageFont.load_default(size)


def printable(text: str) -> str:
    """``text`` with every unprintable character shown as U+FFFD (text from a basemap
    file is hostile input)."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def nice_scale(metres_per_pixel: float, max_px: float = 120) -> tuple[float, float]:
    """The longest 1-2-5 × 10ⁿ distance (metres) that fits in ``max_px``; and its pixels."""
    limit = metres_per_pixel * max_px
    power = 10 ** math.floor(math.log10(limit))
    for step in (5, 2, 1):
        if step * power <= limit:
            metres = step * power
            return metres, metres / metres_per_pixel
    return power, power / metres_per_pixel


def scale_text(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def draw_furniture(image: Image.Image, view: View, attribution: str) -> None:
    """The scale bar (bottom left, true at the map's centre latitude) and the attribution
    (bottom right)."""
    draw = ImageDraw.Draw(image)
    font = default_font(12)
    metres, px = nice_scale(view.metres_per_pixel(), min(120, view.width / 3))
    x0, y0 = 10, view.height - 14
    label = scale_text(metres)
    tw = draw.textlength(label, font=font)
    draw.rectangle([x0 - 5, y0 - 20, x0 + max(px, tw) + 8, y0 + 7], fill=(255, 255, 255))
    draw.line([(x0, y0), (x0 + px, y0)], fill=(0, 0, 0), width=3)
    draw.line([(x0, y0 - 6), (x0, y0 + 3)], fill=(0, 0, 0), width=2)
    draw.line([(x0 + px, y0 - 6), (x0 + px, y0 + 3)], fill=(0, 0, 0), width=2)
    draw.text((x0, y0 - 8), label, fill=(0, 0, 0), font=font, anchor="ls")
    text = printable(attribution)[:200]
    tw = draw.textlength(text, font=font)
    right = view.width - 4
    draw.rectangle(
        [right - tw - 8, view.height - 20, view.width, view.height], fill=(255, 255, 255)
    )
    draw.text((right - 4, view.height - 6), text, fill=(40, 40, 40), font=font, anchor="rs")


def legend_entries(data: MapData, layers: Iterable[str]) -> list[tuple[str, str, Any]]:
    """(symbol, label, colour) for what the map shows; the app's legend uses it too."""
    layers = set(layers)
    out: list[tuple[str, str, Any]] = []
    if "sites" in layers and len(data.sites):
        for kind in sorted({k for k in data.sites.extra["site_type"]}, key=str):
            sym, colour, label = style.site_symbol(kind)
            out.append((sym, label, colour))
        if any(data.sites.extra["conflict"]):
            out.append(("conflict", "record in conflict", style.CONFLICT))
    if "remnants" in layers and len(data.remnants):
        ex = data.remnants.extra
        cats = sorted({c for c in ex["category"] if c}, key=str)
        for c in cats:
            out.append(("circle", c.replace("_", " "), style.REMNANT_COLOURS.get(c, (0, 0, 0))))
        if any(style.is_hazard(c, h) for c, h in zip(ex["condition"], ex["hazard"], strict=True)):
            out.append(("hazard", "dud / hazard", style.HAZARD_FILL))
    if "photos" in layers and len(data.photos):
        out.append(("photo", "photo (cone: direction)", style.PHOTO))
    if "footprints" in layers and data.footprints:
        out.append(("footprint", "footprint (dashed: long axis)", style.FOOTPRINT_EDGE))
    return out


__all__ = [
    "default_font",
    "draw_furniture",
    "legend_entries",
    "nice_scale",
    "printable",
    "scale_text",
]
