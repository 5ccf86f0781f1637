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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.store import Store

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic", "image/heif")


def is_image(mime: str | None) -> bool:
    return bool(mime) and str(mime) in IMAGE_TYPES


def _open_original(store: Store, sha256: str) -> Any:
    """A readable binary stream of the original: through the media store's own reader
    when it has one (an encrypted store decrypts there), else the plain file."""
    if getattr(store.media, "encrypted", False):
        # Pillow seeks: the sealed original is decrypted into memory (never to disk).
        return io.BytesIO(store.media.read_original(sha256))
    return open(store.media.path_of(sha256), "rb")


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
    Returns None when the file is missing or is not an image Pillow can decode, or a
    redaction is malformed (the caller says so in its output; nothing unredacted goes
    out); never raises for a damaged file.
    """
    from PIL import Image, ImageOps

    from fieldkit.redact import burn, parse_rects
    from fieldkit.thumbnails import MAX_PIXELS, _register_heif, _rgb

    _register_heif()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        rects = parse_rects(redactions)
        with _open_original(store, sha256) as fh, Image.open(fh) as im:
            stored_w, stored_h = im.size  # before draft() shrinks it
            turned = im.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            if im.format == "JPEG":
                im.draft("RGB", (max_side, max_side))  # the decoder scales by 1/2..1/8
            im.load()
            upright = ImageOps.exif_transpose(im)
            picture = _rgb(upright if upright is not None else im.copy())
        if rects:
            burn(picture, rects, scale=picture.width / (stored_h if turned else stored_w))
        picture.thumbnail((max_side, max_side))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    except Exception:  # a damaged or unreadable file: the output notes it, nothing breaks
        return None
    return out.getvalue()
