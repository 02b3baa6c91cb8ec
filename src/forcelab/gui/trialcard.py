"""The card that shows one trial's key numbers seconds after landing.

Jump height by both methods, RSI-modified, peak force, time to take-off (or, for pulls, peak force,
RFD and force at fixed times), a left/right bar with the asymmetry and the stronger side, and every quality
flag as a sentence. What could not be computed says "not found" and the reason is in the tooltip.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis.labels import metric_name
from forcelab.analysis.types import Metric, TrialResult
from forcelab.gui.metrics_view import (
    TEST_NAMES,
    asymmetry_metric,
    asymmetry_side,
    asymmetry_words,
    condition_text,
    flag_details,
    flag_lines,
    format_value,
    pick,
    slots_for,
)


class AsymmetryBar(QtWidgets.QWidget):
    """A centred horizontal bar: it grows left when the left side is stronger, right otherwise."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("asymBar")
        self.setMinimumHeight(22)
        self._percent: float | None = None
        self._full_scale = 20.0  # percent at the end of the bar

    def set_percent(self, percent: float | None) -> None:
        """Show ``percent`` (positive = left stronger); ``None`` shows an empty bar."""
        self._percent = percent
        self.update()

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QtGui.QPainter(self)
        r = self.rect().adjusted(1, 1, -1, -1)
        p.fillRect(r, QtGui.QColor("#15171c"))
        mid = r.center().x()
        p.setPen(QtGui.QPen(QtGui.QColor("#6b7280"), 1))
        p.drawLine(mid, r.top(), mid, r.bottom())
        if self._percent is not None:
            frac = max(-1.0, min(1.0, self._percent / self._full_scale))
            width = int(abs(frac) * (r.width() / 2))
            colour = QtGui.QColor("#4fa3ff" if frac > 0 else "#ff9f43")
            if abs(self._percent) >= 10.0:
                colour = QtGui.QColor("#ef4444")
            bar = QtCore.QRect(mid - width if frac > 0 else mid, r.top() + 4, width, r.height() - 8)
            p.fillRect(bar, colour)
        p.setPen(QtGui.QColor("#9aa4b2"))
        p.drawText(r.adjusted(4, 0, 0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, "L")
        p.drawText(r.adjusted(0, 0, -4, 0), QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignRight, "R")
        p.end()


class TrialCard(QtWidgets.QFrame):
    """Key numbers of one trial. Call :meth:`show_result`; :meth:`clear` before the first trial.

    :meth:`show_suggestion` adds a line saying the trial looks like another test, with a button to analyse it as
    that test; pressing it emits ``suggestion_accepted(trial number)`` (the window asks the session to do it).
    """

    suggestion_accepted = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trialCard")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setMinimumWidth(260)
        self.setMaximumWidth(420)
        self.title = QtWidgets.QLabel("No trial yet")
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        self._grid = QtWidgets.QGridLayout()
        self._grid.setHorizontalSpacing(12)
        self._grid.setColumnStretch(0, 1)
        self._grid.setVerticalSpacing(2)
        self.asym_label = QtWidgets.QLabel("")
        self.asym_label.setObjectName("metricName")
        self.asym_label.setWordWrap(True)
        self.asym_bar = AsymmetryBar()
        self.flags = QtWidgets.QLabel("")
        self.flags.setObjectName("flagText")
        self.flags.setWordWrap(True)
        self.suggestion = QtWidgets.QLabel("")
        self.suggestion.setObjectName("suggestionText")
        self.suggestion.setWordWrap(True)
        self.suggest_button = QtWidgets.QPushButton("")
        self.suggest_button.setObjectName("suggestButton")
        self._suggested_for: int | None = None
        self.suggest_button.clicked.connect(self._accept_suggestion)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self._grid)
        layout.addWidget(self.asym_label)
        layout.addWidget(self.asym_bar)
        layout.addWidget(self.flags)
        layout.addWidget(self.suggestion)
        layout.addWidget(self.suggest_button)
        layout.addStretch(1)
        self.values: dict[str, str] = {}
        self.clear()

    def clear(self) -> None:
        """Show the empty card."""
        self._fill([])
        self.title.setText("No trial yet")
        self.flags.setText("The card fills in as soon as a trial is detected.")
        self.flags.setToolTip("")
        self.asym_label.setText("")
        self.asym_bar.set_percent(None)
        self.asym_bar.setVisible(False)
        self.values = {}
        self.hide_suggestion()

    def show_suggestion(self, number: int, test: str, reason: str) -> None:
        """Say that trial ``number`` looks like ``test`` (why: ``reason``) and offer to analyse it as that."""
        name = TEST_NAMES.get(test, test)
        self.suggestion.setText(f"Looks like: {name.lower()} — {reason}")
        self.suggest_button.setText(f"Analyse as {name.lower()}")
        self._suggested_for = number
        self.suggestion.setVisible(True)
        self.suggest_button.setVisible(True)

    def hide_suggestion(self) -> None:
        """No suggestion on the card."""
        self._suggested_for = None
        self.suggestion.setVisible(False)
        self.suggest_button.setVisible(False)

    def _accept_suggestion(self) -> None:
        number = self._suggested_for
        self.hide_suggestion()
        if number is not None:
            self.suggestion_accepted.emit(number)

    def show_not_analysed(self, number: int, reason: str) -> None:
        """Show that trial ``number`` was kept but could not be analysed, and why."""
        self.clear()
        self.title.setText(f"Trial {number}: not analysed ({reason})")

    def _fill(self, rows: list[tuple[str, str, str]]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:  # off screen now: deleteLater alone leaves it drawn until the loop runs
                w.hide()
                w.setParent(None)
                w.deleteLater()
        for i, (name, value, tip) in enumerate(rows):  # one metric per row: name left, number right
            label = QtWidgets.QLabel(name)
            label.setObjectName("metricName")
            label.setWordWrap(True)
            val = QtWidgets.QLabel(value)
            val.setObjectName("metricValue")
            val.setToolTip(tip)
            val.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            self._grid.addWidget(label, i, 0)
            self._grid.addWidget(val, i, 1)
            # a layout shows new children of a visible card only once the event loop runs (a queued call):
            # show them now, so a card filled and grabbed (or read) at once is never blank
            label.show()
            val.show()

    def show_result(self, number: int, result: TrialResult, *, when: str = "") -> None:
        """Fill the card from ``result`` (trial ``number``)."""
        name = TEST_NAMES.get(result.test, result.test)
        self.hide_suggestion()
        noted = condition_text(result)  # a balance trial's eyes open / closed and stance
        self.title.setText(f"Trial {number} · {name}" + (f" · {noted}" if noted else "") + (f" · {when}" if when else ""))
        rows: list[tuple[str, str, str]] = []
        shown: list[Metric] = []
        self.values = {}
        for slot in slots_for(result.test):
            m = pick(result, slot.names)
            if m is None:
                continue
            shown.append(m)
            text = format_value(m, slot)
            tip = m.reason or f"{m.name}: method {m.method}" + (f"; {m.reference}" if m.reference else "")
            rows.append((slot.label, text, tip))
            self.values[slot.label] = text
        if not rows:  # an analysis that names things differently: show what it has
            for m in list(result.metrics.values())[:6]:
                text = format_value(m)
                rows.append((metric_name(m.name), text, m.reason or m.method))
                self.values[m.name] = text
        self._fill(rows)
        asym = asymmetry_metric(result)
        found = asymmetry_side(asym) if asym is not None else None
        self.asym_bar.setVisible(asym is not None)
        self.asym_label.setVisible(result.test != "balance")  # sway of the common CoP: no left/right measure
        nothing = bool(shown) and all(m.value is None for m in shown)
        if asym is None:
            self.asym_label.setText("Left/right: not measured" if nothing else "Left/right: single plate")
        elif found is None:
            self.asym_label.setText(f"Left/right asymmetry: not found ({asym.reason})")
        else:
            words = asymmetry_words(*found)
            self.asym_label.setText(f"Left/right ({metric_name(asym.name).lower()}): {words}")
            self.values["asymmetry"] = words
        self.asym_bar.set_percent(None if found is None else (found[0] if found[1] != "right" else -found[0]))
        self.flags.setToolTip(flag_details(result))  # the analysis's full sentences
        if result.flags:
            self.flags.setText(flag_lines(result))
        elif nothing:  # nothing measured: say why, not "no flags"
            self.flags.setText(f"⚠ Not measured: {shown[0].reason or 'see the review tab'}")
        else:
            self.flags.setText("No quality flags")
