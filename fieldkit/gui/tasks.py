"""Running long work off the UI thread: one writer thread with its own Store.

Like Anki's ``CollectionOp``: the UI hands a plain core function to :class:`TaskRunner`,
which runs it on a single worker thread holding its own SQLite connection (one
connection per thread; one writer). Progress and the result come back to the UI
thread as signals; the worker never touches a widget. ``Cancelled`` is a normal end.

``serial=True`` runs each task at once on the calling thread with the caller's Store:
tests use it so a click's effect is visible as soon as the click returns.
"""

from __future__ import annotations

import itertools
import queue
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from fieldkit.errors import Cancelled
from fieldkit.progress import CancelToken, Throttle


@dataclass
class Task:
    """One piece of work; the UI keeps it to cancel it or to know it ended."""

    id: int
    label: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    needs_store: bool
    progress: bool
    cancel: CancelToken = field(default_factory=CancelToken)
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    on_progress: Callable[[int, int, str], None] | None = None
    finished: bool = False


class _Worker(QThread):
    """The writer thread: takes tasks from a queue, runs them with its own Store."""

    progressed = Signal(int, int, int, str)  # task id, done, total, message
    succeeded = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, home: Path | None) -> None:
        super().__init__()
        self.home = home
        self.jobs: queue.Queue[Task | None] = queue.Queue()
        self._store: Any = None

    def run(self) -> None:
        while True:
            task = self.jobs.get()
            if task is None:
                break
            try:
                result = _execute(task, self._get_store, self._emit_progress(task))
            except BaseException as exc:
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                self.failed.emit(task.id, exc)
            else:
                self.succeeded.emit(task.id, result)
        if self._store is not None:
            self._store.close()
            self._store = None

    def _get_store(self) -> Any:
        if self._store is None:
            from fieldkit.store import Store

            if self.home is None:
                raise RuntimeError("this task needs a store and none is open")
            self._store = Store.open(self.home)
        return self._store

    def _emit_progress(self, task: Task) -> Callable[[int, int, str], None]:
        def emit(done: int, total: int, message: str = "") -> None:
            self.progressed.emit(task.id, done, total, message)

        return Throttle(emit, 0.1)


def _execute(task: Task, get_store: Callable[[], Any], progress: Callable[..., None]) -> Any:
    kwargs = dict(task.kwargs)
    if task.progress:
        kwargs.setdefault("progress", progress)
        kwargs.setdefault("cancel", task.cancel)
    task.cancel.check()
    if task.needs_store:
        return task.fn(get_store(), *task.args, **kwargs)
    return task.fn(*task.args, **kwargs)


class TaskRunner(QObject):
    """Runs tasks one at a time on the writer thread (or at once, in serial mode)."""

    task_started = Signal(object)
    task_finished = Signal(object)  # emitted after the task's own callback ran
    progress_changed = Signal(object, int, int, str)

    def __init__(
        self, home: Path | None, *, serial: bool = False, store: Any = None, parent=None
    ) -> None:
        super().__init__(parent)
        self.serial = serial
        self.home = home
        self._store = store  # the UI's Store, used in serial mode only
        self._ids = itertools.count(1)
        self._tasks: dict[int, Task] = {}
        self._worker: _Worker | None = None
        if not serial:
            self._worker = _Worker(home)
            self._worker.progressed.connect(self._on_progress)
            self._worker.succeeded.connect(self._on_succeeded)
            self._worker.failed.connect(self._on_failed)
            self._worker.start()

    # -- public -------------------------------------------------------------------------

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        label: str = "",
        needs_store: bool = True,
        progress: bool = False,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Queue ``fn(store, *args, **kwargs)`` (``fn(*args, …)`` without ``needs_store``).

        With ``progress=True`` the function also gets ``progress=`` and ``cancel=``.
        Exactly one of ``on_done``, ``on_error``, ``on_cancelled`` is called, on the UI
        thread. Without ``on_error`` an error is re-raised in serial mode and printed
        otherwise (the window installs a default that shows it).
        """
        task = Task(
            next(self._ids),
            label,
            fn,
            args,
            kwargs,
            needs_store,
            progress,
            on_done=on_done,
            on_error=on_error,
            on_cancelled=on_cancelled,
            on_progress=on_progress,
        )
        self._tasks[task.id] = task
        self.task_started.emit(task)
        if self._worker is None:
            try:
                result = _execute(task, self._serial_store, self._serial_progress(task))
            except BaseException as exc:
                self._on_failed(task.id, exc)
            else:
                self._on_succeeded(task.id, result)
        else:
            self._worker.jobs.put(task)
        return task

    def busy(self) -> bool:
        return any(not t.finished for t in self._tasks.values())

    def set_home(self, home: Path) -> None:
        """Point the worker at a (new) store; only while idle."""
        self.home = home
        if self._worker is not None:
            self._worker.home = home

    def set_store(self, store: Any) -> None:
        self._store = store

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel what is queued, let the running task end, stop the thread."""
        for t in self._tasks.values():
            t.cancel.cancel()
        if self._worker is not None and self._worker.isRunning():
            self._worker.jobs.put(None)
            self._worker.wait(timeout_ms)
        self._worker = None

    # -- internals ----------------------------------------------------------------------

    def _serial_store(self) -> Any:
        if self._store is None:
            from fieldkit.store import Store

            if self.home is None:
                raise RuntimeError("this task needs a store and none is open")
            self._store = Store.open(self.home)
        return self._store

    def _serial_progress(self, task: Task) -> Callable[[int, int, str], None]:
        def emit(done: int, total: int, message: str = "") -> None:
            self._on_progress(task.id, done, total, message)

        return emit

    def _on_progress(self, task_id: int, done: int, total: int, message: str) -> None:
        task = self._tasks.get(task_id)
        if task is None or task.finished:
            return
        if task.on_progress is not None:
            task.on_progress(done, total, message)
        self.progress_changed.emit(task, done, total, message)

    def _finish(self, task_id: int) -> Task | None:
        task = self._tasks.pop(task_id, None)
        if task is not None:
            task.finished = True
        return task

    def _on_succeeded(self, task_id: int, result: Any) -> None:
        task = self._finish(task_id)
        if task is None:
            return
        try:
            if task.on_done is not None:
                task.on_done(result)
        finally:
            self.task_finished.emit(task)

    def _on_failed(self, task_id: int, exc: BaseException) -> None:
        task = self._finish(task_id)
        if task is None:
            return
        try:
            if isinstance(exc, Cancelled):
                if task.on_cancelled is not None:
                    task.on_cancelled()
            elif task.on_error is not None:
                task.on_error(exc)
            elif self.serial:
                raise exc
            else:
                text = getattr(exc, "__traceback_text__", repr(exc))
                print(f"fieldkit: task {task.label!r} failed:\n{text}")
        finally:
            self.task_finished.emit(task)
