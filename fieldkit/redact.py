"""Redaction rectangles: parts of a photo that a published copy must hide.

A rectangle is written ``"x,y,w,h"``: whole pixels of the photo *as shown upright* (EXIF
Orientation applied, tag 0x0112), ``x, y`` its top-left corner, ``w, h`` its width and
height. A media record keeps them in its ``redactions`` field (an ordinary journal
event), so the same rectangles reach every public copy: the release's photos, the public
report's figures and a public KMZ's thumbnails.

Redaction burns a solid block into the pixels *before* encoding. It is never a blur or a
mosaic, which can be partly reversed; the hidden pixels never reach the encoder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from fieldkit.errors import ValidationError

if TYPE_CHECKING:
    from PIL import Image

FILL = (0, 0, 0)  # black: the colour of a burned-in block
_RECT = re.compile(r"^\s*(\d{1,6})\s*,\s*(\d{1,6})\s*,\s*(\d{1,6})\s*,\s*(\d{1,6})\s*$")

Rect = tuple[int, int, int, int]


def parse_rect(text: str) -> Rect:
    """``"x,y,w,h"`` → ``(x, y, w, h)``; raises :class:`ValidationError` if malformed or empty."""
    m = _RECT.match(text) if isinstance(text, str) else None
    if not m:
        raise ValidationError(
            f"redaction {text!r} is not x,y,w,h in whole pixels (e.g. 120,40,300,200)",
            fields=("redactions",),
        )
    x, y, w, h = (int(g) for g in m.groups())
    if w == 0 or h == 0:
        raise ValidationError(f"redaction {text!r} has no area", fields=("redactions",))
    return x, y, w, h


def parse_rects(items: Iterable[str] | None) -> list[Rect]:
    """Every rectangle of a ``redactions`` field, checked (see :func:`parse_rect`)."""
    return [parse_rect(item) for item in items or ()]


def burn(image: Image.Image, rects: Sequence[Rect], *, scale: float = 1.0) -> Image.Image:
    """Fill each rectangle with :data:`FILL`; ``scale`` maps upright pixels to ``image``.

    ``image`` must already be upright and in RGB or RGBA or L mode. Rectangles partly
    outside are clipped; the block is widened by one pixel on each side when scaled, so
    rounding never leaves a sliver of the hidden area.
    """
    from PIL import ImageDraw

    if not rects:
        return image
    draw = ImageDraw.Draw(image)
    fill: int | tuple[int, ...] = 0 if image.mode == "L" else FILL
    if image.mode == "RGBA":
        fill = (*FILL, 255)
    pad = 0 if scale == 1.0 else 1
    for x, y, w, h in rects:
        box = (
            max(0, int(x * scale) - pad),
            max(0, int(y * scale) - pad),
            min(image.width, int(-(-(x + w) * scale // 1)) + pad) - 1,
            min(image.height, int(-(-(y + h) * scale // 1)) + pad) - 1,
        )
        if box[2] >= box[0] and box[3] >= box[1]:
            draw.rectangle(box, fill=fill)
    return image
