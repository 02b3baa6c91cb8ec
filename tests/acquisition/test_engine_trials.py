"""Trials closed by the online detector reach trial listeners with the right samples, raw counts and gaps.

The detector here is a plain threshold detector written for this test: it exercises the engine's side of
the contract (``feed(total) -> segments`` with ``start``/``end`` sample indices counted from the
detector's creation, restarted after a disconnect). The real online detector has its own tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from forcelab.acquisition.calibration import Calibration
from forcelab.acquisition.engine import AcquiredTrial, AcquisitionEngine
from forcelab.devices.binary_decoder import BinaryDecoder
from forcelab.devices.plates import PlateLayout, PlateMap
from forcelab.devices.protocol import encode_samples
from forcelab.devices.serial_transport import SerialTransport
from support.pty_plate import PtyPlate

RATE = 1000.0


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    kind: str


class ThresholdDetector:
    """A trial is a run of samples above ``threshold`` newtons (test double of the detector contract)."""

    def __init__(self, threshold: float = 500.0) -> None:
        self.threshold = threshold
        self.n = 0
        self.open_at: int | None = None
        self.state = "quiet"

    def feed(self, total: np.ndarray) -> list[Segment]:
        out = []
        for i, v in enumerate(total):
            k = self.n + i
            if self.open_at is None and v > self.threshold:
                self.open_at, self.state = k, "movement"
            elif self.open_at is not None and v <= self.threshold:
                out.append(Segment(self.open_at, k, "pull"))
                self.open_at, self.state = None, "quiet"
        self.n += len(total)
        return out


def block(start: int, n: int, level: int) -> bytes:
    counts = np.full((n, 2), level, dtype=np.int32)
    counts[:, 1] = level // 2
    counts[:, 0] += np.arange(start, start + n, dtype=np.int32) % 7  # distinct values to compare
    micros = (np.arange(start, start + n) * 1000).astype(np.uint32)
    return encode_samples(start, micros, counts)


def wait(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not cond():
        time.sleep(0.01)
    return cond()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[PtyPlate, AcquisitionEngine, list[AcquiredTrial]]]:
    dev = PtyPlate(tmp_path)
    plates = PlateMap(2, (PlateLayout("left", (0,)), PlateLayout("right", (1,))))
    cal = Calibration((0.1, 0.1), (0.0, 0.0), device_serial="T")
    engine = AcquisitionEngine(SerialTransport(dev.port, reconnect_interval=0.05), BinaryDecoder(2), rate=RATE,
                               plate_map=plates, calibration=cal, detector_factory=lambda rate: ThresholdDetector())
    trials: list[AcquiredTrial] = []
    engine.add_trial_listener(trials.append)
    engine.start()
    yield dev, engine, trials
    engine.stop()
    dev.close()


def test_closed_trial_carries_its_samples_and_calibration(
    rig: tuple[PtyPlate, AcquisitionEngine, list[AcquiredTrial]],
) -> None:
    dev, engine, trials = rig
    dev.write(block(0, 300, 1000) + block(300, 250, 6000) + block(550, 200, 1000))
    assert wait(lambda: len(trials) == 1)
    (t,) = trials
    assert (t.first_row, t.stop_row, t.kind) == (300, 550, "pull")
    assert t.trace.rate == RATE and t.trace.n == 250 and t.trace.has_plates
    np.testing.assert_array_equal(t.counter, np.arange(300, 550))
    np.testing.assert_array_equal(t.raw[:, 1], 3000)
    np.testing.assert_allclose(t.trace.left, 0.1 * t.raw[:, 0])
    np.testing.assert_allclose(t.trace.total, t.trace.left + t.trace.right)
    np.testing.assert_allclose(t.calibration.apply(t.raw).sum(axis=1), t.trace.total)
    assert t.gaps == () and t.trace.lost == ()
    assert engine.status().detector_state == "quiet"


def test_lost_samples_inside_a_trial_are_listed(
    rig: tuple[PtyPlate, AcquisitionEngine, list[AcquiredTrial]],
) -> None:
    dev, engine, trials = rig
    dev.write(block(0, 100, 1000) + block(100, 50, 6000) + block(170, 50, 6000) + block(220, 50, 1000))
    assert wait(lambda: len(trials) == 1)
    (t,) = trials
    assert t.trace.n == 100
    (gap,) = t.gaps
    assert (gap.kind, gap.lost_samples, gap.row) == ("lost", 20, 150)
    assert t.trace.lost == ((50, 20),)  # the trace the analysis gets says where and how many (flag samples_lost)
    assert t.trace.lost_samples == 20


def test_disconnect_restarts_detection_so_no_trial_spans_it(
    rig: tuple[PtyPlate, AcquisitionEngine, list[AcquiredTrial]],
) -> None:
    dev, engine, trials = rig
    dev.write(block(0, 100, 1000) + block(100, 100, 6000))  # a trial opens...
    assert wait(lambda: engine.status().samples == 200)
    dev.unplug()  # ...and the plate goes away in the middle of it
    assert wait(lambda: engine.status().state == "reconnecting")
    dev.replug()
    assert wait(lambda: engine.status().state == "connected")
    dev.write(block(0, 100, 6000) + block(100, 100, 1000) + block(200, 80, 6000) + block(280, 50, 1000))
    assert wait(lambda: engine.status().samples == 530)
    assert wait(lambda: len(trials) == 2)
    # after the reconnect the fresh detector sees the first 100 loaded samples as a trial of its own
    assert [(t.first_row, t.stop_row) for t in trials] == [(200, 300), (400, 480)]
    assert all(t.gaps == () for t in trials)
