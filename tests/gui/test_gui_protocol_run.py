"""A protocol run end to end in the real window on simulated plates over a real pty.

The "Jump profile" (3 CMJ, 3 squat jumps, 3 drop jumps from 30 cm) is started from the protocol panel for
the selected athlete; the simulated athlete performs whatever test the app has switched to (the J key, as
a tester would ask them). The test checks that the guidance advanced step by step (test selector, drop
height, trial counter, rest countdown), that a rejection makes the step want one more trial, and that every
trial landed in one session file with its protocol, step and limb as trial attributes in the HDF5 file.
Screenshots of the protocol panel at 1366x768 and 1920x1080 go to ``$FORCELAB_SCREENSHOTS`` (else tmp).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest
from PySide6 import QtCore, QtWidgets

from forcelab.analysis.types import Metric, TrialResult
from forcelab.gui.app import build_window
from forcelab.gui.mainwindow import MainWindow
from forcelab.storage.archive import new_session_path
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from forcelab.storage.writer import SessionWriter
from support.archive import block_for, info
from support.screens import save_shot

PROFILE = "forcelab dual plate (8 cells)"
G = 9.80665


class FakeClock:
    """The controller's monotonic clock, moved by the test (the rest countdown without waiting)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _save5k(widget: QtWidgets.QWidget, path: Path) -> None:
    save_shot(widget, path, min_bytes=5_000)


def _published(qtbot, archive: Path) -> Path:  # type: ignore[no-untyped-def]
    """The one session file in the archive, once the stopped recording was published from the spool."""
    qtbot.waitUntil(lambda: len(list((archive / "sessions").rglob("*.h5"))) == 1, timeout=10_000)
    (path,) = (archive / "sessions").rglob("*.h5")
    return path


def _window(qtbot, clock: FakeClock) -> MainWindow:  # type: ignore[no-untyped-def]
    window = build_window()
    qtbot.addWidget(window)
    index = window.session.archive.index
    index.set_athlete("Ada Jumper", body_mass=75.0, sport="volleyball", team="U19")
    index.set_athlete("Bo Hopper", body_mass=82.0, sport="volleyball", team="U19")
    assert window.roster is not None
    window.roster.reload(select="Ada Jumper")
    window.protocol.clock = clock
    window.protocol.reload()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.setFocus()
    return window


def _do_trial(qtbot, window: MainWindow, n_before: int) -> None:  # type: ignore[no-untyped-def]
    """The simulated athlete performs the current test (J); wait until the trial is found and analysed."""
    qtbot.keyClick(window, QtCore.Qt.Key.Key_J)
    qtbot.waitUntil(lambda: len(window.session.trials) > n_before, timeout=20_000)
    qtbot.waitUntil(lambda: all(e.result is not None or e.error for e in window.session.trials.values()),
                    timeout=20_000)


