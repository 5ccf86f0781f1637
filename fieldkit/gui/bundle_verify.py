"""Verify a bundle from the desktop (for auditors): the same check as ``fieldkit verify``
(:func:`fieldkit.bundle.verify_bundle` with this store's trust), run on the writer thread,
its custody recorded, the report saved as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from fieldkit import bundle
from fieldkit.gui.bundle_views import (
    PathRow,
    ReportView,
    problem_lines,
    report_ok,
    to_doc,
    verify_headline,
)
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.store import Store


class VerifyDialog(QDialog):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.setWindowTitle(tr("Verify a bundle"))
        self.resize(760, 520)
        self.path = PathRow(tr("a bundle folder, .zip or .zip.age"))
        self.trust = QLineEdit()
        self.trust.setPlaceholderText(tr("this store's trusted keys (or an allowed_signers file)"))
        form = QFormLayout()
        form.addRow(tr("Bundle"), self.path)
        form.addRow(tr("Trusted keys"), self.trust)
        self.verify_button = QPushButton(tr("Verify"))
        self.verify_button.setObjectName("primary")
        self.verify_button.clicked.connect(self.verify)
        self.report = ReportView()
        self.doc: dict[str, Any] | None = None
        self.ok: bool | None = None
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(
            tr("Save report…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save_report())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.buttons)

    def verify(self) -> None:
        path = self.path.path()
        if path is None:
            return
        trust = Path(self.trust.text().strip()) if self.trust.text().strip() else None
        self.verify_button.setEnabled(False)
        self.report.show_report(tr("Verifying…"), True, [], {})

        def done(report: Any) -> None:
            self.verify_button.setEnabled(True)
            self.doc = to_doc(report)
            self.ok = report_ok(report, self.doc)
            problems = problem_lines(report)
            self.report.show_report(
                verify_headline(self.ok, self.doc, len(problems)), self.ok, problems, self.doc
            )
            self.save_button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.ok = False
            self.doc = {"ok": False, "error": str(exc)}
            self.report.show_report(tr("Cannot verify: {e}").format(e=exc), False, [], self.doc)
            self.save_button.setEnabled(True)

        self.win.submit(
            _verify_and_record,
            path,
            trust,
            self.win.passphrase,
            progress=True,
            label=tr("Verifying"),
            on_done=done,
            on_error=failed,
        )

    def save_report(self, path: Path | None = None) -> Path | None:
        import json

        if self.doc is None:
            return None
        path = path or Prompts.save_file(
            self, tr("Save report"), "verify-report.json", "JSON (*.json)"
        )
        if path is None:
            return None
        Path(path).write_text(
            json.dumps(self.doc, ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
        return Path(path)


def _verify_and_record(
    store: Store,
    path: Path,
    trust: Path | None,
    passphrase: bytes | None,
    *,
    progress: Any = None,
    cancel: Any = None,
) -> Any:
    """What ``fieldkit verify`` does on a store's machine (one core function for both)."""
    return bundle.verify_on_store(
        store, path, trust=trust, passphrase=passphrase, progress=progress, cancel=cancel
    )


def verify_flow(win: MainWindow, path: Path | None = None) -> VerifyDialog | None:
    dlg = VerifyDialog(win)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if path is not None:
        dlg.path.edit.setText(str(path))
    win.dialogs["verify"] = dlg
    dlg.open()
    return dlg
