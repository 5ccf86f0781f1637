"""Previews: orientation decided once, video poster frames and placeholders, and the fast
first view from a JPEG's embedded preview with the full decode check afterwards."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import piexif
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from fieldkit.ingest import import_media
from fieldkit.previews import embedded_jpeg
from fieldkit.store import Store
from fieldkit.thumbnails import (
    check_pending,
    make_thumbnail,
    pending_checks,
    preview,
    thumbnail_path,
)
from tests.test_ingest import jpeg_bytes

AV = Path(__file__).parent / "data" / "av"
PLACEHOLDER_BG = (52, 58, 64)


def _with_preview(
    size: tuple[int, int] = (1200, 900),
    preview_color: tuple[int, int, int] = (20, 200, 20),
    orientation: int | None = None,
) -> bytes:
    """A JPEG whose IFD1 preview (160×120) has another colour than the photo itself."""
    small = io.BytesIO()
    Image.new("RGB", (160, 120), preview_color).save(small, "JPEG", quality=80)
    zeroth: dict[int, Any] = {piexif.ImageIFD.Make: "FieldCam"}
    if orientation:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    raw = piexif.dump(
        {
            "0th": zeroth,
            "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0},
            "thumbnail": small.getvalue(),
        }
    )
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=raw, quality=85)
    return out.getvalue()


def _pic(path: Path) -> io.BytesIO:
    """A thumbnail's JPEG bytes; sealed with age (store key in the keyring) when encrypted."""
    data = path.read_bytes()
    if data.startswith(b"age-encryption.org/v1"):
        from fieldkit.atrest import AgeCipher, keyring

        home = next(p.parent for p in path.parents if p.name == "cache")
        secrets = keyring.lookup(home)
        assert secrets is not None
        data = AgeCipher(secrets).open_bytes(data)
    return io.BytesIO(data)


def _centre(path: Path) -> tuple[int, ...]:
    with Image.open(_pic(path)) as im:
        return tuple(im.convert("RGB").getpixel((im.width // 2, im.height // 2)))


def _corner(path: Path) -> tuple[int, ...]:
    with Image.open(_pic(path)) as im:
        return tuple(im.convert("RGB").getpixel((3, 3)))


def _close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


# --- orientation: the record's, never a second opinion --------------------------------------


def test_the_records_orientation_is_what_is_applied(tmp_path: Path) -> None:
    src = tmp_path / "rotated.jpg"
    src.write_bytes(jpeg_bytes(size=(1200, 600), orientation=6))
    decided = tmp_path / "decided.jpg"
    assert make_thumbnail(src, decided)  # no record: FieldKit's reader decides (6)
    with Image.open(decided) as im:
        assert im.size == (128, 256)
    overruled = tmp_path / "overruled.jpg"
    # A record saying "as stored" wins over the file's tag: one decision, not two.
    assert make_thumbnail(src, overruled, orientation=1)
    with Image.open(overruled) as im:
        assert im.size == (256, 128)
    assert preview(src, 600, orientation=8).size == (300, 600)


# --- video and audio ---------------------------------------------------------------------------


def test_video_poster_is_upright_and_decoded(tmp_path: Path) -> None:
    dest = tmp_path / "poster.jpg"
    assert make_thumbnail(AV / "iphone_keys_rot90.mov", dest)
    with Image.open(dest) as im:
        assert im.size == (48, 64)  # 64×48 stored, turned 90°
    assert not _close(_centre(dest), PLACEHOLDER_BG, 10)
    assert preview(AV / "noon_180.mp4", 32).size == (32, 24)
    assert _close(preview(AV / "bwf_bext.wav", 256).getpixel((3, 3)), PLACEHOLDER_BG, 10)


def test_import_video_audio_and_broken_video(store: Store, tmp_path: Path) -> None:
    names = ["android_xyz_rot270.mp4", "bwf_bext.wav", "truncated_moov.mp4"]
    for name in names:
        (tmp_path / name).write_bytes((AV / name).read_bytes())
    report = import_media(store, [tmp_path / n for n in names], serial=True)
    assert len(report.imported) == 3
    video, audio, broken = (store.get(i["id"]) for i in report.imported)
    assert video["orientation"] == 8 and video["duration_s"] == 1.0
    assert (video["lat"], video["lon"], video["position_source"]) == (
        -22.9068,
        -43.1729,
        "quicktime",
    )
    assert video["time_source"] == "quicktime-utc"
    assert video["captured_utc"] == "2021-03-14T06:30:05Z"
    with Image.open(_pic(thumbnail_path(store, video["sha256"]))) as im:
        assert im.size == (48, 64)
    assert not _close(_centre(thumbnail_path(store, video["sha256"])), PLACEHOLDER_BG, 10)
    # Audio: a placeholder, and nothing to warn about.
    assert _close(_corner(thumbnail_path(store, audio["sha256"])), PLACEHOLDER_BG, 10)
    assert not any("decoded" in w for w in audio["warnings"])
    # A video cut short: kept, a placeholder, and the user is told.
    assert _close(_corner(thumbnail_path(store, broken["sha256"])), PLACEHOLDER_BG, 10)
    assert any(w.startswith("the video cannot be decoded") for w in broken["warnings"])


# --- fast previews and the background decode check ----------------------------------------------


def test_embedded_preview_is_found_and_checked() -> None:
    data = _with_preview()
    small = embedded_jpeg(io.BytesIO(data), "image/jpeg")
    assert small is not None
    with Image.open(io.BytesIO(small)) as im:
        assert im.size == (160, 120)
    assert embedded_jpeg(io.BytesIO(jpeg_bytes()), "image/jpeg") is None  # none stored
    assert embedded_jpeg(io.BytesIO(data[:700]), "image/jpeg") is None  # cut inside it


def test_fast_import_then_background_check(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    good.write_bytes(_with_preview(orientation=6))
    whole = _with_preview(preview_color=(20, 20, 200))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) - 3000])  # the photo is truncated, its preview intact
    report = import_media(store, [good, cut], serial=True, fast_previews=True)
    ids = [i["id"] for i in report.imported]
    good_rec, cut_rec = (store.get(i) for i in ids)
    # The first view is the embedded preview (green / blue), upright; nothing decoded yet.
    good_thumb = thumbnail_path(store, good_rec["sha256"])
    with Image.open(_pic(good_thumb)) as im:
        assert im.size == (120, 160)
    assert _close(_centre(good_thumb), (20, 200, 20))
    assert sorted(pending_checks(store)) == sorted([good_rec["sha256"], cut_rec["sha256"]])
    assert cut_rec["warnings"] == []

    found: list[tuple[str, str]] = []
    result = check_pending(store, on_problem=lambda rec, why: found.append((rec["id"], why)))
    assert result["checked"] == 2
    assert [b["id"] for b in result["broken"]] == [cut_rec["id"]]
    assert [f[0] for f in found] == [cut_rec["id"]]
    # The record carries the warning (a journal event), the good photo's thumbnail is now
    # made from the photo itself (red), and nothing is pending any more.
    warnings = store.get(cut_rec["id"])["warnings"]
    assert any(w.startswith("the image cannot be decoded") for w in warnings)
    assert store.get(good_rec["id"])["warnings"] == []
    with Image.open(_pic(good_thumb)) as im:
        assert im.size == (192, 256)
    assert _close(_centre(good_thumb), (200, 30, 30))
    assert pending_checks(store) == []
    assert check_pending(store)["checked"] == 0


def test_without_fast_previews_the_import_decodes(store: Store, tmp_path: Path) -> None:
    whole = _with_preview()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) - 3000])
    report = import_media(store, [cut], serial=True)
    assert any("cannot be decoded" in w for w in report.imported[0]["warnings"])
    assert pending_checks(store) == []


