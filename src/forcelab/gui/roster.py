"""The athlete roster panel: search, select, add and edit athletes.

The panel reads and writes through any object with ``athletes() -> list[dict]`` and
``set_athlete(name, **fields)``: the archive's SQLite index (:class:`forcelab.storage.index.ArchiveIndex`)
in the app. Fields are those of the index: name, body_mass (kg), sex, date_of_birth (ISO date), sport,
team, tags (list of strings).
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6 import QtCore, QtWidgets

SEXES = ("", "female", "male", "other")


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
        self.list = QtWidgets.QListWidget()
        self.list.setMinimumHeight(80)
        self.list.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
            detail = ", ".join(str(a[k]) for k in ("sport", "team") if a.get(k))
            mass = f" · {a['body_mass']:.1f} kg" if a.get("body_mass") else ""
            item = QtWidgets.QListWidgetItem(a["name"] + (f"  ({detail})" if detail else "") + mass)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, a["name"])
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
        return None if item is None else str(item.data(QtCore.Qt.ItemDataRole.UserRole))

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
