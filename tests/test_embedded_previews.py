"""The fast first view from HEIC thumbnail items and camera raws' JPEG previews.

HEIC: real phone files from the shared corpus (exiftool reads a ``thmb`` item in each; the
HEIF thumbnail is HEVC, decoded by libheif). Raws: the corpus has only ExifTool's test
raws, whose previews ExifTool stripped (``exiftool -a -G1 -PreviewImage -JpgFromRaw
CanonRaw.cr2 Nikon.nef DNG.dng``: none; Panasonic.rw2's JpgFromRaw is cut to 8 × 8 with
no EOI), so the raws here are built with the layout of real ones: a NEF (IFD0 160 × 120
RGB thumbnail, SubIFD0 JpgFromRaw, SubIFD1 CFA sensor data), a CR2 (IFD0 a JPEG strip,
IFD1 a small thumbnail, IFD3 lossless-JPEG sensor data) and a CR3 (THMB in moov's Canon
uuid, PRVW in its own uuid box).
"""

from __future__ import annotations

import io
import json
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from fieldkit import thumbnails
from fieldkit.ingest import import_media
from fieldkit.previews import embedded_jpeg, embedded_preview, raw_data_problem
from fieldkit.store import Store
from fieldkit.thumbnails import check_pending, pending_checks, thumbnail_path
from tests.conftest import CORPUS, IN_CI
from tests.test_previews import _centre, _close, _pic

HEIC = CORPUS / "files"
PORTRAIT_HEIC = HEIC / "lychee/tests/Samples/classic-car.heic"  # irot: 3024 × 4032 upright
SMALL_HEIC = HEIC / "exifr/test/fixtures/heic-collection.heic"  # 1440 × 960, thmb 240 × 160

GREEN, BLUE = (20, 200, 20), (20, 20, 200)


def _need(path: Path) -> Path:
    if not path.is_file():
        if IN_CI:
            pytest.fail(f"corpus file missing: {path}")
        pytest.skip(f"corpus file missing: {path}")
    return path


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def _lossless(size: tuple[int, int]) -> bytes:
    """A JPEG whose frame header says lossless (SOF3), as raw sensor data is stored."""
    data = bytearray(_jpeg(size, (90, 90, 90)))
    at = bytes(data).find(b"\xff\xc0")
    data[at + 1] = 0xC3
    return bytes(data)


def _tiff(
    ifds: list[list[tuple[int, int, Any]]],
    blobs: dict[str, bytes],
    chain: dict[int, int],
    *,
    cr2: bool = False,
) -> bytes:
    """A little-endian TIFF: ``ifds`` of (tag, type, value) where value is an int, a list of
    ints, ASCII bytes, ``"@name"`` (the offset of blob ``name``), ``"#name"`` (its length)
    or ``"ifd:N"`` (the offset of IFD N); ``chain`` maps an IFD to the next one."""
    header = 16 if cr2 else 8
    offsets, pos = [], header
    for entries in ifds:
        offsets.append(pos)
        pos += 2 + 12 * len(entries) + 4
    extra = bytearray()
    extra_at = pos
    ascii_at: dict[tuple[int, int], int] = {}
    for i, entries in enumerate(ifds):
        for tag, _typ, value in entries:
            if isinstance(value, bytes) and len(value) > 4:
                ascii_at[(i, tag)] = extra_at + len(extra)
                extra += value + b"\x00" * (len(value) % 2)
            elif isinstance(value, list):  # LONGs stored apart (SubIFDs: IFD offsets)
                ascii_at[(i, tag)] = extra_at + len(extra)
                extra += b"\x00" * 4 * len(value)
    blob_at, pos = {}, extra_at + len(extra)
    for name, data in blobs.items():
        blob_at[name] = pos
        pos += len(data)

    def number(value: Any) -> int:
        if isinstance(value, str) and value.startswith("@"):
            return blob_at[value[1:]]
        if isinstance(value, str) and value.startswith("#"):
            return len(blobs[value[1:]])
        if isinstance(value, str) and value.startswith("ifd:"):
            return offsets[int(value[4:])]
        return int(value)

    longs = extra
    out = bytearray(b"II*\x00" + struct.pack("<I", offsets[0]))
    if cr2:
        out += b"CR\x02\x00" + b"\x00" * 4
    for i, entries in enumerate(ifds):
        out += struct.pack("<H", len(entries))
        for tag, typ, value in sorted(entries, key=lambda e: e[0]):
            if isinstance(value, bytes):
                count = len(value)
                field = (
                    struct.pack("<I", ascii_at[(i, tag)])
                    if (i, tag) in ascii_at
                    else value.ljust(4, b"\x00")
                )
            elif isinstance(value, list):
                count = len(value)
                field = struct.pack("<I", ascii_at[(i, tag)])
                at = ascii_at[(i, tag)] - extra_at
                longs[at : at + 4 * count] = struct.pack(f"<{count}I", *map(number, value))
            else:
                count = 1
                field = (
                    struct.pack("<HH", number(value), 0)
                    if typ == 3
                    else struct.pack("<I", number(value))
                )
            out += struct.pack("<HHI", tag, typ, count) + field
        out += struct.pack("<I", offsets[chain[i]] if i in chain else 0)
    out += extra
    for data in blobs.values():
        out += data
    return bytes(out)


