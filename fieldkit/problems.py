"""One shape for "what is wrong": every report (bag, chain, merge, media) lists these.

A :class:`Problem` has a ``code`` (a short, stable, machine-readable name: ``checksum``,
``gap``, ``unsafe-path``, ``rejected``…), a ``message`` for a person, and the fields that
say where: ``path`` (a file in a bag, or a file on disk), ``device`` and ``seq`` (an event
of a device's chain). ``--json`` reports give every problem as :meth:`Problem.to_json`:
all five keys, ``null`` where a field does not apply, so a reader never guesses keys.

Paths and messages may hold text from a hostile bundle or file: show them through
:func:`fieldkit.safetext.escape` (the CLI and the GUI do), never raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where, and what a person should know about it."""

    code: str
    message: str
    path: str | None = None
    device: str | None = None
    seq: int | None = None

    @property
    def where(self) -> str:
        """The place, for a person: the path, else ``device D seq N``, else ``""``."""
        if self.path is not None:
            return self.path
        if self.device is not None:
            return f"device {self.device}" + (f" seq {self.seq}" if self.seq is not None else "")
        return ""

    def to_json(self) -> dict[str, Any]:
        """``{"code", "message", "path", "device", "seq"}``, every key always present."""
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "device": self.device,
            "seq": self.seq,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Problem:
        """The inverse of :meth:`to_json` (a report read back from a file)."""
        seq = doc.get("seq")
        return cls(
            code=str(doc["code"]),
            message=str(doc["message"]),
            path=None if doc.get("path") is None else str(doc["path"]),
            device=None if doc.get("device") is None else str(doc["device"]),
            seq=seq if isinstance(seq, int) else None,
        )

    def __str__(self) -> str:
        where = self.where
        return (
            f"{where}: {self.message} [{self.code}]" if where else f"{self.message} [{self.code}]"
        )
