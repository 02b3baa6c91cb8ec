"""Recording a session while the trace scrolls: every write happens on one background thread.

The engine's block listener (engine thread) and the window (GUI thread) only put commands on a queue;
the recorder thread runs them, in order, on the one :class:`forcelab.storage.recorder.StreamRecorder`
(which knows the ring layout, the archive's blocks and its calibration form), so neither acquisition nor
drawing ever waits for the disk. The writer flushes at least every quarter second, so losing the cable or
the power costs at most that.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.acquisition.calibration import Calibration
from forcelab.analysis.types import TrialResult
from forcelab.storage.recorder import StreamRecorder, plate_columns
from forcelab.storage.writer import ArchiveWriteError, SessionInfo, SessionWriter

log = logging.getLogger(__name__)


class Recorder:
    """Writes blocks, trials, results and decisions of one session from ``engine`` on its own thread.

    Recording begins at the engine's current ring row. ``on_error(message)`` is called (from the recorder
    thread) once if writing fails; what was flushed before stays on disk.
    """

    def __init__(self, path: Path, info: SessionInfo, engine: Any, *,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._stream = StreamRecorder(SessionWriter(path, info), engine.columns, plates=plate_columns(engine),
                                      first_row=engine.ring.total_written)
        self._first_row = self._stream.first_row
        self._queue: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
        self._on_error = on_error
        self._failed = False
        self._trials = 0
        self._thread = threading.Thread(target=self._run, name="forcelab-recorder", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------- called from any thread
    def on_block(self, first_row: int, rows: np.ndarray) -> None:
        """Queue rows ``first_row...`` of the ring (rows before recording started are dropped)."""
        skip = max(0, self._first_row - first_row)
        if skip >= len(rows):
            return
        self._queue.put(("block", (first_row + skip, rows[skip:].copy() if skip else rows)))

    def add_trial(self, test: str, start_row: int, stop_row: int,
                  meta: Mapping[str, str | int] | None = None) -> int:
        """Queue a trial spanning ring rows ``[start_row, stop_row)`` with its protocol step and limb
        (``meta``); returns its number in the file."""
        self._trials += 1
        self._queue.put(("trial", (test, start_row, stop_row, dict(meta or {}))))
        return self._trials

    def store_result(self, number: int, result: TrialResult) -> None:
        """Queue the analysis of trial ``number``."""
        self._queue.put(("result", (number, result)))

    def set_decision(self, number: int, accepted: bool | None, note: str) -> None:
        """Queue the tester's decision on trial ``number``."""
        self._queue.put(("decision", (number, accepted, note)))

    def set_calibration(self, cal: Calibration) -> None:
        """Queue a new calibration (after a tare), valid from the next row."""
        self._queue.put(("calibration", (cal,)))

    def close(self, timeout: float = 10.0) -> Path:
        """Write everything queued, close the session (marked complete) and stop the thread."""
        self._queue.put(("close", ()))
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("recorder did not finish within %.1f s; %s stays incomplete", timeout, self.path)
        return self.path

    @property
    def failed(self) -> bool:
        """True after a write failed."""
        return self._failed

    # ---------------------------------------------------------------- recorder thread
    def _run(self) -> None:
        r = self._stream
        commands: dict[str, Callable[..., Any]] = {
            "block": r.append_rows, "trial": r.add_trial, "result": r.store_result,
            "decision": r.set_decision, "calibration": r.set_calibration,
        }
        while True:
            try:
                kind, args = self._queue.get(timeout=0.2)
            except queue.Empty:
                if not self._failed:
                    self._guard(r.writer.poll)
                continue
            if kind == "close":
                if not self._failed:
                    self._guard(r.writer.close)
                else:
                    r.writer.abort()
                return
            if not self._failed:
                self._guard(commands[kind], *args)

    def _guard(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except (ArchiveWriteError, OSError, ValueError) as exc:
            log.error("recording %s failed: %s", self.path, exc)
            self._failed = True
            if self._on_error is not None:
                self._on_error(f"Saving stopped: {exc}. Everything flushed before is kept in {self.path}.")
