"""Reading what a file says about itself: type, pixel size, GPS, camera and time readings.

No interpretation of time zones happens here (that is :mod:`fieldkit.metadata.capture_time`);
this module turns EXIF's many spellings into plain values and says what was odd about them.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO

from fieldkit.metadata import av, bmff, containers
from fieldkit.metadata.containers import Found
from fieldkit.metadata.filetype import HEIF_FAMILY, SNIFF_BYTES, sniff_type
from fieldkit.metadata.model import Camera, Metadata, Position, RawTime
from fieldkit.metadata.tiff import TiffTags, file_reader, read_tiff

_FINDERS: dict[str, Callable[[BinaryIO], Found]] = {
    "image/jpeg": containers.find_jpeg,
    "image/png": containers.find_png,
    "image/webp": containers.find_webp,
    "image/tiff": containers.find_tiff,
    "image/x-canon-cr2": containers.find_tiff,
    "image/x-panasonic-rw2": containers.find_tiff,
    "image/x-olympus-orf": containers.find_tiff,
    "image/x-fuji-raf": containers.find_raf,
}
_NO_EXIF_READER = {"image/x-canon-crw", "image/jxl"}

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
        if mime in HEIF_FAMILY:
            found = bmff.find_heif(file_reader(fh), size)
            if found.tiff is None or found.width is None:
                # libheif copes with some damage our box reader refuses; it needs the file
                # in memory, so only below MAX_HEIF_BYTES.
                second = containers.find_heif(fh, size)
                found.tiff = found.tiff or second.tiff
                found.width = found.width or second.width
                found.height = found.height or second.height
        elif mime == "image/x-canon-cr3":
            preset, problems = bmff.read_cr3(file_reader(fh), size)
            found.problems.extend(problems)
        elif mime == "image/x-sigma-x3f":
            found = containers.find_embedded_exif(fh)
        elif mime in _FINDERS:
            found = _FINDERS[mime](fh)
        elif mime in _NO_EXIF_READER:
            warnings.append(f"metadata of {mime} files is not read by FieldKit")
    except (OSError, ValueError, OverflowError, IndexError) as exc:
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
        if "DNGVersion" in tags.ifd0:
            mime = "image/x-adobe-dng"
        elif (_text(tags.ifd0.get("Make")) or "").upper().startswith("NIKON"):
            mime = "image/x-nikon-nef"

    width, height = found.width, found.height
    if width is None and mime in ("image/tiff", "image/gif", "image/bmp"):
        width, height = _pillow_size(fh, warnings)

    position = _position(tags.gps, warnings)
    raw_time = _raw_time(tags, warnings)
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


def _pillow_size(fh: BinaryIO, warnings: list[str]) -> tuple[int | None, int | None]:
    try:
        from PIL import Image

        fh.seek(0)
        with Image.open(fh) as im:
            return im.size
    except Exception as exc:  # Pillow raises many types for damaged files
        warnings.append(f"pixel size unreadable: {' '.join(str(exc).split())[:200]}")
        return None, None


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
    direction: float | None = None
    dir_nums = _numbers(gps.get("GPSImgDirection"))
    if dir_nums:
        if dir_nums[0] is None:
            warnings.append("GPSImgDirection has a zero denominator: direction unknown")
        else:
            direction = dir_nums[0]
            if _ref_letter(gps.get("GPSImgDirectionRef")) == "M":
                warnings.append("GPSImgDirection is relative to magnetic north")
    return Position(lat=lat, lon=lon, alt=alt, direction=direction, source="exif")


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


def _raw_time(tags: TiffTags, warnings: list[str]) -> RawTime:
    exif, ifd0 = tags.exif, tags.ifd0
    candidates = (
        ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "SubSecTimeDigitized", "OffsetTimeDigitized"),
        ("DateTime", "SubSecTime", "OffsetTime"),
    )
    local: tuple[datetime, str] | None = None
    offset: str | None = None
    used: str | None = None
    for tag, sub_tag, off_tag in candidates:
        raw = exif.get(tag) if tag in exif else ifd0.get(tag)
        sub = exif.get(sub_tag) if sub_tag in exif else ifd0.get(sub_tag)
        local = parse_exif_datetime(_text(raw), _text(sub), tag, warnings)
        if local is None:
            continue
        used = tag
        off_raw = exif.get(off_tag) if off_tag in exif else ifd0.get(off_tag)
        off_text = _text(off_raw)
        offset = parse_offset(off_text)
        if off_text and offset is None and off_text.strip(" :"):
            warnings.append(f"{off_tag} {off_text!r} is not a UTC offset: ignored")
        m = _DATE_RE.match(_text(raw) or "")
        if offset is None and m and m.group(8):
            offset = parse_offset(m.group(8))
        if tag != "DateTimeOriginal":
            warnings.append(f"no DateTimeOriginal: the camera time is from {tag}")
        break
    gps_utc = _gps_utc(tags.gps, warnings)
    if local is None:
        return RawTime(gps_utc=gps_utc)
    return RawTime(
        local=local[0], local_text=local[1], local_tag=used, offset=offset, gps_utc=gps_utc
    )


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
        from datetime import timedelta

        return value + timedelta(seconds=whole, microseconds=micro)
    except ValueError:
        warnings.append(f"GPS clock {day_text} {nums[:3]} is not a valid time: not used")
        return None
