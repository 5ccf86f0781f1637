"""Edit → Positions from a GPS track…: the app's face on :mod:`fieldkit.geotag`.

The person chooses a GPX track and the largest gap between two fixes to interpolate
across; *Check* shows what would happen (the core's dry run, nothing written), *Apply*
gives the photos their positions as one named operation
(:func:`fieldkit.gui.operations.geotag_photos`: an update event per photo, source
``track``), and *Undo* (or Edit → Undo) takes back exactly the positions of that run.
Photos outside the track, beyond the gap or without a UTC capture time are listed with
the reason, never guessed. Both run on the writer thread.
"""

from __future__ import annotations

from pathlib import Path
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
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.widgets import tree_group_rows

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.gui.tasks import Task

_GROUPS = (
    ("tagged", "Got a position"),
    ("outside_track", "Outside the track"),
    ("beyond_gap", "Between fixes too far apart"),
    ("no_time", "No capture time in UTC"),
)


def _check(store: Any, path: str, max_gap_s: float) -> dict[str, Any]:
    from fieldkit.geotag import geotag, read_gpx

    return geotag(store, read_gpx(Path(path)), max_gap_s=max_gap_s, dry_run=True)


class GeotagDialog(QDialog):
    """Choose a GPX track and the largest gap; check, apply, undo (non-modal)."""

    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        from fieldkit.geotag import DEFAULT_MAX_GAP_S

        self.win = win
        self.report: dict[str, Any] | None = None
        self.applied_label: str | None = None
        self.setWindowTitle(tr("Positions from a GPS track"))
        self.resize(760, 520)
        info = QLabel(
            tr(
                "Photos without a position get the track's position at their capture time "
                "(after the camera's clock correction), interpolated between the two fixes "
                "around it; source “track”, with an accuracy that grows with the gap. Photos "
                "outside the track or between fixes too far apart are listed, never guessed."
            )
        )
        info.setWordWrap(True)
        self.track = QLineEdit()
        self.track.setPlaceholderText(tr("a .gpx file from a GPS logger or a phone"))
        self.track.textChanged.connect(lambda _t: self._update_buttons())
        self.browse_button = QPushButton(tr("Choose…"))
        self.browse_button.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.track, 1)
        row.addWidget(self.browse_button)
        self.gap = QSpinBox()
        self.gap.setRange(1, 86_400)
        self.gap.setValue(int(DEFAULT_MAX_GAP_S))
        self.gap.setSuffix(tr(" s"))
        self.gap.setToolTip(tr("No position is interpolated between fixes further apart than this"))
        form = QFormLayout()
        form.addRow(tr("Track"), row)
        form.addRow(tr("Largest gap between fixes"), self.gap)
        self.summary = QLabel()
        self.summary.setObjectName("geotagSummary")
        self.summary.setWordWrap(True)
        self.results = QTreeWidget()
        self.results.setObjectName("geotagResults")
        self.results.setHeaderLabels([tr("Photo"), tr("Position or reason")])
        self.results.setColumnWidth(0, 260)
        self.check_button = QPushButton(tr("Check"))
        self.check_button.clicked.connect(self.check)
        self.apply_button = QPushButton(tr("Apply"))
        self.apply_button.setObjectName("primary")
        self.apply_button.clicked.connect(self.apply)
        self.undo_button = QPushButton(tr("Undo"))
        self.undo_button.clicked.connect(self.undo)
        self.undo_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.check_button)
        bottom.addWidget(self.apply_button)
        bottom.addWidget(self.undo_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)
        layout.addLayout(bottom)
        self._update_buttons()

    def _browse(self) -> None:
        path = Prompts.open_file(self, tr("A GPS track"), tr("GPX tracks (*.gpx);;All files (*)"))
        if path is not None:
            self.track.setText(str(path))

    def _update_buttons(self) -> None:
        has = bool(self.track.text().strip())
        self.check_button.setEnabled(has)
        self.apply_button.setEnabled(has)

    def _path(self) -> str:
        return str(Path(self.track.text().strip()).expanduser())

    def check(self) -> Task:
        """What would happen (the core's dry run, nothing written)."""
        return self.win.runner.run(
            _check,
            self._path(),
            float(self.gap.value()),
            label=tr("Checking the track"),
            on_done=lambda report: self.show_report(report, applied=False),
            on_error=self._failed,
        )

    def apply(self) -> Task:
        """Give the photos their positions: one operation, undone as one."""
        from fieldkit.gui import operations

        def done(report: dict[str, Any]) -> None:
            self.show_report(report, applied=True)
            if report["tagged"] and self.win.undo_stack:
                self.applied_label = self.win.undo_stack[-1][0]
            self.undo_button.setEnabled(bool(report["tagged"]))

        return self.win.run_op(
            operations.geotag_photos,
            self._path(),
            float(self.gap.value()),
            label=tr("Positions from a track"),
            on_done=done,
            on_error=self._failed,
        )

    def undo(self) -> Task | None:
        """Take back this dialog's last Apply (when it is still the last edit)."""
        stack = self.win.undo_stack
        if not stack or stack[-1][0] != self.applied_label:
            self.summary.setText(
                tr("Other edits came after this one: use Edit → Undo for them first.")
            )
            return None
        self.undo_button.setEnabled(False)
        task = self.win.undo()
        self.summary.setText(tr("The positions from the track were taken back."))
        self.applied_label = None
        return task

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(tr("Nothing changed: {e}").format(e=exc))
        self.results.clear()

    def show_report(self, report: dict[str, Any], *, applied: bool) -> None:
        self.report = report
        t = report["track"]
        n = {k: len(report[k]) for k, _l in _GROUPS}
        verb = tr("got a position") if applied else tr("would get a position")
        self.summary.setText(
            tr(
                "Track: {fixes} fixes, {start} to {end}. {tagged} photo(s) {verb}; "
                "{outside} outside the track; {gap} between fixes more than {max} s apart; "
                "{none} without a UTC capture time; {already} already had a position."
            ).format(
                fixes=t.get("fixes"),
                start=t.get("start"),
                end=t.get("end"),
                tagged=n["tagged"],
                verb=verb,
                outside=n["outside_track"],
                gap=n["beyond_gap"],
                max=f"{report['max_gap_s']:g}",
                none=n["no_time"],
                already=report["already_positioned"],
            )
        )
        self.results.clear()
        for key, label in _GROUPS:
            items = report[key]
            top = QTreeWidgetItem([f"{tr(label)} ({len(items)})", ""])
            top.setData(0, Qt.ItemDataRole.UserRole, key)
            for item in items:
                name = item.get("file_name") or item["id"]
                if key == "tagged":
                    text = f"{item['lat']:.6f}, {item['lon']:.6f}  ±{item['accuracy_m']:g} m"
                else:
                    text = item.get("reason") or ""
                top.addChild(QTreeWidgetItem([str(name), text]))
            self.results.addTopLevelItem(top)
            top.setExpanded(key != "tagged" or len(items) <= 50)

    def group(self, key: str) -> list[tuple[str, ...]]:
        """The rows listed under one outcome (``tagged``, ``outside_track``, …)."""
        return tree_group_rows(self.results, key, Qt.ItemDataRole.UserRole)


def geotag_flow(win: MainWindow) -> GeotagDialog:
    dlg = GeotagDialog(win)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win.dialogs["geotag"] = dlg
    dlg.show()
    return dlg


__all__ = ["GeotagDialog", "geotag_flow"]
