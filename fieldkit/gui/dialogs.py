"""Questions and reports. Every question a test must answer goes through a classmethod
``ask()`` seam: :class:`Prompts` here, and each dialog's own ``ask()``.

Questions (save or discard, a passphrase, a file) are modal and return an answer;
reports (an import summary, a verification) open without blocking and are kept on the
window, so tests and people can read them while the app stays responsive.

The dialogs themselves live by family: :mod:`fieldkit.gui.setup_dialogs` (first run,
passphrase), :mod:`fieldkit.gui.key_dialogs` (identity, trusted keys, about),
:mod:`fieldkit.gui.record_dialogs` (case, search, conflicts) and the bundle flows
(:mod:`fieldkit.gui.bundle_export`, :mod:`~fieldkit.gui.bundle_import`,
:mod:`~fieldkit.gui.bundle_verify`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QListWidget,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.i18n import tr

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