def nef_like(orientation: int = 6) -> bytes:
    """A NEF's layout: IFD0 a 160 × 120 RGB thumbnail, SubIFD0 the JpgFromRaw (640 × 480,
    green), SubIFD1 the CFA sensor data."""
    rgb = bytes(GREEN) * (160 * 120)
    sensor = bytes(range(256)) * 64
    ifd0 = [
        (0x00FE, 4, 1),
        (0x0100, 4, 160),
        (0x0101, 4, 120),
        (0x0103, 3, 1),
        (0x0106, 3, 2),
        (0x010F, 2, b"NIKON CORPORATION\x00"),
        (0x0110, 2, b"NIKON D90\x00"),
        (0x0111, 4, "@thumb"),
        (0x0112, 3, orientation),
        (0x0115, 3, 3),
        (0x0117, 4, "#thumb"),
        (0x014A, 4, ["ifd:1", "ifd:2"]),
    ]
    sub0 = [(0x00FE, 4, 1), (0x0103, 3, 6), (0x0201, 4, "@preview"), (0x0202, 4, "#preview")]
    sub1 = [
        (0x00FE, 4, 0),
        (0x0100, 4, 64),
        (0x0101, 4, 64),
        (0x0103, 3, 1),
        (0x0106, 3, 32803),
        (0x0111, 4, "@sensor"),
        (0x0117, 4, "#sensor"),
    ]
    blobs = {"thumb": rgb, "preview": _jpeg((640, 480), GREEN), "sensor": sensor}
    return _tiff([ifd0, sub0, sub1], blobs, {})


def cr2_like() -> bytes:
    """A CR2's layout: IFD0 the JPEG strip (960 × 640, green), IFD1 a 160 × 120 thumbnail
    (blue), IFD2 lossless-JPEG sensor data (SOF3)."""
    ifd0 = [
        (0x0100, 4, 960),
        (0x0101, 4, 640),
        (0x0103, 3, 6),
        (0x010F, 2, b"Canon\x00"),
        (0x0111, 4, "@big"),
        (0x0112, 3, 1),
        (0x0117, 4, "#big"),
    ]
    ifd1 = [(0x0103, 3, 6), (0x0201, 4, "@small"), (0x0202, 4, "#small")]
    ifd2 = [(0x0103, 3, 6), (0x0111, 4, "@sensor"), (0x0117, 4, "#sensor")]
    blobs = {
        "big": _jpeg((960, 640), GREEN),
        "small": _jpeg((160, 120), BLUE),
        "sensor": _lossless((1200, 800)),
    }
    return _tiff([ifd0, ifd1, ifd2], blobs, {0: 1, 1: 2}, cr2=True)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def cr3_like(with_prvw: bool = True) -> bytes:
    """A CR3's boxes: ftyp crx, moov with Canon's uuid (CMT1 IFD0, THMB 160 × 120 blue),
    the PRVW uuid box (a 640 × 426 green JPEG), mdat."""
    cmt1 = _tiff([[(0x010F, 2, b"Canon\x00"), (0x0112, 3, 1)]], {}, {})
    thmb = _box(b"THMB", b"\x00" * 4 + struct.pack(">HHI", 160, 120, 0) + _jpeg((160, 120), BLUE))
    canon = _box(
        b"uuid",
        bytes.fromhex("85c0b687820f11e08111f4ce462b6a48") + _box(b"CMT1", cmt1) + thmb,
    )
    out = _box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + _box(b"moov", canon)
    if with_prvw:
        prvw = _box(
            b"PRVW",
            b"\x00" * 6 + struct.pack(">HH", 640, 426) + b"\x00" * 6 + _jpeg((640, 426), GREEN),
        )
        out += _box(b"uuid", bytes.fromhex("eaf42b5e1c984b88b9fbb7dc406e4d16") + b"\x00" * 8 + prvw)
    return out + _box(b"mdat", b"\x00" * 4096)


