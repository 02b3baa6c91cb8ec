"""Recording a session while the trace scrolls: every write happens on one background thread.

The engine's block listener (engine thread) and the window (GUI thread) only put commands on a queue;
the recorder thread owns the :class:`forcelab.storage.writer.SessionWriter` and runs them in order, so
neither acquisition nor drawing ever waits for the disk, and the writer is only ever touched by one thread.
The writer flushes at least every quarter second, so losing the cable or the power costs at most that.

Rows are numbered in the engine's ring numbering (``ring.total_written``); the recorder subtracts the row
at which recording started.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from forcelab.acquisition.calibration import Calibration as AcqCalibration
from forcelab.analysis.types import TrialResult
from forcelab.devices.types import SampleBlock
from forcelab.storage.writer import ArchiveWriteError, SessionInfo, SessionWriter
from forcelab.storage.writer import Calibration as StoredCalibration

log = logging.getLogger(__name__)


def stored_calibration(cal: AcqCalibration) -> StoredCalibration:
    """Acquisition's ``N = gain * (counts - offset)`` as the archive's ``N = counts * gain + offset``."""
    gain = np.asarray(cal.gains, dtype=np.float64)
    return StoredCalibration(gain, -gain * np.asarray(cal.offsets, dtype=np.float64))


class Recorder:
    """Writes blocks, trials, results and decisions of one session on its own thread.

    ``columns`` are the engine's ring column names; ``first_row`` is the ring row where recording begins.
    ``on_error(message)`` is called (from the recorder thread) once if writing fails; what was flushed
    before stays on disk.
    """

    def __init__(self, path: Path, info: SessionInfo, columns: tuple[str, ...], first_row: int, *,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._writer = SessionWriter(path, info)
        self._first_row = int(first_row)
        self._rows_seen = int(first_row)
        idx = {name: i for i, name in enumerate(columns)}
        ch = info.channels
        self._counter = idx["counter"]
        self._time = idx["time"]
        self._raw = [idx[f"raw{i}"] for i in range(ch)]
        self._total = idx["total"]
        self._lr = (idx["left"], idx["right"]) if info.plates == 2 else None
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
        self._queue.put(("block", (rows[skip:].copy() if skip else rows,)))

    def add_trial(self, test: str, start_row: int, stop_row: int) -> int:
        """Queue a trial spanning ring rows ``[start_row, stop_row)``; returns its number in the file."""
        self._trials += 1
        self._queue.put(("trial", (test, max(0, start_row - self._first_row), max(0, stop_row - self._first_row))))
        return self._trials

    def store_result(self, number: int, result: TrialResult) -> None:
        """Queue the analysis of trial ``number``."""
        self._queue.put(("result", (number, result)))

    def set_decision(self, number: int, accepted: bool | None, note: str) -> None:
        """Queue the tester's decision on trial ``number``."""
        self._queue.put(("decision", (number, accepted, note)))

    def set_calibration(self, cal: AcqCalibration) -> None:
        """Queue a new calibration (after a tare), valid from the next row."""
        self._queue.put(("calibration", (stored_calibration(cal),)))

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
        w = self._writer
        while True:
            try:
                kind, args = self._queue.get(timeout=0.2)
            except queue.Empty:
                if not self._failed:
                    self._guard(w.poll)
                continue
            if kind == "close":
                if not self._failed:
                    self._guard(w.close)
                else:
                    w.abort()
                return
            if self._failed:
                continue
            if kind == "block":
                self._guard(self._append, args[0])
            elif kind == "trial":
                self._guard(w.add_trial, *args)
            elif kind == "result":
                self._guard(w.store_result, *args)
            elif kind == "decision":
                self._guard(w.set_decision, *args)
            elif kind == "calibration":
                self._guard(w.set_calibration, *args)

    def _append(self, rows: np.ndarray) -> None:
        block = SampleBlock(
            counter=rows[:, self._counter].astype(np.uint64),
            device_time=rows[:, self._time],
            counts=rows[:, self._raw].astype(np.int32),
        )
        left = right = None
        if self._lr is not None:
            left, right = rows[:, self._lr[0]], rows[:, self._lr[1]]
        self._writer.append(block, rows[:, self._total], left, right)

    def _guard(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except (ArchiveWriteError, OSError, ValueError) as exc:
            log.error("recording %s failed: %s", self.path, exc)
            self._failed = True
            if self._on_error is not None:
                self._on_error(f"Saving stopped: {exc}. Everything flushed before is kept in {self.path}.")
