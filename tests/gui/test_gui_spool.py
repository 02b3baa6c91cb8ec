"""The app records into this station's spool and publishes each session when it closes.

Real offscreen window, simulated plates on a real pty, real HDF5 files, the real SQLite index. Stop is
pressed the moment the jump is found, so the trial's analysis reaches the window only after Stop: it must
be in the published file all the same. With the archive's year folder gone at close (a shared folder that
is not mounted: a dangling link, which stops root too, unlike a permission bit), the session stays in the
spool, the window says so, and it is published once: by itself while the app runs, or at the next start.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6 import QtCore

from forcelab.gui.mainwindow import MainWindow
from forcelab.gui.session import LiveSession
from forcelab.simulation.motion import Script
from forcelab.storage import spool
from forcelab.storage.archive import session_files
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support.gui_window import open_window

PROFILE = "forcelab dual plate (8 cells)"
ATHLETE = "Spool Sprinter"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot, ATHLETE, 72.0)


def _record_one_jump_and_stop_at_once(qtbot, window: MainWindow) -> list[tuple[int, bool]]:  # type: ignore[no-untyped-def]
    """Record until the simulated jump is found, press Space (Stop) in the same instant; returns, per trial
    the window heard of, (number, whether its analysis had reached the window when Stop was pressed)."""
    script = Script(trials=("cmj",), empty_before=0.5, stand=2.0, pause=30.0)
    assert window.start_simulated(PROFILE, 1000.0, script=script, noise=2.0, seed=11)
    link = window.session.link
    assert link is not None
    qtbot.waitUntil(lambda: link.engine.ring.total_written > 300, timeout=8000)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # start recording
    assert window.session.is_recording
    stopped: list[tuple[int, bool]] = []

    def stop_now(entry) -> None:  # type: ignore[no-untyped-def]
        if window.session.is_recording:
            stopped.append((entry.number, entry.result is not None))
            qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # Stop, before the analysis came back

    window.session.trial_added.connect(stop_now)
    qtbot.waitUntil(lambda: bool(stopped), timeout=20_000)
    assert not window.session.is_recording
    qtbot.waitUntil(lambda: all(e.result is not None for e in window.session.trials.values()), timeout=10_000)
    return stopped


def _indexed(archive: Path) -> list[dict]:  # type: ignore[type-arg]
    with ArchiveIndex(archive) as index:
        return index.sessions()


def test_session_is_recorded_in_the_spool_and_published_with_its_late_analysis(
        qtbot, archive: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    try:
        stopped = _record_one_jump_and_stop_at_once(qtbot, window)
        assert stopped == [(1, False)]  # Stop came before the trial's analysis
        (entry,) = window.session.trials.values()
        assert entry.session_path is not None
        qtbot.waitUntil(lambda: entry.session_version is not None, timeout=10_000)  # published
        assert entry.session_path.is_relative_to(archive)
        # the version is set on the analysis thread before the window hears of the publish (queued signals)
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"Saved {entry.session_path}",
                        timeout=10_000)
        assert not window.spool_label.isVisible() and window.session.waiting == (0, "")
    finally:
        window.close()
    (path,) = session_files(archive)  # in the archive, once
    assert spool.pending(archive) == []  # and no longer in the spool
    assert not list(archive.rglob(".*.publishing"))
    saved = open_session(path)
    assert saved.complete and saved.athlete == ATHLETE and len(saved.trials) == 1
    # the analysis that finished after Stop is in the published file
    assert saved.trials[0].metrics["jump_height_takeoff_velocity"]["value"] == pytest.approx(
        entry.result.value("jump_height_takeoff_velocity"))
    rows = _indexed(archive)
    assert [(r["path"], r["version"], r["n_trials"]) for r in rows] == [(str(path.relative_to(archive)), 1, 1)]
    with ArchiveIndex(archive) as index:
        assert len(index.metric_values(ATHLETE, "jump_height_takeoff_velocity")) == 1


def _unmount_year_folder(archive: Path, tmp_path: Path) -> Path:
    """Make ``archive/sessions/<this year>`` a link to a share that is not there: the archive cannot be written."""
    year = archive / "sessions" / f"{date.today():%Y}"
    assert not year.exists()
    os.symlink(tmp_path / "share-not-mounted", year)
    return year


def test_unwritable_archive_at_close_keeps_the_session_in_the_spool_until_the_next_start(
        qtbot, archive: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    try:
        year = _unmount_year_folder(archive, tmp_path)
        _record_one_jump_and_stop_at_once(qtbot, window)
        qtbot.waitUntil(lambda: window.session.waiting[0] == 1, timeout=10_000)
        assert window.spool_label.isVisible()
        assert window.spool_label.text() == "1 session(s) not yet in the shared archive: retrying"
        assert "unreachable" in window.session.waiting[1] and "unreachable" in window.spool_label.toolTip()
        SCREENSHOTS.mkdir(exist_ok=True)
        window.grab().save(str(SCREENSHOTS / "spool-waiting.png"))
        (entry,) = window.session.trials.values()
        assert entry.session_version is None and entry.session_path in spool.pending(archive)
        assert _indexed(archive) == []
    finally:
        window.close()
    (waiting,) = spool.pending(archive)
    assert open_session(waiting).complete and len(open_session(waiting).trials) == 1
    year.unlink()  # the share is back

    reopened = _window(qtbot)
    try:
        assert reopened.session.waiting == (0, "") and not reopened.spool_label.isVisible()
        assert reopened.table.rowCount() == 1  # today's session, now from the archive
    finally:
        reopened.close()
    (path,) = session_files(archive)
    assert spool.pending(archive) == []
    assert [(r["path"], r["version"]) for r in _indexed(archive)] == [(str(path.relative_to(archive)), 1)]
    assert open_session(path).trials[0].metrics["jump_height_takeoff_velocity"]["value"] > 0.2


def test_running_app_publishes_a_waiting_session_by_itself(
        qtbot, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(LiveSession, "retry_interval", 0.3)
    window = _window(qtbot)
    try:
        year = _unmount_year_folder(archive, tmp_path)
        _record_one_jump_and_stop_at_once(qtbot, window)
        qtbot.waitUntil(lambda: window.session.waiting[0] == 1, timeout=10_000)
        qtbot.wait(1000)  # a few retries fail while the share is away: it stays waiting, nothing published
        assert window.session.waiting[0] == 1 and session_files(archive) == []
        year.unlink()  # the share is back: the next retry publishes it, with nobody asking
        qtbot.waitUntil(lambda: window.session.waiting == (0, ""), timeout=10_000)
        assert not window.spool_label.isVisible()
        (entry,) = window.session.trials.values()
        assert entry.session_version == 1 and entry.session_path == session_files(archive)[0]
        # a decision made now is an edit of the published session, through the same path
        window.session.decide(entry.number, False, "stepped off early")
        qtbot.waitUntil(lambda: entry.session_version == 2, timeout=10_000)
    finally:
        window.close()
    (path,) = session_files(archive)
    assert spool.pending(archive) == []
    assert [r["version"] for r in _indexed(archive)] == [2]
    assert open_session(path).trials[0].accepted is False
