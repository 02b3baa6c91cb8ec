"""Connect an acquisition engine to a :class:`SessionWriter`: every sample archived, every trial analysed.

The engine calls :meth:`EngineRecorder.on_block` and :meth:`EngineRecorder.on_trial` from its own thread;
they only append to the writer (quick) or queue the trial. The caller's thread runs :meth:`pump`, which
analyses queued trials and stores the results, so analysis never holds up acquisition. One lock guards the
writer, which is not thread-safe on its own.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.devices.types import SampleBlock
from forcelab.storage.writer import ArchiveWriteError, Calibration, SessionWriter

log = logging.getLogger(__name__)


def archive_calibration(gains: Any, offsets: Any) -> Calibration:
    """The archive's ``counts * gain + offset`` form of the engine's ``gain * (counts - offset)``."""
    g = np.asarray(gains, dtype=np.float64)
    return Calibration(g, -g * np.asarray(offsets, dtype=np.float64))


@dataclass
class RecordedTrial:
    """A trial written to the session, with its analysis (``None`` and ``error`` if it failed)."""

    number: int
    start: int
    stop: int
    result: TrialResult | None
    error: str = ""


class EngineRecorder:
    """Feed ``writer`` from an engine's block and trial listeners (see the module docstring)."""

    def __init__(
        self,
        writer: SessionWriter,
        columns: tuple[str, ...],
        *,
        test: str,
        analyze: Callable[[ForceTrace, str], TrialResult],
        plates: tuple[str, ...] = ("left", "right"),
    ) -> None:
        self.writer = writer
        self.test = test
        self._analyze = analyze
        self._lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue()
        self.error: ArchiveWriteError | None = None
        idx = {name: i for i, name in enumerate(columns)}
        ch = writer.info.channels
        self._raw = [idx[f"raw{i}"] for i in range(ch)]
        self._total = idx["total"]
        self._left = idx[plates[0]] if len(plates) == 2 else None  # the engine's per-plate force columns
        self._right = idx[plates[1]] if len(plates) == 2 else None
        self._time = idx["time"]
        self._counter = idx["counter"]
        self._calibration: Any = None

    def on_block(self, block: Any) -> None:
        """Engine block listener: archive the rows (never raises into the engine)."""
        if self.error is not None:
            return
        rows = block.rows
        sb = SampleBlock(
            rows[:, self._counter].astype(np.uint64),
            rows[:, self._time].astype(np.float64),
            rows[:, self._raw].astype(np.int32),
        )
        left = None if self._left is None else rows[:, self._left]
        right = None if self._right is None else rows[:, self._right]
        with self._lock:
            try:
                self.writer.append(sb, rows[:, self._total], left, right)
            except ArchiveWriteError as exc:
                self.error = exc

    def on_trial(self, trial: Any) -> None:
        """Engine trial listener: queue the trial for :meth:`pump`."""
        self._queue.put(trial)

    def poll(self) -> None:
        """Flush if due (call from a timer: blocks may stop coming when the device goes silent)."""
        with self._lock:
            if self.error is None:
                try:
                    self.writer.poll()
                except ArchiveWriteError as exc:
                    self.error = exc

    def pump(self, timeout: float = 0.1) -> list[RecordedTrial]:
        """Store and analyse the trials the engine closed (waits up to ``timeout`` s for the first)."""
        done: list[RecordedTrial] = []
        try:
            trial = self._queue.get(timeout=timeout)
        except queue.Empty:
            return done
        while True:
            done.append(self._store(trial))
            try:
                trial = self._queue.get_nowait()
            except queue.Empty:
                return done

    def _store(self, trial: Any) -> RecordedTrial:
        start, stop = int(trial.first_row), int(trial.stop_row)
        with self._lock:
            if self.error is not None:
                raise self.error
            number = self.writer.begin_trial(self.test, start=start)
            self.writer.end_trial(number, stop=stop)
        try:
            result: TrialResult | None = self._analyze(trial.trace, self.test)
            error = ""
        except (ValueError, RuntimeError) as exc:  # analysis refused this trial: keep it, say why
            log.warning("trial %d could not be analysed: %s", number, exc)
            result, error = None, str(exc)
        if result is not None:
            with self._lock:
                self.writer.store_result(number, result)
        return RecordedTrial(number, start, stop, result, error)

    def close(self) -> None:
        """Close the writer (marks the session complete) unless writing failed."""
        with self._lock:
            if self.error is None:
                self.writer.close()
            else:
                self.writer.abort()
