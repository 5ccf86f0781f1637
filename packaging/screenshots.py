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


def make_conflicts(home_a: Path, tmp: Path) -> Path:
    """A second store that edited the same site differently: conflicts to review."""
    from fieldkit.store import Store

    a = Store.open(home_a)
    b = Store.init(
        tmp / "other",
        name="Second Investigator",
        email="second@fieldkit.example",
        passphrase=b"second passphrase",
        device_name="office laptop",
    )
    b.import_events(list(a.iter_events()))
    site = a.find("site", where={"name": "School No. 7 yard"})[0]
    a.update(site["id"], {"injured": 3, "neighbourhood": "Kirov district (north)"})
    b.update(site["id"], {"injured": 5, "neighbourhood": "Kirov"})
    a.import_events(list(b.iter_events()))
    a.close()
    b.close()
    return tmp / "other"


def main(out: Path) -> int:
    from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store
    from fieldkit.gui import bundles
    from fieldkit.gui.app import close_session, make_app, open_session
    from fieldkit.gui.dialogs import ExportDialog, import_summary

    QStandardPaths.setTestModeEnabled(True)
    app = make_app()
    if "--rtl" in sys.argv:
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-shots-"))
    home = tmp / "store"
    make_demo_store(home, DEMO_PASSPHRASE).close()
    make_conflicts(home, tmp)

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

    report = {
        "imported": [
            {
                "path": f"/media/card/DCIM/IMG_{2000 + i}.jpg",
                "id": "x",
                "sha256": "0" * 64,
                "warnings": [],
            }
            for i in range(12)
        ]
        + [
            {
                "path": "/media/card/DCIM/IMG_2013.jpg",
                "id": "x",
                "sha256": "0" * 64,
                "warnings": ["pixels cannot be decoded: image file is truncated"],
            }
        ],
        "duplicates": [{"path": "/media/card/DCIM/IMG_1001.jpg", "id": "x", "sha256": "0" * 64}],
        "rejected": [{"path": "/media/card/DCIM/IMG_2099.jpg", "reason": "broken symbolic link"}],
        "skipped": [{"path": "/media/card/.Trashes", "reason": "hidden or system folder"}],
        "cancelled": False,
        "total": 15,
    }
    summary = import_summary(win, report)
    summary.resize(640, 560)
    summary.show()
    grab(summary, out / "import-summary.png")
    summary.close()

    export = ExportDialog(
        win, Path(win.store.keys_dir), Path.home() / "fieldkit-demo-20201010-1800"
    )
    export.show()
    grab(export, out / "export-dialog.png")
    export.close()

    conflicts = win.open_conflicts()
    conflicts.resize(760, 420)
    grab(conflicts, out / "conflicts.png")
    conflicts.close()

    dlg = bundles.ImportBundleDialog(win)
    dlg.path.edit.setText(str(tmp / "bundle-from-second-investigator.zip"))
    doc = {
        "ok": True,
        "signer_identity": "second@fieldkit.example",
        "signer_fingerprint": "SHA256:q4D0…",
        "events": 42,
        "media": 6,
        "problems": [],
    }
    dlg.report.show_report(bundles._verify_headline(True, doc, 0), True, [], doc)
    dlg.summary.setText(
        bundles.merge_summary(
            {
                "new_records": {"site": ["a"], "media": ["b", "c"]},
                "changed_records": {"site": ["d"]},
                "conflicts": [
                    {"id": "d", "field": "injured"},
                    {"id": "d", "field": "neighbourhood"},
                ],
                "new_events": 9,
                "already_present": 33,
            }
        )
    )
    dlg.summary.show()
    dlg.conflicts_button.setEnabled(True)
    dlg.show()
    grab(dlg, out / "import-review.png")
    dlg.close()

    win.close()
    close_session(win)
    return 0


if __name__ == "__main__":
    target = Path(next((a for a in sys.argv[1:] if not a.startswith("--")), "docs/screenshots"))
    app = QApplication.instance()
    sys.exit(main(target))
