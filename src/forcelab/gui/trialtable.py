"""The session's trial list: key numbers, accept / reject, and a note per trial.

Rows are keyed by trial number. The decision and the note are edited here and announced with signals so
the session controller can save them at once; double-clicking a row asks for its review.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis.labels import flag_short
from forcelab.analysis.types import TrialResult
from forcelab.gui.metrics_view import (
    Slot,
    asymmetry_metric,
    asymmetry_side,
    flag_details,
    flag_lines,
    format_value,
    pick,
    slots_for,
)

COLUMNS = ("#", "time", "test", "key 1", "key 2", "L/R", "flags", "decision", "note")
#: The two key-number columns: while every trial is of one kind their headers name its metrics ("JH (TOV)",
#: "JH (FT)" for jumps, "Fpeak", "Fnet" for pulls) and cells hold bare values; once jumps and pulls mix, the
#: headers say "key 1" / "key 2" and every cell names its own metric, so no value sits under another's name.
KEY_COLS = (3, 4)
NOTE_COL = COLUMNS.index("note")
DECISION_COL = COLUMNS.index("decision")
#: ``set_key_columns`` argument for a session that mixes jumps and pulls.
MIXED = "mixed"
FLAGS_COL = COLUMNS.index("flags")


def decision_text(accepted: bool | None) -> str:
    """How a decision reads in the table."""
    return {True: "accepted", False: "rejected", None: "—"}[accepted]


class TrialTable(QtWidgets.QTableWidget):
    """One row per trial. Signals: ``decision_changed(number, accepted)`` (``accepted`` is True, False or
    None), ``note_changed(number, text)``, ``review_requested(number)``."""

    decision_changed = QtCore.Signal(int, object)
    note_changed = QtCore.Signal(int, str)
    review_requested = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        # header and three rows stay visible when the window is short (1366x768)
        self.setMinimumHeight(self.horizontalHeader().sizeHint().height()
                              + 3 * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth() + 4)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTE_COL, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked
            | QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self._rows: dict[int, int] = {}
        self._decisions: dict[int, bool | None] = {}
        self._results: dict[int, TrialResult] = {}
        self._key_test = ""
        self._filling = False
        self.set_key_columns("cmj")
        self.itemChanged.connect(self._on_item_changed)
        self.cellDoubleClicked.connect(self._on_double_click)

    # ----------------------------------------------------------------- content
    def add_trial(self, number: int, result: TrialResult | None, *, when: str = "",
                  accepted: bool | None = None, note: str = "", test: str | None = None) -> None:
        """Add (or replace) trial ``number``; ``result`` None means analysis is still running or failed."""
        self._filling = True
        try:
            row = self._rows.get(number)
            if row is None:
                row = self.rowCount()
                self.insertRow(row)
                self._rows[number] = row
            if result is not None:
                self._results[number] = result
                kinds = {slots_for(r.test) for r in self._results.values()}
                if len(kinds) > 1:
                    if self._key_test != MIXED:
                        self.set_key_columns(MIXED)
                elif slots_for(result.test) != slots_for(self._key_test) or self._key_test == MIXED:
                    self.set_key_columns(result.test)
            cells = self._cells(number, result, when, test, self._key_slots)
            flag_tip = "" if result is None or not result.flags else f"{flag_lines(result)}\n\n{flag_details(result)}"
            for col, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if col == FLAGS_COL and flag_tip:
                    item.setToolTip(flag_tip)
                if col != NOTE_COL:
                    item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                self.setItem(row, col, item)
            note_item = QtWidgets.QTableWidgetItem(note)
            note_item.setToolTip("Double-click to write a note")
            self.setItem(row, NOTE_COL, note_item)
            self._set_decision_cell(row, accepted)
            self._decisions[number] = accepted
        finally:
            self._filling = False
        self.selectRow(row)

    def set_key_columns(self, test: str) -> None:
        """Head the two key columns with ``test``'s headline metrics and fill them again for every row."""
        self._key_test = test
        self._key_slots = () if test == MIXED else slots_for(test)[:2]
        for k, col in enumerate(KEY_COLS):
            if test == MIXED:
                header = QtWidgets.QTableWidgetItem(f"key {k + 1}")
                header.setToolTip("Jumps and pulls in one session: each cell names its metric")
            else:
                slot = self._key_slots[k]
                header = QtWidgets.QTableWidgetItem(slot.short or slot.label)
                header.setToolTip(slot.label)
            self.setHorizontalHeaderItem(col, header)
        was, self._filling = self._filling, True
        try:
            for number, result in self._results.items():
                row = self._rows[number]
                for col, text in zip(KEY_COLS, self._key_texts(result, self._key_slots), strict=True):
                    item = QtWidgets.QTableWidgetItem(text)
                    item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                    self.setItem(row, col, item)
        finally:
            self._filling = was

    @staticmethod
    def _key_texts(result: TrialResult, heads: tuple[Slot, ...]) -> list[str]:
        """The two key numbers of ``result``: bare values under headers that name them; a trial of another
        kind (a pull among jumps) shows its own headline numbers with their abbreviations."""
        if slots_for(result.test)[:2] == heads:
            texts = []
            for slot in heads:
                m = pick(result, slot.names)
                texts.append("—" if m is None else format_value(m, slot))
            return texts
        own = [s for s in slots_for(result.test) if pick(result, s.names) is not None][:2]
        texts = []
        for slot in own:
            m = pick(result, slot.names)
            assert m is not None
            texts.append(f"{slot.short or slot.label} {format_value(m, slot)}")
        return texts + [""] * (2 - len(texts))

    @classmethod
    def _cells(cls, number: int, result: TrialResult | None, when: str, test: str | None,
               heads: tuple[Slot, ...]) -> list[str]:
        if result is None:
            return [str(number), when, test or "", "analysing…", "", "", "", "", ""]
        texts = cls._key_texts(result, heads)
        asym = asymmetry_metric(result)
        found = asymmetry_side(asym) if asym is not None else None
        asym_text = "" if asym is None else ("not found" if found is None else
                                             f"{found[0]:.1f} % {found[1][0].upper()}")
        flags = ""
        if result.flags:
            flags = "⚠ " + flag_short(result.flags[0])
            if len(result.flags) > 1:
                flags += f" +{len(result.flags) - 1}"
        return [str(number), when, result.test, texts[0], texts[1], asym_text, flags, "", ""]

    def _set_decision_cell(self, row: int, accepted: bool | None) -> None:
        item = QtWidgets.QTableWidgetItem(decision_text(accepted))
        item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
        colour = {True: "#22c55e", False: "#ef4444", None: "#9aa4b2"}[accepted]
        item.setForeground(QtGui.QBrush(QtGui.QColor(colour)))
        self.setItem(row, DECISION_COL, item)

    # ----------------------------------------------------------------- queries
    def numbers(self) -> list[int]:
        """Trial numbers in table order."""
        return sorted(self._rows, key=self._rows.__getitem__)

    def decision(self, number: int) -> bool | None:
        """The decision on trial ``number``."""
        return self._decisions[number]

    def note(self, number: int) -> str:
        """The note on trial ``number``."""
        item = self.item(self._rows[number], NOTE_COL)
        return item.text() if item is not None else ""

    def selected_number(self) -> int | None:
        """Number of the selected trial, or the newest one when nothing is selected."""
        rows = self.selectionModel().selectedRows()
        if rows:
            r = rows[0].row()
            for number, row in self._rows.items():
                if row == r:
                    return number
        numbers = self.numbers()
        return numbers[-1] if numbers else None

    # ----------------------------------------------------------------- edits
    def set_decision(self, number: int, accepted: bool | None) -> None:
        """Accept (True), reject (False) or undecide (None) trial ``number`` and announce it."""
        if number not in self._rows:
            raise KeyError(f"no trial {number} in the table")
        self._filling = True
        try:
            self._set_decision_cell(self._rows[number], accepted)
        finally:
            self._filling = False
        self._decisions[number] = accepted
        self.decision_changed.emit(number, accepted)

    def set_note(self, number: int, text: str) -> None:
        """Set trial ``number``'s note (announced like a typed note)."""
        item = self.item(self._rows[number], NOTE_COL)
        if item is not None:
            item.setText(text)

    def _on_item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if self._filling or item.column() != NOTE_COL:
            return
        for number, row in self._rows.items():
            if row == item.row():
                self.note_changed.emit(number, item.text())
                return

    def _on_double_click(self, row: int, col: int) -> None:
        if col == NOTE_COL:
            return
        for number, r in self._rows.items():
            if r == row:
                self.review_requested.emit(number)
                return
