"""Running work from the window: named operations (:mod:`fieldkit.gui.operations`) and
long tasks on the writer thread, Edit → Undo, and the status bar's progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fieldkit.gui import operations
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.operations import OpResult
from fieldkit.gui.tasks import Task

if TYPE_CHECKING:
    from fieldkit.gui.window.parts import WindowParts as _Parts
else:
    _Parts = object


class Running(_Parts):
    """Part of :class:`fieldkit.gui.mainwindow.MainWindow` (a mixin)."""

    def run_op(
        self,
        op: Callable[..., OpResult],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Task:
        """Run a named operation on the writer thread; then keep its undo steps, call
        ``on_done(value)`` and refresh what its :class:`Changes` touch."""

        def done(result: OpResult) -> None:
            if result.undo:
                self.undo_stack.append((result.label, result.undo))
                del self.undo_stack[:-50]
            self._update_undo()
            if on_done is not None:
                on_done(result.value)
            self.apply_changes(result.changes)

        return self.runner.run(
            op, *args, label=label, on_done=done, on_error=on_error or self.show_error
        )

    def undo(self) -> Task | None:
        """Edit → Undo: take back the last operation of this session as new events."""
        if not self.undo_stack:
            return None
        label, steps = self.undo_stack[-1]

        def done(_ids: Any) -> None:
            if self.undo_stack and self.undo_stack[-1][1] is steps:
                self.undo_stack.pop()
            self._update_undo()
            self.statusBar().showMessage(tr("Undone: {what}").format(what=label), 5000)

        def failed(exc: BaseException) -> None:
            if self.undo_stack and self.undo_stack[-1][1] is steps:
                self.undo_stack.pop()  # it cannot be taken back any more
            self._update_undo()
            self.show_error(exc)

        return self.run_op(
            operations.undo, steps, label, label=tr("Undoing"), on_done=done, on_error=failed
        )

    def _update_undo(self) -> None:
        act = self.actions_by_name["undo"]
        act.setEnabled(bool(self.undo_stack))
        act.setText(
            tr("&Undo {what}").format(what=self.undo_stack[-1][0])
            if self.undo_stack
            else tr("&Undo")
        )
        act.setIconText(tr("Undo"))  # the toolbar stays short; the menu says what

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run long work (an import, an export, a bundle merge) on the writer thread;
        afterwards every view re-reads (it may have changed anything)."""

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            self.after_write()

        return self.runner.run(
            fn, *args, label=label, on_done=done, on_error=on_error or self.show_error, **kwargs
        )

    def show_error(self, exc: BaseException) -> None:
        Prompts.error(self, tr("FieldKit"), str(exc))

    def _task_started(self, task: Task) -> None:
        if task.progress:
            self.task_label.setText(task.label)
            self.progress.setRange(0, 0)
            self.progress.show()
            self.cancel_button.show()
            self._progress_task = task

    def _task_progress(self, task: Task, done: int, total: int, message: str) -> None:
        if not task.progress:
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} / {total}")
        self.progress.setToolTip(message)

    def _task_finished(self, task: Task) -> None:
        if task.progress and not self.runner.busy():
            self.progress.hide()
            self.cancel_button.hide()
            self.task_label.setText("")

    def cancel_task(self) -> None:
        task = getattr(self, "_progress_task", None)
        if task is not None:
            task.cancel.cancel()
            self.task_label.setText(tr("Cancelling…"))

    def after_write(self) -> None:
        self.refresh_lists()
        if self.current_site_id and not self.any_dirty():
            self.show_site(self.current_site_id)
        self.store_changed.emit()
