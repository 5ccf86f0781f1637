"""Small file-system helpers shared by the writers of evidence (media, bundles, keys)."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from contextlib import suppress
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


_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def is_disk_full(exc: BaseException, _depth: int = 0) -> bool:
    """Whether ``exc`` says the disk or quota is full: ENOSPC/EDQUOT from the OS, or
    SQLite's SQLITE_FULL ("database or disk is full", sqlite.org/rescode.html#full), also
    when wrapped (age's ``pyrage.EncryptError`` carries the OS error only in its text)."""
    for inner in (exc.__cause__, exc.__context__):
        if inner is not None and _depth < 8 and is_disk_full(inner, _depth + 1):
            return True
    if not isinstance(exc, OSError | sqlite3.OperationalError) and any(
        text in str(exc) for text in ("No space left on device", "Disk quota exceeded")
    ):
        return True
    if isinstance(exc, OSError):
        return exc.errno in _FULL_ERRNOS
    # sqlite3's, or SQLCipher's own OperationalError (an encrypted store): same codes.
    if isinstance(exc, sqlite3.OperationalError) or type(exc).__name__ == "OperationalError":
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc)
    return False


def display_name(name: str) -> tuple[str, str | None]:
    """A file name as safe UTF-8 text, and the original bytes (hex) when they were not UTF-8.

    POSIX names are bytes; Python turns the bytes that are not UTF-8 into lone surrogates
    (PEP 383), which no UTF-8 text (JSON, SQLite, a terminal) can hold. Such a name is
    shown with each bad byte escaped (``caf\\xe9.jpg``) and its exact bytes are kept, so
    the original is recoverable: ``bytes.fromhex(raw)``.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        return raw.decode("utf-8", "backslashreplace"), raw.hex()
    return name, None


def display_path(path: Path | str) -> str:
    """``str(path)`` that is always valid UTF-8 (see :func:`display_name`)."""
    return display_name(str(path))[0]


def owned_temp_prefix(prefix: str) -> str:
    """``prefix`` plus this process's pid: ``.incoming-<pid>-``; the rest is random."""
    return f"{prefix}{os.getpid()}-"


def lock_temp(fd: int) -> None:
    """Take an exclusive advisory lock (``flock``) on a temp file being written.

    The lock lives as long as the file is open in this process and dies with it, so a
    cleaner can tell a temp file in use from one left by a crash. POSIX only; on Windows a
    file open in another process cannot be deleted at all, which protects it the same way.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        return
    with suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False  # Windows: unlink itself fails on a file another process holds open
    try:
        os.kill(pid, 0)  # signal 0: existence check only, nothing is sent
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def temp_is_abandoned(path: Path, prefix: str) -> bool:
    """Whether a temp file ``<prefix><pid>-…`` was provably left by a process that died.

    Both must hold: the pid recorded in its name is not running (or is not parseable: a
    temp file of an older FieldKit, which wrote no pid, is abandoned only if nobody holds
    its lock), and its ``flock`` is free (the writer holds it while writing). A reused pid
    can only make us keep a file longer, never remove one in use.
    """
    rest = path.name[len(prefix) :]
    pid_text, sep, _ = rest.partition("-")
    if sep and pid_text.isdigit() and _pid_alive(int(pid_text)):
        return False
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # someone is writing it
    finally:
        os.close(fd)
    return True


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
