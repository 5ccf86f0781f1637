"""Thumbnails and viewer previews: derived images, never evidence, always rebuildable.

A thumbnail is a JPEG in ``cache/thumbs/<first two hex>/<sha256>-<size>.jpg`` with the
photo's EXIF orientation applied, written to a temp file and renamed into place so a crash
never leaves half a thumbnail. Originals are opened read-only and never written.
Nothing here raises for a bad image: :func:`make_thumbnail` returns False.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit.canonical import is_sha256
from fieldkit.progress import CancelToken, ProgressFn, Throttle

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from fieldkit.store import Store

THUMB_SIZE = 256
PREVIEW_SIDE = 2048
#: Images with more pixels than this are refused (a "decompression bomb" guard that
#: still admits 200-MP panoramas).
MAX_PIXELS = 400_000_000

_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF once (pillow-heif is optional at run time)."""
    global _heif_registered
    if _heif_registered:
        return
    _heif_registered = True
    with contextlib.suppress(Exception):
        import pillow_heif

        pillow_heif.register_heif_opener()


def _open(src: Path, target: tuple[int, int]) -> PILImage.Image:
    """Open with JPEG draft mode (decode at 1/2..1/8 scale) and orientation applied."""
    from PIL import Image, ImageOps

    _register_heif()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(src) as im:
        if im.format == "JPEG":
            # Scale so that the *shorter* requested side is still covered after rotation.
            side = max(target)
            im.draft("RGB", (side, side))
        im.load()
        out = ImageOps.exif_transpose(im)
        if out is im:
            out = im.copy()
    return out


def _rgb(im: PILImage.Image) -> PILImage.Image:
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "P", "PA"):
        from PIL import Image

        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def thumbs_dir(store_or_cache_dir: Store | Path) -> Path:
    if isinstance(store_or_cache_dir, Path):
        return store_or_cache_dir / "thumbs"
    return Path(store_or_cache_dir.cache_dir) / "thumbs"


def thumbnail_path(store_or_cache_dir: Store | Path, sha256: str, size: int = THUMB_SIZE) -> Path:
    """Where the thumbnail of ``sha256`` lives (it may not exist yet)."""
    if not is_sha256(sha256):
        raise ValueError(f"{sha256!r} is not a SHA-256")
    return thumbs_dir(store_or_cache_dir) / sha256[:2] / f"{sha256}-{size}.jpg"


def make_thumbnail(src: Path, dest: Path, size: int = THUMB_SIZE) -> bool:
    """Write a JPEG thumbnail of ``src`` (longest side ``size``) to ``dest``; False on failure.

    Never raises for a damaged, truncated or non-image file: it returns False and leaves
    no file at ``dest``.
    """
    return thumbnail_problem(src, dest, size) is None


def thumbnail_problem(src: Path, dest: Path, size: int = THUMB_SIZE) -> str | None:
    """Like :func:`make_thumbnail`, but says why it failed (None when it worked).

    The importer turns the reason into a warning: a JPEG whose pixels cannot be decoded
    (truncated, damaged) is still kept as evidence, but the user must know.
    """
    try:
        im = _open(src, (size, size))
        im.thumbnail((size, size))
        im = _rgb(im)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".thumb-", suffix=".jpg", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                im.save(out, "JPEG", quality=82)
            os.replace(tmp_name, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
    except Exception as exc:  # Pillow raises many kinds for damaged files
        return " ".join(str(exc).split())[:200] or type(exc).__name__
    return None


def _remove_orphan_temps(root: Path) -> None:
    """Half-written thumbnails left by a crash (the rename never happened)."""
    if root.is_dir():
        for tmp in root.glob("*/.thumb-*"):
            with contextlib.suppress(OSError):
                tmp.unlink()


def preview(src: Path, max_side: int = PREVIEW_SIDE) -> PILImage.Image:
    """An image for the viewer, orientation applied, longest side at most ``max_side``.

    Raises the error Pillow raised when the file cannot be decoded (the viewer shows it).
    """
    im = _open(src, (max_side, max_side))
    im.thumbnail((max_side, max_side))
    return im


def rebuild_thumbnails(
    store: Store,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    *,
    size: int = THUMB_SIZE,
    force: bool = False,
) -> dict[str, Any]:
    """Make the missing thumbnails of every media record (all of them with ``force``).

    Returns ``{"made": n, "kept": n, "failed": [{"id", "sha256", "reason"}], "cancelled"}``.
    Non-image media (PDF, audio) are counted as ``skipped``.
    """
    _remove_orphan_temps(thumbs_dir(store))
    rows = store.find("media", include_retracted=True)
    throttle = Throttle(progress)
    report: dict[str, Any] = {"made": 0, "kept": 0, "skipped": 0, "failed": [], "cancelled": False}
    total = len(rows)
    for done, row in enumerate(rows):
        if cancel is not None and cancel.cancelled:
            report["cancelled"] = True
            break
        sha = row["sha256"]
        throttle(done, total, row.get("file_name") or sha)
        if not (row.get("mime") or "").startswith("image/"):
            report["skipped"] += 1
            continue
        dest = thumbnail_path(store, sha, size)
        if dest.exists() and not force:
            report["kept"] += 1
            continue
        reason = thumbnail_problem(store.media.path_of(sha), dest, size)
        if reason is None:
            report["made"] += 1
        else:
            report["failed"].append({"id": row["id"], "sha256": sha, "reason": reason})
    else:
        throttle(total, total, "done")
    return report


__all__ = [
    "PREVIEW_SIDE",
    "THUMB_SIZE",
    "make_thumbnail",
    "preview",
    "rebuild_thumbnails",
    "thumbnail_path",
    "thumbnail_problem",
]
