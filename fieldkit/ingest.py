"""Importing photos and other files as evidence: copy, hash, read metadata, record.

Each file is read once: it is streamed into the media store (hashed while copying, fsynced,
renamed to its SHA-256, made read-only) and the first block is kept for the metadata
reader. Workers in a thread pool do the copying, metadata and thumbnails and never touch
SQLite; the calling thread is the one writer and records the files in batches of
transactions (:data:`BATCH_FILES` files or :data:`BATCH_SECONDS`). The file is always
stored before its record is committed, so a crash loses at most the current batch and
never leaves a record without its file; bytes stored without a record are harmless (the
next import of the same file finds them and creates the record).

What happens to a file, by case (the policy; also in the README):

=====================================  =========================================
zero-byte file                          rejected: "empty file (0 bytes)" — nothing to keep
unreadable (permission denied, I/O      rejected, with the operating system's reason
error, vanished during the import)
not a regular file (FIFO, socket,       rejected: never opened, so an import cannot hang
device), broken symbolic link
same bytes already recorded             duplicate: not stored twice, still linked to the site
truncated or undecodable image          imported with a warning: partial evidence is evidence
corrupt or unreadable EXIF              imported with the reader's warnings
a name that claims an image but the     imported with a warning naming the real type
content is something else (text.jpg)
any other file (PDF, WAV, video)        imported; type from its content, never its name
hidden files and system junk inside     skipped (listed in ``skipped``), unless named
a folder (.DS_Store, Thumbs.db, ._*)    on the command line one by one
a symbolic link out of an imported      skipped: not followed (it may point anywhere)
folder, or to a folder
=====================================  =========================================

A file is never changed: it is opened read-only and only ever read.

Why about 600 lines: the pipeline (find the files, prepare each in a worker, record them
on the one writer) reads top to bottom and its stages share the outcome types; it is kept
whole while issues 9 and 12 change it, and is the next candidate for a package.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit import records
from fieldkit.atrest.database import OPERATIONAL_ERRORS, SQL_ERRORS
from fieldkit.errors import DiskFull, FieldkitError, MediaError, NotFound, ValidationError
from fieldkit.fsutil import display_name, display_path, is_disk_full, open_regular
from fieldkit.mediastore import MediaStore
from fieldkit.metadata import CameraCorrection, CaptureTime, Metadata, read_metadata, resolve_time
from fieldkit.metadata.av import is_av
from fieldkit.metadata.filetype import HEIF_FAMILY, PILLOW_SIZED, SNIFF_BYTES, sniff_type
from fieldkit.previews import RAW_TYPES, embedded_jpeg, embedded_preview
from fieldkit.problems import Problem
from fieldkit.progress import CancelToken, ProgressFn, Throttle
from fieldkit.store import Store
from fieldkit.thumbnails import (
    RAW_WARNING,
    THUMB_SIZE,
    ImageSource,
    thumbnail_path,
    thumbnail_problem,
)

if TYPE_CHECKING:
    from PIL import Image as PILImage

#: Commit after this many files ...
BATCH_FILES = 50
#: ... or after this many seconds, whichever comes first.
BATCH_SECONDS = 0.5
#: Bytes of the file's start kept for the metadata reader (a JPEG's EXIF is always
#: here); formats whose metadata may sit anywhere are read from the stored copy.
HEAD_BYTES = 1 << 20
#: In an encrypted store, photos up to this size are kept in memory while stored, so
#: their metadata and thumbnail need no second (decrypting) read.
KEEP_IN_MEMORY = 64 << 20
#: Types whose metadata comes before the image data, so the head holds it. WebP and PNG
#: may carry EXIF after the pixels (an EXIF chunk at the end, eXIf after IDAT).
_HEAD_ENOUGH = frozenset({"image/jpeg", "image/gif", "image/bmp"})

#: Names that operating systems scatter in folders; never evidence.
JUNK_NAMES = frozenset(
    {"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r", "zone.identifier"}
)
JUNK_DIRS = frozenset({"$recycle.bin", "system volume information", "__macosx"})
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

_OS_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the file disappeared during the import",
    errno.EIO: "input/output error (damaged medium?)",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENXIO: "not a regular file",
}


# --- the report --------------------------------------------------------------------------


@dataclass
class MediaImportReport:
    """What an import did, file by file. ``cancelled`` means the user stopped it early."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)  # code "rejected", path, message
    skipped: list[Problem] = field(default_factory=list)  # code "skipped": junk, links out
    cancelled: bool = False
    total: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [p.to_json() for p in self.rejected],
            "skipped": [p.to_json() for p in self.skipped],
            "cancelled": self.cancelled,
            "total": self.total,
            "counts": {
                "imported": len(self.imported),
                "duplicates": len(self.duplicates),
                "rejected": len(self.rejected),
                "skipped": len(self.skipped),
                "with_warnings": sum(1 for i in self.imported if i["warnings"]),
            },
        }


