"""Sealing the store's files: age v1 to the store's own recipient, or plain.

:class:`AgeCipher` writes every file as a standard age file (age-encryption.org/v1:
an X25519 stanza, then the payload in 64 KiB ChaCha20-Poly1305 chunks), streamed by
pyrage, so memory stays flat for a 4 GB video and the stock ``age`` tool decrypts it.
:class:`PlainCipher` is the same interface for a store made with ``--unencrypted``:
files as they are, named by their SHA-256.

Reading is sequential (age has no random access without its file key, which pyrage
does not expose). :meth:`FileCipher.open_into` pushes the opened content into a callback
in 1 MiB blocks on the calling thread (pyrage's ``decrypt_io`` writes straight into it:
no thread, no queue), the fast way to copy an original out; :meth:`FileCipher.reader`
gives a ``read(n)`` stream decrypted on a helper thread, for callers that must pull;
:meth:`FileCipher.open_bytes` decrypts a small file into memory for readers that seek
(Pillow, the EXIF reader).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, cast

import pyrage

from fieldkit.atrest.keyfile import StoreSecrets, keyed_name
from fieldkit.atrest.unseal import Unsealer
from fieldkit.errors import MediaError

#: The size of the blocks :meth:`FileCipher.open_into` hands on (bytes).
BLOCK = 1 << 20
#: The suffix of a sealed file on disk: says "age", nothing about the content.
AGE_SUFFIX = ".age"
_AGE_MAGIC = b"age-encryption.org/v1\n"


class FileCipher(Protocol):
    """How a store seals, opens and names its files."""

    encrypted: bool
    suffix: str

    def name(self, sha256: str) -> str:
        """The file name on disk for content with this SHA-256 (hex)."""
        ...

    def seal_stream(self, reader: BinaryIO, writer: BinaryIO) -> None:
        """Copy ``reader`` to ``writer`` sealed; ``reader.read(n)`` is called until b""."""
        ...

    def open_stream(self, reader: BinaryIO, writer: BinaryIO) -> None:
        """Copy sealed ``reader`` to ``writer`` opened; :class:`MediaError` if damaged."""
        ...

    def open_into(self, source: BinaryIO, write: Callable[[bytes], object]) -> None:
        """Push the opened content of ``source`` to ``write`` in blocks of at most
        :data:`BLOCK` bytes (none for empty content).

        Raises :class:`MediaError` for a sealed file that is damaged or foreign (possibly
        after some blocks were pushed: the caller discards them); whatever ``write``
        raises (a full disk, a cancel) propagates unchanged.
        """
        ...

    def seal(self, data: bytes) -> bytes: ...

    def open_bytes(self, data: bytes) -> bytes: ...

    def reader(self, source: BinaryIO) -> BinaryIO:
        """A sequential ``read(n)`` stream of the opened content of ``source``."""
        ...


class PlainCipher:
    """An unencrypted store: files as they are, named by their SHA-256."""

    encrypted = False
    suffix = ""

    def name(self, sha256: str) -> str:
        return sha256

    def seal_stream(self, reader: BinaryIO, writer: BinaryIO) -> None:
        while block := reader.read(1 << 20):
            writer.write(block)

    open_stream = seal_stream

    def open_into(self, source: BinaryIO, write: Callable[[bytes], object]) -> None:
        while block := source.read(BLOCK):
            write(block)

    def seal(self, data: bytes) -> bytes:
        return data

    def open_bytes(self, data: bytes) -> bytes:
        return data

    def reader(self, source: BinaryIO) -> BinaryIO:
        return source


PLAIN = PlainCipher()


class AgeCipher:
    """An encrypted store: age files to the store's recipient, keyed names."""

    encrypted = True
    suffix = AGE_SUFFIX

    def __init__(self, secrets: StoreSecrets) -> None:
        self.secrets = secrets

    def name(self, sha256: str) -> str:
        return keyed_name(self.secrets.names_key(), sha256) + AGE_SUFFIX

    def seal_stream(self, reader: BinaryIO, writer: BinaryIO) -> None:
        try:
            pyrage.encrypt_io(reader, writer, [self.secrets.recipient])
        except pyrage.EncryptError as exc:
            # pyrage carries the OS error only in its text; a full disk must stay an
            # OSError(ENOSPC) so every caller's disk-full path sees it.
            text = str(exc)
            for code in (errno.ENOSPC, errno.EDQUOT):
                if os.strerror(code) in text:
                    raise OSError(code, os.strerror(code)) from exc
            raise

    def open_stream(self, reader: BinaryIO, writer: BinaryIO) -> None:
        try:
            pyrage.decrypt_io(reader, writer, [self.secrets.identity])
        except (pyrage.DecryptError, OSError) as exc:  # pyrage reports a bad chunk as OSError
            raise MediaError(
                f"a sealed file does not decrypt (damaged or foreign): {exc}"
            ) from None

    def open_into(self, source: BinaryIO, write: Callable[[bytes], object]) -> None:
        blocks = _BlockWriter(write)
        try:
            pyrage.decrypt_io(source, blocks, [self.secrets.identity])
        except BaseException as exc:
            if blocks.error is not None:
                raise blocks.error from None  # the caller's own error, not a damaged file
            if isinstance(exc, pyrage.DecryptError | OSError):  # a bad chunk is an OSError
                raise MediaError(
                    f"a sealed file does not decrypt (damaged or foreign): {exc}"
                ) from None
            raise
        blocks.finish()

    def unsealer(self, paths: Sequence[Path]) -> Unsealer:
        """A helper process that decrypts ``paths`` (sealed files, in this order) on
        another core: :mod:`fieldkit.atrest.unseal`. ``OSError`` if it cannot start."""
        return Unsealer(str(self.secrets.identity), paths)

    def seal(self, data: bytes) -> bytes:
        return bytes(pyrage.encrypt(data, [self.secrets.recipient]))

    def open_bytes(self, data: bytes) -> bytes:
        if not data.startswith(_AGE_MAGIC):
            raise MediaError("a sealed file is not an age file (damaged, or written unencrypted)")
        try:
            return bytes(pyrage.decrypt(data, [self.secrets.identity]))
        except pyrage.DecryptError as exc:
            raise MediaError(
                f"a sealed file does not decrypt (damaged or foreign): {exc}"
            ) from None

    def reader(self, source: BinaryIO) -> BinaryIO:
        reader = _ThreadReader(lambda w: self.open_stream(source, w), source)  # type: ignore[arg-type]
        return cast(BinaryIO, reader)


