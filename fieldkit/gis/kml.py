"""KML 2.2 for Google Earth, and KMZ with each photo's thumbnail and direction.

Placemarks are written as text a feature at a time (elements in the order of the KML 2.2
schema, OGC 07-147r2), every value escaped for XML 1.0 (characters it cannot carry become
U+FFFD), so memory stays flat and 100,000 photos take seconds, not minutes: building an
ElementTree per Placemark cost twenty times more.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from typing import IO, Any

from fieldkit.gis.layers import Layer
from fieldkit.gis.sinks import ZIP_TIME, Sink
from fieldkit.progress import CancelToken, Throttle, check_cancel

KMZ_THUMB_SIDE = 320
ARROW_NAME = "files/direction.png"
# Characters XML 1.0 cannot carry (C0 controls except tab, LF, CR): a hostile or damaged
# caption must not make the KML or GPX unreadable.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Placemarks are joined and written a batch at a time.
BATCH = 500

KML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n'
)
KML_TAIL = "</Document>\n</kml>\n"


def xml_text(value: Any) -> str:
    """``value`` as text XML 1.0 can carry (bad characters become U+FFFD)."""
    return _XML_BAD.sub("\ufffd", "" if value is None else str(value))


# What needs work before a value goes into KML text or an attribute: markup characters and
# what XML 1.0 cannot carry. Most values need none, and skip both passes.
_NEEDS_WORK = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(value: Any) -> str:
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    if _NEEDS_WORK.search(text) is None:
        return text
    return html.escape(xml_text(text), quote=True)


def _element(tag: str, value: Any) -> str:
    return f"<{tag}>{_esc(value)}</{tag}>"


def _extended(items: list[tuple[str, Any]]) -> str:
    data = "".join(f'<Data name="{_esc(n)}"><value>{_esc(v)}</value></Data>' for n, v in items)
    return f"<ExtendedData>{data}</ExtendedData>"


def _coords(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y in points)


def placemark(
    layer: Layer, values: dict[str, Any], geometry: Any, thumbs: dict[str, str] | None
) -> str:
    """One Placemark, elements in the order of the KML 2.2 schema (OGC 07-147r2 §9.11)."""
    parts = ["<Placemark>", _element("name", values.get(layer.title_column) or values.get("ref"))]
    if layer.name == "photos" and thumbs is not None:
        key = str(values.get("id") or values.get("ref"))
        lines = []
        if key in thumbs:
            lines.append(f'<img src="{thumbs[key]}" width="{KMZ_THUMB_SIDE}"/>')
        for c in ("caption", "captured_utc", "direction", "sha256"):
            if values.get(c) not in (None, ""):
                lines.append(f"<b>{c}</b>: {_esc(values[c])}")
        parts.append(_element("description", "<br/>".join(lines)))
        if values.get("direction") is not None:
            # IconStyle heading turns the arrow to the photo's bearing (KML 2.2 §12.8)
            parts.append(
                f"<Style><IconStyle><heading>{float(values['direction'])!r}</heading>"
                f"<Icon><href>{ARROW_NAME}</href></Icon></IconStyle></Style>"
            )
    parts.append(
        _extended(
            [(c, values.get(c)) for c in layer.column_names if values.get(c) not in (None, "")]
        )
    )
    if layer.geometry_type == "Point":
        parts.append(f"<Point><coordinates>{geometry[0]!r},{geometry[1]!r}</coordinates></Point>")
    else:
        parts.append("<Polygon>")
        for n, ring in enumerate(geometry):
            side = "outerBoundaryIs" if n == 0 else "innerBoundaryIs"
            parts.append(
                f"<{side}><LinearRing><coordinates>{_coords(ring)}</coordinates>"
                f"</LinearRing></{side}>"
            )
        parts.append("</Polygon>")
    parts.append("</Placemark>\n")
    return "".join(parts)


def write_kml_stream(
    f: IO[bytes],
    layers: list[Layer],
    meta: dict[str, Any],
    thumbs: dict[str, str] | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """The KML document into ``f``, a batch of Placemarks at a time."""
    head = [
        KML_HEAD,
        _element("name", meta["title"]),
        "\n",
        _element("description", meta["audience_note"]),
        "\n",
        _extended(
            [
                (k, meta[k])
                for k in ("audience", "include", "generalise_m", "case", "generator", "crs")
                if meta.get(k) is not None
            ]
        ),
        "\n",
    ]
    f.write("".join(head).encode("utf-8"))
    for layer in layers:
        check_cancel(cancel)
        batch = [f"<Folder><name>{_esc(layer.name)}</name>\n"]
        for values, geometry in layer.rows:
            if geometry is not None:
                batch.append(placemark(layer, values, geometry, thumbs))
            if len(batch) >= BATCH:
                f.write("".join(batch).encode("utf-8"))
                batch = []
                check_cancel(cancel)
        batch.append("</Folder>\n")
        f.write("".join(batch).encode("utf-8"))
    f.write(KML_TAIL.encode("utf-8"))


def write_kml(sink: Sink, layers: list[Layer], meta: dict[str, Any], ctx: Any) -> None:
    with sink.open(ctx.stem) as f:
        write_kml_stream(f, layers, meta, cancel=ctx.cancel)


def arrow_png() -> bytes:
    """A 64-px arrow pointing up (north); Google Earth turns it by the IconStyle heading."""
    from PIL import Image, ImageDraw

    im = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.polygon(
        [(32, 2), (54, 40), (38, 34), (38, 62), (26, 62), (26, 34), (10, 40)],
        fill=(220, 40, 30, 255),
        outline=(255, 255, 255, 255),
    )
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def placeholder_jpeg() -> bytes:
    """A grey square for a photo whose file could not be read (the link stays whole)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (KMZ_THUMB_SIDE, KMZ_THUMB_SIDE), (150, 150, 150)).save(out, "JPEG")
    return out.getvalue()


