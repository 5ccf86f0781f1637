"""An investigator's day through the real widgets: right-click menus, Undo, moving and
merging, search, positions and times as people give them, the wheel, the layout."""

from __future__ import annotations

import warnings

from guihelpers import close_window, open_window
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QMenu, QToolBar

from fieldkit.gui import operations
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.forms import MAX_FORM_WIDTH
from fieldkit.store import Store


def pick_from_next_menu(qtbot, name: str, seen: list[str]) -> None:
    """When the next popup menu opens, note its actions and trigger ``name`` by keys."""

    def pick():
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, pick)
            return
        seen.extend(a.objectName() for a in menu.actions() if a.objectName())
        for action in menu.actions():
            if action.objectName() == name:
                menu.setActiveAction(action)
                qtbot.keyClick(menu, Qt.Key.Key_Return)
                return
        menu.close()

    QTimer.singleShot(20, pick)


def right_click_row(qtbot, view, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    view.customContextMenuRequested.emit(rect.center())
    back_to(view.window())


def back_to(win) -> None:
    """After a popup menu closed, the window is active again (as on a desktop)."""
    win.activateWindow()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(win)  # offscreen: a closed popup does not give it back


def answer(monkeypatch, **answers):
    for name, value in answers.items():
        monkeypatch.setattr(Prompts, name, classmethod(lambda cls, *a, v=value: v))


def site_named(store: Store, name: str, **kw) -> dict:
    return store.find("site", where={"name": name}, **kw)[0]


def test_retract_reinstate_undo_from_menus_and_keys(window, qtbot, monkeypatch):
    win = window
    bakery = site_named(win.store, "Bakery on Tumanyan street")
    win.select_site(bakery["id"])
    row = win.site_proxy.mapFromSource(win.site_model.index(win.site_model.row_of(bakery["id"]), 0))
    # A real right-click menu on the site list: Retract, with a reason.
    answer(monkeypatch, text="recorded twice by mistake")
    seen: list[str] = []
    pick_from_next_menu(qtbot, "retract", seen)
    right_click_row(qtbot, win.site_view, row.row())
    assert {"retract", "merge", "edit_case"} <= set(seen)
    gone = win.store.get(bakery["id"])
    assert gone["retracted"] and gone["retract_reason"] == "recorded twice by mistake"
    assert win.site_model.row_of(bakery["id"]) < 0  # only that row left the list
    assert win.store.count("site") == 11
    # Ctrl+Z: the retraction is taken back by a new event.
    assert "Retract".lower() in win.actions_by_name["undo"].text().lower()
    qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    back = win.store.get(bakery["id"])
    assert not back["retracted"]
    assert [e["op"] for e in win.store.history(bakery["id"])][-2:] == ["retract", "reinstate"]
    assert win.site_model.row_of(bakery["id"]) >= 0
    # Retract again, then reinstate from the menu of the retracted records.
    win.select_site(bakery["id"])
    win.run_op(operations.retract_record, bakery["id"], "duplicate")
    win.actions_by_name["show_retracted"].trigger()
    row = win.site_proxy.mapFromSource(win.site_model.index(win.site_model.row_of(bakery["id"]), 0))
    assert win.site_model.is_retracted(win.site_model.row_of(bakery["id"]))
    answer(monkeypatch, text="it was a different bakery")
    seen.clear()
    pick_from_next_menu(qtbot, "reinstate", seen)
    right_click_row(qtbot, win.site_view, row.row())
    assert seen == ["reinstate", "edit_case"]
    assert not win.store.get(bakery["id"])["retracted"]
    # An edit, undone with Ctrl+Z: the old value is back, as a new update event.
    form = win.details.form
    form.widgets["killed"].setText("3")
    form.mark_edited()
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert win.store.get(bakery["id"])["killed"] == 3
    qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.store.get(bakery["id"])["killed"] is None
    assert form.widgets["killed"].text() == ""  # the form shows it at once


def test_move_remnant_and_photo_then_merge_duplicate_sites(window, qtbot, monkeypatch):
    win = window
    store = win.store
    church = site_named(store, "Church square")
    bus = site_named(store, "Old Town bus stop")
    win.select_site(church["id"])
    win.tabs.setCurrentWidget(win.remnants)
    pane = win.remnants
    n_church = pane.list.count()
    remnant_id = pane.list.item(0).data(Qt.ItemDataRole.UserRole + 1)
    answer(monkeypatch, choose=bus["id"])
    seen: list[str] = []
    pick_from_next_menu(qtbot, "move", seen)
    pane.list.customContextMenuRequested.emit(pane.list.visualItemRect(pane.list.item(0)).center())
    back_to(win)
    assert {"retract", "move"} <= set(seen)
    assert store.get(remnant_id)["site_id"] == bus["id"]
    assert pane.list.count() == n_church - 1  # the list refreshed
    # A photo: caption, link to a remnant, move to another site, unlink.
    win.tabs.setCurrentWidget(win.photos)
    photos = win.photos.model
    n_photos = photos.rowCount()
    first = photos.items[0]
    answer(monkeypatch, text="fins and fuze well")
    from fieldkit.gui import menus

    menus.caption(win, first["id"], church["id"], None)
    assert photos.items[0]["caption"] == "fins and fuze well"
    remnant = store.find("remnant", where={"site_id": church["id"]})[0]
    answer(monkeypatch, choose=remnant["id"], text="the dud under the bench")
    menus.link_to(win, first["id"], "remnant")
    link = store.find("link", where={"media_id": first["id"], "target_id": remnant["id"]})[0]
    assert link["caption"] == "the dud under the bench"
    answer(monkeypatch, choose=bus["id"])
    menus.move_photo(win, first["id"], church["id"])
    assert photos.rowCount() == n_photos - 1
    moved = store.find("link", where={"media_id": first["id"], "target_id": bus["id"]})
    assert moved and moved[0]["caption"] == "fins and fuze well"  # the caption went with it
    qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert photos.rowCount() == n_photos  # undo: back where it was
    # Merge the bus stop (a duplicate) into the church square, through the Edit menu.
    win.select_site(bus["id"])
    n_bus_remnants = len(store.find("remnant", where={"site_id": bus["id"]}))
    answer(monkeypatch, choose=church["id"], confirm=True)
    win.actions_by_name["merge"].trigger()
    kept = store.get(church["id"])
    assert "Old Town bus stop" in [n["name"] for n in kept["other_names"]]
    assert store.get(bus["id"])["retracted"]
    assert church["id"] in store.get(bus["id"])["retract_reason"]
    assert len(store.find("remnant", where={"site_id": church["id"]})) >= n_bus_remnants
    assert win.current_site_id == church["id"]
    win.undo()  # reversible
    assert not store.get(bus["id"])["retracted"]
    assert len(store.find("remnant", where={"site_id": bus["id"]})) == n_bus_remnants


def test_search_opens_the_record(window, qtbot):
    win = window
    win.resize(1280, 720)
    win.actions_by_name["search"].trigger()
    assert win.search_box.hasFocus()
    win.search_box.insert("лот")  # QTest types Latin keys only
    qtbot.keyClicks(win.search_box, " 7")
    qtbot.keyClick(win.search_box, Qt.Key.Key_Return)
    dlg = win.dialogs["search"]
    assert dlg.results.topLevelItemCount() == 1
    item = dlg.results.topLevelItem(0)
    assert item.text(0) == "Remnant" and "9M27K" in item.text(1)
    qtbot.keyClick(dlg.results, Qt.Key.Key_Return)
    church = site_named(win.store, "Church square")
    assert win.current_site_id == church["id"]
    assert win.tabs.currentWidget() is win.remnants
    rec = win.store.get(win.remnants.current_id())
    assert rec["markings_lot"] == "7-87"
    dlg.query.setText("IMG_1001")
    qtbot.keyClick(dlg.query, Qt.Key.Key_Return)
    assert dlg.results.topLevelItem(0).text(0) == "Photo"
    dlg.results.itemActivated.emit(dlg.results.topLevelItem(0), 0)
    assert win.dialogs["viewer"].isVisible()
    win.dialogs["viewer"].close()
    dlg.close()


def test_positions_times_messages_and_the_wheel(window, qtbot):
    win = window
    market = site_named(win.store, "Market crossroads")
    win.select_site(market["id"])
    form = win.details.form
    pos = form.widgets["lat"]
    # Shown back in the chosen form; typed in any.
    pos.form.setCurrentIndex(pos.form.findData("mgrs"))
    assert pos.text.text() == "38S PK 49948 08725"
    pos.form.setCurrentIndex(pos.form.findData("dms"))
    assert pos.text.text() == "39°48′55.08″N 46°45′06.84″E"
    pos.text.setText("38S PK 50048 08825")
    form.mark_edited()
    # The incident time as given: local time, its offset, and the UTC beside it.
    when = form.widgets["incident_start"]
    assert when.local.text() == "2020-10-04 09:10" and when.offset.currentText() == "+04:00"
    assert when.utc.text() == "= 2020-10-04 05:10 UTC"
    when.local.clear()
    qtbot.keyClicks(when.local, "2020-10-04 10:45")
    when.offset.setCurrentText("+03:00")
    assert when.utc.text() == "= 2020-10-04 07:45 UTC"
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    site = win.store.get(market["id"])
    assert site["incident_start"] == "2020-10-04T07:45:00Z"
    assert site["incident_start_offset"] == "+03:00"
    assert abs(site["lat"] - 39.8162) < 1e-3 and abs(site["lon"] - 46.7531) < 1e-3
    assert when.local.text() == "2020-10-04 10:45"  # the local time as entered, kept
    # A message in people's words, and the form scrolls to the field at fault.
    form.widgets["killed"].setText("-1")
    form.mark_edited()
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.message.text() == "Civilians killed must be at least 0."
    assert form.widgets["killed"].hasFocus()
    form.widgets["killed"].setText("1")
    when.local.setText("4 Oct")
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "written like 2020-10-09 14:02" in form.message.text()
    form.load(win.store.get(market["id"]))
    # The wheel over an unfocused drop-down scrolls the form; the value stays.
    combo = form.widgets["incident_time_source"]
    before = combo.currentData()
    win.details.setFocus()
    scroll = form.area.verticalScrollBar()
    top = scroll.value()
    centre = QPointF(combo.rect().center())
    for _ in range(3):
        QApplication.sendEvent(
            combo,
            QWheelEvent(
                centre,
                QPointF(combo.mapToGlobal(centre.toPoint())),
                QPoint(0, 0),
                QPoint(0, -120),
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            ),
        )
    assert combo.currentData() == before
    assert scroll.value() > top or scroll.maximum() == 0
    combo.setFocus()
    QApplication.sendEvent(
        combo,
        QWheelEvent(
            centre,
            QPointF(combo.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, -120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )
    assert combo.currentData() != before  # with focus, the wheel is for the value
    form.load(win.store.get(market["id"]))
    assert not win.details.dirty


def test_layout_at_1280_and_2560(window, qtbot):
    win = window
    win.resize(1280, 720)
    qtbot.wait(50)
    view = win.site_view
    visible = sum(view.columnWidth(c) for c in range(4))  # name, kind, neighbourhood, visited
    assert [win.site_model.headerData(c, Qt.Orientation.Horizontal, 0) for c in range(4)] == [
        "Name",
        "Kind",
        "Neighbourhood",
        "Visited",
    ]
    assert visible <= view.viewport().width()
    win.tabs.setCurrentWidget(win.remnants)
    qtbot.wait(20)
    assert win.remnants.list.height() >= 150  # the list uses the height
    win.resize(2560, 1440)
    win.tabs.setCurrentWidget(win.details)
    qtbot.wait(50)
    inner = win.details.form.area.widget()
    assert inner.width() <= MAX_FORM_WIDTH < win.details.width()
    win.resize(1280, 720)
    win.save_settings = lambda: None  # a 2560 px layout is not the next test's start


def test_fingerprints_are_labelled(window):
    dlg = window.about()
    fp = dlg.fingerprint
    assert fp.title() == "Signing key fingerprint"
    assert fp.full.text() == window.store.fingerprint
    assert len(fp.spoken.text().split("-")) == 8
    dlg.close()


def test_empty_store_greets_and_cases_are_first_class(qtbot, tmp_path):
    home = tmp_path / "empty"
    Store.init(home, name="Nora", email="nora@example.org", passphrase=b"nora passphrase").close()
    win = open_window(qtbot, home, passphrase=b"nora passphrase")
    try:
        assert win.centre.currentWidget() is win.welcome
        assert win.first_case_button.text() == "Create your first case"
        qtbot.mouseClick(win.first_case_button, Qt.MouseButton.LeftButton)
        dlg = win.dialogs["case"]
        form = dlg.form
        assert set(form.widgets) == {
            "title",
            "summary",
            "region",
            "period_start",
            "period_end",
            "status",
        }
        qtbot.keyClicks(form.widgets["title"], "Strikes on Veravan")
        form.widgets["period_start"].setText("2020-10-10")
        form.widgets["period_end"].setText("2020-10-01")
        dlg.accept()
        assert form.message.text() == "Period from must not be after Period to."
        form.widgets["period_end"].setText("2020-10-31")
        dlg.accept()
        (case,) = win.store.find("case")
        assert case["period_end"] == "2020-10-31" and case["status"] == "open"
        assert win.centre.currentWidget() is not win.welcome
        # In the toolbar and the File menu; editable.
        toolbar = win.findChild(QToolBar, "mainToolbar")
        assert win.actions_by_name["new_case"] in toolbar.actions()
        assert win.actions_by_name["new_case"] in win.file_menu.actions()
        edit = win.edit_case()
        edit.form.widgets["summary"].setPlainText("Three neighbourhoods hit.")
        edit.accept()
        assert win.store.get(case["id"])["summary"] == "Three neighbourhoods hit."
    finally:
        close_window(win)
