"""The comparison views: one athlete over time, the team at a glance, and trials overlaid.

Beside the athlete's trend, :class:`LimbAsymmetryPanel` shows the single-leg tests' limb asymmetry across
sessions (:mod:`forcelab.compare.limb_trend`): dots coloured by level, the 10 % / 15 % lines, the stronger limb
and its flips marked as on a bilateral asymmetry, and a session with one limb only drawn as missing (a dotted
line and a note), never as zero.

The numbers come from :mod:`forcelab.compare.source` (Qt-free, shared with ``forcelab trends``), so a
chart and the command line always agree. Tables read as words and units (:mod:`forcelab.analysis.labels`),
cells toned by readiness status in the dark theme; every table can be exported to CSV, whose headers and
values stay the archive's keys and stored numbers (what an analyst's script expects).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis.asymmetry import FORMULAS
from forcelab.analysis.labels import (
    display_number,
    display_scale,
    display_unit,
    metric_label,
    metric_name,
    metric_text,
    readable,
)
from forcelab.analysis.single_leg import NAMES as SINGLE_LEG_NAMES
from forcelab.analysis.single_leg import SINGLE_LEG_TESTS
from forcelab.compare.asymmetry_watch import AsymmetryPoint, asymmetry_levels
from forcelab.compare.limb_trend import LimbPoint, LimbTrend
from forcelab.compare.source import (
    KEY_METRICS,
    TREND_TESTS,
    athlete_trend,
    better_direction,
    limb_asymmetry_trend,
    limb_metrics,
    team_table,
)
from forcelab.compare.trends import Trend
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session

log = logging.getLogger(__name__)

STATUS_BRUSH = {"green": "#2ca02c", "amber": "#ff9f1c", "red": "#d62728", "insufficient": "#9a9a9a"}
#: Table cells toned by status for the dark theme: a dark tint of the status colour behind light text of the
#: same hue (contrast ratio above 7:1 for every status), so a whole table of green never glares.
STATUS_TONES: dict[str, tuple[str, str]] = {  # status -> (background, text)
    "green": ("#16361f", "#8ee6a4"),
    "amber": ("#3d2d0c", "#ffd27a"),
    "red": ("#4a1a1a", "#ffa8a8"),
    "insufficient": ("#262a32", "#c3cad5"),
}
#: How a status reads in a cell.
STATUS_WORDS = {"insufficient": "too few sessions"}
#: The role holding a cell's (or a header's) value for CSV export and numeric sorting: the stored number or
#: the archive's key, where the display shows words and units.
RAW_ROLE = QtCore.Qt.ItemDataRole.UserRole
#: The plots' background: the theme's dark (one look with the review and live plots).
PLOT_BACKGROUND = "#1b1e24"
#: date labels under a full-width chart; a half-window one (the trend beside the limb asymmetry) takes seven
MAX_DATE_TICKS = 12
HALF_DATE_TICKS = 7
ASYMMETRY_THRESHOLDS = (10.0, 15.0)
#: An asymmetry level as a readiness tone (the team table colours asymmetry cells the same way).
LEVEL_STATUS = {"ok": "green", "monitor": "amber", "high": "red"}
#: The colour of a missing session's mark (one limb only): the theme's muted text.
MISSING_COLOUR = "#9aa4b2"


def status_words(status: str) -> str:
    """A readiness status as a cell shows it (``insufficient`` -> ``too few sessions``)."""
    return STATUS_WORDS.get(status, status)


def export_table_csv(table: QtWidgets.QTableView, path: str | Path) -> Path:
    """Write ``table`` (header + rows, in the current sort order) to ``path``: each header's key and each
    cell's stored value where the table keeps one (:data:`RAW_ROLE`), else the text shown."""
    path = Path(path)
    model = table.model()
    shown = QtCore.Qt.ItemDataRole.DisplayRole
    horizontal = QtCore.Qt.Orientation.Horizontal

    def raw(value: object, text: object) -> str:
        return str(text or "") if value is None else str(value)

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([raw(model.headerData(c, horizontal, RAW_ROLE), model.headerData(c, horizontal, shown))
                    for c in range(model.columnCount())])
        for r in range(model.rowCount()):
            w.writerow([raw(model.data(model.index(r, c), RAW_ROLE), model.data(model.index(r, c), shown))
                        for c in range(model.columnCount())])
    return path


