"""Content-addressed storage of original files: ``media/<first two hex>/<name>``.

A file is copied to a temp file in ``media/tmp/``, hashed while copying (read once:
streamed, or whole from memory with :meth:`MediaStore.put_data`), fsynced, then renamed
to its name and made read-only. Any file type is accepted. The same bytes are stored
once. A crash leaves at most a temp file, removed on a later open
only when it is provably abandoned (:func:`fieldkit.fsutil.temp_is_abandoned`: its
writer's pid, recorded in its name, is gone and nobody holds its lock), never because a
second process opened the store while this one was writing.

In an encrypted store the temp file and the stored file are age files to the store's
own recipient (sealed while copying: the plaintext never touches the disk), named
``HMAC-SHA256(names key, sha256) + ".age"``; in an unencrypted store the file is kept as
it is under its SHA-256. Either way the SHA-256 of the original bytes is the evidence
hash, and reading an original goes through :meth:`MediaStore.stream_original` (copying
out, verified while streaming), :meth:`MediaStore.open_original` /
:meth:`MediaStore.read_original`, never through the path.
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import stat
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from fieldkit.atrest.cipher import PLAIN, AgeCipher, FileCipher
from fieldkit.atrest.unseal import Unsealer
from fieldkit.canonical import is_sha256
from fieldkit.errors import MediaError
from fieldkit.fsutil import fsync_dir, lock_temp, owned_temp_prefix, temp_is_abandoned

BLOCK = 1 << 20
TEMP_PREFIX = ".incoming-"
#: The largest original :meth:`MediaStore.read_original` decrypts into memory for readers
#: that seek (Pillow, the EXIF reader); bigger files are read as a stream.
MAX_IN_MEMORY = 512 * 1024 * 1024
#: From how many bytes of originals an export of an encrypted store decrypts them in a
#: helper process (:class:`OriginalsOut`): starting it costs about 0.1 s.
UNSEAL_HELPER_MIN_BYTES = 32 * 1024 * 1024


class OriginalMismatch(MediaError):
    """A stored original whose bytes no longer hash to the SHA-256 it is stored under
    (swapped, edited or damaged on disk): it is evidence no more, and must not be copied
    out as if it were."""

    def __init__(self, sha256: str, actual: str) -> None:
        super().__init__(
            f"the store's original {sha256} no longer has its bytes (they hash to {actual})"
        )
        self.sha256, self.actual = sha256, actual


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


class _BlockHasher:
    """SHA-256 of a stream of blocks, computed on a helper thread.

    hashlib releases the GIL while it hashes a block, so the hash of one block runs on the
    second core while the calling thread decrypts (pyrage holds the GIL while it works,
    but lets it go at each read of the sealed file) and writes the next. At most
    ``depth`` blocks wait, so memory stays flat. The thread starts with the second block:
    a photo of one block is hashed inline, without a thread. ``serial`` hashes every
    block inline (the serial mode tests use).
    """

    def __init__(self, *, serial: bool = False, depth: int = 4) -> None:
        self._digest = hashlib.sha256()
        self._serial = serial
        self._first: bytes | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread: threading.Thread | None = None

    def update(self, block: bytes) -> None:
        if self._serial:
            self._digest.update(block)
        elif self._thread is not None:
            self._queue.put(block)
        elif self._first is None:
            self._first = block
        else:
            self._queue.put(self._first)
            self._queue.put(block)
            self._first = None
            self._thread = threading.Thread(target=self._run, name="fieldkit-hash", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            self._digest.update(block)

    def close(self) -> None:
        """Stop the thread (idempotent); the digest then covers every block given."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._first is not None:
            self._digest.update(self._first)
            self._first = None

    def hexdigest(self) -> str:
        self.close()
        return self._digest.hexdigest()


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    new: bool  # False when the same bytes were already stored


class _HashingReader:
    """``read(n)`` over a source that hashes, counts and shows every block on the way."""

    def __init__(self, source: BinaryIO, on_block: Callable[[bytes], None] | None) -> None:
        self.source, self.on_block = source, on_block
        self.digest = hashlib.sha256()
        self.size = 0
        self._buf = b""
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if self._pos >= len(self._buf):
            self._buf, self._pos = self.source.read(BLOCK), 0
            if not self._buf:
                return b""
            self.digest.update(self._buf)
            self.size += len(self._buf)
            if self.on_block is not None:
                self.on_block(self._buf)
        end = len(self._buf) if n is None or n < 0 else self._pos + n
        out = self._buf[self._pos : end]
        self._pos += len(out)
        return out


