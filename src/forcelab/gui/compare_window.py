"""The comparison views: one athlete over time, the team at a glance, and trials overlaid.

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

from forcelab.analysis.labels import (
    display_number,
    display_unit,
    metric_label,
    metric_name,
    metric_text,
    readable,
)
from forcelab.compare.asymmetry_watch import asymmetry_levels
from forcelab.compare.source import KEY_METRICS, athlete_trend, better_direction, team_table
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
MAX_DATE_TICKS = 12
ASYMMETRY_THRESHOLDS = (10.0, 15.0)


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


def metric_unit(index: ArchiveIndex, athletes: list[str], metric: str, test: str) -> str:
    """The stored unit of ``metric`` (from the first of ``athletes`` who has a value of it), or ``""``."""
    for name in athletes:
        values = index.metric_values(name, metric, test=test)
        if values:
            return values[0].unit
    return ""


def _export_button(parent: QtWidgets.QWidget, table: QtWidgets.QTableView, name: str) -> QtWidgets.QPushButton:
    button = QtWidgets.QPushButton("Export CSV…", parent)

    def save() -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Export table", f"{name}.csv", "CSV (*.csv)")
        if path:
            export_table_csv(table, path)

    button.clicked.connect(save)
    return button


class AthleteTrendView(QtWidgets.QWidget):
    """An athlete's metric across sessions with baseline band, meaningful changes and readiness colours."""

    def __init__(self, index: ArchiveIndex, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.trend: Trend | None = None
        self.athlete = QtWidgets.QComboBox()
        self.test = QtWidgets.QComboBox()
        self.test.addItems(["cmj", "sj", "dj", "imtp", "rebound"])
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
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.method)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(_export_button(self, self.table, "trend"))
        layout.addWidget(self.table, 2)
        layout.addLayout(bottom)
        self.athlete.currentTextChanged.connect(self._athlete_changed)
        for w in (self.test, self.metric_box, self.aggregate):
            w.currentTextChanged.connect(self.refresh)
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
        scale = 100.0 if shown_unit == "cm" and t.unit == "m" else 1.0  # plotted as the table reads: cm
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
            for i, lv in enumerate(asymmetry_levels(t.points, thresholds=ASYMMETRY_THRESHOLDS)):
                side = {"left": "L", "right": "R"}.get(lv.stronger_side or "", "")
                label = pg.TextItem(side + (" ⇄" if lv.flipped else ""), color="#e6e6e6", anchor=(0.5, 1.4))
                label.setPos(float(x[i]), float(y[i]))
                self.plot.addItem(label)
                self.side_labels.append(label)
        axis = self.plot.getAxis("bottom")
        every = max(1, -(-len(t.points) // MAX_DATE_TICKS))  # at most a dozen date labels
        axis.setTicks([[(float(i), f"{p.when:%d %b %y}") for i, p in enumerate(t.points) if i % every == 0]])
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


class TeamView(QtWidgets.QWidget):
    """Athletes x latest key metrics and flags, sortable; a double click opens the athlete."""

    athlete_activated = QtCore.Signal(str)

    def __init__(self, index: ArchiveIndex, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.test = QtWidgets.QComboBox()
        self.test.addItems(["cmj", "sj", "dj", "imtp", "rebound"])
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
        units = {m: metric_unit(self.index, [r.athlete for r in rows], m, test) for m in metrics}
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
                cell = _item(metric_text(m, v, units[m]), status=row.status.get(m) if v is not None else None, raw=v)
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
            path = Path(rel) if Path(rel).is_absolute() else self.index.archive / rel
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
