"""The value types refuse numbers without a method and not-found values without a reason."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forcelab.analysis.types import Event, ForceTrace, Metric, TrialResult


def test_metric_without_value_needs_reason() -> None:
    with pytest.raises(ValueError, match="no reason"):
        Metric("jump_height", None, "m", "x")


def test_metric_rejects_nan() -> None:
    with pytest.raises(ValueError, match="not finite"):
        Metric("jump_height", math.nan, "m", "x")


def test_event_not_found_needs_reason() -> None:
    with pytest.raises(ValueError, match="no reason"):
        Event("takeoff", None, 1000.0)
    assert Event("takeoff", None, 1000.0, reason="no flight").time is None


def test_trace_checks_shapes_and_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        ForceTrace(rate=0, total=np.zeros(3))
    with pytest.raises(ValueError, match="same number"):
        ForceTrace(rate=1000, total=np.zeros(3), left=np.zeros(2), right=np.zeros(2))
    t = ForceTrace.from_plates(1000, np.ones(4), np.ones(4) * 2)
    np.testing.assert_array_equal(t.total, 3.0)
    assert t.has_plates and t.duration == pytest.approx(0.004)


def test_a_result_comes_back_from_its_stored_form() -> None:
    """``TrialResult.from_dict`` inverts ``to_dict`` (what the archive keeps): the app and re-analysis rebuild a
    stored trial with it, settings and the test it was analysed as included."""
    from forcelab.analysis.dispatch import analyze
    from forcelab.simulation import synthetic

    res = analyze(synthetic.rebound(hops=6).trace, "rebound", best_hops=3)
    stored = res.to_dict()
    back = TrialResult.from_dict(stored, rate=res.rate, test="cmj")  # "cmj": the recorded test, only a fallback
    assert back.to_dict() == stored and back.test == "rebound" and back.params["best_hops"] == 3
    assert TrialResult.from_dict({"metrics": {}}, rate=1000.0, test="cmj").test == "cmj"
