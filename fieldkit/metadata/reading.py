"""Reading what a file says about itself: type, pixel size, GPS, camera and time readings.

No interpretation of time zones happens here (that is :mod:`fieldkit.metadata.capture_time`);
this module turns EXIF's and XMP's many spellings into plain values, decides which of them
is the camera's reading (EXIF first, XMP as the fallback) and says what was odd about them.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, BinaryIO

from fieldkit.metadata import av, bmff, containers, jpeg2000, jpegxl
from fieldkit.metadata.containers import Found
from fieldkit.metadata.filetype import HEIF_FAMILY, SNIFF_BYTES, sniff_type, tiff_type
from fieldkit.metadata.model import Camera, Metadata, Position, RawTime
from fieldkit.metadata.tiff import TiffTags, file_reader, read_tiff
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
#: Two readings of the same instant that differ by more than this disagree.
_TIME_TOLERANCE = timedelta(seconds=1)
#: Two positions further apart than this (metres) disagree.
_POSITION_TOLERANCE_M = 30.0
_ALTITUDE_TOLERANCE_M = 10.0
_DIRECTION_TOLERANCE = 5.0

_DATE_RE = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2})"
    r"(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")
_NUMBER_RE = re.compile(r"[-+]?\d+(?:[.,]\d+)?(?:/\d+)?")


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
    position = _merge_position(_position(tags.gps, warnings), xmp, warnings)
    raw_time = _raw_time(tags, xmp, warnings)
    make = _text(tags.ifd0.get("Make"))
    model = _text(tags.ifd0.get("Model"))
    serial = (
        _text(tags.exif.get("BodySerialNumber"))
        or _text(tags.ifd0.get("BodySerialNumber"))
        or _text(tags.ifd0.get("CameraSerialNumber"))
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
        lens=_text(tags.exif.get("LensModel")),
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
        kind = _first_number(ifd.get("NewSubfileType")) or 0
        if int(kind) & 1:
            continue  # a reduced-resolution preview
        w, h = _first_number(ifd.get("ImageWidth")), _first_number(ifd.get("ImageLength"))
        if w and h:
            return int(w), int(h)
    return None, None


def _first_number(value: Any) -> float | None:
    if isinstance(value, tuple) and value and isinstance(value[0], int | float):
        return value[0]
    return None


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


# --- values -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """An ASCII/UNDEFINED tag as text: cut at the first NUL, trailing spaces removed."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.split(b"\x00", 1)[0]
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
    elif isinstance(value, tuple):
        if all(isinstance(v, int) and 0 <= v < 256 for v in value):
            return _text(bytes(value))
        text = " ".join(str(v) for v in value)
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _numbers(value: Any) -> list[float | None] | None:
    """Numbers from rationals, integers, floats or a string; None for a 0/0 or x/0 part."""
    if value is None:
        return None
    if isinstance(value, bytes):
        text = _text(value) or ""
        out: list[float | None] = []
        for token in _NUMBER_RE.findall(text):
            token = token.replace(",", ".")
            if "/" in token:
                num, den = token.split("/")
                out.append(float(num) / float(den) if float(den) else None)
            else:
                out.append(float(token))
        return out
    result: list[float | None] = []
    for item in value:
        if isinstance(item, tuple):
            num, den = item
            result.append(num / den if den else None)
        else:
            f = float(item)
            result.append(f if math.isfinite(f) else None)
    return result


def _ref_letter(value: Any) -> str | None:
    text = _text(value)
    if text:
        return text[0].upper()
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return None
    return None


def _coordinate(
    gps: dict[str, Any], name: str, ref_name: str, negative: str, limit: float, warnings: list[str]
) -> float | bool | None:
    """Signed degrees; None when absent; False when present but unusable (warned)."""
    value = gps.get(name)
    if value is None:
        return None
    nums = _numbers(value)
    if not nums or any(n is None for n in nums):
        warnings.append(f"gps_invalid: {name} has a zero denominator or no value")
        return False
    parts = [n for n in nums if n is not None][:3]
    degrees = (
        parts[0]
        + (parts[1] / 60 if len(parts) > 1 else 0)
        + (parts[2] / 3600 if len(parts) > 2 else 0)
    )
    ref = _ref_letter(gps.get(ref_name))
    if ref is None and isinstance(value, bytes):
        letters = re.findall(r"[NSEWnsew]", _text(value) or "")
        ref = letters[-1].upper() if letters else None
    if ref is None:
        if degrees >= 0:
            warnings.append(
                f"{ref_name} missing: {name} taken as {'north' if limit == 90 else 'east'}"
            )
    elif ref == negative:
        degrees = -abs(degrees)
    elif ref not in ("N", "E"):
        warnings.append(f"{ref_name} {ref!r} is not N/S/E/W: taken as positive")
    if not -limit <= degrees <= limit:
        warnings.append(f"gps_invalid: {name} {degrees} is outside -{limit}..{limit}")
        return False
    return degrees


