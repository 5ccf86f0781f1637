"""Zip files for bundles, read and written with the standard library's :mod:`zipfile`
under a hostile-zip policy.

A bundle's zip comes from a USB stick that may have been in anyone's hands, and it may
have been made by any tool: FieldKit, ``zip -r``, Windows' "Send to compressed folder",
macOS Archive Utility, Python's ``shutil.make_archive``. Integrity comes from the bag
itself (every payload file against ``manifest-sha256.txt``, the tag files against the
signed ``tagmanifest-sha256.txt``), not from the container's layout: a changed byte in a
zip's own structure is either refused (zipfile cannot read it, or the policy below
refuses it) or harmless (every byte read is still checked against the manifests).

The policy, checked on the central directory *before* any entry is read:

* the end record's entry count and directory size are bounded (``MAX_ENTRIES``,
  ``MAX_CENTRAL_BYTES``) before :mod:`zipfile` parses the directory, and the directory
  it parsed must hold exactly the entries the end record declares;
* every name is UTF-8 (flagged as such, or plain ASCII, or raw bytes that decode as
  UTF-8, as Info-ZIP writes them) and passes the same unsafe-path rule as a folder's
  names (:func:`fieldkit.bundle.bag.unsafe_path_reason`); no name appears twice;
* only regular files and folders: no symbolic links, devices or pipes (Unix modes in the
  external attributes), no encrypted entries; stored or deflated only;
* sizes and ratios: a stored entry's two sizes agree; a deflated entry over 1 MiB
  expands at most ``MAX_RATIO`` times; the declared total is at most
  ``MAX_TOTAL_FACTOR`` times the zip's size plus ``MAX_TOTAL_SLACK``;
* entries archivers add (``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``, ``desktop.ini``)
  are ignored and reported as warnings, never read;
* the bag is either the zip's one top folder, or the zip's root (``bagit.txt`` at the
  top level, as ``shutil.make_archive(root_dir=bag)`` makes it).

While reading, an entry never yields more bytes than its declared size, and its CRC-32
must match (:class:`ZipReadError` otherwise). Nothing is ever extracted to disk.
"""

from __future__ import annotations

import datetime as dt
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from fieldkit.bundle.bag import BAGIT_TXT_NAME, BLOCK, MAX_MANIFEST_LINES, unsafe_path_reason
from fieldkit.errors import BundleError
from fieldkit.problems import Problem

# Bounds checked before anything is allocated or read.
MAX_ENTRIES = MAX_MANIFEST_LINES + 1000
MAX_CENTRAL_BYTES = 128 * 1024 * 1024
MAX_RATIO = 200  # deflate of real text is ~3-20x; a bomb is 1000x and more
RATIO_FLOOR = 1 << 20  # ratios only matter above a megabyte
MAX_TOTAL_FACTOR = 100  # declared total may be at most this times the zip's size …
MAX_TOTAL_SLACK = 256 * 1024 * 1024  # … plus this

# What archivers add on their own (macOS resource forks and Finder state, Windows
# thumbnail caches and folder settings): ignored and reported, never read.
ARCHIVER_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
ARCHIVER_FOLDERS = frozenset({"__macosx"})

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
# What zipfile raises on a damaged or unexpected structure (a flipped flag bit can make it
# raise NotImplementedError; a bad name UnicodeDecodeError, a ValueError).
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
_UNIX = 3


def is_archiver_file(rel: str) -> bool:
    """True for a path an archiver added: in ``__MACOSX/``, or ``.DS_Store``/``Thumbs.db``…"""
    parts = rel.rstrip("/").split("/")
    return parts[-1].casefold() in ARCHIVER_FILES or any(
        p.casefold() in ARCHIVER_FOLDERS for p in parts
    )


class ZipReadError(Exception):
    """An entry's data is not what its headers declare (damaged, changed, or a bomb)."""


class _Refused(Exception):
    """The zip breaks the policy: nothing is read from it."""

    def __init__(self, message: str, code: str = "zip") -> None:
        super().__init__(message)
        self.code = code


# --- reading ----------------------------------------------------------------------------


