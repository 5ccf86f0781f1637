"""The Map view's screenshot, offscreen, on the demo store → docs/screenshots/map-view.png.

QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/map_screenshot.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QStandardPaths, QTimer


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(out: Path) -> int:
    from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store
    from fieldkit.gui.app import close_session, make_app, open_session

    QStandardPaths.setTestModeEnabled(True)
    make_app()
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="fieldkit-map-shot-")) / "store"
    make_demo_store(home, DEMO_PASSPHRASE).close()
    win = open_session(home, serial=True, passphrase=DEMO_PASSPHRASE)
    assert win is not None
    win.resize(1360, 900)
    win.show()
    market = win.store.find("site", where={"name": "Market crossroads"})[0]
    win.select_site(market["id"])
    panel = win.map_panel
    win.map_dock.show()
    settle()
    panel.wait_loaded(30000)  # the layers are read off the UI thread
    settle()
    panel.zoom_to_site()
    panel.photos_near(40)
    for _ in range(3):
        panel.footprint_pool.waitForDone(20000)
        panel.view.repaint()
        panel.view.tiles.wait(20000)
        settle()
    win.grab().save(str(out / "map-view.png"))
    print(f"wrote {out / 'map-view.png'}")
    close_session(win)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
