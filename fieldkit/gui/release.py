"""File → Public release…: choose what is published, see exactly what leaves, write it.

A face on :mod:`fieldkit.release` (the same core as ``fieldkit release``). Left, every
site, remnant, statement and photo of the case with a tick: the tick *is* the record's
``release`` field, set by a named operation (:func:`fieldkit.gui.operations.set_release`,
a journal event each, undone by Edit → Undo). Right, what the release will carry, from
:func:`fieldkit.audience.build_view` for the public audience (the one place that
decides): the photos (with their redaction rectangles), sites (sensitive positions
generalised to the chosen grid), remnants and statements under their release labels;
what is marked but held back, and why; video and audio that are left out; and the
earlier releases of the case, naming any statement in them whose witness has since
withdrawn consent. The release is written on the writer thread with progress and
Cancel; a cancelled release leaves no file and no journal event.

:func:`~fieldkit.gui.withdrawals.watch_withdrawals` (its own module) tells the person,
when their edit withdraws a witness's consent, which earlier releases already carried
that statement (a published file cannot be called back).

Why over 500 lines: it is one dialog, :class:`ReleaseDialog` (about 450 lines), whose two
halves are one decision: every tick changes the preview, and the preview's "held back,
and why" is what the person ticks against. Split in two, each half would reach into the
other's widgets.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.audience import DEFAULT_GRID_M, PUBLIC, Audience, build_view
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE
from fieldkit.gui.setup_dialogs import PassphraseDialog
from fieldkit.gui.widgets import tree_group_rows
from fieldkit.gui.withdrawals import WithdrawnNotice, watch_withdrawals

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.gui.tasks import Task

_STILLS = ("image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic", "image/heif")
GROUPS = (
    ("site", "Sites"),
    ("remnant", "Remnants"),
    ("statement", "Statements"),
    ("media", "Photos"),
)


def _title(rec: dict[str, Any]) -> str:
    kind = rec.get("kind")
    if kind == "site":
        return str(rec.get("name") or rec["id"])
    if kind == "remnant":
        parts = [rec.get("munition_type") or rec.get("category"), rec.get("condition")]
        return " · ".join(str(p).replace("_", " ") for p in parts if p) or str(rec["id"])
    if kind == "statement":
        bits = [
            str(rec.get("witness_code") or rec["id"]),
            tr("sensitivity {s}").format(s=rec.get("sensitivity") or "—"),
            tr("consent {c}").format(c=rec.get("consent") or "—"),
        ]
        return ", ".join(bits)
    return str(rec.get("file_name") or rec.get("sha256", "")[:16] or rec["id"])


def case_records(store: Any, case_id: str) -> dict[str, list[dict[str, Any]]]:
    """The case's sites, remnants, statements and linked photos (not retracted), the
    candidates for release, by kind."""
    sites = store.find("site", where={"case_id": case_id}, order="name")
    site_ids = {s["id"] for s in sites}
    remnants = [r for r in store.find("remnant") if r["site_id"] in site_ids]
    statements = store.find("statement", where={"case_id": case_id})
    targets = site_ids | {r["id"] for r in remnants} | {s["id"] for s in statements} | {case_id}
    media_ids = {lk["media_id"] for lk in store.find("link") if lk["target_id"] in targets}
    media = [m for m in store.find("media") if m["id"] in media_ids]
    return {"site": sites, "remnant": remnants, "statement": statements, "media": media}


class ReleaseDialog(QDialog):
    """Choose, preview and write the public release of one case (non-modal)."""

    def __init__(self, win: MainWindow, case_id: str | None) -> None:
        super().__init__(win)
        self.win = win
        self.store = win.store
        self.task: Task | None = None
        self.last_report: dict[str, Any] | None = None
        self._pending: dict[str, str] = {}
        self._filling = False
        self._closed = False  # the task's callbacks may arrive after the dialog closed
        self.setWindowTitle(tr("Public release"))
        self.resize(1100, 700)

        self.case = QComboBox()
        for c in self.store.find("case"):
            self.case.addItem(c.get("title") or c["id"], c["id"])
        if case_id is not None:
            self.case.setCurrentIndex(max(0, self.case.findData(case_id)))
        self.case.currentIndexChanged.connect(lambda _i: self.reload())

        self.marks = QTreeWidget()
        self.marks.setObjectName("releaseMarks")
        self.marks.setHeaderLabels([tr("Tick what may be published")])
        self.marks.itemChanged.connect(self._ticked)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)

        self.preview = QTreeWidget()
        self.preview.setObjectName("releasePreview")
        self.preview.setHeaderLabels([tr("What will leave"), tr("Notes")])
        self.preview.setColumnWidth(0, 320)

        self.grid = QSpinBox()
        self.grid.setRange(1, 100_000)
        self.grid.setValue(DEFAULT_GRID_M)
        self.grid.setSuffix(" m")
        self.grid.setToolTip(
            tr(
                "Positions marked sensitive are snapped to a grid of this many metres in the "
                "point's UTM zone: the published point is at most grid × √2 / 2 from the real one"
            )
        )
        self.grid.valueChanged.connect(lambda _v: self.refresh_preview())
        self.as_folder = QRadioButton(tr("A folder"))
        self.as_zip = QRadioButton(tr("A zip file"))
        self.as_folder.setChecked(True)
        kind = QButtonGroup(self)
        kind.addButton(self.as_folder)
        kind.addButton(self.as_zip)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.as_folder)
        kind_row.addWidget(self.as_zip)
        kind_row.addStretch(1)
        self.out = QLineEdit(str(Path.home() / "fieldkit-release"))
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(tr("Case"), self.case)
        form.addRow(tr("Generalise sensitive positions to"), self.grid)
        form.addRow(tr("Write as"), kind_row)
        form.addRow(tr("Destination"), out_row)

        self.progress = QProgressBar()
        self.progress.hide()
        self.cancel_button = QPushButton(tr("Cancel the release"))
        self.cancel_button.setObjectName("cancelRelease")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.message = QLabel()
        self.message.setObjectName("releaseMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.write_button = QPushButton(tr("Write the release"))
        self.write_button.setObjectName("primary")
        self.write_button.clicked.connect(self.write)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.write_button)
        bottom.addWidget(close)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        note = QLabel(
            tr(
                "Nothing is public unless ticked. A tick sets the record's “release” field "
                "(Edit → Undo takes it back). A photo's black rectangles are drawn in the "
                "photo viewer (Redact…)."
            )
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        lv.addWidget(note)
        lv.addWidget(self.marks, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setSizes([440, 640])
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        # Ctrl+Z here too: the dialog is where the person just ticked.
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo.activated.connect(win.undo)
        win.changes_applied.connect(self._changes)
        win.store_changed.connect(self.reload)
        self.reload()

    # -- what is marked --------------------------------------------------------------------

    @property
    def case_id(self) -> str | None:
        return self.case.currentData()

    def reload(self) -> None:
        """Re-read the case's records and their ticks, then the preview."""
        self._filling = True
        self.marks.clear()
        self.items: dict[str, QTreeWidgetItem] = {}
        if self.case_id is not None:
            recs = case_records(self.store, self.case_id)
            for kind, label in GROUPS:
                group = QTreeWidgetItem([f"{tr(label)} ({len(recs[kind])})"])
                group.setFlags(
                    group.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
                )
                group.setData(0, ID_ROLE, None)
                self.marks.addTopLevelItem(group)
                for rec in recs[kind]:
                    item = QTreeWidgetItem([_title(rec)])
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setData(0, ID_ROLE, rec["id"])
                    item.setCheckState(
                        0,
                        Qt.CheckState.Checked
                        if rec.get("release") == "yes"
                        else Qt.CheckState.Unchecked,
                    )
                    group.addChild(item)
                    self.items[rec["id"]] = item
                group.setExpanded(kind != "media" or len(recs[kind]) <= 30)
        self._filling = False
        self.refresh_preview()

    def _ticked(self, item: QTreeWidgetItem, _column: int) -> None:
        rid = item.data(0, ID_ROLE)
        if self._filling or rid is None:
            return  # a group's tick only passes the change on to its items
        self._pending[rid] = "yes" if item.checkState(0) == Qt.CheckState.Checked else "no"
        self._flush_timer.start()  # a group tick changes many items: one operation for all

    def _flush(self) -> Task | None:
        if not self._pending:
            return None
        by_value: dict[str, list[str]] = {}
        for rid, value in self._pending.items():
            rec = self.store.get(rid)
            if (rec.get("release") or "no") != value:
                by_value.setdefault(value, []).append(rid)
        self._pending.clear()
        from fieldkit.gui import operations

        task = None
        for value, ids in by_value.items():
            task = self.win.run_op(
                operations.set_release, ids, value, label=tr("Marking for release")
            )
        return task

    def set_marked(self, record_id: str, marked: bool) -> None:
        """Tick or untick one record, as a click on its box does."""
        self.items[record_id].setCheckState(
            0, Qt.CheckState.Checked if marked else Qt.CheckState.Unchecked
        )

    def _changes(self, changes: Any) -> None:
        if not changes.touches("site", "remnant", "statement", "media", "link", "case"):
            return
        self._filling = True
        for rid in changes.ids:
            item = self.items.get(rid)
            if item is not None:  # e.g. after Edit → Undo: the tick follows the record
                rec = self.store.get(rid)
                item.setCheckState(
                    0,
                    Qt.CheckState.Checked
                    if rec.get("release") == "yes"
                    else Qt.CheckState.Unchecked,
                )
        self._filling = False
        self.refresh_preview()

    # -- what will leave ------------------------------------------------------------------

    def refresh_preview(self) -> None:
        self.preview.clear()
        self.view = None
        if self.case_id is None:
            self.write_button.setEnabled(False)
            return
        view = build_view(
            self.store, Audience(PUBLIC, grid_m=self.grid.value()), case_id=self.case_id
        )
        self.view = view
        photos: list[tuple[dict[str, Any], dict[str, Any]]] = []
        left_out: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for m in view.media:
            rec = self.store.get(m["_id"], "media")
            (photos if (rec.get("mime") or "") in _STILLS else left_out).append((m, rec))

        def group(title: str, rows: list[tuple[str, str]], name: str) -> QTreeWidgetItem:
            top = QTreeWidgetItem([f"{title} ({len(rows)})", ""])
            top.setData(0, ID_ROLE, name)
            for a, b in rows:
                top.addChild(QTreeWidgetItem([a, b]))
            self.preview.addTopLevelItem(top)
            top.setExpanded(True)
            return top

        grid = self.grid.value()
        photo_rows = []
        for m, rec in photos:
            n = len(rec.get("redactions") or [])
            note = tr("{n} black rectangle(s) burned in").format(n=n) if n else ""
            photo_rows.append((f"{m['ref']}  ←  {rec.get('file_name') or ''}", note))
        group(tr("Photos, without any metadata"), photo_rows, "photos")
        site_rows = []
        for s in view.sites:
            rec = self.store.get(s["_id"], "site")
            sensitive = rec.get("sensitive_position") == "yes"
            note = tr("position generalised to a {g} m grid").format(g=grid) if sensitive else ""
            if rec.get("lat") is None:
                note = tr("no position")
            site_rows.append((f"{s['ref']}  {s.get('name') or ''}", note))
        group(tr("Sites"), site_rows, "sites")
        group(
            tr("Remnants"),
            [
                (
                    f"{r['ref']}  {r.get('munition_type') or r.get('category') or ''}",
                    tr("at {site}").format(site=r.get("site_ref") or "—"),
                )
                for r in view.remnants
            ],
            "remnants",
        )
        st_rows = []
        for st in view.statements:
            rec = self.store.get(st["_id"], "statement")
            st_rows.append(
                (
                    f"{st['ref']}  ←  {rec.get('witness_code') or ''}",
                    tr("consent {c}; no witness code, no interviewer").format(c=rec.get("consent")),
                )
            )
        group(tr("Statements, under release labels"), st_rows, "statements")
        out_rows = [
            (
                f"{rec.get('file_name') or m['ref']}",
                tr("{mime}: FieldKit removes metadata from still images only").format(
                    mime=rec.get("mime") or tr("this file type")
                ),
            )
            for m, rec in left_out
        ]
        if out_rows:
            group(tr("Left out: video, audio, documents"), out_rows, "left_out")
        held_rows = []
        for h in view.held_back:
            try:
                title = _title(self.store.get(h["id"]))
            except Exception:
                title = h["id"]
            held_rows.append((f"{tr(h['kind'])}  {title}", h["reason"]))
        held = group(tr("Marked for release but held back"), held_rows, "held_back")
        held.setForeground(0, Qt.GlobalColor.darkRed)
        self._earlier_releases()
        self.write_button.setEnabled(self.task is None)

    def _earlier_releases(self) -> None:
        pubs = [
            p
            for p in self.store.find("publication", order="released_at")
            if p.get("case_id") == self.case_id
        ]
        if not pubs:
            return
        top = QTreeWidgetItem([tr("Earlier releases of this case ({n})").format(n=len(pubs)), ""])
        top.setData(0, ID_ROLE, "earlier")
        for p in pubs:
            withdrawn = []
            for sid in p.get("statement_ids") or []:
                try:
                    st = self.store.get(sid, "statement")
                except Exception:
                    continue
                if st.get("consent") == "withdrawn":
                    withdrawn.append(str(st.get("witness_code") or sid))
            note = tr("{s} statement(s), {m} photo(s)").format(
                s=len(p.get("statement_ids") or []), m=len(p.get("media_ids") or [])
            )
            if withdrawn:
                note += "  " + tr("— consent since withdrawn: {w}").format(w=", ".join(withdrawn))
            child = QTreeWidgetItem([f"{p.get('released_at')}  {p.get('identifier')}", note])
            if withdrawn:
                child.setForeground(1, Qt.GlobalColor.darkRed)
            top.addChild(child)
        self.preview.addTopLevelItem(top)
        top.setExpanded(True)

    def preview_group(self, name: str) -> list[tuple[str, ...]]:
        """The rows of one preview group (``photos``, ``sites``, ``remnants``,
        ``statements``, ``left_out``, ``held_back``, ``earlier``): (text, note)."""
        return tree_group_rows(self.preview, name, ID_ROLE)

    # -- writing ----------------------------------------------------------------------------

    def _browse(self) -> None:
        folder = Prompts.open_folder(
            self, tr("Write the release in"), str(Path(self.out.text()).parent)
        )
        if folder is not None:
            self.out.setText(str(folder / Path(self.out.text()).name))

    def target(self) -> Path:
        return Path(self.out.text().strip()).expanduser()

    def write(self) -> Task | None:
        """Unlock the signing key if needed, then write the release on the writer thread."""
        from fieldkit.release import write_release

        if self.case_id is None or self.task is not None:
            return None
        self._flush()
        if not self.out.text().strip():
            self._say(tr("Choose where to write the release."))
            return None
        if self.win.passphrase is None:
            self.win.passphrase = PassphraseDialog.ask(
                self, Path(self.store.keys_dir), self.store.identity().get("email") or ""
            )
            if self.win.passphrase is None:
                return None
        self._busy(True)
        self._say(tr("Writing the release…"))
        self.task = self.win.submit(
            write_release,
            self.target(),
            case_id=self.case_id,
            passphrase=self.win.passphrase,
            zipped=self.as_zip.isChecked(),
            grid_m=self.grid.value(),
            progress=True,
            label=tr("Writing the public release"),
            on_done=self._done,
            on_error=self._failed,
            on_cancelled=self._cancelled,
            on_progress=self._progress,
        )
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel.cancel()
            self._say(tr("Cancelling…"))

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{tr(message)}  {done} / {total}")

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.cancel_button.setVisible(busy)
        self.write_button.setEnabled(not busy)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _done(self, report: Any) -> None:
        self.task = None
        self.win.last_output = report.to_json()
        if self._closed:
            return
        self._busy(False)
        doc = report.to_json()
        self.last_report = doc
        self.win.last_output = doc
        counts = ", ".join(f"{n} {tr(k)}" for k, n in doc["counts"].items())
        lines = [
            tr("Release written and signed: {path}").format(path=doc["path"]),
            tr("{counts}; sensitive positions on a {g} m grid; signed by {fp}").format(
                counts=counts, g=doc["generalise_m"], fp=doc["signer"]
            ),
        ]
        lines += [
            tr("Left out {ref}: {why}").format(ref=i["ref"], why=i["reason"])
            for i in doc["left_out"]
        ]
        if doc["held_back"]:
            lines.append(
                tr("{n} item(s) marked for release held back (listed above)").format(
                    n=len(doc["held_back"])
                )
            )
        self._say("\n".join(lines))
        self.refresh_preview()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        if self._closed:
            self.win.show_error(exc)
            return
        self._busy(False)
        self._say(tr("The release was not written: {e}").format(e=exc))

    def _cancelled(self) -> None:
        self.task = None
        if self._closed:
            return
        self._busy(False)
        self._say(tr("Release cancelled: nothing was written."))

    def done(self, result: int) -> None:  # closing while writing cancels the release
        self.cancel()
        self._closed = True
        try:
            self.win.changes_applied.disconnect(self._changes)
            self.win.store_changed.disconnect(self.reload)
        except (RuntimeError, TypeError):
            pass
        super().done(result)


def release_flow(win: MainWindow) -> ReleaseDialog:
    """File → Public release…: the dialog for the case shown (non-modal)."""
    dlg = ReleaseDialog(win, getattr(win, "current_case_id", None))
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.dialogs["release"] = dlg
    dlg.show()
    return dlg


__all__ = ["ReleaseDialog", "WithdrawnNotice", "release_flow", "watch_withdrawals"]
