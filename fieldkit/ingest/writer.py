"""The single writer: records the prepared files in batches of transactions.

Decides when a batch is committed (:data:`BATCH_FILES` files or :data:`BATCH_SECONDS`),
what a duplicate is (the same bytes already recorded: linked, not stored twice) and what
happens when the disk fills (the batch is rolled back and the import stops). The only part
of an import that touches the database.
"""

from __future__ import annotations

import time
from typing import Any

from fieldkit.atrest.database import OPERATIONAL_ERRORS
from fieldkit.errors import ValidationError
from fieldkit.fsutil import is_disk_full
from fieldkit.ingest.report import MediaImportReport, Outcome, Prepared, Rejected
from fieldkit.problems import Problem
from fieldkit.store import Store

#: Commit after this many files ...
BATCH_FILES = 50
#: ... or after this many seconds, whichever comes first.
BATCH_SECONDS = 0.5


class Writer:
    """Records prepared files in batches; only this object touches the database."""

    def __init__(self, store: Store, site_id: str | None, report: MediaImportReport) -> None:
        self.store = store
        self.site_id = site_id
        self.report = report
        self.pending: list[Outcome] = []
        self.started = time.monotonic()
        self.disk_full = False
        self.unrecorded: list[Outcome] = []  # stored or tried, never recorded (disk full)

    def add(self, outcome: Outcome) -> None:
        if self.disk_full:
            self.unrecorded.append(outcome)
            return
        self.pending.append(outcome)
        if isinstance(outcome, Rejected) and outcome.disk_full:
            self.flush()  # commit what came before it; stop here
        elif len(self.pending) >= BATCH_FILES or time.monotonic() - self.started >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        self.started = time.monotonic()
        if not batch:
            return
        try:
            self._commit(batch)
        except (OSError, *OPERATIONAL_ERRORS) as exc:  # type: ignore[misc]
            if not is_disk_full(exc):
                raise
            # The transaction was rolled back: nothing of this batch is recorded.
            self.unrecorded.extend(batch)
            self.disk_full = True

    def _commit(self, batch: list[Outcome]) -> None:
        if any(isinstance(o, Rejected) and o.disk_full for o in batch):
            self.disk_full = True
        imported: list[dict[str, Any]] = []
        duplicates: list[dict[str, Any]] = []
        rejected: list[Problem] = []
        with self.store.transaction():
            for outcome in batch:
                if isinstance(outcome, Rejected) and outcome.disk_full:
                    self.unrecorded.append(outcome)
                    continue
                if isinstance(outcome, Rejected):
                    rejected.append(Problem("rejected", path=outcome.path, message=outcome.reason))
                    continue
                existing = self.store.find(
                    "media", where={"sha256": outcome.sha256}, include_retracted=True, limit=1
                )
                if existing:
                    record = existing[0]
                    entry = {"path": outcome.path, "id": record["id"], "sha256": outcome.sha256}
                    if record["retracted"]:
                        entry["note"] = "the existing record is retracted; not linked"
                    elif self.site_id:
                        self.store.link(record["id"], self.site_id)
                    duplicates.append(entry)
                    continue
                record = self._create(outcome)
                if self.site_id:
                    self.store.link(record["id"], self.site_id)
                imported.append(
                    {
                        "path": outcome.path,
                        "id": record["id"],
                        "sha256": outcome.sha256,
                        "warnings": record.get("warnings") or [],
                    }
                )
        # Only what is committed goes into the report.
        self.report.imported.extend(imported)
        self.report.duplicates.extend(duplicates)
        self.report.rejected.extend(rejected)

    def _create(self, outcome: Prepared) -> dict[str, Any]:
        try:
            return self.store.create("media", outcome.fields)
        except ValidationError as exc:
            # Nothing was written for this record (validation precedes the append); keep
            # the evidence with the fields that cannot be wrong.
            minimal: dict[str, Any] = {
                k: outcome.fields[k]
                for k in ("sha256", "file_name", "file_name_bytes", "size", "mime")
                if k in outcome.fields
            }
            minimal["warnings"] = [*outcome.warnings, f"metadata not recorded: {exc}"]
            return self.store.create("media", minimal)
