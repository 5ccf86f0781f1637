"""First run and unlocking: who you are and where the store lives (:class:`SetupDialog`),
and the passphrase that unlocks the signing key (:class:`PassphraseDialog`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr


@dataclass(frozen=True)
class SetupAnswer:
    name: str
    email: str
    organisation: str | None
    passphrase: bytes
    home: Path


class SetupDialog(QDialog):
    """First run: who you are, a passphrase for your signing key, where the store lives."""

    def __init__(self, parent: QWidget | None = None, home: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Welcome to FieldKit"))
        self.setMinimumWidth(520)
        intro = QLabel(
            tr(
                "FieldKit keeps your cases, sites, photos and statements in a store on this "
                "laptop and signs what you export with a key only you can unlock. "
                "Choose a passphrase you will not forget: it cannot be recovered."
            )
        )
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.organisation = QLineEdit()
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@organisation.org")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase2 = QLineEdit()
        self.passphrase2.setEchoMode(QLineEdit.EchoMode.Password)
        self.home = QLineEdit(str(home or ""))
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.home, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(tr("Your name"), self.name)
        form.addRow(tr("Organisation"), self.organisation)
        form.addRow(tr("Identity (e-mail)"), self.email)
        form.addRow(tr("Passphrase"), self.passphrase)
        form.addRow(tr("Passphrase again"), self.passphrase2)
        form.addRow(tr("Store folder"), row)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Create store"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        folder = Prompts.open_folder(self, tr("Where the store lives"), self.home.text())
        if folder is not None:
            self.home.setText(str(folder))

    def problem(self) -> str | None:
        from fieldkit.crypto.keys import validate_identity
        from fieldkit.errors import ValidationError

        if not self.name.text().strip():
            return tr("Enter your name.")
        try:
            validate_identity(self.email.text().strip())
        except ValidationError as exc:
            return str(exc)
        if len(self.passphrase.text()) < 8:
            return tr("The passphrase needs at least 8 characters.")
        if self.passphrase.text() != self.passphrase2.text():
            return tr("The two passphrases differ.")
        if not self.home.text().strip():
            return tr("Choose a folder for the store.")
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            self.message.show()
            return
        super().accept()

    def answer(self) -> SetupAnswer:
        return SetupAnswer(
            self.name.text().strip(),
            self.email.text().strip(),
            self.organisation.text().strip() or None,
            self.passphrase.text().encode("utf-8"),
            Path(self.home.text().strip()).expanduser(),
        )

    @classmethod
    def ask(cls, parent: QWidget | None, home: Path) -> SetupAnswer | None:
        dlg = cls(parent, home)
        return dlg.answer() if dlg.exec() == QDialog.DialogCode.Accepted else None


class PassphraseDialog(QDialog):
    """Unlock the signing key once per session; the passphrase stays in memory only."""

    def __init__(self, parent: QWidget | None, keys_dir: Path, who: str = "") -> None:
        super().__init__(parent)
        self.keys_dir = keys_dir
        self.setWindowTitle(tr("Unlock FieldKit"))
        label = QLabel(
            tr("Passphrase of the signing key of {who}").format(who=who or tr("this store"))
        )
        label.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.value: bytes | None = None

    def accept(self) -> None:
        from fieldkit.crypto import keys
        from fieldkit.errors import FieldkitError

        value = self.passphrase.text().encode("utf-8")
        try:
            keys.unlock_signing_key(self.keys_dir, value)
        except FieldkitError as exc:
            self.message.setText(str(exc))
            self.message.show()
            self.passphrase.selectAll()
            return
        self.value = value
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, keys_dir: Path, who: str = "") -> bytes | None:
        dlg = cls(parent, keys_dir, who)
        return dlg.value if dlg.exec() == QDialog.DialogCode.Accepted else None
