"""One stream of the simulated device (START to STOP): samples made in blocks, released on time.

Sample ``k`` of a stream is taken at ``t0 + k / (rate * (1 + clock_ppm * 1e-6))`` on the host's
monotonic clock: a device crystal that runs ``clock_ppm`` fast samples that much faster than nominal
while its own microsecond clock still says exactly ``1e6 / rate`` per sample. :class:`SampleStream`
computes samples ``batch`` at a time (about 20 ms: athlete force -> counts -> encoded frames, all numpy),
ahead of the clock, and :meth:`SampleStream.due` hands out each wire unit (frame or line group) once
its LAST sample's time has come, so frames leave the device no earlier than a real device could send
them. Batching keeps the cost per millisecond tick at a slice, not a numpy pipeline; trials are
scheduled at least ``lead`` (0.3 s) ahead, so computing 20 ms ahead never misses one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from forcelab.simulation.motion import SimMotion
from forcelab.simulation.wire import WireEncoder


@dataclass(frozen=True)
class DueUnit:
    """A wire unit ready to send: its bytes and the samples it carries."""

    data: bytes
    counter: int  # first sample's counter
    micros: np.ndarray  # (m,) uint32
    counts: np.ndarray  # (m, channels) int32

    @property
    def samples(self) -> int:
        """Number of samples in the unit."""
        return int(len(self.micros))


class SampleStream:
    """Samples of one stream: counter from 0, device clock from ``t_boot``, motion clock from ``t_motion0``.

    ``t0``: monotonic time of sample 0; ``t_boot``: monotonic time of the device reset (micros = 0);
    ``t_motion0``: motion-clock time of sample 0; ``clock_ppm``: the device crystal's error.
    """

    def __init__(self, motion: SimMotion, encoder: WireEncoder, *, rate: int, t0: float, t_boot: float,
                 t_motion0: float, batch_seconds: float = 0.02, clock_ppm: float = 0.0) -> None:
        self.motion = motion
        self.encoder = encoder
        self.rate = rate
        self.t0 = t0
        self.t_boot = t_boot
        self.t_motion0 = t_motion0
        self.true_rate = rate * (1.0 + clock_ppm * 1e-6)  # samples per host second
        k = encoder.k
        self.batch = max(1, math.ceil(batch_seconds * rate / k)) * k
        self.released = 0  # samples handed out so far = counter of the next one
        self._units: list[DueUnit] = []
        self._next_unit = 0
        self._generated = 0

    def _make_batch(self) -> None:
        c0 = self._generated
        n = self.batch
        idx = c0 + np.arange(n, dtype=np.float64)
        t_dev = (self.t0 - self.t_boot) + idx / self.rate  # device-clock seconds since the reset
        micros = (np.rint(t_dev * 1e6).astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
        counts = self.motion.counts(self.t_motion0 + idx / self.true_rate)
        units = []
        pos = 0
        for data, m in self.encoder.encode(c0, micros, counts):
            units.append(DueUnit(data, c0 + pos, micros[pos : pos + m], counts[pos : pos + m]))
            pos += m
        self._units = units
        self._next_unit = 0
        self._generated += n

    def due(self, now: float) -> list[DueUnit]:
        """Every unit whose last sample was taken at or before ``now`` and not yet handed out."""
        last_due = int(math.floor((now - self.t0) * self.true_rate))  # counter of the newest sample taken
        out: list[DueUnit] = []
        while True:
            if self._next_unit >= len(self._units):
                if self._generated > last_due:
                    break
                self._make_batch()
            unit = self._units[self._next_unit]
            if unit.counter + unit.samples - 1 > last_due:
                break
            self._next_unit += 1
            self.released += unit.samples
            out.append(unit)
        return out
