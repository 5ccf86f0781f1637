"""JPEG XL (ISO/IEC 18181): the Exif and XMP boxes of the container, the codestream's size.

A JPEG XL file is either a bare codestream (``FF 0A``: no metadata at all) or an ISO-BMFF
style container (ISO/IEC 18181-2) whose ``Exif`` box holds a 4-byte TIFF header offset and
the TIFF block, and whose ``xml `` box holds the XMP packet. Either may be stored
Brotli-compressed in a ``brob`` box (the first 4 bytes name the box inside); those are
decompressed with the ``brotli`` library with an output limit, so a small box cannot
inflate to gigabytes. The pixel size comes from the codestream's SizeHeader (18181-1
§A.3); the codestream itself is never decoded.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from fieldkit.metadata.bmff import boxes
from fieldkit.metadata.containers import Found, tiff_in
from fieldkit.metadata.tiff import bytes_reader, file_reader

#: No Exif or XMP box FieldKit reads is larger (compressed or not).
MAX_BOX_BYTES = 4 * 1024 * 1024
_CODESTREAM = b"\xff\x0a"
_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def find_jxl(fh: BinaryIO, size: int) -> Found:
    """EXIF, XMP and pixel size of a JPEG XL file; problems for what could not be read."""
    out = Found()
    fh.seek(0)
    head = fh.read(16)
    if head.startswith(_CODESTREAM):
        _size_from(head + fh.read(32), out)
        return out
    read = file_reader(fh)
    codestream_seen = False
    for kind, start, end in boxes(read, 0, size):
        if kind in (b"jxlc", b"jxlp") and not codestream_seen:
            codestream_seen = True
            skip = 4 if kind == b"jxlp" else 0  # jxlp starts with a 4-byte part index
            _size_from(read(start + skip, 64), out)
            continue
        if kind not in (b"Exif", b"xml ", b"brob"):
            continue
        if end - start > MAX_BOX_BYTES:
            out.problems.append(f"JPEG XL: '{kind.decode()}' box of {end - start} bytes not read")
            continue
        payload = read(start, end - start)
        if len(payload) < end - start:
            out.problems.append(f"JPEG XL truncated inside the '{kind.decode()}' box")
            continue
        if kind == b"brob":
            if len(payload) < 4:
                out.problems.append("JPEG XL: empty 'brob' box")
                continue
            inner = _unbrotli(payload[4:], out)
            if inner is None:
                continue
            kind, payload = payload[:4], inner
        if kind == b"Exif" and out.tiff is None:
            tiff = _exif_box(payload)
            if tiff is None:
                out.problems.append("JPEG XL: Exif box without a TIFF header")
            else:
                out.tiff = bytes_reader(tiff)
        elif kind == b"xml " and out.xmp is None:
            out.xmp = payload
    if not codestream_seen:
        out.problems.append("JPEG XL: no codestream box")
    return out


def _exif_box(payload: bytes) -> bytes | None:
    if len(payload) < 8:
        return None
    skip = struct.unpack(">I", payload[:4])[0]
    at = 4 + skip
    if at + 4 <= len(payload) and payload[at : at + 4] in (b"II*\x00", b"MM\x00*"):
        return payload[at:]
    return tiff_in(payload[4:]) or tiff_in(payload)


def _unbrotli(data: bytes, out: Found) -> bytes | None:
    """Brotli-decompressed ``data``, at most :data:`MAX_BOX_BYTES`; None (with a problem)."""
    try:
        import brotli
    except ImportError:  # pragma: no cover - a declared dependency
        out.problems.append("JPEG XL: compressed metadata box not read (no brotli)")
        return None
    try:
        inflater = brotli.Decompressor()
        result = inflater.process(data, output_buffer_limit=MAX_BOX_BYTES + 1)
    except brotli.error as exc:
        out.problems.append(f"JPEG XL: compressed metadata box damaged ({exc})")
        return None
    if len(result) > MAX_BOX_BYTES:
        out.problems.append("JPEG XL: compressed metadata box inflates past 4 MiB: not read")
        return None
    if not inflater.is_finished():
        out.problems.append("JPEG XL: compressed metadata box is cut short")
        return None
    return bytes(result)


class _Bits:
    """JPEG XL reads bits least-significant first (18181-1 §A.2)."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "little")
        self.pos = 0
        self.limit = 8 * len(data)

    def u(self, n: int) -> int:
        if self.pos + n > self.limit:
            raise ValueError("codestream header cut short")
        out = (self.value >> self.pos) & ((1 << n) - 1)
        self.pos += n
        return out

    def dim(self, small: bool) -> int:
        if small:
            return (self.u(5) + 1) * 8
        bits = (9, 13, 18, 30)[self.u(2)]
        return self.u(bits) + 1


def _size_from(codestream: bytes, out: Found) -> None:
    if not codestream.startswith(_CODESTREAM):
        out.problems.append("JPEG XL: codestream without its signature")
        return
    try:
        bits = _Bits(codestream[2:])
        small = bool(bits.u(1))
        height = bits.dim(small)
        ratio = bits.u(3)
        if ratio == 0:
            width = bits.dim(small)
        else:
            num, den = _RATIOS[ratio]
            width = height * num // den
    except ValueError as exc:
        out.problems.append(f"JPEG XL: {exc}")
        return
    out.width, out.height = width, height
