"""A small, defensive reader of the TIFF/EXIF IFDs FieldKit needs (TIFF 6.0 and BigTIFF).

It reads only the tags listed in the tables below, one entry at a time, so one damaged
entry costs that entry and not the whole block (a corrupt photo still gives its GPS
position if the GPS block is intact). Every offset is bounded; loops between IFDs are cut.
Every block that is not read (a pointer of the wrong type, out of range, a loop) is named
in ``problems``: a block is never dropped silently (exiftool warns about them too).

BigTIFF (``II+\\0`` / ``MM\\0+``, used by scanners and orthomosaic tools for files over
4 GiB) has 8-byte counts and offsets and 20-byte IFD entries; the tags are the same.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

# TIFF field types → size of one value in bytes (TIFF 6.0 §2; BigTIFF adds 16, 17, 18).
_TYPE_SIZES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
    17: 8,
    18: 8,
}
_TYPE_NAMES = {
    1: "BYTE",
    2: "ASCII",
    3: "SHORT",
    4: "LONG",
    5: "RATIONAL",
    6: "SBYTE",
    7: "UNDEFINED",
    8: "SSHORT",
    9: "SLONG",
    10: "SRATIONAL",
    11: "FLOAT",
    12: "DOUBLE",
    13: "IFD",
    16: "LONG8",
    17: "SLONG8",
    18: "IFD8",
}
#: Field types a pointer to another IFD may have (TIFF 6.0 says LONG; Exif 2.3 §4.6.3
#: allows IFD; BigTIFF LONG8/IFD8). Anything else is a damaged pointer.
_POINTER_TYPES = frozenset({4, 13, 16, 18})
_MAX_ENTRIES = 2000  # a real IFD has a few hundred at most; more means garbage
_MAX_VALUE_BYTES = 64 * 1024  # none of the tags we read is longer, except XMP
#: XMP packets in TIFF tag 700 can be long (Lightroom history); larger ones are refused.
MAX_XMP_BYTES = 4 * 1024 * 1024
_MAX_SUBIFDS = 8

IFD0_TAGS = {
    0x00FE: "NewSubfileType",
    0x0100: "ImageWidth",
    0x0101: "ImageLength",
    0x0103: "Compression",
    0x0106: "PhotometricInterpretation",
    0x010F: "Make",
    0x0110: "Model",
    0x0112: "Orientation",
    0x0132: "DateTime",
    0x014A: "SubIFDs",
    0x02BC: "XMP",  # XMP Specification Part 3, §1.1.4: the packet in TIFF tag 700
    0x8769: "ExifIFD",
    0x8825: "GPSIFD",
    0x9003: "DateTimeOriginal",  # TIFF/EP puts it in IFD0
    0x9291: "SubSecTimeOriginal",
    0x9011: "OffsetTimeOriginal",
    0x9216: "TIFF-EPStandardID",
    0xC612: "DNGVersion",
    0xC62F: "CameraSerialNumber",
    0xA431: "BodySerialNumber",
}
EXIF_TAGS = {
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
    0x9010: "OffsetTime",
    0x9011: "OffsetTimeOriginal",
    0x9012: "OffsetTimeDigitized",
    0x9290: "SubSecTime",
    0x9291: "SubSecTimeOriginal",
    0x9292: "SubSecTimeDigitized",
    0xA431: "BodySerialNumber",
    0xA434: "LensModel",
}
GPS_TAGS = {
    0x01: "GPSLatitudeRef",
    0x02: "GPSLatitude",
    0x03: "GPSLongitudeRef",
    0x04: "GPSLongitude",
    0x05: "GPSAltitudeRef",
    0x06: "GPSAltitude",
    0x07: "GPSTimeStamp",
    0x10: "GPSImgDirectionRef",
    0x11: "GPSImgDirection",
    0x12: "GPSMapDatum",
    0x1D: "GPSDateStamp",
    0x1F: "GPSHPositioningError",
}
#: What is read from each SubIFD (TIFF Technical Note 1): enough to tell a raw image.
SUBIFD_TAGS = {
    0x00FE: "NewSubfileType",
    0x0100: "ImageWidth",
    0x0101: "ImageLength",
    0x0103: "Compression",
    0x0106: "PhotometricInterpretation",
}

Reader = Callable[[int, int], bytes]


@dataclass
class TiffTags:
    """Tag values by IFD: ``ifd0``, ``exif``, ``gps``, ``subifds``; problems met on the way.

    ``bigtiff`` is True for a BigTIFF block.
    """

    ifd0: dict[str, Any] = field(default_factory=dict)
    exif: dict[str, Any] = field(default_factory=dict)
    gps: dict[str, Any] = field(default_factory=dict)
    subifds: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    found: bool = False
    bigtiff: bool = False


@dataclass(frozen=True)
class _Layout:
    endian: str
    big: bool  # BigTIFF: 8-byte counts/offsets, 20-byte entries

    @property
    def count_size(self) -> int:
        return 8 if self.big else 2

    @property
    def entry_size(self) -> int:
        return 20 if self.big else 12

    @property
    def inline(self) -> int:
        return 8 if self.big else 4


def bytes_reader(data: bytes) -> Reader:
    def read(offset: int, n: int) -> bytes:
        if offset < 0 or n < 0:
            return b""
        return data[offset : offset + n]

    return read


def file_reader(fh: BinaryIO, base: int = 0) -> Reader:
    """Random access into a seekable file, relative to ``base`` (the TIFF header)."""

    def read(offset: int, n: int) -> bytes:
        if offset < 0 or n < 0:
            return b""
        fh.seek(base + offset)
        return fh.read(n)

    return read


def tiff_header(head: bytes) -> tuple[str, int] | None:
    """(endian, magic) of a TIFF-like header, or None. Magic 43 is BigTIFF."""
    if len(head) < 4:
        return None
    endian = {b"II": "<", b"MM": ">"}.get(head[:2])
    if endian is None:
        return None
    return endian, struct.unpack(endian + "H", head[2:4])[0]


def read_tiff(read: Reader, *, where: str = "EXIF") -> TiffTags:
    """Parses the TIFF header at offset 0 of ``read`` and the IFD0, EXIF, GPS and SubIFDs."""
    out = TiffTags()
    header = read(0, 16)
    if len(header) < 8:
        out.problems.append(f"{where} block too short ({len(header)} bytes)")
        return out
    parsed = tiff_header(header)
    if parsed is None:
        out.problems.append(f"{where} block has no TIFF byte-order mark")
        return out
    endian, magic = parsed
    if magic == 43:  # BigTIFF: bytesize 8, reserved 0, then an 8-byte offset
        size, reserved = struct.unpack(endian + "HH", header[4:8])
        if len(header) < 16 or size != 8 or reserved != 0:
            out.problems.append(f"{where}: BigTIFF header damaged (offset size {size})")
            return out
        layout = _Layout(endian, True)
        ifd0 = struct.unpack(endian + "Q", header[8:16])[0]
        out.bigtiff = True
    elif magic in (42, 0x55, 0x4F52, 0x5352):  # TIFF, RW2, ORF
        layout = _Layout(endian, False)
        ifd0 = struct.unpack(endian + "I", header[4:8])[0]
    else:
        out.problems.append(f"{where} block has a bad TIFF magic number {magic:#x}")
        return out
    out.found = True
    seen: set[int] = set()
    _read_ifd(read, layout, ifd0, IFD0_TAGS, out.ifd0, out.problems, seen, where, "IFD0")
    for key, wanted, into, name in (
        ("ExifIFD", EXIF_TAGS, out.exif, "ExifIFD"),
        ("GPSIFD", GPS_TAGS, out.gps, "GPS"),
    ):
        at = _pointer(out.ifd0.pop(key, None), name, out.problems, where)
        if at is not None:
            _read_ifd(read, layout, at, wanted, into, out.problems, seen, where, name)
    subs = out.ifd0.pop("SubIFDs", None)
    if subs is not None:
        for i, at in enumerate(_pointers(subs, out.problems, where)[:_MAX_SUBIFDS]):
            sub: dict[str, Any] = {}
            _read_ifd(read, layout, at, SUBIFD_TAGS, sub, out.problems, seen, where, f"SubIFD{i}")
            out.subifds.append(sub)
    return out


def read_single_ifd(read: Reader, wanted: dict[int, str], *, where: str) -> TiffTags:
    """A TIFF block holding one IFD of a known kind (Canon CR3 keeps EXIF and GPS apart)."""
    out = TiffTags()
    header = read(0, 8)
    endian = {b"II": "<", b"MM": ">"}.get(header[:2])
    if len(header) < 8 or endian is None:
        out.problems.append(f"{where} block has no TIFF header")
        return out
    out.found = True
    at = struct.unpack(endian + "I", header[4:8])[0]
    _read_ifd(read, _Layout(endian, False), at, wanted, out.ifd0, out.problems, set(), where, "IFD")
    return out


def _pointer(value: Any, name: str, problems: list[str], where: str) -> int | None:
    """The offset in a pointer entry, or None with a problem saying why the block is lost."""
    if value is None:
        return None
    typ, values = value
    if typ not in _POINTER_TYPES:
        kind = _TYPE_NAMES.get(typ, f"type {typ}")
        problems.append(
            f"{where}: the {name} pointer is stored as {kind}, not LONG or IFD: "
            f"the {name} block is not read"
        )
        return None
    if not values or not isinstance(values[0], int):
        problems.append(f"{where}: the {name} pointer is empty: the {name} block is not read")
        return None
    if values[0] < 8:
        problems.append(
            f"{where}: the {name} pointer {values[0]} points into the header: "
            f"the {name} block is not read"
        )
        return None
    return int(values[0])


def _pointers(value: Any, problems: list[str], where: str) -> list[int]:
    typ, values = value
    if typ not in _POINTER_TYPES:
        kind = _TYPE_NAMES.get(typ, f"type {typ}")
        problems.append(f"{where}: SubIFDs stored as {kind}, not LONG or IFD: not read")
        return []
    return [v for v in values if isinstance(v, int) and v >= 8]


_POINTER_NAMES = frozenset({"ExifIFD", "GPSIFD", "SubIFDs"})


def _read_ifd(
    read: Reader,
    layout: _Layout,
    at: int,
    wanted: dict[int, str],
    into: dict[str, Any],
    problems: list[str],
    seen: set[int],
    where: str,
    name: str,
) -> None:
    if at in seen:
        problems.append(f"{where}: {name} points back to an IFD already read (loop cut)")
        return
    seen.add(at)
    e = layout.endian
    head = read(at, layout.count_size)
    if len(head) < layout.count_size:
        problems.append(
            f"{where}: {name} at byte {at} is past the end of the block: {name} not read"
        )
        return
    count = struct.unpack(e + ("Q" if layout.big else "H"), head)[0]
    if count > _MAX_ENTRIES:
        problems.append(f"{where}: {name} claims {count} entries (corrupt): {name} not read")
        return
    size = layout.entry_size
    table = read(at + layout.count_size, size * count)
    if len(table) < size * count:
        problems.append(
            f"{where}: {name} truncated at byte {at + layout.count_size + len(table)} "
            f"({len(table) // size} of {count} entries)"
        )
    for i in range(len(table) // size):
        entry = table[size * i : size * i + size]
        if layout.big:
            tag, typ, n = struct.unpack(e + "HHQ", entry[:12])
            value_field = entry[12:20]
        else:
            tag, typ, n = struct.unpack(e + "HHI", entry[:8])
            value_field = entry[8:12]
        tag_name = wanted.get(tag)
        if tag_name is None or tag_name in into:
            continue
        type_size = _TYPE_SIZES.get(typ)
        if type_size is None:
            problems.append(f"{where}: {name} {tag_name} has unknown field type {typ}")
            continue
        length = type_size * n
        limit = MAX_XMP_BYTES if tag_name == "XMP" else _MAX_VALUE_BYTES
        if length > limit:
            problems.append(f"{where}: {name} {tag_name} is implausibly long ({length} bytes)")
            continue
        if length <= layout.inline:
            raw = value_field[:length]
        else:
            offset = struct.unpack(e + ("Q" if layout.big else "I"), value_field)[0]
            raw = read(offset, length)
            if len(raw) < length:
                problems.append(
                    f"{where}: {name} {tag_name} value at byte {offset} is past the end"
                )
                continue
        try:
            value = _decode(raw, typ, n, e)
        except (struct.error, ValueError) as exc:
            problems.append(f"{where}: {name} {tag_name} unreadable ({exc})")
            continue
        # Pointers keep their field type: a pointer of the wrong type is reported, not used.
        into[tag_name] = (typ, value) if tag_name in _POINTER_NAMES else value


def _decode(raw: bytes, typ: int, n: int, endian: str) -> Any:
    """ASCII and UNDEFINED → bytes; numbers → tuple; rationals → tuple of (num, den)."""
    if typ in (2, 7):
        return bytes(raw)
    if typ in (5, 10):
        fmt = "I" if typ == 5 else "i"
        vals = struct.unpack(f"{endian}{2 * n}{fmt}", raw)
        return tuple((vals[2 * i], vals[2 * i + 1]) for i in range(n))
    fmt = {
        1: "B",
        3: "H",
        4: "I",
        6: "b",
        8: "h",
        9: "i",
        11: "f",
        12: "d",
        13: "I",
        16: "Q",
        17: "q",
        18: "Q",
    }[typ]
    return tuple(struct.unpack(f"{endian}{n}{fmt}", raw))
