"""ISO base media files (HEIC/HEIF/AVIF, Canon CR3): the EXIF and XMP items, pixel size.

Only the 'meta' (or 'moov') box is read, never the media data, so a large file costs a few
small reads. Box sizes are bounded by their parent; a box that lies is skipped, not followed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from fieldkit.metadata.containers import Found, tiff_in
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
    """EXIF, XMP and pixel size of the primary image of a HEIF/AVIF file (ISO/IEC 23008-12).

    The one HEIF reader of FieldKit. Items are found through 'iinf', located through 'iloc'
    (every extent, in the file or in 'idat'), and tied to the primary image ('pitm')
    through 'cdsc' references in 'iref': of several Exif items, the one describing the
    primary image is read. An Exif item starts with a 4-byte exif_tiff_header_offset
    (§A.2.1); one without it (the TIFF header at byte 0, as some writers do) is still
    read, with a warning. XMP is the 'mime' item of type application/rdf+xml.
    """
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
    children: dict[bytes, tuple[int, int]] = {}
    for k, s, e in boxes(local, 0, len(data)):
        children.setdefault(k, (s, e))
    try:
        primary = _primary(data, children)
        items = _items(data, children[b"iinf"]) if b"iinf" in children else {}
        refs = _references(data, children[b"iref"]) if b"iref" in children else {}
        if b"iprp" in children:
            size = _ispe(data, children[b"iprp"], primary)
            if size:
                out.width, out.height = size
        locations = _iloc(data, children[b"iloc"]) if b"iloc" in children else {}
        idat = children.get(b"idat")
        exif_id = _describing(
            [i for i, (kind, _) in items.items() if kind == b"Exif"], primary, refs, "Exif", out
        )
        xmp_id = _describing(
            [i for i, (kind, ctype) in items.items() if kind == b"mime" and ctype in _XMP_TYPES],
            primary,
            refs,
            "XMP",
            out,
        )
        if exif_id is not None:
            payload = _item_bytes(read, data, idat, locations.get(exif_id), "Exif", out)
            if payload is not None:
                tiff = _exif_payload(payload, out)
                if tiff:
                    out.tiff = bytes_reader(tiff)
        if xmp_id is not None:
            out.xmp = _item_bytes(read, data, idat, locations.get(xmp_id), "XMP", out)
    except (ValueError, struct.error, IndexError) as exc:
        out.problems.append(f"HEIF: 'meta' box damaged ({exc})")
    return out


_XMP_TYPES = frozenset({b"application/rdf+xml"})


def _exif_payload(payload: bytes, out: Found) -> bytes | None:
    """The TIFF block of an Exif item: after its 4-byte exif_tiff_header_offset."""
    if payload[:4] in (b"II*\x00", b"MM\x00*"):
        out.problems.append(
            "HEIF: the Exif item has no exif_tiff_header_offset (ISO/IEC 23008-12 §A.2.1); "
            "read from byte 0"
        )
        return payload
    if len(payload) < 8:
        out.problems.append("HEIF: Exif item too short")
        return None
    skip = struct.unpack(">I", payload[:4])[0]
    if 4 + skip + 4 <= len(payload) and payload[4 + skip : 8 + skip] in (b"II*\x00", b"MM\x00*"):
        return payload[4 + skip :]
    tiff = tiff_in(payload[4:])
    if tiff is None:
        out.problems.append("HEIF: EXIF item without a TIFF header")
    return tiff


def _describing(
    candidates: list[int],
    primary: int | None,
    refs: dict[int, set[int]],
    what: str,
    out: Found,
) -> int | None:
    """Of the metadata items, the one whose 'cdsc' reference names the primary image."""
    if not candidates:
        return None
    linked = [i for i in candidates if primary is not None and primary in refs.get(i, set())]
    if linked:
        return linked[0]
    if len(candidates) > 1:
        out.problems.append(
            f"HEIF: {len(candidates)} {what} items and none describes the primary image: "
            f"item {candidates[0]} read"
        )
    return candidates[0]


def _item_bytes(
    read: Reader,
    data: bytes,
    idat: tuple[int, int] | None,
    where: tuple[int, list[tuple[int, int]]] | None,
    what: str,
    out: Found,
) -> bytes | None:
    """An item's bytes: its extents joined, in the file (method 0) or in 'idat' (1)."""
    if where is None:
        out.problems.append(f"HEIF: the {what} item has no location ('iloc')")
        return None
    method, extents = where
    if method not in (0, 1) or (method == 1 and idat is None):
        out.problems.append(f"HEIF: the {what} item's construction method {method} is not read")
        return None
    total = sum(length for _, length in extents)
    if total > _MAX_EXIF:
        out.problems.append(f"HEIF: the {what} item of {total} bytes is too large: not read")
        return None
    parts = []
    for offset, length in extents:
        if method == 1 and idat is not None:
            part = data[idat[0] + offset : idat[1]][:length]
        else:
            part = read(offset, length)
        if len(part) < length:
            out.problems.append(f"HEIF: the {what} item is cut short (file truncated)")
            return None
        parts.append(part)
    return b"".join(parts)


