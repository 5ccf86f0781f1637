"""Finding the files to import: folders walked, junk skipped, links not followed.

Decides which files an import reads (hidden files and system junk inside a folder are
skipped, symbolic links out of the imported folder or to a folder are not followed, broken
links are rejected) and how an operating system error is put to the user
(:func:`os_reason`).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from fieldkit.errors import MediaError
from fieldkit.fsutil import display_path
from fieldkit.problems import Problem

#: Names that operating systems scatter in folders; never evidence.
JUNK_NAMES = frozenset(
    {"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r", "zone.identifier"}
)
JUNK_DIRS = frozenset({"$recycle.bin", "system volume information", "__macosx"})


_OS_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the file disappeared during the import",
    errno.EIO: "input/output error (damaged medium?)",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENXIO: "not a regular file",
}


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
                message=f"folder unreadable: {os_reason(exc)}",
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


def os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
