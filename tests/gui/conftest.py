"""pytest-qt setup: offscreen, one QApplication, no real settings, no leaked dialogs."""

from __future__ import annotations

import os
import shutil
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import
# Qt's test mode keeps QSettings under ~/.qttest: give each test process (each xdist
# worker) a home of its own, so one worker's remembered geometry never meets another's.
os.environ["HOME"] = tempfile.mkdtemp(prefix="fieldkit-qt-home-")

from pathlib import Path

import pytest
from guihelpers import close_window, open_window
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store


@pytest.fixture(scope="session", autouse=True)
def _app(qapp):
    QStandardPaths.setTestModeEnabled(True)  # QSettings go to a test location
    from fieldkit.gui.app import make_app

    make_app()
    yield qapp
    shutil.rmtree(os.environ["HOME"], ignore_errors=True)


@pytest.fixture(autouse=True)
def no_leaked_dialogs(qapp):
    """Fail a test that leaves a dialog open (and close it, so the next test is clean)."""
    yield
    qapp.processEvents()
    leaked = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog | QMessageBox) and w.isVisible()
    ]
    for w in leaked:
        w.close()
    assert not leaked, f"dialogs left open: {[w.windowTitle() for w in leaked]}"


@pytest.fixture(autouse=True)
def no_unexpected_questions(monkeypatch):
    """A modal question no test answered would block forever: make it fail instead."""
    from fieldkit.gui import bundle_export, dialogs, setup_dialogs

    def unexpected(name):
        def ask(cls, *args, **kwargs):
            raise AssertionError(f"unexpected modal question: {name}{args[1:]!r}")

        return classmethod(ask)

    for name in (
        "open_paths",
        "open_folder",
        "open_file",
        "save_file",
        "save_discard_cancel",
        "confirm",
        "text",
    ):
        monkeypatch.setattr(dialogs.Prompts, name, unexpected(name))
    for cls in (
        setup_dialogs.SetupDialog,
        setup_dialogs.PassphraseDialog,
        bundle_export.ExportDialog,
    ):
        monkeypatch.setattr(cls, "ask", unexpected(cls.__name__))
    from fieldkit.gui.lock import RecoveryCodeDialog

    monkeypatch.setattr(RecoveryCodeDialog, "show_once", unexpected("RecoveryCodeDialog"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from tests.conftest import shared_template

    return shared_template(
        tmp_path_factory, "demo", lambda home: make_demo_store(home, DEMO_PASSPHRASE).close()
    )


@pytest.fixture
def demo_home(demo_template, tmp_path) -> Path:
    home = tmp_path / "store"
    shutil.copytree(demo_template, home)
    from fieldkit import atrest
    from fieldkit.atrest import keyring

    if atrest.is_encrypted_home(home):  # unlocked in this process, as the app would be
        keyring.remember(home, atrest.unlock_store(home / "keys", DEMO_PASSPHRASE))
    return home


@pytest.fixture
def window(qtbot, demo_home):
    win = open_window(qtbot, demo_home)
    yield win
    close_window(win)


@pytest.fixture
def threaded_window(qtbot, demo_home):
    win = open_window(qtbot, demo_home, serial=False)
    yield win
    qtbot.waitUntil(lambda: not win.runner.busy(), timeout=60000)
    close_window(win)
