"""The scrolling live force plot: total, left and right force, body-weight line, pull biofeedback.

The plot pulls from a :class:`~forcelab.gui.feed.LiveFeed` on a QTimer (60 Hz by default), never per
block. Each frame reads the newest window of rows in one locked copy, decimates it to the plot's pixel
width with min/max per column (:mod:`forcelab.gui.decimate`) and hands the result to curves that were
created once (``setData``). Cost per frame therefore depends on the screen width, not on the window
length or the sample rate. Antialiasing is off and pens are one pixel wide: both matter for speed.

For pulls a large readout shows the peak force since the last :meth:`LivePlot.reset_peak`, and an
optional target line gives the athlete something to pull towards.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.gui.decimate import bin_size_for, minmax_decimate
from forcelab.gui.feed import LiveFeed

pg.setConfigOptions(antialias=False, useOpenGL=False)

#: Colours of the three curves (total, left, right); the theme's dark background suits them.
CURVE_COLOURS = ("#f5f5f5", "#4fa3ff", "#ff9f43")
UNITS = ("N", "% BW")


def nice_step(raw: float) -> float:
    """The 1-2-5 step nearest above ``raw`` (grid spacing)."""
    if not raw > 0:
        return 1.0
    exp = np.floor(np.log10(raw))
    base = 10.0**exp
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * base >= raw:
            return float(m * base)
    return float(10.0 * base)


class _PaintReportingView(pg.PlotWidget):
    """A PlotWidget that reports when it has finished painting (for latency and frame-time figures)."""

    painted = QtCore.Signal(float)  # time.perf_counter() at the end of the paint

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(ev)
        self.painted.emit(time.perf_counter())


#: The peak readout's font size in ui/theme.qss (#peakReadout); smaller only when the text would not fit.
PEAK_POINT_SIZE = 34


class LivePlot(QtWidgets.QWidget):
    """Scrolling force plot with curve toggles, N / %BW units and a peak readout.

    Signals: ``frame_drawn(last_sample, perf_counter)`` after a paint that showed data up to absolute
    sample ``last_sample``.
    """

    frame_drawn = QtCore.Signal(int, float)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, fps: float = 60.0, window: float = 10.0) -> None:
        super().__init__(parent)
        self._feed: LiveFeed | None = None
        self._window = float(window)
        self._units = "N"
        self._body_weight: float | None = None
        self._bw_source = ""
        self._target: float | None = None
        self._target_label = "target"
        self._peak = float("-inf")
        self._last_peak: float | None = None
        self._peak_from = 0  # absolute sample number from which the peak counts
        self._shown_last = -1  # last absolute sample drawn
        self._pending_last = -1  # last absolute sample handed to the curves, not yet painted
        self._y_range: tuple[float, float] | None = None
        self.frames = 0
        self.refresh_started = 0.0  # perf_counter() when the newest frame's refresh began (for benchmarks)

        self.view = _PaintReportingView(background="#1b1e24")
        self.view.setObjectName("livePlotView")
        # The view paints every pixel itself: tell Qt, so it does not paint the (styled) parents under it
        # first on every frame, which on a 4K screen cost more than the plot.
        self.view.viewport().setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.view.viewport().setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.view.setMenuEnabled(False)
        self.view.setMouseEnabled(x=False, y=False)
        self.view.hideButtons()
        plot = self.view.getPlotItem()
        # No pyqtgraph grid: its alpha-blended lines across the view cost ~50 ms a frame on a 4K screen.
        # An opaque grid drawn as one path, rebuilt only when the range changes, costs next to nothing.
        self._grid = pg.PlotCurveItem(pen=pg.mkPen("#2a2f38", width=1), connect="pairs", antialias=False)
        self._grid.setZValue(-100)
        plot.addItem(self._grid, ignoreBounds=True)
        plot.setClipToView(False)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.enableAutoSIPrefix(False)
            # The axes also draw the grid across the whole view: painting them again every frame cost ~6 ms.
            # They only change when the range does, so keep them as a cached pixmap.
            axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.setLabel("bottom", "time (s)")
        plot.setXRange(-self._window, 0.0, padding=0.0)
        plot.disableAutoRange()
        self._plot = plot

        self._curves = []
        for colour in CURVE_COLOURS:
            curve = pg.PlotCurveItem(pen=pg.mkPen(colour, width=1), antialias=False, skipFiniteCheck=True)
            plot.addItem(curve)
            self._curves.append(curve)
        self._bw_line = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen("#7bd88f", width=1, style=QtCore.Qt.PenStyle.DashLine),
            label="body weight", labelOpts={"position": 0.05, "color": "#7bd88f", "anchors": [(0, 1), (0, 1)]},
        )
        self._target_line = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen("#ff5c8a", width=1, style=QtCore.Qt.PenStyle.DotLine),
            label="target", labelOpts={"position": 0.95, "color": "#ff5c8a", "anchors": [(1, 1), (1, 1)]},
        )
        for line in (self._bw_line, self._target_line):
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)

        self._toggles: list[QtWidgets.QCheckBox] = []
        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        for i, (name, colour) in enumerate(zip(("Total", "Left", "Right"), CURVE_COLOURS, strict=True)):
            box = QtWidgets.QCheckBox(name)
            box.setChecked(True)
            box.setStyleSheet(f"QCheckBox {{ color: {colour}; }}")
            box.toggled.connect(lambda on, i=i: self._curves[i].setVisible(on))
            header.addWidget(box)
            self._toggles.append(box)
        header.addStretch(1)
        self.units_box = QtWidgets.QComboBox()
        self.units_box.addItems(UNITS)
        self.units_box.setToolTip("Show force in newtons or in percent of body weight")
        self.units_box.currentTextChanged.connect(self.set_units)
        header.addWidget(QtWidgets.QLabel("Units"))
        header.addWidget(self.units_box)

        self.peak_label = QtWidgets.QLabel("—")
        self.peak_label.setObjectName("peakReadout")
        self.peak_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.peak_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.last_peak_label = QtWidgets.QLabel("")
        self.last_peak_label.setObjectName("lastPeak")
        self.last_peak_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self._peak_row = QtWidgets.QWidget()
        peak_row = QtWidgets.QHBoxLayout(self._peak_row)
        peak_row.setContentsMargins(0, 0, 0, 0)
        peak_row.addWidget(self.peak_label, 1)
        peak_row.addWidget(self.last_peak_label)
        self._peak_row.setVisible(False)
        self.peak_label.setToolTip("Peak force since the pull started (press R to reset)")

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._peak_row)
        layout.addWidget(self.view, 1)
        self._update_labels()

        self.view.painted.connect(self._on_painted)
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, int(1000.0 / fps)))  # 16 ms for 60 fps (17 would give 58.8)
        self._timer.timeout.connect(self.refresh)

    # ----------------------------------------------------------------- configuration
    def set_feed(self, feed: LiveFeed | None) -> None:
        """Read from ``feed`` (``None`` stops drawing and clears the curves)."""
        self._feed = feed
        self._shown_last = self._pending_last = -1
        self._y_range = None
        has_plates = feed is not None and feed.columns.has_plates
        for i in (1, 2):
            self._toggles[i].setEnabled(has_plates)
            self._curves[i].setVisible(has_plates and self._toggles[i].isChecked())
        if feed is None:
            for curve in self._curves:
                curve.setData(np.empty(0), np.empty(0))
            self._timer.stop()
        else:
            self.reset_peak()
            self._timer.start()

    @property
    def feed(self) -> LiveFeed | None:
        """The feed being drawn, if any."""
        return self._feed

    @property
    def running(self) -> bool:
        """True while the refresh timer runs."""
        return self._timer.isActive()

    def set_window(self, seconds: float) -> None:
        """Show the last ``seconds`` of data."""
        if not seconds > 0:
            raise ValueError(f"window must be positive seconds, got {seconds!r}")
        self._window = float(seconds)
        self._plot.setXRange(-self._window, 0.0, padding=0.0)
        if self._y_range is not None:
            self._draw_grid(*self._y_range)

    def set_units(self, units: str) -> None:
        """``"N"`` or ``"% BW"`` (the latter needs a body weight; without one newtons are shown)."""
        if units not in UNITS:
            raise ValueError(f"units must be one of {UNITS}, got {units!r}")
        self._units = units
        if self.units_box.currentText() != units:
            self.units_box.setCurrentText(units)
        self._y_range = None
        self._update_labels()

    @property
    def units(self) -> str:
        """Units actually drawn (``"% BW"`` only when a body weight is known)."""
        return "% BW" if self._units == "% BW" and self._body_weight else "N"

    def set_body_weight(self, newtons: float | None, source: str = "") -> None:
        """Draw the body-weight line at ``newtons`` (``None`` hides it); ``source`` says where it came
        from (e.g. "roster" before the athlete was weighed)."""
        if newtons is not None and not newtons > 0:
            raise ValueError(f"body weight must be positive newtons, got {newtons!r}")
        self._body_weight = newtons
        self._bw_source = source
        self._y_range = None
        self._update_labels()

    def set_target(self, newtons: float | None, label: str = "target") -> None:
        """Draw a target line at ``newtons`` (``None`` hides it), named ``label``: the pull's target, or a
        protocol step's (``previous best``, ``250 % BW``)."""
        self._target = newtons
        self._target_label = label
        self._update_labels()

    @property
    def target(self) -> tuple[float, str] | None:
        """The target line drawn: ``(newtons, label)``, or ``None``."""
        return None if self._target is None else (self._target, self._target_label)

    def show_peak(self, on: bool) -> None:
        """Show or hide the large peak-force readout (used for pulls)."""
        self._peak_row.setVisible(on)

    def reset_peak(self, keep_last: bool = True) -> None:
        """Start counting the peak from the newest sample; the previous peak stays on show as "last pull"
        unless ``keep_last`` is False (switching to pulls: what came before was not a pull)."""
        if keep_last and self._peak != float("-inf"):
            self._last_peak = self._peak
        self._peak = float("-inf")
        self._peak_from = self._feed.ring.total_written if self._feed is not None else 0
        self.peak_label.setText("—")

    @property
    def peak(self) -> float | None:
        """Peak total force (N) since the last reset, or ``None`` before any sample."""
        return None if self._peak == float("-inf") else self._peak

    def _scale(self) -> float:
        return 100.0 / self._body_weight if self.units == "% BW" and self._body_weight else 1.0

    def _update_labels(self) -> None:
        unit = self.units
        self._plot.setLabel("left", f"force ({unit})")
        scale = self._scale()
        for line, value in ((self._bw_line, self._body_weight), (self._target_line, self._target)):
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value * scale)
        if self._target is not None:
            self._target_line.label.setFormat(f"{self._target_label} {self._target * scale:.0f} {unit}")
        if self._body_weight is not None:
            source = f" ({self._bw_source})" if self._bw_source else ""
            self._bw_line.label.setFormat(f"body weight {self._body_weight * scale:.0f} {unit}{source}")
        if self.peak is not None:
            self._show_peak_text()

    def _show_peak_text(self) -> None:
        peak = self.peak
        if peak is None:
            return
        text = f"Peak {peak:,.0f} N"
        if self._body_weight:
            text += f" ({peak / self._body_weight * 100:.0f} % BW)"
        self.peak_label.setText(text)
        self.last_peak_label.setText("" if self._last_peak is None else f"last pull\n{self._last_peak:,.0f} N")
        self._fit_peak_font()

    def _fit_peak_font(self) -> None:
        """Shrink the peak readout's font (theme size at most, 12 pt at least) until its text fits the label:
        "Peak 3,100 N (422 % BW)" at 34 pt is wider than the plot at 1366x768."""
        label = self.peak_label
        room = label.contentsRect().width() - 20  # the theme's padding
        font = QtGui.QFont(label.font())
        size = PEAK_POINT_SIZE
        while size > 12:
            font.setPointSizeF(size)
            if QtGui.QFontMetrics(font).horizontalAdvance(label.text()) <= room:
                break
            size -= 2
        wanted = "" if size >= PEAK_POINT_SIZE else f"font-size: {size}pt;"
        if label.styleSheet() != wanted:
            label.setStyleSheet(wanted)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Fit the peak readout to the new width."""
        super().resizeEvent(event)
        if self.peak_label.isVisibleTo(self) and self.peak_label.text():
            QtCore.QTimer.singleShot(0, self._fit_peak_font)  # after the layout gave the label its width

    # ----------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Pull the newest window from the feed and update the curves (the timer calls this)."""
        feed = self._feed
        if feed is None:
            return
        started = time.perf_counter()
        ring = feed.ring
        n_window = max(2, int(self._window * feed.rate))
        rows, end, _missed = ring.since(max(0, ring.total_written - n_window))
        if len(rows) == 0 or end - 1 == self._pending_last:
            return
        first = end - len(rows)
        forces = feed.columns.forces(rows)
        self._track_peak(forces[:, 0], first)
        width = max(100, self.view.viewport().width())
        index, values = minmax_decimate(forces, first, bin_size_for(n_window, width))
        x = (index - (end - 1)) / feed.rate
        scale = self._scale()
        if scale != 1.0:
            values = values * scale
        self._curves[0].setData(x, values[:, 0])
        if feed.columns.has_plates:
            self._curves[1].setData(x, values[:, 1])
            self._curves[2].setData(x, values[:, 2])
        self._autoscale_y(values)
        self._pending_last = end - 1
        self.refresh_started = started
        self.frames += 1

    def _track_peak(self, total: np.ndarray, first: int) -> None:
        start = max(0, self._peak_from - first)
        if start >= len(total):
            return
        m = float(np.max(total[start:]))
        self._peak_from = first + len(total)
        if m > self._peak:
            self._peak = m
            if self._peak_row.isVisible():
                self._show_peak_text()

    def _autoscale_y(self, values: np.ndarray) -> None:
        """Grow the y range at once when data leaves it; shrink it only when it is far too large."""
        visible = values[:, 0] if not self._curves[1].isVisible() else values
        hi = float(np.nanmax(visible))
        lo = float(np.nanmin(visible))
        floor = 0.0
        refs = [v for v in (self._body_weight, self._target) if v is not None]
        ref_top = max(refs) * self._scale() * 1.25 if refs else 0.0
        top = max(hi * 1.1, ref_top, 10.0 * self._scale() if self.units == "N" else 10.0)
        bottom = min(floor, lo - 0.05 * abs(top))
        current = self._y_range
        if current is None or top > current[1] or bottom < current[0] or top < 0.5 * current[1]:
            self._y_range = (bottom, top)
            self._plot.setYRange(bottom, top, padding=0.0)
            self._draw_grid(bottom, top)

    def _draw_grid(self, bottom: float, top: float) -> None:
        """Grid lines at the y axis' round steps and at whole seconds, as one path."""
        ystep = nice_step((top - bottom) / 6.0)
        ys = np.arange(np.ceil(bottom / ystep) * ystep, top, ystep)
        xstep = nice_step(self._window / 10.0)
        xs = -np.arange(0.0, self._window + 1e-9, xstep)
        n = len(ys) + len(xs)
        x = np.empty(2 * n, dtype=np.float64)
        y = np.empty(2 * n, dtype=np.float64)
        x[0 : 2 * len(ys) : 2], x[1 : 2 * len(ys) : 2] = -self._window, 0.0
        y[0 : 2 * len(ys) : 2] = y[1 : 2 * len(ys) : 2] = ys
        k = 2 * len(ys)
        x[k::2] = x[k + 1 :: 2] = xs
        y[k::2], y[k + 1 :: 2] = bottom, top
        self._grid.setData(x, y)

    def _on_painted(self, when: float) -> None:
        if self._pending_last != self._shown_last:
            self._shown_last = self._pending_last
            self.frame_drawn.emit(self._shown_last, when)
