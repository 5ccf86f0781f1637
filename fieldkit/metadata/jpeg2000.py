"""JPEG 2000 (.jp2, ISO/IEC 15444-1 Annex I): EXIF, XMP and pixel size from its boxes.

The boxes have the ISO-BMFF header. The pixel size is in ``jp2h``/``ihdr`` (§I.5.3.1);
EXIF is in a ``uuid`` box with the id "JpgTiffExif->JP2" (as written by exiftool, Adobe
and the JPEG 2000 Part 2 tools); XMP in a ``uuid`` box with the XMP id (XMP Specification
Part 3, §1.1.7) or in an ``xml `` box. The codestream (``jp2c``) is never read.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from fieldkit.metadata.bmff import boxes
from fieldkit.metadata.containers import Found, tiff_in
from fieldkit.metadata.tiff import bytes_reader, file_reader
from fieldkit.metadata.xmp import find_packet

EXIF_UUID = b"JpgTiffExif->JP2"
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
MAX_BOX_BYTES = 4 * 1024 * 1024


def find_jp2(fh: BinaryIO, size: int) -> Found:
    out = Found()
    read = file_reader(fh)
    for kind, start, end in boxes(read, 0, size):
        if kind == b"jp2h":
            for sub, s, _e in boxes(read, start, end):
                if sub == b"ihdr":
                    ihdr = read(s, 8)
                    if len(ihdr) == 8:
                        out.height, out.width = struct.unpack(">II", ihdr)
            continue
        if kind not in (b"uuid", b"xml "):
            continue
        if end - start > MAX_BOX_BYTES:
            out.problems.append(f"JPEG 2000: '{kind.decode()}' box of {end - start} bytes not read")
            continue
        payload = read(start, end - start)
        if len(payload) < end - start:
            out.problems.append(f"JPEG 2000 truncated inside a '{kind.decode()}' box")
            continue
        if kind == b"xml ":
            packet = find_packet(payload)
            if packet is not None and out.xmp is None:
                out.xmp = packet
        elif payload[:16] == EXIF_UUID and out.tiff is None:
            tiff = tiff_in(payload[16:])
            if tiff is None:
                out.problems.append("JPEG 2000: Exif box without a TIFF header")
            else:
                out.tiff = bytes_reader(tiff)
        elif payload[:16] == XMP_UUID:
            out.xmp = payload[16:]
    if out.width is None:
        out.problems.append("JPEG 2000: no image header ('ihdr')")
    return out
