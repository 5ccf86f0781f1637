"""The case's map in the report: the core's static map, or a plain site plan drawn here."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from fieldkit.audience import OutputView
from fieldkit.report.pdf import Pdf

if TYPE_CHECKING:
    from fieldkit.store import Store


def _nice_step(metres: float) -> float:
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if step >= metres:
            return step
    return 200000.0


def draw_site_plan(doc: Pdf, view: OutputView, height: float = 120.0) -> bool:
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


def static_map(store: Store, view: OutputView, notes: list[str]) -> tuple[bytes, str] | None:
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
