"""A protocol survives the app closing or crashing: reopened, the app offers to continue it where the trials
recorded today left it, and the next trial lands on the right step.

Real offscreen windows on simulated plates over a real pty, real HDF5 files in the station's spool and the
archive. Closed: the "Jump profile" (3 CMJ, 3 SJ, 3 DJ 30 cm) is run through two steps (a CMJ rejected after
its step was left), the window closed, a new one opened. Crashed: the app runs in a process of its own
(tests/support/protocol_app.py) and is killed with SIGKILL in the middle of the squat jumps, leaving its session
unfinished in the spool; the window opened next recovers it and offers the run from the trial it was at.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import pytest
from PySide6 import QtCore

from forcelab.gui.mainwindow import MainWindow
from forcelab.storage import spool
from forcelab.storage.archive import session_files
from forcelab.storage.session import open_session
from support.gui_window import open_window
from support.screens import save_shot

PROFILE = "forcelab dual plate (8 cells)"
ATHLETE = "Ada Jumper"
TESTS = Path(__file__).resolve().parents[1]


def _plates(qtbot, window: MainWindow, seed: int) -> None:  # type: ignore[no-untyped-def]
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=seed)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 2500, timeout=10_000)


def _do_trial(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """The simulated athlete performs the current test (J); wait until the trial is found and analysed."""
    n = len(window.session.trials)
    test = window.tests.current_test()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_J)
    qtbot.waitUntil(lambda: len(window.session.trials) > n, timeout=20_000)
    qtbot.waitUntil(lambda: all(e.result is not None or e.error for e in window.session.trials.values()),
                    timeout=20_000)
    if window.tests.current_test() != test:
        qtbot.wait(1500)  # the new test's detector starts afresh: a quiet moment before its first trial


def _choice(path: Path) -> dict:  # type: ignore[type-arg]
    with h5py.File(path, "r") as f:  # as any HDF5 reader sees it (docs/archive-format.md, table 1)
        return json.loads(f.attrs["protocol"])


def _continue_and_do_one(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.protocol_panel
    qtbot.mouseClick(panel.resume_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.is_recording and window.protocol.run is not None
    assert not panel.resume_button.isVisible()
    qtbot.wait(1500)  # the switched test's detector settles
    _do_trial(qtbot, window)


def test_a_protocol_closed_after_two_steps_continues_at_the_third(qtbot, archive: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, ATHLETE, 75.0)
    _plates(qtbot, window, seed=3)
    assert window.protocol.start("Jump profile")
    for _ in range(6):
        _do_trial(qtbot, window)
    assert window.protocol.run is not None and window.protocol.run.step_index == 2
    window.table.set_decision(2, False)  # a CMJ rejected after its step was left: step 1 wants one more
    assert [e.meta["protocol_step"] for e in window.session.trials.values()] == [1, 1, 1, 2, 2, 2]
    window.close()  # mid-protocol: the session is closed and published
    (first,) = session_files(archive)
    run_id = _choice(first)["run"]
    assert _choice(first)["definition"]["name"] == "Jump profile" and _choice(first)["queue"] == [ATHLETE]

    window = open_window(qtbot, ATHLETE, 75.0)
    panel = window.protocol_panel
    assert panel.resume_button.isVisible() and panel.resume_button.text() == "Continue"
    assert panel.resume_text.text() == f"Interrupted today: {ATHLETE}\nContinue Jump profile at step 3 of 3 (0 of 3 trials)"
    save_shot(panel, shots / "protocol-panel-resume.png", min_bytes=5_000)
    window.resize(1366, 768)
    qtbot.wait(150)
    save_shot(window, shots / "protocol-resume-1366x768.png")
    _plates(qtbot, window, seed=4)
    _continue_and_do_one(qtbot, window)
    assert window.tests.current_test() == "dj" and window.tests.drop_height_value() == pytest.approx(0.30)
    assert panel.step_title.text() == "Step 3 of 3 · Drop jump 30 cm"
    assert panel.trial_text.text() == "Trial 2 of 3 · both legs"
    assert panel.steps.item(0).text().startswith("! 1.") and "2/3 · redo" in panel.steps.item(0).text()
    assert panel.steps.item(1).text().startswith("✓ 2.")
    last = window.session.trials[max(window.session.trials)]
    assert last.test == "dj" and last.meta["protocol_step"] == 3 and last.meta["protocol"] == "Jump profile"
    assert last.result is not None and last.result.params["drop_height"] == pytest.approx(0.30)
    # a decision on a trial of the closed session still reaches the continued run
    window.table.set_decision(2, True)
    assert window.protocol.run.short_steps() == []
    window.close()

    first, second = session_files(archive)
    assert _choice(second)["run"] == run_id  # the same run, in a session file of its own
    (dj,) = open_session(second).trials
    assert dj.test == "dj" and dj.meta["protocol_step"] == 3 and dj.meta["protocol_step_label"] == "Drop jump 30 cm"
    assert open_session(first).trials[1].accepted is True  # the decision went to the session it belongs to


def test_a_protocol_killed_mid_step_continues_at_the_trial_it_was_at(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    child = subprocess.Popen([sys.executable, "-m", "support.protocol_app", "5"], cwd=TESTS, env=dict(os.environ),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.split() == ["recorded", "5"], child.stderr.read() if child.stderr else line
    finally:
        os.kill(child.pid, signal.SIGKILL)  # no clean close: the session file stays open in the spool
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()
    (left,) = spool.pending(archive)
    assert not open_session(left).complete and session_files(archive) == []

    window = open_window(qtbot, ATHLETE, 75.0)  # recovers and publishes the killed session, reopens today's
    panel = window.protocol_panel
    (recovered,) = session_files(archive)
    assert not open_session(recovered).complete and _choice(recovered)["definition"]["name"] == "Jump profile"
    assert window.table.rowCount() == 5
    assert panel.resume_text.text().endswith("\nContinue Jump profile at step 2 of 3 (2 of 3 trials)")
    _plates(qtbot, window, seed=6)
    qtbot.mouseClick(panel.resume_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.tests.current_test() == "sj"
    assert panel.step_title.text() == "Step 2 of 3 · Squat jump"
    assert panel.trial_text.text() == "Trial 3 of 3 · both legs"
    qtbot.wait(1500)
    _do_trial(qtbot, window)  # the third squat jump: step 2 is done, the app moves on to the drop jumps
    last = window.session.trials[max(window.session.trials)]
    assert last.test == "sj" and last.meta["protocol_step"] == 2
    assert window.tests.current_test() == "dj" and panel.step_title.text() == "Step 3 of 3 · Drop jump 30 cm"
    window.close()
    assert [len(open_session(p).trials) for p in session_files(archive)] == [5, 1]
