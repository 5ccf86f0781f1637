"""XMP packets: capture dates, GPS and drone attitude, parsed with a hardened XML parser.

XMP (ISO 16684-1) is RDF/XML that phones, Lightroom, drones and video cameras write next
to (or instead of) EXIF. FieldKit reads only what says where and when a picture was taken:

- dates: ``exif:DateTimeOriginal``, ``photoshop:DateCreated`` (capture, per the Metadata
  Working Group's mapping of EXIF DateTimeOriginal), ``xmp:CreateDate`` (EXIF
  DateTimeDigitized), ``xmp:ModifyDate`` (EXIF DateTime), ``exif:GPSTimeStamp`` (UTC);
- position: ``exif:GPSLatitude``/``GPSLongitude`` ("DDD,MM,SSk" or "DDD,MM.mmk", XMP
  Specification Part 2 §3.3), ``exif:GPSAltitude``/``GPSAltitudeRef``,
  ``exif:GPSImgDirection``, ``exif:GPSHPositioningError``, ``exif:GPSMapDatum``;
- DJI drones (``drone-dji:``): ``AbsoluteAltitude`` (metres above sea level),
  ``RelativeAltitude`` (metres above the take-off point), ``GimbalYawDegree`` (where the
  camera points) and ``FlightYawDegree`` (the aircraft's heading), both degrees from north
  in −180..180, and ``GpsLatitude``/``GpsLongitude`` where the model writes them.

The packet is parsed by ``defusedxml`` with DTDs forbidden, never by the standard library's
parser alone: an XMP packet comes from the file, and the file may be hostile (entity
expansion bombs, external entities). :func:`read_xmp` is what video readers call too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Packets larger than this are not parsed (real ones are a few KiB to a few hundred).
MAX_XMP_BYTES = 4 * 1024 * 1024

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "drone-dji": "http://www.dji.com/drone-dji/1.0/",
}
_PREFIX = {uri: prefix for prefix, uri in NS.items()}

#: Capture dates first, then digitizing dates, then the modify date (MWG 2.0 §5.7).
DATE_PROPERTIES = (
    "exif:DateTimeOriginal",
    "photoshop:DateCreated",
    "xmp:CreateDate",
    "xmp:ModifyDate",
)

# ISO 8601 as XMP writes it; EXIF-style colons in the date and a space before the time,
# and a "GMT"/"UTC" before the offset, are accepted as exiftool accepts them.
_XMP_DATE = re.compile(
    r"^\s*(\d{4})(?:[-:](\d{2})(?:[-:](\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(?:GMT|UTC)?(Z|[+-]\d{2}:?\d{2})?)?)?)?\s*$"
)
_GPS_COORD = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)(?:\s*,\s*(\d+(?:\.\d+)?))?\s*([NSEWnsew])\s*$"
)


@dataclass(frozen=True)
class XmpDate:
    """One XMP date: the property it came from, the naive local reading, its offset.

    ``text`` is the local reading in ISO 8601 with the sub-seconds as written; ``offset``
    is "+HH:MM" when the value carried one ("Z" gives "+00:00").
    """

    prop: str
    local: datetime
    text: str
    offset: str | None


@dataclass(frozen=True)
class Xmp:
    """What an XMP packet says about place and time; None where it says nothing.

    Degrees are WGS84 decimal (south/west negative), altitudes metres (below sea level
    negative), directions degrees clockwise from north in 0..360.
    """

    dates: tuple[XmpDate, ...] = ()
    gps_utc: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    alt_source: str | None = None
    relative_alt: float | None = None
    direction: float | None = None
    direction_source: str | None = None
    accuracy_m: float | None = None
    map_datum: str | None = None
    warnings: tuple[str, ...] = field(default=())

    def date(self, *props: str) -> XmpDate | None:
        """The first of ``props`` the packet has (in the order given)."""
        for prop in props:
            for d in self.dates:
                if d.prop == prop:
                    return d
        return None


def find_packet(data: bytes) -> bytes | None:
    """An XMP packet inside arbitrary bytes (a video's 'XMP_' atom, a sidecar): the
    ``<x:xmpmeta>`` element, or a bare ``<rdf:RDF>``; None when there is none."""
    for start_tag, end_tag in ((b"<x:xmpmeta", b"</x:xmpmeta>"), (b"<rdf:RDF", b"</rdf:RDF>")):
        start = data.find(start_tag)
        if start < 0:
            continue
        end = data.find(end_tag, start)
        if end < 0:
            return None
        return data[start : end + len(end_tag)]
    return None


def read_xmp(packet: bytes) -> Xmp:
    """Parses one XMP packet; never raises (a damaged packet gives ``warnings``)."""
    if len(packet) > MAX_XMP_BYTES:
        return Xmp(warnings=(f"XMP packet of {len(packet)} bytes is too large: not read",))
    body = _body(packet)
    if body is None:
        return Xmp(warnings=("XMP packet has no rdf:RDF: not read",))
    props, problem = _properties(body)
    if problem and _not_utf8(body):
        # Some writers store Latin-1 text in a packet that must be UTF-8 (XMP Part 3 §1.1.2).
        props, problem = _properties(body.decode("latin-1").encode("utf-8"))
    if problem:
        return Xmp(warnings=(problem,))
    warnings: list[str] = []
    dates = []
    for prop in DATE_PROPERTIES:
        text = props.get(prop)
        if text is None:
            continue
        parsed = parse_xmp_date(text, prop, warnings)
        if parsed is not None:
            dates.append(parsed)
    gps_utc = None
    if "exif:GPSTimeStamp" in props:
        stamp = parse_xmp_date(props["exif:GPSTimeStamp"], "exif:GPSTimeStamp", warnings)
        if stamp is not None:
            gps_utc = _as_utc(stamp)

    lat = _coordinate(props, "exif:GPSLatitude", "NS", 90, warnings)
    lon = _coordinate(props, "exif:GPSLongitude", "EW", 180, warnings)
    if lat is None and lon is None:
        lat = _decimal(props, "drone-dji:GpsLatitude", 90, warnings)
        lon = _decimal(props, "drone-dji:GpsLongitude", 180, warnings)
        if lon is None:  # some DJI firmware misspells it
            lon = _decimal(props, "drone-dji:GpsLongtitude", 180, warnings)
    if (lat is None) != (lon is None):
        warnings.append("XMP has only one of latitude and longitude: no position")
        lat = lon = None

    alt, alt_source = None, None
    if "exif:GPSAltitude" in props:
        alt = _number(props["exif:GPSAltitude"], "exif:GPSAltitude", warnings)
        if alt is not None:
            alt_source = "exif:GPSAltitude"
            if (props.get("exif:GPSAltitudeRef") or "").strip() == "1":
                alt = -abs(alt)
    if alt is None and "drone-dji:AbsoluteAltitude" in props:
        alt = _number(props["drone-dji:AbsoluteAltitude"], "drone-dji:AbsoluteAltitude", warnings)
        alt_source = "drone-dji:AbsoluteAltitude" if alt is not None else None
    relative = None
    if "drone-dji:RelativeAltitude" in props:
        relative = _number(
            props["drone-dji:RelativeAltitude"], "drone-dji:RelativeAltitude", warnings
        )

    direction, direction_source = None, None
    for prop in ("exif:GPSImgDirection", "drone-dji:GimbalYawDegree", "drone-dji:FlightYawDegree"):
        if prop in props:
            value = _number(props[prop], prop, warnings)
            if value is not None:
                direction, direction_source = value % 360.0, prop
                break
    accuracy = None
    if "exif:GPSHPositioningError" in props:
        accuracy = _number(
            props["exif:GPSHPositioningError"], "exif:GPSHPositioningError", warnings
        )
        if accuracy is not None and accuracy < 0:
            warnings.append(f"XMP exif:GPSHPositioningError {accuracy} is negative: ignored")
            accuracy = None
    datum = (props.get("exif:GPSMapDatum") or "").strip() or None
    return Xmp(
        dates=tuple(dates),
        gps_utc=gps_utc,
        lat=lat,
        lon=lon,
        alt=alt,
        alt_source=alt_source,
        relative_alt=relative,
        direction=direction,
        direction_source=direction_source,
        accuracy_m=accuracy,
        map_datum=datum,
        warnings=tuple(warnings),
    )


def _body(packet: bytes) -> bytes | None:
    """The XML to parse, in UTF-8: UTF-16/32 packets (with or without a byte-order mark,
    XMP Part 3 §1.1.2) are re-encoded; padding and the xpacket wrapper are cut."""
    data = packet
    codec = None
    if data[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        codec = "utf-32"
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"
    elif data[:4] == b"\x00\x00\x00<":
        codec = "utf-32-be"
    elif data[:4] == b"<\x00\x00\x00":
        codec = "utf-32-le"
    elif data[:2] == b"\x00<":
        codec = "utf-16-be"
    elif data[:2] == b"<\x00":
        codec = "utf-16-le"
    if codec:
        try:
            data = data.decode(codec).encode("utf-8")
        except UnicodeError:
            return None
    return find_packet(data)


def _properties(body: bytes) -> tuple[dict[str, str], str | None]:
    """prefix:name → text of every simple property (attribute or element) of every
    rdf:Description; the first item of an rdf:Seq/Alt/Bag stands for the array."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        return {}, f"XMP packet refused by the hardened XML parser ({type(exc).__name__})"
    except ParseError as exc:
        return {}, f"XMP packet is not well-formed XML ({exc})"
    rdf = "{" + NS["rdf"] + "}"
    props: dict[str, str] = {}
    for desc in root.iter(rdf + "Description"):
        for key, value in desc.attrib.items():
            name = _name(key)
            if name:
                props.setdefault(name, value)
        for child in desc:
            name = _name(child.tag)
            if not name:
                continue
            text = (child.text or "").strip()
            if not text:
                li = next(child.iter(rdf + "li"), None)
                text = (li.text or "").strip() if li is not None else ""
            if not text:
                text = child.attrib.get(rdf + "resource", "").strip()
            if text:
                props.setdefault(name, text)
    return props, None


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _name(tag: str) -> str | None:
    if not tag.startswith("{"):
        return None
    uri, _, local = tag[1:].partition("}")
    prefix = _PREFIX.get(uri)
    return f"{prefix}:{local}" if prefix else None


def parse_xmp_date(text: str, prop: str, warnings: list[str]) -> XmpDate | None:
    """An XMP date (ISO 8601 subset, XMP Part 1 §8.2.1.1), to the second at least."""
    m = _XMP_DATE.match(text)
    if not m:
        warnings.append(f"XMP {prop} {_short(text)!r} is not a date")
        return None
    year, month, day, hour, minute, second, digits, zone = m.groups()
    if hour is None:
        warnings.append(f"XMP {prop} {_short(text)!r} has no time of day: not used")
        return None
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        warnings.append(f"XMP {prop} {_short(text)!r} is not a valid date")
        return None
    iso = value.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        iso += "." + digits
        value = value.replace(microsecond=int(digits[:6].ljust(6, "0")))
    offset = None
    if zone:
        if zone == "Z":
            offset = "+00:00"
        else:
            sign, rest = zone[0], zone[1:].replace(":", "")
            hours, minutes = int(rest[:2]), int(rest[2:])
            if hours <= 18 and minutes < 60:
                offset = f"{sign}{hours:02d}:{minutes:02d}"
            else:
                warnings.append(f"XMP {prop} offset {zone!r} is not a UTC offset: ignored")
    return XmpDate(prop, value, iso, offset)


def _as_utc(stamp: XmpDate) -> datetime:
    """The GPS clock is UTC by definition (Exif 2.3 §4.6.6): a value without a zone is UTC."""
    from datetime import UTC, timedelta

    if stamp.offset is None:
        return stamp.local.replace(tzinfo=UTC)
    sign = -1 if stamp.offset[0] == "-" else 1
    delta = timedelta(hours=int(stamp.offset[1:3]), minutes=int(stamp.offset[4:6])) * sign
    return (stamp.local - delta).replace(tzinfo=UTC)


def _number(text: str, prop: str, warnings: list[str]) -> float | None:
    """A real or rational ("8120/10") XMP number; None (warned) when it is not one."""
    raw = text.strip()
    try:
        if "/" in raw:
            num, den = raw.split("/", 1)
            if float(den) == 0:
                warnings.append(f"XMP {prop} {_short(raw)!r} has a zero denominator")
                return None
            value = float(num) / float(den)
        else:
            value = float(raw)
    except ValueError:
        warnings.append(f"XMP {prop} {_short(raw)!r} is not a number")
        return None
    if not math.isfinite(value):
        warnings.append(f"XMP {prop} {_short(raw)!r} is not a finite number")
        return None
    return value


def _coordinate(
    props: dict[str, Any], prop: str, refs: str, limit: float, warnings: list[str]
) -> float | None:
    """'DDD,MM,SSk' or 'DDD,MM.mmk' (XMP Part 2 §3.3.1 GPSCoordinate) → signed degrees."""
    text = props.get(prop)
    if text is None:
        return None
    m = _GPS_COORD.match(text)
    if not m:
        warnings.append(f"XMP {prop} {_short(text)!r} is not a GPS coordinate")
        return None
    degrees = float(m.group(1)) + float(m.group(2)) / 60 + float(m.group(3) or 0) / 3600
    ref = m.group(4).upper()
    if ref not in refs:
        warnings.append(f"XMP {prop} {_short(text)!r} has the wrong direction letter")
        return None
    if ref in "SW":
        degrees = -degrees
    if not -limit <= degrees <= limit:
        warnings.append(f"XMP {prop} {degrees} is outside -{limit}..{limit}")
        return None
    return degrees


def _decimal(props: dict[str, Any], prop: str, limit: float, warnings: list[str]) -> float | None:
    text = props.get(prop)
    if text is None:
        return None
    value = _number(text, prop, warnings)
    if value is not None and not -limit <= value <= limit:
        warnings.append(f"XMP {prop} {value} is outside -{limit}..{limit}")
        return None
    return value


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
