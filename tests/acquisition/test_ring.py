"""RingBuffer keeps the newest rows in order and counts what a slow reader missed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forcelab.acquisition.ring import RingBuffer


def test_latest_returns_newest_rows_in_order() -> None:
    ring = RingBuffer(capacity=10, columns=2)
    data = np.arange(30, dtype=float).reshape(15, 2)
    ring.append(data[:7])
    ring.append(data[7:])
    np.testing.assert_array_equal(ring.latest(10), data[5:])
    np.testing.assert_array_equal(ring.latest(3), data[12:])
    assert ring.total_written == 15


def test_since_reports_missed_rows() -> None:
    ring = RingBuffer(capacity=4, columns=1)
    ring.append(np.arange(10, dtype=float)[:, None])
    rows, pos, missed = ring.since(2)
    assert pos == 10 and missed == 4
    np.testing.assert_array_equal(rows[:, 0], [6, 7, 8, 9])


def test_wrong_columns_is_a_clear_error() -> None:
    ring = RingBuffer(capacity=4, columns=3)
    with pytest.raises(ValueError, match="3 columns"):
        ring.append(np.zeros((2, 2)))


@given(st.lists(st.integers(min_value=0, max_value=25), max_size=20), st.integers(1, 16))
def test_matches_a_plain_list(block_sizes: list[int], capacity: int) -> None:
    ring = RingBuffer(capacity=capacity, columns=1)
    everything: list[float] = []
    for size in block_sizes:
        block = np.arange(len(everything), len(everything) + size, dtype=float)
        ring.append(block[:, None])
        everything.extend(block.tolist())
    np.testing.assert_array_equal(ring.latest(capacity)[:, 0], everything[-capacity:] if everything else [])
