"""Finding the EXIF (TIFF) block and the pixel size inside each container format.

Each finder reads only the segments it needs, never a whole file: a JPEG's EXIF is in its
first 64 KiB segment, a PNG's or WebP's in one chunk, a TIFF's is the file itself (read by
random access). HEIF/AVIF go through pillow-heif (libheif), which parses the box structure.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from fieldkit.metadata.tiff import Reader, bytes_reader, file_reader

#: A file pillow-heif would have to hold in memory in full; larger ones are not parsed.
MAX_HEIF_BYTES = 512 * 1024 * 1024
_MAX_SEGMENTS = 10_000


@dataclass
class Found:
    """Where the TIFF block is (a reader starting at its header), pixel size, problems."""

    tiff: Reader | None = None
    width: int | None = None
    height: int | None = None
    problems: list[str] = field(default_factory=list)


def _tiff_in(payload: bytes) -> bytes | None:
    """The TIFF block inside an EXIF payload that may start with 'Exif\\0\\0' or not."""
    for start in range(min(len(payload), 16)):
        if payload[start : start + 4] in (b"II*\x00", b"MM\x00*"):
            return payload[start:]
    return None


def find_jpeg(fh: BinaryIO, base: int = 0) -> Found:
    out = Found()
    fh.seek(base)
    if fh.read(2) != b"\xff\xd8":
        out.problems.append("JPEG: no start-of-image marker")
        return out
    pos = base + 2
    for _ in range(_MAX_SEGMENTS):
        fh.seek(pos)
        marker = fh.read(2)
        # Fill bytes (0xFF) may precede a marker.
        while marker[:1] == b"\xff" and marker[1:2] == b"\xff":
            pos += 1
            marker = marker[1:] + fh.read(1)
        if len(marker) < 2:
            out.problems.append(f"JPEG truncated at byte {pos - base} (no image data)")
            return out
        if marker[0] != 0xFF:
            out.problems.append(f"JPEG: bad marker at byte {pos - base}")
            return out
        kind = marker[1]
        if kind in (0x01, *range(0xD0, 0xD8)):
            pos += 2
            continue
        if kind in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
            if out.width is None:
                out.problems.append("JPEG: no frame header before the image data")
            return out
        raw_len = fh.read(2)
        if len(raw_len) < 2:
            out.problems.append(f"JPEG truncated at byte {pos + 2 - base}")
            return out
        length = struct.unpack(">H", raw_len)[0]
        if length < 2:
            out.problems.append(f"JPEG: bad segment length at byte {pos - base}")
            return out
        if kind == 0xE1 and out.tiff is None:
            payload = fh.read(length - 2)
            if payload.startswith(b"Exif\x00"):
                if len(payload) < length - 2:
                    out.problems.append(
                        f"EXIF block truncated at byte {pos + 4 + len(payload) - base}"
                    )
                tiff = _tiff_in(payload)
                if tiff:
                    out.tiff = bytes_reader(tiff)
                else:
                    out.problems.append("EXIF segment without a TIFF header")
        elif kind in (*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), 0xCD, 0xCE, 0xCF):
            frame = fh.read(5)
            if len(frame) == 5:
                out.height, out.width = struct.unpack(">HH", frame[1:5])
            # EXIF always precedes the frame header; nothing more to find.
            return out
        pos += 2 + length
    out.problems.append("JPEG: too many segments (corrupt)")
    return out


def find_png(fh: BinaryIO) -> Found:
    out = Found()
    pos = 8
    for _ in range(_MAX_SEGMENTS):
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            if out.width is None:
                out.problems.append(f"PNG truncated at byte {pos}")
            return out
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IHDR":
            ihdr = fh.read(8)
            if len(ihdr) == 8:
                out.width, out.height = struct.unpack(">II", ihdr)
        elif kind == b"eXIf" and out.tiff is None:
            data = fh.read(min(length, 1 << 20))
            tiff = _tiff_in(data)
            if tiff:
                out.tiff = bytes_reader(tiff)
        elif kind in (b"zTXt", b"iTXt", b"tEXt") and out.tiff is None and length < (4 << 20):
            tiff = _png_text_exif(kind, fh.read(length))
            if tiff:
                out.tiff = bytes_reader(tiff)
        elif kind == b"IEND":
            return out
        pos += 12 + length
    return out


def _png_text_exif(kind: bytes, data: bytes) -> bytes | None:
    """ImageMagick's 'Raw profile type exif' text chunk: hex of an APP1 payload."""
    keyword, _, rest = data.partition(b"\x00")
    if keyword not in (b"Raw profile type exif", b"Raw profile type APP1"):
        return None
    try:
        if kind == b"zTXt":
            text = zlib.decompress(rest[1:])
        elif kind == b"iTXt":
            compressed = rest[:1] == b"\x01"
            text = rest[2:].split(b"\x00", 2)[-1]
            text = zlib.decompress(text) if compressed else text
        else:
            text = rest
        lines = text.strip().split(b"\n", 2)
        payload = bytes.fromhex(lines[2].decode("ascii").replace("\n", "").replace(" ", ""))
    except (zlib.error, ValueError, IndexError, UnicodeDecodeError):
        return None
    return _tiff_in(payload)


