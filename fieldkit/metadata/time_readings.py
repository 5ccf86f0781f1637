"""The camera's time readings as written: which date tag is the capture reading
(DateTimeOriginal first, then XMP and the digitized and modify dates; MWG 2.0 §5.7), its
sub-seconds and offset (EXIF 2.31 OffsetTime*), and the GPS clock (GPSDateStamp +
GPSTimeStamp, UTC). What they mean in a time zone is decided in
:mod:`fieldkit.metadata.capture_time`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fieldkit.metadata.model import RawTime
from fieldkit.metadata.tiff import TiffTags
from fieldkit.metadata.values import as_numbers, as_text
from fieldkit.metadata.xmp import Xmp

#: Two readings of the same instant that differ by more than this disagree.
_TIME_TOLERANCE = timedelta(seconds=1)


_DATE_RE = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2})"
    r"(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


_OFFSET_RE = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")


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


def read_raw_time(tags: TiffTags, xmp: Xmp | None, warnings: list[str]) -> RawTime:
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
        local = parse_exif_datetime(
            as_text(raw), as_text(_exif_value(tags, sub_tag)), tag, warnings
        )
        if local is None:
            continue
        off_text = as_text(_exif_value(tags, off_tag))
        offset = parse_offset(off_text)
        offset_source = "exif-offset"
        if off_text and offset is None and off_text.strip(" :"):
            warnings.append(f"{off_tag} {off_text!r} is not a UTC offset: ignored")
        m = _DATE_RE.match(as_text(raw) or "")
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
    day_text = as_text(gps.get("GPSDateStamp"))
    if stamp is None and day_text is None:
        return None
    if stamp is None or day_text is None:
        warnings.append("GPS clock has a time or a date but not both: not used")
        return None
    m = re.match(r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})\s*$", day_text)
    nums = as_numbers(stamp)
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