def test_jump_profile_protocol_runs_end_to_end(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    window = _window(qtbot, clock)
    panel, control = window.protocol_panel, window.protocol
    assert "Jump profile" in [panel.picker.itemText(i) for i in range(panel.picker.count())]
    # the 10/5 hop test needs the rebound analysis: not offered until it exists, and the panel says why
    assert panel.problems.isVisible() == bool(control.library.problems)
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=3)
    link = window.session.link
    assert link is not None and link.simulator is not None
    # the simulated athlete steps on after 1 s and stands (the plates carry the factory zero)
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 2500, timeout=8000)

    panel.picker.setCurrentText("Jump profile")
    _save5k(panel, shots / "protocol-panel-idle.png")
    qtbot.mouseClick(panel.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.is_recording and control.run is not None
    assert window.tests.current_test() == "cmj"
    assert panel.step_title.text() == "Step 1 of 3 · Countermovement jump"
    assert panel.trial_text.text() == "Trial 1 of 3 · both legs"
    panel.cues.setChecked(True)  # sound cues on (offscreen there is no audio device: they must not fail)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_W)
    qtbot.waitUntil(lambda: not window.weigher.active, timeout=15_000)
    assert window.session.body_weight == pytest.approx(75.0 * G, abs=10.0)
    assert control.cues.requested == ["go"]  # "go" after the steady weighing

    seen_tests = []
    for i in range(9):
        n = len(window.session.trials)
        _do_trial(qtbot, window, n)
        seen_tests.append(window.session.trials[n + 1].test)
        if i == 2:  # the CMJ step is done: the app switched to the squat jump, with the rest before it
            assert window.tests.current_test() == "sj"
            assert panel.step_title.text() == "Step 2 of 3 · Squat jump"
            assert panel.rest.text() == "Rest 1:00"
            _save5k(panel, shots / "protocol-panel.png")
            for size, name in (((1920, 1080), "protocol-1920x1080.png"), ((1366, 768), "protocol-1366x768.png")):
                window.resize(*size)
                qtbot.wait(150)
                _save5k(window, shots / name)
        clock.t += 200.0  # the rest is over before the next trial
        if i == 0:
            assert panel.trial_text.text() == "Trial 2 of 3 · both legs"
            clock.t -= 200.0 - 10.0  # 10 s into a 30 s rest: the countdown shows what is left
            control._tick()
            assert panel.rest.text() == "Rest 0:20"
            clock.t += 190.0
            control._tick()
            assert control.cues.requested == ["go", "start"]  # the beep when the rest is over
            assert panel.rest.text() == "Ready: go when set"
        if i == 5:
            assert window.tests.current_test() == "dj"
            assert window.tests.drop_height_value() == pytest.approx(0.30)
            assert panel.step_title.text() == "Step 3 of 3 · Drop jump 30 cm"
            # the tester rejects the last squat jump after the step was left: step 2 is short and says so
            window.table.set_decision(6, False)
            assert control.run.short_steps() == [1]
            assert "redo" in panel.steps.item(1).text()
            window.table.set_decision(6, True)
            assert control.run.short_steps() == []
        control._tick()
    assert seen_tests == ["cmj"] * 3 + ["sj"] * 3 + ["dj"] * 3
    assert control.run.finished and panel.step_title.text() == "Protocol done"
    for entry in window.session.trials.values():
        assert entry.result is not None, entry.error
        if entry.test == "dj":
            assert entry.result.params["drop_height"] == pytest.approx(0.30)

    _save5k(panel, shots / "protocol-panel-done.png")

    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # stop: the session is saved
    assert not window.session.is_recording
    path = _published(qtbot, archive)
    window.close()

    saved = open_session(path)
    assert saved.complete and saved.tests == ["cmj", "sj", "dj"] and len(saved.trials) == 9
    assert [t.test for t in saved.trials] == seen_tests
    assert [t.meta["protocol_step"] for t in saved.trials] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert {t.meta["protocol"] for t in saved.trials} == {"Jump profile"}
    assert saved.trials[6].meta["protocol_step_label"] == "Drop jump 30 cm"
    assert {t.meta["limb"] for t in saved.trials} == {"both"}
    with h5py.File(path, "r") as f:  # as any HDF5 reader sees it (docs/archive-format.md, table 2)
        g = f["trials/trial_007"]
        assert g.attrs["protocol"] == "Jump profile" and int(g.attrs["protocol_step"]) == 3
        assert g.attrs["limb"] == "both" and g.attrs["test"] == "dj"


def test_a_protocol_cannot_start_without_a_device(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, FakeClock())
    window.protocol_panel.picker.setCurrentText("Jump profile")
    assert not window.protocol.start("Jump profile")
    assert window.protocol.run is None and not window.session.is_recording
    assert window.session.trial_meta == {} and window.session.planned_tests == []
    assert "connect a device" in window.statusBar().currentMessage()
    window.close()


def _old_screen(archive: Path) -> None:
    """Last month's hamstring / groin screen of Ada in the archive: hamstring pulls up to 2000 N (a rejected
    5000 N one does not count), adductor squeezes up to 3000 N (another step of the same test)."""
    from datetime import datetime, timedelta

    started = datetime.now().astimezone() - timedelta(days=30)
    path = new_session_path(archive, "Ada Jumper", ["imtp"], started)
    w = SessionWriter(path, info("Ada Jumper", ("imtp",)))
    for start in range(0, 8000, 500):
        w.append(*block_for(start, 500))
    rows = [("Hamstring 90/90 pull", 1800.0, True), ("Hamstring 90/90 pull", 2000.0, None),
            ("Hamstring 90/90 pull", 5000.0, False), ("Hip adduction squeeze (45 degrees)", 3000.0, True)]
    for i, (label, peak, accepted) in enumerate(rows):
        number = w.add_trial("imtp", 1000 * i, 1000 * i + 900, meta={
            "protocol": "Hamstring / groin screen", "protocol_step": 1, "protocol_step_label": label,
            "limb": "left"})
        result = TrialResult(test="imtp", rate=2000.0)
        result.add_metric(Metric("peak_force", peak, "N", "max", {}, "ref"))
        w.store_result(number, result)
        w.set_decision(number, accepted, "")
    w.close()
    with ArchiveIndex(archive) as index:
        index.sync()


def test_a_team_runs_the_hamstring_screen_with_previous_bests(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    _old_screen(archive)
    window = _window(qtbot, FakeClock())
    panel, control = window.protocol_panel, window.protocol
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=5)
    link = window.session.link
    assert link is not None
    # the athlete steps on after 1 s: a pull needs a quiet second before it (its baseline)
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 4000, timeout=10_000)
    panel.picker.setCurrentText("Hamstring / groin screen")
    panel.group.setCurrentIndex(panel.group.findData("U19"))
    assert panel.group.currentText() == "team U19 (2 athletes)"
    qtbot.mouseClick(panel.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.is_recording and window.session.athlete["name"] == "Ada Jumper"
    assert panel.athlete.text() == "Athlete 1 of 2: Ada Jumper"
    assert panel.trial_text.text() == "Trial 1 of 3 per leg · left leg"
    # the app switched from the CMJ to the pull: a short rest while the new test's detector settles
    assert panel.rest.text() == "Rest 0:02"
    # the target is Ada's best hamstring pull (not the rejected one, not the adductor squeeze)
    assert window.live.target == (pytest.approx(2000.0), "previous best")
    assert "previous best 2,000 N" in panel.target_text.text()

    # the app's trial detector starts afresh when the test changes (a pull needs a quiet second before it)
    qtbot.wait(1500)
    _do_trial(qtbot, window, 0)
    assert window.session.trials[1].meta["limb"] == "left"
    assert panel.trial_text.text() == "Trial 1 of 3 per leg · right leg"
    _save5k(window, shots / "protocol-team-1366x768.png")
    assert window.session.trial_meta["limb"] == "right"
    qtbot.mouseClick(panel.skip_button, QtCore.Qt.MouseButton.LeftButton)
    assert panel.step_title.text() == "Step 2 of 3 · Hip adduction squeeze (45 degrees)"
    assert window.live.target == (pytest.approx(3000.0), "previous best")
    qtbot.mouseClick(panel.skip_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.skip_button, QtCore.Qt.MouseButton.LeftButton)
    assert control.run is not None and control.run.finished
    assert "lacks trials" in panel.trial_text.text()  # the hamstring step was left short
    assert panel.next_athlete_button.isVisible()

    qtbot.mouseClick(panel.next_athlete_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.athlete["name"] == "Bo Hopper" and window.session.is_recording
    assert panel.athlete.text() == "Athlete 2 of 2: Bo Hopper"
    assert window.live.target is None  # Bo has no previous best: this trial sets it
    assert "this trial sets the best" in panel.target_text.text()
    assert not panel.next_athlete_button.isVisible()
    # the tester picks someone else in the roster mid-run: Bo's protocol ends, the picker is back
    assert window.roster is not None and window.roster.select("Ada Jumper")
    assert control.run is None and window.session.trial_meta == {} and not panel._guide.isVisible()
    assert "ended" in window.statusBar().currentMessage()
    window.close()

    sessions = [open_session(p) for p in sorted((archive / "sessions").rglob("*.h5"))]
    assert [(x.athlete, len(x.trials)) for x in sessions] == [("Ada Jumper", 4), ("Ada Jumper", 1), ("Bo Hopper", 0)]
    ada = sessions[1]
    assert ada.complete and ada.tests == ["imtp"]
    (pull,) = ada.trials
    assert pull.meta == {"protocol": "Hamstring / groin screen", "protocol_step": 1,
                         "protocol_step_label": "Hamstring 90/90 pull", "limb": "left"}
    assert (pull.metrics["peak_force"]["value"] or 0) > 500, pull.metrics["peak_force"].get("reason")


def test_the_10_5_hop_protocol_runs_the_rebound_test(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    """The shipped 10/5 protocol names the rebound test, which the analysis now knows: it is offered, switches
    the app to repeated hops, and its trials are analysed as hop series with the protocol in the archive."""
    clock = FakeClock()
    window = _window(qtbot, clock)
    panel, control = window.protocol_panel, window.protocol
    assert "10/5 repeated hop" in control.library.names() and not panel.problems.isVisible()
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=11)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 3000, timeout=10_000)
    assert control.start("10/5 repeated hop")
    assert window.tests.current_test() == "rebound"
    assert panel.step_title.text() == "Step 1 of 1 · Repeated hops"
    qtbot.wait(1500)  # the detector of the new test starts afresh: a quiet moment before the first hop
    for n in range(2):
        _do_trial(qtbot, window, n)
        clock.t += 130.0
        control._tick()
    assert control.run is not None and control.run.finished
    for entry in window.session.trials.values():
        assert entry.test == "rebound" and entry.result is not None, entry.error
        assert entry.result.value("hop_count") >= 5
        assert entry.meta["protocol"] == "10/5 repeated hop"
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    path = _published(qtbot, archive)
    window.close()
    saved = open_session(path)
    assert saved.tests == ["rebound"] and [t.meta["protocol_step"] for t in saved.trials] == [1, 1]


def test_the_users_protocols_are_offered_and_a_bad_file_is_named(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from forcelab.protocols import library

    folder = library.user_directory()
    folder.mkdir(parents=True)
    (folder / "u18.json").write_text(json.dumps({"name": "U18 jumps", "steps": [
        {"test": "cmj", "trials": 5}, {"test": "dj", "trials": 2, "settings": {"drop_height": 0.2}}]}))
    (folder / "typo.json").write_text(json.dumps({"name": "Typo", "steps": [{"test": "cmj", "trails": 3}]}))
    window = _window(qtbot, FakeClock())
    panel = window.protocol_panel
    names = [panel.picker.itemText(i) for i in range(panel.picker.count())]
    assert "U18 jumps" in names and "Typo" not in names
    panel.picker.setCurrentText("U18 jumps")
    assert panel.preview.text() == "5 × Countermovement jump · 2 × Drop jump 20 cm"
    assert panel.problems.isVisible() and panel.problems.text() == "Not available (hover for why): typo.json"
    assert f"{folder / 'typo.json'}, step 1: unknown field(s) 'trails'" in panel.problems.toolTip()
    assert panel.group.itemData(1) == "U19"
    _save5k(panel, shots / "protocol-panel-user.png")
    window.close()


def test_a_body_weight_target_follows_the_weighing(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, FakeClock())
    panel, control = window.protocol_panel, window.protocol
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=2)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 2500, timeout=8000)
    assert control.start("IMTP strength check")
    qtbot.mouseClick(panel.skip_button, QtCore.Qt.MouseButton.LeftButton)  # past the CMJ warm-up
    assert window.tests.current_test() == "imtp"
    # before weighing: 250 % of the roster's 75 kg
    assert window.live.target == (pytest.approx(2.5 * 75.0 * G), "250 % BW")
    assert window.tests.target_value() == pytest.approx(2.5 * 75.0 * G, abs=0.01)  # the box keeps 2 decimals
    qtbot.keyClick(window, QtCore.Qt.Key.Key_W)
    qtbot.waitUntil(lambda: not window.weigher.active, timeout=15_000)
    weighed = window.session.body_weight
    assert weighed is not None and weighed != pytest.approx(75.0 * G, abs=1e-6)
    assert window.live.target == (pytest.approx(2.5 * weighed), "250 % BW")
    assert f"{2.5 * weighed:,.0f} N (250 % body weight)" in panel.target_text.text()
    window.close()
