"""The main window: device strip on top, athlete and test on the left, live view and review in the
middle with the trial table under them, the latest trial's card on the right.

The window wires widgets to a :class:`forcelab.gui.session.LiveSession` and holds no acquisition or
analysis logic itself. Keyboard shortcuts cover the hot path: Space start/stop, T zero, W weigh,
A accept, X reject, N next athlete, P reset the pull's peak.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from forcelab.analysis import catalog
from forcelab.analysis.isometric_tests import is_isometric
from forcelab.analysis.types import TrialResult
from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.gui import services
from forcelab.gui.calibration_dialog import CalibrationDialog
from forcelab.gui.copview import CopSource, CopView
from forcelab.gui.devicestrip import DeviceStrip
from forcelab.gui.import_action import import_button
from forcelab.gui.liveplot import LivePlot
from forcelab.gui.protocol_control import ProtocolController
from forcelab.gui.protocol_panel import ProtocolPanel
from forcelab.gui.review import ReviewWidget
from forcelab.gui.roster import RosterPanel
from forcelab.gui.session import LiveSession, TrialEntry
from forcelab.gui.testpanel import TestPanel, WeighMonitor, WeighOutcome
from forcelab.gui.theme import icon
from forcelab.gui.trialcard import TrialCard
from forcelab.gui.trialtable import TrialTable

log = logging.getLogger(__name__)

#: Zeroing with at least this total force (N) on the plates is probably zeroing with someone on them.
ZERO_LOAD_WARNING = 200.0
#: Seconds of centre-of-pressure trail the CoP view draws outside a balance trial.
COP_WINDOW = 5.0
SHORTCUTS = {"start_stop": "Space", "tare": "T", "weigh": "W", "accept": "A", "reject": "X",
             "next_athlete": "N", "reset_peak": "P", "simulate_trial": "J"}


class Banner(QtWidgets.QFrame):
    """A strip for things the tester must not miss (device lost, no plate found), with one action.

    ``topic`` names what is shown (``""`` when hidden), so the window decides by it, never by the text."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QtWidgets.QLabel("")
        self.label.setObjectName("banner")
        self.label.setWordWrap(True)
        self.button = QtWidgets.QPushButton("")
        self.button.setVisible(False)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.topic = ""
        self.setVisible(False)

    def show_message(self, topic: str, text: str, action: str = "") -> None:
        """Show ``text`` about ``topic`` (and a button labelled ``action`` when given)."""
        self.topic = topic
        self.label.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.setVisible(True)

    def clear(self) -> None:
        """Hide the banner."""
        self.topic = ""
        self.setVisible(False)


