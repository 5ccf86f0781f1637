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
import hashlib
import json
import os
import secrets
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyrage

from fieldkit import __version__, disclosure
from fieldkit.bundle import views
from fieldkit.bundle.bag import (
    BAG_INFO,
    BAGIT_TXT,
    BAGIT_TXT_NAME,
    BLOCK,
    EXPORT_DIR,
    FORMAT_VERSION,
    JOURNAL_DIR,
    MANIFEST,
    MEDIA_DIR,
    SIGNATURE,
    TAGMANIFEST,
    FolderSink,
    HashingWriter,
    Sink,
    bag_info_text,
    manifest_text,
)
from fieldkit.bundle.zippolicy import ZipWriter
from fieldkit.canonical import is_sha256
from fieldkit.crypto import keys, namespaces, sshsig, trustlist
from fieldkit.errors import BundleError, DiskFull, FieldkitError
from fieldkit.fsutil import fsync_dir, is_disk_full
from fieldkit.ids import is_id, new_id
from fieldkit.progress import CancelToken, ProgressFn, Throttle, check_cancel
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
    """``age1…`` strings, or identities / fingerprints of trusted people with a known recipient."""
    out: list[tuple[str, Any]] = []
    trusted = trustlist.list_trusted(keys_dir) if names else []
    for name in names:
        text = name.strip()
        if not text.startswith("age1"):
            matches = [s for s in trusted if text in (s.identity, s.fingerprint)]
            if not matches:
                raise BundleError(
                    f"--to {name}: not an age recipient (age1…) nor a trusted identity"
                )
            if not matches[0].age_recipient:
                raise BundleError(
                    f"--to {name}: no age recipient is known for this person; trust their "
                    "`fieldkit keys export` file, which carries it"
                )
            text = matches[0].age_recipient
        try:
            out.append((text, pyrage.x25519.Recipient.from_str(text)))
        except Exception as exc:  # pyrage raises its own RecipientError
            raise BundleError(f"--to {name}: not a valid age recipient: {exc}") from None
    return out


@dataclass
class _Plan:
    since: dict[str, int]
    devices: dict[str, tuple[int, int, str]]  # device -> first, last, head
    media: list[tuple[str, int]]  # sha256, size
    entities: dict[str, set[str]]
    events: int


def _plan(store: Store, full: bool, cancel: CancelToken | None) -> _Plan:
    since = {} if full else exported_upto(store)
    devices: dict[str, tuple[int, int, str]] = {}
    for device, (seq, head) in sorted(store.chain_heads().items()):
        if not is_id(device):
            raise BundleError(f"device id {device!r} in the journal is not a UUID; not exported")
        if seq > since.get(device, 0):
            devices[device] = (since.get(device, 0) + 1, seq, head)
    shas: set[str] = set()
    entities: dict[str, set[str]] = {}
    count = 0
    for event in store.iter_events(since):
        count += 1
        if count % 5000 == 0:
            check_cancel(cancel)
        entities.setdefault(event.kind, set()).add(event.entity)
        sha = event.fields.get("sha256") if event.kind == "media" else None
        if sha is not None:
            if not is_sha256(sha):
                raise BundleError(f"media event {event.hash[:12]}… has a malformed sha256")
            shas.add(sha)
    media = []
    # The original's size: the file's in an unencrypted store; in an encrypted one the
    # sealed file is larger, so the size comes from the media records (checked again
    # against the bytes as they are written).
    sizes: dict[str, int] = {}
    if store.media.encrypted:
        for sha, size in store.conn.execute("SELECT sha256, size FROM media"):
            if isinstance(size, int):
                sizes[sha] = size
    for sha in sorted(shas):
        path = store.media.path_of(sha)
        try:
            plain_size = path.stat().st_size  # raises when the file is missing
            if store.media.encrypted:
                plain_size = sizes[sha] if sha in sizes else store.media.size_of(sha)
            media.append((sha, plain_size))
        except OSError:
            raise BundleError(
                f"the store lacks the original file {sha} that its journal references; "
                "nothing was exported"
            ) from None
    return _Plan(since, devices, media, entities, count)


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
    plan = _plan(store, full, cancel)
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
    writer = _BagWriter(store, plan, report, progress, cancel)

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


