"""The worker: one file stored, hashed, its metadata read and its thumbnail made.

Decides what happens to one file before the database sees it: read once (streamed into the
media store, hashed while copying), rejected with a reason when it cannot be read, its type
from its content, its metadata validated field by field (a bad field is warned, not fatal),
and its thumbnail. Runs in a worker thread and never touches SQLite.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from fieldkit import records
from fieldkit.errors import FieldkitError, MediaError, ValidationError
from fieldkit.fsutil import display_name, display_path, is_disk_full, open_regular
from fieldkit.ingest.files import os_reason
from fieldkit.ingest.report import Outcome, Prepared, Rejected
from fieldkit.mediastore import MediaStore
from fieldkit.metadata import CameraCorrection, CaptureTime, Metadata, read_metadata, resolve_time
from fieldkit.metadata.av import is_av
from fieldkit.metadata.filetype import HEIF_FAMILY, PILLOW_SIZED, SNIFF_BYTES, sniff_type
from fieldkit.previews import RAW_TYPES, embedded_jpeg, embedded_preview
from fieldkit.thumbnails import (
    RAW_WARNING,
    THUMB_SIZE,
    ImageSource,
    thumbnail_path,
    thumbnail_problem,
)

if TYPE_CHECKING:
    from PIL import Image as PILImage


#: Bytes of the file's start kept for the metadata reader (a JPEG's EXIF is always
#: here); formats whose metadata may sit anywhere are read from the stored copy.
HEAD_BYTES = 1 << 20
#: Files up to this size are read whole into memory (at most one per import worker): the
#: one read feeds the SHA-256, the stored copy, the metadata and the thumbnail. Larger
#: files (videos) are streamed in blocks, so memory stays flat.
READ_WHOLE = 64 << 20
#: Types whose metadata comes before the image data, so the head holds it. WebP and PNG
#: may carry EXIF after the pixels (an EXIF chunk at the end, eXIf after IDAT).
_HEAD_ENOUGH = frozenset({"image/jpeg", "image/gif", "image/bmp"})


#: File name extensions that claim "I am an image".
IMAGE_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".png",
        ".heic",
        ".heif",
        ".hif",
        ".avif",
        ".webp",
        ".tif",
        ".tiff",
        ".gif",
        ".bmp",
        ".dng",
        ".cr2",
        ".cr3",
        ".nef",
        ".arw",
        ".orf",
        ".rw2",
        ".raf",
    }
)


def prepare_file(
    path: Path,
    media: MediaStore,
    cache_dir: Path,
    corrections: Sequence[CameraCorrection] = (),
    *,
    thumbnails: bool = True,
    fast: bool = False,
) -> Outcome:
    """Store one file and work out its record's fields; runs in a worker, no database.

    Never raises for a bad file: the outcome says it was rejected and why. ``fast``: see
    :func:`import_media`'s ``fast_previews``.
    """
    shown = display_path(path)
    head: bytes | bytearray = bytearray()
    whole: bytes | None = None  # the file's bytes, when it was read whole

    def keep_head(block: bytes) -> None:
        if len(head) < HEAD_BYTES:
            head.extend(block[: HEAD_BYTES - len(head)])  # type: ignore[union-attr]

    try:
        source = open_regular(path)
    except MediaError as exc:
        return Rejected(shown, str(exc))
    except OSError as exc:
        return Rejected(shown, os_reason(exc))
    try:
        with source:
            expected = os.fstat(source.fileno()).st_size
            if expected == 0:
                return Rejected(shown, "empty file (0 bytes): nothing to keep")
            if expected <= READ_WHOLE:
                # One read feeds the SHA-256, the stored copy, the metadata reader and
                # the thumbnail: no second read, no per-block work in Python.
                whole = _read_whole(source, expected)
            if whole is not None:
                stored = media.put_data(whole)
                head = whole[:HEAD_BYTES]
            else:  # large, or it grew while read: streamed, the head kept on the way
                stored = media.put_stream(source, on_block=keep_head)
    except OSError as exc:
        if is_disk_full(exc):
            return Rejected(shown, "disk full", disk_full=True)
        return Rejected(shown, f"could not be read or stored: {os_reason(exc)}")
    except FieldkitError as exc:
        return Rejected(shown, str(exc))
    if stored.size == 0:
        return Rejected(shown, "empty file (0 bytes): nothing to keep")

    warnings: list[str] = []
    if stored.size != expected:
        warnings.append(
            f"the file changed while it was read ({expected} bytes, then {stored.size}); "
            "the stored copy is what was read"
        )
    # What the metadata reader and the thumbnail read: the bytes in memory, else the
    # stored copy (unencrypted store: our own read-only copy, just written, so in the page
    # cache) or, in an encrypted store, the file where it came from again (the plaintext
    # is never written into the store).
    stored_copy: ImageSource = media.path_of(stored.sha256)
    if whole is not None:
        stored_copy = whole
    elif media.encrypted:
        stored_copy = path
    whole = None
    mime = sniff_type(bytes(head[:SNIFF_BYTES]))
    meta: Metadata | None = None
    ctime: CaptureTime | None = None
    if mime.startswith("image/") or is_av(mime):
        try:
            meta = _read_metadata(bytes(head), stored_copy, stored.size)
            mime = meta.type
            warnings.extend(meta.warnings)
            raw = meta.raw_time
            if raw.local is not None or raw.gps_utc is not None or raw.utc is not None:
                ctime = resolve_time(raw, meta.position, corrections, meta.camera)
                warnings.extend(ctime.notes)
        except Exception as exc:  # a reader bug costs this file's metadata, not the file
            warnings.append(f"metadata could not be read: {exc!r}"[:300])
            meta = None
        if thumbnails and (mime in PILLOW_SIZED or mime in RAW_TYPES or is_av(mime)):
            try:
                _thumbnail(
                    stored_copy,
                    stored.sha256,
                    cache_dir,
                    mime,
                    meta,
                    head,
                    fast,
                    warnings,
                    media,
                )
            except OSError as exc:  # only a full disk comes out of it
                sha = stored.sha256 if stored.new else None
                return Rejected(shown, f"disk full: {exc.strerror}", True, sha)
    elif path.suffix.casefold() in IMAGE_SUFFIXES:
        warnings.append(
            f"named {path.suffix} but the content is {mime}, not an image; kept as it is"
        )

    file_name, file_name_bytes = display_name(path.name)
    if file_name_bytes is not None:
        warnings.append(
            f"the file name is not UTF-8; recorded as {file_name!r} "
            "with its original bytes in file_name_bytes"
        )
    values: dict[str, Any] = {
        "sha256": stored.sha256,
        "file_name": file_name,
        "file_name_bytes": file_name_bytes,
        "size": stored.size,
        "mime": mime,
    }
    if meta is not None:
        values.update(
            width=meta.width,
            height=meta.height,
            make=meta.camera.make if meta.camera else None,
            model=meta.camera.model if meta.camera else None,
            serial=meta.camera.serial if meta.camera else None,
            lens=meta.lens,
            orientation=meta.orientation,
            duration_s=meta.duration_s,
        )
        if meta.position is not None:
            values.update(
                lat=meta.position.lat,
                lon=meta.position.lon,
                alt=meta.position.alt,
                direction=meta.position.direction,
                position_source=meta.position.source,
                position_accuracy_m=meta.position.accuracy_m,
            )
    if ctime is not None:
        values.update(
            captured_utc=ctime.utc,
            captured_local=ctime.local,
            captured_local_source=ctime.local_source,
            utc_offset=ctime.offset,
            time_source=ctime.source,
            gps_utc=ctime.gps_utc,
            clock_error_s=ctime.clock_error_s,
        )
    fields = _valid_fields(values, warnings)
    fields["warnings"] = list(dict.fromkeys(w for w in warnings if w.strip()))
    return Prepared(shown, stored.sha256, fields, tuple(fields["warnings"]), stored.new)


def _read_whole(source: BinaryIO, expected: int) -> bytes | None:
    """The file's bytes to its end, read in one go (a short read is continued); None,
    rewound, when there are more than its size said (it grows: it is streamed instead)."""
    parts: list[bytes] = []
    got = 0
    while got <= expected:  # at ``expected``, one more read must find the end
        block = source.read(expected + 1 - got)
        if not block:
            break
        parts.append(block)
        got += len(block)
    if got > expected:
        source.seek(0)
        return None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _thumbnail(
    stored_path: ImageSource,
    sha256: str,
    cache_dir: Path,
    mime: str,
    meta: Metadata | None,
    head: bytes | bytearray,
    fast: bool,
    warnings: list[str],
    media: MediaStore,
) -> None:
    """The thumbnail of a stored file; a photo or video that cannot be decoded is warned.

    With ``fast``, a photo's embedded preview (a JPEG's IFD1 thumbnail, a HEIC's ``thmb``
    item, a raw's largest JPEG preview: :mod:`fieldkit.previews`) is the thumbnail and the
    full decode check is left to :func:`fieldkit.thumbnails.check_pending` (the app runs it
    in the background).
    """
    cipher = media.cipher
    dest = thumbnail_path(cache_dir, sha256, THUMB_SIZE, cipher)
    if dest.exists():
        return
    orientation = meta.orientation if meta is not None else 1
    embedded: bytes | PILImage.Image | None = None
    if fast and mime == "image/jpeg":  # its thumbnail is in the head already read
        embedded = embedded_jpeg(io.BytesIO(bytes(head)), mime)
    elif fast and (mime in HEIF_FAMILY or mime in RAW_TYPES):
        embedded = embedded_preview(stored_path, mime)
    problem = None
    if embedded is not None:
        problem = thumbnail_problem(
            stored_path,
            dest,
            THUMB_SIZE,
            orientation=orientation,
            mime=mime,
            embedded=embedded,
            cipher=cipher,
            warnings=warnings,
        )
    if embedded is None or problem is not None:  # no preview, or one that does not decode
        problem = thumbnail_problem(
            stored_path,
            dest,
            THUMB_SIZE,
            orientation=orientation,
            mime=mime,
            cipher=cipher,
            warnings=warnings,
        )
    if problem is not None and mime in RAW_TYPES:
        warnings.append(RAW_WARNING.format(reason=problem))
    elif problem is not None:
        what = "video" if mime.startswith("video/") else "image"
        kept = "a placeholder thumbnail" if what == "video" else "no thumbnail"
        warnings.append(
            f"the {what} cannot be decoded ({problem}); the file is kept as it is, with {kept}"
        )


def _read_metadata(head: bytes, stored: ImageSource, size: int) -> Metadata:
    """Metadata from the head already read; from the stored copy if the head is not enough.

    The stored copy was just written, so it is in the page cache, and it is our own
    read-only copy: the original is still read only once.
    """
    if size <= len(head) or sniff_type(head) in _HEAD_ENOUGH:
        meta = read_metadata(head, size=size)
        if size <= len(head) or not any("truncated" in w for w in meta.warnings):
            return meta
    if not isinstance(stored, Path):
        return read_metadata(stored, size=size)
    with open(stored, "rb") as fh:
        return read_metadata(fh, size=size)


def _valid_fields(values: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Keep each value the record accepts; a wild EXIF value is dropped with a warning."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        try:
            out.update(records.validate(records.MEDIA, {name: value}, partial=True))
        except ValidationError as exc:
            warnings.append(f"{exc}; not recorded")
    if ("lat" in out) != ("lon" in out):
        for name in ("lat", "lon", "alt", "direction", "position_source", "position_accuracy_m"):
            out.pop(name, None)
        warnings.append("only one of latitude and longitude was usable; position not recorded")
    if "lat" not in out:
        out.pop("position_source", None)
    return out
