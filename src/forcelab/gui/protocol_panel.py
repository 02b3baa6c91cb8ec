"""The protocol panel: pick a test battery for an athlete or a team, then follow it step by step.

Before a run: the protocol list (shipped and the user's own, :mod:`forcelab.protocols.library`), who it is for
(the selected athlete or a team from the roster) and *Start protocol*. During a run it shows, large enough to
read from the plate: the step (``Step 2 of 3 · Squat jump``), the trial and the limb (``Trial 2 of 3 · left
leg``), the step's instructions and target, and the rest countdown; under it every step with its trials
(done, current, short after a rejection, to do). A step in the list can be double-clicked to go back to it.

The panel only shows and asks: :class:`forcelab.gui.protocol_control.ProtocolController` owns the run and
tells the window what to switch. Signals: ``start_requested(str protocol, str group)`` (``group`` is ``""``
for the selected athlete, else a team name), ``stop_requested()``, ``goto_requested(int step)`` (0-based),
``skip_requested()``, ``end_rest_requested()``, ``next_athlete_requested()``, ``cues_toggled(bool)``,
``resume_requested(str athlete)`` (continue a run the app was closed in, :meth:`ProtocolPanel.offer_resume`),
``edit_requested()`` (open the protocol editor).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from forcelab.protocols.model import Protocol
from forcelab.protocols.progress import ProtocolRun

_STATE_MARK = {"done": "✓", "current": "▶", "short": "!", "todo": "·"}
_LIMB_TEXT = {"both": "both legs", "left": "left leg", "right": "right leg"}


def clock(seconds: float) -> str:
    """``m:ss`` for a countdown (rounded up: 0:01 until the last second is over)."""
    s = int(-(-seconds // 1))
    return f"{s // 60}:{s % 60:02d}"


class ProtocolPanel(QtWidgets.QGroupBox):
    """Protocol picker and step-by-step guidance (see the module docstring for the signals)."""

    start_requested = QtCore.Signal(str, str)
    stop_requested = QtCore.Signal()
    goto_requested = QtCore.Signal(int)
    skip_requested = QtCore.Signal()
    end_rest_requested = QtCore.Signal()
    next_athlete_requested = QtCore.Signal()
    cues_toggled = QtCore.Signal(bool)
    resume_requested = QtCore.Signal(str)
    edit_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Protocol", parent)
        self.setObjectName("protocolPanel")
        self.picker = QtWidgets.QComboBox()
        self.picker.setToolTip("Test battery to run (shipped ones and your own, see docs/protocols.md)")
        self.preview = QtWidgets.QLabel("")
        self.preview.setObjectName("protocolInstructions")
        self.preview.setWordWrap(True)
        self._protocols: dict[str, Protocol] = {}
        self.group = QtWidgets.QComboBox()
        self.group.setToolTip("Run it for the athlete selected in the roster, or for every athlete of a team")
        self.start_button = QtWidgets.QPushButton("Start protocol")
        self.start_button.setObjectName("primary")
        self.problems = QtWidgets.QLabel("")
        self.problems.setObjectName("protocolProblems")
        self.problems.setWordWrap(True)
        self.problems.setVisible(False)
        #: a run interrupted today (the app was closed or crashed): who, and "Continue X at step 3 of 7 ..."
        self.resume_text = QtWidgets.QLabel("")
        self.resume_text.setObjectName("protocolResume")
        self.resume_text.setWordWrap(True)
        self.resume_button = QtWidgets.QPushButton("Continue")
        self.resume_button.setObjectName("primary")
        self._resume_athlete = ""
        self.edit_button = QtWidgets.QPushButton("Edit protocols…")
        self.edit_button.setToolTip("Make your own protocols, or change a copy of a shipped one")

        self.athlete = QtWidgets.QLabel("")
        self.athlete.setObjectName("protocolAthlete")
        self.step_title = QtWidgets.QLabel("")
        self.step_title.setObjectName("protocolStep")
        self.step_title.setWordWrap(True)
        self.trial_text = QtWidgets.QLabel("")
        self.trial_text.setObjectName("protocolTrial")
        self.trial_text.setWordWrap(True)
        self.instructions = QtWidgets.QLabel("")
        self.instructions.setObjectName("protocolInstructions")
        self.instructions.setWordWrap(True)
        self.target_text = QtWidgets.QLabel("")
        self.target_text.setObjectName("protocolTarget")
        self.target_text.setWordWrap(True)
        self.rest = QtWidgets.QLabel("")
        self.rest.setObjectName("protocolRest")
        self.steps = QtWidgets.QListWidget()
        self.steps.setObjectName("protocolSteps")
        self.steps.setToolTip("Double-click a step to go (back) to it")
        self.steps.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        # as wide as the column, never wider: a long step label must not widen the card column
        self.steps.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.end_rest_button = QtWidgets.QPushButton("Ready")
        self.end_rest_button.setToolTip("End the rest now: the athlete is ready")
        self.skip_button = QtWidgets.QPushButton("Skip step")
        self.next_athlete_button = QtWidgets.QPushButton("Next athlete")
        self.next_athlete_button.setObjectName("primary")
        self.next_athlete_button.setVisible(False)
        self.stop_button = QtWidgets.QPushButton("End")
        self.stop_button.setToolTip("End the protocol (the session goes on recording until you stop it)")
        self.cues = QtWidgets.QCheckBox("Sound cues")
        self.cues.setToolTip("A beep when the rest is over, a chirp after a steady weighing")

        pick = QtWidgets.QWidget()
        pl = QtWidgets.QGridLayout(pick)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.resume_text, 0, 0, 1, 2)
        pl.addWidget(self.resume_button, 1, 0, 1, 2)
        pl.addWidget(self.picker, 2, 0, 1, 2)
        pl.addWidget(self.preview, 3, 0, 1, 2)
        pl.addWidget(QtWidgets.QLabel("for"), 4, 0)
        pl.addWidget(self.group, 4, 1)
        pl.addWidget(self.start_button, 5, 0, 1, 2)
        pl.addWidget(self.edit_button, 6, 0, 1, 2)
        pl.setColumnStretch(1, 1)
        self._pick = pick

        guide = QtWidgets.QWidget()
        gl = QtWidgets.QVBoxLayout(guide)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.setSpacing(2)
        for w in (self.athlete, self.step_title, self.trial_text, self.rest, self.target_text, self.instructions):
            gl.addWidget(w)
        gl.addWidget(self.steps)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.end_rest_button, self.skip_button, self.stop_button):
            buttons.addWidget(b)
        gl.addLayout(buttons)
        gl.addWidget(self.next_athlete_button)
        guide.setVisible(False)
        self._guide = guide

        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addWidget(pick)
        layout.addWidget(guide)
        layout.addWidget(self.problems)
        layout.addWidget(self.cues)
        layout.addStretch(1)  # room the column gives beyond what the labels need goes below, not between them
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Maximum)

        self.start_button.clicked.connect(
            lambda: self.start_requested.emit(self.picker.currentText(), str(self.group.currentData() or "")))
        self.stop_button.clicked.connect(self.stop_requested)
        self.skip_button.clicked.connect(self.skip_requested)
        self.end_rest_button.clicked.connect(self.end_rest_requested)
        self.next_athlete_button.clicked.connect(self.next_athlete_requested)
        self.steps.itemDoubleClicked.connect(lambda item: self.goto_requested.emit(self.steps.row(item)))
        self.cues.toggled.connect(self.cues_toggled)
        self.resume_button.clicked.connect(lambda: self.resume_requested.emit(self._resume_athlete))
        self.edit_button.clicked.connect(self.edit_requested)
        self.offer_resume("", "")
        self.picker.currentTextChanged.connect(self._show_preview)

    # ------------------------------------------------------------------ choices
    def set_protocols(self, protocols: list[Protocol], problems: list[str]) -> None:
        """Offer ``protocols``; say how many files could not be offered (the reasons in the tooltip)."""
        keep = self.picker.currentText()
        self._protocols = {p.name: p for p in protocols}
        self.picker.clear()
        for p in protocols:
            self.picker.addItem(p.name)
            self.picker.setItemData(self.picker.count() - 1, p.description or p.name,
                                    QtCore.Qt.ItemDataRole.ToolTipRole)
        if keep:
            self.picker.setCurrentText(keep)
        self.start_button.setEnabled(bool(protocols))
        n = len(problems)
        self.problems.setVisible(n > 0 and self._pick.isVisibleTo(self))
        files = ", ".join(sorted({m.split(":", 1)[0].split(",", 1)[0].rsplit("/", 1)[-1] for m in problems}))
        self.problems.setText(f"Not available (hover for why): {files}" if n else "")
        self.problems.setToolTip("\n".join(problems))
        self._show_preview(self.picker.currentText())

    def _show_preview(self, name: str) -> None:
        """What the chosen protocol holds: ``3 × Countermovement jump · 3 × Squat jump · ...``."""
        p = self._protocols.get(name)
        self.preview.setText("" if p is None else " · ".join(
            f"{s.trials}{' per leg' if s.limb == 'alternate' else ''} × {s.title}" for s in p.steps))
        self.preview.setToolTip("" if p is None else p.description)

    def set_groups(self, teams: dict[str, int]) -> None:
        """Offer the selected athlete and each team (``{team: athletes}``)."""
        keep = self.group.currentData()
        self.group.clear()
        self.group.addItem("the selected athlete", "")
        for team, n in sorted(teams.items()):
            self.group.addItem(f"team {team} ({n} athletes)", team)
        i = self.group.findData(keep)
        self.group.setCurrentIndex(max(0, i))

    def offer_resume(self, athlete: str, offer: str, details: str = "") -> None:
        """Offer to continue ``athlete``'s run interrupted today (``offer``: ``"Continue Jump profile at step 3
        of 7 (2 of 3 trials)"``; ``details`` in the tooltip); an empty ``offer`` takes the offer away."""
        self._resume_athlete = athlete if offer else ""
        # the offer in the (wrapping) label, not on the button: a long protocol name must not widen the column
        self.resume_text.setText(f"Interrupted today: {athlete}\n{offer}" if offer else "")
        self.resume_text.setToolTip(details or offer)
        self.resume_button.setToolTip(details or offer)
        for w in (self.resume_text, self.resume_button):
            w.setVisible(bool(offer))

    # ------------------------------------------------------------------ a run
    def show_idle(self) -> None:
        """Back to the picker (no protocol running)."""
        self._guide.setVisible(False)
        self._pick.setVisible(True)
        self.problems.setVisible(bool(self.problems.text()))
        self.setTitle("Protocol")

    def show_run(self, run: ProtocolRun, *, now: float, target: str = "", queue_text: str = "",
                 has_next_athlete: bool = False) -> None:
        """Show where ``run`` stands at ``now``: step, trial, limb, rest, target and the step list."""
        self._pick.setVisible(False)
        self._guide.setVisible(True)
        self.problems.setVisible(False)  # what cannot be offered matters when choosing, not while running
        self.setTitle(f"Protocol: {run.protocol.name}")
        self.athlete.setText(queue_text or run.athlete)
        step = run.step
        n = len(run.protocol.steps)
        resting = run.rest_remaining(now)
        if step is None:
            self.step_title.setText("Protocol done")
            short = run.short_steps()
            self.trial_text.setText(
                f"step {', '.join(str(i + 1) for i in short)} lacks trials: double-click it to redo" if short
                else f"{len(run.marks)} trials recorded. Stop (Space) saves the session")
            for w in (self.instructions, self.target_text, self.rest):
                w.setText("")
                w.setVisible(False)
            self.rest.setProperty("state", "")
            self.trial_text.setProperty("limb", "")
        else:
            self.step_title.setText(f"Step {run.step_index + 1} of {n} · {step.title}")
            per = f" of {step.trials}" + (" per leg" if step.limb == "alternate" else "")
            self.trial_text.setText(f"Trial {run.next_trial_number()}{per} · {_LIMB_TEXT[run.next_limb()]}")
            self.trial_text.setProperty("limb", run.next_limb())
            self.instructions.setText(step.instructions)
            self.instructions.setVisible(bool(step.instructions))
            self.target_text.setText(target)
            self.target_text.setVisible(bool(target))
            self.rest.setVisible(True)
            if resting > 0:
                self.rest.setText(f"Rest {clock(resting)}")
                self.rest.setProperty("state", "rest")
            else:
                self.rest.setText("Ready: go when set")
                self.rest.setProperty("state", "ready")
        for w in (self.rest, self.trial_text):
            w.style().unpolish(w)
            w.style().polish(w)
        self.end_rest_button.setEnabled(step is not None and resting > 0)
        self.skip_button.setEnabled(step is not None)
        self.next_athlete_button.setVisible(step is None and has_next_athlete)
        self._show_steps(run)

    def show_rest(self, seconds: float) -> None:
        """Update the countdown alone (the 4 Hz timer)."""
        if seconds > 0:
            self.rest.setText(f"Rest {clock(seconds)}")

    def _show_steps(self, run: ProtocolRun) -> None:
        states = run.states()
        if self.steps.count() != len(states):
            self.steps.clear()
            for _ in states:
                self.steps.addItem("")
        for i, st in enumerate(states):
            item = self.steps.item(i)
            extra = " · redo" if st.state == "short" else ""
            item.setText(f"{_STATE_MARK[st.state]} {st.number}. {st.title}  {st.counted}/{st.wanted}{extra}")
            item.setToolTip(f"{st.counted} counted ({st.accepted} accepted) of {st.wanted} wanted")
            font = item.font()
            font.setBold(st.state == "current")
            item.setFont(font)
        self.steps.setFixedHeight(self.steps.sizeHintForRow(0) * len(states) + 2 * self.steps.frameWidth() + 2)
