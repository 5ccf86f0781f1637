"""A signed, redacted public release of one case, provably linked to the evidence.

What leaves is decided by :func:`fieldkit.audience.build_view` for the ``public``
audience (the same rules as every public output): only records marked ``release: yes``;
statements only when public *and* consented (``named``/``anonymous``), under release
labels ("Witness 1"), without interviewer; sensitive positions snapped to an N-metre grid
in the point's UTM zone; no camera make, model or serial, no evidence SHA-256, no
internal id.

Photos are **derived copies**: decoded, turned upright (EXIF Orientation, tag 0x0112, as
FieldKit read it), the redaction rectangles of the media record burned in as solid blocks
(:mod:`fieldkit.redact`), and encoded afresh with no metadata block at all (no EXIF, XMP,
IPTC, ICC profile, comment or embedded thumbnail). PNG stays PNG (lossless, so a block
stays exactly one colour); everything else becomes a baseline JPEG.

Video and audio are **remuxed** (:func:`fieldkit.remux.strip_av`): the coded picture and
sound packets copied unchanged into a new container that carries no metadata (no GPS, no
creation time, no make/model/serial, no Apple keys, no encoder tag), data tracks dropped,
and the copy checked by FieldKit's own reader before it goes out. A file that cannot be
remuxed so (Ogg, FLAC, a stream the container cannot take, a copy that still carries
something) is **left out** with its reason. Redaction rectangles cannot be burned into a
video: a video or recording is published *as recorded*, the README says so ("check it by
hand"), and one whose media record has redaction rectangles is left out rather than
published unredacted.

The release is a BagIt 1.0 bag (RFC 8493) signed like a bundle but in its own SSHSIG
namespace, ``fieldkit-release@v1``, so a release signature can never pass for a bundle
signature or the other way round::

    <name>/bagit.txt, bag-info.txt (FieldKit-Release-Version: 1), manifest-sha256.txt,
           tagmanifest-sha256.txt, tagmanifest-sha256.txt.sig
           data/README.txt, data/release.json, data/release.geojson,
           data/photos/P1.jpg …, data/media/P2.mp4 …, data/report-public.pdf

**The link stays private.** For every published photo, video and recording the store
records a ``derivation`` (W3C PROV ``prov:wasDerivedFrom``: the copy's SHA-256, the
original's, the transformations and redactions), and for the release a ``publication``
(its id, case, grid, which statements and media it carried). Both are ordinary journal
events: they are in no release, travel in bundles, replay, and show in ``fieldkit log``.

Why over 500 lines: what goes into the bag and the derivation recorded for it are decided
together, item by item, in one pass; the remux itself is :mod:`fieldkit.remux`. To split
(the photo and the video/audio parts into their own modules) next round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fieldkit import __version__
from fieldkit.audience import PUBLIC, Audience, OutputView, build_view
from fieldkit.bundle.bag import (
    BAG_INFO,
    BAGIT_TXT,
    BAGIT_TXT_NAME,
    MANIFEST,
    SIGNATURE,
    TAGMANIFEST,
    FolderSink,
    HashingWriter,
    Sink,
    bag_info_text,
    manifest_text,
)
from fieldkit.bundle.zippolicy import ZipWriter
from fieldkit.crypto import keys, namespaces, sshsig
from fieldkit.errors import FieldkitError
from fieldkit.fsutil import fsync_dir
from fieldkit.ids import new_id
from fieldkit.metadata.av import is_av
from fieldkit.progress import CancelToken, ProgressFn, check_cancel
from fieldkit.redact import Rect, burn, parse_rects
from fieldkit.remux import RemuxError, strip_av

RELEASE_VERSION = "1"
JPEG_QUALITY = 90
# Pillow's transpose for each EXIF Orientation value (TIFF 6.0 / Exif 2.32 tag 0x0112).
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}
_LOSSLESS = ("image/png",)
_STILLS = ("image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic", "image/heif")


class ReleaseError(FieldkitError):
    """A release that cannot be written (the target exists, no such folder, …)."""

    exit_code = 2


@dataclass
class ReleaseReport:
    """What a release wrote, and what it did not publish and why."""

    path: Path
    release_id: str
    case_id: str
    generalise_m: int
    signer: str
    counts: dict[str, int] = field(default_factory=dict)
    photos: list[dict[str, Any]] = field(default_factory=list)  # {ref, file, sha256}
    #: Videos and recordings published as metadata-free remuxes: {ref, file, sha256,
    #: duration_s, kept, dropped}.
    recordings: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)  # {kind, ref, reason}
    held_back: list[dict[str, Any]] = field(default_factory=list)
    tagmanifest_sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "release_id": self.release_id,
            "case_id": self.case_id,
            "audience": PUBLIC,
            "generalise_m": self.generalise_m,
            "signer": self.signer,
            "namespace": namespaces.RELEASE_NAMESPACE,
            "counts": self.counts,
            "photos": self.photos,
            "recordings": self.recordings,
            "left_out": self.left_out,
            "held_back": self.held_back,
            "tagmanifest_sha256": self.tagmanifest_sha256,
        }


# --- photos -----------------------------------------------------------------------------


def derive_photo(data: bytes, mime: str, orientation: int | None, rects: list[Rect]) -> bytes:
    """A publishable copy of a still image: upright, redacted, re-encoded, no metadata.

    ``rects`` are in pixels of the upright image. Returns PNG bytes for a PNG, else JPEG.
    Raises :class:`ReleaseError` when the image cannot be decoded.
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            method = _TRANSPOSE.get(orientation or 1)
            upright = im.transpose(Image.Transpose(method)) if method is not None else im.copy()
    except Exception as exc:  # Pillow raises many types for a damaged file
        raise ReleaseError(f"cannot decode the photo: {exc}") from exc
    lossless = mime in _LOSSLESS
    keeps_alpha = lossless and upright.mode in ("RGBA", "LA", "P")
    mode = "RGBA" if keeps_alpha else "RGB"
    # A fresh image holds the pixels and nothing else: no info dict (comment, ICC,
    # EXIF, XMP, DPI) can follow the pixels into the encoder.
    clean = Image.new(mode, upright.size)
    clean.paste(upright.convert(mode))
    burn(clean, rects)
    out = io.BytesIO()
    if lossless:
        clean.save(out, "PNG", optimize=False)
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    return out.getvalue()


