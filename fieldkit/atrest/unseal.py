"""Decrypting many sealed files in a helper process, for a long copy-out (an export).

pyrage holds Python's GIL for as long as it decrypts, so in one process the decryption
and everything else the copy does (the SHA-256 check, the writes, the next read) take
turns on one core, however many threads share the work. An :class:`Unsealer` runs the
decryption in a helper process (:mod:`fieldkit.atrest.unseal_child`, started with the
same Python) on another core, and hands the plaintext back through a pipe; the copying
process then does what it does for an unencrypted store, reading, hashing and
writing, and the two overlap.

The helper receives the store's age identity on its standard input, never on its
command line or in its environment, decrypts the files in the order it was given
(ahead of the reader, as far as the pipe holds), and is killed by :meth:`Unsealer.close`
(on success, error or cancel alike). Nothing is written to disk by the helper. When it
cannot start, or starts without saying it is ready (:meth:`Unsealer.ready`), the caller
decrypts in-process, as for a small export.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from fieldkit.atrest.unseal_child import BLOCK, HEADER
from fieldkit.errors import MediaError

CHILD = Path(__file__).with_name("unseal_child.py")
#: The pipe buffer asked for on Linux (``F_SETPIPE_SZ``): one whole frame in flight.
PIPE_BYTES = 1 << 20


class Unsealer:
    """Streams the plaintext of ``paths`` (sealed files, in this order) from a helper.

    Raises ``OSError`` when the helper cannot be started (the caller may then decrypt
    in-process). Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, identity_text: str, paths: Sequence[Path]) -> None:
        self._paths = [Path(p) for p in paths]
        self._next = 0
        self._broken = False
        self._proc = subprocess.Popen(  # our own script, run by our own Python
            # -P: the script's folder is not put first on sys.path (no module of ours can
            # stand in for one of the standard library); PYTHONPATH still finds pyrage.
            [sys.executable, "-P", str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # Windows: no console
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._out: IO[bytes] = self._proc.stdout
        _grow_pipe(self._out)
        lines = [identity_text.encode("ascii") + b"\n"]
        lines += [json.dumps(str(p)).encode("ascii") + b"\n" for p in self._paths]
        self._feeder = threading.Thread(
            target=_feed, args=(self._proc.stdin, lines), name="fieldkit-unseal-feed", daemon=True
        )
        self._feeder.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        """The helper's exit status once it has stopped, else None."""
        return self._proc.poll()

    def __enter__(self) -> Unsealer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ready(self) -> bool:
        """Wait for the helper to say it is ready (pyrage imported, the identity read).

        False, with the helper stopped, when it did not start properly (no pyrage for
        this Python, say): the caller then decrypts in-process.
        """
        try:
            ok = self._read(HEADER.size) == HEADER.pack(b"R", 0)
        except MediaError:
            ok = False
        if not ok:
            self.close()
        return ok

    def open_into(self, path: Path, write: Callable[[bytes], object]) -> None:
        """Push the plaintext of ``path``, the next file in the order given, to ``write``
        in blocks of at most 1 MiB (the :meth:`~fieldkit.atrest.cipher.FileCipher.open_into`
        contract).

        Raises ``ValueError`` for a path out of order, ``FileNotFoundError`` when the file
        is missing, :class:`MediaError` for a file that does not decrypt (after some
        blocks, perhaps: the caller discards them) or a helper that stopped. Whatever
        ``write`` raises propagates; after any error the unsealer is spent.
        """
        if self._broken:
            raise MediaError("the unsealing helper stopped after an earlier error")
        if self._next >= len(self._paths) or Path(path) != self._paths[self._next]:
            raise ValueError(f"{path} is not the next file this unsealer was given")
        self._next += 1
        self._broken = True  # until the file's end frame
        while True:
            kind, size = HEADER.unpack(self._read(HEADER.size))
            if size > 2 * BLOCK:  # a block is 1 MiB and one piece of pyrage's output
                raise MediaError(f"the unsealing helper sent a frame of {size} bytes")
            payload = self._read(size) if size else b""
            if kind == b"D":
                write(payload)
            elif kind == b"E":
                self._broken = False
                return
            elif kind == b"N":
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
            elif kind == b"X":
                reason = payload.decode("utf-8", "replace")
                raise MediaError(f"a sealed file does not decrypt (damaged or foreign): {reason}")
            else:
                raise MediaError(f"the unsealing helper sent an unknown frame {kind!r}")

    def _read(self, n: int) -> bytes:
        data = self._out.read(n)  # a buffered read: loops until n bytes or the end
        if len(data) != n:
            code = self._proc.wait()
            raise MediaError(f"the unsealing helper process stopped (exit status {code})")
        return data

    def close(self) -> None:
        """Stop the helper (idempotent) and release its pipes."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._feeder.join()
        assert self._proc.stdin is not None
        for pipe in (self._proc.stdin, self._out):
            with contextlib.suppress(OSError):  # a write end the helper never drained
                pipe.close()


def _feed(pipe: IO[bytes], lines: list[bytes]) -> None:
    with contextlib.suppress(OSError):  # the helper was stopped before it read everything
        for line in lines:
            pipe.write(line)
        pipe.close()


def _grow_pipe(pipe: IO[bytes]) -> None:
    """Ask Linux for a 1 MiB pipe (64 KiB by default): the helper can then decrypt a
    whole block ahead while this process hashes and writes the one before."""
    if sys.platform != "linux":
        return
    import fcntl

    with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: the default
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
