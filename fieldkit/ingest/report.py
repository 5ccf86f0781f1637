"""What an import did, and what a worker hands the writer.

Decides the shape of the import's result (:class:`MediaImportReport`, file by file) and of
the outcome of one file (:class:`Prepared` or :class:`Rejected`), the types the stages of
the pipeline share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fieldkit.problems import Problem

# --- the report --------------------------------------------------------------------------


@dataclass
class MediaImportReport:
    """What an import did, file by file. ``cancelled`` means the user stopped it early."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)  # code "rejected", path, message
    skipped: list[Problem] = field(default_factory=list)  # code "skipped": junk, links out
    cancelled: bool = False
    total: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [p.to_json() for p in self.rejected],
            "skipped": [p.to_json() for p in self.skipped],
            "cancelled": self.cancelled,
            "total": self.total,
            "counts": {
                "imported": len(self.imported),
                "duplicates": len(self.duplicates),
                "rejected": len(self.rejected),
                "skipped": len(self.skipped),
                "with_warnings": sum(1 for i in self.imported if i["warnings"]),
            },
        }


# --- what a worker hands the writer ------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A file stored in the media store with the fields of its record (no database yet)."""

    path: str
    sha256: str
    fields: dict[str, Any]
    warnings: tuple[str, ...]
    new: bool = True  # its bytes were stored by this import (removed if never recorded)


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str
    disk_full: bool = False  # the disk filled while storing it: the import stops
    sha256: str | None = None  # bytes stored new before the disk filled (to remove)


Outcome = Prepared | Rejected
