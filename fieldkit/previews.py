"""Embedded previews: the small JPEG a camera stores beside the photo, for a fast first view.

A JPEG's EXIF block carries a thumbnail in its second IFD (IFD1: JPEGInterchangeFormat,
tag 0x0201, and JPEGInterchangeFormatLength, 0x0202; EXIF 2.32 §4.5.5). Only JPEG's is used
so far: raws and HEIC are decoded in full as before. Decoding it costs about a millisecond where
the full photo costs tens; the full decode (which also finds a truncated file) then runs in
the background (:func:`fieldkit.thumbnails.check_pending`). The preview is only trusted
when it is a complete JPEG (SOI … EOI) and its shape matches the photo's.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from fieldkit.metadata.containers import find_jpeg
from fieldkit.metadata.tiff import Reader

#: A preview larger than this is not a thumbnail (and not read).
MAX_PREVIEW_BYTES = 4 * 1024 * 1024
_JPEG_OFFSET, _JPEG_LENGTH = 0x0201, 0x0202


def _ifd1_jpeg(read: Reader) -> bytes | None:
    header = read(0, 8)
    endian = {b"II": "<", b"MM": ">"}.get(header[:2])
    if len(header) < 8 or endian is None:
        return None
    ifd0 = struct.unpack(endian + "I", header[4:8])[0]
    raw_count = read(ifd0, 2)
    if len(raw_count) < 2:
        return None
    count = struct.unpack(endian + "H", raw_count)[0]
    raw_next = read(ifd0 + 2 + 12 * count, 4)
    if len(raw_next) < 4:
        return None
    ifd1 = struct.unpack(endian + "I", raw_next)[0]
    if ifd1 == 0 or ifd1 == ifd0:
        return None
    raw_count = read(ifd1, 2)
    if len(raw_count) < 2:
        return None
    count = struct.unpack(endian + "H", raw_count)[0]
    entries = read(ifd1 + 2, 12 * min(count, 512))
    offset = length = None
    for i in range(len(entries) // 12):
        tag, typ, n = struct.unpack(endian + "HHI", entries[i * 12 : i * 12 + 8])
        if n != 1 or typ not in (3, 4):
            continue
        value = entries[i * 12 + 8 : i * 12 + 12]
        number = (
            struct.unpack(endian + "H", value[:2])[0]
            if typ == 3
            else struct.unpack(endian + "I", value)[0]
        )
        if tag == _JPEG_OFFSET:
            offset = number
        elif tag == _JPEG_LENGTH:
            length = number
    if not offset or not length or length > MAX_PREVIEW_BYTES:
        return None
    data = read(offset, length)
    if len(data) != length or not data.startswith(b"\xff\xd8"):
        return None
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return None
    return data


def embedded_jpeg(fh: BinaryIO, mime: str) -> bytes | None:
    """The embedded JPEG preview of a photo, or None when it has none (never raises)."""
    try:
        if mime == "image/jpeg":
            found = find_jpeg(fh)
            return _ifd1_jpeg(found.tiff) if found.tiff is not None else None
    except (OSError, ValueError, OverflowError, struct.error):
        return None
    return None
