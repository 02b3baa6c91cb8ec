"""Isometric pull analysis on the IsometricAnalyzer recordings and on synthetic pulls with known truth."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis.isometric import DEFAULTS, analyze_isometric
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.simulation import synthetic
from forcelab.storage.readers import Recording, read_force_file
from support.tolerances import ISOMETRIC, ISOMETRIC_EXAMPLE3_FIRST

REQUIRED = ("peak_force", "time_to_peak_force", "force_at_100ms", "rfd_0_100ms", "rfd_0_200ms", "peak_rfd",
            "force_at_50ms", "force_at_150ms", "force_at_200ms", "force_at_250ms", "rfd_0_50ms", "rfd_0_150ms",
            "rfd_0_250ms", "impulse_0_50ms", "impulse_0_100ms", "impulse_0_250ms", "net_peak_force",
            "relative_peak_force", "baseline_force", "baseline_sd")


def _read(shared_data: Path, name: str) -> Recording:
    return read_force_file(shared_data / "isometric-analyzer" / name)


def _idx(res: TrialResult, name: str) -> int:
    idx = res.events[name].index
    assert idx is not None, res.events[name].reason
    return idx


def _val(res: TrialResult, name: str) -> float:
    v = res.value(name)
    assert v is not None, res.metrics[name].reason
    return v


def _peak_time(rec: Recording, res: TrialResult) -> float:
    idx = res.events["peak_force"].index
    assert idx is not None and rec.time is not None
    return float(rec.time[idx])


@pytest.mark.parametrize("k", range(len(ISOMETRIC)), ids=[s.file for s in ISOMETRIC])
@pytest.mark.parametrize("baseline", ["steadiest", "first"])
def test_peak_force_and_time_exact(shared_data: Path, k: int, baseline: str) -> None:
    # Peak force and its time are plain facts of the file (README): exact, to the file's own digits.
    S = ISOMETRIC[k]
    rec = read_force_file(shared_data / S.file)
    res = analyze_isometric(rec.trace, baseline=baseline)
    assert res.value("peak_force") == S["peak_force"].approx()
    assert _peak_time(rec, res) == S["peak_force_time"].approx()
    assert res.test == "imtp"
    for key in REQUIRED:
        m = res.metrics[key]
        assert m.found, (key, m.reason)
        assert m.unit and m.method and m.reference
    assert res.metrics["peak_force"].unit == "N"
    assert res.metrics["rfd_0_100ms"].unit == "N/s"
    assert res.metrics["impulse_0_100ms"].unit == "N*s"
    assert res.metrics["relative_peak_force"].unit == "N/kg"
    onset = _idx(res, "onset")
    assert onset < _idx(res, "peak_force")
    assert res.value("time_to_peak_force") == pytest.approx((_idx(res, "peak_force") - onset) / rec.trace.rate)


def test_example2_step_off_is_not_the_pull(shared_data: Path) -> None:
    # The subject steps off at the end (force to ~0 N from 23.2 s). The pull starts from the pre-tension
    # stance just before the big rise at ~13.75 s (force 1240-1290 N in 12.3-13.6 s); release comes before
    # the step-off; the step-off does not move the peak.
    rec = _read(shared_data, "Example2.csv")
    res = analyze_isometric(rec.trace)
    onset_t = res.events["onset"].time
    assert onset_t is not None and 13.55 <= onset_t <= 13.80
    release_t = res.events["release"].time
    assert release_t is not None and 21.0 < release_t < 23.0
    assert res.value("length_of_pull") == pytest.approx(release_t - onset_t)
    assert rec.trace.total[-200:].max() < 20.0  # the step-off is in the analysed trace
    # the baseline is the pre-tension stance, well above the first second: flagged
    assert "pretension" in {f.code for f in res.flags}
    # cut before the release: the pull is still on at the end of the recording, said so
    cut = analyze_isometric(rec.trace.slice(0, int(21.0 * rec.trace.rate)))
    assert not cut.events["release"].found
    assert "still above" in (cut.events["release"].reason or "")
    assert cut.value("peak_force") == res.value("peak_force")


def test_example2_first_second_baseline_flags_early_onset(shared_data: Path) -> None:
    # IsometricAnalyzer's default (first second as baseline): the slow drift of pre-tension crosses
    # 5 SD seconds before the pull. The result says so instead of hiding it.
    res = analyze_isometric(_read(shared_data, "Example2.csv").trace, baseline="first")
    assert "early_onset" in {f.code for f in res.flags}


def test_example3_unsteady_first_second(shared_data: Path) -> None:
    # The first second is unsteady (README: SD about 83 N). With baseline="first" the gate fires; the
    # default steadiest-window search takes a still stretch before the pull instead and does not.
    rec = _read(shared_data, "Example3.csv")
    first = analyze_isometric(rec.trace, **ISOMETRIC_EXAMPLE3_FIRST.settings)
    assert first.value("baseline_sd") == ISOMETRIC_EXAMPLE3_FIRST["baseline_sd"].approx()  # README: SD ≈ 83 N
    assert first.value("baseline_sd") == pytest.approx(83.35, abs=0.05)  # and no drift from today's value
    assert "unsteady_baseline" in {f.code for f in first.flags}
    steady = analyze_isometric(rec.trace)
    assert _val(steady, "baseline_sd") < float(DEFAULTS["unsteady_sd"])
    assert "unsteady_baseline" not in {f.code for f in steady.flags}
    assert _idx(steady, "baseline_end") <= _idx(steady, "onset")
    # the choice moves the onset threshold, not the peak
    assert steady.value("peak_force") == first.value("peak_force")


def test_example1_500hz_consistent_with_1000hz(shared_data: Path) -> None:
    # The 500 Hz file is exactly every other sample of the 1 kHz file. Tolerances:
    # the onset can move by one 500 Hz sample (2 ms); force at a fixed time after onset then moves by at
    # most the steepest 2 ms change of force near that time; impulses by that change times the window.
    a = analyze_isometric(_read(shared_data, "Example1.csv").trace)
    b = analyze_isometric(_read(shared_data, "Example1_500hz.csv").trace)
    assert a.value("peak_force") == b.value("peak_force")
    assert a.events["onset"].time == pytest.approx(b.events["onset"].time, abs=0.002)
    assert a.value("time_to_peak_force") == pytest.approx(b.value("time_to_peak_force"), abs=0.002)
    assert a.value("baseline_force") == pytest.approx(b.value("baseline_force"), abs=1.0)
    x = _read(shared_data, "Example1.csv")
    slope = np.abs(np.diff(x.trace.total)).max() * 2  # newtons per 2 ms, worst case
    for ms in (50, 100, 150, 200, 250):
        assert a.value(f"force_at_{ms}ms") == pytest.approx(b.value(f"force_at_{ms}ms"), abs=slope)
        assert a.value(f"impulse_0_{ms}ms") == pytest.approx(b.value(f"impulse_0_{ms}ms"),
                                                            abs=slope * 0.002 + 1.0)
    # peak RFD over 20 ms: 20 vs 10 samples of the same curve, within 1 %
    assert a.value("peak_rfd") == pytest.approx(b.value("peak_rfd"), rel=0.01)


def _truth_pull(rate: float, body_mass: float, peak: float) -> synthetic.SyntheticTrial:
    return synthetic.isometric_pull(rate=rate, body_mass=body_mass, peak_force=peak, noise_sd=0.0)


@settings(max_examples=12, deadline=None)
@given(
    rate=st.sampled_from([500.0, 1000.0, 1200.0, 2000.0, 4000.0]),
    body_mass=st.floats(min_value=45.0, max_value=130.0),
    peak_ratio=st.floats(min_value=2.0, max_value=4.5),
)
def test_synthetic_pull_known_answer(rate: float, body_mass: float, peak_ratio: float) -> None:
    # A noise-free pull from a closed-form force curve: the baseline is body weight exactly; onset is the
    # first sample above it (at most one sample after the true onset), so every time-window value is
    # within one sample's change of force of the truth.
    bw = body_mass * synthetic.G
    trial = _truth_pull(rate, body_mass, peak_ratio * bw)
    truth = trial.truth
    res = analyze_isometric(trial.trace)
    dt = 1.0 / rate
    assert res.value("baseline_force") == pytest.approx(bw, rel=1e-9)
    assert res.value("relative_peak_force") == pytest.approx(truth["peak_force"] / body_mass, rel=1e-3)
    onset_t = res.events["onset"].time
    assert onset_t is not None and 0.0 <= onset_t - truth["onset_time"] <= dt + 1e-9
    assert res.value("peak_force") == pytest.approx(truth["peak_force"], rel=1e-4)
    assert res.value("time_to_peak_force") == pytest.approx(truth["time_to_peak"], abs=2 * dt)
    step = truth["peak_rfd"] * dt  # the most force can change in one sample
    for ms in (50, 100, 150, 200, 250):
        assert res.value(f"force_at_{ms}ms") == pytest.approx(truth[f"force_at_{ms}ms"], abs=step + 1e-6)
        assert res.value(f"rfd_0_{ms}ms") == pytest.approx(truth[f"rfd_0_{ms}ms"],
                                                           abs=(step + 1e-6) / (ms / 1000))
        assert res.value(f"net_impulse_0_{ms}ms") == pytest.approx(
            truth[f"net_impulse_0_{ms}ms"], abs=step * ms / 1000 + 1e-3)
    # peak RFD: the 20 ms average at the steepest part is within 1 % of the instantaneous peak
    assert res.value("peak_rfd") == pytest.approx(truth["peak_rfd"], rel=0.01)
    assert res.flags == []


def test_two_plates_give_per_limb_and_asymmetry() -> None:
    # left = 0.6 total, right = 0.4 total: percent difference (0.6 - 0.4) / 0.6 = 33.3 %, left stronger
    trial = synthetic.isometric_pull(asymmetry=0.2, plates=True, noise_sd=0.0)
    res = analyze_isometric(trial.trace)
    assert res.value("left_peak_force") == pytest.approx(0.6 * trial.truth["peak_force"], rel=1e-6)
    assert res.value("right_peak_force") == pytest.approx(0.4 * trial.truth["peak_force"], rel=1e-6)
    a = res.metrics["peak_force_asymmetry"]
    assert a.value == pytest.approx(100.0 / 3.0, rel=1e-6)
    assert a.params["stronger_side"] == "left" and a.params["formula"] == "percent_difference"
    for ms in (50, 100, 250):
        assert res.value(f"impulse_0_{ms}ms_asymmetry") == pytest.approx(100.0 / 3.0, rel=1e-6)
        total_at = res.metrics[f"force_at_{ms}ms"].value
        assert total_at is not None
        assert res.value(f"left_force_at_{ms}ms") == pytest.approx(0.6 * total_at)
    assert res.value("force_at_peak_asymmetry") == pytest.approx(100.0 / 3.0, rel=1e-6)


def test_pretension_flagged() -> None:
    # 150 N of pre-tension held before the pull, with noise: the baseline is the pre-tension, the flag says so
    trial = synthetic.isometric_pull(pretension=150.0, noise_sd=3.0, seed=4)
    res = analyze_isometric(trial.trace)
    bw = trial.truth["body_weight"]
    assert res.value("baseline_force") == pytest.approx(bw + 150.0, abs=3.0)
    assert "pretension" in {f.code for f in res.flags}
    # relative force from a given body mass instead of the baseline
    res2 = analyze_isometric(trial.trace, body_mass=trial.truth["body_mass"])
    assert res2.metrics["relative_peak_force"].params["body_mass_source"] == "body_mass"
    assert res2.value("relative_peak_force") == pytest.approx(_val(res, "peak_force") / trial.truth["body_mass"])


def test_pull_with_no_onset() -> None:
    rng = np.random.default_rng(3)
    flat = ForceTrace(1000.0, 800.0 + rng.normal(0.0, 4.0, 8000))
    res = analyze_isometric(flat)
    assert not res.events["onset"].found
    assert "no pull" in (res.events["onset"].reason or "")
    for key in REQUIRED:
        if key in ("baseline_force", "baseline_sd", "peak_force"):
            continue
        assert not res.metrics[key].found, key
        assert "no pull" in (res.metrics[key].reason or "")


@pytest.mark.parametrize(
    ("trace", "words"),
    [
        (ForceTrace(1000.0, np.full(500, 800.0)), "baseline before it"),
        (ForceTrace(1000.0, np.concatenate((np.full(1500, 800.0), [np.nan], np.full(500, 2000.0)))),
         "non-finite"),
        (ForceTrace(1000.0, np.concatenate((np.linspace(2500.0, 800.0, 300), np.full(3000, 800.0)))),
         "first 1 s"),
    ],
)
def test_bad_traces_give_reasons(trace: ForceTrace, words: str) -> None:
    res = analyze_isometric(trace)
    assert not res.metrics["peak_rfd"].found
    assert words in (res.metrics["peak_rfd"].reason or "")


def test_invalid_parameters_raise() -> None:
    tr = synthetic.isometric_pull().trace
    with pytest.raises(ValueError, match="baseline must be one of"):
        analyze_isometric(tr, baseline="median")
    with pytest.raises(ValueError, match="onset_sd"):
        analyze_isometric(tr, onset_sd=0.0)
    with pytest.raises(ValueError, match="windows"):
        analyze_isometric(tr, windows=(0.1, -0.05))


def test_window_past_the_end_is_not_found() -> None:
    trial = synthetic.isometric_pull(noise_sd=0.0, rise_time=0.03, hold=0.05, release_time=0.02,
                                     quiet_after=0.01)
    res = analyze_isometric(trial.trace, windows=(0.05, 5.0))
    assert res.metrics["force_at_50ms"].found
    assert not res.metrics["force_at_5000ms"].found
    assert "ends" in (res.metrics["force_at_5000ms"].reason or "")


def test_covers_the_isometric_catalogue(shared_data: Path) -> None:
    # Every "Isometric Test" metric of the commercial catalogue that a force trace can give (not the
    # bookkeeping ones), under our names.
    ours = {
        "peakForce": "peak_force", "netPeakForce": "net_peak_force", "relativePeakForceBw": "relative_peak_force",
        "timeToPeak": "time_to_peak_force", "systemWeight": "baseline_force",
        "initiationThreshold": "onset_threshold", "lengthOfPull": "length_of_pull",
        "lPeakForce": "left_peak_force", "rPeakForce": "right_peak_force", "lrPeakForce": "force_at_peak_asymmetry",
        "forceAt0": "force_at_0ms", "lForceAt0": "left_force_at_0ms", "rForceAt0": "right_force_at_0ms",
    }
    for ms in (50, 100, 150, 200, 250):
        ours.update({
            f"forceAt{ms}": f"force_at_{ms}ms", f"netForceAt{ms}": f"net_force_at_{ms}ms",
            f"relativeForceAt{ms}Bw": f"relative_force_at_{ms}ms", f"rfd{ms}": f"rfd_0_{ms}ms",
            f"impulse{ms}": f"impulse_0_{ms}ms", f"netImpulse{ms}": f"net_impulse_0_{ms}ms",
            f"lForceAt{ms}": f"left_force_at_{ms}ms", f"rForceAt{ms}": f"right_force_at_{ms}ms",
        })
    with open(shared_data.parent / "anchors" / "hawkin_metric_dictionary.csv", newline="") as fh:
        rows = [r for r in csv.reader(fh) if len(r) > 2 and r[1] == "Isometric Test"]
    catalogue = {r[2] for r in rows}
    assert set(ours) <= catalogue
    res = analyze_isometric(synthetic.isometric_pull(plates=True, noise_sd=1.0, seed=2).trace)
    for key, name in ours.items():
        assert res.metrics[name].found, (key, name, res.metrics[name].reason)


def test_optional_low_pass_filter(shared_data: Path) -> None:
    # off by default; at 50 Hz the pull (its content is well under 50 Hz) keeps its peak within 1 %
    rec = _read(shared_data, "Example1.csv")
    raw = analyze_isometric(rec.trace)
    filt = analyze_isometric(rec.trace, filter_cutoff=50.0)
    assert raw.params["filter_cutoff"] is None and filt.params["filter_cutoff"] == 50.0
    assert filt.value("peak_force") == pytest.approx(raw.value("peak_force"), rel=0.01)
    assert _val(filt, "baseline_sd") < _val(raw, "baseline_sd")
    with pytest.raises(ValueError, match="Nyquist"):
        analyze_isometric(rec.trace, filter_cutoff=600.0)


def test_hand_placed_events(shared_data: Path) -> None:
    # the review screen lets the tester drag the onset, release or baseline window; metrics follow
    rec = _read(shared_data, "Example1.csv")
    auto = analyze_isometric(rec.trace)
    onset = _idx(auto, "onset")
    moved = analyze_isometric(rec.trace, events={"onset": onset - 20})
    assert moved.events["onset"].method == "edited" and _idx(moved, "onset") == onset - 20
    assert moved.params["edited_events"] == "onset"
    assert _val(moved, "time_to_peak_force") == pytest.approx(_val(auto, "time_to_peak_force") + 0.020)
    assert _val(moved, "force_at_100ms") == rec.trace.total[onset - 20 + 100]
    assert moved.value("peak_force") == auto.value("peak_force")
    base = analyze_isometric(rec.trace, events={"baseline_start": 0, "release": _idx(auto, "release") + 50})
    assert _val(base, "baseline_force") == pytest.approx(float(np.mean(rec.trace.total[:1000])))
    assert base.events["baseline_start"].method == "edited"
    assert _val(base, "length_of_pull") == pytest.approx(
        (_idx(auto, "release") + 50 - _idx(base, "onset")) / rec.trace.rate)
    with pytest.raises(ValueError, match="outside its range"):
        analyze_isometric(rec.trace, events={"onset": rec.trace.n - 1})
    with pytest.raises(ValueError, match="editable: baseline_start, onset, release"):
        analyze_isometric(rec.trace, events={"peak_force": 100})


def test_rfd_windows_too_short_for_the_rate_are_flagged_and_kept() -> None:
    """Issue 9 item 2: at 80 Hz RFD 0-50 ms rests on 4 samples; the value is kept and the flag says so."""
    low = analyze_isometric(synthetic.isometric_pull(rate=80.0).trace)
    flag = next(f for f in low.flags if f.code == "low_sample_rate")
    assert flag.message.startswith("at 80 Hz ") and "rests on 4 samples (50 ms)" in flag.message
    assert low.value("rfd_0_50ms") is not None
    high = analyze_isometric(synthetic.isometric_pull(rate=1000.0).trace)
    assert "low_sample_rate" not in {f.code for f in high.flags}
