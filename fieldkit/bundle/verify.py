"""Checking a bundle (folder, .zip or .zip.age) and saying precisely what is wrong.

Like bagit-python's validator, every problem is collected instead of stopping at the
first: structure, bag-info, Payload-Oxum, every checksum, unlisted and missing files,
unsafe paths, the signature and whether its key is trusted, the journal chains, the
checkpoint signatures, and each original file against its name and the journal.

Every byte comes from a hostile source. Sizes and counts are bounded before reading;
a zip is checked entry by entry before any data is read, and streamed, never
extracted; each file is read once, hashed in 1 MiB blocks, and a journal is parsed
from the same blocks (line by line: its events are checked, not kept). A folder's
payload files are hashed by a small thread pool (hashlib releases the GIL), one file
per worker at a time, so memory stays flat; ``serial=True`` does it all on the calling
thread and gives the same report. Verification never writes to a store; a caller that wants the
check on record calls :func:`record_verification` afterwards. A ``.zip.age`` is
decrypted (streaming) to a private temporary file in the system's temp folder,
removed afterwards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from fieldkit import journal, keys, sshsig
from fieldkit.bundle.bag import (
    BAG_INFO,
    BAGIT_TXT,
    BAGIT_TXT_NAME,
    BLOCK,
    EXPORT_DIR,
    FORMAT_VERSION,
    JOURNAL_DIR,
    MANIFEST,
    MAX_BAG_INFO,
    MAX_BAGIT_TXT,
    MAX_CHECKPOINTS_BYTES,
    MAX_DEVICES_JSON,
    MAX_MANIFEST_BYTES,
    MAX_MANIFEST_LINES,
    MAX_SIGNATURE_BYTES,
    MAX_TAGMANIFEST_BYTES,
    MEDIA_DIR,
    SIGNATURE,
    TAG_FILES,
    TAGMANIFEST,
    TOP_LEVEL,
    Problem,
    parse_bag_info,
    parse_manifest,
)
from fieldkit.bundle.safezip import SafeZip, ZipReadError
from fieldkit.canonical import is_sha256
from fieldkit.errors import BundleError, ChainError, FieldkitError
from fieldkit.ids import is_id
from fieldkit.tasks import CancelToken, ProgressFn, Throttle, check_cancel

if TYPE_CHECKING:
    from fieldkit.store import Store

UNTRUSTED = "untrusted"  # the check name of "valid signature, key not trusted"
_DEVICE_LINE = re.compile(r"^(\S+) (\d+)-(\d+) ([0-9a-f]{64})$")
_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_JOURNAL_FILE = re.compile(r"^data/journal/([0-9a-f-]{36})\.jsonl$")
_CHECKPOINT_FILE = re.compile(r"^data/journal/([0-9a-f-]{36})\.checkpoints\.json$")
_MEDIA_FILE = re.compile(r"^data/media/([0-9a-f]{2})/([0-9a-f]{64})$")
_SINGLE_FIELDS = (
    "Bagging-Date",
    "Payload-Oxum",
    "External-Identifier",
    "FieldKit-Format-Version",
    "FieldKit-Export",
    "FieldKit-Signer",
    "FieldKit-Signer-Identity",
)
_REQUIRED_FIELDS = (*_SINGLE_FIELDS, "Source-Organization", "Contact-Name")


@dataclass
class VerifyReport:
    """Everything a verification found; ``ok`` only when ``problems`` is empty."""

    path: str
    form: str  # folder, zip, zip.age
    bundle_id: str | None = None
    export: str | None = None
    previous_bundle: str | None = None
    signer: dict[str, Any] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: int = 0
    payload_bytes: int = 0
    events: int = 0
    media_files: int = 0
    tagmanifest_sha256: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def trusted(self) -> bool:
        return bool(self.signer.get("trusted_as"))

    @property
    def fingerprint(self) -> str | None:
        h = self.tagmanifest_sha256
        return " ".join(h[i : i + 4] for i in range(0, len(h), 4)) if h else None

    def only_untrusted(self) -> bool:
        """The signature is valid and everything else passes; only trust is missing."""
        return bool(self.problems) and all(p.check == UNTRUSTED for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "path": self.path,
            "form": self.form,
            "bundle_id": self.bundle_id,
            "export": self.export,
            "previous_bundle": self.previous_bundle,
            "signer": self.signer,
            "devices": self.devices,
            "files": self.files,
            "payload_bytes": self.payload_bytes,
            "events": self.events,
            "media_files": self.media_files,
            "tagmanifest_sha256": self.tagmanifest_sha256,
            "fingerprint": self.fingerprint,
            "problems": [p.to_json() for p in self.problems],
            "warnings": [p.to_json() for p in self.warnings],
        }


@dataclass
class Contents:
    """What a verification keeps for an import: journal files, checkpoints, media paths.

    Events are not kept (a bundle may carry millions): the importer reads each journal
    file again, in sequence order, and checks it still hashes to its manifest entry.
    """

    journals: dict[str, tuple[str, str]] = field(default_factory=dict)  # device -> rel, sha256
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, str] = field(default_factory=dict)  # sha256 -> bag path


# --- sources: a folder or a zip ---------------------------------------------------------


class _Source:
    label: str
    files: dict[str, int]
    problems: list[Problem]
    warnings: list[Problem]

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        raise NotImplementedError

    def hash_file(self, rel: str, on_block: Callable[[int], None]) -> str:
        """The file's SHA-256, read whole in blocks; ``on_block(n)`` after each (may raise)."""
        digest = hashlib.sha256()
        for block in self.read_blocks(rel):
            digest.update(block)
            on_block(len(block))
        return digest.hexdigest()

    def order(self, rels: list[str]) -> list[str]:
        return rels

    def close(self) -> None:
        return None


