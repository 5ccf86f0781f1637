"""Bounded fuzzing of the readers issue 12 added: XMP, JPEG XL, JPEG 2000, BigTIFF, PNG
text chunks and HEIF items. Each gets random and mutated input and must never raise, never
hang and never print; what it cannot read becomes a warning.

Bounded (60 examples per reader and test, no deadline) so ``make test`` stays quick.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.metadata import read_metadata
from fieldkit.metadata.xmp import read_xmp

MEDIA = Path(__file__).parent / "data" / "media"
BOUNDED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SEEDS = {
    "xmp-jpeg": "modify_date_and_xmp_capture.jpg",
    "jxl": "container_brob_exif.jxl",
    "jp2": "exif_xmp_boxes.jp2",
    "bigtiff": "bigtiff_exif_gps.tif",
    "png": "png_ztxt_exif_itxt_xmp.png",
    "heif": "heic_exif_split_and_decoy.heic",
}


def _mutate(data: bytes, draw: st.DrawFn, *, keep_head: int) -> bytes:
    """Flip up to 8 bytes, maybe cut the tail; the first ``keep_head`` bytes stay so the
    file is still sniffed as its type and the reader under test is the one exercised."""
    out = bytearray(data)
    flips = draw(
        st.lists(st.tuples(st.integers(keep_head, len(out) - 1), st.integers(0, 255)), max_size=8)
    )
    for at, value in flips:
        out[at] = value
    cut = draw(st.integers(keep_head, len(out)))
    return bytes(out[:cut])


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_files_never_raise(kind: str) -> None:
    seed = (MEDIA / SEEDS[kind]).read_bytes()
    # Mutate the metadata end of a large file more often than its pixels.
    keep = {"heif": 12, "bigtiff": 8}.get(kind, 16)

    @BOUNDED
    @given(st.data())
    def run(data: st.DataObject) -> None:
        mutated = _mutate(seed, data.draw, keep_head=keep)
        meta = read_metadata(mutated)
        assert meta.type.startswith("image/") or meta.type == "application/octet-stream"
        assert all(isinstance(w, str) for w in meta.warnings)

    run()


@BOUNDED
@given(st.binary(max_size=2048))
def test_xmp_reader_on_random_bytes(data: bytes) -> None:
    result = read_xmp(data)
    assert all(isinstance(w, str) for w in result.warnings)


_PACKET = (MEDIA / "modify_date_and_xmp_capture.jpg").read_bytes()
_PACKET = _PACKET[_PACKET.index(b"<x:xmpmeta") : _PACKET.index(b"</x:xmpmeta>") + 12]


@BOUNDED
@given(st.data())
def test_xmp_reader_on_mutated_packets(data: st.DataObject) -> None:
    packet = bytearray(_PACKET)
    for at, char in data.draw(
        st.lists(
            st.tuples(st.integers(0, len(packet) - 1), st.sampled_from(b"<>&;:\"'=/ 0-9TZ+\x00")),
            max_size=6,
        )
    ):
        packet[at] = char
    result = read_xmp(bytes(packet))
    for d in result.dates:
        assert d.offset is None or len(d.offset) == 6


@BOUNDED
@given(
    st.text(alphabet="0123456789-:T+Z. GMTU", max_size=40),
    st.text(alphabet="0123456789,.NSEWnsew ", max_size=20),
)
def test_xmp_values_never_raise(date: str, coordinate: str) -> None:
    packet = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:DateTimeOriginal="{date}"
 exif:GPSLatitude="{coordinate}" exif:GPSLongitude="{coordinate}"/></rdf:RDF></x:xmpmeta>"""
    result = read_xmp(packet.encode())
    if result.lat is not None:
        assert -90 <= result.lat <= 90


_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="&lol3;"/></rdf:RDF></x:xmpmeta>"""


def test_hostile_xml_is_refused_not_expanded() -> None:
    from fieldkit.metadata.xmp import _properties

    external = _LAUGHS.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol SYSTEM "file:///etc/passwd">')
    for document in (_LAUGHS, external):
        props, problem = _properties(document)  # the parser itself, DTD included
        assert props == {} and problem is not None and "hardened XML parser" in problem
        result = read_xmp(document)  # the packet: the DTD before it is never parsed
        assert result.dates == () and result.warnings


def test_dtd_inside_the_packet_is_refused() -> None:
    packet = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
<!DOCTYPE x [<!ENTITY e "2020-01-01T00:00:00">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="&e;"/></rdf:RDF></x:xmpmeta>"""
    result = read_xmp(packet)
    assert result.dates == ()
    assert result.warnings


def test_xmp_encodings() -> None:
    text = _PACKET.decode()
    for codec in ("utf-16-le", "utf-16-be", "utf-16", "utf-32"):
        result = read_xmp(text.encode(codec))
        assert [d.prop for d in result.dates] == ["photoshop:DateCreated", "xmp:ModifyDate"], codec
    latin = _PACKET.replace(b'rdf:about=""', b'rdf:about="caf\xe9"')
    assert read_xmp(latin).dates
