"""The live testing session behind the window: device, recording, trials, analysis, decisions.

:class:`LiveSession` is a QObject that lives on the GUI thread. Engine callbacks arrive on the engine
thread and are re-emitted through queued Qt signals (``_status_in``, ``_trial_in``), so no widget is
ever touched from another thread. Analysis runs on a worker thread (a one-thread executor) and its result
comes back the same way, so the trace never stutters while a trial is analysed; saving runs on the
recorder's own thread (:mod:`forcelab.gui.recorder`).

A session is recorded into this station's spool (the station's own disk: HDF5 needs a local file system)
and published to the archive and its index when it closes (:mod:`forcelab.storage.publish`; on a single
laptop a rename). Closing and publishing run on the analysis thread after every analysis asked for
before Stop, so a trial analysed after Stop is in the file that is published. If the shared folder or the
index cannot be reached, the session waits in the spool, ``spool_changed`` says so, and it is published
by itself: retried every :attr:`LiveSession.retry_interval` seconds and at the next start. A session that
is already published is changed (a decision, an analysis edited in review) through the same publish, as
a version-checked edit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6 import QtCore

from forcelab.analysis import catalog, dispatch
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.gui import services
from forcelab.gui.recorder import Recorder
from forcelab.storage.recorder import session_info_from

log = logging.getLogger(__name__)


@dataclass
class TrialEntry:
    """One trial of the session as the window knows it."""

    number: int
    test: str
    when: str
    trace: ForceTrace
    result: TrialResult | None = None
    accepted: bool | None = None
    note: str = ""
    error: str = ""
    session_path: Path | None = None
    file_number: int | None = None  # the trial's number inside its session file
    session_version: int | None = None  # index version the closed session was read at (an edit names it)
    #: ``(test, reason)`` when the trace looks like another test than the one chosen (the tester may confirm it)
    suggestion: tuple[str, str] | None = None
    #: the protocol step and limb the trial was recorded for (storage.schema.TRIAL_META); empty outside one
    meta: dict[str, str | int] = field(default_factory=dict)
    #: the analysis settings in force when the trial was found (drop height, a protocol step's settings)
    params: dict[str, Any] = field(default_factory=dict)


def result_from_stored(test: str, rate: float, stored: dict[str, Any] | None) -> TrialResult | None:
    """A :class:`TrialResult` back from the plain dict the archive keeps (``TrialResult.to_dict``): metrics,
    events, flags, tables, the test it was analysed as (the stored ``test``, the archive's ``analysis_test``: a
    confirmed suggestion differs from the recorded ``test``, which is only the fallback) and the analysis
    ``params`` (the settings and tester inputs it ran with, ``analysis_params``), so a re-analysis or an edit
    runs as the stored one did (:func:`forcelab.analysis.dispatch.settings_of`)."""
    return None if not stored else TrialResult.from_dict(stored, rate=rate, test=test)


class LiveSession(QtCore.QObject):
    """Signals: ``status(EngineStatus)``, ``connection(bool, str)``, ``link_lost(bool)`` (True when the
    device went away, False when it came back), ``trial_added(TrialEntry)``, ``trial_analysed(TrialEntry)``,
    ``recording(bool, str)`` (on/off and the file), ``error(str)``, ``athlete_changed(dict)``,
    ``weighing_changed(object)`` (the session body weight in N, ``None`` when it was cleared).

    The session's rules live here, not in the window: the verbs :meth:`select_athlete`, :meth:`set_weighing`,
    :meth:`set_test`, :meth:`set_drop_height` change the session's state, and the window only shows what
    the signals say.
    """

    status = QtCore.Signal(object)
    connection = QtCore.Signal(bool, str)
    link_lost = QtCore.Signal(bool)
    trial_added = QtCore.Signal(object)
    trial_analysed = QtCore.Signal(object)
    recording = QtCore.Signal(bool, str)
    error = QtCore.Signal(str)
    #: sessions of this station waiting to be published (closed, in its spool), and why ("" when none)
    spool_changed = QtCore.Signal(int, str)

    connecting = QtCore.Signal(str)
    athlete_changed = QtCore.Signal(object)
    weighing_changed = QtCore.Signal(object)
    _link_in = QtCore.Signal(object)
    _link_failed = QtCore.Signal(str)
    _status_in = QtCore.Signal(object)
    _trial_in = QtCore.Signal(object)
    _analysis_in = QtCore.Signal(int, object, str)
    _suggestion_in = QtCore.Signal(int, object)
    _error_in = QtCore.Signal(str)
    _publish_in = QtCore.Signal(object, object)
    _recording_closed = QtCore.Signal(str)

    #: seconds between attempts to publish sessions waiting in the spool
    retry_interval = 30.0

    def __init__(self, archive: services.Archive | None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.archive = archive
        self.link: services.DeviceLink | None = None
        self.recorder: Recorder | None = None
        self.athlete: dict[str, Any] | None = None
        self.test = "cmj"
        #: settings of the chosen test passed to its analysis (the drop jump's ``drop_height``, m)
        self.test_params: dict[str, Any] = {}
        self._step_settings: dict[str, Any] = {}
        #: what each trial found from now on carries into the archive (a protocol's step and limb)
        self.trial_meta: dict[str, str | int] = {}
        #: the tests the next session file is for (a protocol's); empty: the chosen test
        self.planned_tests: list[str] = []
        #: the protocol the next session file is recorded for (session attribute ``protocol``); "" for none
        self.protocol_choice = ""
        #: today's sessions reopened by :meth:`load_today`: ``{path: (athlete, protocol attribute)}``
        self.reopened: dict[Path, tuple[str, str]] = {}
        #: the Weigh step's steady body weight and its SD (N): used for trials that cannot weigh themselves
        self.body_weight: float | None = None
        self.body_weight_sd: float | None = None
        self.weighing_load = 0.0
        self.trials: dict[int, TrialEntry] = {}
        self._next_number = 1
        self._lost = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forcelab-analysis")
        q = QtCore.Qt.ConnectionType.QueuedConnection
        self._status_in.connect(self._on_status, q)
        self._trial_in.connect(self._on_trial, q)
        self._analysis_in.connect(self._on_analysis, q)
        self._suggestion_in.connect(self._on_suggestion, q)
        self._error_in.connect(self.error, q)
        self._link_in.connect(self._on_link, q)
        self._link_failed.connect(self._on_link_failed, q)
        self._publish_in.connect(self._on_published, q)
        self._recording_closed.connect(lambda path: self.recording.emit(False, path), q)
        self._closing = False
        self._pending_connect = False
        self.waiting: tuple[int, str] = (0, "")  # what spool_changed said last
        self._retry = QtCore.QTimer(self)
        self._retry.setInterval(int(self.retry_interval * 1000))
        self._retry.timeout.connect(self.publish_waiting)
        if archive is not None and archive.waiting():  # sessions an earlier run could not publish: now
            self._on_published(*self._publish())

    # ------------------------------------------------------------------ device
    def attach(self, link: services.DeviceLink) -> None:
        """Use a connected device; engine callbacks are marshalled to this thread."""
        self.detach()
        self.link = link
        link.engine.add_status_listener(self._status_in.emit)
        link.engine.add_trial_listener(self._trial_in.emit)
        link.engine.add_block_listener(self._on_block_engine_thread)
        link.set_test(self.test, **self.detection_overrides())
        self._lost = False
        self.connection.emit(True, link.description)

    def connect_async(self, what: str, fn: Callable[..., services.DeviceLink], *args: Any, **kwargs: Any) -> None:
        """Connect on a worker thread (a device's start-up conversation can take seconds) and attach the
        link when it is ready; the window stays responsive meanwhile. ``what`` names the device."""
        if self._pending_connect:
            return
        self._pending_connect = True
        self.connecting.emit(what)

        def work() -> None:
            try:
                link = fn(*args, **kwargs)
            except services.ServiceError as exc:
                self._link_failed.emit(f"Cannot connect to {what}: {exc}")
                return
            self._link_in.emit(link)

        threading.Thread(target=work, name="forcelab-connect", daemon=True).start()

    def _on_link(self, link: services.DeviceLink) -> None:
        self._pending_connect = False
        if self._closing:
            link.stop()
            return
        self.attach(link)

    def _on_link_failed(self, message: str) -> None:
        self._pending_connect = False
        self.connection.emit(False, "")
        self.error.emit(message)

    def detach(self) -> None:
        """Stop recording and disconnect."""
        self.stop_recording()
        if self.link is not None:
            link, self.link = self.link, None
            link.stop()
            self.connection.emit(False, "")

    # ------------------------------------------------------------------ athlete, test, weighing
    def select_athlete(self, athlete: dict[str, Any]) -> None:
        """Test ``athlete`` (a roster entry: ``name``, ``body_mass``, ...) from now on. Another athlete than
        before clears the weighing: trials would otherwise be analysed with someone else's body weight."""
        if self.athlete is not None and self.athlete.get("name") != athlete.get("name"):
            self.clear_weighing()
        self.athlete = athlete
        self.athlete_changed.emit(athlete)

    def set_weighing(self, body_weight: float, sd: float) -> None:
        """Keep the Weigh step's steady body weight and its SD (N) for trials that cannot weigh themselves."""
        self.body_weight = float(body_weight)
        self.body_weight_sd = float(sd)
        #: the external load entered when the athlete was weighed: the weighing includes it (weigh with the bar)
        self.weighing_load = float(self.test_params.get("load_mass", 0.0))
        self.weighing_changed.emit(self.body_weight)

    def clear_weighing(self) -> None:
        """Forget the session weighing (trials weigh themselves until the athlete is weighed again)."""
        self.body_weight = self.body_weight_sd = None
        self.weighing_changed.emit(None)

    def set_test(self, test: str) -> None:
        """Look for, record and analyse trials of ``test`` (cmj, sj, dj, imtp, free) from now on."""
        services.detector_setup(test)  # an unknown test fails here, before anything changed
        self.test = test
        self._update_detection()

    @property
    def step_settings(self) -> dict[str, Any]:
        """A protocol step's analysis settings (forcelab.protocols), on top of ``test_params``; setting them also
        sets the live detection's thresholds among them (a balance step's ``duration``)."""
        return self._step_settings

    @step_settings.setter
    def step_settings(self, settings: dict[str, Any]) -> None:
        self._step_settings = dict(settings)
        self._update_detection()

    def detection_overrides(self, test: str | None = None) -> dict[str, float]:
        """The tester's settings (and a protocol step's) that are thresholds of ``test``'s live detection (a
        balance trial's ``duration``; catalogue entries' ``inputs`` that their ``live`` detection has)."""
        e = catalog.CATALOG.get(test or self.test)
        if e is None or e.live is None:
            return {}
        given = {**self.test_params, **self._step_settings}
        return {k: float(v) for k in e.inputs if k in e.live.thresholds
                and isinstance(v := given.get(k), int | float) and not isinstance(v, bool)}

    def _update_detection(self) -> None:
        if self.link is not None:
            self.link.set_test(self.test, **self.detection_overrides())

    def set_drop_height(self, metres: float) -> None:
        """The box height (m) drop jumps are done from (their analysis needs it)."""
        self.test_params["drop_height"] = float(metres)

    def set_load(self, kg: float) -> None:
        """The external load (kg, barbell or vest) of loaded CMJs and squat jumps; 0 is an unloaded jump. Their
        analysis is then the system's (athlete + load, :mod:`forcelab.analysis.loaded`) and the load is kept
        with every trial."""
        if kg > 0:
            self.test_params["load_mass"] = float(kg)
        else:
            self.test_params.pop("load_mass", None)

    def set_limb(self, limb: str) -> None:
        """The leg of single-leg trials (``"left"``/``"right"``); ``""`` detects it from the plates."""
        if limb:
            self.test_params["limb"] = limb
        else:
            self.test_params.pop("limb", None)

    def set_condition(self, condition: str) -> None:
        """A balance trial's visual condition as the tester notes it (``"eyes_open"``/``"eyes_closed"``; ``""``:
        not noted), kept with every trial (its analysis' ``condition``)."""
        self._set_input("condition", condition)

    def set_stance(self, stance: str) -> None:
        """A balance trial's stance as the tester notes it (``"bipedal"``, ``"single_leg_left"``,
        ``"single_leg_right"``; ``""``: not noted), kept with every trial (its analysis' ``stance``)."""
        self._set_input("stance", stance)

    def set_duration(self, seconds: float) -> None:
        """How long a balance trial lasts (s): the live detection closes it after this much stance, and its
        analysis measures this long (a shorter stance is flagged)."""
        if not seconds > 0:
            raise ValueError(f"a balance trial's duration must be positive, got {seconds!r} s")
        self.test_params["duration"] = float(seconds)
        self._update_detection()

    def _set_input(self, name: str, value: str) -> None:
        if value:
            self.test_params[name] = value
        else:
            self.test_params.pop(name, None)

    def session_body_weight(self) -> float | None:
        """The athlete's body weight from the Weigh step (N), without the load that was entered when they were
        weighed (a loaded trial adds its own load back); ``None`` before weighing."""
        if self.body_weight is None:
            return None
        return self.body_weight - self.weighing_load * STANDARD_GRAVITY

    def simulate_trial(self, **params: float) -> None:
        """Ask the simulated athlete to perform the chosen test (only with simulated plates; a free
        recording gets a countermovement jump)."""
        link = self.link
        if link is None or link.simulator is None:
            return
        test = "cmj" if self.test == "free" else self.test
        base = catalog.CATALOG[test].single_leg_of if test in catalog.CATALOG else None
        if base is not None:  # the simulated athlete on one plate: the named one, else the left
            test = base
            params.setdefault("asymmetry", -1.0 if self.test_params.get("limb") == "right" else 1.0)
            params.setdefault("jump_height", 0.15)
        inputs = catalog.CATALOG[test].inputs if test in catalog.CATALOG else ()
        if "drop_height" in inputs and "drop_height" in self.test_params:  # a drop jump's or landing's box
            params.setdefault("drop_height", self.test_params["drop_height"])
        if "duration" in inputs:  # a balance trial: step off, on again, and stand as long as the trial lasts
            params.setdefault("duration", self.detection_overrides(test).get("duration", catalog.BALANCE_DURATION))
        try:
            link.simulator.trigger(test, **params)
        except ValueError as exc:
            self.error.emit(f"simulated athlete: {exc}")

    def _on_block_engine_thread(self, block: Any) -> None:
        rec = self.recorder  # read once: the GUI thread may swap it
        if rec is not None:
            rec.on_block(block.first_row, block.rows)

    def _on_status(self, st: Any) -> None:
        lost = st.state in ("reconnecting", "closed")
        if lost != self._lost:
            self._lost = lost
            self.link_lost.emit(lost)
        self.status.emit(st)

    def tare(self) -> float | None:
        """Zero the plates (the athlete steps off first). Returns the mean total force (N) that was on the
        plates over the second zeroed on, so the window can warn when someone was standing on them; ``None``
        when zeroing failed (the error signal says why)."""
        if self.link is None:
            self.error.emit("connect a device before zeroing it")
            return None
        feed = self.link.feed
        rows = feed.ring.latest(max(1, int(round(feed.rate))))
        load = float(np.mean(feed.columns.forces(rows)[:, 0])) if len(rows) else 0.0
        try:
            cal = self.link.tare()
        except ValueError as exc:
            self.error.emit(f"Zeroing failed: {exc}")
            return None
        if self.recorder is not None:
            self.recorder.set_calibration(cal)
        return load

    # ------------------------------------------------------------------ recording
    @property
    def is_recording(self) -> bool:
        """True while a session file is being written."""
        return self.recorder is not None

    def start_recording(self) -> Path | None:
        """Open a session file for the selected athlete and test; trials from now on are saved."""
        if self.link is None:
            self.error.emit("connect a device (or the simulated plates) before starting")
            return None
        if self.athlete is None:
            self.error.emit("choose an athlete before starting")
            return None
        if self.archive is None:
            self.error.emit("no archive folder: the session cannot be saved")
            return None
        engine = self.link.engine
        tests = list(self.planned_tests) or [self.test]
        info = session_info_from(engine, athlete=self.athlete["name"], tests=tests, source="forcelab app")
        info.protocol = self.protocol_choice
        assert info.started is not None
        path = self.archive.new_session_path(info.athlete, tests, info.started)
        try:
            self.recorder = Recorder(path, info, engine, on_error=self._error_in.emit)
        except OSError as exc:
            self.error.emit(f"Cannot create the session file {path}: {exc}")
            return None
        self.recording.emit(True, str(path))
        return path

    def stop_recording(self) -> Path | None:
        """Stop saving trials; the session file is closed (marked complete) and published on the analysis
        thread, after the analyses of its trials (``recording(False, path)`` then names where it is).
        Returns the file in the spool."""
        rec, self.recorder = self.recorder, None
        if rec is None:
            return None
        self._executor.submit(self._close_and_publish, rec)
        return rec.path

    def _close_and_publish(self, rec: Recorder) -> None:
        """Analysis thread: every analysis asked for before Stop has been stored (they ran before this), so
        close the file and publish it (and whatever else waits)."""
        path = rec.close()
        if self.archive is None:
            return
        report, moved = self._publish()
        self._publish_in.emit(report, moved)
        self._recording_closed.emit(str(moved.get(path, (path, None))[0]))

    def _publish(self) -> tuple[Any, dict[Path, tuple[Path, int | None]]]:
        """Publish what waits in the spool (any thread; the analysis thread but at start) and move the trials
        of each published session to its archive path and index version (later edits are published edits)."""
        assert self.archive is not None
        report, moved = self.archive.publish_waiting()
        for entry in list(self.trials.values()):
            if entry.session_path in moved:
                entry.session_path, entry.session_version = moved[entry.session_path]
        return report, moved

    def publish_now(self) -> tuple[Any, dict[Path, tuple[Path, int | None]]]:
        """Publish what waits in the spool now (an imported session) and wait for it: on the analysis thread,
        after what is queued there, so it never races a closing session's publish."""
        if self.archive is None:
            raise RuntimeError("no archive to publish to")
        report, moved = self._executor.submit(self._publish).result()
        self._publish_in.emit(report, moved)
        return report, moved

    def publish_waiting(self) -> None:
        """Try again to publish the sessions waiting in the spool (on the analysis thread; the retry timer)."""
        if self.archive is not None and not self._closing:
            self._executor.submit(lambda: self._publish_in.emit(*self._publish()))

    def _on_published(self, report: Any, moved: dict[Path, tuple[Path, int | None]]) -> None:
        """GUI thread: say what waits in the spool, retry while something does."""
        for target, _version in moved.values():
            log.info("published %s", target)
        message = report.message() or ""
        self.waiting = (len(report.waiting), message)
        if report.waiting:
            log.warning("archive: %s", message)
            if not self._retry.isActive() and not self._closing:
                self._retry.start(int(self.retry_interval * 1000))
        else:
            self._retry.stop()
        self.spool_changed.emit(*self.waiting)

    # ------------------------------------------------------------------ trials
    def _on_trial(self, acq: Any) -> None:
        """A trial closed by the engine's detector (GUI thread)."""
        number = self._next_number
        self._next_number += 1
        entry = TrialEntry(number, self.test, datetime.now().strftime("%H:%M:%S"), acq.trace,
                           session_path=self.recorder.path if self.recorder else None,
                           meta=dict(self.trial_meta), params=self.params_for(self.test))
        self.trials[number] = entry
        if self.recorder is not None:
            entry.file_number = self.recorder.add_trial(self.test, acq.first_row, acq.stop_row, entry.meta)
        self._submit(entry)  # first: a Stop pressed on seeing the trial then closes the file after its analysis
        self.trial_added.emit(entry)

    def add_trial_trace(self, trace: ForceTrace, test: str | None = None) -> TrialEntry:
        """Add a trial from a trace (for replays and the offline demo; not written to the stream)."""
        number = self._next_number
        self._next_number += 1
        test = test or self.test
        entry = TrialEntry(number, test, datetime.now().strftime("%H:%M:%S"), trace,
                           meta=dict(self.trial_meta), params=self.params_for(test))
        self.trials[number] = entry
        self.trial_added.emit(entry)
        self._submit(entry)
        return entry

    def params_for(self, test: str) -> dict[str, Any]:
        """The settings ``test``'s analysis takes from the session now (drop height, a protocol step's)."""
        if test not in dispatch.TESTS:
            return {}
        known = dispatch.parameters(test)  # its settings and trial inputs (drop height, load, limb)
        return {k: v for k, v in {**self.test_params, **self.step_settings}.items() if k in known}

    def _submit(self, entry: TrialEntry, *, suggest: bool = True) -> None:
        params = dict(entry.params)
        trace, test, number = entry.trace, entry.test, entry.number
        rec = self._saving(entry)  # the recording the trial is in: its analysis is stored there
        session_bw = self.session_body_weight()

        def work() -> TrialResult:  # analysis thread: the suggestion first (queued signals keep their order)
            if suggest:
                self._suggestion_in.emit(number, services.suggest_test(trace, test))
            return services.analyze_trial(trace, test, session_body_weight=session_bw,
                                          session_sd=self.body_weight_sd, **params)

        future = self._executor.submit(work)

        def done(f: Future[TrialResult], number: int = entry.number, file_number: int | None = entry.file_number
                 ) -> None:  # analysis thread, before its next task (which may be closing this recording)
            try:
                result = f.result()
            except (services.ServiceError, ValueError, ArithmeticError, IndexError) as exc:
                log.warning("analysis of trial %d failed: %s", number, exc)
                self._analysis_in.emit(number, None, str(exc))
                return
            if rec is not None and file_number is not None:
                rec.store_result(file_number, result)  # queued before a Stop's close: in the published file
            elif entry.session_path is not None and file_number is not None:  # its session is closed (a
                from forcelab.storage.edit import set_trial_result  # confirmed suggestion): a published edit

                self._edit_closed(entry, lambda p: set_trial_result(p, file_number, result), "analysis")
            self._analysis_in.emit(number, result, "")

        future.add_done_callback(done)

    def _on_suggestion(self, number: int, suggestion: tuple[str, str] | None) -> None:
        entry = self.trials.get(number)
        if entry is not None:
            entry.suggestion = suggestion

    def accept_suggestion(self, number: int) -> None:
        """The tester confirms trial ``number``'s suggested test: it is analysed again as that test and the new
        result saved (the archive keeps the test chosen when recording as the trial's ``test`` and the confirmed
        one as ``analysis_test``); ``trial_analysed`` follows."""
        entry = self.trials.get(number)
        if entry is None or entry.suggestion is None:
            return
        entry.test, entry.suggestion = entry.suggestion[0], None
        entry.params = self.params_for(entry.test)  # the confirmed test's settings, not the chosen one's
        self._submit(entry, suggest=False)

    def _saving(self, entry: TrialEntry) -> Recorder | None:
        rec = self.recorder
        if rec is not None and entry.session_path == rec.path and entry.file_number is not None:
            return rec
        return None

    def _on_analysis(self, number: int, result: TrialResult | None, message: str) -> None:
        entry = self.trials.get(number)
        if entry is None:
            return
        entry.result = result  # already stored in its session by the analysis thread
        entry.error = message
        self.trial_analysed.emit(entry)

    def replace_result(self, number: int, result: TrialResult) -> None:
        """Keep a recomputed result (after an event was edited in review) and save it: through the recorder
        while its session records, else into the closed session (a published one as a published edit)."""
        entry = self.trials[number]
        entry.result = result
        rec = self._saving(entry)
        if rec is not None and entry.file_number is not None:
            rec.store_result(entry.file_number, result)
        elif entry.session_path is not None and entry.file_number is not None:
            from forcelab.storage.edit import set_trial_result

            file_number = entry.file_number
            self._edit_closed(entry, lambda p: set_trial_result(p, file_number, result), "analysis")
        self.trial_analysed.emit(entry)

    def decide(self, number: int, accepted: bool | None, note: str | None = None) -> None:
        """Accept/reject a trial (and keep its note); saved at once."""
        entry = self.trials.get(number)
        if entry is None:
            return
        entry.accepted = accepted
        if note is not None:
            entry.note = note
        rec = self._saving(entry)
        if rec is not None and entry.file_number is not None:
            rec.set_decision(entry.file_number, accepted, entry.note)
        elif entry.session_path is not None and entry.file_number is not None:
            from forcelab.storage.edit import set_trial_decision

            file_number, note = entry.file_number, entry.note
            self._edit_closed(entry, lambda p: set_trial_decision(p, file_number, accepted, note), "decision")

    def _edit_closed(self, entry: TrialEntry, change: Callable[[Path], object], what: str) -> None:
        """Apply ``change`` (a :mod:`forcelab.storage.edit` function of the file) to the closed session of
        ``entry``, on the analysis thread (after its close and publish, when it was just recorded).

        A published session is edited through the station's spool and published back naming the version it
        was read at (:func:`forcelab.storage.publish.edit_published`): another station's newer change is
        never overwritten, the tester is told instead. One still waiting in the spool is changed where it is.
        """
        from forcelab.storage.h5open import SessionFileError
        from forcelab.storage.index import StaleSessionError
        from forcelab.storage.publish import PublishError, edit_published

        file_number = entry.file_number

        def work() -> None:
            path, version = entry.session_path, entry.session_version  # as published by now
            assert path is not None
            try:
                if version is None or self.archive is None:
                    change(path)
                    return
                edit_published(self.archive.path, path, change, expected_version=version)
                for e in self.trials.values():  # every trial of that session now stands on the new version
                    if e.session_path == path and e.session_version == version:
                        e.session_version = version + 1
            except (StaleSessionError, PublishError) as exc:
                self._error_in.emit(f"The {what} of trial {file_number} of {path.name} was not saved: {exc}")
            except (SessionFileError, OSError, ValueError) as exc:
                self._error_in.emit(f"Could not save the {what} of trial {file_number} of {path.name}: {exc}")

        self._executor.submit(work)

    def set_note(self, number: int, note: str) -> None:
        """Change a trial's note (saved with its decision)."""
        entry = self.trials.get(number)
        if entry is not None:
            self.decide(number, entry.accepted, note)

    # ------------------------------------------------------------------ reopen
    def load_today(self) -> list[TrialEntry]:
        """Trials of today's saved sessions (shown again when the app is reopened)."""
        if self.archive is None:
            return []
        from forcelab.storage.h5open import SessionFileError
        from forcelab.storage.session import open_session

        loaded = []
        for path in self.archive.sessions_of_day():
            try:
                version = self.archive.index.session_version(path)
                sess = open_session(path)
            except SessionFileError as exc:
                self.error.emit(str(exc))
                continue
            self.reopened[path] = (sess.athlete, sess.protocol)
            for t in sess.trials:
                number = self._next_number
                self._next_number += 1
                entry = TrialEntry(
                    number, t.test, t.began_at[11:19] if len(t.began_at) >= 19 else "",
                    t.trace(),
                    result=result_from_stored(t.test, t.rate, t.result),
                    accepted=t.accepted, note=t.note, session_path=path, file_number=t.number,
                    session_version=version,
                    meta=dict(t.meta), params=dict((t.result or {}).get("params") or {}),
                )
                self.trials[number] = entry
                loaded.append(entry)
        return loaded

    def shutdown(self) -> None:
        """Close everything (on window close): the session file is completed, nothing is lost."""
        self._closing = True
        self._retry.stop()
        self.detach()
        self._executor.shutdown(wait=True, cancel_futures=False)
