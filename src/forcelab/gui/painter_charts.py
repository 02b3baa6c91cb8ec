"""Small charts painted straight onto a QPainter: for PDF reports, where widgets are not needed.

Each function draws inside a given rectangle in the painter's device units, with its own axes, ticks
and units, so a page layout is just a list of rectangles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF

LEFT_COLOR = QColor("#1f77b4")
RIGHT_COLOR = QColor("#d62728")
TOTAL_COLOR = QColor("#222222")
GRID_COLOR = QColor("#dddddd")
STATUS_COLORS = {"green": QColor("#2ca02c"), "amber": QColor("#ff9f1c"), "red": QColor("#d62728"),
                 "insufficient": QColor("#999999")}


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """About ``target`` round tick values covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


class Axes:
    """A data-to-device mapping for one chart rectangle, with its frame, ticks and labels drawn."""

    def __init__(self, painter: QPainter, rect: QRectF, x: tuple[float, float], y: tuple[float, float],
                 *, xlabel: str, ylabel: str, title: str = "", x_labels: Sequence[str] | None = None) -> None:
        self.p = painter
        fm_h = painter.fontMetrics().height()
        self.plot = QRectF(rect.left() + 4.5 * fm_h, rect.top() + (1.6 * fm_h if title else 0.5 * fm_h),
                           rect.width() - 5.0 * fm_h, rect.height() - (4.2 * fm_h if title else 3.1 * fm_h))
        self.x0, self.x1 = x if x[1] > x[0] else (x[0], x[0] + 1.0)
        self.y0, self.y1 = y if y[1] > y[0] else (y[0] - 1.0, y[0] + 1.0)
        p = painter
        p.save()
        if title:
            f = QFont(p.font())
            f.setBold(True)
            p.setFont(f)
            p.drawText(QRectF(rect.left(), rect.top(), rect.width(), 1.4 * fm_h), Qt.AlignmentFlag.AlignLeft, title)
            p.restore()
            p.save()
        p.setPen(QPen(GRID_COLOR, 0))
        for t in nice_ticks(self.y0, self.y1):
            yy = self.ty(t)
            p.drawLine(QPointF(self.plot.left(), yy), QPointF(self.plot.right(), yy))
            p.setPen(QPen(Qt.GlobalColor.black, 0))
            p.drawText(QRectF(rect.left(), yy - fm_h / 2, 4.2 * fm_h, fm_h),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _fmt(t))
            p.setPen(QPen(GRID_COLOR, 0))
        p.setPen(QPen(Qt.GlobalColor.black, 0))
        if x_labels is not None:  # categorical x: one label per integer position, thinned to fit
            every = max(1, int(len(x_labels) * 6 * fm_h / max(self.plot.width(), 1.0)) + 1)
            ticks = [(float(i), lab) for i, lab in enumerate(x_labels) if i % every == 0]
        else:
            ticks = [(t, _fmt(t)) for t in nice_ticks(self.x0, self.x1)]
        for t, text in ticks:
            xx = self.tx(t)
            p.drawLine(QPointF(xx, self.plot.bottom()), QPointF(xx, self.plot.bottom() + fm_h * 0.3))
            p.drawText(QRectF(xx - 3 * fm_h, self.plot.bottom() + 0.3 * fm_h, 6 * fm_h, fm_h),
                       Qt.AlignmentFlag.AlignHCenter, text)
        p.drawRect(self.plot)
        p.drawText(QRectF(self.plot.left(), self.plot.bottom() + 1.3 * fm_h, self.plot.width(), fm_h),
                   Qt.AlignmentFlag.AlignHCenter, xlabel)
        p.save()
        p.translate(rect.left() + 0.1 * fm_h, self.plot.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-self.plot.height() / 2, 0, self.plot.height(), fm_h), Qt.AlignmentFlag.AlignHCenter, ylabel)
        p.restore()
        p.restore()

    def tx(self, v: float) -> float:
        """Device x of data x."""
        return self.plot.left() + (v - self.x0) / (self.x1 - self.x0) * self.plot.width()

    def ty(self, v: float) -> float:
        """Device y of data y."""
        return self.plot.bottom() - (v - self.y0) / (self.y1 - self.y0) * self.plot.height()

    def line(self, x: np.ndarray, y: np.ndarray, color: QColor, width: float = 0) -> None:
        """A polyline (decimated to at most ~2000 points, min/max preserving)."""
        x, y = decimate_minmax(np.asarray(x, float), np.asarray(y, float), 1000)
        poly = QPolygonF([QPointF(self.tx(a), self.ty(b)) for a, b in zip(x, y, strict=True) if math.isfinite(b)])
        self.p.save()
        self.p.setClipRect(self.plot)
        self.p.setPen(QPen(color, width))
        self.p.drawPolyline(poly)
        self.p.restore()

    def vline(self, x: float, color: QColor, label: str = "", row: int = 0) -> None:
        """A vertical marker with an optional label at the top (``row`` staggers labels downwards)."""
        self.p.save()
        pen = QPen(color, 0)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.p.setPen(pen)
        xx = self.tx(x)
        self.p.drawLine(QPointF(xx, self.plot.top()), QPointF(xx, self.plot.bottom()))
        if label:
            fm = self.p.fontMetrics()
            self.p.drawText(QPointF(xx + 2, self.plot.top() + fm.ascent() + row * fm.height()), label)
        self.p.restore()

    def vband(self, x0: float, x1: float, color: QColor, label: str = "", row: int = 0) -> None:
        """A shaded vertical band from ``x0`` to ``x1`` (e.g. a hop's contact), with an optional label centred at
        its top (``row`` staggers labels downwards, so neighbours' labels do not overprint)."""
        self.p.save()
        c = QColor(color)
        c.setAlpha(60)
        left, right = self.tx(max(x0, self.x0)), self.tx(min(x1, self.x1))
        self.p.fillRect(QRectF(left, self.plot.top(), max(right - left, 0.5), self.plot.height()), c)
        if label:
            fm = self.p.fontMetrics()
            w = fm.horizontalAdvance(label) + fm.height() * 0.3
            self.p.setPen(QPen(Qt.GlobalColor.black, 0))
            self.p.drawText(QRectF((left + right - w) / 2, self.plot.top() + row * fm.height(), w, fm.height()),
                            Qt.AlignmentFlag.AlignCenter, label)
        self.p.restore()

    def hband(self, lo: float, hi: float, color: QColor) -> None:
        """A shaded horizontal band (e.g. baseline ± typical error)."""
        self.p.save()
        c = QColor(color)
        c.setAlpha(40)
        top, bottom = self.ty(min(max(hi, self.y0), self.y1)), self.ty(min(max(lo, self.y0), self.y1))
        self.p.fillRect(QRectF(self.plot.left(), top, self.plot.width(), bottom - top), c)
        self.p.restore()

    def dots(self, x: Sequence[float], y: Sequence[float], colors: Sequence[QColor], r: float | None = None) -> None:
        """Filled markers, one colour each (radius: a third of a text line by default)."""
        r = self.p.fontMetrics().height() / 3 if r is None else r
        self.p.save()
        for a, b, c in zip(x, y, colors, strict=True):
            self.p.setPen(QPen(Qt.GlobalColor.black, 0))
            self.p.setBrush(c)
            self.p.drawEllipse(QPointF(self.tx(a), self.ty(b)), r, r)
        self.p.restore()


def decimate_minmax(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``2 * buckets`` points keeping each bucket's minimum and maximum (shape of the trace kept)."""
    n = len(y)
    if n <= 2 * buckets:
        return x, y
    per = n // buckets
    m = per * buckets
    yb = y[:m].reshape(buckets, per)
    lo, hi = yb.argmin(axis=1), yb.argmax(axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    base = np.arange(buckets) * per
    idx = np.column_stack([base + first, base + second]).reshape(-1)
    return x[idx], y[idx]


def padded_range(values: np.ndarray, pad: float = 0.05) -> tuple[float, float]:
    """``(min, max)`` of the finite values with a margin."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo or max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span
