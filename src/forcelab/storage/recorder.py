"""Record an acquisition engine's stream into a :class:`SessionWriter`: the one recorder.

:class:`StreamRecorder` is what both ``forcelab record`` and the app use. It knows the engine's ring
layout (which column is the counter, the device clock, the raw counts, the forces) and rebuilds the archive's
sample blocks from ring rows. One lock guards the writer, which is not thread-safe on its own, so the
engine thread (:meth:`StreamRecorder.on_block`) and another thread (trials, results, decisions) may call it.
The app runs every call on a thread of its own (:mod:`forcelab.gui.recorder`) so drawing never waits for
the disk; the command line calls it directly and analyses trials in :class:`EngineRecorder`.

Rows are numbered in the engine's ring numbering (``ring.total_written``); the recorder subtracts the row
at which recording started (``first_row``), so a recording may begin long after the engine did.
:func:`session_info_from` says what the session is (device identity, calibration, plates) from the engine
itself, so a session recorded in the app and one recorded on the command line describe a device alike.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.devices.calibration import Calibration
from forcelab.devices.types import SampleBlock
from forcelab.storage.writer import ArchiveWriteError, SessionInfo, SessionWriter

log = logging.getLogger(__name__)


def plate_columns(engine: Any) -> tuple[str, ...]:
    """The engine's two per-plate force columns (``left``/``right`` when so named), or ``()`` for one plate."""
    names = [p.name for p in engine.plate_map.plates]
    if {"left", "right"} <= set(names):
        return ("left", "right")
    return tuple(names) if len(names) == 2 else ()


def session_info_from(engine: Any, *, athlete: str, tests: Sequence[str], source: str, tester: str = "",
                      started: datetime | None = None) -> SessionInfo:
    """What a session recorded from ``engine`` is: its rate, channels, plates, channel map, calibration and
    the device's identity (model, serial, firmware) as :func:`forcelab.acquisition.connect.open_device`
    learnt it from the device."""
    dev = engine.device_info
    return SessionInfo(
        athlete=athlete, rate=engine.rate, tests=list(tests), channels=engine.plate_map.channels,
        plates=2 if plate_columns(engine) else 1, calibration=engine.calibration,
        tester=tester, device_model=dev.get("model", ""),
        device_serial=dev.get("serial", "") or engine.calibration.device_serial,
        device_firmware=dev.get("firmware", ""),
        channel_map={p.name: list(p.channels) for p in engine.plate_map.plates},
        plate_geometry=engine.plate_map.to_dict(),
        started=started or datetime.now().astimezone(), source=source,
    )