class MediaStore:
    def __init__(self, root: Path, cipher: FileCipher = PLAIN) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.cipher = cipher

    @property
    def encrypted(self) -> bool:
        return self.cipher.encrypted

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        """Where the file of ``sha256`` lives on disk (sealed in an encrypted store).

        For locating and counting only: read the content with :meth:`open_original`.
        """
        if not is_sha256(sha256):
            raise MediaError(f"{sha256!r} is not a SHA-256")
        name = self.cipher.name(sha256)
        return self.root / name[:2] / name

    def size_of(self, sha256: str) -> int:
        """The original's size in bytes (not the sealed file's)."""
        path = self.path_of(sha256)
        if not self.cipher.encrypted:
            return path.stat().st_size
        size = 0

        def count(block: bytes) -> None:
            nonlocal size
            size += len(block)

        with open(path, "rb", buffering=0) as source:
            self.cipher.open_into(source, count)
        return size

    def stream_original(
        self,
        sha256: str,
        target: Writable,
        *,
        on_block: Callable[[int], None] | None = None,
        serial: bool = False,
    ) -> int:
        """Write the original bytes of ``sha256`` to ``target.write`` in blocks of at
        most 1 MiB, hashing them while they stream; returns the size in bytes.

        The push-style way to copy an original out (export, "save as"): decrypted on
        the calling thread straight into ``target``, SHA-256 computed once, on a helper
        thread in an encrypted store (inline in an unencrypted one, or with
        ``serial=True``). ``on_block(n)`` is called on the calling thread
        after each block (progress; a cancel it raises stops the copy and propagates).

        Raises ``FileNotFoundError`` when the store lacks the file, :class:`MediaError`
        for a sealed file that does not decrypt, and :class:`OriginalMismatch` when the
        bytes do not hash to ``sha256``. Either error may come after blocks were written
        (the last block only after its check): the caller must discard ``target``.
        Whatever ``target.write`` raises (a full disk) propagates unchanged.
        """
        path = self.path_of(sha256)

        def decrypt(push: Callable[[bytes], None]) -> None:
            # Unbuffered: each read of the sealed file lets go of the GIL, so the hashing
            # thread gets it back at once rather than after the 5 ms switch interval.
            with open(path, "rb", buffering=0) as source:
                self.cipher.open_into(source, push)

        # Unencrypted, reading and writing take little CPU: there is nothing for a hashing
        # thread to overlap with, and its hand-offs cost more than it saves (measured:
        # 1.31 s inline, 1.43 s threaded for a 100 MB export).
        hasher = _BlockHasher(serial=serial or not self.cipher.encrypted)
        return _copy_verified(sha256, decrypt, target, hasher, on_block)

    def originals_out(self, shas: Sequence[str], *, total_bytes: int) -> OriginalsOut:
        """A copier of the originals ``shas`` (``total_bytes`` of them), to be copied in
        this order (an export): see :class:`OriginalsOut`. Use it as a context manager."""
        helper = None
        if isinstance(self.cipher, AgeCipher) and total_bytes >= UNSEAL_HELPER_MIN_BYTES:
            try:
                helper = self.cipher.unsealer([self.path_of(sha) for sha in shas])
            except OSError:
                helper = None  # no second process here: decrypt in this one
        return OriginalsOut(self, helper)

    def open_original(self, sha256: str) -> BinaryIO:
        """The original bytes as a sequential ``read(n)`` stream (decrypted as read).

        Raises ``FileNotFoundError`` when the store lacks the file, and
        :class:`MediaError` (at the read that finds it) for a sealed file that is damaged.
        """
        source = open(self.path_of(sha256), "rb")  # noqa: SIM115 - handed to the caller
        return self.cipher.reader(source)

    def read_original(self, sha256: str, *, limit: int = MAX_IN_MEMORY) -> bytes:
        """The whole original in memory (for readers that seek); at most ``limit`` bytes."""
        path = self.path_of(sha256)
        if path.stat().st_size > limit + 4096:
            raise MediaError(f"{sha256}: larger than {limit} bytes; read it as a stream")
        if not self.cipher.encrypted:
            return path.read_bytes()
        return self.cipher.open_bytes(path.read_bytes())

    read_bytes = read_original  # the name the release code asks for

    def copy_original(self, sha256: str, dest: Path) -> None:
        """Write the original bytes to ``dest`` (a new file, mode 0600), verified by
        SHA-256 while copying; on any error (:class:`OriginalMismatch` included) ``dest``
        is removed."""
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                self.stream_original(sha256, out)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

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
        hash to it or nothing is stored. For a file already in memory,
        :meth:`put_data` is cheaper.
        """
        reader = _HashingReader(source, on_block)

        def write(out: BinaryIO) -> tuple[str, int]:
            self.cipher.seal_stream(reader, out)  # type: ignore[arg-type]
            return reader.digest.hexdigest(), reader.size

        return self._put(write, expected_sha256)

    def put_data(self, data: bytes, *, expected_sha256: str | None = None) -> Stored:
        """Store bytes already in memory (a file read whole by the importer).

        The same file as :meth:`put_stream` writes, with less work per byte: the SHA-256
        is one call over the buffer (hashlib releases the GIL, so another import worker
        runs meanwhile) and the sealing reads the buffer in place, without a Python call
        per block.
        """

        def write(out: BinaryIO) -> tuple[str, int]:
            sha = hashlib.sha256(data).hexdigest()
            if self.cipher.encrypted:
                self.cipher.seal_stream(io.BytesIO(data), out)
            else:
                out.write(data)
            return sha, len(data)

        return self._put(write, expected_sha256)

    def _put(
        self, write: Callable[[BinaryIO], tuple[str, int]], expected_sha256: str | None
    ) -> Stored:
        """Write a temp file with ``write`` (which returns the SHA-256 and size of the
        original bytes), fsync it, then rename it to its name and fsync the folder: a
        file is under its name only once its bytes are on disk."""
        self.ensure()
        fd, tmp_name = tempfile.mkstemp(prefix=owned_temp_prefix(TEMP_PREFIX), dir=self.tmp)
        tmp = Path(tmp_name)
        try:
            lock_temp(fd)  # held until the file is closed: it is in use, not abandoned
            # A large buffer: the sealer writes in small pieces, each one a system call
            # (and a wait for the GIL after it) with the default buffer.
            with os.fdopen(fd, "wb", buffering=BLOCK) as out:
                sha, size = write(out)
                out.flush()
                os.fsync(out.fileno())
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
        return self.put_data(data)

    def check(self, sha256: str) -> bool:
        """Re-hash a stored file; True if it still has the bytes its name says."""
        try:
            self.stream_original(sha256, _Discard())
        except MediaError:  # OriginalMismatch included
            return False
        return True


class OriginalsOut:
    """Copies originals out of a store one after the other, in an order fixed up front.

    In an encrypted store holding enough bytes (:data:`UNSEAL_HELPER_MIN_BYTES`), the
    originals are decrypted ahead by a helper process on another core
    (:mod:`fieldkit.atrest.unseal`), while this process hashes and writes what came
    before: the same work as copying out of an unencrypted store, plus reading a pipe.
    Otherwise each :meth:`copy` is :meth:`MediaStore.stream_original`. Either way every
    original is hashed once on its way out and checked against its SHA-256.
    """

    def __init__(self, media: MediaStore, helper: Unsealer | None) -> None:
        self._media = media
        self._helper = helper
        self._started = False

    @property
    def uses_helper(self) -> bool:
        return self._helper is not None

    def __enter__(self) -> OriginalsOut:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def copy(
        self, sha256: str, target: Writable, *, on_block: Callable[[int], None] | None = None
    ) -> int:
        """Write the next original's bytes to ``target``; returns its size in bytes.

        The :meth:`MediaStore.stream_original` contract (the same errors, raised after
        blocks may have been written: the caller discards ``target``), plus
        ``ValueError`` for an original out of the order given. While the helper process
        sends nothing, ``on_block(0)`` is called every 0.2 s (a cancel it raises stops
        the wait).
        """
        # While the helper is slow to send (a stalled helper, a slow disk), on_block(0) is
        # called every 0.2 s, so a cancel it raises still stops the copy.
        idle = None if on_block is None else (lambda: on_block(0))
        if self._helper is not None and not self._started:
            self._started = True
            if not self._helper.ready(idle):
                self._helper = None  # it did not start properly: decrypt here instead
        if self._helper is None:
            return self._media.stream_original(sha256, target, on_block=on_block)
        helper, path = self._helper, self._media.path_of(sha256)
        return _copy_verified(
            sha256,
            lambda push: helper.open_into(path, push, idle),
            target,
            _BlockHasher(serial=True),  # this process only hashes and writes: inline
            on_block,
        )

    def close(self) -> None:
        """Stop the helper process, if any (idempotent)."""
        if self._helper is not None:
            self._helper.close()


def _copy_verified(
    sha256: str,
    source: Callable[[Callable[[bytes], None]], None],
    target: Writable,
    hasher: _BlockHasher,
    on_block: Callable[[int], None] | None,
) -> int:
    """Push what ``source`` gives (it calls its argument with each block) to ``target``,
    hashing with ``hasher`` and telling ``on_block``; returns the size in bytes. Raises
    :class:`OriginalMismatch` when the bytes do not hash to ``sha256``."""
    size = 0

    def push(block: bytes) -> None:
        nonlocal size
        target.write(block)
        hasher.update(block)
        size += len(block)
        if on_block is not None:
            on_block(len(block))

    try:
        source(push)
    finally:
        hasher.close()
    actual = hasher.hexdigest()
    if actual != sha256:
        raise OriginalMismatch(sha256, actual)
    return size