# --- the release ------------------------------------------------------------------------


class _Payload:
    """Collects the payload's manifest lines while files are written into a sink."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.manifest: list[tuple[str, str]] = []
        self.bytes = 0

    @contextmanager
    def open(self, rel: str) -> Iterator[HashingWriter]:
        with self.sink.open(rel) as target:
            hw = HashingWriter(target)
            yield hw
        self.manifest.append((rel, hw.hexdigest()))
        self.bytes += hw.size

    def put(self, rel: str, data: bytes) -> str:
        with self.open(rel) as w:
            w.write(data)
        return hashlib.sha256(data).hexdigest()


def _public(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "redactions"}


def _feature(kind: str, rec: Mapping[str, Any]) -> dict[str, Any] | None:
    lat, lon = rec.get("lat"), rec.get("lon")
    if lat is None or lon is None:
        return None
    props = {k: v for k, v in _public(rec).items() if k not in ("lat", "lon")}
    props["layer"] = kind
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def _readme(case: Mapping[str, Any], report: ReleaseReport, me: keys.PublicIdentity) -> bytes:
    lines = [
        f"Public release of: {case.get('title') or 'a case'}",
        f"Release id: {report.release_id}",
        f"Signed by: {me.identity} (key {me.fingerprint})",
        "",
        "What this is",
        "  A selection of evidence chosen for publication. Photos are copies made for",
        "  publication: turned upright, with parts blacked out where people or places had",
        "  to be protected, and with every metadata block removed (no GPS, no camera).",
        f"  Positions marked sensitive are rounded to a {report.generalise_m} m grid.",
        "  Witnesses are named by release labels (Witness 1, …), never by name or code.",
        "  The originals stay with the organisation, which can prove how each copy was made.",
        "",
        "Contents",
        "  release.json      every published record (sites, remnants, statements, photos)",
        "  release.geojson   the same places as GeoJSON (RFC 7946, WGS 84, lon/lat)",
        "  photos/           the published photos (P1, P2, … as in release.json)",
        "  media/            the published videos and recordings, as recorded",
        "  report-public.pdf the case report written for the public",
        "",
        "How to check it has not been changed (inside the release folder)",
        "  sha256sum -c tagmanifest-sha256.txt",
        "  sha256sum -c manifest-sha256.txt",
        "  ssh-keygen -Y verify -f allowed_signers -I <signer identity> \\",
        f"      -n {namespaces.RELEASE_NAMESPACE} -s tagmanifest-sha256.txt.sig"
        " < tagmanifest-sha256.txt",
        "  (allowed_signers holds the publisher's public key, obtained from them directly)",
    ]
    if report.recordings:
        lines += [
            "",
            "Videos and recordings",
            "  Published as recorded: their picture and sound are the original's, copied",
            "  unchanged into a new file without any metadata (no GPS, no recording date,",
            "  no camera). Nothing in them is blacked out, blurred or disguised: faces,",
            "  voices and places are as the camera caught them. The person who released",
            "  them checked them by hand; check them again before re-publishing.",
        ]
        lines += [f"  {item['ref']}: {item['file'][len('data/') :]}" for item in report.recordings]
    if report.left_out:
        lines += ["", "Not published here"]
        lines += [f"  {item['ref']}: {item['reason']}" for item in report.left_out]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_release(
    store: Any,
    out: Path,
    *,
    case_id: str,
    passphrase: bytes,
    zipped: bool = False,
    grid_m: int = 100,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ReleaseReport:
    """Write the public release of ``case_id`` at ``out`` (``out.zip`` with ``zipped``).

    Records a ``publication`` and one ``derivation`` per published photo in the journal
    only once the release is complete; a failure or :class:`~fieldkit.errors.Cancelled`
    leaves neither a partial release nor any event. Raises :class:`ReleaseError` when the
    target exists or its folder does not, :class:`~fieldkit.errors.WrongPassphrase`
    before any work, :class:`~fieldkit.errors.NotFound` for an unknown case.
    """
    out = Path(out)
    final = out.with_name(out.name + ".zip") if zipped and out.suffix != ".zip" else out
    top = final.name[:-4] if final.suffix == ".zip" else final.name
    if final.exists():
        raise ReleaseError(f"{final} already exists; choose another --out")
    if not final.parent.is_dir():
        raise ReleaseError(f"{final.parent} is not a folder")
    key = keys.unlock_signing_key(store.keys_dir, passphrase)  # fail before the long work
    me = keys.load_public(store.keys_dir)
    audience = Audience(PUBLIC, grid_m=grid_m)
    view = build_view(store, audience, case_id=case_id, cancel=cancel)
    release_id = new_id()
    report = ReleaseReport(final, release_id, case_id, grid_m, me.fingerprint)
    report.held_back = list(view.held_back)
    now = dt.datetime.now(dt.UTC)
    partial = final.with_name(f".{final.name}.partial-{secrets.token_hex(4)}")
    derivations: list[dict[str, Any]] = []
    try:
        if zipped:
            with open(partial, "xb") as f:
                zsink = ZipWriter(f, top, now)
                derivations = _write(
                    store, view, zsink, report, me, key, now, progress, cancel, final.parent
                )
                zsink.finish()
                f.flush()
                os.fsync(f.fileno())
        else:
            partial.mkdir()
            sink = FolderSink(partial)
            derivations = _write(
                store, view, sink, report, me, key, now, progress, cancel, final.parent
            )
            sink.finish()
        check_cancel(cancel)
        _record(store, view, report, derivations, now)
        os.rename(partial, final)
        fsync_dir(final.parent)
    except BaseException:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        raise
    return report


def _write(
    store: Any,
    view: OutputView,
    sink: Sink,
    report: ReleaseReport,
    me: keys.PublicIdentity,
    key: Any,
    now: dt.datetime,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    scratch: Path,
) -> list[dict[str, Any]]:
    payload = _Payload(sink)
    derivations: list[dict[str, Any]] = []
    published_media = []
    total = len(view.media) + 2
    for n, m in enumerate(view.media):
        check_cancel(cancel)
        if progress:
            progress(n, total, "photos")
        record = store.get(m["_id"], "media")
        mime = record.get("mime") or ""
        if is_av(mime):
            published = _publish_av(store, record, m, mime, payload, report, scratch)
            if published is not None:
                published_media.append(published[0])
                derivations.append(published[1])
            continue
        if mime not in _STILLS:
            report.left_out.append(
                {
                    "kind": "media",
                    "ref": m["ref"],
                    "reason": f"{mime or 'this file type'} is not published: FieldKit removes "
                    "metadata from still images, video and audio only, so documents stay out",
                }
            )
            continue
        rects = parse_rects(record.get("redactions"))
        try:
            data = derive_photo(
                store.media.read_original(record["sha256"]),
                mime,
                record.get("orientation"),
                rects,
            )
        except ReleaseError as exc:
            report.left_out.append({"kind": "media", "ref": m["ref"], "reason": str(exc)})
            continue
        ext = "png" if mime in _LOSSLESS else "jpg"
        rel = f"data/photos/{m['ref']}.{ext}"
        sha = payload.put(rel, data)
        report.photos.append({"ref": m["ref"], "file": rel, "sha256": sha})
        published_media.append({**_public(m), "file": rel[len("data/") :], "sha256": sha})
        transformations = ["metadata-removed", f"re-encoded-{ext}"]
        if (record.get("orientation") or 1) != 1:
            transformations.insert(0, f"orientation-{record['orientation']}-applied")
        if rects:
            transformations.append(f"redacted-{len(rects)}")
        derivations.append(
            {
                "media_id": record["id"],
                "source_sha256": record["sha256"],
                "derived_sha256": sha,
                "derived_path": rel,
                "transformations": transformations,
                "redactions": [f"{x},{y},{w},{h}" for x, y, w, h in rects],
            }
        )
    check_cancel(cancel)
    if progress:
        progress(total - 2, total, "report")
    case = view.cases[0] if view.cases else {}
    doc = {
        "fieldkit_release": RELEASE_VERSION,
        "release_id": report.release_id,
        "audience": PUBLIC,
        "generalise_m": report.generalise_m,
        "case": _public(case),
        "sites": [_public(s) for s in view.sites],
        "remnants": [_public(r) for r in view.remnants],
        "statements": [_public(s) for s in view.statements],
        "photos": published_media,
    }
    payload.put(
        "data/release.json",
        (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"),
    )
    features = [
        f
        for kind, items in (("site", view.sites), ("remnant", view.remnants))
        for f in (_feature(kind, r) for r in items)
        if f is not None
    ]
    features += [f for f in (_feature("photo", p) for p in published_media) if f is not None]
    geojson = {"type": "FeatureCollection", "features": features}
    payload.put(
        "data/release.geojson",
        json.dumps(geojson, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    )
    from fieldkit.report import render_report

    pdf, _, _, _ = render_report(store, view, cancel=cancel)
    payload.put("data/report-public.pdf", pdf)
    payload.put("data/README.txt", _readme(case, report, me))
    report.counts = {
        "sites": len(view.sites),
        "remnants": len(view.remnants),
        "statements": len(view.statements),
        "photos": len(report.photos),
        "recordings": len(report.recordings),
    }
    identity = store.identity()
    info = bag_info_text(
        [
            ("Bagging-Date", now.strftime("%Y-%m-%d")),
            ("Bag-Software-Agent", f"FieldKit {__version__}"),
            ("Payload-Oxum", f"{payload.bytes}.{len(payload.manifest)}"),
            ("External-Identifier", f"urn:uuid:{report.release_id}"),
            ("Source-Organization", identity.get("organisation") or identity.get("name") or ""),
            ("Contact-Name", identity.get("name") or ""),
            ("FieldKit-Release-Version", RELEASE_VERSION),
            ("FieldKit-Audience", PUBLIC),
            ("FieldKit-Generalise-M", str(report.generalise_m)),
            ("FieldKit-Created", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
            ("FieldKit-Signer", me.fingerprint),
            ("FieldKit-Signer-Identity", me.identity),
            ("FieldKit-Signer-Key", me.public_key),
        ]
    )
    manifest = manifest_text(payload.manifest)
    tags: list[tuple[str, str]] = []
    for name, data in ((BAGIT_TXT_NAME, BAGIT_TXT), (BAG_INFO, info), (MANIFEST, manifest)):
        _put(sink, name, data)
        tags.append((name, hashlib.sha256(data).hexdigest()))
    tagmanifest = manifest_text(tags)
    signature = sshsig.sign(key, tagmanifest, namespaces.RELEASE_NAMESPACE).encode("ascii")
    _put(sink, TAGMANIFEST, tagmanifest)
    _put(sink, SIGNATURE, signature)
    report.tagmanifest_sha256 = hashlib.sha256(tagmanifest).hexdigest()
    if progress:
        progress(total, total, "signed")
    return derivations


def _publish_av(
    store: Any,
    record: Mapping[str, Any],
    m: Mapping[str, Any],
    mime: str,
    payload: _Payload,
    report: ReleaseReport,
    scratch: Path,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A video or recording as a metadata-free remux: (its release entry, its derivation),
    or None when it is left out (the reason is in ``report.left_out``)."""
    from fieldkit.thumbnails import original_source

    def leave_out(reason: str) -> None:
        report.left_out.append({"kind": "media", "ref": m["ref"], "reason": reason})

    if record.get("redactions"):
        leave_out(
            "its redaction rectangles cannot be applied to a video or a recording; "
            "it is not published rather than published unredacted"
        )
        return None
    # The copy is written beside the release (never in the store), then into it.
    with tempfile.SpooledTemporaryFile(max_size=32 << 20, mode="w+b", dir=str(scratch)) as copy:
        try:
            done = strip_av(original_source(store, record["sha256"]), copy, mime)
        except (RemuxError, OSError, FieldkitError) as exc:
            leave_out(f"not published: {exc}")
            return None
        rel = f"data/media/{m['ref']}.{done.extension}"
        copy.seek(0)
        with payload.open(rel) as w:
            shutil.copyfileobj(copy, w, 1 << 20)
    sha = payload.manifest[-1][1]
    report.recordings.append(
        {
            "ref": m["ref"],
            "file": rel,
            "sha256": sha,
            "duration_s": done.duration_s,
            "kept": done.kept,
            "dropped": done.dropped,
        }
    )
    transformations = ["metadata-removed", f"remuxed-{done.extension}", "streams-copied"]
    transformations += [f"dropped-{d.replace(' ', '-')}" for d in done.dropped]
    entry = {**_public(m), "file": rel[len("data/") :], "sha256": sha}
    derivation = {
        "media_id": record["id"],
        "source_sha256": record["sha256"],
        "derived_sha256": sha,
        "derived_path": rel,
        "transformations": transformations,
        "redactions": [],
    }
    return entry, derivation


