"""Pillow's warnings, captured per file instead of printed on standard error.

Pillow reports damage it works around ("Corrupt EXIF data", "Tag data larger than file")
through :mod:`warnings`, which prints them on standard error with no file name and out of
reach of the file's own ``warnings``. :func:`captured_warnings` collects them for the
current thread instead, so each file's report says what Pillow met in *that* file, and a
worker thread's warnings never land in another file's report.

"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_local = threading.local()
_install_lock = threading.Lock()
_previous: Any = None
#: Warnings raised from these modules are always delivered (never "once per location"), so
#: the second damaged file's warning is not swallowed by the first one's.
_MODULES = r"(PIL|pillow_heif|fieldkit)(\.|$)"


def _route(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    sink = getattr(_local, "sink", None)
    if sink is not None:
        text = " ".join(str(message).split())[:300]
        if text not in sink:
            sink.append(text)
        return
    if _previous is not None:
        _previous(message, category, filename, lineno, file, line)


def _install() -> None:
    global _previous
    with _install_lock:
        if warnings.showwarning is not _route:
            _previous = warnings.showwarning
            warnings.showwarning = _route
        if not any(
            f[0] == "always" and getattr(f[3], "pattern", None) == _MODULES
            for f in warnings.filters
        ):
            warnings.filterwarnings("always", module=_MODULES)


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collects the warnings raised in this thread inside the block, as text.

    Usage: ``with captured_warnings() as caught: Image.open(...)``; afterwards ``caught``
    holds each distinct message (whitespace collapsed, at most 300 characters). Nested
    blocks each get their own list. Warnings from other threads are not collected here.
    """
    _install()
    sink: list[str] = []
    outer = getattr(_local, "sink", None)
    _local.sink = sink
    try:
        yield sink
    finally:
        _local.sink = outer
