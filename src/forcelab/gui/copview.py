"""The live centre-of-pressure view: where the athlete's CoP is on the plates, and its trail.

It pulls the newest ``window`` seconds from the acquisition ring buffer on a timer (30 Hz), combines the plates'
CoP columns into one CoP in the device's frame (:meth:`forcelab.devices.plates.PlateMap.combined_cop`, each
plate at its profile ``origin_mm``) and draws it with curves created once (``setData``, float64, no antialias):
the trail (means of 20 ms blocks, :data:`TRAIL_RATE`), the current point, and the plate outlines from the profile
geometry, each named on its edge nearest the midline (zoomed onto a two-leg stance, the two lines either side of
x = 0 are the plates' inner edges, the gap between them). A readout gives the current CoP as distances and
directions ("8.0 mm left, 3.0 mm back") and the trail's mean velocity. Only plates with four positioned cells have a CoP; without one the view says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from forcelab.acquisition.ring import RingBuffer
from forcelab.devices.plates import PlateMap


@dataclass(frozen=True)
class CopSource:
    """Where the CoP is in a ring buffer: per-plate force columns and each CoP plate's ``(plate index, x column,
    y column)``, with the plate map that places them."""

    ring: RingBuffer
    rate: float
    plate_map: PlateMap
    plate_cols: tuple[int, ...]
    cop_cols: tuple[tuple[int, int, int], ...]

    @classmethod
    def from_engine(cls, engine: object) -> CopSource | None:
        """The CoP columns of an acquisition engine (``None`` when no plate has four positioned cells)."""
        pm: PlateMap = engine.plate_map  # type: ignore[attr-defined]
        column = engine.column  # type: ignore[attr-defined]
        cops = tuple((i, column(f"{p.name}_cop_x"), column(f"{p.name}_cop_y"))
                     for i, p in enumerate(pm.plates) if p.has_cop)
        if not cops:
            return None
        return cls(engine.ring, float(engine.rate), pm,  # type: ignore[attr-defined]
                   tuple(column(p.name) for p in pm.plates), cops)

    def latest(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The combined CoP (x, y in metres; NaN where no plate is loaded) of the newest ``seconds``."""
        rows = self.ring.latest(max(1, int(round(seconds * self.rate))))
        return self.plate_map.combined_cop_of_rows(rows, self.plate_cols, self.cop_cols)


#: The smallest span (mm) of the view while it follows a balance trial's trail: 60 mm shows a quiet stance's
#: few millimetres of sway as a figure, not a dot, and a single-leg stance's larger sway whole.
FOLLOW_SPAN_MM = 60.0
#: The trail is drawn (and its velocity read) at this rate: means of blocks of samples, which average out the
#: cells' noise (unaveraged, the path of a 1 kHz CoP is mostly noise) and keep the curve short.
TRAIL_RATE = 50.0


