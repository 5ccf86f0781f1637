"""Your identity and the keys you trust: the fingerprint to read aloud
(:class:`FingerprintView`), Settings with the trusted keys (:class:`SettingsDialog`) and
About."""

from __future__ import annotations

from pathlib import Path

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
    QVBoxLayout,
    QWidget,
)

from fieldkit import __version__, fingerprints
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr


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
    """Trusted keys: whose bundles this store accepts. Adds from an exported key file."""

    def __init__(self, parent: QWidget | None, keys_dir: Path) -> None:
        super().__init__(parent)
        self.keys_dir = keys_dir
        self.setWindowTitle(tr("Settings — trusted keys"))
        self.resize(640, 360)
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
        export = QPushButton(tr("Export my key…"))
        export.clicked.connect(lambda: self.export_mine())
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        row = QHBoxLayout()
        for b in (add, self.remove, export):
            row.addWidget(b)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addLayout(self._idle_row())
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
        from fieldkit import keys

        self.list.clear()
        for i, signer in enumerate(keys.list_trusted(self.keys_dir)):
            text = f"{signer.identity}    {signer.fingerprint}"
            if i == 0:
                text += "    " + tr("(this store)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, signer.fingerprint)
            item.setData(Qt.ItemDataRole.UserRole + 1, i == 0)
            self.list.addItem(item)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def add_from_file(self, path: Path | None = None) -> None:
        from fieldkit import keys
        from fieldkit.errors import FieldkitError

        path = path or Prompts.open_file(self, tr("A key file exported by FieldKit"))
        if path is None:
            return
        try:
            signer = keys.trust(self.keys_dir, Path(path).read_text(encoding="utf-8"))
        except (FieldkitError, OSError, UnicodeDecodeError) as exc:
            self._show(str(exc))
            return
        self._show(tr("Trusted {who} ({fp})").format(who=signer.identity, fp=signer.fingerprint))
        self.reload()

    def remove_selected(self) -> None:
        from fieldkit import keys
        from fieldkit.errors import FieldkitError

        item = self.list.currentItem()
        if item is None or item.data(Qt.ItemDataRole.UserRole + 1):
            return
        try:
            keys.untrust(self.keys_dir, item.data(Qt.ItemDataRole.UserRole))
        except FieldkitError as exc:
            self._show(str(exc))
            return
        self.reload()

    def export_mine(self, path: Path | None = None) -> None:
        from fieldkit import keys

        path = path or Prompts.save_file(self, tr("Export my public key"), "fieldkit-key.pub")
        if path is None:
            return
        Path(path).write_text(keys.export_public(self.keys_dir), encoding="utf-8")
        self._show(tr("Saved {path}").format(path=path))