def _zip_put(z: zipfile.ZipFile, name: str, data: bytes, *, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def write_kmz(sink: Sink, layers: list[Layer], meta: dict[str, Any], ctx: Any) -> None:
    """doc.kml first (Google Earth opens the first .kml entry), then files/.

    One pass, nothing on disk but the output: which photos get a thumbnail is decided
    first from whether the store holds the original, then doc.kml is written, then each
    thumbnail is made and added in turn (one decoded photo in memory at a time). A photo
    whose file is there but cannot be decoded gets a grey placeholder, counted in a note.
    """
    from fieldkit.scaled import is_image, scaled_jpeg

    store, view, report = ctx.store, ctx.view, ctx.report
    public = view.audience.public
    thumbs: dict[str, str] = {}
    wanted: list[dict[str, Any]] = []
    absent = 0
    for m in view.media:
        if m.get("lat") is None or m.get("lon") is None or not is_image(m.get("mime")):
            continue
        if store.media.has(m["_sha256"]):
            thumbs[m["ref"]] = f"files/{m['ref']}.jpg"
            wanted.append(m)
        else:
            absent += 1
    unreadable = 0
    throttle = Throttle(ctx.progress)
    with sink.open(ctx.stem) as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("doc.kml", date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with z.open(info, "w") as doc:  # no zip64: GDAL's KMZ reader refuses it
            write_kml_stream(doc, layers, meta, thumbs, ctx.cancel)
        _zip_put(z, ARROW_NAME, arrow_png())
        for n, m in enumerate(wanted, 1):
            check_cancel(ctx.cancel)
            throttle(n, len(wanted), "thumbnails")
            data = scaled_jpeg(
                store,
                m["_sha256"],
                KMZ_THUMB_SIDE,
                redactions=m.get("_redactions") if public else None,
            )
            if data is None:
                unreadable += 1
                data = placeholder_jpeg()
            _zip_put(z, thumbs[m["ref"]], data, compress=False)
    if absent:
        report.notes.append(
            f"{absent} photos without a thumbnail (the original is not in the store)"
        )
    if unreadable:
        report.notes.append(
            f"{unreadable} photos could not be decoded (or redacted): a grey square stands in"
        )
