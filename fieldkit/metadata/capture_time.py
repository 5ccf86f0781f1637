"""Where a photo's capture time in UTC comes from, best source first.

1. ``exif-offset``: the camera's reading with its own OffsetTimeOriginal (for a video,
   ``quicktime-offset``: Apple's creation date with its offset); ``quicktime-utc``: a video
   with only the container's UTC creation time (``mvhd``).
2. ``gps``: the GPS clock (UTC by definition); the local offset is derived as
   local − GPS rounded to 15 minutes, the remainder is the camera's clock error.
3. ``coordinates-tz``: the zone of the photo's own position and the offset it had then.
4. ``camera-correction``: a zone/offset the user entered for this camera.
5. ``xmp-offset``: an offset written in XMP with the reading. Ranked low on purpose:
   Lightroom and other editors write the *computer's* zone there when the camera gave
   none, so it is used only when nothing better is known, and a note says when it
   disagrees with the offset that was used.
6. ``unknown``: the local reading is kept, no UTC instant is claimed.

A correction's clock error is applied whenever the camera's clock is what the answer rests on
(sources 1, 3 and 4), and said so in the notes. Every UTC instant is written in the one
canonical form of :func:`fieldkit.timezones.format_utc`. ``local_source`` passes through:
which tag the local reading came from is decided by the readers, not here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from fieldkit import timezones
from fieldkit.metadata.model import Camera, CameraCorrection, CaptureTime, Position, RawTime
from fieldkit.timezones import format_utc

_QUARTER = 15 * 60
_MAX_OFFSET = timedelta(hours=14)


def match_correction(
    camera: Camera | None, corrections: Sequence[CameraCorrection]
) -> CameraCorrection | None:
    """The most specific correction for this camera (serial+model+make beats make alone)."""
    if not corrections:
        return None
    make = _norm(camera.make) if camera else None
    model = _norm(camera.model) if camera else None
    serial = _norm(camera.serial) if camera else None
    best: tuple[int, CameraCorrection] | None = None
    for c in corrections:
        score = 0
        ok = True
        for want, have, weight in (
            (c.serial, serial, 4),
            (c.model, model, 2),
            (c.make, make, 1),
        ):
            if want is None:
                continue
            if _norm(want) != have:
                ok = False
                break
            score += weight
        if ok and (best is None or score > best[0]):
            best = (score, c)
    return best[1] if best else None


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()).casefold() if text else None


def resolve_time(
    raw: RawTime,
    position: Position | None = None,
    corrections: Sequence[CameraCorrection] = (),
    camera: Camera | None = None,
) -> CaptureTime:
    """The capture time in UTC with where it came from; a pure function of its inputs."""
    result = _resolve(raw, position, corrections, camera)
    if raw.offset_source == "xmp-offset" and raw.offset and result.offset not in (None, raw.offset):
        note = (
            f"XMP gives the offset {raw.offset}; {result.offset} (from {result.source}) "
            "was used: an editor may have written its computer's zone there"
        )
        result = dataclasses.replace(result, notes=(*result.notes, note))
    return result


def _resolve(
    raw: RawTime,
    position: Position | None,
    corrections: Sequence[CameraCorrection],
    camera: Camera | None,
) -> CaptureTime:
    correction = match_correction(camera, corrections)
    notes: list[str] = []
    gps_text = format_utc(raw.gps_utc) if raw.gps_utc else None
    # Video readers name their source in local_tag ("quicktime", "riff", "bext", "id3").
    local_source = raw.local_source or (raw.local_tag if raw.local is not None else None)
    made = partial(CaptureTime, local_source=local_source)

    if raw.local is None:
        if raw.utc is not None:
            # QuickTime mvhd: an instant, no local reading. A clock error the user entered
            # for this camera still applies (the camera's clock set it).
            utc = raw.utc
            if correction is not None and correction.clock_error_s:
                utc = utc - timedelta(seconds=correction.clock_error_s)
                notes.append(
                    f"camera correction applied: clock error {correction.clock_error_s:+g} s "
                    "subtracted"
                )
            return made(None, None, format_utc(utc), "quicktime-utc", notes=tuple(notes))
        if raw.gps_utc is not None:
            return made(None, None, gps_text, "gps", gps_text, None, notes=())
        return made(None, None, None, "unknown", None, None)

    # The camera's reading, minus its known clock error (the camera was fast by that much).
    camera_local = raw.local
    if correction is not None and correction.clock_error_s:
        camera_local = raw.local - timedelta(seconds=correction.clock_error_s)
        notes.append(
            f"camera correction applied: clock error {correction.clock_error_s:+g} s subtracted"
        )

    def clock_error(camera_utc: datetime) -> float | None:
        if raw.gps_utc is None:
            return None
        return round((camera_utc - raw.gps_utc).total_seconds(), 6)

    xmp_offset = raw.offset if raw.offset_source == "xmp-offset" else None
    if raw.offset is not None and xmp_offset is None:
        camera_utc = camera_local.replace(tzinfo=UTC) - timezones.parse_offset_delta(raw.offset)
        return made(
            raw.local_text,
            raw.offset,
            format_utc(camera_utc),
            raw.offset_source,
            gps_text,
            clock_error(camera_utc),
            notes=tuple(notes),
        )

    if raw.gps_utc is not None:
        diff = (raw.local.replace(tzinfo=UTC) - raw.gps_utc).total_seconds()
        quarters = round(diff / _QUARTER)
        derived = timedelta(seconds=quarters * _QUARTER)
        if abs(derived) <= _MAX_OFFSET:
            camera_utc = raw.local.replace(tzinfo=UTC) - derived
            return made(
                raw.local_text,
                timezones.format_offset(derived),
                gps_text,
                "gps",
                gps_text,
                clock_error(camera_utc),
                notes=tuple(notes),
            )
        notes.append(f"camera clock and GPS clock differ by {diff / 3600:.1f} h: no offset derived")
        return made(raw.local_text, None, gps_text, "gps", gps_text, None, notes=tuple(notes))

    if position is not None:
        zone = timezones.zone_at(position.lat, position.lon)
        found = timezones.offset_in_zone(camera_local, zone) if zone else None
        if zone and found:
            delta, caveat = found
            if caveat:
                notes.append(caveat)
            camera_utc = camera_local.replace(tzinfo=UTC) - delta
            return made(
                raw.local_text,
                timezones.format_offset(delta),
                format_utc(camera_utc),
                "coordinates-tz",
                None,
                None,
                zone=zone,
                notes=tuple(notes),
            )

    if correction is not None and (correction.utc_offset or correction.zone):
        fixed: timedelta | None = None
        zone_name: str | None = None
        if correction.utc_offset:
            from fieldkit.metadata.time_readings import parse_offset

            normal = parse_offset(correction.utc_offset)
            if normal is not None:
                fixed = timezones.parse_offset_delta(normal)
            else:
                notes.append(f"camera correction offset {correction.utc_offset!r} is not valid")
        if fixed is None and correction.zone:
            found = timezones.offset_in_zone(camera_local, correction.zone)
            if found is None:
                notes.append(f"camera correction zone {correction.zone!r} is unknown")
            else:
                fixed, caveat = found
                zone_name = correction.zone
                if caveat:
                    notes.append(caveat)
        if fixed is not None:
            camera_utc = camera_local.replace(tzinfo=UTC) - fixed
            return made(
                raw.local_text,
                timezones.format_offset(fixed),
                format_utc(camera_utc),
                "camera-correction",
                None,
                None,
                zone=zone_name,
                notes=tuple(notes),
            )

    if xmp_offset is not None:
        camera_utc = camera_local.replace(tzinfo=UTC) - timezones.parse_offset_delta(xmp_offset)
        return made(
            raw.local_text,
            xmp_offset,
            format_utc(camera_utc),
            "xmp-offset",
            None,
            None,
            notes=tuple(notes),
        )

    notes.append("no UTC offset known for the camera time: UTC unknown")
    return made(raw.local_text, None, None, "unknown", None, None, notes=tuple(notes))
