"""The whole testing workflow through the real window, against simulated plates on a real pty:
connect, zero, weigh, trials found and analysed, one rejected, the session saved, the app closed and
reopened with the session there; the same for isometric pulls; unplugging the cable mid-trial; garbage on
the line. Keys are pressed on the window (the hot-path shortcuts), not called as methods."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

from forcelab.gui.app import build_window
from forcelab.gui.mainwindow import MainWindow
from forcelab.simulation import example_archive
from forcelab.simulation.motion import Script
from forcelab.storage.archive import demo_archive_dir, session_files
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support.gui_window import open_window

PROFILE = "forcelab dual plate (8 cells)"
G = 9.80665


def _window(qtbot, athlete: str = "Ada Jumper", mass: float = 75.0) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot, athlete, mass, sport="volleyball")


def _published(qtbot, archive: Path) -> Path:  # type: ignore[no-untyped-def]
    """The one session file in the archive, once the stopped recording was published from the spool."""
    qtbot.waitUntil(lambda: len(list((archive / "sessions").rglob("*.h5"))) == 1, timeout=10_000)
    (path,) = (archive / "sessions").rglob("*.h5")
    return path


def _key(qtbot, window: MainWindow, key: QtCore.Qt.Key) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, key)


def _run_session(qtbot, archive: Path, test: str, script: Script, n_trials: int):  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    window.tests.set_test(test)
    assert window.start_simulated(PROFILE, 1000.0, script=script, noise=2.0, seed=7)
    link = window.session.link
    assert link is not None
    engine = link.engine
    # zero the empty plates (the scripted athlete steps on after a few seconds)
    qtbot.waitUntil(lambda: engine.ring.total_written > 1200, timeout=8000)
    _key(qtbot, window, QtCore.Qt.Key.Key_T)
    assert engine.calibration.source == "tare"
    tared_at = engine.ring.total_written
    qtbot.waitUntil(lambda: engine.ring.total_written > tared_at + 150, timeout=3000)
    rows = engine.ring.latest(100)
    assert abs(float(np.mean(rows[:, engine.column("total")]))) < 10.0  # zeroed
    # start recording (Space), then weigh (W): waits for a steady second once the athlete stands
    _key(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert window.tests.record_button.isChecked() and window.session.is_recording
    _key(qtbot, window, QtCore.Qt.Key.Key_W)
    assert window.weigher.active
    qtbot.waitUntil(lambda: not window.weigher.active, timeout=15_000)
    assert window.session.body_weight == pytest.approx(75.0 * G, abs=8.0)
    assert "steady" in window.tests.weigh_status.text()
    # the trials arrive by themselves: detected online, analysed, shown
    qtbot.waitUntil(lambda: sum(e.result is not None or bool(e.error) for e in window.session.trials.values())
                    >= n_trials, timeout=40_000)
    return window


def test_cmj_workflow_saved_and_reopened(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    script = Script(trials=("cmj", "cmj", "cmj"), empty_before=2.5, stand=1.5, pause=3.0)
    window = _run_session(qtbot, archive, "cmj", script, 3)
    trials = window.session.trials
    assert len(trials) == 3 and window.table.rowCount() == 3
    for entry in trials.values():
        assert entry.result is not None, entry.error
        h = entry.result.value("jump_height_takeoff_velocity")
        assert h == pytest.approx(0.35, abs=0.03)  # the simulated athlete jumps 35 cm
    assert window.card.values["Jump height (take-off velocity)"].endswith("cm")
    assert "Trial 3" in window.card.title.text()
    # reject trial 2 with the keyboard, note why, then stop recording (Space)
    window.table.selectRow(1)
    _key(qtbot, window, QtCore.Qt.Key.Key_X)
    window.table.set_note(2, "arms swung")
    window.table.selectRow(0)
    _key(qtbot, window, QtCore.Qt.Key.Key_A)
    _key(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert not window.session.is_recording
    path = _published(qtbot, archive)
    window.close()

    saved = open_session(path)
    assert saved.complete and saved.athlete == "Ada Jumper" and len(saved.trials) == 3
    assert [t.accepted for t in saved.trials] == [True, False, None]
    assert saved.trials[1].note == "arms swung"
    assert saved.trials[0].metrics["jump_height_takeoff_velocity"]["value"] == pytest.approx(0.35, abs=0.03)

    reopened = build_window()
    qtbot.addWidget(reopened)
    try:
        assert reopened.table.rowCount() == 3
        decisions = [reopened.table.decision(n) for n in reopened.table.numbers()]
        assert decisions == [True, False, None]
        assert reopened.table.note(reopened.table.numbers()[1]) == "arms swung"
        assert "Jump height (take-off velocity)" in reopened.card.values
        # changing one's mind the next day: accept the rejected trial in the reopened session
        reopened.table.set_decision(reopened.table.numbers()[1], True)
    finally:
        reopened.close()  # waits for the edit to be written
    assert [t.accepted for t in open_session(path).trials] == [True, True, None]
    with ArchiveIndex(archive) as index:  # the edit went through the publish path: one version further
        assert index.session_version(path) == 2
        assert [v.accepted for v in index.metric_values("Ada Jumper", "jump_height_takeoff_velocity")] == [
            True, True, None]


def test_isometric_pull_workflow(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    pull = ("imtp", {"peak_force": 2500.0, "hold": 1.0, "rise_time": 0.4})
    script = Script(trials=(pull, pull), empty_before=2.5, stand=1.5, pause=2.5)
    window = _run_session(qtbot, archive, "imtp", script, 2)
    assert window.live.peak_label.isVisible()
    # after each pull the big readout starts again and the pull's peak stays on show as "last pull"
    last = window.live.last_peak_label.text()
    assert last.startswith("last pull")
    assert float(last.split()[-2].replace(",", "")) == pytest.approx(2500.0, rel=0.03)
    for entry in window.session.trials.values():
        assert entry.test == "imtp" and entry.result is not None, entry.error
        assert entry.result.value("peak_force") == pytest.approx(2500.0, rel=0.03)
    assert window.card.values["Peak force"].endswith("N")
    window.table.selectRow(0)
    _key(qtbot, window, QtCore.Qt.Key.Key_X)
    assert window.session.is_recording
    window.close()  # closing the app while recording completes the session: nothing is lost
    path = _published(qtbot, archive)
    saved = open_session(path)
    assert saved.complete and [t.test for t in saved.trials] == ["imtp", "imtp"]
    assert saved.trials[0].accepted is False
    reopened = build_window()
    qtbot.addWidget(reopened)
    try:
        assert reopened.table.rowCount() == 2
        assert "Peak force" in reopened.card.values
    finally:
        reopened.close()


def test_unplug_mid_trial_banner_reconnect_and_go_on(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=3)
    link = window.session.link
    assert link is not None and link.simulator is not None
    sim, engine = link.simulator, link.engine
    qtbot.waitUntil(lambda: engine.ring.total_written > 2500, timeout=8000)  # standing
    _key(qtbot, window, QtCore.Qt.Key.Key_Space)
    assert window.session.is_recording
    _key(qtbot, window, QtCore.Qt.Key.Key_J)  # the simulated athlete jumps...
    before = engine.ring.total_written
    qtbot.waitUntil(lambda: engine.ring.total_written > before + 700, timeout=5000)
    sim.unplug()  # ...and the cable comes out mid-trial
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "Device lost" in window.banner.label.text()
    assert "reconnecting" in window.device.state.text()
    lost_at = engine.ring.total_written
    sim.replug()
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=8000)
    qtbot.waitUntil(lambda: engine.ring.total_written > lost_at + 1000, timeout=8000)  # data flows again
    assert window.session.is_recording
    assert window.device.state.text().startswith("connected")
    _key(qtbot, window, QtCore.Qt.Key.Key_Space)
    path = _published(qtbot, archive)
    window.close()
    saved = open_session(path)
    assert saved.complete
    # what was recorded before the unplug is kept, and recording went on after it
    assert saved.stream_rows >= lost_at - before + 1000
    assert any(g.kind == "disconnect" for g in engine.gaps())


def test_garbage_on_the_line_shows_in_the_counters(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=5)
    link = window.session.link
    assert link is not None and link.simulator is not None
    engine = link.engine
    qtbot.waitUntil(lambda: engine.ring.total_written > 500, timeout=8000)
    link.simulator.damage_next("flip", 30)
    link.simulator.damage_next("drop", 30)
    qtbot.waitUntil(lambda: engine.status().crc_errors > 0, timeout=5000)
    qtbot.waitUntil(lambda: window.device.crc_label.text() != "CRC 0", timeout=3000)
    assert int(window.device.crc_label.text().split()[1].replace(",", "")) > 0
    after = engine.ring.total_written
    qtbot.waitUntil(lambda: engine.ring.total_written > after + 500, timeout=5000)  # still streaming
    assert window.live.frames > 0 and window.isVisible()
    window.close()


def test_demo_connects_by_itself_and_a_bad_port_does_not_freeze(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = build_window(demo=True)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.session.link is not None, timeout=10_000)
        link = window.session.link
        assert link is not None and link.simulator is not None
        qtbot.waitUntil(lambda: window.live.frames > 3, timeout=5000)
        assert window.sim_button.isVisible()
        # the port box names what is connected: the simulated plates' pty, not the first discovered port
        assert window.device.port.currentText() == f"simulated plates · {link.port.rsplit('/', 1)[-1]}"
        assert link.port in window.device.port.toolTip()
        assert link.port and window.device.chosen_port() == link.port
        window.session.detach()
        assert window.session.link is None and not window.sim_button.isVisible()
        assert "simulated plates" not in window.device.port.currentText()  # the discovered list is back
        # a port that does not exist: an error in words, the window keeps working
        window.connect_device("/dev/forcelab-no-such-port", PROFILE, 1000.0)
        qtbot.waitUntil(lambda: "Cannot connect" in window.statusBar().currentMessage(), timeout=10_000)
        assert "forcelab-no-such-port" in window.statusBar().currentMessage()
        assert window.device.connect_button.isEnabled()
    finally:
        window.close()
    # the demo squad was being written beside the window all along (and read by it): closing the window
    # stopped the build, which then added nothing half-built, or it had finished and every file is whole
    building = window.demo_build  # type: ignore[attr-defined]
    failure = building.exception(timeout=120)
    demo = demo_archive_dir()
    if isinstance(failure, example_archive.BuildCancelled):
        assert session_files(demo) == [] and not example_archive.demo_ready(demo)
    else:
        assert failure is None and example_archive.demo_ready(demo)
        assert all(open_session(p).complete for p in session_files(demo))


def test_calibration_dialog_fits_each_channel_and_applies(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.calibration_dialog import CalibrationDialog

    window = _window(qtbot)
    try:
        assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=9)
        link = window.session.link
        assert link is not None and link.simulator is not None
        true = link.simulator.true_calibration
        dialog = CalibrationDialog(link.engine, window, store=None)
        qtbot.addWidget(dialog)
        dialog.fit()
        assert "Cannot fit" in dialog.message.text()  # no points yet: said in words
        for ch in (0, 5):
            for kg in (0.0, 20.0, 40.0):  # what the ADC reads with these masses on cell ch
                counts = true.offsets[ch] + kg * G / true.gains[ch] + (3.0 if kg == 20.0 else 0.0)
                dialog.add_point(ch, kg, counts)
        dialog.fit()
        assert dialog.fit_table.rowCount() == 2
        fits = {f.channel: f for f in dialog.fitted.fits}
        assert fits[0].gain == pytest.approx(true.gains[0], rel=1e-3)
        assert fits[5].offset == pytest.approx(true.offsets[5], abs=3.0)
        assert 0.0 < fits[0].rms_residual_n < 0.1  # the 3-count bump shows as a residual
        assert dialog.apply_button.isEnabled()
        dialog.apply()
        assert link.engine.calibration.source == "known_masses"
    finally:
        window.close()


def test_connect_to_a_port_with_a_device_profile_file(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    from forcelab.simulation.simulator import SimulatedPlates

    plates = SimulatedPlates(rate=1000.0, channels=8, noise=2.0, seed=11)  # "a plate on a USB port"
    plates.start()
    window = _window(qtbot)
    try:
        label = next(n for n, p in window.profiles.items() if p.file == "forcelab-dual-plate")
        window.device.port.setEditText(plates.port)
        window.device.profile.setCurrentText(label)
        window.device.connect_button.click()  # Connect: runs on a worker thread
        qtbot.waitUntil(lambda: window.session.link is not None, timeout=10_000)
        link = window.session.link
        assert link is not None and link.simulator is None and link.feed.columns.has_plates
        qtbot.waitUntil(lambda: link.feed.ring.total_written > 2000, timeout=8000)  # the athlete stands
        total = link.feed.ring.latest(200)[:, link.engine.column("total")]
        assert float(np.mean(total)) == pytest.approx(75.0 * G, rel=0.02)  # device calibration read at connect
        assert window.device.connect_button.text() == "Disconnect"
        window.device.connect_button.click()
        assert window.session.link is None
    finally:
        window.close()
        plates.stop()


def test_a_trial_with_an_unsteady_weighing_uses_the_session_weighing(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    from forcelab.gui.testpanel import WeighOutcome
    from forcelab.simulation import synthetic

    window = _window(qtbot)
    noisy = synthetic.cmj(body_mass=75.0, jump_height=0.30, noise_sd=25.0, seed=1, plates=False)
    # without a session weighing the trial weighs itself and says it was unsteady
    first = window.session.add_trial_trace(noisy.trace, "cmj")
    qtbot.waitUntil(lambda: first.result is not None, timeout=10_000)
    assert first.result is not None
    codes = {f.code for f in first.result.flags}
    assert "unsteady_weighing" in codes and "body_weight_given" not in codes
    # the Weigh step found a steady body weight: the next such trial is analysed with it, and the card says so
    weighed = 75.0 * G + 1.5
    window._on_weighed(WeighOutcome(weighed, 2.0, True, "steady: SD 2.0 N over 1 s"))
    assert window.session.body_weight == weighed and window.session.body_weight_sd == 2.0
    second = window.session.add_trial_trace(noisy.trace, "cmj")
    qtbot.waitUntil(lambda: second.result is not None, timeout=10_000)
    assert second.result is not None
    assert {"unsteady_weighing", "body_weight_given"} <= {f.code for f in second.result.flags}
    assert second.result.value("body_weight") == pytest.approx(weighed)
    card = window.card.flags.text()
    assert "Body weight from the session weighing" in card and f"{weighed:.0f} N" in card  # in words ...
    assert f"{weighed:.1f} N" in window.card.flags.toolTip()  # ... and the analysis's sentence on hover
    # another athlete: the weighing is not theirs any more
    window.session.archive.index.set_athlete("Bo Other", body_mass=60.0)
    assert window.roster is not None
    window.roster.reload(select="Bo Other")
    assert window.session.body_weight is None and window.tests.body_weight.text() == "— N"
    window.close()


def test_zeroing_with_the_athlete_on_the_plates_warns(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=4)
    link = window.session.link
    assert link is not None
    engine = link.engine

    def standing_for_a_second() -> bool:
        rows = engine.ring.latest(1000)
        return len(rows) == 1000 and float(rows[:, engine.column("total")].min()) > 600.0

    qtbot.waitUntil(standing_for_a_second, timeout=10_000)  # the simulated athlete is standing on them
    _key(qtbot, window, QtCore.Qt.Key.Key_T)
    assert window.banner.isVisible()
    text = window.banner.label.text()
    assert text.startswith("Zeroed with") and "step off and zero again" in text
    load = float(text.split()[2].replace(",", ""))
    assert load == pytest.approx(75.0 * G, abs=20.0)
    window.close()