class TrendTableModel(QtCore.QAbstractTableModel):
    """The sessions of a trend as a table model: cheap for 500 rows (only visible cells are asked for)."""

    HEADERS = ("date", "value", "trials", "change", "flag", "baseline", "status", "stronger side")
    #: the CSV header of each column (the names ``forcelab trends --json`` uses)
    KEYS = ("date", "value", "trials", "change", "meaningful", "baseline_mean", "status", "stronger_side")
    STATUS_COL = 6
    #: columns holding the metric's value (headed with its unit)
    VALUE_COLS = (1, 3, 5)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, ...]] = []
        self.raw: list[tuple[object, ...]] = []
        self.statuses: list[str] = []
        self.unit = ""
        self._tones = {k: (QtGui.QBrush(QtGui.QColor(b)), QtGui.QBrush(QtGui.QColor(f)))
                       for k, (b, f) in STATUS_TONES.items()}

    def set_trend(self, t: Trend) -> None:
        """Show the sessions of ``t``, oldest first, values in the unit a coach reads (heights in cm)."""
        self.beginResetModel()
        key, unit = t.metric, t.unit

        def num(v: float | None, sign: str = "") -> str:
            if v is None:
                return ""
            text = display_number(key, v, unit)
            if text.lstrip("-").strip("0.") == "":  # rounds to zero: no "-0.0"
                text = text.lstrip("-")
            return f"+{text}" if sign and not text.startswith("-") else text

        self.unit = display_unit(key, unit)
        self.rows = [
            (
                f"{p.when:%Y-%m-%d %H:%M}", num(p.value), str(p.n_trials), num(p.change, "+"),
                f"meaningful, {p.direction}" if p.meaningful else "", num(p.baseline_mean),
                status_words(p.status), p.stronger_side or "",
            )
            for p in t.points
        ]
        self.raw = [(p.when.isoformat(), p.value, p.n_trials, p.change, p.meaningful, p.baseline_mean, p.status,
                     p.stronger_side or "") for p in t.points]
        self.statuses = [p.status for p in t.points]
        self.endResetModel()
        self.headerDataChanged.emit(QtCore.Qt.Orientation.Horizontal, 0, len(self.HEADERS) - 1)

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
             role: int = QtCore.Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return self.rows[r][c]
        if role == RAW_ROLE:
            return self.raw[r][c]
        if c == self.STATUS_COL and role in (QtCore.Qt.ItemDataRole.BackgroundRole,
                                             QtCore.Qt.ItemDataRole.ForegroundRole):
            tone = self._tones.get(self.statuses[r], self._tones["insufficient"])
            return tone[0] if role == QtCore.Qt.ItemDataRole.BackgroundRole else tone[1]
        return None

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation,  # noqa: N802
                   role: int = QtCore.Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == QtCore.Qt.Orientation.Horizontal and role == QtCore.Qt.ItemDataRole.DisplayRole:
            head = self.HEADERS[section]
            return f"{head} ({self.unit})" if section in self.VALUE_COLS and self.unit else head
        if orientation == QtCore.Qt.Orientation.Horizontal and role == RAW_ROLE:
            return self.KEYS[section]
        return super().headerData(section, orientation, role)


def _text(item: QtWidgets.QTableWidgetItem | None) -> str:
    return "" if item is None else item.text()


class _Cell(QtWidgets.QTableWidgetItem):
    """A read-only cell that sorts by its stored value (numbers as numbers, "—" last), not by its text."""

    def __lt__(self, other: QtWidgets.QTableWidgetItem) -> bool:
        a, b = self.data(RAW_ROLE), other.data(RAW_ROLE)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        if isinstance(a, (int, float)) != isinstance(b, (int, float)):
            return isinstance(a, (int, float))  # a value before an empty cell
        return self.text() < other.text()


