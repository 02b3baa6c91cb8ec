"""The main window's "Import…" button: a recording another system exported becomes an archived session.

The file is read by :func:`forcelab.storage.importer.import_file` (every layout ``forcelab import``
reads: plain CSV, VALD ForceDecks, Hawkin Dynamics, AMTI/Bertec text, C3D, ...) for the athlete selected
in the roster and the test chosen in the test panel, then indexed, so it shows in the history like a
session recorded here. Kept apart from ``mainwindow`` so the window only adds the button.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6 import QtWidgets

# The window is the MainWindow (its session's archive, roster, test panel, show_error); typed Any because
# importing mainwindow here would make the two modules import each other.
MainWindow = Any

log = logging.getLogger(__name__)

FILE_FILTER = "Force recordings (*.csv *.txt *.tsv *.c3d);;All files (*)"


def import_button(window: MainWindow) -> QtWidgets.QPushButton:
    """A push button that asks for a file and imports it (see :func:`import_recording`)."""
    button = QtWidgets.QPushButton("Import…")
    button.setToolTip("Import a recording (ForceDecks, Hawkin, AMTI/Bertec, C3D or CSV) for the selected athlete "
                      "and test")
    button.clicked.connect(lambda: ask_and_import(window))
    return button


def ask_and_import(window: MainWindow) -> Path | None:
    """Ask for the file, then :func:`import_recording` it."""
    name, _ = QtWidgets.QFileDialog.getOpenFileName(window, "Import a recording", "", FILE_FILTER)
    return import_recording(window, Path(name)) if name else None


def import_recording(window: MainWindow, source: Path) -> Path | None:
    """Import ``source`` for the roster's athlete and the panel's test; the new session path, or ``None``
    (the reason shown in the status bar)."""
    from forcelab.storage.importer import import_to_spool
    from forcelab.storage.readers import ForceFileError
    from forcelab.storage.session import open_session

    archive = window.session.archive
    athlete = window.roster.current_name() if window.roster is not None else None
    if archive is None or not athlete:
        window.show_error("Choose the athlete in the roster before importing a recording")
        return None
    test = window.tests.current_test()
    if test == "free":
        window.show_error("Choose the test (CMJ, squat jump, drop jump or pull) before importing a recording")
        return None
    try:
        spooled = import_to_spool(source, archive=archive.path, athlete=athlete, test=test)
        n_trials = len(open_session(spooled, load_analysis=True).trials)
    except (ForceFileError, ValueError, OSError) as exc:
        window.show_error(f"Import failed: {exc}")
        return None
    # published (and indexed) like a recorded session: through the station's spool, once
    report, moved = window.session.publish_now()
    path = moved.get(spooled, (spooled, None))[0]
    done = f"Imported {source.name}: {n_trials} {test} trials for {athlete}"
    if path == spooled:
        done += f"; waiting in this station's spool ({report.message()})"
    window.statusBar().showMessage(done, 10000)
    log.info("imported %s as %s", source, path)
    return path
