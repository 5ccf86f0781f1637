"""Where a bundle's bytes come from: a bag folder or a zip, walked or listed safely.

A source lists its files (bag path -> size) with the problems found while listing
(unsafe names, links, bounds) and reads a file as blocks of at most ``bag.BLOCK`` bytes.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fieldkit.bundle.bag import BLOCK, MAX_MANIFEST_LINES, unsafe_path_reason
from fieldkit.bundle.zippolicy import ZipReader, is_archiver_file
from fieldkit.problems import Problem


class Source:
    label: str
    files: dict[str, int]
    problems: list[Problem]
    warnings: list[Problem]

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        raise NotImplementedError

    def hash_file(self, rel: str, on_block: Callable[[int], None]) -> str:
        """The file's SHA-256, read whole in blocks; ``on_block(n)`` after each (may raise)."""
        digest = hashlib.sha256()
        for block in self.read_blocks(rel):
            digest.update(block)
            on_block(len(block))
        return digest.hexdigest()

    def order(self, rels: list[str]) -> list[str]:
        return rels

    def close(self) -> None:
        return None


class FolderSource(Source):
    """A bag folder, walked without following links; unsafe entries are problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = os.fspath(root)
        self._buffers = threading.local()  # one reusable block buffer per hashing thread
        self.label = root.name
        self.files = {}
        self.problems = []
        self.warnings = []
        self.ignored: list[str] = []  # .DS_Store, Thumbs.db, __MACOSX/: not read
        self._walk(root, "")
        if self.ignored:
            shown = ", ".join(self.ignored[:5]) + (" …" if len(self.ignored) > 5 else "")
            self.warnings.append(
                Problem(
                    "ignored",
                    f"{len(self.ignored)} file(s) an archiver or file browser added were "
                    f"ignored (not read): {shown}",
                    path=self.label,
                )
            )

    def _walk(self, folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.problems.append(
                Problem("read", f"cannot list: {exc.strerror}", path=prefix or ".")
            )
            return
        for entry in entries:
            try:
                entry.name.encode("utf-8")
                name = entry.name
            except UnicodeEncodeError:
                shown = os.fsencode(entry.name).decode("utf-8", "replace")
                self.problems.append(
                    Problem("unsafe-path", "the file name is not UTF-8", path=prefix + shown)
                )
                continue
            rel = prefix + name
            # The same rule as a zip's names: a control or bidi character, a backslash…
            reason = unsafe_path_reason(rel)
            if reason is not None:
                self.problems.append(Problem("unsafe-path", f"{reason}", path=rel))
                continue
            if is_archiver_file(rel):
                self.ignored.append(rel)
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                self.problems.append(Problem("read", f"cannot stat: {exc.strerror}", path=rel))
                continue
            if stat.S_ISLNK(st.st_mode):
                self.problems.append(
                    Problem("unsafe-path", "a symbolic link (not followed)", path=rel)
                )
            elif stat.S_ISDIR(st.st_mode):
                self._walk(Path(entry.path), rel + "/")
            elif stat.S_ISREG(st.st_mode):
                if len(self.files) >= MAX_MANIFEST_LINES + 1000:
                    self.problems.append(Problem("bounds", "too many files in the bag", path=rel))
                    return
                self.files[rel] = st.st_size
            else:
                self.problems.append(
                    Problem("unsafe-path", "not a regular file (device, pipe or socket)", path=rel)
                )

    def _open(self, rel: str) -> Any:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(os.path.join(self._root, rel), flags)
        f = os.fdopen(fd, "rb", buffering=0)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            f.close()
            raise OSError(f"{rel} is no longer a regular file")
        return f

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        with self._open(rel) as f:
            while block := f.read(BLOCK):
                yield block

    def hash_file(self, rel: str, on_block: Callable[[int], None]) -> str:
        # Into one buffer per thread: no 1 MiB allocation per block, no Python bytes.
        buf = getattr(self._buffers, "buf", None)
        if buf is None:
            buf = self._buffers.buf = bytearray(BLOCK)
        view = memoryview(buf)
        digest = hashlib.sha256()
        with self._open(rel) as f:
            while n := f.readinto(buf):
                digest.update(view[:n] if n < BLOCK else view)
                on_block(n)
        return digest.hexdigest()


class ZipSource(Source):
    """A zip from any tool, read under the hostile-zip policy (:mod:`.zippolicy`)."""

    def __init__(self, path: Path, label: str | None = None) -> None:
        self.zip = ZipReader(path, label)
        self.label = self.zip.label
        self.problems = list(self.zip.problems)
        self.warnings = list(self.zip.warnings)
        self.refused = self.zip.refused
        self.files = {} if self.refused else {r: e.file_size for r, e in self.zip.entries.items()}

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        return self.zip.read_blocks(rel)

    def order(self, rels: list[str]) -> list[str]:
        return self.zip.order(rels)

    def close(self) -> None:
        self.zip.close()
