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
    orientation: int | None = None,
) -> bytes | None:
    """A metadata-free JPEG of the stored original, longest side at most ``max_side`` px.

    ``redactions`` (``"x,y,w,h"`` in pixels of the upright original, :mod:`fieldkit.redact`)
    are burned in as solid blocks before encoding: public outputs pass the media record's.
    ``orientation`` is the record's EXIF Orientation (None: FieldKit's reader decides); the
    original is decoded by :func:`fieldkit.thumbnails.open_image`, the one decoder of
    originals for derived pictures.
    Returns None when the file is missing or is not an image Pillow can decode, or a
    redaction is malformed (the caller says so in its output; nothing unredacted goes
    out); never raises for a damaged file.
    """
    from PIL import Image

    from fieldkit.metadata.filetype import HEIF_FAMILY, SNIFF_BYTES, sniff_type
    from fieldkit.redact import burn, parse_rects
    from fieldkit.thumbnails import (
        MAX_PIXELS,
        open_image,
        original_source,
        reader_orientation,
        register_heif,
        to_rgb,
    )

    register_heif()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        rects = parse_rects(redactions)
        src = original_source(store, sha256)
        if isinstance(src, bytes):
            head = src[:SNIFF_BYTES]
        else:
            with open(src, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        mime = sniff_type(head)
        if orientation is None:
            orientation = reader_orientation(src)
        with Image.open(io.BytesIO(src) if isinstance(src, bytes) else src) as header:
            stored_w, stored_h = header.size  # the header only: nothing decoded yet
        # HEIF pixels come upright from libheif; others are turned by the EXIF Orientation.
        turned = mime not in HEIF_FAMILY and (orientation or 1) in (5, 6, 7, 8)
        picture = to_rgb(open_image(src, (max_side, max_side), orientation, mime))
        if rects:
            burn(picture, rects, scale=picture.width / (stored_h if turned else stored_w))
        picture.thumbnail((max_side, max_side))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    except Exception:  # a damaged or unreadable file: the output notes it, nothing breaks
        return None
    return out.getvalue()
