"""Zip files for bundles: a streaming writer with one fixed layout, and a hostile-zip reader.

Why not :mod:`zipfile`: a bundle's zip comes from a USB stick that may have been in
anyone's hands. ``zipfile`` is lenient (it trusts the central directory, ignores
most of the local headers, tolerates gaps, comments and trailing data), so a byte
could change without anything noticing. Here the reader parses every structure
itself, bounds every count and size *before* reading, and accepts a zip only in
the canonical layout :class:`ZipSink` writes (documented in docs/bundle-format.md):

* entries back to back from offset 0, each: local header (CRC and sizes zero, flag
  0x08), data, data descriptor with its signature; no directory entries;
* the central directory right after the last entry, then (only when needed) the
  Zip64 end record and locator, then the end record with no comment, at the very
  end of the file;
* every field the local header and the central directory both hold agrees; the
  fields only the central directory holds have fixed values (made by Unix, version
  3.0; attributes: regular file, mode 0644).

So a changed byte anywhere in the container is reported, not only in the files.
The reader never writes anything: entries are streamed, decompressed with a bound,
their CRC and declared size checked while reading.
"""

from __future__ import annotations

import datetime as dt
import stat
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fieldkit.bundle.bag import BLOCK, MAX_MANIFEST_LINES, Problem, unsafe_path_reason
from fieldkit.errors import BundleError

LOCAL_SIG = 0x04034B50
CENTRAL_SIG = 0x02014B50
DESCRIPTOR_SIG = 0x08074B50
EOCD_SIG = 0x06054B50
ZIP64_EOCD_SIG = 0x06064B50
ZIP64_LOCATOR_SIG = 0x07064B50

STORED, DEFLATED = 0, 8
FLAG_DESCRIPTOR = 0x08
FLAG_UTF8 = 0x800
MADE_BY = (3 << 8) | 30  # Unix, zip 3.0
NEEDED = 20
NEEDED_ZIP64 = 45
FILE_ATTR = (stat.S_IFREG | 0o644) << 16
LIMIT32 = 0xFFFFFFFF
LIMIT16 = 0xFFFF

# Bounds checked before anything is allocated or read.
MAX_ENTRIES = MAX_MANIFEST_LINES + 1000
MAX_CENTRAL_BYTES = 128 * 1024 * 1024
MAX_RATIO = 200  # deflate of real text is ~3-20x; a bomb is 1000x and more
RATIO_FLOOR = 1 << 20  # ratios only matter above a megabyte
MAX_TOTAL_FACTOR = 100  # declared total may be at most this times the zip's size …
MAX_TOTAL_SLACK = 256 * 1024 * 1024  # … plus this


def _dos_time(when: dt.datetime) -> tuple[int, int]:
    year = max(1980, min(2107, when.year))
    return (
        (when.hour << 11) | (when.minute << 5) | (when.second // 2),
        ((year - 1980) << 9) | (when.month << 5) | when.day,
    )


# --- writing ----------------------------------------------------------------------------


@dataclass
class _Written:
    name: bytes
    method: int
    crc: int
    csize: int
    usize: int
    offset: int
    zip64: bool


class _CountingOut:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offset = 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)


class _EntryWriter:
    """One STORED entry's data: written through as is, with its CRC and size counted."""

    def __init__(self, out: _CountingOut) -> None:
        self._out = out
        self.crc = 0
        self.size = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        if data:
            self._out.write(data)
        return len(data)


