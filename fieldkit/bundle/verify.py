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
decrypted (streaming) to a private 0700 folder (:func:`fieldkit.atrest.privatetemp.scratch_folder`:
in memory under ``$XDG_RUNTIME_DIR`` when it has room), removed afterwards, and by the next
FieldKit process if this one is killed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from fieldkit.atrest.privatetemp import scratch_folder
from fieldkit.bundle.bag import (
    BAG_INFO,
    BAGIT_TXT,
    BAGIT_TXT_NAME,
    CHECKPOINT_FILE,
    EXPORT_DIR,
    JOURNAL_DIR,
    JOURNAL_FILE,
    MANIFEST,
    MAX_BAG_INFO,
    MAX_BAGIT_TXT,
    MAX_MANIFEST_BYTES,
    MAX_SIGNATURE_BYTES,
    MAX_TAGMANIFEST_BYTES,
    MEDIA_FILE,
    SIGNATURE,
    TAG_FILES,
    TAGMANIFEST,
    TOP_LEVEL,
    Problem,
    parse_bag_info,
    parse_manifest,
)
from fieldkit.bundle.checks import check_bag_info, check_media, check_signature, is_release
from fieldkit.bundle.journals import JournalFile, check_journals
from fieldkit.bundle.payload import read_payload
from fieldkit.bundle.report import UNTRUSTED, Contents, VerifyReport
from fieldkit.bundle.sources import FolderSource, Source, ZipSource
from fieldkit.bundle.zippolicy import ZipReadError
from fieldkit.crypto import keys
from fieldkit.errors import BundleError
from fieldkit.ids import is_id
from fieldkit.progress import CancelToken, ProgressFn, Throttle

