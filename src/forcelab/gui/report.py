"""The PDF session report: trial table, force traces, asymmetry and trends of the key metrics.

Written with Qt's own PDF writer (``QPdfWriter``), so reports need no extra dependency. Pages:
1. the session (athlete, date, device, tests) and a table of every trial's key numbers and flags;
2. the force trace of each trial (left, right, total) with its events marked, three trials a page (a hop
   series with each hop's contact shaded and numbered, the five best amber);
3. the per-item tables of the trials that have them (a repeated-hop trial's hops: contact and flight time,
   height, RSI, peak force, flags, the five best-RSI hops of ``rsi_best5_mean`` marked ★), compact;
4. left/right asymmetry of each trial's force and impulse metrics, with the formula and stronger side;
5. when the archive index is given, the trend of each key metric over the athlete's sessions, with the
   rolling baseline, typical error and readiness status of each session.
Every metric reads as :mod:`forcelab.analysis.labels` names it, with the unit its numbers are written in
(heights in cm), and every flag in words (``flag_text``), as on the screens.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtWidgets import QApplication

from forcelab import __version__
from forcelab.analysis.labels import (
    display_number,
    display_scale,
    display_unit,
    flag_text,
    metric_label,
    metric_name,
    metric_text,
)
from forcelab.compare.conditions import session_trend_test
from forcelab.compare.source import KEY_METRICS, athlete_trend, better_direction
from forcelab.compare.trends import Trend
from forcelab.gui.item_tables import SPANS, table_text
from forcelab.gui.metrics_view import TEST_NAMES
from forcelab.gui.painter_charts import (
    LEFT_COLOR,
    RIGHT_COLOR,
    STATUS_COLORS,
    TOTAL_COLOR,
    Axes,
    padded_range,
)
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import Session, Trial, open_session
from forcelab.storage.trial_tables import trial_tables

log = logging.getLogger(__name__)

TRACES_PER_PAGE = 3
#: The colours of an item's band on a trace: plain, one of the best.
BAND, BEST_BAND = QColor("#2ca02c"), QColor("#f59e0b")
BEST_MARK_WORDS = "★ marks the rows a trial's best-of figure averages (amber bands on the traces)"
EVENT_NAMES = ("onset", "braking_start", "propulsion_start", "takeoff", "landing", "peak_force")
ASYMMETRY_ROWS_PER_PAGE = 48
#: The asymmetries a report lists (the analysis gives many more; the archive keeps them all).
KEY_ASYMMETRIES = (
    "peak_force", "net_impulse", "braking_net_impulse", "propulsive_net_impulse", "mean_propulsive_force",
    "force_at_zero_velocity", "peak_landing_force", "rfd_0_100ms", "rfd_0_200ms", "net_peak_force",
    "contact_time", "impulse_0_200ms",
)


@dataclass(frozen=True)
class ReportSummary:
    """What was written: the file, its page count and the page titles."""

    path: Path
    pages: int
    titles: tuple[str, ...]


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new one (offscreen when there is no display).

    A full ``QApplication`` even though reports only paint: a process that later opens a window (the app,
    or the tests) cannot replace a bare ``QGuiApplication``, and Qt aborts when widgets are made without one.
    """
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    assert isinstance(app, QGuiApplication)
    return app


