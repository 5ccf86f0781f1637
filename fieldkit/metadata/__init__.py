"""Photo metadata: what a file says about where and when it was taken (no Qt).

- :func:`inspect_file` — one file on disk → :class:`MediaInfo` (what ``fieldkit inspect``
  prints); never raises for bad content.
- :func:`read_metadata` — the same from an open file or bytes, for the importer that has
  just hashed and copied the file.
- :func:`resolve_time` — the capture time in UTC and where it came from (a pure function).
- :func:`read_xmp` — place and time from an XMP packet (photos and videos alike).
"""

from __future__ import annotations

from fieldkit.metadata.capture_time import match_correction, resolve_time
from fieldkit.metadata.filetype import sniff_type
from fieldkit.metadata.inspect import HASH_BLOCK, inspect_file, sha256_stream
from fieldkit.metadata.model import (
    LOCAL_SOURCES,
    TIME_SOURCES,
    Camera,
    CameraCorrection,
    CaptureTime,
    MediaInfo,
    Metadata,
    Position,
    RawTime,
)
from fieldkit.metadata.reading import read_metadata
from fieldkit.metadata.xmp import Xmp, read_xmp
from fieldkit.timezones import format_utc

__all__ = [
    "HASH_BLOCK",
    "LOCAL_SOURCES",
    "TIME_SOURCES",
    "Camera",
    "CameraCorrection",
    "CaptureTime",
    "MediaInfo",
    "Metadata",
    "Position",
    "RawTime",
    "Xmp",
    "format_utc",
    "inspect_file",
    "match_correction",
    "read_metadata",
    "read_xmp",
    "resolve_time",
    "sha256_stream",
    "sniff_type",
]
