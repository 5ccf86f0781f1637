"""Human-readable views inside a bundle: sites.geojson, media.csv, README.txt.

Views are conveniences for people and GIS tools, derived from the store's records at
export time; the evidence is the journal and the media. They are covered by the
manifest like every payload file, so they cannot be changed unnoticed either.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

SITE_PROPERTIES = (
    "id",
    "case_id",
    "name",
    "name_lang",
    "other_names",
    "site_type",
    "position_source",
    "position_accuracy_m",
    "alt",
    "address",
    "neighbourhood",
    "incident_start",
    "incident_end",
    "incident_time_source",
    "visited_on",
    "description",
    "civilian_objects",
    "military_objects",
    "military_notes",
    "killed",
    "injured",
    "casualties_source",
    "access",
    "access_notes",
    "retracted",
    "retract_reason",
    "conflict",
    "updated_at",
)

MEDIA_COLUMNS = (
    "sha256",
    "path",
    "file_name",
    "size",
    "mime",
    "duration_s",
    "captured_utc",
    "captured_local",
    "utc_offset",
    "time_source",
    "clock_error_s",
    "lat",
    "lon",
    "alt",
    "direction",
    "position_source",
    "make",
    "model",
    "serial",
    "linked_to",
    "caption",
    "retracted",
)


FOOTPRINT_PROPERTIES = (
    "points",
    "remnants",
    "total_count",
    "area_m2",
    "length_m",
    "width_m",
    "axis_bearing_deg",
    "message",
    "method",
)


def sites_geojson(
    sites: Iterable[Mapping[str, Any]], footprints: Iterable[Mapping[str, Any]] = ()
) -> bytes:
    """A GeoJSON (RFC 7946) FeatureCollection; coordinates are [lon, lat(, alt)] in WGS84.

    A site without a position is a Feature with a null geometry (allowed by RFC 7946),
    so no site silently disappears from the map's attribute table. Each site's
    footprint (see :mod:`fieldkit.map.footprint`) follows as its own Feature, id
    ``<site id>/footprint``, with ``feature_type`` "footprint" (sites have "site") and
    its hull as the geometry: a Polygon, a MultiPolygon cut at the antimeridian, or a
    LineString/Point when the remnants give no area.
    """
    features = []
    for site in sites:
        lat, lon, alt = site.get("lat"), site.get("lon"), site.get("alt")
        geometry: dict[str, Any] | None = None
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
            coords = [lon, lat] + ([alt] if isinstance(alt, (int, float)) else [])
            geometry = {"type": "Point", "coordinates": coords}
        features.append(
            {
                "type": "Feature",
                "id": site["id"],
                "geometry": geometry,
                "properties": {"feature_type": "site", **{k: site.get(k) for k in SITE_PROPERTIES}},
            }
        )
    for fp in footprints:
        features.append(
            {
                "type": "Feature",
                "id": f"{fp['site']}/footprint",
                "geometry": fp.get("polygon"),
                "properties": {
                    "feature_type": "footprint",
                    "site_id": fp["site"],
                    **{k: fp.get(k) for k in FOOTPRINT_PROPERTIES},
                    "centroid_lat": (fp.get("centroid") or {}).get("lat"),
                    "centroid_lon": (fp.get("centroid") or {}).get("lon"),
                },
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _cell(value: Any) -> Any:
    # A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection):
    # text from the field is prefixed with an apostrophe; numbers stay numbers.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def media_csv(media: Iterable[Mapping[str, Any]], links: Mapping[str, list[str]]) -> bytes:
    """One row per original file, with where it sits in the bundle and what it shows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MEDIA_COLUMNS)
    for m in media:
        sha = m["sha256"]
        row = dict(m)
        row["path"] = f"data/media/{sha[:2]}/{sha}"
        row["linked_to"] = " ".join(links.get(m["id"], []))
        writer.writerow([_cell(row.get(c)) for c in MEDIA_COLUMNS])
    return out.getvalue().encode("utf-8")


def readme_text(
    *,
    bundle_id: str,
    identity: str,
    fingerprint: str,
    signer_name: str,
    created: str,
    devices: Mapping[str, tuple[int, int, str]],
    media_count: int,
    event_count: int,
    export_kind: str,
) -> bytes:
    device_lines = "\n".join(
        f"  {d}  events {first}-{last}" for d, (first, last, _) in sorted(devices.items())
    )
    text = f"""FieldKit evidence bundle
========================

Bundle:     {bundle_id}
Created:    {created}
Signed by:  {signer_name} <{identity}>
Key:        {fingerprint}
Export:     {export_kind}
Contents:   {event_count} journal events, {media_count} original files
Devices:
{device_lines or "  (none)"}

This folder is a BagIt 1.0 bag (RFC 8493). You can check it without FieldKit,
with standard tools, from the bag's top folder (the one holding bagit.txt):

1. The tag files are intact:

     sha256sum -c tagmanifest-sha256.txt

2. Every file in data/ is intact (photos, videos, documents, the journal):

     sha256sum -c manifest-sha256.txt

3. The bundle was signed by the person you expect. Get their public key from
   them in person (they run `fieldkit keys export`; check the fingerprint
   above with them by phone), save it as allowed_signers, then:

     ssh-keygen -Y verify -f allowed_signers -I {identity} \\
         -n fieldkit-bundle@v1 -s tagmanifest-sha256.txt.sig < tagmanifest-sha256.txt

   It must print: Good "fieldkit-bundle@v1" signature for {identity} ...

Do not trust a public key that travels inside a bundle: anyone can sign a bag
with their own key. The signature proves who signed only when the key comes
from your own allowed_signers file.

What is where:
  data/media/<ab>/<sha256>         the original files, byte for byte, named by SHA-256
  data/journal/<device>.jsonl      the hash-chained journal: one event per line;
                                   the SHA-256 of a line is that event's hash
  data/journal/<device>.checkpoints.json
                                   the device's signed checkpoints of its chain
  data/export/sites.geojson        the sites (open with QGIS or any GIS tool)
  data/export/media.csv            a list of the files and what they show

The format is described in full in FieldKit's docs/bundle-format.md.
"""
    return text.encode("utf-8")
