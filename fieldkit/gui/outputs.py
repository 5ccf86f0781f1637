"""File → Export for GIS… and File → Case report…: small dialogs on the core's outputs.

The work is :func:`fieldkit.gis.export_gis` and :func:`fieldkit.report.write_report` —
the same functions as ``fieldkit gis export`` and ``fieldkit report`` — run on the writer
thread with the status bar's progress bar and Cancel.

The store's rule for outputs (:mod:`fieldkit.disclosure`) holds here as for bundles: the
dialog offers the trusted colleagues to encrypt to; an output that would carry restricted
or confidential content unencrypted is refused by the core, and the app then names what
is inside ("2 confidential statements, 1 restricted photo") and asks before writing it
plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldkit.audience import DEFAULT_GRID_M, Audience
from fieldkit.gis import FORMATS
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.setup_dialogs import PassphraseDialog

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.store import Store

FORMAT_LABELS = {
    "gpkg": "GeoPackage (QGIS)",
    "kmz": "KMZ with photo thumbnails (Google Earth)",
    "kml": "KML (Google Earth)",
    "geojson": "GeoJSON (web maps), a folder",
    "csv": "CSV (spreadsheets), a folder",
    "gpx": "GPX 1.1 waypoints (handheld GPS)",
}


@dataclass(frozen=True)
class OutputOptions:
    """What the person chose: where, which case, for whom, and (GIS) which format."""

    out: Path
    case_id: str | None
    audience: Audience
    fmt: str | None = None
    #: age recipients (age1…) of trusted colleagues to encrypt to; empty: plain.
    recipients: tuple[str, ...] = ()


class OutputDialog(QDialog):
    """Case, audience, what to include and where; the file is written on the worker."""

    def __init__(
        self,
        parent: QWidget | None,
        store: Store,
        *,
        report: bool,
        default_out: Path,
        case_id: str | None,
    ) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(tr("Case report") if report else tr("Export for GIS"))
        self.setMinimumWidth(560)
        self.case = QComboBox()
        if not report:
            self.case.addItem(tr("All cases"), None)
        for c in store.find("case"):
            self.case.addItem(c.get("title") or c["id"], c["id"])
        if case_id is not None:
            self.case.setCurrentIndex(max(0, self.case.findData(case_id)))
        self.format = QComboBox()
        for fmt in FORMATS:
            self.format.addItem(tr(FORMAT_LABELS[fmt]), fmt)
        self.format.setCurrentIndex(self.format.findData("gpkg"))
        self.audience = QComboBox()
        self.audience.addItem(tr("Internal: the team's own view"), "internal")
        self.audience.addItem(tr("Public: only what is marked for release"), "public")
        self.include = QComboBox()
        self.include.addItem(tr("No restricted or confidential text"), None)
        self.include.addItem(tr("Include restricted"), "restricted")
        self.include.addItem(tr("Include restricted and confidential"), "confidential")
        self.grid = QSpinBox()
        self.grid.setRange(1, 100_000)
        self.grid.setValue(DEFAULT_GRID_M)
        self.grid.setSuffix(" m")
        self.recipients = QListWidget()
        self.recipients.setObjectName("recipients")
        self.recipients.setMaximumHeight(96)
        from fieldkit.crypto import trustlist

        for signer in trustlist.list_trusted(Path(store.keys_dir))[1:]:  # [0] is ourselves
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
        form = QFormLayout()
        form.addRow(tr("Case"), self.case)
        if not report:
            form.addRow(tr("Format"), self.format)
        form.addRow(tr("Audience"), self.audience)
        form.addRow(tr("Statements"), self.include)
        form.addRow(tr("Generalise sensitive positions to"), self.grid)
        form.addRow(tr("Encrypt for (age)"), self.recipients)
        form.addRow(tr("Destination"), row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("muted")
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            tr("Write report") if report else tr("Export")
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.audience.currentIndexChanged.connect(self._update)
        self.include.currentIndexChanged.connect(self._update)
        self._update()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        store: Store,
        *,
        report: bool,
        default_out: Path,
        case_id: str | None,
    ) -> OutputOptions | None:
        dlg = cls(parent, store, report=report, default_out=default_out, case_id=case_id)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return dlg.options()

    def _update(self) -> None:
        public = self.audience.currentData() == "public"
        self.include.setEnabled(not public)
        if public:
            self.include.setCurrentIndex(0)
        self.grid.setEnabled(public)
        sensitive = self.include.currentData() is not None
        note = self._audience().describe() + tr(". The audience is added to the file name.")
        if sensitive:
            note += " " + tr(
                "Restricted or confidential content is encrypted to the colleagues ticked "
                "above; with none ticked you are asked before it is written unencrypted."
            )
        self.note.setText(note)

    def _audience(self) -> Audience:
        return Audience(self.audience.currentData(), self.include.currentData(), self.grid.value())

    def _browse(self) -> None:
        if self.report:
            path = Prompts.save_file(self, tr("Case report"), self.out.text(), "PDF (*.pdf)")
        else:
            folder = Prompts.open_folder(self, tr("Export to"), str(Path(self.out.text()).parent))
            path = folder / Path(self.out.text()).name if folder is not None else None
        if path is not None:
            self.out.setText(str(path))

    def options(self) -> OutputOptions:
        return OutputOptions(
            Path(self.out.text().strip()).expanduser(),
            self.case.currentData(),
            self._audience(),
            None if self.report else self.format.currentData(),
            tuple(self.chosen_recipients()),
        )

    def chosen_recipients(self) -> list[str]:
        chosen = []
        for i in range(self.recipients.count()):
            item = self.recipients.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                chosen.append(item.data(Qt.ItemDataRole.UserRole))
        return chosen

    def accept(self) -> None:
        if not self.out.text().strip():
            self.message.setText(tr("Choose where to write."))
            self.message.show()
            return
        if self.report and self.case.currentData() is None:
            self.message.setText(tr("A report is about one case: create a case first."))
            self.message.show()
            return
        super().accept()


def _default_out(win: MainWindow, stem: str) -> Path:
    return Path.home() / stem


def _finished(win: MainWindow, what: str, doc: dict[str, Any]) -> None:
    win.last_output = doc
    held = len(doc.get("held_back") or [])
    text = tr("{what}: {path}").format(what=what, path=doc.get("path"))
    if held:
        text += tr(" ({n} items marked for release held back)").format(n=held)
    carries = doc.get("carries") or {}
    if doc.get("encrypted"):
        text += tr(" (encrypted)")
    elif carries.get("sensitive"):
        text += tr(" (carries {what}, unencrypted)").format(what=carries.get("description"))
    win.statusBar().showMessage(text, 15000)


def _asking(win: MainWindow, what: str, again: Any) -> Any:
    """An error handler: the disclosure rule's refusal becomes a question naming what is
    inside (as for bundles); yes runs ``again`` with ``plaintext=True``."""
    from fieldkit.disclosure import DisclosureRefused

    def failed(exc: BaseException) -> None:
        if isinstance(exc, DisclosureRefused):
            if Prompts.confirm(
                win,
                tr("Write it unencrypted?"),
                tr(
                    "This {what} carries {carried}. It is not encrypted to a trusted "
                    "colleague, so anyone who gets the file can read them. Write it "
                    "unencrypted anyway?"
                ).format(what=what, carried=exc.carried.describe()),
            ):
                again()
            return
        win.show_error(exc)

    return failed


def gis_flow(win: MainWindow) -> Any:
    """File → Export for GIS…: ask, then export on the writer thread."""
    opts = OutputDialog.ask(
        win,
        win.store,
        report=False,
        default_out=_default_out(win, "fieldkit-gis"),
        case_id=getattr(win, "current_case_id", None),
    )
    if opts is None:
        return None
    return start_gis(win, opts)


def start_gis(win: MainWindow, opts: OutputOptions, *, plaintext: bool = False) -> Any:
    from fieldkit.gis import export_gis

    return win.submit(
        export_gis,
        opts.fmt,
        opts.out,
        audience=opts.audience,
        case_id=opts.case_id,
        recipients=list(opts.recipients),
        plaintext=plaintext,
        progress=True,
        label=tr("Exporting for GIS"),
        on_done=lambda report: _finished(win, tr("GIS export written"), report.to_json()),
        on_error=None
        if plaintext
        else _asking(win, tr("GIS export"), lambda: start_gis(win, opts, plaintext=True)),
        on_cancelled=lambda: win.statusBar().showMessage(tr("GIS export cancelled"), 5000),
    )


def report_flow(win: MainWindow) -> Any:
    """File → Case report…: ask, unlock the key, then write and sign on the writer thread."""
    opts = OutputDialog.ask(
        win,
        win.store,
        report=True,
        default_out=_default_out(win, "case-report.pdf"),
        case_id=getattr(win, "current_case_id", None),
    )
    if opts is None:
        return None
    if win.passphrase is None:
        win.passphrase = PassphraseDialog.ask(
            win, Path(win.store.keys_dir), win.store.identity().get("email") or ""
        )
        if win.passphrase is None:
            return None
    return start_report(win, opts)


def start_report(win: MainWindow, opts: OutputOptions, *, plaintext: bool = False) -> Any:
    from fieldkit.report import write_report

    return win.submit(
        write_report,
        opts.out,
        case_id=opts.case_id,
        passphrase=win.passphrase,
        audience=opts.audience,
        recipients=list(opts.recipients),
        plaintext=plaintext,
        progress=True,
        label=tr("Writing the case report"),
        on_done=lambda result: _finished(win, tr("Report written and signed"), result.to_json()),
        on_error=None
        if plaintext
        else _asking(win, tr("report"), lambda: start_report(win, opts, plaintext=True)),
        on_cancelled=lambda: win.statusBar().showMessage(tr("Report cancelled"), 5000),
    )
