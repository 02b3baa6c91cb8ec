"""Impulse–momentum integration against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.analysis.kinematics import cumulative, integrate


def test_constant_force_gives_exact_motion() -> None:
    rate, m, g = 1000.0, 70.0, 9.81
    bw = m * g
    f = np.full(1001, bw + 140.0)  # a = 2 m/s^2 for 1 s
    k = integrate(f, rate, bw, 0, 1001, g=g)
    # trapezoid is exact for linear velocity; displacement of a parabola has error dt^2 T a / 12 ~ 2e-7 m
    assert k.velocity[-1] == pytest.approx(2.0, abs=1e-12)
    assert k.displacement[-1] == pytest.approx(1.0, abs=1e-6)
    assert k.power[-1] == pytest.approx((bw + 140.0) * 2.0)


def test_backward_integration_ends_at_given_velocity() -> None:
    f = np.linspace(0, 1000, 301)
    k = integrate(f, 1000.0, 700.0, 0, 301, v_start=None, v_end=1.5)
    fwd = integrate(f, 1000.0, 700.0, 0, 301, v_start=float(k.velocity[0]))
    assert k.velocity[-1] == pytest.approx(1.5)
    np.testing.assert_allclose(fwd.velocity, k.velocity, atol=1e-12)


def test_rules_and_errors() -> None:
    y = np.array([1.0, 3.0, 5.0])
    np.testing.assert_allclose(cumulative(y, 0.5, "trapezoid"), [0, 1, 3])
    np.testing.assert_allclose(cumulative(y, 0.5, "rectangle"), [0, 0.5, 2])
    with pytest.raises(ValueError, match="rule"):
        cumulative(y, 0.5, "simpson")
    with pytest.raises(ValueError, match="2 samples"):
        integrate(y, 1000.0, 700.0, 0, 1)
