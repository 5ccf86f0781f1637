"""Reading what a file says about itself: type, pixel size, GPS, camera and time readings.

No interpretation of time zones happens here (that is :mod:`fieldkit.metadata.capture_time`);
this module finds the metadata in each container and assembles :class:`Metadata`. EXIF's
and XMP's many spellings become plain values in :mod:`fieldkit.metadata.values`; the GPS
position and which of EXIF and XMP wins is :mod:`fieldkit.metadata.gps`; which date tag is
the camera's reading is :mod:`fieldkit.metadata.time_readings`.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

from fieldkit.metadata import av, bmff, containers, jpeg2000, jpegxl
from fieldkit.metadata.containers import Found
from fieldkit.metadata.filetype import HEIF_FAMILY, SNIFF_BYTES, sniff_type, tiff_type
from fieldkit.metadata.gps import exif_position, merge_position
from fieldkit.metadata.model import Camera, Metadata
from fieldkit.metadata.tiff import TiffTags, file_reader, read_tiff
from fieldkit.metadata.time_readings import read_raw_time
from fieldkit.metadata.values import as_numbers, as_text, first_number
from fieldkit.metadata.xmp import Xmp, read_xmp

_FINDERS: dict[str, Callable[[BinaryIO, int], Found]] = {
    "image/jpeg": lambda fh, _size: containers.find_jpeg(fh),
    "image/png": lambda fh, _size: containers.find_png(fh),
    "image/webp": lambda fh, _size: containers.find_webp(fh),
    "image/tiff": lambda fh, _size: containers.find_tiff(fh),
    "image/x-canon-cr2": lambda fh, _size: containers.find_tiff(fh),
    "image/x-panasonic-rw2": lambda fh, _size: containers.find_tiff(fh),
    "image/x-olympus-orf": lambda fh, _size: containers.find_tiff(fh),
    "image/x-fuji-raf": lambda fh, _size: containers.find_raf(fh),
    "image/x-sigma-x3f": lambda fh, _size: containers.find_embedded_exif(fh),
    "image/jxl": jpegxl.find_jxl,
    "image/jp2": jpeg2000.find_jp2,
    "image/gif": lambda fh, _size: _gif_size(fh),
    "image/bmp": lambda fh, _size: _bmp_size(fh),
}


for _heif in HEIF_FAMILY:
    _FINDERS[_heif] = lambda fh, size: bmff.find_heif(file_reader(fh), size)


_NO_EXIF_READER = {"image/x-canon-crw"}


#: Types whose IFD0/SubIFDs describe the image itself (not a preview), so their
#: ImageWidth/ImageLength are the pixel size.
_TIFF_SIZED = frozenset(
    {"image/tiff", "image/x-adobe-dng", "image/x-nikon-nef", "image/x-sony-arw"}
    | {"image/x-pentax-pef"}
)


def read_metadata(source: bytes | BinaryIO, *, size: int | None = None) -> Metadata:
    """Everything FieldKit reads from a file's content; never raises for bad content.

    ``source`` is a seekable binary file (the importer passes the file it has just hashed
    and copied) or the bytes of a file, possibly only its first part: a short head gives a
    partial reading with a warning. Only the parts holding metadata are read.
    """
    fh: BinaryIO = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    if size is None:
        try:
            size = os.fstat(fh.fileno()).st_size
        except (AttributeError, OSError, io.UnsupportedOperation):
            pos = fh.seek(0, io.SEEK_END)
            size = pos
    fh.seek(0)
    head = fh.read(SNIFF_BYTES)
    mime = sniff_type(head)
    warnings: list[str] = []
    if size == 0:
        return Metadata(type=mime, warnings=("empty file (0 bytes)",))
    if av.is_av(mime):
        return av.read_av(fh, size, mime)
    if not mime.startswith("image/"):
        warnings.append(f"not an image (content is {mime})")
        return Metadata(type=mime, warnings=tuple(warnings))

    found = Found()
    preset: TiffTags | None = None
    try:
        if mime == "image/x-canon-cr3":
            preset, problems = bmff.read_cr3(file_reader(fh), size)
            found.problems.extend(problems)
        elif mime in _FINDERS:
            found = _FINDERS[mime](fh, size)
        elif mime in _NO_EXIF_READER:
            warnings.append(f"metadata of {mime} files is not read by FieldKit")
    except (OSError, ValueError, OverflowError, IndexError, struct.error) as exc:
        found.problems.append(f"container unreadable: {exc}")
    warnings.extend(found.problems)

    tags = preset or TiffTags()
    if found.tiff is not None:
        try:
            tags = read_tiff(found.tiff)
        except (OSError, ValueError, OverflowError) as exc:
            tags.problems.append(f"EXIF unreadable: {exc}")
        warnings.extend(tags.problems)
    if mime == "image/tiff":
        mime = tiff_type(tags.ifd0, tags.subifds)

    width, height = found.width, found.height
    if width is None and mime in _TIFF_SIZED:
        width, height = _tiff_size(tags)

    xmp = _xmp(found, tags, warnings)
    position = merge_position(exif_position(tags.gps, warnings), xmp, warnings)
    raw_time = read_raw_time(tags, xmp, warnings)
    make = as_text(tags.ifd0.get("Make"))
    model = as_text(tags.ifd0.get("Model"))
    serial = (
        as_text(tags.exif.get("BodySerialNumber"))
        or as_text(tags.ifd0.get("BodySerialNumber"))
        or as_text(tags.ifd0.get("CameraSerialNumber"))
    )
    camera = Camera(make, model, serial) if (make or model or serial) else None
    orientation = _orientation(tags.ifd0.get("Orientation"), warnings)
    return Metadata(
        type=mime,
        warnings=tuple(warnings),
        position=position,
        raw_time=raw_time,
        camera=camera,
        orientation=orientation,
        width=width,
        height=height,
        lens=as_text(tags.exif.get("LensModel")),
    )


def _xmp(found: Found, tags: TiffTags, warnings: list[str]) -> Xmp | None:
    """The file's XMP packet (its own box/segment, else TIFF tag 700), parsed."""
    packet = found.xmp
    if packet is None:
        value = tags.ifd0.get("XMP")
        if isinstance(value, bytes):
            packet = value
        elif isinstance(value, tuple) and all(isinstance(v, int) and 0 <= v < 256 for v in value):
            packet = bytes(value)  # some writers store tag 700 as BYTE, not UNDEFINED
    if not packet or not packet.strip(b"\x00 \r\n\t"):
        return None
    xmp = read_xmp(packet)
    warnings.extend(xmp.warnings)
    return xmp


