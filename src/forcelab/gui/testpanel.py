"""Test picker and weighing: which test comes next, and the athlete's body weight before it.

Weighing waits for a steady second (Owen et al. 2014, via :func:`forcelab.analysis.weighing.weigh`): the
:class:`WeighMonitor` looks at what arrived since the tester pressed *Weigh* on a 10 Hz timer, and finishes
as soon as one window of ``window`` seconds has a standard deviation under ``max_sd``. If none did
within ``timeout`` seconds it reports the steadiest window it saw as *not steady*, and the panel asks the
athlete to stand still and weigh again.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

from forcelab.analysis import catalog
from forcelab.analysis.labels import CONDITION_WORDS
from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.analysis.weighing import weigh
from forcelab.gui.feed import LiveFeed

#: The test list: ``(key, label)`` of every test the app finds live (forcelab.analysis.catalog), in its order:
#: the jumps, the pull, repeated hops, the other isometric tests, the single-leg jumps ..., free recording last.
TESTS: tuple[tuple[str, str], ...] = tuple((k, e.panel_label) for k, e in catalog.CATALOG.items() if e.in_app)
#: The limb choices of a single-leg test: detected from the plates (the loaded one), or named.
LIMB_CHOICES = (("", "limb from the plates"), ("left", "left leg"), ("right", "right leg"))
#: A balance trial's conditions as the tester notes them (forcelab.analysis.balance ``condition`` and ``stance``).
CONDITION_CHOICES = tuple((k, CONDITION_WORDS[k]) for k in ("eyes_open", "eyes_closed"))
STANCE_CHOICES = tuple((k, CONDITION_WORDS[k]) for k in ("bipedal", "single_leg_left", "single_leg_right"))


@dataclass(frozen=True)
class WeighOutcome:
    """What weighing found: body weight (N), its SD (N), and whether it was steady; or why not."""

    body_weight: float | None
    sd: float | None
    steady: bool
    message: str


class WeighMonitor(QtCore.QObject):
    """Waits for a steady window in a live feed. Signal ``finished(WeighOutcome)``."""

    finished = QtCore.Signal(object)

    def __init__(self, parent: QtCore.QObject | None = None, *, window: float = 1.0, max_sd: float = 10.0,
                 min_body_weight: float = 200.0, timeout: float = 8.0) -> None:
        super().__init__(parent)
        self.window = window
        self.max_sd = max_sd
        self.min_body_weight = min_body_weight
        self.timeout = timeout
        self._feed: LiveFeed | None = None
        self._from = 0
        self._elapsed = QtCore.QElapsedTimer()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._check)

    @property
    def active(self) -> bool:
        """True while waiting."""
        return self._timer.isActive()

    def start(self, feed: LiveFeed) -> None:
        """Start waiting on samples that arrive from now on."""
        self._feed = feed
        self._from = feed.ring.total_written
        self._elapsed.start()
        self._timer.start()

    def cancel(self) -> None:
        """Stop waiting without a result."""
        self._timer.stop()

    def _check(self) -> None:
        feed = self._feed
        if feed is None:
            return
        rows, _end, _missed = feed.ring.since(self._from)
        total = feed.columns.forces(rows)[:, 0] if len(rows) else rows[:, 0:0].reshape(-1)
        timed_out = self._elapsed.elapsed() / 1000.0 >= self.timeout
        if len(total) < int(self.window * feed.rate):
            if timed_out:
                self._finish(WeighOutcome(None, None, False, "no data arrived: is the device streaming?"))
            return
        w = weigh(total, feed.rate, window=self.window, max_sd=self.max_sd, min_body_weight=self.min_body_weight)
        if w.found and not w.unsteady:
            assert w.body_weight is not None and w.sd is not None
            self._finish(WeighOutcome(w.body_weight, w.sd, True, f"steady: SD {w.sd:.1f} N over {self.window:g} s"))
        elif timed_out:
            if w.found:
                assert w.sd is not None
                self._finish(WeighOutcome(
                    w.body_weight, w.sd, False,
                    f"not steady (SD {w.sd:.1f} N > {self.max_sd:g} N): stand still and weigh again"))
            else:
                self._finish(WeighOutcome(None, None, False, f"{w.reason}"))

    def _finish(self, outcome: WeighOutcome) -> None:
        self._timer.stop()
        self.finished.emit(outcome)


class TestPanel(QtWidgets.QGroupBox):
    """Test choice (with drop height / target), weighing, and start/stop of recording.

    Signals: ``test_changed(str)``, ``weigh_requested()``, ``record_toggled(bool)``, ``target_changed(float)``
    (0 means no target), ``drop_height_changed(float)`` (m), ``load_changed(float)`` (kg, the external load of
    a loaded CMJ or squat jump; 0 means unloaded), ``limb_changed(str)`` (a single-leg test's limb, ``""``:
    from the plates), ``condition_changed(str)`` and ``stance_changed(str)`` (a balance trial's, as the
    analysis names them: ``eyes_open``, ``single_leg_left`` ...), ``duration_changed(float)`` (a balance
    trial's length, s). Which fields show follows the chosen test's ``inputs`` in the catalogue.
    """

    __test__ = False  # not a pytest test class, despite the name

    test_changed = QtCore.Signal(str)
    weigh_requested = QtCore.Signal()
    record_toggled = QtCore.Signal(bool)
    target_changed = QtCore.Signal(float)
    drop_height_changed = QtCore.Signal(float)
    load_changed = QtCore.Signal(float)
    limb_changed = QtCore.Signal(str)
    condition_changed = QtCore.Signal(str)
    stance_changed = QtCore.Signal(str)
    duration_changed = QtCore.Signal(float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Test", parent)
        self.test = QtWidgets.QComboBox()
        for key, label in TESTS:
            self.test.addItem(label, key)
        self.drop_height = QtWidgets.QDoubleSpinBox()
        self.drop_height.setRange(0.05, 1.5)
        self.drop_height.setSingleStep(0.05)
        self.drop_height.setValue(0.30)
        self.drop_height.setSuffix(" m")
        self.load = QtWidgets.QDoubleSpinBox()
        self.load.setRange(0.0, 300.0)
        self.load.setSingleStep(2.5)
        self.load.setSuffix(" kg")
        self.load.setSpecialValueText("no load")
        self.load.setToolTip("External load carried in the jump (barbell, vest). Weigh the athlete holding it.")
        self.limb = QtWidgets.QComboBox()
        for key, label in LIMB_CHOICES:
            self.limb.addItem(label, key)
        self.condition = QtWidgets.QComboBox()
        for key, label in CONDITION_CHOICES:
            self.condition.addItem(label, key)
        self.stance = QtWidgets.QComboBox()
        for key, label in STANCE_CHOICES:
            self.stance.addItem(label, key)
        self.duration = QtWidgets.QDoubleSpinBox()
        self.duration.setRange(5.0, 300.0)
        self.duration.setSingleStep(5.0)
        self.duration.setDecimals(0)
        self.duration.setValue(catalog.BALANCE_DURATION)
        self.duration.setSuffix(" s")
        self.duration.setToolTip("How long the athlete stands: the trial closes after this much stance")
        self.target = QtWidgets.QDoubleSpinBox()
        self.target.setRange(0.0, 10_000.0)
        self.target.setSingleStep(100.0)
        self.target.setSuffix(" N")
        self.target.setSpecialValueText("no target")
        self.weigh_button = QtWidgets.QPushButton("Weigh (W)")
        self.body_weight = QtWidgets.QLabel("— N")
        self.body_weight.setObjectName("bodyWeight")
        self.weigh_status = QtWidgets.QLabel("Weigh the athlete before the first trial")
        self.weigh_status.setObjectName("weighStatus")
        self.weigh_status.setWordWrap(True)
        self.record_button = QtWidgets.QPushButton("Start (Space)")
        self.record_button.setObjectName("primary")
        self.record_button.setCheckable(True)
        form = self._form = QtWidgets.QFormLayout(self)
        form.addRow(self.test)
        self._drop_row = QtWidgets.QLabel("Drop height")
        form.addRow(self._drop_row, self.drop_height)
        self._load_row = QtWidgets.QLabel("Load")
        form.addRow(self._load_row, self.load)
        self._limb_row = QtWidgets.QLabel("Limb")
        form.addRow(self._limb_row, self.limb)
        self._condition_row = QtWidgets.QLabel("Vision")
        form.addRow(self._condition_row, self.condition)
        self._stance_row = QtWidgets.QLabel("Stance")
        form.addRow(self._stance_row, self.stance)
        self._duration_row = QtWidgets.QLabel("Duration")
        form.addRow(self._duration_row, self.duration)
        self._target_row = QtWidgets.QLabel("Target")
        form.addRow(self._target_row, self.target)
        weigh_row = QtWidgets.QHBoxLayout()
        weigh_row.addWidget(self.weigh_button)
        weigh_row.addWidget(self.body_weight, 1)
        form.addRow(weigh_row)
        form.addRow(self.weigh_status)
        form.addRow(self.record_button)
        self.test.currentIndexChanged.connect(self._on_test)
        self.weigh_button.clicked.connect(self.weigh_requested)
        self.record_button.toggled.connect(self._on_record)
        self.target.valueChanged.connect(self.target_changed)
        self.drop_height.valueChanged.connect(lambda v: self.drop_height_changed.emit(float(v)))
        self.load.valueChanged.connect(lambda v: self.load_changed.emit(float(v)))
        self.limb.currentIndexChanged.connect(lambda _i: self.limb_changed.emit(self.limb_value()))
        self.condition.currentIndexChanged.connect(lambda _i: self.condition_changed.emit(self.condition_value()))
        self.stance.currentIndexChanged.connect(lambda _i: self.stance_changed.emit(self.stance_value()))
        self.duration.valueChanged.connect(lambda v: self.duration_changed.emit(float(v)))
        self._on_test()

    def current_test(self) -> str:
        """Key of the chosen test (``cmj``, ``sj``, ``dj``, ``imtp``, ``free``)."""
        return str(self.test.currentData())

    def set_test(self, key: str) -> None:
        """Choose test ``key``."""
        i = self.test.findData(key)
        if i < 0:
            raise ValueError(f"unknown test {key!r}; choose one of {[k for k, _ in TESTS]}")
        self.test.setCurrentIndex(i)

    def drop_height_value(self) -> float:
        """The drop height (m) set for drop jumps."""
        return float(self.drop_height.value())

    def limb_value(self) -> str:
        """The limb named for single-leg tests (``"left"``, ``"right"``), or ``""``: detect it from the plates."""
        return str(self.limb.currentData())

    def condition_value(self) -> str:
        """A balance trial's visual condition (``"eyes_open"``/``"eyes_closed"``)."""
        return str(self.condition.currentData())

    def stance_value(self) -> str:
        """A balance trial's stance (``"bipedal"``, ``"single_leg_left"``, ``"single_leg_right"``)."""
        return str(self.stance.currentData())

    def duration_value(self) -> float:
        """A balance trial's length (s)."""
        return float(self.duration.value())

    def load_value(self) -> float:
        """The external load (kg) of loaded jumps; 0 for an unloaded jump."""
        return float(self.load.value())

    def target_value(self) -> float | None:
        """The pull's target force (N), ``None`` for no target."""
        return float(self.target.value()) or None

    def is_recording(self) -> bool:
        """True while the Start/Stop button is down."""
        return self.record_button.isChecked()

    def toggle_recording(self) -> None:
        """Start or stop recording, as the button does (emits ``record_toggled``)."""
        self.record_button.toggle()

    def stop_recording(self) -> None:
        """Stop recording if it is on (emits ``record_toggled(False)``)."""
        if self.record_button.isChecked():
            self.record_button.setChecked(False)

    def show_recording(self, on: bool) -> None:
        """Show the button as ``on`` without asking for anything (recording could not start)."""
        self.record_button.blockSignals(True)
        self.record_button.setChecked(on)
        self.record_button.blockSignals(False)
        self._show_record_state(on)

    def _on_test(self) -> None:
        key = self.current_test()
        # whole rows, so that a hidden one leaves no gap in the form
        test = catalog.entry(key)
        self._form.setRowVisible(self.drop_height, "drop_height" in test.inputs)
        self._form.setRowVisible(self.limb, "limb" in test.inputs)
        self._form.setRowVisible(self.load, "load_mass" in test.inputs)
        self._form.setRowVisible(self.target, test.isometric)
        for name in ("condition", "stance", "duration"):
            self._form.setRowVisible(getattr(self, name), name in test.inputs)
        self.test_changed.emit(key)

    def _show_record_state(self, on: bool) -> None:
        self.record_button.setText("Stop (Space)" if on else "Start (Space)")
        self.test.setEnabled(not on)

    def _on_record(self, on: bool) -> None:
        self._show_record_state(on)
        self.record_toggled.emit(on)

    def clear_weighing(self) -> None:
        """Back to "not weighed" (another athlete stepped up)."""
        self.body_weight.setText("— N")
        self.weigh_status.setText("Weigh the athlete before the first trial")
        self.weigh_status.setProperty("steady", "")
        self.weigh_status.style().unpolish(self.weigh_status)
        self.weigh_status.style().polish(self.weigh_status)

    def show_weighing(self, outcome: WeighOutcome | None) -> None:
        """Show a weighing result (``None``: weighing in progress)."""
        if outcome is None:
            self.weigh_status.setText("Stand still… waiting for a steady second")
            self.weigh_status.setProperty("steady", "")
        else:
            if outcome.body_weight is not None:
                self.body_weight.setText(f"{outcome.body_weight:,.0f} N  ({outcome.body_weight / STANDARD_GRAVITY:.1f} kg)")
            self.weigh_status.setText(outcome.message)
            self.weigh_status.setProperty("steady", "true" if outcome.steady else "false")
        self.weigh_status.style().unpolish(self.weigh_status)
        self.weigh_status.style().polish(self.weigh_status)
