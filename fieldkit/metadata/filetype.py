"""The type of a file by its content (magic bytes), never by its name.

A ``.jpg`` may hold HEIC, and a text file may be called ``photo.jpg``: the name is what a
person typed, the bytes are the evidence.
"""

from __future__ import annotations

#: How many leading bytes :func:`sniff_type` looks at.
SNIFF_BYTES = 4096

HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})
HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"MiHE", b"MiHB", b"MiAN", b"MiPr"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})
#: ISO-BMFF types that pillow-heif and exifread's HEIF reader understand.
HEIF_FAMILY = frozenset({"image/heic", "image/heif", "image/avif"})

_MP4_BRANDS = {
    b"qt  ": "video/quicktime",
    b"crx ": "image/x-canon-cr3",
    b"M4A ": "audio/mp4",
    b"M4V ": "video/mp4",
}

# Types for which Pillow's pixel size is the image's own (raw formats often open as their
# small preview, so they are left out on purpose).
PILLOW_SIZED = frozenset(
    {"image/jpeg", "image/png", "image/tiff", "image/webp", "image/gif", "image/bmp"} | HEIF_FAMILY
)

#: TIFF-structured files whose EXIF exifread reads from offset 0.
TIFF_LIKE = frozenset(
    {
        "image/tiff",
        "image/x-adobe-dng",
        "image/x-canon-cr2",
        "image/x-nikon-nef",
        "image/x-panasonic-rw2",
        "image/x-olympus-orf",
        "image/x-sony-arw",
        "image/x-pentax-pef",
    }
)


def _ftyp_type(head: bytes) -> str | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(max(size, 16), len(head))
    brands = {major} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in AVIF_BRANDS:
        return "image/avif"
    if major in HEIC_BRANDS:
        return "image/heic"
    if major in _MP4_BRANDS:
        return _MP4_BRANDS[major]
    if major in HEIF_BRANDS:
        if brands & HEIC_BRANDS:
            return "image/heic"
        if brands & AVIF_BRANDS:
            return "image/avif"
        return "image/heif"
    if major.startswith(b"3g2"):
        return "video/3gpp2"
    if major.startswith(b"3gp"):
        return "video/3gpp"
    return "video/mp4"


def sniff_type(head: bytes) -> str:
    """A MIME type from the first bytes of a file (``application/octet-stream`` if unknown)."""
    if not head:
        return "application/octet-stream"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[:4] == b"II*\x00" and head[8:10] == b"CR":
            return "image/x-canon-cr2"
        return "image/tiff"
    if head[:8] in (b"II+\x00\x08\x00\x00\x00", b"MM\x00+\x00\x08\x00\x00"):
        return "image/tiff"  # BigTIFF: 64-bit offsets (scans, orthomosaics)
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n"):
        return "image/jp2"  # JPEG 2000 signature box (ISO/IEC 15444-1 §I.5.1)
    if head[:4] == b"IIU\x00":
        return "image/x-panasonic-rw2"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "image/x-olympus-orf"
    if head.startswith(b"II\x1a\x00\x00\x00HEAPCCDR"):
        return "image/x-canon-crw"
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "image/x-fuji-raf"
    if head.startswith(b"FOVb"):
        return "image/x-sigma-x3f"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "image/jxl"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(
            head[8:12], "application/octet-stream"
        )
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:2] == b"BM" and len(head) >= 26:
        return "image/bmp"
    ftyp = _ftyp_type(head)
    if ftyp:
        return ftyp
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


#: PhotometricInterpretation values of sensor data (TIFF/EP CFA, DNG LinearRaw) and
#: Nikon's own raw compression: an image stored so is a camera raw, whatever its make.
_RAW_PHOTOMETRIC = frozenset({32803, 34892})
_RAW_COMPRESSION = frozenset({34713})
#: TIFF-structured raw formats by the maker that wrote them (only once the structure says
#: raw: a plain TIFF saved by Photoshop from a Nikon photo keeps Make "NIKON CORPORATION").
_RAW_BY_MAKE = (
    ("NIKON", "image/x-nikon-nef"),
    ("SONY", "image/x-sony-arw"),
    ("PENTAX", "image/x-pentax-pef"),
    ("RICOH", "image/x-pentax-pef"),
)


def tiff_type(ifd0: dict[str, object], subifds: list[dict[str, object]]) -> str:
    """The type of a TIFF-structured file from its structure, never from the make alone.

    DNG: IFD0 has DNGVersion (DNG 1.6 §"DNGVersion"). A camera raw: some image is sensor
    data (PhotometricInterpretation CFA 32803 or LinearRaw 34892, or Nikon compression
    34713), or the file follows TIFF/EP's raw layout — IFD0 a reduced-resolution image
    (NewSubfileType bit 0) with TIFF-EPStandardID and SubIFDs (ISO 12234-2). Only then does
    the make name the raw format. Everything else is ``image/tiff``.
    """
    if "DNGVersion" in ifd0:
        return "image/x-adobe-dng"
    images = [ifd0, *subifds]
    sensor = any(
        _first(im.get("PhotometricInterpretation")) in _RAW_PHOTOMETRIC
        or _first(im.get("Compression")) in _RAW_COMPRESSION
        for im in images
    )
    reduced = (_first(ifd0.get("NewSubfileType")) or 0) & 1
    tiff_ep = bool(reduced) and "TIFF-EPStandardID" in ifd0 and bool(subifds)
    if not (sensor or tiff_ep):
        return "image/tiff"
    make = ifd0.get("Make")
    text = make.decode("latin-1").strip(" \x00").upper() if isinstance(make, bytes) else ""
    for prefix, mime in _RAW_BY_MAKE:
        if text.startswith(prefix):
            return mime
    return "image/tiff"


def _first(value: object) -> int | None:
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return value[0]
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed block is still text.
        if exc.start < len(head) - 3:
            return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control <= len(head) // 100


def is_image(mime: str) -> bool:
    return mime.startswith("image/")