class _BlockWriter:
    """The ``write`` end pyrage's ``decrypt_io`` pushes into (8 KiB at a time): gathers
    :data:`BLOCK`-byte blocks for ``write``, so hashing and writing the destination see
    few large blocks. Remembers what ``write`` raised: pyrage passes it through, and it
    must not be mistaken for a damaged file."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._parts: list[bytes] = []
        self._have = 0
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        n = len(data)
        self._parts.append(data)
        self._have += n
        if self._have >= BLOCK:
            self._push()
        return n

    def flush(self) -> None:
        pass  # pyrage flushes after each write; blocks are handed on when full

    def finish(self) -> None:
        """Hand on the last, partial block (after a successful, authenticated end)."""
        if self._have:
            self._push()

    def _push(self) -> None:
        block = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
        self._parts, self._have = [], 0
        try:
            self._write(block)
        except BaseException as exc:
            self.error = exc
            raise


class _QueueWriter:
    """The ``write`` end pyrage pushes into; bounded so memory stays flat."""

    def __init__(self, q: queue.Queue[bytes | BaseException | None], stop: threading.Event) -> None:
        self.q, self.stop = q, stop

    def write(self, data: bytes) -> int:
        if self.stop.is_set():
            raise _Stopped
        self.q.put(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


class _Stopped(Exception):
    pass


class _ThreadReader(io.RawIOBase):
    """Runs a push-style decryption on a thread and serves it as ``read(n)``."""

    def __init__(self, run: Callable[[_QueueWriter], None], source: BinaryIO) -> None:
        super().__init__()
        self._q: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=64)
        self._stop = threading.Event()
        self._buf = b""
        self._done = False
        self._source = source
        writer = _QueueWriter(self._q, self._stop)

        def work() -> None:
            try:
                run(writer)
            except _Stopped:
                return
            except BaseException as exc:
                self._q.put(exc)
                return
            self._q.put(None)

        self._thread = threading.Thread(target=work, name="fieldkit-decrypt", daemon=True)
        self._thread.start()

    def readable(self) -> bool:
        return True

    def _next(self) -> bytes:
        if self._done:
            return b""
        item = self._q.get()
        if item is None:
            self._done = True
            return b""
        if isinstance(item, BaseException):
            self._done = True
            raise item
        return item

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._buf]
            self._buf = b""
            while chunk := self._next():
                parts.append(chunk)
            return b"".join(parts)
        parts, have = [self._buf], len(self._buf)
        while have < size:
            chunk = self._next()
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        out, self._buf = data[:size], data[size:]
        return out

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            # Drain so a writer blocked on a full queue sees the stop flag.
            while self._thread.is_alive():
                with contextlib.suppress(queue.Empty):
                    self._q.get(timeout=0.05)
            self._source.close()
        super().close()


__all__ = ["AGE_SUFFIX", "PLAIN", "AgeCipher", "FileCipher", "PlainCipher"]
