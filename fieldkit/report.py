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
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fieldkit import __version__
from fieldkit.audience import Audience, OutputView, build_view, check_sensitive_output, tagged_path
from fieldkit.catalogue import resources_dir
from fieldkit.crypto import keys, sshsig
from fieldkit.errors import FieldkitError
from fieldkit.gis.layers import flat, name_text, site_names
from fieldkit.progress import CancelToken, ProgressFn, Throttle, check_cancel

if TYPE_CHECKING:
    from fpdf import FPDF

    from fieldkit.store import Store

REPORT_NAMESPACE = "fieldkit-report@v1"
PHOTO_SIDE = 640  # pixels, long side of each embedded copy (≈190 dpi at 85 mm)
PHOTO_QUALITY = 72
FONTS = {
    "noto": "NotoSans",
    "hy": "NotoSansArmenian",
    "ka": "NotoSansGeorgian",
    "ar": "NotoSansArabic",
}
MONO = "DejaVuSansMono.ttf"
# Text from records may hold control characters (a hostile bundle, a damaged caption):
# they are shown as U+FFFD, never passed to the PDF.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# Scripts that need HarfBuzz (joining, reordering, right to left): Arabic and its
# presentation forms, Hebrew, and combining marks. Other text is laid out without the
# shaping engine, which costs about ten times more per character in fpdf2.
_NEEDS_SHAPING = re.compile("[\u0300-\u036f\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _shape_for(pdf: FPDF, *texts: Any) -> None:
    """Turn the shaping engine on only when the text to lay out needs it."""
    needed = any(_NEEDS_SHAPING.search(str(t)) for t in texts if t)
    if needed != bool(pdf.text_shaping):
        pdf.set_text_shaping(needed)


class ReportError(FieldkitError):
    """A report that cannot be written (target exists, folder missing, no key)."""


@dataclass
class ReportResult:
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
            "held_back": self.held_back,
            "notes": self.notes,
        }


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return _CONTROL.sub("\ufffd", str(flat(value)))


def _journal_datetime(iso: str | None) -> dt.datetime:
    if not iso:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


class _Pdf:
    """A thin layer on fpdf2: fonts, headings, key/value rows, tables, page furniture."""

    def __init__(self, title: str, footer: str, created: dt.datetime) -> None:
        from fpdf import FPDF

        footer_text = footer

        class Doc(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font("noto", size=7)
                self.set_text_color(90, 90, 90)
                self.cell(0, 5, f"{footer_text} — {self.page_no()}/{{nb}}", align="C")
                self.set_text_color(0, 0, 0)

        pdf = Doc(format="A4", unit="mm")
        pdf.set_creation_date(created)
        pdf.set_title(title)
        pdf.set_creator(f"FieldKit {__version__}")
        pdf.set_auto_page_break(True, margin=16)
        pdf.set_margins(18, 16, 18)
        folder = fonts_dir()
        for family, base in FONTS.items():
            pdf.add_font(family, "", str(folder / f"{base}-Regular.ttf"))
            pdf.add_font(family, "B", str(folder / f"{base}-Bold.ttf"))
        pdf.add_font("mono", "", str(folder / MONO))
        pdf.set_fallback_fonts(["hy", "ka", "ar"], exact_match=False)
        pdf.alias_nb_pages()
        self.pdf: FPDF = pdf

    @property
    def width(self) -> float:
        return float(self.pdf.epw)

    def font(self, size: float = 9.5, bold: bool = False, mono: bool = False) -> None:
        if mono:
            self.pdf.set_font("mono", size=size)
        else:
            self.pdf.set_font("noto", "B" if bold else "", size=size)

    def heading(self, text: str, level: int = 1) -> None:
        pdf = self.pdf
        size = {1: 16, 2: 12.5, 3: 10.5}[level]
        if pdf.get_y() > pdf.h - 50:
            pdf.add_page()
        pdf.ln(2 if level > 1 else 0)
        self.font(size, bold=True)
        _shape_for(pdf, text)
        pdf.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
        self.font()

    def para(self, text: Any, size: float = 9.5, bold: bool = False) -> None:
        if text in (None, "", []):
            return
        self.font(size, bold)
        _shape_for(self.pdf, text)
        self.pdf.multi_cell(0, size * 0.48, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)
        self.font()

    def rows(self, items: Sequence[tuple[str, Any]], label_w: float = 48) -> None:
        """Label/value lines; empty values are left out."""
        pdf = self.pdf
        for label, value in items:
            if value in (None, "", []):
                continue
            self.font(8.5, bold=True)
            y = pdf.get_y()
            if y > pdf.h - 24:
                pdf.add_page()
                y = pdf.get_y()
            _shape_for(pdf, label)
            pdf.multi_cell(label_w, 4.4, _text(label), new_x="RIGHT", new_y="TOP")
            self.font(9)
            _shape_for(pdf, value)
            pdf.multi_cell(0, 4.4, _text(value), new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), y + 4.4))
        pdf.ln(1)
        self.font()

    def table(
        self, headings: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]
    ) -> None:
        pdf = self.pdf
        self.font(7.5)
        _shape_for(pdf, *(c for r in rows for c in r))
        with pdf.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=3.6,
            padding=0.8,
            first_row_as_headings=True,
            headings_style=_heading_style(),
        ) as t:
            head = t.row()
            for h in headings:
                head.cell(h)
            for r in rows:
                row = t.row()
                for cell in r:
                    row.cell(_text(cell))
        pdf.ln(2)
        self.font()


