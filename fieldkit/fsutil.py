"""Small file-system helpers shared by the writers of evidence (media, bundles, keys)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, cast

from fieldkit.errors import MediaError


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries, so a file renamed into it survives a power cut.

    Best effort: some file systems (and non-POSIX systems) refuse to open or sync a
    folder; the file's own fsync has happened before this is called.
    """
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _kind_of_special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def open_regular(path: Path, *, buffering: int = 0) -> BinaryIO:
    """Open read-only without blocking on a FIFO; refuse anything but a regular file.

    A plain ``open`` of a FIFO waits forever for a writer: one stray FIFO in a folder
    would hang a whole import or inspection. Raises :class:`MediaError` for a FIFO,
    socket, device or folder, and ``OSError`` as ``open`` would.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise MediaError(f"not a regular file ({_kind_of_special(mode)})")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return cast(BinaryIO, os.fdopen(fd, "rb", buffering=buffering))
    except BaseException:
        os.close(fd)
        raise
