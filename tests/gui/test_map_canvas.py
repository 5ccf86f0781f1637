"""The map canvas's frame caches: a frame pastes composed tiles (basemap + layers),
so whatever changes what a tile shows must compose it again — a moved site shows at
its new place only, a layer turned off disappears, another basemap shows its own
colours under the markers — and the tiles just around the view are drawn ahead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint

from fieldkit.gui.mapcanvas import PREFETCH_RING, MapView
from fieldkit.map import style
from fieldkit.map.layers import MapData, Points
from fieldkit.map.naturalearth import LAND
from tests.maphelpers import offset, png, write_pmtiles

LAT, LON = 39.80, 46.75  # on land in the shipped base


def _data() -> MapData:
    sites = Points(
        ["s1"],
        np.array([LAT]),
        np.array([LON]),
        extra={
            "name": ["Market"],
            "site_type": ["strike"],
            "conflict": [False],
            "case_id": ["c1"],
            "position_source": ["device"],
        },
    )
    return MapData(sites, Points(), Points(), [])


@pytest.fixture
def view(qtbot):
    v = MapView()
    qtbot.addWidget(v)
    v.resize(640, 420)
    v.show()
    v.set_data(_data())
    v.set_center(LAT, LON, 15)
    yield v
    v.tiles.wait(20000)


def _frame(view):
    view.repaint()
    assert view.tiles.wait(20000)
    return view.grab().toImage()


def _rgb(img, pt: QPoint) -> tuple[int, int, int]:
    c = img.pixelColor(pt)
    return c.red(), c.green(), c.blue()


def test_a_moved_site_shows_at_its_new_place_only(view):
    colour = style.site_symbol("strike")[1]
    here = view.pixel_of(LAT, LON).toPoint()
    assert _rgb(_frame(view), here) == colour
    lat2, lon2 = offset(LAT, LON, 120, -150)  # 120 m north, 150 m west: another tile
    there = view.pixel_of(lat2, lon2).toPoint()
    assert _rgb(_frame(view), there) == LAND
    view.move_point("site", "s1", lat2, lon2)
    img = _frame(view)
    assert _rgb(img, there) == colour
    assert _rgb(img, here) == LAND  # the composed tile under the old place was redrawn


def test_layers_off_and_another_basemap_compose_again(view, tmp_path: Path):
    from fieldkit.map.basemaps import open_basemap
    from fieldkit.map.geo import to_pixels

    here = view.pixel_of(LAT, LON).toPoint()
    beside = here + QPoint(0, 40)  # (the site's name is to its right)
    img = _frame(view)
    assert _rgb(img, here) == style.site_symbol("strike")[1] and _rgb(img, beside) == LAND
    view.layers = set()
    assert _rgb(_frame(view), here) == LAND
    view.layers = {"sites"}
    assert _rgb(_frame(view), here) == style.site_symbol("strike")[1]
    # a raster basemap with one colour everywhere under the view
    x, y = to_pixels([LAT], [LON], 15)
    tx, ty = int(x[0] // 256), int(y[0] // 256)
    path = tmp_path / "area.pmtiles"
    blue = (10, 60, 200)
    write_pmtiles(
        path, {(15, tx + dx, ty + dy): png(blue) for dx in (-2, -1, 0, 1, 2) for dy in (-1, 0, 1)}
    )
    view.set_source(open_basemap(path, "area"))
    img = _frame(view)
    assert _rgb(img, beside) == blue
    assert _rgb(img, here) == style.site_symbol("strike")[1]  # the layers over it


def test_the_tiles_around_the_view_are_drawn_ahead(view):
    _frame(view)
    shown = {(x, y) for x, y, _l, _t in view._visible_tiles()}
    ring = {(x, y) for x, y, _l, _t in view._visible_tiles(PREFETCH_RING)} - shown
    assert ring and all(view.tiles.cached(view.zoom, x, y) is not None for x, y in ring)
    # so a pan by a tile needs no new tile drawn: every tile it shows is there at once
    view.pan_by(256, 0)
    assert all(view.tiles.cached(view.zoom, x, y) for x, y, _l, _t in view._visible_tiles())


def test_a_pan_draws_entering_overlay_tiles_over_the_next_frames(view, qtbot, monkeypatch):
    """With no time to spare, a panning frame draws one overlay tile entering the view
    and the view asks for frames until every tile shows its markers."""
    from fieldkit.gui import mapcanvas

    grid = [
        offset(LAT, LON, n, e) for n in range(-2000, 2001, 250) for e in range(-4000, 4001, 250)
    ]
    many = Points(
        [f"s{i}" for i in range(len(grid))],
        np.array([g[0] for g in grid]),
        np.array([g[1] for g in grid]),
        extra={
            "name": [""] * len(grid),
            "site_type": ["strike"] * len(grid),
            "conflict": [False] * len(grid),
            "case_id": ["c1"] * len(grid),
            "position_source": ["device"] * len(grid),
        },
    )
    view.set_data(MapData(many, Points(), Points(), []))
    _frame(view)  # the first frame after new data draws every overlay tile

    def undrawn():
        layers = frozenset(view.layers)
        return [
            (x, y) for x, y, _l, _t in view._visible_tiles() if not view._has_overlay(layers, x, y)
        ]

    assert not undrawn()
    monkeypatch.setattr(mapcanvas, "OVERLAY_BUDGET_S", 0.0)
    view.pan_by(-700, 0)  # nearly three columns of tiles enter from the east
    entering = len(undrawn())
    assert entering >= 6
    painted = view.frames_painted
    view.repaint()
    assert len(undrawn()) == entering - 1  # one drawn, the rest show their basemap
    qtbot.waitUntil(lambda: not undrawn(), timeout=10000)
    assert view.frames_painted - painted >= entering