class ZipSink:
    """Writes a bag as a zip holding one top folder, streaming, to any writable stream.

    It never seeks, so it can write into a pipe (the age encrypter). Every entry has a
    data descriptor and is STORED, text too: the unused padding bits at the end of a
    deflate stream can change without changing the output, so a flipped bit there would
    pass every CRC and SHA-256. Stored, every byte of every entry is covered.
    """

    def __init__(self, out: IO[bytes], top: str, when: dt.datetime) -> None:
        if unsafe_path_reason(top) is not None or "/" in top:
            raise BundleError(f"{top!r} cannot be the top folder of a bundle zip")
        self._out = _CountingOut(out)
        self._top = top
        self._time, self._date = _dos_time(when)
        self._entries: list[_Written] = []

    @property
    def size(self) -> int:
        return self._out.offset

    @contextmanager
    def open(self, rel: str, *, size: int | None = None) -> Iterator[_EntryWriter]:
        name = f"{self._top}/{rel}".encode()
        zip64 = size is not None and size >= LIMIT32
        method = STORED
        flags = FLAG_DESCRIPTOR | (FLAG_UTF8 if not name.isascii() else 0)
        extra = struct.pack("<HHQQ", 1, 16, 0, 0) if zip64 else b""
        offset = self._out.offset
        needed = NEEDED_ZIP64 if zip64 or offset >= LIMIT32 else NEEDED
        self._out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                LOCAL_SIG,
                needed,
                flags,
                method,
                self._time,
                self._date,
                0,
                LIMIT32 if zip64 else 0,
                LIMIT32 if zip64 else 0,
                len(name),
                len(extra),
            )
            + name
            + extra
        )
        writer = _EntryWriter(self._out)
        yield writer
        if not zip64 and writer.size >= LIMIT32:
            raise BundleError(f"{rel}: over 4 GiB but not announced as such")
        fmt = "<IIQQ" if zip64 else "<IIII"
        self._out.write(struct.pack(fmt, DESCRIPTOR_SIG, writer.crc, writer.size, writer.size))
        self._entries.append(
            _Written(name, method, writer.crc, writer.size, writer.size, offset, zip64)
        )

    def finish(self) -> None:
        cd_start = self._out.offset
        for e in self._entries:
            big = [v for v in (e.usize, e.csize) if e.zip64] + (
                [e.offset] if e.offset >= LIMIT32 else []
            )
            extra = struct.pack("<HH", 1, 8 * len(big)) + b"".join(
                struct.pack("<Q", v) for v in big
            )
            if not big:
                extra = b""
            flags = FLAG_DESCRIPTOR | (FLAG_UTF8 if not e.name.isascii() else 0)
            self._out.write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    CENTRAL_SIG,
                    MADE_BY,
                    NEEDED_ZIP64 if e.zip64 or e.offset >= LIMIT32 else NEEDED,
                    flags,
                    e.method,
                    self._time,
                    self._date,
                    e.crc,
                    LIMIT32 if e.zip64 else e.csize,
                    LIMIT32 if e.zip64 else e.usize,
                    len(e.name),
                    len(extra),
                    0,
                    0,
                    0,
                    FILE_ATTR,
                    LIMIT32 if e.offset >= LIMIT32 else e.offset,
                )
                + e.name
                + extra
            )
        cd_size = self._out.offset - cd_start
        count = len(self._entries)
        if count >= LIMIT16 or cd_start >= LIMIT32 or cd_size >= LIMIT32:
            z64 = self._out.offset
            self._out.write(
                struct.pack(
                    "<IQHHIIQQQQ",
                    ZIP64_EOCD_SIG,
                    44,
                    MADE_BY,
                    NEEDED_ZIP64,
                    0,
                    0,
                    count,
                    count,
                    cd_size,
                    cd_start,
                )
            )
            self._out.write(struct.pack("<IIQI", ZIP64_LOCATOR_SIG, 0, z64, 1))
            count16, size32, start32 = LIMIT16, LIMIT32, LIMIT32
        else:
            count16, size32, start32 = count, cd_size, cd_start
        self._out.write(
            struct.pack("<IHHHHIIH", EOCD_SIG, 0, 0, count16, count16, size32, start32, 0)
        )


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    name: str  # full name in the zip
    rel: str  # bag-relative (the top folder removed)
    method: int
    crc: int
    csize: int
    usize: int
    data_offset: int


class ZipReadError(Exception):
    """An entry's data is not what its headers declare."""


