"""Reading metadata from hostile and unusual files: never an exception, always a reason."""

from __future__ import annotations

import hashlib
import io
import os
import struct
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image

from fieldkit.metadata import inspect_file, read_metadata, sniff_type

DATA = Path(__file__).parent / "data"


def _jpeg(exif: bytes | None = None, size: tuple[int, int] = (8, 6)) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, "gray")
    if exif is None:
        img.save(buf, "JPEG")
    else:
        img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def _tiff_block(
    entries: list[tuple[int, int, int, bytes]], gps: list[tuple[int, int, int, bytes]]
) -> bytes:
    """A little-endian TIFF block: IFD0 with ``entries`` + a GPS pointer, then a GPS IFD.

    Each entry is (tag, type, count, value bytes); values longer than 4 bytes go after
    the IFDs. Lets tests write what piexif refuses to (zero denominators, strings).
    """
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    ifd0_len = 2 + 12 * (len(entries) + 1) + 4
    gps_at = 8 + ifd0_len
    gps_len = 2 + 12 * len(gps) + 4
    data_at = gps_at + gps_len
    tail = bytearray()

    def table(
        items: list[tuple[int, int, int, bytes]], extra: list[tuple[int, int, int, bytes]]
    ) -> bytes:
        nonlocal tail
        body = bytearray(struct.pack("<H", len(items) + len(extra)))
        for tag, typ, count, value in sorted(items + extra):
            if len(value) <= 4:
                body += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")
            else:
                body += struct.pack("<HHII", tag, typ, count, data_at + len(tail))
                tail += value
        return bytes(body + b"\x00\x00\x00\x00")

    out += table(entries, [(0x8825, 4, 1, struct.pack("<I", gps_at))])
    out += table(gps, [])
    out += tail
    return b"Exif\x00\x00" + bytes(out)


