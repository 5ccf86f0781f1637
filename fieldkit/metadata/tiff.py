"""A small, defensive reader of the TIFF/EXIF IFDs FieldKit needs.

It reads only the tags listed in :data:`WANTED`, one entry at a time, so one damaged entry
costs that entry and not the whole block (a corrupt photo still gives its GPS position if the
GPS block is intact). Every offset is bounded; loops between IFDs are cut.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

# TIFF field types → size of one value in bytes.
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_MAX_ENTRIES = 2000  # a real IFD has a few hundred at most; more means garbage
_MAX_VALUE_BYTES = 64 * 1024  # none of the tags we read is longer

IFD0_TAGS = {
    0x010F: "Make",
    0x0110: "Model",
    0x0112: "Orientation",
    0x0132: "DateTime",
    0x8769: "ExifIFD",
    0x8825: "GPSIFD",
    0x9003: "DateTimeOriginal",  # TIFF/EP puts it in IFD0
    0x9291: "SubSecTimeOriginal",
    0x9011: "OffsetTimeOriginal",
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
    0x1D: "GPSDateStamp",
}

Reader = Callable[[int, int], bytes]


@dataclass
class TiffTags:
    """Tag values by IFD: ``ifd0``, ``exif``, ``gps``; problems met on the way."""

    ifd0: dict[str, Any] = field(default_factory=dict)
    exif: dict[str, Any] = field(default_factory=dict)
    gps: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    found: bool = False


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


def read_tiff(read: Reader, *, where: str = "EXIF") -> TiffTags:
    """Parses the TIFF header at offset 0 of ``read`` and the IFD0, EXIF and GPS IFDs."""
    out = TiffTags()
    header = read(0, 8)
    if len(header) < 8:
        out.problems.append(f"{where} block too short ({len(header)} bytes)")
        return out
    if header[:2] == b"II":
        endian = "<"
    elif header[:2] == b"MM":
        endian = ">"
    else:
        out.problems.append(f"{where} block has no TIFF byte-order mark")
        return out
    magic = struct.unpack(endian + "H", header[2:4])[0]
    if magic not in (42, 0x55, 0x4F52, 0x5352):  # TIFF, RW2, ORF
        out.problems.append(f"{where} block has a bad TIFF magic number {magic:#x}")
        return out
    out.found = True
    ifd0 = struct.unpack(endian + "I", header[4:8])[0]
    seen: set[int] = set()
    _read_ifd(read, endian, ifd0, IFD0_TAGS, out.ifd0, out.problems, seen, where, "IFD0")
    exif_at = _first_int(out.ifd0.pop("ExifIFD", None))
    gps_at = _first_int(out.ifd0.pop("GPSIFD", None))
    if exif_at:
        _read_ifd(read, endian, exif_at, EXIF_TAGS, out.exif, out.problems, seen, where, "ExifIFD")
    if gps_at:
        _read_ifd(read, endian, gps_at, GPS_TAGS, out.gps, out.problems, seen, where, "GPS")
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
    _read_ifd(read, endian, at, wanted, out.ifd0, out.problems, set(), where, "IFD")
    return out


def _first_int(value: Any) -> int | None:
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return value[0]
    return None


def _read_ifd(
    read: Reader,
    endian: str,
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
    head = read(at, 2)
    if len(head) < 2:
        problems.append(f"{where}: {name} at byte {at} is past the end of the block")
        return
    count = struct.unpack(endian + "H", head)[0]
    if count > _MAX_ENTRIES:
        problems.append(f"{where}: {name} claims {count} entries (corrupt)")
        return
    table = read(at + 2, 12 * count)
    if len(table) < 12 * count:
        problems.append(
            f"{where}: {name} truncated at byte {at + 2 + len(table)} "
            f"({len(table) // 12} of {count} entries)"
        )
    for i in range(len(table) // 12):
        entry = table[12 * i : 12 * i + 12]
        tag, typ, n = struct.unpack(endian + "HHI", entry[:8])
        tag_name = wanted.get(tag)
        if tag_name is None or tag_name in into:
            continue
        size = _TYPE_SIZES.get(typ)
        if size is None:
            problems.append(f"{where}: {name} {tag_name} has unknown field type {typ}")
            continue
        length = size * n
        if length > _MAX_VALUE_BYTES:
            problems.append(f"{where}: {name} {tag_name} is implausibly long ({length} bytes)")
            continue
        if length <= 4:
            raw = entry[8 : 8 + length]
        else:
            offset = struct.unpack(endian + "I", entry[8:12])[0]
            raw = read(offset, length)
            if len(raw) < length:
                problems.append(
                    f"{where}: {name} {tag_name} value at byte {offset} is past the end"
                )
                continue
        try:
            into[tag_name] = _decode(raw, typ, n, endian)
        except (struct.error, ValueError) as exc:
            problems.append(f"{where}: {name} {tag_name} unreadable ({exc})")


def _decode(raw: bytes, typ: int, n: int, endian: str) -> Any:
    """ASCII and UNDEFINED → bytes; numbers → tuple; rationals → tuple of (num, den)."""
    if typ in (2, 7):
        return bytes(raw)
    if typ in (5, 10):
        fmt = "I" if typ == 5 else "i"
        vals = struct.unpack(f"{endian}{2 * n}{fmt}", raw)
        return tuple((vals[2 * i], vals[2 * i + 1]) for i in range(n))
    fmt = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 11: "f", 12: "d", 13: "I"}[typ]
    return tuple(struct.unpack(f"{endian}{n}{fmt}", raw))