class _BagWriter:
    def __init__(
        self,
        store: Store,
        plan: _Plan,
        report: ExportReport,
        progress: ProgressFn | None,
        cancel: CancelToken | None,
    ) -> None:
        self.store = store
        self.plan = plan
        self.report = report
        self.cancel = cancel
        self.progress = Throttle(progress)
        self.manifest: list[tuple[str, str]] = []
        self.payload_bytes = 0
        self.payload_files = 0
        self.tag_bytes = 0
        self.event_version = 1  # the highest event version written (bag-info's format)
        self.total = plan.events + sum(size for _, size in plan.media) + 1
        self.done = 0

    def _tick(self, n: int, message: str) -> None:
        self.done += n
        self.progress(min(self.done, self.total - 1), self.total, message)

    @contextmanager
    def _payload(self, sink: Sink, rel: str, *, size: int | None = None) -> Iterator[HashingWriter]:
        with sink.open(rel, size=size) as target:
            hw = HashingWriter(target)
            yield hw
        self.manifest.append((rel, hw.hexdigest()))
        self.payload_bytes += hw.size
        self.payload_files += 1

    def write_payload(self, sink: Sink) -> None:
        store, plan = self.store, self.plan
        for device in sorted(plan.devices):
            first, last, _ = plan.devices[device]
            with self._payload(sink, f"{JOURNAL_DIR}/{device}.jsonl") as w:
                n = 0
                for event in store.iter_events(plan.since, device=device):
                    w.write(event.data + b"\n")
                    self.event_version = max(self.event_version, int(event.body["v"]))
                    n += 1
                    if n % 1000 == 0:
                        check_cancel(self.cancel)
                        self._tick(1000, "journal")
                self._tick(n % 1000, "journal")
            cps = [c for c in store.checkpoints(device) if first <= c["seq"] <= last]
            with self._payload(sink, f"{JOURNAL_DIR}/{device}.checkpoints.json") as w:
                w.write(_json_bytes(cps))
        for sha, size in plan.media:
            check_cancel(self.cancel)
            rel = f"{MEDIA_DIR}/{sha[:2]}/{sha}"
            with (
                store.media.open_original(sha) as src,
                self._payload(sink, rel, size=size) as w,
            ):
                while block := src.read(BLOCK):
                    w.write(block)
                    self._tick(len(block), rel)
                    check_cancel(self.cancel)
            if w.hexdigest() != sha:
                raise BundleError(
                    f"the store's file media/{sha[:2]}/{sha} no longer has the bytes its name "
                    f"says (it hashes to {w.hexdigest()}); nothing was exported. "
                    "Restore it from a backup."
                )
        self._write_views(sink)

    def _write_views(self, sink: Sink) -> None:
        store, plan = self.store, self.plan
        full = self.report.full
        sites = [
            s
            for s in store.find("site", include_retracted=True, order="id")
            if full or s["id"] in plan.entities.get("site", set())
        ]
        shas = {sha for sha, _ in plan.media}
        media = [
            m
            for m in store.find("media", include_retracted=True, order="id")
            if m["sha256"] in shas
        ]
        links: dict[str, list[str]] = {}
        for link in store.find("link", order="id"):
            links.setdefault(link["media_id"], []).append(
                f"{link['target_kind']}:{link['target_id']}"
            )
        person = store.identity()
        footprints = _footprints(store, {s["id"] for s in sites if not s.get("retracted")})
        for rel, data in (
            (f"{EXPORT_DIR}/sites.geojson", views.sites_geojson(sites, footprints)),
            (f"{EXPORT_DIR}/media.csv", views.media_csv(media, links)),
            (
                f"{EXPORT_DIR}/README.txt",
                views.readme_text(
                    bundle_id=self.report.bundle_id,
                    identity=self.report.signer_identity,
                    fingerprint=self.report.signer,
                    signer_name=str(person.get("name") or ""),
                    created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    devices=plan.devices,
                    media_count=len(plan.media),
                    event_count=plan.events,
                    export_kind="full" if full else "incremental",
                ),
            ),
        ):
            with self._payload(sink, rel) as w:
                w.write(data)

    def write_tags(self, sink: Sink, info: bytes, key: Any) -> None:
        manifest = manifest_text(self.manifest)
        tags: list[tuple[str, str]] = []
        for name, data in ((BAGIT_TXT_NAME, BAGIT_TXT), (BAG_INFO, info), (MANIFEST, manifest)):
            with sink.open(name) as w:
                w.write(data)
            tags.append((name, hashlib.sha256(data).hexdigest()))
            self.tag_bytes += len(data)
        tagmanifest = manifest_text(tags)
        signature = sshsig.sign(key, tagmanifest, namespaces.BUNDLE_NAMESPACE).encode("ascii")
        for name, data in ((TAGMANIFEST, tagmanifest), (SIGNATURE, signature)):
            with sink.open(name) as w:
                w.write(data)
            self.tag_bytes += len(data)
        self.report.tagmanifest_sha256 = hashlib.sha256(tagmanifest).hexdigest()
        self.progress(self.total, self.total, "signed")


def _json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _bag_info(
    report: ExportReport,
    identity: dict[str, Any],
    me: keys.PublicIdentity,
    plan: _Plan,
    now: dt.datetime,
    writer: _BagWriter,
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


def _footprints(store: Any, site_ids: set[str]) -> list[dict[str, Any]]:
    """The footprint of each exported site that has located submunitions, craters or
    fragments (a derived view: the journal holds the remnants it comes from)."""
    from fieldkit.map.footprint import footprints_from_remnants

    rows = [
        (r["id"], r["site_id"], r.get("category"), r.get("lat"), r.get("lon"), r.get("count"))
        for r in store.find("remnant", order="id")
        if r["site_id"] in site_ids
    ]
    return footprints_from_remnants(rows)
