"""A scripted day in the desktop app, one screenshot per step at 1280 × 720.

An investigator sets up, creates a case and two sites, imports a card of photos and
files them where their positions say, records a remnant, and exports a signed bundle; a
coordinator (the demo store, with a colleague's bundle waiting) reviews a bundle by name,
merges it, resolves the conflict, verifies the investigator's bundle and searches.
Every step drives the real widgets and the real core; nothing is staged.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/day.py docs/screenshots/day
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QStandardPaths, QTimer
from PySide6.QtWidgets import QWidget

SIZE = (1280, 720)
PASS = b"a long field passphrase"


def settle(ms: int = 250) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class Shots:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.n = 0
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.png"):
            old.unlink()

    def __call__(self, widget: QWidget, name: str, *, window: QWidget | None = None) -> Path:
        """Grab ``widget``; a dialog is shown over its window, as a person sees it."""
        settle()
        self.n += 1
        path = self.out / f"{self.n:02d}-{name}.png"
        if window is not None:
            from PySide6.QtGui import QColor, QPainter

            pix = window.grab()
            painter = QPainter(pix)
            painter.fillRect(pix.rect(), QColor(0, 0, 0, 70))
            dialog = widget.grab()
            x = (pix.width() - dialog.width()) // 2
            y = max(0, (pix.height() - dialog.height()) // 2)
            painter.drawPixmap(x, y, dialog)
            painter.end()
        else:
            pix = widget.grab()
        pix.save(str(path))
        print(f"wrote {path}")
        return path


def make_card(folder: Path, sites: list[tuple[float, float]]) -> Path:
    """Photos from two places (near the two new sites) and one taken far away."""
    from fieldkit.demo import _photo

    card = folder / "card" / "DCIM" / "100FIELD"
    card.mkdir(parents=True)
    n = 0
    for s, (lat, lon) in enumerate(sites):
        for k in range(4):
            _photo(
                card / f"DSC_{3001 + n}.JPG",
                f"site {s + 1}, photo {k + 1}",
                (110, 90 + 20 * s, 80),
                f"2020-10-11T{10 + s:02d}:{10 + 5 * k:02d}:00+04:00",
                (lat + 0.00008 * k, lon + 0.00005 * k),
                alt=790.0,
                direction=float(45 * k),
                size=(640, 427),
            )
            n += 1
    _photo(
        card / f"DSC_{3001 + n}.JPG",
        "elsewhere",
        (60, 60, 60),
        "2020-10-11T16:00:00+04:00",
        (40.1792, 44.4991),  # another city: far from both sites
        size=(640, 427),
    )
    return card.parent.parent


def main(out: Path) -> int:
    from fieldkit.crypto import trustlist
    from fieldkit.demo import DEMO_PASSPHRASE, colleague_bundle_path, make_demo_store
    from fieldkit.gui import bundle_import, bundle_verify
    from fieldkit.gui.app import close_session, make_app, open_session
    from fieldkit.gui.bundle_export import ExportDialog, ExportOptions
    from fieldkit.gui.dialogs import Prompts
    from fieldkit.gui.setup_dialogs import SetupDialog
    from fieldkit.store import Store

    QStandardPaths.setTestModeEnabled(True)
    make_app()
    shot = Shots(out)
    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-day-"))
    home = tmp / "ana"

    # 1. Set-up: who you are, a passphrase, where the store lives.
    setup = SetupDialog(None, home)
    setup.name.setText("Ana Field")
    setup.organisation.setText("Rights Watchers")
    setup.email.setText("ana@rights.example")
    setup.passphrase.setText(PASS.decode())
    setup.passphrase2.setText(PASS.decode())
    setup.resize(560, 360)
    setup.show()
    shot(setup, "setup")
    answer = setup.answer()
    setup.close()
    Store.init(
        answer.home,
        name=answer.name,
        email=answer.email,
        organisation=answer.organisation,
        passphrase=answer.passphrase,
        device_name="field laptop",
    ).close()

    win = open_session(home, serial=True, passphrase=PASS)
    assert win is not None
    win.resize(*SIZE)
    win.show()
    shot(win, "empty-store")  # "Create your first case"

    # 2. A case, with all its fields.
    case = win.new_case()
    case.form.widgets["title"].setText("Shelling of Veravan, October 2020")
    case.form.widgets["summary"].setPlainText(
        "Cluster munition strikes on residential areas reported on 11 October."
    )
    case.form.widgets["region"].setText("Veravan")
    case.form.widgets["period_start"].setText("2020-10-11")
    case.form.widgets["period_end"].setText("2020-10-12")
    shot(case, "new-case", window=win)
    case.accept()

    # 3. Two sites; positions typed as people give them, the time with its offset.
    sites = [
        ("Hospital street 4", "39°49′07″N 46°45′40″E", "2020-10-11 09:40", "Kirov district"),
        ("Bus depot", "38S PK 50511 09433", "2020-10-11 09:42", "Old Town"),
    ]
    positions = []
    for name, where, when, hood in sites:
        win.new_site()
        form = win.details.form
        form.widgets["name"].setText(name)
        form.widgets["neighbourhood"].setText(hood)
        form.widgets["lat"].text.setText(where)
        form.widgets["incident_start"].local.setText(when)
        form.widgets["incident_start"].offset.setCurrentText("+04:00")
        form.widgets["access"].setCurrentIndex(form.widgets["access"].findData("granted"))
        form.mark_edited()
        if name == "Bus depot":
            shot(win, "new-site")
        win.save_current()
        rec = win.store.get(win.current_site_id)
        positions.append((rec["lat"], rec["lon"]))

    # 4. A card of photos: where do they belong? Proposed from their positions.
    card = make_card(tmp, positions)
    win.import_paths([card])
    place = win.dialogs["place"]
    place.resize(1000, 560)
    shot(place, "photos-where-do-they-belong", window=win)
    place.site_combo.setCurrentIndex(1)  # what "all to one site" would do: far ones flagged
    shot(place, "photos-far-from-the-chosen-site", window=win)
    place.proposed.setChecked(True)
    place.accept()
    depot = win.store.find("site", where={"name": "Bus depot"})[0]
    win.select_site(depot["id"])
    win.tabs.setCurrentWidget(win.photos)
    win.photos.model.wait_idle()
    settle(500)
    shot(win, "photos-filed")

    # 5. A remnant, from the catalogue.
    win.new_remnant()
    rform = win.remnants.pane.form
    win.remnants.munition.setText("9N235")
    rform.widgets["category"].setCurrentIndex(rform.widgets["category"].findData("submunition"))
    rform.widgets["condition"].setCurrentIndex(rform.widgets["condition"].findData("dud"))
    rform.widgets["hazard"].setCurrentIndex(rform.widgets["hazard"].findData("yes"))
    rform.widgets["markings_lot"].setText("4-89")
    rform.mark_edited()
    win.save_current()
    shot(win, "remnant")

    # 6. Export a signed bundle; the fingerprint to read over the phone.
    export = ExportDialog(win, Path(win.store.keys_dir), tmp / "ana-bundle")
    export.show()
    shot(export, "export", window=win)
    export.close()
    ExportDialog.ask = classmethod(  # type: ignore[method-assign]
        lambda cls, *a: ExportOptions(tmp / "ana-bundle", True, True, ())
    )
    win.export_bundle()
    exported = win.dialogs["exported"]
    shot(exported, "exported-fingerprint", window=win)
    exported.close()
    ana_bundle = Path(win.last_export["path"])
    ana_key = trustlist.export_public(Path(win.store.keys_dir))
    win.close()
    close_session(win)

    # 7. The coordinator: the demo store, where a colleague's bundle waits.
    chome = tmp / "coordinator" / "store"
    make_demo_store(chome, DEMO_PASSPHRASE, colleague=True).close()
    with Store.open(chome) as store:
        trustlist.trust(store.keys_dir, ana_key)
    coord = open_session(chome, serial=True, passphrase=DEMO_PASSPHRASE)
    assert coord is not None
    coord.resize(*SIZE)
    coord.show()
    dlg = bundle_import.import_flow(coord, colleague_bundle_path(chome))
    assert dlg is not None
    dlg.resize(1000, 620)
    dlg.verify()
    shot(dlg, "review-before-merging", window=coord)
    dlg.merge()
    shot(dlg, "review-after-merging", window=coord)
    dlg.close()

    # 8. The conflict: two investigators, one field; resolved, and the form follows.
    school = coord.store.find("site", where={"name": "School No. 7 yard"})[0]
    coord.select_site(school["id"])
    conflicts = coord.open_conflicts()
    conflicts.resize(760, 420)
    shot(conflicts, "conflict", window=coord)
    conflicts.other.setChecked(True)
    conflicts.other_value.setText("4")
    conflicts.resolve_current()
    conflicts.close()
    coord.tabs.setCurrentWidget(coord.history)
    shot(coord, "history-after-resolving")

    # 9. Verify the investigator's bundle, as an auditor would.
    verify = bundle_verify.verify_flow(coord, ana_bundle)
    assert verify is not None
    verify.resize(900, 560)
    verify.verify()
    shot(verify, "verify", window=coord)
    verify.close()

    # 10. Search everything: markings, captions, file names.
    coord.search_box.setText("лот")
    dlg_search = coord.search("лот")
    dlg_search.resize(760, 420)
    shot(dlg_search, "search", window=coord)
    dlg_search.close()
    Prompts.confirm = classmethod(lambda cls, *a: True)  # type: ignore[method-assign]
    coord.close()
    close_session(coord)
    return 0


if __name__ == "__main__":
    target = Path(next((a for a in sys.argv[1:] if not a.startswith("--")), "docs/screenshots/day"))
    sys.exit(main(target))
