"""The Chronojump force sensor (an open Arduino + load-cell amplifier many labs own): decoder and commands.

The device talks text at 115200 baud. Commands are words ending in ``:`` (arguments between ``:`` and
``;``), sent as a line. While capturing it prints one line per reading:

- ``<microseconds>;<force in newtons>``: a sample; the time counts from ``start_capture:`` and wraps
  modulo 2**32 (``micros()`` on the Arduino);
- ``<microseconds>;R`` or ``<microseconds>;r``: the trigger input (RCA jack) went high (``R``) or low
  (``r``) at that time; an event, not a sample;
- anything else without a ``;`` is a reply to a command (``Force_Sensor-0.6`` to ``get_version:``,
  ``Starting capture...``, ``Capture ended:``, ``Taring OK:<offset>``, ``Calibrating OK:<factor>``, a bare
  number to ``get_calibration_factor:`` / ``get_tare:``, ``Not a valid command``).

A line with a ``;`` that is neither a sample nor a trigger (a byte lost on the line, two lines run
together) is malformed and dropped. Gaps are found from the time column as for any text device
(:mod:`forcelab.devices.text_decoder`).
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from forcelab.devices.text_decoder import LineSplitter, SampleClock, TextFormat, TimeGate
from forcelab.devices.types import DecoderStats, SampleBlock

BAUD = 115200
VERSION_PREFIX = "Force_Sensor-"
TIME_WRAP = 1 << 32

_DATA = re.compile(r"^(\d+);\s*([-+]?(?:\d+\.?\d*|\.\d+))$")
_TRIGGER = re.compile(r"^(\d+);([Rr])$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)$")
_KEYED = re.compile(r"^(Taring OK|Calibrating OK):\s*([-+]?(?:\d+\.?\d*|\.\d+))$")


# ------------------------------------------------------------------------------------------- commands
def _command(word: str, argument: str | None = None) -> bytes:
    text = f"{word}:" if argument is None else f"{word}:{argument};"
    return (text + "\n").encode("ascii")


def start_capture() -> bytes:
    """Start streaming samples; the device answers ``Starting capture...`` and restarts its clock at 0."""
    return _command("start_capture")


def end_capture() -> bytes:
    """Stop streaming; the device answers ``Capture ended:``."""
    return _command("end_capture")


def get_version() -> bytes:
    """Ask the firmware version; the answer starts with ``Force_Sensor-``."""
    return _command("get_version")


def tare() -> bytes:
    """Zero the sensor with the mean of its next readings; the answer is ``Taring OK:<offset>``."""
    return _command("tare")


def get_tare() -> bytes:
    """Ask the stored tare offset (raw amplifier units); the answer is a bare number."""
    return _command("get_tare")


def calibrate(kg: float) -> bytes:
    """Calibrate with ``kg`` kilograms hanging on the sensor; the answer is ``Calibrating OK:<factor>``."""
    if not (math.isfinite(kg) and kg > 0):
        raise ValueError(f"calibration mass must be a positive number of kilograms, got {kg}")
    return _command("calibrate", f"{kg:g}")


def get_calibration_factor() -> bytes:
    """Ask the calibration factor (raw units per newton); the answer is a bare number."""
    return _command("get_calibration_factor")


def set_calibration_factor(factor: float) -> bytes:
    """Store a calibration factor; the answer is ``Calibration factor set``."""
    if not (math.isfinite(factor) and factor != 0):
        raise ValueError(f"calibration factor must be a finite non-zero number, got {factor}")
    return _command("set_calibration_factor", f"{factor:g}")


# ------------------------------------------------------------------------------------------- decoding
@dataclass(frozen=True)
class TriggerEvent:
    """The trigger input changed: ``rising`` True for ``R`` (went high), False for ``r``.

    ``device_time`` is seconds on the device clock; ``next_counter`` is the counter the next sample will
    get, so the event can be placed between samples.
    """

    device_time: float
    rising: bool
    next_counter: int


@dataclass(frozen=True)
class ChronojumpReply:
    """A reply line. ``kind``: version, capture_started, capture_ended, tared, calibrated, number,
    invalid_command or text; ``value`` holds the number where the line carries one."""

    text: str
    kind: str
    value: float | None = None


def classify_reply(line: str) -> ChronojumpReply:
    """Name a reply line and pull out its number, if any."""
    if line.startswith(VERSION_PREFIX):
        return ChronojumpReply(line, "version")
    if line.startswith("Starting capture"):
        return ChronojumpReply(line, "capture_started")
    if line.startswith("Capture ended"):
        return ChronojumpReply(line, "capture_ended")
    if line.startswith("Not a valid command"):
        return ChronojumpReply(line, "invalid_command")
    keyed = _KEYED.match(line)
    if keyed:
        kind = "tared" if keyed.group(1) == "Taring OK" else "calibrated"
        return ChronojumpReply(line, kind, float(keyed.group(2)))
    if _NUMBER.match(line):
        return ChronojumpReply(line, "number", float(line))
    return ChronojumpReply(line, "text")


class ChronojumpDecoder:
    """Sans-IO decoder of a Chronojump force sensor: samples (newtons) as blocks, triggers as events.

    ``feed`` returns sample blocks (``values`` in newtons, one channel; ``counts`` without columns).
    ``events`` queues :class:`TriggerEvent` s and ``replies`` :class:`ChronojumpReply` s (newest last;
    bounded), each also passed to ``on_event`` / ``on_reply`` when given. ``version`` keeps the last
    version string seen. Call :meth:`capture_started` when sending ``start_capture:``: the device
    restarts its clock at 0, which must not read as time going backwards.
    """

    def __init__(
        self,
        *,
        rate_hz: float | None = None,
        on_event: Callable[[TriggerEvent], None] | None = None,
        on_reply: Callable[[ChronojumpReply], None] | None = None,
        max_queue: int = 256,
    ) -> None:
        self.stats = DecoderStats()
        self.format = TextFormat(channels=(1,), time_column=0, time_unit=1e-6, time_wrap=TIME_WRAP,
                                 delimiter=";", rate_hz=rate_hz)
        self.clock = SampleClock(self.format, self.stats)
        self.gate: TimeGate[float] = TimeGate(self.format, self.stats)
        self._lines = LineSplitter(self.stats, max_line=256)
        self.events: deque[TriggerEvent] = deque(maxlen=max_queue)
        self.replies: deque[ChronojumpReply] = deque(maxlen=max_queue)
        self.on_event = on_event
        self.on_reply = on_reply
        self.version: str | None = None

    def capture_started(self) -> None:
        """The device's clock restarts at 0 now; the synthesised counter keeps rising."""
        self.clock.reset()
        self.gate.reset()

    def feed(self, data: bytes) -> list[SampleBlock]:
        """Consume ``data``; return the samples it completed as blocks (never raises)."""
        blocks: list[SampleBlock] = []
        times: list[int] = []
        forces: list[float] = []
        for line in self._lines.feed(data):
            m = _DATA.match(line)
            if m:
                for when, force, restart in self.gate.push(float(m.group(1)), float(m.group(2)), len(line) + 1):
                    if restart:
                        blocks += self._block(times, forces)
                        times, forces = [], []
                        self.clock.reset()
                    times.append(int(when))
                    forces.append(force)
                continue
            t = _TRIGGER.match(line)
            if t:
                # flush samples first, so the event's next_counter is right
                blocks += self._block(times, forces)
                times, forces = [], []
                self._event(int(t.group(1)), t.group(2) == "R")
                continue
            if ";" in line:
                self.stats.malformed += 1
                self.stats.bytes_discarded += len(line) + 1
                continue
            self._reply(line)
        blocks += self._block(times, forces)
        return blocks

    def _block(self, times: list[int], forces: list[float]) -> list[SampleBlock]:
        if not times:
            return []
        n = len(times)
        counter, device_time = self.clock.stamp(np.asarray(times, dtype=np.float64), n)
        self.stats.frames_ok += n
        self.stats.samples_ok += n
        values = np.asarray(forces, dtype=np.float64).reshape(n, 1)
        return [SampleBlock(counter=counter, device_time=device_time, counts=np.zeros((n, 0), np.int32),
                            values=values)]

    def _event(self, micros: int, rising: bool) -> None:
        ev = TriggerEvent(device_time=self.clock.seconds(float(micros)), rising=rising,
                          next_counter=self.clock.next_counter)
        self.events.append(ev)
        if self.on_event is not None:
            self.on_event(ev)

    def _reply(self, line: str) -> None:
        reply = classify_reply(line)
        if reply.kind == "version":
            self.version = line
        self.stats.note(line)
        self.replies.append(reply)
        if self.on_reply is not None:
            self.on_reply(reply)
