"""A witness withdraws consent: which earlier releases already carried the statement.

After each of the person's own edits (:func:`watch_withdrawals`), a statement whose newest
event set its consent to ``withdrawn`` and that earlier public releases carried opens
:class:`WithdrawnNotice`, listing them (from :func:`fieldkit.release.releases_carrying`,
the same data as ``published_in`` on the command line): a published file cannot be called
back, so whoever holds them must be told. Later releases leave the statement out by the
audience rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow


class WithdrawnNotice(QDialog):
    """Which earlier releases carried a statement whose consent was just withdrawn."""

    def __init__(
        self, parent: QWidget | None, statement: dict[str, Any], releases: list[dict[str, Any]]
    ):
        super().__init__(parent)
        self.setWindowTitle(tr("Consent withdrawn"))
        self.releases = releases
        text = QLabel(
            tr(
                "The witness of statement {code} withdrew consent. It will never appear in a "
                "later release or public output. These releases already carried it, and a "
                "published file cannot be called back: tell whoever holds them."
            ).format(code=statement.get("witness_code") or statement["id"])
        )
        text.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setHeaderLabels([tr("Released"), tr("Release id"), tr("Signed by")])
        for p in releases:
            self.list.addTopLevelItem(
                QTreeWidgetItem(
                    [str(p.get("released_at")), str(p.get("identifier")), str(p.get("signer"))]
                )
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(720, 300)


def withdrawal_releases(store: Any, statement_id: str) -> list[dict[str, Any]] | None:
    """The releases that carried a statement if its newest event withdrew consent (so
    the person who just withdrew it is told once), else None."""
    from fieldkit.release import releases_carrying

    rec = store.get(statement_id, "statement")
    if rec.get("consent") != "withdrawn":
        return None
    events = [e for e in store.history(statement_id) if e["entity"] == statement_id]
    if not events or (events[-1].get("fields") or {}).get("consent") != "withdrawn":
        return None
    return releases_carrying(store, statement_id)


def watch_withdrawals(win: MainWindow) -> None:
    """After each of the person's edits: a statement whose consent they withdrew and that
    earlier releases carried opens :class:`WithdrawnNotice`."""

    def check(changes: Any) -> None:
        if not changes.touches("statement"):
            return
        for rid in sorted(changes.ids):
            try:
                if win.store.kind_of_id(rid) != "statement":
                    continue
                releases = withdrawal_releases(win.store, rid)
            except Exception:
                continue
            if releases:
                dlg = WithdrawnNotice(win, win.store.get(rid), releases)
                dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                win.dialogs["withdrawn"] = dlg
                dlg.show()

    win.changes_applied.connect(check)


__all__ = ["WithdrawnNotice", "watch_withdrawals", "withdrawal_releases"]
