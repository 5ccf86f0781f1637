"""Where a photo's capture time in UTC comes from, best source first.

1. ``exif-offset``: the camera's reading with its own OffsetTimeOriginal (for a video,
   ``quicktime-offset``: Apple's creation date with its offset); ``quicktime-utc``: a video
   with only the container's UTC creation time (``mvhd``).
2. ``gps``: the GPS clock (UTC by definition); the local offset is derived as
   local − GPS rounded to 15 minutes, the remainder is the camera's clock error.
3. ``coordinates-tz``: the zone of the photo's own position and the offset it had then.
4. ``camera-correction``: a zone/offset the user entered for this camera.
5. ``unknown``: the local reading is kept, no UTC instant is claimed.

A correction's clock error is applied whenever the camera's clock is what the answer rests on
(sources 1, 3 and 4), and said so in the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fieldkit import timezones
from fieldkit.metadata.model import Camera, CameraCorrection, CaptureTime, Position, RawTime

_QUARTER = 15 * 60
_MAX_OFFSET = timedelta(hours=14)


def format_utc(value: datetime, digits: int | None = None) -> str:
    """ISO 8601 with 'Z'; ``digits`` sub-second digits (default: as many as needed, ≤ 6)."""
    value = value.astimezone(UTC).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    micro = f"{value.microsecond:06d}"
    micro = micro.rstrip("0") if digits is None else micro[: min(digits, 6)]
    if micro:
        text += "." + micro
    return text + "Z"


def _subsec_digits(local_text: str | None) -> int | None:
    if local_text and "." in local_text:
        return len(local_text.rsplit(".", 1)[1])
    return 0


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
    correction = match_correction(camera, corrections)
    notes: list[str] = []
    gps_text = format_utc(raw.gps_utc) if raw.gps_utc else None
    digits = _subsec_digits(raw.local_text)

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
            return CaptureTime(None, None, format_utc(utc), "quicktime-utc", notes=tuple(notes))
        if raw.gps_utc is not None:
            return CaptureTime(None, None, gps_text, "gps", gps_text, None, notes=())
        return CaptureTime(None, None, None, "unknown", None, None)

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

    if raw.offset is not None:
        camera_utc = camera_local.replace(tzinfo=UTC) - timezones.parse_offset_delta(raw.offset)
        return CaptureTime(
            raw.local_text,
            raw.offset,
            format_utc(camera_utc, digits),
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
            return CaptureTime(
                raw.local_text,
                timezones.format_offset(derived),
                gps_text,
                "gps",
                gps_text,
                clock_error(camera_utc),
                notes=tuple(notes),
            )
        notes.append(f"camera clock and GPS clock differ by {diff / 3600:.1f} h: no offset derived")
        return CaptureTime(
            raw.local_text, None, gps_text, "gps", gps_text, None, notes=tuple(notes)
        )

    if position is not None:
        zone = timezones.zone_at(position.lat, position.lon)
        found = timezones.offset_in_zone(camera_local, zone) if zone else None
        if zone and found:
            delta, caveat = found
            if caveat:
                notes.append(caveat)
            camera_utc = camera_local.replace(tzinfo=UTC) - delta
            return CaptureTime(
                raw.local_text,
                timezones.format_offset(delta),
                format_utc(camera_utc, digits),
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
            from fieldkit.metadata.reading import parse_offset

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
            return CaptureTime(
                raw.local_text,
                timezones.format_offset(fixed),
                format_utc(camera_utc, digits),
                "camera-correction",
                None,
                None,
                zone=zone_name,
                notes=tuple(notes),
            )

    notes.append("no UTC offset known for the camera time: UTC unknown")
    return CaptureTime(raw.local_text, None, None, "unknown", None, None, notes=tuple(notes))
