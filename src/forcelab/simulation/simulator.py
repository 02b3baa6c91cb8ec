"""Simulated force plates on a pseudo-terminal: the real serial path with no hardware.

:class:`SimulatedPlates` is a virtual device (two plates x four load cells by default, 1 Hz-10 kHz) that
the host opens with pyserial like any USB serial port. It runs in its own thread and behaves like an
Arduino-class board with native USB:

- **Port.** The device lives on the master side of a pty (``os.openpty``, raw mode). :attr:`port` is a
  stable symlink, ``<tmp>/forcelab-sim-XXXX/ttySIM0``, pointing at the current slave (``/dev/pts/N``).
  :meth:`unplug` closes the master (host reads fail, the slave disappears, the symlink is removed);
  :meth:`replug` opens a NEW pty and points the symlink at it, so a host that reopens :attr:`port` finds
  the device again (``SerialTransport(port=sim.port)`` does exactly that).
- **DTR reset.** When the host opens the port (the master stops reporting POLLHUP), the device resets:
  after ``boot_delay`` s it sends a 0x00 and a LOG frame ``"<model> <firmware> ready"`` (text protocol: a
  ``"<model> <firmware> ready"`` line). Bytes the host sends while the device boots are lost, as on a
  real board. When the host closes the port the device stops streaming and whatever was still queued
  for it is discarded.
- **Streaming.** Samples are taken on a monotonic clock: each tick (``tick`` s, default 1 ms) the device
  generates every sample that has come due, in whole frames of ``ceil(rate/1000)`` samples (numpy
  blocks, not per sample), from :class:`~forcelab.simulation.motion.SimMotion`.
- **Real-device overrun.** Frames go into a transmit buffer of ``tx_buffer`` bytes that drains into the
  master with NON-BLOCKING writes. A frame that does not fit is dropped whole and counted in
  :attr:`SimStats.samples_overrun`; the sample counter keeps counting, so the host sees the gap.
- **Commands** (binary protocol, hardware/protocol.md section 6): IDENTIFY, START, STOP, SET_RATE (while
  stopped, 1..10000 Hz), TARE (working calibration only), READ_CALIBRATION, WRITE_CALIBRATION (stored
  calibration); unknown or wrong-size commands get ERROR_REPLY. The text protocol streams
  ``micros;c1;...;cN`` lines from boot and ignores input (counted in ``bytes_ignored``).
- **Faults** (:class:`~forcelab.simulation.wire.FaultPlan`): byte drops, bit flips, stalls, unplugs.
- **Record.** With ``record=True`` every generated sample is kept (counter, micros, counts, status) so a
  test can check that the host decoded exactly what was sent; see :meth:`recorded`.

The text protocol has no CRC: a damaged text line can decode into a wrong but plausible number. That
is the reason the binary protocol exists, and the record marks such samples as DAMAGED.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from forcelab.devices.protocol import (
    PROTOCOL_VERSION,
    Ack,
    CalibrationReply,
    ErrorCode,
    ErrorReply,
    FrameReader,
    FrameType,
    Identify,
    IdentifyReply,
    LogMessage,
    ReadCalibration,
    Rejected,
    Reply,
    SetRate,
    Start,
    Stop,
    Tare,
    WriteCalibration,
    encode_reply,
)
from forcelab.simulation.motion import CELL_POSITIONS, Calibration, Script, SimMotion, TrialRecord
from forcelab.simulation.pty_endpoint import PtyEndpoint
from forcelab.simulation.stats import (
    DAMAGED,
    LINK_LOST,
    OVERRUN,
    QUEUED,
    SENT,
    STATUS_NAMES,
    Recorder,
    SampleRecord,
    SimStats,
)
from forcelab.simulation.stream import DueUnit, SampleStream
from forcelab.simulation.transmit import TransmitBuffer, Unit
from forcelab.simulation.wire import FaultPlan, WireEncoder, damage, samples_per_unit

__all__ = [
    "DAMAGED", "LINK_LOST", "OVERRUN", "QUEUED", "SENT", "STATUS_NAMES", "FaultPlan", "SampleRecord",
    "Script", "SimStats", "SimulatedPlates",
]

log = logging.getLogger(__name__)

MIN_RATE = 1
MAX_RATE = 10_000
FIRMWARE = "1.0.0"


@dataclass
class _TareJob:
    seq: int
    needed: int
    total: np.ndarray
    got: int = 0
    reply_at: float | None = None  # stopped device: reply time


@dataclass
class _Device:
    """Device state that a DTR reset clears."""

    booted: bool = False
    boot_at: float = 0.0
    boot_t: float = 0.0  # monotonic time of power-up / reset, origin of the micros clock
    streaming: bool = False
    stream_t0: float = 0.0
    stream: SampleStream | None = None
    stream_no: int = 0
    tare: _TareJob | None = None
    reader: FrameReader = field(default_factory=FrameReader)


class SimulatedPlates:
    """A virtual force-plate device on a pty; see the module docstring.

    Parameters
    ----------
    rate: sample rate in Hz (integer, 1..10000).
    protocol: ``"binary"`` (forcelab protocol v1) or ``"text"`` (``micros;c1;...;cN`` lines).
    channels: 1, 2, 4 or 8 (see :mod:`forcelab.simulation.motion`).
    body_mass, asymmetry, noise, seed: the athlete and the load cells (:class:`SimMotion`).
    variation, asymmetry_sd: trial-to-trial variation (coefficient of variation of the jump height or pull
        force, standard deviation of the left/right split around ``asymmetry``); 0 = every trial the same.
    script: a :class:`Script` to run from start; ``None``: the athlete steps on after ``stand_after`` s
        and stands, waiting for :meth:`trigger` (``stand_after=0``: standing from the first sample).
    autostart: stream right after boot without a START command (default: True for text, False for binary).
    faults: a :class:`FaultPlan`.
    record: keep every generated sample for :meth:`recorded` and write times for :attr:`write_log`.
    boot_delay: seconds from the host opening the port to the boot banner.
    tx_buffer: bytes the device can queue for the host before it drops frames.
    tick: seconds between device loop iterations.
    model, serial: what IDENTIFY reports.
    calibration: the device's true and stored factory calibration (default: :func:`default_calibration`).
    stand_after: seconds until the athlete steps on when there is no script (0: standing from the start).
    sway: amplitude (m) of the athlete's centre-of-pressure sway, one body on both plates (default 0.01 m): a
        Lissajous figure at 0.31 Hz (ML) and 0.19 Hz (AP), the quiet stance of a balance test.
    text_units: text protocol values, ``"counts"`` (raw) or ``"newtons"`` (the device applies its working
        calibration, two decimals); text_delimiter: ``;`` (default), ``,``, tab or space.
    cell_positions: the four cells of a plate (metres); default the ``forcelab-dual-plate`` layout.
    clock_ppm: the device crystal's error in parts per million (e.g. 50: the device samples 50 ppm faster
        than nominal by the host's clock, while its micros still step exactly 1e6/rate per sample).
    """

    def __init__(
        self,
        *,
        rate: float = 1000.0,
        protocol: str = "binary",
        channels: int = 8,
        body_mass: float = 75.0,
        asymmetry: float = 0.0,
        noise: float = 0.0,
        variation: float = 0.0,
        asymmetry_sd: float = 0.0,
        seed: int | None = None,
        script: Script | None = None,
        autostart: bool | None = None,
        faults: FaultPlan | None = None,
        record: bool = False,
        boot_delay: float = 0.1,
        tx_buffer: int = 8192,
        tick: float = 0.001,
        model: str = "forcelab-sim",
        serial: str = "SIM00001",
        calibration: Calibration | None = None,
        stand_after: float = 1.0,
        sway: float | None = None,
        text_units: str = "counts",
        text_delimiter: str = ";",
        cell_positions: tuple[tuple[float, float], ...] | None = None,
        clock_ppm: float = 0.0,
    ) -> None:
        if protocol not in ("binary", "text"):
            raise ValueError(f"protocol must be 'binary' or 'text', got {protocol!r}")
        self._check_rate(rate)
        if not (math.isfinite(boot_delay) and boot_delay >= 0):
            raise ValueError(f"boot_delay must be zero or positive seconds, got {boot_delay!r}")
        if tx_buffer < 512:
            raise ValueError(f"tx_buffer must be at least 512 bytes, got {tx_buffer}")
        if not (0 < tick <= 0.02):
            raise ValueError(f"tick must be between 0 and 0.02 s, got {tick!r}")
        self.protocol = protocol
        self.channels = channels
        if text_units not in ("counts", "newtons"):
            raise ValueError(f"text_units must be 'counts' or 'newtons', got {text_units!r}")
        if not (math.isfinite(clock_ppm) and abs(clock_ppm) <= 10_000):
            raise ValueError(f"clock_ppm must be within +-10000, got {clock_ppm!r}")
        self.clock_ppm = float(clock_ppm)
        self.text_units = text_units
        self.text_delimiter = text_delimiter
        self.motion = SimMotion(channels=channels, body_mass=body_mass, asymmetry=asymmetry, noise=noise,
                                variation=variation, asymmetry_sd=asymmetry_sd, seed=seed, calibration=calibration,
                                cell_positions=CELL_POSITIONS if cell_positions is None else tuple(cell_positions),
                                sway=SimMotion.sway if sway is None else float(sway))
        assert self.motion.calibration is not None
        self._stored_cal: Calibration = self.motion.calibration
        self._working_cal: Calibration = self.motion.calibration
        self._rate = int(rate)
        self.autostart = (protocol == "text") if autostart is None else autostart
        self.faults = faults or FaultPlan()
        self.boot_delay = boot_delay
        self.tx_buffer = tx_buffer
        self.tick = tick
        self.model = model
        self.serial = serial
        self._script = script
        self.stand_after = float(stand_after)
        self._rng = np.random.default_rng(None if seed is None else seed + 1)
        self._record = Recorder(channels) if record else None
        self._stats = SimStats()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._dir: str | None = None  # made by start(), removed by stop()
        self._pty = PtyEndpoint("")
        self._host = False
        self._dev = _Device()
        self._tx = TransmitBuffer(tx_buffer, self._stats, self._record)
        self._stall_until = 0.0
        self._damage_next: list[str] = []
        self._t_created = time.monotonic()
        self._next_extend = 0.0
        self._non_commands = 0
        self._t_started = self._t_created
        self._next_stall = math.inf
        self._unplug_at = math.inf
        self._replug_at = math.inf
        self._encoder = self._make_encoder()

    # ------------------------------------------------------------------ public API

    @property
    def port(self) -> str:
        """Stable path to open with pyserial (a symlink to the current pty slave); after :meth:`start`."""
        if self._dir is None:
            raise RuntimeError("the simulated plates have no port until start()")
        return self._pty.link

    @property
    def device_path(self) -> str | None:
        """The current pty slave (``/dev/pts/N``), ``None`` while unplugged."""
        return self._pty.slave_path if self._pty.plugged else None

    @property
    def write_log(self) -> deque[tuple[int, float]]:
        """With ``record=True``: (counter after the last sample of a frame, ``time.monotonic()`` when it was
        fully written to the port), newest last; for latency measurements."""
        return self._tx.write_log

    @property
    def rate(self) -> int:
        """Current sample rate in Hz."""
        return self._rate

    @property
    def stats(self) -> SimStats:
        """A snapshot of the device counters."""
        with self._lock:
            return replace(self._stats)

    @property
    def calibration(self) -> Calibration:
        """The working calibration (after tares); :attr:`stored_calibration` is what survives a reset."""
        return self._working_cal

    @property
    def stored_calibration(self) -> Calibration:
        """The calibration in the device's non-volatile memory."""
        return self._stored_cal

    @property
    def true_calibration(self) -> Calibration:
        """The calibration that really maps the simulated forces to counts (the factory one)."""
        assert self.motion.calibration is not None
        return self.motion.calibration

    @property
    def streaming(self) -> bool:
        """True while the device streams samples."""
        return self._dev.streaming

    @property
    def host_connected(self) -> bool:
        """True while a host has the port open."""
        return self._host

    def start(self) -> None:
        """Create the pty and start the device thread."""
        if self._thread is not None:
            return
        self._dir = tempfile.mkdtemp(prefix="forcelab-sim-")
        # a process that exits without stop() still removes the port directory
        weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        self._pty.link = os.path.join(self._dir, "ttySIM0")
        try:
            self._schedule_start()
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
            raise
        self._thread = threading.Thread(target=self._run, name="forcelab-sim", daemon=True)
        self._thread.start()

    def _schedule_start(self) -> None:
        self._t_started = time.monotonic()
        now_m = self.motion_time()
        if self._script is not None:
            self.motion.run_script(self._script, now=now_m)
        else:
            self.motion.stand(now=now_m + self.stand_after, step_on=0.8 if self.stand_after > 0 else 0.0)
        f = self.faults
        if f.stall_every > 0:
            self._next_stall = self._t_started + f.stall_every
        if f.unplug_after > 0:
            self._unplug_at = self._t_started + f.unplug_after
        self._pty.plug()
        self._host = False
        self._stop.clear()

    def stop(self) -> None:
        """Stop the device thread, close the pty and remove the port symlink."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        with self._lock:
            self._unplug()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> SimulatedPlates:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """Pull the USB cable: close the master; the host's reads fail and :attr:`port` disappears."""
        with self._lock:
            if not self._pty.plugged:
                return
            self._unplug()
            self._stats.unplugs += 1
            log.info("simulator unplugged")

    def replug(self) -> None:
        """Plug back in: a new pty, :attr:`port` points at it; the host must reopen :attr:`port`."""
        with self._lock:
            if self._pty.plugged:
                return
            self._pty.plug()
            self._host = False
            self._stats.replugs += 1
            log.info("simulator replugged at %s", self._pty.slave_path)

    def stall(self, ms: float) -> None:
        """Stop draining the transmit buffer for ``ms`` milliseconds (sampling goes on)."""
        with self._lock:
            self._stall_until = max(self._stall_until, time.monotonic() + ms / 1000.0)
            self._stats.stalls += 1

    def damage_next(self, kind: str, count: int = 1) -> None:
        """Damage the next ``count`` sample units: ``"drop"`` a byte or ``"flip"`` a bit."""
        if kind not in ("drop", "flip"):
            raise ValueError(f"damage kind must be 'drop' or 'flip', got {kind!r}")
        with self._lock:
            self._damage_next.extend([kind] * count)

    def motion_time(self) -> float:
        """Now on the motion clock (seconds since the simulator was created)."""
        return time.monotonic() - self._t_created

    def trigger(self, test: str, **params: float) -> TrialRecord:
        """Queue a trial (cmj, sj, dj, imtp, with generator parameters) after whatever is scheduled;
        returns its truth, with times on the motion clock (see :meth:`stream_index`)."""
        return self.motion.trigger(test, now=self.motion_time(), **params)

    def stream_index(self, motion_t: float) -> float:
        """The (fractional) sample counter of the current stream at motion time ``motion_t``."""
        return (motion_t - (self._dev.stream_t0 - self._t_created)) * self._rate * (1 + self.clock_ppm * 1e-6)

    def recorded(self) -> SampleRecord:
        """Every generated sample so far (requires ``record=True``)."""
        if self._record is None:
            raise RuntimeError("this simulator was created without record=True")
        with self._lock:
            return self._record.snapshot()

    # ------------------------------------------------------------------ the pty

    def _unplug(self) -> None:
        self._host_gone()
        self._pty.unplug()

    def _host_gone(self) -> None:
        """The host closed the port (or the cable went): stop streaming, lose the transmit buffer."""
        if self._host:
            self._stats.host_closes += 1
        self._host = False
        self._dev.streaming = False
        self._dev.booted = False
        self._tx.discard()

    # ------------------------------------------------------------------ the loop

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._lock:
                    self._step(time.monotonic())
            except Exception:  # the device thread must not die silently
                log.exception("simulated device failed; it stops")
                raise
            time.sleep(self.tick)

    def _step(self, now: float) -> None:
        self._scheduled_faults(now)
        if not self._pty.plugged:
            return
        self._check_host(now)
        if not self._host:
            return
        dev = self._dev
        if not dev.booted:
            self._drain_input(ignore=True)
            if now >= dev.boot_at:
                self._boot(now)
            return
        self._drain_input(ignore=False)
        if dev.streaming:
            self._generate(now)
        if dev.tare is not None and dev.tare.reply_at is not None and now >= dev.tare.reply_at:
            self._finish_tare()
        if now >= self._stall_until:
            self._tx.drain(self._pty.write)
        if now >= self._next_extend:
            self._next_extend = now + 0.1
            self.motion.extend(self.motion_time())

    def _scheduled_faults(self, now: float) -> None:
        f = self.faults
        if now >= self._next_stall:
            self._stall_until = now + f.stall_ms / 1000.0
            self._stats.stalls += 1
            self._next_stall += f.stall_every
        if now >= self._unplug_at:
            self.unplug()
            self._replug_at = now + f.unplug_for
            self._unplug_at = now + f.unplug_every if f.unplug_every > 0 else math.inf
        if now >= self._replug_at:
            self.replug()
            self._replug_at = math.inf

    def _check_host(self, now: float) -> None:
        present = self._pty.host_present()
        if not present and self._host:
            self._host_gone()
            self._pty.flush_host_input()
        elif present and not self._host:
            self._host = True
            self._stats.host_opens += 1
            self._dev = _Device(boot_at=now + self.boot_delay)
            log.debug("host opened %s; device resets", self._pty.slave_path)

    def _boot(self, now: float) -> None:
        dev = self._dev
        dev.booted = True
        dev.boot_t = now
        self._set_working_calibration(self._stored_cal)
        self._stats.boots += 1
        banner = f"{self.model} {FIRMWARE} ready ({self.channels} channels, {self._rate} Hz)"
        if self.protocol == "binary":
            self._tx.put_bytes(b"\x00" + encode_reply(LogMessage(banner)))
        else:
            self._tx.put_bytes((banner + "\n").encode("ascii"))
        if self.autostart:
            self._start_stream(now)

    def _drain_input(self, *, ignore: bool) -> None:
        data = self._pty.read()
        if not data:
            return
        if ignore or self.protocol == "text":
            self._stats.bytes_ignored += len(data)
            return
        for msg in self._dev.reader.feed(data):
            self._stats.commands += 1
            self._handle(msg)
        rs = self._dev.reader.stats
        self._stats.bad_commands = rs.crc_errors + rs.malformed + self._non_commands

    # ------------------------------------------------------------------ commands

    def _reply(self, reply: Reply) -> None:
        self._tx.put_bytes(encode_reply(reply))

    def _handle(self, msg: Any) -> None:
        dev = self._dev
        now = time.monotonic()
        if isinstance(msg, Rejected):
            self._reply(msg.error_reply())
        elif isinstance(msg, Identify):
            self._reply(IdentifyReply(msg.seq, PROTOCOL_VERSION, self.channels, self._rate, self.model,
                                      self.serial, FIRMWARE))
        elif isinstance(msg, Start):
            if dev.streaming:
                self._reply(ErrorReply(msg.seq, FrameType.START, ErrorCode.BUSY, "already streaming"))
            else:
                self._reply(Ack(msg.seq, FrameType.START))
                self._start_stream(now)
        elif isinstance(msg, Stop):
            if dev.streaming:
                self._generate(now)  # the ACK follows the last frame
                dev.streaming = False
            self._reply(Ack(msg.seq, FrameType.STOP))
        elif isinstance(msg, SetRate):
            if dev.streaming:
                self._reply(ErrorReply(msg.seq, FrameType.SET_RATE, ErrorCode.BUSY, "stop streaming first"))
            elif not MIN_RATE <= msg.rate_hz <= MAX_RATE:
                self._reply(ErrorReply(msg.seq, FrameType.SET_RATE, ErrorCode.BAD_ARGUMENT,
                                       f"supported: {MIN_RATE}..{MAX_RATE} Hz, any integer"))
            else:
                self._set_rate(msg.rate_hz)
                self._reply(Ack(msg.seq, FrameType.SET_RATE))
        elif isinstance(msg, Tare):
            needed = msg.samples or max(1, self._rate // 2)
            job = _TareJob(msg.seq, needed, np.zeros(self.channels))
            if not dev.streaming:  # sample internally, answer when the averaging would be done
                t = self.motion_time() + np.arange(needed) / self._rate
                counts = self.motion.counts(t)
                job.total = counts.sum(axis=0, dtype=np.float64)
                job.got = needed
                job.reply_at = now + needed / self._rate
            dev.tare = job
        elif isinstance(msg, ReadCalibration):
            cal = self._working_cal
            self._reply(CalibrationReply(msg.seq, cal.gains, cal.offsets))
        elif isinstance(msg, WriteCalibration):
            if len(msg.gains) != self.channels:
                self._reply(ErrorReply(msg.seq, FrameType.WRITE_CALIBRATION, ErrorCode.BAD_ARGUMENT,
                                       f"{len(msg.gains)} channels given, the device has {self.channels}"))
            else:
                try:
                    cal = Calibration(tuple(msg.gains), tuple(msg.offsets))
                except ValueError as exc:
                    self._reply(ErrorReply(msg.seq, FrameType.WRITE_CALIBRATION, ErrorCode.BAD_ARGUMENT,
                                           str(exc)[:255]))
                else:
                    self._stored_cal = cal
                    self._set_working_calibration(cal)
                    self._reply(Ack(msg.seq, FrameType.WRITE_CALIBRATION))
        else:  # a reply or sample frame sent to the device: not a command
            self._non_commands += 1
            log.debug("device ignored a %s frame from the host", type(msg).__name__)

    def _finish_tare(self) -> None:
        job = self._dev.tare
        assert job is not None
        offsets = job.total / job.got
        # float32 on the wire: round so that what the host reads back is exactly the device's value
        offsets32 = tuple(float(np.float32(o)) for o in offsets)
        self._set_working_calibration(Calibration(self._working_cal.gains, offsets32))
        self._reply(CalibrationReply(job.seq, self._working_cal.gains, offsets32))
        self._dev.tare = None

    def _make_encoder(self) -> WireEncoder:
        cal = self._working_cal if self.protocol == "text" and self.text_units == "newtons" else None
        return WireEncoder(self.protocol, self.channels, samples_per_unit(self._rate, self.channels),
                           delimiter=self.text_delimiter, calibration=cal)

    def _set_working_calibration(self, cal: Calibration) -> None:
        self._working_cal = cal
        if self._encoder.calibration is not None:
            self._encoder.calibration = cal

    def _set_rate(self, rate: int) -> None:
        self._rate = int(rate)
        self._encoder = self._make_encoder()

    @staticmethod
    def _check_rate(rate: float) -> None:
        if not (math.isfinite(rate) and float(rate).is_integer() and MIN_RATE <= rate <= MAX_RATE):
            raise ValueError(f"rate must be a whole number of hertz between {MIN_RATE} and {MAX_RATE}, got {rate!r}")

    # ------------------------------------------------------------------ samples

    def _start_stream(self, now: float) -> None:
        dev = self._dev
        dev.streaming = True
        dev.stream_t0 = now
        dev.stream = SampleStream(self.motion, self._encoder, rate=self._rate, t0=now, t_boot=dev.boot_t,
                                  t_motion0=now - self._t_created, clock_ppm=self.clock_ppm)
        dev.stream_no = self._stats.streams
        self._stats.streams += 1

    def _generate(self, now: float) -> None:
        """Send every frame whose samples have all been taken by ``now``."""
        stream = self._dev.stream
        assert stream is not None
        for unit in stream.due(now):
            self._emit(unit)

    def _emit(self, due: DueUnit) -> None:
        dev = self._dev
        m = due.samples
        self._stats.samples_generated += m
        rec = self._record.add(due.counter, due.micros, due.counts, dev.stream_no) if self._record else -1
        job = dev.tare
        if job is not None and job.reply_at is None:
            take = min(job.needed - job.got, m)
            job.total += due.counts[:take].sum(axis=0, dtype=np.float64)
            job.got += take
            if job.got >= job.needed:
                job.reply_at = time.monotonic()
        unit = Unit(due.data, m, due.counter, rec)
        if not self._tx.fits(len(unit.data)):
            self._tx.drop(unit)
            return
        kind = self._damage_kind()
        if kind is not None:
            unit.data = damage(unit.data, kind, self._rng, delimiter=0 if self.protocol == "binary" else 0x0A)
            self._stats.units_damaged += 1
            self._stats.samples_damaged += m
            if self._record is not None:
                self._record.mark(rec, m, DAMAGED)
        self._tx.put(unit)

    def _damage_kind(self) -> str | None:
        if self._damage_next:
            return self._damage_next.pop(0)
        f = self.faults
        if not f.damages:
            return None
        r = self._rng.random()
        if r < f.drop_rate:
            return "drop"
        if r < f.drop_rate + f.flip_rate:
            return "flip"
        return None
