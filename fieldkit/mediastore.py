"""Content-addressed storage of original files: ``media/<first two hex>/<sha256>``.

A file is copied to a temp file in ``media/tmp/``, hashed while copying (read once),
fsynced, then renamed to its hash and made read-only. Any file type is accepted. The
same bytes are stored once. A crash leaves at most a temp file, removed on a later open
only when it is provably abandoned (:func:`fieldkit.fsutil.temp_is_abandoned`: its
writer's pid, recorded in its name, is gone and nobody holds its lock), never because a
second process opened the store while this one was writing.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fieldkit.canonical import is_sha256
from fieldkit.errors import MediaError
from fieldkit.fsutil import fsync_dir, lock_temp, owned_temp_prefix, temp_is_abandoned

BLOCK = 1 << 20
TEMP_PREFIX = ".incoming-"


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    new: bool  # False when the same bytes were already stored


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise MediaError(f"{sha256!r} is not a SHA-256")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def remove_orphan_temps(self) -> int:
        """Remove temp files whose writer provably died (crash); returns how many.

        A temp file of a live process (another import, in this or another process) is
        left alone: see :func:`fieldkit.fsutil.temp_is_abandoned`.
        """
        if not self.tmp.is_dir():
            return 0
        count = 0
        for entry in self.tmp.iterdir():
            if entry.name.startswith(TEMP_PREFIX) and temp_is_abandoned(entry, TEMP_PREFIX):
                entry.unlink(missing_ok=True)
                count += 1
        return count

    def put_stream(
        self,
        source: BinaryIO,
        *,
        expected_sha256: str | None = None,
        on_block: Callable[[bytes], None] | None = None,
    ) -> Stored:
        """Copy a stream into the store, hashing as it goes.

        ``on_block`` sees every block (so a caller can parse metadata from the first
        blocks without reading the file twice). With ``expected_sha256`` the bytes must
        hash to it or nothing is stored.
        """
        self.ensure()
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=owned_temp_prefix(TEMP_PREFIX), dir=self.tmp)
        tmp = Path(tmp_name)
        try:
            lock_temp(fd)  # held until the file is closed: it is in use, not abandoned
            with os.fdopen(fd, "wb") as out:
                while True:
                    block = source.read(BLOCK)
                    if not block:
                        break
                    digest.update(block)
                    size += len(block)
                    if on_block is not None:
                        on_block(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if expected_sha256 is not None and sha != expected_sha256:
                raise MediaError(f"content hashes to {sha}, not the expected {expected_sha256}")
            final = self.path_of(sha)
            if final.exists():
                tmp.unlink()
                return Stored(sha, size, new=False)
            final.parent.mkdir(exist_ok=True)
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, final)
            fsync_dir(final.parent)
            return Stored(sha, size, new=True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_file(self, path: Path, *, on_block: Callable[[bytes], None] | None = None) -> Stored:
        try:
            with open(path, "rb") as source:
                return self.put_stream(source, on_block=on_block)
        except OSError as exc:
            raise MediaError(f"{path}: {exc.strerror or exc}") from exc

    def put_bytes(self, data: bytes) -> Stored:
        import io

        return self.put_stream(io.BytesIO(data))

    def check(self, sha256: str) -> bool:
        """Re-hash a stored file; True if it still has the bytes its name says."""
        path = self.path_of(sha256)
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(BLOCK):
                digest.update(block)
        return digest.hexdigest() == sha256