def _binned(x: np.ndarray, y: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Means of blocks of ``rate / TRAIL_RATE`` samples (a block with an unloaded sample is NaN), and the block
    duration in seconds."""
    k = max(1, int(round(rate / TRAIL_RATE)))
    m = (x.size // k) * k
    if m == 0:
        return np.empty(0), np.empty(0), k / rate
    off = x.size - m  # drop the oldest samples, keep the newest whole
    return x[off:].reshape(-1, k).mean(axis=1), y[off:].reshape(-1, k).mean(axis=1), k / rate


def side(value_mm: float, positive: str, negative: str) -> str:
    """A signed CoP coordinate as a distance and a direction: ``side(-8.0, "right", "left")`` is "8.0 mm left"
    (a negative "right" reads as a contradiction)."""
    word = positive if value_mm >= 0 else negative
    return f"{abs(value_mm):.1f} mm {word}"


def _outline(half_w: float, half_d: float, ox: float, oy: float) -> tuple[np.ndarray, np.ndarray]:
    """A plate's rectangle (mm) around its origin, closed."""
    xs = np.array([-half_w, half_w, half_w, -half_w, -half_w]) + ox
    ys = np.array([-half_d, -half_d, half_d, half_d, -half_d]) + oy
    return xs * 1000.0, ys * 1000.0


class CopView(QtWidgets.QWidget):
    """Top view of the plates with the live CoP trail (the last ``window`` s) and its current point."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, window: float = 5.0, fps: float = 30.0) -> None:
        super().__init__(parent)
        self._source: CopSource | None = None
        self._window = float(window)
        self._follow = False
        self.frames = 0
        self.view = pg.PlotWidget(background="#1b1e24")
        self.view.setObjectName("copView")
        plot = self.view.getPlotItem()
        plot.setAspectLocked(True)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setLabel("bottom", "medio-lateral (mm, + right)")
        plot.setLabel("left", "antero-posterior (mm, + forward)")
        plot.setMenuEnabled(False)
        self._outlines: list[pg.PlotCurveItem] = []
        self._labels: list[pg.TextItem] = []
        self._label_tops: list[float] = []
        self._trail = pg.PlotCurveItem(pen=pg.mkPen("#4fc3f7", width=1), antialias=False, skipFiniteCheck=False)
        self._dot = pg.ScatterPlotItem(size=10, brush=pg.mkBrush("#ffb74d"), pen=None)
        plot.addItem(self._trail)
        plot.addItem(self._dot)
        self.readout = QtWidgets.QLabel("no centre of pressure: connect plates with four load cells each")
        self.readout.setObjectName("copReadout")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.readout)
        layout.addWidget(self.view, 1)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(max(1, int(1000.0 / fps)))
        self._timer.timeout.connect(self.refresh)

    def set_source(self, source: CopSource | None, sizes: dict[str, tuple[float, float]] | None = None) -> None:
        """Draw from ``source`` (``None`` stops and clears); ``sizes``: plate name -> (width, depth) in mm for the
        outlines (default: the rectangle of the cells)."""
        self._source = source
        plot = self.view.getPlotItem()
        for item in [*self._outlines, *self._labels]:
            plot.removeItem(item)
        self._outlines, self._labels, self._label_tops = [], [], []
        if source is None:
            self._timer.stop()
            self._trail.setData(np.empty(0), np.empty(0))
            self._dot.setData([], [])
            self.readout.setText("no centre of pressure: connect plates with four load cells each")
            return
        for plate in source.plate_map.plates:
            if not plate.has_cop or plate.cell_positions is None:
                continue
            pos = np.asarray(plate.cell_positions)
            w, d = (sizes or {}).get(plate.name, (2000 * np.abs(pos[:, 0]).max(), 2000 * np.abs(pos[:, 1]).max()))
            xs, ys = _outline(w / 2000.0, d / 2000.0, *plate.origin)
            item = pg.PlotCurveItem(xs, ys, pen=pg.mkPen("#5c6370", width=1), antialias=False)
            plot.addItem(item)
            self._outlines.append(item)
            self._labels.append(self._edge_label(plate.name, xs, ys, plate.origin[0]))
        self._timer.start()

    def _edge_label(self, name: str, xs: np.ndarray, ys: np.ndarray, origin_x: float) -> pg.TextItem:
        """The plate's name on the inside of its edge nearest the midline (x = 0): zoomed onto a two-leg stance,
        the view shows only the two plates' inner edges (the gap between the plates), which would otherwise be
        two unexplained lines."""
        # written up along the line, on the plate's side of it, ending at the top: a vertical name takes a few
        # pixels across, so it stays in view wherever the line is (rotated 90°, the text's top faces left)
        if origin_x < 0:  # a plate left of the midline: its right edge, the name left of the line
            x, anchor = float(xs.max()), (1.0, 1.0)
        else:
            x, anchor = float(xs.min()), (1.0, 0.0)
        label = pg.TextItem(f"{name} plate", color="#8a919c", anchor=anchor, angle=90)
        label.setPos(x, float(ys.max()))
        self._label_tops.append(float(ys.max()))
        self.view.getPlotItem().addItem(label)
        return label

    def plate_labels(self) -> dict[str, tuple[float, float]]:
        """Each plate label's text -> its position (mm): what the lines in the view are."""
        return {item.toPlainText(): (item.pos().x(), item.pos().y()) for item in self._labels}

    @property
    def trail_seconds(self) -> float:
        """Seconds of trail drawn (and of the readout's mean velocity)."""
        return self._window

    def set_window(self, seconds: float, *, follow: bool = False) -> None:
        """Draw the last ``seconds`` of trail: a few seconds to watch the athlete, a balance trial's whole duration
        while one is recorded. ``follow``: zoom onto the trail (at least :data:`FOLLOW_SPAN_MM` across), as a
        balance test needs (its sway is millimetres on plates of hundreds); else show the whole plates."""
        if not seconds > 0:
            raise ValueError(f"the CoP trail needs a positive window, got {seconds!r} s")
        self._window = float(seconds)
        if self._follow and not follow:
            self.view.getPlotItem().enableAutoRange()
            for label, top in zip(self._labels, self._label_tops, strict=True):  # back at the plates' far edges
                label.setPos(label.pos().x(), top)
        self._follow = bool(follow)

    @property
    def following(self) -> bool:
        """True while the view zooms onto the trail (a balance test)."""
        return self._follow

    def _zoom_to(self, xm: np.ndarray, ym: np.ndarray, ok: np.ndarray) -> None:
        """Centre the view on the trail, at least FOLLOW_SPAN_MM across, with a margin."""
        x0, x1 = float(xm[ok].min()), float(xm[ok].max())
        y0, y1 = float(ym[ok].min()), float(ym[ok].max())
        half = max(FOLLOW_SPAN_MM, 1.2 * (x1 - x0), 1.2 * (y1 - y0)) / 2.0
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        self.view.getPlotItem().setRange(xRange=(cx - half, cx + half), yRange=(cy - half, cy + half), padding=0)
        for label in self._labels:  # the plates' names at the top of the zoomed view, on their edges
            label.setPos(label.pos().x(), cy + half)

    @property
    def running(self) -> bool:
        """True while the refresh timer runs."""
        return self._timer.isActive()

    def refresh(self) -> None:
        """Pull the newest CoP and redraw (the timer calls this)."""
        if self._source is None:
            return
        x, y = self._source.latest(self._window)
        xm, ym, step = _binned(x * 1000.0, y * 1000.0, self._source.rate)
        ok = np.isfinite(xm) & np.isfinite(ym)
        self._trail.setData(xm, ym, connect="finite")
        self.frames += 1
        if not ok.any():
            self._dot.setData([], [])
            self.readout.setText("nobody on the plates")
            return
        last = int(np.flatnonzero(ok)[-1])
        self._dot.setData([float(xm[last])], [float(ym[last])])
        if self._follow:
            self._zoom_to(xm, ym, ok)
        seg = ok[1:] & ok[:-1]
        n = int(ok.sum())
        speed = float(np.hypot(np.diff(xm), np.diff(ym))[seg].sum()) / (n * step) if n > 1 else 0.0
        self.readout.setText(f"CoP {side(float(xm[last]), 'right', 'left')}, "
                             f"{side(float(ym[last]), 'forward', 'back')} · mean velocity over the "
                             f"last {self._window:g} s: {speed:.1f} mm/s")

    def trail(self) -> tuple[np.ndarray, np.ndarray]:
        """The trail as drawn (mm)."""
        xd, yd = self._trail.getData()
        return (np.empty(0), np.empty(0)) if xd is None else (np.asarray(xd), np.asarray(yd))