class SafeZip:
    """A zip checked as hostile input. ``fatal`` problems mean: read nothing from it.

    ``problems`` holds everything found (fatal or not), each naming the zip; the
    caller reads entries only when ``fatal`` is False.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.fatal = False
        self.entries: dict[str, ZipEntry] = {}
        self.top: str | None = None
        self._f: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        try:
            self._size = path.stat().st_size
            self._parse()
        except _Fatal as exc:
            self._problem(str(exc), fatal=True)
        except OSError as exc:
            self._problem(f"cannot read: {exc.strerror or exc}", fatal=True)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _problem(self, message: str, *, fatal: bool = False, check: str = "zip") -> None:
        self.problems.append(Problem(self.label, check, message))
        self.fatal = self.fatal or fatal

    def _read_at(self, offset: int, n: int) -> bytes:
        if offset < 0 or n < 0 or offset + n > self._size:
            raise _Fatal(f"a structure at byte {offset} runs past the end of the file")
        self._f.seek(offset)
        data = self._f.read(n)
        if len(data) != n:
            raise _Fatal(f"short read at byte {offset}")
        return data

    # -- the end records and the central directory --------------------------------------

    def _parse(self) -> None:
        if self._size < 22:
            raise _Fatal("not a zip file (too short)")
        tail_len = min(self._size, 22 + 0xFFFF + 20)
        tail = self._read_at(self._size - tail_len, tail_len)
        pos = tail.rfind(struct.pack("<I", EOCD_SIG))
        if pos < 0:
            raise _Fatal("not a zip file (no end of central directory record)")
        eocd_at = self._size - tail_len + pos
        if len(tail) - pos < 22:
            raise _Fatal("the end of central directory record is truncated")
        (_, disk, cd_disk, n_this, n_total, cd_size, cd_start, comment_len) = struct.unpack(
            "<IHHHHIIH", tail[pos : pos + 22]
        )
        if eocd_at + 22 + comment_len != self._size or comment_len:
            self._problem("a comment or other data follows the end record")
        if disk or cd_disk:
            raise _Fatal("multi-disk zips are not supported")
        cd_end_expected = eocd_at
        loc_at = eocd_at - 20
        if loc_at >= 0 and self._read_at(loc_at, 4) == struct.pack("<I", ZIP64_LOCATOR_SIG):
            _, loc_disk, z64_at, disks = struct.unpack("<IIQI", self._read_at(loc_at, 20))
            if loc_disk or disks != 1:
                raise _Fatal("multi-disk zips are not supported")
            if z64_at + 56 != loc_at:
                self._problem("the Zip64 end record is not right before its locator")
            rec = self._read_at(z64_at, 56)
            (sig, rec_size, made_by, needed, d1, d2, z_this, z_total, z_size, z_start) = (
                struct.unpack("<IQHHIIQQQQ", rec)
            )
            if sig != ZIP64_EOCD_SIG:
                raise _Fatal("the Zip64 end record is missing")
            if (rec_size, made_by, needed) != (44, MADE_BY, NEEDED_ZIP64):
                self._problem("the Zip64 end record has unexpected header values")
            if d1 or d2:
                raise _Fatal("multi-disk zips are not supported")
            for small, big, what in (
                (n_this, z_this, "entry count"),
                (n_total, z_total, "entry count"),
                (cd_size, z_size, "directory size"),
                (cd_start, z_start, "directory offset"),
            ):
                if small not in (big, LIMIT16, LIMIT32):
                    self._problem(f"the end records disagree on the {what}")
            n_this, n_total, cd_size, cd_start = z_this, z_total, z_size, z_start
            cd_end_expected = z64_at
        if n_this != n_total:
            self._problem("the end record's two entry counts differ")
        count = max(n_this, n_total)
        if count > MAX_ENTRIES:
            raise _Fatal(f"{count} entries; at most {MAX_ENTRIES} are accepted")
        if cd_size > MAX_CENTRAL_BYTES or cd_size < 46 * count:
            raise _Fatal(f"central directory size {cd_size} is impossible for {count} entries")
        if cd_start + cd_size != cd_end_expected:
            if cd_start + cd_size > cd_end_expected:
                raise _Fatal("the central directory overlaps the end records")
            self._problem("there is data between the central directory and the end records")
        cd = self._read_at(cd_start, cd_size)
        self._parse_central(cd, count, cd_start)

    def _parse_central(self, cd: bytes, count: int, cd_start: int) -> None:
        pos = 0
        seen: set[str] = set()
        folded: dict[str, str] = {}
        raw: list[_Raw] = []
        total = 0
        for index in range(count):
            if pos + 46 > len(cd):
                raise _Fatal(f"central directory entry {index + 1} is truncated")
            (
                sig,
                made_by,
                needed,
                flags,
                method,
                mtime,
                mdate,
                crc,
                csize,
                usize,
                nlen,
                xlen,
                clen,
                disk,
                iattr,
                eattr,
                offset,
            ) = struct.unpack("<IHHHHHHIIIHHHHHII", cd[pos : pos + 46])
            if sig != CENTRAL_SIG:
                raise _Fatal(f"central directory entry {index + 1} has a bad signature")
            end = pos + 46 + nlen + xlen + clen
            if end > len(cd):
                raise _Fatal(f"central directory entry {index + 1} is truncated")
            name_bytes = cd[pos + 46 : pos + 46 + nlen]
            extra = cd[pos + 46 + nlen : pos + 46 + nlen + xlen]
            pos = end
            name = self._decode_name(name_bytes, flags, index)
            z64 = csize == LIMIT32 or usize == LIMIT32 or offset == LIMIT32
            try:
                usize, csize, offset = _apply_zip64(extra, usize, csize, offset)
            except _Fatal as exc:
                raise _Fatal(f"{name}: {exc}") from None
            if clen or disk or iattr:
                self._problem(f"{name}: unexpected comment, disk number or attributes")
            if made_by != MADE_BY or eattr != FILE_ATTR:
                self._problem(f"{name}: not written as a plain file by FieldKit's zip writer")
            if needed not in (NEEDED, NEEDED_ZIP64) or (z64 and needed != NEEDED_ZIP64):
                self._problem(f"{name}: unexpected 'version needed' {needed}")
            kind = stat.S_IFMT(eattr >> 16) if made_by >> 8 == 3 else 0
            if kind == stat.S_IFLNK:
                self._problem(f"{name}: symbolic link", fatal=True, check="unsafe-path")
            elif kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                self._problem(f"{name}: not a regular file", fatal=True, check="unsafe-path")
            if flags & 0x1 or flags & 0x40:
                self._problem(f"{name}: encrypted entries are not supported", fatal=True)
            if flags & ~(FLAG_DESCRIPTOR | FLAG_UTF8):
                self._problem(f"{name}: unexpected flags {flags:#x}")
            if method not in (STORED, DEFLATED):
                self._problem(f"{name}: compression method {method} is not supported", fatal=True)
            elif method == DEFLATED:
                self._problem(f"{name}: compressed; FieldKit stores every entry uncompressed")
            if method == STORED and csize != usize:
                self._problem(f"{name}: stored entry with two different sizes", fatal=True)
            if method == DEFLATED and usize > RATIO_FLOOR and usize > MAX_RATIO * max(csize, 1):
                self._problem(
                    f"{name}: expands {usize // max(csize, 1)}x (zip bomb?); "
                    f"at most {MAX_RATIO}x is accepted",
                    fatal=True,
                    check="bounds",
                )
            total += usize
            if name in seen:
                self._problem(f"{name}: the name appears twice", fatal=True, check="duplicate")
                continue
            seen.add(name)
            if name.casefold() in folded:
                self.warnings.append(
                    Problem(
                        self.label,
                        "case-collision",
                        f"{name} and {folded[name.casefold()]} differ only in case",
                    )
                )
            folded[name.casefold()] = name
            raw.append(
                (offset, name_bytes, name, needed, flags, method, mtime, mdate, crc, csize, usize)
            )
        if pos != len(cd):
            self._problem("the central directory has data after its last entry")
        limit = MAX_TOTAL_FACTOR * self._size + MAX_TOTAL_SLACK
        if total > limit:
            self._problem(
                f"declares {total} bytes uncompressed from a {self._size}-byte zip (zip bomb?)",
                fatal=True,
                check="bounds",
            )
        if self.fatal:
            return
        self._check_names([r[2] for r in raw])
        if self.fatal:
            return
        self._check_locals(raw, cd_start)

    def _decode_name(self, name_bytes: bytes, flags: int, index: int) -> str:
        if not name_bytes:
            raise _Fatal(f"entry {index + 1} has an empty name")
        if flags & FLAG_UTF8 or name_bytes.isascii():
            try:
                return name_bytes.decode("utf-8")
            except UnicodeDecodeError:
                pass
        shown = name_bytes.decode("utf-8", "replace")
        self._problem(
            f"entry {index + 1} name {shown!r} is not UTF-8", fatal=True, check="unsafe-path"
        )
        return f"<entry {index + 1}>"

    def _check_names(self, names: list[str]) -> None:
        tops: set[str] = set()
        for name in names:
            path = name[:-1] if name.endswith("/") else name
            reason = unsafe_path_reason(path)
            if reason is not None:
                self._problem(f"{name!r}: {reason}", fatal=True, check="unsafe-path")
                continue
            if "/" not in path and not name.endswith("/"):
                self._problem(f"{name!r}: a file outside the top folder", fatal=True)
                continue
            tops.add(path.split("/", 1)[0])
        if len(tops) > 1:
            self._problem(f"more than one top folder ({', '.join(sorted(tops)[:5])})", fatal=True)
        elif tops:
            self.top = tops.pop()

    def _check_locals(self, raw: list[_Raw], cd_start: int) -> None:
        expected = 0
        for (
            offset,
            name_bytes,
            name,
            needed,
            flags,
            method,
            mtime,
            mdate,
            crc,
            csize,
            usize,
        ) in sorted(raw):
            if offset < expected:
                raise _Fatal(f"{name}: overlaps the entry before it")
            if offset != expected:
                self._problem(f"{name}: {offset - expected} unaccounted bytes before it")
            head = self._read_at(offset, 30)
            (
                sig,
                l_needed,
                l_flags,
                l_method,
                l_time,
                l_date,
                l_crc,
                l_csize,
                l_usize,
                nlen,
                xlen,
            ) = struct.unpack("<IHHHHHIIIHH", head)
            if sig != LOCAL_SIG:
                raise _Fatal(f"{name}: no local header where the directory says")
            l_name = self._read_at(offset + 30, nlen)
            l_extra = self._read_at(offset + 30 + nlen, xlen)
            if l_name != name_bytes:
                raise _Fatal(f"{name}: the local header names another file ({l_name[:60]!r})")
            if l_method != method:
                raise _Fatal(f"{name}: the local header's compression method differs")
            if l_flags != flags:
                raise _Fatal(f"{name}: the local header's flags differ")
            if (l_time, l_date) != (mtime, mdate):
                self._problem(f"{name}: the local header's time differs from the directory's")
            local_z64 = l_csize == LIMIT32 or l_usize == LIMIT32
            if l_needed != needed:
                self._problem(f"{name}: the local header's 'version needed' differs")
            try:
                lu, lc, _ = _apply_zip64(l_extra, l_usize, l_csize, 0)
            except _Fatal as exc:
                raise _Fatal(f"{name} (local header): {exc}") from None
            if flags & FLAG_DESCRIPTOR:
                if (l_crc, lc, lu) != (0, 0, 0) and (l_crc, lc, lu) != (crc, csize, usize):
                    self._problem(f"{name}: the local header's CRC or sizes are wrong")
            elif (l_crc, lc, lu) != (crc, csize, usize):
                self._problem(f"{name}: the local header's CRC or sizes differ")
            data_offset = offset + 30 + nlen + xlen
            end = data_offset + csize
            if end > cd_start:
                raise _Fatal(f"{name}: its data runs into the central directory")
            if flags & FLAG_DESCRIPTOR:
                wide = local_z64
                size = 24 if wide else 16
                desc = self._read_at(end, min(size, cd_start - end)) if end < cd_start else b""
                if len(desc) < size or struct.unpack("<I", desc[:4])[0] != DESCRIPTOR_SIG:
                    self._problem(f"{name}: its data descriptor is missing or damaged")
                    size = 0
                else:
                    fmt = "<IIQQ" if wide else "<IIII"
                    _, d_crc, d_csize, d_usize = struct.unpack(fmt, desc)
                    if (d_crc, d_csize, d_usize) != (crc, csize, usize):
                        self._problem(f"{name}: its data descriptor disagrees with the directory")
                end += size
            expected = end
            if name.endswith("/"):
                if usize:
                    self._problem(f"{name}: a folder entry with content", fatal=True)
                self._problem(f"{name}: folder entries are not part of the layout")
                continue
            assert self.top is not None
            rel = name[len(self.top) + 1 :]
            self.entries[rel] = ZipEntry(name, rel, method, crc, csize, usize, data_offset)
        if expected != cd_start:
            self._problem(f"{cd_start - expected} unaccounted bytes before the central directory")

    # -- reading entries -------------------------------------------------------------------

    def read_blocks(self, entry: ZipEntry) -> Iterator[bytes]:
        """The entry's bytes in blocks; :class:`ZipReadError` if they are not as declared."""
        if self.fatal:
            raise BundleError(f"{self.label}: refused; nothing is read from this zip")
        self._f.seek(entry.data_offset)
        left = entry.csize
        produced = 0
        crc = 0
        z = zlib.decompressobj(-15) if entry.method == DEFLATED else None
        while left:
            chunk = self._f.read(min(BLOCK, left))
            if not chunk:
                raise ZipReadError("the zip ends inside this entry")
            left -= len(chunk)
            pieces: list[bytes] = []
            if z is None:
                pieces.append(chunk)
            else:
                data = chunk
                while data:
                    try:
                        # Bound the output: never inflate past what the entry declares.
                        out = z.decompress(data, entry.usize - produced + 1)
                    except zlib.error as exc:
                        raise ZipReadError(f"damaged compressed data: {exc}") from None
                    pieces.append(out)
                    produced_now = sum(len(p) for p in pieces)
                    if produced + produced_now > entry.usize:
                        raise ZipReadError("more data than the declared size (zip bomb?)")
                    data = z.unconsumed_tail
                    if not out and data:
                        raise ZipReadError("damaged compressed data")
            for piece in pieces:
                if z is None and produced + len(piece) > entry.usize:
                    raise ZipReadError("more data than the declared size")
                produced += len(piece)
                crc = zlib.crc32(piece, crc)
                if piece:
                    yield piece
        if z is not None and (not z.eof or z.unused_data):
            raise ZipReadError("damaged compressed data (bad end of stream)")
        if produced != entry.usize:
            raise ZipReadError(f"{produced} bytes, but {entry.usize} were declared")
        if crc != entry.crc:
            raise ZipReadError("CRC-32 does not match: the entry's bytes were changed")


