"""Capture time in UTC and where it came from, one test per source, on photos made here."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image

from fieldkit.metadata import CameraCorrection, Position, RawTime, inspect_file, resolve_time


def _rational(value: float, den: int = 1_000_000) -> tuple[int, int]:
    f = Fraction(value).limit_denominator(den)
    return f.numerator, f.denominator


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return (d, 1), (m, 1), _rational(s, 10_000)


def make_photo(
    tmp_path: Path,
    name: str = "photo.jpg",
    *,
    original: str | None = None,
    digitized: str | None = None,
    subsec: str | None = None,
    offset: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    gps_time: tuple[str, tuple[int, int, float]] | None = None,
    make: str = "TestCam",
    model: str = "T1",
    serial: str | None = None,
) -> Path:
    zeroth: dict[int, Any] = {piexif.ImageIFD.Make: make, piexif.ImageIFD.Model: model}
    exif: dict[int, Any] = {}
    gps: dict[int, Any] = {}
    if original is not None:
        exif[piexif.ExifIFD.DateTimeOriginal] = original
    if digitized is not None:
        exif[piexif.ExifIFD.DateTimeDigitized] = digitized
    if subsec is not None:
        exif[piexif.ExifIFD.SubSecTimeOriginal] = subsec
    if offset is not None:
        exif[0x9011] = offset
    if serial is not None:
        exif[piexif.ExifIFD.BodySerialNumber] = serial
    if lat is not None and lon is not None:
        gps[piexif.GPSIFD.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[piexif.GPSIFD.GPSLatitude] = _dms(lat)
        gps[piexif.GPSIFD.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[piexif.GPSIFD.GPSLongitude] = _dms(lon)
    if gps_time is not None:
        day, (h, m, s) = gps_time
        gps[piexif.GPSIFD.GPSDateStamp] = day
        gps[piexif.GPSIFD.GPSTimeStamp] = ((h, 1), (m, 1), _rational(s, 100))
    data = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps})
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), "gray").save(buf, "JPEG", exif=data)
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return path


def test_exif_offset_first(tmp_path: Path) -> None:
    path = make_photo(
        tmp_path,
        original="2020:10:09 14:02:11",
        subsec="138",
        offset="+04:00",
        lat=39.8153,
        lon=46.7519,
        gps_time=("2020:10:09", (10, 2, 9.0)),
    )
    t = inspect_file(path).time
    assert t is not None
    assert (t.source, t.local, t.offset) == ("exif-offset", "2020-10-09T14:02:11.138", "+04:00")
    assert t.utc == "2020-10-09T10:02:11.138Z"
    assert t.gps_utc == "2020-10-09T10:02:09Z"
    assert t.clock_error_s == pytest.approx(2.138)


def test_subseconds_keep_leading_zeros(tmp_path: Path) -> None:
    path = make_photo(tmp_path, original="2021:01:02 03:04:05", subsec="007", offset="-03:00")
    t = inspect_file(path).time
    assert t is not None
    assert t.local == "2021-01-02T03:04:05.007"
    assert t.utc == "2021-01-02T06:04:05.007Z"


def test_gps_clock_when_no_offset(tmp_path: Path) -> None:
    path = make_photo(
        tmp_path, original="2020:10:09 14:02:11", gps_time=("2020:10:09", (10, 2, 9.0))
    )
    t = inspect_file(path).time
    assert t is not None
    assert (t.source, t.offset, t.utc) == ("gps", "+04:00", "2020-10-09T10:02:09Z")
    assert t.clock_error_s == pytest.approx(2.0)


def test_camera_vs_gps_disagreement_records_clock_error(tmp_path: Path) -> None:
    # The camera says 14:09:41 at +04:00, the GPS clock says 10:02:09 UTC: 452 s fast.
    path = make_photo(
        tmp_path,
        original="2020:10:09 14:09:41",
        offset="+04:00",
        gps_time=("2020:10:09", (10, 2, 9.0)),
    )
    t = inspect_file(path).time
    assert t is not None
    assert t.source == "exif-offset"
    assert t.clock_error_s == pytest.approx(452.0)


@pytest.mark.parametrize(
    ("lat", "lon", "local", "offset", "utc"),
    [
        # Stepanakert, October 2020: +04:00 (Asia/Yerevan or Asia/Baku: both +04:00 then).
        (39.8153, 46.7519, "2020:10:09 14:02:11", "+04:00", "2020-10-09T10:02:11Z"),
        # Buenos Aires (south and west): -03:00, no DST since 2009.
        (-34.6037, -58.3816, "2022:07:01 12:00:00", "-03:00", "2022-07-01T15:00:00Z"),
        # Kyiv in summer (DST): +03:00; in winter +02:00.
        (50.4501, 30.5234, "2022:07:01 12:00:00", "+03:00", "2022-07-01T09:00:00Z"),
        (50.4501, 30.5234, "2022:12:01 12:00:00", "+02:00", "2022-12-01T10:00:00Z"),
    ],
)
def test_coordinates_time_zone(
    tmp_path: Path, lat: float, lon: float, local: str, offset: str, utc: str
) -> None:
    path = make_photo(tmp_path, original=local, lat=lat, lon=lon)
    info = inspect_file(path)
    assert info.position is not None
    assert info.position.lat == pytest.approx(lat, abs=1e-6)
    assert info.position.lon == pytest.approx(lon, abs=1e-6)
    t = info.time
    assert t is not None
    assert (t.source, t.offset, t.utc) == ("coordinates-tz", offset, utc)


def test_camera_correction_clock_fast(tmp_path: Path) -> None:
    path = make_photo(tmp_path, original="2020:10:09 15:05:11", make="Canon", model="EOS 80D")
    fast = 3600 + 180  # the camera clock ran 1 h 3 min fast
    corrections = [
        CameraCorrection(make="Canon", model=None, serial=None, utc_offset="+00:00"),
        CameraCorrection(
            make="Canon", model="EOS 80D", serial=None, clock_error_s=fast, zone="Asia/Yerevan"
        ),
    ]
    t = inspect_file(path, corrections=corrections).time
    assert t is not None
    assert t.source == "camera-correction"
    assert (t.local, t.offset, t.utc) == ("2020-10-09T15:05:11", "+04:00", "2020-10-09T10:02:11Z")


def test_correction_by_serial_beats_model(tmp_path: Path) -> None:
    path = make_photo(tmp_path, original="2020:10:09 12:00:00", serial="123")
    corrections = [
        CameraCorrection(make="TestCam", model="T1", serial=None, utc_offset="+01:00"),
        CameraCorrection(make=None, model=None, serial="123", utc_offset="+05:30"),
    ]
    t = inspect_file(path, corrections=corrections).time
    assert t is not None
    assert (t.offset, t.utc) == ("+05:30", "2020-10-09T06:30:00Z")


def test_unknown_keeps_local(tmp_path: Path) -> None:
    path = make_photo(tmp_path, original="2020:10:09 14:02:11", subsec="5")
    t = inspect_file(path).time
    assert t is not None
    assert (t.source, t.local, t.offset, t.utc) == (
        "unknown",
        "2020-10-09T14:02:11.5",
        None,
        None,
    )


def test_datetime_digitized_fallback_is_said(tmp_path: Path) -> None:
    path = make_photo(tmp_path, digitized="2020:10:09 14:02:11")
    info = inspect_file(path)
    assert info.time is not None
    assert info.time.local == "2020-10-09T14:02:11"
    assert any("DateTimeDigitized" in w for w in info.warnings)


def test_zero_date_is_no_date(tmp_path: Path) -> None:
    path = make_photo(tmp_path, original="0000:00:00 00:00:00")
    info = inspect_file(path)
    assert info.time is None
    assert any("empty" in w for w in info.warnings)


def test_resolve_time_is_pure_and_orders_sources() -> None:
    local = datetime(2020, 10, 9, 14, 2, 11)
    gps = datetime(2020, 10, 9, 10, 2, 11, tzinfo=UTC)
    here = Position(39.8153, 46.7519)
    assert (
        resolve_time(
            RawTime(local, "2020-10-09T14:02:11", "DateTimeOriginal", "+04:00", gps), here
        ).source
        == "exif-offset"
    )
    assert resolve_time(RawTime(local, "2020-10-09T14:02:11", gps_utc=gps), here).source == "gps"
    assert resolve_time(RawTime(local, "2020-10-09T14:02:11"), here).source == "coordinates-tz"
    assert resolve_time(RawTime(local, "2020-10-09T14:02:11")).source == "unknown"
    only_gps = resolve_time(RawTime(gps_utc=gps))
    assert (only_gps.source, only_gps.utc, only_gps.local) == ("gps", "2020-10-09T10:02:11Z", None)


def test_dst_gap_is_noted() -> None:
    # 2021-03-28 03:30 did not exist in Kyiv (clocks jumped from 03:00 to 04:00).
    t = resolve_time(
        RawTime(datetime(2021, 3, 28, 3, 30), "2021-03-28T03:30:00"), Position(50.4501, 30.5234)
    )
    assert t.source == "coordinates-tz"
    assert any("did not exist" in n for n in t.notes)
