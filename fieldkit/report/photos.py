"""The photos section of the case report: scaled copies in two columns, with captions.

The scaled copies are made ahead by a small pool of threads (decrypting, decoding and
re-encoding release the GIL), at most ``PREFETCH`` ahead of the page being laid out, and
taken in order: the PDF is the same bytes as a serial run, memory holds a few 640-px
JPEGs, and on two cores the decode of the next photos overlaps fpdf2's layout of this
one. ``workers=0`` is the serial mode (tests, and a machine with one core).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from fieldkit.progress import check_cancel
from fieldkit.report.pdf import PHOTO_QUALITY, PHOTO_SIDE, clean_text, image_size, shape_for
from fieldkit.report.sections import Context, position, when

WORKERS = min(2, os.cpu_count() or 1)
PREFETCH = 6


def _ordered(
    items: list[Any], make: Callable[[Any], bytes | None], workers: int
) -> Iterator[bytes | None]:
    """``make(item)`` for each item, in order, computed up to PREFETCH ahead by
    ``workers`` threads (serially when ``workers`` is 0 or 1)."""
    if workers <= 1:
        for item in items:
            yield make(item)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldkit-report")
    pending: deque[Future[bytes | None]] = deque()
    try:
        it = iter(items)
        for item in it:
            pending.append(pool.submit(make, item))
            if len(pending) >= PREFETCH:
                break
        while pending:
            result = pending.popleft().result()
            for item in it:
                pending.append(pool.submit(make, item))
                break
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def photos(c: Context) -> tuple[int, int]:
    """Each medium: its scaled copy (never the original), caption, time, position,
    direction and SHA-256. Returns (photos embedded, photos that could not be read)."""
    from fieldkit.scaled import is_image, scaled_jpeg

    store, view, doc, pdf, audience, notes, cancel, throttle = (
        c.store,
        c.view,
        c.doc,
        c.pdf,
        c.audience,
        c.notes,
        c.cancel,
        c.throttle,
    )
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
        public = view.audience.public

        def scaled(m: dict[str, Any]) -> bytes | None:
            if not is_image(m.get("mime")):
                return None
            return scaled_jpeg(
                store,
                m["_sha256"],
                PHOTO_SIDE,
                quality=PHOTO_QUALITY,
                redactions=m.get("_redactions") if public else None,
            )

        copies = _ordered(view.media, scaled, c.workers)
        for i, m in enumerate(view.media):
            check_cancel(cancel)
            throttle(i, total, "photos")
            col = i % 2
            if col == 0 and pdf.get_y() + cell_h > pdf.h - 16:
                pdf.add_page()
            x = pdf.l_margin + col * (col_w + 6)
            y = pdf.get_y()
            data = next(copies)
            if data is not None:
                import io

                w_px, h_px = image_size(data)
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
                    f"no picture ({clean_text(m.get('mime'))})"
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
                when(m),
                "position "
                + (position(m) or "unknown")
                + (
                    f"; direction {float(m['direction']):g}°"
                    if m.get("direction") is not None
                    else ""
                ),
            ]
            pdf.set_xy(x, y + img_h + 1)
            doc.font(7)
            shape_for(pdf, *lines)
            pdf.multi_cell(
                col_w, 3.2, "\n".join(clean_text(t) for t in lines), new_x="LEFT", new_y="NEXT"
            )
            if not audience.public:
                doc.font(5.6, mono=True)
                shape_for(pdf)
                pdf.set_x(x)
                pdf.cell(col_w, 3, m["_sha256"], new_x="LEFT", new_y="NEXT")
            pdf.set_xy(pdf.l_margin, y if col == 0 else y + cell_h)
            if col == 0 and i == total - 1:
                pdf.set_y(y + cell_h)
        throttle(total, total, "photos")
        if missing:
            notes.append(f"{missing} photos could not be read; the report says so in their place")
    return embedded, missing