class _Fatal(Exception):
    pass


# offset, name bytes, name, version needed, flags, method, time, date, crc, csize, usize
_Raw = tuple[int, bytes, str, int, int, int, int, int, int, int, int]


def _apply_zip64(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    found = False
    while pos < len(extra):
        if pos + 4 > len(extra):
            raise _Fatal("a truncated extra field")
        tag, size = struct.unpack("<HH", extra[pos : pos + 4])
        body = extra[pos + 4 : pos + 4 + size]
        if len(body) != size:
            raise _Fatal("a truncated extra field")
        if tag != 1 or found:
            raise _Fatal(f"unexpected extra field {tag:#06x}")
        found = True
        values = list(struct.unpack(f"<{size // 8}Q", body[: size // 8 * 8]))
        if size % 8:
            raise _Fatal("a malformed Zip64 extra field")
        out = []
        for v in (usize, csize, offset):
            if v == LIMIT32:
                if not values:
                    raise _Fatal("a Zip64 extra field lacks a value")
                out.append(values.pop(0))
            else:
                out.append(v)
        if values:
            raise _Fatal("a Zip64 extra field has values nothing refers to")
        usize, csize, offset = out
        pos += 4 + size
    if not found and LIMIT32 in (usize, csize, offset):
        raise _Fatal("a size of 0xFFFFFFFF with no Zip64 extra field")
    return usize, csize, offset