def test_a_broken_embedded_preview_falls_back_to_the_photo(store: Store, tmp_path: Path) -> None:
    data = bytearray(_with_preview())
    small = embedded_jpeg(io.BytesIO(bytes(data)), "image/jpeg")
    assert small is not None
    at = bytes(data).find(small)
    data[at + 200 : at + 600] = b"\x00" * 400  # damage the preview's scan, keep SOI/EOI
    src = tmp_path / "p.jpg"
    src.write_bytes(bytes(data))
    report = import_media(store, [src], serial=True, fast_previews=True)
    rec = store.get(report.imported[0]["id"])
    thumb = thumbnail_path(store, rec["sha256"])
    assert thumb.is_file()
    assert rec["warnings"] == []


_SEED = _with_preview(size=(64, 48))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_embedded_previews_never_crash(data: st.DataObject) -> None:
    blob = bytearray(_SEED)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, 1200))  # the EXIF block and its IFD1
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(2, len(blob)))
    found = embedded_jpeg(io.BytesIO(bytes(blob[:cut])), "image/jpeg")
    assert found is None or (found.startswith(b"\xff\xd8") and found.endswith(b"\xff\xd9"))


def test_a_cancelled_check_stays_pending(store: Store, tmp_path: Path) -> None:
    from fieldkit.progress import CancelToken

    photo = tmp_path / "p.jpg"
    photo.write_bytes(_with_preview())
    import_media(store, [photo], serial=True, fast_previews=True)
    token = CancelToken()
    token.cancel()
    assert check_pending(store, cancel=token) == {
        "checked": 0,
        "broken": [],
        "cancelled": True,
        "remaining": 1,
    }
    assert len(pending_checks(store)) == 1
    assert check_pending(store)["checked"] == 1


def test_the_check_runs_in_short_pieces(store: Store, tmp_path: Path) -> None:
    """``limit``: the app checks a few photos per task, so work queued meanwhile runs."""
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"p{i}.jpg")
        paths[-1].write_bytes(_with_preview(preview_color=(20, 20 + 50 * i, 20)))
    import_media(store, paths, serial=True, fast_previews=True)
    first = check_pending(store, limit=2)
    assert (first["checked"], first["remaining"]) == (2, 1)
    assert len(pending_checks(store)) == 1
    last = check_pending(store, limit=2)
    assert (last["checked"], last["remaining"]) == (1, 0)
    assert pending_checks(store) == []