class _Pages:
    """A PDF writer with a page counter, a page title and a body rectangle."""

    def __init__(self, path: Path) -> None:
        self.writer = QPdfWriter(str(path))
        self.writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                        QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        )
        self.writer.setResolution(150)
        self.writer.setTitle("forcelab session report")
        self.writer.setCreator(f"forcelab {__version__}")
        self.painter = QPainter(self.writer)
        f = QFont("DejaVu Sans")
        f.setPointSizeF(8.5)
        self.painter.setFont(f)
        self.titles: list[str] = []

    @property
    def width(self) -> float:
        return float(self.writer.width())

    @property
    def height(self) -> float:
        return float(self.writer.height())

    @property
    def line(self) -> float:
        return float(self.painter.fontMetrics().height())

    def page(self, title: str, subtitle: str = "") -> QRectF:
        """Start a page (the first call uses the first page) and return the body rectangle."""
        if self.titles:
            self.writer.newPage()
        self.titles.append(title)
        p = self.painter
        p.save()
        f = QFont(p.font())
        f.setPointSizeF(14)
        f.setBold(True)
        p.setFont(f)
        h = p.fontMetrics().height()
        p.drawText(QRectF(0, 0, self.width, h), Qt.AlignmentFlag.AlignLeft, title)
        p.restore()
        p.setPen(QPen(QColor("#555555"), 0))
        p.drawText(QRectF(0, h, self.width, self.line), Qt.AlignmentFlag.AlignLeft, subtitle)
        p.drawText(QRectF(0, self.height - self.line, self.width, self.line), Qt.AlignmentFlag.AlignRight,
                   f"forcelab {__version__} · page {len(self.titles)}")
        p.setPen(QPen(Qt.GlobalColor.black, 0))
        top = h + 2 * self.line
        return QRectF(0, top, self.width, self.height - top - 2 * self.line)

    def text_rows(self, rect: QRectF, rows: Sequence[Sequence[str]], widths: Sequence[float],
                  *, header: bool = True) -> float:
        """A simple table whose cells wrap (a row is as tall as its tallest cell); returns the y after it.
        ``widths`` are fractions of the rectangle width."""
        p = self.painter
        y = rect.top()
        wrap = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        for i, row in enumerate(rows):
            p.save()
            if header and i == 0:
                f = QFont(p.font())
                f.setBold(True)
                p.setFont(f)
            cells = [(cell, w * rect.width() - 6) for cell, w in zip(row, widths, strict=False)]
            height = max([self.line] + [p.boundingRect(QRectF(0, 0, w, 100 * self.line), wrap, cell).height()
                                        for cell, w in cells])
            x = rect.left()
            for (cell, w), frac in zip(cells, widths, strict=False):
                p.drawText(QRectF(x, y, w, height), wrap, cell)
                x += frac * rect.width()
            p.restore()
            y += height + 0.25 * self.line
            if header and i == 0:
                p.drawLine(int(rect.left()), int(y - 2), int(rect.right()), int(y - 2))
        return y

    def finish(self) -> None:
        self.painter.end()


def _key_metrics(session: Session) -> tuple[str, ...]:
    names: list[str] = []
    for test in session.tests or ["cmj"]:
        for m in KEY_METRICS.get(test, ()):
            if m not in names:
                names.append(m)
    for extra in ("jump_height_flight_time", "time_to_takeoff"):
        if extra not in names and any(extra in t.metrics for t in session.trials):
            names.insert(1, extra)
    return tuple(names)


def session_unit(session: Session, name: str) -> str:
    """The stored unit of metric ``name`` in ``session`` (from its first trial that has it), or ``""``."""
    return next((str(t.metrics[name].get("unit") or "") for t in session.trials if name in t.metrics), "")


def column_label(session: Session, name: str) -> str:
    """A metric's column head: its words and the unit its cells are written in (``Jump height (take-off
    velocity) (cm)``), from the one label table :mod:`forcelab.analysis.labels`."""
    # a word joiner after "/" keeps "(m/s)" on one line when the head wraps
    return metric_label(name, display_unit(name, session_unit(session, name))).replace("/", "/\u2060")


def cell_number(name: str, metric: dict[str, object] | None) -> str:
    """A metric's value under a head that names its unit: the bare number, or "—" when missing."""
    value = None if metric is None else metric.get("value")
    if not isinstance(value, (int, float)):
        return "—"
    return display_number(name, float(value), str(metric.get("unit") or "") if metric else "")


