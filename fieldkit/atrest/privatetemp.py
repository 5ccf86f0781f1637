"""A private folder for decrypted copies handed to outside programs; wiped on lock and exit.

Opening a photo in another program (an image editor, a video player) needs a plain file.
It goes to ``$XDG_RUNTIME_DIR`` where the session has one (a per-user tmpfs, 0700, in
RAM: nothing reaches the disk), else the system temp folder, in a folder of its own made
with mode 0700 and named ``fieldkit-open-<pid>-…``. :meth:`PrivateTemp.wipe` deletes it;
it runs on lock, on exit (``atexit``), and a later start removes the folders of
processes that died without wiping (a crash, a SIGKILL).

:func:`scratch_folder` is the same kind of folder for one piece of work that needs a
plain file for a moment: a ``.zip.age`` bundle decrypted for ``verify`` and ``import``
(a zip is read by random access, which age's stream does not give). It goes to
``$XDG_RUNTIME_DIR`` when that has room for it, else the system temp folder; it is
removed when the work ends, and by the next FieldKit process if this one was killed.

Deleting is not shredding: on an SSD or a journaling file system the blocks of a file
written to the system temp folder may survive; the README's threat model says so.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "fieldkit-open-"


def base_folder() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir() and os.access(runtime, os.W_OK):
        return Path(runtime)
    return Path(tempfile.gettempdir())


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # alive, but someone else's
    return True


def remove_stale(base: Path | None = None) -> int:
    """Remove folders left by FieldKit processes that are gone; returns how many."""
    base = base or base_folder()
    count = 0
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            if not entry.name.startswith(PREFIX) or not entry.is_dir() or entry.is_symlink():
                continue
            pid_text = entry.name[len(PREFIX) :].split("-", 1)[0]
            if pid_text.isdigit() and not _pid_alive(int(pid_text)):
                shutil.rmtree(entry, ignore_errors=True)
                count += 1
    return count


@contextlib.contextmanager
def scratch_folder(size_hint: int = 0) -> Iterator[Path]:
    """A 0700 folder, named like :class:`PrivateTemp`'s, removed when the block ends.

    ``size_hint`` (bytes) is what will be written: the in-memory ``$XDG_RUNTIME_DIR``
    is used only when it has that much free and 64 MiB to spare (a tmpfs that fills up
    would fail the work), else the system temp folder.
    """
    base = base_folder()
    try:
        roomy = shutil.disk_usage(base).free >= size_hint + (64 << 20)
    except OSError:
        roomy = False
    if not roomy:
        base = Path(tempfile.gettempdir())
    remove_stale(base)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class PrivateTemp:
    """One process's folder of decrypted copies (made when first needed)."""

    def __init__(self, base: Path | None = None) -> None:
        self._base = base
        self._path: Path | None = None
        atexit.register(self.wipe)

    @property
    def path(self) -> Path:
        if self._path is None or not self._path.is_dir():
            base = self._base or base_folder()
            remove_stale(base)
            # mkdtemp makes the folder 0700, owned by us, with a name nobody can predict.
            self._path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
        return self._path

    def new_file(self, name: str) -> Path:
        """A fresh path inside the folder for a file called ``name`` (made safe)."""
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:120] or "file"
        sub = Path(tempfile.mkdtemp(dir=self.path))
        return sub / safe.lstrip(".")

    def wipe(self) -> None:
        """Delete every decrypted copy; safe to call any number of times."""
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None


__all__ = ["PREFIX", "PrivateTemp", "base_folder", "remove_stale", "scratch_folder"]
