"""Makes the self-made media test files in tests/data/media/ (one per fault kind of issue 12).

Run from the repository root: ``.venv/bin/python tests/data/make_media_cases.py``. The files
are committed; this script says exactly how each was made, so a reviewer can re-make and
compare them. Everything is built with Pillow, piexif and plain bytes: no file is
downloaded. exiftool 12.57 reads each as tests/test_media_cases.py expects (checked there).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import piexif
from PIL import Image

HERE = Path(__file__).resolve().parent
OUT = HERE / "media"


# --- BigTIFF ---------------------------------------------------------------------------


def bigtiff_with_exif_and_gps() -> bytes:
    """A big-endian BigTIFF ('MM\\0+'), 24 × 16 RGB, with IFD0, ExifIFD and GPS IFD.

    Layout (BigTIFF: 8-byte counts and offsets, 20-byte entries): header, pixel strip,
    IFD0, ExifIFD, GPS IFD, then the values that do not fit in an entry.
    """
    e = ">"
    width, height = 24, 16
    pixels = bytes([200, 40, 40]) * (width * height)
    strip_at = 16
    ifd0_at = strip_at + len(pixels)
    values = bytearray()

    def entries(items: list[tuple[int, int, int, bytes]], table_at: int, values_at: int) -> bytes:
        nonlocal values
        out = bytearray(struct.pack(e + "Q", len(items)))
        for tag, typ, count, raw in sorted(items):
            if len(raw) <= 8:
                out += struct.pack(e + "HHQ", tag, typ, count) + raw.ljust(8, b"\x00")
            else:
                out += struct.pack(e + "HHQQ", tag, typ, count, values_at + len(values))
                values += raw
        return bytes(out + struct.pack(e + "Q", 0))

    def short(v: int) -> bytes:
        return struct.pack(e + "H", v)

    def long8(v: int) -> bytes:
        return struct.pack(e + "Q", v)

    def rationals(*pairs: tuple[int, int]) -> bytes:
        return b"".join(struct.pack(e + "II", n, d) for n, d in pairs)

    n0, n_exif, n_gps = 13, 2, 5

    def size(n: int) -> int:
        return 8 + 20 * n + 8

    exif_at = ifd0_at + size(n0)
    gps_at = exif_at + size(n_exif)
    values_at = gps_at + size(n_gps)
    ifd0 = [
        (256, 3, 1, short(width)),
        (257, 3, 1, short(height)),
        (258, 3, 3, short(8) * 3),
        (259, 3, 1, short(1)),
        (262, 3, 1, short(2)),
        (271, 2, 10, b"BigMaker\x00\x00"),
        (272, 2, 12, b"Ortho 2000\x00\x00"),
        (273, 16, 1, long8(strip_at)),
        (274, 3, 1, short(6)),
        (277, 3, 1, short(3)),
        (279, 16, 1, long8(len(pixels))),
        (0x8769, 16, 1, long8(exif_at)),
        (0x8825, 16, 1, long8(gps_at)),
    ]
    assert len(ifd0) == n0
    exif = [
        (0x9003, 2, 20, b"2022:03:04 05:06:07\x00"),
        (0x9011, 2, 7, b"+02:00\x00"),
    ]
    gps = [
        (1, 2, 2, b"S\x00"),
        (2, 5, 3, rationals((12, 1), (30, 1), (0, 1))),
        (3, 2, 2, b"W\x00"),
        (4, 5, 3, rationals((45, 1), (15, 1), (0, 1))),
        (0x1F, 5, 1, rationals((35, 10))),
    ]
    body = entries(ifd0, ifd0_at, values_at)
    body += entries(exif, exif_at, values_at)
    body += entries(gps, gps_at, values_at)
    header = b"MM\x00\x2b" + struct.pack(e + "HHQ", 8, 0, ifd0_at)
    return header + pixels + body + bytes(values)


# --- type from structure -------------------------------------------------------------


def tiff_with_make(make: str, model: str, size: tuple[int, int]) -> bytes:
    """A plain RGB TIFF as Photoshop saves one of a camera's photo: the make is kept."""
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 90, 150)).save(
        buf, "TIFF", tiffinfo={271: make, 272: model, 274: 1}
    )
    return buf.getvalue()


# --- Exif after the frame header -------------------------------------------------------