class MainWindow(QtWidgets.QMainWindow):
    """The forcelab dashboard."""

    def __init__(self, session: LiveSession, *, profiles: dict[str, services.Profile] | None = None) -> None:
        super().__init__()
        self.setWindowTitle("forcelab")
        self.setWindowIcon(icon("forcelab.svg"))
        self.session = session
        self.profiles = profiles or services.profiles()
        self.device = DeviceStrip()
        self.device.set_profiles(list(self.profiles))
        preferred = [n for n, p in self.profiles.items() if p.file == "forcelab-dual-plate"]
        self.device.select_profile(preferred[0] if preferred else "forcelab dual plate (8 cells)")
        self.banner = Banner()
        self.live = LivePlot()
        self.review = ReviewWidget()
        self.review.set_recompute(services.recompute, services.editable_events)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self.live, "Live")
        self.tabs.addTab(self.review, "Review")
        self.cop = CopView(window=COP_WINDOW)  # the live centre of pressure (plates with four cells): balance tests
        self.tabs.addTab(self.cop, "CoP")
        self.table = TrialTable()
        self.card = TrialCard()
        self.accept_button = QtWidgets.QPushButton("Accept (A)")
        self.accept_button.setObjectName("accept")
        self.reject_button = QtWidgets.QPushButton("Reject (X)")
        self.reject_button.setObjectName("reject")
        self.tests = TestPanel()
        self.weigher = WeighMonitor(self)
        session.set_drop_height(self.tests.drop_height_value())
        session.set_condition(self.tests.condition_value())
        session.set_stance(self.tests.stance_value())
        session.set_duration(self.tests.duration_value())
        archive = session.archive
        self.roster: RosterPanel | None = RosterPanel(archive.index) if archive is not None else None

        left = QtWidgets.QWidget()
        lv = QtWidgets.QVBoxLayout(left)
        lv.setContentsMargins(4, 4, 4, 4)
        if self.roster is not None:
            lv.addWidget(self.roster, 1)
            self.history_button = QtWidgets.QPushButton("Athlete history…")
            self.history_button.setToolTip("The selected athlete's sessions over time: trends, meaningful change")
            self.history_button.clicked.connect(self.open_history)
            lv.addWidget(self.history_button)
            lv.addWidget(import_button(self))
        lv.addWidget(self.tests)
        self.sim_button = QtWidgets.QPushButton("Simulated athlete: do a trial (J)")
        self.sim_button.setToolTip("The simulated athlete performs the chosen test")
        self.sim_button.setVisible(False)
        lv.addWidget(self.sim_button)
        right = QtWidgets.QWidget()
        rv = QtWidgets.QVBoxLayout(right)
        rv.setContentsMargins(4, 4, 4, 4)
        self.protocol_panel = ProtocolPanel()
        rv.addWidget(self.protocol_panel)
        rv.addWidget(self.card, 1)
        decide = QtWidgets.QHBoxLayout()
        decide.addWidget(self.accept_button)
        decide.addWidget(self.reject_button)
        rv.addLayout(decide)
        middle = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        middle.addWidget(self.tabs)
        middle.addWidget(self.table)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 1)
        body = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(middle)
        body.addWidget(right)
        body.setStretchFactor(0, 0)
        body.setStretchFactor(1, 1)
        body.setStretchFactor(2, 0)
        body.setSizes([260, 800, 300])
        central = QtWidgets.QWidget()
        cv = QtWidgets.QVBoxLayout(central)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.setSpacing(2)
        cv.addWidget(self.device)
        cv.addWidget(self.banner)
        cv.addWidget(body, 1)
        self.setCentralWidget(central)
        self.archive_label = QtWidgets.QLabel(f"archive: {archive.path}" if archive else "no archive")
        self.statusBar().addPermanentWidget(self.archive_label)
        #: "N session(s) waiting to publish" while this station's spool holds closed sessions
        self.spool_label = QtWidgets.QLabel()
        self.spool_label.setObjectName("spool")
        self.spool_label.setStyleSheet("color: #f59e0b; font-weight: bold;")  # the theme's warning amber
        self.statusBar().addPermanentWidget(self.spool_label)
        self._on_spool(*session.waiting)
        self._wire()
        self.protocol = ProtocolController(self, self.protocol_panel)
        self._shortcuts()
        self.refresh_ports()
        self.resize(1366, 768)

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        s = self.session
        d = self.device
        d.connect_requested.connect(self.connect_device)
        d.disconnect_requested.connect(s.detach)
        d.simulate_requested.connect(lambda profile, rate: self.start_simulated_async(profile, rate))
        s.connecting.connect(self.device.show_connecting)
        d.tare_requested.connect(self.tare)
        d.calibrate_requested.connect(self.calibrate)
        d.refresh_requested.connect(lambda: self.refresh_ports())
        s.connection.connect(self._on_connection)
        s.status.connect(d.show_status)
        s.link_lost.connect(self._on_link_lost)
        s.trial_added.connect(self._on_trial_added)
        s.trial_analysed.connect(self._on_trial_analysed)
        self.card.suggestion_accepted.connect(s.accept_suggestion)
        s.recording.connect(self._on_recording)
        s.error.connect(self.show_error)
        s.spool_changed.connect(self._on_spool)
        self.tests.test_changed.connect(self._on_test_changed)
        self.tests.weigh_requested.connect(self.weigh)
        self.tests.record_toggled.connect(self._on_record_toggled)
        self.tests.target_changed.connect(lambda v: self.live.set_target(v if v > 0 else None))
        self.tests.drop_height_changed.connect(s.set_drop_height)
        self.tests.load_changed.connect(s.set_load)
        self.tests.limb_changed.connect(s.set_limb)
        self.tests.condition_changed.connect(s.set_condition)
        self.tests.stance_changed.connect(s.set_stance)
        self.tests.duration_changed.connect(s.set_duration)
        self.tests.duration_changed.connect(lambda _v: self._show_cop_for(self.tests.current_test()))
        self.weigher.finished.connect(self._on_weighed)
        s.athlete_changed.connect(self._on_athlete)
        s.weighing_changed.connect(self._on_weighing)
        self.table.decision_changed.connect(lambda n, acc: s.decide(n, acc))
        self.table.note_changed.connect(s.set_note)
        self.table.review_requested.connect(self.show_review)
        self.review.result_changed.connect(self._review_result)
        self.accept_button.clicked.connect(lambda: self.decide(True))
        self.reject_button.clicked.connect(lambda: self.decide(False))
        if self.roster is not None:
            self.roster.athlete_selected.connect(s.select_athlete)
        self.banner.button.clicked.connect(self._banner_action)
        self.sim_button.clicked.connect(lambda: self.simulate_trial())

    def _shortcuts(self) -> None:
        actions = {
            "start_stop": self.tests.toggle_recording,
            "tare": self.tare,
            "weigh": self.weigh,
            "accept": lambda: self.decide(True),
            "reject": lambda: self.decide(False),
            "next_athlete": self.next_athlete,
            "reset_peak": lambda: self.live.reset_peak(),
            "simulate_trial": lambda: self.simulate_trial(),
        }
        self.actions_by_name: dict[str, QtGui.QAction] = {}
        for name, fn in actions.items():
            act = QtGui.QAction(name.replace("_", " "), self)
            act.setShortcut(QtGui.QKeySequence(SHORTCUTS[name]))
            act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(fn)
            self.addAction(act)
            self.actions_by_name[name] = act

    # ------------------------------------------------------------------ device
    def refresh_ports(self, offer_simulator: bool = True) -> None:
        """List serial ports; with none (and ``offer_simulator``), offer the simulated plates."""
        try:
            ports = services.list_ports()
        except OSError as exc:
            ports = []
            log.warning("listing serial ports failed: %s", exc)
        self.device.set_ports(ports)
        if offer_simulator and not ports and self.session.link is None:
            self.banner.show_message("no_device", "No force plate found. Try the app with simulated plates.",
                                     "Start simulated plates")

    def connect_device(self, port: str, profile: str, rate: float) -> None:
        """Connect to a real port (on a worker thread: the window stays responsive)."""
        if not port:
            self.show_error("Choose a serial port first (or start the simulated plates)")
            return
        self.session.connect_async(port, services.connect, port, self.profiles[profile], rate)

    def start_simulated_async(self, profile: str | None = None, rate: float | None = None, **options: Any) -> None:
        """Start simulated plates on a worker thread (the Simulate button, the banner, ``--demo``)."""
        name = profile or self.device.current_profile()
        self.session.connect_async("simulated plates", services.start_simulated, self.profiles[name],
                                   rate or self.device.current_rate(), **options)

    def start_simulated(self, profile: str | None = None, rate: float | None = None, **options: Any) -> bool:
        """Start simulated plates and connect to them (what ``--demo`` does)."""
        name = profile or self.device.current_profile()
        try:
            link = services.start_simulated(self.profiles[name], rate or self.device.current_rate(), **options)
        except services.ServiceError as exc:
            self.show_error(f"Cannot start the simulated plates: {exc}")
            return False
        self.session.attach(link)
        return True

    def simulate_trial(self, **params: float) -> None:
        """Ask the simulated athlete to perform the chosen test (only with simulated plates)."""
        self.session.simulate_trial(**params)

    def _banner_action(self) -> None:
        if self.banner.topic == "no_device":
            self.start_simulated_async()

    def _on_connection(self, connected: bool, description: str) -> None:
        self.device.set_connected(connected, description)
        link = self.session.link
        self.sim_button.setVisible(connected and link is not None and link.simulator is not None)
        self.live.set_feed(link.feed if connected and link is not None else None)
        self.cop.set_source(CopSource.from_engine(link.engine) if connected and link is not None else None)
        if connected and link is not None:
            name = link.port.rsplit("/", 1)[-1]  # the full path is in the tooltip
            label = (f"simulated plates · {name}" if link.simulator is not None else link.port) or link.description
            self.device.show_connected_port(label, link.port)
        elif not connected:
            self.refresh_ports(offer_simulator=False)  # the list again, in place of the port that was in use
        if connected:
            self.banner.clear()

    def _on_link_lost(self, lost: bool) -> None:
        if lost:
            self.banner.show_message("device_lost", "Device lost: check the cable. Waiting for it to come back… "
                                     "(everything recorded so far is saved)")
        else:
            self.banner.clear()
            self.statusBar().showMessage("Device back: the session goes on", 5000)

    def tare(self) -> None:
        """Zero the plates; warn when they carried a person's weight (every later trial would then read
        the athlete as weightless and nothing could be measured)."""
        load = self.session.tare()
        if load is None:
            return
        if load >= ZERO_LOAD_WARNING:
            self.banner.show_message(
                "zero_load",
                f"Zeroed with {load:,.0f} N ({load / STANDARD_GRAVITY:.0f} kg) on the plates. If someone was "
                "standing on them, step off and zero again (T): trials are measured from this zero.")
        else:
            if self.banner.topic == "zero_load":
                self.banner.clear()  # zeroed again, now empty
            self.statusBar().showMessage("Plates zeroed", 3000)

    def calibrate(self) -> None:
        """Open the known-mass calibration dialog."""
        if self.session.link is None:
            return
        from forcelab.acquisition.calibration import CalibrationStore

        CalibrationDialog(self.session.link.engine, self, CalibrationStore()).open()

    # ------------------------------------------------------------------ athlete, test, weighing
    def _on_athlete(self, athlete: dict[str, Any]) -> None:
        mass = athlete.get("body_mass")
        self.live.set_body_weight(mass * STANDARD_GRAVITY if mass else None, "roster")
        self.statusBar().showMessage(f"Athlete: {athlete['name']}", 3000)

    def _on_weighing(self, body_weight: float | None) -> None:
        if body_weight is None:
            self.tests.clear_weighing()
        else:
            self.live.set_body_weight(body_weight, "weighed")

    def next_athlete(self) -> None:
        """Stop recording and move to the next athlete in the roster."""
        self.tests.stop_recording()
        if self.roster is not None:
            self.roster.select_next()

    def _on_test_changed(self, test: str) -> None:
        self.session.set_test(test)
        self._show_cop_for(test)
        pull = is_isometric(test)
        if pull:  # count the peak from now: a drop jump's impact before is not a pull's peak
            self.live.reset_peak(keep_last=False)
        self.live.show_peak(pull)
        self.live.set_target(self.tests.target_value() if pull else None)

    def _show_cop_for(self, test: str) -> None:
        """A balance test is watched on the CoP view, its trail as long as the trial; the others on the force."""
        stance = catalog.entry(test).family == "stance"
        self.cop.set_window(self.tests.duration_value() if stance else COP_WINDOW, follow=stance)
        if stance:
            self.tabs.setCurrentWidget(self.cop)
        elif self.tabs.currentWidget() is self.cop:
            self.tabs.setCurrentWidget(self.live)

    def weigh(self) -> None:
        """Wait for a steady second and take the body weight."""
        link = self.session.link
        if link is None:
            self.show_error("connect a device before weighing")
            return
        self.tests.show_weighing(None)
        self.weigher.start(link.feed)

    def _on_weighed(self, outcome: WeighOutcome) -> None:
        self.tests.show_weighing(outcome)
        if outcome.body_weight is not None and outcome.sd is not None and outcome.steady:
            self.session.set_weighing(outcome.body_weight, outcome.sd)

    def _on_record_toggled(self, on: bool) -> None:
        if on:
            if self.session.start_recording() is None:
                self.tests.show_recording(False)
            self.live.reset_peak()
        else:
            self.session.stop_recording()

    def _on_spool(self, waiting: int, why: str) -> None:
        """Show, while closed sessions wait in this station's spool, how many (the reason in the tooltip)."""
        self.spool_label.setText(f"{waiting} session(s) not yet in the shared archive: retrying" if waiting else "")
        self.spool_label.setToolTip(f"{why}; tried again every {self.session.retry_interval:.0f} s" if why else "")
        self.spool_label.setVisible(bool(waiting))

    def _on_recording(self, on: bool, path: str) -> None:
        self.statusBar().showMessage(("Recording to " if on else "Saved ") + path, 0 if on else 8000)

    # ------------------------------------------------------------------ trials
    def _on_trial_added(self, entry: TrialEntry) -> None:
        if entry.session_path is None and not entry.note:
            entry.note = "not saved: recording was off"
            self.show_error(f"Trial {entry.number} was found while not recording: press Start (Space) to save trials")
        self.table.add_trial(entry.number, None, when=entry.when, test=entry.test,
                             accepted=entry.accepted, note=entry.note)

    def _on_trial_analysed(self, entry: TrialEntry) -> None:
        self.table.add_trial(entry.number, entry.result, when=entry.when, test=entry.test,
                             accepted=entry.accepted, note=entry.note)
        if entry.result is not None:
            self.card.show_result(entry.number, entry.result, when=entry.when)
        else:
            self.card.show_not_analysed(entry.number, entry.error)
        if entry.suggestion is not None:  # the tester confirms it with the card's button, or not
            self.card.show_suggestion(entry.number, *entry.suggestion)
        if is_isometric(entry.test):
            self.live.reset_peak()

    def show_entries(self, entries: list[TrialEntry]) -> None:
        """Show trials loaded from the archive (reopening today's session)."""
        for e in entries:
            self.table.add_trial(e.number, e.result, when=e.when, test=e.test, accepted=e.accepted, note=e.note)
        if entries and entries[-1].result is not None:
            last = entries[-1]
            assert last.result is not None
            self.card.show_result(last.number, last.result, when=last.when)
            self.statusBar().showMessage(f"Today's sessions: {len(entries)} trial(s) reopened", 5000)
            self.review.show_trial(last.number, last.trace, last.result)
        else:
            self.review_latest_archived()
        self.protocol.offer_resume()  # a protocol the app was closed in: offer to continue it

    def review_latest_archived(self) -> None:
        """Open the archive's newest trial in the review tab (so it never opens blank) when this session has
        none yet."""
        archive = self.session.archive
        if archive is None or self.session.trials:
            return
        latest = archive.latest_trial()
        if latest is not None:
            title, trace, result = latest
            self.review.show_trial(0, trace, result)
            self.review.title.setText(title)

    def archive_changed(self) -> None:
        """The archive's files changed behind the window (the demo squad was written): index, roster, review."""
        if self.session.archive is None:
            return
        self.session.archive.refresh_index()
        if self.roster is not None:
            self.roster.reload()
        self.review_latest_archived()
        self.statusBar().showMessage("Demo squad ready: pick an athlete, or open Athlete history…", 8000)

    def _review_result(self, number: int, result: TrialResult) -> None:
        if number in self.session.trials:  # number 0: an archived trial shown for reference, not this session's
            self.session.replace_result(number, result)

    def decide(self, accepted: bool) -> None:
        """Accept or reject the selected (else the newest) trial."""
        number = self.table.selected_number()
        if number is not None:
            self.table.set_decision(number, accepted)

    def show_review(self, number: int) -> None:
        """Open trial ``number`` in the review tab."""
        entry = self.session.trials.get(number)
        if entry is None or entry.result is None:
            self.show_error(f"trial {number} has no analysis to review")
            return
        self.review.show_trial(number, entry.trace, entry.result)
        self.tabs.setCurrentWidget(self.review)

    def open_history(self) -> None:
        """Open the comparison window on the selected athlete (sessions over weeks)."""
        archive = self.session.archive
        if archive is None:
            return
        from forcelab.gui.compare_window import CompareWindow

        window = CompareWindow(archive.path, self)
        window.setWindowFlag(QtCore.Qt.WindowType.Window, True)
        window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        name = self.roster.current_name() if self.roster is not None else None
        if name:
            window.athlete_view.show_athlete(name)
        window.show()
        self._history = window

    # ------------------------------------------------------------------ misc
    def show_error(self, message: str) -> None:
        """Tell the tester (status bar; never a modal box in the hot path)."""
        log.warning("%s", message)
        self.statusBar().showMessage(message, 10000)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt API)
        """Close the session file (completed) and the device before the window goes."""
        self.weigher.cancel()
        self.live.set_feed(None)
        self.cop.set_source(None)
        self.session.shutdown()
        if self.session.archive is not None:
            self.session.archive.close()
        super().closeEvent(event)
