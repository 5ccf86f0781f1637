"""Photos from the window: importing files and folders, asking where they belong, the
background decode check, the viewer, a photo's position for its site, camera clocks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from fieldkit.gui import operations
from fieldkit.gui.dialogs import Prompts, import_summary
from fieldkit.gui.i18n import tr
from fieldkit.gui.operations import Changes
from fieldkit.gui.placement import PlaceDialog, Placement, import_for_placement
from fieldkit.gui.redaction import open_redactions
from fieldkit.gui.tasks import Task
from fieldkit.gui.viewer import CameraDialog, PhotoViewer
from fieldkit.thumbnails import check_pending, has_pending_checks, pending_checks

if TYPE_CHECKING:
    from fieldkit.gui.window.parts import WindowParts as _Parts
else:
    _Parts = object


#: The pause between the steps of :meth:`PhotoActions._in_steps` (ms).
_STEP_MS = 1

#: Photos checked per task of the background decode check.
CHECK_PIECE = 20


class _BrokenNotice(QObject):
    """Carries "this photo cannot be decoded" from the check on the writer thread to the
    status bar, as soon as it is found."""

    found = Signal(str)


class PhotoActions(_Parts):
    """Part of :class:`fieldkit.gui.mainwindow.MainWindow` (a mixin)."""

    def import_photos(self) -> None:
        paths = Prompts.open_paths(self, tr("Import photos"))
        if paths:
            self.import_paths(paths)  # where they belong is asked, not assumed

    def import_folder(self) -> None:
        folder = Prompts.open_folder(self, tr("Import a folder of photos"))
        if folder is not None:
            self.import_paths([folder])

    def import_paths(self, paths: list[Path], site_id: str | None = None) -> Task | None:
        """Import files and folders on the writer thread, linking nothing; then ask where
        the photos belong (``site_id`` preselected, e.g. the row they were dropped on)."""
        site = self.store.get(site_id)["name"] if site_id else None
        label = tr("Importing for {site}").format(site=site) if site else tr("Importing")

        def done(placement: Placement) -> None:
            # The full summary (every file, the raw report) is built when asked for:
            # for hundreds of photos it is thousands of rows.
            self._import_doc = placement.report
            self.last_report = None
            if not placement.photos or placement.report.get("cancelled"):
                self._open_last_report()
            # After a cancelled import the check waits for the next one (it resumes then);
            # the worker counted what is pending, so the UI thread lists no folder.
            if placement.unchecked:
                self.check_photos()
            if placement.photos:
                self.ask_placement(placement, site_id, staged=not self.runner.serial)

        def cancelled() -> None:
            self.statusBar().showMessage(tr("Import cancelled"), 5000)
            self.apply_changes(Changes(frozenset({"media"})))

        # Not submit(): the import links nothing, so no view but the counts changes yet.
        self._import_task = self.runner.run(
            import_for_placement,
            [Path(p) for p in paths],
            fast_previews=True,
            progress=True,
            label=label,
            on_done=done,
            on_error=self.show_error,
            on_cancelled=cancelled,
        )
        return self._import_task

    def ask_placement(
        self, placement: Placement, site_id: str | None, *, staged: bool = False
    ) -> PlaceDialog | None:
        """Ask where the photos of ``placement`` belong (:class:`PlaceDialog`); returns
        the dialog, open. ``staged`` (after an import on the writer thread): build it,
        polish and lay it out, and show it in three later turns of the event loop, each
        a short piece of the UI thread's time with the window answering in between;
        returns None, and the dialog is ``dialogs["place"]`` once it is open."""
        if not staged:
            dlg = self._placement_dialog(placement, site_id)
            self._show_placement(dlg)
            return dlg
        made: list[PlaceDialog] = []

        def prepare() -> None:
            dlg = made[0]
            dlg.ensurePolished()  # the style sheet, for every child: not in show()'s turn
            layout = dlg.layout()
            if layout is not None:
                layout.activate()

        self._in_steps(
            [
                lambda: made.append(self._placement_dialog(placement, site_id)),
                prepare,
                lambda: self._show_placement(made[0]),
            ],
            abandoned=lambda: self._discard(made),
        )
        return None

    @staticmethod
    def _discard(dialogs: list[PlaceDialog]) -> None:
        for dlg in dialogs:
            dlg.deleteLater()

    def _in_steps(self, steps: list[Callable[[], Any]], abandoned: Callable[[], Any]) -> None:
        """Run ``steps`` one per turn of the event loop, each from a timer (not a posted
        call, so whatever else is due runs between them: a repaint, a click, the window's
        own layout); ``abandoned()`` instead of the rest once the window has closed."""

        def run(i: int) -> None:
            if not self.isVisible():
                abandoned()
                return
            steps[i]()
            if i + 1 < len(steps):
                QTimer.singleShot(_STEP_MS, self, lambda: run(i + 1))

        QTimer.singleShot(_STEP_MS, self, lambda: run(0))

    def _placement_dialog(self, placement: Placement, site_id: str | None) -> PlaceDialog:
        case_id = self.current_case_id
        if case_id is None and site_id:
            case_id = placement.sites.get(site_id, {}).get("case_id")
        if case_id is None:
            first = self.store.find("case", limit=1)
            case_id = first[0]["id"] if first else None
        dlg = PlaceDialog(self, placement, site_id=site_id, case_id=case_id)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def placed(where: dict[str, list[str]], new: list[Any]) -> None:
            if not where and not new:
                return
            self.run_op(operations.file_photos, where, new, label=tr("Filing photos"))

        dlg.placed.connect(placed)
        dlg.details_requested.connect(self._open_last_report)
        return dlg

    def _show_placement(self, dlg: PlaceDialog) -> None:
        self.dialogs["place"] = dlg
        dlg.open()

    def check_photos(self, _so_far: dict[str, int] | None = None) -> Task:
        """The full decode check of photos imported with their embedded preview, in the
        background (fieldkit.thumbnails.check_pending); a broken photo shows at once.

        Runs as a chain of short tasks (:data:`CHECK_PIECE` photos each) on the writer
        thread, so that what the user does meanwhile (filing the photos, saving a form)
        waits for one piece, never for the whole check. Cancel stops the chain."""
        so_far = _so_far if _so_far is not None else {"checked": 0, "broken": 0, "total": 0}
        notice = _BrokenNotice(self)  # lives on the UI thread: the worker's report queues
        notice.found.connect(
            lambda name: self.statusBar().showMessage(
                tr("Cannot be decoded: {name}").format(name=name), 10000
            )
        )

        def on_problem(row: dict[str, Any], reason: str) -> None:
            # Called on the writer thread; not through the progress, which is throttled.
            notice.found.emit(str(row.get("file_name") or row.get("sha256") or ""))

        def piece(store: Any, *, progress: Any, cancel: Any) -> dict[str, Any]:
            if not so_far["total"]:
                so_far["total"] = len(pending_checks(store))
            offset = so_far["checked"]

            def whole_check(done: int, total: int, message: str) -> None:
                progress(offset + done, max(so_far["total"], offset + total), message)

            return check_pending(
                store, whole_check, cancel, on_problem=on_problem, limit=CHECK_PIECE
            )

        def done(report: dict[str, Any]) -> None:
            notice.deleteLater()
            so_far["checked"] += report["checked"]
            so_far["broken"] += len(report.get("broken") or [])
            so_far["total"] = so_far["checked"] + report["remaining"]
            if report["remaining"] and report["checked"] and not report["cancelled"]:
                self.check_photos(so_far)
                return
            self.apply_changes(Changes(frozenset({"media"})))  # once, at the end
            if so_far["broken"]:
                self.statusBar().showMessage(
                    tr("{n} photo(s) cannot be decoded: see their warnings").format(
                        n=so_far["broken"]
                    ),
                    10000,
                )

        return self.runner.run(
            piece,
            label=tr("Checking photos"),
            progress=True,
            on_done=done,
            on_error=self.show_error,
        )

    def check_photos_left_pending(self) -> Task | None:
        """When the store opens: the photos whose check an earlier session did not finish
        (the app closed or the import was cancelled first) are checked in the background."""
        if self.runner.busy() or not has_pending_checks(self.store):
            return None
        return self.check_photos()

    def open_photo(self, media_id: str) -> PhotoViewer:
        old = self.dialogs.get("viewer")
        if isinstance(old, PhotoViewer):
            with contextlib.suppress(RuntimeError):
                old.close()
        viewer = PhotoViewer(self, self.store, media_id, self.current_site_id)
        viewer.use_position.connect(self.use_photo_position)
        viewer.redact.connect(lambda mid: open_redactions(self, mid, parent=viewer))
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["viewer"] = viewer
        viewer.open()
        return viewer

    def _open_last_report(self) -> None:
        if self.last_report is None and self._import_doc is not None:
            self.last_report = import_summary(self, self._import_doc)
        if self.last_report is not None:
            self.last_report.open()

    def use_photo_position(self, site_id: str, media_id: str) -> Task | None:
        """The photo's position for the site: latitude, longitude, altitude, accuracy and
        source (a photo's exif, a video's quicktime) together. Asks first when the site
        already has a position from another source, saying how far apart they are."""
        if (
            site_id == self.current_site_id
            and self.details.dirty
            and not self._confirm_leave(self.details)
        ):
            return None
        from fieldkit.gui.placement_model import distance_text
        from fieldkit.suggest import haversine_m

        site = self.store.get(site_id, "site")
        m = self.store.get(media_id, "media")
        if m.get("lat") is None:
            return None
        position = {
            "lat": m["lat"],
            "lon": m["lon"],
            "alt": m.get("alt"),
            "position_accuracy_m": m.get("position_accuracy_m"),
            "position_source": m.get("position_source") or "exif",  # a video: quicktime
        }
        if site.get("lat") is not None and (
            site.get("position_source") != position["position_source"]
            or (site["lat"], site["lon"]) != (m["lat"], m["lon"])
        ):
            far = haversine_m(site["lat"], site["lon"], m["lat"], m["lon"])
            source = site.get("position_source") or tr("unknown")
            ok = Prompts.confirm(
                self,
                tr("Replace the site's position?"),
                tr(
                    "“{site}” already has a position ({source}). The photo {photo} was taken "
                    "{far} from it. Replace it with the photo's GPS position, altitude and "
                    "accuracy?"
                ).format(
                    site=site["name"],
                    source=tr(source),
                    photo=m.get("file_name") or "",
                    far=distance_text(far),
                ),
            )
            if not ok:
                return None

        def done(_rec: dict[str, Any]) -> None:
            self.statusBar().showMessage(tr("Position set from the photo"), 5000)

        return self.run_op(
            operations.set_position, site_id, position, label=tr("Saving"), on_done=done
        )

    def open_cameras(self) -> CameraDialog:
        dlg = CameraDialog(self, self.store, self.submit)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs["cameras"] = dlg
        dlg.open()
        return dlg