def _primary(data: bytes, children: dict[bytes, tuple[int, int]]) -> int | None:
    if b"pitm" not in children:
        return None
    s, _ = children[b"pitm"]
    version = data[s]
    return _uint(data, s + 4, 2 if version == 0 else 4)[0]


def _items(data: bytes, iinf: tuple[int, int]) -> dict[int, tuple[bytes, bytes]]:
    """item id → (item_type, content_type) from 'infe' version 2/3 entries (§8.11.6)."""
    s, e = iinf
    version = data[s]
    _, pos = _uint(data, s + 4, 2 if version == 0 else 4)
    out: dict[int, tuple[bytes, bytes]] = {}
    for kind, bs, be in boxes(bytes_reader(data), pos, e):
        if kind != b"infe":
            continue
        v = data[bs]
        if v < 2:
            continue
        item_id, p = _uint(data, bs + 4, 2 if v == 2 else 4)
        p += 2  # protection index
        item_type = data[p : p + 4]
        rest = data[p + 4 : be]
        content_type = b""
        if item_type == b"mime":
            fields = rest.split(b"\x00")  # item_name, content_type, content_encoding
            content_type = fields[1].strip() if len(fields) > 1 else b""
        out.setdefault(item_id, (item_type, content_type))
    return out


def _references(data: bytes, iref: tuple[int, int]) -> dict[int, set[int]]:
    """'cdsc' references (§8.11.12): metadata item id → the ids of the items it describes."""
    s, e = iref
    version = data[s]
    width = 2 if version == 0 else 4
    out: dict[int, set[int]] = {}
    for kind, bs, be in boxes(bytes_reader(data), s + 4, e):
        if kind != b"cdsc":
            continue
        from_id, p = _uint(data, bs, width)
        count, p = _uint(data, p, 2)
        for _ in range(count):
            if p + width > be:
                break
            to_id, p = _uint(data, p, width)
            out.setdefault(from_id, set()).add(to_id)
    return out


def _iloc(data: bytes, box: tuple[int, int]) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """item id → (construction method, [(offset, length) of each extent]) (§8.11.3)."""
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
    items: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for _ in range(min(count, 100_000)):
        item_id, pos = _uint(data, pos, 2 if version < 2 else 4)
        method = 0
        if version in (1, 2):
            raw, pos = _uint(data, pos, 2)
            method = raw & 15
        pos += 2  # data reference index
        base, pos = _uint(data, pos, base_size)
        extent_count, pos = _uint(data, pos, 2)
        extents: list[tuple[int, int]] = []
        for _ in range(extent_count):
            _, pos = _uint(data, pos, index_size)
            off, pos = _uint(data, pos, off_size)
            length, pos = _uint(data, pos, len_size)
            extents.append((base + off, length))
        items.setdefault(item_id, (method, extents))
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
