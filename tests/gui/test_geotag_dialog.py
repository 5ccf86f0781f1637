"""Issue 12 in the app: positions from a GPX track, checked, applied and undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldkit.gui import dialogs
from fieldkit.gui.geotag import GeotagDialog
from fieldkit.ingest import import_media
from tests.test_geotag import WALK, _photo


def test_geotag_check_apply_undo(window, qtbot, monkeypatch, tmp_path: Path) -> None:
    win = window
    cam = tmp_path / "card"
    paths = [
        _photo(cam, "a_on_track.jpg", "2020:10:09 14:00:15"),  # 10:00:15Z: on the walk
        _photo(cam, "b_in_pause.jpg", "2020:10:09 14:15:00"),  # in the 15-minute pause
        _photo(cam, "c_before.jpg", "2020:10:09 13:30:00"),  # before the first fix
    ]
    report = import_media(win.store, paths, serial=True)
    ids = {Path(i["path"]).name: i["id"] for i in report.imported}
    positioned = sum(1 for m in win.store.find("media") if m.get("lat") is not None)

    win.actions_by_name["geotag"].trigger()
    dlg = win.dialogs["geotag"]
    assert isinstance(dlg, GeotagDialog) and not dlg.apply_button.isEnabled()
    monkeypatch.setattr(dialogs.Prompts, "open_file", classmethod(lambda cls, *a, **k: WALK))
    dlg.browse_button.click()
    dlg.check_button.click()
    assert "would get a position" in dlg.summary.text()
    assert [n for n, _p in dlg.group("tagged")] == ["a_on_track.jpg"]
    assert win.store.get(ids["a_on_track.jpg"]).get("lat") is None  # a check writes nothing

    dlg.apply_button.click()
    assert [n for n, _p in dlg.group("tagged")] == ["a_on_track.jpg"]
    assert [n for n, _r in dlg.group("outside_track")] == ["c_before.jpg"]
    (gap,) = dlg.group("beyond_gap")
    assert gap[0] == "b_in_pause.jpg" and "300" in dlg.summary.text()
    assert f"{positioned} already had a position" in dlg.summary.text()
    a = win.store.get(ids["a_on_track.jpg"])
    assert a["position_source"] == "track"
    assert a["lat"] == pytest.approx(39.8154146, abs=1e-6)
    assert win.store.get(ids["c_before.jpg"]).get("lat") is None  # never guessed

    # A larger gap reaches the photo taken during the pause.
    dlg.gap.setValue(1000)
    dlg.apply_button.click()
    assert [n for n, _p in dlg.group("tagged")] == ["b_in_pause.jpg"]
    # Undo takes back exactly the last run: the pause photo loses its position, not the other.
    dlg.undo_button.click()
    assert win.store.get(ids["b_in_pause.jpg"]).get("lat") is None
    assert win.store.get(ids["a_on_track.jpg"])["position_source"] == "track"
    # Edit → Undo takes back the first run too.
    win.actions_by_name["undo"].trigger()
    assert win.store.get(ids["a_on_track.jpg"]).get("lat") is None
    assert sum(1 for m in win.store.find("media") if m.get("lat") is not None) == positioned
    dlg.close()


def test_geotag_bad_track_changes_nothing(window, qtbot, tmp_path: Path) -> None:
    win = window
    bad = tmp_path / "notes.gpx"
    bad.write_text("not a track", encoding="utf-8")
    before = len(win.undo_stack)
    dlg = GeotagDialog(win)
    qtbot.addWidget(dlg)
    dlg.track.setText(str(bad))
    dlg.apply_button.click()
    assert dlg.summary.text().startswith("Nothing changed:") and "notes.gpx" in dlg.summary.text()
    assert len(win.undo_stack) == before
