"""Scaled copies of photos for outputs (KMZ thumbnails, report figures): never the original.

A copy is decoded from the original (JPEG draft mode: the decoder itself scales by 1/2 to
1/8, so a 12-MP photo never sits in memory at full size), turned upright by its EXIF
orientation, scaled to fit ``max_side`` and encoded as a fresh baseline JPEG with *no*
metadata block at all: no EXIF (so no GPS, no serial number), no XMP, no ICC profile, no
embedded thumbnail. Same original and size, same bytes (Pillow's encoder is deterministic).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldkit.store import Store

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic", "image/heif")


def is_image(mime: str | None) -> bool:
    return bool(mime) and str(mime) in IMAGE_TYPES


def scaled_jpeg(
    store: Store,
    sha256: str,
    max_side: int,
    *,
    quality: int = 80,
    redactions: Sequence[str] | None = None,
) -> bytes | None:
    """A metadata-free JPEG of the stored original, longest side at most ``max_side`` px.

    ``redactions`` (``"x,y,w,h"`` in pixels of the upright original, :mod:`fieldkit.redact`)
    are burned in as solid blocks before encoding: public outputs pass the media record's.
    Returns None when the file is missing or is not an image Pillow can decode (the
    caller says so in its output); never raises for a damaged file.
    """
    from PIL import Image

    from fieldkit.redact import burn, parse_rects
    from fieldkit.thumbnails import _open, _rgb

    path = store.media.path_of(sha256)
    try:
        rects = parse_rects(redactions)
        if rects:
            with Image.open(path) as probe:
                stored_w, stored_h = probe.size
                turned = probe.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            full_w = stored_h if turned else stored_w
        im = _open(path, (max_side, max_side))
        im = _rgb(im)
        if rects:
            burn(im, rects, scale=im.width / full_w)
        im.thumbnail((max_side, max_side))
        out = io.BytesIO()
        im.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    except Exception:  # a damaged or unreadable file: the output notes it, nothing breaks
        return None
    return out.getvalue()
