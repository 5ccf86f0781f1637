"""Inspecting one file on disk: hash, size, type and metadata, without importing it."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from fieldkit.errors import MediaError
from fieldkit.fsutil import open_regular
from fieldkit.metadata.capture_time import resolve_time
from fieldkit.metadata.model import CameraCorrection, MediaInfo
from fieldkit.metadata.reading import read_metadata

#: Whole files are hashed in blocks of this size: never the whole file in memory.
HASH_BLOCK = 1024 * 1024


def sha256_stream(fh: BinaryIO) -> tuple[str, int]:
    """SHA-256 and byte count of a whole file, read in 1 MiB blocks from its start."""
    digest = hashlib.sha256()
    size = 0
    fh.seek(0)
    while block := fh.read(HASH_BLOCK):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def _os_error(exc: OSError) -> str:
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOENT: "no such file",
        errno.EISDIR: "is a directory",
        errno.ELOOP: "too many symbolic links",
    }
    reason = reasons.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).lower()
    return reason


def inspect_file(
    path: Path,
    *,
    corrections: Sequence[CameraCorrection] = (),
    sha256: str | None = None,
) -> MediaInfo:
    """What a file says about itself. Never raises for bad content or an unreadable file.

    An unreadable file gives ``error`` (e.g. "permission denied") and None elsewhere; a
    damaged one gives what could be read and ``warnings``. ``sha256`` skips hashing when
    the caller already has it (the importer hashes while copying).
    """
    name = str(path)
    try:
        if path.is_dir():
            return MediaInfo(name, None, None, None, error="is a directory")
        with open_regular(path, buffering=-1) as fh:
            size = os.fstat(fh.fileno()).st_size
            if sha256 is None:
                sha256, size = sha256_stream(fh)
            meta = read_metadata(fh, size=size)
    except OSError as exc:
        return MediaInfo(name, None, None, None, error=_os_error(exc))
    except MediaError as exc:  # a FIFO, socket or device: nothing to read
        return MediaInfo(name, None, None, None, error=str(exc))
    except Exception as exc:  # a reader bug must cost one file, not the whole run
        return MediaInfo(name, None, None, None, error=f"metadata reader failed: {exc!r}")
    time = None
    warnings = list(meta.warnings)
    raw = meta.raw_time
    if raw.local is not None or raw.gps_utc is not None or raw.utc is not None:
        time = resolve_time(meta.raw_time, meta.position, corrections, meta.camera)
        warnings.extend(time.notes)
    return MediaInfo(
        path=name,
        sha256=sha256,
        size=size,
        type=meta.type,
        error=None,
        warnings=tuple(warnings),
        position=meta.position,
        time=time,
        camera=meta.camera,
        orientation=meta.orientation,
        width=meta.width,
        height=meta.height,
        lens=meta.lens,
        duration_s=meta.duration_s,
    )
