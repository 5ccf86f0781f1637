"""GIS and spreadsheet exports: GeoJSON, KML, KMZ, GPX, GeoPackage, CSV.

``export_gis(store, fmt, out, audience=…, case_id=…)`` writes the layers of
:mod:`fieldkit.gis.layers` (sites, remnants, photos, statements at their site, footprints
when the map package provides them) for one audience (:mod:`fieldkit.audience` decides
what each may carry):

=========  ==========================================================================
geojson    a folder, one RFC 7946 FeatureCollection per layer (WGS 84, longitude first;
           the audience in a top-level ``fieldkit`` member and in every feature)
kml        one KML 2.2 file for Google Earth, a Folder per layer
kmz        the same zipped with each photo's thumbnail and a direction arrow rotated to
           the photo's bearing (IconStyle heading, KML 2.2 §12.8)
gpx        GPX 1.1 waypoints of sites and remnants for handheld GPS units (gpxpy);
           photos are left out: thousands of waypoints are unusable on a handheld
gpkg       one OGC GeoPackage, one table per layer, EPSG:4326 (pyogrio / GDAL)
csv        a folder, one CSV per layer: UTF-8 with a byte-order mark and a header row,
           lat/lon columns (footprints as WKT), so Excel and LibreOffice read it right
=========  ==========================================================================

The audience is in every output's metadata and in its file name: ``--out case.gpkg``
for the internal audience writes ``case-internal.gpkg``. Outputs are written under a
temporary name and renamed into place when complete, so a half-written file never
looks finished. Outputs carrying restricted or confidential content follow the store's
one rule (:mod:`fieldkit.disclosure`): encrypted to a trusted colleague with age
(``case-internal-confidential.gpkg.age``; a folder format as ``….zip.age``), or plain
only when asked for.

Modules: :mod:`~fieldkit.gis.export` (the export and its rules),
:mod:`~fieldkit.gis.layers` (the tables), :mod:`~fieldkit.gis.sinks` (plain or
encrypted targets), and one module per family of formats: :mod:`~fieldkit.gis.tables`
(GeoJSON, CSV), :mod:`~fieldkit.gis.kml` (KML, KMZ), :mod:`~fieldkit.gis.gpx`,
:mod:`~fieldkit.gis.gpkg`.
"""

from __future__ import annotations

from fieldkit.gis.export import (
    FOLDER_FORMATS,
    FORMATS,
    SUFFIX,
    WRITERS,
    GisError,
    GisReport,
    WriteContext,
    audience_path,
    carried_by_layers,
    export_gis,
    footprint_function,
)

__all__ = [
    "FOLDER_FORMATS",
    "FORMATS",
    "SUFFIX",
    "WRITERS",
    "GisError",
    "GisReport",
    "WriteContext",
    "audience_path",
    "carried_by_layers",
    "export_gis",
    "footprint_function",
]
