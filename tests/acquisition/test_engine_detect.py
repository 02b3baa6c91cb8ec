"""Simulated jumps -> real serial path -> engine with the analysis' online trial detector -> trial listener."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from forcelab.acquisition.connect import open_device, trial_detector
from forcelab.acquisition.engine import AcquiredTrial
from forcelab.simulation.simulator import SimulatedPlates


def wait(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not cond():
        time.sleep(0.02)
    return cond()


def test_a_simulated_cmj_is_detected_and_handed_over_with_both_plates() -> None:
    sim = SimulatedPlates(rate=500, protocol="binary", seed=21, body_mass=70.0, asymmetry=0.10, noise=1.0)
    sim.start()
    try:
        engine = open_device(sim.port, profile="forcelab-dual-plate", detector_factory=trial_detector("jump"))
        assert engine.device_info["profile"] == "forcelab-dual-plate"
        assert engine.plate_map.names == ("left", "right")
        assert "left_cop_x" in engine.columns and "right_cop_y" in engine.columns
        trials: list[AcquiredTrial] = []
        engine.add_trial_listener(trials.append)
        engine.start()
        try:
            # the athlete steps on after 1 s; let them settle before the jump
            assert wait(lambda: engine.status().samples > 3 * 500 and engine.status().detector_state == "quiet",
                        10), engine.status()
            sim.trigger("cmj", jump_height=0.30)
            assert wait(lambda: len(trials) == 1, 15), engine.status()
        finally:
            engine.stop()
    finally:
        sim.stop()
    (t,) = trials
    assert t.kind == "jump" and t.trace.has_plates and t.gaps == ()
    total = t.trace.total
    weight = 70.0 * 9.80665
    assert abs(np.median(total[: int(0.3 * t.trace.rate)]) - weight) < 0.05 * weight  # quiet stance first
    assert total.min() < 0.1 * weight and total.max() > 1.5 * weight  # flight and propulsion inside
    left, right = t.trace.left, t.trace.right
    assert left is not None and right is not None
    stance = slice(0, int(0.3 * t.trace.rate))
    asym = (left[stance].mean() - right[stance].mean()) / total[stance].mean() * 100
    assert 5 < asym < 15  # the simulated 10 % more on the left plate
    takeoff = t.segment.event("takeoff")
    assert takeoff is not None and t.first_row < takeoff < t.stop_row
    np.testing.assert_allclose(t.calibration.apply(t.raw).sum(axis=1), total)
