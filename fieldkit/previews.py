"""Embedded previews: the picture a camera stores beside the photo, for a fast first view.

Decoding an embedded preview costs milliseconds where the full photo costs tens (a JPEG) or
seconds (a HEIC); the full decode, which also finds a truncated file, then runs in the
background (:func:`fieldkit.thumbnails.check_pending`). Where each preview is:

- **JPEG**: the thumbnail in the EXIF block's second IFD (IFD1: JPEGInterchangeFormat, tag
  0x0201, and JPEGInterchangeFormatLength, 0x0202; EXIF 2.32 §4.5.5).
- **TIFF-based raws** (CR2, NEF, ARW, DNG, PEF, RW2): the *largest* baseline JPEG among
  IFD0, the IFDs chained after it, and IFD0's SubIFDs (tag 0x014A): a JPEGInterchangeFormat
  pair (Nikon's and Sony's PreviewImage/JpgFromRaw), a single strip of Compression 6 or 7
  that holds a baseline JPEG (Canon's CR2 IFD0, DNG previews; the lossless-JPEG sensor data
  is refused by its SOF3 marker), or Panasonic's JpgFromRaw (tag 0x002E, RW2).
- **Canon CR3**: the PRVW box (uuid ``eaf42b5e-1c98-4b88-b9fb-b7dc406e4d16``, about
  1620 × 1080) or else the THMB box inside ``moov``'s Canon uuid (160 × 120).
- **HEIC/HEIF**: the thumbnail item referenced to the primary item (``thmb``,
  ISO/IEC 23008-12 §6.6.2.3.2), found by FieldKit's HEIF reader
  (:func:`fieldkit.metadata.bmff.find_heif`) and decoded by libheif (pillow-heif): it is
  HEVC-coded, not JPEG. libheif applies the item's own rotation (``irot``/``imir``), so it
  is already upright.

A JPEG preview is only trusted when it is complete (SOI … EOI) and baseline or progressive
(SOF0..2), so Pillow decodes it; a raw's preview is stored as the sensor is, and is turned
upright by the record's EXIF Orientation like the photo. FieldKit decodes no raw sensor
data: for a raw file, the background check (:func:`raw_data_problem`) confirms that the
sensor data the file points to lies inside it (a truncated raw is found), and the preview
stays its picture.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fieldkit.metadata.bmff import boxes, find_heif
from fieldkit.metadata.containers import find_jpeg
from fieldkit.metadata.filetype import HEIF_FAMILY, TIFF_LIKE
from fieldkit.metadata.tiff import Reader, file_reader

if TYPE_CHECKING:
    from PIL import Image as PILImage

#: An IFD1 thumbnail larger than this is not a thumbnail (and not read).
MAX_PREVIEW_BYTES = 4 * 1024 * 1024
#: A raw's full-size JpgFromRaw may be this large (a 45-MP camera's is about 12 MB).
MAX_RAW_PREVIEW_BYTES = 32 * 1024 * 1024
#: Camera raw types whose preview is read here (the TIFF-based ones and CR3).
RAW_TYPES = frozenset((TIFF_LIKE - {"image/tiff"}) | {"image/x-canon-cr3"})

_JPEG_OFFSET, _JPEG_LENGTH = 0x0201, 0x0202
_COMPRESSION, _STRIP_OFFSETS, _STRIP_COUNTS = 0x0103, 0x0111, 0x0117
_TILE_OFFSETS, _TILE_COUNTS = 0x0144, 0x0145
_SUBIFDS, _RW2_JPEG = 0x014A, 0x002E
_MAX_IFDS = 16
_CR3_PRVW_UUID = bytes.fromhex("eaf42b5e1c984b88b9fbb7dc406e4d16")
_CR3_CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

#: An entry as stored: (type, count, the 4 value bytes).
_Entry = tuple[int, int, bytes]


class _Ifds:
    """The IFDs of a TIFF-like file (classic TIFF offsets; RW2's magic 0x55 too)."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        header = read(0, 8)
        self.endian = {b"II": "<", b"MM": ">"}.get(header[:2], "")
        if len(header) < 8 or not self.endian:
            raise ValueError("not a TIFF header")
        if struct.unpack(self.endian + "H", header[2:4])[0] not in (42, 0x55):
            raise ValueError("not a classic TIFF")
        self.first = struct.unpack(self.endian + "I", header[4:8])[0]

    def entries(self, offset: int) -> tuple[dict[int, _Entry], int]:
        """The entries of the IFD at ``offset`` and the offset of the next IFD (0: none)."""
        raw_count = self.read(offset, 2)
        if len(raw_count) < 2:
            return {}, 0
        count = min(struct.unpack(self.endian + "H", raw_count)[0], 1024)
        data = self.read(offset + 2, 12 * count + 4)
        out: dict[int, _Entry] = {}
        for i in range(min(count, len(data) // 12)):
            tag, typ, n = struct.unpack(self.endian + "HHI", data[i * 12 : i * 12 + 8])
            out.setdefault(tag, (typ, n, data[i * 12 + 8 : i * 12 + 12]))
        tail = data[12 * count : 12 * count + 4]
        nxt = struct.unpack(self.endian + "I", tail)[0] if len(tail) == 4 else 0
        return out, nxt

    def numbers(self, entry: _Entry | None, limit: int = 4096) -> list[int]:
        """The SHORT/LONG (or LONG-like IFD type 13) values of an entry."""
        if entry is None:
            return []
        typ, n, value = entry
        if typ not in (3, 4, 13) or n == 0 or n > limit:
            return []
        width = 2 if typ == 3 else 4
        raw = (
            value
            if n * width <= 4
            else self.read(struct.unpack(self.endian + "I", value)[0], n * width)
        )
        if len(raw) < n * width:
            return []
        return list(struct.unpack(self.endian + ("H" if typ == 3 else "I") * n, raw[: n * width]))

    def blob(self, entry: _Entry) -> tuple[int, int] | None:
        """(offset, length) of an UNDEFINED/BYTE entry's data (RW2's JpgFromRaw)."""
        typ, n, value = entry
        if typ not in (1, 7) or n <= 4:
            return None
        return struct.unpack(self.endian + "I", value)[0], n

    def walk(self) -> Iterator[dict[int, _Entry]]:
        """IFD0, the IFDs chained after it, and IFD0's SubIFDs (each once, at most 16)."""
        seen: set[int] = set()
        queue = [self.first]
        while queue and len(seen) < _MAX_IFDS:
            offset = queue.pop(0)
            if offset == 0 or offset in seen:
                continue
            seen.add(offset)
            entries, nxt = self.entries(offset)
            if not entries:
                continue
            yield entries
            queue.extend(self.numbers(entries.get(_SUBIFDS), limit=_MAX_IFDS))
            queue.append(nxt)


def _jpeg_shape(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a baseline/progressive JPEG (SOF0..2), None for anything else.

    Lossless JPEG (SOF3, raw sensor data) and arithmetic coding are refused: Pillow cannot
    decode them, and they are not pictures to look at.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    for _ in range(512):
        if pos + 4 > len(data) or data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if marker not in (0xC0, 0xC1, 0xC2) or pos + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return (width, height) if width and height else None
        if marker == 0xDA:
            return None
        pos += 2 + length
    return None


def _complete(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8") and data.rstrip(b"\x00").endswith(b"\xff\xd9")


def _ifd1_jpeg(read: Reader) -> bytes | None:
    try:
        ifds = _Ifds(read)
        entries, nxt = ifds.entries(ifds.first)
        if not entries or nxt in (0, ifds.first):
            return None
        ifd1, _ = ifds.entries(nxt)
    except (ValueError, struct.error):
        return None
    offset = ifds.numbers(ifd1.get(_JPEG_OFFSET), 1)
    length = ifds.numbers(ifd1.get(_JPEG_LENGTH), 1)
    if not offset or not length or not offset[0] or not 0 < length[0] <= MAX_PREVIEW_BYTES:
        return None
    data = read(offset[0], length[0])
    if len(data) != length[0] or not _complete(data):
        return None
    return data


def _raw_candidates(ifds: _Ifds) -> Iterator[tuple[int, int]]:
    """(offset, length) of every JPEG a TIFF-based raw may hold as its preview."""
    for entries in ifds.walk():
        offset = ifds.numbers(entries.get(_JPEG_OFFSET), 1)
        length = ifds.numbers(entries.get(_JPEG_LENGTH), 1)
        if offset and length:
            yield offset[0], length[0]
        if ifds.numbers(entries.get(_COMPRESSION), 1) in ([6], [7]):
            strips = ifds.numbers(entries.get(_STRIP_OFFSETS), 1)
            counts = ifds.numbers(entries.get(_STRIP_COUNTS), 1)
            if strips and counts:
                yield strips[0], counts[0]
        if _RW2_JPEG in entries:
            found = ifds.blob(entries[_RW2_JPEG])
            if found:
                yield found


def _raw_jpeg(read: Reader) -> bytes | None:
    """The largest decodable JPEG preview of a TIFF-based raw."""
    try:
        ifds = _Ifds(read)
        best: tuple[int, bytes] | None = None
        for offset, length in _raw_candidates(ifds):
            if not offset or not 0 < length <= MAX_RAW_PREVIEW_BYTES:
                continue
            head = read(offset, 64 * 1024)
            shape = _jpeg_shape(head)
            if shape is None or (best is not None and shape[0] * shape[1] <= best[0]):
                continue
            data = read(offset, length)
            if len(data) == length and _complete(data):
                best = (shape[0] * shape[1], data)
    except (ValueError, struct.error, OverflowError):
        return None
    return best[1] if best else None


def _box_jpeg(read: Reader, start: int, end: int) -> bytes | None:
    """The JPEG inside a CR3 PRVW/THMB box: it starts within the box's first 32 bytes."""
    if end - start > MAX_RAW_PREVIEW_BYTES:
        return None
    data = read(start, end - start)
    at = data.find(b"\xff\xd8\xff", 0, 32)
    if at < 0:
        return None
    jpeg = data[at:]
    return jpeg if _complete(jpeg) and _jpeg_shape(jpeg) else None


def _cr3_jpeg(read: Reader, size: int) -> bytes | None:
    """CR3: PRVW (in its top-level uuid box) before THMB (in moov's Canon uuid box)."""
    thumb = None
    for kind, s, e in boxes(read, 0, size):
        if kind == b"uuid" and read(s, 16) == _CR3_PRVW_UUID:
            for sub, bs, be in boxes(read, s + 24, e):  # uuid, then 8 bytes Canon keeps
                if sub == b"PRVW":
                    found = _box_jpeg(read, bs, be)
                    if found:
                        return found
        elif kind == b"moov" and thumb is None:
            for sub, bs, be in boxes(read, s, e):
                if sub == b"uuid" and read(bs, 16) == _CR3_CANON_UUID:
                    for inner, ts, te in boxes(read, bs + 16, be):
                        if inner == b"THMB":
                            thumb = _box_jpeg(read, ts, te)
    return thumb


def _size(fh: BinaryIO) -> int:
    return fh.seek(0, io.SEEK_END)


def embedded_jpeg(fh: BinaryIO, mime: str) -> bytes | None:
    """The embedded JPEG preview of a JPEG or a camera raw, or None (never raises).

    ``fh`` is the whole file (a JPEG's head is enough: its thumbnail is in the first
    64 KiB); ``mime`` its type as FieldKit's reader decided it.
    """
    try:
        if mime == "image/jpeg":
            found = find_jpeg(fh)
            return _ifd1_jpeg(found.tiff) if found.tiff is not None else None
        if mime == "image/x-canon-cr3":
            return _cr3_jpeg(file_reader(fh), _size(fh))
        if mime in RAW_TYPES:
            return _raw_jpeg(file_reader(fh))
    except (OSError, ValueError, OverflowError, IndexError, struct.error):
        return None
    return None


def heif_thumbnail(data: bytes) -> PILImage.Image | None:
    """The largest thumbnail item of a HEIF file's primary image, decoded and upright.

    None when the file has none (or it does not decode); never raises. ``data`` is the
    whole file: pillow-heif reads from memory.
    """
    try:
        found = find_heif(file_reader(io.BytesIO(data)), len(data))
        if not found.thumbnail_items:
            return None
        import pillow_heif

        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        primary = heif.primary_index
        sizes = heif[primary].info.get("thumbnails") or []
    except Exception:  # libheif raises ValueError/RuntimeError for damaged files
        return None
    for index in sorted(range(len(sizes)), key=lambda i: -(sizes[i] or 0)):
        try:  # the largest that decodes (libheif refuses one whose size lies)
            return heif[primary].get_thumbnail(index).to_pillow()
        except Exception:
            continue
    return None


def embedded_preview(src: Path | bytes, mime: str) -> bytes | PILImage.Image | None:
    """The fast first view of a stored photo: JPEG bytes, a decoded HEIF thumbnail, or None.

    ``src`` is the stored copy (its path) or its bytes (an encrypted store). Never raises.
    """
    try:
        if mime in HEIF_FAMILY:
            data = src if isinstance(src, bytes | bytearray) else Path(src).read_bytes()
            return heif_thumbnail(bytes(data))
        if isinstance(src, bytes | bytearray):
            return embedded_jpeg(io.BytesIO(src), mime)
        with open(src, "rb") as fh:
            return embedded_jpeg(fh, mime)
    except OSError:
        return None


def raw_data_problem(fh: BinaryIO, mime: str) -> str | None:
    """Why a camera raw's sensor data is incomplete, or None when all of it is in the file.

    TIFF-based raws: every strip and tile (StripOffsets/StripByteCounts, TileOffsets/
    TileByteCounts, TIFF 6.0 §3, §15) of every IFD must end inside the file. CR3: every
    top-level box (ISO/IEC 14496-12 §4.2) must end inside the file. This is the
    truncation check of a raw; its pixels are not decoded (FieldKit has no raw decoder).
    """
    size = _size(fh)
    read = file_reader(fh)
    try:
        if mime == "image/x-canon-cr3":
            pos = 0
            while pos + 8 <= size:
                head = read(pos, 16)
                box, kind = struct.unpack(">I4s", head[:8])
                if box == 1 and len(head) >= 16:
                    box = struct.unpack(">Q", head[8:16])[0]
                elif box == 0:
                    box = size - pos
                if box < 8:
                    return f"box '{kind.decode('latin-1')}' at byte {pos} is damaged"
                if pos + box > size:
                    return f"the file is cut short: box ends at byte {pos + box}, file has {size}"
                pos += box
            return None
        ifds = _Ifds(read)
        end = 0
        for entries in ifds.walk():
            for offsets_tag, counts_tag in (
                (_STRIP_OFFSETS, _STRIP_COUNTS),
                (_TILE_OFFSETS, _TILE_COUNTS),
            ):
                offsets = ifds.numbers(entries.get(offsets_tag), 1 << 20)
                counts = ifds.numbers(entries.get(counts_tag), 1 << 20)
                for offset, count in zip(offsets, counts, strict=False):
                    end = max(end, offset + count)
        if end > size:
            return f"the file is cut short: its image data runs to byte {end}, file has {size}"
    except (ValueError, struct.error, OverflowError) as exc:
        return f"the raw file's structure cannot be read ({exc})"
    return None
