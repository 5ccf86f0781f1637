"""Finding the EXIF (TIFF) block and the pixel size inside each container format.

Each finder reads only the segments it needs, never a whole file: a JPEG's EXIF is in its
first 64 KiB segment, a PNG's or WebP's in one chunk, a TIFF's is the file itself (read by
random access). HEIF/AVIF are read by :func:`fieldkit.metadata.bmff.find_heif`, the one
HEIF parser (JPEG XL and JPEG 2000 have their own modules).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from fieldkit.metadata.tiff import Reader, bytes_reader, file_reader

_MAX_SEGMENTS = 10_000


@dataclass
class Found:
    """Where the TIFF block is (a reader starting at its header), pixel size, problems."""

    tiff: Reader | None = None
    width: int | None = None
    height: int | None = None
    problems: list[str] = field(default_factory=list)
    #: The XMP packet (XML bytes) when the container has one outside the TIFF block.
    xmp: bytes | None = None
    xmp_extended: bool = False


def tiff_in(payload: bytes) -> bytes | None:
    """The TIFF block (from its byte-order mark ``II*\\0`` or ``MM\\0*``, TIFF 6.0 §2)
    inside an EXIF payload, which may start with ``Exif\\0\\0`` (a JPEG APP1 segment,
    Exif 2.3 / CIPA DC-008), with a 4-byte offset (a HEIF ``Exif`` item, ISO/IEC 23008-12)
    or with neither; searched in the first 16 bytes. ``None`` when there is none. Used by
    every container reader (JPEG, PNG, WebP, HEIF, JPEG XL, JPEG 2000)."""
    for start in range(min(len(payload), 16)):
        if payload[start : start + 4] in (b"II*\x00", b"MM\x00*"):
            return payload[start:]
    return None


XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"  # XMP Specification Part 3, §1.1.3
_XMP_EXTENDED = b"http://ns.adobe.com/xmp/extension/\x00"
_SOF = frozenset((*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), 0xCD, 0xCE, 0xCF))


def find_jpeg(fh: BinaryIO, base: int = 0) -> Found:
    """EXIF (first APP1 'Exif'), XMP (APP1 with the XMP namespace) and the frame size.

    Every marker segment up to the start of scan is looked at: an APP1 after the frame
    header is legal JPEG syntax (ITU T.81 §B.2.4: tables/misc may precede any scan) and
    real files have one there, so the scan does not stop at SOF.
    """
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
        if kind == 0xE1:
            payload = fh.read(length - 2)
            if payload.startswith(b"Exif\x00"):
                if out.tiff is not None:
                    out.problems.append("JPEG: a second EXIF segment is ignored")
                else:
                    if len(payload) < length - 2:
                        out.problems.append(
                            f"EXIF block truncated at byte {pos + 4 + len(payload) - base}"
                        )
                    tiff = tiff_in(payload)
                    if tiff:
                        out.tiff = bytes_reader(tiff)
                    else:
                        out.problems.append("EXIF segment without a TIFF header")
            elif payload.startswith(XMP_APP1) and out.xmp is None:
                out.xmp = payload[len(XMP_APP1) :]
            elif payload.startswith(_XMP_EXTENDED):
                # Extended XMP (XMP Part 3 §1.1.3.1) carries what overflows 64 KiB: depth
                # maps, edit history. The dates and GPS FieldKit reads are in the main packet.
                out.xmp_extended = True
        elif kind in _SOF and out.width is None:
            frame = fh.read(5)
            if len(frame) == 5:
                out.height, out.width = struct.unpack(">HH", frame[1:5])
        pos += 2 + length
    out.problems.append("JPEG: too many segments (corrupt)")
    return out


#: PNG text keyword of an XMP packet (XMP Specification Part 3, §1.1.5: an iTXt chunk).
_PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
_MAX_PNG_TEXT = 4 << 20
_PNG_KEYWORDS = frozenset(
    {b"Raw profile type exif", b"Raw profile type APP1", b"Raw profile type xmp", _PNG_XMP_KEYWORD}
)
#: A 2 GB scan written in 8 KiB IDAT chunks has ~250,000 of them.
_MAX_PNG_CHUNKS = 1_000_000


def find_png(fh: BinaryIO) -> Found:
    """EXIF from ``eXIf`` (PNG 1.5 extension) or an ImageMagick raw profile text chunk;
    XMP from the ``iTXt`` chunk 'XML:com.adobe.xmp' or a 'Raw profile type xmp'."""
    out = Found()
    pos = 8
    for _ in range(_MAX_PNG_CHUNKS):
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
            tiff = tiff_in(data)
            if tiff:
                out.tiff = bytes_reader(tiff)
            else:
                out.problems.append("PNG: eXIf chunk without a TIFF header")
        elif kind in (b"zTXt", b"iTXt", b"tEXt"):
            if length >= _MAX_PNG_TEXT:
                out.problems.append(f"PNG: {kind.decode()} chunk of {length} bytes not read")
            else:
                _png_text_chunk(out, kind, fh.read(length))
        elif kind == b"IEND":
            return out
        pos += 12 + length
    out.problems.append("PNG: too many chunks (corrupt)")
    return out


def _png_text_chunk(out: Found, kind: bytes, data: bytes) -> None:
    keyword, payload = png_text(kind, data)
    if payload is None:
        if keyword in _PNG_KEYWORDS:
            out.problems.append(f"PNG: {kind.decode()} chunk {_printable(keyword)!r} is damaged")
    elif keyword in (b"Raw profile type exif", b"Raw profile type APP1"):
        tiff = tiff_in(raw_profile(payload) or b"")
        if tiff and out.tiff is None:
            out.tiff = bytes_reader(tiff)
    elif keyword == _PNG_XMP_KEYWORD and out.xmp is None:
        out.xmp = payload
    elif keyword == b"Raw profile type xmp" and out.xmp is None:
        out.xmp = raw_profile(payload)


def _printable(keyword: bytes) -> str:
    return "".join(c if c.isprintable() else "?" for c in keyword[:79].decode("latin-1"))


def png_text(kind: bytes, data: bytes) -> tuple[bytes, bytes | None]:
    """(keyword, text) of a tEXt, zTXt or iTXt chunk (PNG §11.3.4); text None if damaged.

    Decompression is bounded: a small zTXt may inflate to gigabytes.
    """
    keyword, sep, rest = data.partition(b"\x00")
    if not sep:
        return keyword, None
    try:
        if kind == b"zTXt":
            return keyword, _inflate(rest[1:])
        if kind == b"iTXt":
            compressed = rest[:1] == b"\x01"
            parts = rest[2:].split(b"\x00", 2)  # language tag, translated keyword, text
            if len(parts) < 3:
                return keyword, None
            return keyword, _inflate(parts[2]) if compressed else parts[2]
        return keyword, rest
    except (zlib.error, ValueError):
        return keyword, None


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, _MAX_PNG_TEXT)
    if inflater.unconsumed_tail:
        raise ValueError("text chunk inflates past the limit")
    return out


def raw_profile(text: bytes) -> bytes | None:
    """ImageMagick's 'Raw profile type …' text: a name line, a length line, then hex."""
    try:
        lines = text.strip().split(b"\n", 2)
        return bytes.fromhex(lines[2].decode("ascii").replace("\n", "").replace(" ", ""))
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


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
            tiff = tiff_in(fh.read(length))
            if tiff:
                out.tiff = bytes_reader(tiff)
        elif kind == b"XMP " and length < (4 << 20) and out.xmp is None:
            out.xmp = fh.read(length)
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
        tiff = tiff_in(data[at + 6 : at + 6 + 65536])
        if tiff is not None and data[at + 6 : at + 8] in (b"II", b"MM"):
            return Found(tiff=bytes_reader(tiff), problems=["EXIF read from an embedded preview"])
        at = data.find(b"Exif\x00\x00", at + 1)
    return Found(problems=["no EXIF found in the first 8 MiB"])
