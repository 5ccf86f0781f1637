"""Drive the real window: first run, cases and sites, photos, remnants, statements."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest
from guihelpers import close_window, open_window
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.panels import DESIGNATION_ROLE
from fieldkit.gui.setup_dialogs import SetupDialog
from fieldkit.store import Store


def make_photos(folder: Path, n: int, *, start: int = 0) -> list[Path]:
    from fieldkit.demo import _photo

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        p = folder / f"P{i:04d}.jpg"
        _photo(p, f"test {i}", (100, 100 + i % 100, 90), "2020-10-04T09:10:00+04:00", (39.8, 46.7))
        out.append(p)
    return out


def test_first_run_creates_the_store(qtbot, tmp_path, monkeypatch):
    home = tmp_path / "new-store"

    def fill(cls, parent, default_home):
        dlg = SetupDialog(parent, default_home)
        qtbot.addWidget(dlg)
        assert dlg.home.text() == str(home)
        dlg.name.setText("Anna Field")
        dlg.organisation.setText("Rights Watchers")
        dlg.email.setText("anna@example.org")
        dlg.passphrase.setText("correct horse")
        dlg.passphrase2.setText("correct hors")  # a typo first
        dlg.accept()
        assert "differ" in dlg.message.text() and not dlg.result()
        dlg.passphrase2.setText("correct horse")
        dlg.accept()
        assert dlg.result() == SetupDialog.DialogCode.Accepted
        return dlg.answer()

    monkeypatch.setattr(SetupDialog, "ask", classmethod(fill))
    from fieldkit.gui.lock import RecoveryCodeDialog

    codes: list[str] = []
    monkeypatch.setattr(
        RecoveryCodeDialog, "show_once", classmethod(lambda c, p, code: codes.append(code))
    )
    from fieldkit.gui.app import close_session, open_session

    win = open_session(home, serial=True)
    assert win is not None
    qtbot.addWidget(win)
    try:
        ident = win.store.identity()
        assert (ident["name"], ident["email"], ident["organisation"]) == (
            "Anna Field",
            "anna@example.org",
            "Rights Watchers",
        )
        assert win.passphrase == b"correct horse"
        assert len(codes) == 1 and codes[0].count("-") == 7  # the recovery code, shown once
    finally:
        close_session(win)
    with Store.open(home) as store:
        assert store.find("person")[0]["name"] == "Anna Field"


def test_create_case_and_site(window, qtbot, monkeypatch):
    window.actions_by_name["new_case"].trigger()
    dlg = window.dialogs["case"]
    qtbot.keyClicks(dlg.form.widgets["title"], "Shelling of the port")
    qtbot.keyClicks(dlg.form.widgets["region"], "Odesa oblast")
    qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    case = window.store.find("case", where={"title": "Shelling of the port"})
    assert case and window.current_case_id == case[0]["id"]
    assert case[0]["region"] == "Odesa oblast" and case[0]["status"] == "open"

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = window.details.form
    assert form.widgets["case_id"].currentData() == case[0]["id"]
    qtbot.keyClicks(form.widgets["name"], "Pier 3")
    form.widgets["other_names"].setPlainText("Причал 3@ru")
    qtbot.keyClicks(form.widgets["lat"].text, "200, 30.75")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.message.text() == "Latitude must be between −90 and 90."
    assert form.message.isVisible()
    assert form.widgets["lat"].property("invalid") is True  # the field at fault is marked
    assert form.widgets["name"].property("invalid") is False
    assert form.widgets["lat"].text.hasFocus()  # and the cursor is in it
    assert not window.store.find("site", where={"name": "Pier 3"})

    form.widgets["lat"].text.setText("46.48, 30.75")
    form.widgets["access"].setCurrentIndex(form.widgets["access"].findData("refused"))
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    sites = window.store.find("site", where={"name": "Pier 3"})
    assert len(sites) == 1
    site = sites[0]
    assert site["case_id"] == case[0]["id"] and site["access"] == "refused"
    assert site["other_names"] == [{"name": "Причал 3", "lang": "ru"}]
    assert window.current_site_id == site["id"] and not form.dirty
    assert window.site_model.row_of(site["id"]) >= 0


def test_unsaved_edits_ask_before_switching(window, qtbot, monkeypatch):
    answers = []
    monkeypatch.setattr(
        Prompts, "save_discard_cancel", classmethod(lambda cls, p, w: answers.pop(0))
    )
    a, b = (s["id"] for s in window.store.find("site", limit=2))
    window.select_site(a)
    window.details.form.widgets["description"].setPlainText("edited")
    assert window.details.dirty

    answers.append("cancel")
    assert not window.select_site(b)
    assert window.current_site_id == a and window.details.dirty

    answers.append("save")
    assert window.select_site(b)
    assert window.store.get(a)["description"] == "edited"

    window.details.form.widgets["description"].setPlainText("thrown away")
    answers.append("discard")
    assert window.select_site(a)
    assert window.store.get(b)["description"] is None
    assert not answers


def test_filter_and_sort(window, qtbot):
    window.actions_by_name["filter"].trigger()
    assert window.filter.hasFocus()
    qtbot.keyClicks(window.filter, "school")
    assert window.site_proxy.rowCount() == 1
    window.filter.clear()
    window.site_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    names = [window.site_proxy.index(r, 0).data() for r in range(window.site_proxy.rowCount())]
    assert names == sorted(names, reverse=True)


def test_thumbnails_load_lazily(window, qtbot):
    market = window.store.find("site", where={"name": "Market crossroads"})[0]
    window.select_site(market["id"])
    window.tabs.setCurrentWidget(window.photos)
    model = window.photos.model
    assert model.rowCount() == 3
    # Only what the view paints is requested; scrolling brings in the rest.
    qtbot.waitUntil(lambda: model.loaded_count() >= 1, timeout=10000)
    view = window.photos.view
    view.scrollTo(model.index(model.rowCount() - 1))
    view.viewport().update()
    qtbot.waitUntil(lambda: model.loaded_count() == 3, timeout=10000)


def test_position_from_a_photo(window, qtbot, monkeypatch):
    station = window.store.find("site", where={"name": "Gas station on the north road"})[0]
    assert station["position_source"] == "map" and station["position_accuracy_m"] == 50.0
    window.select_site(station["id"])
    window.tabs.setCurrentWidget(window.photos)
    media_id = window.photos.model.items[0]["id"]
    viewer = window.open_photo(media_id)
    media = window.store.get(media_id)
    assert media["time_source"] == "exif-offset" and media["alt"] is not None
    assert viewer.use_button.isEnabled()
    asked = []
    answer = [False]
    monkeypatch.setattr(
        Prompts, "confirm", classmethod(lambda cls, p, t, text: asked.append(text) or answer[0])
    )
    qtbot.mouseClick(viewer.use_button, Qt.MouseButton.LeftButton)
    assert asked and "(map)" in asked[0] and " m from it" in asked[0]
    assert window.store.get(station["id"])["lat"] == station["lat"]  # "no" changes nothing
    answer[0] = True
    qtbot.mouseClick(viewer.use_button, Qt.MouseButton.LeftButton)
    site = window.store.get(station["id"])
    got = [site[k] for k in ("lat", "lon", "alt", "position_accuracy_m", "position_source")]
    # all of the position comes from the photo: no accuracy left over from the map
    assert got == [media["lat"], media["lon"], media["alt"], media["position_accuracy_m"], "exif"]
    assert window.details.form.widgets["position_source"].currentData() == "exif"
    assert window.details.form.widgets["alt"].text() == repr(media["alt"])
    viewer.close()


def test_remnant_from_the_catalogue(window, qtbot):
    school = window.store.find("site", where={"name": "School No. 7 yard"})[0]
    window.select_site(school["id"])
    window.actions_by_name["new_remnant"].trigger()
    pane = window.remnants
    assert pane.isVisible() and pane.pane.form.record == {}
    qtbot.keyClicks(pane.munition, "9n2")
    designations = [
        pane.completer_model.item(r).data(DESIGNATION_ROLE)
        for r in range(pane.completer_model.rowCount())
    ]
    assert "9N235" in designations and "9N210" in designations
    popup = pane.completer.popup()
    popup.setCurrentIndex(pane.completer.completionModel().index(designations.index("9N235"), 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    form = pane.pane.form
    assert pane.munition.text() == "9N235"
    assert form.widgets["category"].currentData() == "submunition"
    form.widgets["condition"].setCurrentIndex(form.widgets["condition"].findData("dud"))
    form.widgets["count"].setText("2")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    found = [
        r for r in window.store.find("remnant", where={"site_id": school["id"]}) if r["count"] == 2
    ]
    assert len(found) == 1 and found[0]["munition_type"] == "9N235"
    assert found[0]["condition"] == "dud"


def test_statement_with_badges(window, qtbot):
    station = window.store.find("site", where={"name": "Gas station on the north road"})[0]
    window.select_site(station["id"])
    window.actions_by_name["new_statement"].trigger()
    pane = window.statements
    form = pane.pane.form
    qtbot.keyClicks(form.widgets["witness_code"], "W-017")
    form.widgets["age"].setText("69")
    form.widgets["role"].setText("resident")
    form.widgets["consent"].setCurrentIndex(form.widgets["consent"].findData("anonymous"))
    form.widgets["sensitivity"].setCurrentIndex(
        form.widgets["sensitivity"].findData("confidential")
    )
    assert pane.sensitivity.isVisible() and pane.sensitivity.text() == "CONFIDENTIAL"
    assert pane.consent.text() == "ANONYMOUS"
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    st = window.store.find("statement", where={"witness_code": "W-017"})
    assert len(st) == 1
    assert st[0]["site_id"] == station["id"] and st[0]["case_id"] == station["case_id"]
    assert st[0]["sensitivity"] == "confidential" and st[0]["age"] == 69
    assert "CONFIDENTIAL" in pane.list.currentItem().text()


def test_history_shows_record_field_before_after_and_photo(window, qtbot):
    market = window.store.find("site", where={"name": "Market crossroads"})[0]
    window.select_site(market["id"])
    form = window.details.form
    form.widgets["killed"].setText("2")
    form.mark_edited()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    window.tabs.setCurrentWidget(window.history)
    rows = window.history.rows
    created = rows[0]
    assert created["who"] == "Demo Investigator" and created["device"] == "demo laptop"
    assert created["record"] == "Site “Market crossroads”"
    assert created["what"].startswith("created") and "Name: Market crossroads" in created["what"]
    assert rows[-1]["what"] == "changed — Civilians killed: 1 → 2"
    photo = next(r for r in rows if r["what"].startswith("photo linked"))
    assert photo["record"].startswith("Photo IMG_")
    remnant = [r for r in rows if r["record"].startswith("Remnant")]
    assert remnant  # what belongs to the site is in its history too
    tree = window.history.tree
    assert tree.topLevelItem(0).text(3) == "changed — Civilians killed: 1 → 2"  # newest first


def test_import_a_folder_with_a_bad_file(window, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "card"
    make_photos(folder, 3)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a photo")
    os.symlink(tmp_path / "nowhere.jpg", folder / "dangling.jpg")
    site = window.store.find("site", where={"name": "School No. 7 yard"})[0]
    window.select_site(site["id"])
    progress = []
    window.runner.progress_changed.connect(lambda t, d, n, m: progress.append((d, n)))
    monkeypatch.setattr(Prompts, "open_folder", classmethod(lambda cls, *a: folder))
    window.actions_by_name["import_folder"].trigger()
    assert progress and progress[-1][0] == progress[-1][1]
    place = window.dialogs["place"]
    assert place.isVisible()  # where the photos belong is asked, not assumed
    assert len(window.store.find("link", where={"target_id": site["id"]})) == 6  # none yet
    place.site_combo.setCurrentIndex(place.site_combo.findData(site["id"]))
    # The three test photos were taken 5.7 km away: flagged, and left out unless ticked.
    far = place.far_ids()
    assert len(far) == 3 and place.model.text(far[0], 3) == "5.7 km"
    assert not any(place.model.checked[m] for m in far)
    for mid in far:
        place.model.set_checked(mid, True)
    qtbot.mouseClick(place.details_button, Qt.MouseButton.LeftButton)
    report = window.last_report
    assert report is not None and report.isVisible()
    text = report.text()
    assert "dangling.jpg" in text and "broken symbolic link" in text
    assert "broken.jpg" in text  # kept as evidence, with the warning named
    report.close()
    qtbot.mouseClick(place.file_button, Qt.MouseButton.LeftButton)
    linked = window.store.conn.execute(
        "SELECT count(*) FROM links WHERE target_id = ?", (site["id"],)
    ).fetchone()[0]
    assert linked == 6 + 4
    window.tabs.setCurrentWidget(window.photos)
    assert window.photos.model.rowCount() == 10


def test_cancel_an_import_half_way(threaded_window, qtbot, tmp_path):
    win = threaded_window
    folder = tmp_path / "many"
    make_photos(folder, 120)
    ended = []

    def progress(task, done, total, message):
        if done >= 10 and not task.cancel.cancelled:
            win.cancel_button.click()

    win.runner.progress_changed.connect(progress)
    task = win.import_paths([folder])
    task.on_cancelled = (lambda orig: lambda: (ended.append("cancelled"), orig()))(
        task.on_cancelled
    )
    done_cb = task.on_done
    task.on_done = lambda r: (ended.append("done"), done_cb(r))
    qtbot.waitUntil(lambda: bool(ended), timeout=60000)
    imported = win.store.count("media") - 60
    assert 0 < imported < 120
    if ended[0] == "done":
        assert win.last_report is not None and "Cancelled" in win.last_report.headline.text()
        win.last_report.close()
        # the placement dialog follows in its own steps (PhotoActions.ask_placement)
        qtbot.waitUntil(lambda: "place" in win.dialogs)
        win.dialogs["place"].close()
    assert not win.progress.isVisible()


def _machine_busy_s() -> float | None:
    """CPU seconds all processes of this machine have run so far (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


#: The goal (issue 13): the UI thread never blocks longer than this during the import.
UI_GAP_GOAL_MS = 100
#: Other processes' share of the machine's CPUs under which the goal is asserted.
QUIET_SHARE = 0.15


@pytest.mark.serial  # a timing figure: run alone, not beside the other test worker
def test_ui_thread_stays_responsive_during_import(threaded_window, qtbot, tmp_path, capsys):
    """300 photos imported on the writer thread, with site proposals, then the dialog
    that asks where they belong. A 10 ms timer on the UI thread measures the longest gap
    (our code on the UI thread, the GIL held by another thread, or the CPU given to
    others); the UI thread's own CPU time inside each gap says how much was our work.
    The gap is held to the goal when the machine is otherwise quiet (other processes
    used under QUIET_SHARE of its CPUs meanwhile); on a shared, busy machine it is
    printed, and the UI thread's own work is held to the goal instead."""
    win = threaded_window
    folder = tmp_path / "three-hundred"
    make_photos(folder, 300)
    ticks: list[tuple[float, float]] = []

    def tick():
        ticks.append((time.perf_counter(), time.thread_time()))

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    busy0, own0 = _machine_busy_s(), _own_cpu_s()
    timer.start()
    started = time.perf_counter()
    tick()
    task = win.import_paths([folder])
    qtbot.waitUntil(lambda: task.finished, timeout=120000)
    imported = time.perf_counter()
    # The dialog is built and shown in steps after the import; it is part of the figure.
    qtbot.waitUntil(lambda: "place" in win.dialogs and win.dialogs["place"].isVisible())
    qtbot.wait(300)  # its first paint, and the window's repaint behind it
    timer.stop()
    elapsed = time.perf_counter() - started
    busy1, own1 = _machine_busy_s(), _own_cpu_s()
    gaps = [(b[0] - a[0], b[1] - a[1], b[0] > imported) for a, b in itertools.pairwise(ticks)]
    gap, gap_cpu, after = max(gaps)
    worst_cpu = max(g[1] for g in gaps)
    cpus = os.cpu_count() or 1
    others = None
    if busy0 is not None and busy1 is not None:
        others = max(0.0, (busy1 - busy0) - (own1 - own0)) / (elapsed * cpus)
    quiet = others is not None and others < QUIET_SHARE
    with capsys.disabled():
        print(
            f"\n[ui-gap] 300 photos in {imported - started:.1f} s with site proposals, then "
            f"the placement dialog: longest timer gap {gap * 1000:.0f} ms "
            f"({'showing the dialog' if after else 'during the import'}; the UI thread's "
            f"own CPU time in it {gap_cpu * 1000:.0f} ms), most UI-thread CPU time in one "
            f"gap {worst_cpu * 1000:.0f} ms, over {len(ticks)} ticks; other processes used "
            + (f"{others:.0%}" if others is not None else "an unknown share")
            + f" of the {cpus} CPUs (load {os.getloadavg()[0]:.1f})"
            + ("" if quiet else ": busy machine, the gap goal not asserted")
        )
    assert win.store.count("media") == 360
    place = win.dialogs["place"]
    assert len(place.placement.photos) == 300 and place.isVisible()
    assert worst_cpu * 1000 < UI_GAP_GOAL_MS
    if quiet:
        assert gap * 1000 < UI_GAP_GOAL_MS
    place.close()


def test_right_to_left_layout(qtbot, demo_home, tmp_path):
    app = QApplication.instance()
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    try:
        win = open_window(qtbot, demo_home)
        win.resize(1280, 720)
        market = win.store.find("site", where={"name": "Market crossroads"})[0]
        win.select_site(market["id"])
        assert win.isRightToLeft()
        pix = win.grab()
        assert not pix.isNull() and pix.width() >= 1280
        pix.save(str(tmp_path / "rtl.png"))
        close_window(win)
    finally:
        app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


def test_geometry_is_remembered(qtbot, demo_home):
    win = open_window(qtbot, demo_home)
    win.resize(640, 480)
    close_window(win)
    again = open_window(qtbot, demo_home)
    assert again.size().width() == 640
    close_window(again)


def test_about_shows_version_and_fingerprint(window):
    from fieldkit import __version__

    dlg = window.about()
    texts = " ".join(label.text() for label in dlg.findChildren(type(window.who)))
    assert __version__ in texts and window.store.fingerprint in texts
    dlg.close()


def test_camera_clock_correction(window):
    dlg = window.open_cameras()
    form = dlg.form
    form.widgets["make"].setText("DemoCam")
    form.widgets["model"].setText("Field 1")
    form.widgets["clock_error_s"].setText("-3600")
    form.widgets["utc_offset"].setText("+04:00")
    form.mark_edited()
    dlg.save()
    cams = window.store.find("camera")
    assert len(cams) == 1 and cams[0]["clock_error_s"] == -3600
    assert dlg.list.count() == 1
    dlg.close()


def test_trusted_keys_in_settings(window, tmp_path):
    from fieldkit.crypto.trustlist import export_public

    other = Store.init(
        tmp_path / "other", name="Bo", email="bo@example.org", passphrase=b"bo passphrase"
    )
    key_file = tmp_path / "bo.pub"
    key_file.write_text(export_public(other.keys_dir), encoding="utf-8")
    other.close()
    dlg = window.open_settings()
    assert dlg.list.count() == 1
    dlg.add_from_file(key_file)
    assert dlg.list.count() == 2 and "bo@example.org" in dlg.list.item(1).text()
    dlg.list.setCurrentRow(1)
    dlg.remove_selected()
    assert dlg.list.count() == 1
    dlg.close()


def test_a_check_left_unfinished_runs_when_the_store_opens(qtbot, demo_home, tmp_path, monkeypatch):
    """The app closed before the background decode check ended: the next time the store
    opens, the photos still waiting are checked, and a broken one is named at once."""
    from fieldkit.gui.window import photos
    from fieldkit.ingest import import_media
    from fieldkit.thumbnails import has_pending_checks
    from tests.test_previews import _with_preview

    whole = _with_preview()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) - 3000])  # truncated; its embedded preview intact
    good = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    for i, path in enumerate(good):
        path.write_bytes(_with_preview(preview_color=(20, 20, 100 + i)))
    store = Store.open(demo_home)
    report = import_media(store, [*good, cut], serial=True, fast_previews=True)  # unchecked
    media_id = next(i["id"] for i in report.imported if i["path"].endswith("cut.jpg"))
    assert has_pending_checks(store) and store.get(media_id)["warnings"] == []
    store.close()
    monkeypatch.setattr(photos, "CHECK_PIECE", 1)  # a chain of three short tasks

    shown: list[str] = []
    from PySide6.QtWidgets import QStatusBar

    original = QStatusBar.showMessage

    def spy(bar, text, *args):
        shown.append(text)
        return original(bar, text, *args)

    monkeypatch.setattr(QStatusBar, "showMessage", spy)
    win = open_window(qtbot, demo_home)
    qtbot.waitUntil(lambda: not has_pending_checks(win.store), timeout=30000)
    assert "Cannot be decoded: cut.jpg" in shown
    warnings = win.store.get(media_id)["warnings"]
    assert any(w.startswith("the image cannot be decoded") for w in warnings)
    close_window(win)
