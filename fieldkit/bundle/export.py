"""Writing a signed bundle: a BagIt 1.0 bag as a folder, a zip, or an age-encrypted zip.

Everything is streamed: each file is read once in 1 MiB blocks, hashed while it is
copied, and the manifests are written from those hashes, so memory stays flat
whatever the size of the media. The bundle is written under a temporary name
(``<out>.partial-<random>``) and renamed only when complete and synced, so a
half-written bundle never looks finished. The store records the export (a custody
event and a row in ``exports``) after the rename, in one transaction: a crash in
between only means the next incremental export carries the same events again, which
an import treats as already present.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyrage

from fieldkit import __version__, disclosure
from fieldkit.bundle.bag import (
    FORMAT_VERSION,
    FolderSink,
    Sink,
    bag_info_text,
)
from fieldkit.bundle.bagwriter import BagWriter, Plan, plan_export
from fieldkit.bundle.zippolicy import ZipWriter
from fieldkit.crypto import keys
from fieldkit.errors import BundleError, DiskFull, FieldkitError
from fieldkit.fsutil import fsync_dir, is_disk_full
from fieldkit.ids import new_id
from fieldkit.progress import CancelToken, ProgressFn
from fieldkit.store import Store


@dataclass
class ExportReport:
    """What an export wrote."""

    bundle_id: str  # urn:uuid:…
    path: str
    form: str  # folder, zip, zip.age
    full: bool
    previous_bundle: str | None
    signer: str
    signer_identity: str
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: int = 0
    media_files: int = 0
    payload_bytes: int = 0
    bytes_written: int = 0
    tagmanifest_sha256: str = ""
    recipients: list[str] = field(default_factory=list)
    #: What restricted/confidential content it carries (:mod:`fieldkit.disclosure`).
    carries: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """The tag manifest's SHA-256 in 4-character groups, to read over the phone."""
        h = self.tagmanifest_sha256
        return " ".join(h[i : i + 4] for i in range(0, len(h), 4))

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "path": self.path,
            "form": self.form,
            "full": self.full,
            "previous_bundle": self.previous_bundle,
            "signer": self.signer,
            "signer_identity": self.signer_identity,
            "devices": self.devices,
            "events": self.events,
            "media_files": self.media_files,
            "payload_bytes": self.payload_bytes,
            "bytes_written": self.bytes_written,
            "tagmanifest_sha256": self.tagmanifest_sha256,
            "fingerprint": self.fingerprint,
            "recipients": self.recipients,
            "carries": self.carries,
        }


def exported_upto(store: Store) -> dict[str, int]:
    """Per device, the last sequence number any earlier export from this store carried."""
    upto: dict[str, int] = {}
    for (ranges,) in store.conn.execute("SELECT ranges FROM exports"):
        for device, (_, last) in json.loads(ranges).items():
            upto[device] = max(upto.get(device, 0), int(last))
    return upto


