"""Starting the desktop app: QApplication, theme, archive, session, main window, optional demo."""

from __future__ import annotations

import concurrent.futures
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from forcelab.gui import services
from forcelab.gui.mainwindow import MainWindow
from forcelab.gui.session import LiveSession
from forcelab.gui.theme import apply_theme

log = logging.getLogger(__name__)

DEMO_PROFILE = "forcelab dual plate (8 cells)"
DEMO_RATE = 1000.0


def application() -> QtWidgets.QApplication:
    """The process's QApplication (created once, themed)."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        QtWidgets.QApplication.setHighDpiScaleFactorRoundingPolicy(
            QtCore.Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("forcelab")
    assert isinstance(app, QtWidgets.QApplication)
    if not app.property("forcelabThemed"):  # also when someone else (pytest-qt) made the application
        apply_theme(app)
        app.setProperty("forcelabThemed", True)
    return app


def build_window(*, archive: str | Path | None = None, demo: bool = False) -> MainWindow:
    """The main window on the archive (``None``: ``$FORCELAB_ARCHIVE`` or the user data folder),
    with today's session reopened and, for ``demo``, simulated plates already connected."""
    application()
    arch: services.Archive | None
    building = None
    cancel = threading.Event()
    if demo and archive is None:  # the demo squad's own archive, never the user's
        from forcelab.simulation import example_archive
        from forcelab.storage.archive import demo_archive_dir

        archive = demo_archive_dir()
        if not example_archive.demo_ready(archive):
            # built beside the window, which reads the archive meanwhile: build() only ever adds complete
            # session files, and stops (adding nothing) when the window is closed first
            pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="demo-archive")
            building = pool.submit(example_archive.build_demo, archive, cancel=cancel)
            pool.shutdown(wait=False)  # its thread ends with the build
    try:
        arch = services.Archive.open(archive)
    except OSError as exc:
        log.error("cannot open the archive: %s", exc)
        arch = None
    session = LiveSession(arch)
    if demo:  # start the plates first: their start-up overlaps building the window (queued until it runs)
        profiles = services.builtin_profiles()
        session.connect_async("simulated plates", services.start_simulated, profiles[DEMO_PROFILE], DEMO_RATE)
    window = MainWindow(session)
    window.show_entries(session.load_today())
    if building is not None:
        _when_built(window, building, cancel)
    return window


class _CancelOnClose(QtCore.QObject):
    """Sets ``cancel`` when the window it filters is closed (the demo build then stops)."""

    def __init__(self, window: QtWidgets.QWidget, cancel: threading.Event) -> None:
        super().__init__(window)
        self.cancel = cancel
        window.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QtCore.QEvent.Type.Close:
            self.cancel.set()
        return False


def _when_built(window: MainWindow, building: concurrent.futures.Future[list[Path]],
                cancel: threading.Event) -> None:
    """Tell the user the demo squad is being written, and show it (roster, latest trial) once it is; closing
    the window first cancels the build (the next ``--demo`` starts it again)."""
    from forcelab.simulation.example_archive import BuildCancelled

    window.statusBar().showMessage("Writing the demo squad's ten weeks of sessions…")
    timer = QtCore.QTimer(window)
    window.demo_build = building  # type: ignore[attr-defined]  # for tests and for a person to wait on
    window.demo_cancel = _CancelOnClose(window, cancel)  # type: ignore[attr-defined]

    def check() -> None:
        if not building.done():
            return
        timer.stop()
        exc = building.exception()
        if isinstance(exc, BuildCancelled):
            log.info("%s", exc)
            return
        if exc is not None:
            log.error("demo archive could not be built: %s", exc)
            window.show_error(f"the demo archive could not be built: {exc}")
            return
        window.archive_changed()

    timer.timeout.connect(check)
    timer.start(200)


def run(*, archive: str | Path | None = None, demo: bool = False) -> int:
    """Open the window and run the event loop; returns the exit code."""
    t0 = time.perf_counter()
    app = application()
    window = build_window(archive=archive, demo=demo)
    window.show()
    log.info("window shown %.2f s after launch", time.perf_counter() - t0)
    # Ctrl-C in the terminal or a SIGTERM closes the window properly (the session file is completed).
    # Python only sees signals when it runs, so a timer lets it run a few times a second.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    ticker = QtCore.QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    code = int(app.exec())
    ticker.stop()
    window.close()  # quitting the loop does not close windows; this finishes the session and the device
    return code
