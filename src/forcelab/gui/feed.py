"""What the live view reads: a ring buffer, its sample rate and which columns hold which force.

The GUI never receives samples one by one. The acquisition engine (or, in tests, benchmarks and the
offline demo, a :class:`SyntheticStreamer`) appends rows to a :class:`~forcelab.acquisition.ring.RingBuffer`
from its own thread, and the live plot pulls the newest rows on a timer. :class:`LiveFeed` is the whole
contract between the two, so swapping the engine for a replay costs nothing here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from forcelab.acquisition.ring import RingBuffer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnMap:
    """Columns of the ring buffer that hold force in newtons.

    ``total`` may be ``None`` when the buffer only holds the plates; then total is ``left + right``.
    ``left``/``right`` are ``None`` for a single plate or load cell.
    """

    total: int | None
    left: int | None = None
    right: int | None = None

    def __post_init__(self) -> None:
        if self.total is None and (self.left is None or self.right is None):
            raise ValueError("a column map needs a total column, or both left and right")
        if (self.left is None) != (self.right is None):
            raise ValueError("give both left and right plate columns, or neither")

    @property
    def has_plates(self) -> bool:
        """True when left and right plate forces are available."""
        return self.left is not None

    def forces(self, rows: np.ndarray) -> np.ndarray:
        """``(n, 3)`` float64 array of total, left, right (left/right NaN when absent)."""
        n = rows.shape[0]
        out = np.full((n, 3), np.nan, dtype=np.float64)
        if self.left is not None and self.right is not None:
            out[:, 1] = rows[:, self.left]
            out[:, 2] = rows[:, self.right]
        if self.total is not None:
            out[:, 0] = rows[:, self.total]
        else:
            out[:, 0] = out[:, 1] + out[:, 2]
        return out


@dataclass(frozen=True)
class LiveFeed:
    """A ring buffer filled by some producer thread, and how to read force out of it."""

    ring: RingBuffer
    rate: float
    columns: ColumnMap

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f"sample rate must be positive, got {self.rate!r}")
        for c in (self.columns.total, self.columns.left, self.columns.right):
            if c is not None and not 0 <= c < self.ring.columns:
                raise ValueError(f"column {c} outside the ring buffer's {self.ring.columns} columns")


class SyntheticStreamer:
    """Plays a prepared ``(n, columns)`` array into a ring buffer at real-time pace from a thread.

    Used where no device is involved: the widget tests, the stress test and ``bench/gui.py``. Rows are
    appended in blocks of ``block`` samples when the wall clock says they are due. ``on_block`` (called
    on the streamer's thread) receives the absolute number of the block's last row and the
    ``time.perf_counter()`` just after it was written, which is what the sample-to-screen latency
    measurement needs. With ``loop=True`` the data repeats forever.
    """

    def __init__(
        self,
        ring: RingBuffer,
        data: np.ndarray,
        rate: float,
        *,
        block: int = 20,
        loop: bool = True,
        on_block: Callable[[int, float], None] | None = None,
    ) -> None:
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != ring.columns:
            raise ValueError(f"data must have shape (n, {ring.columns}), got {data.shape}")
        if len(data) < block:
            raise ValueError(f"need at least one block ({block} rows) of data, got {len(data)}")
        self._ring = ring
        self._data = data
        self._rate = float(rate)
        self._block = int(block)
        self._loop = loop
        self._on_block = on_block
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start streaming on a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("streamer already started")
        self._thread = threading.Thread(target=self._run, name="synthetic-streamer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    @property
    def finished(self) -> bool:
        """True once a non-looping stream has written all its data."""
        return self._thread is not None and not self._thread.is_alive()

    def _run(self) -> None:
        n = len(self._data)
        pos = 0
        sent = 0
        t0 = time.perf_counter()
        while not self._stop.is_set():
            due = int((time.perf_counter() - t0) * self._rate)
            while sent + self._block <= due:
                if pos >= n:
                    if not self._loop:
                        return
                    pos = 0
                chunk = self._data[pos : pos + self._block]
                self._ring.append(chunk)
                pos += len(chunk)
                sent += len(chunk)
                if self._on_block is not None:
                    self._on_block(self._ring.total_written - 1, time.perf_counter())
            wait = (sent + self._block) / self._rate - (time.perf_counter() - t0)
            if wait > 0:
                self._stop.wait(wait)