def _position(gps: dict[str, Any], warnings: list[str]) -> Position | None:
    lat = _coordinate(gps, "GPSLatitude", "GPSLatitudeRef", "S", 90, warnings)
    lon = _coordinate(gps, "GPSLongitude", "GPSLongitudeRef", "W", 180, warnings)
    if lat is None and lon is None:
        return None
    if not isinstance(lat, float) or not isinstance(lon, float):
        if lat is None or lon is None:
            warnings.append("gps_invalid: only one of latitude and longitude is present")
        return None
    if lat == 0 and lon == 0:
        warnings.append("GPS position is exactly 0, 0 (often a placeholder, not a fix)")
    alt: float | None = None
    alt_nums = _numbers(gps.get("GPSAltitude"))
    if alt_nums:
        if alt_nums[0] is None:
            warnings.append("GPSAltitude has a zero denominator: altitude unknown")
        else:
            alt = alt_nums[0]
            ref = gps.get("GPSAltitudeRef")
            ref_num = _numbers(ref) if ref is not None else None
            if isinstance(ref, bytes) and ref[:1] in (b"\x00", b"\x01"):
                ref_num = [float(ref[0])]
            if ref_num and ref_num[0] == 1:
                alt = -abs(alt)
    accuracy: float | None = None
    error_nums = _numbers(gps.get("GPSHPositioningError"))
    if error_nums:
        if error_nums[0] is None or error_nums[0] < 0:
            warnings.append("GPSHPositioningError is not a distance: accuracy unknown")
        else:
            accuracy = error_nums[0]
    _check_datum(_text(gps.get("GPSMapDatum")), "GPSMapDatum", warnings)
    direction: float | None = None
    dir_nums = _numbers(gps.get("GPSImgDirection"))
    if dir_nums:
        if dir_nums[0] is None:
            warnings.append("GPSImgDirection has a zero denominator: direction unknown")
        else:
            direction = dir_nums[0]
            if _ref_letter(gps.get("GPSImgDirectionRef")) == "M":
                warnings.append("GPSImgDirection is relative to magnetic north")
    return Position(
        lat=lat, lon=lon, alt=alt, direction=direction, source="exif", accuracy_m=accuracy
    )


def _check_datum(datum: str | None, tag: str, warnings: list[str]) -> None:
    """A warning unless the datum is WGS 84 (or unstated, which EXIF 2.3 §4.6.6 allows)."""
    if not datum:
        return
    compact = re.sub(r"[^A-Z0-9]", "", datum.upper())
    if compact not in ("WGS84", "WGS1984", "EPSG4326"):
        warnings.append(
            f"{tag} is {datum!r}, not WGS-84: the coordinates may be off by up to "
            "hundreds of metres and are used as they are"
        )


