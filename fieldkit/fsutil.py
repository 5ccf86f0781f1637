"""Small file-system helpers shared by the writers of evidence (media, bundles, keys)."""

from __future__ import annotations

import os
from pathlib import Path


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
