"""GIS and spreadsheet exports: GeoJSON, KML, KMZ, GPX, GeoPackage, CSV.

``export_gis(store, fmt, out, audience=…, case_id=…)`` writes the layers of
:mod:`fieldkit.gis.layers` (sites, remnants, photos, footprints when the map package
provides them) for one audience (:mod:`fieldkit.audience` decides what each may carry):

=========  ==========================================================================
geojson    a folder, one RFC 7946 FeatureCollection per layer (WGS 84, longitude first;
           the audience in a top-level ``fieldkit`` member and in every feature)
kml        one KML 2.2 file for Google Earth, a Folder per layer (written a Placemark at
           a time with xml.etree.ElementTree)
kmz        the same zipped with each photo's thumbnail and a direction arrow rotated to
           the photo's bearing (IconStyle heading, KML 2.2 §10.7)
gpx        GPX 1.1 waypoints of sites and remnants for handheld GPS units (gpxpy);
           photos are left out: thousands of waypoints are unusable on a handheld
gpkg       one OGC GeoPackage, one table per layer, EPSG:4326 (pyogrio / GDAL)
csv        a folder, one CSV per layer: UTF-8 with a byte-order mark and a header row,
           lat/lon columns (footprints as WKT), so Excel and LibreOffice read it right
=========  ==========================================================================

The audience is in every output's metadata and in its file name: ``--out case.gpkg``
for the internal audience writes ``case-internal.gpkg``. Outputs are written under a
temporary name and renamed into place when complete, so a half-written file never
looks finished.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit import __version__
from fieldkit.audience import Audience, OutputView, build_view, tagged_path
from fieldkit.errors import FieldkitError
from fieldkit.gis.layers import FootprintFn, Layer, all_layers
from fieldkit.progress import CancelToken, ProgressFn, check_cancel

if TYPE_CHECKING:
    from fieldkit.store import Store

FORMATS = ("geojson", "kml", "kmz", "gpx", "gpkg", "csv")
SUFFIX = {"kml": ".kml", "kmz": ".kmz", "gpx": ".gpx", "gpkg": ".gpkg"}
FOLDER_FORMATS = ("geojson", "csv")
KMZ_THUMB_SIDE = 320
# KMZ entries get a fixed time, so the same store state gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Characters XML 1.0 cannot carry (C0 controls except tab, LF, CR): a hostile or damaged
# caption must not make the KML or GPX unreadable.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class GisError(FieldkitError):
    """A GIS export that cannot be written (bad format, unwritable path)."""


@dataclass
class GisReport:
    format: str
    path: Path
    audience: dict[str, Any]
    layers: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    held_back: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "path": str(self.path),
            **self.audience,
            "layers": self.layers,
            "files": self.files,
            "held_back": self.held_back,
            "notes": self.notes,
        }


def audience_path(out: Path, audience: Audience, fmt: str) -> Path:
    """``out`` with the audience in its name (``case.gpkg`` → ``case-internal.gpkg``);
    folder formats end in the format (``case-internal-csv``)."""
    folder = fmt if fmt in FOLDER_FORMATS else ""
    return tagged_path(out, audience, SUFFIX.get(fmt, ""), folder)


def _footprint_function() -> Callable[..., Any] | None:
    """The map package's ``site_footprint(store, site_id)``, when the map package exists."""
    try:
        import importlib

        fp_module = importlib.import_module("fieldkit.map.footprint")
    except ImportError:
        return None
    fn = getattr(fp_module, "site_footprint", None)
    return fn if callable(fn) else None