def _merge_position(exif: Position | None, xmp: Xmp | None, warnings: list[str]) -> Position | None:
    """EXIF's position, with XMP filling what EXIF lacks; XMP's alone has source ``xmp``.

    Where both give a value and they disagree, EXIF's is kept and a warning says so.
    """
    if xmp is None:
        return exif
    _check_datum(xmp.map_datum, "XMP exif:GPSMapDatum", warnings)
    if exif is None:
        if xmp.lat is None or xmp.lon is None:
            return None
        if xmp.lat == 0 and xmp.lon == 0:
            warnings.append("XMP GPS position is exactly 0, 0 (often a placeholder, not a fix)")
        return Position(
            lat=xmp.lat,
            lon=xmp.lon,
            alt=xmp.alt,
            direction=xmp.direction,
            source="xmp",
            accuracy_m=xmp.accuracy_m,
            relative_alt=xmp.relative_alt,
        )
    alt, direction, accuracy = exif.alt, exif.direction, exif.accuracy_m
    if xmp.lat is not None and xmp.lon is not None:
        apart = _distance_m(exif.lat, exif.lon, xmp.lat, xmp.lon)
        if apart > _POSITION_TOLERANCE_M:
            warnings.append(
                f"EXIF and XMP positions differ by {apart:,.0f} m "
                f"(XMP {xmp.lat:.6f}, {xmp.lon:.6f}): the EXIF position is used"
            )
    if xmp.alt is not None:
        if alt is None:
            alt = xmp.alt
            warnings.append(f"altitude from XMP {xmp.alt_source} (EXIF has none)")
        elif abs(alt - xmp.alt) > _ALTITUDE_TOLERANCE_M:
            warnings.append(
                f"EXIF altitude {alt:.1f} m and XMP {xmp.alt_source} {xmp.alt:.1f} m differ: "
                "the EXIF altitude is used"
            )
    if xmp.direction is not None:
        if direction is None:
            direction = xmp.direction
            warnings.append(f"direction from XMP {xmp.direction_source} (EXIF has none)")
        else:
            turn = abs((direction - xmp.direction + 180) % 360 - 180)
            if turn > _DIRECTION_TOLERANCE:
                warnings.append(
                    f"EXIF direction {direction:.1f}° and XMP {xmp.direction_source} "
                    f"{xmp.direction:.1f}° differ: the EXIF direction is used"
                )
    if accuracy is None:
        accuracy = xmp.accuracy_m
    return Position(
        lat=exif.lat,
        lon=exif.lon,
        alt=alt,
        direction=direction,
        source=exif.source,
        accuracy_m=accuracy,
        relative_alt=xmp.relative_alt,
    )


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere): enough to tell
    a disagreement from rounding."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def _orientation(value: Any, warnings: list[str]) -> int | None:
    nums = _numbers(value) if not isinstance(value, bytes) else None
    if not nums or nums[0] is None:
        return None
    n = int(nums[0])
    if not 1 <= n <= 8:
        warnings.append(f"Orientation {n} is not 1..8: ignored")
        return None
    return n


# --- time readings --------------------------------------------------------------------


def parse_exif_datetime(
    text: str | None, subsec: str | None, tag: str, warnings: list[str]
) -> tuple[datetime, str] | None:
    """A camera reading as (naive datetime, ISO text with the sub-seconds as stored)."""
    if not text:
        return None
    if set(text) <= set("0: -T") or text.strip(" :") == "":
        warnings.append(f"{tag} is empty ({text!r}): no date")
        return None
    m = _DATE_RE.match(text)
    if not m:
        warnings.append(f"{tag} {text!r} is not a date")
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        value = datetime(y, mo, d, h, mi, s)
    except ValueError:
        warnings.append(f"{tag} {text!r} is not a valid date")
        return None
    digits = m.group(7)
    if subsec is not None:
        cleaned = subsec.strip()
        if cleaned.isdigit():
            digits = cleaned
        elif cleaned:
            warnings.append(f"SubSec for {tag} {subsec!r} is not digits: ignored")
    iso = value.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        iso += "." + digits
        value = value.replace(microsecond=int(digits[:6].ljust(6, "0")))
    return value, iso


