"""Geotagging from a GPS track: a position for photos whose camera had no GPS (no Qt).

Investigators often carry a GPS logger or a phone recording a track while a camera without
GPS takes the photos. A photo's capture time in UTC (after the camera's clock correction)
is looked up in the track and the position is interpolated between the two fixes around
it. Nothing is guessed: a photo before the first fix, after the last, or between two fixes
further apart than ``max_gap_s`` is reported and left without a position.

The position's ``accuracy_m`` grows with the distance in time to the nearer fix:
``BASE_ACCURACY_M`` (a consumer GPS fix) plus the time to the nearer fix times the faster
of walking pace (``WALKING_MPS``) and the speed between the two fixes: how far the person
could have strayed from the straight line between the fixes in that time.

GPX (GPX 1.0/1.1, topografix.com) is read with gpxpy after a hardened parse (defusedxml,
no DTD, no entities) has checked the file. Positions are written as ordinary journal
updates of the media records (``position_source`` ``track``), so they travel in bundles,
show in the history, and :func:`untag` takes them back by the same means.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit.errors import FieldkitError, ValidationError
from fieldkit.metadata import Camera, CameraCorrection, RawTime, format_utc, resolve_time

#: A consumer GPS fix, metres (the accuracy at a fix itself).
BASE_ACCURACY_M = 5.0
#: Walking pace, metres per second: the least an investigator on foot may move.
WALKING_MPS = 1.5
#: Two fixes further apart than this (seconds) are not interpolated between by default.
DEFAULT_MAX_GAP_S = 300.0
#: A GPX file larger than this is refused (weeks of 1-s fixes are a few hundred MB less).
MAX_GPX_BYTES = 256 * 1024 * 1024
_EARTH_M = 6_371_008.8


class TrackError(FieldkitError):
    """A GPS track that cannot be used (unreadable, not GPX, no timed fixes)."""

    exit_code = 2


@dataclass(frozen=True)
class Fix:
    """One track point: UTC time, WGS84 degrees, metres (None when the logger gave none)."""

    time: datetime
    lat: float
    lon: float
    alt: float | None = None


@dataclass
class Track:
    """Timed fixes in time order, and what was dropped on reading."""

    name: str
    fixes: list[Fix]
    dropped: int = 0
    times: list[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.fixes.sort(key=lambda f: f.time)
        self.times = [f.time.timestamp() for f in self.fixes]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "fixes": len(self.fixes),
            "dropped": self.dropped,
            "start": format_utc(self.fixes[0].time) if self.fixes else None,
            "end": format_utc(self.fixes[-1].time) if self.fixes else None,
        }


def read_gpx(path: Path) -> Track:
    """The timed track points of a GPX file (all tracks and segments, merged in time order).

    Raises :class:`TrackError` for a file that is unreadable, too large, not GPX, carries a
    DTD or entities, or has no point with a time.
    """
    import defusedxml.ElementTree as SafeET
    import gpxpy
    import gpxpy.gpx

    try:
        size = path.stat().st_size
        if size > MAX_GPX_BYTES:
            raise TrackError(f"{path.name}: {size} bytes is larger than a GPS track can be")
        data = path.read_bytes()
    except OSError as exc:
        raise TrackError(f"{path.name}: {exc.strerror or exc}") from None
    try:
        SafeET.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # defusedxml's refusals and expat's syntax errors
        raise TrackError(
            f"{path.name}: not a usable GPX file ({type(exc).__name__}: {exc})"
        ) from None
    try:
        gpx = gpxpy.parse(data.decode("utf-8", errors="replace"))
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise TrackError(f"{path.name}: not a usable GPX file ({exc})") from None
    fixes: list[Fix] = []
    dropped = 0
    for track in gpx.tracks:
        for segment in track.segments:
            for point in segment.points:
                ok = (
                    point.time is not None
                    and -90 <= point.latitude <= 90
                    and -180 <= point.longitude <= 180
                )
                if not ok or point.time is None:
                    dropped += 1
                    continue
                when = point.time
                when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
                fixes.append(Fix(when, point.latitude, point.longitude, point.elevation))
    if not fixes:
        raise TrackError(f"{path.name}: no track point has a time; nothing to match photos to")
    return Track(path.name, fixes, dropped)


def _distance_m(a: Fix, b: Fix) -> float:
    """Great-circle distance (haversine, mean Earth radius), metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Match:
    """Where a track puts an instant, or why it does not (``reason`` set, the rest None)."""

    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    accuracy_m: float | None = None
    gap_s: float | None = None
    reason: str | None = None
    kind: str | None = None  # "outside_track" or "beyond_gap" when there is no position


