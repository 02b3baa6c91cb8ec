"""The audio cues in the real window, each scenario in its own process (run by test_gui_protocol_cues.py).

Not collected on its own (no ``test_`` prefix): which sound server QtMultimedia uses, and whether it can be
imported at all, is fixed once per process, so the parent test starts each scenario with
``support.child_pytest.run_child`` in the environment it needs (a real PulseAudio null sink, no sound server,
or ``PySide6.QtMultimedia`` unimportable). Each scenario drives the app as a tester would: simulated plates
over a real pty, *Sound cues* ticked, W to weigh; the protocol controller plays "go" after the steady
weighing, and "start" when the tester ends a protocol's rest.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from PySide6 import QtCore

from forcelab.gui.cues import CUES, cue_file
from forcelab.gui.mainwindow import MainWindow
from support.child_pytest import CHILD_FLAG
from support.gui_window import open_window

pytestmark = pytest.mark.skipif(not os.environ.get(CHILD_FLAG),
                                reason="run by tests/gui/test_gui_protocol_cues.py in a child process")

PROFILE = "forcelab dual plate (8 cells)"
G = 9.80665


def _plates_on(qtbot, archive: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, "Ada Jumper", 75.0)
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=3)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.feed.ring.total_written > 2500, timeout=15_000)  # the athlete stands on
    return window


def _weigh(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, QtCore.Qt.Key.Key_W)
    qtbot.waitUntil(lambda: not window.weigher.active, timeout=20_000)
    assert window.session.body_weight == pytest.approx(75.0 * G, abs=10.0)


def _start_protocol(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.protocol_panel
    panel.picker.setCurrentText("Jump profile")
    qtbot.mouseClick(panel.start_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.session.is_recording and window.protocol.run is not None


def test_cues_load_and_play_on_a_sound_server(qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

    assert [d.description() for d in QMediaDevices.audioOutputs()] != []  # the parent's null sink
    window = _plates_on(qtbot, archive)
    control = window.protocol
    window.protocol_panel.cues.setChecked(True)  # loads both cues at once
    effects = control.cues._effects
    assert sorted(effects) == sorted(CUES)
    for name, effect in effects.items():
        assert isinstance(effect, QSoundEffect)
        qtbot.waitUntil(lambda e=effect: e.status() == QSoundEffect.Status.Ready, timeout=10_000)
        assert effect.isLoaded() and effect.source() == QtCore.QUrl.fromLocalFile(str(cue_file(name)))
    playing: list[tuple[str, bool]] = []
    for name, effect in effects.items():
        effect.playingChanged.connect(lambda n=name, e=effect: playing.append((n, e.isPlaying())))

    _weigh(qtbot, window)  # the protocol controller plays "go" after a steady weighing
    assert control.cues.requested == ["go"]
    qtbot.waitUntil(lambda: ("go", False) in playing, timeout=10_000)  # it played to its end
    _start_protocol(qtbot, window)
    control.end_rest()  # what the panel's Ready button does: the start beep
    qtbot.waitUntil(lambda: ("start", False) in playing, timeout=10_000)
    assert playing == [("go", True), ("go", False), ("start", True), ("start", False)]
    assert control.cues.requested == ["go", "start"] and control.cues.problem == ""


def _soft_failure(qtbot, archive: Path, caplog: pytest.LogCaptureFixture) -> str:  # type: ignore[no-untyped-def]
    """Cues on where they cannot sound: both cues asked for, one warning, and the app goes on (weighing,
    a protocol run, recording). Returns the problem the cues report."""
    window = _plates_on(qtbot, archive)
    control = window.protocol
    with caplog.at_level(logging.WARNING, logger="forcelab.gui.cues"):
        window.protocol_panel.cues.setChecked(True)
        _weigh(qtbot, window)
        _start_protocol(qtbot, window)
        control.end_rest()
        qtbot.waitUntil(lambda: control.cues.problem != "", timeout=10_000)
        assert window.tests.current_test() == "cmj"  # the run is on its first step, recording
        assert window.protocol_panel.trial_text.text() == "Trial 1 of 3 · both legs"
    assert control.cues.requested == ["go", "start"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "forcelab.gui.cues"]
    assert len(warnings) == 1 and warnings[0].endswith("testing goes on without sound"), warnings
    return control.cues.problem


def test_cues_without_a_sound_server_fail_softly(qtbot, archive: Path,  # type: ignore[no-untyped-def]
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtMultimedia import QMediaDevices

    assert QMediaDevices.audioOutputs() == []
    problem = _soft_failure(qtbot, archive, caplog)
    assert "no usable audio output" in problem


def test_cues_without_qtmultimedia_fail_softly(qtbot, archive: Path,  # type: ignore[no-untyped-def]
                                               caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ModuleNotFoundError):
        import PySide6.QtMultimedia  # noqa: F401  (the parent made it unimportable here)
    problem = _soft_failure(qtbot, archive, caplog)
    assert "pip install 'forcelab[audio]'" in problem
