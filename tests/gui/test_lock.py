"""The app locks on Ctrl+L, the toolbar button and idle time: nothing of the store stays
in any widget, the keys are dropped, and unlocking brings the window back."""

from __future__ import annotations

from pathlib import Path

import pytest
from guihelpers import close_window
from PySide6.QtCore import QAbstractItemModel, QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolBar,
    QWidget,
)

from fieldkit.atrest import keyring
from fieldkit.demo import DEMO_PASSPHRASE
from fieldkit.errors import StoreLocked
from fieldkit.store import Store


def _model_texts(model: QAbstractItemModel | None) -> list[str]:
    out: list[str] = []
    if model is None:
        return out
    for row in range(min(model.rowCount(), 500)):
        for col in range(min(model.columnCount(), 30)):
            value = model.data(model.index(row, col))
            if value is not None:
                out.append(str(value))
    return out


def visible_texts() -> str:
    """Every string any live widget holds: labels, fields, lists, tables, titles."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    texts: list[str] = []
    for w in QApplication.allWidgets():
        texts.append(w.windowTitle())
        if isinstance(w, QLabel | QLineEdit | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QTextEdit | QPlainTextEdit):
            texts.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            texts.extend(w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QAbstractItemView):
            texts.extend(_model_texts(w.model()))
    return "\n".join(texts)


def _store_strings(home: Path) -> list[str]:
    with Store.open(home) as store:
        names = [s["name"] for s in store.find("site")]
        codes = [s["witness_code"] for s in store.find("statement")]
        cases = [c["title"] for c in store.find("case")]
    assert names and codes and cases
    return names + codes + cases


@pytest.fixture
def locked_session(qtbot, demo_home):
    from fieldkit.gui.app import open_session
    from fieldkit.gui.lock import SessionLock

    def make(passphrase: bytes):
        # Not qtbot.addWidget: locking destroys the window, and the session owns it.
        return open_session(demo_home, serial=True, passphrase=passphrase)

    strings = _store_strings(demo_home)
    session = SessionLock(demo_home, make, idle_ms=60_000)
    win = make(DEMO_PASSPHRASE)
    session.attach(win)
    win.show()
    qtbot.waitExposed(win)
    yield session, strings
    if session.window is not None:
        close_window(session.window)
    session.shutdown()


def _assert_locked(session, strings: list[str]) -> None:
    assert session.is_locked
    text = visible_texts()
    leaked = [s for s in strings if s in text]
    assert not leaked, f"still shown after locking: {leaked}"
    assert session.screen is not None and session.screen.isVisible()
    assert keyring.lookup(session.home) is None
    with pytest.raises(StoreLocked):
        Store.open(session.home)


def test_ctrl_l_locks_and_unlocking_restores(locked_session, qtbot):
    session, strings = locked_session
    win = session.window
    assert any(s in visible_texts() for s in strings)  # the window shows the store
    assert session.lock_action in win.findChildren(QToolBar)[0].actions()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: session.is_locked, timeout=5000)
    _assert_locked(session, strings)
    # A wrong passphrase: still locked, a message, nothing shown.
    session.screen.passphrase.setText("wrong")
    session.screen.button.click()
    assert session.is_locked and "wrong passphrase" in session.screen.message.text()
    _assert_locked(session, strings)
    session.screen.passphrase.setText(DEMO_PASSPHRASE.decode())
    session.screen.button.click()
    assert not session.is_locked and session.window is not win
    qtbot.waitExposed(session.window)
    qtbot.waitUntil(lambda: any(s in visible_texts() for s in strings), timeout=5000)
    assert not session.screen.isVisible()


def test_the_toolbar_button_locks(locked_session, qtbot):
    session, strings = locked_session
    bar = session.window.findChildren(QToolBar)[0]
    button: QWidget = bar.widgetForAction(session.lock_action)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.is_locked, timeout=5000)
    _assert_locked(session, strings)
    session.unlock(DEMO_PASSPHRASE)
    assert not session.is_locked


def test_idle_time_locks(qtbot, locked_session):
    session, strings = locked_session
    session.idle.setInterval(300)
    session.idle.start()
    qtbot.waitUntil(lambda: session.is_locked, timeout=5000)
    _assert_locked(session, strings)
    session.unlock(DEMO_PASSPHRASE)
    assert not session.is_locked


def test_open_in_another_program_uses_a_private_folder_wiped_on_lock(
    locked_session, qtbot, monkeypatch
):
    import hashlib

    from PySide6.QtGui import QDesktopServices

    from fieldkit.gui.viewer import PhotoViewer

    session, _strings = locked_session
    win = session.window
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    photo = next(m for m in win.store.find("media") if (m.get("mime") or "").startswith("image/"))
    viewer = PhotoViewer(win, win.store, photo["id"], None)
    qtbot.addWidget(viewer)
    viewer.open_button.click()
    (path,) = [Path(p) for p in opened]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == photo["sha256"]
    assert path.stat().st_mode & 0o777 == 0o600
    folder = next(p for p in path.parents if p.name.startswith("fieldkit-open-"))
    assert folder.stat().st_mode & 0o777 == 0o700
    assert "deleted when FieldKit locks" in viewer.open_note.text()
    assert viewer.original_path() == path  # one copy per viewer
    viewer.close()
    session.lock("button")
    assert not path.exists() and not folder.exists()
