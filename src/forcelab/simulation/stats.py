"""Bookkeeping of the simulated device: counters, and the record of every sample it generated.

The record lets a test compare, sample by sample, what a host decoded with what the device sent, and
tells for each sample what became of it (see the status constants).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# what became of a generated sample
QUEUED = 0  #: in the device's transmit buffer, not yet fully written
SENT = 1  #: written to the port intact
OVERRUN = 2  #: dropped: the transmit buffer was full (the counter skipped it)
DAMAGED = 3  #: written, but its frame/line was damaged by an injected fault
LINK_LOST = 4  #: still queued when the host closed the port or the device was unplugged
STATUS_NAMES = {QUEUED: "queued", SENT: "sent", OVERRUN: "overrun", DAMAGED: "damaged", LINK_LOST: "link_lost"}


@dataclass
class SimStats:
    """What the simulated device did (``SimulatedPlates.stats`` returns a snapshot)."""

    host_opens: int = 0
    host_closes: int = 0
    boots: int = 0
    streams: int = 0
    samples_generated: int = 0
    samples_sent: int = 0
    samples_overrun: int = 0
    samples_damaged: int = 0
    samples_link_lost: int = 0
    units_damaged: int = 0
    bytes_written: int = 0
    would_block: int = 0
    bytes_ignored: int = 0
    commands: int = 0
    bad_commands: int = 0
    stalls: int = 0
    unplugs: int = 0
    replugs: int = 0


@dataclass
class SampleRecord:
    """Every sample the device generated: counter (from 0 in each stream), micros (device clock, wraps
    at 2**32), counts ``(n, channels)``, status (QUEUED, SENT, OVERRUN, DAMAGED, LINK_LOST) and stream
    number (one per START)."""

    counter: np.ndarray
    micros: np.ndarray
    counts: np.ndarray
    status: np.ndarray
    stream: np.ndarray

    def select(self, mask: np.ndarray) -> SampleRecord:
        """The samples where ``mask`` is true."""
        return SampleRecord(self.counter[mask], self.micros[mask], self.counts[mask], self.status[mask],
                            self.stream[mask])

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(len(self.counter))


class Recorder:
    """Growable arrays of generated samples (amortised O(1) append) with a status per sample."""

    def __init__(self, channels: int) -> None:
        self._n = 0
        cap = 4096
        self.counter = np.zeros(cap, np.uint64)
        self.micros = np.zeros(cap, np.uint32)
        self.counts = np.zeros((cap, channels), np.int32)
        self.status = np.zeros(cap, np.uint8)
        self.stream = np.zeros(cap, np.uint32)

    def add(self, counter0: int, micros: np.ndarray, counts: np.ndarray, stream: int) -> int:
        """Append a block (status QUEUED); returns the record index of its first sample."""
        n = len(micros)
        need = self._n + n
        if need > len(self.counter):
            cap = max(need, 2 * len(self.counter))
            for name in ("counter", "micros", "counts", "status", "stream"):
                old = getattr(self, name)
                new = np.zeros((cap, *old.shape[1:]), old.dtype)
                new[: self._n] = old[: self._n]
                setattr(self, name, new)
        s = slice(self._n, need)
        self.counter[s] = counter0 + np.arange(n, dtype=np.uint64)
        self.micros[s] = micros
        self.counts[s] = counts
        self.status[s] = QUEUED
        self.stream[s] = stream
        start, self._n = self._n, need
        return start

    def mark(self, first: int, n: int, status: int) -> None:
        """Set the status of record entries ``[first, first + n)``; SENT keeps DAMAGED."""
        s = slice(first, first + n)
        if status == SENT:
            self.status[s] = np.where(self.status[s] == DAMAGED, DAMAGED, SENT)
        else:
            self.status[s] = status

    def snapshot(self) -> SampleRecord:
        """A copy of everything recorded so far."""
        n = self._n
        return SampleRecord(self.counter[:n].copy(), self.micros[:n].copy(), self.counts[:n].copy(),
                            self.status[:n].copy(), self.stream[:n].copy())
