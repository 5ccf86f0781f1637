"""Dialogs. Every question a test must answer goes through a classmethod ``ask()`` seam.

Questions (save or discard, a passphrase, a file) are modal and return an answer;
reports (an import summary, a verification) open without blocking and are kept on the
window, so tests and people can read them while the app stays responsive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit import __version__, fingerprints
from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.store import Store

# --- small questions ------------------------------------------------------------------


class Prompts:
    """File choosers and yes/no questions; tests replace these classmethods."""

    @classmethod
    def open_paths(cls, parent: QWidget | None, title: str) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(parent, title)
        return [Path(n) for n in names]

    @classmethod
    def open_folder(cls, parent: QWidget | None, title: str, start: str = "") -> Path | None:
        name = QFileDialog.getExistingDirectory(parent, title, start)
        return Path(name) if name else None

    @classmethod
    def open_file(cls, parent: QWidget | None, title: str, filters: str = "") -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
        return Path(name) if name else None

    @classmethod
    def save_file(
        cls, parent: QWidget | None, title: str, default: str = "", filters: str = ""
    ) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, title, default, filters)
        return Path(name) if name else None

    @classmethod
    def save_discard_cancel(cls, parent: QWidget | None, what: str) -> str:
        """'save', 'discard' or 'cancel' for unsaved edits of ``what``."""
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Unsaved changes"))
        box.setText(tr("{what} has unsaved changes.").format(what=what))
        box.setInformativeText(tr("Save them before going on?"))
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    @classmethod
    def confirm(cls, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    @classmethod
    def text(cls, parent: QWidget | None, title: str, label: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getText(parent, title, label)
        return value if ok else None

    @classmethod
    def choose(
        cls, parent: QWidget | None, title: str, label: str, items: list[tuple[str, str]]
    ) -> str | None:
        """One of ``items`` (id, text) chosen from a list; its id, or None."""
        from PySide6.QtWidgets import QInputDialog

        texts = [text for _id, text in items]
        value, ok = QInputDialog.getItem(parent, title, label, texts, 0, False)
        if not ok or value not in texts:
            return None
        return items[texts.index(value)][0]

    @classmethod
    def error(cls, parent: QWidget | None, title: str, text: str) -> None:
        """Shown without blocking; kept as ``parent.last_error`` for tests."""
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok)
        box.setParent(parent, Qt.WindowType.Dialog)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        if parent is not None:
            parent.last_error = box  # type: ignore[attr-defined]


# --- first run and unlocking ----------------------------------------------------------


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
        from fieldkit.errors import ValidationError
        from fieldkit.keys import validate_identity

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
        from fieldkit import keys
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


# --- reports --------------------------------------------------------------------------


def fill_tree(parent: QTreeWidget | QTreeWidgetItem, doc: Any, *, expand: int = 1) -> None:
    """A JSON document as a tree: keys and values, lists numbered."""
    items = (
        doc.items()
        if isinstance(doc, dict)
        else enumerate(doc)
        if isinstance(doc, list)
        else [("", doc)]
    )
    for key, value in items:
        if isinstance(value, dict | list):
            label = f"{key} ({len(value)})"
            child = QTreeWidgetItem([str(label), ""])
            _add(parent, child)
            fill_tree(child, value, expand=expand - 1)
            child.setExpanded(expand > 0 and len(value) <= 50)
        else:
            _add(parent, QTreeWidgetItem([str(key), "" if value is None else str(value)]))


def _add(parent: QTreeWidget | QTreeWidgetItem, child: QTreeWidgetItem) -> None:
    if isinstance(parent, QTreeWidget):
        parent.addTopLevelItem(child)
    else:
        parent.addChild(child)


class ReportDialog(QDialog):
    """A headline, sections of lines (file — reason), the full report as a tree, Save."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        headline: str,
        sections: list[tuple[str, list[str]]],
        doc: Any = None,
        *,
        ok: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(640, 480)
        self.doc = doc
        self.headline = QLabel(headline)
        self.headline.setObjectName("reportOk" if ok else "reportFail")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        self.lists: dict[str, QListWidget] = {}
        for name, lines in sections:
            if not lines:
                continue
            box = QGroupBox(f"{name} ({len(lines)})")
            inner = QVBoxLayout(box)
            lw = QListWidget()
            lw.addItems(lines[:5000])
            lw.setMaximumHeight(140)
            inner.addWidget(lw)
            layout.addWidget(box)
            self.lists[name] = lw
        if doc is not None:
            self.tree = QTreeWidget()
            self.tree.setHeaderLabels([tr("Item"), tr("Value")])
            self.tree.setColumnWidth(0, 220)
            fill_tree(self.tree, doc, expand=0)
            layout.addWidget(self.tree, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)
        if doc is not None:
            save = self.buttons.addButton(
                tr("Save report…"), QDialogButtonBox.ButtonRole.ActionRole
            )
            save.clicked.connect(self.save_report)
        layout.addWidget(self.buttons)

    def text(self) -> str:
        parts = [self.headline.text()]
        for lw in self.lists.values():
            parts.extend(lw.item(i).text() for i in range(lw.count()))
        return "\n".join(parts)

    def save_report(self, path: Path | None = None) -> Path | None:
        path = path or Prompts.save_file(self, tr("Save report"), "report.json", "JSON (*.json)")
        if path is None:
            return None
        Path(path).write_text(
            json.dumps(self.doc, ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
        return Path(path)


def import_summary(parent: QWidget | None, doc: dict[str, Any]) -> ReportDialog:
    """The summary of a photo import: imported, duplicates, rejected with reasons."""
    counts = doc.get("counts") or {
        k: len(doc.get(k) or []) for k in ("imported", "duplicates", "rejected")
    }
    headline = tr("{i} imported, {d} already in the store, {r} rejected").format(
        i=counts.get("imported", 0), d=counts.get("duplicates", 0), r=counts.get("rejected", 0)
    )
    if doc.get("cancelled"):
        headline = tr("Cancelled. ") + headline + tr(" — what finished before is kept.")
    warned = [
        f"{Path(i['path']).name} — {'; '.join(i['warnings'])}"
        for i in doc.get("imported", [])
        if i.get("warnings")
    ]
    sections = [
        (tr("Rejected"), [f"{Path(r['path']).name} — {r['message']}" for r in doc["rejected"]]),
        (tr("Imported with warnings"), warned),
        (tr("Imported"), [Path(i["path"]).name for i in doc.get("imported", [])]),
        (tr("Duplicates"), [Path(i["path"]).name for i in doc.get("duplicates", [])]),
        (
            tr("Skipped"),
            [f"{Path(r['path']).name} — {r['message']}" for r in doc.get("skipped", [])],
        ),
    ]
    return ReportDialog(
        parent, tr("Photo import"), headline, sections, doc, ok=not doc.get("rejected")
    )


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


# --- trusted keys ---------------------------------------------------------------------


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


# --- exporting a bundle ---------------------------------------------------------------


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
        from fieldkit import keys

        self.setWindowTitle(tr("Export a signed bundle"))
        self.setMinimumWidth(560)
        self.incremental = QRadioButton(tr("What I have not exported before (incremental)"))
        self.full = QRadioButton(tr("Everything (full)"))
        self.incremental.setChecked(True)
        self.zip = QCheckBox(tr("One .zip file (needed for encryption)"))
        self.zip.setChecked(True)
        self.recipients = QListWidget()
        self.recipients.setMaximumHeight(110)
        for signer in keys.list_trusted(keys_dir):
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


# --- conflicts ------------------------------------------------------------------------


class ConflictsDialog(QDialog):
    """Every field two devices changed differently: pick a value or type one, then resolve."""

    resolve_requested = Signal(str, str, object)  # record id, field, value

    def __init__(self, parent: QWidget | None, store: Store) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(tr("Conflicts"))
        self.resize(720, 440)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        self.detail = QGroupBox(tr("Candidates"))
        self.choices_layout = QVBoxLayout(self.detail)
        self.radios: list[QRadioButton] = []
        self.other = QRadioButton(tr("Another value:"))
        self.other_value = QLineEdit()
        self.other_value.textEdited.connect(lambda _t: self.other.setChecked(True))
        self.resolve_button = QPushButton(tr("Resolve with this value"))
        self.resolve_button.clicked.connect(self.resolve_current)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        side = QVBoxLayout()
        side.addWidget(self.detail)
        side.addWidget(self.message)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addLayout(side, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.headline = QLabel()
        layout.addWidget(self.headline)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.conflicts: list[dict[str, Any]] = []
        self.reload()

    def reload(self) -> None:
        from fieldkit import records

        self.conflicts = self.store.all_conflicts()
        self.list.clear()
        for c in self.conflicts:
            try:
                rec = self.store.get(c["id"])
                k = records.kind_of(c["kind"])
                title = rec.get(k.title_field) or c["id"][:8]
                label = k.by_name[c["field"]].label if c["field"] in k.by_name else c["field"]
            except Exception:
                title, label = c["id"][:8], c["field"]
            self.list.addItem(f"{tr(c['kind'])} “{title}” — {tr(label)}")
        self.headline.setText(
            tr("{n} conflicting field(s). Nothing was dropped: choose what is right.").format(
                n=len(self.conflicts)
            )
            if self.conflicts
            else tr("No conflicts.")
        )
        if self.conflicts:
            self.list.setCurrentRow(0)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        for r in self.radios:
            self.choices_layout.removeWidget(r)
            r.deleteLater()
        self.radios = []
        self.choices_layout.removeWidget(self.other)
        self.choices_layout.removeWidget(self.other_value)
        self.choices_layout.removeWidget(self.resolve_button)
        if row < 0 or row >= len(self.conflicts):
            self.detail.setEnabled(False)
            return
        self.detail.setEnabled(True)
        names = _device_names(self.store)
        for i, cand in enumerate(self.conflicts[row]["candidates"]):
            who = names.get(cand.get("device"), (cand.get("device") or "")[:8])
            when = (cand.get("hlc") or "")[:0]
            radio = QRadioButton(f"{_value_text(cand['value'])}    — {who}{when}")
            radio.setProperty("value", json.dumps(cand["value"]))
            radio.setChecked(i == 0)
            self.radios.append(radio)
            self.choices_layout.addWidget(radio)
        self.choices_layout.addWidget(self.other)
        self.choices_layout.addWidget(self.other_value)
        self.choices_layout.addWidget(self.resolve_button)
        self.other_value.clear()

    def chosen_value(self) -> Any:
        if self.other.isChecked():
            return self.other_value.text()
        for r in self.radios:
            if r.isChecked():
                return json.loads(r.property("value"))
        return None

    def resolve_current(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        c = self.conflicts[row]
        self.resolve_requested.emit(c["id"], c["field"], self.chosen_value())

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


def _value_text(value: Any) -> str:
    if value is None:
        return tr("(empty)")
    if isinstance(value, list):
        return ", ".join(v["name"] if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _device_names(store: Store) -> dict[str, str]:
    out = {}
    try:
        persons = {p["id"]: p["name"] for p in store.find("person")}
        for d in store.find("device"):
            out[d["id"]] = f"{persons.get(d.get('person_id'), '?')} ({d.get('name') or ''})"
    except Exception:
        pass
    return out


# --- cases ----------------------------------------------------------------------------


class CaseDialog(QDialog):
    """A case with all its fields (title, summary, region, period, status), new or
    edited. Save hands the checked changes to ``on_save(record_id, values)``."""

    def __init__(self, parent: QWidget | None, record: dict[str, Any] | None, on_save: Any) -> None:
        from fieldkit.gui.forms import RecordForm

        super().__init__(parent)
        self.on_save = on_save
        self.setWindowTitle(tr("Edit the case") if record else tr("New case"))
        self.setMinimumWidth(560)
        self.form = RecordForm("case", scroll=False)
        self.form.load(record, **({} if record else {"status": "open"}))
        if not record:
            self.form._set_dirty(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.form.widgets["title"].setFocus()

    def accept(self) -> None:
        values = self.form.validate()
        if values is None:
            return
        if values or not self.form.record.get("id"):
            self.on_save(self.form.record.get("id"), values)
        super().accept()


def _hit_kind(kind: str) -> str:
    return {
        "case": tr("Case"),
        "site": tr("Site"),
        "remnant": tr("Remnant"),
        "statement": tr("Statement"),
        "media": tr("Photo"),
        "link": tr("Caption"),
    }.get(kind, kind)


class SearchDialog(QDialog):
    """Search results (``fieldkit.search``); activating one opens the record."""

    open_requested = Signal(object)  # a fieldkit.search.Hit

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Search"))
        self.resize(720, 460)
        self.query = QLineEdit()
        self.query.setObjectName("searchQuery")
        self.query.setPlaceholderText(tr("Words to find in every record, caption and file name"))
        self.headline = QLabel()
        self.results = QTreeWidget()
        self.results.setObjectName("searchResults")
        self.results.setHeaderLabels([tr("What"), tr("Title"), tr("Site"), tr("Where it matches")])
        self.results.setRootIsDecorated(False)
        self.results.setColumnWidth(0, 90)
        self.results.setColumnWidth(1, 150)
        self.results.setColumnWidth(2, 170)
        self.results.itemActivated.connect(self._activated)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.headline)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.hits: list[Any] = []

    def show_hits(self, text: str, hits: list[Any], sites: dict[str, str] | None = None) -> None:
        self.query.setText(text)
        self.hits = hits
        self.results.clear()
        for i, h in enumerate(hits):
            site = (sites or {}).get(h.site_id or "", "")
            item = QTreeWidgetItem([_hit_kind(h.kind), h.title, site, h.snippet])
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setToolTip(3, h.snippet)
            self.results.addTopLevelItem(item)
        self.headline.setText(
            tr("{n} result(s) for “{text}”. Double-click or press Enter to open one.").format(
                n=len(hits), text=text
            )
            if hits
            else tr("Nothing found for “{text}”.").format(text=text)
        )
        if hits:
            first = self.results.topLevelItem(0)
            if first is not None:
                self.results.setCurrentItem(first)
            self.results.setFocus()

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.open_requested.emit(self.hits[item.data(0, Qt.ItemDataRole.UserRole)])
