"""The import operation: files found, prepared in a thread pool, recorded by the writer.

Decides how the stages run together (in file order, at most ``2 × workers`` files in
flight, cancellable), what a cancelled or disk-full import leaves (what finished stays;
bytes stored but never recorded are removed) and the clock corrections handed to the
metadata reader.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from fieldkit.atrest.database import SQL_ERRORS
from fieldkit.errors import DiskFull, FieldkitError, NotFound
from fieldkit.fsutil import display_path
from fieldkit.ingest.files import collect_files
from fieldkit.ingest.prepare import prepare_file
from fieldkit.ingest.report import MediaImportReport, Outcome, Prepared, Rejected
from fieldkit.ingest.writer import Writer
from fieldkit.metadata import CameraCorrection
from fieldkit.progress import CancelToken, ProgressFn, Throttle
from fieldkit.store import Store
from fieldkit.thumbnails import (
    THUMB_SIZE,
    thumbnail_path,
)


def camera_corrections(store: Store) -> list[CameraCorrection]:
    """The clock corrections the user entered (``camera`` records) for the metadata reader."""
    out = []
    for row in store.find("camera"):
        out.append(
            CameraCorrection(
                make=row.get("make"),
                model=row.get("model"),
                serial=row.get("serial"),
                clock_error_s=float(row.get("clock_error_s") or 0.0),
                utc_offset=row.get("utc_offset"),
                zone=row.get("zone"),
            )
        )
    return out


def default_workers() -> int:
    """Two per CPU, at most 8: workers wait on fsync and the disk as much as on the CPU."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def import_media(
    store: Store,
    paths: Sequence[Path],
    *,
    site_id: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    serial: bool = False,
    thumbnails: bool = True,
    fast_previews: bool = False,
) -> MediaImportReport:
    """Import files and folders into the store; returns what happened to each file.

    Raises before doing anything when a path does not exist or ``site_id`` names no site.
    Otherwise never raises for a bad file (it is rejected with a reason) nor for
    cancellation (``report.cancelled``): what finished stays, nothing is half-imported.
    ``serial`` does every step in the calling thread (tests, debugging).

    ``fast_previews``: a photo's embedded preview becomes its thumbnail and the full decode
    check (truncation, damage) is left pending for :func:`fieldkit.thumbnails.check_pending`,
    which the app runs in the background after the import; without it (the command line)
    every photo is decoded during the import and a broken one is warned in its record.
    """
    if site_id is not None:
        try:
            store.get(site_id, "site")
        except NotFound as exc:
            raise NotFound(f"--site: {exc}") from None
    files, rejected, skipped = collect_files([Path(p) for p in paths])
    report = MediaImportReport(rejected=rejected, skipped=skipped, total=len(files) + len(rejected))
    corrections = camera_corrections(store)
    writer = Writer(store, site_id, report)
    throttle = Throttle(progress)
    total = len(files)
    cache_dir = store.cache_dir

    def work(path: Path) -> Outcome:
        return prepare_file(
            path, store.media, cache_dir, corrections, thumbnails=thumbnails, fast=fast_previews
        )

    done = 0
    throttle(0, total, "")
    stop = _Stop(cancel, writer)
    if serial:
        for path in files:
            if stop.cancelled:
                report.cancelled = not writer.disk_full
                break
            writer.add(work(path))
            done += 1
            throttle(done, total, display_path(path.name))
    else:
        for outcome, path in _parallel(work, files, workers or default_workers(), stop):
            writer.add(outcome)
            done += 1
            throttle(done, total, display_path(path.name))
        report.cancelled = cancel is not None and cancel.cancelled and done < total
    writer.flush()
    if writer.disk_full:
        _remove_unrecorded(store, writer.unrecorded)
        missing = total - done + len(writer.unrecorded)
        raise DiskFull(
            f"disk full: {missing} files not imported; nothing half-made "
            f"({len(report.imported) + len(report.duplicates)} recorded before it filled)",
            report=report,
        )
    return report


class _Stop:
    """Cancelled by the user, or by a full disk (then no further file is started)."""

    def __init__(self, cancel: CancelToken | None, writer: Writer) -> None:
        self._cancel = cancel
        self._writer = writer

    @property
    def cancelled(self) -> bool:
        return self._writer.disk_full or (self._cancel is not None and self._cancel.cancelled)


def _remove_unrecorded(store: Store, outcomes: Sequence[Outcome]) -> None:
    """Remove what this import stored but never recorded: the originals it added new
    (unless a record now names them: another process may have stored the same bytes)
    and their thumbnails. Runs on the disk-full path, so it only frees space."""
    for outcome in outcomes:
        sha = outcome.sha256 if isinstance(outcome, Prepared) and outcome.new else None
        if isinstance(outcome, Rejected):
            sha = outcome.sha256
        if sha is None:
            continue
        with contextlib.suppress(OSError, FieldkitError, *SQL_ERRORS):
            thumbnail_path(store.cache_dir, sha, THUMB_SIZE, store.media.cipher).unlink(
                missing_ok=True
            )
            if store.find("media", where={"sha256": sha}, include_retracted=True, limit=1):
                continue
            path = store.media.path_of(sha)
            with contextlib.suppress(OSError):
                os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)  # Windows: read-only blocks unlink
            path.unlink(missing_ok=True)


def _parallel(
    work: Callable[[Path], Outcome],
    files: Sequence[Path],
    workers: int,
    cancel: CancelToken | _Stop | None,
) -> Iterator[tuple[Outcome, Path]]:
    """Results in file order, with at most ``2 × workers`` files in flight (flat memory)."""
    window = max(1, workers * 2)
    pending: deque[tuple[Future[Outcome], Path]] = deque()
    todo = iter(files)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldkit-import") as pool:
        try:
            while True:
                while len(pending) < window and not (cancel is not None and cancel.cancelled):
                    path = next(todo, None)
                    if path is None:
                        break
                    pending.append((pool.submit(work, path), path))
                if not pending:
                    return
                future, path = pending.popleft()
                if cancel is not None and cancel.cancelled and future.cancel():
                    continue  # never started: nothing of it exists
                yield future.result(), path
        finally:
            # On cancellation or an error in the writer, files not started are dropped;
            # those running finish storing their bytes (harmless without a record).
            for future, _ in pending:
                future.cancel()
