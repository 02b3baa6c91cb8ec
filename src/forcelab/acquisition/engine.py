"""The acquisition engine: owns the port in its own thread and turns bytes into newtons and trials.

One loop, in one thread that nothing else touches::

    transport.read() -> decoder.feed() -> calibration -> plate map -> ring buffer
                     -> block listeners -> online trial detector -> trial listeners

**Ring layout.** Every sample is one float64 row of :attr:`AcquisitionEngine.columns`::

    time, counter, total, <plate>..., <plate>_cop_x, <plate>_cop_y ..., f0..f{C-1}, raw0..raw{C-1}, device_time

``time`` is seconds since the engine started, on the device clock, re-anchored to the host clock at
every (re)connect (never earlier than the previous row) so an unplug shows as a jump in time;
``device_time`` is the device's own clock as decoded (seconds; it restarts when the device reboots), the
one the archive keeps in ``/stream/device_time``; ``counter`` is the device's sample counter
(exact in float64 up to 2**53); ``total`` and one column per plate (names from the profile, e.g.
``left``/``right``) are newtons; CoP columns (metres, NaN while the plate is unloaded) exist only for
plates with four positioned cells; ``f<i>`` are the calibrated newtons of channel ``i`` and ``raw<i>`` the
raw counts as received (for the archive, which stores counts plus the calibration). Use
:meth:`AcquisitionEngine.column` for indices.

**Gaps** are never papered over and never filled: rows hold only samples that arrived, and every
discontinuity is a :class:`Gap` in :meth:`AcquisitionEngine.gaps` with the absolute ring row it
precedes (``ring.total_written`` numbering). ``kind`` is ``"lost"`` (the device counter jumped:
``lost_samples`` says by how much), ``"counter_reset"`` (the counter went backwards, e.g. the device
rebooted) or ``"disconnect"`` (the port went away; ``duration`` seconds until it came back, the number
of samples missed is unknown). A disconnect also restarts trial detection, so no trial spans one.

**Listeners** are plain callables registered with ``add_*_listener``. They are called *from the engine
thread*, once per read (a block of many samples), never once per sample. They must be quick and must
not block; a GUI marshals them to its own thread (e.g. a queued Qt signal). An exception in a listener
is logged and counted and does not stop acquisition.

**Threads or a process.** The engine thread reads the port itself by default. ``bench/acquisition.py``
measures a consumer thread that holds the GIL in a pure-Python loop for 100 ms every second: CPython
hands the GIL to the engine only every ``sys.getswitchinterval()`` (5 ms) per release, so a read cycle
stretches to tens of milliseconds; at 8 ch x 2 kHz the ~16 KiB kernel buffer of the port covers that,
at 8 ch x 10 kHz it does not and samples are lost. For high rates pass a
:class:`~forcelab.acquisition.process_transport.ProcessTransport` (``open_device(..., process=True)``):
the port is read in a child process that queues bytes while this thread waits for the GIL.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from forcelab.acquisition.calibration import Calibration, CalibrationError
from forcelab.acquisition.ring import RingBuffer
from forcelab.analysis.types import ForceTrace
from forcelab.devices.plates import PlateMap, layout_columns
from forcelab.devices.types import Decoder, SampleBlock

log = logging.getLogger(__name__)


def set_thread_nice(nice: int) -> bool:
    """Give the calling thread (Linux: per thread; elsewhere: the process) niceness ``nice``."""
    setpriority = getattr(os, "setpriority", None)
    if setpriority is None:
        log.warning("cannot change scheduling priority on this platform")
        return False
    try:
        setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError as exc:
        log.warning("could not set niceness %d for acquisition (%s); running at normal priority", nice, exc)
        return False
    return True


class ByteSource(Protocol):
    """What the engine reads from (:class:`forcelab.devices.serial_transport.SerialTransport`)."""

    reconnects: int
    bytes_read: int
    last_error: str

    def open(self) -> None: ...
    def close(self) -> None: ...
    def read(self) -> bytes: ...
    def drain_events(self) -> list[Any]: ...

    @property
    def state(self) -> Any: ...


class TrialDetector(Protocol):
    """Online trial detection (:class:`forcelab.analysis.segmentation.OnlineTrialDetector`)."""

    def feed(self, total: np.ndarray) -> list[Any]: ...


@dataclass(frozen=True)
class Gap:
    """A discontinuity before absolute ring row ``row`` (see the module docstring)."""

    row: int
    kind: str  # "lost", "counter_reset", "disconnect"
    lost_samples: int | None  # None when unknown (disconnect, counter reset)
    wall_time: float  # time.monotonic() when it was seen
    duration: float | None = None  # seconds the port was away (disconnect)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        return {"row": self.row, "kind": self.kind, "lost_samples": self.lost_samples,
                "duration": self.duration, "detail": self.detail}


@dataclass(frozen=True)
class EngineBlock:
    """Rows just appended to the ring: ``rows[i]`` is absolute row ``first_row + i``."""

    first_row: int
    rows: np.ndarray
    columns: tuple[str, ...]


@dataclass(frozen=True)
class AcquiredTrial:
    """A trial the online detector closed: the force trace plus everything to recompute it later."""

    kind: str
    first_row: int
    stop_row: int  # exclusive
    trace: ForceTrace
    raw: np.ndarray  # (n, channels) counts as received (or device units for devices sending newtons)
    counter: np.ndarray  # (n,) device sample counter
    time: np.ndarray  # (n,) engine time column, seconds
    calibration: Calibration
    gaps: tuple[Gap, ...]  # discontinuities inside the trial (kind "lost")
    segment: Any = None  # the detector's own segment object


@dataclass(frozen=True)
class EngineStatus:
    """A snapshot for the status bar and ``forcelab monitor``."""

    state: str  # "stopped", "connected", "silent", "reconnecting", "closed"
    running: bool
    nominal_rate: float
    achieved_rate: float  # samples per second over the last ~2 s
    samples: int
    lost_samples: int
    crc_errors: int
    malformed: int
    resyncs: int
    bytes_discarded: int
    reconnects: int
    gaps: int
    rejected_samples: int  # samples dropped because their channel count did not match
    listener_errors: int
    detector_state: str
    bytes_read: int
    cpu_seconds: float  # CPU time of the engine thread
    last_error: str = ""
    messages: tuple[str, ...] = field(default_factory=tuple)


class AcquisitionEngine:
    """Reads one device, calibrates, fills a ring buffer, detects trials, tells listeners.

    ``transport`` is opened by :meth:`start` (a :class:`TransportError` from it propagates, with its
    clear message). ``rate`` is the device's nominal sample rate in Hz. ``detector_factory(rate)``
    builds a fresh online trial detector (called at start and after each disconnect); ``None`` turns
    trial detection off. ``ring_seconds`` sizes the ring: ``rate * ring_seconds`` rows of
    ``len(columns)`` float64 (8 channels, two 4-cell plates: 25 columns, so 2 kHz x 120 s is 48 MB and
    10 kHz x 120 s is 240 MB; lower it at high rates). ``poll_interval`` is the shortest read cycle in seconds: the thread reads at
    most ``1 / poll_interval`` times a second, whatever the device's packet rate, because the fixed cost
    of a read dominates at high packet rates (see ``bench/acquisition.py``); it adds at most that much
    latency. ``nice`` (Linux/macOS) sets the scheduling niceness of the engine thread, e.g. ``-10`` so a
    busy machine schedules it first; lowering niceness needs privileges (CAP_SYS_NICE or an
    RLIMIT_NICE allowance), and when refused the engine logs a warning and runs at normal priority.
    """

    def __init__(
        self,
        transport: ByteSource,
        decoder: Decoder,
        *,
        rate: float,
        plate_map: PlateMap,
        calibration: Calibration | None = None,
        ring_seconds: float = 120.0,
        detector_factory: Callable[[float], TrialDetector] | None = None,
        status_interval: float = 1.0,
        poll_interval: float = 0.008,
        device_info: dict[str, str] | None = None,
        nice: int | None = None,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"sample rate must be positive, got {rate!r}")
        self.transport = transport
        self.decoder = decoder
        self.rate = float(rate)
        self.plate_map = plate_map
        nch = plate_map.channels
        self._calibration = calibration or Calibration.identity(nch)
        if self._calibration.channels != nch:
            raise ValueError(
                f"calibration has {self._calibration.channels} channels, plate map {nch}"
            )
        self.columns: tuple[str, ...] = (
            ("time", "counter", "total")
            + tuple(layout_columns(plate_map.plates))
            + tuple(f"f{i}" for i in range(nch))
            + tuple(f"raw{i}" for i in range(nch))
            + ("device_time",)
        )
        self._index = {name: i for i, name in enumerate(self.columns)}
        self.ring = RingBuffer(max(1, int(round(ring_seconds * self.rate))), len(self.columns))
        self._plate_cols = [self._index[p.name] for p in plate_map.plates]
        self._cop_cols = [
            (i, self._index[f"{p.name}_cop_x"], self._index[f"{p.name}_cop_y"])
            for i, p in enumerate(plate_map.plates) if p.has_cop
        ]
        self._f0 = self._index["f0"]
        self._raw0 = self._index["raw0"]
        self._device_time = self._index["device_time"]
        self._detector_factory = detector_factory
        self._detector: TrialDetector | None = None
        self._detector_origin = 0
        self.status_interval = status_interval
        self.poll_interval = poll_interval
        self.nice = nice
        #: what is known about the device (model, serial, firmware, protocol), for the archive and the GUI
        self.device_info: dict[str, str] = dict(device_info or {})

        self._block_listeners: list[Callable[[EngineBlock], None]] = []
        self._trial_listeners: list[Callable[[AcquiredTrial], None]] = []
        self._status_listeners: list[Callable[[EngineStatus], None]] = []
        self._lock = threading.Lock()  # guards gaps list and calibration swap
        self._gaps: list[Gap] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._running = False
        self._expected: int | None = None
        self._time_anchor: tuple[float, float] | None = None  # (device_time, engine_time) of a connection
        self._last_time = -1.0
        self._t0 = time.monotonic()
        self._disconnected_at: float | None = None
        self._samples = 0
        self._lost = 0
        self._rejected = 0
        self._listener_errors = 0
        self._rate_hist: deque[tuple[float, int]] = deque()
        self._cpu = 0.0
        self._last_state = "stopped"
        self._last_status_emit = 0.0
        self._error = ""

    # ----------------------------------------------------------------------------- public API

    def column(self, name: str) -> int:
        """Index of column ``name`` in ring rows; KeyError lists the columns that exist."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"no column {name!r}; columns are {', '.join(self.columns)}") from None

    @property
    def calibration(self) -> Calibration:
        """The calibration applied to new samples."""
        return self._calibration

    def set_calibration(self, cal: Calibration) -> None:
        """Use ``cal`` for samples from now on (thread-safe; rows already in the ring keep theirs)."""
        if cal.channels != self.plate_map.channels:
            raise ValueError(f"calibration has {cal.channels} channels, the device {self.plate_map.channels}")
        with self._lock:
            self._calibration = cal

    def tare(self, seconds: float = 1.0, *, channels: list[int] | None = None) -> Calibration:
        """Zero the channels on the mean raw counts of the last ``seconds``; returns the new calibration."""
        rows = self.ring.latest(max(1, int(round(seconds * self.rate))))
        if rows.shape[0] == 0:
            raise CalibrationError("no samples yet to tare on; is the device streaming?")
        raw = rows[:, self._raw0 : self._raw0 + self.plate_map.channels]
        cal = self._calibration.tare(raw, channels=channels)
        self.set_calibration(cal)
        return cal

    def gaps(self) -> list[Gap]:
        """Every gap seen since start, oldest first (a copy)."""
        with self._lock:
            return list(self._gaps)

    def add_block_listener(self, fn: Callable[[EngineBlock], None]) -> None:
        """Call ``fn(EngineBlock)`` from the engine thread after each append to the ring."""
        self._block_listeners.append(fn)

    def add_trial_listener(self, fn: Callable[[AcquiredTrial], None]) -> None:
        """Call ``fn(AcquiredTrial)`` from the engine thread when the detector closes a trial."""
        self._trial_listeners.append(fn)

    def add_status_listener(self, fn: Callable[[EngineStatus], None]) -> None:
        """Call ``fn(EngineStatus)`` from the engine thread on each state change and every ``status_interval`` s."""
        self._status_listeners.append(fn)

    def start(self) -> None:
        """Open the transport and start the engine thread."""
        if self._thread is not None:
            raise RuntimeError("engine already started")
        self.transport.open()
        self._t0 = time.monotonic()
        self._new_detector()
        self._stop.clear()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="forcelab-acquisition", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the transport."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.error("acquisition thread did not stop within %.1f s", timeout)
        self._running = False
        self.transport.close()

    @property
    def running(self) -> bool:
        """True while the engine thread runs."""
        return self._running

    @property
    def cpu_seconds(self) -> float:
        """CPU time the engine thread has used (``time.thread_time`` measured inside it)."""
        return self._cpu

    def status(self) -> EngineStatus:
        """A consistent-enough snapshot (counters are read without stopping the thread)."""
        st = self.decoder.stats
        det_state = getattr(self._detector, "state", None)
        return EngineStatus(
            state=self._state_name(),
            running=self._running,
            nominal_rate=self.rate,
            achieved_rate=self._achieved_rate(),
            samples=self._samples,
            lost_samples=self._lost,
            crc_errors=st.crc_errors,
            malformed=st.malformed,
            resyncs=st.resyncs,
            bytes_discarded=st.bytes_discarded,
            reconnects=self.transport.reconnects,
            gaps=len(self._gaps),
            rejected_samples=self._rejected,
            listener_errors=self._listener_errors,
            detector_state="off" if self._detector is None else str(getattr(det_state, "value", det_state)),
            bytes_read=self.transport.bytes_read,
            cpu_seconds=self._cpu,
            last_error=self._error or self.transport.last_error,
            messages=tuple(st.messages[-5:]),
        )

    # ------------------------------------------------------------------------------ the loop

    def _run(self) -> None:
        if self.nice is not None:
            set_thread_nice(self.nice)
        try:
            while not self._stop.is_set():
                t = time.monotonic()
                self.step()
                rest = self.poll_interval - (time.monotonic() - t)
                if rest > 0:  # let bytes pile up: one read per cycle costs far less CPU than many
                    self._stop.wait(rest)
        finally:
            self._running = False
            self._cpu = time.thread_time()
            self._emit_status(force=True)

    def step(self) -> int:
        """One read-process cycle (what the thread runs in a loop); returns samples appended.

        Public so a caller that wants no thread (a test, a benchmark, a separate process) can drive it.
        """
        data = self.transport.read()
        for ev in self.transport.drain_events():
            self._on_event(ev)
        appended = 0
        if data:
            blocks = self.decoder.feed(data)
            if blocks:
                appended = self._process(blocks)
        self._cpu = time.thread_time()
        now = time.monotonic()
        if now - self._last_status_emit >= self.status_interval or self._state_name() != self._last_state:
            self._emit_status(force=True)
        return appended

    # ----------------------------------------------------------------------------- internals

    def _state_name(self) -> str:
        if not self._running and self._thread is None:
            return "stopped"
        state = self.transport.state
        return str(getattr(state, "value", state))

    def _achieved_rate(self) -> float:
        hist = list(self._rate_hist)
        if len(hist) < 2:
            return 0.0
        (t0, n0), (t1, n1) = hist[0], hist[-1]
        now = time.monotonic()
        if now - t1 > 1.0:  # nothing arrived for a while
            t1 = now
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def _new_detector(self) -> None:
        self._detector = None if self._detector_factory is None else self._detector_factory(self.rate)
        self._detector_origin = self.ring.total_written

    def _on_event(self, ev: Any) -> None:
        kind = getattr(ev, "kind", str(ev))
        when = float(getattr(ev, "time", time.monotonic()))
        if kind == "disconnected":
            self._disconnected_at = when
            self._error = str(getattr(ev, "detail", ""))
        elif kind == "connected" and self._disconnected_at is not None:
            gap = Gap(self.ring.total_written, "disconnect", None, when, when - self._disconnected_at,
                      str(getattr(ev, "detail", "")))
            self._add_gap(gap)
            self._disconnected_at = None
            self._expected = None
            self._time_anchor = None
            # the device restarted its stream: forget counter/clock history (Chronojump: capture restarted)
            reset = getattr(self.decoder, "reset", None) or getattr(self.decoder, "capture_started", None)
            if callable(reset):
                reset()
            self._new_detector()

    def _add_gap(self, gap: Gap) -> None:
        log.warning("acquisition gap before row %d: %s (%s) %s", gap.row, gap.kind,
                    gap.lost_samples, gap.detail)
        with self._lock:
            self._gaps.append(gap)

    def _process(self, blocks: list[SampleBlock]) -> int:
        nch = self.plate_map.channels
        good = []
        for b in blocks:
            if b.n == 0:
                continue
            raw = b.values if b.values is not None else b.counts
            if raw.ndim != 2 or raw.shape[1] != nch:
                self._rejected += b.n
                self._error = f"device sent {raw.shape[1] if raw.ndim == 2 else '?'} channels, expected {nch}"
                continue
            good.append((b, raw))
        if not good:
            return 0
        counter = np.concatenate([b.counter for b, _ in good]).astype(np.int64)
        dev_t = np.concatenate([b.device_time for b, _ in good]).astype(np.float64)
        raw = np.concatenate([r for _, r in good]) if len(good) > 1 else good[0][1]
        n = len(counter)
        first_row = self.ring.total_written
        now = time.monotonic()

        # gaps: between the previous read and this one, and inside this one
        if self._expected is not None:
            self._check_jump(first_row, self._expected, int(counter[0]), now)
        if n > 1:
            d = np.diff(counter)
            for j in np.flatnonzero(d != 1):
                self._check_jump(first_row + int(j) + 1, int(counter[j]) + 1, int(counter[j + 1]), now)
        self._expected = int(counter[-1]) + 1

        if self._time_anchor is None:  # keep time monotonic even if the device ran ahead of the host
            self._time_anchor = (float(dev_t[0]), max(now - self._t0, self._last_time + 1.0 / self.rate))
        dt0, et0 = self._time_anchor

        cal = self._calibration
        newtons = cal.apply(raw)
        total, per_plate, cop = self.plate_map.combine(newtons)
        rows = np.empty((n, len(self.columns)))
        rows[:, 0] = dev_t - dt0 + et0
        rows[:, 1] = counter
        rows[:, 2] = total
        for i, c in enumerate(self._plate_cols):
            rows[:, c] = per_plate[:, i]
        for i, cx, cy in self._cop_cols:
            rows[:, cx] = cop[:, i, 0]
            rows[:, cy] = cop[:, i, 1]
        rows[:, self._f0 : self._f0 + nch] = newtons
        rows[:, self._raw0 : self._raw0 + nch] = raw
        rows[:, self._device_time] = dev_t
        self.ring.append(rows)
        self._last_time = float(rows[-1, 0])
        self._samples += n
        self._rate_hist.append((now, self._samples))
        while len(self._rate_hist) > 2 and now - self._rate_hist[0][0] > 2.0:
            self._rate_hist.popleft()

        if self._block_listeners:
            block = EngineBlock(first_row, rows, self.columns)
            for fn in self._block_listeners:
                self._call(fn, block)
        if self._detector is not None:
            for seg in self._detector.feed(total):
                self._close_trial(seg, cal)
        return n

    def _check_jump(self, row: int, expected: int, got: int, now: float) -> None:
        if got > expected:
            lost = got - expected
            self._lost += lost
            self._add_gap(Gap(row, "lost", lost, now, detail=f"counter {expected} expected, {got} received"))
        elif got < expected:
            self._add_gap(Gap(row, "counter_reset", None, now,
                              detail=f"counter went back from {expected - 1} to {got}"))

    def _close_trial(self, seg: Any, cal: Calibration) -> None:
        start = self._detector_origin + int(seg.start)
        stop = self._detector_origin + int(seg.end)
        rows, _, missed = self.ring.since(start)
        if missed or stop <= start:
            log.error("trial rows %d-%d are no longer in the ring buffer (%d overwritten); trial dropped",
                      start, stop, missed)
            self._error = "a trial was longer than the ring buffer and was dropped"
            return
        rows = rows[: stop - start]
        nch = self.plate_map.channels
        names = self.plate_map.names
        left = right = None
        if "left" in names and "right" in names:
            left, right = rows[:, self._index["left"]], rows[:, self._index["right"]]
        elif len(names) == 2:
            left, right = rows[:, self._plate_cols[0]], rows[:, self._plate_cols[1]]
        cop_x = cop_y = None
        if self._cop_cols:  # plates with four positioned cells: the combined CoP, for the balance tests
            cop_x, cop_y = self.plate_map.combined_cop_of_rows(rows, self._plate_cols, self._cop_cols)
        with self._lock:
            inside = tuple(g for g in self._gaps if start < g.row < stop)
        trace = ForceTrace(rate=self.rate, total=rows[:, 2].copy(),
                           left=None if left is None else left.copy(),
                           right=None if right is None else right.copy(), cop_x=cop_x, cop_y=cop_y,
                           lost=tuple((g.row - start, g.lost_samples) for g in inside))  # flagged by the analysis
        trial = AcquiredTrial(
            kind=str(getattr(seg, "kind", "trial")),
            first_row=start,
            stop_row=stop,
            trace=trace,
            raw=rows[:, self._raw0 : self._raw0 + nch].copy(),
            counter=rows[:, 1].astype(np.uint64),
            time=rows[:, 0].copy(),
            calibration=cal,
            gaps=inside,
            segment=seg,
        )
        for fn in self._trial_listeners:
            self._call(fn, trial)

    def _call(self, fn: Callable[[Any], None], arg: Any) -> None:
        try:
            fn(arg)
        except Exception:  # a broken listener must not stop acquisition; it is logged and counted
            self._listener_errors += 1
            log.exception("acquisition listener %r failed", fn)

    def _emit_status(self, *, force: bool = False) -> None:
        self._last_status_emit = time.monotonic()
        self._last_state = self._state_name()
        if not self._status_listeners:
            return
        st = self.status()
        for fn in self._status_listeners:
            self._call(fn, st)