class FolderSource(_Source):
    """A bag folder, walked without following links; unsafe entries are problems."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = os.fspath(root)
        self._buffers = threading.local()  # one reusable block buffer per hashing thread
        self.label = root.name
        self.files = {}
        self.problems = []
        self.warnings = []
        self._walk(root, "")

    def _walk(self, folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.problems.append(Problem(prefix or ".", "read", f"cannot list: {exc.strerror}"))
            return
        for entry in entries:
            try:
                entry.name.encode("utf-8")
                name = entry.name
            except UnicodeEncodeError:
                shown = os.fsencode(entry.name).decode("utf-8", "replace")
                self.problems.append(
                    Problem(prefix + shown, "unsafe-path", "the file name is not UTF-8")
                )
                continue
            rel = prefix + name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                self.problems.append(Problem(rel, "read", f"cannot stat: {exc.strerror}"))
                continue
            if stat.S_ISLNK(st.st_mode):
                self.problems.append(Problem(rel, "unsafe-path", "a symbolic link (not followed)"))
            elif stat.S_ISDIR(st.st_mode):
                self._walk(Path(entry.path), rel + "/")
            elif stat.S_ISREG(st.st_mode):
                if len(self.files) >= MAX_MANIFEST_LINES + 1000:
                    self.problems.append(Problem(rel, "bounds", "too many files in the bag"))
                    return
                self.files[rel] = st.st_size
            else:
                self.problems.append(
                    Problem(rel, "unsafe-path", "not a regular file (device, pipe or socket)")
                )

    def _open(self, rel: str) -> Any:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(os.path.join(self._root, rel), flags)
        f = os.fdopen(fd, "rb", buffering=0)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            f.close()
            raise OSError(f"{rel} is no longer a regular file")
        return f

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        with self._open(rel) as f:
            while block := f.read(BLOCK):
                yield block

    def hash_file(self, rel: str, on_block: Callable[[int], None]) -> str:
        # Into one buffer per thread: no 1 MiB allocation per block, no Python bytes.
        buf = getattr(self._buffers, "buf", None)
        if buf is None:
            buf = self._buffers.buf = bytearray(BLOCK)
        view = memoryview(buf)
        digest = hashlib.sha256()
        with self._open(rel) as f:
            while n := f.readinto(buf):
                digest.update(view[:n] if n < BLOCK else view)
                on_block(n)
        return digest.hexdigest()


class ZipSource(_Source):
    def __init__(self, path: Path, label: str | None = None) -> None:
        self.zip = SafeZip(path)
        if label:
            self.zip.label = label
            self.zip.problems = [Problem(label, p.check, p.message) for p in self.zip.problems]
            self.zip.warnings = [Problem(label, p.check, p.message) for p in self.zip.warnings]
        self.label = self.zip.label
        self.problems = list(self.zip.problems)
        self.warnings = list(self.zip.warnings)
        self.refused = self.zip.fatal
        self.files = {} if self.refused else {r: e.usize for r, e in self.zip.entries.items()}

    def read_blocks(self, rel: str) -> Iterator[bytes]:
        return self.zip.read_blocks(self.zip.entries[rel])

    def order(self, rels: list[str]) -> list[str]:
        return sorted(rels, key=lambda r: self.zip.entries[r].data_offset)

    def close(self) -> None:
        self.zip.close()


# --- the journal, parsed from the same blocks that are hashed ---------------------------


class _JournalFile:
    """One device's journal, checked line by line as its blocks arrive; no event is kept.

    ``wanted`` are the sequence numbers whose hash and clock a checkpoint names (None:
    keep every one); only those are remembered, so memory does not grow with events.
    """

    def __init__(self, rel: str, device: str, wanted: set[int] | None = None) -> None:
        self.rel = rel
        self.device = device
        self.wanted = wanted
        self.buf = bytearray()
        self.line = 0
        self.stopped = False
        self.problems: list[Problem] = []
        self.first: int | None = None
        self.first_prev: str | None = None
        self.last: int | None = None
        self.last_hash: str | None = None
        self.hashes: dict[int, tuple[str, str]] = {}  # seq -> hash, hlc
        self.media: set[str] = set()
        self.device_keys: dict[str, str] = {}  # device id -> fingerprint, from device events
        self.count = 0

    def _problem(self, message: str, check: str = "journal") -> None:
        if len(self.problems) < 100:
            self.problems.append(Problem(self.rel, check, message))
        elif len(self.problems) == 100:
            self.problems.append(Problem(self.rel, check, "… more problems not listed"))

    def feed(self, block: bytes) -> None:
        if self.stopped:
            return
        self.buf += block
        start = 0
        while (nl := self.buf.find(b"\n", start)) >= 0:
            self._line(bytes(self.buf[start:nl]))
            start = nl + 1
        del self.buf[:start]
        if len(self.buf) > journal.MAX_EVENT_BYTES:
            self._problem(f"line {self.line + 1} is over {journal.MAX_EVENT_BYTES} bytes")
            self.stopped = True

    def finish(self) -> None:
        if self.buf and not self.stopped:
            self._problem("the last line has no line break")
            self._line(bytes(self.buf))
        self.buf = bytearray()

    def _line(self, data: bytes) -> None:
        self.line += 1
        n = self.line
        if not data:
            self._problem(f"line {n} is empty")
            return
        try:
            event = journal.parse_event(data)
        except ChainError as exc:
            self._problem(f"line {n}: {exc}")
            return
        self.count += 1
        if event.device != self.device:
            self._problem(f"line {n}: event of device {event.device} in this device's file")
        if self.last is None:
            self.first, self.first_prev = event.seq, event.prev
            if event.seq == 1 and event.prev is not None:
                self._problem(f"line {n}: seq 1 must have no previous event")
            elif event.seq > 1 and event.prev is None:
                self._problem(f"line {n}: seq {event.seq} names no previous event")
        elif event.seq != self.last + 1:
            what = "gap" if event.seq > self.last + 1 else "duplicate or reordered"
            self._problem(f"line {n}: {what}: seq {event.seq} after seq {self.last}", "chain")
        elif event.prev != self.last_hash:
            self._problem(
                f"line {n}: seq {event.seq} does not follow the line before it "
                "(its prev is not that event's hash)",
                "chain",
            )
        self.last, self.last_hash = event.seq, event.hash
        if self.wanted is None or event.seq in self.wanted:
            self.hashes[event.seq] = (event.hash, event.hlc)
        if event.kind == "media":
            sha = event.fields.get("sha256")
            if isinstance(sha, str):
                self.media.add(sha)
        elif event.kind == "device" and event.op == "create":
            fp = event.fields.get("fingerprint")
            if isinstance(fp, str):
                self.device_keys[event.entity] = fp


# --- verification -----------------------------------------------------------------------


def _form_of(path: Path) -> str:
    if path.is_dir():
        return "folder"
    if path.name.endswith(".age"):
        return "zip.age"
    return "zip"


def verify_bundle(
    path: Path,
    *,
    trust: Path | None = None,
    keys_dir: Path | None = None,
    age_identity: Any = None,
    passphrase: bytes | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    serial: bool = False,
) -> VerifyReport:
    """Check a bundle; ``report.ok`` only if every check passes.

    ``trust`` is an allowed_signers file (or a keys folder); without it ``keys_dir``'s
    trusted keys are used; with neither, a valid signature is still reported as
    ``untrusted`` (a failure): nobody vouched for the key. A ``.zip.age`` needs
    ``age_identity``, or ``keys_dir`` and ``passphrase`` to unlock the store's.
    ``serial`` hashes on the calling thread only (tests; the report is the same).
    """
    report, _ = _verify_path(
        Path(path),
        trust=trust if trust is not None else keys_dir,
        keys_dir=keys_dir,
        age_identity=age_identity,
        passphrase=passphrase,
        progress=progress,
        cancel=cancel,
        keep=False,
        serial=serial,
    )
    return report


def _verify_path(
    path: Path,
    *,
    trust: Path | None,
    keys_dir: Path | None,
    age_identity: Any,
    passphrase: bytes | None,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    keep: bool,
    on_source: Any = None,
    serial: bool = False,
) -> tuple[VerifyReport, Contents | None]:
    if not path.exists():
        raise BundleError(f"{path}: no such file or folder")
    form = _form_of(path)
    report = VerifyReport(path=str(path), form=form)
    if form == "folder":
        source: _Source = FolderSource(path)
        return _verify_source(source, report, trust, progress, cancel, keep, on_source, serial)
    if form == "zip":
        return _verify_zip(
            ZipSource(path), report, trust, progress, cancel, keep, on_source, serial
        )
    identity = age_identity
    if identity is None:
        if keys_dir is None or passphrase is None:
            raise BundleError(
                f"{path.name} is encrypted: its recipient's age identity is needed "
                "(a store and its passphrase)"
            )
        identity = keys.unlock_age_identity(keys_dir, passphrase)
    with tempfile.TemporaryDirectory(prefix="fieldkit-verify-") as tmp:
        plain = Path(tmp) / "bundle.zip"
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
                pyrage.decrypt_io(src, dst, [identity])
        except Exception as exc:  # pyrage's DecryptError and friends
            report.problems.append(Problem(path.name, "decrypt", f"cannot decrypt: {exc}"))
            return report, None
        return _verify_zip(
            ZipSource(plain, label=path.name),
            report,
            trust,
            progress,
            cancel,
            keep,
            on_source,
            serial,
        )


def _verify_zip(
    zsrc: ZipSource,
    report: VerifyReport,
    trust: Path | None,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    keep: bool,
    on_source: Any,
    serial: bool,
) -> tuple[VerifyReport, Contents | None]:
    """A zip whose structure was refused is reported without reading any entry."""
    try:
        if zsrc.refused:
            report.problems.extend(zsrc.problems)
            report.problems.append(
                Problem(zsrc.label, "refused", "hostile or damaged zip: nothing was read")
            )
            return report, None
        return _verify_source(zsrc, report, trust, progress, cancel, keep, on_source, serial)
    finally:
        zsrc.close()


def _read_small(
    source: _Source, rel: str, limit: int, report: VerifyReport, *, required: bool = True
) -> bytes | None:
    size = source.files.get(rel)
    if size is None:
        if required:
            report.problems.append(Problem(rel, "missing", "required file is missing"))
        return None
    if size > limit:
        report.problems.append(
            Problem(rel, "bounds", f"{size} bytes; at most {limit} are accepted (not read)")
        )
        return None
    chunks: list[bytes] = []
    total = 0
    try:
        for block in source.read_blocks(rel):
            total += len(block)
            if total > limit:
                report.problems.append(Problem(rel, "bounds", f"grew past {limit} bytes"))
                return None
            chunks.append(block)
    except (OSError, ZipReadError) as exc:
        report.problems.append(Problem(rel, "read", f"cannot read: {exc}"))
        return None
    return b"".join(chunks)


def _verify_source(
    source: _Source,
    report: VerifyReport,
    trust: Path | None,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    keep: bool,
    on_source: Any,
    serial: bool,
) -> tuple[VerifyReport, Contents | None]:
    problems = report.problems
    problems.extend(source.problems)
    report.warnings.extend(source.warnings)
    files = source.files
    for rel in files:
        if "/" not in rel and rel not in TOP_LEVEL:
            problems.append(Problem(rel, "unexpected-file", "not a file of a FieldKit bag"))
        elif "/" in rel and not rel.startswith("data/"):
            problems.append(Problem(rel, "unexpected-file", "outside data/ and not a tag file"))

    # Tag files: small, bounded, read once each.
    bagit = _read_small(source, BAGIT_TXT_NAME, MAX_BAGIT_TXT, report)
    if bagit is not None and bagit != BAGIT_TXT:
        problems.append(
            Problem(
                BAGIT_TXT_NAME,
                "bagit",
                "must be exactly 'BagIt-Version: 1.0' and 'Tag-File-Character-Encoding: UTF-8'",
            )
        )
    info_bytes = _read_small(source, BAG_INFO, MAX_BAG_INFO, report)
    manifest_bytes = _read_small(source, MANIFEST, MAX_MANIFEST_BYTES, report)
    tagm_bytes = _read_small(source, TAGMANIFEST, MAX_TAGMANIFEST_BYTES, report)
    sig_bytes = _read_small(source, SIGNATURE, MAX_SIGNATURE_BYTES, report)

    # The tag manifest.
    contents = {BAGIT_TXT_NAME: bagit, BAG_INFO: info_bytes, MANIFEST: manifest_bytes}
    if tagm_bytes is not None:
        report.tagmanifest_sha256 = hashlib.sha256(tagm_bytes).hexdigest()
        tag_entries, tag_problems = parse_manifest(tagm_bytes, TAGMANIFEST, max_lines=100)
        problems.extend(tag_problems)
        for rel, sha in sorted(tag_entries.items()):
            if rel not in TAG_FILES:
                problems.append(
                    Problem(TAGMANIFEST, "unexpected-file", f"lists {rel}, not a tag file")
                )
            elif rel not in files:
                problems.append(Problem(rel, "missing", f"listed in {TAGMANIFEST}, missing"))
            elif (data := contents.get(rel)) is not None and hashlib.sha256(
                data
            ).hexdigest() != sha:
                problems.append(
                    Problem(rel, "tag-checksum", f"does not match its SHA-256 in {TAGMANIFEST}")
                )
        for name in TAG_FILES:
            if name not in tag_entries:
                problems.append(Problem(TAGMANIFEST, "incomplete", f"does not list {name}"))

    # bag-info.
    info: dict[str, list[str]] = {}
    if info_bytes is not None:
        info, info_problems = parse_bag_info(info_bytes)
        problems.extend(info_problems)
        _check_bag_info(info, report)

    # The signature.
    if sig_bytes is not None and tagm_bytes is not None:
        _check_signature(sig_bytes, tagm_bytes, info, trust, report)

    # The payload: every listed file hashed once; journals parsed from the same blocks.
    entries: dict[str, str] = {}
    if manifest_bytes is not None:
        entries, manifest_problems = parse_manifest(manifest_bytes, MANIFEST)
        problems.extend(manifest_problems)
    payload = {rel: size for rel, size in files.items() if rel.startswith("data/")}
    for rel in sorted(set(payload) - set(entries)):
        problems.append(Problem(rel, "unlisted", f"in the bag but not in {MANIFEST}"))
    for rel in sorted(set(entries) - set(files)):
        problems.append(Problem(rel, "missing", f"listed in {MANIFEST} but missing"))
    oxum = info.get("Payload-Oxum", [""])[0]
    actual_oxum = f"{sum(payload.values())}.{len(payload)}"
    if oxum and oxum != actual_oxum:
        problems.append(
            Problem(BAG_INFO, "oxum", f"Payload-Oxum {oxum}, but the payload is {actual_oxum}")
        )
    report.files = len(payload)
    report.payload_bytes = sum(payload.values())

    kept = Contents() if keep else None
    journals: dict[str, _JournalFile] = {}
    checkpoint_bytes: dict[str, bytes] = {}
    media_found: dict[str, str] = {}  # sha -> rel, for files that hash to their name
    to_read = [rel for rel in entries if rel in files]
    journal_first = sorted(to_read, key=lambda r: (not r.startswith(JOURNAL_DIR + "/"), r))
    ordered = [r for r in journal_first if r.startswith(JOURNAL_DIR + "/")]
    ordered += source.order([r for r in journal_first if not r.startswith(JOURNAL_DIR + "/")])
    throttle = Throttle(progress)
    total = sum(files[r] for r in ordered) + 1
    outcomes = _read_payload(source, ordered, total, throttle, cancel, serial=serial)
    # The results are judged in one fixed order whatever order they were read in, so
    # the parallel and the serial mode give the same report.
    for rel in ordered:
        outcome = outcomes[rel]
        if outcome.error is not None:
            problems.append(Problem(rel, "read", f"cannot read: {outcome.error}"))
            continue
        actual = outcome.digest
        if actual != entries[rel]:
            problems.append(Problem(rel, "checksum", f"does not match its SHA-256 in {MANIFEST}"))
        jf = outcome.journal
        if jf is not None:
            jf.finish()
            journals[jf.device] = jf
            problems.extend(jf.problems)
            if kept is not None and actual == entries[rel]:
                kept.journals[jf.device] = (rel, actual)
        elif outcome.limit:
            if outcome.held_size > outcome.limit:
                problems.append(Problem(rel, "bounds", f"over {outcome.limit} bytes"))
            else:
                checkpoint_bytes[rel] = outcome.held or b""
        mm = _MEDIA_FILE.match(rel)
        if mm:
            sha = mm.group(2)
            if mm.group(1) != sha[:2]:
                problems.append(Problem(rel, "media", "not in the folder its name belongs in"))
            elif actual != sha:
                problems.append(
                    Problem(rel, "media", f"the file hashes to {actual}, not to its name")
                )
            else:
                media_found[sha] = rel
        elif not (_JOURNAL_FILE.match(rel) or _CHECKPOINT_FILE.match(rel)) and rel not in (
            f"{JOURNAL_DIR}/devices.json",
            f"{EXPORT_DIR}/sites.geojson",
            f"{EXPORT_DIR}/media.csv",
            f"{EXPORT_DIR}/README.txt",
        ):
            report.warnings.append(
                Problem(rel, "unexpected-file", "not part of the FieldKit layout (kept, unread)")
            )
    throttle(total, total, "checked")
    _check_journals(journals, checkpoint_bytes, info, report, kept)
    _check_media(journals, media_found, report)
    report.media_files = len(media_found)
    if kept is not None:
        kept.media = dict(media_found)
        if on_source is not None:
            # The importer copies media while the source (an open zip, a decrypted
            # temporary file) still exists; it decides from the report whether to.
            on_source(source, kept, report)
    return report, kept


@dataclass
class _Outcome:
    """What reading one payload file gave: its hash or why it could not be read."""

    digest: str | None = None
    error: str | None = None
    journal: _JournalFile | None = None
    held: bytes | None = None  # a checkpoints file or devices.json, when within limit
    held_size: int = 0
    limit: int = 0  # nonzero for the files whose bytes are kept


class _Stopped(Exception):
    """Raised in a hashing worker when the verification ends early (cancel, an error)."""


def _hash_workers() -> int:
    return min(4, os.cpu_count() or 1)


def _wanted_seqs(checkpoints: bytes | None) -> set[int]:
    """The sequence numbers a checkpoints file names; malformed content names none.

    Only a hint of which event hashes to remember: the file itself is judged in full
    by :func:`_check_journals`, which never looks up a seq this function did not list.
    """
    if checkpoints is None:
        return set()
    try:
        items = json.loads(checkpoints.decode("utf-8"))
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


def _is_parsed(rel: str) -> bool:
    """A file whose bytes are looked at, not only hashed: journals, checkpoints, devices."""
    return bool(
        _JOURNAL_FILE.match(rel)
        or _CHECKPOINT_FILE.match(rel)
        or rel == f"{JOURNAL_DIR}/devices.json"
    )


def _read_parsed(
    source: _Source,
    rel: str,
    outcomes: dict[str, _Outcome],
    on_block: Callable[[int], None],
) -> _Outcome:
    """Hash a journal, checkpoints or devices file, parsing or keeping it from the same blocks."""
    outcome = _Outcome()
    jm = _JOURNAL_FILE.match(rel)
    if jm:
        device = jm.group(1)
        # The device's checkpoints file sorts (and so is read) before its journal.
        cp = outcomes.get(f"{JOURNAL_DIR}/{device}.checkpoints.json")
        outcome.journal = _JournalFile(rel, device, _wanted_seqs(cp.held) if cp else None)
    else:
        outcome.limit = MAX_CHECKPOINTS_BYTES if _CHECKPOINT_FILE.match(rel) else MAX_DEVICES_JSON
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
        return _Outcome(error=str(exc))
    outcome.digest = digest.hexdigest()
    if jf is None and outcome.held_size <= outcome.limit:
        outcome.held = b"".join(held)
    return outcome


def _hash_plain(source: _Source, rel: str, on_block: Callable[[int], None]) -> _Outcome:
    try:
        return _Outcome(digest=source.hash_file(rel, on_block))
    except (OSError, ZipReadError) as exc:
        return _Outcome(error=str(exc))


def _read_payload(
    source: _Source,
    ordered: list[str],
    total: int,
    throttle: Throttle,
    cancel: CancelToken | None,
    *,
    serial: bool,
) -> dict[str, _Outcome]:
    """Read every payload file once; hash it, and parse or keep what must be looked at.

    A folder's plain files (media, exports) go to a pool of hashing threads, each reading
    one whole file in 1 MiB blocks into its own buffer, so at most one block per worker is
    in memory; the journals are parsed on this thread meanwhile. Progress is reported and
    cancellation checked on this thread only. ``serial`` (and a zip, one stream) reads
    everything here, in order.
    """
    outcomes: dict[str, _Outcome] = {}
    done = 0
    lock = threading.Lock()
    current = ""

    def here(n: int) -> None:  # a block read on this thread
        nonlocal done
        with lock:
            done += n
        throttle(min(done, total - 1), total, current)
        check_cancel(cancel)

    plain = [r for r in ordered if not _is_parsed(r)]
    workers = min(_hash_workers(), len(plain))
    if serial or workers < 2 or not isinstance(source, FolderSource):
        for rel in ordered:
            check_cancel(cancel)
            current = rel
            if _is_parsed(rel):
                outcomes[rel] = _read_parsed(source, rel, outcomes, here)
            else:
                outcomes[rel] = _hash_plain(source, rel, here)
        return outcomes

    stop = threading.Event()
    queue = iter(plain)

    def counted(n: int) -> None:  # a block read by a worker
        nonlocal done
        with lock:
            done += n
        if stop.is_set():
            raise _Stopped()

    def work() -> None:
        while not stop.is_set():
            with lock:
                rel = next(queue, None)
            if rel is None:
                return
            outcome = _hash_plain(source, rel, counted)
            with lock:
                outcomes[rel] = outcome

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldkit-verify")
    try:
        futures = [pool.submit(work) for _ in range(workers)]
        for rel in ordered:
            if _is_parsed(rel):
                check_cancel(cancel)
                current = rel
                parsed = _read_parsed(source, rel, outcomes, here)
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


def _check_bag_info(info: dict[str, list[str]], report: VerifyReport) -> None:
    problems = report.problems
    for label in _REQUIRED_FIELDS:
        if label not in info:
            problems.append(Problem(BAG_INFO, "bag-info", f"{label} is missing"))
    for label in _SINGLE_FIELDS:
        if len(info.get(label, [])) > 1:
            problems.append(Problem(BAG_INFO, "bag-info", f"{label} appears more than once"))
    version = info.get("FieldKit-Format-Version", [""])[0]
    if version and version != FORMAT_VERSION:
        problems.append(
            Problem(BAG_INFO, "bag-info", f"format version {version!r} is not supported")
        )
    oxum = info.get("Payload-Oxum", [""])[0]
    if oxum and not re.match(r"^\d+\.\d+$", oxum):
        problems.append(Problem(BAG_INFO, "bag-info", f"Payload-Oxum {oxum!r} is malformed"))
    ident = info.get("External-Identifier", [""])[0]
    if ident and not _URN.match(ident):
        problems.append(Problem(BAG_INFO, "bag-info", "External-Identifier is not urn:uuid:…"))
    report.bundle_id = ident or None
    export = info.get("FieldKit-Export", [""])[0]
    if export and export not in ("incremental", "full"):
        problems.append(Problem(BAG_INFO, "bag-info", f"FieldKit-Export {export!r} is unknown"))
    report.export = export or None
    prev = info.get("FieldKit-Previous-Bundle", [])
    if len(prev) > 1 or (prev and not _URN.match(prev[0])):
        problems.append(Problem(BAG_INFO, "bag-info", "FieldKit-Previous-Bundle is malformed"))
    report.previous_bundle = prev[0] if prev else None
    for line in info.get("FieldKit-Device", []):
        m = _DEVICE_LINE.match(line)
        if not m or not is_id(m.group(1)) or int(m.group(2)) > int(m.group(3)):
            problems.append(Problem(BAG_INFO, "bag-info", f"FieldKit-Device {line[:100]!r}"))
            continue
        device = m.group(1)
        if device in report.devices:
            problems.append(Problem(BAG_INFO, "bag-info", f"device {device} listed twice"))
        report.devices[device] = {
            "first": int(m.group(2)),
            "last": int(m.group(3)),
            "head": m.group(4),
            "continues_from": None,
        }


def _canonical_armor(text: bytes) -> bytes | None:
    """The signature file as ssh-keygen writes it, from its own content (None if unreadable).

    The signature file is the one file no manifest covers; requiring its exact canonical
    form means no byte of it can change unnoticed (base64 has spare bits).
    """
    lines = text.decode("ascii", "replace").strip().splitlines()
    if len(lines) < 3:
        return None
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return None
    body = base64.b64encode(blob).decode("ascii")
    wrapped = [body[i : i + 70] for i in range(0, len(body), 70)]
    return ("\n".join([sshsig.ARMOR_BEGIN, *wrapped, sshsig.ARMOR_END]) + "\n").encode("ascii")


def _check_signature(
    sig_bytes: bytes,
    tagm_bytes: bytes,
    info: dict[str, list[str]],
    trust: Path | None,
    report: VerifyReport,
) -> None:
    problems = report.problems
    try:
        pub = sshsig.verify(sig_bytes, tagm_bytes, keys.BUNDLE_NAMESPACE)
    except FieldkitError as exc:
        problems.append(
            Problem(
                SIGNATURE,
                "signature",
                f"{exc} (the signature or {TAGMANIFEST} was altered, or made by another tool)",
            )
        )
        return
    if _canonical_armor(sig_bytes) != sig_bytes:
        problems.append(
            Problem(SIGNATURE, "signature", "altered: not in the exact form ssh-keygen writes")
        )
    fp = sshsig.fingerprint(pub)
    claimed = info.get("FieldKit-Signer", [None])[0]
    claimed_key = info.get("FieldKit-Signer-Key", [None])[0]
    identity = info.get("FieldKit-Signer-Identity", [None])[0]
    report.signer = {
        "fingerprint": fp,
        "key": sshsig.public_key_to_openssh(pub),
        "identity": identity,
        "trusted_as": None,
    }
    if claimed is not None and claimed != fp:
        problems.append(
            Problem(BAG_INFO, "signature", f"names signer {claimed} but {fp} signed the bundle")
        )
    if claimed_key is not None and claimed_key != sshsig.public_key_to_openssh(pub):
        problems.append(Problem(BAG_INFO, "signature", "FieldKit-Signer-Key is not the signer's"))
    if trust is None:
        problems.append(
            Problem(
                SIGNATURE,
                UNTRUSTED,
                f"valid signature by {fp} ({identity}), but no allowed_signers file was given "
                "(--trust FILE): nobody vouched for this key",
            )
        )
        return
    try:
        trusted_as = keys.trusted_identity(trust, pub, namespace=keys.BUNDLE_NAMESPACE)
    except FieldkitError as exc:
        problems.append(Problem(str(trust), "trust", f"cannot read the trusted keys: {exc}"))
        return
    report.signer["trusted_as"] = trusted_as
    if trusted_as is None:
        problems.append(
            Problem(
                SIGNATURE,
                UNTRUSTED,
                f"valid signature by {fp} ({identity}), a key not in {trust}",
            )
        )
    elif identity is not None and trusted_as != identity:
        report.warnings.append(
            Problem(
                BAG_INFO,
                "signature",
                f"the bundle says the signer is {identity}; your trusted keys know this key "
                f"as {trusted_as}",
            )
        )


def _check_journals(
    journals: dict[str, _JournalFile],
    checkpoint_bytes: dict[str, bytes],
    info: dict[str, list[str]],
    report: VerifyReport,
    kept: Contents | None,
) -> None:
    problems = report.problems
    device_keys: dict[str, str] = {}
    for jf in journals.values():
        device_keys.update(jf.device_keys)
        report.events += jf.count
    declared = report.devices
    for device, jf in sorted(journals.items()):
        d = declared.get(device)
        if info and d is None:
            problems.append(Problem(jf.rel, "bag-info", "no FieldKit-Device line for this file"))
        elif d is not None and jf.last is not None:
            if (d["first"], d["last"], d["head"]) != (jf.first, jf.last, jf.last_hash):
                problems.append(
                    Problem(
                        jf.rel,
                        "bag-info",
                        f"carries {jf.first}-{jf.last} (head {str(jf.last_hash)[:12]}…) but "
                        f"bag-info says {d['first']}-{d['last']} ({d['head'][:12]}…)",
                    )
                )
            if jf.first is not None and jf.first > 1:
                # An incremental bundle starts mid-chain; only a store holding the earlier
                # events (or the earlier bundle) can check this link.
                d["continues_from"] = {"seq": jf.first - 1, "hash": jf.first_prev}
    for device in sorted(set(declared) - set(journals)):
        problems.append(
            Problem(f"{JOURNAL_DIR}/{device}.jsonl", "missing", "bag-info lists it; it is absent")
        )
    for rel, data in sorted(checkpoint_bytes.items()):
        m = _CHECKPOINT_FILE.match(rel)
        if not m:
            continue
        device = m.group(1)
        cj = journals.get(device)
        try:
            items = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            problems.append(Problem(rel, "checkpoint", f"not UTF-8 JSON: {exc}"))
            continue
        if not isinstance(items, list):
            problems.append(Problem(rel, "checkpoint", "not a JSON list"))
            continue
        covered = False
        for n, cp in enumerate(items, 1):
            where = f"checkpoint {n}"
            if not isinstance(cp, dict) or cp.get("device") != device:
                problems.append(Problem(rel, "checkpoint", f"{where} is malformed"))
                continue
            try:
                signer = journal.checkpoint_signer(cp)
            except ChainError:
                problems.append(Problem(rel, "checkpoint", f"{where} is malformed"))
                continue
            except FieldkitError as exc:
                problems.append(Problem(rel, "checkpoint", f"{where} (seq {cp['seq']}): {exc}"))
                continue
            seq, head, hlc = cp["seq"], cp["head"], cp["hlc"]
            expected = device_keys.get(device)
            if expected is None:
                report.warnings.append(
                    Problem(
                        rel,
                        "device-key-unknown",
                        f"{where} (seq {seq}) is signed by {signer}; this "
                        "bundle does not carry the device's record, so its key is unknown here",
                    )
                )
            elif signer != expected:
                problems.append(
                    Problem(
                        rel,
                        "checkpoint",
                        f"{where} (seq {seq}) is signed by {signer}, "
                        f"not by the device's key {expected}",
                    )
                )
                continue
            if cj is not None and seq in cj.hashes:
                if cj.hashes[seq] != (head, hlc):
                    problems.append(
                        Problem(rel, "checkpoint", f"{where} does not match the event at seq {seq}")
                    )
                    continue
                covered = covered or seq == cj.last
            elif cj is None or cj.first is None or not cj.first <= seq <= (cj.last or 0):
                report.warnings.append(
                    Problem(rel, "checkpoint", f"{where} (seq {seq}) is outside the events carried")
                )
            if kept is not None:
                kept.checkpoints.append(dict(cp))
        if cj is not None and cj.last is not None and not covered:
            report.warnings.append(
                Problem(
                    cj.rel,
                    "checkpoint",
                    f"no signed checkpoint covers the device's last event (seq {cj.last})",
                )
            )
    for device, jf in journals.items():
        if f"{JOURNAL_DIR}/{device}.checkpoints.json" not in checkpoint_bytes and jf.count:
            report.warnings.append(
                Problem(jf.rel, "checkpoint", "no checkpoints file for this device")
            )


def _check_media(
    journals: dict[str, _JournalFile], media_found: dict[str, str], report: VerifyReport
) -> None:
    referenced: set[str] = set()
    for jf in journals.values():
        referenced |= jf.media
    for sha in sorted(referenced - set(media_found)):
        if not is_sha256(sha):
            report.problems.append(
                Problem(f"{MEDIA_DIR}", "media", f"a media event names a malformed sha256 {sha!r}")
            )
            continue
        report.problems.append(
            Problem(
                f"{MEDIA_DIR}/{sha[:2]}/{sha}",
                "missing-media",
                "the journal in this bundle records this file, but it is not here",
            )
        )
    for sha, rel in sorted(media_found.items()):
        if sha not in referenced:
            report.warnings.append(
                Problem(
                    rel,
                    "unreferenced-media",
                    "no media event in this bundle names it (an earlier bundle may)",
                )
            )


__all__ = ["UNTRUSTED", "Contents", "FolderSource", "VerifyReport", "ZipSource", "verify_bundle"]


def record_verification(store: Store, report: VerifyReport) -> None:
    """A custody event for a verification done on this store's machine.

    The details name the device ranges the bundle carried, so ``fieldkit log ID`` of a
    record shows that this bundle holding it was checked, when, by whom, and the result.
    """
    ranges = []
    for device, info in sorted(report.devices.items()):
        first, last = info.get("first"), info.get("last")
        if isinstance(first, int) and isinstance(last, int) and is_id(device):
            ranges.append(f"{device} {first}-{last}")
    result = "ok" if report.ok else f"failed: {len(report.problems)} problem(s)"
    store.record_custody(
        "verify",
        bundle_id=report.bundle_id,
        path=report.path,
        signer=report.signer.get("fingerprint"),
        result=result,
        details=ranges + [f"{p.file}: {p.message}" for p in report.problems[:20]],
    )
