"""How long the main window takes to open (shown and first painted) on a big store.

    .venv/bin/python tests/benchmarks/bench_gui_startup.py [--sites 10000] [--media 100000]

Compares three things: a bare PySide6 QMainWindow, FieldKit on an empty store, and
FieldKit on a store with 10,000 sites and 100,000 photos (records only: the media
files themselves do not matter to opening the window). The big store is generated with
``store.create`` inside large transactions and kept in the temp folder between runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PASS = b"bench passphrase"


def build_store(home: Path, sites: int, media: int) -> None:
    from fieldkit.store import Store

    if (home / "fieldkit.db").exists():
        return
    t = time.perf_counter()
    store = Store.init(home, name="Bench", email="bench@example.org", passphrase=PASS)
    case = store.create("case", {"title": "Benchmark case"})
    site_ids = []
    with store.transaction():
        for i in range(sites):
            rec = store.create(
                "site",
                {
                    "case_id": case["id"],
                    "name": f"Site {i:05d}",
                    "neighbourhood": f"District {i % 40}",
                    "site_type": "impact",
                    "lat": 39.0 + i * 1e-5,
                    "lon": 46.0,
                    "access": "granted",
                },
            )
            site_ids.append(rec["id"])
    for start in range(0, media, 10000):
        with store.transaction():
            for i in range(start, min(media, start + 10000)):
                sha = f"{i:064x}"
                store.create(
                    "media",
                    {
                        "sha256": sha,
                        "file_name": f"IMG_{i:06d}.jpg",
                        "size": 1000,
                        "mime": "image/jpeg",
                    },
                )
        print(f"  … {min(media, start + 10000)} media", file=sys.stderr)
    store.close()
    print(
        f"generated {sites} sites and {media} media in {time.perf_counter() - t:.0f} s",
        file=sys.stderr,
    )


def time_window(make) -> float:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    painted = []

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    spy = PaintSpy()
    t0 = time.perf_counter()
    win = make()
    win.installEventFilter(spy)
    for child in win.findChildren(QObject):
        child.installEventFilter(spy)
    win.show()
    while not painted:
        app.processEvents()
    elapsed = painted[0] - t0
    win.close()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--media", type=int, default=100_000)
    args = ap.parse_args()

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QMainWindow

    from fieldkit.gui.app import close_session, make_app, open_session
    from fieldkit.store import Store

    QStandardPaths.setTestModeEnabled(True)
    make_app()
    root = Path(tempfile.gettempdir()) / "fieldkit-bench"
    big = root / f"big-{args.sites}-{args.media}"
    empty = root / "empty"
    build_store(big, args.sites, args.media)
    if not (empty / "fieldkit.db").exists():
        Store.init(empty, name="Empty", email="empty@example.org", passphrase=PASS).close()

    def open_on(home: Path) -> tuple[float, int]:
        windows = []

        def make() -> object:
            win = open_session(home, passphrase=PASS)
            windows.append(win)
            return win

        seconds = time_window(make)
        rows = windows[0].site_model.rowCount()
        close_session(windows[0])
        return seconds, rows

    # The first FieldKit window pays Qt's one-time costs (fonts, style, plugins): open
    # one and throw the figure away, then take the best of three for each store.
    open_on(empty)
    results: dict[str, float | int] = {}
    results["bare QMainWindow"] = min(time_window(QMainWindow) for _ in range(3))
    best = {"FieldKit, empty store": float("inf"), "FieldKit, big store": float("inf")}
    rows = 0
    for _ in range(3):
        for name, home in (("FieldKit, empty store", empty), ("FieldKit, big store", big)):
            seconds, n = open_on(home)
            best[name] = min(best[name], seconds)
            if home == big:
                rows = n
    results.update(best)
    results["  (site rows loaded at start)"] = rows
    for name, value in results.items():
        if isinstance(value, float):
            print(f"{name:32s} {value * 1000:8.0f} ms")
        else:
            print(f"{name:32s} {value:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