def _item(text: str, *, status: str | None = None, raw: object = None) -> QtWidgets.QTableWidgetItem:
    """A read-only cell showing ``text``, toned by readiness ``status`` and keeping ``raw`` for CSV and sorting."""
    it = _Cell(text)
    if status:
        back, fore = STATUS_TONES.get(status, STATUS_TONES["insufficient"])
        it.setBackground(QtGui.QColor(back))
        it.setForeground(QtGui.QColor(fore))
    if raw is not None:
        it.setData(RAW_ROLE, raw)
    it.setFlags(it.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
    return it


def _header(text: str, key: str, tip: str = "") -> QtWidgets.QTableWidgetItem:
    it = QtWidgets.QTableWidgetItem(text)
    it.setData(RAW_ROLE, key)
    it.setToolTip(tip or text)
    return it


def _export_button(parent: QtWidgets.QWidget, table: QtWidgets.QTableView, name: str) -> QtWidgets.QPushButton:
    button = QtWidgets.QPushButton("Export CSV…", parent)

    def save() -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Export table", f"{name}.csv", "CSV (*.csv)")
        if path:
            export_table_csv(table, path)

    button.clicked.connect(save)
    return button


def side_labels(plot: pg.PlotWidget, x: np.ndarray, y: np.ndarray,
                levels: list[AsymmetryPoint]) -> list[pg.TextItem]:
    """Mark each session's stronger side above its dot (``L``/``R``, ``⇄`` where it flipped); returns the labels
    added to ``plot`` (for removing them on the next draw)."""
    out = []
    for xi, yi, lv in zip(x, y, levels, strict=True):
        side = {"left": "L", "right": "R"}.get(lv.stronger_side or "", "")
        label = pg.TextItem(side + (" ⇄" if lv.flipped else ""), color="#e6e6e6", anchor=(0.5, 1.4))
        label.setPos(float(xi), float(yi))
        plot.addItem(label)
        out.append(label)
    return out


def date_ticks(plot: pg.PlotWidget, dates: list[object], most: int = MAX_DATE_TICKS) -> None:
    """Session dates under the session numbers of ``plot``'s x axis, at most ``most`` of them, with half a
    session of room either side so the first and last dates are not cut at the edges."""
    if dates:
        plot.setXRange(-0.5, len(dates) - 0.5, padding=0.0)
    every = max(1, -(-len(dates) // most))
    plot.getAxis("bottom").setTicks([[(float(i), f"{d:%d %b %y}") for i, d in enumerate(dates) if i % every == 0]])


class AthleteTrendView(QtWidgets.QWidget):
    """An athlete's metric across sessions with baseline band, meaningful changes and readiness colours."""

    def __init__(self, index: ArchiveIndex, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.trend: Trend | None = None
        self.athlete = QtWidgets.QComboBox()
        self.test = QtWidgets.QComboBox()
        self.test.addItems(list(TREND_TESTS))
        self.metric_box = QtWidgets.QComboBox()
        self.aggregate = QtWidgets.QComboBox()
        self.aggregate.addItems(["best", "mean"])
        self.baseline = QtWidgets.QSpinBox()
        self.baseline.setRange(2, 20)
        self.baseline.setValue(5)
        self.swc = QtWidgets.QDoubleSpinBox()
        self.swc.setDecimals(4)
        self.swc.setRange(0.0, 1e6)
        self.swc.setSpecialValueText("from data")
        form = QtWidgets.QHBoxLayout()
        for label, w in (("Athlete", self.athlete), ("Test", self.test), ("Metric", self.metric_box),
                         ("Session value", self.aggregate), ("Baseline sessions", self.baseline), ("SWC", self.swc)):
            form.addWidget(QtWidgets.QLabel(label))
            form.addWidget(w)
        form.addStretch(1)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(PLOT_BACKGROUND)
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # metres stay metres, not "x0.001"
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)  # the x values are session numbers under date ticks
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#9aa4b2", width=1))
        self.dots = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#e6e6e6"))
        # one brush object per status: pyqtgraph caches a rendered symbol per distinct brush
        self._brushes = {k: pg.mkBrush(v) for k, v in STATUS_BRUSH.items()}
        self.rings = pg.ScatterPlotItem(size=20, pen=pg.mkPen("#d62728", width=2), brush=None)
        self.band = pg.LinearRegionItem(orientation="horizontal", movable=False,
                                        brush=pg.mkBrush(44, 160, 44, 40), pen=pg.mkPen(None))
        self.plot.addItem(self.band)
        self.plot.addItem(self.dots)
        self.plot.addItem(self.rings)
        self.threshold_lines = [pg.InfiniteLine(angle=0, pen=pg.mkPen(c, style=QtCore.Qt.PenStyle.DashLine))
                                for c in ("#ff9f1c", "#d62728")]
        for line in self.threshold_lines:
            self.plot.addItem(line)
        self.side_labels: list[pg.TextItem] = []
        self.method = QtWidgets.QLabel()
        self.method.setWordWrap(True)
        self.table_model = TrendTableModel(self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.table_model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        for col, width in enumerate((130, 70, 50, 80, 130, 70, 90)):
            self.table.setColumnWidth(col, width)
        #: the single-leg tests' limb asymmetry of the same athlete, beside the trend
        self.limb_panel = LimbAsymmetryPanel(index)
        trend_side = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(trend_side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.plot, 3)
        column.addWidget(self.method)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(_export_button(self, self.table, "trend"))
        column.addWidget(self.table, 2)
        column.addLayout(bottom)
        self.split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.split.addWidget(trend_side)
        self.split.addWidget(self.limb_panel)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([640, 620])  # of a 1280 px window; the splitter keeps the ratio when resized
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.split, 1)
        self.athlete.currentTextChanged.connect(self._athlete_changed)
        for w in (self.test, self.metric_box, self.aggregate):
            w.currentTextChanged.connect(self.refresh)
        self.aggregate.currentTextChanged.connect(lambda text: self.limb_panel.set_statistic(text))
        self.baseline.valueChanged.connect(self.refresh)
        self.swc.valueChanged.connect(self.refresh)
        self.reload_athletes()

    def reload_athletes(self) -> None:
        """Fill the athlete list from the roster."""
        current = self.athlete.currentText()
        self.athlete.blockSignals(True)
        self.athlete.clear()
        self.athlete.addItems([a["name"] for a in self.index.athletes()])
        self.athlete.blockSignals(False)
        if current:
            self.athlete.setCurrentText(current)
        self._athlete_changed(self.athlete.currentText())

    def show_athlete(self, name: str, metric: str | None = None) -> None:
        """Select ``name`` (and ``metric`` when given)."""
        self.athlete.setCurrentText(name)
        if metric:
            self._select_metric(metric)

    def metric_key(self) -> str:
        """The chosen metric's key (the box shows its label)."""
        return str(self.metric_box.currentData() or self.metric_box.currentText())

    def _select_metric(self, key: str) -> None:
        at = self.metric_box.findData(key)
        if at >= 0:
            self.metric_box.setCurrentIndex(at)

    def _athlete_changed(self, name: str) -> None:
        current = self.metric_key() or KEY_METRICS["cmj"][0]
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        if name:
            for key in self.index.metric_names(name):
                self.metric_box.addItem(metric_label(key), key)
        self.metric_box.blockSignals(False)
        self._select_metric(current)
        self.limb_panel.show_athlete(name)
        # beside the trend when the athlete has single-leg sessions; else the trend has the whole width
        self.limb_panel.setVisible(self.limb_panel.available)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the trend for the current choices and redraw."""
        name, metric = self.athlete.currentText(), self.metric_key()
        if not name or not metric:
            return
        swc = self.swc.value() or None
        t = athlete_trend(self.index, name, metric, test=self.test.currentText(),
                          aggregate="mean" if self.aggregate.currentText() == "mean" else "best", swc=swc,
                          baseline_sessions=self.baseline.value())
        self.trend = t
        shown_unit = display_unit(metric, t.unit)
        scale = display_scale(metric, t.unit)  # plotted as the table reads (cm, mm)
        x = np.arange(len(t.points), dtype=np.float64)
        y = np.array([p.value for p in t.points], dtype=np.float64) * scale
        self.curve.setData(x, y)
        self.dots.setData(x=x, y=y, brush=[self._brushes.get(p.status, self._brushes["insufficient"]) for p in t.points])
        meaningful = [i for i, p in enumerate(t.points) if p.meaningful]
        self.rings.setData(x=x[meaningful], y=y[meaningful])
        last = t.points[-1] if t.points else None
        if last is not None and last.baseline_mean is not None and last.baseline_sd is not None:
            self.band.setRegion(((last.baseline_mean - last.baseline_sd) * scale,
                                 (last.baseline_mean + last.baseline_sd) * scale))
            self.band.show()
        else:
            self.band.hide()
        is_asym = metric.endswith("_asymmetry")
        for line, level in zip(self.threshold_lines, ASYMMETRY_THRESHOLDS, strict=True):
            line.setVisible(is_asym)
            line.setValue(level)
        for label in self.side_labels:
            self.plot.removeItem(label)
        self.side_labels = []
        if is_asym:
            self.side_labels = side_labels(self.plot, x, y,
                                           asymmetry_levels(t.points, thresholds=ASYMMETRY_THRESHOLDS))
        date_ticks(self.plot, [p.when for p in t.points],
                   HALF_DATE_TICKS if self.limb_panel.available else MAX_DATE_TICKS)
        self.plot.setLabel("left", metric_label(metric, shown_unit))
        self.plot.setLabel("bottom", "session date")
        te = "—" if t.typical_error_cv is None else f"{t.typical_error_cv:.1f} %"
        swc_text = "—" if t.swc is None else f"{t.swc * scale:.3g}" + (f" {shown_unit}" if shown_unit else "")
        direction = "lower is better" if better_direction(metric) == "lower" else "higher is better"
        self.method.setText(f"{t.method}. Typical error {te}, smallest worthwhile change {swc_text}; {direction}. "
                            "Dots: green / amber / red against the rolling baseline (band: baseline ± SD); "
                            "ringed: meaningful change." + ("  Dashed: 10 % and 15 % asymmetry." if is_asym else ""))
        self._fill_table(t)
        layout = self.layout()
        if layout is not None:  # the method text may have grown a line: lay out now, not on the next event
            layout.activate()

    def _fill_table(self, t: Trend) -> None:
        self.table_model.set_trend(t)
        self.table.resizeColumnsToContents()  # headers carry units now ("baseline (cm)"): never cut one


class LimbAsymmetryPanel(QtWidgets.QWidget):
    """One athlete's limb asymmetry of a single-leg test across sessions: chart and table.

    The chart is drawn as a bilateral asymmetry is in :class:`AthleteTrendView` (dots toned by level, dashed
    10 % / 15 % lines, the stronger limb above each dot, ``⇄`` where it flipped, a ring on a meaningful change);
    a session with one limb only is a dotted vertical line with a note ("R only"), not a point at zero. The
    table's CSV keeps the keys and stored numbers."""

    #: the asymmetry cell reads "19.2 · high", toned by the level; the CSV keeps the number
    HEADERS = ("date", "L", "R", "asymmetry (%)", "change", "flag", "stronger")
    TIPS = {"L": "the left leg's session value", "R": "the right leg's session value",
            "change": "from the last session with a value, in percentage points",
            "stronger": "the stronger limb; ⇄: flipped since the last session with a value"}
    KEYS = ("date", "left", "right", "asymmetry", "change", "flag", "stronger_side")

    def __init__(self, index: ArchiveIndex, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.athlete = ""
        self.available = False
        self.statistic = "best"
        self.trend: LimbTrend | None = None
        self.title = QtWidgets.QLabel("<b>Limb asymmetry</b> · single-leg trials, left leg against right leg")
        self.test = QtWidgets.QComboBox()
        for key in SINGLE_LEG_TESTS:
            self.test.addItem(SINGLE_LEG_NAMES.get(key, key), key)
        self.metric_box = QtWidgets.QComboBox()
        self.metric_box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.formula = QtWidgets.QComboBox()
        for key in FORMULAS:
            self.formula.addItem(key.replace("_", " "), key)
        form = QtWidgets.QGridLayout()  # two rows: a metric's whole name fits beside a 600 px wide chart
        for row, pairs in enumerate(((("Test", self.test), ("Formula", self.formula)),
                                     (("Metric", self.metric_box),))):
            for k, (label, w) in enumerate(pairs):
                form.addWidget(QtWidgets.QLabel(label), row, 2 * k)
                form.addWidget(w, row, 2 * k + 1, 1, 3 if len(pairs) == 1 else 1)
        form.setColumnStretch(4, 1)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(PLOT_BACKGROUND)
        self.plot.showGrid(x=False, y=True, alpha=0.3)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setLabel("bottom", "session date")
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#9aa4b2", width=1), connect="finite")
        self.dots = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#e6e6e6"))
        self._brushes = {k: pg.mkBrush(STATUS_BRUSH[v]) for k, v in LEVEL_STATUS.items()}
        self.rings = pg.ScatterPlotItem(size=20, pen=pg.mkPen("#d62728", width=2), brush=None)
        self.plot.addItem(self.dots)
        self.plot.addItem(self.rings)
        self.threshold_lines: list[pg.InfiniteLine] = []
        self.marks: list[pg.GraphicsObject] = []  # side labels, missing-session lines and notes (redrawn each time)
        self.side_labels: list[pg.TextItem] = []
        self.missing_notes: list[pg.TextItem] = []
        self.method = QtWidgets.QLabel()
        self.method.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, len(self.HEADERS))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        # the flag column takes what is left (its text elided, whole in the tooltip): every column stays in view
        header.setSectionResizeMode(self.HEADERS.index("flag"), QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setWordWrap(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.method)
        layout.addWidget(self.table, 2)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(_export_button(self, self.table, "limb-asymmetry"))
        layout.addLayout(bottom)
        self.test.currentIndexChanged.connect(lambda _i: self._fill_metrics())
        self.metric_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.formula.currentIndexChanged.connect(lambda _i: self.refresh())

    def test_key(self) -> str:
        """The chosen single-leg test's key."""
        return str(self.test.currentData())

    def metric_key(self) -> str:
        """The chosen limb metric's key (the box shows its label)."""
        return str(self.metric_box.currentData() or "")

    def show_athlete(self, name: str) -> None:
        """Show ``name``'s limb asymmetry (the first single-leg test the athlete has, when the chosen has none)."""
        self.athlete = name
        have = [i for i in range(self.test.count()) if name and limb_metrics(self.index, name, str(self.test.itemData(i)))]
        #: whether the athlete has any single-leg session (the trend view shows the panel only then)
        self.available = bool(have)
        if have and self.test.currentIndex() not in have:
            self.test.blockSignals(True)
            self.test.setCurrentIndex(have[0])
            self.test.blockSignals(False)
        self._fill_metrics()

    def set_statistic(self, statistic: str) -> None:
        """Each limb's session value: ``best`` or ``mean`` of its trials (the trend's "Session value")."""
        self.statistic = "mean" if statistic == "mean" else "best"
        self.refresh()

    def _fill_metrics(self) -> None:
        current = self.metric_key()
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for key in limb_metrics(self.index, self.athlete, self.test_key()) if self.athlete else []:
            self.metric_box.addItem(metric_name(key), key)
        at = self.metric_box.findData(current)
        self.metric_box.setCurrentIndex(max(at, 0) if self.metric_box.count() else -1)
        self.metric_box.blockSignals(False)
        self.refresh()

    def _clear_marks(self) -> None:
        for item in (*self.marks, *self.threshold_lines):
            self.plot.removeItem(item)
        self.marks, self.threshold_lines, self.side_labels, self.missing_notes = [], [], [], []

    def refresh(self) -> None:
        """Recompute the limb trend for the current choices and redraw (an empty chart saying why when the athlete
        has no session of the test)."""
        self._clear_marks()
        metric = self.metric_key()
        if not self.athlete or not metric:
            self.trend = None
            self.curve.setData([], [])
            self.dots.setData([], [])
            self.rings.setData([], [])
            self.table.setRowCount(0)
            name = SINGLE_LEG_NAMES.get(self.test_key(), self.test_key())
            self.method.setText(f"No {name} session of {self.athlete or 'this athlete'} in the archive: the limb "
                                "asymmetry compares the left-leg and right-leg trials of a single-leg session.")
            return
        t = limb_asymmetry_trend(self.index, self.athlete, metric, test=self.test_key(),
                                 formula=str(self.formula.currentData()), statistic=self.statistic,
                                 thresholds=ASYMMETRY_THRESHOLDS)
        self.trend = t
        self._draw(t)
        self._fill_table(t)

    def _draw(self, t: LimbTrend) -> None:
        x = np.arange(len(t.points), dtype=np.float64)
        y = np.array([np.nan if p.value is None else p.value for p in t.points], dtype=np.float64)
        have = ~np.isnan(y)
        self.curve.setData(x, y)
        valued = [p for p in t.points if p.value is not None]
        self.dots.setData(x=x[have], y=y[have], brush=[self._brushes.get(p.level or "ok") for p in valued])
        ringed = [i for i, p in enumerate(t.points) if p.meaningful]
        self.rings.setData(x=x[ringed], y=y[ringed])
        signed = bool(have.any() and np.nanmin(y) < 0)
        for level, colour in zip(ASYMMETRY_THRESHOLDS, ("#ff9f1c", "#d62728"), strict=True):
            for sign in (1.0, -1.0) if signed else (1.0,):
                line = pg.InfiniteLine(pos=sign * level, angle=0, pen=pg.mkPen(colour, style=QtCore.Qt.PenStyle.DashLine))
                self.plot.addItem(line)
                self.threshold_lines.append(line)
        levels = [AsymmetryPoint(p.session_id, abs(p.value or 0.0), p.stronger_side, p.level or "ok", p.flipped)
                  for p in valued]
        self.side_labels = side_labels(self.plot, x[have], y[have], levels)
        self.marks.extend(self.side_labels)
        top = max([float(np.nanmax(y)) if have.any() else 0.0, ASYMMETRY_THRESHOLDS[1]]) * 1.1
        for i, p in enumerate(t.points):
            if not p.missing:
                continue
            line = pg.InfiniteLine(pos=float(i), angle=90,
                                   pen=pg.mkPen(MISSING_COLOUR, style=QtCore.Qt.PenStyle.DotLine))
            note = pg.TextItem(_missing_words(p), color=MISSING_COLOUR, anchor=(0.5, 0.0))
            note.setPos(float(i), top)
            note.setToolTip(_reason_words(p, t.metric))
            self.plot.addItem(line)
            self.plot.addItem(note)
            self.marks.extend((line, note))
            self.missing_notes.append(note)
        date_ticks(self.plot, [p.when for p in t.points], HALF_DATE_TICKS)
        self.plot.setLabel("left", "limb asymmetry (%)")  # the metric is named in its box above
        te = "—" if t.typical_error is None else f"{t.typical_error:.1f} pp"
        cv = " / ".join("—" if t.limb_cv[k] is None else f"{t.limb_cv[k]:.1f} %" for k in ("left", "right"))
        swc = "—" if t.swc is None else f"{t.swc:.1f} pp"
        self.method.setText(f"{t.method}. Typical error {te} (each limb's trial CV, left / right: {cv}); smallest "
                            f"worthwhile change {swc}; lower is better. Dots: green / amber / red below 10 %, to "
                            "15 %, above; ringed: meaningful change; dotted: a session with one limb only (missing, "
                            "not zero).")

    def _fill_table(self, t: LimbTrend) -> None:
        unit = display_unit(t.metric, t.limb_unit)
        heads = [f"{h} ({unit})" if h in ("L", "R") and unit else h for h in self.HEADERS]
        self.table.setRowCount(len(t.points))
        for c, (head, key) in enumerate(zip(heads, self.KEYS, strict=True)):
            self.table.setHorizontalHeaderItem(c, _header(head, key, self.TIPS.get(self.HEADERS[c], "")))
        for r, p in enumerate(t.points):
            status = LEVEL_STATUS.get(p.level or "")
            limb = [_item("" if v is None else display_number(t.metric, v, t.limb_unit), raw=v) for v in (p.left, p.right)]
            if p.missing:
                why = _reason_words(p, t.metric)
                value = _item("missing", raw="")
                value.setToolTip(why)
                flag = _item(_missing_words(p), raw="missing")
                flag.setToolTip(why)
            else:
                value = _item(f"{p.value:.1f} · {p.level}", status=status, raw=p.value)
                value.setToolTip(f"level {p.level}: ok below {ASYMMETRY_THRESHOLDS[0]:g} %, high from "
                                 f"{ASYMMETRY_THRESHOLDS[1]:g} %")
                flag = _item(f"meaningful, {p.direction}" if p.meaningful else "",
                             raw=f"meaningful_{p.direction}" if p.meaningful else "")
                flag.setToolTip(flag.text())
            change = _item("" if p.change is None else f"{p.change:+.1f}", raw=p.change)
            side = _item((p.stronger_side or "") + (" ⇄" if p.flipped else ""), raw=p.stronger_side or "")
            if p.flipped:
                side.setToolTip("the stronger limb flipped since the last session with a value")
            cells = [_item(f"{p.when:%d %b %y}", raw=p.when.isoformat()), *limb, value, change, flag, side]
            for c, cell in enumerate(cells):
                self.table.setItem(r, c, cell)


def _reason_words(p: LimbPoint, metric: str) -> str:
    """Why a session is missing, the metric named in words ("no left-leg trial with jump height (...)")."""
    return (p.reason or "").replace(metric, metric_name(metric).lower())


def _missing_words(p: LimbPoint) -> str:
    """A missing session in a few words: which limb it has."""
    if p.left is not None and p.right is None:
        return "L only"
    if p.right is not None and p.left is None:
        return "R only"
    return "no value"


class TeamView(QtWidgets.QWidget):
    """Athletes x latest key metrics and flags, sortable; a double click opens the athlete."""

    athlete_activated = QtCore.Signal(str)

    def __init__(self, index: ArchiveIndex, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.test = QtWidgets.QComboBox()
        self.test.addItems(list(TREND_TESTS))
        self.table = QtWidgets.QTableWidget()
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(True)  # a long flags cell wraps (rows follow their text), rather than being cut
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.athlete_activated.emit(_text(self.table.item(r, 0))))
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Test"))
        top.addWidget(self.test)
        top.addStretch(1)
        top.addWidget(_export_button(self, self.table, "team"))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.test.currentTextChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the table from the index."""
        test = self.test.currentText()
        metrics = KEY_METRICS.get(test, KEY_METRICS["cmj"])
        rows = team_table(self.index, test=test, metrics=metrics)
        # the header's unit: the one the metric is stored in (each row carries it, TeamRow.units)
        units = {m: next((u for r in rows if (u := r.units.get(m))), "") for m in metrics}
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(4 + len(metrics))
        heads = [_header("athlete", "athlete"), _header("last session", "last_session"),
                 _header("status", "status", "the worst readiness status of the athlete's key metrics")]
        # the unit on a second line: a narrow column leaves the flags room at 1366 px
        heads += [_header(f"{metric_name(m)}\n({u})" if (u := display_unit(m, units[m])) else metric_name(m), m,
                          f"{metric_label(m, units[m])}; key {m}") for m in metrics]
        heads.append(_header("flags", "flags"))
        for c, head in enumerate(heads):
            self.table.setHorizontalHeaderItem(c, head)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            self.table.setItem(r, 0, _item(row.athlete))
            self.table.setItem(r, 1, _item(f"{row.last_session:%Y-%m-%d}" if row.last_session else "",
                                           raw=row.last_session.isoformat() if row.last_session else None))
            self.table.setItem(r, 2, _item(status_words(row.worst), status=row.worst, raw=row.worst))
            for c, m in enumerate(metrics):
                v = row.values.get(m)
                cell = _item(metric_text(m, v, row.units.get(m) or units[m]),
                             status=row.status.get(m) if v is not None else None, raw=v)
                if v is not None:
                    cell.setToolTip(f"{metric_label(m)}: {status_words(row.status.get(m, 'insufficient'))}")
                self.table.setItem(r, 3 + c, cell)
            words = [readable(f) for f in row.flags]
            flags = _item("; ".join(words), raw="; ".join(row.flags))
            flags.setToolTip("\n".join(words))
            self.table.setItem(r, 3 + len(metrics), flags)
        self.table.resizeColumnsToContents()
        # keep team_table's order (most concerning first) until the user clicks a column header
        self.table.horizontalHeader().setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)


class OverlayView(QtWidgets.QWidget):
    """Trials from one or several sessions overlaid, aligned at onset or take-off, total or per limb."""

    def __init__(self, index: ArchiveIndex, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.athlete = QtWidgets.QComboBox()
        self.align = QtWidgets.QComboBox()
        self.align.addItems(["onset", "takeoff", "peak_force", "start"])
        self.limb = QtWidgets.QComboBox()
        self.limb.addItems(["total", "left", "right", "left and right"])
        self.trials = QtWidgets.QListWidget()
        self.plot = pg.PlotWidget()
        self.plot.setBackground(PLOT_BACKGROUND)
        self.plot.addLegend()
        self.plot.setLabel("bottom", "time from alignment event (s)")
        self.plot.setLabel("left", "force (N)")
        top = QtWidgets.QHBoxLayout()
        for label, w in (("Athlete", self.athlete), ("Align at", self.align), ("Force", self.limb)):
            top.addWidget(QtWidgets.QLabel(label))
            top.addWidget(w)
        top.addStretch(1)
        split = QtWidgets.QSplitter()
        split.addWidget(self.trials)
        split.addWidget(self.plot)
        split.setSizes([260, 900])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split)
        self.athlete.addItems([a["name"] for a in index.athletes()])
        self.athlete.currentTextChanged.connect(self._fill_trials)
        self.align.currentTextChanged.connect(self.redraw)
        self.limb.currentTextChanged.connect(self.redraw)
        self.trials.itemChanged.connect(lambda _it: self.redraw())
        self._fill_trials(self.athlete.currentText())

    def _fill_trials(self, athlete: str) -> None:
        self.trials.blockSignals(True)
        self.trials.clear()
        for s in self.index.sessions(athlete) if athlete else []:
            if s.get("error"):
                continue
            for number in range(1, int(s["n_trials"] or 0) + 1):
                label = f"{(s['started'] or '')[:10]} · trial {number}"
                it = QtWidgets.QListWidgetItem(label)
                it.setData(QtCore.Qt.ItemDataRole.UserRole, (s["path"], number, label))
                it.setFlags(it.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
                it.setCheckState(QtCore.Qt.CheckState.Unchecked)
                self.trials.addItem(it)
        # the first trial of the first and the last session: the usual "then and now" comparison
        if self.trials.count():
            self.trials.item(0).setCheckState(QtCore.Qt.CheckState.Checked)
            self.trials.item(self.trials.count() - 1).setCheckState(QtCore.Qt.CheckState.Checked)
        self.trials.blockSignals(False)
        self.redraw()

    def checked(self) -> list[tuple[str, int, str]]:
        """``(session path relative to the archive, trial number, label)`` of every checked trial."""
        out: list[tuple[str, int, str]] = []
        for i in range(self.trials.count()):
            it = self.trials.item(i)
            if it.checkState() == QtCore.Qt.CheckState.Checked:
                rel, number, label = it.data(QtCore.Qt.ItemDataRole.UserRole)
                out.append((str(rel), int(number), str(label)))
        return out

    def redraw(self) -> None:
        """Draw every checked trial aligned at the chosen event."""
        self.plot.clear()
        event = self.align.currentText()
        limbs = {"total": ["total"], "left": ["left"], "right": ["right"], "left and right": ["left", "right"]}
        colors = pg.colormap.get("CET-C6").getLookupTable(nPts=max(len(self.checked()), 1) + 1)
        for k, (rel, number, label) in enumerate(self.checked()):
            path = self.index.session_file(rel)
            try:
                trial = open_session(path).trial(number)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("overlay: cannot read %s trial %s: %s", path, number, exc)
                continue
            ev = trial.events.get(event, {}) if event != "start" else {"index": 0}
            zero = ev.get("index")
            if zero is None:
                continue
            t = (np.arange(trial.n, dtype=np.float64) - float(zero)) / trial.rate
            for j, limb in enumerate(limbs[self.limb.currentText()]):
                y = getattr(trial, limb)
                if y is None:
                    continue
                pen = pg.mkPen(colors[k], width=1, style=QtCore.Qt.PenStyle.DashLine if j else QtCore.Qt.PenStyle.SolidLine)
                self.plot.plot(t, np.asarray(y, dtype=np.float64), pen=pen, name=f"{label} · {limb}")


class CompareWindow(QtWidgets.QWidget):
    """Athlete over time, team, and overlay, on one archive."""

    def __init__(self, archive: Path, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("forcelab — compare sessions")
        self.index = ArchiveIndex(Path(archive))
        self.index.sync()
        self.tabs = QtWidgets.QTabWidget()
        self.athlete_view = AthleteTrendView(self.index)
        self.team_view = TeamView(self.index)
        self.overlay_view = OverlayView(self.index)
        self.tabs.addTab(self.athlete_view, "Athlete over time")
        self.tabs.addTab(self.team_view, "Team")
        self.tabs.addTab(self.overlay_view, "Overlay")
        self.team_view.athlete_activated.connect(self._open_athlete)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(1280, 800)

    def _open_athlete(self, name: str) -> None:
        self.athlete_view.show_athlete(name)
        self.tabs.setCurrentWidget(self.athlete_view)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt API)
        self.index.close()
        super().closeEvent(event)