def find_webp(fh: BinaryIO) -> Found:
    out = Found()
    fh.seek(12)
    pos = 12
    for _ in range(_MAX_SEGMENTS):
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            return out
        kind, length = struct.unpack("<4sI", head)
        if kind == b"VP8X":
            data = fh.read(10)
            if len(data) == 10:
                out.width = int.from_bytes(data[4:7], "little") + 1
                out.height = int.from_bytes(data[7:10], "little") + 1
        elif kind == b"VP8 " and out.width is None:
            data = fh.read(10)
            if len(data) == 10 and data[3:6] == b"\x9d\x01\x2a":
                w, h = struct.unpack("<HH", data[6:10])
                out.width, out.height = w & 0x3FFF, h & 0x3FFF
        elif kind == b"VP8L" and out.width is None:
            data = fh.read(5)
            if len(data) == 5 and data[0] == 0x2F:
                bits = int.from_bytes(data[1:5], "little")
                out.width, out.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        elif kind == b"EXIF" and length < (4 << 20):
            tiff = _tiff_in(fh.read(length))
            if tiff:
                out.tiff = bytes_reader(tiff)
        pos += 8 + length + (length & 1)
    return out


def find_tiff(fh: BinaryIO) -> Found:
    return Found(tiff=file_reader(fh, 0))


def find_raf(fh: BinaryIO) -> Found:
    """Fujifilm RAF: a header pointing at an embedded JPEG that carries the EXIF."""
    fh.seek(84)
    ptr = fh.read(8)
    if len(ptr) < 8:
        return Found(problems=["RAF header truncated"])
    offset, _length = struct.unpack(">II", ptr)
    inner = find_jpeg(fh, offset)
    # The embedded JPEG is a preview: its pixel size is not the image's.
    return Found(tiff=inner.tiff, problems=inner.problems)


#: How far into a file without a structured reader an embedded EXIF block is looked for.
EMBEDDED_SCAN_BYTES = 8 * 1024 * 1024


def find_embedded_exif(fh: BinaryIO) -> Found:
    """Sigma X3F and the like: EXIF inside an embedded JPEG preview, found by its signature."""
    fh.seek(0)
    data = fh.read(EMBEDDED_SCAN_BYTES)
    at = data.find(b"Exif\x00\x00")
    while at >= 0:
        tiff = _tiff_in(data[at + 6 : at + 6 + 65536])
        if tiff is not None and data[at + 6 : at + 8] in (b"II", b"MM"):
            return Found(tiff=bytes_reader(tiff), problems=["EXIF read from an embedded preview"])
        at = data.find(b"Exif\x00\x00", at + 1)
    return Found(problems=["no EXIF found in the first 8 MiB"])


def find_heif(fh: BinaryIO, size: int) -> Found:
    out = Found()
    if size > MAX_HEIF_BYTES:
        out.problems.append(f"HEIF file of {size} bytes is too large to parse for metadata")
        return out
    try:
        import pillow_heif

        fh.seek(0)
        heif = pillow_heif.open_heif(fh, convert_hdr_to_8bit=False)
        out.width, out.height = heif.size
        exif = heif.info.get("exif")
    except Exception as exc:  # libheif reports damage with assorted exception types
        out.problems.append(f"HEIF container unreadable: {_short(exc)}")
        return out
    if exif:
        tiff = _tiff_in(bytes(exif))
        if tiff:
            out.tiff = bytes_reader(tiff)
        else:
            out.problems.append("HEIF EXIF item without a TIFF header")
    return out


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
