"""Video and audio: recording time, place, camera, duration and frame size (no Qt).

The containers are read by libavformat through PyAV (the ``av`` package, which ships
FFmpeg in its wheel): it reads QuickTime/MP4/3GP/M4A (``mvhd``, ``©xyz``, ``©mak``/``©mod``,
Apple's ``mdta`` keys), AVI (``IDIT``), WAV (``bext``), MP3 (ID3), Matroska, Ogg and FLAC,
and it is the decoder the poster frames come from (:mod:`fieldkit.thumbnails`). Only the
display matrix is read by our own code (:mod:`fieldkit.metadata.quicktime`): PyAV exposes it
on decoded frames only. Opening a file reads its headers and, for a few formats, probes
the first packets; it never decodes the whole file.

Provenance follows the photo rules (``docs/time-and-position.md``):

- time: Apple's ``com.apple.quicktime.creationdate`` (local reading with its offset,
  source ``quicktime-offset``) beats ``mvhd`` (a UTC instant by the QuickTime spec, source
  ``quicktime-utc``); AVI ``IDIT``, BWF ``bext`` and ID3 ``TDRC`` give a local reading with
  no offset, resolved like a photo without OffsetTimeOriginal. ``time.local_source`` says
  which (``quicktime``, ``riff``, ``bext``, ``id3``);
- position: Apple's ``com.apple.quicktime.location.ISO6709`` key, else ``©xyz``; source
  ``quicktime``; ISO 6709 text (WGS84).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, BinaryIO

from fieldkit.metadata.model import Camera, Metadata, Position, RawTime
from fieldkit.metadata.quicktime import (
    ORIENTATION_OF_ROTATION,
    parse_iso6709,
    truncation_problems,
    video_rotation,
)

#: Containers whose tkhd display matrix we read for the rotation.
QUICKTIME_TYPES = frozenset(
    {"video/mp4", "video/quicktime", "video/3gpp", "video/3gpp2", "audio/mp4"}
)
#: Creation times before this are placeholders (a zeroed clock), not recordings.
_PLAUSIBLE_FROM = datetime(1990, 1, 1, tzinfo=UTC)
#: A QuickTime mvhd and Apple's creation date further apart than this get a warning.
_DISAGREE_S = 2.0
#: How much libavformat may read to find the streams (it stops at the headers for MP4).
_PROBE_OPTIONS = {"probesize": str(5 * 1024 * 1024), "analyzeduration": str(5_000_000)}

_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_TEXT_KEYS_MAKE = ("com.apple.quicktime.make", "com.android.manufacturer", "make")
_TEXT_KEYS_MODEL = ("com.apple.quicktime.model", "com.android.model", "model")


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def _parse_stamp(text: str) -> tuple[datetime, str, str | None] | None:
    """(naive datetime, ISO local text, "+HH:MM" or None) from an ISO-8601-like stamp."""
    m = _ISO_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi = (int(g) for g in m.groups()[:5])
    s = int(m.group(6) or 0)
    try:
        value = datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    iso = value.strftime("%Y-%m-%dT%H:%M:%S")
    if m.group(7):
        iso += "." + m.group(7)
        value = value.replace(microsecond=int(m.group(7)[:6].ljust(6, "0")))
    zone = m.group(8)
    offset: str | None = None
    if zone:
        if zone == "Z":
            offset = "+00:00"
        else:
            digits = zone.replace(":", "")
            hours, minutes = int(digits[1:3]), int(digits[3:5])
            if hours <= 18 and minutes < 60:
                offset = f"{digits[0]}{hours:02d}:{minutes:02d}"
    return value, iso, offset


def _container_utc(tags: dict[str, str], warnings: list[str]) -> datetime | None:
    text = tags.get("creation_time")
    if not text:
        return None
    parsed = _parse_stamp(text)
    if parsed is None:
        warnings.append(f"QuickTime creation time {text!r} is not a date: not used")
        return None
    value = parsed[0].replace(tzinfo=UTC)
    if value < _PLAUSIBLE_FROM:
        warnings.append(f"QuickTime creation time {text} is a placeholder (before 1990): not used")
        return None
    return value


def _local_reading(
    stamp: str, label: str, warnings: list[str]
) -> tuple[datetime, str, str | None] | None:
    parsed = _parse_stamp(stamp)
    if parsed is None:
        warnings.append(f"{label} {stamp!r} is not a date and time: not used")
        return None
    if parsed[0].replace(tzinfo=UTC) < _PLAUSIBLE_FROM:
        warnings.append(f"{label} {stamp!r} is a placeholder (before 1990): not used")
        return None
    return parsed


def _raw_time(mime: str, fmt: str, tags: dict[str, str], warnings: list[str]) -> RawTime:
    """The time readings of a container, with the provenance rules of the module doc."""
    apple = tags.get("com.apple.quicktime.creationdate")
    if fmt.startswith("mov") or mime in QUICKTIME_TYPES:
        utc = _container_utc(tags, warnings)
        if apple:
            reading = _local_reading(apple, "Apple creation date", warnings)
            if reading is not None:
                local, text, offset = reading
                if offset is None:
                    warnings.append(f"Apple creation date {apple!r} has no UTC offset")
                elif utc is not None:
                    from fieldkit.timezones import parse_offset_delta

                    apple_utc = local.replace(tzinfo=UTC) - parse_offset_delta(offset)
                    gap = abs((apple_utc - utc).total_seconds())
                    if gap > _DISAGREE_S:
                        warnings.append(
                            f"Apple creation date {apple} and QuickTime creation time "
                            f"{utc:%Y-%m-%dT%H:%M:%S}Z differ by {gap:g} s: the Apple date "
                            "(with its offset) is used"
                        )
                return RawTime(
                    local=local,
                    local_text=text,
                    local_tag="quicktime",
                    offset=offset,
                    utc=utc,
                    offset_source="quicktime-offset",
                )
        if utc is not None:
            return RawTime(local_tag="quicktime", utc=utc)
        return RawTime()
    if fmt == "avi":
        # libavformat turns AVI's IDIT ("Mon Sep 10 20:52:00 2012") into creation_time,
        # a local reading without a zone.
        stamp = tags.get("creation_time")
        reading = _local_reading(stamp, "AVI IDIT", warnings) if stamp else None
        if reading:
            return RawTime(local=reading[0], local_text=reading[1], local_tag="riff")
        return RawTime()
    if fmt == "wav" and "time_reference" in tags and tags.get("date"):
        # EBU Tech 3285 (Broadcast Wave) bext: libavformat gives OriginationDate as "date"
        # and OriginationTime as "creation_time"; a local reading without a zone.
        clock = tags.get("creation_time") or ""
        if not re.match(r"^\d{2}[:\-.]\d{2}[:\-.]\d{2}$", clock):
            warnings.append(f"bext origination date {tags['date']!r} has no time: not used")
            return RawTime()
        stamp = f"{tags['date'].replace(':', '-')} {re.sub(r'[-.]', ':', clock)}"
        reading = _local_reading(stamp, "bext origination date", warnings)
        if reading:
            return RawTime(local=reading[0], local_text=reading[1], local_tag="bext")
        return RawTime()
    date = tags.get("date")
    if fmt == "mp3" and date:
        # ID3v2.4 TDRC (ID3v2.3 TYER+TDAT+TIME are merged by libavformat): a recording
        # time only when it has a time of day.
        if re.match(r"^\s*\d{4}(-\d{2}(-\d{2})?)?\s*$", date):
            warnings.append(f"ID3 recording date {date!r} has no time of day: not used")
            return RawTime()
        reading = _local_reading(date, "ID3 recording date", warnings)
        if reading:
            local, text, offset = reading
            return RawTime(local=local, local_text=text, local_tag="id3", offset=offset)
    return RawTime()


def _position(tags: dict[str, str], warnings: list[str]) -> Position | None:
    for key, label in (
        ("com.apple.quicktime.location.ISO6709", "Apple location"),
        ("location", "QuickTime ©xyz location"),
    ):
        text = tags.get(key)
        if not text:
            continue
        try:
            lat, lon, alt = parse_iso6709(text)
        except ValueError as exc:
            warnings.append(f"{label}: {exc}")
            continue
        if lat == 0 and lon == 0:
            warnings.append("position is exactly 0, 0 (often a placeholder, not a fix)")
        return Position(lat=lat, lon=lon, alt=alt, direction=None, source="quicktime")
    return None


def _camera(tags: dict[str, str]) -> Camera | None:
    make = next((v for k in _TEXT_KEYS_MAKE if (v := _clean(tags.get(k)))), None)
    model = next((v for k in _TEXT_KEYS_MODEL if (v := _clean(tags.get(k)))), None)
    return Camera(make, model, None) if (make or model) else None


def read_av(fh: BinaryIO, size: int, mime: str) -> Metadata:
    """What a video or audio file says about itself; never raises for bad content.

    ``fh`` is a seekable binary file positioned anywhere. ``duration_s`` is the container's
    duration in seconds (libavformat's, which for MP3 honours the LAME gapless header);
    ``width``/``height`` the first video stream's coded frame size as stored (the rotation
    is ``orientation``, as EXIF Orientation 1/3/6/8, never applied to the size).
    """
    warnings: list[str] = []
    try:
        import av
    except ImportError:  # pragma: no cover - a dependency; kept clear if broken
        return Metadata(type=mime, warnings=("video/audio reader (PyAV) is not installed",))
    tags: dict[str, str] = {}
    duration: float | None = None
    width = height = None
    fmt = ""
    has_video = False
    try:
        fh.seek(0)
        with av.open(fh, mode="r", options=_PROBE_OPTIONS) as container:
            fmt = container.format.name or ""
            tags = {str(k): str(v) for k, v in container.metadata.items()}
            if container.duration is not None and container.duration > 0:
                duration = container.duration / 1_000_000
            for stream in container.streams:
                for key, value in stream.metadata.items():
                    # Broadcast Wave and ID3 fields sit on the container; a few muxers put
                    # them on the stream: keep the container's when both exist.
                    tags.setdefault(str(key), str(value))
                if isinstance(stream, av.VideoStream) and not has_video:
                    ctx = stream.codec_context
                    if ctx.width and ctx.height:
                        has_video = True
                        width, height = int(ctx.width), int(ctx.height)
                if duration is None and stream.duration and stream.time_base:
                    duration = float(stream.duration * stream.time_base)
    except Exception as exc:  # FFmpeg raises many kinds for damaged input
        reason = exc.strerror if isinstance(exc, av.FFmpegError) and exc.strerror else str(exc)
        text = " ".join(str(reason).split())[:200] or type(exc).__name__
        warnings.append(f"the video/audio container cannot be read: {text}")
        return Metadata(type=mime, warnings=tuple(warnings))

    if mime in QUICKTIME_TYPES:
        warnings.extend(truncation_problems(fh, size))
    if not has_video and duration is None:
        warnings.append("no audio or video stream found (the file may be truncated)")
    orientation = None
    if has_video and mime in QUICKTIME_TYPES:
        try:
            rotation, problems = video_rotation(fh, size)
            warnings.extend(problems)
            if rotation is not None:
                orientation = ORIENTATION_OF_ROTATION[rotation]
        except (OSError, ValueError, OverflowError) as exc:
            warnings.append(f"QuickTime: rotation unreadable: {exc}")
    raw = _raw_time(mime, fmt, tags, warnings)
    position = _position(tags, warnings)
    if duration is not None:
        duration = round(duration, 6)
    return Metadata(
        type=mime,
        warnings=tuple(warnings),
        position=position,
        raw_time=raw,
        camera=_camera(tags),
        orientation=orientation,
        width=width,
        height=height,
        duration_s=duration,
    )


def is_av(mime: str) -> bool:
    """Whether :func:`read_av` is the reader for a sniffed type."""
    return mime.startswith(("video/", "audio/"))