if TYPE_CHECKING:
    from fieldkit.store import Store


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
    report, _ = verify_path(
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


def verify_path(
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
        source: Source = FolderSource(path)
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
    with scratch_folder(path.stat().st_size) as tmp:
        plain = tmp / "bundle.zip"
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
                pyrage.decrypt_io(src, dst, [identity])
        except Exception as exc:  # pyrage's DecryptError and friends
            report.problems.append(Problem("decrypt", f"cannot decrypt: {exc}", path=path.name))
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
                Problem("refused", "hostile or damaged zip: nothing was read", path=zsrc.label)
            )
            return report, None
        return _verify_source(zsrc, report, trust, progress, cancel, keep, on_source, serial)
    finally:
        zsrc.close()


def _read_small(
    source: Source, rel: str, limit: int, report: VerifyReport, *, required: bool = True
) -> bytes | None:
    size = source.files.get(rel)
    if size is None:
        if required:
            report.problems.append(Problem("missing", "required file is missing", path=rel))
        return None
    if size > limit:
        report.problems.append(
            Problem("bounds", f"{size} bytes; at most {limit} are accepted (not read)", path=rel)
        )
        return None
    chunks: list[bytes] = []
    total = 0
    try:
        for block in source.read_blocks(rel):
            total += len(block)
            if total > limit:
                report.problems.append(Problem("bounds", f"grew past {limit} bytes", path=rel))
                return None
            chunks.append(block)
    except (OSError, ZipReadError) as exc:
        report.problems.append(Problem("read", f"cannot read: {exc}", path=rel))
        return None
    return b"".join(chunks)


def _verify_source(
    source: Source,
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
            problems.append(Problem("unexpected-file", "not a file of a FieldKit bag", path=rel))
        elif "/" in rel and not rel.startswith("data/"):
            problems.append(
                Problem("unexpected-file", "outside data/ and not a tag file", path=rel)
            )

    # Tag files: small, bounded, read once each.
    bagit = _read_small(source, BAGIT_TXT_NAME, MAX_BAGIT_TXT, report)
    if bagit is not None and bagit != BAGIT_TXT:
        problems.append(
            Problem(
                "bagit",
                "must be exactly 'BagIt-Version: 1.0' and 'Tag-File-Character-Encoding: UTF-8'",
                path=BAGIT_TXT_NAME,
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
                    Problem("unexpected-file", f"lists {rel}, not a tag file", path=TAGMANIFEST)
                )
            elif rel not in files:
                problems.append(Problem("missing", f"listed in {TAGMANIFEST}, missing", path=rel))
            elif (data := contents.get(rel)) is not None and hashlib.sha256(
                data
            ).hexdigest() != sha:
                problems.append(
                    Problem(
                        "tag-checksum", f"does not match its SHA-256 in {TAGMANIFEST}", path=rel
                    )
                )
        for name in TAG_FILES:
            if name not in tag_entries:
                problems.append(Problem("incomplete", f"does not list {name}", path=TAGMANIFEST))

    # bag-info.
    info: dict[str, list[str]] = {}
    if info_bytes is not None:
        info, info_problems = parse_bag_info(info_bytes)
        problems.extend(info_problems)
        check_bag_info(info, report)

    # The signature.
    if sig_bytes is not None and tagm_bytes is not None:
        check_signature(sig_bytes, tagm_bytes, info, trust, report)

    # The payload: every listed file hashed once; journals parsed from the same blocks.
    entries: dict[str, str] = {}
    if manifest_bytes is not None:
        entries, manifest_problems = parse_manifest(manifest_bytes, MANIFEST)
        problems.extend(manifest_problems)
    payload = {rel: size for rel, size in files.items() if rel.startswith("data/")}
    for rel in sorted(set(payload) - set(entries)):
        problems.append(Problem("unlisted", f"in the bag but not in {MANIFEST}", path=rel))
    for rel in sorted(set(entries) - set(files)):
        problems.append(Problem("missing", f"listed in {MANIFEST} but missing", path=rel))
    oxum = info.get("Payload-Oxum", [""])[0]
    actual_oxum = f"{sum(payload.values())}.{len(payload)}"
    if oxum and oxum != actual_oxum:
        problems.append(
            Problem("oxum", f"Payload-Oxum {oxum}, but the payload is {actual_oxum}", path=BAG_INFO)
        )
    release = is_release(info)
    report.files = len(payload)
    report.payload_bytes = sum(payload.values())

    kept = Contents() if keep else None
    journals: dict[str, JournalFile] = {}
    checkpoint_bytes: dict[str, bytes] = {}
    media_found: dict[str, str] = {}  # sha -> rel, for files that hash to their name
    to_read = [rel for rel in entries if rel in files]
    journal_first = sorted(to_read, key=lambda r: (not r.startswith(JOURNAL_DIR + "/"), r))
    ordered = [r for r in journal_first if r.startswith(JOURNAL_DIR + "/")]
    ordered += source.order([r for r in journal_first if not r.startswith(JOURNAL_DIR + "/")])
    throttle = Throttle(progress)
    total = sum(files[r] for r in ordered) + 1
    outcomes = read_payload(source, ordered, total, throttle, cancel, serial=serial)
    # The results are judged in one fixed order whatever order they were read in, so
    # the parallel and the serial mode give the same report.
    for rel in ordered:
        outcome = outcomes[rel]
        if outcome.error is not None:
            problems.append(Problem("read", f"cannot read: {outcome.error}", path=rel))
            continue
        actual = outcome.digest
        if actual != entries[rel]:
            problems.append(
                Problem("checksum", f"does not match its SHA-256 in {MANIFEST}", path=rel)
            )
        jf = outcome.journal
        if jf is not None:
            jf.finish()
            journals[jf.device] = jf
            problems.extend(jf.problems)
            if kept is not None and actual == entries[rel]:
                kept.journals[jf.device] = (rel, actual)
        elif outcome.limit:
            if outcome.held_size > outcome.limit:
                problems.append(Problem("bounds", f"over {outcome.limit} bytes", path=rel))
            else:
                checkpoint_bytes[rel] = outcome.held or b""
        mm = MEDIA_FILE.match(rel)
        if mm:
            sha = mm.group(2)
            if mm.group(1) != sha[:2]:
                problems.append(Problem("media", "not in the folder its name belongs in", path=rel))
            elif actual != sha:
                problems.append(
                    Problem("media", f"the file hashes to {actual}, not to its name", path=rel)
                )
            else:
                media_found[sha] = rel
        elif release:
            continue  # a release's payload is for readers; the manifests cover it
        elif not (JOURNAL_FILE.match(rel) or CHECKPOINT_FILE.match(rel)) and rel not in (
            f"{JOURNAL_DIR}/devices.json",
            f"{EXPORT_DIR}/sites.geojson",
            f"{EXPORT_DIR}/media.csv",
            f"{EXPORT_DIR}/README.txt",
        ):
            report.warnings.append(
                Problem(
                    "unexpected-file", "not part of the FieldKit layout (kept, unread)", path=rel
                )
            )
    throttle(total, total, "checked")
    check_journals(journals, checkpoint_bytes, info, report, kept)
    check_media(journals, media_found, report)
    report.media_files = len(media_found)
    if kept is not None:
        kept.media = dict(media_found)
        if on_source is not None:
            # The importer copies media while the source (an open zip, a decrypted
            # temporary file) still exists; it decides from the report whether to.
            on_source(source, kept, report)
    return report, kept


def verify_on_store(
    store: Store,
    path: Path,
    *,
    trust: Path | None = None,
    passphrase: bytes | None = None,
    record: bool = True,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> VerifyReport:
    """Verify a bundle on a store's machine, as ``fieldkit verify`` and the app both do.

    Trust is this store's trusted keys (``keys/allowed_signers``) unless ``trust`` names
    another allowed_signers file or keys folder; a ``.zip.age`` is decrypted with this
    store's age identity, unlocked with ``passphrase`` (:class:`~fieldkit.errors.BundleError`
    without it; :class:`~fieldkit.errors.WrongPassphrase` if it is wrong); and unless
    ``record`` is False the verification is written as a custody event
    (:func:`record_verification`), whatever its result. Returns the report.
    """
    report = verify_bundle(
        Path(path),
        trust=trust if trust is not None else store.keys_dir,
        keys_dir=store.keys_dir,
        passphrase=passphrase,
        progress=progress,
        cancel=cancel,
    )
    if record:
        record_verification(store, report)
    return report


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
        details=ranges + [str(p) for p in report.problems[:20]],
    )


__all__ = [
    "UNTRUSTED",
    "Contents",
    "FolderSource",
    "VerifyReport",
    "ZipSource",
    "record_verification",
    "verify_bundle",
    "verify_on_store",
    "verify_path",
]
