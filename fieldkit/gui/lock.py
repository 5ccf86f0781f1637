"""Locking the desktop app: Ctrl+L, a toolbar button, idle time, sleep and screen lock.

:class:`SessionLock` owns the unlocked session of one store. Locking

1. cancels running work as Cancel does and waits for the writer thread to stop,
2. rejects every open dialog, stops thumbnail workers,
3. closes the database, drops the main window (every form, list, thumbnail and preview
   goes with it) and Qt's pixmap cache, clears the clipboard,
4. wipes the store's keys (:func:`fieldkit.atrest.keyring.forget`) and the passphrase
   kept for signing, and the private folder of decrypted copies opened in other programs,
5. shows :class:`UnlockScreen`, which shows nothing of the store.

Unlocking makes a new main window (its layout comes back from QSettings). Unsaved
edits in a form are dropped on lock: asking "save?" would keep the store open on an
unattended laptop. Idle means no key, mouse or touch input to the app for
``security/idle_minutes`` (QSettings, default 10). Sleep and screen locking are
reported by logind (``PrepareForSleep``) and the freedesktop screen saver
(``ActiveChanged``) on the D-Bus of a Linux session, and by Qt as the application
being suspended elsewhere; where none of them speaks, the idle timer still locks.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QSettings,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPixmapCache
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from fieldkit.atrest import keyring
from fieldkit.atrest.privatetemp import PrivateTemp
from fieldkit.gui.i18n import tr

IDLE_SETTING = "security/idle_minutes"
DEFAULT_IDLE_MINUTES = 10
_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
}

#: Decrypted copies opened in outside programs; wiped on lock and exit.
OPEN_COPIES = PrivateTemp()


def idle_minutes() -> int:
    value = QSettings().value(IDLE_SETTING, DEFAULT_IDLE_MINUTES)
    try:
        minutes = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_IDLE_MINUTES
    return minutes if minutes > 0 else DEFAULT_IDLE_MINUTES


class UnlockScreen(QWidget):
    """The only window while locked: a passphrase field, nothing of the store."""

    unlock_requested = Signal(bytes)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("unlockScreen")
        self.setWindowTitle(tr("FieldKit — locked"))
        title = QLabel(tr("FieldKit is locked"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setObjectName("lockTitle")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(tr("Passphrase"))
        self.passphrase.returnPressed.connect(self._submit)
        self.button = QPushButton(tr("Unlock"))
        self.button.clicked.connect(self._submit)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.button)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def _submit(self) -> None:
        value = self.passphrase.text().encode("utf-8")
        self.passphrase.clear()
        self.message.setText(tr("Unlocking…"))
        QApplication.processEvents()
        self.unlock_requested.emit(value)

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.passphrase.setFocus()


class RecoveryCodeDialog(QDialog):
    """Shows the recovery code once, at set-up: the way back from a forgotten passphrase."""

    def __init__(self, parent: QWidget | None, code: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Your recovery code"))
        text = QLabel(
            tr(
                "Your store is encrypted. If the passphrase is forgotten, this recovery "
                "code is the only way back: FieldKit cannot recover anything without one "
                "of them. Write it down now and give it to your organisation to keep "
                "offline, away from this laptop. It is shown only this once."
            )
        )
        text.setWordWrap(True)
        self.code = QLineEdit(code)
        self.code.setReadOnly(True)
        self.code.setObjectName("recoveryCode")
        done = QPushButton(tr("I have written it down"))
        done.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.code)
        layout.addWidget(done)

    @classmethod
    def show_once(cls, parent: QWidget | None, code: str) -> None:
        dlg = cls(parent, code)
        dlg.exec()
        dlg.code.clear()


class SessionLock(QObject):
    """The lock of one store's session: owns the main window while it is unlocked.

    ``make_window(passphrase)`` opens the store (the passphrase has been checked and the
    keys put in the keyring) and returns a main window, not yet shown; None to give up.
    """

    locked = Signal()
    unlocked = Signal(object)  # the new main window

    def __init__(
        self,
        home: Path,
        make_window: Callable[[bytes], QMainWindow | None],
        *,
        idle_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.home = Path(home)
        self.make_window = make_window
        self.window: QMainWindow | None = None
        self.screen: UnlockScreen | None = None
        self._geometry: Any = None
        self._idle_ms = idle_ms  # tests set it; else the setting, read at each unlock
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(idle_ms if idle_ms is not None else idle_minutes() * 60_000)
        self.idle.timeout.connect(lambda: self.lock("idle"))
        self.lock_action = QAction(tr("Lock"), self)
        self.lock_action.setObjectName("lockAction")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.setToolTip(tr("Lock FieldKit now (Ctrl+L): the store closes"))
        self.lock_action.triggered.connect(lambda: self.lock("button"))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            if isinstance(app, QGuiApplication):
                app.applicationStateChanged.connect(self._on_state)
        self._watch_session_bus()

    # -- attaching -------------------------------------------------------------------

    def attach(self, window: QMainWindow) -> None:
        """Adopt an unlocked main window: the Lock action goes in its toolbar."""
        self.window = window
        window.addAction(self.lock_action)
        bars = window.findChildren(QToolBar)
        if bars:
            bars[0].addSeparator()
            bars[0].addAction(self.lock_action)
        if self._geometry is not None:
            window.restoreGeometry(self._geometry)
        if self._idle_ms is None:
            self.idle.setInterval(idle_minutes() * 60_000)
        self.idle.start()

    @property
    def is_locked(self) -> bool:
        return self.window is None

    # -- locking ---------------------------------------------------------------------

    def lock(self, reason: str = "button") -> None:
        """Lock now (see the module's docstring); safe to call when already locked."""
        window = self.window
        if window is None:
            return
        self.idle.stop()
        self.window = None
        self._geometry = window.saveGeometry()
        runner = getattr(window, "runner", None)
        if runner is not None:
            runner.shutdown()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        save = getattr(window, "save_settings", None)
        if callable(save):
            save()
        # Thumbnail workers read the store's files: stop them before the keys go.
        photos_model = getattr(getattr(window, "photos", None), "model", None)
        pools: list[Any] = [*window.findChildren(QThreadPool), getattr(photos_model, "pool", None)]
        for each in pools:
            if isinstance(each, QThreadPool):
                each.clear()
                each.waitForDone(5000)
        store = getattr(window, "store", None)
        if store is not None:
            store.close()
        if hasattr(window, "passphrase"):
            window.passphrase = None
        window.hide()
        window.removeAction(self.lock_action)
        window.setParent(None)
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del window, store, runner
        keyring.forget(self.home)
        OPEN_COPIES.wipe()
        QPixmapCache.clear()
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.clear()
        gc.collect()
        self.show_unlock_screen()
        self.locked.emit()

    def show_unlock_screen(self) -> UnlockScreen:
        if self.screen is None:
            self.screen = UnlockScreen()
            self.screen.unlock_requested.connect(self.unlock)
        if self._geometry is not None:
            self.screen.restoreGeometry(self._geometry)
        self.screen.show()
        self.screen.raise_()
        self.screen.activateWindow()
        self.screen.passphrase.setFocus()
        return self.screen

    @Slot(bytes)
    def unlock(self, passphrase: bytes) -> bool:
        """Check the passphrase, open a new main window; False (and a message) if wrong."""
        from fieldkit.errors import FieldkitError

        if self.window is not None:
            return True
        try:
            window = self.make_window(passphrase)
        except FieldkitError as exc:
            if self.screen is not None:
                self.screen.show_error(str(exc))
            return False
        if window is None:
            return False
        self.attach(window)
        window.show()
        if self.screen is not None:
            self.screen.hide()
        self.unlocked.emit(window)
        return True

    # -- what locks --------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.window is not None:
            self.idle.start()  # restarts the countdown
        return False

    def _on_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended:
            self.lock("suspended")

    @Slot(bool)
    def _on_sleep_or_screensaver(self, active: bool) -> None:
        if active:
            self.lock("sleep")

    def _watch_session_bus(self) -> None:
        """logind's PrepareForSleep and the screen saver's ActiveChanged, where there are."""
        try:
            from PySide6.QtCore import SLOT
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return
        slot = SLOT("_on_sleep_or_screensaver(bool)")
        system = QDBusConnection.systemBus()
        if system.isConnected():
            system.connect(
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                self,
                slot,  # type: ignore[call-overload]
            )
        session = QDBusConnection.sessionBus()
        if session.isConnected():
            for service, path in (
                ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
            ):
                session.connect(  # type: ignore[call-overload]
                    service, path, service, "ActiveChanged", self, slot
                )

    def shutdown(self) -> None:
        """At exit: lock without showing anything (keys wiped, copies deleted)."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.window is not None:
            self.lock("exit")
        if self.screen is not None:
            self.screen.hide()
            self.screen.deleteLater()
            self.screen = None
        keyring.forget(self.home)
        OPEN_COPIES.wipe()


__all__ = [
    "DEFAULT_IDLE_MINUTES",
    "IDLE_SETTING",
    "OPEN_COPIES",
    "RecoveryCodeDialog",
    "SessionLock",
    "UnlockScreen",
]
