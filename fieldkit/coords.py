"""Positions as people type them: decimal degrees, degrees-minutes-seconds or MGRS.

Always stored as WGS84 decimal degrees (south and west negative); this module only
reads and writes the text forms. MGRS (the Military Grid Reference System, NGA
STND.0037) is converted by the maintained ``mgrs`` package (GeoTrans' C code), never by
hand. Every parser raises :class:`ValidationError` with what was expected.
"""

from __future__ import annotations

import re

from fieldkit.errors import ValidationError

FORMATS = ("decimal", "dms", "mgrs")

_NUM = r"[+-]?\d+(?:[.,]\d+)?"
_DECIMAL = re.compile(rf"^\s*({_NUM})\s*°?\s*([NSns])?\s*[,;\s]\s*({_NUM})\s*°?\s*([EWOew])?\s*$")
# 39°48'55.1"N 46°45'06.8"E, 39 48 55.1 N, 46 45 6.8 E, N39°48.918' E46°45.113'
_PART = (
    r"([NSEWOnsewo])?\s*(\d+(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*"
    r"(?:(\d+(?:[.,]\d+)?)\s*(?:'|′|’|m|\s|$)\s*)?"
    r"(?:(\d+(?:[.,]\d+)?)\s*(?:\"|″|”|''|s)?\s*)?([NSEWOnsewo])?"
)
_DMS = re.compile(rf"^\s*{_PART}\s*[,;]?\s*{_PART}\s*$")
_MGRS = re.compile(r"^\s*\d{1,2}\s*[C-HJ-NP-Xc-hj-np-x]\s*[A-HJ-NP-Za-hj-np-z]{2}[\s\d]*$")

EXPECTED = (
    "decimal degrees (39.8153, 46.7519), degrees-minutes-seconds "
    "(39°48′55″N 46°45′07″E) or MGRS (38S PK 49948 08725)"
)


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _check(lat: float, lon: float) -> tuple[float, float]:
    if not -90 <= lat <= 90:
        raise ValidationError(f"latitude {lat:g} is not between −90 and 90")
    if not -180 <= lon <= 180:
        raise ValidationError(f"longitude {lon:g} is not between −180 and 180")
    return lat, lon


def _dms_value(groups: tuple[str | None, ...]) -> tuple[float, str | None]:
    before, deg, minutes, seconds, after = groups
    if (minutes is None and seconds is not None) or deg is None:
        raise ValueError
    value = (
        _float(deg)
        + (_float(minutes) / 60 if minutes else 0)
        + (_float(seconds) / 3600 if seconds else 0)
    )
    if (minutes and _float(minutes) >= 60) or (seconds and _float(seconds) >= 60):
        raise ValueError
    hemi = (before or after or "").upper() or None
    return value, {"O": "E"}.get(hemi or "", hemi)


def parse_position(text: str) -> tuple[float, float]:
    """``(lat, lon)`` in decimal degrees from any of the three forms.

    Raises ValidationError naming the forms understood when ``text`` is none of them.
    """
    s = text.strip()
    if not s:
        raise ValidationError("no position given")
    compact = s.replace(" ", "")
    if _MGRS.match(s) and not _DECIMAL.match(s):
        import mgrs

        try:
            lat, lon = mgrs.MGRS().toLatLon(compact.upper())
        except Exception:
            raise ValidationError(f"{s!r} is not a valid MGRS reference") from None
        return _check(round(float(lat), 7), round(float(lon), 7))
    m = _DECIMAL.match(s)
    if m:
        lat, lon = _float(m.group(1)), _float(m.group(3))
        if (m.group(2) or "").upper() == "S":
            lat = -abs(lat)
        if (m.group(4) or "").upper() == "W":
            lon = -abs(lon)
        return _check(lat, lon)
    m = _DMS.match(s)
    if m:
        try:
            a, ha = _dms_value(m.groups()[:5])
            b, hb = _dms_value(m.groups()[5:])
        except ValueError:
            raise ValidationError(f"{s!r} is not understood; type {EXPECTED}") from None
        if ha in ("E", "W") and hb in ("N", "S"):
            (a, ha), (b, hb) = (b, hb), (a, ha)
        lat = -a if ha == "S" else a
        lon = -b if hb == "W" else b
        return _check(lat, lon)
    raise ValidationError(f"{s!r} is not understood; type {EXPECTED}")


def _dms(value: float, pos: str, neg: str) -> str:
    hemi = pos if value >= 0 else neg
    total = round(abs(value) * 3600, 2)
    deg, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{int(deg)}°{int(minutes):02d}′{seconds:05.2f}″{hemi}"


def format_position(lat: float, lon: float, form: str = "decimal") -> str:
    """The position in ``form`` (one of :data:`FORMATS`); MGRS to 1 m (5 digits)."""
    if form == "dms":
        return f"{_dms(lat, 'N', 'S')} {_dms(lon, 'E', 'W')}"
    if form == "mgrs":
        import mgrs

        ref = str(mgrs.MGRS().toMGRS(lat, lon, MGRSPrecision=5))
        # 38SPK4994808725 -> 38S PK 49948 08725: the grouping people read and write
        zone = re.match(r"^(\d{0,2}[A-Z])([A-Z]{2})(\d*)$", ref)
        if zone:
            digits = zone.group(3)
            half = len(digits) // 2
            return f"{zone.group(1)} {zone.group(2)} {digits[:half]} {digits[half:]}".strip()
        return ref
    return f"{lat:.6f}, {lon:.6f}"


__all__ = ["EXPECTED", "FORMATS", "format_position", "parse_position"]
