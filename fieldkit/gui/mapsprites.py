"""Sprites for the Map view's marks: each symbol, cluster disc, cluster count and site
name is drawn once (antialiased, into a small premultiplied QImage) and then pasted, so
a dense overlay tile costs one ``drawImage`` per mark rather than a path fill and a
text layout. Symbols are named by :mod:`fieldkit.map.style`; the legend draws them with
:func:`draw_symbol` directly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF

from fieldkit.map import style


def qcolor(rgb: tuple[int, ...]) -> QColor:
    return QColor(*rgb)


# --- symbols --------------------------------------------------------------------------------


def draw_symbol(
    p: QPainter, kind: str, x: float, y: float, r: float, fill: tuple[int, ...]
) -> None:
    """A site or remnant symbol (``style`` names them) centred on (x, y)."""
    p.setPen(QPen(Qt.GlobalColor.white, 2))
    p.setBrush(qcolor(fill))
    if kind == "circle":
        p.drawEllipse(QPointF(x, y), r, r)
    elif kind == "ring":
        p.setPen(QPen(qcolor(fill), 3))
        p.setBrush(Qt.GlobalColor.white)
        p.drawEllipse(QPointF(x, y), r, r)
        p.setBrush(qcolor(fill))
        p.drawEllipse(QPointF(x, y), 2, 2)
    elif kind == "square":
        p.drawRect(QRectF(x - r, y - r, 2 * r, 2 * r))
    elif kind == "triangle":
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.2),
                    QPointF(x + r * 1.1, y + r * 0.8),
                    QPointF(x - r * 1.1, y + r * 0.8),
                ]
            )
        )
    elif kind == "hazard":
        p.setPen(QPen(qcolor(style.HAZARD_EDGE), 2))
        p.setBrush(qcolor(style.HAZARD_FILL))
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.5),
                    QPointF(x + r * 1.35, y + r),
                    QPointF(x - r * 1.35, y + r),
                ]
            )
        )
        p.drawLine(QPointF(x, y - r * 0.6), QPointF(x, y + r * 0.2))
        p.drawPoint(QPointF(x, y + r * 0.6))
    elif kind == "photo":
        p.setPen(QPen(Qt.GlobalColor.white, 1))
        p.drawEllipse(QPointF(x, y), r, r)
    else:  # diamond
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.3),
                    QPointF(x + r * 1.3, y),
                    QPointF(x, y + r * 1.3),
                    QPointF(x - r * 1.3, y),
                ]
            )
        )


_SPRITES: dict[tuple[str, tuple[int, ...], float], tuple[QImage, float]] = {}


def sprite(kind: str, r: float, fill: tuple[int, ...]) -> tuple[QImage, float]:
    """The symbol drawn once into a small premultiplied image, and its half size."""
    key = (kind, tuple(fill), float(r))
    found = _SPRITES.get(key)
    if found is None:
        half = math.ceil(r * 1.6) + 3
        img = QImage(2 * half, 2 * half, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        draw_symbol(p, kind, half, half, r, fill)
        p.end()
        found = _SPRITES[key] = (img, float(half))
    return found


def stamp(p: QPainter, kind: str, x: float, y: float, r: float, fill: tuple[int, ...]) -> None:
    """Draw a symbol from its sprite, its centre on the pixel holding (x, y)."""
    img, half = sprite(kind, r, fill)
    p.drawImage(QPointF(math.floor(x) + 0.5 - half, math.floor(y) + 0.5 - half), img)


def stamp_many(p: QPainter, kind: str, r: float, fill: tuple[int, ...], x: Any, y: Any) -> None:
    """:func:`stamp` one symbol at many points (arrays): the same pixels, with the
    placement computed by numpy rather than per point."""
    if not len(x):
        return
    img, half = sprite(kind, r, fill)
    draw = p.drawImage
    left = (np.floor(x) + (0.5 - half)).tolist()
    top = (np.floor(y) + (0.5 - half)).tolist()
    for a, b in zip(left, top, strict=True):
        draw(QPointF(a, b), img)


def halo_text(p: QPainter, x: float, y: float, text: str) -> None:
    path = QPainterPath()
    path.addText(QPointF(x, y), p.font(), text)
    p.setPen(QPen(QColor(255, 255, 255, 230), 4))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(25, 25, 25))
    p.drawPath(path)


_LABELS: dict[tuple[str, int], tuple[QImage, float]] = {}


def label_image(text: str, font: QFont) -> tuple[QImage, float]:
    """A name with its white halo, drawn once (a frame pastes it); and its baseline."""
    key = (text, font.pointSize())
    found = _LABELS.get(key)
    if found is None:
        if len(_LABELS) > 2000:
            _LABELS.clear()
        path = QPainterPath()
        path.addText(QPointF(0, 0), font, text)
        box = path.boundingRect().adjusted(-3, -3, 3, 3)
        img = QImage(
            max(1, math.ceil(box.width())),
            max(1, math.ceil(box.height())),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font)
        halo_text(p, -box.left(), -box.top(), text)
        p.end()
        found = _LABELS[key] = (img, -box.top())
    return found


_CLUSTER_SPRITES: dict[tuple[Any, ...], tuple[QImage, float, float]] = {}
CLUSTER_SPRITES_MAX = 4000  # discs and counts kept (a few KiB each)


def cluster_radius(n: int) -> float:
    """A cluster mark's radius in pixels for ``n`` points (a click hits within it)."""
    return 9 + 3 * math.log10(n)


