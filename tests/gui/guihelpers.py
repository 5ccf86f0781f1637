"""Helpers shared by the GUI tests (imported by conftest and the tests)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from fieldkit.demo import DEMO_PASSPHRASE


def open_window(qtbot, home: Path, *, serial: bool = True, passphrase: bytes = DEMO_PASSPHRASE):
    from fieldkit.gui.app import open_session

    win = open_session(home, serial=serial, passphrase=passphrase)
    assert win is not None
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def close_window(win) -> None:
    from fieldkit.gui.app import close_session

    for pane in win.dirty_panes():
        pane.form.load(pane.form.record or None, **pane.form.fixed)
    for dlg in list(win.dialogs.values()):
        with contextlib.suppress(RuntimeError):
            dlg.close()
    if win.last_report is not None:
        with contextlib.suppress(RuntimeError):
            win.last_report.close()
    win.close()
    close_session(win)
