"""File → Export for GIS… and File → Case report… through the window."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fieldkit.audience import Audience
from fieldkit.crypto import keys, trustlist
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.outputs import OutputDialog, OutputOptions
from fieldkit.store import Store


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
    assert "encrypted to the colleagues ticked" in dlg.note.text()
    dlg.audience.setCurrentIndex(1)
    assert not dlg.include.isEnabled() and dlg.include.currentData() is None
    opts = dlg.options()
    assert opts.audience == Audience("public") and opts.fmt == "gpkg" and opts.case_id is None


def test_sensitive_gis_export_names_what_is_inside_and_asks(
    window, qtbot, monkeypatch, tmp_path: Path
) -> None:
    """The disclosure rule as for bundles: no colleague ticked, a question that names the
    content; no writes nothing, yes writes it plain."""
    store = window.store
    case = store.find("case")[0]["id"]
    sites = {s["id"] for s in store.find("site")}
    held = [
        st["sensitivity"]
        for st in store.find("statement")
        if st.get("site_id") in sites and st["case_id"] == case
    ]
    conf = held.count("confidential")
    assert conf  # the demo case holds a confidential statement at a site
    questions: list[str] = []
    answers = [False, True]

    def confirm(cls, parent, title, text):
        questions.append(text)
        return answers.pop(0)

    monkeypatch.setattr(Prompts, "confirm", classmethod(confirm))
    opts = OutputOptions(tmp_path / "g", case, Audience(include="confidential"), "geojson")
    _answer(monkeypatch, opts)
    window.actions_by_name["export_gis"].trigger()
    assert len(questions) == 1 and f"{conf} confidential statement" in questions[0]
    assert not list(tmp_path.glob("g-*"))  # said no: nothing written
    window.actions_by_name["export_gis"].trigger()
    assert len(questions) == 2
    assert (tmp_path / "g-internal-confidential-geojson").is_dir()
    assert window.last_output["carries"]["confidential"] == conf
    assert "unencrypted" in window.statusBar().currentMessage()


def test_dialog_offers_trusted_colleagues_to_encrypt_to(window, qtbot, tmp_path: Path) -> None:
    bek = Store.init(
        tmp_path / "bek",
        name="Bek",
        email="bek@example.org",
        passphrase=b"bek pass",
        encrypted=False,
    )
    trustlist.trust(Path(window.store.keys_dir), trustlist.export_public(bek.keys_dir))
    recipient = keys.load_public(bek.keys_dir).age_recipient
    bek.close()
    dlg = OutputDialog(window, window.store, report=True, default_out=tmp_path / "r", case_id=None)
    qtbot.addWidget(dlg)
    assert dlg.recipients.count() == 1 and "bek@example.org" in dlg.recipients.item(0).text()
    assert dlg.options().recipients == ()
    from PySide6.QtCore import Qt

    dlg.recipients.item(0).setCheckState(Qt.CheckState.Checked)
    assert dlg.options().recipients == (recipient,)
