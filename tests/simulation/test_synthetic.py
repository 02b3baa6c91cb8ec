"""The synthetic traces obey the physics their truth claims.

Each check integrates the SAMPLED force numerically (trapezoid rule, what an analysis would do) and
compares with the analytic truth. The trapezoid error on these smooth lobes is O(1/rate^2), so the
tolerance is written as ``C / rate**2`` with C chosen from the error measured at 500 Hz (~1.4e-4 m/s for
v0), with a safety factor of ~3.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.simulation import synthetic as syn

G = syn.G


def _velocity(force: np.ndarray, m: float, rate: float) -> np.ndarray:
    a = force / m - G
    return np.concatenate([[0.0], np.cumsum((a[1:] + a[:-1]) / (2.0 * rate))])


def _mid_flight_v0(trial: syn.SyntheticTrial) -> float:
    """Take-off velocity recovered from the samples: integrate to mid-flight, add back g * elapsed."""
    t, rate = trial.truth, trial.trace.rate
    v = _velocity(trial.trace.total, t["body_mass"], rate)
    k = int(round((t["takeoff_time"] + t["flight_time"] / 2) * rate))
    return float(v[k] + G * (k / rate - t["takeoff_time"]))


@settings(max_examples=25, deadline=None)
@given(
    mass=st.floats(45.0, 130.0),
    height=st.floats(0.15, 0.6),
    rate=st.floats(500.0, 4000.0),
)
def test_cmj_integration_reproduces_takeoff_velocity(mass: float, height: float, rate: float) -> None:
    trial = syn.cmj(body_mass=mass, jump_height=height, rate=rate)
    t = trial.truth
    assert t["takeoff_velocity"] == pytest.approx(math.sqrt(2 * G * height), rel=1e-12)
    assert t["jump_height"] == pytest.approx(height, rel=1e-12)
    assert _mid_flight_v0(trial) == pytest.approx(t["takeoff_velocity"], abs=120.0 / rate**2)


@settings(max_examples=15, deadline=None)
@given(mass=st.floats(45.0, 130.0), height=st.floats(0.15, 0.5), rate=st.floats(500.0, 4000.0),
       cm=st.sampled_from([0.0, 0.02, 0.05]))
def test_squat_jump_integration_reproduces_takeoff_velocity(mass: float, height: float, rate: float,
                                                            cm: float) -> None:
    trial = syn.squat_jump(body_mass=mass, jump_height=height, rate=rate, countermovement=cm)
    assert _mid_flight_v0(trial) == pytest.approx(trial.truth["takeoff_velocity"], abs=120.0 / rate**2)
    assert trial.truth["countermovement_depth"] == pytest.approx(cm, abs=1e-12)


@pytest.mark.parametrize("rate", [500.0, 1000.0, 4000.0])
def test_cmj_depth_phases_and_rest(rate: float) -> None:
    trial = syn.cmj(rate=rate, depth=0.25, jump_height=0.3)
    t, f = trial.truth, trial.trace.total
    m = t["body_mass"]
    v = _velocity(f, m, rate)
    x = np.concatenate([[0.0], np.cumsum((v[1:] + v[:-1]) / (2.0 * rate))])
    takeoff = int(t["takeoff_time"] * rate)
    # lowest point of the countermovement and where it happens (propulsion start: v = 0)
    i_low = int(np.argmin(x[:takeoff]))
    assert -x[i_low] == pytest.approx(0.25, abs=40.0 / rate**2)
    assert i_low / rate == pytest.approx(t["propulsion_start_time"], abs=1.5 / rate)
    # velocity minimum at the end of unweighting
    assert v[: takeoff].min() == pytest.approx(t["min_velocity"], abs=40.0 / rate**2)
    assert int(np.argmin(v[:takeoff])) / rate == pytest.approx(t["braking_start_time"], abs=1.5 / rate)
    # displacement at take-off
    assert x[takeoff] + (t["takeoff_time"] - takeoff / rate) * v[takeoff] == pytest.approx(
        t["takeoff_displacement"], abs=1e-3)
    # quiet stance before onset and after the landing is exactly body weight (the landing stops the body)
    assert np.all(f[: int(t["onset_time"] * rate)] == pytest.approx(t["body_weight"], abs=1e-9))
    assert np.all(f[-int(0.5 * rate):] == pytest.approx(t["body_weight"], abs=1e-9))
    assert v[-1] == pytest.approx(0.0, abs=120.0 / rate**2)
    # flight is exactly zero force, between take-off and landing
    lo, hi = int(math.ceil(t["takeoff_time"] * rate)), int(t["landing_time"] * rate)
    assert np.all(f[lo : hi + 1] == 0.0)
    assert f[lo - 1] > 0.0 and f[hi + 1] > 0.0
    assert t["flight_time"] == pytest.approx(2 * t["takeoff_velocity"] / G)
    assert t["landing_time"] - t["takeoff_time"] == pytest.approx(t["flight_time"])
    # phase durations as asked
    assert t["braking_start_time"] - t["onset_time"] == pytest.approx(0.40)
    assert t["propulsion_start_time"] - t["braking_start_time"] == pytest.approx(0.18)
    assert t["takeoff_time"] - t["propulsion_start_time"] == pytest.approx(0.26)
    # the force never goes negative and the sampled peaks do not exceed the analytic ones
    assert f.min() >= 0.0
    contact = f[: takeoff + 1]
    assert contact.max() <= t["peak_force"] + 1e-6
    assert contact.max() == pytest.approx(t["peak_force"], rel=2e-3)
    assert f[hi:].max() == pytest.approx(t["peak_landing_force"], rel=5e-3)


def test_cmj_impulses_and_power() -> None:
    trial = syn.cmj(rate=2000.0)
    t, f, rate = trial.truth, trial.trace.total, trial.trace.rate
    m = t["body_mass"]
    v = _velocity(f, m, rate)
    takeoff = int(t["takeoff_time"] * rate)
    power = f[:takeoff] * v[:takeoff]
    assert power.max() == pytest.approx(t["peak_power"], rel=1e-3)
    assert v[:takeoff + 1].max() == pytest.approx(t["peak_velocity"], abs=1e-4)
    assert t["propulsive_net_impulse"] == pytest.approx(m * t["takeoff_velocity"])
    assert t["braking_net_impulse"] == pytest.approx(-t["unweighting_net_impulse"])
    assert t["rsi_modified"] == pytest.approx(t["jump_height"] / t["time_to_takeoff"])


def test_drop_jump_contact_and_flight() -> None:
    trial = syn.drop_jump(rate=1000.0, drop_height=0.4, contact_time=0.22, jump_height=0.28)
    t, f, rate = trial.truth, trial.trace.total, trial.trace.rate
    assert np.all(f[: int(t["contact_start_time"] * rate)] == 0.0)  # on the box
    # the contact's net impulse turns -v_in into +v0
    c0, c1 = int(math.ceil(t["contact_start_time"] * rate)), int(t["takeoff_time"] * rate)
    a = f / t["body_mass"] - G
    dv = np.trapezoid(a[c0 - 1 : c1 + 2], dx=1.0 / rate)  # F = 0 (a = -g) at both ends of the window
    expected = t["drop_velocity"] + t["takeoff_velocity"] - G * ((c1 + 1) - (c0 - 1)) / rate + G * 0.22
    assert dv == pytest.approx(expected, abs=1e-3)
    assert t["contact_time"] == pytest.approx(0.22)
    assert t["rsi"] == pytest.approx(0.28 / 0.22)
    assert t["drop_velocity"] == pytest.approx(math.sqrt(2 * G * 0.4))
    assert f[c0:c1].max() == pytest.approx(t["peak_force"], rel=2e-3)
    # realistic magnitude: peak under 6 body weights with the defaults
    assert syn.drop_jump().truth["peak_force"] < 6 * syn.drop_jump().truth["body_weight"]
    assert f[-1] == pytest.approx(t["body_weight"])


@pytest.mark.parametrize("pretension", [0.0, 120.0])
def test_isometric_pull_windows(pretension: float) -> None:
    rate = 1000.0
    trial = syn.isometric_pull(rate=rate, peak_force=2800.0, rise_time=0.6, pretension=pretension)
    t, f = trial.truth, trial.trace.total
    on = int(round(t["onset_time"] * rate))
    assert on == pytest.approx(t["onset_time"] * rate, abs=1e-9)  # onset on the grid here
    base = t["body_weight"] + pretension
    assert f[on] == pytest.approx(base)
    for ms in (50, 100, 200, 250):
        assert f[on + ms] == pytest.approx(t[f"force_at_{ms}ms"], rel=1e-12)
        assert t[f"rfd_0_{ms}ms"] == pytest.approx((t[f"force_at_{ms}ms"] - base) / (ms / 1000))
        j = np.trapezoid(f[on : on + ms + 1] - t["body_weight"], dx=1 / rate)
        assert j == pytest.approx(t[f"net_impulse_0_{ms}ms"], abs=2e-3)  # trapezoid error ~4e-4 N*s at 1 kHz
    assert f.max() == pytest.approx(2800.0)
    assert int(np.argmax(f)) / rate == pytest.approx(t["peak_time"], abs=1e-9)
    slope = np.diff(f) * rate
    assert slope.max() == pytest.approx(t["peak_rfd"], rel=1e-3)
    assert t["net_peak_force"] == pytest.approx(2800.0 - t["body_weight"])
    if pretension:
        assert f[on - 10] == pytest.approx(base)
        assert f[10] == pytest.approx(t["body_weight"])  # quiet stance for weighing before the pre-tension


def test_asymmetry_split_sign_and_noise() -> None:
    trial = syn.cmj(asymmetry=0.1, noise_sd=4.0, seed=7)
    tr = trial.trace
    assert tr.left is not None and tr.right is not None
    np.testing.assert_allclose(tr.left + tr.right, tr.total)
    clean = syn.cmj(asymmetry=0.1)
    cl, cr = clean.trace.left, clean.trace.right
    assert cl is not None and cr is not None
    moving = clean.trace.total > 100
    np.testing.assert_allclose((cl - cr)[moving] / clean.trace.total[moving], 0.1)
    resid = tr.total - clean.trace.total
    assert resid.std() == pytest.approx(4.0, rel=0.05)
    again = syn.cmj(asymmetry=0.1, noise_sd=4.0, seed=7)
    np.testing.assert_array_equal(again.trace.total, tr.total)
    assert not np.array_equal(syn.cmj(noise_sd=4.0, seed=8).trace.total, tr.total)
    single = syn.cmj(plates=False)
    assert single.trace.left is None


def test_truth_is_rate_independent() -> None:
    a = syn.cmj(rate=500.0).truth
    b = syn.cmj(rate=3000.0).truth
    assert a == b


def test_session_layout_and_truth_times() -> None:
    rate = 1000.0
    trace, truths = syn.session(["cmj", ("dj", {"contact_time": 0.2}), ("imtp", {"peak_force": 2500}),
                                 ("sj", {"countermovement": 0.04})], rate=rate, body_mass=80.0)
    f = trace.total
    bw = 80.0 * G
    assert [t["test_name"] for t in truths] == ["cmj", "dj", "imtp", "sj"]
    assert f[0] == 0.0 and f[-1] == 0.0  # empty plate at both ends
    for t in truths:
        assert t["body_weight"] == pytest.approx(bw)
        i = int(t["onset_time"] * rate)
        assert f[i - int(0.5 * rate) : i].std() < 1e-9  # quiet before each trial
    for t in (truths[0], truths[1], truths[3]):
        k = int(round((t["takeoff_time"] + t["landing_time"]) / 2 * rate))
        assert f[k] == 0.0  # in the air mid-flight
        # integrate from quiet stance 0.5 s before onset to mid-flight
        i0 = int(t["onset_time"] * rate) - int(0.5 * rate)
        if t["test_name"] == "dj":
            continue
        v = _velocity(f[i0 : k + 1], 80.0, rate)
        assert v[-1] + G * (k / rate - t["takeoff_time"]) == pytest.approx(t["takeoff_velocity"], abs=1e-3)
    assert truths[3]["countermovement_depth"] == pytest.approx(0.04)
    dj = truths[1]
    assert np.all(f[int(dj["step_off_time"] * rate) + 600 : int(dj["contact_start_time"] * rate)] == 0.0)
    assert f[int(truths[2]["peak_time"] * rate)] == pytest.approx(2500.0)


def test_timeline_blockwise_equals_whole() -> None:
    tl = syn.Timeline(initial=0.0)
    tl.ramp(0.5, 700.0)
    tl.hold(1.0)
    syn.append_trial(tl, "cmj", body_mass=700.0 / G)
    tl.hold(1.0)
    t = np.arange(int(tl.end * 1000) + 200) / 1000.0
    whole = tl.evaluate(t)
    blocks = np.concatenate([tl.evaluate(t[i : i + 37]) for i in range(0, len(t), 37)])
    np.testing.assert_array_equal(whole, blocks)
    assert whole[-1] == pytest.approx(700.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: syn.cmj(body_mass=-3), "body_mass"),
        (lambda: syn.cmj(rate=0), "rate"),
        (lambda: syn.cmj(depth=0.9, unweighting_time=0.2), "below zero"),
        (lambda: syn.cmj(jump_height=0.02, braking_time=0.05, propulsion_time=0.5), "non-negative force"),
        (lambda: syn.cmj(asymmetry=1.5), "asymmetry"),
        (lambda: syn.cmj(noise_sd=float("nan")), "noise_sd"),
        (lambda: syn.isometric_pull(peak_force=500.0), "peak_force"),
        (lambda: syn.session(["hop"]), "unknown test 'hop'"),
        (lambda: syn.session([("cmj", {"hieght": 0.3})]), "unknown parameter 'hieght'"),
    ],
)
def test_bad_input_is_a_clear_error(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_append_trial_checks_every_parameter() -> None:
    tl = syn.Timeline(initial=700.0)
    with pytest.raises(ValueError, match="jump_height must be a positive number"):
        syn.append_trial(tl, "cmj", body_mass=70.0, params={"jump_height": -0.2})
    with pytest.raises(ValueError, match="pretension must be zero or a positive"):
        syn.append_trial(tl, "imtp", body_mass=70.0, params={"pretension": -5})
    with pytest.raises(ValueError, match="fatigue"):
        syn.append_trial(tl, "imtp", body_mass=70.0, params={"fatigue": 1.5})
    key, truth = syn.append_trial(tl, "sj", body_mass=70.0, params={"countermovement": 0})
    assert key == "sj" and truth["countermovement_depth"] == 0.0


def test_asymmetry_truth_in_every_convention() -> None:
    t = syn.cmj(asymmetry=0.1).truth
    assert t["asymmetry"] == pytest.approx(0.1)
    assert t["asymmetry_index_max_pct"] == pytest.approx(0.1 / 0.55 * 100)  # (L-R)/max = 18.18 %
    assert t["asymmetry_index_mean_pct"] == pytest.approx(20.0)
    right_heavy = syn.asymmetry_truth(-0.2)
    assert right_heavy["asymmetry_index_max_pct"] == pytest.approx(-0.2 / 0.6 * 100)