def export_gis(
    store: Store,
    fmt: str,
    out: Path,
    *,
    audience: Audience | None = None,
    case_id: str | None = None,
    allow_sensitive: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> GisReport:
    """Write the GIS layers of a case (or of all cases) in ``fmt`` for ``audience``.

    Raises :class:`GisError` for an unknown format or a target that exists,
    :class:`~fieldkit.audience.SensitiveOutput` when restricted or confidential content
    would be written without ``allow_sensitive``, :class:`~fieldkit.errors.Cancelled`.
    """
    from fieldkit.audience import check_sensitive_output

    if fmt not in FORMATS:
        raise GisError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    audience = audience or Audience()
    target = audience_path(Path(out), audience, fmt)
    if target.exists():
        raise GisError(f"{target} already exists; choose another --out or remove it")
    if not target.parent.is_dir():
        raise GisError(f"{target.parent} is not a folder")
    view = build_view(store, audience, case_id=case_id, cancel=cancel)
    check_sensitive_output(view, allowed=allow_sensitive, what=f"the {fmt} export")
    fp_fn: FootprintFn | None = None
    if store is not None:
        fn = _footprint_function()
        if fn is not None:

            def fp_fn(site_id: str) -> dict[str, Any] | None:
                try:
                    result = fn(store, site_id)
                except FieldkitError:
                    return None
                return result if isinstance(result, dict) else None

    layers = all_layers(view, fp_fn)
    report = GisReport(
        fmt,
        target,
        audience.to_json(),
        layers={layer.name: len(layer.rows) for layer in layers},
        held_back=view.held_back,
    )
    if fp_fn is None:
        report.notes.append("no footprints layer: the map package is not installed")
    meta = _metadata(store, view, case_id)
    temp = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    try:
        writer = WRITERS[fmt]
        writer(
            temp,
            layers,
            meta,
            store=store,
            view=view,
            report=report,
            cancel=cancel,
            progress=progress,
            stem=target.name,
        )
        check_cancel(cancel)
        os.replace(temp, target)
    except BaseException as exc:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a read-only folder: say which, keep nothing
            raise GisError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise
    if target.is_dir():
        report.files = sorted(p.name for p in target.iterdir())
    else:
        report.files = [target.name]
    return report


def _metadata(store: Store, view: OutputView, case_id: str | None) -> dict[str, Any]:
    case = view.cases[0] if case_id and view.cases else None
    title = (case or {}).get("title") or "all cases"
    return {
        "title": f"{title} — FieldKit GIS export ({view.audience.tag})",
        "audience": view.audience.name,
        "include": view.audience.include,
        "audience_note": view.audience.describe(),
        "generalise_m": view.audience.grid_m if view.audience.public else None,
        "case": title,
        "generator": f"FieldKit {__version__}",
        "crs": "EPSG:4326 (WGS 84, decimal degrees)",
    }


def _xml_text(value: Any) -> str:
    return _XML_BAD.sub("\ufffd", "" if value is None else str(value))


def _cell(value: Any) -> Any:
    return "" if value is None else value


# --- GeoJSON ----------------------------------------------------------------------------


def _geojson_geometry(layer: Layer, geometry: Any) -> dict[str, Any] | None:
    if geometry is None:
        return None
    if layer.geometry_type == "Point":
        return {"type": "Point", "coordinates": [geometry[0], geometry[1]]}
    return {"type": "Polygon", "coordinates": [[[x, y] for x, y in ring] for ring in geometry]}


def _write_geojson(temp: Path, layers: list[Layer], meta: dict[str, Any], **kw: Any) -> None:
    """RFC 7946: WGS 84 lon/lat, no ``crs`` member; ``fieldkit`` is a foreign member (§6.1)."""
    temp.mkdir()
    tag = kw["view"].audience.tag
    for layer in layers:
        check_cancel(kw.get("cancel"))
        doc = {
            "type": "FeatureCollection",
            "name": layer.name,
            "fieldkit": {**meta, "layer": layer.name},
            "features": [
                {
                    "type": "Feature",
                    "geometry": _geojson_geometry(layer, geometry),
                    "properties": {c: values.get(c) for c in layer.column_names},
                }
                for values, geometry in layer.rows
            ],
        }
        with open(temp / f"{layer.name}-{tag}.geojson", "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))


# --- CSV --------------------------------------------------------------------------------


def _wkt(rings: list[list[tuple[float, float]]]) -> str:
    return (
        "POLYGON ("
        + ", ".join("(" + ", ".join(f"{x!r} {y!r}" for x, y in ring) + ")" for ring in rings)
        + ")"
    )


def _write_csv(temp: Path, layers: list[Layer], meta: dict[str, Any], **kw: Any) -> None:
    """RFC 4180 with CRLF row ends, UTF-8 with a BOM so Excel picks the right encoding."""
    temp.mkdir()
    tag = kw["view"].audience.tag
    for layer in layers:
        check_cancel(kw.get("cancel"))
        columns = layer.column_names + (["wkt"] if layer.geometry_type == "Polygon" else [])
        with open(temp / f"{layer.name}-{tag}.csv", "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for values, geometry in layer.rows:
                row = [_cell(values.get(c)) for c in layer.column_names]
                if layer.geometry_type == "Polygon":
                    row.append(_wkt(geometry) if geometry else "")
                w.writerow(row)
    about = "\n".join(f"{k}: {v}" for k, v in meta.items() if v is not None)
    (temp / f"README-{tag}.txt").write_text(about + "\n", encoding="utf-8")


# --- KML / KMZ --------------------------------------------------------------------------


KML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n'
)
KML_TAIL = "</Document>\n</kml>\n"


def _sub(parent: Any, tag: str, text: Any = None) -> Any:
    from xml.etree.ElementTree import SubElement

    el = SubElement(parent, tag)
    if text is not None:
        el.text = _xml_text(text)
    return el


def _extended(parent: Any, items: list[tuple[str, Any]]) -> None:
    ext = _sub(parent, "ExtendedData")
    for name, value in items:
        data = _sub(ext, "Data")
        data.set("name", name)
        _sub(data, "value", value)


def _coords(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y in points)


def _kml_placemark(
    layer: Layer, values: dict[str, Any], geometry: Any, thumbs: dict[str, str] | None
) -> bytes:
    """One Placemark, elements in the order of the KML 2.2 schema (OGC 07-147r2 §9.11)."""
    from xml.etree.ElementTree import Element, tostring

    pm = Element("Placemark")
    _sub(pm, "name", values.get(layer.title_column) or values.get("ref") or "")
    if layer.name == "photos" and thumbs is not None:
        key = str(values.get("id") or values.get("ref"))
        parts = []
        if key in thumbs:
            parts.append(f'<img src="{thumbs[key]}" width="{KMZ_THUMB_SIDE}"/>')
        for c in ("caption", "captured_utc", "direction", "sha256"):
            if values.get(c) not in (None, ""):
                parts.append(f"<b>{c}</b>: {_html(values[c])}")
        _sub(pm, "description", "<br/>".join(parts))
        if values.get("direction") is not None:
            # IconStyle heading turns the arrow to the photo's bearing (KML 2.2 §12.8)
            icon_style = _sub(_sub(pm, "Style"), "IconStyle")
            _sub(icon_style, "heading", float(values["direction"]))
            _sub(_sub(icon_style, "Icon"), "href", ARROW_NAME)
    _extended(
        pm,
        [(c, values.get(c)) for c in layer.column_names if values.get(c) not in (None, "")],
    )
    if layer.geometry_type == "Point":
        _sub(_sub(pm, "Point"), "coordinates", f"{geometry[0]!r},{geometry[1]!r}")
    else:
        poly = _sub(pm, "Polygon")
        for n, ring in enumerate(geometry):
            boundary = _sub(poly, "outerBoundaryIs" if n == 0 else "innerBoundaryIs")
            _sub(_sub(boundary, "LinearRing"), "coordinates", _coords(ring))
    return bytes(tostring(pm, encoding="utf-8", xml_declaration=False)) + b"\n"


def _write_kml_stream(
    f: Any,
    layers: list[Layer],
    meta: dict[str, Any],
    thumbs: dict[str, str] | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """KML 2.2 for Google Earth, one Placemark at a time so memory stays flat."""
    from xml.etree.ElementTree import Element, tostring

    f.write(KML_HEAD.encode("utf-8"))
    head = Element("head")
    _sub(head, "name", meta["title"])
    _sub(head, "description", meta["audience_note"])
    _extended(
        head,
        [
            (k, meta[k])
            for k in ("audience", "include", "generalise_m", "case", "generator", "crs")
            if meta.get(k) is not None
        ],
    )
    for child in head:
        f.write(tostring(child, encoding="utf-8", xml_declaration=False) + b"\n")
    for layer in layers:
        check_cancel(cancel)
        f.write(f"<Folder><name>{layer.name}</name>\n".encode())
        for values, geometry in layer.rows:
            if geometry is not None:
                f.write(_kml_placemark(layer, values, geometry, thumbs))
        f.write(b"</Folder>\n")
    f.write(KML_TAIL.encode("utf-8"))


def _html(value: Any) -> str:
    import html

    return html.escape(_xml_text(value))


def _write_kml(temp: Path, layers: list[Layer], meta: dict[str, Any], **kw: Any) -> None:
    with open(temp, "wb") as f:
        _write_kml_stream(f, layers, meta, cancel=kw.get("cancel"))


ARROW_NAME = "files/direction.png"


def _arrow_png() -> bytes:
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


def _write_kmz(temp: Path, layers: list[Layer], meta: dict[str, Any], **kw: Any) -> None:
    """doc.kml first (Google Earth opens the first .kml entry), then files/.

    Thumbnails are made one at a time into a scratch folder beside the output, so memory
    stays flat for 100,000 photos; the zip then streams them in.
    """
    import tempfile

    from fieldkit.scaled import is_image, scaled_jpeg

    store, view, report = kw["store"], kw["view"], kw["report"]
    cancel, progress = kw.get("cancel"), kw.get("progress")
    thumbs: dict[str, str] = {}
    located = [m for m in view.media if m.get("lat") is not None and m.get("lon") is not None]
    missing = 0
    with tempfile.TemporaryDirectory(prefix=".kmz-", dir=temp.parent) as scratch:
        for n, m in enumerate(located, 1):
            check_cancel(cancel)
            if progress:
                progress(n, len(located), "thumbnails")
            if not is_image(m.get("mime")):
                continue
            data = scaled_jpeg(
                store,
                m["_sha256"],
                KMZ_THUMB_SIDE,
                redactions=m.get("_redactions") if view.audience.public else None,
            )
            if data is None:
                missing += 1
                continue
            name = f"files/{m['ref']}.jpg"
            (Path(scratch) / f"{m['ref']}.jpg").write_bytes(data)
            thumbs[m["ref"]] = name
        if missing:
            report.notes.append(
                f"{missing} photos without a thumbnail (file missing or unreadable)"
            )
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo("doc.kml", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with z.open(info, "w") as f:  # no zip64: GDAL's KMZ reader refuses it
                _write_kml_stream(f, layers, meta, thumbs, cancel)
            _zip_put(z, ARROW_NAME, _arrow_png())
            for ref, name in thumbs.items():
                check_cancel(cancel)
                _zip_put(z, name, (Path(scratch) / f"{ref}.jpg").read_bytes(), compress=False)


def _zip_put(z: zipfile.ZipFile, name: str, data: bytes, *, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


# --- GPX --------------------------------------------------------------------------------


def _write_gpx(temp: Path, layers: list[Layer], meta: dict[str, Any], **kw: Any) -> None:
    """GPX 1.1 waypoints (``wpt``): name, desc, cmt, type (site/remnant), src, ele."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.name = _xml_text(meta["title"])
    gpx.description = _xml_text(meta["audience_note"])
    gpx.creator = meta["generator"]
    for layer in layers:
        if layer.name not in ("sites", "remnants"):
            continue
        for values, geometry in layer.rows:
            if geometry is None:
                continue
            lon, lat = geometry
            desc = values.get("description") or values.get("catalogue_description")
            wpt = gpxpy.gpx.GPXWaypoint(
                latitude=lat,
                longitude=lon,
                elevation=values.get("alt"),
                name=_xml_text(values.get("name") or values.get("ref")),
                description=_xml_text(desc) if desc else None,
                comment=_xml_text(values.get("names") or values.get("site") or "") or None,
                type=layer.name[:-1],
            )
            wpt.source = _xml_text(
                f"FieldKit {meta['audience']} {values.get('id') or values.get('ref')}"
            )
            gpx.waypoints.append(wpt)
    temp.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")


# --- GeoPackage -------------------------------------------------------------------------


def _write_gpkg(temp: Path, layers: list[Layer], meta: dict[str, Any], **kw: Any) -> None:
    """One table per layer, EPSG:4326, through GDAL (pyogrio); metadata in gpkg_metadata."""
    import numpy as np
    import pyogrio.raw
    import shapely

    path = temp.with_name(temp.name + ".gpkg")  # GDAL picks the driver by suffix too
    try:
        for n, layer in enumerate(layers):
            check_cancel(kw.get("cancel"))
            rows = [(v, g) for v, g in layer.rows if g is not None]
            if layer.geometry_type == "Point":
                xy = np.array([g for _v, g in rows], dtype="float64").reshape(-1, 2)
                geoms = shapely.points(xy[:, 0], xy[:, 1]) if len(rows) else np.array([])
            else:
                geoms = np.array([shapely.Polygon(g[0], g[1:]) for _v, g in rows], dtype=object)
            wkb = shapely.to_wkb(geoms) if len(rows) else np.array([], dtype=object)
            field_data, masks = [], []
            for name, typ in layer.columns:
                raw = [v.get(name) for v, _g in rows]
                mask = np.array([x is None or x == "" for x in raw], dtype=bool)
                if typ == "int":
                    arr = np.array(
                        [0 if m else int(x or 0) for x, m in zip(raw, mask, strict=True)],
                        dtype="int64",
                    )
                elif typ == "float":
                    arr = np.array(
                        [0.0 if m else float(x or 0) for x, m in zip(raw, mask, strict=True)],
                        dtype="float64",
                    )
                else:
                    arr = np.array(
                        [None if m else str(x) for x, m in zip(raw, mask, strict=True)],
                        dtype=object,
                    )
                field_data.append(arr)
                masks.append(mask)
            pyogrio.raw.write(
                str(path),
                wkb,
                field_data,
                layer.column_names,
                field_mask=masks,
                layer=layer.name,
                driver="GPKG",
                geometry_type=layer.geometry_type,
                crs="EPSG:4326",
                encoding="UTF-8",
                append=n > 0,
                # GeoPackage 1.2: what QGIS and GDAL releases of recent years all read fully.
                dataset_options={"VERSION": "1.2"} if n == 0 else None,
                dataset_metadata={k: str(v) for k, v in meta.items() if v is not None}
                if n == 0
                else None,
                layer_metadata={"audience": meta["audience"], "title": meta["title"]},
            )
        os.replace(path, temp)
    finally:
        path.unlink(missing_ok=True)


WRITERS: dict[str, Callable[..., None]] = {
    "geojson": _write_geojson,
    "csv": _write_csv,
    "kml": _write_kml,
    "kmz": _write_kmz,
    "gpx": _write_gpx,
    "gpkg": _write_gpkg,
}