def _cluster_disc(layer: str, n: int) -> tuple[QImage, float, float]:
    """The disc of a cluster of ``n``, drawn once per layer and quarter pixel of radius:
    (image, half width, half height)."""
    r = round(cluster_radius(n) * 4) / 4
    key = ("disc", layer, r)
    found = _CLUSTER_SPRITES.get(key)
    if found is None:
        half = math.ceil(r) + 2
        img = QImage(2 * half, 2 * half, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(Qt.GlobalColor.white, 2))
        p.setBrush(qcolor(style.CLUSTER[layer]))
        p.drawEllipse(QPointF(half, half), r, r)
        p.end()
        found = _CLUSTER_SPRITES[key] = (img, float(half), float(half))
    return found


def _cluster_count(n: int) -> tuple[QImage, float, float]:
    """A cluster's count, white bold 8-point text centred in its image, drawn once."""
    key = ("count", n)
    found = _CLUSTER_SPRITES.get(key)
    if found is None:
        font = QFont()
        font.setPointSizeF(8)
        font.setBold(True)
        text = str(n)
        probe = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
        pp = QPainter(probe)
        pp.setFont(font)
        half = max(20, math.ceil(pp.fontMetrics().horizontalAdvance(text) / 2) + 2)
        pp.end()
        img = QImage(2 * half, 20, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font)
        p.setPen(Qt.GlobalColor.white)
        p.drawText(QRectF(0, 0, 2 * half, 20), Qt.AlignmentFlag.AlignCenter, text)
        p.end()
        found = _CLUSTER_SPRITES[key] = (img, float(half), 10.0)
    return found


def paint_clusters(
    p: QPainter, layer: str, x: np.ndarray, y: np.ndarray, counts: np.ndarray
) -> None:
    """Cluster marks centred on (x, y): every disc, then every count over them, each
    pasted from an image drawn once (a dense tile holds a hundred and more)."""
    if not len(x):
        return
    if len(_CLUSTER_SPRITES) > CLUSTER_SPRITES_MAX:
        _CLUSTER_SPRITES.clear()
    marks = list(zip(x.tolist(), y.tolist(), counts.tolist(), strict=True))
    draw = p.drawImage
    for cx, cy, n in marks:
        img, hw, hh = _cluster_disc(layer, n)
        draw(QPointF(round(cx - hw), round(cy - hh)), img)
    for cx, cy, n in marks:
        img, hw, hh = _cluster_count(n)
        draw(QPointF(round(cx - hw), round(cy - hh)), img)
