"""The simulated device's transmit buffer: whole frames in, non-blocking writes out, losses counted.

A real device has a small buffer between its sampling loop and the USB link. :class:`TransmitBuffer`
accepts a sample unit (frame or line group) only if it fits whole in ``capacity`` bytes, otherwise the
unit is dropped and counted as overrun (the device's counter has already moved on, so the host sees a
gap). Replies and banners are always accepted. :meth:`drain` writes as much as the port takes; a
partly written unit stays at the head. Every sample's fate goes to the :class:`Recorder` if any.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from forcelab.simulation.stats import LINK_LOST, OVERRUN, SENT, Recorder, SimStats


@dataclass
class Unit:
    """One item of the transmit buffer: bytes plus the samples they carry (0 for replies)."""

    data: bytes
    samples: int = 0
    counter: int = 0  # first sample's counter
    rec: int = -1  # record index of the first sample, -1 when not recording


class TransmitBuffer:
    """Bounded FIFO of :class:`Unit` draining into a non-blocking writer."""

    def __init__(self, capacity: int, stats: SimStats, recorder: Recorder | None) -> None:
        self.capacity = capacity
        self.stats = stats
        self.recorder = recorder
        self._units: deque[Unit] = deque()
        self._bytes = 0
        self._head_sent = 0
        #: (counter after the last sample of a unit, monotonic time it was fully written), newest last
        self.write_log: deque[tuple[int, float]] = deque(maxlen=200_000)

    def __len__(self) -> int:
        return len(self._units)

    @property
    def queued_bytes(self) -> int:
        """Bytes waiting (including the unsent part of a partly written unit)."""
        return self._bytes - self._head_sent

    def fits(self, size: int) -> bool:
        """True if a unit of ``size`` bytes fits now."""
        return self._bytes + size <= self.capacity

    def drop(self, unit: Unit) -> None:
        """Count ``unit`` as overrun (it did not fit)."""
        self.stats.samples_overrun += unit.samples
        self._mark(unit, OVERRUN)

    def put(self, unit: Unit) -> None:
        """Queue ``unit`` (the caller checked :meth:`fits` for sample units)."""
        self._units.append(unit)
        self._bytes += len(unit.data)

    def put_bytes(self, data: bytes) -> None:
        """Queue a reply or banner: always accepted, they are small and must not be lost."""
        self.put(Unit(data))

    def discard(self) -> None:
        """The host went away: everything still queued is lost."""
        for unit in self._units:
            if unit.samples:
                self.stats.samples_link_lost += unit.samples
                self._mark(unit, LINK_LOST)
        self._units.clear()
        self._bytes = 0
        self._head_sent = 0

    def drain(self, write: Callable[[bytes], int | None], *, max_bytes: int = 65536) -> None:
        """Write queued bytes with ``write`` (non-blocking: returns bytes taken, or None)."""
        if not self._units:
            return
        parts: list[bytes] = []
        size = 0
        for i, unit in enumerate(self._units):
            chunk = unit.data[self._head_sent :] if i == 0 else unit.data
            parts.append(chunk)
            size += len(chunk)
            if size >= max_bytes:
                break
        buf = b"".join(parts)
        written = write(buf)
        if written is None:
            self.stats.would_block += 1
            return
        if written < len(buf):
            self.stats.would_block += 1
        self.stats.bytes_written += written
        done = time.monotonic()
        remaining = written
        while self._units and remaining > 0:
            unit = self._units[0]
            left = len(unit.data) - self._head_sent
            if remaining < left:
                self._head_sent += remaining
                break
            remaining -= left
            self._units.popleft()
            self._bytes -= len(unit.data)
            self._head_sent = 0
            if unit.samples:
                self.stats.samples_sent += unit.samples
                self._mark(unit, SENT)
                if self.recorder is not None:
                    self.write_log.append((unit.counter + unit.samples, done))

    def _mark(self, unit: Unit, status: int) -> None:
        if self.recorder is not None and unit.rec >= 0 and unit.samples:
            self.recorder.mark(unit.rec, unit.samples, status)
