"""Bundles from the desktop: export (with the fingerprint to read aloud), import (verify,
review, merge, then resolve conflicts) and verify (for auditors, report saved as JSON).

Every step calls :mod:`fieldkit.bundle` — the same functions as ``fieldkit export``,
``fieldkit import`` and ``fieldkit verify`` — on the writer thread.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from fieldkit import bundle
from fieldkit.gui.dialogs import (
    ExportDialog,
    FingerprintDialog,
    PassphraseDialog,
    Prompts,
    fill_tree,
)
from fieldkit.gui.i18n import tr
from fieldkit.problems import Problem
from fieldkit.safetext import escape

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.store import Store


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


# --- export ---------------------------------------------------------------------------


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


# --- choosing a bundle ----------------------------------------------------------------


class _PathRow(QWidget):
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


class _ReportView(QWidget):
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


def _verify_headline(ok: bool, doc: dict[str, Any], n_problems: int) -> str:
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
            from fieldkit import fingerprints

            head += "\n" + tr("Bundle fingerprint (compare with the sender's): {fp}").format(
                fp=fingerprints.spoken(tag)
            )
        return head
    return tr("Verification FAILED: {n} problem(s).").format(n=n_problems) + (
        " " + tr("Signed by {who}.").format(who=who) if who else ""
    )


# --- verify (auditor) -----------------------------------------------------------------


class VerifyDialog(QDialog):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.setWindowTitle(tr("Verify a bundle"))
        self.resize(760, 520)
        self.path = _PathRow(tr("a bundle folder, .zip or .zip.age"))
        self.trust = QLineEdit()
        self.trust.setPlaceholderText(tr("this store's trusted keys (or an allowed_signers file)"))
        form = QFormLayout()
        form.addRow(tr("Bundle"), self.path)
        form.addRow(tr("Trusted keys"), self.trust)
        self.verify_button = QPushButton(tr("Verify"))
        self.verify_button.setObjectName("primary")
        self.verify_button.clicked.connect(self.verify)
        self.report = _ReportView()
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
                _verify_headline(self.ok, self.doc, len(problems)), self.ok, problems, self.doc
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


# --- import (coordinator) -------------------------------------------------------------


class ImportBundleDialog(QDialog):
    """Verify first and show what it says; merge only when asked; then the summary."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.setWindowTitle(tr("Import a bundle"))
        self.resize(780, 560)
        self.path = _PathRow(tr("a bundle folder, .zip or .zip.age"))
        form = QFormLayout()
        form.addRow(tr("Bundle"), self.path)
        self.verify_button = QPushButton(tr("1. Verify"))
        self.verify_button.clicked.connect(self.verify)
        self.accept_untrusted = QCheckBox(
            tr("The signer is not in my trusted keys, but I checked the fingerprint: accept it")
        )
        self.accept_untrusted.hide()
        self.merge_button = QPushButton(tr("2. Merge into my store"))
        self.merge_button.setObjectName("primary")
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.merge)
        self.conflicts_button = QPushButton(tr("3. Resolve conflicts…"))
        self.conflicts_button.setEnabled(False)
        self.conflicts_button.clicked.connect(self.open_conflicts)
        steps = QHBoxLayout()
        steps.addWidget(self.verify_button)
        steps.addWidget(self.merge_button)
        steps.addWidget(self.conflicts_button)
        steps.addStretch(1)
        self.report = _ReportView()
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.verified: dict[str, Any] | None = None
        self.merged: dict[str, Any] | None = None
        self.untrusted_only = False
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(steps)
        layout.addWidget(self.accept_untrusted)
        layout.addWidget(self.report.headline)  # who signed it: above both tabs
        layout.addWidget(self.summary)
        from fieldkit.gui.review import MergeReview

        self.review = MergeReview()
        self.pages = QTabWidget()
        self.pages.setObjectName("importPages")
        self.pages.addTab(self.review, tr("What the merge brings"))
        self.pages.addTab(self.report, tr("Raw report"))
        layout.addWidget(self.pages, 1)
        layout.addWidget(buttons)
        self.before: dict[str, dict[str, Any]] = {}
        self.accept_untrusted.toggled.connect(self._update_merge)

    def verify(self) -> None:
        """Verify, and preview the merge (a dry run: the same merge, rolled back)."""
        path = self.path.path()
        if path is None:
            return
        self.verify_button.setEnabled(False)
        self.summary.hide()

        def done(preview: Any) -> None:
            self.verify_button.setEnabled(True)
            report = preview.verify
            doc = to_doc(report)
            self.verified = doc
            ok = report_ok(report, doc)
            problems = problem_lines(report)
            self.untrusted_only = (
                report.only_untrusted() if hasattr(report, "only_untrusted") else False
            )
            headline = _verify_headline(ok, doc, len(problems))
            counts = _bundle_counts(doc)
            if counts:
                headline += "\n" + counts
            self.report.show_report(headline, ok, problems, doc)
            self.accept_untrusted.setVisible(self.untrusted_only)
            if preview.preview:
                self.summary.setText(tr("If merged: ") + merge_summary(to_doc(preview)))
                self.summary.show()
                after = dict(getattr(preview, "after", {}) or {})
                self.before = _records_before(self.win.store, to_doc(preview), after)
                self.review.show_merge(to_doc(preview), self.before, after)
                self.pages.setCurrentWidget(self.review)
            elif preview.problems and (ok or self.untrusted_only):
                # Verified, but it does not continue this store's chains (a gap, a fork).
                lines = problem_lines(preview)
                self.report.show_report(tr("Cannot be merged"), False, lines, doc)
                ok = False
                self.untrusted_only = False
            self._ok = ok
            self._update_merge()

        def failed(exc: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self._ok = False
            self.report.show_report(tr("Cannot verify: {e}").format(e=exc), False, [], {})
            self._update_merge()

        # accept_untrusted only lets the dry run show what the merge would bring; the
        # real merge still needs the box ticked, and trust is judged from the report.
        self.win.submit(
            bundle.import_bundle,
            path,
            accept_untrusted=True,
            passphrase=self.win.passphrase,
            dry_run=True,
            progress=True,
            label=tr("Verifying"),
            on_done=done,
            on_error=failed,
        )

    def _update_merge(self, *_a: Any) -> None:
        ok = getattr(self, "_ok", False)
        self.merge_button.setEnabled(
            self.merged is None
            and (ok or (self.untrusted_only and self.accept_untrusted.isChecked()))
        )

    def merge(self) -> None:
        path = self.path.path()
        if path is None:
            return
        self.merge_button.setEnabled(False)

        def done(report: Any) -> None:
            doc = to_doc(report)
            self.merged = doc
            self.summary.setText(merge_summary(doc))
            self.summary.show()
            n_conflicts = self.win.store.conflict_count()
            self.conflicts_button.setEnabled(n_conflicts > 0)
            self.report.show_report(tr("Merged."), True, problem_lines(report), doc)
            store = self.win.store
            after = {
                rid: store.get(rid)
                for bucket in ("new_records", "changed_records")
                for ids in (doc.get(bucket) or {}).values()
                for rid in ids[:2000]
            }
            self.review.show_merge(doc, self.before, after, thumbnail=_thumb_of(store))
            self.pages.setCurrentWidget(self.review)

        def failed(exc: BaseException) -> None:
            self.report.show_report(tr("Not merged: {e}").format(e=exc), False, [], {})
            self._update_merge()

        self.win.submit(
            bundle.import_bundle,
            path,
            accept_untrusted=self.accept_untrusted.isChecked(),
            passphrase=self.win.passphrase,
            progress=True,
            label=tr("Merging"),
            on_done=done,
            on_error=failed,
        )

    def open_conflicts(self) -> None:
        self.win.open_conflicts()


def _records_before(
    store: Store, doc: dict[str, Any], after: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """This store's records that the merge would change, and the sites named by what it
    brings (read before merging: a dry run changed nothing)."""
    from fieldkit.errors import NotFound

    wanted = {rid for ids in (doc.get("changed_records") or {}).values() for rid in ids[:2000]}
    wanted |= {str(r["site_id"]) for r in after.values() if r.get("site_id")}
    wanted |= {c["id"] for c in doc.get("conflicts") or []}
    out = {}
    for rid in wanted - set((doc.get("new_records") or {}).get("site", [])):
        try:
            out[rid] = store.get(rid)
        except NotFound:
            continue
    return out


def _thumb_of(store: Store) -> Any:
    from fieldkit.thumbnails import thumbnail_path

    def path(rec: dict[str, Any]) -> Path | None:
        sha = rec.get("sha256")
        return thumbnail_path(store.cache_dir, sha) if sha else None

    return path


def _bundle_counts(doc: dict[str, Any]) -> str:
    parts = []
    for key, label in (("events", tr("events")), ("media_files", tr("photos and files"))):
        value = doc.get(key)
        if isinstance(value, int | list | dict):
            n = value if isinstance(value, int) else len(value)
            parts.append(f"{n} {label}")
    return tr("It carries ") + ", ".join(parts) + "." if parts else ""


def merge_summary(doc: dict[str, Any]) -> str:
    merge: dict[str, Any] = doc["merge"] if isinstance(doc.get("merge"), dict) else doc

    def count(bucket: Any) -> int:
        if isinstance(bucket, dict):
            return sum(len(v) if isinstance(v, list) else int(v) for v in bucket.values())
        if isinstance(bucket, list):
            return len(bucket)
        return int(bucket or 0)

    return tr(
        "{new} new record(s), {changed} changed, {conflicts} conflict(s), "
        "{events} new event(s), {dup} already present; {media} new file(s)."
    ).format(
        new=count(merge.get("new_records")),
        changed=count(merge.get("changed_records")),
        conflicts=count(merge.get("conflicts")),
        events=merge.get("new_events", 0),
        dup=merge.get("already_present", 0),
        media=merge.get("media_new", 0),
    )


def import_flow(win: MainWindow, path: Path | None = None) -> ImportBundleDialog | None:
    dlg = ImportBundleDialog(win)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if path is not None:
        dlg.path.edit.setText(str(path))
    win.dialogs["import_bundle"] = dlg
    dlg.open()
    return dlg
