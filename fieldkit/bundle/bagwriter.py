"""What an export carries and how it goes into the bag: :func:`plan_export` reads the
journal once for the events, devices and originals to carry; :class:`BagWriter` streams
them into a sink (a folder or a zip) in 1 MiB blocks, hashing while copying (an original
once, by the store that pushes it), then writes
the journals, the views, the manifests (BagIt 1.0, RFC 8493 §2.1.3, §2.2.1) and the
signature. :mod:`fieldkit.bundle.export` decides where the bundle goes and records it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fieldkit.bundle import views
from fieldkit.bundle.bag import (
    BAG_INFO,
    BAGIT_TXT,
    BAGIT_TXT_NAME,
    EXPORT_DIR,
    JOURNAL_DIR,
    MANIFEST,
    MEDIA_DIR,
    SIGNATURE,
    TAGMANIFEST,
    HashingWriter,
    Sink,
    manifest_text,
)
from fieldkit.canonical import is_sha256
from fieldkit.crypto import namespaces, sshsig
from fieldkit.errors import BundleError, MediaError
from fieldkit.ids import is_id
from fieldkit.mediastore import OriginalMismatch, OriginalsOut
from fieldkit.progress import CancelToken, ProgressFn, Throttle, check_cancel
from fieldkit.store import Store

if TYPE_CHECKING:
    from fieldkit.bundle.export import ExportReport


@dataclass
class Plan:
    """What :func:`plan_export` found to carry."""

    since: dict[str, int]
    devices: dict[str, tuple[int, int, str]]  # device -> first, last, head
    media: list[tuple[str, int]]  # sha256, size
    entities: dict[str, set[str]]
    events: int


def plan_export(store: Store, since: dict[str, int], cancel: CancelToken | None) -> Plan:
    """What an export carries: every event after ``since`` (device → last seq already
    exported; empty for a full export), the devices' ranges and heads, and the originals
    those events reference with their plain sizes. Raises :class:`BundleError` for a
    malformed device id or sha256, or an original the store lacks."""
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
    return Plan(since, devices, media, entities, count)


class BagWriter:
    """Streams a planned export into a sink: payload, journals, views, manifests, signature."""

    def __init__(
        self,
        store: Store,
        plan: Plan,
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
                w.write(json_bytes(cps))
        shas = [sha for sha, _ in plan.media]
        total = sum(size for _, size in plan.media)
        with store.media.originals_out(shas, total_bytes=total) as out:
            for sha, size in plan.media:
                check_cancel(self.cancel)
                self._write_original(sink, out, sha, size)
        self._write_views(sink)

    def _write_original(self, sink: Sink, out: OriginalsOut, sha: str, size: int) -> None:
        """Copy one original into the payload under its SHA-256, verified while it streams.

        The store pushes the bytes (decrypting them in an encrypted store, in a helper
        process for a large export: :class:`~fieldkit.mediastore.OriginalsOut`) and
        hashes them once on the way; that check is what stands behind the manifest line,
        so the bytes are not hashed a second time here. An original that no longer has
        its bytes, or whose sealed file does not decrypt, stops the export: the exception
        leaves the sink, and :func:`~fieldkit.bundle.export.export_bundle` removes the
        partial bundle, so no unverified original reaches a finished one.
        """
        rel = f"{MEDIA_DIR}/{sha[:2]}/{sha}"

        def step(n: int) -> None:
            self._tick(n, rel)
            check_cancel(self.cancel)

        try:
            with sink.open(rel, size=size) as target:
                written = out.copy(sha, target, on_block=step)
        except OriginalMismatch as exc:
            raise BundleError(
                f"the store's original {sha} no longer has the bytes its name says (they "
                f"hash to {exc.actual}); nothing was exported. Restore it from a backup."
            ) from None
        except MediaError as exc:
            raise BundleError(
                f"the store's original {sha} cannot be read ({exc}); nothing was exported. "
                "Restore it from a backup."
            ) from None
        self.manifest.append((rel, sha))
        self.payload_bytes += written
        self.payload_files += 1

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
        footprints = site_footprints(store, {s["id"] for s in sites if not s.get("retracted")})
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


def json_bytes(doc: Any) -> bytes:
    """``doc`` as the bag's JSON files are written: sorted keys, one-space indent, UTF-8."""
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def site_footprints(store: Any, site_ids: set[str]) -> list[dict[str, Any]]:
    """The footprint of each exported site that has located submunitions, craters or
    fragments (a derived view: the journal holds the remnants it comes from)."""
    from fieldkit.map.footprint import footprints_from_remnants

    rows = [
        (r["id"], r["site_id"], r.get("category"), r.get("lat"), r.get("lon"), r.get("count"))
        for r in store.find("remnant", order="id")
        if r["site_id"] in site_ids
    ]
    return footprints_from_remnants(rows)
