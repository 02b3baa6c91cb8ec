"""Review of one trial: its force with events and phases marked, kinematics on demand, editable events, and
the trial's per-item tables (a repeated-hop trial's hops) under the trace.

Events are vertical lines, each labelled in a row of its own so no two labels overprint. A series of events
that a table's items span (a hop series' take-offs and landings) is drawn as one shaded, numbered band per
item instead (the hop's contact), its lines unlabelled. Clicking a row of the table highlights its band and a
click on a band selects its row; the best rows (the five hops of ``rsi_best5_mean``) are marked in both.
Dragging an event line and letting it go asks the ``recompute`` callable (given by the main window, see
:mod:`forcelab.gui.services`) for a new analysis with that event moved, then shows the new metrics. Velocity,
displacement and power are integrated from the force (impulse–momentum, via
:func:`forcelab.analysis.kinematics.integrate`) from the movement onset to take-off, only when asked for.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis.kinematics import integrate
from forcelab.analysis.labels import metric_name
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.gui.item_bands import ItemBands
from forcelab.gui.item_tables import ItemTablesView
from forcelab.gui.liveplot import CURVE_COLOURS
from forcelab.gui.metrics_view import TEST_NAMES, flag_details, flag_lines, format_value

log = logging.getLogger(__name__)

#: (phase, start event, end event, colour) drawn as shaded regions when both events were found.
PHASES: tuple[tuple[str, str, str, str], ...] = (
    ("weighing", "weighing_start", "weighing_end", "#6b7280"),
    ("unweighting", "onset", "braking_start", "#4fa3ff"),
    ("braking", "braking_start", "propulsion_start", "#f59e0b"),
    ("propulsion", "propulsion_start", "takeoff", "#22c55e"),
    ("flight", "takeoff", "landing", "#9aa4b2"),
    ("landing", "landing", "stabilisation", "#a855f7"),
    ("contact", "contact_start", "takeoff", "#22c55e"),
    ("rise", "onset", "peak_force", "#22c55e"),
)
#: Events that are decorations rather than things a tester would move: the end of the weighing window
#: follows from its start (the analysis weighs a fixed span), so only ``weighing_start`` gets a line.
FIXED_EVENTS = ("weighing_end",)
KINEMATICS = (("velocity", "m/s", "#4fa3ff"), ("displacement", "m", "#7bd88f"), ("power", "kW", "#ff5c8a"))

AXIS_WIDTH = 64  # px, the left axes of the force and kinematics plots
#: An event of a numbered series (``takeoff_3``, ``landing_11``): drawn by its table's bands when it has one.
SERIES_EVENT = re.compile(r"_\d+$")
#: Where (fraction of the plot's height from the bottom) the event labels go: the first row on top, one row
#: per event down to LABEL_BOTTOM, rows at most LABEL_STEP_MAX apart.
LABEL_TOP, LABEL_BOTTOM, LABEL_STEP_MAX = 0.97, 0.08, 0.11

#: ``recompute(trace, current_result, events)``: the analysis again, with the current result's test and
#: settings, and ``events`` (name -> sample index) placed by hand.
Recompute = Callable[[ForceTrace, TrialResult, dict[str, int]], TrialResult]


def missing_summary(result: TrialResult) -> tuple[str, str]:
    """``(line, details)`` about the events ``result`` did not find: one line grouping the events by their
    root cause (a missing body weight takes most events with it, each reason repeating it), and every
    event's full reason for the tooltip. Empty strings when all were found."""
    missing = [(k, e.reason or "no reason given") for k, e in result.events.items() if e.index is None]
    if not missing:
        return "", ""
    causes: dict[str, list[str]] = {}
    for name, reason in missing:
        root = reason.rsplit("not found: ", 1)[-1].strip()
        causes.setdefault(root, []).append(name.replace("_", " "))
    parts = [f"{', '.join(names)} ({root})" for root, names in causes.items()]
    line = "Not found: " + "; ".join(parts[:2]) + (f"; and {len(parts) - 2} more" if len(parts) > 2 else "")
    return line, "\n".join(f"{name}: {reason}" for name, reason in missing)



def label_rows(n: int) -> list[float]:
    """Label positions (fractions of the plot's height) for ``n`` event labels: one row each, top to bottom in
    time order, so two labels never share a row (and never overprint, however close their events)."""
    if n <= 1:
        return [LABEL_TOP] * n
    step = min(LABEL_STEP_MAX, (LABEL_TOP - LABEL_BOTTOM) / (n - 1))
    return [LABEL_TOP - k * step for k in range(n)]


