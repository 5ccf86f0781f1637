"""Where FieldKit meets Pillow: its warnings captured per file, orientation applied by ours.

Pillow reports damage it works around ("Corrupt EXIF data", "Tag data larger than file")
through :mod:`warnings`, which prints them on standard error with no file name and out of
reach of the file's own ``warnings``. :func:`captured_warnings` collects them for the
current thread instead, so each file's report says what Pillow met in *that* file, and a
worker thread's warnings never land in another file's report.

EXIF orientation is decided once, by FieldKit's reader (:mod:`fieldkit.metadata.reading`);
:func:`apply_orientation` turns the tag value into pixels. Pillow's ``exif_transpose`` is
not used: it re-parses the EXIF, and on an EXIF it cannot parse (a HEIF Exif item without
its header offset) it raised, which made a decodable photo look undecodable.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image as PILImage

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


#: EXIF Orientation (Exif 2.32 §4.6.4 A, tag 0x0112) → the Pillow transpositions that make
#: the image upright, in order.
_ORIENTATION_STEPS: dict[int, tuple[str, ...]] = {
    2: ("FLIP_LEFT_RIGHT",),
    3: ("ROTATE_180",),
    4: ("FLIP_TOP_BOTTOM",),
    5: ("TRANSPOSE",),
    6: ("ROTATE_270",),
    7: ("TRANSVERSE",),
    8: ("ROTATE_90",),
}


#: Formats whose decoder already applies the container's own rotation and mirroring
#: (HEIF 'irot'/'imir', ISO/IEC 23008-12 §6.5.10): their EXIF Orientation describes the
#: stored pixels before that and must not be applied a second time (pillow-heif sets it
#: to 1 for the same reason).
_SELF_ORIENTING = frozenset({"HEIF", "AVIF"})


def apply_orientation(im: PILImage.Image, orientation: int | None) -> PILImage.Image:
    """``im`` turned upright for an EXIF Orientation value (1 or None: unchanged).

    A HEIF/AVIF image decoded by pillow-heif is already upright and is returned as is.
    """
    from PIL import Image

    if im.format in _SELF_ORIENTING:
        return im
    for step in _ORIENTATION_STEPS.get(orientation or 1, ()):
        im = im.transpose(getattr(Image.Transpose, step))
    return im


def orientation_of(path: Path) -> int | None:
    """The EXIF Orientation FieldKit's reader finds in a file (None if none or unreadable)."""
    from fieldkit.metadata.reading import read_metadata

    try:
        with open(path, "rb") as fh:
            return read_metadata(fh).orientation
    except OSError:
        return None