def position_at(track: Track, when: datetime, max_gap_s: float = DEFAULT_MAX_GAP_S) -> Match:
    """The track's position at ``when`` (aware), interpolated linearly between the fixes
    around it; a :class:`Match` with ``reason`` when the track cannot say."""
    t = when.astimezone(UTC).timestamp()
    times = track.times
    if not times or t < times[0] or t > times[-1]:
        return Match(
            reason=f"outside the track ({format_utc(track.fixes[0].time)} to "
            f"{format_utc(track.fixes[-1].time)})",
            kind="outside_track",
        )
    i = bisect.bisect_left(times, t)
    if times[i] == t:
        f = track.fixes[i]
        return Match(f.lat, f.lon, f.alt, BASE_ACCURACY_M, 0.0)
    a, b = track.fixes[i - 1], track.fixes[i]
    gap = times[i] - times[i - 1]
    if gap > max_gap_s:
        return Match(
            gap_s=gap,
            reason=f"the fixes around it are {gap:.0f} s apart (more than {max_gap_s:g} s): "
            "the track does not say where it was",
            kind="beyond_gap",
        )
    k = (t - times[i - 1]) / gap
    dlon = b.lon - a.lon
    if abs(dlon) > 180:  # across the antimeridian: the short way round
        dlon -= math.copysign(360, dlon)
    lon = a.lon + k * dlon
    lon = (lon + 180) % 360 - 180
    lat = a.lat + k * (b.lat - a.lat)
    alt = a.alt + k * (b.alt - a.alt) if a.alt is not None and b.alt is not None else None
    speed = _distance_m(a, b) / gap
    nearer = min(t - times[i - 1], times[i] - t)
    accuracy = BASE_ACCURACY_M + max(WALKING_MPS, speed) * nearer
    return Match(lat, lon, alt, round(accuracy, 1), gap)


def capture_utc(record: dict[str, Any], corrections: Sequence[CameraCorrection]) -> datetime | None:
    """A media record's capture instant in UTC with today's camera clock corrections.

    The camera's reading is resolved again (a correction entered after the import counts);
    a time from the GPS or a QuickTime UTC stamp is taken as recorded.
    """
    source = record.get("time_source")
    local_text = record.get("captured_local")
    if local_text and source not in ("gps",):
        try:
            local = datetime.fromisoformat(local_text)
        except ValueError:
            local = None
        if local is not None:
            offset = (
                record.get("utc_offset") if source in ("exif-offset", "quicktime-offset") else None
            )
            raw = RawTime(
                local=local,
                local_text=local_text,
                offset=offset,
                offset_source=source or "exif-offset",
            )
            camera = Camera(record.get("make"), record.get("model"), record.get("serial"))
            resolved = resolve_time(raw, None, corrections, camera)
            if resolved.utc:
                return datetime.fromisoformat(resolved.utc.replace("Z", "+00:00"))
            return None
    if record.get("captured_utc"):
        return datetime.fromisoformat(str(record["captured_utc"]).replace("Z", "+00:00"))
    return None


def geotag(
    store: Any,
    track: Track,
    *,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Give each photo or video without a position the track's position at its capture time.

    Returns ``{"track": {...}, "tagged": [...], "outside_track": [...], "beyond_gap": [...],
    "no_time": [...], "already_positioned": n}``; each item names the media ``id``,
    ``file_name`` and ``captured_utc``; tagged ones add ``lat``, ``lon``, ``alt``,
    ``accuracy_m`` and ``gap_s``. With ``dry_run`` nothing is written.
    """
    if max_gap_s <= 0:
        raise ValidationError("--max-gap-s must be more than 0")
    from fieldkit.ingest import camera_corrections

    corrections = camera_corrections(store)
    out: dict[str, Any] = {
        "track": track.to_json(),
        "max_gap_s": max_gap_s,
        "dry_run": dry_run,
        "tagged": [],
        "outside_track": [],
        "beyond_gap": [],
        "no_time": [],
        "already_positioned": 0,
    }
    rows = [
        r for r in store.find("media") if str(r.get("mime") or "").startswith(("image/", "video/"))
    ]
    updates: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        if row.get("lat") is not None:
            out["already_positioned"] += 1
            continue
        item = {"id": row["id"], "file_name": row.get("file_name")}
        when = capture_utc(row, corrections)
        if when is None:
            item["reason"] = (
                "no capture time in UTC (the camera's UTC offset is unknown: enter it with "
                "`fieldkit camera add … --utc-offset`)"
            )
            out["no_time"].append(item)
            continue
        item["captured_utc"] = format_utc(when)
        match = position_at(track, when, max_gap_s)
        if match.reason is not None:
            item["reason"] = match.reason
            out[match.kind or "outside_track"].append(item)
            continue
        values = {
            "lat": round(match.lat or 0.0, 7),
            "lon": round(match.lon or 0.0, 7),
            "alt": round(match.alt, 1) if match.alt is not None else None,
            "position_source": "track",
            "position_accuracy_m": match.accuracy_m,
        }
        item.update({k: v for k, v in values.items() if k != "position_source"})
        item["accuracy_m"] = item.pop("position_accuracy_m")
        item["gap_s"] = match.gap_s
        out["tagged"].append(item)
        updates.append((row["id"], values))
    if not dry_run and updates:
        with store.transaction():
            for media_id, values in updates:
                store.update(media_id, {k: v for k, v in values.items() if v is not None})
    return out


def untag(store: Any, *, dry_run: bool = False) -> dict[str, Any]:
    """Take back every position that came from a track (an update event per record)."""
    cleared = []
    rows = [r for r in store.find("media") if r.get("position_source") == "track"]
    if not dry_run and rows:
        with store.transaction():
            for row in rows:
                store.update(
                    row["id"],
                    {
                        "lat": None,
                        "lon": None,
                        "alt": None,
                        "position_source": None,
                        "position_accuracy_m": None,
                    },
                )
    cleared = [{"id": r["id"], "file_name": r.get("file_name")} for r in rows]
    return {"cleared": cleared, "dry_run": dry_run}