def jpeg_exif_after_sof() -> bytes:
    """A JPEG whose APP1 Exif segment sits after SOF0 and DHT, right before SOS."""
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"LateMake", piexif.ImageIFD.Model: b"LateModel"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2019:12:31 23:59:58"},
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((48, 1), (51, 1), (2400, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((2, 1), (21, 1), (300, 100)),
            },
        }
    )
    buf = io.BytesIO()
    Image.new("RGB", (20, 12), (10, 120, 60)).save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    segments, pos = [], 2
    while True:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segments.append((marker, data[pos : pos + 2 + length]))
        pos += 2 + length
        if marker == 0xDA:
            break
    scan = data[pos - len(segments[-1][1]) :]
    app1 = [seg for m, seg in segments if m == 0xE1]
    others = [seg for m, seg in segments[:-1] if m != 0xE1]
    return b"\xff\xd8" + b"".join(others) + b"".join(app1) + scan


# --- HEIF Exif items ---------------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    out, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        out.append((kind, pos, pos + size))
        pos += size
    return out


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _iloc(items: dict[int, list[tuple[int, int]]]) -> bytes:
    """iloc version 0, 4-byte offsets, lengths and base (0)."""
    body = b"\x00\x00\x00\x00" + bytes([0x44, 0x40]) + struct.pack(">H", len(items))
    for item_id, extents in sorted(items.items()):
        body += struct.pack(">HHIH", item_id, 0, 0, len(extents))
        for offset, length in extents:
            body += struct.pack(">II", offset, length)
    return _box(b"iloc", body)


def _read_iloc(data: bytes) -> dict[int, list[tuple[int, int]]]:
    pos = 8 + 4
    assert data[pos - 4] == 0 and data[pos : pos + 2] == bytes([0x44, 0x40]), "iloc v0 4/4/4"
    count = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    pos += 4
    items = {}
    for _ in range(count):
        item_id, _ref, base, n = struct.unpack(">HHIH", data[pos : pos + 10])
        pos += 10
        extents = []
        for _ in range(n):
            off, length = struct.unpack(">II", data[pos : pos + 8])
            extents.append((base + off, length))
            pos += 8
        items[item_id] = extents
    return items


def _infe(item_id: int, kind: bytes) -> bytes:
    return _box(b"infe", b"\x02\x00\x00\x00" + struct.pack(">HH", item_id, 0) + kind + b"\x00")


def heif_rewritten(source: bytes, *, variant: str) -> bytes:
    """A HEIC (tests/data/sony_exif.heic) with its Exif item rewritten.

    ``no-offset``: the Exif item starts at the TIFF header (no exif_tiff_header_offset, no
    "Exif\\0\\0"), as in the public HEIF conformance file the issue names.
    ``split-decoy``: the Exif item is stored in two extents in reverse physical order at
    the end of 'mdat', and a second Exif item (a decoy with another camera and date, not
    linked to the primary image) comes first in 'iinf'.
    """
    top = _boxes(source, 0, len(source))
    ftyp = next(source[s:e] for k, s, e in top if k == b"ftyp")
    meta_s, meta_e = next((s, e) for k, s, e in top if k == b"meta")
    mdat_s, mdat_e = next((s, e) for k, s, e in top if k == b"mdat")
    assert meta_e <= mdat_s, "meta must precede mdat"
    children = _boxes(source, meta_s + 12, meta_e)
    raw = {k: source[s:e] for k, s, e in children}
    items = _read_iloc(raw[b"iloc"])
    exif_id = 2
    (exif_at, exif_len) = items[exif_id][0]
    payload = source[exif_at : exif_at + exif_len]
    mdat = bytearray(source[mdat_s:mdat_e])
    extra_infe = b""
    if variant == "no-offset":
        skip = struct.unpack(">I", payload[:4])[0]
        items[exif_id] = [(exif_at + 4 + skip, exif_len - 4 - skip)]
    elif variant == "split-decoy":
        half = 50
        first, second = payload[:half], payload[half:]
        at_second = mdat_s + len(mdat)
        mdat += second
        at_first = mdat_s + len(mdat)
        mdat += first
        items[exif_id] = [(at_first, len(first)), (at_second, len(second))]
        decoy_tiff = piexif.dump(
            {
                "0th": {piexif.ImageIFD.Make: b"Decoy", piexif.ImageIFD.Model: b"Thumb"},
                "Exif": {piexif.ExifIFD.DateTimeOriginal: b"1999:01:01 00:00:00"},
            }
        )[6:]
        decoy = struct.pack(">I", 0) + decoy_tiff
        items[9] = [(mdat_s + len(mdat), len(decoy))]
        mdat += decoy
        extra_infe = _infe(9, b"Exif")
    else:
        raise ValueError(variant)
    struct.pack_into(">I", mdat, 0, len(mdat))

    def build(shift: int) -> bytes:
        moved = {
            i: [(off + shift if off >= mdat_s else off, n) for off, n in ext]
            for i, ext in items.items()
        }
        parts = []
        for kind, _s, _e in children:
            if kind == b"iloc":
                parts.append(_iloc(moved))
            elif kind == b"iinf" and extra_infe:
                old = raw[b"iinf"]
                count = struct.unpack(">H", old[12:14])[0]
                body = old[8:12] + struct.pack(">H", count + 1) + extra_infe + old[14:]
                parts.append(_box(b"iinf", body))
            else:
                parts.append(raw[kind])
        return _box(b"meta", source[meta_s + 8 : meta_s + 12] + b"".join(parts))

    meta = build(0)
    between = source[meta_e:mdat_s]
    shift = len(meta) - (meta_e - meta_s)
    meta = build(shift)
    return ftyp + meta + between + bytes(mdat)


