"""Metadata-free copies of video and audio for publication: a remux, never a re-encode.

:func:`strip_av` copies the coded video and audio packets of a file, unchanged, into a new
container of the same kind, through PyAV (FFmpeg's libavformat). What the container said
about the recording is not copied: a new container starts empty, and FieldKit gives it
nothing. So none of these survive:

- QuickTime/MP4: the ``udta`` box (``©xyz`` location, ``©mak``/``©mod``, ``©day``,
  ``©too``), the ``meta``/``keys``/``ilst`` boxes (Apple's ``com.apple.quicktime.location
  .ISO6709``, ``.creationdate``, ``.make``, ``.model``, ``.software``), the creation and
  modification times of ``mvhd``/``tkhd``/``mdhd`` (written as 0, "not set"), every
  stream's own metadata; the encoder tag is not written either (``fflags +bitexact``).
- AVI: the ``INFO`` list and ``IDIT``; WAV: ``bext`` and ``INFO``; MP3: the ID3v2 and
  ID3v1 tags (``id3v2_version 0``); Matroska/WebM: ``Tags``, ``DateUTC`` and attachments.
- Every stream that is not picture or sound is dropped: data tracks (GoPro ``gpmd`` and
  camera ``mebx`` tracks carry GPS, timecode tracks a time of day), subtitles, cover art
  (an attached picture), attachments. The report counts them.

Kept: the packets as they are (so picture and sound are bit-identical), frame rate, time
bases, and the track's display matrix (a video filmed upright stays upright).

**Not removed**: what the encoder wrote *inside* the coded stream (an H.264/HEVC SEI
message, an Ogg/Vorbis comment header held in the codec's extradata). Ogg and FLAC, whose
tags are part of the stream headers, are therefore not remuxed. The copy is then checked
by FieldKit's own reader: a copy in which it still finds a position, a capture time, a
make, model or serial is refused (:class:`RemuxError`).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fieldkit.errors import FieldkitError

#: Container types that are remuxed, as (libavformat muxer, extension for the copy).
MUXERS: dict[str, tuple[str, str]] = {
    "video/quicktime": ("mov", "mov"),
    "video/mp4": ("mp4", "mp4"),
    "video/3gpp": ("3gp", "3gp"),
    "video/3gpp2": ("3g2", "3g2"),
    "audio/mp4": ("ipod", "m4a"),
    "video/x-msvideo": ("avi", "avi"),
    "video/x-matroska": ("matroska", "mkv"),
    "video/webm": ("webm", "webm"),
    "audio/wav": ("wav", "wav"),
    "audio/mpeg": ("mp3", "mp3"),
}
#: Options of every muxer: no encoder name or version, no time of writing.
_BITEXACT = {"fflags": "+bitexact"}
_OPTIONS: dict[str, dict[str, str]] = {
    "mp3": {"id3v2_version": "0", "write_id3v1": "0"},
    "wav": {"write_bext": "0"},
}
#: The duration of the copy may differ from the original's by at most this (seconds).
DURATION_TOLERANCE_S = 0.05


class RemuxError(FieldkitError):
    """A file that cannot be published without its metadata (the message says why)."""

    exit_code = 2


@dataclass
class Remuxed:
    """What :func:`strip_av` wrote: the extension, the streams kept and dropped, duration."""

    extension: str
    kept: list[str] = field(default_factory=list)  # e.g. ["video h264", "audio aac"]
    dropped: list[str] = field(default_factory=list)  # e.g. ["data gpmd", "subtitle mov_text"]
    duration_s: float | None = None


def _describe(stream: Any) -> str:
    name = getattr(stream.codec_context, "name", None) if stream.codec_context else None
    tag = getattr(stream, "codec_tag", None)
    return f"{stream.type} {name or tag or 'unknown'}"


def _duration(container: Any) -> float | None:
    if container.duration:
        return float(container.duration) / 1_000_000
    best = None
    for s in container.streams:
        if s.duration and s.time_base:
            d = float(s.duration * s.time_base)
            best = d if best is None else max(best, d)
    return best


def strip_av(source: Path | bytes, target: IO[bytes], mime: str) -> Remuxed:
    """Write a metadata-free remux of ``source`` (a path or the file's bytes) to ``target``.

    ``target`` is a writable, seekable binary file (the MP4 family writes its index last).
    Raises :class:`RemuxError` when the type is not one of :data:`MUXERS`, the file has no
    picture or sound stream, a stream cannot be copied into the container, the copy's
    duration differs from the original's by more than :data:`DURATION_TOLERANCE_S`, or
    FieldKit's reader still finds a position, time or camera in the copy.
    """
    import av

    if mime not in MUXERS:
        raise RemuxError(
            f"{mime} is not remuxed: FieldKit cannot prove its metadata removed "
            "(its tags may be part of the stream itself)"
        )
    muxer, extension = MUXERS[mime]
    report = Remuxed(extension)
    opened = io.BytesIO(source) if isinstance(source, bytes | bytearray) else str(source)
    try:
        inp: Any = av.open(opened)
        with inp:
            original_s = _duration(inp)
            out = av.open(
                target, "w", format=muxer, options={**_BITEXACT, **_OPTIONS.get(muxer, {})}
            )
            try:
                mapping: dict[int, Any] = {}
                for stream in inp.streams:
                    attached = bool(getattr(stream, "disposition", 0) & 0x400)  # attached_pic
                    if stream.type not in ("video", "audio") or attached:
                        report.dropped.append(
                            _describe(stream) + (" (cover art)" if attached else "")
                        )
                        continue
                    try:
                        copy = out.add_stream_from_template(stream)
                    except (av.error.FFmpegError, ValueError, TypeError) as exc:
                        raise RemuxError(
                            f"the {_describe(stream)} stream cannot be copied: {exc}"
                        ) from exc
                    copy.metadata.clear()
                    mapping[stream.index] = copy
                    report.kept.append(_describe(stream))
                if not mapping:
                    raise RemuxError("no picture or sound stream to publish")
                for packet in inp.demux(*(inp.streams[i] for i in mapping)):
                    if packet.dts is None:  # the flush packet at the end of each stream
                        continue
                    source_stream = packet.stream
                    packet.stream = mapping[source_stream.index]
                    try:
                        out.mux(packet)
                    except av.error.FFmpegError as exc:
                        # e.g. AMR audio from a 3GP: several frames in one packet, which
                        # the muxer refuses without re-encoding.
                        raise RemuxError(
                            f"its streams ({', '.join(report.kept)}) cannot be copied into a "
                            f"new {extension} file (FFmpeg: {exc.strerror or exc}; first at "
                            f"a {_describe(source_stream)} packet)"
                        ) from exc
            except BaseException:
                with contextlib.suppress(av.error.FFmpegError, OSError):
                    out.close()  # the trailer of a failed copy may fail too: its error wins
                raise
            out.close()  # writes the index (moov) and trailer
    except RemuxError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or " ".join(str(exc).split())[:200]
        raise RemuxError(f"cannot be remuxed: {why}") from exc
    report.duration_s = _check(target, original_s)
    return report


def _check(target: IO[bytes], original_s: float | None) -> float | None:
    """The copy opens, lasts as long as the original, and FieldKit reads nothing from it."""
    import av

    from fieldkit.metadata import read_metadata

    target.flush()
    target.seek(0)
    try:
        with av.open(target, "r") as copy:
            copied_s = _duration(copy)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise RemuxError(f"the copy does not open: {exc}") from exc
    if original_s is not None and (
        copied_s is None or abs(copied_s - original_s) > DURATION_TOLERANCE_S
    ):
        raise RemuxError(f"the copy lasts {copied_s} s, the original {original_s:.3f} s")
    target.seek(0)
    meta = read_metadata(target)  # type: ignore[arg-type]  # a seekable binary file
    found = []
    if meta.position is not None:
        found.append("a position")
    raw = meta.raw_time
    if raw.local is not None or raw.utc is not None or raw.gps_utc is not None:
        found.append("a capture time")
    camera = meta.camera
    if camera is not None and any(getattr(camera, k, None) for k in ("make", "model", "serial")):
        found.append("the camera")
    if found:
        raise RemuxError(f"FieldKit still reads {' and '.join(found)} in the copy")
    target.seek(0)
    return copied_s


__all__ = ["DURATION_TOLERANCE_S", "MUXERS", "RemuxError", "Remuxed", "strip_av"]
