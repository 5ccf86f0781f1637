"""The first map's overlay tiles: painted off the UI thread, kept in the store, pasted
the next time only while nothing they were painted from has changed."""

from __future__ import annotations

from typing import Any

from fieldkit.gui import mapoverlay
from fieldkit.gui.maplayers import LayerState
from fieldkit.gui.mapview import MapPanel
from tests.test_map_render import _demo_like


def _open(store: Any, qtbot: Any) -> MapPanel:
    panel = MapPanel(store)
    qtbot.addWidget(panel)
    panel.resize(900, 640)
    panel.show()
    qtbot.waitUntil(lambda: panel.loaded)
    assert panel.wait_loaded()
    qtbot.waitUntil(lambda: not panel.loading and len(panel.view.data.sites) > 0)
    return panel


def _same_as_painted_now(panel: MapPanel) -> int:
    """Every overlay tile the canvas holds equals one painted now from its data."""
    view = panel.view
    held = {k: v for k, v in view._overlay.items() if k[1] == view.zoom}
    assert held
    for (layers, zoom, x, y), img in held.items():
        fresh = view.state.paint_tile(zoom, x, y, set(layers))
        assert (img is None) == (fresh is None), (x, y)
        assert img is None or img == fresh, (x, y)
    return len(held)


def test_kept_tiles_are_pasted_until_the_store_changes(store: Any, qtbot: Any, monkeypatch: Any):
    ids = _demo_like(store)
    painted: list[tuple[int, int, int]] = []
    real = LayerState.paint_tile

    def counting(self: LayerState, zoom: int, tx: int, ty: int, layers: set[str]) -> Any:
        painted.append((zoom, tx, ty))
        return real(self, zoom, tx, ty, layers)

    monkeypatch.setattr(LayerState, "paint_tile", counting)
    _open(store, qtbot).close()  # read from the tables: the footprints come later
    painted.clear()
    panel = _open(store, qtbot)  # the layers cached: the read's thread paints the tiles
    assert painted and _same_as_painted_now(panel)
    zoom = panel.view.zoom
    panel.close()
    (entries,) = store.conn.execute(f"SELECT count(*) FROM {mapoverlay.TABLE}").fetchone()
    assert entries == 1
    painted.clear()
    panel = _open(store, qtbot)  # unchanged: the kept tiles, nothing painted
    assert panel.view.zoom == zoom and painted == []
    _same_as_painted_now(panel)
    panel.close()
    store.update(ids["b"], {"lat": 39.815, "lon": 46.765})  # a site moves: paint again
    painted.clear()
    panel = _open(store, qtbot)
    assert painted
    i = panel.view.data.sites.index()[ids["b"]]
    assert panel.view.data.sites.lat[i] == 39.815
    _same_as_painted_now(panel)
    panel.close()
    # a damaged entry is painted past
    store.conn.execute(f"UPDATE {mapoverlay.TABLE} SET data = x'0001'")
    painted.clear()
    panel = _open(store, qtbot)
    assert painted
    _same_as_painted_now(panel)
    panel.close()
