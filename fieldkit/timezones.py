"""Offline time zones: the IANA zone of a coordinate (tzfpy ships its data) and its offset.

Contested territories get whatever zone the bundled boundary data draws; only the UTC
offset at the photo's time is used as evidence, and where two candidate zones share it
(e.g. Asia/Baku and Asia/Yerevan in 2020, both +04:00) the answer does not depend on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_at(lat: float, lon: float) -> str | None:
    """The IANA zone name at a WGS84 position (``Etc/GMT±N`` at sea), None if unknown."""
    try:
        import tzfpy
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    name = tzfpy.get_tz(lon, lat)  # tzfpy takes longitude first
    return name or None


@lru_cache(maxsize=256)
def load_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def offset_in_zone(local: datetime, name: str) -> tuple[timedelta, str | None] | None:
    """The UTC offset a clock in zone ``name`` showed at naive ``local``, and a caveat.

    The caveat names a clock change: an ambiguous hour (clocks went back; the earlier
    reading is assumed) or a time that did not exist (clocks went forward).
    """
    zone = load_zone(name)
    if zone is None:
        return None
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    off0, off1 = first.utcoffset(), second.utcoffset()
    if off0 is None or off1 is None:
        return None
    note = None
    if off0 != off1:
        # Either an ambiguous hour or a gap; a round trip through UTC tells which.
        back = first.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
        if back == local:
            note = f"{local.isoformat()} is ambiguous in {name} (clocks went back): took the first"
        else:
            note = f"{local.isoformat()} did not exist in {name} (clocks went forward)"
    return off0, note


def format_utc(value: datetime) -> str:
    """An instant in FieldKit's one canonical UTC form: ISO 8601 with 'Z', whole seconds,
    a fraction only when it is not zero, without trailing zeros.

    ``2020-10-09T10:02:54Z``, ``2020-10-09T10:02:54.7Z`` — never ``…54.00Z`` or ``.700Z``.
    Used for every capture time (inspect, records, bundles, CSV), so one instant is written
    one way. A naive ``value`` is taken as UTC.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def format_offset(delta: timedelta) -> str:
    """timedelta → '+04:00' (seconds, if any, are dropped: EXIF offsets are minutes)."""
    total = int(delta.total_seconds())
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"


def parse_offset_delta(text: str) -> timedelta:
    """'+04:00' → timedelta(hours=4). The text must already be validated."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text[1:].split(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes))
