"""ISO base media files (HEIC/HEIF/AVIF, Canon CR3): the EXIF item and pixel size.

Only the 'meta' (or 'moov') box is read, never the media data, so a large file costs a few
small reads. Box sizes are bounded by their parent; a box that lies is skipped, not followed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from fieldkit.metadata.containers import Found, _tiff_in
from fieldkit.metadata.tiff import (
    EXIF_TAGS,
    GPS_TAGS,
    IFD0_TAGS,
    Reader,
    TiffTags,
    bytes_reader,
    read_single_ifd,
)

_MAX_BOXES = 10_000
_MAX_META = 16 * 1024 * 1024
_MAX_EXIF = 4 * 1024 * 1024
_CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")


def boxes(read: Reader, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box between ``start`` and ``end``."""
    pos = start
    for _ in range(_MAX_BOXES):
        if pos + 8 > end:
            return
        head = read(pos, 16)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head[:8])
        header = 8
        if size == 1:
            if len(head) < 16:
                return
            size = struct.unpack(">Q", head[8:16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind, pos + header, min(pos + size, end)
        pos += size


def _child(read: Reader, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for k, s, e in boxes(read, start, end):
        if k == kind:
            return s, e
    return None


def _uint(data: bytes, pos: int, size: int) -> tuple[int, int]:
    if size == 0:
        return 0, pos
    if pos + size > len(data):
        raise ValueError("box truncated")
    return int.from_bytes(data[pos : pos + size], "big"), pos + size


def find_heif(read: Reader, file_size: int) -> Found:
    out = Found()
    meta = _child(read, 0, file_size, b"meta")
    if meta is None:
        out.problems.append("HEIF: no 'meta' box")
        return out
    start, end = meta[0] + 4, meta[1]  # 'meta' is a full box
    if end - start > _MAX_META:
        out.problems.append("HEIF: 'meta' box implausibly large")
        return out
    data = read(start, end - start)
    if len(data) < end - start:
        out.problems.append(f"HEIF truncated at byte {start + len(data)} (inside 'meta')")
    local = bytes_reader(data)
    children = {k: (s, e) for k, s, e in boxes(local, 0, len(data))}
    try:
        primary = _primary(data, children)
        exif_id = _exif_item(data, children)
        if b"iprp" in children:
            size = _ispe(data, children[b"iprp"], primary)
            if size:
                out.width, out.height = size
        if exif_id is not None and b"iloc" in children:
            extents = _iloc(data, children[b"iloc"]).get(exif_id)
            if extents:
                method, offset, length = extents
                if method == 1 and b"idat" in children:
                    payload = data[children[b"idat"][0] + offset :][:length]
                else:
                    payload = read(offset, min(length, _MAX_EXIF))
                if len(payload) >= 4:
                    skip = struct.unpack(">I", payload[:4])[0]
                    tiff = _tiff_in(payload[4 + skip :]) if skip < len(payload) else None
                    tiff = tiff or _tiff_in(payload[4:])
                    if tiff:
                        out.tiff = bytes_reader(tiff)
                    else:
                        out.problems.append("HEIF: EXIF item without a TIFF header")
    except (ValueError, struct.error, IndexError) as exc:
        out.problems.append(f"HEIF: 'meta' box damaged ({exc})")
    return out


def _primary(data: bytes, children: dict[bytes, tuple[int, int]]) -> int | None:
    if b"pitm" not in children:
        return None
    s, _ = children[b"pitm"]
    version = data[s]
    return _uint(data, s + 4, 2 if version == 0 else 4)[0]


def _exif_item(data: bytes, children: dict[bytes, tuple[int, int]]) -> int | None:
    if b"iinf" not in children:
        return None
    s, e = children[b"iinf"]
    version = data[s]
    _, pos = _uint(data, s + 4, 2 if version == 0 else 4)
    for kind, bs, _be in boxes(bytes_reader(data), pos, e):
        if kind != b"infe":
            continue
        v = data[bs]
        if v < 2:
            continue
        item_id, p = _uint(data, bs + 4, 2 if v == 2 else 4)
        p += 2  # protection index
        if data[p : p + 4] == b"Exif":
            return item_id
    return None


def _iloc(data: bytes, box: tuple[int, int]) -> dict[int, tuple[int, int, int]]:
    """item id → (construction method, offset, length) of its first extent."""
    s, _e = box
    version = data[s]
    pos = s + 4
    sizes = data[pos]
    sizes2 = data[pos + 1]
    off_size, len_size = sizes >> 4, sizes & 15
    base_size = sizes2 >> 4
    index_size = sizes2 & 15 if version in (1, 2) else 0
    pos += 2
    count, pos = _uint(data, pos, 2 if version < 2 else 4)
    items: dict[int, tuple[int, int, int]] = {}
    for _ in range(min(count, 100_000)):
        item_id, pos = _uint(data, pos, 2 if version < 2 else 4)
        method = 0
        if version in (1, 2):
            raw, pos = _uint(data, pos, 2)
            method = raw & 15
        pos += 2  # data reference index
        base, pos = _uint(data, pos, base_size)
        extents, pos = _uint(data, pos, 2)
        first: tuple[int, int] | None = None
        for _ in range(extents):
            _, pos = _uint(data, pos, index_size)
            off, pos = _uint(data, pos, off_size)
            length, pos = _uint(data, pos, len_size)
            if first is None:
                first = (base + off, length)
        if first is not None:
            items[item_id] = (method, *first)
    return items


def _ispe(data: bytes, iprp: tuple[int, int], primary: int | None) -> tuple[int, int] | None:
    local = bytes_reader(data)
    ipco = ipma = None
    for kind, s, e in boxes(local, *iprp):
        if kind == b"ipco":
            ipco = (s, e)
        elif kind == b"ipma":
            ipma = (s, e)
    if ipco is None:
        return None
    props = list(boxes(local, *ipco))
    wanted: list[int] = []
    if ipma is not None and primary is not None:
        s, _e = ipma
        version, flags = data[s], int.from_bytes(data[s + 1 : s + 4], "big")
        count, pos = _uint(data, s + 4, 4)
        for _ in range(min(count, 100_000)):
            item_id, pos = _uint(data, pos, 2 if version < 1 else 4)
            n, pos = _uint(data, pos, 1)
            for _ in range(n):
                raw, pos = _uint(data, pos, 2 if flags & 1 else 1)
                index = raw & (0x7FFF if flags & 1 else 0x7F)
                if item_id == primary:
                    wanted.append(index)
            if item_id == primary:
                break
    for index in wanted or range(1, len(props) + 1):
        if 1 <= index <= len(props):
            kind, s, _e = props[index - 1]
            if kind == b"ispe":
                return _uint(data, s + 4, 4)[0], _uint(data, s + 8, 4)[0]
    return None


def read_cr3(read: Reader, file_size: int) -> tuple[TiffTags, list[str]]:
    """Canon CR3: IFD0 in 'CMT1', EXIF in 'CMT2', GPS in 'CMT4' inside moov/uuid."""
    tags = TiffTags()
    problems: list[str] = []
    moov = _child(read, 0, file_size, b"moov")
    if moov is None:
        return tags, ["CR3: no 'moov' box"]
    for kind, s, e in boxes(read, *moov):
        if kind != b"uuid" or read(s, 16) != _CANON_UUID:
            continue
        for sub, bs, be in boxes(read, s + 16, e):
            target = {b"CMT1": (IFD0_TAGS, tags.ifd0), b"CMT2": (EXIF_TAGS, tags.exif)}.get(sub)
            if sub == b"CMT4":
                target = (GPS_TAGS, tags.gps)
            if target is None or be - bs > _MAX_EXIF:
                continue
            block = read_single_ifd(bytes_reader(read(bs, be - bs)), target[0], where="CR3")
            target[1].update(block.ifd0)
            problems.extend(block.problems)
            tags.found = True
    return tags, problems