def _shape(preview: Any) -> tuple[int, int]:
    if isinstance(preview, bytes):
        with Image.open(io.BytesIO(preview)) as im:
            return im.size
    return preview.size


@pytest.fixture
def no_full_decode(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any full decode of an original (thumbnails.open_image) is recorded and fails."""
    calls: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise AssertionError("the full photo was decoded")

    monkeypatch.setattr(thumbnails, "open_image", refuse)
    monkeypatch.setattr("fieldkit.thumbnails.make.open_image", refuse)
    return calls


# --- finding the previews ---------------------------------------------------------------------


def test_the_largest_baseline_jpeg_of_a_raw_is_its_preview() -> None:
    assert _shape(embedded_jpeg(io.BytesIO(nef_like()), "image/x-nikon-nef")) == (640, 480)
    # CR2: the IFD0 strip beats IFD1's thumbnail; the lossless sensor JPEG is never chosen.
    assert _shape(embedded_jpeg(io.BytesIO(cr2_like()), "image/x-canon-cr2")) == (960, 640)
    assert _shape(embedded_jpeg(io.BytesIO(cr3_like()), "image/x-canon-cr3")) == (640, 426)
    assert _shape(embedded_jpeg(io.BytesIO(cr3_like(False)), "image/x-canon-cr3")) == (160, 120)
    # Cut inside the preview: not trusted.
    data = nef_like()
    at = data.find(_jpeg((640, 480), GREEN))
    assert embedded_jpeg(io.BytesIO(data[: at + 500]), "image/x-nikon-nef") is None


def test_corpus_raws_without_a_usable_preview_give_none() -> None:
    # ExifTool's test raws have their previews stripped (see the module docstring).
    images = _need(HEIC / "exiftool/t/images/Panasonic.rw2").parent
    for name, mime in [
        ("CanonRaw.cr2", "image/x-canon-cr2"),
        ("Nikon.nef", "image/x-nikon-nef"),
        ("DNG.dng", "image/x-adobe-dng"),
        ("Panasonic.rw2", "image/x-panasonic-rw2"),  # JpgFromRaw cut to 8 × 8, no EOI
        ("CanonRaw.cr3", "image/x-canon-cr3"),  # THMB of 28 bytes
    ]:
        assert embedded_preview(images / name, mime) is None, name


def test_the_heic_thumbnail_item_is_found_and_upright() -> None:
    small = embedded_preview(_need(PORTRAIT_HEIC), "image/heic")
    assert small is not None and not isinstance(small, bytes)
    assert small.size == (240, 320)  # stored 4032 × 3024 with irot: upright is portrait
    assert (
        embedded_preview(_need(HEIC / "pillow_heif/tests/images/heif_other/pug.heic"), "image/heic")
        is None
    )


# --- import: the first view from the preview, then the check -----------------------------------


def test_heic_first_view_comes_from_its_thumbnail_item(
    store: Store, tmp_path: Path, no_full_decode: list[Any]
) -> None:
    src = tmp_path / "car.heic"
    shutil.copyfile(_need(PORTRAIT_HEIC), src)
    report = import_media(store, [src], serial=True, fast_previews=True)
    rec = store.get(report.imported[0]["id"])
    assert no_full_decode == []
    with Image.open(_pic(thumbnail_path(store, rec["sha256"]))) as im:
        assert im.size == (192, 256)  # upright portrait
    assert pending_checks(store) == [rec["sha256"]]


def test_heic_check_replaces_the_thumbnail_from_the_full_decode(
    store: Store, tmp_path: Path
) -> None:
    src = tmp_path / "collection.heic"
    shutil.copyfile(_need(SMALL_HEIC), src)
    rec = store.get(import_media(store, [src], serial=True, fast_previews=True).imported[0]["id"])
    first = _pic(thumbnail_path(store, rec["sha256"])).getvalue()
    with Image.open(io.BytesIO(first)) as im:
        assert im.size == (240, 160)  # the thmb item (240 × 160), not scaled up
    result = check_pending(store)
    assert result["checked"] == 1 and result["broken"] == []
    with Image.open(_pic(thumbnail_path(store, rec["sha256"]))) as im:
        assert im.size == (256, 171)  # now from the 1440 × 960 photo itself
    assert pending_checks(store) == []


def test_raw_first_view_is_its_preview_upright(
    store: Store, tmp_path: Path, no_full_decode: list[Any]
) -> None:
    src = tmp_path / "DSC_0001.NEF"
    src.write_bytes(nef_like(orientation=6))
    rec = store.get(import_media(store, [src], serial=True, fast_previews=True).imported[0]["id"])
    assert rec["mime"] == "image/x-nikon-nef" and rec["orientation"] == 6
    thumb = thumbnail_path(store, rec["sha256"])
    with Image.open(_pic(thumb)) as im:
        assert im.size == (192, 256)  # the 640 × 480 preview turned by Orientation 6
    assert _close(_centre(thumb), GREEN)
    assert pending_checks(store) == [rec["sha256"]]
    # The check of a raw: its sensor data is all there; the preview stays its picture.
    result = check_pending(store)
    assert result["checked"] == 1 and result["broken"] == []
    assert no_full_decode == []
    assert _close(_centre(thumb), GREEN)


def test_a_truncated_raw_is_found_by_the_check_and_at_import(store: Store, tmp_path: Path) -> None:
    whole = nef_like()
    cut = tmp_path / "cut.NEF"
    cut.write_bytes(whole[:-2000])  # inside the sensor data; the preview is intact
    assert "cut short" in (raw_data_problem(io.BytesIO(whole[:-2000]), "image/x-nikon-nef") or "")
    assert raw_data_problem(io.BytesIO(whole), "image/x-nikon-nef") is None
    rec = store.get(import_media(store, [cut], serial=True, fast_previews=True).imported[0]["id"])
    assert rec["warnings"] == []
    result = check_pending(store)
    assert [b["id"] for b in result["broken"]] == [rec["id"]]
    assert any("cut short" in w for w in store.get(rec["id"])["warnings"])
    # Without the fast first view (the command line's default) it is warned at import.
    other = tmp_path / "cut2.CR2"
    data = cr2_like()
    other.write_bytes(data[:-300])
    rec2 = store.get(import_media(store, [other], serial=True).imported[0]["id"])
    assert rec2["mime"] == "image/x-canon-cr2"
    assert any("cut short" in w for w in rec2["warnings"])
    assert thumbnail_path(store, rec2["sha256"]).is_file()  # its preview is still shown


_NEF = nef_like()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_raws_never_crash(data: st.DataObject) -> None:
    blob = bytearray(_NEF)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, 400))  # the IFDs and their pointers
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(8, len(blob)))
    for mime in ("image/x-nikon-nef", "image/x-canon-cr3"):
        found = embedded_jpeg(io.BytesIO(bytes(blob[:cut])), mime)
        assert found is None or found.startswith(b"\xff\xd8")
        problem = raw_data_problem(io.BytesIO(bytes(blob[:cut])), mime)
        assert problem is None or isinstance(problem, str)


def test_the_command_line_imports_fast_and_checks_later(store: Store, tmp_path: Path) -> None:
    from tests.test_bad_input import run_cli
    from tests.test_previews import _with_preview

    home = store.home
    store.close()
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(_with_preview())
    whole = _with_preview(preview_color=BLUE)
    (folder / "cut.jpg").write_bytes(whole[: len(whole) - 3000])  # its preview intact
    imported = run_cli(home, "media", "import", "--fast-previews", "--serial", str(folder))
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 (0 with warnings)" in imported.stdout
    assert "2 photos shown by their embedded preview wait" in imported.stdout
    checked = run_cli(home, "media", "check")
    assert checked.returncode == 0, checked.stderr
    assert "checked 2, cannot be decoded 1" in checked.stdout
    assert "cut.jpg" in checked.stdout
    again = run_cli(home, "media", "check", "--json")
    assert json.loads(again.stdout) == {
        "checked": 0,
        "broken": [],
        "cancelled": False,
        "remaining": 0,
    }


def test_the_viewer_shows_a_raw_by_its_preview(tmp_path: Path) -> None:
    from fieldkit.thumbnails import preview

    src = tmp_path / "DSC_0002.NEF"
    src.write_bytes(nef_like(orientation=6))
    shown = preview(src, 400, orientation=6, mime="image/x-nikon-nef")
    assert shown.size == (300, 400)  # the 640 × 480 preview, upright
    assert _close(shown.convert("RGB").getpixel((150, 200)), GREEN)
    bare = preview(_need(HEIC / "exiftool/t/images/Nikon.nef"), 400, mime="image/x-nikon-nef")
    assert bare.size[0] <= 400  # no preview in it: the placeholder, not an error