def _heading_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


# --- the site plan --------------------------------------------------------------------


def _nice_step(metres: float) -> float:
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if step >= metres:
            return step
    return 200000.0


def draw_site_plan(doc: _Pdf, view: OutputView, height: float = 120.0) -> bool:
    """A plain plan of the case: sites (numbered), remnants, a scale bar and north.

    Equirectangular around the case's mean latitude (accurate to well under 1 % over a
    city); returns False when no site has a position.
    """
    pdf = doc.pdf
    points = [(float(s["lat"]), float(s["lon"])) for s in view.sites if s.get("lat") is not None]
    points += [
        (float(r["lat"]), float(r["lon"])) for r in view.remnants if r.get("lat") is not None
    ]
    if not points:
        return False
    lat0 = sum(p[0] for p in points) / len(points)
    k = math.cos(math.radians(lat0))
    m_per_deg = 111_320.0
    xs = [p[1] * k * m_per_deg for p in points]
    ys = [p[0] * m_per_deg for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 200.0) * 1.2
    width = doc.width
    scale = min(width, height) / span  # mm per metre
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    if pdf.get_y() + height > pdf.h - 20:
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, width, height)

    def at(lat: float, lon: float) -> tuple[float, float]:
        x = x0 + width / 2 + (lon * k * m_per_deg - cx) * scale
        y = y0 + height / 2 - (lat * m_per_deg - cy) * scale
        return x, y

    pdf.set_fill_color(40, 40, 40)
    for r in view.remnants:
        if r.get("lat") is not None:
            x, y = at(float(r["lat"]), float(r["lon"]))
            pdf.circle(x, y, 0.7, style="F")
    doc.font(7, bold=True)
    pdf.set_fill_color(200, 40, 30)
    for n, s in enumerate(view.sites, 1):
        if s.get("lat") is None:
            continue
        x, y = at(float(s["lat"]), float(s["lon"]))
        pdf.circle(x, y, 1.6, style="F")
        pdf.text(x + 2.2, y + 1.0, str(n))
    # scale bar: a round distance about a fifth of the frame
    step = _nice_step(span / 5)
    bar = step * scale
    bx, by = x0 + 5, y0 + height - 6
    pdf.set_line_width(0.6)
    pdf.set_draw_color(0, 0, 0)
    pdf.line(bx, by, bx + bar, by)
    doc.font(7)
    pdf.text(bx, by - 1.5, f"{step:g} m" if step < 1000 else f"{step / 1000:g} km")
    # north arrow
    nx, ny = x0 + width - 8, y0 + 6
    pdf.set_fill_color(0, 0, 0)
    pdf.polygon([(nx, ny), (nx - 2, ny + 6), (nx + 2, ny + 6)], style="F")
    pdf.text(nx - 1.3, ny + 10, "N")
    pdf.set_line_width(0.2)
    pdf.set_y(y0 + height + 2)
    doc.font(7.5)
    pdf.multi_cell(
        0,
        3.6,
        "Plan: sites (red, numbered as in this report) and remnants (black), north up; "
        f"centre {lat0:.5f}°, {cx / k / m_per_deg:.5f}°; equirectangular, WGS 84.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.font()
    return True


# --- the report -----------------------------------------------------------------------


def _when(m: dict[str, Any]) -> str:
    utc = m.get("captured_utc")
    local = m.get("captured_local")
    parts = []
    if utc:
        parts.append(f"{utc} UTC")
    if local:
        parts.append(f"local {local}{m.get('utc_offset') or ''}")
    if m.get("time_source"):
        parts.append(f"source {m['time_source']}")
    return "; ".join(parts) or "capture time unknown"


def _position(rec: dict[str, Any]) -> str:
    if rec.get("lat") is None:
        return ""
    text = f"{float(rec['lat']):.7f}, {float(rec['lon']):.7f}"
    if rec.get("alt") is not None:
        text += f", {float(rec['alt']):g} m"
    extra = [
        rec.get("position_source"),
        f"±{float(rec['position_accuracy_m']):g} m"
        if rec.get("position_accuracy_m") is not None
        else None,
    ]
    if rec.get("position_generalised_m"):
        extra.append(f"generalised to a {rec['position_generalised_m']} m grid")
    extra_text = ", ".join(e for e in extra if e)
    return f"{text} ({extra_text})" if extra_text else text


def _custody(store: Store, view: OutputView) -> tuple[list[list[str]], list[list[str]]]:
    """Rows of the custody table and of resolved/unresolved conflicts, from the journal."""
    names = {}
    for p in store.find("person"):
        if p.get("fingerprint"):
            names[p["fingerprint"]] = p.get("name") or ""
    custody_rows = []
    resolved = []
    ids = {r["_id"] for r in (*view.sites, *view.remnants, *view.statements, *view.media)}
    ids |= {c["_id"] for c in view.cases}
    for event in store.history():
        if event["kind"] == "custody" and event["op"] == "create":
            f = event["fields"]
            custody_rows.append(
                [
                    _text(event["at"]),
                    _text(f.get("action")),
                    _text(event.get("author_name") or names.get(event["author"], "")),
                    _text(event["author"]),
                    _text(f.get("bundle_id")),
                    _text(f.get("signer")),
                    _text(f.get("result")),
                ]
            )
        elif event["op"] == "resolve" and event["entity"] in ids:
            for field_name, value in event["fields"].items():
                resolved.append(
                    [
                        _text(event["at"]),
                        f"{event['kind']} {event['entity'][:13]}…",
                        field_name,
                        f"resolved to {_text(value)[:60]}",
                        _text(event.get("author_name") or ""),
                    ]
                )
    for c in store.all_conflicts():
        if c["id"] in ids:
            values = " | ".join(_text(x.get("value"))[:30] for x in c["candidates"])
            resolved.append(["", f"{c['kind']} {c['id'][:13]}…", c["field"], f"OPEN: {values}", ""])
    return custody_rows, resolved


def write_report(
    store: Store,
    out: Path,
    *,
    case_id: str,
    passphrase: bytes,
    audience: Audience | None = None,
    allow_sensitive: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ReportResult:
    """Write the case report ``out`` (audience in its name) and its signature ``.sig``.

    Raises :class:`ReportError` if the target or its signature exists or the folder is
    missing, :class:`~fieldkit.errors.WrongPassphrase` before any work if the key does not
    open, :class:`~fieldkit.audience.SensitiveOutput`, :class:`~fieldkit.errors.Cancelled`
    (nothing is left behind then), :class:`~fieldkit.errors.NotFound` for an unknown case.
    """
    audience = audience or Audience()
    target = tagged_path(Path(out), audience, ".pdf")
    sig_path = target.with_name(target.name + ".sig")
    if target.exists() or sig_path.exists():
        raise ReportError(f"{target} or its .sig already exists; choose another --out")
    if not target.parent.is_dir():
        raise ReportError(f"{target.parent} is not a folder")
    key = keys.unlock_signing_key(store.keys_dir, passphrase)  # fail before the long work
    view = build_view(store, audience, case_id=case_id, cancel=cancel)
    check_sensitive_output(view, allowed=allow_sensitive, what="the report")
    data, photos, missing, notes = render_report(store, view, progress=progress, cancel=cancel)
    signature = sshsig.sign(key, data, REPORT_NAMESPACE).encode("ascii")
    check_cancel(cancel)
    try:
        _write_pair(target, data, sig_path, signature)
    except OSError as exc:  # a full disk, a read-only folder: neither file is left
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    import hashlib

    pages = data.count(b"/Type /Page\n") or data.count(b"/Type /Page")
    return ReportResult(
        target,
        sig_path,
        audience.to_json(),
        pages=pages,
        photos=photos,
        photos_missing=missing,
        as_of=view.as_of,
        sha256=hashlib.sha256(data).hexdigest(),
        held_back=view.held_back,
        notes=notes,
    )


def _write_pair(target: Path, data: bytes, sig_path: Path, signature: bytes) -> None:
    """PDF then signature, each through a temp file and rename; on failure neither stays."""
    from fieldkit.fsutil import fsync_dir

    written: list[Path] = []
    try:
        for path, payload in ((target, data), (sig_path, signature)):
            temp = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
            try:
                with open(temp, "xb") as f:
                    f.write(payload)
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
) -> tuple[bytes, int, int, list[str]]:
    """The PDF bytes of ``view``: (bytes, photos embedded, photos missing, notes)."""
    from fieldkit.scaled import is_image, scaled_jpeg

    audience = view.audience
    case = view.cases[0] if view.cases else {}
    me = store.identity()
    as_of = view.as_of
    title = f"Case report: {case.get('title') or 'untitled case'}"
    doc = _Pdf(
        title, f"{_text(case.get('title'))} — {audience.tag.upper()}", _journal_datetime(as_of)
    )
    pdf = doc.pdf
    notes: list[str] = []
    throttle = Throttle(progress)

    # Title page ---------------------------------------------------------------------------
    pdf.add_page()
    doc.font(9, bold=True)
    _shape_for(pdf)
    pdf.set_fill_color(*((46, 125, 50) if audience.public else (179, 38, 30)))
    pdf.set_text_color(255, 255, 255)
    pdf.multi_cell(0, 7, f"  {audience.describe()}", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(20)
    doc.font(22, bold=True)
    _shape_for(pdf, case.get("title"))
    pdf.multi_cell(0, 10, _text(case.get("title")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    doc.font(12)
    pdf.multi_cell(0, 6, "Case report", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    period = " – ".join(p for p in (case.get("period_start"), case.get("period_end")) if p)
    doc.rows(
        [
            ("Region", case.get("region")),
            ("Period", period),
            ("Organisation", me.get("organisation")),
            # A public report names the organisation, not the investigator (their safety).
            ("Author", None if audience.public else me.get("name")),
            (
                "Date (journal)",
                f"{as_of} (the newest change to what this report holds)" if as_of else None,
            ),
            ("Audience", f"{audience.tag}: {audience.describe()}"),
            ("Signing key", me.get("fingerprint")),
            ("Signature", f"beside this file: <name>.pdf.sig, SSHSIG namespace {REPORT_NAMESPACE}"),
        ],
        label_w=36,
    )
    if audience.public and view.held_back:
        doc.para(
            f"{len(view.held_back)} items marked for release were held back "
            "(their sensitivity or consent does not allow publication).",
            8.5,
        )

    # Summary ------------------------------------------------------------------------------
    pdf.add_page()
    doc.heading("Summary")
    doc.para(case.get("summary"))
    duds = sum(1 for r in view.remnants if r.get("condition") == "dud")
    killed = sum(int(s.get("killed") or 0) for s in view.sites)
    injured = sum(int(s.get("injured") or 0) for s in view.sites)
    starts = sorted(s["incident_start"] for s in view.sites if s.get("incident_start"))
    ends = sorted(
        s.get("incident_end") or s["incident_start"] for s in view.sites if s.get("incident_start")
    )
    doc.rows(
        [
            ("Sites", len(view.sites)),
            ("Remnants", f"{len(view.remnants)} ({duds} duds)"),
            ("Photos and other media", len(view.media)),
            (
                "Statements",
                f"{len(view.statements)}"
                + (
                    f" ({view.withheld_text} with text withheld for this audience)"
                    if view.withheld_text
                    else ""
                ),
            ),
            ("Civilians killed / injured", f"{killed} / {injured} (as recorded per site)"),
            ("Incidents", f"{starts[0]} to {ends[-1]} (UTC)" if starts else None),
        ]
    )

    # Map ----------------------------------------------------------------------------------
    doc.heading("Map of the case", 2)
    static = _static_map(store, view, notes)
    if static is not None:
        import io

        png, attribution = static
        w_px, h_px = _image_size(png)
        width = doc.width
        height = min(width * h_px / w_px, 150.0)
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=height * w_px / h_px, h=height)
        doc.para(f"Map: sites, remnants and photos of the case; {attribution}.", 7.5)
    elif not draw_site_plan(doc, view):
        doc.para("No site has a recorded position.")

    # Sites --------------------------------------------------------------------------------
    remnants_by_site: dict[str, list[dict[str, Any]]] = {}
    for r in view.remnants:
        remnants_by_site.setdefault(r["site_ref"], []).append(r)
    for n, s in enumerate(view.sites, 1):
        check_cancel(cancel)
        if n == 1:
            pdf.add_page()
        doc.heading(f"Site {n}: {s.get('name')}", 2)
        names = "; ".join(name_text(x) for x in site_names(s))
        window = " – ".join(x for x in (s.get("incident_start"), s.get("incident_end")) if x)
        casualties = None
        if s.get("killed") is not None or s.get("injured") is not None:
            casualties = (
                f"killed {s.get('killed') if s.get('killed') is not None else '?'}, "
                f"injured {s.get('injured') if s.get('injured') is not None else '?'}"
            )
            if s.get("casualties_source"):
                casualties += f" (source: {s['casualties_source']})"
        doc.rows(
            [
                ("Names", names),
                ("Reference", s["ref"]),
                ("Kind", s.get("site_type")),
                ("Position", _position(s)),
                ("Address", s.get("address")),
                ("Neighbourhood", s.get("neighbourhood")),
                (
                    "Incident (UTC)",
                    f"{window} (known from: {s.get('incident_time_source') or 'not recorded'})"
                    if window
                    else None,
                ),
                ("Visited", s.get("visited_on")),
                (
                    "Military objects",
                    " — ".join(
                        x for x in (s.get("military_objects"), s.get("military_notes")) if x
                    ),
                ),
                ("Civilian objects", s.get("civilian_objects")),
                ("Casualties", casualties),
                ("Access", " — ".join(x for x in (s.get("access"), s.get("access_notes")) if x)),
            ]
        )
        doc.para(s.get("description"))
        here = remnants_by_site.get(s["ref"], [])
        if here:
            doc.para(f"{len(here)} remnants at this site (see the remnants table).", 8.5)

    # Remnants -----------------------------------------------------------------------------
    if view.remnants:
        pdf.add_page()
        doc.heading("Remnants")
        site_no = {s["ref"]: n for n, s in enumerate(view.sites, 1)}
        rows = []
        for r in view.remnants:
            markings = "; ".join(
                f"{label} {r[k]}"
                for label, k in (
                    ("lot", "markings_lot"),
                    ("factory", "markings_factory"),
                    ("year", "markings_year"),
                    ("", "markings_text"),
                )
                if r.get(k) not in (None, "")
            )
            disposition = " by ".join(
                _text(x) for x in (r.get("disposition"), r.get("disposition_by")) if x
            )
            rows.append(
                [
                    str(site_no.get(r["site_ref"], "")),
                    _text(r.get("category")),
                    _text(r.get("designation") or r.get("munition_type")),
                    _text(
                        r.get("catalogue_description") or "free text, not in the catalogue"
                        if r.get("munition_type")
                        else ""
                    ),
                    _text(r.get("condition")),
                    _text(r.get("hazard")),
                    markings,
                    disposition,
                ]
            )
        doc.table(
            [
                "Site",
                "Category",
                "Designation",
                "Catalogue description",
                "Condition",
                "Hazard",
                "Markings",
                "Disposition",
            ],
            rows,
            (9, 18, 18, 42, 15, 11, 22, 21),
        )

    # Photos -------------------------------------------------------------------------------
    embedded = missing = 0
    if view.media:
        pdf.add_page()
        doc.heading("Photos and other media")
        doc.para(
            "Each picture is a scaled copy made for this report; the original file is kept "
            "unchanged as evidence"
            + (" and identified by its SHA-256." if not audience.public else "."),
            8.5,
        )
        col_w = (doc.width - 6) / 2
        img_h = 62.0
        cell_h = img_h + 26
        total = len(view.media)
        for i, m in enumerate(view.media):
            check_cancel(cancel)
            throttle(i, total, "photos")
            col = i % 2
            if col == 0 and pdf.get_y() + cell_h > pdf.h - 16:
                pdf.add_page()
            x = pdf.l_margin + col * (col_w + 6)
            y = pdf.get_y()
            data = (
                scaled_jpeg(
                    store,
                    m["_sha256"],
                    PHOTO_SIDE,
                    quality=PHOTO_QUALITY,
                    redactions=m.get("_redactions") if view.audience.public else None,
                )
                if is_image(m.get("mime"))
                else None
            )
            if data is not None:
                import io

                w_px, h_px = _jpeg_size(data)
                ratio = min(col_w / w_px, img_h / h_px)
                w, h = w_px * ratio, h_px * ratio
                pdf.image(io.BytesIO(data), x=x + (col_w - w) / 2, y=y, w=w, h=h)
                embedded += 1
            else:
                pdf.set_draw_color(160, 160, 160)
                pdf.rect(x, y, col_w, img_h)
                pdf.set_xy(x + 2, y + img_h / 2 - 3)
                doc.font(8)
                pdf.multi_cell(
                    col_w - 4,
                    4,
                    f"no picture ({_text(m.get('mime'))})"
                    if m.get("mime") and not is_image(m.get("mime"))
                    else "the file could not be read",
                    align="C",
                )
                if is_image(m.get("mime")):
                    missing += 1
            captions = [lk.get("caption") for lk in m["links"]] + [m.get("caption")]
            caption = " / ".join(dict.fromkeys(c for c in captions if c))
            lines = [
                f"{m['ref'] if audience.public else (m.get('file_name') or m['ref'])}"
                + (f" — {caption}" if caption else ""),
                _when(m),
                "position "
                + (_position(m) or "unknown")
                + (
                    f"; direction {float(m['direction']):g}°"
                    if m.get("direction") is not None
                    else ""
                ),
            ]
            pdf.set_xy(x, y + img_h + 1)
            doc.font(7)
            _shape_for(pdf, *lines)
            pdf.multi_cell(
                col_w, 3.2, "\n".join(_text(t) for t in lines), new_x="LEFT", new_y="NEXT"
            )
            if not audience.public:
                doc.font(5.6, mono=True)
                _shape_for(pdf)
                pdf.set_x(x)
                pdf.cell(col_w, 3, m["_sha256"], new_x="LEFT", new_y="NEXT")
            pdf.set_xy(pdf.l_margin, y if col == 0 else y + cell_h)
            if col == 0 and i == total - 1:
                pdf.set_y(y + cell_h)
        throttle(total, total, "photos")
        if missing:
            notes.append(f"{missing} photos could not be read; the report says so in their place")

    # Statements ---------------------------------------------------------------------------
    if view.statements:
        pdf.add_page()
        doc.heading("Statements")
        if audience.public:
            doc.para("Witnesses are named by release labels, never by their codes.", 8.5)
        site_no = {s["ref"]: n for n, s in enumerate(view.sites, 1)}
        for st in view.statements:
            check_cancel(cancel)
            who = st.get("label") or st.get("witness_code")
            doc.heading(_text(who), 3)
            doc.rows(
                [
                    (
                        "Site",
                        f"{site_no[st['site_ref']]}" if st.get("site_ref") in site_no else None,
                    ),
                    (
                        "Age, gender",
                        ", ".join(str(x) for x in (st.get("age"), st.get("gender")) if x),
                    ),
                    ("Role", st.get("role")),
                    ("Language", st.get("language")),
                    ("Interviewed (UTC)", st.get("interviewed_at")),
                    ("Interviewer", st.get("interviewer")),
                    ("Consent", st.get("consent")),
                    ("Sensitivity", st.get("sensitivity")),
                ]
            )
            if st.get("text_withheld"):
                doc.para(
                    f"[Text withheld: {st['text_withheld']}. It appears only in a report "
                    f"made with --include {st['text_withheld']}.]",
                    8.5,
                )
                continue
            doc.para(st.get("summary"))
            for q in st.get("quotes") or []:
                doc.para(f"“{q}”")

    # Footprints ---------------------------------------------------------------------------
    fp_rows = _footprint_rows(store, view)
    if fp_rows is not None:
        doc.heading("Footprints", 2)
        if fp_rows:
            doc.table(
                ["Site", "Area m²", "Length m", "Width m", "Axis °", "Points", "Method"],
                fp_rows,
                (30, 20, 20, 20, 18, 14, 52),
            )
        else:
            doc.para("No site has enough located remnants for a footprint.", 8.5)
    else:
        notes.append("no footprints: the map package is not installed")

    # Appendices ---------------------------------------------------------------------------
    pdf.add_page()
    doc.heading("Appendix A: chain of custody")
    if audience.public:
        doc.para(
            "The chain of custody (who exported, imported and verified the evidence, with "
            "their keys) is kept in the organisation's signed journal and is not published."
        )
    else:
        custody_rows, conflict_rows = _custody(store, view)
        if custody_rows:
            doc.table(
                ["When (UTC)", "Action", "By", "Key", "Bundle", "Signer", "Result"],
                custody_rows,
                (22, 14, 18, 34, 30, 34, 22),
            )
        else:
            doc.para("No bundle has been exported, imported or verified with this store.")
        doc.heading("Conflicts and how they were resolved", 2)
        if conflict_rows:
            doc.table(
                ["When (UTC)", "Record", "Field", "Outcome", "By"],
                conflict_rows,
                (26, 36, 26, 62, 24),
            )
        else:
            doc.para("No conflicting changes were recorded for what this report holds.")
    doc.heading("Appendix B: how to verify", 1)
    public_key = ""
    for p in store.find("person"):
        if p.get("fingerprint") == me.get("fingerprint"):
            public_key = p.get("public_key") or ""
    doc.para(
        "This report is signed. Put the author's public key in an allowed_signers file and "
        "check the signature with OpenSSH (no FieldKit needed):"
    )
    # Any principal works in allowed_signers; a public report does not give out an email.
    principal = "report-author" if audience.public else me.get("email")
    doc.font(7, mono=True)
    _shape_for(pdf)
    commands = [
        f'echo "{principal} {public_key}" > allowed_signers',
        f"ssh-keygen -Y verify -f allowed_signers -I {principal} \\",
        f"    -n {REPORT_NAMESPACE} -s REPORT.pdf.sig < REPORT.pdf",
    ]
    pdf.multi_cell(0, 3.4, "\n".join(_text(c) for c in commands), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    doc.font()
    doc.para(
        f"The key's fingerprint is {me.get('fingerprint')}; compare it with one "
        "obtained from the author in person."
    )
    if not audience.public:
        doc.para(
            "Every photo above is identified by the SHA-256 of its original file. The "
            "originals travel in signed evidence bundles; in a bundle folder, "
            "`sha256sum -c manifest-sha256.txt` checks every file and "
            "`fieldkit verify BUNDLE` checks the bundle's signature, journal and each "
            "photo's hash against its record. `sha256sum FILE` of an original must print "
            "the value given here."
        )
    # fpdf2 returns a bytearray; handed on as it is (bytes-like everywhere it goes), so a
    # PDF of 100 MB is not copied once more.
    return cast(bytes, pdf.output()), embedded, missing, notes


def _static_map(store: Store, view: OutputView, notes: list[str]) -> tuple[bytes, str] | None:
    """The map package's static map of the case as PNG, for an internal report.

    A public report never uses it: that map is drawn from the store, not from what the
    public audience may see (unreleased sites, exact sensitive positions); it gets the
    plain plan drawn from the audience's view instead.
    """
    import importlib
    import io

    if view.audience.public or not view.cases:
        return None
    try:
        render = importlib.import_module("fieldkit.map.render")
    except ImportError:
        return None
    render_map = getattr(render, "render_map", None)
    if not callable(render_map):
        return None
    try:
        rendered = render_map(store, case_id=view.cases[0]["_id"], size=(1600, 1100))
        image = rendered.image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "PNG", optimize=False)
        attribution = getattr(rendered, "attribution", None) or "FieldKit static map"
    except Exception as exc:  # a map problem must not cost the report: the plan stands in
        notes.append(f"static map unavailable ({exc}); a plain plan is drawn instead")
        return None
    return out.getvalue(), str(attribution)


def _image_size(data: bytes) -> tuple[int, int]:
    return _jpeg_size(data)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return im.size


def _footprint_rows(store: Store, view: OutputView) -> list[list[str]] | None:
    from fieldkit.gis import _footprint_function

    fn = _footprint_function()
    if fn is None:
        return None
    rows = []
    generalised = {r["site_ref"] for r in view.remnants if r.get("position_generalised_m")}
    for n, s in enumerate(view.sites, 1):
        if s.get("position_generalised_m") or s["ref"] in generalised:
            continue
        try:
            fp = fn(store, s["_id"])
        except FieldkitError:
            continue
        if not isinstance(fp, dict) or not fp.get("area_m2"):
            continue
        rows.append(
            [
                f"{n} {_text(s.get('name'))}",
                f"{float(fp['area_m2']):.0f}",
                f"{float(fp.get('length_m') or 0):.0f}",
                f"{float(fp.get('width_m') or 0):.0f}",
                f"{float(fp.get('axis_bearing_deg') or 0):.0f}",
                str(fp.get("points") or ""),
                _text(fp.get("method")),
            ]
        )
    return rows
