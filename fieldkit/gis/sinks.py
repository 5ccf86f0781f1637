"""Where a GIS writer puts its bytes: a plain file or folder, or an age-encrypted stream.

Every writer in this package writes through a :class:`Sink`, so each format is written
the same way whether the output is plain or encrypted to a colleague
(:func:`fieldkit.disclosure.encrypting`):

==================  =======================================================================
:class:`FileSink`   a plain single-file output (KML, KMZ, GPX, GeoPackage)
:class:`FolderSink` a plain folder output (GeoJSON, CSV): one file per layer
:class:`StreamSink` a single-file output streamed into age: ``case-internal.kml.age``
:class:`ZipSink`    a folder output as a zip streamed into age: ``case-internal-csv.zip.age``
                    (a folder cannot be one age file; the zip's entries sit under the
                    folder's name, so unzipping gives the same folder)
==================  =======================================================================

Nothing plain touches the disk when encrypting, with one exception: GDAL writes a
GeoPackage (an SQLite file) only to a random-access file, so :meth:`Sink.file` builds it
in a private scratch folder — memory-backed ``/dev/shm`` where the system has it — streams
it into age and removes it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# Zip entries get a fixed time, so the same store state gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
COPY_BLOCK = 1 << 20


class Sink:
    """The files of one output. ``open(name)`` gives a binary file to write ``name``;
    ``file(name)`` gives a path to a scratch file that becomes ``name`` when the block
    ends (for GDAL, which writes to paths)."""

    def open(self, name: str) -> IO[bytes]:  # pragma: no cover - interface
        raise NotImplementedError

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:  # pragma: no cover - interface
        raise NotImplementedError
        yield Path()

    def close(self) -> None:
        """Finish the output (a zip's central directory); idempotent."""


class FileSink(Sink):
    """A plain single-file output written at ``path`` (a temporary name)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self, name: str) -> IO[bytes]:
        return open(self.path, "xb")

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:
        # GDAL picks the driver by the suffix too, so the scratch name keeps it.
        scratch = self.path.with_name(self.path.name + Path(name).suffix)
        try:
            yield scratch
            os.replace(scratch, self.path)
        finally:
            scratch.unlink(missing_ok=True)


class FolderSink(Sink):
    """A plain folder output at ``path`` (a temporary name), one file per ``open``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()

    def open(self, name: str) -> IO[bytes]:
        return open(self.path / name, "xb")

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:
        yield self.path / name


class _Borrowed:
    """A writable view of a stream that does not close it (the sink does)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.closed = False

    def write(self, data: bytes) -> int:
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def tell(self) -> int:
        raise OSError("not seekable")

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> _Borrowed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scratch_dir() -> Path:
    """A private folder for a file GDAL must build before it is encrypted: memory-backed
    ``/dev/shm`` when the system has one (nothing reaches the disk), else the temp folder."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="fieldkit-out-", dir=base))  # mode 0700


class StreamSink(Sink):
    """A single-file output written into ``stream`` (the age encrypter's input)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def open(self, name: str) -> IO[bytes]:
        return _Borrowed(self.stream)  # type: ignore[return-value]

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:
        folder = _scratch_dir()
        try:
            path = folder / f"{secrets.token_hex(4)}{Path(name).suffix}"
            yield path
            with open(path, "rb") as f:
                shutil.copyfileobj(f, self.stream, COPY_BLOCK)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class ZipSink(Sink):
    """A folder output as a zip (entries under ``top/``) written into ``stream``."""

    def __init__(self, stream: IO[bytes], top: str) -> None:
        self.top = top
        self.zip = zipfile.ZipFile(_Borrowed(stream), "w")

    def open(self, name: str) -> IO[bytes]:
        info = zipfile.ZipInfo(f"{self.top}/{name}", date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w")

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:
        folder = _scratch_dir()
        try:
            path = folder / name
            yield path
            with open(path, "rb") as src, self.open(name) as dst:
                shutil.copyfileobj(src, dst, COPY_BLOCK)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        self.zip.close()
