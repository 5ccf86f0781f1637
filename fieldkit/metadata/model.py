"""The plain, frozen records a photo's metadata is reported in (no Qt, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Where a capture time's UTC offset came from, best first (``time.source``).
#: ``quicktime-offset`` (Apple's creation date with its offset) and ``quicktime-utc`` (the
#: ``mvhd`` creation time, UTC by the QuickTime spec) are the video/audio counterparts of
#: ``exif-offset``; ``xmp-offset`` ranks low (editors write the computer's zone there).
TIME_SOURCES = (
    "exif-offset",
    "quicktime-offset",
    "quicktime-utc",
    "gps",
    "coordinates-tz",
    "camera-correction",
    "xmp-offset",
    "unknown",
)
#: Where the camera's local reading came from (``time.local_source``), best first for a
#: still photo: capture dates, then digitizing dates, then the modify date.
LOCAL_SOURCES = ("DateTimeOriginal", "xmp", "DateTimeDigitized", "DateTime")


@dataclass(frozen=True)
class Position:
    """WGS84 decimal degrees (south and west negative), metres (below sea level negative).

    ``direction`` is degrees clockwise from north (0..360) the camera faced;
    ``accuracy_m`` the horizontal error in metres (EXIF GPSHPositioningError) where known;
    ``relative_alt`` metres above the take-off point (drones: drone-dji:RelativeAltitude).
    ``source`` is one of :data:`fieldkit.records.POSITION_SOURCES`.
    """

    lat: float
    lon: float
    alt: float | None = None
    direction: float | None = None
    source: str = "exif"
    accuracy_m: float | None = None
    relative_alt: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "alt": self.alt,
            "direction": self.direction,
            "source": self.source,
            "accuracy_m": self.accuracy_m,
            "relative_alt": self.relative_alt,
        }


@dataclass(frozen=True)
class Camera:
    make: str | None
    model: str | None
    serial: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"make": self.make, "model": self.model, "serial": self.serial}


@dataclass(frozen=True)
class CameraCorrection:
    """A clock error and/or zone the user entered for one camera (or a make/model of them).

    ``None`` fields match anything; the correction naming the most fields wins. The clock
    error (seconds the camera was fast; negative when slow) is subtracted from its reading.
    ``utc_offset`` ("+04:00") wins over ``zone`` (IANA, e.g. "Asia/Yerevan") when both are set.
    """

    make: str | None = None
    model: str | None = None
    serial: str | None = None
    clock_error_s: float = 0.0
    utc_offset: str | None = None
    zone: str | None = None


@dataclass(frozen=True)
class RawTime:
    """What the file itself says about when it was taken, before any interpretation.

    ``local`` is the camera's reading (naive), ``local_text`` the same in ISO 8601 with the
    sub-seconds exactly as stored; ``local_tag`` names the tag or property it came from
    ("DateTimeOriginal", "xmp:CreateDate"…) and ``local_source`` its kind, one of
    :data:`LOCAL_SOURCES` (video readers add "quicktime", "riff"…). ``offset`` is the
    reading's UTC offset as "+HH:MM" (validated) and ``offset_source`` the time source
    reported when it is used ("exif-offset", or "xmp-offset" for an offset only XMP gave,
    which ranks low: see :mod:`fieldkit.metadata.capture_time`); ``gps_utc`` is the GPS clock.
    """

    local: datetime | None = None
    local_text: str | None = None
    local_tag: str | None = None
    offset: str | None = None
    gps_utc: datetime | None = None
    local_source: str | None = None
    #: A UTC instant the container itself states (QuickTime ``mvhd`` creation time), used
    #: when there is no local reading; aware (UTC).
    utc: datetime | None = None
    #: The time source reported when ``offset`` is used ("exif-offset" for EXIF
    #: OffsetTimeOriginal, "quicktime-offset" for Apple's creation date).
    offset_source: str = "exif-offset"


@dataclass(frozen=True)
class CaptureTime:
    """A capture time with its provenance.

    ``source`` (one of :data:`TIME_SOURCES`) says where the UTC offset came from;
    ``local_source`` (one of :data:`LOCAL_SOURCES`, or a video reader's) where the local
    reading came from. ``utc`` and ``gps_utc`` are in the canonical form of
    :func:`fieldkit.timezones.format_utc`.
    """

    local: str | None
    offset: str | None
    utc: str | None
    source: str
    gps_utc: str | None = None
    clock_error_s: float | None = None
    zone: str | None = None
    notes: tuple[str, ...] = field(default=())
    local_source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "local": self.local,
            "offset": self.offset,
            "utc": self.utc,
            "source": self.source,
            "local_source": self.local_source,
            "gps_utc": self.gps_utc,
            "clock_error_s": self.clock_error_s,
        }


@dataclass(frozen=True)
class Metadata:
    """What :func:`~fieldkit.metadata.read_metadata` finds in a file's content."""

    type: str
    warnings: tuple[str, ...] = ()
    position: Position | None = None
    raw_time: RawTime = field(default_factory=RawTime)
    camera: Camera | None = None
    orientation: int | None = None
    width: int | None = None
    height: int | None = None
    lens: str | None = None
    #: Seconds, for video and audio; None for a still image.
    duration_s: float | None = None


@dataclass(frozen=True)
class MediaInfo:
    """One file as ``fieldkit inspect`` reports it. ``error`` set means the rest is None."""

    path: str
    sha256: str | None
    size: int | None
    type: str | None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    position: Position | None = None
    time: CaptureTime | None = None
    camera: Camera | None = None
    orientation: int | None = None
    width: int | None = None
    height: int | None = None
    lens: str | None = None
    duration_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape of one ``files[i]`` of ``fieldkit inspect --json`` (ARCHITECTURE.md)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "type": self.type,
            "error": self.error,
            "warnings": list(self.warnings),
            "position": self.position.to_json() if self.position else None,
            "time": self.time.to_json() if self.time else None,
            "camera": self.camera.to_json() if self.camera else None,
            "orientation": self.orientation,
            "width": self.width,
            "height": self.height,
            "duration_s": self.duration_s,
        }
