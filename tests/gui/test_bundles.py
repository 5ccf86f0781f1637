"""Bundles through the window: export, import into a second store, resolve, verify."""

from __future__ import annotations

import shutil
from pathlib import Path

from guihelpers import close_window, open_window

from fieldkit.crypto import trustlist
from fieldkit.gui import bundle_import, bundle_verify
from fieldkit.gui.bundle_export import ExportDialog, ExportOptions
from fieldkit.gui.dialogs import Prompts
from fieldkit.store import Store

B_PASS = b"coordinator passphrase"


def export_via_gui(win, qtbot, monkeypatch, out: Path, *, zip: bool, full: bool = False):
    monkeypatch.setattr(
        ExportDialog, "ask", classmethod(lambda cls, *a: ExportOptions(out, full, zip, ()))
    )
    questions: list[str] = []

    def confirm(cls, parent, title, text):
        questions.append(text)  # the disclosure rule: a plain bundle only when asked for
        return True

    monkeypatch.setattr(Prompts, "confirm", classmethod(confirm))
    win.actions_by_name["export"].trigger()
    if full:  # the demo store holds confidential and restricted statements: named, counted
        held = [s["sensitivity"] for s in win.store.find("statement")]
        conf, restr = held.count("confidential"), held.count("restricted")
        assert conf and restr
        assert questions and f"{conf} confidential statement" in questions[0]
        assert f"{restr} restricted statement" in questions[0]
    dlg = win.dialogs["exported"]
    assert dlg.isVisible()
    view = dlg.fingerprint
    assert view.title() == "Bundle fingerprint"  # labelled: not the key's fingerprint
    assert win.last_export["tagmanifest_sha256"] == view.full.text()  # as sha256sum prints
    spoken = view.spoken.text().split("-")  # read aloud: 8 groups of 4, 160 bits
    assert len(spoken) == 8 and all(len(g) == 4 for g in spoken)
    dlg.close()
    return Path(win.last_export["path"])


def test_export_import_resolve(window, qtbot, monkeypatch, tmp_path):
    a = window
    first = export_via_gui(a, qtbot, monkeypatch, tmp_path / "b1", zip=True, full=True)
    assert first.is_file()

    b_home = tmp_path / "coordinator"
    b = Store.init(b_home, name="Coordinator", email="coord@example.org", passphrase=B_PASS)
    trustlist.trust(b.keys_dir, trustlist.export_public(Path(a.store.keys_dir)))
    site = a.store.find("site", where={"name": "School No. 7 yard"})[0]
    from fieldkit.bundle import import_bundle

    assert import_bundle(b, first).ok
    # The same field changed on both laptops from the same base: a conflict.
    a.store.update(site["id"], {"injured": 3, "casualties_source": "hospital registry"})
    b.update(site["id"], {"injured": 5})
    b.close()
    second = export_via_gui(a, qtbot, monkeypatch, tmp_path / "b2", zip=True)

    win = open_window(qtbot, b_home, passphrase=B_PASS)
    try:
        dlg = bundle_import.import_flow(win, second)
        assert not dlg.merge_button.isEnabled()
        events_before = win.store.event_count()
        dlg.verify()
        assert "Intact and signed by" in dlg.report.headline.text()
        # The preview says what merging would do, before anything is merged.
        assert dlg.summary.text().startswith("If merged:")
        assert "1 conflict(s)" in dlg.summary.text()
        # ...by name: the changed site, its field before → after, the conflict by field
        review = dlg.review.text()
        assert "Changed sites (1)" in review and "School No. 7 yard" in review
        assert "Casualties source: witnesses → hospital registry" in review
        assert "Site “School No. 7 yard” — Civilians injured  3 | 5" in review
        assert dlg.pages.currentWidget() is dlg.review
        dlg.pages.setCurrentIndex(1)  # the raw report, one click away
        assert dlg.report.tree.topLevelItemCount() > 0
        assert win.store.event_count() == events_before
        assert win.store.all_conflicts() == []
        assert dlg.merge_button.isEnabled()
        dlg.merge()
        assert "1 conflict(s)" in dlg.summary.text()
        assert dlg.conflicts_button.isEnabled()
        win.select_site(site["id"])
        assert win.details.form.widgets["injured"].text() in ("3", "5")
        dlg.conflicts_button.click()
        conflicts = win.dialogs["conflicts"]
        assert conflicts.list.count() == 1
        assert {r.text().split()[0] for r in conflicts.radios} == {"3", "5"}
        conflicts.other.setChecked(True)
        conflicts.other_value.setText("4")
        conflicts.resolve_button.click()
        assert win.store.all_conflicts() == []
        assert win.store.get(site["id"])["injured"] == 4
        # the open form shows what the resolution changed, without a save or F5
        assert win.details.form.widgets["injured"].text() == "4"
        assert conflicts.list.count() == 0
        conflicts.close()
        dlg.close()
    finally:
        close_window(win)


def test_untrusted_signer_must_be_accepted(window, qtbot, monkeypatch, tmp_path):
    bundle = export_via_gui(window, qtbot, monkeypatch, tmp_path / "b", zip=False, full=True)
    b_home = tmp_path / "coordinator"
    Store.init(b_home, name="C", email="c@example.org", passphrase=B_PASS).close()
    win = open_window(qtbot, b_home, passphrase=B_PASS)
    try:
        dlg = bundle_import.import_flow(win, bundle)
        dlg.verify()
        assert "FAILED" in dlg.report.headline.text()
        assert dlg.accept_untrusted.isVisible() and not dlg.merge_button.isEnabled()
        dlg.accept_untrusted.setChecked(True)
        dlg.merge()
        assert dlg.merged is not None
        assert win.store.count("site") == 12
        dlg.close()
    finally:
        close_window(win)


def test_verify_names_the_tampered_file(window, qtbot, monkeypatch, tmp_path):
    bundle = export_via_gui(window, qtbot, monkeypatch, tmp_path / "b", zip=False, full=True)
    tampered = tmp_path / "tampered"
    shutil.copytree(bundle, tampered)
    media = sorted((tampered / "data" / "media").rglob("*"))
    victim = next(p for p in media if p.is_file())
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")

    dlg = bundle_verify.verify_flow(window, bundle)
    dlg.verify()
    assert dlg.ok and "Intact" in dlg.report.headline.text()
    dlg.close()

    dlg = bundle_verify.verify_flow(window, tampered)
    dlg.verify()
    assert dlg.ok is False
    assert "FAILED" in dlg.report.headline.text()
    assert victim.name in dlg.report.text()
    saved = dlg.save_report(tmp_path / "report.json")
    assert '"ok": false' in saved.read_text()
    dlg.close()
    # As with `fieldkit verify` on a store's machine, each check is a custody event.
    checks = [c["result"] for c in window.store.find("custody") if c["action"] == "verify"]
    assert checks[0] == "ok" and checks[1].startswith("failed")