def _trial_table(pages: _Pages, rect: QRectF, session: Session, names: Sequence[str]) -> float:
    header = ["#", "test", "decision"] + [column_label(session, n) for n in names] + ["flags"]
    rows: list[list[str]] = [header]
    for t in session.trials:
        decision = {True: "accepted", False: "rejected", None: "—"}[t.accepted]
        cells = [str(t.number), t.test, decision]
        cells += [cell_number(n, t.metrics.get(n)) for n in names]
        cells.append("\n".join(flag_text(f, t.metrics) for f in t.flags))  # one flag a line
        rows.append(cells)
    k = len(names)
    flags = 0.28 if any(t.flags for t in session.trials) else 0.06  # room for words only where there are some
    share = (1.0 - 0.175 - flags) / max(k, 1)
    # a column is at least as wide as the longest word of its head ("asymmetry"), so no word is cut
    bold = QFont(pages.painter.font())
    bold.setBold(True)
    fm = QFontMetricsF(bold, pages.writer)  # the PDF's resolution, not the screen's
    need = [max(fm.horizontalAdvance(w) for w in head.split()) / rect.width() + 0.012 for head in header[3:3 + k]]
    metric_widths = [max(share, n) for n in need]
    flags = max(0.06, 1.0 - 0.175 - sum(metric_widths))
    widths = [0.03, 0.05, 0.095] + metric_widths + [flags]
    return pages.text_rows(rect, rows, widths)


def _summary_rows(session: Session, names: Sequence[str]) -> list[list[str]]:
    """Best, mean ± SD and CV of each key metric over the accepted (or undecided) trials."""
    rows = [["metric", "best", "mean ± SD", "CV", "trials"]]
    for n in names:
        vals = [t.metrics[n].get("value") for t in session.trials if t.accepted is not False and n in t.metrics]
        v = np.array([x for x in vals if x is not None], dtype=float)
        if v.size == 0:
            continue
        unit = session_unit(session, n)
        best = float(v.min() if better_direction(n) == "lower" else v.max())
        sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
        cv = f"{sd / abs(v.mean()) * 100:.1f} %" if v.size > 1 and v.mean() != 0 else "—"
        rows.append([column_label(session, n), display_number(n, best, unit),
                     f"{display_number(n, float(v.mean()), unit)} ± {display_number(n, sd, unit)}", cv, str(v.size)])
    return rows


def _trace_chart(pages: _Pages, rect: QRectF, trial: Trial) -> None:
    n = trial.n
    t = np.arange(n) / trial.rate
    y_lo, y_hi = padded_range(trial.total)
    result = trial.result or {}
    banded = {name: table for name, table in trial_tables(result).items() if name in SPANS}
    if banded:  # headroom for the items' numbers, two text rows above the highest peak
        y_hi += 0.15 * (y_hi - min(y_lo, 0.0))
    ax = Axes(pages.painter, rect, (0.0, n / trial.rate), (min(y_lo, 0.0), y_hi), xlabel="time (s)",
              ylabel="force (N)", title=f"Trial {trial.number} · {TEST_NAMES.get(trial.test, trial.test)}")
    for name, table in banded.items():  # a hop series: each contact a numbered band, under the force
        span = SPANS[name]
        best = table_text(name, table, result.get("params") or {}).best
        for i, item in enumerate(table.rows):
            a, b = item.get(span[0]), item.get(span[1])
            if a is not None and b is not None:
                ax.vband(float(a), float(b), BEST_BAND if i in best else BAND, str(item.get("hop", i + 1)), row=i % 2)
        break
    if trial.left is not None and trial.right is not None:
        ax.line(t, trial.left, LEFT_COLOR)
        ax.line(t, trial.right, RIGHT_COLOR)
    ax.line(t, trial.total, TOTAL_COLOR)
    for row, name in enumerate(EVENT_NAMES):  # one label row per event: close events never overprint
        ev = trial.events.get(name)
        if ev and ev.get("index") is not None:
            ax.vline(float(ev["index"]) / trial.rate, QColor("#7f7f7f"), metric_name(name).lower(), row=row)