def previous_bundle(store: Store) -> str | None:
    row = store.conn.execute(
        "SELECT bundle_id FROM exports ORDER BY created_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    return f"urn:uuid:{row[0]}" if row else None


def resolve_recipients(keys_dir: Path, names: Sequence[str]) -> list[tuple[str, Any]]:
    """:func:`fieldkit.disclosure.resolve_recipients` (the one rule for ``--to``), its
    refusal raised as :class:`BundleError` as every export problem is."""
    try:
        return disclosure.resolve_recipients(keys_dir, names)
    except disclosure.RecipientError as exc:
        raise BundleError(str(exc)) from None


def _target_paths(out: Path, zipped: bool, encrypted: bool) -> tuple[Path, str, str]:
    name = out.name
    for suffix in (".age", ".zip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if not name or name in (".", ".."):
        raise BundleError(f"{out}: not a usable bundle name")
    if encrypted:
        return out.with_name(name + ".zip.age"), name, "zip.age"
    if zipped:
        return out.with_name(name + ".zip"), name, "zip"
    return out.with_name(name), name, "folder"


def export_bundle(
    store: Store,
    out: Path,
    *,
    passphrase: bytes,
    full: bool = False,
    zip: bool = False,
    recipients: Sequence[str] = (),
    plaintext: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """Write a signed bundle of what this store has not exported before (or everything).

    ``recipients`` (age recipients or trusted identities) make it ``<name>.zip.age``:
    the signed zip, encrypted; no plaintext copy is written to disk. A bundle carrying
    restricted or confidential statements or media must be encrypted to a trusted
    colleague unless ``plaintext`` (:func:`fieldkit.disclosure.check_output`, raising
    :class:`~fieldkit.disclosure.DisclosureRefused` before anything is written);
    ``report.carries`` says what it carries. Raises :class:`BundleError` (nothing is
    left behind) or :class:`Cancelled`.
    """
    out = Path(out)
    age_recipients = resolve_recipients(store.keys_dir, recipients)
    final, top, form = _target_paths(out, zip, bool(age_recipients))
    if final.exists() or final.is_symlink():
        raise BundleError(f"{final} already exists; choose another --out")
    if not final.parent.is_dir():
        raise BundleError(f"{final.parent} is not a folder")
    try:  # the path goes into the custody record (UTF-8 JSON) after the bundle is in place
        str(final).encode("utf-8")
    except UnicodeEncodeError:
        raise BundleError(
            f"{os.fsencode(final)!r} is not a UTF-8 path, so the export could not be "
            "recorded; choose an --out whose name is UTF-8"
        ) from None
    plan = plan_export(store, {} if full else exported_upto(store), cancel)
    carried = disclosure.sensitive_content(store, plan.entities)
    disclosure.check_output(
        carried,
        trusted_recipients=len(
            disclosure.trusted_recipients(store.keys_dir, [r for r, _ in age_recipients])
        ),
        plaintext=plaintext,
    )
    key = keys.unlock_signing_key(store.keys_dir, passphrase)
    me = keys.load_public(store.keys_dir)
    identity = store.identity()
    store.checkpoint(key=key)  # vouch for this device's head as it leaves
    bundle_uuid = new_id()
    bundle_id = f"urn:uuid:{bundle_uuid}"
    now = dt.datetime.now(dt.UTC)
    report = ExportReport(
        bundle_id=bundle_id,
        path=str(final),
        form=form,
        full=full,
        previous_bundle=previous_bundle(store),
        signer=me.fingerprint,
        signer_identity=me.identity,
        recipients=[r for r, _ in age_recipients],
        carries=carried.to_json(),
    )
    partial = final.with_name(f"{final.name}.partial-{secrets.token_hex(6)}")
    writer = BagWriter(store, plan, report, progress, cancel)

    def write(sink: Sink) -> None:
        writer.write_payload(sink)
        info = _bag_info(report, identity, me, plan, now, writer)
        writer.write_tags(sink, info, key)
        sink.finish()

    try:
        if form == "folder":
            partial.mkdir()
            write(FolderSink(partial))
            os.rename(partial, final)
            fsync_dir(final.parent)
            report.bytes_written = writer.payload_bytes + writer.tag_bytes
        else:
            with open(partial, "xb") as f:
                if age_recipients:
                    report.bytes_written = _write_encrypted(
                        f, top, now, write, [r for _, r in age_recipients]
                    )
                else:
                    sink = ZipWriter(f, top, now)
                    write(sink)
                    report.bytes_written = sink.size
                f.flush()
                os.fsync(f.fileno())
            os.rename(partial, final)
            fsync_dir(final.parent)
    except BaseException as exc:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFull(
                f"disk full: the bundle was not written to {final.parent}; nothing half-made "
                f"(the partial {partial.name} was removed)"
            ) from None
        raise
    report.events = plan.events
    report.media_files = len(plan.media)
    report.payload_bytes = writer.payload_bytes
    report.devices = {
        d: {"first": first, "last": last, "head": head}
        for d, (first, last, head) in plan.devices.items()
    }
    ranges = {d: [first, last] for d, (first, last, _) in plan.devices.items()}
    with store.transaction():
        store.record_custody(
            "export",
            bundle_id=bundle_id,
            path=str(final),
            signer=me.fingerprint,
            result="ok",
            details=[f"{d} {a}-{b}" for d, (a, b) in sorted(ranges.items())]
            + [f"tagmanifest-sha256 {report.tagmanifest_sha256}"],
        )
        store.conn.execute(
            "INSERT INTO exports (bundle_id, created_at, path, full, ranges)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                bundle_uuid,
                now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                str(final),
                int(full),
                json.dumps(ranges, sort_keys=True),
            ),
        )
    return report


def _write_encrypted(
    out: IO[bytes], top: str, now: dt.datetime, write: Any, recipients: list[Any]
) -> int:
    """Stream the zip through a pipe into age's encrypter: no plaintext touches disk."""
    r_fd, w_fd = os.pipe()
    reader = os.fdopen(r_fd, "rb")
    pipe = os.fdopen(w_fd, "wb")
    errors: list[BaseException] = []

    def encrypt() -> None:
        try:
            pyrage.encrypt_io(reader, out, recipients)
        except BaseException as exc:  # reported in the calling thread
            errors.append(exc)
        finally:
            reader.close()

    thread = threading.Thread(target=encrypt, name="fieldkit-age", daemon=True)
    thread.start()
    broken = False
    try:
        sink = ZipWriter(pipe, top, now)  # it never seeks: zipfile streams
        write(sink)
    except BrokenPipeError:
        broken = True  # the encrypter stopped reading; its error is raised below
    finally:
        try:
            pipe.close()
        except BrokenPipeError:
            broken = True
        thread.join()
    if errors or broken:
        raise BundleError(f"age encryption failed: {errors[0] if errors else 'pipe closed'}")
    out.flush()
    return out.tell()


def _bag_info(
    report: ExportReport,
    identity: dict[str, Any],
    me: keys.PublicIdentity,
    plan: Plan,
    now: dt.datetime,
    writer: BagWriter,
) -> bytes:
    fields: list[tuple[str, str]] = [
        ("Bagging-Date", now.strftime("%Y-%m-%d")),
        ("Bag-Software-Agent", f"FieldKit {__version__}"),
        ("Payload-Oxum", f"{writer.payload_bytes}.{writer.payload_files}"),
        ("External-Identifier", report.bundle_id),
        ("Source-Organization", identity.get("organisation") or identity.get("name") or ""),
        ("Contact-Name", identity.get("name") or ""),
        ("Contact-Email", identity.get("email") or me.identity),
        ("FieldKit-Format-Version", str(max(int(FORMAT_VERSION), writer.event_version))),
        ("FieldKit-Created", now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
        ("FieldKit-Export", "full" if report.full else "incremental"),
        ("FieldKit-Signer", me.fingerprint),
        ("FieldKit-Signer-Identity", me.identity),
        ("FieldKit-Signer-Key", me.public_key),
    ]
    if report.previous_bundle:
        fields.append(("FieldKit-Previous-Bundle", report.previous_bundle))
    for device, (first, last, head) in sorted(plan.devices.items()):
        fields.append(("FieldKit-Device", f"{device} {first}-{last} {head}"))
    return bag_info_text(fields)


__all__ = ["ExportReport", "FieldkitError", "export_bundle", "exported_upto", "resolve_recipients"]
