"""Drop jump: synthetic known answers (backward and forward integration), vertical-jumps-fz, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis.dj import analyze_dj
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic
from support.tolerances import VJFZ

G = 9.80665


def test_synthetic_drop_jump_known_answer() -> None:
    s = synthetic.drop_jump(body_mass=70.0, drop_height=0.30, contact_time=0.25, jump_height=0.30, plates=False)
    t = s.truth
    r = analyze_dj(s.trace, drop_height=0.30)
    assert r.flags == []
    assert r.value("body_weight") == pytest.approx(t["body_weight"], abs=1e-6)  # exact quiet stance at the end
    # contact starts/ends where force crosses the 10 N floor: each within one sample (1 ms)
    assert r.value("contact_time") == pytest.approx(t["contact_time"], abs=2e-3)
    assert r.value("flight_time") == pytest.approx(t["flight_time"], abs=2e-3)
    # jump height from flight time: dh = g t dt / 4 = 9.8*0.49*0.002/4 = 2.4 mm for 2 ms
    assert r.value("jump_height_flight_time") == pytest.approx(0.30, abs=3e-3)
    assert r.value("rsi") == pytest.approx(t["rsi"], rel=0.02)  # 2 ms on 250 ms plus the height above
    # backward integration from v = g ft / 2 reaches the drop velocity at contact (errors of ft and contact
    # edge: g * 2 ms each ~ 0.02 m/s)
    assert r.value("touchdown_velocity") == pytest.approx(-t["drop_velocity"], abs=0.04)
    # forward integration from -sqrt(2 g h): take-off velocity to within the contact-edge error
    assert r.value("takeoff_velocity") == pytest.approx(t["takeoff_velocity"], abs=0.03)
    assert r.value("peak_force") == pytest.approx(t["peak_force"], rel=1e-3)
    assert r.value("contact_net_impulse") == pytest.approx(t["contact_net_impulse"], rel=0.01)
    assert r.value("peak_landing_force") == pytest.approx(t["peak_landing_force"], rel=1e-3)
    for name in ("braking_time", "propulsive_time", "depth", "braking_net_impulse", "mean_propulsive_power"):
        assert r.metrics[name].found, (name, r.metrics[name].reason)
    bt, pt = r.value("braking_time"), r.value("propulsive_time")
    # phases are whole samples, contact time runs between the interpolated crossings: within one sample
    assert bt is not None and pt is not None and bt + pt == pytest.approx(r.value("contact_time"), abs=1 / s.trace.rate)


def test_without_drop_height_says_why() -> None:
    s = synthetic.drop_jump(plates=False)
    r = analyze_dj(s.trace)
    assert r.metrics["jump_height_takeoff_velocity"].value is None
    assert "no drop height" in (r.metrics["jump_height_takeoff_velocity"].reason or "")
    assert r.metrics["rsi"].found and r.metrics["touchdown_velocity"].found


def test_impact_peak_detected() -> None:
    s = synthetic.drop_jump(plates=False, impact_fraction=0.6, impact_time=0.03)
    r = analyze_dj(s.trace)
    assert r.value("impact_peak") == 1.0
    assert r.value("peak_impact_force") == pytest.approx(r.value("peak_force"))


@settings(max_examples=12, deadline=None)
@given(mass=st.floats(45.0, 120.0), height=st.floats(0.15, 0.45), rate=st.sampled_from([500.0, 1000.0, 2000.0]))
def test_drop_jump_properties(mass: float, height: float, rate: float) -> None:
    s = synthetic.drop_jump(body_mass=mass, jump_height=height, rate=rate, plates=False)
    r = analyze_dj(s.trace)
    # four threshold crossings, each within one sample plus the 10 N ramp time (< 1 ms here)
    tol = 2.0 / rate + 1e-3
    assert r.value("contact_time") == pytest.approx(s.truth["contact_time"], abs=tol)
    assert r.value("flight_time") == pytest.approx(s.truth["flight_time"], abs=tol)
    assert r.value("body_mass") == pytest.approx(mass, rel=1e-9)


def test_vertical_jumps_fz_dj(shared_data: Path) -> None:
    a = np.loadtxt(shared_data / "vertical-jumps-fz" / "Dual-DJ-Fz.txt", skiprows=1)
    r = analyze_dj(ForceTrace.from_plates(1000.0, a[:, 0], a[:, 1]))
    assert r.value("body_weight") == VJFZ[2]["body_weight"].approx()  # their quiet second at the end
    ct, ft = r.value("contact_time"), r.value("flight_time")
    assert ct is not None and 0.15 < ct < 0.5 and ft is not None and 0.3 < ft < 0.7  # plausible drop jump
    # the implied drop height (backward integration) should be a plausible box: 0.2-0.6 m
    assert 0.2 < r.value("effective_drop_height") < 0.6  # type: ignore[operator]
    assert r.value("left_peak_force") is not None and r.value("peak_force_asymmetry") is not None


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="drop_height"):
        analyze_dj(ForceTrace(1000.0, np.zeros(100)), drop_height=-1.0)
    r = analyze_dj(ForceTrace(1000.0, np.full(3000, 700.0)))
    assert "starts with force on the plate" in (r.events["contact"].reason or "")
    assert r.metrics["contact_time"].value is None
    r = analyze_dj(ForceTrace(1000.0, np.zeros(3000)))
    assert "nobody" in (r.events["contact"].reason or "")


def test_short_stance_after_landing_keeps_weight_free_metrics() -> None:
    s = synthetic.drop_jump(quiet_after=0.5, plates=False)  # 0.5 s after landing: too short to weigh
    r = analyze_dj(s.trace)
    assert not r.metrics["body_weight"].found and "1 s of quiet stance" in (r.metrics["body_weight"].reason or "")
    # contact time, flight time, RSI and peak force need no body weight: still reported
    assert r.value("contact_time") == pytest.approx(s.truth["contact_time"], abs=2e-3)
    assert r.value("rsi") == pytest.approx(s.truth["rsi"], rel=0.02)
    assert r.value("peak_force") == pytest.approx(s.truth["peak_force"], rel=1e-3)
    assert r.metrics["relative_peak_force"].reason == "body weight not found"
    assert not r.metrics["braking_time"].found and "body weight" in (r.metrics["braking_time"].reason or "")


def test_spring_like_and_time_to_peak_braking_force(shared_data: Path) -> None:
    a = np.loadtxt(shared_data / "vertical-jumps-fz" / "Dual-DJ-Fz.txt", skiprows=1)
    r = analyze_dj(ForceTrace.from_plates(1000.0, a[:, 0], a[:, 1]))
    # a stiff, reactive contact: force rises with lowering and falls with rising
    assert 0.8 < r.value("spring_like_correlation") <= 1.0  # type: ignore[operator]
    tpb, bt = r.value("time_to_peak_braking_force"), r.value("braking_time")
    assert tpb is not None and bt is not None and 0 <= tpb <= bt
    lv, rv, tv = r.value("left_landing_impulse"), r.value("right_landing_impulse"), r.value("landing_impulse")
    assert lv is not None and rv is not None and tv is not None and lv + rv == pytest.approx(tv)
