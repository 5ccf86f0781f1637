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
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from fieldkit.atrest.unseal_child import BLOCK, HEADER
from fieldkit.errors import MediaError

CHILD = Path(__file__).with_name("unseal_child.py")
#: How often a caller waiting for the helper's next block may cancel (seconds).
IDLE_SECONDS = 0.2
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
            env=_child_environment(),
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
        # Frames are read on a thread, so a caller waiting for the next one can still be
        # cancelled (a blocking pipe read cannot be interrupted, on Windows not even by
        # Ctrl+C): see IDLE_SECONDS.
        self._frames: queue.Queue[tuple[bytes, bytes] | None] = queue.Queue(maxsize=4)
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read_frames, name="fieldkit-unseal-read")
        self._reader.daemon = True
        self._reader.start()

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

    def ready(self, idle: Callable[[], None] | None = None) -> bool:
        """Wait for the helper to say it is ready (pyrage imported, the identity read).

        False, with the helper stopped, when it did not start properly (no pyrage for
        this Python, say): the caller then decrypts in-process. ``idle`` as for
        :meth:`open_into`.
        """
        try:
            ok = self._next_frame(idle) == (b"R", b"")
        except MediaError:
            ok = False
        if not ok:
            self.close()
        return ok

    def open_into(
        self,
        path: Path,
        write: Callable[[bytes], object],
        idle: Callable[[], None] | None = None,
    ) -> None:
        """Push the plaintext of ``path``, the next file in the order given, to ``write``
        in blocks of at most 1 MiB (the :meth:`~fieldkit.atrest.cipher.FileCipher.open_into`
        contract). ``idle()`` is called every :data:`IDLE_SECONDS` while no block comes:
        a cancel it raises stops the wait.

        Raises ``ValueError`` for a path out of order, ``FileNotFoundError`` or another
        ``OSError`` when the file cannot be read (as in-process), :class:`MediaError` for a
        file that does not decrypt (after some blocks, perhaps: the caller discards them)
        or a helper that stopped. Whatever ``write`` or ``idle`` raise propagates; after
        any error the unsealer is spent.
        """
        if self._broken:
            raise MediaError("the unsealing helper stopped after an earlier error")
        if self._next >= len(self._paths) or Path(path) != self._paths[self._next]:
            raise ValueError(f"{path} is not the next file this unsealer was given")
        self._next += 1
        self._broken = True  # until the file's end frame
        while True:
            kind, payload = self._next_frame(idle)
            if kind == b"D":
                write(payload)
            elif kind == b"E":
                self._broken = False
                return
            elif kind == b"O":
                code, _, reason = payload.decode("utf-8", "replace").partition(" ")
                raise OSError(int(code) if code.isdigit() else errno.EIO, reason, str(path))
            elif kind == b"X":
                reason = payload.decode("utf-8", "replace")
                raise MediaError(f"a sealed file does not decrypt (damaged or foreign): {reason}")
            else:
                raise MediaError(f"the unsealing helper sent an unknown frame {kind!r}")

    def _next_frame(self, idle: Callable[[], None] | None) -> tuple[bytes, bytes]:
        while True:
            try:
                frame = self._frames.get(timeout=IDLE_SECONDS)
                break
            except queue.Empty:
                if idle is not None:
                    idle()
        if frame is None:
            code = self._proc.wait()
            raise MediaError(f"the unsealing helper process stopped (exit status {code})")
        return frame

    def _read_frames(self) -> None:
        """The reader thread: whole frames into the queue; None at the end or on nonsense."""
        try:
            while not self._stop.is_set():
                header = self._out.read(HEADER.size)  # buffered: loops until n bytes or EOF
                if len(header) != HEADER.size:
                    break
                kind, size = HEADER.unpack(header)
                if size > 2 * BLOCK:  # a block is 1 MiB and one piece of pyrage's output
                    break
                payload = self._out.read(size) if size else b""
                if len(payload) != size:
                    break
                self._put((kind, payload))
        except (OSError, ValueError):  # the pipe was closed under us: close() runs
            pass
        self._put(None)

    def _put(self, frame: tuple[bytes, bytes] | None) -> None:
        while not self._stop.is_set():
            try:
                self._frames.put(frame, timeout=IDLE_SECONDS)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Stop the helper (idempotent) and release its pipes and threads."""
        self._stop.set()
        if self._proc.poll() is None:
            self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)
        for thread in (self._feeder, self._reader):
            thread.join(timeout=10)  # both end at the helper's end; never wait forever
        assert self._proc.stdin is not None
        for pipe in (self._proc.stdin, self._out):
            with contextlib.suppress(OSError):  # a write end the helper never drained
                pipe.close()


def _child_environment() -> dict[str, str]:
    """The helper's environment: ours, without a passphrase a command was given
    (``FIELDKIT_PASSPHRASE``, ``FIELDKIT_NEW_PASSPHRASE``): it gets the age identity only."""
    return {k: v for k, v in os.environ.items() if "PASSPHRASE" not in k.upper()}


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
