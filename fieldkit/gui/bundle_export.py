"""Export a bundle from the desktop: what to export and for whom (:class:`ExportDialog`),
the disclosure question, then the bundle's fingerprint to read aloud
(:class:`FingerprintDialog`) — :func:`fieldkit.bundle.export_bundle`, the same function as
``fieldkit export``, on the writer thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit import bundle
from fieldkit.crypto import fingerprints
from fieldkit.gui.bundle_views import to_doc
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.key_dialogs import FingerprintView
from fieldkit.gui.setup_dialogs import PassphraseDialog

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    full: bool
    zip: bool
    recipients: tuple[str, ...]


class ExportDialog(QDialog):
    """What to export and where; the bundle is written on the worker afterwards."""

    def __init__(self, parent: QWidget | None, keys_dir: Path, default_out: Path) -> None:
        super().__init__(parent)
        from fieldkit.crypto import trustlist

        self.setWindowTitle(tr("Export a signed bundle"))
        self.setMinimumWidth(560)
        self.incremental = QRadioButton(tr("What I have not exported before (incremental)"))
        self.full = QRadioButton(tr("Everything (full)"))
        self.incremental.setChecked(True)
        self.zip = QCheckBox(tr("One .zip file (needed for encryption)"))
        self.zip.setChecked(True)
        self.recipients = QListWidget()
        self.recipients.setMaximumHeight(110)
        for signer in trustlist.list_trusted(keys_dir):
            if not signer.age_recipient:
                continue
            item = QListWidgetItem(f"{signer.identity}  ({signer.fingerprint[:19]}…)")
            item.setData(Qt.ItemDataRole.UserRole, signer.age_recipient)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.recipients.addItem(item)
        self.out = QLineEdit(str(default_out))
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        what = QGroupBox(tr("What"))
        wl = QVBoxLayout(what)
        wl.addWidget(self.incremental)
        wl.addWidget(self.full)
        wl.addWidget(self.zip)
        to = QGroupBox(tr("Encrypt for (optional; the bundle is signed either way)"))
        tl = QVBoxLayout(to)
        tl.addWidget(self.recipients)
        form = QFormLayout()
        form.addRow(tr("Destination"), row)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Export"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(to)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = Prompts.open_folder(self, tr("Export to"), str(Path(self.out.text()).parent))
        if folder is not None:
            self.out.setText(str(folder / Path(self.out.text()).name))

    def options(self) -> ExportOptions:
        chosen = []
        for i in range(self.recipients.count()):
            item = self.recipients.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                chosen.append(item.data(Qt.ItemDataRole.UserRole))
        return ExportOptions(
            Path(self.out.text().strip()).expanduser(),
            self.full.isChecked(),
            self.zip.isChecked() or bool(chosen),
            tuple(chosen),
        )

    def accept(self) -> None:
        opts = self.options()
        if not self.out.text().strip():
            self.message.setText(tr("Choose where to write the bundle."))
            self.message.show()
            return
        if opts.out.exists():
            self.message.setText(tr("{path} already exists.").format(path=opts.out))
            self.message.show()
            return
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, keys_dir: Path, default_out: Path) -> ExportOptions | None:
        dlg = cls(parent, keys_dir, default_out)
        return dlg.options() if dlg.exec() == QDialog.DialogCode.Accepted else None


class FingerprintDialog(QDialog):
    """The end of an export: where the bundle is and its fingerprint, to read aloud."""

    def __init__(self, parent: QWidget | None, path: str, fingerprint: str, doc: Any) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Bundle exported"))
        self.setMinimumWidth(560)
        where = QLabel(tr("The signed bundle is in:\n{path}").format(path=path))
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        say = QLabel(
            tr(
                "Read the bundle fingerprint to the coordinator over the phone; they see "
                "the same when they verify it."
            )
        )
        say.setWordWrap(True)
        try:
            fp: fingerprints.Fingerprint | None = fingerprints.of_bundle(fingerprint)
        except Exception:
            fp = None
        self.fingerprint = FingerprintView(fp)
        self.doc = doc
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (where, say, self.fingerprint, buttons):
            layout.addWidget(w)


def export_flow(win: MainWindow) -> None:
    keys_dir = Path(win.store.keys_dir)
    if win.passphrase is None:
        win.passphrase = PassphraseDialog.ask(
            win, keys_dir, win.store.identity().get("email") or ""
        )
        if win.passphrase is None:
            return
    opts = ExportDialog.ask(win, keys_dir, win.default_bundle_path())
    if opts is not None:
        start_export(win, opts)


def start_export(win: MainWindow, opts: Any, *, plaintext: bool = False) -> Any:
    from fieldkit.disclosure import DisclosureRefused

    def failed(exc: BaseException) -> None:
        # The disclosure rule (fieldkit.disclosure): sensitive content not encrypted to
        # a trusted colleague is written only when the person says so, knowing what.
        if isinstance(exc, DisclosureRefused) and not plaintext:
            if Prompts.confirm(
                win,
                tr("Write an unencrypted bundle?"),
                tr(
                    "This bundle carries {what}. It is not encrypted to a trusted colleague, "
                    "so anyone who gets the file can read them. Write it unencrypted anyway?"
                ).format(what=exc.carried.describe()),
            ):
                start_export(win, opts, plaintext=True)
            return
        win.show_error(exc)

    def done(report: Any) -> None:
        doc = to_doc(report)
        fp = getattr(report, "fingerprint", None) or doc.get("fingerprint") or ""
        path = doc.get("path") or str(opts.out)
        dlg = FingerprintDialog(win, str(path), str(fp or ""), doc)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        win.dialogs["exported"] = dlg
        win.last_export = doc
        dlg.open()

    return win.submit(
        bundle.export_bundle,
        opts.out,
        passphrase=win.passphrase,
        full=opts.full,
        zip=opts.zip,
        recipients=list(opts.recipients),
        plaintext=plaintext,
        progress=True,
        label=tr("Exporting"),
        on_done=done,
        on_error=failed,
        on_cancelled=lambda: win.statusBar().showMessage(tr("Export cancelled"), 5000),
    )
