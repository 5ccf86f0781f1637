"""Thumbnails and previews: orientation applied, atomic, never raise on a bad image."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from fieldkit.ingest import import_media
from fieldkit.store import Store
from fieldkit.thumbnails import (
    load_thumbnail,
    make_thumbnail,
    preview,
    rebuild_thumbnails,
    thumbnail_path,
)
from tests.test_ingest import DATA, jpeg_bytes

HEIC = Path(__file__).parent / "data" / "sony_exif.heic"


def test_orientation_6_gives_a_portrait_thumbnail(tmp_path: Path) -> None:
    src = tmp_path / "rotated.jpg"
    src.write_bytes(jpeg_bytes(size=(1200, 600), orientation=6))
    dest = tmp_path / "t" / "x.jpg"
    assert make_thumbnail(src, dest)
    with Image.open(dest) as im:
        assert im.format == "JPEG"
        assert im.size == (128, 256)
    with Image.open(src) as original:  # the original is untouched
        assert original.size == (1200, 600)


def test_real_orientation_sample(tmp_path: Path) -> None:
    src = DATA / "orientation6.jpg"
    if not src.exists():
        pytest.skip("tests/data/ingest/orientation6.jpg is absent")
    dest = tmp_path / "t.jpg"
    assert make_thumbnail(src, dest, size=64)
    with Image.open(dest) as im:
        assert im.size[0] < im.size[1]


def test_large_jpeg_uses_draft_and_stays_small(tmp_path: Path) -> None:
    src = tmp_path / "big.jpg"
    src.write_bytes(jpeg_bytes(size=(4000, 3000)))
    dest = tmp_path / "t.jpg"
    assert make_thumbnail(src, dest)
    with Image.open(dest) as im:
        assert im.size == (256, 192)


def test_heic(tmp_path: Path) -> None:
    if not HEIC.exists():
        pytest.skip("tests/data/sony_exif.heic is absent")
    dest = tmp_path / "h.jpg"
    assert make_thumbnail(HEIC, dest)
    with Image.open(dest) as im:
        assert max(im.size) <= 256


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 100, None],
    ids=["empty", "text", "jpeg-header-only", "truncated"],
)
def test_bad_image_returns_false(tmp_path: Path, content: bytes | None) -> None:
    if content is None:
        data = jpeg_bytes(size=(300, 200))
        content = data[: len(data) // 2]
    src = tmp_path / "bad.jpg"
    src.write_bytes(content)
    dest = tmp_path / "t" / "bad.jpg"
    assert make_thumbnail(src, dest) is False
    assert not dest.exists()
    assert not list(dest.parent.glob(".thumb-*")) if dest.parent.exists() else True


def test_missing_source_returns_false(tmp_path: Path) -> None:
    assert make_thumbnail(tmp_path / "nope.jpg", tmp_path / "t.jpg") is False


def test_preview_applies_orientation_and_bounds(tmp_path: Path) -> None:
    src = tmp_path / "p.jpg"
    src.write_bytes(jpeg_bytes(size=(3000, 1000), orientation=8))
    im = preview(src, max_side=600)
    assert im.size == (200, 600)


def test_thumbnail_path_layout(tmp_path: Path) -> None:
    sha = "ab" + "0" * 62
    assert thumbnail_path(tmp_path, sha) == tmp_path / "thumbs" / "ab" / f"{sha}-256.jpg"
    with pytest.raises(ValueError):
        thumbnail_path(tmp_path, "../../etc/passwd")


def test_rebuild(store: Store, tmp_path: Path) -> None:
    photos = []
    for i in range(3):
        p = tmp_path / f"{i}.jpg"
        p.write_bytes(jpeg_bytes(tag=str(i)))
        photos.append(p)
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    report = import_media(store, [*photos, pdf], serial=True, thumbnails=False)
    shas = [i["sha256"] for i in report.imported[:3]]
    assert not any(thumbnail_path(store, s).exists() for s in shas)
    orphan = store.cache_dir / "thumbs" / "ab" / ".thumb-crashed.jpg"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half")
    calls: list[tuple[int, int]] = []
    out = rebuild_thumbnails(store, lambda d, t, m: calls.append((d, t)))
    assert out["made"] == 3 and out["skipped"] == 1 and out["failed"] == []
    assert calls[-1] == (4, 4)
    assert all(thumbnail_path(store, s).exists() for s in shas)
    assert not orphan.exists()
    again = rebuild_thumbnails(store)
    assert again["made"] == 0 and again["kept"] == 3
    thumbnail_path(store, shas[0]).unlink()
    assert rebuild_thumbnails(store)["made"] == 1
    # Still an image after a rebuild, nothing written next to the original.
    data = load_thumbnail(thumbnail_path(store, shas[0]), store.media.cipher)
    assert data is not None
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (64, 48)
