"""Progress reporting and cooperative cancellation for long operations.

A long operation is a plain function taking keyword-only ``progress=`` (a callable
``(done, total, message)``) and ``cancel=`` (a :class:`CancelToken`). The GUI runs it on a
worker thread; the CLI shows a terminal bar. Both ends are optional.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from fieldkit.errors import Cancelled

ProgressFn = Callable[[int, int, str], None]


class CancelToken:
    """Set from any thread; the operation checks it between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


def check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


class Throttle:
    """Forwards progress at most every ``interval`` seconds, and always the last step."""

    def __init__(self, progress: ProgressFn | None, interval: float = 0.1) -> None:
        self._progress = progress
        self._interval = interval
        self._last = 0.0

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if done >= total or now - self._last >= self._interval:
            self._last = now
            self._progress(done, total, message)
