"""Your identity and the keys you trust: the fingerprint to read aloud
(:class:`FingerprintView`), Settings with the trusted keys and the basemaps
(:class:`SettingsDialog`) and About."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldkit import __version__
from fieldkit.crypto import fingerprints
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.gui.basemap_settings import BasemapSettings


class FingerprintView(QGroupBox):
    """One fingerprint, labelled with what it belongs to: the form to read aloud (160
    bits, 8 groups) and the full form the tools print, each selectable, with Copy."""

    def __init__(self, fp: fingerprints.Fingerprint | None) -> None:
        super().__init__(tr(fp.label) if fp else tr("Fingerprint"))
        self.setObjectName("fingerprintView")
        form = QFormLayout(self)
        self.spoken = QLabel(fp.spoken if fp else "—")
        self.spoken.setObjectName("fingerprint")
        self.spoken.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.full = QLabel(fp.full if fp else "—")
        self.full.setObjectName("mono")
        self.full.setWordWrap(True)
        self.full.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.full.setFont(QFont("monospace"))
        form.addRow(tr("To read aloud"), self.spoken)
        form.addRow(tr("In full"), self.full)
        if fp is not None:
            copy = QPushButton(tr("Copy in full"))
            copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(fp.full))
            form.addRow("", copy)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None, fingerprint: str, identity: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("About FieldKit"))
        title = QLabel(f"FieldKit {__version__}")
        title.setObjectName("aboutTitle")
        body = QLabel(
            tr(
                "Offline evidence collection for investigators of attacks on civilians.\n\n"
                "Signed in as {who}"
            ).format(who=identity)
        )
        body.setWordWrap(True)
        self.fingerprint = FingerprintView(
            fingerprints.of_key(fingerprint) if fingerprint else None
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (title, body, self.fingerprint, buttons):
            layout.addWidget(w)


class SettingsDialog(QDialog):
    """Settings in tabs: the trusted keys (whose bundles this store accepts; adds from an
    exported key file; the idle lock) and, given the store folder ``home``, the basemaps
    (:class:`fieldkit.gui.basemap_settings.BasemapSettings`)."""

    def __init__(
        self,
        parent: QWidget | None,
        keys_dir: Path,
        home: Path | None = None,
        *,
        store: Any = None,
        on_revoke: Callable[[str, str, Callable[[], None]], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.keys_dir = keys_dir
        self.store = store
        # on_revoke(fingerprint, identity, then): asks when and why, records the
        # revocation on the writer thread, then calls ``then`` (fieldkit/gui/trust.py).
        self.on_revoke = on_revoke
        self.setWindowTitle(tr("Settings"))
        self.resize(760, 420)
        info = QLabel(
            tr(
                "Bundles signed by these keys are trusted. Check a fingerprint with its "
                "owner, in person or by phone, before adding it."
            )
        )
        info.setWordWrap(True)
        self.list = QListWidget()
        add = QPushButton(tr("Add from file…"))
        add.clicked.connect(lambda: self.add_from_file())
        self.remove = QPushButton(tr("Remove"))
        self.remove.clicked.connect(self.remove_selected)
        self.revoke_button = QPushButton(tr("Revoke…"))
        self.revoke_button.setToolTip(
            tr("A laptop was seized or lost: its key's events from a given time are held back")
        )
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.revoke_button.setVisible(on_revoke is not None)
        self.list.currentRowChanged.connect(lambda _r: self._update_revoke())
        self.revoked = QLabel()
        self.revoked.setObjectName("muted")
        self.revoked.setWordWrap(True)
        self.revoked.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        export = QPushButton(tr("Export my key…"))
        export.clicked.connect(lambda: self.export_mine())
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        row = QHBoxLayout()
        for b in (add, self.remove, self.revoke_button, export):
            row.addWidget(b)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        keys_page = QWidget()
        page = QVBoxLayout(keys_page)
        page.addWidget(info)
        page.addWidget(self.list, 1)
        page.addWidget(self.revoked)
        page.addLayout(row)
        page.addWidget(self.message)
        page.addLayout(self._idle_row())
        self.tabs = QTabWidget()
        self.tabs.addTab(keys_page, tr("Trusted keys"))
        self.basemaps: BasemapSettings | None = None
        if home is not None:
            from fieldkit.gui.basemap_settings import BasemapSettings

            self.basemaps = BasemapSettings(home)
            self.tabs.addTab(self.basemaps, tr("Basemaps"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.reload()

    def _idle_row(self) -> QHBoxLayout:
        """How long without input before the app locks (fieldkit.gui.lock)."""
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QSpinBox

        from fieldkit.gui.lock import IDLE_SETTING, idle_minutes

        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(tr(" min"))
        self.idle.setValue(idle_minutes())
        self.idle.setToolTip(tr("Takes effect at the next unlock or start"))
        self.idle.valueChanged.connect(lambda v: QSettings().setValue(IDLE_SETTING, int(v)))
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Lock FieldKit after this long without input:")))
        row.addWidget(self.idle)
        row.addStretch(1)
        return row

    def reload(self) -> None:
        from fieldkit.crypto import trustlist

        self.list.clear()
        for i, signer in enumerate(trustlist.list_trusted(self.keys_dir)):
            text = f"{signer.identity}    {signer.fingerprint}"
            if i == 0:
                text += "    " + tr("(this store)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, signer.fingerprint)
            item.setData(Qt.ItemDataRole.UserRole + 1, i == 0)
            item.setData(Qt.ItemDataRole.UserRole + 2, signer.identity)
            self.list.addItem(item)
        lines = self.revocations_text()
        self.revoked.setText("\n".join([tr("Revoked keys:"), *lines]) if lines else "")
        self.revoked.setVisible(bool(lines))
        self._update_revoke()

    def revocations_text(self) -> list[str]:
        """The revocations this store holds, one line each (none without a store)."""
        if self.store is None:
            return []
        from fieldkit.gui.trust import revocations_text

        return revocations_text(self.store)

    def _update_revoke(self) -> None:
        item = self.list.currentItem()
        own = item is None or bool(item.data(Qt.ItemDataRole.UserRole + 1))
        self.revoke_button.setEnabled(self.on_revoke is not None and not own)

    def revoke_selected(self) -> Any:
        """Revoke the selected key (never this store's own): asks when and why."""
        item = self.list.currentItem()
        if self.on_revoke is None or item is None or item.data(Qt.ItemDataRole.UserRole + 1):
            return None
        return self.on_revoke(
            item.data(Qt.ItemDataRole.UserRole),
            item.data(Qt.ItemDataRole.UserRole + 2),
            self.reload,
        )

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def add_from_file(self, path: Path | None = None) -> None:
        from fieldkit.crypto import trustlist
        from fieldkit.errors import FieldkitError

        path = path or Prompts.open_file(self, tr("A key file exported by FieldKit"))
        if path is None:
            return
        try:
            signer = trustlist.trust(self.keys_dir, Path(path).read_text(encoding="utf-8"))
        except (FieldkitError, OSError, UnicodeDecodeError) as exc:
            self._show(str(exc))
            return
        self._show(tr("Trusted {who} ({fp})").format(who=signer.identity, fp=signer.fingerprint))
        self.reload()

    def remove_selected(self) -> None:
        from fieldkit.crypto import trustlist
        from fieldkit.errors import FieldkitError

        item = self.list.currentItem()
        if item is None or item.data(Qt.ItemDataRole.UserRole + 1):
            return
        try:
            trustlist.untrust(self.keys_dir, item.data(Qt.ItemDataRole.UserRole))
        except FieldkitError as exc:
            self._show(str(exc))
            return
        self.reload()

    def export_mine(self, path: Path | None = None) -> None:
        from fieldkit.crypto import trustlist

        path = path or Prompts.save_file(self, tr("Export my public key"), "fieldkit-key.pub")
        if path is None:
            return
        Path(path).write_text(trustlist.export_public(self.keys_dir), encoding="utf-8")
        self._show(tr("Saved {path}").format(path=path))
