"""The case report: a signed PDF of one case for an audience (fpdf2, HarfBuzz shaping).

``write_report(store, out, case_id=…, audience=…, passphrase=…)`` writes ``FILE.pdf`` and
beside it ``FILE.pdf.sig``, a detached OpenSSH signature (SSHSIG, namespace
``fieldkit-report@v1``) made with the author's key, so anyone can check with
``ssh-keygen -Y verify`` that the report comes from its author, unchanged.

What it holds comes from :func:`fieldkit.audience.build_view`, so it follows the same rules
as the GIS files and the public release. Properties:

- **Every script of the region**: Noto Sans (Latin, Cyrillic), Noto Sans Armenian, Georgian
  and Arabic from ``resources/fonts`` (SIL OFL), embedded as subsets; Arabic is shaped and
  laid out right to left by HarfBuzz (uharfbuzz) and fpdf2's Unicode bidi algorithm.
- **Reproducible**: every date in it comes from the journal (the newest event among the
  records it carries is the report's date and the PDF's CreationDate), never from the
  clock; the same store state gives the same bytes (Ed25519 signatures are deterministic,
  so the signature too).
- **Photos as scaled copies, never the originals**: each is decoded in JPEG draft mode,
  scaled to ``PHOTO_SIDE`` pixels and re-encoded without any metadata (:mod:`fieldkit.scaled`).
- **Bounded memory**: one photo is decoded at a time; the PDF holds only the scaled copies.
- **The store's rule for sensitive outputs** (:mod:`fieldkit.disclosure`): a report that
  carries restricted or confidential content (``include``) is encrypted with age to a
  trusted colleague, ``FILE.pdf.age``, or written plain only when ``plaintext`` is asked
  for. Encrypted, the signature still sits beside it as ``FILE.pdf.sig`` and covers the
  **PDF inside**, not the age file: the signature is about the report (who wrote it, and
  that it is unchanged), which is what the reader holds after ``age -d``; the age file is
  different at every run (a random file key), the PDF inside is reproducible. The ``.sig``
  tells whoever finds it which key signed, nothing of the content.

Modules: :mod:`~fieldkit.report.pdf` (the fpdf2 layer), :mod:`~fieldkit.report.plan`
(map, site plan), :mod:`~fieldkit.report.sections`, :mod:`~fieldkit.report.photos` and
:mod:`~fieldkit.report.appendix` (the content, in order).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from fieldkit import disclosure
from fieldkit.audience import Audience, OutputView, build_view, tagged_path
from fieldkit.crypto import keys, sshsig
from fieldkit.errors import FieldkitError
from fieldkit.progress import CancelToken, ProgressFn, Throttle, check_cancel
from fieldkit.report import appendix, photos, sections
from fieldkit.report.pdf import PHOTO_SIDE, Pdf, clean_text, fonts_dir, journal_datetime
from fieldkit.report.plan import draw_site_plan
from fieldkit.report.sections import REPORT_NAMESPACE, Context

if TYPE_CHECKING:
    from fieldkit.store import Store

AGE_SUFFIX = ".age"
WRITE_BLOCK = 1 << 20


class ReportError(FieldkitError):
    """A report that cannot be written (target exists, folder missing, no key)."""


@dataclass
class ReportResult:
    """What was written. ``sha256`` is the PDF's (inside the age file when encrypted);
    ``carries`` is :meth:`fieldkit.disclosure.Disclosure.to_json`."""

    path: Path
    signature: Path
    audience: dict[str, Any]
    pages: int
    photos: int
    photos_missing: int
    as_of: str | None
    sha256: str
    held_back: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    carries: dict[str, Any] = field(default_factory=dict)
    recipients: list[str] = field(default_factory=list)

    @property
    def encrypted(self) -> bool:
        return bool(self.recipients)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "signature": str(self.signature),
            **self.audience,
            "pages": self.pages,
            "photos": self.photos,
            "photos_missing": self.photos_missing,
            "as_of": self.as_of,
            "sha256": self.sha256,
            "namespace": REPORT_NAMESPACE,
            "encrypted": self.encrypted,
            "recipients": self.recipients,
            "signature_covers": "the PDF inside the age file" if self.encrypted else "the PDF",
            "carries": self.carries,
            "held_back": self.held_back,
            "notes": self.notes,
        }


def write_report(
    store: Store,
    out: Path,
    *,
    case_id: str,
    passphrase: bytes,
    audience: Audience | None = None,
    recipients: Sequence[str] = (),
    plaintext: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ReportResult:
    """Write the case report ``out`` (audience in its name) and its signature ``.sig``.

    ``recipients`` (trusted colleagues' key fingerprints or identities, or ``age1…``)
    encrypt the PDF with age to ``FILE.pdf.age``; ``FILE.pdf.sig`` beside it signs the
    PDF inside. A report that carries restricted or confidential content must be
    encrypted to a trusted colleague unless ``plaintext`` (:mod:`fieldkit.disclosure`).

    Raises :class:`ReportError` if the target or its signature exists or the folder is
    missing, :class:`~fieldkit.errors.WrongPassphrase` before any work if the key does not
    open, :class:`~fieldkit.disclosure.DisclosureRefused` and
    :class:`~fieldkit.disclosure.RecipientError` (nothing written),
    :class:`~fieldkit.errors.Cancelled` (nothing is left behind then),
    :class:`~fieldkit.errors.NotFound` for an unknown case.
    """
    audience = audience or Audience()
    age = disclosure.resolve_recipients(store.keys_dir, recipients)
    pdf_name = tagged_path(Path(_strip_age(Path(out))), audience, ".pdf")
    target = pdf_name.with_name(pdf_name.name + AGE_SUFFIX) if age else pdf_name
    sig_path = pdf_name.with_name(pdf_name.name + ".sig")
    if target.exists() or sig_path.exists():
        raise ReportError(f"{target} or its .sig already exists; choose another --out")
    if not target.parent.is_dir():
        raise ReportError(f"{target.parent} is not a folder")
    key = keys.unlock_signing_key(store.keys_dir, passphrase)  # fail before the long work
    view = build_view(store, audience, case_id=case_id, cancel=cancel)
    carried = disclosure.carried_by_view(view.statements, view.media)
    disclosure.check_output(
        carried,
        trusted_recipients=len(disclosure.trusted_recipients(store.keys_dir, [r for r, _ in age])),
        plaintext=plaintext,
        output="the report",
        encrypt_hint="--to FINGERPRINT of a trusted colleague",
    )
    data, embedded, missing, notes = render_report(store, view, progress=progress, cancel=cancel)
    signature = sshsig.sign(key, data, REPORT_NAMESPACE).encode("ascii")
    check_cancel(cancel)
    if age:
        recipients_age = [r for _, r in age]

        def write_pdf(f: IO[bytes]) -> None:
            with disclosure.encrypting(f, recipients_age) as stream:
                view_ = memoryview(data)
                for start in range(0, len(view_), WRITE_BLOCK):
                    stream.write(view_[start : start + WRITE_BLOCK])
    else:

        def write_pdf(f: IO[bytes]) -> None:
            f.write(data)

    try:
        _write_pair(target, write_pdf, sig_path, signature)
    except OSError as exc:  # a full disk, a read-only folder: neither file is left
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    pages = data.count(b"/Type /Page\n") or data.count(b"/Type /Page")
    return ReportResult(
        target,
        sig_path,
        audience.to_json(),
        pages=pages,
        photos=embedded,
        photos_missing=missing,
        as_of=view.as_of,
        sha256=hashlib.sha256(data).hexdigest(),
        held_back=view.held_back,
        notes=notes,
        carries=carried.to_json(),
        recipients=[r for r, _ in age],
    )


def _strip_age(out: Path) -> Path:
    return out.with_name(out.name[: -len(AGE_SUFFIX)]) if out.name.endswith(AGE_SUFFIX) else out


def _write_pair(
    target: Path, write_pdf: Callable[[IO[bytes]], None], sig_path: Path, signature: bytes
) -> None:
    """PDF (or its age file) then signature, each through a temp file and rename; on
    failure neither stays."""
    from fieldkit.fsutil import fsync_dir

    def write_sig(f: IO[bytes]) -> None:
        f.write(signature)

    written: list[Path] = []
    try:
        for path, write in ((target, write_pdf), (sig_path, write_sig)):
            temp = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
            try:
                with open(temp, "xb") as f:
                    write(f)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temp, path)
            finally:
                temp.unlink(missing_ok=True)
            written.append(path)
        fsync_dir(target.parent)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def render_report(
    store: Store,
    view: OutputView,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> tuple[bytes, int, int, list[str]]:
    """The PDF bytes of ``view``: (bytes, photos embedded, photos missing, notes).

    ``workers`` threads make the photos' scaled copies ahead (default
    :data:`fieldkit.report.photos.WORKERS`; 0 is serial); the bytes are the same."""
    audience = view.audience
    case = view.cases[0] if view.cases else {}
    title = f"Case report: {case.get('title') or 'untitled case'}"
    doc = Pdf(
        title,
        f"{clean_text(case.get('title'))} — {audience.tag.upper()}",
        journal_datetime(view.as_of),
    )
    c = Context(
        store,
        view,
        doc,
        Throttle(progress),
        cancel,
        workers=photos.WORKERS if workers is None else workers,
    )
    sections.title_page(c)
    sections.summary(c)
    sections.case_map(c)
    sections.sites(c)
    sections.remnants(c)
    embedded, missing = photos.photos(c)
    sections.statements(c)
    sections.footprints(c)
    appendix.appendices(c)
    # fpdf2 returns a bytearray; handed on as it is (bytes-like everywhere it goes), so a
    # PDF of 100 MB is not copied once more.
    return cast(bytes, doc.pdf.output()), embedded, missing, c.notes


__all__ = [
    "PHOTO_SIDE",
    "REPORT_NAMESPACE",
    "ReportError",
    "ReportResult",
    "draw_site_plan",
    "fonts_dir",
    "render_report",
    "write_report",
]
