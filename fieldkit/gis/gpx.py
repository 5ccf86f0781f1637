"""GPX 1.1 waypoints of sites and remnants for handheld GPS units (gpxpy)."""

from __future__ import annotations

from typing import Any

from fieldkit.gis.kml import xml_text
from fieldkit.gis.layers import Layer
from fieldkit.gis.sinks import Sink


def write_gpx(sink: Sink, layers: list[Layer], meta: dict[str, Any], ctx: Any) -> None:
    """GPX 1.1 waypoints (``wpt``): name, desc, cmt, type (site/remnant), src, ele.

    Photos are left out: thousands of waypoints are unusable on a handheld.
    """
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.name = xml_text(meta["title"])
    gpx.description = xml_text(meta["audience_note"])
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
                name=xml_text(values.get("name") or values.get("ref")),
                description=xml_text(desc) if desc else None,
                comment=xml_text(values.get("names") or values.get("site") or "") or None,
                type=layer.name[:-1],
            )
            wpt.source = xml_text(
                f"FieldKit {meta['audience']} {values.get('id') or values.get('ref')}"
            )
            gpx.waypoints.append(wpt)
    with sink.open(ctx.stem) as f:
        f.write(gpx.to_xml(version="1.1").encode("utf-8"))
