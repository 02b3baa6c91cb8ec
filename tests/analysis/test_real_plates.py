"""Take-off and landing on plates that ring and are not zeroed (issue 9), against synthetic truth."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forcelab.analysis.cmj import analyze_cmj
from forcelab.simulation import synthetic
from support.plates import ringing_cmj


def test_issue_case_unzeroed_ringing_plate_takes_off_at_the_real_departure() -> None:
    """+10 N unzeroed plate ringing about ±90 N for 50 ms at 80 Hz after take-off (the issue's case)."""
    s, tr = ringing_cmj(1000.0, 10.0, 90.0, 80.0)
    res = analyze_cmj(tr)
    codes = {f.code for f in res.flags}
    assert "airborne_before_takeoff" not in codes
    assert abs(res.events["takeoff"].index / 1000.0 - s.truth["takeoff_time"]) <= 0.002
    assert abs(res.value("flight_time") - s.truth["flight_time"]) <= 0.002
    assert abs(res.value("jump_height_takeoff_velocity") - s.truth["jump_height"]) <= 0.01
    assert abs(res.value("flight_baseline") - 10.0) < 1.0
    assert {"plate_not_zeroed", "plate_ringing"} <= codes
    msg = next(f.message for f in res.flags if f.code == "plate_not_zeroed")
    assert "+10 N in flight" in msg


def test_zeroed_quiet_plate_has_no_zero_or_ringing_flag() -> None:
    s = synthetic.cmj(jump_height=0.35, noise_sd=1.0, seed=3)
    res = analyze_cmj(s.trace)
    codes = {f.code for f in res.flags}
    assert not codes & {"plate_not_zeroed", "plate_ringing", "airborne_before_takeoff"}
    assert abs(res.value("flight_baseline")) < 1.0


# derandomized: the same 40 examples on every run (CI stays reproducible; the strategies still span the whole range).
# Explicit examples are failures found with 200 examples per seed: each is kept so it cannot come back.
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(rate=500.0, offset=0.0, amp_frac=0.0, freq=30.0, before=False, drift=0.0, seed=2, height=0.2)  # +2.08 ms
@given(rate=st.sampled_from([200.0, 500.0, 1000.0, 2000.0, 4000.0]),
       offset=st.floats(-30.0, 30.0), amp_frac=st.floats(0.0, 0.15), freq=st.floats(30.0, 120.0),
       before=st.booleans(), drift=st.floats(-5.0, 5.0), seed=st.integers(0, 1000),
       height=st.floats(0.2, 0.5))
def test_ringing_offset_noise_drift_and_rate_keep_height_and_flight_time(rate, offset, amp_frac, freq, before, drift,
                                                                        seed, height) -> None:
    s, tr = ringing_cmj(rate, offset, amp_frac * s_bw(), freq, before_landing=before, drift=drift, seed=seed,
                         height=height)
    res = analyze_cmj(tr)
    assert "airborne_before_takeoff" not in {f.code for f in res.flags}
    # 80-100 Hz is NOT covered: there a 30 Hz ringing aliases and JH errs by up to 3 cm (issue 9, open).
    # 2 ms at >= 500 Hz, else one sample (interpolated crossings)
    ft_tol = 0.002 if rate >= 500 else 1.0 / rate
    assert abs(res.value("flight_time") - s.truth["flight_time"]) <= ft_tol
    jh_tol = 0.01
    assert abs(res.value("jump_height_takeoff_velocity") - s.truth["jump_height"]) <= jh_tol


def s_bw() -> float:
    """Body weight of the default synthetic athlete (75 kg)."""
    return 75.0 * 9.80665
