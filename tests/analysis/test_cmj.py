"""Countermovement jump: known-answer synthetic jumps, real recordings against other programs, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis.cmj import analyze_cmj
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic
from support.real_data import plateforce_reference_row
from support.tolerances import (
    F02_DEFAULTS,
    F02_JUMPMETRICS,
    PLATEFORCE_MIN_FORCE,
    PLATEFORCE_PARITY,
    PLATEFORCE_TABLE,
    SHINY_SINGLE_PLATES,
    SHINY_SINGLE_TOTAL,
    VJFZ,
)

REQUIRED = [
    "body_weight", "body_mass", "jump_height_takeoff_velocity", "jump_height_flight_time", "takeoff_velocity",
    "flight_time", "time_to_takeoff", "rsi_modified", "peak_force", "net_impulse", "braking_net_impulse",
    "propulsive_net_impulse", "unweighting_time", "braking_time", "propulsive_time", "countermovement_depth",
    "peak_landing_force", "braking_rfd", "force_at_zero_velocity", "time_to_stabilisation", "peak_power",
    "mean_braking_force", "relative_mean_braking_force", "peak_propulsive_power", "relative_peak_propulsive_power",
]


# ---------------------------------------------------------------- synthetic known answers


def test_synthetic_cmj_known_answer() -> None:
    s = synthetic.cmj(body_mass=80.0, jump_height=0.40, rate=1000.0, plates=False)
    r = analyze_cmj(s.trace)
    t = s.truth
    assert all(r.metrics[n].found for n in REQUIRED), {n: r.metrics[n].reason for n in REQUIRED}
    assert r.flags == []
    assert r.value("body_weight") == pytest.approx(t["body_weight"], abs=1e-9)  # noiseless quiet stance
    # The onset threshold (10 N floor) is crossed ~5 ms after the true onset; the impulse missed in those
    # ms is < 0.001 m/s. Trapezoidal integration error is O(dt^2), far below that.
    assert r.value("takeoff_velocity") == pytest.approx(t["takeoff_velocity"], abs=1e-3)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(t["jump_height"], abs=5e-4)
    # flight time: take-off and landing each within one sample (1 ms)
    assert r.value("flight_time") == pytest.approx(t["flight_time"], abs=2e-3)
    assert r.value("countermovement_depth") == pytest.approx(t["countermovement_depth"], abs=2e-3)
    assert r.value("braking_net_impulse") == pytest.approx(t["braking_net_impulse"], abs=0.2)
    assert r.value("propulsive_net_impulse") == pytest.approx(t["propulsive_net_impulse"], abs=0.2)
    assert r.value("peak_force") == pytest.approx(t["peak_force"], rel=1e-4)  # sampled maximum of a smooth peak
    assert r.value("peak_landing_force") == pytest.approx(t["peak_landing_force"], rel=1e-4)
    # phase boundaries: within 2 samples of the exact instants; onset within 10 ms (threshold delay)
    assert r.value("braking_time") == pytest.approx(t["braking_duration"], abs=2e-3)
    assert r.value("propulsive_time") == pytest.approx(t["propulsion_duration"], abs=2e-3)
    assert r.value("time_to_takeoff") == pytest.approx(t["time_to_takeoff"], abs=1e-2)
    assert r.events["takeoff"].time == pytest.approx(t["takeoff_time"], abs=1e-3)


@settings(max_examples=25, deadline=None)
@given(
    mass=st.floats(45.0, 130.0),
    height=st.floats(0.15, 0.6),
    rate=st.sampled_from([500.0, 1000.0, 1200.0, 2000.0, 4000.0]),
)
def test_synthetic_cmj_properties(mass: float, height: float, rate: float) -> None:
    s = synthetic.cmj(body_mass=mass, jump_height=height, rate=rate, plates=False)
    r = analyze_cmj(s.trace)
    # velocity: take-off is the first sample below the threshold (10 N floor on a noiseless trace), so the
    # last bit of contact, from the threshold down to zero force (nearly free fall), is missed: it lasts
    # threshold/slope plus up to one sample, worth g times that; plus the onset delay impulse (< 1e-3 m/s).
    # Height error is v * dv / g.
    f, to = s.trace.total, r.events["takeoff"].index
    assert to is not None
    slope = (f[to - 2] - f[to - 1]) * rate
    late = 10.0 / slope + 1.0 / rate
    tol_v = 9.80665 * late + 1e-3
    v = s.truth["takeoff_velocity"]
    assert r.value("takeoff_velocity") == pytest.approx(v, abs=tol_v)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(height, abs=v * tol_v / 9.80665 + 1e-4)
    # flight time: take-off early by the time above, landing within one sample
    assert r.value("flight_time") == pytest.approx(s.truth["flight_time"], abs=late + 1.0 / rate)
    assert r.value("body_mass") == pytest.approx(mass, rel=1e-9)
    assert not any(f.code == "jump_height_methods_disagree" for f in r.flags)


def test_noisy_synthetic_cmj_still_accurate() -> None:
    s = synthetic.cmj(body_mass=70.0, jump_height=0.3, rate=1000.0, noise_sd=3.0, seed=5, plates=False)
    r = analyze_cmj(s.trace)
    # 3 N white noise: the 5 SD onset threshold (15 N) delays onset a few ms; noise adds ~0.002 m/s
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.3, abs=5e-3)
    assert r.value("weighing_sd") == pytest.approx(3.0, rel=0.15)


def test_filter_option_and_rectangle_rule_keep_answer() -> None:
    s = synthetic.cmj(body_mass=75.0, jump_height=0.35, rate=1000.0, plates=False)
    r = analyze_cmj(s.trace, filter_cutoff=50.0, integration_rule="rectangle")
    # a 50 Hz zero-lag low-pass smears take-off by a few ms; rectangle rule error ~ g/rate / 2
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.35, abs=5e-3)
    assert r.params["filter_cutoff"] == 50.0
    assert r.metrics["takeoff_velocity"].method == "impulse_momentum_rectangle"


# ---------------------------------------------------------------- real recordings


def _load(path: Path, **kw: object) -> np.ndarray:
    return np.loadtxt(path, **kw)  # type: ignore[arg-type]


def test_plateforce_parity(shared_data: Path) -> None:
    """plateforce subject01 trial 1 with its settings: 1 s fixed window, 5 SD onset below BW with 30 ms
    persistence and Owen's 30 ms step back, 20 N take-off, no filter. References, tolerances and their reasons:
    tests/support/tolerances.py (PLATEFORCE_PARITY)."""
    ref = json.loads((shared_data / "plateforce" / "result-parity.json").read_text())["result"]
    f = _load(shared_data / "plateforce" / "subject01_trial1.force.txt")
    P = PLATEFORCE_PARITY
    r = analyze_cmj(ForceTrace(1200.0, f), **P.settings)
    # same definition: exact, and the references are the file's own
    assert (P["onset"].value, P["takeoff"].value, P["landing"].value) == (
        ref["onset_index"], ref["takeoff_index"], ref["touchdown_index"])
    for name in ("onset", "takeoff", "landing", "propulsion_start"):
        assert r.events[name].index == P[name].approx(), name
    for name in ("body_weight", "weighing_sd", "flight_time", "time_to_takeoff", "jump_height_flight_time",
                 "takeoff_velocity", "net_impulse", "jump_height_takeoff_velocity", "rsi_modified"):
        assert r.value(name) == P[name].approx(), name
    # plateforce starts braking at the force minimum (3.5825 s); that is our braking_start="min_force"
    M = PLATEFORCE_MIN_FORCE
    r2 = analyze_cmj(ForceTrace(1200.0, f), **M.settings)
    assert r2.events["braking_start"].index == M["braking_start"].approx()
    assert r2.value("force_at_zero_velocity") == M["force_at_zero_velocity"].approx()


@pytest.mark.parametrize("trial", [1, 2, 3, 4, 5, 6])
def test_plateforce_reference_table(shared_data: Path, trial: int) -> None:
    """reference_subject01.csv: plateforce's side-by-side results of published methods, per trial (tolerances and
    reasons: tests/support/tolerances.py, PLATEFORCE_TABLE)."""
    S = PLATEFORCE_TABLE[trial - 1]
    row = plateforce_reference_row(shared_data, trial)
    f = _load(shared_data / "plateforce" / f"subject01_trial{trial}.force.txt")
    r = analyze_cmj(ForceTrace(1200.0, f), **S.settings)
    assert S["body_weight"].at(row).holds(r.value("body_weight"))  # same 1 s window: exact
    for name in ("takeoff", "propulsion_start"):  # take-off 0-2 samples before jumpmetrics'; zero velocity
        ev = r.events[name].index
        assert S[name].at(row).holds(None if ev is None else float(ev)), (name, ev, row)
    h = r.value("jump_height_takeoff_velocity")
    # jump height vs jumpmetrics without smoothing: within 0.6 cm (onset rule and the take-off sample differ)
    assert S["jump_height_takeoff_velocity (jumpmetrics)"].at(row).holds(h), (h, row["jh_jm_nosmooth_cm"])
    # the commercial AccuPower sits 0.5-3.4 cm below the impulse methods (README); ours is above it too
    assert S["jump_height_takeoff_velocity (AccuPower)"].at(row).holds(h), (h, row["jh_accupower_cm"])
    if trial > 1:  # trials 2-6 end in flight: no landing, flagged, flight time not invented
        assert not r.metrics["flight_time"].found and "landing" in (r.metrics["flight_time"].reason or "")
        assert any(fl.code == "no_landing" for fl in r.flags)


def _f02(shared_data: Path) -> ForceTrace:
    a = _load(shared_data / "jumpmetrics" / "F02_CTRL1.txt", delimiter=",", skiprows=1)
    return ForceTrace(2000.0, a[:, 2] + a[:, 8])


def test_jumpmetrics_f02(shared_data: Path) -> None:
    """jumpmetrics' settings: 26.64 Hz 4th-order zero-lag low-pass, trial cut 2 s before take-off, weighing on
    its first 0.25 s, take-off where |F| < 10 N for 0.25 s, landing where F >= 10 N for 30 frames. References,
    tolerances and reasons: tests/support/tolerances.py (F02_JUMPMETRICS)."""
    tr = _f02(shared_data)
    S = F02_JUMPMETRICS
    assert S.cut_before_takeoff == 2.0
    to = analyze_cmj(tr, **S.settings).events["takeoff"].index
    assert to is not None
    r = analyze_cmj(tr.slice(to - 4000, tr.n), **S.settings, **S.cut_settings)
    for ref in S.refs:
        got = r.events[ref.name].index if ref.kind == "event" else r.value(ref.name)
        assert got == ref.approx(), ref.name


def test_f02_defaults_full_recording(shared_data: Path) -> None:
    """Default settings on the whole 20 s file (step-on, stance, jump, landing, step-off, zeros)."""
    r = analyze_cmj(_f02(shared_data))
    assert r.value("body_weight") == F02_DEFAULTS["body_weight"].approx()
    assert r.flags == []
    # unfiltered data, take-off at the first flight sample: flight-time height is the larger, as usual (1-3 cm)
    h_v, h_ft = r.value("jump_height_takeoff_velocity"), r.value("jump_height_flight_time")
    assert h_v is not None and h_ft is not None and 0 < h_ft - h_v < 0.04
    # the athlete steps off within a second of landing: no stabilisation, said so
    assert "does not stay within" in (r.metrics["time_to_stabilisation"].reason or "")


def test_shiny_single_trial_total(shared_data: Path) -> None:
    """Against the app's 2019 output; tolerances and reasons: tests/support/tolerances.py (SHINY_SINGLE_TOTAL):
    peak force exact, their weighing window and 56 ms later onset move the rest."""
    a = _load(shared_data / "shiny-vertical-jump" / "example_data" / "single_trial.csv", delimiter=",", skiprows=1)
    r = analyze_cmj(ForceTrace(1000.0, a.sum(axis=1)), **SHINY_SINGLE_TOTAL.settings)
    for ref in SHINY_SINGLE_TOTAL.refs:
        assert r.value(ref.name) == ref.approx(), ref.name


def test_vertical_jumps_fz_cmj_sanity(shared_data: Path) -> None:
    a = _load(shared_data / "vertical-jumps-fz" / "Dual-CMJ-Fz.txt", skiprows=1)
    r = analyze_cmj(ForceTrace(1000.0, a.sum(axis=1)))
    assert r.value("body_weight") == VJFZ[0]["body_weight"].approx()
    h = r.value("jump_height_takeoff_velocity")
    assert h is not None and 0.15 < h < 0.6  # plausible adult CMJ
    assert abs(h - r.value("jump_height_flight_time")) < 0.05  # type: ignore[operator]


# ---------------------------------------------------------------- bad input


def test_empty_and_nan_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        analyze_cmj(ForceTrace(1000.0, np.zeros(0)))
    x = np.full(3000, 700.0)
    x[1234] = np.nan
    with pytest.raises(ValueError, match="sample 1234"):
        analyze_cmj(ForceTrace(1000.0, x))
    with pytest.raises(ValueError, match="braking_start"):
        analyze_cmj(ForceTrace(1000.0, x), braking_start="middle")


@pytest.mark.parametrize(
    "force, word",
    [
        (np.zeros(5000), "nobody"),
        (np.full(5000, -700.0), "inverted"),
        (np.full(5000, 700.0), "no jump"),
    ],
)
def test_no_jump_gives_reasons_not_numbers(force: np.ndarray, word: str) -> None:
    r = analyze_cmj(ForceTrace(1000.0, force))
    for name in ("jump_height_takeoff_velocity", "takeoff_velocity", "flight_time", "peak_force"):
        m = r.metrics[name]
        assert m.value is None and m.reason
    text = " ".join(str(m.reason) for m in r.metrics.values()) + " ".join(str(e.reason) for e in r.events.values())
    assert word in text


def test_step_off_is_not_a_jump() -> None:
    x = np.concatenate([np.full(2000, 700.0), np.linspace(700, 0, 300), np.zeros(1000)])
    r = analyze_cmj(ForceTrace(1000.0, x))
    m = r.metrics["jump_height_takeoff_velocity"]
    assert m.value is None and "not upward" in (m.reason or "")
    assert any(f.code == "no_landing" for f in r.flags)


def test_results_are_json_able() -> None:
    s = synthetic.cmj(rate=500.0, plates=False)
    d = analyze_cmj(s.trace).to_dict()
    json.dumps(d)
    assert d["test"] == "cmj" and d["metrics"]["body_weight"]["unit"] == "N"


def test_shiny_two_plates(shared_data: Path) -> None:
    a = _load(shared_data / "shiny-vertical-jump" / "example_data" / "single_trial.csv", delimiter=",", skiprows=1)
    tr = ForceTrace.from_plates(1000.0, a[:, 0], a[:, 1])  # fp1 = left, fp2 = right
    S = SHINY_SINGLE_PLATES
    r = analyze_cmj(tr, **S.settings)
    # per-plate peaks are samples of the file: exact; here each plate peaks at the total peak. Their "Peak Force
    # SI" 1.8931 % is the mean-normalised form: same formula, same samples. Net impulses: their onset (56 ms
    # later) and per-plate weighing differ (reasons in tests/support/tolerances.py, SHINY_SINGLE_PLATES)
    for ref in S.refs:
        assert r.value(ref.name) == ref.approx(), ref.name
    ln, rn, tn = r.value("left_net_impulse"), r.value("right_net_impulse"), r.value("net_impulse")
    assert ln is not None and rn is not None and tn is not None
    assert ln + rn == pytest.approx(tn, abs=1e-9)  # each plate minus its own body-weight share
    assert r.metrics["net_impulse_asymmetry"].params["formula"] == "mean_normalised"
    d = analyze_cmj(tr)  # default formula: percent difference with the stronger side named
    assert d.metrics["peak_force_asymmetry"].params["stronger_side"] == "left"


def test_synthetic_two_plates_asymmetry() -> None:
    s = synthetic.cmj(body_mass=80.0, jump_height=0.35, rate=1000.0, asymmetry=0.1)
    r = analyze_cmj(s.trace, asymmetry_formula="symmetry_index")
    # left = total (0.5 + a/2), right = total (0.5 - a/2): symmetry index (L-R)/(L+R) = a exactly
    assert r.value("peak_force_asymmetry") == pytest.approx(10.0, abs=1e-6)
    assert r.value("propulsive_net_impulse_asymmetry") == pytest.approx(10.0, abs=1e-6)


# ---------------------------------------------------------------- quality flags


def test_quality_flags_fire() -> None:
    s = synthetic.cmj(body_mass=75.0, jump_height=0.35, rate=1000.0, plates=False)
    r = analyze_cmj(s.trace, max_plausible_flight_time=0.3)
    assert "flight_time_out_of_range" in {f.code for f in r.flags}
    r = analyze_cmj(s.trace, max_height_difference=1e-5)  # the two heights differ by ~1 mm here
    assert "jump_height_methods_disagree" in {f.code for f in r.flags}
    noisy = synthetic.cmj(body_mass=75.0, rate=1000.0, noise_sd=25.0, seed=1, plates=False)
    r = analyze_cmj(noisy.trace)
    assert "unsteady_weighing" in {f.code for f in r.flags}


def test_squat_jump_in_cmj_analysis_is_flagged() -> None:
    s = synthetic.squat_jump(body_mass=75.0, jump_height=0.3, rate=1000.0, plates=False)
    r = analyze_cmj(s.trace)
    assert "no_countermovement" in {f.code for f in r.flags}
    assert r.metrics["braking_time"].value is None and "no countermovement" in (r.metrics["braking_time"].reason or "")
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.3, abs=2e-3)  # still a valid jump height


def test_fidget_before_the_jump_is_flagged_and_backward_search_skips_it() -> None:
    s = synthetic.cmj(body_mass=75.0, jump_height=0.35, rate=1000.0, quiet_before=3.0, plates=False)
    f = s.trace.total.copy()
    f[1800:1900] += 40.0  # a 100 ms weight shift after the steadiest second, 1.2 s before the jump
    f[1900:2000] -= 40.0  # (net impulse zero, so the velocity is back to zero afterwards)
    r = analyze_cmj(ForceTrace(1000.0, f))
    assert "movement_before_onset" in {fl.code for fl in r.flags}
    rb = analyze_cmj(ForceTrace(1000.0, f), onset_search="backward")
    assert "movement_before_onset" not in {fl.code for fl in rb.flags}
    assert rb.events["onset"].time == pytest.approx(s.truth["onset_time"], abs=0.01)
    assert rb.value("jump_height_takeoff_velocity") == pytest.approx(0.35, abs=2e-3)


def test_hop_before_the_jump_is_skipped_and_flagged(shared_data: Path) -> None:
    """shiny long_1.csv, third trial (samples 35058-40911): the athlete hops off the plate for ~70 ms, lands
    and rebounds into the jump. The hop's flight (downward 'take-off' velocity) is not the jump's."""
    a = _load(shared_data / "shiny-vertical-jump" / "example_data" / "long_1.csv", delimiter=",", skiprows=1)
    tr = ForceTrace.from_plates(1000.0, a[35058:40911, 0], a[35058:40911, 1])
    r = analyze_cmj(tr)
    codes = {f.code for f in r.flags}
    assert "airborne_before_takeoff" in codes
    ft = r.value("flight_time")
    assert ft is not None and 0.5 < ft < 0.8  # the rebound's flight, not the 70 ms hop
    assert (r.value("takeoff_velocity") or 0.0) > 0


@settings(max_examples=10, deadline=None)
@given(asym=st.floats(-0.3, 0.3), mass=st.floats(50.0, 110.0), rate=st.sampled_from([500.0, 1000.0, 2000.0]))
def test_two_plate_asymmetry_property(asym: float, mass: float, rate: float) -> None:
    s = synthetic.cmj(body_mass=mass, rate=rate, asymmetry=asym)
    r = analyze_cmj(s.trace, asymmetry_formula="symmetry_index")
    # left = total (1 + a)/2, right = total (1 - a)/2 sample by sample: (L - R)/(L + R) = a for every force
    # and net impulse (each plate minus its own body-weight share), up to rounding
    for base in ("peak_force", "net_impulse", "braking_net_impulse", "mean_propulsive_force"):
        assert r.value(f"{base}_asymmetry") == pytest.approx(100 * asym, abs=1e-6)
        lv, rv, tv = r.value(f"left_{base}"), r.value(f"right_{base}"), r.value(base)
        assert lv is not None and rv is not None and tv is not None and lv + rv == pytest.approx(tv, rel=1e-9)
