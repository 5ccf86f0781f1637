"""The Map view's furniture: scale bar, attribution and legend, each drawn once into an
image (at the screen's pixel ratio, so text stays sharp) and pasted on every frame while
it does not change — drawing text is among the dearest things a frame could do. The
same furniture as ``fieldkit map render`` (:mod:`fieldkit.map.furniture` chooses the
scale and the legend's entries).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from fieldkit.gui.mapsprites import draw_symbol, qcolor
from fieldkit.map import style
from fieldkit.map.furniture import legend_entries, nice_scale, scale_text
from fieldkit.map.geo import metres_per_pixel
from fieldkit.map.layers import MapData

FURNITURE_CACHE = 64  # scale bars and attributions drawn (a few KiB each)


class Furniture:
    """The furniture's images for one canvas."""

    def __init__(self) -> None:
        self._images: OrderedDict[tuple[Any, ...], QImage] = OrderedDict()
        self._legend: tuple[Any, QImage] | None = None
        self.ratio = 1.0

    def forget_legend(self) -> None:
        """The data changed: draw the legend again when next shown."""
        self._legend = None

    def paint(self, p: QPainter, view: Any) -> None:
        """Paste the scale bar (bottom left), the attribution (bottom right) and, on a
        canvas wider than 420 px, the legend (top right) onto ``view``'s frame."""
        self.ratio = view.devicePixelRatioF()
        font = QFont(p.font())
        font.setPointSizeF(8)
        p.setFont(font)
        metres, px = nice_scale(metres_per_pixel(view.center()[0], view.zoom), 120)
        h = view.height()
        bar = self._image(("scale", metres, px), font, self._draw_scale_bar)
        p.drawImage(QPointF(5, h - 32), bar)
        text = self._image(("attribution", view.attribution), font, self._draw_attribution)
        p.drawImage(QPointF(view.width() - text.deviceIndependentSize().width(), h - 18), text)
        if view.width() > 420:
            legend = self._legend_image(font, view.data, view.layers)
            if legend is not None:
                p.drawImage(QPointF(view.width() - legend.width() - 8, 8), legend)

    def _image(self, key: tuple[Any, ...], font: QFont, draw: Any) -> QImage:
        """A piece of the map's furniture drawn once into an image (at the screen's
        pixel ratio, so its text stays sharp) and pasted while it does not change."""
        ratio = self.ratio
        key = (*key, font.toString(), ratio)
        img = self._images.get(key)
        if img is None:
            probe = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
            pp = QPainter(probe)
            pp.setFont(font)
            fm = pp.fontMetrics()
            pp.end()
            w, h = draw(None, fm, key)
            img = QImage(
                max(1, math.ceil(w * ratio)),
                max(1, math.ceil(h * ratio)),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            img.setDevicePixelRatio(ratio)
            img.fill(Qt.GlobalColor.transparent)
            fp = QPainter(img)
            fp.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            fp.setFont(font)
            draw(fp, fm, key)
            fp.end()
            self._images[key] = img
            while len(self._images) > FURNITURE_CACHE:
                self._images.popitem(last=False)
        return img

    @staticmethod
    def _draw_scale_bar(p: QPainter | None, fm: Any, key: tuple[Any, ...]) -> tuple[int, int]:
        """The scale bar (its box 28 px high); returns its size."""
        _what, metres, px = key[:3]
        if p is not None:
            x0, y0 = 5, 20  # the bar's left end and baseline within the image
            p.fillRect(QRectF(0, 0, px + 14, 28), QColor(255, 255, 255, 220))
            p.setPen(QPen(QColor(0, 0, 0), 3))
            p.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
            p.setPen(QPen(QColor(0, 0, 0), 2))
            p.drawLine(QPointF(x0, y0 - 6), QPointF(x0, y0 + 3))
            p.drawLine(QPointF(x0 + px, y0 - 6), QPointF(x0 + px, y0 + 3))
            p.drawText(QPointF(x0, y0 - 7), scale_text(metres))
        return px + 14, 28

    @staticmethod
    def _draw_attribution(p: QPainter | None, fm: Any, key: tuple[Any, ...]) -> tuple[int, int]:
        """The basemap's attribution on a white band 18 px high; returns its size."""
        text = key[1]
        tw = fm.horizontalAdvance(text)
        if p is not None:
            p.fillRect(QRectF(0, 0, tw + 12, 18), QColor(255, 255, 255, 220))
            p.setPen(QColor(40, 40, 40))
            p.drawText(QPointF(6, 13), text)
        return tw + 12, 18

    def _legend_image(self, font: QFont, data: MapData, layers: set[str]) -> QImage | None:
        """The legend, drawn when what the map shows changes (not every frame)."""
        key = (frozenset(layers), len(data.footprints), font.pointSizeF())
        if self._legend is not None and self._legend[0] == key:
            return None if self._legend[1].isNull() else self._legend[1]
        entries = legend_entries(data, layers)
        if not entries:
            self._legend = (key, QImage())
            return None
        probe = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
        pp = QPainter(probe)
        pp.setFont(font)
        fm = pp.fontMetrics()
        width = 30 + max(fm.horizontalAdvance(label) for _s, label, _c in entries)
        pp.end()
        height = 8 + 17 * len(entries)
        img = QImage(width + 1, height + 1, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font)
        p.setPen(QColor(160, 160, 160))
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRect(QRectF(0, 0, width, height))
        for n, (sym, label, colour) in enumerate(entries):
            cy, cx = 12 + 17 * n, 12
            if sym == "conflict":
                p.setPen(QPen(qcolor(colour), 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(cx, cy), 6, 6)
            elif sym == "photo":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(*style.PHOTO_CONE))
                p.drawPie(QRectF(cx - 11, cy - 11, 22, 22), 65 * 16, 50 * 16)
                p.setBrush(qcolor(colour))
                p.drawEllipse(QPointF(cx, cy), 3, 3)
            elif sym == "footprint":
                p.setPen(QPen(qcolor(colour), 1))
                p.setBrush(QColor(*style.FOOTPRINT_FILL))
                p.drawRect(QRectF(cx - 7, cy - 5, 14, 10))
            else:
                draw_symbol(p, sym, cx, cy, 5, colour)
            p.setPen(QColor(20, 20, 20))
            p.drawText(QPointF(24, cy + 4), label)
        p.end()
        self._legend = (key, img)
        return img
