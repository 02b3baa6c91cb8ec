"""Decoder for devices that print one line of delimiter-separated numbers per sample.

Hobby and lab devices often send ``micros;force`` or ``t,c1,...,c8`` at a few hundred hertz. They send
values already in engineering units (newtons), so blocks carry them in ``SampleBlock.values`` and
``counts`` has no columns. A :class:`TextFormat` says which column is time (or a sample counter) and
which are channels.

Text lines carry no sample counter, so one is synthesised: it starts at 0 and advances by one per line,
or by more where the time column shows a gap: an interval longer than 1.5 sample periods counts as
``round(interval / period) - 1`` lost samples (``stats.samples_lost``) and the counter skips them, so
the gap stays visible. The period is ``1 / rate_hz`` when the format gives a rate, otherwise the median
of the first ``estimate_from`` intervals (gaps before that estimate exists are not counted). Text has
no checksum, so a line whose time jumps back or more than ``max_jump_s`` ahead is held by a
:class:`TimeGate` until the next line shows whether it was damage (dropped, ``malformed``) or a real
jump of the device clock (kept, a ``resync``: the timeline restarts and the jump is not counted as lost
samples, since a restart and a long stall cannot be told apart).

A line is data when every column the format needs parses as a finite number. Other lines: if they
contain a letter they are device text (boot banners, replies) and go to ``stats.messages`` (counted in
``text_lines``); if not, they are ``malformed`` (a truncated line, a dropped delimiter, noise). Lines
end with LF, CRLF or a lone CR; a line split across two ``feed`` calls is joined.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from forcelab.devices.types import DecoderStats, SampleBlock

log = logging.getLogger(__name__)

_ANY_DELIMITER = re.compile(r"[,;\t ]+")
_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class TextFormat:
    """Where the numbers are in a line, and what the time column means.

    ``channels``: column indices (0-based) of the channel values, in channel order.
    ``time_column``: column of the device time (or counter, see ``time_is_counter``); None if the lines
    have no time, then ``rate_hz`` is required and device time is ``counter / rate_hz``.
    ``time_unit``: seconds per unit of the time column (1e-6 for microseconds, 1e-3 for ms, 1.0 for s).
    ``time_is_counter``: the time column holds a sample counter; gaps are counter jumps, and device time
    is ``counter / rate_hz`` (``rate_hz`` required).
    ``time_wrap``: the time column wraps modulo this (2**32 for Arduino ``micros()``); None if it does not.
    ``delimiter``: the field separator; None splits on any run of ``,`` ``;`` tab or space.
    ``rate_hz``: nominal sample rate; without it the period is estimated from the data.
    ``scale``: multiplies every channel value (e.g. 9.80665 for a device that prints kilograms).
    ``max_jump_s``: a line whose time jumps back, or forward by more than this, is held until the next
    line shows whether the stream really jumped (then it is kept, a resync) or the line was damaged
    (then it is dropped as malformed). Without it one garbled digit would shift the clock for good.
    """

    channels: tuple[int, ...] = (1,)
    time_column: int | None = 0
    time_unit: float = 1e-6
    time_is_counter: bool = False
    time_wrap: int | None = None
    delimiter: str | None = None
    rate_hz: float | None = None
    scale: float = 1.0
    max_jump_s: float = 2.0

    def __post_init__(self) -> None:
        if not self.channels:
            raise ValueError("TextFormat needs at least one channel column")
        if any(c < 0 for c in self.channels) or (self.time_column is not None and self.time_column < 0):
            raise ValueError("column indices must be >= 0")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError(f"channel columns repeat: {self.channels}")
        if self.time_column is not None and self.time_column in self.channels:
            raise ValueError(f"column {self.time_column} cannot be both time and a channel")
        if self.rate_hz is not None and not (math.isfinite(self.rate_hz) and self.rate_hz > 0):
            raise ValueError(f"rate_hz must be a positive number, got {self.rate_hz}")
        if (self.time_column is None or self.time_is_counter) and self.rate_hz is None:
            raise ValueError("without a time column (or with a counter column) rate_hz is required")
        if not (math.isfinite(self.time_unit) and self.time_unit > 0):
            raise ValueError(f"time_unit must be a positive number of seconds, got {self.time_unit}")
        if self.time_wrap is not None and self.time_wrap <= 0:
            raise ValueError(f"time_wrap must be positive, got {self.time_wrap}")
        if self.delimiter == "":
            raise ValueError("delimiter must not be empty (use None for any of , ; tab space)")
        if not math.isfinite(self.scale):
            raise ValueError("scale must be finite")
        if not (math.isfinite(self.max_jump_s) and self.max_jump_s > 0):
            raise ValueError(f"max_jump_s must be a positive number of seconds, got {self.max_jump_s}")

    @property
    def max_jump_raw(self) -> float:
        """``max_jump_s`` in units of the time column."""
        if self.time_is_counter:
            assert self.rate_hz is not None
            return self.max_jump_s * self.rate_hz
        return self.max_jump_s / self.time_unit

    @property
    def columns_needed(self) -> int:
        """Fields a data line must have at least."""
        cols = list(self.channels) + ([self.time_column] if self.time_column is not None else [])
        return max(cols) + 1


@dataclass
class LineSplitter:
    """Bytes in, complete text lines out (LF, CRLF or CR), joining lines split across feeds.

    A line longer than ``max_line`` bytes is not a line of a text device: it is dropped and counted in
    ``stats`` (malformed, bytes_discarded, resyncs), and reading resumes after the next line end.
    """

    stats: DecoderStats
    max_line: int = 1024
    _pending: bytearray = field(default_factory=bytearray)
    _skipping: bool = False

    def feed(self, data: bytes) -> list[str]:
        """Return the complete lines ``data`` finished, without their line ends, empty lines dropped."""
        buf = self._pending + data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, rest = bytes(buf).split(b"\n")
        out: list[str] = []
        for raw in lines:
            if self._skipping:  # tail of an overlong line
                self._skipping = False
                self.stats.bytes_discarded += len(raw) + 1
                continue
            if len(raw) > self.max_line:
                self._drop(len(raw) + 1)
                continue
            text = raw.decode("ascii", errors="replace").strip()
            if text:
                out.append(text)
        if len(rest) > self.max_line:
            if not self._skipping:
                self._drop(0)
            self.stats.bytes_discarded += len(rest)
            self._skipping = True
            rest = b""
        self._pending = bytearray(rest)
        return out

    def _drop(self, n: int) -> None:
        self.stats.malformed += 1
        self.stats.resyncs += 1
        self.stats.bytes_discarded += n


Row = TypeVar("Row")


class TimeGate(Generic[Row]):
    """Hold back a line whose time is implausible until the next line says whether it was damage.

    A time is plausible when it is 0 .. ``max_jump_s`` after the last accepted one (modulo the wrap).
    An implausible line waits; if the next line is plausible after the last accepted time, the waiting
    line was damaged and is dropped (``malformed``); if it is plausible after the waiting line, the
    device really jumped (a restart, or a stall longer than ``max_jump_s``) and both are kept, the first
    flagged as a restart of the timeline (a ``resync``; the samples of such a jump are not counted as
    lost). So a garbled digit costs one line, never a permanent clock offset or a flood of "lost" samples.
    """

    def __init__(self, fmt: TextFormat, stats: DecoderStats) -> None:
        self.stats = stats
        self.limit = fmt.max_jump_raw
        self.wrap = fmt.time_wrap
        self._last: float | None = None
        self._held: tuple[float, Row, int] | None = None

    def reset(self) -> None:
        """Accept the next time whatever it is (the device's clock restarted on purpose)."""
        self._last = None
        self._held = None

    def _ok(self, prev: float, t: float) -> bool:
        d = t - prev
        if self.wrap is not None:
            d = (d + self.wrap / 2) % self.wrap - self.wrap / 2
        return 0 <= d <= self.limit

    def push(self, t: float, row: Row, size: int) -> list[tuple[float, Row, bool]]:
        """Offer one line (time, payload, its length in bytes).

        Returns the lines accepted by it, in order, as ``(time, payload, restart)``: ``restart`` is True
        when the timeline restarts at that line (the sample clock must forget the previous time).
        """
        if self._last is None:
            self._last = t
            return [(t, row, False)]
        if self._held is not None:
            ht, hrow, hsize = self._held
            self._held = None
            if self._ok(self._last, t):
                self.stats.malformed += 1
                self.stats.bytes_discarded += hsize
                self._last = t
                return [(t, row, False)]
            if self._ok(ht, t):
                self.stats.resyncs += 1
                self.stats.note(f"device time jumped to {ht:g} and stayed there; following it")
                self._last = t
                return [(ht, hrow, True), (t, row, False)]
            self.stats.malformed += 1
            self.stats.bytes_discarded += hsize
            self._held = (t, row, size)
            return []
        if self._ok(self._last, t):
            self._last = t
            return [(t, row, False)]
        self._held = (t, row, size)
        return []


class SampleClock:
    """Synthesise a continuous sample counter from line times, counting gaps as lost samples.

    See the module docstring for the rule. ``stamp`` takes the raw time column of consecutive data lines
    (or None when lines have no time) and returns ``(counter uint64, device_time float64 seconds)``.
    """

    def __init__(self, fmt: TextFormat, stats: DecoderStats, *, estimate_from: int = 16) -> None:
        self.fmt = fmt
        self.stats = stats
        self.estimate_from = max(2, estimate_from)
        # the sample period in units of the time column
        self.period: float | None = None if fmt.rate_hz is None else 1.0 / (fmt.rate_hz * fmt.time_unit)
        self._intervals: list[float] = []
        self._next = 0  # counter of the next sample
        self._last_raw: float | None = None  # last raw time value (unwrapped)
        self._wraps = 0.0  # accumulated wrap offset in raw units

    def reset(self) -> None:
        """Forget the time history (after a restart of the device's clock); the counter keeps rising."""
        self._last_raw = None
        self._wraps = 0.0

    @property
    def next_counter(self) -> int:
        """The counter the next sample will get."""
        return self._next

    def seconds(self, raw: float) -> float:
        """Device time in seconds of a raw time value seen between samples (an event), without changing state."""
        value = raw + self._wraps
        wrap = self.fmt.time_wrap
        if wrap is not None and self._last_raw is not None and value < self._last_raw - wrap / 2:
            value += wrap
        return value * self.fmt.time_unit

    def stamp(self, raw: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Counters and device times for ``n`` consecutive data lines with raw time values ``raw``."""
        fmt = self.fmt
        if raw is None:
            counter = self._next + np.arange(n, dtype=np.int64)
            self._next += n
            assert fmt.rate_hz is not None
            return counter.astype(np.uint64), counter / fmt.rate_hz
        raw = self._unwrap(raw.astype(np.float64))
        prev = self._last_raw
        self._last_raw = float(raw[-1])
        if fmt.time_is_counter:
            assert fmt.rate_hz is not None
            steps = np.diff(raw, prepend=raw[0] - 1 if prev is None else prev)
            steps = np.rint(steps).astype(np.int64)
            back = steps < 1
            if back.any():
                self._note_back(int(back.sum()))
                steps[back] = 1
            counter = self._next - 1 + np.cumsum(steps)
            self.stats.samples_lost += int((steps - 1).sum())
            self._next = int(counter[-1]) + 1
            return counter.astype(np.uint64), raw / fmt.rate_hz
        dt = np.diff(raw, prepend=np.nan if prev is None else prev)
        self._learn(dt)
        steps = np.ones(n, dtype=np.int64)
        if self.period is not None:
            big = dt > 1.5 * self.period
            steps[big] = np.rint(dt[big] / self.period).astype(np.int64)
        back = dt <= 0
        if back.any():
            self._note_back(int(back.sum()))
        if prev is None:
            steps[0] = 1
        counter = self._next - 1 + np.cumsum(steps)
        self.stats.samples_lost += int((steps - 1).sum())
        self._next = int(counter[-1]) + 1
        return counter.astype(np.uint64), raw * fmt.time_unit

    def _unwrap(self, raw: np.ndarray) -> np.ndarray:
        wrap = self.fmt.time_wrap
        if wrap is None:
            return raw
        prev = None if self._last_raw is None else self._last_raw - self._wraps
        d = np.diff(raw, prepend=raw[0] if prev is None else prev)
        jumps = np.where(d < -wrap / 2, float(wrap), 0.0)
        offset = self._wraps + np.cumsum(jumps)
        self._wraps = float(offset[-1])
        return raw + offset

    def _learn(self, dt: np.ndarray) -> None:
        if self.period is not None:
            return
        good = dt[np.isfinite(dt) & (dt > 0)]
        self._intervals.extend(good[: self.estimate_from - len(self._intervals)].tolist())
        if len(self._intervals) >= self.estimate_from:
            self.period = float(np.median(self._intervals))
            log.debug("text device period estimated at %.6g time units", self.period)

    def _note_back(self, n: int) -> None:
        self.stats.resyncs += n
        self.stats.note(f"device time went backwards {n} time(s) (device restarted?)")


class TextLineDecoder:
    """Sans-IO decoder of delimiter-separated number lines (see the module docstring for the rules)."""

    def __init__(self, fmt: TextFormat | None = None, *, max_line: int = 1024, estimate_from: int = 16) -> None:
        self.fmt = fmt if fmt is not None else TextFormat()
        self.stats = DecoderStats()
        self.text_lines = 0
        self._lines = LineSplitter(self.stats, max_line=max_line)
        self.clock = SampleClock(self.fmt, self.stats, estimate_from=estimate_from)
        self.gate: TimeGate[list[float]] = TimeGate(self.fmt, self.stats)
        self._needed = self.fmt.columns_needed

    def feed(self, data: bytes) -> list[SampleBlock]:
        """Consume ``data``; return blocks of the data lines it completed (one, or more at a time restart)."""
        fmt = self.fmt
        blocks: list[SampleBlock] = []
        times: list[float] = []
        values: list[list[float]] = []
        for line in self._lines.feed(data):
            fields = line.split(fmt.delimiter) if fmt.delimiter is not None else _ANY_DELIMITER.split(line)
            row = self._parse(fields)
            if row is None:
                self._not_data(line)
                continue
            if fmt.time_column is None:
                values.append(row)
                continue
            for t, kept, restart in self.gate.push(row[0], row[1:], len(line) + 1):
                if restart:
                    blocks += self._block(times, values)
                    times, values = [], []
                    self.clock.reset()
                times.append(t)
                values.append(kept)
        return blocks + self._block(times, values)

    def _block(self, times: list[float], values: list[list[float]]) -> list[SampleBlock]:
        if not values:
            return []
        n = len(values)
        vals = np.asarray(values, dtype=np.float64) * self.fmt.scale
        raw = np.asarray(times, dtype=np.float64) if self.fmt.time_column is not None else None
        counter, device_time = self.clock.stamp(raw, n)
        self.stats.frames_ok += n
        self.stats.samples_ok += n
        return [SampleBlock(counter=counter, device_time=device_time, counts=np.zeros((n, 0), np.int32), values=vals)]

    def _parse(self, fields: list[str]) -> list[float] | None:
        if len(fields) < self._needed:
            return None
        cols = ([self.fmt.time_column] if self.fmt.time_column is not None else []) + list(self.fmt.channels)
        try:
            row = [float(fields[c]) for c in cols]
        except ValueError:
            return None
        if not all(math.isfinite(v) for v in row):
            return None
        return row

    def _not_data(self, line: str) -> None:
        if _LETTER.search(line) and not _looks_numeric(line):
            self.text_lines += 1
            self.stats.note(line)
        else:
            self.stats.malformed += 1
            self.stats.bytes_discarded += len(line) + 1


def _looks_numeric(line: str) -> bool:
    """True for lines made only of numbers (``nan``, ``inf`` and exponents included)."""
    try:
        for f in _ANY_DELIMITER.split(line):
            if f:
                float(f)
    except ValueError:
        return False
    return True