class ZipReader:
    """A zip checked as hostile input. ``refused`` means: nothing may be read from it.

    ``entries`` maps bag-relative paths to their :class:`zipfile.ZipInfo`; ``problems``
    and ``warnings`` name the zip (``label``) as their path.
    """

    def __init__(self, path: Path, label: str | None = None) -> None:
        self.path = path
        self.label = label or path.name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.refused = False
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.top: str | None = None  # the top folder ("" when the bag is the zip's root)
        self.ignored: list[str] = []  # archiver files, by their name in the zip
        self._zip: zipfile.ZipFile | None = None
        try:
            size = path.stat().st_size
            with open(path, "rb") as f:
                declared = _declared_entries(f, size)
            try:
                self._zip = zipfile.ZipFile(path)
            except UnicodeDecodeError:
                raise _Refused("an entry name flagged UTF-8 is not UTF-8", "unsafe-path") from None
            except _DAMAGED as exc:
                raise _Refused(f"not a readable zip: {exc}") from None
            infos = self._zip.infolist()
            if len(infos) != declared:
                raise _Refused(
                    f"the end record declares {declared} entries; the directory holds {len(infos)}"
                )
            self._check(infos, size)
        except _Refused as exc:
            self._refuse(str(exc), exc.code)
        except OSError as exc:
            self._refuse(f"cannot read: {exc.strerror or exc}", "zip")
        if self.refused:
            self.entries = {}
            self.close()

    def _refuse(self, message: str, code: str) -> None:
        self.problems.append(Problem(code, message, path=self.label))
        self.refused = True

    def _warn(self, code: str, message: str) -> None:
        self.warnings.append(Problem(code, message, path=self.label))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> ZipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, infos: list[zipfile.ZipInfo], size: int) -> None:
        seen: set[str] = set()
        folded: dict[str, str] = {}
        files: list[tuple[str, zipfile.ZipInfo]] = []
        total = 0
        for info in infos:
            name = _utf8_name(info)
            if name is None:
                shown = info.filename.encode("cp437", "replace").decode("utf-8", "replace")
                raise _Refused(f"entry name {shown!r} is not UTF-8", "unsafe-path")
            is_dir = name.endswith("/")
            path = name[:-1] if is_dir else name
            reason = unsafe_path_reason(path)
            if reason is not None:
                raise _Refused(f"{name!r}: {reason}", "unsafe-path")
            if name in seen:
                raise _Refused(f"{name}: the name appears twice", "duplicate")
            seen.add(name)
            mode = info.external_attr >> 16 if info.create_system == _UNIX else 0
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFLNK:
                raise _Refused(f"{name}: symbolic link", "unsafe-path")
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise _Refused(f"{name}: not a regular file", "unsafe-path")
            if info.flag_bits & _FLAG_ENCRYPTED:
                raise _Refused(f"{name}: encrypted entries are not supported")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _Refused(f"{name}: compression method {info.compress_type} is not supported")
            usize, csize = info.file_size, info.compress_size
            if info.compress_type == zipfile.ZIP_STORED and csize != usize:
                raise _Refused(f"{name}: stored entry with two different sizes")
            if (
                info.compress_type == zipfile.ZIP_DEFLATED
                and usize > RATIO_FLOOR
                and usize > MAX_RATIO * max(csize, 1)
            ):
                raise _Refused(
                    f"{name}: expands {usize // max(csize, 1)}x (zip bomb?); "
                    f"at most {MAX_RATIO}x is accepted",
                    "bounds",
                )
            total += usize
            if is_dir:
                if usize:
                    raise _Refused(f"{name}: a folder entry with content")
                continue
            if name.casefold() in folded:
                self._warn(
                    "case-collision", f"{name} and {folded[name.casefold()]} differ only in case"
                )
            folded[name.casefold()] = name
            files.append((name, info))
        limit = MAX_TOTAL_FACTOR * size + MAX_TOTAL_SLACK
        if total > limit:
            raise _Refused(
                f"declares {total} bytes uncompressed from a {size}-byte zip (zip bomb?)", "bounds"
            )
        kept = []
        for name, info in files:
            if is_archiver_file(name):
                self.ignored.append(name)
            else:
                kept.append((name, info))
        if self.ignored:
            shown = ", ".join(self.ignored[:5]) + (" …" if len(self.ignored) > 5 else "")
            self._warn(
                "ignored",
                f"{len(self.ignored)} file(s) an archiver added were ignored (not read): {shown}",
            )
        self.top = _top_folder([n for n, _ in kept])
        prefix = f"{self.top}/" if self.top else ""
        for name, info in kept:
            self.entries[name[len(prefix) :]] = info

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        """The entry's bytes in blocks; :class:`ZipReadError` if they are not as declared."""
        if self.refused or self._zip is None:
            raise BundleError(f"{self.label}: refused; nothing is read from this zip")
        info = self.entries[rel]
        produced = 0
        try:
            with self._zip.open(info) as f:
                while block := f.read(BLOCK):
                    produced += len(block)
                    if produced > info.file_size:
                        raise ZipReadError("more data than the declared size (zip bomb?)")
                    yield block
        except zipfile.BadZipFile as exc:
            if "CRC" in str(exc):
                raise ZipReadError(
                    "CRC-32 does not match: the entry's bytes are not the declared size and "
                    "content (changed, or cut off at its declared size)"
                ) from None
            raise ZipReadError(f"damaged entry: {exc}") from None
        except _DAMAGED as exc:
            raise ZipReadError(f"damaged entry: {exc}") from None
        if produced != info.file_size:
            raise ZipReadError(f"{produced} bytes, but {info.file_size} were declared")

    def order(self, rels: list[str]) -> list[str]:
        """``rels`` in the order their data lies in the file (one pass, no seeking back)."""
        return sorted(rels, key=lambda r: self.entries[r].header_offset)


