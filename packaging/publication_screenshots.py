"""Screenshots of the public release, redaction, GPS-track and review dialogs, offscreen,
on the demo store → docs/screenshots/{release-dialog,redaction,geotag-dialog}.png.

QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/publication_screenshots.py docs/screenshots
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

TRACK = Path(__file__).resolve().parent.parent / "tests" / "data" / "geotag" / "walk.gpx"


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def grab(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(f"wrote {path}")


def _plain_photo(path: Path, when: str, offset: str) -> None:
    """A JPEG from a camera without GPS: a capture time and its UTC offset only."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "NoGpsCam"  # Make
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when  # DateTimeOriginal
    sub[0x9011] = offset  # OffsetTimeOriginal
    Image.new("RGB", (640, 480), (120, 112, 98)).save(path, "JPEG", exif=exif)


def main(out: Path) -> int:
    from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store
    from fieldkit.gui.app import close_session, make_app, open_session
    from fieldkit.gui.geotag import geotag_flow
    from fieldkit.gui.redaction import open_redactions
    from fieldkit.gui.release import release_flow

    QStandardPaths.setTestModeEnabled(True)
    make_app()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-release-shots-"))
    home = tmp / "store"
    make_demo_store(home, DEMO_PASSPHRASE).close()
    win = open_session(home, serial=True, passphrase=DEMO_PASSPHRASE)
    assert win is not None
    win.resize(1280, 720)
    win.show()
    store = win.store
    case = store.find("case")[0]
    sites = store.find("site", where={"case_id": case["id"]}, order="name")
    # A coordinator's choice: four sites (one position sensitive), their statements, photos.
    statements = store.find("statement", where={"case_id": case["id"]})
    open_ones = [
        st["site_id"]
        for st in statements
        if st["sensitivity"] == "public" and st["consent"] in ("named", "anonymous")
    ]
    chosen = [s for s in sites if s["id"] in open_ones][:2] + [
        s for s in sites[:3] if s["id"] not in open_ones
    ]
    store.update(chosen[0]["id"], {"sensitive_position": "yes"})
    for s in chosen:
        store.update(s["id"], {"release": "yes"})
    for st in statements:
        store.update(st["id"], {"release": "yes"})
    for r in store.find("remnant"):
        if r["site_id"] == chosen[0]["id"]:
            store.update(r["id"], {"release": "yes"})
    linked = [lk["media_id"] for lk in store.find("link") if lk["target_id"] == chosen[0]["id"]]
    for mid in linked[:3]:
        store.update(mid, {"release": "yes"})
    photo = store.get(linked[0], "media")
    w, h = photo.get("width") or 1600, photo.get("height") or 1200
    store.update(photo["id"], {"redactions": [f"{w // 3},{h // 3},{w // 5},{h // 6}"]})
    win.refresh()

    dlg = release_flow(win)
    dlg.case.setCurrentIndex(dlg.case.findData(case["id"]))
    dlg.resize(1180, 720)
    grab(dlg, out / "release-dialog.png")
    dlg.close()

    red = open_redactions(win, photo["id"])
    red.resize(1000, 640)
    settle()
    canvas = red.canvas
    canvas.rects.append((w // 8, h // 2, w // 6, h // 8))  # a second, selected one
    canvas.selected = 1
    red._refresh_list()
    grab(red, out / "redaction.png")
    red.reject()

    # A camera without GPS on the walk of tests/data/geotag/walk.gpx (10:00-10:10Z,
    # a pause, 10:25-10:30Z): three photos on the track, one in the pause, one before it.
    from fieldkit.ingest import import_media

    card = tmp / "card"
    card.mkdir()
    paths = []
    for name, local in (
        ("DSC_0101.JPG", "14:00:15"),
        ("DSC_0102.JPG", "14:04:40"),
        ("DSC_0103.JPG", "14:15:00"),
        ("DSC_0104.JPG", "14:27:30"),
        ("DSC_0105.JPG", "13:30:00"),
    ):
        paths.append(card / name)
        _plain_photo(paths[-1], f"2020:10:09 {local}", "+04:00")
    import_media(store, paths, serial=True)
    geo = geotag_flow(win)
    geo.track.setText(str(TRACK))
    geo.resize(820, 520)
    geo.check()
    grab(geo, out / "geotag-dialog.png")
    geo.close()
    close_session(win)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
