"""The app locks when the session says the screen saver started or the system is going to
sleep: real D-Bus signals on private buses.

Two ``dbus-daemon`` processes stand in for the session bus and the system bus. A child
process runs the app's :class:`~fieldkit.gui.lock.SessionLock` with those buses; a second
child takes the well-known name (``org.freedesktop.ScreenSaver`` or
``org.freedesktop.login1``) and emits the signal the desktop would emit
(``ActiveChanged(true)``, ``PrepareForSleep(true)``). The app must lock. Each child is a
fresh process because Qt connects to each bus once per process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI

REPO = Path(__file__).resolve().parents[2]
DBUS_DAEMON = shutil.which("dbus-daemon")

# The smallest bus that lets anyone own any name and receive any signal.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

APP = r"""
import os, sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
from fieldkit.gui.lock import SessionLock
session = SessionLock(Path(sys.argv[1]), lambda passphrase: QMainWindow(), idle_ms=600_000)
window = QMainWindow()
session.attach(window)
window.show()
session.locked.connect(lambda: (print("locked", time.time(), flush=True), app.exit(0)))
QTimer.singleShot(0, lambda: print("ready", flush=True))
QTimer.singleShot(30_000, lambda: (print("not locked", flush=True), app.exit(1)))
sys.exit(app.exec())
"""

# Takes the desktop service's name, then emits its signal every 200 ms until killed: the
# first FALSES times with ``false`` (the screen saver stopped), then ``true``.
DESKTOP = r"""
import sys, time
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtDBus import QDBusConnection, QDBusMessage
app = QCoreApplication([])
which, service, path, interface, member, falses = sys.argv[1:7]
sent = [0]
bus = QDBusConnection.systemBus() if which == "system" else QDBusConnection.sessionBus()
assert bus.isConnected(), bus.lastError().message()
assert bus.registerService(service), bus.lastError().message()

def emit():
    active = sent[0] >= int(falses)
    if active and sent[0] == int(falses):
        print("true from", time.time(), flush=True)
    signal = QDBusMessage.createSignal(path, interface, member)
    signal.setArguments([active])
    bus.send(signal)
    sent[0] += 1

timer = QTimer()
timer.timeout.connect(emit)
timer.start(200)
sys.exit(app.exec())
"""


def _start_bus(folder: Path) -> tuple[subprocess.Popen[str], str]:
    folder.mkdir()
    config = folder / "bus.conf"
    config.write_text(BUS_CONFIG.format(dir=folder))
    assert DBUS_DAEMON is not None
    daemon = subprocess.Popen(
        [DBUS_DAEMON, f"--config-file={config}", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    assert address.startswith("unix:"), address
    return daemon, address


@pytest.fixture
def buses(tmp_path: Path) -> Iterator[dict[str, str]]:
    if DBUS_DAEMON is None:
        if IN_CI:
            pytest.fail("dbus-daemon is missing (Debian package dbus-daemon, in TEST_DEBS)")
        pytest.skip("dbus-daemon is not installed")
    session, session_address = _start_bus(tmp_path / "session")
    system, system_address = _start_bus(tmp_path / "system")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "QT_QPA_PLATFORM": "offscreen",
        "DBUS_SESSION_BUS_ADDRESS": session_address,
        "DBUS_SYSTEM_BUS_ADDRESS": system_address,
    }
    yield env
    for daemon in (session, system):
        daemon.kill()
        daemon.wait()


@pytest.mark.parametrize(
    ("bus", "service", "path", "member"),
    [
        ("session", "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "ActiveChanged"),
        ("session", "org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "ActiveChanged"),
        ("system", "org.freedesktop.login1", "/org/freedesktop/login1", "PrepareForSleep"),
    ],
    ids=["screensaver", "gnome-screensaver", "logind-sleep"],
)
def test_the_session_locks_on_the_desktops_signal_and_only_on_true(
    buses: dict[str, str], tmp_path: Path, bus: str, service: str, path: str, member: str
) -> None:
    """Five signals saying ``false`` (screen saver stopped, system resumed) leave the app
    unlocked; the first ``true`` locks it."""
    interface = "org.freedesktop.login1.Manager" if bus == "system" else service
    app = subprocess.Popen(
        [sys.executable, "-c", APP, str(tmp_path / "store")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=buses,
    )
    assert app.stdout is not None
    desktop = None
    try:
        assert app.stdout.readline().strip() == "ready"
        desktop = subprocess.Popen(
            [sys.executable, "-c", DESKTOP, bus, service, path, interface, member, "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=buses,
        )
        out, err = app.communicate(timeout=60)
        assert app.returncode == 0 and out.startswith("locked"), (out, err)
        locked_at = float(out.split()[1])
        desktop.kill()
        said, _ = desktop.communicate(timeout=10)
        assert said.startswith("true from"), said  # five falses went first
        assert locked_at >= float(said.split()[2])
    finally:
        for proc in (app, desktop):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