def _table_widths(heads: Sequence[str]) -> list[float]:
    """Column widths (fractions of the page) of a per-item table: narrow number and mark columns, values a tenth
    each (shared out when there are many), the flags in words the rest, at least a fifth."""
    narrow = {0: 0.05} | {i: 0.06 for i, h in enumerate(heads) if h.startswith("Best ")}
    values = [i for i, h in enumerate(heads) if i not in narrow and h != "Flags"]
    flags = 0.2 if "Flags" in heads else 0.0
    each = min(0.1, (1.0 - flags - sum(narrow.values())) / max(len(values), 1))
    return [narrow.get(i, flags if h == "Flags" else each) for i, h in enumerate(heads)]


def _table_pages(pages: _Pages, session: Session) -> None:
    """The per-item tables of the session's trials (a hop series' hops), as many a page as fit, best rows marked."""
    items = [(t, name, table) for t in session.trials for name, table in trial_tables(t.result).items()]
    if not items:
        return
    title = "Per-hop tables" if {name for _t, name, _tb in items} == {"hops"} else "Per-item tables"
    body = pages.page(title, f"{session.athlete} · one row per {'hop' if title == 'Per-hop tables' else 'item'}; "
                      f"{BEST_MARK_WORDS}")
    y = body.top()
    for trial, name, table in items:
        result = trial.result or {}
        text = table_text(name, table, result.get("params") or {})
        need = (len(text.cells) + 4) * pages.line * 1.3
        if y + need > body.bottom() and y > body.top():
            body = pages.page(title, f"{session.athlete} · continued")
            y = body.top()
        heading = (f"Trial {trial.number} · {TEST_NAMES.get(str(result.get('test', trial.test)), trial.test)} · "
                   f"{text.title}" + (f" · {text.caption}" if text.caption else ""))
        pages.painter.drawText(QRectF(body.left(), y, body.width(), pages.line), Qt.AlignmentFlag.AlignLeft, heading)
        widths = _table_widths(text.heads)
        y = pages.text_rows(QRectF(body.left(), y + 1.3 * pages.line, body.width(), body.height()),
                            [text.heads, *text.cells], widths) + pages.line


def _asymmetry_rows(session: Session) -> list[list[str]]:
    rows = [["#", "metric", "left", "right", "asymmetry", "stronger", "formula"]]
    for t in session.trials:
        for base in KEY_ASYMMETRIES:
            name = f"{base}_asymmetry"
            m = t.metrics.get(name)
            if m is None:
                continue
            left, right = t.metrics.get(f"left_{base}", {}), t.metrics.get(f"right_{base}", {})
            params = m.get("params", {}) or {}
            rows.append([
                str(t.number), metric_name(base),
                metric_text(base, left.get("value"), left.get("unit", "")),
                metric_text(base, right.get("value"), right.get("unit", "")),
                metric_text(name, m.get("value"), "%"),
                str(params.get("stronger_side", "—")), str(params.get("formula", "—")).replace("_", " "),
            ])
    return rows


def _trend_chart(pages: _Pages, rect: QRectF, tr: Trend) -> bool:
    metric = tr.metric
    if len(tr.points) < 2:
        return False
    shown = display_unit(metric, tr.unit)
    scale = display_scale(metric, tr.unit)  # drawn in the unit the tables use (cm, mm)
    x = np.arange(len(tr.points), dtype=float)
    y = np.array([p.value for p in tr.points]) * scale
    label = metric_label(metric, shown)
    ax = Axes(pages.painter, rect, (-0.5, len(x) - 0.5), padded_range(y, 0.15), xlabel="session date",
              ylabel=shown or "value", title=label,
              x_labels=[f"{p.when:%d %b}" for p in tr.points])
    last = tr.points[-1]
    if last.baseline_mean is not None and last.baseline_sd is not None:
        ax.hband((last.baseline_mean - last.baseline_sd) * scale, (last.baseline_mean + last.baseline_sd) * scale,
                 QColor("#2ca02c"))
    ax.line(x, y, QColor("#555555"))
    ax.dots(list(x), list(y), [STATUS_COLORS.get(p.status, QColor("#999999")) for p in tr.points])
    return True


