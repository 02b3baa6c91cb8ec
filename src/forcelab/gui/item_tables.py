"""A trial's per-item tables (a repeated-hop trial's hops) as people read them: on the review screen and in the report.

:func:`table_text` turns a :class:`~forcelab.analysis.types.Table` into column heads with their units and cells in
the units a coach reads (contact and flight times in ms, heights in cm), a ``Flags`` column in words (long
contact, double contact) and the rows a trial metric averages marked (the five best-RSI hops of
``rsi_best5_mean``, as the analysis marked them: :func:`forcelab.storage.trial_tables.best_rows`). A table without a view of its own
(:data:`VIEWS`) shows every column as stored, its head from :mod:`forcelab.analysis.labels`. The review's widget
is :class:`ItemTablesView`; the report draws the same text (:mod:`forcelab.gui.report`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis.labels import display_number, display_unit, metric_name, unit_text
from forcelab.analysis.types import Table
from forcelab.storage.trial_tables import BEST_COLUMN, best_count, best_rows, has_best

#: The mark of a best row.
BEST_MARK = "★"
#: The background of a best row on screen (amber, faint on the dark theme).
BEST_COLOUR = "#f59e0b"


@dataclass(frozen=True)
class Column:
    """One shown column: table column ``key`` under ``head`` (unit ``unit`` appended), its value times ``scale``
    with ``digits`` decimals."""

    key: str
    head: str
    unit: str = ""
    scale: float = 1.0
    digits: int = 3


#: Tables with a view of their own, by name; the others show every column as stored.
VIEWS: dict[str, tuple[Column, ...]] = {
    "hops": (
        Column("hop", "Hop", digits=0),
        Column("contact_start_time", "Landing at", "s", digits=2),
        Column("contact_time", "Contact", "ms", 1000.0, 0),
        Column("flight_time", "Flight", "ms", 1000.0, 0),
        Column("jump_height", "Height", "cm", 100.0, 1),
        Column("rsi", "RSI", "m/s", digits=2),
        Column("peak_force", "Peak force", "N", digits=0),
    ),
}
#: 0/1 columns that are a flag when they hold ``value``: (value, words).
FLAG_COLUMNS: dict[str, tuple[int, str]] = {"fast_ssc": (0, "long contact"), "double_contact": (1, "double contact")}
#: The columns a table's items span on the trace (start, end; seconds from the trial's first sample).
SPANS: dict[str, tuple[str, str]] = {"hops": ("contact_start_time", "takeoff_time")}
#: What the best rows of a table are, in words (``{n}``: how many).
BEST_WORDS: dict[str, str] = {"hops": "the {n} hops with the highest RSI (their mean is the RSI of the best {n})"}
#: Table names as a heading reads them.
TITLES: dict[str, str] = {"hops": "Hops"}


@dataclass(frozen=True)
class TableText:
    """A table as text: ``heads``, one list of ``cells`` per row, which rows are ``best`` (0-based), the
    ``title`` and a ``caption`` saying what the mark means (empty without best rows)."""

    title: str
    heads: list[str]
    cells: list[list[str]]
    best: frozenset[int]
    caption: str


def _cell(value: Any, col: Column) -> str:
    if value is None:
        return "—"
    v = float(value) * col.scale
    return f"{v:.{col.digits}f}"


def _generic(table: Table) -> tuple[Column, ...]:
    cols = []
    for name, unit, kind in table.columns:
        if name in FLAG_COLUMNS or name == BEST_COLUMN:  # words in Flags, the mark in its own column
            continue
        cols.append(Column(name, metric_name(name), display_unit(name, unit), 1.0, 0 if kind == "i8" else -1))
    return tuple(cols)


def _generic_cell(value: Any, col: Column, stored_unit: str) -> str:
    if value is None:
        return "—"
    if col.digits == 0:
        return str(int(value))
    return display_number(col.key, float(value), stored_unit)


def flag_words(row: Mapping[str, Any]) -> str:
    """The flags of one row in words (``long contact, double contact``), empty when none."""
    return ", ".join(words for key, (value, words) in FLAG_COLUMNS.items()
                     if key in row and row[key] is not None and int(row[key]) == value)


def table_text(name: str, table: Table, params: Mapping[str, Any], *, marker: bool = True) -> TableText:
    """Table ``name`` of a trial as text (see the module docstring); ``params`` are the trial's analysis
    parameters (they say how many rows are best, and which for a table archived before the analysis marked
    them). ``marker`` adds a column
    holding :data:`BEST_MARK` for the best rows, second (after the item's number), so the mark sits by it."""
    view = VIEWS.get(name)
    units = {c[0]: c[1] for c in table.columns}
    cols = view if view is not None else _generic(table)
    cols = tuple(c for c in cols if c.key in units)
    heads = [f"{c.head} ({unit_text(c.unit)})" if unit_text(c.unit) else c.head for c in cols]
    has_flags = any(k in units for k in FLAG_COLUMNS)
    if has_flags:
        heads.append("Flags")
    best = best_rows(name, table, params)
    n = best_count(name, params)
    n = len(best) if n is None else n
    marks = has_best(name, table)
    with_mark = marker and marks
    if with_mark:
        heads.insert(1, f"Best {n}")
    cells = []
    for i, row in enumerate(table.rows):
        line = [_cell(row.get(c.key), c) if view is not None else _generic_cell(row.get(c.key), c, units[c.key])
                for c in cols]
        if has_flags:
            line.append(flag_words(row))
        if with_mark:
            line.insert(1, BEST_MARK if i in best else "")
        cells.append(line)
    caption = ""
    if marks:
        words = BEST_WORDS.get(name, "the best {n} rows").format(n=n)
        caption = f"{BEST_MARK} {words}" if best else f"No {BEST_MARK}: fewer than {n} measured, no best {n}"
    title = f"{TITLES.get(name, metric_name(name))} ({len(table.rows)})"
    return TableText(title, heads, cells, best, caption)


class ItemTablesView(QtWidgets.QTabWidget):
    """The trial's per-item tables, one tab each, best rows marked. Signal ``row_selected(name, row)`` (0-based
    row; -1 when the selection was cleared) when the tester clicks a row."""

    row_selected = QtCore.Signal(str, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._tables: dict[str, QtWidgets.QTableWidget] = {}
        self._captions: dict[str, QtWidgets.QLabel] = {}
        self._text: dict[str, TableText] = {}

    def show_tables(self, tables: Mapping[str, Table], params: Mapping[str, Any]) -> None:
        """Show ``tables`` (name -> table; none hides the view)."""
        self.clear()
        self._tables.clear()
        self._captions.clear()
        self._text.clear()
        for name, table in tables.items():
            text = table_text(name, table, params)
            self._text[name] = text
            page = QtWidgets.QWidget()
            lay = QtWidgets.QVBoxLayout(page)
            lay.setContentsMargins(4, 4, 4, 4)
            caption = QtWidgets.QLabel(text.caption)
            caption.setWordWrap(True)
            caption.setVisible(bool(text.caption))
            lay.addWidget(caption)
            widget = QtWidgets.QTableWidget(len(text.cells), len(text.heads))
            widget.setHorizontalHeaderLabels([h.replace(" (", "\n(") for h in text.heads])  # units under the words
            widget.verticalHeader().setVisible(False)
            widget.verticalHeader().setDefaultSectionSize(widget.fontMetrics().height() + 8)  # compact rows
            widget.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
            widget.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
            widget.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
            best_brush = QtGui.QColor(BEST_COLOUR)
            best_brush.setAlpha(60)
            for r, line in enumerate(text.cells):
                for c, value in enumerate(line):
                    item = QtWidgets.QTableWidgetItem(value)
                    align = QtCore.Qt.AlignmentFlag.AlignLeft if text.heads[c] == "Flags" else \
                        QtCore.Qt.AlignmentFlag.AlignCenter if value == BEST_MARK else QtCore.Qt.AlignmentFlag.AlignRight
                    item.setTextAlignment(align | QtCore.Qt.AlignmentFlag.AlignVCenter)
                    if r in text.best:
                        item.setBackground(best_brush)
                    widget.setItem(r, c, item)
            widget.resizeColumnsToContents()
            widget.horizontalHeader().setStretchLastSection(True)
            widget.itemSelectionChanged.connect(lambda name=name, w=widget: self._selected(name, w))
            lay.addWidget(widget, 1)
            self._tables[name] = widget
            self._captions[name] = caption
            self.addTab(page, text.title)
        self.setVisible(bool(tables))

    def _selected(self, name: str, widget: QtWidgets.QTableWidget) -> None:
        rows = {i.row() for i in widget.selectedIndexes()}
        self.row_selected.emit(name, min(rows) if rows else -1)

    def table(self, name: str) -> QtWidgets.QTableWidget:
        """The on-screen table of ``name`` (for tests and for the review's highlight)."""
        return self._tables[name]

    def text(self, name: str) -> TableText:
        """What table ``name`` shows."""
        return self._text[name]

    def names(self) -> list[str]:
        """The tables shown, in tab order."""
        return list(self._tables)

    def select_row(self, name: str, row: int) -> None:
        """Select ``row`` of table ``name`` as a click would (and scroll to it)."""
        widget = self._tables[name]
        self.setCurrentIndex(self.names().index(name))
        widget.selectRow(row)
        item = widget.item(row, 0)
        if item is not None:
            widget.scrollToItem(item)
