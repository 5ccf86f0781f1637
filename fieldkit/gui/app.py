"""Starting the app: the QApplication, first-run setup, unlocking, the main window."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from fieldkit import __version__
from fieldkit.catalogue import resources_dir
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.mainwindow import MainWindow
from fieldkit.gui.setup_dialogs import PassphraseDialog, SetupAnswer, SetupDialog
from fieldkit.gui.tasks import TaskRunner


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("fieldkit.svg", "fieldkit.png"):
        path = resources_dir() / "icons" / name
        if path.is_file():
            icon.addFile(str(path))
    return icon


def style_sheet() -> str:
    path = resources_dir() / "style.qss"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def make_app(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, with names (for QSettings), icon and style."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setOrganizationName("FieldKit")
    QCoreApplication.setApplicationName("FieldKit")
    QCoreApplication.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    if not hasattr(app, "_fieldkit_translator"):
        from fieldkit.gui.i18n import install_translator

        app._fieldkit_translator = install_translator(app)  # type: ignore[attr-defined]
    return app


def create_store(runner: TaskRunner, answer: SetupAnswer) -> bool:
    """``Store.init`` (the same as ``fieldkit init``) on the worker; True when it worked."""
    from fieldkit.store import Store

    def init() -> str:
        store = Store.init(
            answer.home,
            name=answer.name,
            email=answer.email,
            organisation=answer.organisation,
            passphrase=answer.passphrase,
        )
        outcome["recovery_code"] = store.recovery_code
        store.close()  # opened on the worker thread; the UI opens its own
        return str(answer.home)

    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def finish(key: str, value: Any) -> None:
        outcome[key] = value
        loop.quit()

    runner.run(
        init,
        needs_store=False,
        label=tr("Creating your store"),
        on_done=lambda v: finish("home", v),
        on_error=lambda e: finish("error", e),
    )
    if not outcome:
        loop.exec()
    if "error" in outcome:
        Prompts.error(None, tr("FieldKit"), str(outcome["error"]))
        return False
    if outcome.get("recovery_code"):
        from fieldkit.gui.lock import RecoveryCodeDialog

        RecoveryCodeDialog.show_once(None, outcome["recovery_code"])
    return True


def open_session(
    home: Path, *, serial: bool = False, passphrase: bytes | None = None
) -> MainWindow | None:
    """First run (setup) or later runs (unlock) at ``home``; the window, not yet shown."""
    from fieldkit.paths import DB_NAME
    from fieldkit.store import Store

    runner = TaskRunner(None, serial=serial)
    if not (home / DB_NAME).exists():
        answer = SetupDialog.ask(None, home)
        if answer is None or not create_store(runner, answer):
            runner.shutdown()
            return None
        home = answer.home
        passphrase = answer.passphrase
    from fieldkit import atrest
    from fieldkit.atrest import keyring
    from fieldkit.crypto import keys

    keys_dir = home / "keys"
    if atrest.is_encrypted_home(home):
        # Encrypted: the passphrase first (nothing of the store is readable without it).
        if passphrase is None:
            passphrase = PassphraseDialog.ask(None, keys_dir, keys.load_public(keys_dir).identity)
            if passphrase is None:
                runner.shutdown()
                return None
        try:
            keyring.remember(home, atrest.unlock_store(keys_dir, passphrase))
        except BaseException:
            runner.shutdown()
            raise
    store = Store.open(home)
    if passphrase is None:
        passphrase = PassphraseDialog.ask(None, Path(store.keys_dir), store.identity()["email"])
        if passphrase is None:
            store.close()
            runner.shutdown()
            return None
    runner.set_home(home)
    if serial:
        runner.set_store(store)
    window = MainWindow(store, runner, passphrase)
    # Photos whose decode check an earlier session left unfinished: once the window shows.
    QTimer.singleShot(0, window, window.check_photos_left_pending)
    return window


def close_session(window: MainWindow) -> None:
    window.runner.shutdown()
    window.store.close()


def main(home: str | None = None, *, demo: bool = False, rtl: bool = False) -> int:
    from fieldkit.paths import resolve_home

    app = make_app()
    if rtl:
        app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    passphrase = None
    if demo:
        import tempfile

        from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store

        target = Path(home) if home else Path(tempfile.mkdtemp(prefix="fieldkit-demo-")) / "store"
        if not (target / "fieldkit.db").exists():
            make_demo_store(target, DEMO_PASSPHRASE, colleague=True).close()
        passphrase = DEMO_PASSPHRASE
        store_home = target
    else:
        store_home = resolve_home(home)
    window = open_session(store_home, passphrase=passphrase)
    if window is None:
        return 1
    from fieldkit import atrest
    from fieldkit.gui.lock import SessionLock

    session = None
    if atrest.is_encrypted_home(store_home):
        session = SessionLock(store_home, lambda pw: open_session(store_home, passphrase=pw))
        session.attach(window)
    if demo:
        window.setWindowTitle(tr("FieldKit — demo ({home})").format(home=store_home))
    window.show()
    try:
        return app.exec()
    finally:
        current = session.window if session is not None else window
        if current is not None:
            close_session(current)  # type: ignore[arg-type]
        if session is not None:
            session.shutdown()