def _utf8_name(info: zipfile.ZipInfo) -> str | None:
    """The entry's name as UTF-8 text, or None when it is not UTF-8.

    zipfile decodes a name without the UTF-8 flag (APPNOTE 4.4.4, bit 11) as CP437; Info-ZIP
    and others write UTF-8 bytes without setting it, so those bytes are tried as UTF-8.
    """
    if info.flag_bits & _FLAG_UTF8 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _top_folder(names: list[str]) -> str:
    """The one top folder all names share, or "" when the bag is at the zip's root."""
    if BAGIT_TXT_NAME in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    loose = [n for n in names if "/" not in n]
    if loose:
        raise _Refused(f"{loose[0]!r}: a file outside the top folder, and no bagit.txt beside it")
    if len(tops) > 1:
        raise _Refused(f"more than one top folder ({', '.join(sorted(tops)[:5])})")
    if not tops:
        raise _Refused("the zip holds no files")
    return tops.pop()


def _declared_entries(f: IO[bytes], size: int) -> int:
    """The entry count the end record declares, after bounding it and the directory size.

    Only the end-of-central-directory record (APPNOTE 4.3.16) and, when its fields are
    saturated, the Zip64 one (4.3.14, 4.3.15) are read: a few dozen bytes, so a hostile
    count or size is refused before :mod:`zipfile` reads the directory.
    """
    if size < 22:
        raise _Refused("not a zip file (too short)")
    tail_len = min(size, 22 + 0xFFFF)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or len(tail) - pos < 22:
        raise _Refused("not a zip file (no end of central directory record)")
    _sig, disk, cd_disk, n_this, n_total, cd_size, _cd_start, _clen = struct.unpack(
        "<4sHHHHIIH", tail[pos : pos + 22]
    )
    if disk or cd_disk:
        raise _Refused("multi-disk zips are not supported")
    count = n_total
    if 0xFFFF in (n_this, n_total) or cd_size == 0xFFFFFFFF:
        eocd_at = size - tail_len + pos
        if eocd_at >= 20:
            f.seek(eocd_at - 20)
            locator = f.read(20)
            if locator[:4] == _ZIP64_LOCATOR:
                z64_at = struct.unpack("<Q", locator[8:16])[0]
                if z64_at + 56 > size:
                    raise _Refused("the Zip64 end record lies past the end of the file")
                f.seek(z64_at)
                rec = f.read(56)
                if rec[:4] != _ZIP64_EOCD:
                    raise _Refused("the Zip64 end record is missing")
                count, cd_size = struct.unpack("<QQ", rec[32:48])
    if n_this != n_total and 0xFFFF not in (n_this, n_total):
        raise _Refused("the end record's two entry counts differ")
    if count > MAX_ENTRIES:
        raise _Refused(f"{count} entries; at most {MAX_ENTRIES} are accepted")
    if cd_size > MAX_CENTRAL_BYTES or cd_size < 46 * count:
        raise _Refused(f"central directory size {cd_size} is impossible for {count} entries")
    return int(count)


# --- writing ----------------------------------------------------------------------------


class _Counting:
    """A write-only stream that counts: zipfile sees no ``tell``/``seek`` and streams
    (a data descriptor after each entry), so the same writer serves a file and a pipe."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self.size = 0

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._out.flush()


class ZipWriter:
    """Writes a bag as a zip holding one top folder, streaming, to any writable stream.

    It never seeks, so it can write into a pipe (the age encrypter). Entries are stored
    (media are already compressed; text is small), regular files with mode 0644.
    """

    def __init__(self, out: IO[bytes], top: str, when: dt.datetime) -> None:
        if unsafe_path_reason(top) is not None or "/" in top:
            raise BundleError(f"{top!r} cannot be the top folder of a bundle zip")
        self._out = _Counting(out)
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_STORED)  # type: ignore[call-overload]
        self._top = top
        year = max(1980, min(2107, when.year))
        self._date_time = (year, when.month, when.day, when.hour, when.minute, when.second)

    @property
    def size(self) -> int:
        return self._out.size

    @contextmanager
    def open(self, rel: str, *, size: int | None = None) -> Iterator[IO[bytes]]:
        info = zipfile.ZipInfo(str(PurePosixPath(self._top, rel)), self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.create_system = _UNIX
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        big = size is not None and size >= zipfile.ZIP64_LIMIT
        with self._zip.open(info, "w", force_zip64=big) as w:
            yield w

    def finish(self) -> None:
        self._zip.close()
        self._out.flush()


__all__ = [
    "ARCHIVER_FILES",
    "ARCHIVER_FOLDERS",
    "MAX_ENTRIES",
    "ZipReadError",
    "ZipReader",
    "ZipWriter",
    "is_archiver_file",
]
