"""The main window as the GUI workflow tests open it: an athlete in the roster, selected, the window shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtCore

from forcelab.gui.app import build_window
from forcelab.gui.mainwindow import MainWindow


def open_window(qtbot: Any, athlete: str, mass: float, **details: Any) -> MainWindow:
    """A real window on the archive ``$FORCELAB_ARCHIVE``, with ``athlete`` (``mass`` kg, ``details`` such as
    ``sport``) in the roster and selected, shown, exposed and focused."""
    window = build_window()
    qtbot.addWidget(window)
    window.session.archive.index.set_athlete(athlete, body_mass=mass, **details)
    assert window.roster is not None
    window.roster.reload(select=athlete)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.setFocus()
    return window


#: The simulated plates the live workflow tests record on (two plates of four cells).
SIMULATED_PROFILE = "forcelab dual plate (8 cells)"


def record_one_trial(qtbot: Any, window: MainWindow, script: Any, *, timeout: int) -> None:
    """Start the simulated plates performing ``script`` (a :class:`forcelab.simulation.motion.Script`), start
    recording (Space) once the stream runs, and wait up to ``timeout`` ms for one analysed (or failed) trial."""
    assert window.start_simulated(SIMULATED_PROFILE, 1000.0, script=script, noise=2.0, seed=5)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.engine.ring.total_written > 800, timeout=8000)
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # start recording
    assert window.session.is_recording
    qtbot.waitUntil(lambda: any(e.result is not None or e.error for e in window.session.trials.values()),
                    timeout=timeout)


def stop_and_publish(qtbot: Any, window: MainWindow, archive: Path, *, timeout: int) -> Path:
    """Stop recording (Space) and wait up to ``timeout`` ms for the one session file in ``archive``: it is
    closed and published from the station's spool on the analysis thread."""
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    assert not window.session.is_recording
    qtbot.waitUntil(lambda: len(list((archive / "sessions").rglob("*.h5"))) == 1, timeout=timeout)
    (path,) = (archive / "sessions").rglob("*.h5")
    return path