def _tiff_size(tags: TiffTags) -> tuple[int | None, int | None]:
    """ImageWidth × ImageLength of the full-resolution image (NewSubfileType bit 0 clear)."""
    for ifd in (tags.ifd0, *tags.subifds):
        kind = first_number(ifd.get("NewSubfileType")) or 0
        if int(kind) & 1:
            continue  # a reduced-resolution preview
        w, h = first_number(ifd.get("ImageWidth")), first_number(ifd.get("ImageLength"))
        if w and h:
            return int(w), int(h)
    return None, None


def _gif_size(fh: BinaryIO) -> Found:
    """GIF logical screen size (GIF89a §18): two little-endian words after the signature."""
    fh.seek(6)
    data = fh.read(4)
    if len(data) < 4:
        return Found(problems=["GIF truncated in its header"])
    w, h = struct.unpack("<HH", data)
    return Found(width=w, height=h)


def _bmp_size(fh: BinaryIO) -> Found:
    """BMP size from BITMAPINFOHEADER (or the old OS/2 BITMAPCOREHEADER)."""
    fh.seek(14)
    data = fh.read(12)
    if len(data) < 12:
        return Found(problems=["BMP truncated in its header"])
    header_size = struct.unpack("<I", data[:4])[0]
    if header_size == 12:
        w, h = struct.unpack("<HH", data[4:8])
        return Found(width=w, height=h)
    if header_size < 40:
        return Found(problems=[f"BMP header of {header_size} bytes is unknown"])
    w, h = struct.unpack("<ii", data[4:12])
    return Found(width=abs(w), height=abs(h))  # a negative height is a top-down bitmap


def _orientation(value: Any, warnings: list[str]) -> int | None:
    nums = as_numbers(value) if not isinstance(value, bytes) else None
    if not nums or nums[0] is None:
        return None
    n = int(nums[0])
    if not 1 <= n <= 8:
        warnings.append(f"Orientation {n} is not 1..8: ignored")
        return None
    return n