class StreamRecorder:
    """Writes one engine's rows, trials, results, decisions and re-calibrations into ``writer``.

    ``columns`` are the engine's ring column names; ``plates`` its two per-plate force columns (``()``
    for one plate, see :func:`plate_columns`); ``first_row`` the ring row where recording begins.
    """

    def __init__(self, writer: SessionWriter, columns: Sequence[str], *, plates: Sequence[str] = ("left", "right"),
                 first_row: int = 0) -> None:
        self.writer = writer
        self.first_row = int(first_row)
        self.error: ArchiveWriteError | None = None
        self._lock = threading.Lock()
        idx = {name: i for i, name in enumerate(columns)}
        self._counter = idx["counter"]
        self._device_time = idx["device_time"]
        self._raw = [idx[f"raw{i}"] for i in range(writer.info.channels)]
        self._total = idx["total"]
        self._plates = tuple(idx[p] for p in plates) if writer.info.plates == 2 else ()

    @property
    def path(self) -> Any:
        """The session file."""
        return self.writer.path

    # ---------------------------------------------------------------- samples
    def on_block(self, block: Any) -> None:
        """Engine block listener: archive the rows (never raises into the engine; a failure is kept in
        :attr:`error` and stops further writing)."""
        try:
            self.append_rows(block.first_row, block.rows)
        except ArchiveWriteError as exc:
            self.error = exc

    def append_rows(self, first_row: int, rows: np.ndarray) -> None:
        """Archive ring rows ``first_row...`` (rows before recording started are dropped)."""
        skip = max(0, self.first_row - int(first_row))
        if skip >= len(rows) or self.error is not None:
            return
        rows = rows[skip:]
        block = SampleBlock(
            counter=rows[:, self._counter].astype(np.uint64),
            device_time=rows[:, self._device_time].astype(np.float64),
            counts=rows[:, self._raw].astype(np.int32),
        )
        left = right = None
        if self._plates:
            left, right = rows[:, self._plates[0]], rows[:, self._plates[1]]
        with self._lock:
            self.writer.append(block, rows[:, self._total], left, right)

    def poll(self) -> None:
        """Flush if due (call from a timer: blocks may stop coming when the device goes silent)."""
        with self._lock:
            if self.error is None:
                try:
                    self.writer.poll()
                except ArchiveWriteError as exc:
                    self.error = exc

    # ---------------------------------------------------------------- trials and decisions
    def add_trial(self, test: str, start_row: int, stop_row: int,
                  meta: Mapping[str, str | int] | None = None) -> int:
        """A trial spanning ring rows ``[start_row, stop_row)``, with its protocol step and limb (``meta``, see
        :meth:`SessionWriter.begin_trial`); returns its number in the file."""
        with self._lock:
            if self.error is not None:
                raise self.error
            start = max(0, int(start_row) - self.first_row)
            return self.writer.add_trial(test, start, max(start, int(stop_row) - self.first_row), meta=meta)

    def store_result(self, number: int, result: TrialResult) -> None:
        """The analysis of trial ``number``."""
        with self._lock:
            self.writer.store_result(number, result)

    def set_decision(self, number: int, accepted: bool | None, note: str) -> None:
        """The tester's decision on trial ``number``."""
        with self._lock:
            self.writer.set_decision(number, accepted, note)

    def set_calibration(self, cal: Calibration) -> None:
        """A new engine calibration (after a tare), valid from the next row."""
        with self._lock:
            self.writer.set_calibration(cal)

    def close(self) -> None:
        """Close the writer (marks the session complete) unless writing failed (then it stays incomplete)."""
        with self._lock:
            if self.error is None:
                self.writer.close()
            else:
                self.writer.abort()


@dataclass
class RecordedTrial:
    """A trial written to the session, with its analysis (``None`` and ``error`` if it failed)."""

    number: int
    start: int
    stop: int
    result: TrialResult | None
    error: str = ""


class EngineRecorder(StreamRecorder):
    """A :class:`StreamRecorder` that also analyses the engine's trials: :meth:`on_trial` (engine thread)
    queues them, :meth:`pump` (the caller's thread) stores and analyses them, so analysis never holds up
    acquisition."""

    def __init__(self, writer: SessionWriter, columns: Sequence[str], *, test: str,
                 analyze: Callable[[ForceTrace, str], TrialResult], plates: Sequence[str] = ("left", "right"),
                 first_row: int = 0) -> None:
        super().__init__(writer, columns, plates=plates, first_row=first_row)
        self.test = test
        self._analyze = analyze
        self._queue: queue.Queue[Any] = queue.Queue()

    def on_trial(self, trial: Any) -> None:
        """Engine trial listener: queue the trial for :meth:`pump`."""
        self._queue.put(trial)

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
        number = self.add_trial(self.test, start, stop)
        try:
            result: TrialResult | None = self._analyze(trial.trace, self.test)
            error = ""
        except (ValueError, RuntimeError) as exc:  # analysis refused this trial: keep it, say why
            log.warning("trial %d could not be analysed: %s", number, exc)
            result, error = None, str(exc)
        if result is not None:
            self.store_result(number, result)
        return RecordedTrial(number, start - self.first_row, stop - self.first_row, result, error)
