"""A fixed-capacity ring buffer of multi-column float samples.

The acquisition thread appends blocks; the GUI timer reads the newest ``n`` samples. One lock guards
the write position, and reads copy out under it, so a reader never sees a half-written block. Sizes are
fixed at construction, so appending never allocates.
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """The last ``capacity`` rows of a ``(rows, columns)`` float64 stream.

    ``total_written`` counts every row ever appended, so a reader can ask for "everything since row k"
    and learn how much it missed when it fell more than ``capacity`` behind.
    """

    def __init__(self, capacity: int, columns: int) -> None:
        if capacity <= 0 or columns <= 0:
            raise ValueError("capacity and columns must be positive")
        self._data = np.zeros((capacity, columns), dtype=np.float64)
        self._capacity = capacity
        self._columns = columns
        self._written = 0
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """How many rows the buffer keeps."""
        return self._capacity

    @property
    def columns(self) -> int:
        """Columns per row."""
        return self._columns

    @property
    def total_written(self) -> int:
        """Rows appended since creation (monotonic)."""
        return self._written

    def append(self, rows: np.ndarray) -> None:
        """Append ``rows`` (shape ``(n, columns)``); the oldest rows are overwritten."""
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self._columns:
            raise ValueError(f"expected rows of {self._columns} columns, got shape {rows.shape}")
        n = rows.shape[0]
        if n == 0:
            return
        cap = self._capacity
        if n > cap:
            rows = rows[-cap:]
            skipped = n - cap
        else:
            skipped = 0
        with self._lock:
            start = (self._written + skipped) % cap
            m = rows.shape[0]
            first = min(m, cap - start)
            self._data[start : start + first] = rows[:first]
            if first < m:
                self._data[: m - first] = rows[first:]
            self._written += n

    def latest(self, n: int) -> np.ndarray:
        """A copy of the newest ``min(n, available)`` rows, oldest first."""
        with self._lock:
            return self._read_locked(max(0, self._written - n))

    def since(self, position: int) -> tuple[np.ndarray, int, int]:
        """Rows appended after absolute row ``position``.

        Returns ``(rows, new_position, missed)`` where ``missed`` counts rows that were overwritten
        before this read could copy them.
        """
        with self._lock:
            oldest = max(0, self._written - self._capacity)
            missed = max(0, oldest - position)
            rows = self._read_locked(max(position, oldest))
            return rows, self._written, missed

    def _read_locked(self, first_row: int) -> np.ndarray:
        cap = self._capacity
        first_row = max(first_row, self._written - cap, 0)
        n = self._written - first_row
        if n <= 0:
            return np.empty((0, self._columns), dtype=np.float64)
        start = first_row % cap
        if start + n <= cap:
            return self._data[start : start + n].copy()
        return np.concatenate([self._data[start:], self._data[: n - (cap - start)]])
