"""A photo's position from its GPS tags (EXIF 2.3 §4.6.6: GPSLatitude/Ref, GPSLongitude/Ref,
GPSAltitude/Ref, GPSHPositioningError, GPSImgDirection, GPSMapDatum), and which reading
wins when EXIF and XMP both give one (EXIF first; their disagreement is a warning)."""

from __future__ import annotations

import math
import re
from typing import Any

from fieldkit.metadata.model import Position
from fieldkit.metadata.values import as_numbers, as_text, ref_letter
from fieldkit.metadata.xmp import Xmp

#: Two positions further apart than this (metres) disagree.
_POSITION_TOLERANCE_M = 30.0


_ALTITUDE_TOLERANCE_M = 10.0


_DIRECTION_TOLERANCE = 5.0


def _coordinate(
    gps: dict[str, Any], name: str, ref_name: str, negative: str, limit: float, warnings: list[str]
) -> float | bool | None:
    """Signed degrees; None when absent; False when present but unusable (warned)."""
    value = gps.get(name)
    if value is None:
        return None
    nums = as_numbers(value)
    if not nums or any(n is None for n in nums):
        warnings.append(f"gps_invalid: {name} has a zero denominator or no value")
        return False
    parts = [n for n in nums if n is not None][:3]
    degrees = (
        parts[0]
        + (parts[1] / 60 if len(parts) > 1 else 0)
        + (parts[2] / 3600 if len(parts) > 2 else 0)
    )
    ref = ref_letter(gps.get(ref_name))
    if ref is None and isinstance(value, bytes):
        letters = re.findall(r"[NSEWnsew]", as_text(value) or "")
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


def exif_position(gps: dict[str, Any], warnings: list[str]) -> Position | None:
    """The position in an EXIF GPS IFD (tag name → value): degrees (WGS 84), altitude and
    accuracy in metres, image direction in degrees; None without latitude and longitude.
    Odd values (out of range, a missing Ref, another datum) are appended to ``warnings``."""
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
    alt_nums = as_numbers(gps.get("GPSAltitude"))
    if alt_nums:
        if alt_nums[0] is None:
            warnings.append("GPSAltitude has a zero denominator: altitude unknown")
        else:
            alt = alt_nums[0]
            ref = gps.get("GPSAltitudeRef")
            ref_num = as_numbers(ref) if ref is not None else None
            if isinstance(ref, bytes) and ref[:1] in (b"\x00", b"\x01"):
                ref_num = [float(ref[0])]
            if ref_num and ref_num[0] == 1:
                alt = -abs(alt)
    accuracy: float | None = None
    error_nums = as_numbers(gps.get("GPSHPositioningError"))
    if error_nums:
        if error_nums[0] is None or error_nums[0] < 0:
            warnings.append("GPSHPositioningError is not a distance: accuracy unknown")
        else:
            accuracy = error_nums[0]
    _check_datum(as_text(gps.get("GPSMapDatum")), "GPSMapDatum", warnings)
    direction: float | None = None
    dir_nums = as_numbers(gps.get("GPSImgDirection"))
    if dir_nums:
        if dir_nums[0] is None:
            warnings.append("GPSImgDirection has a zero denominator: direction unknown")
        else:
            direction = dir_nums[0]
            if ref_letter(gps.get("GPSImgDirectionRef")) == "M":
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


def merge_position(exif: Position | None, xmp: Xmp | None, warnings: list[str]) -> Position | None:
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
