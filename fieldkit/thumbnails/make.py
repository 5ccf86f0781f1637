"""Making thumbnails and viewer previews, and checking photos left unchecked at import.

Decides where a thumbnail lives and how it is written (a temp file renamed into place,
encrypted in an encrypted store), which picture stands for a file (its decoded image, a
photo's embedded preview, a video's poster frame or a placeholder), what problem a file
that cannot be shown reports, and how the thumbnails are rebuilt and the pending checks
(:func:`check_pending`) run. Originals are decoded by :mod:`fieldkit.thumbnails.decode`.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit.atrest.cipher import PLAIN, FileCipher
from fieldkit.canonical import is_sha256
from fieldkit.errors import FieldkitError
from fieldkit.fsutil import is_disk_full, lock_temp, owned_temp_prefix, temp_is_abandoned
from fieldkit.metadata.pillow import captured_warnings
from fieldkit.previews import RAW_TYPES, embedded_preview, raw_data_problem
from fieldkit.progress import CancelToken, ProgressFn, Throttle
from fieldkit.thumbnails.decode import (
    MAX_PIXELS,
    ImageSource,
    apply_orientation,
    open_image,
    sniff_source,
    to_rgb,
)

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from fieldkit.store import Store


THUMB_SIZE = 256
PREVIEW_SIDE = 2048

_THUMB_TEMP = ".thumb-"

ProblemFn = Callable[[dict[str, Any], str], None]


def placeholder(kind: str, side: int = THUMB_SIZE, note: str | None = None) -> PILImage.Image:
    """A plain picture standing for a file with no image of its own (audio, a broken video)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (side, side * 3 // 4), (52, 58, 64))
    draw = ImageDraw.Draw(im)
    w, h = im.size
    cx, cy = w // 2, h // 2 - h // 10
    r = h // 5
    if kind == "audio":
        for i, height in enumerate((3, 6, 9, 5, 8, 4, 7, 3)):
            x = cx - 4 * (r // 3) + i * (r // 3)
            draw.rectangle(
                (x, cy - height * r // 10, x + r // 6, cy + height * r // 10), fill=(230, 230, 230)
            )
    elif kind == "video":
        draw.polygon([(cx - r // 2, cy - r), (cx - r // 2, cy + r), (cx + r, cy)], fill="white")
    else:  # a photo FieldKit cannot show (a raw file without a preview)
        draw.rectangle((cx - r, cy - r * 3 // 4, cx + r, cy + r * 3 // 4), outline="white", width=3)
    label = kind.upper() + (f" — {note}" if note else "")
    draw.text((w // 2, h - h // 6), label, fill=(230, 230, 230), anchor="mm")
    return im


def thumbs_dir(store_or_cache_dir: Store | Path) -> Path:
    if isinstance(store_or_cache_dir, Path):
        return store_or_cache_dir / "thumbs"
    return Path(store_or_cache_dir.cache_dir) / "thumbs"


def thumbnail_path(
    store_or_cache_dir: Store | Path,
    sha256: str,
    size: int = THUMB_SIZE,
    cipher: FileCipher | None = None,
) -> Path:
    """Where the thumbnail of ``sha256`` lives (it may not exist yet).

    ``cipher`` is the store's (``store.media.cipher``); a :class:`Store` brings its own.
    """
    if not is_sha256(sha256):
        raise ValueError(f"{sha256!r} is not a SHA-256")
    if cipher is None:
        cipher = PLAIN if isinstance(store_or_cache_dir, Path) else store_or_cache_dir.media.cipher
    stem = cipher.name(sha256).removesuffix(cipher.suffix)
    return thumbs_dir(store_or_cache_dir) / stem[:2] / f"{stem}-{size}.jpg{cipher.suffix}"


def load_thumbnail(path: Path, cipher: FileCipher = PLAIN) -> bytes | None:
    """The JPEG bytes of a thumbnail made here; None if it is absent or does not open."""
    try:
        return cipher.open_bytes(path.read_bytes())
    except (OSError, FieldkitError):
        return None


def original_source(store: Store, sha256: str) -> ImageSource:
    """An original for the decoders: its path, or (encrypted store) its decrypted bytes."""
    if not store.media.encrypted:
        return store.media.path_of(sha256)
    return store.media.read_original(sha256)


def _pending_marker(dest: Path) -> Path:
    return dest.with_suffix(".unchecked")


def _save(im: PILImage.Image, dest: Path, cipher: FileCipher = PLAIN) -> None:
    im = to_rgb(im)
    encoded = io.BytesIO()
    im.save(encoded, "JPEG", quality=82)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=owned_temp_prefix(_THUMB_TEMP), suffix=".jpg", dir=dest.parent
    )
    lock_temp(fd)  # in use until closed: another process's cleaner leaves it alone
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(cipher.seal(encoded.getvalue()))
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def make_thumbnail(
    src: ImageSource,
    dest: Path,
    size: int = THUMB_SIZE,
    *,
    orientation: int | None = None,
    mime: str | None = None,
    cipher: FileCipher = PLAIN,
) -> bool:
    """Write a JPEG thumbnail of ``src`` (longest side ``size``) to ``dest``; False on failure.

    Never raises for a damaged, truncated or non-image file. ``orientation`` is the record's
    (EXIF 1..8); without it FieldKit's reader decides from the file.
    """
    return (
        thumbnail_problem(src, dest, size, orientation=orientation, mime=mime, cipher=cipher)
        is None
    )


def thumbnail_problem(
    src: ImageSource,
    dest: Path,
    size: int = THUMB_SIZE,
    *,
    orientation: int | None = None,
    mime: str | None = None,
    embedded: bytes | PILImage.Image | None = None,
    cipher: FileCipher = PLAIN,
    warnings: list[str] | None = None,
) -> str | None:
    """Like :func:`make_thumbnail`, but says why it failed (None when it worked).

    The importer turns the reason into a warning: a photo whose pixels cannot be decoded
    (truncated, damaged) is still kept as evidence, but the user must know. A video with no
    decodable frame gets a placeholder thumbnail *and* a reason; audio gets a placeholder.
    ``embedded`` (a JPEG preview from the file itself) is used instead of decoding the
    photo, and the thumbnail is marked for :func:`check_pending`. What Pillow warns about
    while decoding ("Corrupt EXIF data", "Tag data larger than file") is appended to
    ``warnings`` (as "image decoder: …") and never printed on standard error.
    """
    with captured_warnings() as caught:
        problem = _thumbnail_problem(src, dest, size, orientation, mime, embedded, cipher)
    if warnings is not None:
        warnings.extend(f"image decoder: {w}" for w in caught)
    return problem


def _thumbnail_problem(
    src: ImageSource,
    dest: Path,
    size: int,
    orientation: int | None,
    mime: str | None,
    embedded: bytes | PILImage.Image | None,
    cipher: FileCipher,
) -> str | None:
    try:
        mime = mime or sniff_source(src)
    except OSError as exc:
        return " ".join(str(exc).split())[:200] or type(exc).__name__
    if mime.startswith("audio/"):
        try:
            _save(placeholder("audio", size), dest, cipher)
        except OSError as exc:
            return str(exc)[:200]
        return None
    fast = embedded is not None  # the first view: the full check is left pending
    raw_problem = None
    if not fast and mime in RAW_TYPES:
        # No raw decoder here: the camera's own preview is the picture, and the check is
        # that the sensor data lies inside the file (fieldkit.previews.raw_data_problem).
        raw_problem = _raw_problem(src, mime)
        embedded = embedded_preview(src, mime)
        if embedded is None:
            with contextlib.suppress(OSError):
                _save(placeholder("raw", size, "no preview"), dest, cipher)
            return raw_problem
    try:
        if embedded is not None:
            im = _embedded_image(embedded, size, orientation)
            if fast:
                marker = _pending_marker(dest)
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
        else:
            im = open_image(src, (size, size), orientation, mime)
        im.thumbnail((size, size))
        _save(im, dest, cipher)
    except Exception as exc:  # Pillow and FFmpeg raise many kinds for damaged files
        if is_disk_full(exc):
            raise  # not a problem of the image: the importer stops and cleans up
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        if mime.startswith("video/"):
            with contextlib.suppress(Exception):
                _save(placeholder("video", size, "no preview"), dest, cipher)
        return reason
    return raw_problem


def _embedded_image(
    embedded: bytes | PILImage.Image, size: int, orientation: int | None
) -> PILImage.Image:
    """An embedded preview as a picture: a JPEG (IFD1, a raw's) is decoded reduced and
    turned by the record's orientation; a HEIF thumbnail comes decoded and upright."""
    if not isinstance(embedded, bytes | bytearray):
        return embedded
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(io.BytesIO(embedded)) as small:
        small.draft("RGB", (size, size))  # a raw's full-size JpgFromRaw decodes at 1/8
        small.load()
        return apply_orientation(small.copy(), orientation)


def _raw_problem(src: ImageSource, mime: str) -> str | None:
    try:
        if isinstance(src, bytes | bytearray):
            return raw_data_problem(io.BytesIO(src), mime)
        with open(src, "rb") as fh:
            return raw_data_problem(fh, mime)
    except OSError as exc:
        return " ".join(str(exc).split())[:200]


def _remove_orphan_temps(root: Path) -> None:
    """Half-written thumbnails left by a crash (the rename never happened).

    Only those whose writer provably died: another process may be writing one now.
    """
    if root.is_dir():
        for tmp in root.glob(f"*/{_THUMB_TEMP}*"):
            if temp_is_abandoned(tmp, _THUMB_TEMP):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def preview(
    src: ImageSource,
    max_side: int = PREVIEW_SIDE,
    *,
    orientation: int | None = None,
    mime: str | None = None,
) -> PILImage.Image:
    """An image for the viewer, upright, longest side at most ``max_side``.

    A video gives its poster frame, audio the placeholder picture, a camera raw its largest
    embedded preview (a placeholder when it has none: FieldKit decodes no raw sensor data).
    Raises the error Pillow or FFmpeg raised when the file cannot be decoded (the viewer
    shows it).
    """
    mime = mime or sniff_source(src)
    if mime.startswith("audio/"):
        return placeholder("audio", min(max_side, 640))
    if mime in RAW_TYPES:
        embedded = embedded_preview(src, mime)
        if embedded is None:
            return placeholder("raw", min(max_side, 640), "no preview")
        with captured_warnings():
            im = _embedded_image(embedded, max_side, orientation)
        im.thumbnail((max_side, max_side))
        return im
    with captured_warnings():  # the viewer shows the picture; Pillow's notes stay off stderr
        im = open_image(src, (max_side, max_side), orientation, mime)
    im.thumbnail((max_side, max_side))
    return im


def _has_picture(mime: str | None) -> bool:
    return bool(mime) and str(mime).startswith(("image/", "video/", "audio/"))


def rebuild_thumbnails(
    store: Store,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    *,
    size: int = THUMB_SIZE,
    force: bool = False,
) -> dict[str, Any]:
    """Make the missing thumbnails of every media record (all of them with ``force``).

    Returns ``{"made": n, "kept": n, "skipped": n, "failed": [{"id", "sha256", "reason"}],
    "cancelled"}``. Media with no picture (PDF, text) are counted as ``skipped``.
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
        if not _has_picture(row.get("mime")):
            report["skipped"] += 1
            continue
        dest = thumbnail_path(store, sha, size)
        if dest.exists() and not force:
            report["kept"] += 1
            continue
        try:
            original = original_source(store, sha)
        except (OSError, FieldkitError) as exc:
            report["failed"].append({"id": row["id"], "sha256": sha, "reason": str(exc)})
            continue
        reason = thumbnail_problem(
            original,
            dest,
            size,
            orientation=row.get("orientation"),
            mime=row.get("mime"),
            cipher=store.media.cipher,
        )
        _pending_marker(dest).unlink(missing_ok=True)
        if reason is None:
            report["made"] += 1
        else:
            report["failed"].append({"id": row["id"], "sha256": sha, "reason": reason})
    else:
        throttle(total, total, "done")
    return report


def has_pending_checks(store: Store, size: int = THUMB_SIZE) -> bool:
    """Whether any photo waits for its full decode check (cheap: stops at the first
    marker found; for deciding to start :func:`check_pending` when a store opens)."""
    root = thumbs_dir(store)
    return root.is_dir() and next(root.glob(f"*/*-{size}*.unchecked"), None) is not None


def pending_checks(store: Store, size: int = THUMB_SIZE) -> list[str]:
    """SHA-256 of the photos whose thumbnail came from an embedded preview, not yet decoded."""
    root = thumbs_dir(store)
    if not root.is_dir():
        return []
    cipher = store.media.cipher
    if not cipher.encrypted:
        suffix = f"-{size}.unchecked"
        out = []
        for marker in sorted(root.glob(f"*/*{suffix}")):
            sha = marker.name[: -len(suffix)]
            if is_sha256(sha):
                out.append(sha)
        return out
    # Keyed names do not say which photo they are: map them back through the records.
    suffix = f"-{size}.jpg.unchecked"
    stems = {m.name[: -len(suffix)] for m in root.glob(f"*/*{suffix}")}
    if not stems:
        return []
    out = []
    for (sha,) in store.conn.execute("SELECT DISTINCT sha256 FROM media ORDER BY sha256"):
        if is_sha256(sha) and cipher.name(sha).removesuffix(cipher.suffix) in stems:
            out.append(sha)
    return out


DECODE_WARNING = "the image cannot be decoded ({reason}); the file is kept as it is"
#: The warning for a camera raw whose sensor data is not all in the file.
RAW_WARNING = (
    "the raw image data is incomplete ({reason}); the file is kept as it is, "
    "shown by its embedded preview"
)
#: The progress message :func:`check_pending` sends at once for a photo found broken.
BROKEN_PREFIX = "broken: "


def check_pending(
    store: Store,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    *,
    on_problem: ProblemFn | None = None,
    size: int = THUMB_SIZE,
    limit: int | None = None,
) -> dict[str, Any]:
    """The full decode check of photos imported with an embedded preview (background work).

    Decodes each pending photo (which finds truncation and damage), replaces its preview
    thumbnail with one made from the photo itself, and for a photo that cannot be decoded
    adds a warning to its media record (a journal event, so it travels in bundles) and
    calls ``on_problem(record, reason)`` at once. Safe to stop and run again: a photo stays
    pending until checked. ``limit``: check at most that many (the app checks in short
    tasks, so that work the user starts meanwhile is not queued behind the whole check).
    Returns ``{"checked": n, "broken": [{"id", "sha256", "file_name", "reason"}],
    "cancelled": bool, "remaining": n}`` (``remaining``: photos still waiting).
    """
    every = pending_checks(store, size)
    limit = len(every) if limit is None else max(0, limit)
    throttle = Throttle(progress)
    report: dict[str, Any] = {"checked": 0, "broken": [], "cancelled": False, "remaining": 0}
    total = min(limit, len(every))
    for sha in every:
        done = report["checked"]
        if done >= limit:
            break
        if cancel is not None and cancel.cancelled:
            report["cancelled"] = True
            break
        dest = thumbnail_path(store, sha, size)
        rows = store.find("media", where={"sha256": sha}, include_retracted=True, limit=1)
        if not rows:  # stored bytes without a record (a crash): the next import makes it
            continue
        row = rows[0]
        throttle(done, total, row.get("file_name") or sha)
        reason: str | None
        try:
            original = original_source(store, sha)
        except (OSError, FieldkitError) as exc:
            reason = str(exc)
        else:
            reason = thumbnail_problem(
                original,
                dest,
                size,
                orientation=row.get("orientation"),
                mime=row.get("mime"),
                cipher=store.media.cipher,
            )
        if reason is not None:
            template = RAW_WARNING if row.get("mime") in RAW_TYPES else DECODE_WARNING
            warning = template.format(reason=reason)
            warnings = list(row.get("warnings") or [])
            if warning not in warnings and not row.get("retracted"):
                row = store.update(row["id"], {"warnings": [*warnings, warning]})
            report["broken"].append(
                {
                    "id": row["id"],
                    "sha256": sha,
                    "file_name": row.get("file_name"),
                    "reason": reason,
                }
            )
            if on_problem is not None:
                on_problem(row, reason)
            if progress is not None:  # not throttled: the user hears of it at once
                progress(done, total, BROKEN_PREFIX + str(row.get("file_name") or sha))
        _pending_marker(dest).unlink(missing_ok=True)
        report["checked"] += 1
    if not report["cancelled"]:
        throttle(total, total, "done")
    report["remaining"] = len(every) - report["checked"]
    return report
