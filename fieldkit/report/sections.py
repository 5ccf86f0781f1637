"""The sections of the case report, in order: title page, summary, map, sites, remnants,
(photos: :mod:`fieldkit.report.photos`), statements, footprints, (appendices:
:mod:`fieldkit.report.appendix`). Each takes the one :class:`Context` of a rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit.audience import Audience, OutputView
from fieldkit.gis.layers import name_text, site_names, view_footprints
from fieldkit.progress import CancelToken, Throttle, check_cancel
from fieldkit.report.pdf import Pdf, clean_text, image_size, shape_for
from fieldkit.report.plan import draw_site_plan, static_map

if TYPE_CHECKING:
    from fpdf import FPDF

    from fieldkit.store import Store

REPORT_NAMESPACE = "fieldkit-report@v1"


@dataclass
class Context:
    """One rendering: the store, the audience's view, the PDF, and what it collects."""

    store: Store
    view: OutputView
    doc: Pdf
    throttle: Throttle
    cancel: CancelToken | None = None
    notes: list[str] = field(default_factory=list)
    #: threads making the photos' scaled copies ahead (0: serial)
    workers: int = 0

    @property
    def pdf(self) -> FPDF:
        return self.doc.pdf

    @property
    def audience(self) -> Audience:
        return self.view.audience

    @property
    def case(self) -> dict[str, Any]:
        return self.view.cases[0] if self.view.cases else {}

    @property
    def me(self) -> dict[str, Any]:
        return self.store.identity()

    @property
    def as_of(self) -> str | None:
        return self.view.as_of


def when(m: dict[str, Any]) -> str:
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


def position(rec: dict[str, Any]) -> str:
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


def title_page(c: Context) -> None:
    """The title page: case, region, period, organisation, author, date, key."""
    view, doc, pdf, audience, case = c.view, c.doc, c.pdf, c.audience, c.case
    me, as_of = c.me, c.as_of
    pdf.add_page()
    doc.font(9, bold=True)
    shape_for(pdf)
    pdf.set_fill_color(*((46, 125, 50) if audience.public else (179, 38, 30)))
    pdf.set_text_color(255, 255, 255)
    pdf.multi_cell(0, 7, f"  {audience.describe()}", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(20)
    doc.font(22, bold=True)
    shape_for(pdf, case.get("title"))
    pdf.multi_cell(0, 10, clean_text(case.get("title")), new_x="LMARGIN", new_y="NEXT")
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


def summary(c: Context) -> None:
    """Counts of what the report holds, casualties and the incidents' span."""
    view, doc, pdf, case = c.view, c.doc, c.pdf, c.case
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


def case_map(c: Context) -> None:
    """The core's static map (internal), else a plain site plan."""
    store, view, doc, pdf, notes = c.store, c.view, c.doc, c.pdf, c.notes
    doc.heading("Map of the case", 2)
    static = static_map(store, view, notes)
    if static is not None:
        import io

        png, attribution = static
        w_px, h_px = image_size(png)
        width = doc.width
        height = min(width * h_px / w_px, 150.0)
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=height * w_px / h_px, h=height)
        doc.para(f"Map: sites, remnants and photos of the case; {attribution}.", 7.5)
    elif not draw_site_plan(doc, view):
        doc.para("No site has a recorded position.")


def sites(c: Context) -> None:
    """One heading per site: names, position, incident, objects, casualties."""
    view, doc, pdf, cancel = c.view, c.doc, c.pdf, c.cancel
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
                ("Position", position(s)),
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


def remnants(c: Context) -> None:
    """The remnants table, with the catalogue's designation and description."""
    view, doc, pdf = c.view, c.doc, c.pdf
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
                clean_text(x) for x in (r.get("disposition"), r.get("disposition_by")) if x
            )
            rows.append(
                [
                    str(site_no.get(r["site_ref"], "")),
                    clean_text(r.get("category")),
                    clean_text(r.get("designation") or r.get("munition_type")),
                    clean_text(
                        r.get("catalogue_description") or "free text, not in the catalogue"
                        if r.get("munition_type")
                        else ""
                    ),
                    clean_text(r.get("condition")),
                    clean_text(r.get("hazard")),
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


def statements(c: Context) -> None:
    """Statements as their consent and sensitivity allow (text withheld says so)."""
    view, doc, pdf, audience, cancel = c.view, c.doc, c.pdf, c.audience, c.cancel
    if view.statements:
        pdf.add_page()
        doc.heading("Statements")
        if audience.public:
            doc.para("Witnesses are named by release labels, never by their codes.", 8.5)
        site_no = {s["ref"]: n for n, s in enumerate(view.sites, 1)}
        for st in view.statements:
            check_cancel(cancel)
            who = st.get("label") or st.get("witness_code")
            doc.heading(clean_text(who), 3)
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


def footprints(c: Context) -> None:
    """The footprints table (when the map package is installed)."""
    store, view, doc, notes = c.store, c.view, c.doc, c.notes
    fp_rows = footprint_rows(store, view)
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


def footprint_rows(store: Store, view: OutputView) -> list[list[str]] | None:
    """Rows of the footprints table, from the remnants the view holds (the same footprints
    as the GIS layer: :func:`fieldkit.gis.layers.view_footprints`); None without the map
    package. Sites at a generalised position are left out: their outline would give the
    place away."""
    footprints = view_footprints(view)
    if footprints is None:
        return None
    rows = []
    generalised = {r["site_ref"] for r in view.remnants if r.get("position_generalised_m")}
    for n, s in enumerate(view.sites, 1):
        if s.get("position_generalised_m") or s["ref"] in generalised:
            continue
        fp = footprints.get(s["ref"])
        if not fp or not fp.get("area_m2"):
            continue
        rows.append(
            [
                f"{n} {clean_text(s.get('name'))}",
                f"{float(fp['area_m2']):.0f}",
                f"{float(fp.get('length_m') or 0):.0f}",
                f"{float(fp.get('width_m') or 0):.0f}",
                f"{float(fp.get('axis_bearing_deg') or 0):.0f}",
                str(fp.get("points") or ""),
                clean_text(fp.get("method")),
            ]
        )
    return rows
