"""The two QuickTime/ISO 6709 details that PyAV does not hand us: rotation and location text.

- :func:`video_rotation` reads the display matrix of the first video track's ``tkhd`` box
  (QuickTime File Format, "Track header atoms"; ISO/IEC 14496-12 §8.3.2). libavformat
  reads it too, but PyAV only exposes it on decoded frames, and ``fieldkit inspect`` must
  not decode video to say which way up it is.
- :func:`parse_iso6709` reads a location string in ISO 6709 (Annex H, the text form):
  what QuickTime's ``©xyz`` atom and Apple's ``com.apple.quicktime.location.ISO6709``
  key hold, e.g. ``+39.8153+046.7519+812.400/``.

Only box headers and the few small boxes needed are read, never media data. Box sizes are
bounded by their parent and the walk by a box count, so a hostile file costs a few reads.
"""

from __future__ import annotations

import math
import re
import struct
from typing import BinaryIO

from fieldkit.metadata.bmff import boxes
from fieldkit.metadata.tiff import Reader, file_reader

#: Containers inside which a video track's ``tkhd`` is looked for.
_MAX_MOOV = 64 * 1024 * 1024

# ISO 6709 Annex H: latitude ±DD[.D], ±DDMM[.M] or ±DDMMSS[.S]; longitude the same with
# three degree digits; an optional altitude ±A[.A]; an optional CRS and a closing '/'.
_ISO6709_RE = re.compile(
    r"^\s*(?P<lat>[+-]\d{2}(?:\d{2}){0,2}(?:\.\d+)?)"
    r"(?P<lon>[+-]\d{3}(?:\d{2}){0,2}(?:\.\d+)?)"
    r"(?P<alt>[+-]\d+(?:\.\d+)?)?"
    r"(?:CRS[A-Za-z0-9_:]*)?/?\s*$"
)


def _sexagesimal(text: str, degree_digits: int) -> float:
    """±D…[MM[SS]][.f] (ISO 6709 H.2) as signed decimal degrees."""
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, frac = body.partition(".")
    fraction = float("0." + frac) if frac else 0.0
    extra = len(whole) - degree_digits  # 0: degrees, 2: +minutes, 4: +seconds
    degrees = float(whole[:degree_digits])
    if extra == 0:
        return sign * (degrees + fraction)
    minutes = float(whole[degree_digits : degree_digits + 2])
    if extra == 2:
        minutes += fraction
        if minutes >= 60:
            raise ValueError("minutes ≥ 60")
        return sign * (degrees + minutes / 60)
    seconds = float(whole[degree_digits + 2 :]) + fraction
    if minutes >= 60 or seconds >= 60:
        raise ValueError("minutes or seconds ≥ 60")
    return sign * (degrees + minutes / 60 + seconds / 3600)


def parse_iso6709(text: str) -> tuple[float, float, float | None]:
    """(latitude, longitude, altitude or None) from an ISO 6709 location string.

    Degrees are WGS84 (what phones write), south and west negative; the altitude is in
    metres. Raises :class:`ValueError` naming what is wrong for anything else.
    """
    m = _ISO6709_RE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not an ISO 6709 location")
    lat = _sexagesimal(m.group("lat"), 2)
    lon = _sexagesimal(m.group("lon"), 3)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{text!r}: latitude or longitude out of range")
    alt = float(m.group("alt")) if m.group("alt") else None
    if alt is not None and not math.isfinite(alt):
        raise ValueError(f"{text!r}: altitude is not a number")
    return lat, lon, alt


def _child(read: Reader, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for k, s, e in boxes(read, start, end):
        if k == kind:
            return s, e
    return None


def rotation_from_matrix(a: float, b: float, c: float, d: float) -> int | None:
    """Clockwise degrees (0, 90, 180, 270) a player turns the picture; None if not a turn.

    The matrix ``[a b; c d]`` maps stored to displayed pixels (row vectors,
    QuickTime convention); a mirror or a skew is not a rotation and gives None.
    """
    if abs(a * d - b * c) < 1e-6:
        return None
    angle = math.degrees(math.atan2(b, a))
    turn = round(angle / 90) * 90
    if abs(angle - turn) > 1 or abs(a - d) > 1e-3 or abs(b + c) > 1e-3:
        return None
    return turn % 360


def video_rotation(fh: BinaryIO, size: int) -> tuple[int | None, list[str]]:
    """The first video track's rotation in clockwise degrees, and problems met.

    None with no problem for a file without a video track (audio, a still).
    """
    problems: list[str] = []
    read = file_reader(fh)
    moov = _child(read, 0, size, b"moov")
    if moov is None:
        return None, ["QuickTime: no 'moov' box (the file may be truncated)"]
    if moov[1] - moov[0] > _MAX_MOOV:
        return None, ["QuickTime: 'moov' box implausibly large; rotation not read"]
    for kind, start, end in boxes(read, moov[0], moov[1]):
        if kind != b"trak":
            continue
        mdia = _child(read, start, end, b"mdia")
        hdlr = _child(read, mdia[0], mdia[1], b"hdlr") if mdia else None
        if hdlr is None or read(hdlr[0] + 8, 4) != b"vide":
            continue
        tkhd = _child(read, start, end, b"tkhd")
        if tkhd is None:
            problems.append("QuickTime: video track without 'tkhd'")
            return None, problems
        data = read(tkhd[0], min(tkhd[1] - tkhd[0], 104))
        if not data:
            problems.append("QuickTime: 'tkhd' unreadable")
            return None, problems
        # version 1 has 64-bit times: matrix at 52 (v1) or 40 (v0) bytes into the payload.
        at = 52 if data[0] == 1 else 40
        if len(data) < at + 36:
            problems.append("QuickTime: 'tkhd' truncated")
            return None, problems
        a, b, _u, c, d, _v, _x, _y, _w = struct.unpack(">9i", data[at : at + 36])
        rotation = rotation_from_matrix(a / 65536, b / 65536, c / 65536, d / 65536)
        if rotation is None:
            problems.append("QuickTime: the video's display matrix is not a plain rotation")
        return rotation, problems
    return None, problems


def truncation_problems(fh: BinaryIO, size: int) -> list[str]:
    """A warning for each top-level box that claims to go past the end of the file."""
    read = file_reader(fh)
    problems = []
    pos = 0
    for _ in range(10_000):
        if pos + 8 > size:
            break
        head = read(pos, 16)
        if len(head) < 8:
            break
        box_size, kind = struct.unpack(">I4s", head[:8])
        if box_size == 1 and len(head) == 16:
            box_size = struct.unpack(">Q", head[8:16])[0]
        elif box_size == 0:
            break
        if box_size < 8:
            problems.append(f"QuickTime: box at byte {pos} has an impossible size {box_size}")
            break
        if pos + box_size > size:
            name = kind.decode("latin-1").encode("unicode_escape").decode("ascii")
            problems.append(
                f"QuickTime: the '{name}' box is truncated (missing {pos + box_size - size} "
                "bytes): the file was cut short"
            )
            break
        pos += box_size
    return problems


#: EXIF Orientation (TIFF tag 274) for a clockwise display rotation.
ORIENTATION_OF_ROTATION = {0: 1, 90: 6, 180: 3, 270: 8}