def write_session_report(session_path: str | os.PathLike[str], out: str | os.PathLike[str], *,
                         index: ArchiveIndex | None = None) -> ReportSummary:
    """Write the PDF report of one session to ``out``; trends come from ``index`` when given."""
    ensure_gui_app()
    session = open_session(session_path)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pages = _Pages(out)
    try:
        when = session.started.strftime("%Y-%m-%d %H:%M") if session.started else "unknown date"
        dev = session.device or {}
        subtitle = (f"{session.athlete} · {when} · tests: {', '.join(session.tests) or '—'} · "
                    f"{session.rate:g} Hz · {dev.get('model', '') or session.source or 'device unknown'}")
        body = pages.page(f"Session report: {session.athlete}", subtitle)
        names = _key_metrics(session)
        y = _trial_table(pages, body, session, names)
        summary = _summary_rows(session, names)
        if len(summary) > 1:
            y += pages.line
            pages.painter.drawText(QRectF(0, y, pages.width, pages.line), Qt.AlignmentFlag.AlignLeft,
                                   "Session summary (accepted trials; best = highest, or lowest for times "
                                   "and asymmetry)")
            y = pages.text_rows(QRectF(0, y + 1.5 * pages.line, pages.width * 0.8, body.height()), summary,
                                [0.4, 0.14, 0.26, 0.1, 0.1])
        if not session.complete:
            pages.painter.drawText(QRectF(0, y + pages.line, pages.width, pages.line), Qt.AlignmentFlag.AlignLeft,
                                   "This session was not closed normally: the last trial may be cut short.")
        trials = session.trials
        for start in range(0, len(trials), TRACES_PER_PAGE):
            body = pages.page("Force traces", f"{session.athlete} · left (blue), right (red), total (black)")
            h = body.height() / TRACES_PER_PAGE
            for i, trial in enumerate(trials[start : start + TRACES_PER_PAGE]):
                _trace_chart(pages, QRectF(body.left(), body.top() + i * h, body.width(), h * 0.95), trial)
        _table_pages(pages, session)
        rows = _asymmetry_rows(session)
        for start in range(1, len(rows), ASYMMETRY_ROWS_PER_PAGE):
            body = pages.page("Left/right asymmetry", "key metrics per trial; stronger side and formula as named "
                              "in the result (the archive keeps every asymmetry)")
            pages.text_rows(body, [rows[0], *rows[start : start + ASYMMETRY_ROWS_PER_PAGE]],
                            [0.04, 0.24, 0.12, 0.12, 0.11, 0.1, 0.27])
        if index is not None:
            # a balance session's trends are those of the condition it tested (never all conditions mixed)
            test = session_trend_test(session.tests[0] if session.tests else "cmj", [t.result for t in session.trials])
            metrics = KEY_METRICS.get(test, KEY_METRICS["cmj"])
            body = pages.page("Trends", f"{session.athlete} · {test} · dots: green / amber / red against the "
                              "rolling baseline (band: baseline ± SD)")
            trends = [athlete_trend(index, session.athlete, m, test=test) for m in metrics]
            methods = list(dict.fromkeys(t.method for t in trends if len(t.points) >= 2))
            if methods:  # the rule behind every chart, once, above them (it is the same for each metric)
                wrap = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
                text = "Method: " + " / ".join(methods)
                used = pages.painter.boundingRect(QRectF(0, 0, body.width(), body.height()), wrap, text).height()
                pages.painter.drawText(QRectF(body.left(), body.top(), body.width(), used), wrap, text)
                body = body.adjusted(0, used + 0.5 * pages.line, 0, 0)
            h = body.height() / max(len(metrics), 1)
            drawn = 0
            for i, tr in enumerate(trends):
                rect = QRectF(body.left(), body.top() + i * h, body.width(), h * 0.92)
                drawn += _trend_chart(pages, rect, tr)
            if not drawn:
                pages.painter.drawText(body, Qt.AlignmentFlag.AlignLeft, "Fewer than two sessions: no trend yet.")
    finally:
        pages.finish()
    return ReportSummary(out, len(pages.titles), tuple(pages.titles))

