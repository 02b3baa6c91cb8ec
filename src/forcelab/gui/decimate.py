"""Min/max decimation of a scrolling trace to the screen's width.

A 10 s window at 2 kHz is 20 000 samples, but the plot is only ~1000 pixels wide. Drawing every sample
costs time in proportion to the window; drawing the minimum and the maximum of each pixel column costs
time in proportion to the width and loses nothing the eye could see (a one-sample spike still shows as
a full vertical stroke). Bins are aligned to *absolute* sample numbers, so as the trace scrolls a given
sample always falls in the same bin and the picture does not shimmer.
"""

from __future__ import annotations

import math

import numpy as np


def bin_size_for(n_samples: int, pixels: int) -> int:
    """Samples per bin so that ``n_samples`` fit in about ``pixels`` columns (at least 1)."""
    if pixels <= 0:
        raise ValueError(f"pixels must be positive, got {pixels}")
    return max(1, math.ceil(n_samples / pixels))


def minmax_decimate(rows: np.ndarray, first: int, bin_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Decimate ``rows`` (shape ``(n, k)``; absolute sample number of ``rows[0]`` is ``first``).

    Returns ``(index, values)``: ``index`` is float64 absolute sample numbers (two per bin: the bin's
    first sample, then its middle) and ``values`` is ``(m, k)`` with each bin's minimum then maximum, so
    a line through the points draws every column's full vertical extent. With ``bin_size <= 1`` the
    samples come back unchanged. Bins start at multiples of ``bin_size`` in absolute numbering; the
    partial bins at either end are decimated on their own.
    """
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim == 1:
        rows = rows[:, None]
    n, k = rows.shape
    if n == 0:
        return np.empty(0, dtype=np.float64), np.empty((0, k), dtype=np.float64)
    if bin_size <= 1:
        return np.arange(first, first + n, dtype=np.float64), rows
    b = int(bin_size)
    head = min(n, (-first) % b)  # samples before the first aligned bin
    full = (n - head) // b
    tail = n - head - full * b
    starts: list[np.ndarray] = []
    mins: list[np.ndarray] = []
    maxs: list[np.ndarray] = []
    if head:
        part = rows[:head]
        starts.append(np.array([first], dtype=np.float64))
        mins.append(part.min(axis=0, keepdims=True))
        maxs.append(part.max(axis=0, keepdims=True))
    if full:
        # reduce along a contiguous last axis (column-major copy): ~5x faster than reducing axis 1 of (full, b, k)
        core = np.ascontiguousarray(rows[head : head + full * b].T).reshape(k, full, b)
        starts.append(first + head + b * np.arange(full, dtype=np.float64))
        mins.append(core.min(axis=2).T)
        maxs.append(core.max(axis=2).T)
    if tail:
        part = rows[n - tail :]
        starts.append(np.array([first + n - tail], dtype=np.float64))
        mins.append(part.min(axis=0, keepdims=True))
        maxs.append(part.max(axis=0, keepdims=True))
    start = np.concatenate(starts)
    lo = np.concatenate(mins)
    hi = np.concatenate(maxs)
    m = len(start)
    index = np.empty(2 * m, dtype=np.float64)
    index[0::2] = start
    index[1::2] = start + (b - 1) / 2.0
    values = np.empty((2 * m, k), dtype=np.float64)
    values[0::2] = lo
    values[1::2] = hi
    return index, values
