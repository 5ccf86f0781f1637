"""The Map view in the real window (demo store): clicks place, drags move, selection
follows both ways, writes are journal events with position source ``map``."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from fieldkit.gui.dialogs import Prompts
from fieldkit.map.geo import distance_m
from tests.maphelpers import offset


def _panel(window, qtbot):
    """Show the map (hidden until asked for; its layers are read on first show)."""
    panel = window.map_dock.widget()
    action = window.findChild(QAction, "map")
    assert action is not None and action.shortcut().toString() == "Ctrl+M"
    if not window.map_dock.isVisible():  # (a window restores the dock as it was left)
        assert not panel.loaded  # nothing read until the map is shown
        action.trigger()
    qtbot.waitUntil(lambda: panel.view.isVisible() and panel.loaded)
    assert panel.wait_loaded()  # the layers are read off the UI thread
    qtbot.waitUntil(lambda: not panel.loading and len(panel.view.data.sites) > 0)
    QApplication.processEvents()  # the dock's first sizing and fit
    QApplication.processEvents()
    return panel


def _site(window, name):
    return next(s for s in window.store.find("site") if s["name"].startswith(name))


def test_a_click_places_a_site(window, qtbot):
    panel = _panel(window, qtbot)
    view = panel.view
    market = _site(window, "Market")
    view.set_center(market["lat"], market["lon"], 17)
    before = {s["id"] for s in window.store.find("site")}
    panel.set_mode("place")
    target = QPoint(view.width() // 2 + 120, view.height() // 2 - 60)
    expected = view.latlon_at(target)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=target)
    (new_id,) = {s["id"] for s in window.store.find("site")} - before
    site = window.store.get(new_id, "site")
    assert site["position_source"] == "map"
    assert site["case_id"] == market["case_id"]
    assert distance_m(site["lat"], site["lon"], *expected) < 0.05
    assert site["position_accuracy_m"] >= 1
    last = window.store.history(new_id)[-1]
    assert last["op"] == "create" and last["fields"]["position_source"] == "map"
    # the new site is selected in the list and on the map
    assert window.current_site_id == new_id and view.selected_site == new_id
    assert panel.view.mode == "browse"


def test_a_drag_moves_a_remnant_after_asking(window, qtbot, monkeypatch):
    panel = _panel(window, qtbot)
    view = panel.view
    market = _site(window, "Market")
    dud = next(
        r
        for r in window.store.find("remnant", where={"site_id": market["id"]})
        if r.get("condition") == "dud"
    )
    assert dud["position_source"] == "device"  # a GPS position: the app must ask
    view.set_center(dud["lat"], dud["lon"], 18)
    panel.set_mode("move")
    start = view.pixel_of(dud["lat"], dud["lon"]).toPoint()
    end = start + QPoint(90, 40)
    expected = view.latlon_at(end)
    questions = []

    def answer(cls, parent, title, text):
        questions.append(text)
        return len(questions) > 1  # "no" the first time, "yes" the second

    monkeypatch.setattr(Prompts, "confirm", classmethod(answer))
    for _attempt in range(2):
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
        for step in range(1, 6):
            qtbot.mouseMove(view, start + (end - start) * step / 5)
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)
        if _attempt == 0:  # refused: nothing changed
            assert window.store.get(dud["id"])["lat"] == dud["lat"]
    assert len(questions) == 2 and "from GPS" in questions[0]
    moved = window.store.get(dud["id"], "remnant")
    assert moved["position_source"] == "map"
    assert distance_m(moved["lat"], moved["lon"], *expected) < 0.05
    last = window.store.history(dud["id"])[-1]
    assert last["op"] == "update"
    assert last["fields"]["position_source"] == "map" and "lat" in last["fields"]
    # a position placed on the map before: moved again without a question
    here = view.pixel_of(moved["lat"], moved["lon"]).toPoint()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=here)
    qtbot.mouseMove(view, here + QPoint(20, 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=here + QPoint(20, 0))
    assert len(questions) == 2
    assert window.store.get(dud["id"])["lon"] > moved["lon"]


def test_selection_follows_between_list_and_map(window, qtbot):
    panel = _panel(window, qtbot)
    view = panel.view
    school = _site(window, "School")
    market = _site(window, "Market")
    # list → map
    window.select_site(school["id"])
    assert view.selected_site == school["id"]
    # map → list: a click on the market's marker
    view.set_center(market["lat"], market["lon"], 16)
    panel.set_mode("browse")
    pos = view.pixel_of(market["lat"], market["lon"]).toPoint()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos)
    assert window.current_site_id == market["id"]
    index = window.site_view.selectionModel().currentIndex()
    assert index.isValid() and window.site_proxy.data(index) == market["name"]
    assert view.selected_site == market["id"]
    # a click on empty ground selects nothing new
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos + QPoint(200, 150))
    assert window.current_site_id == market["id"]


def test_photos_within_measure_and_zoom(window, qtbot):
    panel = _panel(window, qtbot)
    view = panel.view
    market = _site(window, "Market")
    window.select_site(market["id"])
    found = panel.photos_near(50)
    linked = {
        link["media_id"] for link in window.store.find("link", where={"target_id": market["id"]})
    }
    assert {mid for mid, _d in found} == linked  # the demo's market photos lie within 50 m
    assert all(d <= 50 for _mid, d in found) and view.highlighted == linked
    assert panel.photos_near(1) == [] or all(d <= 1 for _m, d in panel.photos_near(1))
    panel.zoom_to_case()
    case_zoom = view.zoom
    for s in window.store.find("site"):
        assert view.rect().contains(view.pixel_of(s["lat"], s["lon"]).toPoint())
    panel.zoom_to_site()
    assert view.zoom > case_zoom
    for r in window.store.find("remnant", where={"site_id": market["id"]}):
        assert view.rect().contains(view.pixel_of(r["lat"], r["lon"]).toPoint())
    # measure 200 m east of the market
    view.set_center(market["lat"], market["lon"], 17)
    panel.set_mode("measure")
    a = view.pixel_of(market["lat"], market["lon"])
    b = view.pixel_of(*offset(market["lat"], market["lon"], 0, 200))
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=a.toPoint())
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=b.toPoint())
    assert abs(view.measured_length() - 200) < 2  # one pixel is 0.9 m at zoom 17
    assert "Measured" in panel.status.text()


def test_map_paints_tiles_and_layers_offline(window, qtbot):
    """Tiles come from the pool; the picture shows land colour and the site markers.
    (Every test runs with internet sockets refused: tests/conftest.py.)"""
    from fieldkit.map import style

    panel = _panel(window, qtbot)
    view = panel.view
    market = _site(window, "Market")
    view.set_center(market["lat"], market["lon"], 16)
    # footprints are computed on a pool thread and arrive by signal
    qtbot.waitUntil(lambda: any(fp["site"] == market["id"] for fp in view.data.footprints))
    (fp,) = [fp for fp in view.data.footprints if fp["site"] == market["id"]]
    from fieldkit.map.footprint import site_footprint

    # the same footprint as `fieldkit site footprint` (the demo's market remnants)
    expected = site_footprint(window.store, market["id"])
    assert fp["points"] == expected["points"] >= 4 and fp["area_m2"] > 1000
    view.grab()
    assert view.tiles.wait(20000)
    qtbot.waitUntil(lambda: not view.tiles.pending, timeout=20000)
    img = view.grab().toImage()
    pt = view.pixel_of(market["lat"], market["lon"]).toPoint()
    colour = img.pixelColor(pt)
    assert (colour.red(), colour.green(), colour.blue()) == style.site_symbol("strike")[1]
    corner = img.pixelColor(QPoint(view.width() // 2, 5))
    assert (corner.red(), corner.green(), corner.blue()) == (242, 239, 230)  # Natural Earth land
    # panning keeps the position under the cursor; zoom keeps the anchor
    view.pan_by(50, 0)
    assert abs(view.pixel_of(market["lat"], market["lon"]).x() - pt.x() - 50) < 0.01
    anchor = QPointF(view.pixel_of(market["lat"], market["lon"]))
    view.zoom_by(1, anchor)
    after = view.pixel_of(market["lat"], market["lon"])
    assert abs(after.x() - anchor.x()) < 0.01 and abs(after.y() - anchor.y()) < 0.01


def test_basemaps_in_settings_add_list_remove(window, qtbot, tmp_path):
    """Settings ▸ Basemaps lists what each file holds, adds a raster PMTiles (the map's
    list follows), refuses a vector one with the reason, and removes one (the file stays;
    a basemap in use gives way to the shipped base)."""
    from fieldkit.map.basemaps import BUILTIN_NAME, Registry
    from tests.maphelpers import png, write_pmtiles

    panel = _panel(window, qtbot)
    area = tmp_path / "area.pmtiles"
    write_pmtiles(area, {(3, 4, 2): png((1, 2, 3)), (4, 9, 5): png((4, 5, 6))})
    vector = tmp_path / "roads.pmtiles"
    write_pmtiles(vector, {(0, 0, 0): b"\x1a\x00"}, tile_type="MVT")
    dlg = window.open_settings()
    page = dlg.basemaps
    assert page is not None and dlg.tabs.count() == 2
    dlg.tabs.setCurrentWidget(page)
    table = page.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == BUILTIN_NAME
    page.select(BUILTIN_NAME)
    assert not page.remove_button.isEnabled()  # the shipped base cannot be removed

    info = page.add_file(area)
    assert info is not None and table.rowCount() == 2
    cells = [table.item(1, c).text() for c in range(table.columnCount())]
    assert cells[0] == "area" and cells[1] == "pmtiles" and cells[2] == "png"
    assert cells[3] == "3–4" and cells[5] == str(area.resolve())
    assert "→" in cells[4]  # west, south → east, north
    assert panel.basemap_box.findData("area") >= 0  # the map's list followed
    assert [i.name for i in Registry(window.store.home).describe()] == [BUILTIN_NAME, "area"]

    assert page.add_file(vector) is None  # vector tiles: refused, and said why
    assert "out of scope this round" in page.message.text() and table.rowCount() == 2
    assert page.add_file(area) is None and "exists" in page.message.text()  # same name

    panel.use_basemap("area")
    assert panel.basemap_name == "area"
    page.select("area")
    assert page.remove_button.isEnabled()
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert table.rowCount() == 1 and area.exists()  # forgotten, not deleted
    assert panel.basemap_box.findData("area") < 0 and panel.basemap_name == BUILTIN_NAME

    # a registered file that is gone is listed with a notice, not an error
    page.add_file(area, "gone")
    area.unlink()
    page.reload()
    assert "(file missing)" in table.item(1, 0).text()
    assert "not there" in table.item(1, 0).toolTip()
    dlg.close()
