"""Opening originals: the one decoder of the pictures that thumbnails and previews are made from.

Decides how an original becomes pixels (:func:`open_image`): which images are refused as
too large before any pixel is decoded (:data:`MAX_PIXELS`, :data:`MAX_DECODE_PIXELS`),
how a JPEG is decoded reduced, which frame of a video is its poster, and how the pixels
are turned upright (the record's EXIF Orientation, or FieldKit's reader; HEIF comes upright
from libheif).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image as PILImage


#: Images with more pixels than this are refused (a "decompression bomb" guard that
#: still admits 200-MP panoramas).
MAX_PIXELS = 400_000_000
#: At most this many pixels are ever decoded at once (about 0.5 GB as RGBA): a JPEG is
#: decoded reduced (``draft``, 1/2..1/8 scale) so a big photo passes; a format that
#: cannot be decoded reduced (PNG, TIFF, HEIF) is refused above it, checked on
#: ``width × height`` from the header before any pixel is decoded (issue 9, case 14).
MAX_DECODE_PIXELS = 128_000_000


class ImageTooLarge(ValueError):
    """Width × height over the guard; raised from the header, before decoding."""


#: Frames decoded at most while looking for a poster frame.
_POSTER_FRAMES = 48
#: EXIF Orientation → the Pillow transpose that makes the stored pixels upright (CIPA DC-008
#: 2019, §4.6.4 A, Orientation).
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}

_heif_registered = False


def register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF, once per process (pillow-heif is optional at run time)."""
    global _heif_registered
    if _heif_registered:
        return
    _heif_registered = True
    with contextlib.suppress(Exception):
        import pillow_heif

        pillow_heif.register_heif_opener()


#: What an original is read from: its path (unencrypted store, or the file being imported)
#: or its bytes (an encrypted store decrypts into memory; nothing plain touches the disk).
ImageSource = Path | bytes


def _input(src: ImageSource) -> Any:
    """Something Pillow, PyAV and the metadata reader open: the path, or a fresh stream."""
    return io.BytesIO(src) if isinstance(src, bytes | bytearray) else src


def sniff_source(src: ImageSource) -> str:
    """The type of an original, from its content (never its name)."""
    from fieldkit.metadata.filetype import SNIFF_BYTES, sniff_type

    if isinstance(src, bytes | bytearray):
        return sniff_type(bytes(src[:SNIFF_BYTES]))
    with open(src, "rb") as fh:
        return sniff_type(fh.read(SNIFF_BYTES))


def reader_orientation(src: ImageSource) -> int | None:
    """The EXIF Orientation (1..8) FieldKit's reader decides for a file, for callers without
    a record; None when the reader finds none or cannot read the file (never raises)."""
    from fieldkit.metadata import read_metadata

    try:
        if isinstance(src, bytes | bytearray):
            return read_metadata(bytes(src)).orientation
        with open(src, "rb") as fh:
            return read_metadata(fh).orientation
    except Exception:  # a reader problem means "as stored"
        return None


def apply_orientation(im: PILImage.Image, orientation: int | None) -> PILImage.Image:
    """``im`` turned upright for an EXIF Orientation value (1..8; None or 1: as stored)."""
    from PIL import Image

    method = _TRANSPOSE.get(orientation or 1)
    if method is None:
        return im
    return im.transpose(Image.Transpose(method))


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _poster(src: ImageSource, side: int) -> PILImage.Image:
    """A representative frame of a video, longest side at most ``side`` (not yet upright)."""
    import av

    with av.open(str(src) if isinstance(src, Path) else _input(src)) as container:
        if not container.streams.video:
            raise ValueError("no video stream")
        stream = container.streams.video[0]
        duration = (container.duration or 0) / 1_000_000
        at = min(1.0, duration / 3)
        if at > 0:
            with contextlib.suppress(Exception):
                container.seek(int(at * 1_000_000))
        first = None
        for count, frame in enumerate(container.decode(stream)):
            w, h = _fit(frame.width, frame.height, side)
            im = frame.to_image(width=w, height=h)
            if first is None:
                first = im
            # A black first frame (lens cap, fade-in) is a poor poster: look a little on.
            if max(im.convert("L").getextrema()) > 24 or count >= _POSTER_FRAMES:
                return im
        if first is None:
            raise ValueError("no frame could be decoded")
        return first


def open_image(
    src: ImageSource,
    target: tuple[int, int],
    orientation: int | None = None,
    mime: str | None = None,
) -> PILImage.Image:
    """The picture of an original, decoded for scaling to ``target`` (width, height px), upright.

    The one decoder of originals for derived pictures (thumbnails, the viewer, report
    figures, public copies). ``src`` is a path or the file's bytes. A JPEG is decoded
    reduced (``draft``: 1/2..1/8 scale, never below ``max(target)`` on its longest side), so
    the result may be larger than ``target`` but never the full 12 MP; other formats are
    decoded whole. A video gives its poster frame. ``orientation`` is the record's EXIF
    Orientation (1..8); None lets FieldKit's reader decide from the file; HEIF pixels come
    upright from libheif (``irot``/``imir``) and get nothing more. ``mime`` defaults to the
    type sniffed from the content.

    Raises :class:`ImageTooLarge` (over :data:`MAX_PIXELS`, or over
    :data:`MAX_DECODE_PIXELS` for a format that cannot be decoded reduced), and whatever
    Pillow, pillow-heif or PyAV raise for a file they cannot decode (``OSError``,
    ``ValueError``, ``av.error.FFmpegError``…).
    """
    from PIL import Image

    from fieldkit.metadata.filetype import HEIF_FAMILY

    mime = mime or sniff_source(src)
    side = max(target)
    if mime.startswith("video/"):
        im = _poster(src, side)
    else:
        register_heif()
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(_input(src)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise ImageTooLarge(
                    f"{width} × {height} pixels is over the {MAX_PIXELS:,} pixel limit"
                )
            if opened.format == "JPEG":
                # Scale so that the *shorter* requested side is still covered after rotation.
                opened.draft("RGB", (side, side))
            width, height = opened.size  # after draft: what will really be decoded
            if width * height > MAX_DECODE_PIXELS:
                raise ImageTooLarge(
                    f"{width} × {height} pixels cannot be decoded reduced and is over the "
                    f"{MAX_DECODE_PIXELS:,} pixels decoded at once"
                )
            opened.load()
            im = opened.copy()
        if mime in HEIF_FAMILY:
            return im
    if orientation is None:
        orientation = reader_orientation(src)
    return apply_orientation(im, orientation)


def to_rgb(im: PILImage.Image) -> PILImage.Image:
    """``im`` as RGB (or L) for JPEG encoding; transparency is laid on white."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "P", "PA"):
        from PIL import Image

        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")
