"""Running a protocol in the window: the one place that turns a :class:`ProtocolRun` into what the app does.

The controller listens to the session (a trial was found), the trial table (accepted / rejected) and the
weighing, keeps the :class:`forcelab.protocols.progress.ProtocolRun` of the athlete on the plate, and for each
step switches the test selector and its settings (drop height ...), gives the session the analysis settings
and the metadata every trial carries into the archive (protocol, step, limb), and draws the step's target
on the live plot. A 4 Hz timer runs the rest countdown; when the rest is over the *start* cue sounds, and a
steady weighing sounds *go* (:mod:`forcelab.gui.cues`, off unless the tester turns them on).

Everything is recorded in one session file per athlete: starting the protocol starts recording (the file
lists the protocol's tests), and the session goes on across steps. For a team, the athletes follow one
another: when one has finished, *Next athlete* closes that session and starts the protocol for the next.

The choice (protocol, team, run id) is saved with each session file (attribute ``protocol``), and every trial
carries its step and limb: when the app is opened again after it was closed or crashed mid-protocol,
:meth:`ProtocolController.offer_resume` finds today's unfinished runs in the reopened sessions
(:mod:`forcelab.protocols.resume`) and the panel offers to continue ("Continue Jump profile at step 3 of 7 (2
of 3 trials)"); continuing records a new session file of the same run from that step on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6 import QtCore

from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.gui.cues import AudioCues, load_enabled, save_enabled
from forcelab.gui.protocol_panel import ProtocolPanel
from forcelab.protocols import library
from forcelab.protocols.model import Protocol, ProtocolStep
from forcelab.protocols.progress import ProtocolRun
from forcelab.protocols.resume import Choice, Resumable, SavedSession, choice_to_json, resumable
from forcelab.protocols.targets import ResolvedTarget, best_of, resolve

log = logging.getLogger(__name__)

#: Least rest (s) after the app switched to another test: the live trial detector starts afresh for the new
#: test (forcelab.gui.services.SwitchableDetector), and a pull or a jump begun sooner lacks the quiet second
#: of baseline / weighing its analysis needs. The panel shows it as rest, so the tester waits for "Ready".
SWITCH_SETTLE = 1.5


def previous_best(archive: Any, athlete: str, protocol: Protocol, step: ProtocolStep) -> tuple[float, str] | None:
    """``(value, unit)`` of the athlete's best archived value of the step target's metric, or ``None``.

    The values come from the archive's index (one query). Trials of the step's test that the tester did not
    reject count; when the protocol has several steps of that test (a hamstring pull and an adductor squeeze
    are both isometric pulls) only trials recorded for a step of the same label do, so one muscle group's best
    never becomes another's target: that label is a trial attribute, read from the files those trials are in
    (attributes only, no samples or metric tables)."""
    target = step.target
    if target is None or target.kind != "previous_best" or archive is None or not athlete:
        return None
    rows = [r for r in archive.index.metric_values(athlete, target.metric, test=step.test)
            if r.accepted is not False and r.value is not None]
    if sum(s.test == step.test for s in protocol.steps) > 1:
        labels = _step_labels(archive.path, {r.session_id for r in rows})
        rows = [r for r in rows if labels.get((r.session_id, r.trial)) == step.title]
    best = best_of((r.value for r in rows), target.better)
    if best is None:
        return None
    return best, next(r.unit for r in rows if r.value == best)


def _step_labels(folder: Any, sessions: set[str]) -> dict[tuple[str, int], str]:
    """``{(session, trial): protocol_step_label}`` for the trials of ``sessions`` (paths relative to the
    archive ``folder``) that were recorded in a protocol. Unreadable files are logged and skipped."""
    from forcelab.storage import schema
    from forcelab.storage.h5open import SessionFileError, open_h5_read
    from forcelab.storage.h5tables import attr_num, attr_str

    labels: dict[tuple[str, int], str] = {}
    for rel in sorted(sessions):
        try:
            with open_h5_read(folder / rel) as f:
                for g in (f[schema.TRIALS].values() if schema.TRIALS in f else ()):
                    if "protocol_step_label" in g.attrs:
                        labels[(rel, int(attr_num(g, "number") or 0))] = attr_str(g, "protocol_step_label")
        except (SessionFileError, OSError) as exc:
            log.info("previous best: %s skipped (%s)", rel, exc)
    return labels


class ProtocolController(QtCore.QObject):
    """Drives ``panel`` and the window ``window`` (a :class:`forcelab.gui.mainwindow.MainWindow`: its
    ``session``, ``tests``, ``live``, ``table``, ``weigher``, ``roster`` and ``show_error``).

    ``clock`` gives monotonic seconds (the rest countdown); ``directory`` is the user's protocol folder."""

    def __init__(self, window: Any, panel: ProtocolPanel, *, clock: Callable[[], float] = time.monotonic,
                 directory: Any = None) -> None:
        super().__init__(window)
        self.w = window
        self.panel = panel
        self.clock = clock
        self.directory = directory
        self.library = library.Library()
        self.run: ProtocolRun | None = None
        self._protocol: Protocol | None = None
        self._group = ""
        #: runs interrupted today that can be continued, per athlete (:meth:`offer_resume`)
        self.offers: dict[str, Resumable] = {}
        self.queue: list[str] = []
        self.position = 0
        self.target: ResolvedTarget | None = None
        self.cues = AudioCues(self, enabled=load_enabled())
        panel.cues.setChecked(self.cues.enabled)
        self._resting = False
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)
        panel.start_requested.connect(self.start)
        panel.stop_requested.connect(self.stop)
        panel.goto_requested.connect(self.goto)
        panel.skip_requested.connect(self.skip)
        panel.end_rest_requested.connect(self.end_rest)
        panel.next_athlete_requested.connect(self.next_athlete)
        panel.cues_toggled.connect(self._on_cues)
        panel.resume_requested.connect(self.resume)
        panel.edit_requested.connect(self.open_editor)
        self.editor: Any = None
        window.session.trial_added.connect(self._on_trial_added)
        window.session.weighing_changed.connect(self._on_weighing)
        window.session.athlete_changed.connect(self._on_athlete)
        window.table.decision_changed.connect(self._on_decision)
        window.weigher.finished.connect(self._on_weighed)
        self.reload()

    # ------------------------------------------------------------------ choices
    def reload(self) -> None:
        """Read the protocol library and the roster's teams again."""
        self.library = library.available(self.directory)
        self.panel.set_protocols(self.library.protocols, self.library.problems)
        self.panel.set_groups(self._teams())

    def open_editor(self) -> Any:
        """Open the protocol editor (:mod:`forcelab.gui.protocol_editor`); what it saves is offered at once."""
        from forcelab.gui.protocol_editor import ProtocolEditor

        if self.editor is None:
            self.editor = ProtocolEditor(self.directory, self.w)
            self.editor.saved.connect(lambda _name: self.reload())
        else:
            self.editor.reload(select=self.panel.picker.currentText())
        self.editor.show()
        self.editor.raise_()
        return self.editor

    def _athletes(self) -> list[dict[str, Any]]:
        archive = self.w.session.archive
        return list(archive.index.athletes()) if archive is not None else []

    def _teams(self) -> dict[str, int]:
        teams: dict[str, int] = {}
        for a in self._athletes():
            if a.get("team"):
                teams[str(a["team"])] = teams.get(str(a["team"]), 0) + 1
        return teams

    # ------------------------------------------------------------------ a run
    def start(self, name: str, group: str = "") -> bool:
        """Start protocol ``name`` for the selected athlete (``group`` empty) or every athlete of team
        ``group``, in roster order; recording starts with it. False (and the reason shown) if it cannot."""
        try:
            protocol = self.library.get(name)
        except KeyError as exc:
            self.w.show_error(str(exc.args[0]))
            return False
        if group:
            names = [a["name"] for a in self._athletes() if str(a.get("team") or "") == group]
        else:
            athlete = self.w.session.athlete
            names = [athlete["name"]] if athlete else []
        if not names:
            self.w.show_error("choose an athlete in the roster before starting a protocol" if not group
                              else f"team {group} has no athletes in the roster")
            return False
        self.queue, self.position = names, 0
        self._protocol, self._group = protocol, group
        return self._begin_athlete()

    # ------------------------------------------------------------------ after a restart
    def offer_resume(self) -> None:
        """Find the runs today's reopened sessions left unfinished (the window calls it after reopening them) and
        offer the selected athlete's, else the latest one."""
        session = self.w.session
        by_path: dict[Any, list[Any]] = {}
        for entry in session.trials.values():
            if entry.session_path in session.reopened:
                by_path.setdefault(entry.session_path, []).append(entry)
        saved = [SavedSession(athlete, protocol, sorted(by_path.get(path, []), key=lambda e: e.number), str(path))
                 for path, (athlete, protocol) in session.reopened.items()]
        found, problems = resumable(saved)
        for message in problems:
            log.warning("protocol run not offered: %s", message)
        for r in found:
            for why in r.ignored:
                log.info("%s, %s: %s", r.athlete, r.run.protocol.name, why)
        self.offers = {r.athlete: r for r in found}
        self._show_offer()

    def _show_offer(self) -> None:
        athlete = (self.w.session.athlete or {}).get("name", "")
        offer = self.offers.get(athlete) or (next(reversed(self.offers.values())) if self.offers else None)
        if offer is None or self.run is not None:
            self.panel.offer_resume("", "")
            return
        details = "\n".join((f"{offer.run.protocol.name} for {offer.athlete}, from the trials recorded today",
                              *offer.ignored))
        self.panel.offer_resume(offer.athlete, offer.offer(), details)

    def resume(self, athlete: str) -> bool:
        """Continue ``athlete``'s run interrupted today where its trials left it: the same protocol (as it was
        saved), the same team order, a new session file of the same run. False (and why shown) if it cannot."""
        offer = self.offers.get(athlete)
        if offer is None:
            self.w.show_error(f"no interrupted protocol of {athlete or 'anyone'} to continue today")
            return False
        choice = offer.choice
        self._protocol, self._group = choice.protocol, choice.group
        self.queue = list(choice.queue) or [athlete]
        self.position = self.queue.index(athlete) if athlete in self.queue else 0
        if not self._begin_athlete(run=offer.run, run_id=choice.run):
            return False
        self.w.statusBar().showMessage(f"{offer.offer()}: {athlete}", 8000)
        return True

    def _begin_athlete(self, run: ProtocolRun | None = None, run_id: str = "") -> bool:
        assert self._protocol is not None
        name = self.queue[self.position]
        tests, session = self.w.tests, self.w.session
        tests.stop_recording()  # the previous athlete's (or a plain) session is closed first
        roster = self.w.roster
        if roster is not None and (session.athlete or {}).get("name") != name and not roster.select(name):
            self.w.show_error(f"{name} is not in the roster")
            return False
        self.run = run if run is not None else ProtocolRun(self._protocol, name)
        choice = Choice(self._protocol, group=self._group, queue=tuple(self.queue), position=self.position)
        session.protocol_choice = choice_to_json(replace(choice, run=run_id) if run_id else choice)
        session.planned_tests = self._protocol.tests
        if not self._enter_step():
            self._clear()
            return False
        tests.toggle_recording()  # Start: one session file for the whole protocol
        if not session.is_recording:
            self._clear()
            self.panel.show_idle()
            self._show_offer()
            return False  # the session said why (no device, no athlete, no archive)
        self.offers.pop(name, None)  # a new run (or this one continued) replaces what was interrupted
        self._timer.start()
        self._show()
        return True

    def _enter_step(self) -> bool:
        """Switch the app to the current step: test, settings, target, trial metadata."""
        run, session = self.run, self.w.session
        assert run is not None
        step = run.step
        if step is None:
            session.trial_meta, session.step_settings = {}, {}
            self.target = None
            self.w.live.set_target(None)
            return True
        switched = self.w.tests.current_test() != step.test
        try:
            self.w.tests.set_test(step.test)
        except ValueError as exc:
            self.w.show_error(f"step {run.step_index + 1} of {run.protocol.name}: {exc}")
            return False
        if "drop_height" in step.settings:
            self.w.tests.drop_height.setValue(float(step.settings["drop_height"]))  # type: ignore[arg-type]
        session.step_settings = dict(step.settings)
        session.trial_meta = run.meta()
        now = self.clock()
        if switched and run.rest_remaining(now) < SWITCH_SETTLE:
            run.rest_until = now + SWITCH_SETTLE
            self._resting = True
        self._resolve_target()
        return True

    def _resolve_target(self) -> None:
        run = self.run
        step = run.step if run is not None else None
        if run is None or step is None or step.target is None:
            self.target = None  # a step without a target: no line (not the previous step's)
            self._show_target(None, step is not None and step.test == "imtp")
            return
        session = self.w.session
        body_weight = session.body_weight
        if body_weight is None and session.athlete and session.athlete.get("body_mass"):
            body_weight = float(session.athlete["body_mass"]) * STANDARD_GRAVITY
        best = None
        if step.target.kind == "previous_best":
            try:
                best = previous_best(session.archive, run.athlete, run.protocol, step)
            except OSError as exc:  # the archive index could not be read: no previous best, say so
                self.w.show_error(f"previous best not found: {exc}")
        self.target = resolve(step.target, body_weight=body_weight, best=best[0] if best else None,
                              best_unit=best[1] if best else "")
        if self.target is not None:
            self._show_target(self.target, step.test == "imtp")

    def _show_target(self, target: ResolvedTarget | None, pull: bool) -> None:
        """Draw ``target`` (``None``: no line); for a pull its own target box shows the same (0: no target)."""
        newtons = target.newtons if target is not None else None
        self.w.live.set_target(newtons, target.label if target is not None else "target")
        if pull:
            box = self.w.tests.target
            box.blockSignals(True)
            box.setValue(newtons or 0.0)
            box.blockSignals(False)

    def _show(self) -> None:
        run = self.run
        if run is None:
            self.panel.show_idle()
            return
        many = len(self.queue) > 1
        queue_text = f"Athlete {self.position + 1} of {len(self.queue)}: {run.athlete}" if many else run.athlete
        self.panel.show_run(run, now=self.clock(), target=self.target.text if self.target else "",
                            queue_text=queue_text, has_next_athlete=self.position + 1 < len(self.queue))

    def _clear(self) -> None:
        session = self.w.session
        session.trial_meta, session.step_settings, session.planned_tests = {}, {}, []
        session.protocol_choice = ""
        self.run = None
        self.target = None
        self._timer.stop()

    def stop(self) -> None:
        """End the protocol: trials from now on are plain session trials (recording goes on)."""
        self._clear()
        self.w.live.set_target(None)
        self.panel.show_idle()
        self._show_offer()

    def next_athlete(self) -> None:
        """Close this athlete's session and start the protocol for the next athlete of the team."""
        if self.position + 1 >= len(self.queue):
            return
        self.position += 1
        self._begin_athlete()

    def goto(self, index: int) -> None:
        """Go (back) to step ``index`` (0-based)."""
        if self.run is None:
            return
        self.run.goto(index)
        self._enter_step()
        self._show()

    def skip(self) -> None:
        """Leave the current step and go to the next."""
        if self.run is not None and not self.run.finished:
            self.goto(self.run.step_index + 1)

    def end_rest(self) -> None:
        """The athlete is ready before the rest is over."""
        if self.run is not None:
            self.run.end_rest()
            self._resting = False
            self.cues.play("start")
            self._show()

    # ------------------------------------------------------------------ what happens
    def _on_trial_added(self, entry: Any) -> None:
        run = self.run
        if run is None or run.finished or entry.meta.get("protocol") != run.protocol.name:
            return
        before = run.step_index
        run.record(entry.number, now=self.clock())
        self._resting = run.rest_remaining(self.clock()) > 0
        if run.step_index != before:
            self._enter_step()
            if run.finished:
                self.w.statusBar().showMessage(f"{run.protocol.name} done for {run.athlete}", 8000)
        else:
            self.w.session.trial_meta = run.meta()  # the next trial's limb when alternating
        self._show()

    def _on_athlete(self, athlete: dict[str, Any]) -> None:
        """Another athlete was picked in the roster mid-run: this athlete's protocol ends (the next athlete of
        a team is started by *Next athlete*, which makes a new run)."""
        run = self.run
        if run is None:
            self.panel.set_groups(self._teams())  # the roster may have gained a team since
            self._show_offer()
        elif athlete.get("name") != run.athlete:
            self.stop()
            self.w.statusBar().showMessage(f"{run.protocol.name} ended: {athlete.get('name')} is on the plate now",
                                           8000)

    def _on_decision(self, number: int, accepted: object) -> None:
        if self.run is not None and self.run.decide(number, accepted if isinstance(accepted, bool) else None):
            self._show()

    def _on_weighing(self, body_weight: object) -> None:
        if self.run is not None and self.target is not None and self.run.step is not None \
                and self.run.step.target is not None and self.run.step.target.kind == "body_weight":
            self._resolve_target()
            self._show()

    def _on_weighed(self, outcome: Any) -> None:
        if outcome.steady and outcome.body_weight is not None:
            self.cues.play("go")

    def _on_cues(self, on: bool) -> None:
        self.cues.set_enabled(on)
        save_enabled(on)

    def _tick(self) -> None:
        run = self.run
        if run is None:
            return
        remaining = run.rest_remaining(self.clock())
        if self._resting and remaining <= 0:
            self._resting = False
            self.cues.play("start")
            self._show()
        elif remaining > 0:
            self.panel.show_rest(remaining)
