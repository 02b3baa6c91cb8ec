"""The athlete roster panel: search, select, add and edit athletes.

The panel reads and writes through any object with ``athletes() -> list[dict]`` and
``set_athlete(name, **fields)``: the archive's SQLite index (:class:`forcelab.storage.index.ArchiveIndex`)
in the app. Fields are those of the index: name, body_mass (kg), sex, date_of_birth (ISO date), sport,
team, tags (list of strings).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from PySide6 import QtCore, QtGui, QtWidgets

SEXES = ("", "female", "male", "other")
#: Item data: the athlete's name (the key) and the line under it (sport, team, body mass).
NAME_ROLE = QtCore.Qt.ItemDataRole.UserRole
DETAIL_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
#: The muted colour of the detail line (the theme's secondary text).
DETAIL_COLOUR = "#9aa4b2"


class RosterStore(Protocol):
    """Where athletes live."""

    def athletes(self) -> list[dict[str, Any]]: ...

    def set_athlete(self, name: str, **fields: Any) -> None: ...


class AthleteDialog(QtWidgets.QDialog):
    """Add or edit one athlete. :meth:`fields` gives the values after ``accept``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, athlete: dict[str, Any] | None = None,
                 existing_names: set[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit athlete" if athlete else "Add athlete")
        self._existing = existing_names or set()
        self._editing = athlete["name"] if athlete else None
        a = athlete or {}
        self.name = QtWidgets.QLineEdit(a.get("name", ""))
        self.name.setPlaceholderText("first and last name")
        self.name.setReadOnly(athlete is not None)  # the name is the key of every session file
        self.body_mass = QtWidgets.QDoubleSpinBox()
        self.body_mass.setRange(0.0, 300.0)
        self.body_mass.setSuffix(" kg")
        self.body_mass.setDecimals(1)
        self.body_mass.setSpecialValueText("unknown")
        self.body_mass.setValue(float(a.get("body_mass") or 0.0))
        self.sex = QtWidgets.QComboBox()
        self.sex.addItems(SEXES)
        self.sex.setCurrentText(a.get("sex") or "")
        self.dob = QtWidgets.QLineEdit(a.get("date_of_birth") or "")
        self.dob.setPlaceholderText("YYYY-MM-DD")
        self.sport = QtWidgets.QLineEdit(a.get("sport") or "")
        self.team = QtWidgets.QLineEdit(a.get("team") or "")
        self.tags = QtWidgets.QLineEdit(", ".join(a.get("tags") or []))
        self.tags.setPlaceholderText("comma separated")
        self.error = QtWidgets.QLabel("")
        self.error.setObjectName("flagText")
        form = QtWidgets.QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Body mass", self.body_mass)
        form.addRow("Sex", self.sex)
        form.addRow("Date of birth", self.dob)
        form.addRow("Sport", self.sport)
        form.addRow("Team", self.team)
        form.addRow("Tags", self.tags)
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def problem(self) -> str | None:
        """What is wrong with the entered values, or ``None``."""
        name = self.name.text().strip()
        if not name:
            return "The name is empty."
        if self._editing is None and name in self._existing:
            return f"An athlete called {name!r} is already in the roster."
        dob = self.dob.text().strip()
        if dob and not QtCore.QDate.fromString(dob, "yyyy-MM-dd").isValid():
            return f"Date of birth {dob!r} is not a date in the form YYYY-MM-DD."
        return None

    def _try_accept(self) -> None:
        problem = self.problem()
        self.error.setText(problem or "")
        if problem is None:
            self.accept()

    def fields(self) -> tuple[str, dict[str, Any]]:
        """``(name, roster fields)`` as entered."""
        mass = self.body_mass.value()
        tags = [t.strip() for t in self.tags.text().split(",") if t.strip()]
        return self.name.text().strip(), {
            "body_mass": mass if mass > 0 else None,
            "sex": self.sex.currentText() or None,
            "date_of_birth": self.dob.text().strip() or None,
            "sport": self.sport.text().strip() or None,
            "team": self.team.text().strip() or None,
            "tags": tags,
        }


class RosterDelegate(QtWidgets.QStyledItemDelegate):
    """Draws a roster entry as its whole name, wrapped over as many lines as the list's width needs, and the
    detail line (sport, team, body mass) under it in a muted colour; :meth:`sizeHint` is the height of that
    wrapped text, so a long real name ("Maximiliane Oyelaran-Fitzgerald") is never cut or elided and the row
    grows to hold it. Both use :meth:`text_rects`, so what is measured is what is drawn."""

    PAD_X = 6
    PAD_Y = 4
    FLAGS = int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.TextFlag.TextWordWrap)

    def __init__(self, view: QtWidgets.QListView) -> None:
        super().__init__(view)
        self._view = view

    @classmethod
    def wrap_flags(cls, fm: QtGui.QFontMetrics, inner: int, text: str) -> int:
        """Word wrap, or wrap anywhere when one word (or hyphenated part) is wider than ``inner`` px on its own
        ("Mhaoldomhnaigh-" in a very narrow list): the name is broken mid-word rather than cut."""
        parts = re.split(r"\s+|(?<=-)", text)
        if any(fm.horizontalAdvance(p) > inner for p in parts if p):
            return cls.FLAGS | int(QtCore.Qt.TextFlag.TextWrapAnywhere)
        return cls.FLAGS

    def text_rects(self, font: QtGui.QFont, width: int, name: str,
                   detail: str) -> tuple[tuple[QtCore.QRect, int], tuple[QtCore.QRect, int]]:
        """Where the name and the detail line go inside an item ``width`` px wide whose top-left is (0, 0),
        each with the wrapping flags to draw it with."""
        fm = QtGui.QFontMetrics(font)
        inner = max(20, width - 2 * self.PAD_X)
        n_flags, d_flags = self.wrap_flags(fm, inner, name), self.wrap_flags(fm, inner, detail)
        n = fm.boundingRect(QtCore.QRect(0, 0, inner, 100_000), n_flags, name)
        name_rect = QtCore.QRect(self.PAD_X, self.PAD_Y, inner, n.height())
        d_h = fm.boundingRect(QtCore.QRect(0, 0, inner, 100_000), d_flags, detail).height() if detail else 0
        detail_rect = QtCore.QRect(self.PAD_X, name_rect.bottom() + 1, inner, d_h)
        return (name_rect, n_flags), (detail_rect, d_flags)

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem,  # noqa: N802 (Qt API)
                 index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.QSize:
        width = self._view.viewport().width()
        name, detail = str(index.data(NAME_ROLE) or ""), str(index.data(DETAIL_ROLE) or "")
        (name_rect, _), (detail_rect, _) = self.text_rects(option.font, width, name, detail)
        bottom = detail_rect.bottom() if detail else name_rect.bottom()
        return QtCore.QSize(width, bottom + 1 + self.PAD_Y)

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        opt = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the panel (selection, hover) from the style; the text is drawn below, wrapped
        style = opt.widget.style() if opt.widget is not None else QtWidgets.QApplication.style()
        style.drawControl(QtWidgets.QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        name, detail = str(index.data(NAME_ROLE) or ""), str(index.data(DETAIL_ROLE) or "")
        (name_rect, n_flags), (detail_rect, d_flags) = self.text_rects(option.font, option.rect.width(), name, detail)
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        group = QtGui.QPalette.ColorRole.HighlightedText if selected else QtGui.QPalette.ColorRole.Text
        painter.save()
        painter.setFont(option.font)
        painter.translate(option.rect.topLeft())
        painter.setPen(option.palette.color(group))
        painter.drawText(name_rect, n_flags, name)
        if detail:
            painter.setPen(option.palette.color(group) if selected else QtGui.QColor(DETAIL_COLOUR))
            painter.drawText(detail_rect, d_flags, detail)
        painter.restore()


class RosterList(QtWidgets.QListWidget):
    """The athlete list: whole names, wrapped (:class:`RosterDelegate`), laid out again at once when its
    width changes so every row keeps the height of its wrapped text."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(RosterDelegate(self))
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)

    def resizeEvent(self, e: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(e)
        if e.size().width() != e.oldSize().width():
            self.doItemsLayout()  # not Qt's delayed layout: no frame shows rows of the old height


class RosterPanel(QtWidgets.QGroupBox):
    """Search field, athlete list, Add and Edit. Signal ``athlete_selected(dict)``."""

    athlete_selected = QtCore.Signal(dict)

    def __init__(self, store: RosterStore, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Athlete", parent)
        self._store = store
        self._athletes: list[dict[str, Any]] = []
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search name, sport, team, tag…")
        self.search.setClearButtonEnabled(True)
        self.list = RosterList()
        self.list.setMinimumHeight(80)
        self.add_button = QtWidgets.QPushButton("Add…")
        self.edit_button = QtWidgets.QPushButton("Edit…")
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.search.textChanged.connect(self._filter)
        self.list.currentItemChanged.connect(self._on_current)
        self.add_button.clicked.connect(self.add_athlete)
        self.edit_button.clicked.connect(self.edit_athlete)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Read the roster again (keeping the selection, or selecting ``select``)."""
        keep = select or self.current_name()
        self._athletes = self._store.athletes()
        self.list.blockSignals(True)
        self.list.clear()
        for a in self._athletes:
            detail = " · ".join([str(a[k]) for k in ("sport", "team") if a.get(k)] +
                                ([f"{a['body_mass']:.1f} kg"] if a.get("body_mass") else []))
            item = QtWidgets.QListWidgetItem(a["name"] + (f" ({detail})" if detail else ""))
            item.setData(NAME_ROLE, a["name"])
            item.setData(DETAIL_ROLE, detail)
            item.setToolTip(item.text())
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._filter(self.search.text())
        if keep:
            self.select(keep)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i, a in enumerate(self._athletes):
            hay = " ".join(str(v) for k, v in a.items() if k != "tags" and v) + " " + " ".join(a.get("tags") or [])
            item = self.list.item(i)
            if item is not None:
                item.setHidden(not all(w in hay.lower() for w in words))

    def current_name(self) -> str | None:
        """The selected athlete's name."""
        item = self.list.currentItem()
        return None if item is None else str(item.data(NAME_ROLE))

    def current(self) -> dict[str, Any] | None:
        """The selected athlete's roster entry."""
        name = self.current_name()
        return next((a for a in self._athletes if a["name"] == name), None)

    def select(self, name: str) -> bool:
        """Select athlete ``name``; False when not in the roster."""
        for i, a in enumerate(self._athletes):
            if a["name"] == name:
                self.list.setCurrentRow(i)
                return True
        return False

    def select_next(self) -> None:
        """Select the next visible athlete (wraps), for the "next athlete" shortcut."""
        n = self.list.count()
        if n == 0:
            return
        start = self.list.currentRow()
        for step in range(1, n + 1):
            i = (start + step) % n
            item = self.list.item(i)
            if item is not None and not item.isHidden():
                self.list.setCurrentRow(i)
                return

    def visible_names(self) -> list[str]:
        """Names that pass the search filter."""
        return [a["name"] for i, a in enumerate(self._athletes)
                if (it := self.list.item(i)) is not None and not it.isHidden()]

    def _on_current(self, item: QtWidgets.QListWidgetItem | None, _prev: object) -> None:
        a = self.current()
        if a is not None:
            self.athlete_selected.emit(dict(a))

    def save(self, name: str, fields: dict[str, Any]) -> None:
        """Write one athlete to the store and select it."""
        self._store.set_athlete(name, **fields)
        self.reload(select=name)

    def add_athlete(self) -> None:
        """Open the add dialog."""
        dialog = AthleteDialog(self, existing_names={a["name"] for a in self._athletes})
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.save(*dialog.fields())

    def edit_athlete(self) -> None:
        """Open the edit dialog for the selected athlete."""
        a = self.current()
        if a is None:
            return
        dialog = AthleteDialog(self, athlete=a)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.save(*dialog.fields())
