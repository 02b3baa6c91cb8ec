"""The app in a process of its own, running a protocol until it is killed: ``python -m support.protocol_app N``.

It opens the real window (offscreen) on ``$FORCELAB_ARCHIVE``, puts ``Ada Jumper`` in the roster, starts the
simulated plates and the "Jump profile", has the simulated athlete do ``N`` trials, waits until they are analysed
and journalled, prints ``recorded N`` and goes on running (recording) until the test kills it with SIGKILL: a
crash in the middle of a protocol, with the session file left unfinished in the station's spool.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

ATHLETE = "Ada Jumper"
PROFILE = "forcelab dual plate (8 cells)"


def _wait(app: object, until: Callable[[], bool], timeout: float, what: str) -> None:
    """Run the event loop until ``until()`` or fail after ``timeout`` s (the test reads stderr)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def main(trials: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from forcelab.gui.app import application, build_window

    app = application()
    window = build_window()
    window.session.archive.index.set_athlete(ATHLETE, body_mass=75.0, team="U19")
    assert window.roster is not None
    window.roster.reload(select=ATHLETE)
    window.show()
    assert window.start_simulated(PROFILE, 1000.0, noise=2.0, seed=3)
    link = window.session.link
    assert link is not None
    _wait(app, lambda: link.feed.ring.total_written > 2500, 10, "the athlete on the plates")
    assert window.protocol.start("Jump profile")
    session = window.session
    for n in range(trials):
        test = window.tests.current_test()
        window.simulate_trial()
        _wait(app, lambda n=n: len(session.trials) > n, 30, f"trial {n + 1}")
        _wait(app, lambda: all(e.result is not None or e.error for e in session.trials.values()), 30, "analysis")
        if window.tests.current_test() != test:  # a new step: its detector starts afresh, a quiet moment first
            end = time.monotonic() + 1.5
            _wait(app, lambda end=end: time.monotonic() > end, 5, "the new test's detector")
    end = time.monotonic() + 1.5  # the journal is flushed every 0.25 s: the analyses are on disk by then
    _wait(app, lambda: time.monotonic() > end, 5, "the journal")
    print("recorded", len(session.trials), flush=True)
    _wait(app, lambda: False, 600, "the kill")


if __name__ == "__main__":
    main(int(sys.argv[1]))