# --- Pillow warnings, canonical UTC, local source, wrong-type pointers ------------------


def tiff_tag_past_end() -> bytes:
    """A TIFF whose ImageDescription claims more bytes than the file has: Pillow warns
    "Tag data larger than file" (or "Corrupt EXIF data") while decoding the pixels fine."""
    buf = io.BytesIO()
    Image.new("L", (16, 8), 128).save(buf, "TIFF", tiffinfo={270: "x" * 40})
    data = bytearray(buf.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[ifd : ifd + 2])[0]
    for i in range(count):
        at = ifd + 2 + 12 * i
        if struct.unpack("<H", data[at : at + 2])[0] == 270:
            struct.pack_into("<I", data, at + 4, 1_000_000)  # count far past the end
    return bytes(data)


def jpeg_with(exif: dict[str, dict[int, object]], xmp: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 90, 90)).save(buf, "JPEG", exif=piexif.dump(exif))
    data = buf.getvalue()
    if xmp is not None:
        head = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
        data = data[:2] + b"\xff\xe1" + struct.pack(">H", 2 + len(head)) + head + data[2:]
    return data


XMP_CAPTURE = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
  xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  photoshop:DateCreated="2021-05-06T07:08:09.25+03:00"
  xmp:ModifyDate="2024-01-02T03:04:05+01:00"/>
</rdf:RDF></x:xmpmeta>"""


def pointer_of_wrong_type(tag: int, typ: int, value: bytes) -> bytes:
    """A JPEG whose IFD0 holds Make and one pointer of the wrong field type."""
    entries = [(0x010F, 2, 5, b"Bad\x00\x00"), (tag, typ, len(value) // {2: 1, 5: 8}[typ], value)]
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    table = bytearray(struct.pack("<H", len(entries)))
    tail_at = 8 + 2 + 12 * len(entries) + 4
    tail = bytearray()
    for t, ty, n, raw in sorted(entries):
        if len(raw) <= 4:
            table += struct.pack("<HHI", t, ty, n) + raw.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", t, ty, n, tail_at + len(tail))
            tail += raw
    out += table + b"\x00\x00\x00\x00" + tail
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "JPEG", exif=b"Exif\x00\x00" + bytes(out))
    return buf.getvalue()


# --- PNG, JPEG XL, JPEG 2000 -------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_ztxt_profile_and_itxt_xmp() -> bytes:
    """A PNG with EXIF as an ImageMagick 'Raw profile type exif' zTXt chunk and XMP in iTXt."""
    tiff = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"PngMake"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2018:02:03 04:05:06"},
        }
    )
    hexed = tiff.hex()
    text = (
        b"\nexif\n%8d\n" % len(tiff)
        + "\n".join(hexed[i : i + 72] for i in range(0, len(hexed), 72)).encode()
        + b"\n"
    )
    ztxt = b"Raw profile type exif\x00\x00" + zlib.compress(text)
    xmp = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="10,30.5N"
 exif:GPSLongitude="20,15.25W" exif:GPSAltitude="1234/10" exif:GPSAltitudeRef="0"/>
</rdf:RDF></x:xmpmeta>"""
    itxt = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp
    buf = io.BytesIO()
    Image.new("RGB", (9, 7), (1, 2, 3)).save(buf, "PNG")
    data = buf.getvalue()
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + _png_chunk(b"zTXt", ztxt) + _png_chunk(b"iTXt", itxt) + data[iend:]