# --- what a worker hands the writer ------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """A file stored in the media store with the fields of its record (no database yet)."""

    path: str
    sha256: str
    fields: dict[str, Any]
    warnings: tuple[str, ...]
    new: bool = True  # its bytes were stored by this import (removed if never recorded)


@dataclass(frozen=True)
class _Rejected:
    path: str
    reason: str
    disk_full: bool = False  # the disk filled while storing it: the import stops
    sha256: str | None = None  # bytes stored new before the disk filled (to remove)


_Outcome = _Prepared | _Rejected


# --- finding the files -------------------------------------------------------------------


def _is_junk(name: str) -> bool:
    return name.startswith(".") or name.casefold() in JUNK_NAMES


def _inside(root: Path, target: Path) -> bool:
    # commonpath, not startswith: "/a/photos-evil" is not inside "/a/photos".
    try:
        return os.path.commonpath([str(root), str(target)]) == str(root)
    except ValueError:
        return False


def collect_files(
    paths: Sequence[Path],
) -> tuple[list[Path], list[Problem], list[Problem]]:
    """The files to import, those refused before reading, and those skipped as junk.

    Folders are walked recursively in name order. Raises :class:`MediaError` when a path
    given does not exist (before anything is imported).
    """
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise MediaError(f"no such file or folder: {', '.join(missing)}")
    files: list[Path] = []
    rejected: list[Problem] = []
    skipped: list[Problem] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = Path(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            files.append(path)

    for given in paths:
        given = Path(given)
        if given.is_dir():
            _walk(given, add, rejected, skipped)
        elif os.path.islink(given) and not given.exists():
            rejected.append(
                Problem("rejected", path=display_path(given), message="broken symbolic link")
            )
        else:
            add(given)  # named one by one: imported even if hidden
    return files, rejected, skipped


def _walk(
    top: Path,
    add: Callable[[Path], None],
    rejected: list[Problem],
    skipped: list[Problem],
) -> None:
    root = Path(os.path.realpath(top))

    def onerror(exc: OSError) -> None:
        rejected.append(
            Problem(
                "rejected",
                path=display_path(str(exc.filename)),
                message=f"folder unreadable: {_reason(exc)}",
            )
        )

    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if _is_junk(d) or d.casefold() in JUNK_DIRS:
                skipped.append(
                    Problem("skipped", path=display_path(sub), message="hidden or system folder")
                )
            elif sub.is_symlink():
                skipped.append(
                    Problem(
                        "skipped",
                        "symbolic link to a folder (not followed)",
                        path=display_path(sub),
                    )
                )
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = here / name
            if _is_junk(name):
                skipped.append(
                    Problem("skipped", path=display_path(path), message="hidden or system file")
                )
                continue
            if path.is_symlink():
                target = Path(os.path.realpath(path))
                if not target.exists():
                    rejected.append(
                        Problem("rejected", path=display_path(path), message="broken symbolic link")
                    )
                    continue
                if not _inside(root, target):
                    skipped.append(
                        Problem(
                            "skipped",
                            "symbolic link to outside the imported folder (not followed)",
                            path=display_path(path),
                        )
                    )
                    continue
            add(path)


# --- the worker: store the bytes, read the metadata, make a thumbnail ---------------------


def _reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def prepare_file(
    path: Path,
    media: MediaStore,
    cache_dir: Path,
    corrections: Sequence[CameraCorrection] = (),
    *,
    thumbnails: bool = True,
    fast: bool = False,
) -> _Outcome:
    """Store one file and work out its record's fields; runs in a worker, no database.

    Never raises for a bad file: the outcome says it was rejected and why. ``fast``: see
    :func:`import_media`'s ``fast_previews``.
    """
    shown = display_path(path)
    head = bytearray()
    # An encrypted store cannot re-read its copy cheaply, so a photo's bytes are kept
    # in memory while they are stored (up to a bound) for the metadata and thumbnail.
    whole: list[bytes] | None = [] if media.encrypted else None
    kept = 0

    def keep_head(block: bytes) -> None:
        nonlocal whole, kept
        if len(head) < HEAD_BYTES:
            head.extend(block[: HEAD_BYTES - len(head)])
        if whole is not None:
            whole.append(block)
            kept += len(block)
            if kept > KEEP_IN_MEMORY:
                whole = None

    try:
        source = open_regular(path)
    except MediaError as exc:
        return _Rejected(shown, str(exc))
    except OSError as exc:
        return _Rejected(shown, _reason(exc))
    try:
        with source:
            expected = os.fstat(source.fileno()).st_size
            if expected == 0:
                return _Rejected(shown, "empty file (0 bytes): nothing to keep")
            stored = media.put_stream(source, on_block=keep_head)
    except OSError as exc:
        if is_disk_full(exc):
            return _Rejected(shown, "disk full", disk_full=True)
        return _Rejected(shown, f"could not be read or stored: {_reason(exc)}")
    except FieldkitError as exc:
        return _Rejected(shown, str(exc))
    if stored.size == 0:
        return _Rejected(shown, "empty file (0 bytes): nothing to keep")

    warnings: list[str] = []
    if stored.size != expected:
        warnings.append(
            f"the file changed while it was read ({expected} bytes, then {stored.size}); "
            "the stored copy is what was read"
        )
    stored_copy: ImageSource = media.path_of(stored.sha256)
    if media.encrypted:
        stored_copy = b"".join(whole) if whole is not None else b""
    whole = None
    mime = sniff_type(bytes(head[:SNIFF_BYTES]))
    meta: Metadata | None = None
    ctime: CaptureTime | None = None
    if media.encrypted and not stored_copy:
        # Too big to keep in memory: read it again from where it came (the plaintext is
        # never written into the store).
        stored_copy = path
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
                return _Rejected(shown, f"disk full: {exc.strerror}", True, sha)
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
    return _Prepared(shown, stored.sha256, fields, tuple(fields["warnings"]), stored.new)


def _thumbnail(
    stored_path: ImageSource,
    sha256: str,
    cache_dir: Path,
    mime: str,
    meta: Metadata | None,
    head: bytearray,
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


# --- the writer --------------------------------------------------------------------------


class _Writer:
    """Records prepared files in batches; only this object touches the database."""

    def __init__(self, store: Store, site_id: str | None, report: MediaImportReport) -> None:
        self.store = store
        self.site_id = site_id
        self.report = report
        self.pending: list[_Outcome] = []
        self.started = time.monotonic()
        self.disk_full = False
        self.unrecorded: list[_Outcome] = []  # stored or tried, never recorded (disk full)

    def add(self, outcome: _Outcome) -> None:
        if self.disk_full:
            self.unrecorded.append(outcome)
            return
        self.pending.append(outcome)
        if isinstance(outcome, _Rejected) and outcome.disk_full:
            self.flush()  # commit what came before it; stop here
        elif len(self.pending) >= BATCH_FILES or time.monotonic() - self.started >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        self.started = time.monotonic()
        if not batch:
            return
        try:
            self._commit(batch)
        except (OSError, *OPERATIONAL_ERRORS) as exc:  # type: ignore[misc]
            if not is_disk_full(exc):
                raise
            # The transaction was rolled back: nothing of this batch is recorded.
            self.unrecorded.extend(batch)
            self.disk_full = True

    def _commit(self, batch: list[_Outcome]) -> None:
        if any(isinstance(o, _Rejected) and o.disk_full for o in batch):
            self.disk_full = True
        imported: list[dict[str, Any]] = []
        duplicates: list[dict[str, Any]] = []
        rejected: list[Problem] = []
        with self.store.transaction():
            for outcome in batch:
                if isinstance(outcome, _Rejected) and outcome.disk_full:
                    self.unrecorded.append(outcome)
                    continue
                if isinstance(outcome, _Rejected):
                    rejected.append(Problem("rejected", path=outcome.path, message=outcome.reason))
                    continue
                existing = self.store.find(
                    "media", where={"sha256": outcome.sha256}, include_retracted=True, limit=1
                )
                if existing:
                    record = existing[0]
                    entry = {"path": outcome.path, "id": record["id"], "sha256": outcome.sha256}
                    if record["retracted"]:
                        entry["note"] = "the existing record is retracted; not linked"
                    elif self.site_id:
                        self.store.link(record["id"], self.site_id)
                    duplicates.append(entry)
                    continue
                record = self._create(outcome)
                if self.site_id:
                    self.store.link(record["id"], self.site_id)
                imported.append(
                    {
                        "path": outcome.path,
                        "id": record["id"],
                        "sha256": outcome.sha256,
                        "warnings": record.get("warnings") or [],
                    }
                )
        # Only what is committed goes into the report.
        self.report.imported.extend(imported)
        self.report.duplicates.extend(duplicates)
        self.report.rejected.extend(rejected)

    def _create(self, outcome: _Prepared) -> dict[str, Any]:
        try:
            return self.store.create("media", outcome.fields)
        except ValidationError as exc:
            # Nothing was written for this record (validation precedes the append); keep
            # the evidence with the fields that cannot be wrong.
            minimal: dict[str, Any] = {
                k: outcome.fields[k]
                for k in ("sha256", "file_name", "file_name_bytes", "size", "mime")
                if k in outcome.fields
            }
            minimal["warnings"] = [*outcome.warnings, f"metadata not recorded: {exc}"]
            return self.store.create("media", minimal)


# --- the operation -----------------------------------------------------------------------


def camera_corrections(store: Store) -> list[CameraCorrection]:
    """The clock corrections the user entered (``camera`` records) for the metadata reader."""
    out = []
    for row in store.find("camera"):
        out.append(
            CameraCorrection(
                make=row.get("make"),
                model=row.get("model"),
                serial=row.get("serial"),
                clock_error_s=float(row.get("clock_error_s") or 0.0),
                utc_offset=row.get("utc_offset"),
                zone=row.get("zone"),
            )
        )
    return out


def default_workers() -> int:
    """Two per CPU, at most 8: workers wait on fsync and the disk as much as on the CPU."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def import_media(
    store: Store,
    paths: Sequence[Path],
    *,
    site_id: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    serial: bool = False,
    thumbnails: bool = True,
    fast_previews: bool = False,
) -> MediaImportReport:
    """Import files and folders into the store; returns what happened to each file.

    Raises before doing anything when a path does not exist or ``site_id`` names no site.
    Otherwise never raises for a bad file (it is rejected with a reason) nor for
    cancellation (``report.cancelled``): what finished stays, nothing is half-imported.
    ``serial`` does every step in the calling thread (tests, debugging).

    ``fast_previews``: a photo's embedded preview becomes its thumbnail and the full decode
    check (truncation, damage) is left pending for :func:`fieldkit.thumbnails.check_pending`,
    which the app runs in the background after the import; without it (the command line)
    every photo is decoded during the import and a broken one is warned in its record.
    """
    if site_id is not None:
        try:
            store.get(site_id, "site")
        except NotFound as exc:
            raise NotFound(f"--site: {exc}") from None
    files, rejected, skipped = collect_files([Path(p) for p in paths])
    report = MediaImportReport(rejected=rejected, skipped=skipped, total=len(files) + len(rejected))
    corrections = camera_corrections(store)
    writer = _Writer(store, site_id, report)
    throttle = Throttle(progress)
    total = len(files)
    cache_dir = store.cache_dir

    def work(path: Path) -> _Outcome:
        return prepare_file(
            path, store.media, cache_dir, corrections, thumbnails=thumbnails, fast=fast_previews
        )

    done = 0
    throttle(0, total, "")
    stop = _Stop(cancel, writer)
    if serial:
        for path in files:
            if stop.cancelled:
                report.cancelled = not writer.disk_full
                break
            writer.add(work(path))
            done += 1
            throttle(done, total, display_path(path.name))
    else:
        for outcome, path in _parallel(work, files, workers or default_workers(), stop):
            writer.add(outcome)
            done += 1
            throttle(done, total, display_path(path.name))
        report.cancelled = cancel is not None and cancel.cancelled and done < total
    writer.flush()
    if writer.disk_full:
        _remove_unrecorded(store, writer.unrecorded)
        missing = total - done + len(writer.unrecorded)
        raise DiskFull(
            f"disk full: {missing} files not imported; nothing half-made "
            f"({len(report.imported) + len(report.duplicates)} recorded before it filled)",
            report=report,
        )
    return report


class _Stop:
    """Cancelled by the user, or by a full disk (then no further file is started)."""

    def __init__(self, cancel: CancelToken | None, writer: _Writer) -> None:
        self._cancel = cancel
        self._writer = writer

    @property
    def cancelled(self) -> bool:
        return self._writer.disk_full or (self._cancel is not None and self._cancel.cancelled)


def _remove_unrecorded(store: Store, outcomes: Sequence[_Outcome]) -> None:
    """Remove what this import stored but never recorded: the originals it added new
    (unless a record now names them: another process may have stored the same bytes)
    and their thumbnails. Runs on the disk-full path, so it only frees space."""
    for outcome in outcomes:
        sha = outcome.sha256 if isinstance(outcome, _Prepared) and outcome.new else None
        if isinstance(outcome, _Rejected):
            sha = outcome.sha256
        if sha is None:
            continue
        with contextlib.suppress(OSError, FieldkitError, *SQL_ERRORS):
            thumbnail_path(store.cache_dir, sha, THUMB_SIZE, store.media.cipher).unlink(
                missing_ok=True
            )
            if store.find("media", where={"sha256": sha}, include_retracted=True, limit=1):
                continue
            path = store.media.path_of(sha)
            with contextlib.suppress(OSError):
                os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)  # Windows: read-only blocks unlink
            path.unlink(missing_ok=True)


def _parallel(
    work: Callable[[Path], _Outcome],
    files: Sequence[Path],
    workers: int,
    cancel: CancelToken | _Stop | None,
) -> Iterator[tuple[_Outcome, Path]]:
    """Results in file order, with at most ``2 × workers`` files in flight (flat memory)."""
    window = max(1, workers * 2)
    pending: deque[tuple[Future[_Outcome], Path]] = deque()
    todo = iter(files)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldkit-import") as pool:
        try:
            while True:
                while len(pending) < window and not (cancel is not None and cancel.cancelled):
                    path = next(todo, None)
                    if path is None:
                        break
                    pending.append((pool.submit(work, path), path))
                if not pending:
                    return
                future, path = pending.popleft()
                if cancel is not None and cancel.cancelled and future.cancel():
                    continue  # never started: nothing of it exists
                yield future.result(), path
        finally:
            # On cancellation or an error in the writer, files not started are dropped;
            # those running finish storing their bytes (harmless without a record).
            for future, _ in pending:
                future.cancel()


__all__ = [
    "BATCH_FILES",
    "BATCH_SECONDS",
    "MediaImportReport",
    "camera_corrections",
    "collect_files",
    "import_media",
    "prepare_file",
]
