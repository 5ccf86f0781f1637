"""File → Export for GIS… and File → Case report… through the window."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fieldkit.audience import Audience
from fieldkit.gui.outputs import OutputDialog, OutputOptions


def _answer(monkeypatch, opts: OutputOptions) -> None:
    monkeypatch.setattr(OutputDialog, "ask", classmethod(lambda cls, *a, **k: opts))


def test_export_for_gis_from_the_menu(window, qtbot, monkeypatch, tmp_path: Path) -> None:
    case = window.store.find("case")[0]["id"]
    _answer(monkeypatch, OutputOptions(tmp_path / "demo", case, Audience(), "geojson"))
    window.actions_by_name["export_gis"].trigger()
    folder = tmp_path / "demo-internal-geojson"
    doc = json.loads((folder / "sites-internal.geojson").read_text(encoding="utf-8"))
    assert len(doc["features"]) == len(window.store.find("site"))
    assert window.last_output["path"] == str(folder)
    assert "GIS export written" in window.statusBar().currentMessage()


def test_case_report_runs_on_the_worker_and_cancels(
    threaded_window, qtbot, monkeypatch, tmp_path: Path
) -> None:
    win = threaded_window
    case = win.store.find("case")[0]["id"]
    _answer(monkeypatch, OutputOptions(tmp_path / "r.pdf", case, Audience()))
    win.actions_by_name["case_report"].trigger()
    qtbot.waitUntil(lambda: win.cancel_button.isVisible(), timeout=20000)
    qtbot.waitUntil(lambda: not win.runner.busy(), timeout=120000)
    pdf = tmp_path / "r-internal.pdf"
    assert pdf.is_file() and (tmp_path / "r-internal.pdf.sig").is_file()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Market crossroads" in text and "INTERNAL" in text
    assert not win.cancel_button.isVisible()

    # Cancel at once: nothing is left behind and the window says so.
    _answer(monkeypatch, OutputOptions(tmp_path / "c.pdf", case, Audience()))
    win.actions_by_name["case_report"].trigger()
    qtbot.waitUntil(lambda: win.cancel_button.isVisible(), timeout=20000)
    win.cancel_task()
    qtbot.waitUntil(lambda: not win.runner.busy(), timeout=120000)
    assert "Report cancelled" in win.statusBar().currentMessage()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "store")
    assert left == ["r-internal.pdf", "r-internal.pdf.sig"]  # nothing of the cancelled one


def test_dialog_public_disables_include(window, qtbot, tmp_path: Path) -> None:
    dlg = OutputDialog(window, window.store, report=False, default_out=tmp_path / "x", case_id=None)
    qtbot.addWidget(dlg)
    dlg.include.setCurrentIndex(2)
    assert dlg.allow.isVisibleTo(dlg)
    dlg.audience.setCurrentIndex(1)
    assert not dlg.include.isEnabled() and dlg.include.currentData() is None
    opts = dlg.options()
    assert opts.audience == Audience("public") and opts.fmt == "gpkg" and opts.case_id is None