def jxl_container(codestream: bytes) -> bytes:
    """A JPEG XL container: a brotli-compressed Exif box ('brob'), an 'xml ' box, jxlc."""
    import brotli

    tiff = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"JxlMake", piexif.ImageIFD.Model: b"JxlModel"},
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: b"2023:07:08 09:10:11",
                piexif.ExifIFD.OffsetTimeOriginal: b"-05:00",
            },
        }
    )[6:]
    exif_box = struct.pack(">I", 0) + tiff
    xmp = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N"
 exif:GPSLongitude="0,7.5W"/></rdf:RDF></x:xmpmeta>"""
    return (
        _box(b"JXL ", b"\r\n\x87\n")
        + _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
        + _box(b"brob", b"Exif" + brotli.compress(exif_box))
        + _box(b"xml ", xmp)
        + _box(b"jxlc", codestream)
    )


def jp2_with_exif_and_xmp() -> bytes:
    """A JPEG 2000 file from Pillow (OpenJPEG) with an Exif uuid box and an XMP uuid box."""
    buf = io.BytesIO()
    Image.new("RGB", (33, 21), (200, 180, 20)).save(buf, "JPEG2000")
    data = buf.getvalue()
    tiff = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Jp2Make"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2017:06:05 04:03:02"},
        }
    )
    exif = _box(b"uuid", b"JpgTiffExif->JP2" + tiff)
    xmp = _box(
        b"uuid",
        bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
        + b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalYawDegree="-90.5"
 drone-dji:GpsLatitude="-1.2921" drone-dji:GpsLongitude="36.8219"
 drone-dji:AbsoluteAltitude="+1795.30" drone-dji:RelativeAltitude="+55.20"/>
</rdf:RDF></x:xmpmeta>""",
    )
    at = data.index(b"jp2c") - 4
    return data[:at] + exif + xmp + data[at:]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    sony = (HERE / "sony_exif.heic").read_bytes()
    jxl = (HERE / "media" / "codestream.jxl").read_bytes()
    files = {
        "bigtiff_exif_gps.tif": bigtiff_with_exif_and_gps(),
        "tiff_with_sony_make_not_arw.tif": tiff_with_make("SONY", "ILCE-7M3", (36, 24)),
        "exif_app1_after_sof_and_dht.jpg": jpeg_exif_after_sof(),
        "heic_exif_without_offset.heic": heif_rewritten(sony, variant="no-offset"),
        "heic_exif_split_and_decoy.heic": heif_rewritten(sony, variant="split-decoy"),
        "tiff_tag_past_end.tif": tiff_tag_past_end(),
        "subsec_700.jpg": jpeg_with(
            {
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: b"2020:10:09 14:02:54",
                    piexif.ExifIFD.SubSecTimeOriginal: b"700",
                    piexif.ExifIFD.OffsetTimeOriginal: b"+04:00",
                }
            }
        ),
        "subsec_00.jpg": jpeg_with(
            {
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: b"2020:10:09 14:02:54",
                    piexif.ExifIFD.SubSecTimeOriginal: b"00",
                    piexif.ExifIFD.OffsetTimeOriginal: b"+04:00",
                }
            }
        ),
        "modify_date_and_xmp_capture.jpg": jpeg_with(
            {"0th": {piexif.ImageIFD.DateTime: b"2024:01:02 03:04:05"}}, XMP_CAPTURE
        ),
        "gps_pointer_as_ascii.jpg": pointer_of_wrong_type(0x8825, 2, b"1234\x00\x00\x00\x00"),
        "exif_pointer_as_rational.jpg": pointer_of_wrong_type(0x8769, 5, struct.pack("<II", 26, 1)),
        "png_ztxt_exif_itxt_xmp.png": png_with_ztxt_profile_and_itxt_xmp(),
        "container_brob_exif.jxl": jxl_container(jxl),
        "exif_xmp_boxes.jp2": jp2_with_exif_and_xmp(),
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
