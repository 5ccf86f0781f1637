"""Issue 12's media faults, each as a kind: the shared case file and a self-made one.

The shared cases (../shared/cases/media/, values from EXPECTED.md) and the files of
tests/data/media/ (made by tests/data/make_media_cases.py) are read by FieldKit and, where
exiftool reads the same field, checked against exiftool at run time too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

from fieldkit.metadata import MediaInfo, inspect_file, read_metadata
from fieldkit.store import Store
from tests.conftest import CORPUS

CASES = CORPUS.parent / "cases" / "media"
MEDIA = Path(__file__).parent / "data" / "media"

needs_cases = pytest.mark.skipif(not CASES.is_dir(), reason=f"no shared cases at {CASES}")
needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="no exiftool")


def _exiftool(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["exiftool", "-n", "-json", "-a", "-G1", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(out.stdout)[0])


def _only(doc: dict[str, Any], name: str) -> Any:
    """The value of tag ``name`` from whichever group exiftool puts it in (None if none)."""
    values = {v for k, v in doc.items() if k.split(":")[-1] == name}
    assert len(values) <= 1, (name, values)
    return next(iter(values), None)


def _inspect(path: Path) -> MediaInfo:
    info = inspect_file(path)
    assert info.error is None, info.error
    return info


# --- 1. BigTIFF ------------------------------------------------------------------------------


@needs_cases
def test_bigtiff_case_is_an_image() -> None:
    info = _inspect(CASES / "bigtiff_hopper.tif")
    assert (info.type, info.width, info.height, info.orientation) == ("image/tiff", 128, 128, 1)
    assert not any("not an image" in w for w in info.warnings)


@needs_exiftool
def test_bigtiff_with_exif_and_gps_blocks() -> None:
    path = MEDIA / "bigtiff_exif_gps.tif"
    info = _inspect(path)
    truth = _exiftool(path)
    assert info.type == "image/tiff"
    assert (info.width, info.height) == (truth["IFD0:ImageWidth"], truth["IFD0:ImageHeight"])
    assert info.orientation == truth["IFD0:Orientation"] == 6
    assert info.camera is not None and info.camera.make == truth["IFD0:Make"]
    assert info.time is not None
    assert info.time.local is not None
    assert info.time.local.replace("-", ":", 2).replace("T", " ") == _only(
        truth, "DateTimeOriginal"
    )
    assert (info.time.utc, info.time.source) == ("2022-03-04T03:06:07Z", "exif-offset")
    # exiftool 12.57 reads a BigTIFF's GPS IFD with the wrong tag table, so the position is
    # checked against what the generator wrote: 12°30'S 45°15'W, ±3.5 m.
    assert info.position is not None
    assert (info.position.lat, info.position.lon) == (-12.5, -45.25)
    assert info.position.accuracy_m == 3.5


# --- 2. the type from the structure, never from the make -------------------------------------


@needs_cases
def test_tiff_with_nikon_make_case_is_a_tiff() -> None:
    info = _inspect(CASES / "tiff_with_nikon_make_not_nef.tif")
    assert (info.type, info.width, info.height) == ("image/tiff", 40, 30)


@needs_exiftool
def test_tiff_with_sony_make_is_a_tiff() -> None:
    path = MEDIA / "tiff_with_sony_make_not_arw.tif"
    info = _inspect(path)
    truth = _exiftool(path)
    assert truth["File:FileType"] == "TIFF"
    assert (info.type, info.width, info.height) == ("image/tiff", 36, 24)
    assert info.camera is not None and info.camera.make == "SONY"


def test_a_raw_is_told_by_its_structure() -> None:
    from fieldkit.metadata.filetype import tiff_type

    nikon = {"Make": b"NIKON CORPORATION\x00"}
    assert tiff_type(nikon, []) == "image/tiff"
    cfa = {**nikon, "NewSubfileType": (1,), "TIFF-EPStandardID": (1, 0, 0, 0)}
    assert tiff_type(cfa, [{"PhotometricInterpretation": (32803,)}]) == "image/x-nikon-nef"
    assert tiff_type(cfa, [{"NewSubfileType": (1,)}]) == "image/x-nikon-nef"  # TIFF/EP layout
    assert tiff_type({"Make": b"Canon"}, [{"PhotometricInterpretation": (32803,)}]) == (
        "image/tiff"
    )
    assert tiff_type({"DNGVersion": (1, 4, 0, 0)}, []) == "image/x-adobe-dng"


def test_nef_from_the_corpus_stays_a_nef() -> None:
    path = CORPUS / "files" / "exiftool" / "t" / "images" / "Nikon.nef"
    if not path.is_file():
        pytest.skip("no corpus")
    assert _inspect(path).type == "image/x-nikon-nef"


# --- 3. Exif after the frame header -----------------------------------------------------------


@needs_cases
def test_exif_after_sof_case() -> None:
    info = _inspect(CASES / "exif_app1_after_sof.jpg")
    assert info.position is not None
    assert info.position.lat == pytest.approx(-33.866667, abs=1e-6)
    assert info.position.lon == pytest.approx(151.2, abs=1e-6)
    assert info.time is not None and info.time.local == "2021-06-01T12:00:00"
    assert info.camera is not None
    assert (info.camera.make, info.camera.model) == ("TestMake", "TestModel")


@needs_exiftool
def test_exif_after_sof_and_dht() -> None:
    path = MEDIA / "exif_app1_after_sof_and_dht.jpg"
    data = path.read_bytes()
    assert data.index(b"\xff\xc0") < data.index(b"Exif\x00\x00")  # the kind really is there
    info = _inspect(path)
    truth = _exiftool(path)
    assert info.position is not None
    assert info.position.lat == pytest.approx(truth["Composite:GPSLatitude"], abs=1e-6)
    assert info.position.lon == pytest.approx(truth["Composite:GPSLongitude"], abs=1e-6)
    assert info.camera is not None and info.camera.model == truth["IFD0:Model"]
    assert info.time is not None and info.time.local == "2019-12-31T23:59:58"


# --- 4. HEIF Exif items ----------------------------------------------------------------------


@needs_exiftool
def test_heif_exif_item_without_offset() -> None:
    path = MEDIA / "heic_exif_without_offset.heic"
    info = _inspect(path)
    truth = _exiftool(path)
    assert info.time is not None and info.time.local is not None
    assert info.time.local.split(".")[0] == "2020-09-14T11:09:34"
    assert _only(truth, "DateTimeOriginal") == "2020:09:14 11:09:34"
    assert info.camera is not None and info.camera.model == "ILCE-7SM3"
    assert any("exif_tiff_header_offset" in w for w in info.warnings)


@needs_exiftool
def test_heif_exif_in_two_extents_and_a_decoy_item() -> None:
    path = MEDIA / "heic_exif_split_and_decoy.heic"
    info = _inspect(path)
    assert info.camera is not None
    assert (info.camera.make, info.camera.model) == ("SONY", "ILCE-7SM3")  # not the decoy
    assert info.time is not None and info.time.local == "2020-09-14T11:09:34.641"
    assert (info.width, info.height) == (64, 64)


def test_heif_without_offset_imports_without_a_decode_warning(store: Store) -> None:
    from fieldkit.ingest import import_media

    report = import_media(store, [MEDIA / "heic_exif_without_offset.heic"], serial=True)
    assert len(report.imported) == 1
    entry = report.imported[0]
    assert not any("cannot be decoded" in w for w in entry["warnings"]), entry["warnings"]
    record = store.get(entry["id"], "media")
    assert record["captured_local"] == "2020-09-14T11:09:34.641"
    assert record["captured_local_source"] == "DateTimeOriginal"


# --- 5. Pillow's warnings ---------------------------------------------------------------------


def test_pillow_warnings_reach_the_file_not_stderr(
    store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    from fieldkit.ingest import import_media

    report = import_media(store, [MEDIA / "tiff_tag_past_end.tif"], serial=True)
    entry = report.imported[0]
    pillow = [w for w in entry["warnings"] if w.startswith("image decoder:")]
    assert pillow and any("larger than file" in w or "Corrupt" in w for w in pillow)
    assert capfd.readouterr().err == ""


def test_captured_warnings_are_per_thread() -> None:
    import threading

    from fieldkit.metadata.pillow import captured_warnings

    seen: dict[str, list[str]] = {}

    def work(name: str) -> None:
        with captured_warnings() as caught:
            warnings.warn(f"from {name}", UserWarning, stacklevel=1)
        seen[name] = caught

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": ["from a"], "b": ["from b"], "c": ["from c"]}


# --- 6. one canonical UTC form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "utc"),
    [("subsec_700.jpg", "2020-10-09T10:02:54.7Z"), ("subsec_00.jpg", "2020-10-09T10:02:54Z")],
)
def test_one_utc_form_in_inspect_records_and_csv(store: Store, name: str, utc: str) -> None:
    from fieldkit.bundle.views import media_csv
    from fieldkit.ingest import import_media

    info = _inspect(MEDIA / name)
    assert info.time is not None and info.time.utc == utc
    entry = import_media(store, [MEDIA / name], serial=True).imported[0]
    record = store.get(entry["id"], "media")
    assert record["captured_utc"] == utc
    csv_text = media_csv([{**record, "path": "x"}], {}).decode()
    assert f",{utc}," in csv_text


def test_format_utc_is_canonical() -> None:
    from datetime import UTC, datetime

    from fieldkit.records import parse_datetime_utc
    from fieldkit.timezones import format_utc

    assert format_utc(datetime(2020, 1, 2, 3, 4, 5, 700000, tzinfo=UTC)) == (
        "2020-01-02T03:04:05.7Z"
    )
    assert format_utc(datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2020-01-02T03:04:05Z"
    assert parse_datetime_utc("2020-01-02T07:04:05.000+04:00") == "2020-01-02T03:04:05Z"


# --- 7. where the local reading came from -----------------------------------------------------


def test_xmp_capture_date_wins_over_the_modify_date(store: Store) -> None:
    from fieldkit.ingest import import_media

    path = MEDIA / "modify_date_and_xmp_capture.jpg"
    info = _inspect(path)
    assert info.time is not None
    assert (info.time.local, info.time.local_source) == ("2021-05-06T07:08:09.25", "xmp")
    assert (info.time.offset, info.time.source) == ("+03:00", "xmp-offset")
    assert info.to_json()["time"]["local_source"] == "xmp"
    record = store.get(import_media(store, [path], serial=True).imported[0]["id"], "media")
    assert record["captured_local_source"] == "xmp"


def test_local_source_names_the_exif_tag() -> None:
    info = _inspect(Path(__file__).parent / "data" / "big_endian.tif")
    assert info.time is not None and info.time.local_source == "DateTime"
    assert any("last changed" in w for w in info.warnings)


# --- 8. a block dropped is a block reported ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "block", "kind"),
    [
        ("gps_pointer_as_ascii.jpg", "GPS", "ASCII"),
        ("exif_pointer_as_rational.jpg", "ExifIFD", "RATIONAL"),
    ],
)
def test_a_pointer_of_the_wrong_type_is_reported(name: str, block: str, kind: str) -> None:
    info = _inspect(MEDIA / name)
    assert any(f"{block} pointer is stored as {kind}" in w for w in info.warnings), info.warnings


# --- more containers ---------------------------------------------------------------------------


@needs_exiftool
def test_png_ztxt_raw_profile_and_itxt_xmp() -> None:
    path = MEDIA / "png_ztxt_exif_itxt_xmp.png"
    info = _inspect(path)
    truth = _exiftool(path)
    assert info.camera is not None and info.camera.make == truth["IFD0:Make"]
    assert info.time is not None and info.time.local == "2018-02-03T04:05:06"
    assert info.position is not None and info.position.source == "xmp"
    assert info.position.lat == pytest.approx(truth["XMP-exif:GPSLatitude"], abs=1e-6)
    assert info.position.lon == pytest.approx(truth["XMP-exif:GPSLongitude"], abs=1e-6)
    assert info.position.alt == pytest.approx(truth["XMP-exif:GPSAltitude"], abs=1e-6)


@needs_exiftool
def test_jpeg_xl_codestream_and_container() -> None:
    bare = _inspect(MEDIA / "codestream.jxl")
    truth = _exiftool(MEDIA / "codestream.jxl")
    assert (bare.type, bare.width, bare.height) == (
        "image/jxl",
        truth["File:ImageWidth"],
        truth["File:ImageHeight"],
    )
    info = _inspect(MEDIA / "container_brob_exif.jxl")
    truth = _exiftool(MEDIA / "container_brob_exif.jxl")
    assert (info.width, info.height) == (truth["File:ImageWidth"], truth["File:ImageHeight"])
    # Exif inside a brotli-compressed 'brob' box (exiftool 12.57 does not decompress it).
    assert info.camera is not None and info.camera.model == "JxlModel"
    assert info.time is not None
    assert (info.time.utc, info.time.source) == ("2023-07-08T14:10:11Z", "exif-offset")
    assert info.position is not None
    assert info.position.lat == pytest.approx(truth["XMP-exif:GPSLatitude"], abs=1e-9)


@needs_exiftool
def test_jpeg_2000_exif_and_xmp_boxes() -> None:
    path = MEDIA / "exif_xmp_boxes.jp2"
    info = _inspect(path)
    truth = _exiftool(path)
    assert (info.type, info.width, info.height) == (
        "image/jp2",
        truth["Jpeg2000:ImageWidth"],
        truth["Jpeg2000:ImageHeight"],
    )
    assert info.camera is not None and info.camera.make == truth["IFD0:Make"]
    assert info.time is not None and info.time.local == "2017-06-05T04:03:02"
    assert info.position is not None and info.position.source == "xmp"
    assert info.position.direction == pytest.approx(360 + truth["XMP-drone-dji:GimbalYawDegree"])
    assert info.position.relative_alt == pytest.approx(55.2)
    assert info.position.alt == pytest.approx(1795.3)


def test_jpeg_xl_brotli_bomb_is_refused() -> None:
    import struct

    import brotli

    bomb = brotli.compress(b"\x00" * (8 * 1024 * 1024), quality=1)
    assert len(bomb) < 64 * 1024
    box = struct.pack(">I4s", 8 + 4 + len(bomb), b"brob") + b"Exif" + bomb
    head = (MEDIA / "container_brob_exif.jxl").read_bytes()[:32]  # signature + ftyp
    meta = read_metadata(head + box)
    assert any("inflates past" in w for w in meta.warnings)


# --- GPS accuracy and datum --------------------------------------------------------------------


def test_accuracy_and_datum(tmp_path: Path) -> None:
    import io

    import piexif
    from PIL import Image

    exif = piexif.dump(
        {
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((40, 1), (0, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((44, 1), (30, 1), (0, 1)),
                piexif.GPSIFD.GPSMapDatum: b"TOKYO",
                piexif.GPSIFD.GPSHPositioningError: (125, 10),
            }
        }
    )
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "JPEG", exif=exif)
    (tmp_path / "x.jpg").write_bytes(buf.getvalue())
    info = _inspect(tmp_path / "x.jpg")
    assert info.position is not None and info.position.accuracy_m == 12.5
    assert any("GPSMapDatum is 'TOKYO', not WGS-84" in w for w in info.warnings)