def parse_offset(text: str | None) -> str | None:
    """'+04:00' / '+0400' / '-3:00' → '+04:00'; None for empty or impossible offsets."""
    if not text:
        return None
    if text.strip().upper() == "Z":
        return "+00:00"
    m = _OFFSET_RE.match(text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 18 or minutes >= 60:
        return None
    return f"{m.group(1)}{hours:02d}:{minutes:02d}"


#: The camera's reading, best first: (EXIF tag, sub-seconds tag, offset tag) or the XMP
#: properties that stand for the same kind of date (MWG 2.0 §5.7). Capture dates come
#: before digitizing dates, and the modify date is the last resort.
_TIME_ORDER: tuple[tuple[str, ...], ...] = (
    ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal"),
    ("xmp", "exif:DateTimeOriginal", "photoshop:DateCreated"),
    ("DateTimeDigitized", "SubSecTimeDigitized", "OffsetTimeDigitized"),
    ("xmp", "xmp:CreateDate"),
    ("DateTime", "SubSecTime", "OffsetTime"),
    ("xmp", "xmp:ModifyDate"),
)
#: For an EXIF reading without an offset: the XMP properties that may carry the same
#: reading with its offset (Lightroom and phones write both).
_SAME_IN_XMP = {
    "DateTimeOriginal": ("exif:DateTimeOriginal", "photoshop:DateCreated"),
    "DateTimeDigitized": ("xmp:CreateDate",),
    "DateTime": ("xmp:ModifyDate",),
}


def _exif_value(tags: TiffTags, tag: str) -> Any:
    return tags.exif.get(tag) if tag in tags.exif else tags.ifd0.get(tag)


def _raw_time(tags: TiffTags, xmp: Xmp | None, warnings: list[str]) -> RawTime:
    """The camera's reading: the first of :data:`_TIME_ORDER` the file has."""
    gps_utc = _gps_utc(tags.gps, warnings)
    if gps_utc is None and xmp is not None:
        gps_utc = xmp.gps_utc
    for entry in _TIME_ORDER:
        if entry[0] == "xmp":
            found = xmp.date(*entry[1:]) if xmp is not None else None
            if found is None:
                continue
            if found.prop == "xmp:ModifyDate":
                warnings.append(
                    "no capture date in EXIF or XMP: the camera time is from XMP "
                    "xmp:ModifyDate, when the file was last changed"
                )
            else:
                warnings.append(
                    f"no EXIF {_EXIF_OF[found.prop]}: the camera time is from XMP {found.prop}"
                )
            return RawTime(
                local=found.local,
                local_text=found.text,
                local_tag=found.prop,
                offset=found.offset,
                gps_utc=gps_utc,
                local_source="xmp",
                offset_source="xmp-offset",
            )
        tag, sub_tag, off_tag = entry
        raw = _exif_value(tags, tag)
        local = parse_exif_datetime(_text(raw), _text(_exif_value(tags, sub_tag)), tag, warnings)
        if local is None:
            continue
        off_text = _text(_exif_value(tags, off_tag))
        offset = parse_offset(off_text)
        offset_source = "exif-offset"
        if off_text and offset is None and off_text.strip(" :"):
            warnings.append(f"{off_tag} {off_text!r} is not a UTC offset: ignored")
        m = _DATE_RE.match(_text(raw) or "")
        if offset is None and m and m.group(8):
            offset = parse_offset(m.group(8))
        if tag == "DateTime":
            warnings.append(
                "no DateTimeOriginal: the camera time is from DateTime, when the file was "
                "last changed, which may be later than when the photo was taken"
            )
        elif tag != "DateTimeOriginal":
            warnings.append(f"no DateTimeOriginal: the camera time is from {tag}")
        if xmp is not None:
            same = xmp.date(*_SAME_IN_XMP[tag])
            if same is not None and abs(same.local - local[0]) > _TIME_TOLERANCE:
                warnings.append(
                    f"EXIF {tag} {local[1]} and XMP {same.prop} {same.text} differ: "
                    f"the EXIF {tag} is used"
                )
            elif same is not None and offset is None and same.offset is not None:
                offset, offset_source = same.offset, "xmp-offset"
        return RawTime(
            local=local[0],
            local_text=local[1],
            local_tag=tag,
            offset=offset,
            gps_utc=gps_utc,
            local_source=tag,
            offset_source=offset_source,
        )
    return RawTime(gps_utc=gps_utc)


_EXIF_OF = {
    "exif:DateTimeOriginal": "DateTimeOriginal",
    "photoshop:DateCreated": "DateTimeOriginal",
    "xmp:CreateDate": "DateTimeOriginal or DateTimeDigitized",
    "xmp:ModifyDate": "date",
}


def _gps_utc(gps: dict[str, Any], warnings: list[str]) -> datetime | None:
    stamp = gps.get("GPSTimeStamp")
    day_text = _text(gps.get("GPSDateStamp"))
    if stamp is None and day_text is None:
        return None
    if stamp is None or day_text is None:
        warnings.append("GPS clock has a time or a date but not both: not used")
        return None
    m = re.match(r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})\s*$", day_text)
    nums = _numbers(stamp)
    if not m or not nums or len(nums) < 3 or any(n is None for n in nums[:3]):
        warnings.append(f"GPS clock unreadable (date {day_text!r}): not used")
        return None
    h, mi, s = (n for n in nums[:3] if n is not None)
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        whole = int(s)
        micro = round((s - whole) * 1_000_000)
        if micro == 1_000_000:
            whole, micro = whole + 1, 0
        if not (0 <= h < 24 and 0 <= mi < 60 and 0 <= whole <= 60) or h != int(h):
            raise ValueError("out of range")
        value = datetime.combine(day, time(int(h), int(mi)), tzinfo=UTC)
        return value + timedelta(seconds=whole, microseconds=micro)
    except ValueError:
        warnings.append(f"GPS clock {day_text} {nums[:3]} is not a valid time: not used")
        return None
