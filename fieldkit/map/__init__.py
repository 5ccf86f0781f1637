"""The map: offline basemaps, layers, the static renderer and the footprint of a strike.

No Qt here; the desktop app's map view (``fieldkit.gui.mapview``) paints the same data.
Entry points for other modules (reports, GIS export)::

    from fieldkit.map import render_map, site_footprint, compute_footprint
    rendered = render_map(store, case_id=cid, size=(1600, 1000))
    rendered.image   # a Pillow RGB image; rendered.view.to_json() says what it shows
"""

from __future__ import annotations

from fieldkit.map.basemaps import BasemapInfo, Registry, open_basemap
from fieldkit.map.footprint import compute_footprint, footprints_from_remnants, site_footprint
from fieldkit.map.geo import View, fit_view
from fieldkit.map.layers import LAYERS, MapData, MapFilter, load_map_data
from fieldkit.map.render import Rendered, render_map, render_view

__all__ = [
    "LAYERS",
    "BasemapInfo",
    "MapData",
    "MapFilter",
    "Registry",
    "Rendered",
    "View",
    "compute_footprint",
    "fit_view",
    "footprints_from_remnants",
    "load_map_data",
    "open_basemap",
    "render_map",
    "render_view",
    "site_footprint",
]
