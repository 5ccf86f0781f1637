"""What the bundle flows share: a report as plain data, its problems as lines, the path
row and the report view of the verify and import dialogs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.dialogs import Prompts, fill_tree
from fieldkit.gui.i18n import tr
from fieldkit.problems import Problem
from fieldkit.safetext import escape


def to_doc(report: Any) -> dict[str, Any]:
    """A report object as plain JSON-like data."""
    if report is None:
        return {}
    if hasattr(report, "to_json"):
        return report.to_json()
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return dataclasses.asdict(report)
    if isinstance(report, dict):
        return report
    return dict(vars(report))


def report_ok(report: Any, doc: dict[str, Any]) -> bool:
    ok = getattr(report, "ok", None)
    if ok is None:
        ok = doc.get("ok")
    return bool(ok)


def problem_lines(report: Any) -> list[str]:
    """One line per problem of a report (verify or import), from its Problem fields."""
    problems: list[Problem] = list(getattr(report, "problems", None) or [])
    return [escape(p) for p in problems]


class PathRow(QWidget):
    def __init__(self, placeholder: str) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        file_button = QPushButton(tr("File…"))
        file_button.clicked.connect(self._file)
        folder_button = QPushButton(tr("Folder…"))
        folder_button.clicked.connect(self._folder)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(file_button)
        row.addWidget(folder_button)

    def _file(self) -> None:
        p = Prompts.open_file(self, tr("A bundle"), tr("Bundles (*.zip *.age);;All files (*)"))
        if p is not None:
            self.edit.setText(str(p))

    def _folder(self) -> None:
        p = Prompts.open_folder(self, tr("A bundle folder"))
        if p is not None:
            self.edit.setText(str(p))

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None


class ReportView(QWidget):
    """Headline, problems named one per line, the whole report as a tree."""

    def __init__(self) -> None:
        super().__init__()
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.setMaximumHeight(130)
        self.problems.hide()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("Item"), tr("Value")])
        self.tree.setColumnWidth(0, 240)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.problems)
        layout.addWidget(self.tree, 1)

    def show_report(self, headline: str, ok: bool, problems: list[str], doc: Any) -> None:
        self.headline.setText(headline)
        self.headline.setObjectName("reportOk" if ok else "reportFail")
        self.headline.style().unpolish(self.headline)
        self.headline.style().polish(self.headline)
        self.problems.clear()
        self.problems.addItems(problems)
        self.problems.setVisible(bool(problems))
        self.tree.clear()
        fill_tree(self.tree, doc, expand=1)

    def text(self) -> str:
        lines = [self.headline.text()]
        lines += [self.problems.item(i).text() for i in range(self.problems.count())]
        return "\n".join(lines)


def verify_headline(ok: bool, doc: dict[str, Any], n_problems: int) -> str:
    signer_doc: dict[str, Any] = doc["signer"] if isinstance(doc.get("signer"), dict) else {}
    signer = (
        signer_doc.get("trusted_as") or signer_doc.get("identity") or doc.get("signer_identity")
    )
    fp = signer_doc.get("fingerprint") or doc.get("signer_fingerprint")
    who = " ".join(str(x) for x in (signer, f"({fp})" if fp else None) if x)
    tag = doc.get("tagmanifest_sha256")
    if ok:
        head = tr("Intact and signed by {who}.").format(who=who or tr("a trusted key"))
        if isinstance(tag, str) and len(tag) == 64:
            from fieldkit.crypto import fingerprints

            head += "\n" + tr("Bundle fingerprint (compare with the sender's): {fp}").format(
                fp=fingerprints.spoken(tag)
            )
        return head
    return tr("Verification FAILED: {n} problem(s).").format(n=n_problems) + (
        " " + tr("Signed by {who}.").format(who=who) if who else ""
    )
