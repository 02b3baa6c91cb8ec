"""The main window as the GUI workflow tests open it: an athlete in the roster, selected, the window shown."""

from __future__ import annotations

from typing import Any

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
