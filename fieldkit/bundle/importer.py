"""Merging a bundle into a store: verify first, then media, then one transaction.

Order matters for crashes: the original files are copied into the content-addressed
media store first (each hashed while copied, refused if it does not match its name),
and only then are the events merged, in one SQLite transaction together with the
custody record. A crash before the commit leaves the tables exactly as they were
(plus, at most, media files named by their own hash that nothing references yet,
which are harmless and reused by the next import); after it, everything is merged.

Importing the same bundle again changes nothing: every event is already present, no
media file is new, and then no custody event is written either (a second import that
brings nothing is not a change of custody worth a record; the tables stay identical).
A bundle whose chains do not continue this store's (a gap: an earlier bundle is
missing; a fork) is refused as a whole: nothing is merged, the problems say why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit import journal
from fieldkit.atrest.database import OPERATIONAL_ERRORS, SQL_ERRORS
from fieldkit.bundle.bag import JOURNAL_DIR
from fieldkit.bundle.sources import Source
from fieldkit.bundle.verify import UNTRUSTED, Contents, VerifyReport, verify_path
from fieldkit.bundle.zippolicy import ZipReadError
from fieldkit.crypto import trustlist
from fieldkit.errors import BundleError, ChainError, DiskFull, FieldkitError
from fieldkit.fsutil import is_disk_full
from fieldkit.journal import ChainWalker, Event
from fieldkit.problems import Problem
from fieldkit.progress import CancelToken, ProgressFn, check_cancel
from fieldkit.store import MergeReport, Store
from fieldkit.store.proof import ChainProof


@dataclass
class BundleImportReport:
    """What an import did; ``ok`` when the bundle verified and merged without problems."""

    path: str
    bundle_id: str | None = None
    signer: dict[str, Any] = field(default_factory=dict)
    accepted_untrusted: bool = False
    merged: bool = False
    preview: bool = False  # a dry run: what a merge would do, with nothing written
    new_events: int = 0
    already_present: int = 0
    new_records: dict[str, list[str]] = field(default_factory=dict)
    changed_records: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    media_new: int = 0
    media_present: int = 0
    devices: dict[str, list[int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    verify: VerifyReport | None = None
    # Merged but not shown, or shown and flagged (docs/trust-model.md):
    held_back: list[dict[str, Any]] = field(default_factory=list)  # clock, revoked
    invalid: list[dict[str, Any]] = field(default_factory=list)  # failed validation
    reviews: list[dict[str, Any]] = field(default_factory=list)  # changed by a non-creator
    waiting: list[dict[str, Any]] = field(default_factory=list)  # names a record not yet here
    chain_keys: dict[str, str] = field(default_factory=dict)  # device -> its key
    # A dry run's new and changed records as the merge would leave them (store.get
    # shapes, by id; at most PREVIEW_RECORDS): what a review shows by name. Not in JSON.
    after: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.merged or self.preview) and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "path": self.path,
            "bundle_id": self.bundle_id,
            "signer": self.signer,
            "accepted_untrusted": self.accepted_untrusted,
            "merged": self.merged,
            "preview": self.preview,
            "new_events": self.new_events,
            "already_present": self.already_present,
            "new_records": self.new_records,
            "changed_records": self.changed_records,
            "conflicts": self.conflicts,
            "media_new": self.media_new,
            "media_present": self.media_present,
            "devices": self.devices,
            "problems": [p.to_json() for p in self.problems],
            "warnings": [p.to_json() for p in self.warnings],
            "held_back": self.held_back,
            "invalid": self.invalid,
            "reviews": self.reviews,
            "waiting": self.waiting,
            "chain_keys": self.chain_keys,
        }


class _Undo(Exception):
    """Raised inside the merge transaction to undo it, carrying the merge's report.

    For a gap or a fork (the report has problems), and at the end of a dry run.
    """

    def __init__(self, merge: MergeReport) -> None:
        super().__init__("merge undone")
        self.merge = merge


class _Changed(BundleError):
    """A journal file read for the merge is not the one verified; the merge is undone."""


def _journal_events(
    source: Source, contents: Contents, cancel: CancelToken | None
) -> Iterator[Event]:
    """Each verified journal's events again, device by device in sequence order.

    Verification checked these files line by line without keeping the events; here
    they are read a second time and streamed into the merge. Between the two reads a
    file could be swapped (a folder on a shared drive): every line is parsed and checked
    again, the file is hashed again, and a file that no longer hashes to its verified
    manifest entry raises :class:`_Changed` inside the merge transaction, which undoes it.
    """
    for device in sorted(contents.journals):
        rel, expected = contents.journals[device]
        digest = hashlib.sha256()
        buf = bytearray()
        line = 0
        walker = ChainWalker(device, after=None)  # verified already: any break means a swap
        try:
            for block in source.read_blocks(rel):
                check_cancel(cancel)
                digest.update(block)
                buf += block
                start = 0
                while (nl := buf.find(b"\n", start)) >= 0:
                    line += 1
                    try:
                        event = journal.parse_event(bytes(buf[start:nl]))
                    except ChainError as exc:
                        raise _Changed(f"{rel}: line {line}: {exc}") from None
                    if event.device != device:
                        raise _Changed(f"{rel}: line {line}: an event of another device")
                    broken = walker.step(event)
                    if broken:
                        raise _Changed(f"{rel}: line {line}: {broken[0].message}")
                    start = nl + 1
                    yield event
                del buf[:start]
                if len(buf) > journal.MAX_EVENT_BYTES:
                    raise _Changed(f"{rel}: line {line + 1} is too long")
        except (OSError, ZipReadError) as exc:
            raise _Changed(f"{rel}: cannot read: {exc}") from None
        if buf:
            raise _Changed(f"{rel}: the last line has no line break")
        if digest.hexdigest() != expected:
            raise _Changed(f"{rel}: does not hash to its SHA-256 in the manifest any more")


class _BlockReader:
    """A ``read(n)`` face on an iterator of blocks, for :meth:`MediaStore.put_stream`."""

    def __init__(self, blocks: Iterator[bytes], cancel: CancelToken | None) -> None:
        self._blocks = blocks
        self._buf = b""
        self._cancel = cancel

    def read(self, n: int = -1) -> bytes:
        check_cancel(self._cancel)
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._blocks)
            except StopIteration:
                break
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def import_bundle(
    store: Store,
    path: Path,
    *,
    accept_untrusted: bool = False,
    passphrase: bytes | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    dry_run: bool = False,
) -> BundleImportReport:
    """Verify a bundle against this store's trusted keys, then merge it.

    With ``dry_run`` nothing is written: the merge runs inside its transaction and is
    rolled back, so the report says exactly what a real import would add, change and
    put in conflict (``preview`` is set, ``merged`` is not), and no media are copied.

    Returns a report; ``report.ok`` is False (and nothing was merged) when the bundle
    fails verification, is signed by a key this store does not trust (unless
    ``accept_untrusted``, which is then recorded as a custody event), or does not
    continue this store's chains. ``passphrase`` unlocks the store's age identity
    for a ``.zip.age``.
    """
    path = Path(path)
    result = BundleImportReport(path=str(path))

    def blocking(verified: VerifyReport) -> list[Problem]:
        found = [p for p in verified.problems if not (accept_untrusted and p.code == UNTRUSTED)]
        if verified.export == "release":
            found.append(
                Problem(
                    "not-a-bundle",
                    "this is a public release (fieldkit release), not a bundle: it carries "
                    "no journal, so there is nothing to import",
                )
            )
        return found

    copied: list[str] = []  # media stored new by this import (removed if it cannot finish)

    def merge(source: Source, contents: Contents, verified: VerifyReport) -> None:
        if blocking(verified):
            return
        untrusted = not verified.trusted
        result.accepted_untrusted = untrusted
        total = max(1, len(contents.media))
        for n, (sha, rel) in enumerate(sorted(contents.media.items()), 1):
            check_cancel(cancel)
            if store.media.has(sha):
                result.media_present += 1
            elif dry_run:
                result.media_new += 1
            else:
                stored = store.media.put_stream(
                    _BlockReader(source.read_blocks(rel), cancel),  # type: ignore[arg-type]
                    expected_sha256=sha,
                )
                result.media_new += int(stored.new)
                if stored.new:
                    copied.append(sha)
            if progress is not None:
                progress(n, total + 1, f"media {sha[:12]}…")
        check_cancel(cancel)
        _merge_events(
            store, source, contents, verified, result, untrusted, cancel, dry_run, accept_untrusted
        )
        if not result.merged:
            _remove_unmerged(store, copied)  # refused: what it copied belongs to nothing
            copied.clear()

    try:
        verified, _ = verify_path(
            path,
            trust=store.keys_dir,
            keys_dir=store.keys_dir,
            age_identity=None,
            passphrase=passphrase,
            progress=None,
            cancel=cancel,
            keep=True,
            on_source=merge,
        )
    except (OSError, *OPERATIONAL_ERRORS) as exc:  # type: ignore[misc]
        if not is_disk_full(exc):
            raise
        # The merge transaction (if it had begun) was rolled back; remove what it copied.
        _remove_unmerged(store, copied)
        raise DiskFull(
            f"disk full: the bundle was not imported ({len(copied)} media files copied "
            "before the disk filled were removed); nothing half-made"
        ) from None
    result.verify = verified
    result.bundle_id = verified.bundle_id
    result.signer = dict(verified.signer)
    result.warnings = list(verified.warnings)
    if not (result.merged or result.preview) and not result.problems:
        result.problems = blocking(verified) or list(verified.problems)
    if progress is not None:
        progress(1, 1, "imported")
    return result


PREVIEW_RECORDS = 2000


def _snapshot(store: Store, merge: MergeReport) -> dict[str, dict[str, Any]]:
    """The merged records as they are inside the (dry-run) transaction."""
    out: dict[str, dict[str, Any]] = {}
    for bucket in (merge.new_records, merge.changed_records):
        for ids in bucket.values():
            for rid in ids:
                if len(out) >= PREVIEW_RECORDS:
                    return out
                out[rid] = store.get(rid)
    return out


def _merge_events(
    store: Store,
    source: Source,
    contents: Contents,
    verified: VerifyReport,
    result: BundleImportReport,
    untrusted: bool,
    cancel: CancelToken | None,
    dry_run: bool = False,
    accept_untrusted: bool = False,
) -> None:
    signer = str(verified.signer.get("fingerprint") or "")
    by_device: dict[str, list[dict[str, Any]]] = {}
    for cp in contents.checkpoints:
        by_device.setdefault(str(cp.get("device")), []).append(dict(cp))

    def is_trusted(public_key: Any) -> bool:
        return trustlist.trusted_identity(store.keys_dir, public_key) is not None

    proof = ChainProof(by_device, is_trusted, accept_untrusted)

    def extra(merge: MergeReport) -> None:
        # Runs inside the merge transaction; raising undoes everything.
        if dry_run and not merge.problems:
            result.after = _snapshot(store, merge)
        if merge.problems or dry_run:
            raise _Undo(merge)
        if merge.new_events == 0:
            return  # nothing new: no write, the tables stay identical
        if untrusted:
            store.record_custody(
                "accept_untrusted",
                bundle_id=verified.bundle_id,
                path=verified.path,
                signer=signer,
                result="accepted by the user",
                details=[f"key {verified.signer.get('key')}"],
            )
        store.record_custody(
            "import",
            bundle_id=verified.bundle_id,
            path=verified.path,
            signer=signer,
            result="ok",
            details=[f"{d} {a}-{b}" for d, (a, b) in sorted(merge.devices.items())],
        )

    try:
        merge = store.merge_events(
            _journal_events(source, contents, cancel),
            checkpoints=contents.checkpoints,
            extra=extra,
            proof=proof,
        )
    except _Changed as exc:
        # The transaction was rolled back: nothing was merged.
        result.problems = [
            Problem("changed", f"{exc}; nothing was merged (verify it again)", path=JOURNAL_DIR)
        ]
        result.devices = {}
        return
    except _Undo as undo:
        merge = undo.merge
        if merge.problems:
            result.problems = [
                dataclasses.replace(
                    p, path=f"{JOURNAL_DIR}/{p.device}.jsonl" if p.device else JOURNAL_DIR
                )
                for p in merge.problems
            ]
            unproven = {"unproven", "author", "forged-chain", "two-keys"}
            continuity = not all(p.code in unproven for p in merge.problems)
            result.problems.append(
                Problem(
                    "merge",
                    "nothing was merged: the bundle does not continue this store's chains "
                    "(import the earlier bundle first)"
                    if continuity
                    else "nothing was merged: not every event is proven by its own device's key",
                    path=JOURNAL_DIR,
                )
            )
            result.devices = {}
            return
        result.preview = True
    result.merged = not result.preview
    result.new_events = merge.new_events
    result.already_present = merge.already_present
    result.new_records = merge.new_records
    result.changed_records = merge.changed_records
    result.conflicts = merge.conflicts
    result.devices = merge.devices
    result.held_back = merge.held_back
    result.invalid = merge.invalid
    result.reviews = merge.reviews
    result.waiting = merge.waiting
    result.chain_keys = merge.chain_keys


def _remove_unmerged(store: Store, shas: list[str]) -> None:
    """Remove originals this import stored that no record names (it did not merge)."""
    for sha in shas:
        with contextlib.suppress(OSError, FieldkitError, *SQL_ERRORS):
            if store.find("media", where={"sha256": sha}, include_retracted=True, limit=1):
                continue
            path = store.media.path_of(sha)
            with contextlib.suppress(OSError):
                os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
            path.unlink(missing_ok=True)


__all__ = ["BundleError", "BundleImportReport", "import_bundle"]
