"""Reading a bag's payload once: every file hashed, journals parsed from the same blocks.

A folder's plain files are hashed by a small thread pool (hashlib releases the GIL), one
file per worker at a time, so memory stays flat; a zip (one stream) and ``serial=True``
read everything on the calling thread, in order, and give the same outcomes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass

from fieldkit.bundle.bag import (
    CHECKPOINT_FILE,
    JOURNAL_DIR,
    JOURNAL_FILE,
    MAX_CHECKPOINTS_BYTES,
    MAX_DEVICES_JSON,
)
from fieldkit.bundle.journals import JournalFile
from fieldkit.bundle.sources import FolderSource, Source
from fieldkit.bundle.zippolicy import ZipReadError
from fieldkit.canonical import loads_bounded
from fieldkit.progress import CancelToken, Throttle, check_cancel


@dataclass
class Outcome:
    """What reading one payload file gave: its hash or why it could not be read."""

    digest: str | None = None
    error: str | None = None
    journal: JournalFile | None = None
    held: bytes | None = None  # a checkpoints file or devices.json, when within limit
    held_size: int = 0
    limit: int = 0  # nonzero for the files whose bytes are kept


class Stopped(Exception):
    """Raised in a hashing worker when the verification ends early (cancel, an error)."""


def hash_workers() -> int:
    return min(4, os.cpu_count() or 1)


def wanted_seqs(checkpoints: bytes | None) -> set[int]:
    """The sequence numbers a checkpoints file names; malformed content names none.

    Only a hint of which event hashes to remember: the file itself is judged in full
    by :func:`check_journals`, which never looks up a seq this function did not list.
    """
    if checkpoints is None:
        return set()
    try:
        items = loads_bounded(checkpoints)
    except (UnicodeDecodeError, ValueError):
        return set()
    if not isinstance(items, list):
        return set()
    return {
        cp["seq"]
        for cp in items
        if isinstance(cp, dict)
        and isinstance(cp.get("seq"), int)
        and not isinstance(cp["seq"], bool)
    }


def is_parsed(rel: str) -> bool:
    """A file whose bytes are looked at, not only hashed: journals, checkpoints, devices."""
    return bool(
        JOURNAL_FILE.match(rel)
        or CHECKPOINT_FILE.match(rel)
        or rel == f"{JOURNAL_DIR}/devices.json"
    )


def read_parsed(
    source: Source,
    rel: str,
    outcomes: dict[str, Outcome],
    on_block: Callable[[int], None],
) -> Outcome:
    """Hash a journal, checkpoints or devices file, parsing or keeping it from the same blocks."""
    outcome = Outcome()
    jm = JOURNAL_FILE.match(rel)
    if jm:
        device = jm.group(1)
        # The device's checkpoints file sorts (and so is read) before its journal.
        cp = outcomes.get(f"{JOURNAL_DIR}/{device}.checkpoints.json")
        outcome.journal = JournalFile(rel, device, wanted_seqs(cp.held) if cp else None)
    else:
        outcome.limit = MAX_CHECKPOINTS_BYTES if CHECKPOINT_FILE.match(rel) else MAX_DEVICES_JSON
    jf = outcome.journal
    held: list[bytes] = []
    digest = hashlib.sha256()
    try:
        for block in source.read_blocks(rel):
            digest.update(block)
            on_block(len(block))
            if jf is not None:
                jf.feed(block)
            else:
                outcome.held_size += len(block)
                if outcome.held_size <= outcome.limit:
                    held.append(block)
    except (OSError, ZipReadError) as exc:
        return Outcome(error=str(exc))
    outcome.digest = digest.hexdigest()
    if jf is None and outcome.held_size <= outcome.limit:
        outcome.held = b"".join(held)
    return outcome


def hash_plain(source: Source, rel: str, on_block: Callable[[int], None]) -> Outcome:
    try:
        return Outcome(digest=source.hash_file(rel, on_block))
    except (OSError, ZipReadError) as exc:
        return Outcome(error=str(exc))


def read_payload(
    source: Source,
    ordered: list[str],
    total: int,
    throttle: Throttle,
    cancel: CancelToken | None,
    *,
    serial: bool,
) -> dict[str, Outcome]:
    """Read every payload file once; hash it, and parse or keep what must be looked at.

    A folder's plain files (media, exports) go to a pool of hashing threads, each reading
    one whole file in 1 MiB blocks into its own buffer, so at most one block per worker is
    in memory; the journals are parsed on this thread meanwhile. Progress is reported and
    cancellation checked on this thread only. ``serial`` (and a zip, one stream) reads
    everything here, in order.
    """
    outcomes: dict[str, Outcome] = {}
    done = 0
    lock = threading.Lock()
    current = ""

    def here(n: int) -> None:  # a block read on this thread
        nonlocal done
        with lock:
            done += n
        throttle(min(done, total - 1), total, current)
        check_cancel(cancel)

    plain = [r for r in ordered if not is_parsed(r)]
    workers = min(hash_workers(), len(plain))
    if serial or workers < 2 or not isinstance(source, FolderSource):
        for rel in ordered:
            check_cancel(cancel)
            current = rel
            if is_parsed(rel):
                outcomes[rel] = read_parsed(source, rel, outcomes, here)
            else:
                outcomes[rel] = hash_plain(source, rel, here)
        return outcomes

    stop = threading.Event()
    queue = iter(plain)

    def counted(n: int) -> None:  # a block read by a worker
        nonlocal done
        with lock:
            done += n
        if stop.is_set():
            raise Stopped()

    def work() -> None:
        while not stop.is_set():
            with lock:
                rel = next(queue, None)
            if rel is None:
                return
            outcome = hash_plain(source, rel, counted)
            with lock:
                outcomes[rel] = outcome

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldkit-verify")
    try:
        futures = [pool.submit(work) for _ in range(workers)]
        for rel in ordered:
            if is_parsed(rel):
                check_cancel(cancel)
                current = rel
                parsed = read_parsed(source, rel, outcomes, here)
                with lock:
                    outcomes[rel] = parsed
        current = "hashing"
        while True:
            finished, running = wait(futures, timeout=0.1, return_when=FIRST_EXCEPTION)
            for future in finished:
                future.result()  # a worker's unexpected error is raised here
            with lock:
                so_far = done
            throttle(min(so_far, total - 1), total, current)
            check_cancel(cancel)
            if not running:
                break
    finally:
        stop.set()  # workers stop within one block
        pool.shutdown(wait=True)
    return outcomes
