"""Bounded mutation fuzzing of the binary readers that take hostile input.

Hypothesis mutates real inputs (flipped bytes, truncation, inserted bytes) and each
reader must answer with its own problems, never an exception: the zip reader (and the
whole verification on top of it), the TIFF/EXIF IFD reader and the ISO-BMFF (HEIF, CR3)
box readers. Examples are bounded so the whole file runs in seconds; the metadata
parsers E adds get their own fuzzing beside them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import piexif
import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from fieldkit.bundle import export_bundle, verify_bundle
from fieldkit.bundle.zippolicy import ZipReader, ZipReadError
from fieldkit.metadata import bmff
from fieldkit.metadata.tiff import bytes_reader, read_tiff
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    allowed_signers_file,
    copy_store,
    populate,
    templates,
)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, data: bytes, hot: tuple[int, int] | None = None) -> bytes:
    """``data`` with 1-8 bytes changed (half of them in ``hot``, when given), maybe cut
    short or with bytes inserted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if hot is not None and draw(st.booleans()):
            pos = draw(st.integers(*hot))
        else:
            pos = draw(st.integers(0, len(out) - 1))
        out[pos] ^= draw(st.integers(1, 255))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(out)))
        out = (
            out[:cut]
            if draw(st.booleans())
            else out[:cut] + draw(st.binary(max_size=16)) + out[cut:]
        )
    return bytes(out)


# --- TIFF / EXIF --------------------------------------------------------------------------

EXIF = piexif.dump(
    {
        "0th": {piexif.ImageIFD.Make: "FieldCam", piexif.ImageIFD.Orientation: 6},
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: "2020:10:09 14:02:00",
            piexif.ExifIFD.OffsetTimeOriginal: "+04:00",
        },
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: "N",
            piexif.GPSIFD.GPSLatitude: ((39, 1), (48, 1), (5400, 100)),
            piexif.GPSIFD.GPSLongitudeRef: "E",
            piexif.GPSIFD.GPSLongitude: ((46, 1), (45, 1), (600, 100)),
        },
    }
)[6:]  # the TIFF block, without "Exif\0\0"


def test_the_tiff_seed_reads() -> None:
    tags = read_tiff(bytes_reader(EXIF))
    assert tags.ifd0["Make"].rstrip(b"\0") == b"FieldCam" and "GPSLatitude" in tags.gps


@FAST
@given(mutated(EXIF))
def test_tiff_reader_survives_mutations(data: bytes) -> None:
    tags = read_tiff(bytes_reader(data))
    assert isinstance(tags.problems, list)


# --- ISO-BMFF ------------------------------------------------------------------------------


def _heif() -> bytes:
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "HEIF", exif=b"Exif\0\0" + EXIF)
    return out.getvalue()


HEIF = _heif()


def test_the_heif_seed_reads() -> None:
    found = bmff.find_heif(bytes_reader(HEIF), len(HEIF))
    assert found.tiff is not None and not found.problems
    assert read_tiff(found.tiff).gps


@FAST
@given(mutated(HEIF))
def test_bmff_readers_survive_mutations(data: bytes) -> None:
    found = bmff.find_heif(bytes_reader(data), len(data))
    if found.tiff is not None:
        read_tiff(found.tiff)
    tags, problems = bmff.read_cr3(bytes_reader(data), len(data))
    assert isinstance(problems, list) and isinstance(tags.problems, list)


# --- zip ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bag_zip(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("fuzzzip")
    store = copy_store(templates, "anna", root / "anna")
    populate(store, media=1)
    path = Path(
        export_bundle(store, root / "b", passphrase=PASS, full=True, zip=True, plaintext=True).path
    )
    signers = allowed_signers_file(store, root / "allowed_signers")
    store.close()
    assert verify_bundle(path, trust=signers).ok
    return {"data": path.read_bytes(), "work": root / "fuzzed.zip", "signers": signers}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_zip_reading_survives_mutations(bag_zip: Any, data: st.DataObject) -> None:
    good = bag_zip["data"]
    # Half the changes land in the last 4 KiB: the central directory and end record.
    fuzzed = data.draw(mutated(good, (max(0, len(good) - 4096), len(good) - 1)))
    path = bag_zip["work"]
    path.write_bytes(fuzzed)
    with ZipReader(path) as z:
        if z.refused:
            assert z.problems and not z.entries
        for rel in z.entries:
            try:
                for _block in z.read_blocks(rel):
                    pass
            except ZipReadError:
                pass
    report = verify_bundle(path, trust=bag_zip["signers"])
    if report.ok:  # what verified is the bag, byte for byte: nothing else can pass
        assert fuzzed == good or _same_entries(fuzzed, good)


def _same_entries(a: bytes, b: bytes) -> bool:
    import zipfile

    def entries(raw: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return {i.filename.split("/", 1)[-1]: zf.read(i) for i in zf.infolist()}

    return entries(a) == entries(b)
