"""The protocol editor: make, duplicate, change and delete the user's protocols (test batteries).

On the left every protocol the app offers: the shipped ones (read-only: *Duplicate* makes a copy to change),
the user's own, and the user's files that cannot be read (with why; they can be deleted). On the right the
chosen protocol: its name and description, its steps in order (add, remove, move up and down) and the chosen
step's fields: the test (the tests the analysis knows and the test selector offers), trials wanted, rest
between trials and before the next step, limb, label, instructions, the settings a step may fix (drop height,
load) and the target line. Every change is checked at once by the same reading the files go through
(:func:`forcelab.protocols.model.protocol_from_dict`), and the message says what is wrong and where; *Save*
writes through :func:`forcelab.protocols.library.save`, the one writer of the format (docs/protocols.md).

The editor holds the protocol in its JSON form (a dict per step), so settings it has no field for (a pull's
``windows``) are kept as they were. Signal ``saved(str name)`` after a save or a delete (``""``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis import dispatch
from forcelab.gui.testpanel import TESTS as PANEL_TESTS
from forcelab.protocols import library
from forcelab.protocols.model import LIMBS, MAX_REST, MAX_TRIALS, Protocol, ProtocolError, protocol_from_dict

#: The tests a step can be: those the analysis knows and the app's test selector can switch to, in the
#: selector's order, with its names.
STEP_TESTS: tuple[tuple[str, str], ...] = tuple((k, name) for k, name in PANEL_TESTS if k in dispatch.TESTS)
_TARGETS = (("", "no target"), ("force", "force (N)"), ("body_weight", "% of body weight"),
            ("previous_best", "% of the previous best"))
_LIMB_NAMES = {"both": "both legs", "left": "left leg", "right": "right leg", "alternate": "left and right in turn"}
_ROLE = QtCore.Qt.ItemDataRole.UserRole


def _spin(low: float, high: float, step: float, decimals: int, suffix: str = "") -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box


class ProtocolEditor(QtWidgets.QDialog):
    """Make and change the user's protocols in ``directory`` (default the user's protocol folder)."""

    saved = QtCore.Signal(str)

    def __init__(self, directory: str | Path | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Protocols")
        self.setObjectName("protocolEditor")
        self.directory = Path(directory) if directory is not None else library.user_directory()
        self.library = library.Library()
        #: the protocol being edited, in its JSON form; its file (``None``: not saved yet) and whether shipped
        self.raw: dict[str, Any] = {}
        self.path: Path | None = None
        self.read_only = True
        self.dirty = False
        self._loading = False
        self._row = -1  # the list row whose protocol is in the form (-1: a new one, not saved yet)

        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("protocolList")
        self.new_button = QtWidgets.QPushButton("New")
        self.duplicate_button = QtWidgets.QPushButton("Duplicate")
        self.duplicate_button.setToolTip("A copy of the chosen protocol, as one of yours, to change")
        self.delete_button = QtWidgets.QPushButton("Delete")
        left = QtWidgets.QWidget()
        lv = QtWidgets.QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.list, 1)
        row = QtWidgets.QHBoxLayout()
        for b in (self.new_button, self.duplicate_button, self.delete_button):
            row.addWidget(b)
        lv.addLayout(row)

        self.name = QtWidgets.QLineEdit()
        self.name.setPlaceholderText("what the protocol box lists")
        self.description = QtWidgets.QLineEdit()
        self.description.setPlaceholderText("shown when the protocol is picked")
        self.steps = QtWidgets.QListWidget()
        self.steps.setObjectName("protocolEditorSteps")
        self.add_step_button = QtWidgets.QPushButton("Add step")
        self.remove_step_button = QtWidgets.QPushButton("Remove")
        self.up_button = QtWidgets.QPushButton("Up")
        self.down_button = QtWidgets.QPushButton("Down")

        self.test = QtWidgets.QComboBox()
        for key, label in STEP_TESTS:
            self.test.addItem(f"{label} ({key})", key)
        self.trials = QtWidgets.QSpinBox()
        self.trials.setRange(1, MAX_TRIALS)
        self.trials.setKeyboardTracking(False)
        self.rest = _spin(0, MAX_REST, 5, 0, " s")
        self.rest_after = _spin(0, MAX_REST, 5, 0, " s")
        self.limb = QtWidgets.QComboBox()
        for key in LIMBS:
            self.limb.addItem(_LIMB_NAMES[key], key)
        self.label = QtWidgets.QLineEdit()
        self.instructions = QtWidgets.QLineEdit()
        self.instructions.setPlaceholderText("a line for the tester and athlete")
        self.drop_height = _spin(0.0, 2.0, 0.05, 2, " m")
        self.drop_height.setSpecialValueText("not fixed")
        self.drop_height.setToolTip("The box height of the step's drop jumps (0.05-1.5 m); 'not fixed': the "
                                    "test selector's")
        self.load = _spin(0.0, 300.0, 2.5, 1, " kg")
        self.load.setSpecialValueText("none")
        self.load.setToolTip("External load (barbell, vest) of loaded jumps")
        self.target_kind = QtWidgets.QComboBox()
        for key, label in _TARGETS:
            self.target_kind.addItem(label, key)
        self.target_value = _spin(1, 100_000, 5, 0)
        self.target_metric = QtWidgets.QLineEdit()
        self.target_metric.setPlaceholderText("metric, e.g. peak_force")

        form = QtWidgets.QFormLayout()
        form.addRow("Test", self.test)
        form.addRow("Trials wanted", self.trials)
        form.addRow("Rest between trials", self.rest)
        form.addRow("Rest before next step", self.rest_after)
        form.addRow("Limb", self.limb)
        form.addRow("Label", self.label)
        form.addRow("Instructions", self.instructions)
        form.addRow("Drop height", self.drop_height)
        form.addRow("Load", self.load)
        target_row = QtWidgets.QHBoxLayout()
        target_row.addWidget(self.target_kind)
        target_row.addWidget(self.target_value)
        target_row.addWidget(self.target_metric)
        form.addRow("Target", target_row)
        self._form = form
        self.step_box = QtWidgets.QGroupBox("Step")
        self.step_box.setLayout(form)

        step_buttons = QtWidgets.QHBoxLayout()
        for b in (self.add_step_button, self.remove_step_button, self.up_button, self.down_button):
            step_buttons.addWidget(b)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("protocolEditorMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QtWidgets.QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.close_button = QtWidgets.QPushButton("Close")

        top = QtWidgets.QFormLayout()
        top.addRow("Name", self.name)
        top.addRow("Description", self.description)
        right = QtWidgets.QWidget()
        rv = QtWidgets.QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(top)
        rv.addWidget(QtWidgets.QLabel("Steps (in order)"))
        rv.addWidget(self.steps, 1)
        rv.addLayout(step_buttons)
        rv.addWidget(self.step_box)
        rv.addWidget(self.message)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        rv.addLayout(bottom)

        split = QtWidgets.QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 560])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(split)

        self.list.currentRowChanged.connect(self._on_pick)
        self.new_button.clicked.connect(self.new)
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button.clicked.connect(self.delete)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.close)
        self.steps.currentRowChanged.connect(self._show_step)
        self.add_step_button.clicked.connect(self.add_step)
        self.remove_step_button.clicked.connect(self.remove_step)
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.name.textEdited.connect(lambda _t: self._edited())
        self.description.textEdited.connect(lambda _t: self._edited())
        for combo in (self.test, self.limb, self.target_kind):
            combo.currentIndexChanged.connect(lambda _i: self._step_edited())
        for box in (self.trials, self.rest, self.rest_after, self.drop_height, self.load, self.target_value):
            box.valueChanged.connect(lambda _v: self._step_edited())
        for line in (self.label, self.instructions, self.target_metric):
            line.textEdited.connect(lambda _t: self._step_edited())
        self.reload()
        self.resize(880, 620)

    # ------------------------------------------------------------------ the list
    def reload(self, select: str = "") -> None:
        """Read the protocols again and list them (``select``: the name to show, else the first)."""
        self.library = library.available(self.directory)
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.library.protocols:
            mine = library.is_users(p, self.directory)
            item = QtWidgets.QListWidgetItem(p.name if mine else f"{p.name}  (shipped)")
            item.setData(_ROLE, ("mine" if mine else "shipped", p))
            item.setToolTip(p.source if mine else "shipped with forcelab: read-only, Duplicate to change it")
            self.list.addItem(item)
        for path, why in self.library.broken:
            item = QtWidgets.QListWidgetItem(f"⚠ {path.name}  (cannot be read)")
            item.setData(_ROLE, ("broken", (path, why)))
            item.setToolTip(why)
            self.list.addItem(item)
        names = [p.name for p in self.library.protocols]
        self.list.setCurrentRow(names.index(select) if select in names else 0)
        self.list.blockSignals(False)
        self.dirty = False  # what the form held is saved, or was given up when asked
        self._on_pick(self.list.currentRow())

    def _current(self) -> tuple[str, Any]:
        item = self.list.currentItem()
        return item.data(_ROLE) if item is not None else ("", None)

    def _may_leave(self) -> bool:
        """True when the form holds nothing unsaved, or the tester gives it up."""
        if not self.dirty or self.read_only:
            return True
        name = str(self.raw.get("name") or "this protocol")
        return self.confirm(f"Discard the changes to {name!r}? They are not saved.")

    def _on_pick(self, row: int) -> None:
        if row != self._row and not self._may_leave():
            self.list.blockSignals(True)
            self.list.setCurrentRow(self._row)  # stay on the protocol being edited
            self.list.blockSignals(False)
            return
        self._row = row
        kind, what = self._current()
        if kind == "broken":
            path, why = what
            self._load({"name": "", "description": "", "steps": []}, path, read_only=True)
            self._say(f"This file cannot be used: {why}", error=True)
        elif kind in ("mine", "shipped"):
            p: Protocol = what
            self._load(p.to_dict(), Path(p.source) if kind == "mine" else None, read_only=kind == "shipped")
        self.delete_button.setEnabled(kind in ("mine", "broken"))
        self.duplicate_button.setEnabled(kind in ("mine", "shipped"))

    def _load(self, raw: dict[str, Any], path: Path | None, *, read_only: bool) -> None:
        self.raw = copy.deepcopy(raw)
        self.raw.pop("format", None)
        self.raw.pop("version", None)
        self.path, self.read_only, self.dirty = path, read_only, False
        self._loading = True
        self.name.setText(str(self.raw.get("name", "")))
        self.description.setText(str(self.raw.get("description", "")))
        self.description.setCursorPosition(0)  # its beginning, not its end, when it is longer than the field
        self._loading = False
        for line in (self.name, self.description, self.label, self.instructions, self.target_metric):
            line.setReadOnly(read_only)
        for w in (self.test, self.trials, self.rest, self.rest_after, self.limb, self.drop_height, self.load,
                  self.target_kind, self.target_value, self.add_step_button, self.remove_step_button,
                  self.up_button, self.down_button):
            w.setEnabled(not read_only)
        self._show_steps(0)
        self.validate()

    # ------------------------------------------------------------------ making and deleting
    def _free_name(self, base: str) -> str:
        names = set(self.library.names())
        if base not in names:
            return base
        n = 2
        while f"{base} {n}" in names:
            n += 1
        return f"{base} {n}"

    def _unlisted(self) -> None:
        """A protocol not saved yet is none of the listed ones: nothing in the list is chosen."""
        self._row = -1
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self.delete_button.setEnabled(False)
        self.duplicate_button.setEnabled(False)

    def new(self) -> None:
        """Start a new protocol of one CMJ step (not saved until *Save*)."""
        if not self._may_leave():
            return
        self._unlisted()
        self._load({"name": self._free_name("My protocol"), "description": "",
                    "steps": [{"test": STEP_TESTS[0][0], "trials": 3, "rest": 60.0, "rest_after": 60.0,
                               "limb": "both"}]}, None, read_only=False)
        self.dirty = True
        self.validate()

    def duplicate(self) -> None:
        """A copy of the chosen protocol as one of the user's, named ``<name> (copy)`` (not saved until *Save*)."""
        kind, what = self._current()
        if kind not in ("mine", "shipped") or not self._may_leave():
            return
        raw = what.to_dict()
        raw["name"] = self._free_name(f"{what.name} (copy)")
        self._unlisted()
        self._load(raw, None, read_only=False)
        self.dirty = True
        self.validate()

    def delete(self) -> None:
        """Delete the chosen user's protocol file (after asking, unless ``confirm`` is patched for tests)."""
        kind, what = self._current()
        if kind not in ("mine", "broken"):
            return
        path = Path(what.source) if kind == "mine" else what[0]
        name = what.name if kind == "mine" else path.name
        if not self.confirm(f"Delete the protocol {name}? Its file {path} is removed."):
            return
        try:
            library.delete(path, self.directory)
        except (ProtocolError, OSError) as exc:
            self._say(str(exc), error=True)
            return
        self.reload()
        self.saved.emit("")

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt API)
        """Closing with unsaved changes asks first."""
        if self._may_leave():
            self.dirty = False
            event.accept()
        else:
            event.ignore()

    def reject(self) -> None:
        """Escape: as closing (asks about unsaved changes)."""
        self.close()

    def confirm(self, question: str) -> bool:
        """Ask the tester (a modal yes/no; the editor is not the hot path)."""
        answer = QtWidgets.QMessageBox.question(self, "Protocols", question)
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------------ steps
    def _step_text(self, i: int, s: dict[str, Any]) -> str:
        title = s.get("label") or dict(STEP_TESTS).get(str(s.get("test")), str(s.get("test")))
        drop = (s.get("settings") or {}).get("drop_height")
        if drop and not s.get("label"):
            title += f" {float(drop) * 100:.0f} cm"
        per = " per leg" if s.get("limb") == "alternate" else ""
        return f"{i + 1}. {s.get('trials', 3)}{per} × {title}"

    def _show_steps(self, select: int) -> None:
        steps = self.raw.get("steps", [])
        self.steps.blockSignals(True)
        self.steps.clear()
        for i, s in enumerate(steps):
            self.steps.addItem(self._step_text(i, s))
        self.steps.blockSignals(False)
        self.steps.setCurrentRow(min(select, len(steps) - 1) if steps else -1)
        self._show_step(self.steps.currentRow())

    def _show_step(self, row: int) -> None:
        steps = self.raw.get("steps", [])
        self.step_box.setEnabled(0 <= row < len(steps))
        if not 0 <= row < len(steps):
            return
        s = steps[row]
        self._loading = True
        try:
            self.step_box.setTitle(f"Step {row + 1}")
            i = self.test.findData(s.get("test"))
            self.test.setCurrentIndex(max(0, i))
            self.trials.setValue(int(s.get("trials", 3)))
            self.rest.setValue(float(s.get("rest", 60.0)))
            self.rest_after.setValue(float(s.get("rest_after", s.get("rest", 60.0))))
            self.limb.setCurrentIndex(max(0, self.limb.findData(s.get("limb", "both"))))
            self.label.setText(str(s.get("label", "")))
            self.instructions.setText(str(s.get("instructions", "")))
            settings = s.get("settings") or {}
            self.drop_height.setValue(float(settings.get("drop_height", 0.0)))
            self.load.setValue(float(settings.get("load_mass", 0.0)))
            target = s.get("target") or {}
            self.target_kind.setCurrentIndex(max(0, self.target_kind.findData(target.get("kind", ""))))
            kind = target.get("kind", "")
            self.target_value.setValue(float(target.get("newtons", 0.0) if kind == "force"
                                             else target.get("percent", 100.0)))
            self.target_metric.setText(str(target.get("metric", "")))
        finally:
            self._loading = False
        self._fit_fields(s)

    def _fit_fields(self, s: dict[str, Any]) -> None:
        """Offer only the settings the step's test takes, and the target fields of its kind."""
        known = dispatch.parameters(str(s.get("test"))) if s.get("test") in dispatch.TESTS else {}
        for field_widget, key in ((self.drop_height, "drop_height"), (self.load, "load_mass")):
            self._form.setRowVisible(field_widget, key in known)
        kind = (s.get("target") or {}).get("kind", "")
        self.target_value.setVisible(bool(kind))
        self.target_value.setSuffix(" N" if kind == "force" else " %")
        self.target_metric.setVisible(kind == "previous_best")

    def _step_edited(self) -> None:
        """The step's fields into its JSON form (settings without a field here are kept)."""
        row = self.steps.currentRow()
        steps = self.raw.get("steps", [])
        if self._loading or self.read_only or not 0 <= row < len(steps):
            return
        old = steps[row]
        s: dict[str, Any] = {"test": self.test.currentData(), "trials": self.trials.value(),
                             "rest": self.rest.value(), "rest_after": self.rest_after.value(),
                             "limb": self.limb.currentData()}
        for key, line in (("label", self.label), ("instructions", self.instructions)):
            if line.text().strip():
                s[key] = line.text().strip()
        known = dispatch.parameters(s["test"]) if s["test"] in dispatch.TESTS else {}
        settings = {k: v for k, v in (old.get("settings") or {}).items()
                    if k in known and k not in ("drop_height", "load_mass")}
        if "drop_height" in known and self.drop_height.value() > 0:
            settings["drop_height"] = round(self.drop_height.value(), 3)
        if "load_mass" in known and self.load.value() > 0:
            settings["load_mass"] = round(self.load.value(), 2)
        if settings:
            s["settings"] = settings
        kind = self.target_kind.currentData()
        if kind == "force":
            s["target"] = {"kind": "force", "newtons": self.target_value.value()}
        elif kind == "body_weight":
            s["target"] = {"kind": "body_weight", "percent": self.target_value.value()}
        elif kind == "previous_best":
            s["target"] = {"kind": "previous_best", "metric": self.target_metric.text().strip(),
                           "percent": self.target_value.value()}
            if (old.get("target") or {}).get("better") == "lower":
                s["target"]["better"] = "lower"
        if kind != (old.get("target") or {}).get("kind", "") and kind:  # a new kind starts from its usual value
            self._loading = True
            self.target_value.setValue(1000.0 if kind == "force" else 100.0 if kind == "previous_best" else 250.0)
            self._loading = False
            s["target"]["newtons" if kind == "force" else "percent"] = self.target_value.value()
        steps[row] = s
        self.steps.item(row).setText(self._step_text(row, s))
        self._fit_fields(s)
        self._edited()

    def add_step(self) -> None:
        """A step after the chosen one (a copy of its test, trials and rests)."""
        steps = self.raw.setdefault("steps", [])
        row = self.steps.currentRow()
        base = steps[row] if 0 <= row < len(steps) else {"test": STEP_TESTS[0][0]}
        new = {k: copy.deepcopy(v) for k, v in base.items() if k in ("test", "trials", "rest", "rest_after", "limb",
                                                                       "settings")}
        steps.insert(row + 1, new)
        self._show_steps(row + 1)
        self._edited()

    def remove_step(self) -> None:
        """Remove the chosen step."""
        steps = self.raw.get("steps", [])
        row = self.steps.currentRow()
        if 0 <= row < len(steps):
            del steps[row]
            self._show_steps(row)
            self._edited()

    def move_step(self, by: int) -> None:
        """Move the chosen step ``by`` places (-1 up, +1 down)."""
        steps = self.raw.get("steps", [])
        row = self.steps.currentRow()
        to = row + by
        if 0 <= row < len(steps) and 0 <= to < len(steps):
            steps[row], steps[to] = steps[to], steps[row]
            self._show_steps(to)
            self._edited()

    # ------------------------------------------------------------------ checking and saving
    def _edited(self) -> None:
        if self._loading or self.read_only:
            return
        self.raw["name"] = self.name.text().strip()
        self.raw["description"] = self.description.text().strip()
        self.dirty = True
        self.validate()

    def protocol(self) -> Protocol:
        """The edited protocol, checked as a file is; :class:`ProtocolError` saying what is wrong and where."""
        name = str(self.raw.get("name", "")).strip()
        p = protocol_from_dict(self.raw, source=f"protocol {name!r}" if name else "this protocol")
        if self.read_only:
            return p
        for other in self.library.protocols:
            if other.name != p.name:
                continue
            mine = library.is_users(other, self.directory)
            if not mine:
                raise ProtocolError(f"a shipped protocol is called {p.name!r}: choose another name (Duplicate "
                                    "makes a copy to change)")
            if self.path is None or Path(other.source) != self.path:
                raise ProtocolError(f"another of your protocols is called {p.name!r} ({other.source}): choose "
                                    "another name")
        return p

    def validate(self) -> str:
        """Check the edited protocol; show and return the message (``""`` when it can be saved)."""
        kind, _what = self._current()
        if kind == "broken" and self.read_only:
            self.save_button.setEnabled(False)
            return self.message.text()
        try:
            p = self.protocol()
        except ProtocolError as exc:
            self._say(str(exc), error=True)
            self.save_button.setEnabled(False)
            return str(exc)
        if self.read_only:
            self._say("Shipped with forcelab: read-only. Duplicate it to make a version of your own.")
        else:
            n = len(p.steps)
            self._say(f"{n} step{'s' if n != 1 else ''}, {sum(s.trials_total for s in p.steps)} trials"
                      + (" · not saved yet" if self.dirty else " · saved"))
        self.save_button.setEnabled(not self.read_only and self.dirty)
        return ""

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("state", "error" if error else "")
        self.message.setStyleSheet("color: #ef4444;" if error else "")

    def save(self) -> Path | None:
        """Save the edited protocol in the user's folder; the file, or ``None`` (and why shown)."""
        if self.read_only:
            return None
        try:
            path = library.save(self.protocol(), self.directory, replaces=self.path)
        except (ProtocolError, OSError) as exc:
            self._say(f"Not saved: {exc}", error=True)
            return None
        name = str(self.raw["name"])
        self.reload(select=name)
        self._say(f"Saved {path}")
        self.saved.emit(name)
        return path