def _put(sink: Sink, name: str, data: bytes) -> None:
    target: IO[bytes]
    with sink.open(name) as target:
        target.write(data)


def _record(
    store: Any,
    view: OutputView,
    report: ReleaseReport,
    derivations: list[dict[str, Any]],
    now: dt.datetime,
) -> None:
    """The publication and its derivations, in one transaction (W3C PROV, see module)."""
    with store.transaction():
        store.create(
            "publication",
            {
                "case_id": report.case_id,
                "identifier": f"urn:uuid:{report.release_id}",
                "released_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "generalise_m": report.generalise_m,
                "signer": report.signer,
                "tagmanifest_sha256": report.tagmanifest_sha256,
                "statement_ids": [s["_id"] for s in view.statements],
                "media_ids": [d["media_id"] for d in derivations],
            },
            record_id=report.release_id,
        )
        for d in derivations:
            store.create("derivation", {**d, "publication_id": report.release_id})


def releases_carrying(store: Any, record_id: str) -> list[dict[str, Any]]:
    """Every publication that carried a statement or media record, oldest first.

    Used when a witness withdraws consent: the releases already out are listed, since
    a published file cannot be called back.
    """
    return [
        p
        for p in store.find("publication", order="released_at")
        if record_id in (p.get("statement_ids") or []) or record_id in (p.get("media_ids") or [])
    ]


def derivatives_of(store: Any, media_id: str) -> list[dict[str, Any]]:
    """The published copies made from one original (``derivation`` records)."""
    return store.find("derivation", where={"media_id": media_id}, order="id")


__all__ = [
    "RELEASE_VERSION",
    "ReleaseError",
    "ReleaseReport",
    "derivatives_of",
    "derive_photo",
    "releases_carrying",
    "write_release",
]
