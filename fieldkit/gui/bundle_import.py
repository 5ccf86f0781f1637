"""Import a bundle from the desktop: verify, review what a merge would change, merge, then
resolve conflicts — the same functions as ``fieldkit import`` (:mod:`fieldkit.bundle`), on
the writer thread."""

from __future__ import annotations

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
    QPushButton,
    QTabWidget,
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
from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.store import Store


class ImportBundleDialog(QDialog):
    """Verify first and show what it says; merge only when asked; then the summary."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.setWindowTitle(tr("Import a bundle"))
        self.resize(780, 560)
        self.path = PathRow(tr("a bundle folder, .zip or .zip.age"))
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
        self.report = ReportView()
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
            headline = verify_headline(ok, doc, len(problems))
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
