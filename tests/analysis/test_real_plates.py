"""Take-off and landing on plates that ring and are not zeroed (issue 9), against synthetic truth."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from forcelab.analysis.cmj import analyze_cmj
from forcelab.analysis.dj import analyze_dj
from forcelab.analysis.jump_rate import (
    JUMP_HEIGHT_TOLERANCE,
    MIN_ALIAS_FREQUENCY,
    alias_frequency,
    flight_time_tolerance,
    peak_under_read,
)
from forcelab.analysis.labels import flag_text
from forcelab.simulation import synthetic
from forcelab.storage.readers import ForceFileError, read_force_file
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


# derandomized: the same examples on every run (CI stays reproducible; the strategies still span the whole range).
# Explicit examples are failures found with 200 examples per seed: each is kept so it cannot come back.
# Bounds: forcelab.analysis.jump_rate (flight_time_tolerance, JUMP_HEIGHT_TOLERANCE, MIN_ALIAS_FREQUENCY).
@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                   HealthCheck.filter_too_much])
@example(rate=500.0, offset=0.0, amp_frac=0.0, freq=30.0, before=False, drift=0.0, seed=2, height=0.2)  # +2.08 ms
@example(rate=200.0, offset=23.8, amp_frac=0.0875, freq=33.6, before=False, drift=0.69, seed=711, height=0.448)
@example(rate=120.0, offset=-10.3, amp_frac=0.05, freq=77.5, before=False, drift=-2.02, seed=711, height=0.446)
@example(rate=80.0, offset=-10.3, amp_frac=0.05, freq=39.3, before=True, drift=1.54, seed=996, height=0.339)
@example(rate=80.0, offset=-25.5, amp_frac=0.138, freq=43.4, before=True, drift=4.71, seed=94, height=0.4)
@example(rate=120.0, offset=19.0, amp_frac=0.147, freq=84.3, before=True, drift=-1.1, seed=373, height=0.427)
@given(rate=st.sampled_from([80.0, 100.0, 120.0, 150.0, 200.0, 500.0, 1000.0, 2000.0, 4000.0]),
       offset=st.floats(-30.0, 30.0), amp_frac=st.floats(0.0, 0.15), freq=st.floats(30.0, 120.0),
       before=st.booleans(), drift=st.floats(-5.0, 5.0), seed=st.integers(0, 1000),
       height=st.floats(0.2, 0.5))
def test_ringing_offset_noise_drift_and_rate_keep_height_and_flight_time(rate, offset, amp_frac, freq, before, drift,
                                                                        seed, height) -> None:
    # ringing that aliases below 25 Hz is slow false force no method can separate from the athlete (documented)
    assume(alias_frequency(freq, rate) >= MIN_ALIAS_FREQUENCY)
    s, tr = ringing_cmj(rate, offset, amp_frac * s_bw(), freq, before_landing=before, drift=drift, seed=seed,
                        height=height)
    res = analyze_cmj(tr)
    assert "airborne_before_takeoff" not in {f.code for f in res.flags}
    assert abs(res.value("flight_time") - s.truth["flight_time"]) <= flight_time_tolerance(rate)
    assert abs(res.value("jump_height_takeoff_velocity") - s.truth["jump_height"]) <= JUMP_HEIGHT_TOLERANCE


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rate=st.sampled_from([80.0, 100.0, 150.0, 200.0]), offset=st.floats(-30.0, 30.0),
       amp_frac=st.floats(0.0, 0.05), freq=st.floats(30.0, 120.0), drift=st.floats(-5.0, 5.0),
       seed=st.integers(0, 1000), height=st.floats(0.2, 0.5))
def test_integrating_load_cell_converter_keeps_the_bounds(rate, offset, amp_frac, freq, drift, seed, height) -> None:
    """An HX711-class converter reports the mean force over each conversion period: the sample that straddles
    the departure reads part contact, part flight, and must not delay the take-off."""
    s, tr = ringing_cmj(rate, offset, amp_frac * s_bw(), freq, drift=drift, seed=seed, height=height,
                        adc="integrating")
    res = analyze_cmj(tr)
    assert "airborne_before_takeoff" not in {f.code for f in res.flags}
    assert abs(res.value("flight_time") - s.truth["flight_time"]) <= flight_time_tolerance(rate)
    assert abs(res.value("jump_height_takeoff_velocity") - s.truth["jump_height"]) <= JUMP_HEIGHT_TOLERANCE


@pytest.mark.parametrize("rate", [80.0, 100.0, 200.0])
def test_low_rate_drop_jump_contact_and_flight_time(rate: float) -> None:
    """Contact and flight time of a drop jump at load-cell rates, within the documented bound (not one sample)."""
    s = synthetic.drop_jump(rate=rate, noise_sd=2.0, seed=4, contact_time=0.23)
    res = analyze_dj(s.trace)
    tol = flight_time_tolerance(rate)
    assert abs(res.value("contact_time") - s.truth["contact_time"]) <= tol
    assert abs(res.value("flight_time") - s.truth["flight_time"]) <= tol


@pytest.mark.parametrize("rate", [80.0, 100.0, 200.0, 1000.0])
def test_low_rate_peak_force_bound(rate: float) -> None:
    """The sampled peak force under-reads the true peak by at most the parabola bound A·π²/(8(D·rate)²) (a peak of
    height A above body weight and width D); here within 1 % at every rate for a 0.26 s propulsion."""
    s = synthetic.cmj(rate=rate, noise_sd=0.0)
    res = analyze_cmj(s.trace)
    peak = s.truth["peak_force"]
    bw = s.truth["body_weight"]
    d = 0.26
    bound = (peak - bw) * math.pi ** 2 / (8 * (d * rate) ** 2)
    assert 0.0 <= peak - res.value("peak_force") <= bound + 1e-9


def test_low_rate_flag_names_what_the_rate_cannot_carry() -> None:
    """A braking phase of 0.1 s is 8-9 samples at 80 Hz: braking time and braking RFD are flagged, the values kept;
    at 1 kHz the same jump raises no such flag."""
    low = analyze_cmj(synthetic.cmj(rate=80.0, braking_time=0.10, noise_sd=1.0, seed=2).trace)
    flag = next(f for f in low.flags if f.code == "low_sample_rate")
    assert flag.message.startswith("at 80 Hz ")
    assert "Braking RFD rests on 9 samples (112 ms)" in flag.message and "Braking time rests on 9 samples" in flag.message
    assert low.value("braking_rfd") is not None
    high = analyze_cmj(synthetic.cmj(rate=1000.0, braking_time=0.10, noise_sd=1.0, seed=2).trace)
    assert "low_sample_rate" not in {f.code for f in high.flags}
    assert flag_text("low_sample_rate").startswith("Low sample rate")


def test_peak_under_read_estimate_flags_a_sharp_peak() -> None:
    """A peak that falls between samples: the parabola through the three samples around it gives the under-read."""
    t = np.arange(-5, 6) / 80.0
    true_peak = 2000.0
    f = true_peak * np.cos(2 * np.pi * 4.0 * (t - 0.006))  # peak 6 ms after sample 5
    under = peak_under_read(f, 5)
    assert 0.0 < true_peak - f[5]
    assert under == pytest.approx(true_peak - f[5], rel=0.05)


def test_jittered_timestamps_are_read_at_their_mean_rate_and_keep_the_bounds(tmp_path: Path) -> None:
    """Uneven sampling: a file whose time column jitters (a host stamping HX711 samples on arrival) is read as one
    constant rate, (n - 1) / (t_last - t_first), when no step is off the median by more than half a step; the
    samples are taken as evenly spaced, so the timing bound holds when the samples themselves were even. A step off
    by more than half is refused with the line (storage.readers, tested there)."""
    rate = 100.0
    s, tr = ringing_cmj(rate, 0.0, 0.0, 50.0, seed=5)
    rng = np.random.default_rng(5)
    t = np.arange(tr.n) / rate + rng.uniform(-0.2, 0.2, tr.n) / rate  # +-20 % of a step
    lines = ["time,left,right"] + [f"{a:.6f},{b:.3f},{c:.3f}" for a, b, c in zip(t, tr.left, tr.right, strict=True)]
    p = tmp_path / "jitter.csv"
    p.write_text("\n".join(lines) + "\n")
    rec = read_force_file(p)
    assert rec.trace.rate == pytest.approx(rate, rel=1e-3)
    res = analyze_cmj(rec.trace)
    assert abs(res.value("flight_time") - s.truth["flight_time"]) <= flight_time_tolerance(rate)
    assert abs(res.value("jump_height_takeoff_velocity") - s.truth["jump_height"]) <= JUMP_HEIGHT_TOLERANCE
    t[50:] += 1.0 / rate  # one sample lost
    lines = ["time,left,right"] + [f"{a:.6f},{b:.3f},{c:.3f}" for a, b, c in zip(t, tr.left, tr.right, strict=True)]
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ForceFileError, match="unevenly at line"):
        read_force_file(p)


def s_bw() -> float:
    """Body weight of the default synthetic athlete (75 kg)."""
    return 75.0 * 9.80665
