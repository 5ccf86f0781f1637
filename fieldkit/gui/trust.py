"""Issue 9 in the app: revoking a seized laptop's key, and reviewing colleagues' changes.

* :class:`RevokeDialog` asks from when a key must not be believed and why; the work is
  :func:`fieldkit.crypto.revocation.revoke` (the same as ``fieldkit keys revoke FINGERPRINT
  --from TIME --reason …``): a signed event of this store that travels in its bundles,
  and the key leaves the trusted list. It runs on the writer thread.
* :class:`ReviewsDialog` (Edit → Changes to review…) lists the changes an import applied
  to records by someone other than their creator (``fieldkit review list``) and marks a
  record's changes as seen (:meth:`fieldkit.store.Store.mark_reviewed`, ``fieldkit
  review done ID``), a journal event with an optional note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE
from fieldkit.gui.widgets import DateTimeOffsetEdit

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.gui.tasks import Task


# --- revoking a key ------------------------------------------------------------------------


@dataclass(frozen=True)
class RevokeAnswer:
    fingerprint: str
    revoked_from: str  # ISO 8601 with its offset, as typed
    reason: str


class RevokeDialog(QDialog):
    """From when a key must not be believed (when the laptop was taken) and why."""

    def __init__(self, parent: QWidget | None, fingerprint: str, identity: str) -> None:
        super().__init__(parent)
        self.fingerprint = fingerprint
        self.setWindowTitle(tr("Revoke a key"))
        self.setMinimumWidth(620)
        info = QLabel(
            tr(
                "Revoke {who}'s key ({fp}): what it signed from this time on is held back in "
                "this store and in every store that imports your next bundle (kept in the "
                "journal, not shown, reported). What it signed before stays. Give the time "
                "the laptop was taken or lost; if unsure, an earlier time is safer."
            ).format(who=identity, fp=fingerprint)
        )
        info.setWordWrap(True)
        self.when = DateTimeOffsetEdit()
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        self.when.set_value(now.strftime("%Y-%m-%dT%H:%M:%SZ"), None)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("e.g. laptop seized at a checkpoint"))
        form = QFormLayout()
        form.addRow(tr("Not to be believed from"), self.when)
        form.addRow(tr("Reason"), self.reason)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Revoke"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def problem(self) -> str | None:
        from fieldkit.records import parse_datetime_utc

        iso = self.when.iso_text()
        if iso is None:
            return tr("Give the time from which the key must not be believed.")
        try:
            parse_datetime_utc(iso)
        except ValueError:
            return tr("“{t}” is not a date and time (YYYY-MM-DD HH:MM).").format(t=iso)
        if not self.reason.text().strip():
            return tr("Say why the key is revoked: it travels with the revocation.")
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            self.message.show()
            return
        super().accept()

    def answer(self) -> RevokeAnswer:
        return RevokeAnswer(
            self.fingerprint, self.when.iso_text() or "", self.reason.text().strip()
        )

    @classmethod
    def ask(cls, parent: QWidget | None, fingerprint: str, identity: str) -> RevokeAnswer | None:
        dlg = cls(parent, fingerprint, identity)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return dlg.answer()


def revoke_flow(
    win: MainWindow,
    fingerprint: str,
    identity: str,
    *,
    on_done: Any = None,
    on_error: Any = None,
) -> Task | None:
    """Ask when and why, then record the revocation on the writer thread."""
    from fieldkit.crypto.revocation import revoke

    answer = RevokeDialog.ask(win, fingerprint, identity)
    if answer is None:
        return None
    return win.submit(
        revoke,
        answer.fingerprint,
        answer.revoked_from,
        answer.reason,
        label=tr("Revoking a key"),
        on_done=on_done,
        on_error=on_error,
    )


def revocations_text(store: Any) -> list[str]:
    """The revocations this store holds, for people: "fingerprint — from TIME: reason"."""
    rows = store.find("revocation", order="revoked_from")
    return [
        tr("{fp} — revoked from {when}: {why}").format(
            fp=r.get("fingerprint"), when=r.get("revoked_from"), why=r.get("reason")
        )
        for r in rows
    ]


# --- changes to review ---------------------------------------------------------------------


def _record_title(store: Any, record_id: str) -> str:
    from fieldkit.gui.review import record_title

    try:
        return record_title(store.get(record_id))
    except Exception:
        return record_id


def _names(store: Any) -> dict[str, str]:
    from fieldkit.crypto import trustlist
    from fieldkit.errors import FieldkitError

    try:
        return {s.fingerprint: s.identity for s in trustlist.list_trusted(store.keys_dir)}
    except FieldkitError:
        return {}


class ReviewsDialog(QDialog):
    """Changes to records by someone other than their creator, waiting for a person."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.setWindowTitle(tr("Changes to review"))
        self.resize(900, 460)
        info = QLabel(
            tr(
                "An import applied these changes to records that someone else created: an "
                "edit or a retraction by a colleague. Check each with the people concerned, "
                "then mark it reviewed. To take a retraction back, reinstate the record "
                "(right-click, Reinstate…); to take an edit back, edit."
            )
        )
        info.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("reviewList")
        self.tree.setHeaderLabels(
            [tr("Record"), tr("Change"), tr("By"), tr("Created by"), tr("When"), tr("Reason")]
        )
        self.tree.setColumnWidth(0, 240)
        self.tree.setRootIsDecorated(False)
        self.tree.itemSelectionChanged.connect(self._update)
        self.mark_button = QPushButton(tr("Mark reviewed…"))
        self.mark_button.setObjectName("primary")
        self.mark_button.clicked.connect(self.mark_selected)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.mark_button)
        row.addWidget(self.message, 1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        win.changes_applied.connect(self._changed)
        win.store_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        store = self.win.store
        names = _names(store)
        self.tree.clear()
        for r in store.reviews():
            item = QTreeWidgetItem(
                [
                    _record_title(store, r["id"]),
                    tr(r["op"]),
                    names.get(r["author"], r["author"]),
                    names.get(r["creator"] or "", r["creator"] or ""),
                    str(r["hlc"])[:20],
                    r.get("reason") or "",
                ]
            )
            item.setData(0, ID_ROLE, r["id"])
            self.tree.addTopLevelItem(item)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        elif not self.message.text():
            self.message.setText(tr("Nothing waits for review."))
        self._update()

    def rows(self) -> list[list[str]]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [[it.text(c) for c in range(6)] for it in items if it is not None]

    def _update(self) -> None:
        self.mark_button.setEnabled(self.tree.currentItem() is not None)

    def _changed(self, changes: Any) -> None:
        if changes:
            self.reload()

    def mark_selected(self) -> Task | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        record_id = item.data(0, ID_ROLE)
        note = Prompts.text(
            self, tr("Mark reviewed"), tr("What did you check? (optional, kept in the history)")
        )
        if note is None:
            return None
        from fieldkit.gui import operations

        def done(cleared: Any) -> None:
            self.message.setText(
                tr("Marked {n} change(s) to “{what}” reviewed.").format(
                    n=len(cleared), what=item.text(0)
                )
            )

        return self.win.run_op(
            operations.mark_reviewed, record_id, note, label=tr("Marking reviewed"), on_done=done
        )

    def done(self, result: int) -> None:
        try:
            self.win.changes_applied.disconnect(self._changed)
            self.win.store_changed.disconnect(self.reload)
        except (RuntimeError, TypeError):
            pass
        super().done(result)


def reviews_flow(win: MainWindow) -> ReviewsDialog:
    dlg = ReviewsDialog(win)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.dialogs["reviews"] = dlg
    dlg.show()
    return dlg


__all__ = ["ReviewsDialog", "RevokeAnswer", "RevokeDialog", "reviews_flow", "revoke_flow"]