def _rationals(*pairs: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("<II", n, d) for n, d in pairs)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_zero_byte_file(tmp_path: Path) -> None:
    info = inspect_file(_write(tmp_path, "empty.jpg", b""))
    assert info.error is None
    assert (info.size, info.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert info.type == "application/octet-stream"
    assert any("empty" in w for w in info.warnings)


def test_text_named_jpg_is_not_an_image(tmp_path: Path) -> None:
    info = inspect_file(_write(tmp_path, "photo.jpg", b"this is not a photo\n" * 10))
    assert info.error is None
    assert info.type == "text/plain"
    assert any("not an image" in w for w in info.warnings)
    assert info.position is None and info.time is None


def test_binary_junk_is_octet_stream(tmp_path: Path) -> None:
    info = inspect_file(_write(tmp_path, "x.jpg", bytes(range(256)) * 4))
    assert info.type == "application/octet-stream"


def test_type_by_content_not_name(tmp_path: Path) -> None:
    heic = (DATA / "sony_exif.heic").read_bytes()
    info = inspect_file(_write(tmp_path, "really_heic.jpg", heic))
    assert info.type == "image/heic"
    assert sniff_type(_jpeg()) == "image/jpeg"


def test_truncated_jpeg_partial_reading(tmp_path: Path) -> None:
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: "Cut", piexif.ImageIFD.Model: "Short"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: "2020:10:09 14:02:11"},
        }
    )
    whole = _jpeg(exif)
    for cut in (3, 20, 60, len(whole) // 2):
        info = inspect_file(_write(tmp_path, f"cut{cut}.jpg", whole[:cut]))
        assert info.error is None
        assert info.type == "image/jpeg"
        if cut <= 60:
            assert info.warnings, cut


def test_corrupt_exif_block_gives_partial_reading() -> None:
    info = inspect_file(DATA / "corrupt_exif.jpg")
    assert info.error is None
    assert info.camera is not None and info.camera.make == "OnePlus"
    assert info.position is not None
    assert info.position.lat == pytest.approx(48.0810453000028, abs=1e-6)
    assert info.position.lon == pytest.approx(-1.6678410999975, abs=1e-6)


def test_flipped_bytes_in_the_exif_ifds_do_not_raise(tmp_path: Path) -> None:
    exif = piexif.dump(
        {"0th": {piexif.ImageIFD.Make: "X"}, "GPS": {piexif.GPSIFD.GPSLatitudeRef: "N"}}
    )
    whole = bytearray(_jpeg(exif))
    start = whole.find(b"Exif\x00\x00") + 6
    for i in range(start + 8, start + 120, 7):  # flip bytes inside the IFDs
        damaged = bytearray(whole)
        damaged[i] ^= 0xFF
        info = inspect_file(_write(tmp_path, "flip.jpg", bytes(damaged)))
        assert info.error is None


def test_unreadable_file(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root can read any file; the permission case cannot be made")
    path = _write(tmp_path, "secret.jpg", _jpeg())
    path.chmod(0)
    try:
        info = inspect_file(path)
    finally:
        path.chmod(0o600)
    assert info.error == "permission denied"
    assert (info.sha256, info.size, info.type, info.position) == (None, None, None, None)


def test_directory_and_missing_path(tmp_path: Path) -> None:
    assert inspect_file(tmp_path).error == "is a directory"
    assert inspect_file(tmp_path / "nope.jpg").error == "no such file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.timeout(20)
def test_a_fifo_is_reported_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)  # a plain open() would wait forever for a writer
    info = inspect_file(fifo)
    assert info.error == "not a regular file (a FIFO)"
    assert info.sha256 is None


def test_big_endian_tiff() -> None:
    info = inspect_file(DATA / "big_endian.tif")
    assert info.type == "image/tiff"
    assert info.camera is not None
    assert (info.camera.make, info.camera.model) == ("Canon", "Canon EOS DIGITAL REBEL")
    assert (info.width, info.height) == (160, 120)
    assert any("DateTime" in w for w in info.warnings)  # only IFD0 DateTime: said so


def test_heic_from_a_camera() -> None:
    info = inspect_file(DATA / "sony_exif.heic")
    assert info.type == "image/heic"
    assert info.camera is not None and info.camera.model == "ILCE-7SM3"
    assert (info.width, info.height) == (64, 64)
    assert info.time is not None
    assert (info.time.local, info.time.source) == ("2020-09-14T11:09:34.641", "exif-offset")


def test_zero_denominators(tmp_path: Path) -> None:
    block = _tiff_block(
        [],
        [
            (1, 2, 2, b"N\x00"),
            (2, 5, 3, _rationals((48, 1), (0, 0), (0, 1))),
            (3, 2, 2, b"E\x00"),
            (4, 5, 3, _rationals((2, 1), (0, 1), (0, 1))),
        ],
    )
    info = inspect_file(_write(tmp_path, "zero.jpg", _jpeg(block)))
    assert info.error is None
    assert info.position is None
    assert any("gps_invalid" in w for w in info.warnings)


def test_zero_denominator_altitude_keeps_position(tmp_path: Path) -> None:
    block = _tiff_block(
        [],
        [
            (1, 2, 2, b"S\x00"),
            (2, 5, 3, _rationals((33, 1), (52, 1), (0, 1))),
            (3, 2, 2, b"W\x00"),
            (4, 5, 3, _rationals((70, 1), (30, 1), (0, 1))),
            (5, 1, 1, b"\x01"),
            (6, 5, 1, _rationals((5, 0))),
        ],
    )
    info = inspect_file(_write(tmp_path, "alt.jpg", _jpeg(block)))
    assert info.position is not None
    assert (info.position.lat, info.position.lon) == (pytest.approx(-33.8666667), -70.5)
    assert info.position.alt is None


def test_gps_as_strings_and_missing_refs(tmp_path: Path) -> None:
    block = _tiff_block(
        [],
        [
            (2, 2, 8, b"39.8153\x00"),
            (4, 2, 16, b"46 45 6.84\x00".ljust(16, b"\x00")),
            (5, 1, 1, b"\x01"),
            (6, 5, 1, _rationals((125, 10))),
        ],
    )
    info = inspect_file(_write(tmp_path, "str.jpg", _jpeg(block)))
    assert info.position is not None
    assert info.position.lat == pytest.approx(39.8153)
    assert info.position.lon == pytest.approx(46.7519)
    assert info.position.alt == pytest.approx(-12.5)  # GPSAltitudeRef 1: below sea level
    assert sum("missing" in w for w in info.warnings) == 2


def test_read_metadata_from_bytes_and_a_short_head() -> None:
    data = (DATA / "corrupt_exif.jpg").read_bytes()
    whole = read_metadata(data)
    assert whole.camera is not None and whole.camera.make == "OnePlus"
    head = read_metadata(data[:4096])
    assert head.type == "image/jpeg"


def test_huge_non_image_is_not_read_whole(tmp_path: Path) -> None:
    # A sparse 3 GiB "video": the reader looks at its head only.
    path = tmp_path / "clip.mp4"
    with open(path, "wb") as fh:
        fh.write(struct.pack(">I4s4sI", 24, b"ftyp", b"isom", 0) + b"isomiso2")
        fh.truncate(3 * 1024**3)
    read = 0

    class Counting(io.FileIO):
        def readinto(self, buffer: Any) -> int | None:
            nonlocal read
            n = super().readinto(buffer)
            read += n or 0
            return n

    # The video reader may seek to the end (to look for a 'moov' box there), never read it.
    with Counting(path, "rb") as raw, io.BufferedReader(raw) as fh:
        meta = read_metadata(fh)
    assert read < 1024 * 1024
    assert meta.type == "video/mp4"
