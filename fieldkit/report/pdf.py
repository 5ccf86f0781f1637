"""The PDF layer of the case report on fpdf2: fonts, shaping, headings, rows, tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit import __version__
from fieldkit.catalogue import resources_dir
from fieldkit.gis.layers import flat

if TYPE_CHECKING:
    from fpdf import FPDF


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


def shape_for(pdf: FPDF, *texts: Any) -> None:
    """Turn the shaping engine on only when the text to lay out needs it."""
    needed = any(_NEEDS_SHAPING.search(str(t)) for t in texts if t)
    if needed != bool(pdf.text_shaping):
        pdf.set_text_shaping(needed)


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    return _CONTROL.sub("\ufffd", str(flat(value)))


def journal_datetime(iso: str | None) -> dt.datetime:
    if not iso:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


class Pdf:
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
        shape_for(pdf, text)
        pdf.multi_cell(0, size * 0.5, clean_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
        self.font()

    def para(self, text: Any, size: float = 9.5, bold: bool = False) -> None:
        if text in (None, "", []):
            return
        self.font(size, bold)
        shape_for(self.pdf, text)
        self.pdf.multi_cell(0, size * 0.48, clean_text(text), new_x="LMARGIN", new_y="NEXT")
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
            shape_for(pdf, label)
            pdf.multi_cell(label_w, 4.4, clean_text(label), new_x="RIGHT", new_y="TOP")
            self.font(9)
            shape_for(pdf, value)
            pdf.multi_cell(0, 4.4, clean_text(value), new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), y + 4.4))
        pdf.ln(1)
        self.font()

    def table(
        self, headings: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]
    ) -> None:
        pdf = self.pdf
        self.font(7.5)
        shape_for(pdf, *(c for r in rows for c in r))
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
                    row.cell(clean_text(cell))
        pdf.ln(2)
        self.font()


def _heading_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


def image_size(data: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return im.size
