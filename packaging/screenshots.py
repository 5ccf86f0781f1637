"""Render the desktop app's screenshots offscreen with demo data → docs/screenshots/*.png.

QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/screenshots.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def settle(ms: int = 200) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def grab(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(f"wrote {path}")


def make_second_investigator(home_a: Path, tmp: Path) -> Path:
    """A colleague's signed bundle that edits a site the demo investigator also edited.

    Real bundles both ways, so the import review shows a real verification and a real
    preview of the merge (with conflicts), not made-up figures.
    """
    from fieldkit.bundle import export_bundle, import_bundle
    from fieldkit.crypto import trustlist
    from fieldkit.demo import DEMO_PASSPHRASE
    from fieldkit.store import Store

    second_pass = b"second passphrase"
    a = Store.open(home_a)
    b = Store.init(
        tmp / "other",
        name="Second Investigator",
        email="second@fieldkit.example",
        passphrase=second_pass,
        device_name="field laptop 2",
    )
    trustlist.trust(b.keys_dir, trustlist.export_public(a.keys_dir))
    trustlist.trust(a.keys_dir, trustlist.export_public(b.keys_dir))
    shared = export_bundle(
        a, tmp / "from-demo", passphrase=DEMO_PASSPHRASE, full=True, plaintext=True
    )  # a scratch copy between two demo stores on this machine
    assert import_bundle(b, Path(shared.path)).ok
    site = a.find("site", where={"name": "School No. 7 yard"})[0]
    a.update(site["id"], {"injured": 3, "neighbourhood": "Kirov district (north)"})
    b.update(site["id"], {"injured": 5, "neighbourhood": "Kirov"})
    b.create(
        "remnant",
        {
            "site_id": site["id"],
            "category": "fuze",
            "munition_type": "9N235",
            "condition": "dud",
            "hazard": "yes",
            "notes": "found by the second team",
        },
    )
    bundle = export_bundle(
        b, tmp / "bundle-from-second-investigator", passphrase=second_pass, zip=True, plaintext=True
    )
    a.close()
    b.close()
    return Path(bundle.path)


def make_card(tmp: Path) -> Path:
    """A memory card: photos, one truncated, one empty file, and camera junk."""
    from fieldkit.demo import _photo

    card = tmp / "card" / "DCIM" / "100CAMERA"
    card.mkdir(parents=True)
    for i in range(6):
        _photo(
            card / f"IMG_{2001 + i}.JPG",
            f"crater {i + 1}",
            (90, 95, 80),
            f"2020-10-05T1{i}:12:00+04:00",
            (39.8160 + i * 1e-4, 46.7530),
        )
    whole = (card / "IMG_2001.JPG").read_bytes()
    (card / "IMG_2007.JPG").write_bytes(whole[: len(whole) // 2])  # truncated
    (card / "IMG_2008.JPG").write_bytes(b"")  # an empty file
    (card.parent.parent / ".Trashes").mkdir()
    return card.parent.parent


def main(out: Path) -> int:
    from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store
    from fieldkit.gui import bundle_import
    from fieldkit.gui.app import close_session, make_app, open_session
    from fieldkit.gui.bundle_export import ExportDialog

    QStandardPaths.setTestModeEnabled(True)
    app = make_app()
    if "--rtl" in sys.argv:
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-shots-"))
    home = tmp / "store"
    make_demo_store(home, DEMO_PASSPHRASE).close()
    second_bundle = make_second_investigator(home, tmp)
    card = make_card(tmp)

    win = open_session(home, serial=True, passphrase=DEMO_PASSPHRASE)
    assert win is not None
    win.resize(1280, 720)
    win.show()
    case_item = win.case_tree.topLevelItem(1)
    win.case_tree.setCurrentItem(case_item)
    case_item.setExpanded(True)
    market = win.store.find("site", where={"name": "Market crossroads"})[0]
    win.select_site(market["id"])
    grab(win, out / "main-window.png")

    win.tabs.setCurrentWidget(win.photos)
    win.photos.model.wait_idle()
    settle(400)
    grab(win, out / "photos.png")

    win.tabs.setCurrentWidget(win.statements)
    grab(win, out / "statements.png")

    win.tabs.setCurrentWidget(win.remnants)
    win.remnants.list.setCurrentRow(1)
    grab(win, out / "remnants.png")

    media_id = win.photos.model.items[0]["id"]
    viewer = win.open_photo(media_id)
    viewer.resize(1100, 640)
    grab(viewer, out / "photo-viewer.png")
    viewer.close()

    win.import_paths([card], market["id"])
    win.dialogs["place"].close()  # where the photos belong: see packaging/day.py
    win._open_last_report()
    summary = win.last_report
    assert summary is not None
    summary.resize(640, 560)
    grab(summary, out / "import-summary.png")
    summary.close()

    export = ExportDialog(
        win, Path(win.store.keys_dir), Path.home() / "fieldkit-demo-20201010-1800"
    )
    export.show()
    grab(export, out / "export-dialog.png")
    export.close()

    dlg = bundle_import.ImportBundleDialog(win)
    dlg.path.edit.setText(str(second_bundle))
    dlg.show()
    dlg.verify()  # the real verification and a dry run of the merge
    grab(dlg, out / "import-review.png")
    dlg.merge()
    dlg.close()

    conflicts = win.open_conflicts()
    conflicts.resize(760, 420)
    grab(conflicts, out / "conflicts.png")
    conflicts.close()

    win.close()
    close_session(win)
    return 0


if __name__ == "__main__":
    target = Path(next((a for a in sys.argv[1:] if not a.startswith("--")), "docs/screenshots"))
    app = QApplication.instance()
    sys.exit(main(target))