def _review_plot() -> tuple[pg.PlotWidget, pg.PlotItem]:
    """A plot of the review screen: dark, no context menu, grid, plain units, time on the x axis."""
    widget = pg.PlotWidget(background="#1b1e24")
    widget.setMenuEnabled(False)
    widget.hideButtons()
    item = widget.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.25)
    item.getAxis("left").enableAutoSIPrefix(False)
    item.getAxis("bottom").enableAutoSIPrefix(False)
    item.setLabel("bottom", "time (s)")
    return widget, item

class ReviewWidget(QtWidgets.QWidget):
    """Shows one trial. Signal ``result_changed(number, TrialResult)`` after an edit recomputed it."""

    result_changed = QtCore.Signal(int, object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._number = 0
        self._trace: ForceTrace | None = None
        self._result: TrialResult | None = None
        self._recompute: Recompute | None = None
        self._editable: Callable[[str], Collection[str]] | None = None
        self.title = QtWidgets.QLabel("Double-click a trial in the table to review it")
        self.title.setObjectName("cardTitle")
        self.title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.title.setWordWrap(True)  # "Trial 12 · Countermovement jump" whole beside the boxes at 1366 px
        self.overlay = QtWidgets.QCheckBox("L/R overlay")
        self.overlay.setChecked(True)
        self.kin_boxes = {name: QtWidgets.QCheckBox(f"{name} ({unit})") for name, unit, _c in KINEMATICS}
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("flagText")
        self.message.setWordWrap(True)
        #: the trial's quality flags in words: what its numbers rest on (an unzeroed plate, ringing, ...)
        self.flags = QtWidgets.QLabel("")
        self.flags.setObjectName("flagText")
        self.flags.setWordWrap(True)
        self.flags.setVisible(False)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.overlay)
        for box in self.kin_boxes.values():
            top.addWidget(box)

        self.force_view, fp = _review_plot()
        fp.setLabel("left", "force (N)")
        self._curves = [fp.plot(pen=pg.mkPen(c, width=1)) for c in CURVE_COLOURS]
        self.kin_view, kp = _review_plot()
        kp.addLegend(offset=(10, 10))
        # the same axis width on both plots: pyqtgraph keeps linked views aligned on screen, so different widths
        # would shift the force view's range (clipping the first event's label) when kinematics appear
        fp.getAxis("left").setWidth(AXIS_WIDTH)
        kp.getAxis("left").setWidth(AXIS_WIDTH)
        kp.setXLink(fp)
        self._kin_curves = {name: kp.plot(pen=pg.mkPen(c, width=1), name=f"{name} ({unit})")
                            for name, unit, c in KINEMATICS}
        self.kin_view.setVisible(False)
        self._event_lines: dict[str, pg.InfiniteLine] = {}
        self._regions: list[pg.LinearRegionItem] = []
        #: the items of the table on the trace: one numbered band each (a hop's contact)
        self.bands = ItemBands(fp)
        #: the trial's per-item tables (a hop series' hops) under the trace; hidden when it has none
        self.items = ItemTablesView()
        self.items.setVisible(False)
        self.items.row_selected.connect(self.highlight_item)
        self._items_fitted = False
        self.force_view.scene().sigMouseClicked.connect(self._on_plot_clicked)  # a click on a band picks its row

        self.metrics = QtWidgets.QTableWidget(0, 2)
        self.metrics.setHorizontalHeaderLabels(["metric", "value"])
        self.metrics.verticalHeader().setVisible(False)
        self.metrics.horizontalHeader().setStretchLastSection(True)
        self.metrics.setColumnWidth(0, 190)
        self.metrics.setMinimumWidth(300)  # name and value both readable at 1366 px
        self.metrics.setWordWrap(True)  # a long name ("Jump height (take-off velocity)") wraps, its row grows
        self.metrics.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.metrics.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.metrics.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        plots = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self._plots = plots
        plots.addWidget(self.force_view)
        plots.addWidget(self.kin_view)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        split.addWidget(plots)
        split.addWidget(self.metrics)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.flags)
        layout.addWidget(self.message)
        # the per-item table under the trace and the metrics: the whole width for its columns
        outer = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        outer.addWidget(split)
        outer.addWidget(self.items)
        outer.setStretchFactor(0, 3)
        outer.setStretchFactor(1, 2)
        outer.setChildrenCollapsible(False)
        self._outer = outer
        layout.addWidget(outer, 1)
        self.overlay.toggled.connect(self._apply_overlay)
        for box in self.kin_boxes.values():
            box.toggled.connect(self._update_kinematics)

    def set_recompute(self, fn: Recompute | None, editable: Callable[[str], Collection[str]] | None = None) -> None:
        """The analysis to run after an event was dragged (``None``: events cannot be edited), and which
        events of a test it lets the tester move (``None``: all of them)."""
        self._recompute = fn
        self._editable = editable

    @property
    def result(self) -> TrialResult | None:
        """The result on show."""
        return self._result

    def show_trial(self, number: int, trace: ForceTrace, result: TrialResult) -> None:
        """Show trial ``number``."""
        self._number = number
        self._trace = trace
        self.message.setText("")
        t = np.arange(trace.n, dtype=np.float64) / trace.rate
        self._curves[0].setData(t, trace.total)
        has = trace.left is not None and trace.right is not None
        self._curves[1].setData(t, trace.left if has else np.empty(0))
        self._curves[2].setData(t, trace.right if has else np.empty(0))
        self.overlay.setEnabled(has)
        self._apply_overlay()
        fp = self.force_view.getPlotItem()
        fp.setXRange(0.0, trace.duration, padding=0.02)  # explicit: auto-range is lazy and the link needs it
        fp.enableAutoRange(axis="y")
        self._show_result(result)

    def _apply_overlay(self) -> None:
        on = self.overlay.isChecked() and self.overlay.isEnabled()
        self._curves[1].setVisible(on)
        self._curves[2].setVisible(on)

    def _show_result(self, result: TrialResult) -> None:
        self._result = result
        self.title.setText(f"Trial {self._number} · {TEST_NAMES.get(result.test, result.test)}")
        self.flags.setText(flag_lines(result))  # one flag a line, as on the card
        self.flags.setToolTip(flag_details(result))
        self.flags.setVisible(bool(result.flags))
        self.title.setToolTip("Drag an event line to correct it; the metrics are computed again")
        fp = self.force_view.getPlotItem()
        for line in self._event_lines.values():
            fp.removeItem(line)
        for region in self._regions:
            fp.removeItem(region)
        self._event_lines.clear()
        self._regions.clear()
        found = {k: e for k, e in result.events.items() if e.index is not None}
        self._show_items(result)
        for phase, a, b, colour in PHASES:
            ea, eb = found.get(a), found.get(b)
            if ea is None or eb is None or ea.time is None or eb.time is None or eb.time <= ea.time:
                continue
            brush = pg.mkBrush(colour)
            brush.setColor(pg.mkColor(colour).lighter(100))
            c = pg.mkColor(colour)
            c.setAlpha(40)
            region = pg.LinearRegionItem((ea.time, eb.time), movable=False, brush=pg.mkBrush(c),
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            region.setToolTip(phase)
            fp.addItem(region, ignoreBounds=True)
            self._regions.append(region)
        editable = None if self._editable is None else set(self._editable(result.test))
        if self._recompute is not None and editable is not None and not editable:
            self.title.setToolTip("The analysis of this test does not take hand-placed events yet")
        shown = sorted(((n, e) for n, e in found.items() if n not in FIXED_EVENTS), key=lambda item: item[1].index or 0)
        banded = bool(self.bands.regions)  # a series' events are told apart by their numbered bands
        labelled = [n for n, _e in shown if not (banded and SERIES_EVENT.search(n))]
        rows = label_rows(len(labelled))
        for name, ev in shown:
            movable = self._recompute is not None and (editable is None or name in editable)
            opts: dict[str, object] = {}
            if name in labelled:
                opts = {"label": name.replace("_", " "),
                        "labelOpts": {"position": rows[labelled.index(name)], "color": "#cbd5e1",
                                      "fill": "#1b1e24cc", "anchors": [(0, 0), (0, 0)]}}
            line = pg.InfiniteLine(
                pos=ev.time, angle=90, movable=movable,
                pen=pg.mkPen("#e6e6e6" if movable else "#6b7280", width=1,
                             style=QtCore.Qt.PenStyle.DashLine),
                hoverPen=pg.mkPen("#ffcc00", width=2), **opts,
            )
            line.setToolTip(f"{name.replace('_', ' ')} at {ev.time:.3f} s")
            line.sigPositionChangeFinished.connect(lambda ln, name=name: self._on_event_moved(name, ln))
            fp.addItem(line, ignoreBounds=True)
            self._event_lines[name] = line
        text, details = missing_summary(result)
        self.message.setText(text)
        self.message.setToolTip(details)
        self.metrics.setRowCount(0)
        for name, m in result.metrics.items():
            r = self.metrics.rowCount()
            self.metrics.insertRow(r)
            label = QtWidgets.QTableWidgetItem(metric_name(name))
            label.setToolTip(f"{metric_name(name)} ({name})")
            self.metrics.setItem(r, 0, label)
            item = QtWidgets.QTableWidgetItem(format_value(m))
            item.setToolTip(m.reason or f"{m.method}; {m.reference}")
            self.metrics.setItem(r, 1, item)
        self._update_kinematics()

    def _show_items(self, result: TrialResult) -> None:
        """The per-item tables under the trace, and the bands of the first one whose items span the trace."""
        had = self.items.isVisibleTo(self)
        self.items.show_tables(result.tables, result.params)
        if result.tables and not had:
            self._items_fitted = False
            self._fit_items()
        self.bands.show(result.tables, {n: self.items.text(n) for n in self.items.names()})

    def _fit_items(self) -> None:
        """Give a table that just appeared half the height (the trace keeps the other half), once the widget
        has a height to share: a splitter hands a widget that turns visible only its minimum."""
        h = sum(self._outer.sizes())
        if self._items_fitted or not self.items.isVisibleTo(self) or h < 200:
            return
        self._outer.setSizes([h // 2, h - h // 2])
        self._items_fitted = True

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Qt's resize: share the height with a table shown before the widget had one."""
        super().resizeEvent(event)
        self._fit_items()

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt's name)
        """Qt's show: as :meth:`resizeEvent`."""
        super().showEvent(event)
        self._fit_items()

    def highlight_item(self, name: str, row: int) -> None:
        """Highlight item ``row`` (0-based; -1: none) of table ``name`` on the trace (its band bright, outlined)."""
        if name == self.bands.name:
            self.bands.highlight(row)

    def _on_plot_clicked(self, event: object) -> None:
        """A click inside an item's band on the trace selects that item's row in the table (and so highlights it)."""
        button, scene_pos = getattr(event, "button", None), getattr(event, "scenePos", None)
        if button is None or scene_pos is None or button() != QtCore.Qt.MouseButton.LeftButton:
            return
        vb = self.force_view.getPlotItem().getViewBox()
        pos = scene_pos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        row = self.bands.row_at(vb.mapSceneToView(pos).x())
        if row is not None:
            self.items.select_row(self.bands.name, row)

    def highlighted_item(self) -> int | None:
        """The row whose band is highlighted, or None (for tests)."""
        return self.bands.highlighted()

    def event_time(self, name: str) -> float | None:
        """Where event ``name``'s line is now (seconds), for tests and tooltips."""
        line = self._event_lines.get(name)
        return None if line is None else float(line.value())

    def move_event(self, name: str, seconds: float) -> None:
        """Move event ``name`` as a drag would (and recompute)."""
        line = self._event_lines[name]
        line.setValue(seconds)
        self._on_event_moved(name, line)

    def _on_event_moved(self, name: str, line: pg.InfiniteLine) -> None:
        if self._trace is None or self._result is None or self._recompute is None:
            return
        index = int(round(float(line.value()) * self._trace.rate))
        index = max(0, min(self._trace.n - 1, index))
        overrides = {k: e.index for k, e in self._result.events.items()
                     if e.index is not None and k not in FIXED_EVENTS and e.method == "edited"}
        overrides[name] = index
        try:
            result = self._recompute(self._trace, self._result, overrides)
        except (ValueError, NotImplementedError) as exc:
            self._show_result(self._result)
            self.message.setText(f"Could not recompute with {name} moved: {exc}")
            return
        self._show_result(result)
        self.message.setText(f"{name.replace('_', ' ')} moved to {index / self._trace.rate:.3f} s; metrics recomputed")
        self.result_changed.emit(self._number, result)

    def _update_kinematics(self) -> None:
        wanted = [name for name, box in self.kin_boxes.items() if box.isChecked()]
        was_visible = self.kin_view.isVisibleTo(self)
        self.kin_view.setVisible(bool(wanted))
        if wanted and not was_visible:
            h = max(2, sum(self._plots.sizes()))
            self._plots.setSizes([h * 3 // 5, h * 2 // 5])
        if not wanted or self._trace is None or self._result is None:
            return
        bw = self._result.value("body_weight")
        onset = self._result.events.get("onset")
        end_ev = self._result.events.get("takeoff") or self._result.events.get("peak_force")
        if bw is None or onset is None or onset.index is None:
            self.message.setText("Kinematics need the body weight and the movement onset, which were not found")
            return
        stop = end_ev.index + 1 if end_ev is not None and end_ev.index is not None else self._trace.n
        if stop - onset.index < 2:
            return
        kin = integrate(self._trace.total, self._trace.rate, bw, onset.index, stop)
        t = np.arange(kin.start, kin.stop, dtype=np.float64) / self._trace.rate
        series = {"velocity": kin.velocity, "displacement": kin.displacement, "power": kin.power / 1000.0}
        for name, curve in self._kin_curves.items():
            curve.setVisible(name in wanted)
            curve.setData(t, series[name])
        kp = self.kin_view.getPlotItem()
        kp.setXRange(*self.force_view.getPlotItem().viewRange()[0], padding=0.0)  # the link only follows changes
        kp.enableAutoRange(axis="y")
        unit = " / ".join(f"{n} ({u})" for n, u, _ in KINEMATICS if n in wanted)
        self.kin_view.getPlotItem().setLabel("left", unit)
