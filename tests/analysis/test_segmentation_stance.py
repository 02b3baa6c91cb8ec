"""Trial detection for quiet stance and single-leg balance (``kind="stance"``): the trial starts where the athlete
has settled, runs the asked duration or to a step-off (marked), is what the balance analysis measures, and is the
same for every block size."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forcelab.analysis import dispatch
from forcelab.analysis.segmentation import DEFAULTS, OnlineTrialDetector, TrialSegment, find_trials
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic
from forcelab.simulation.shapes import G, Timeline

MASS = 75.0
BW = MASS * G
#: CoP sway of a single-leg stance: two to three times the simulator's default bipedal amplitude (0.01 m).
SINGLE_LEG_ML, SINGLE_LEG_AP = 0.02, 0.03
FREQ = 0.2  # Hz: a 30 s trial is 6 whole turns of the ellipse, where the closed forms hold
CLOSED_FORM = ("cop_path_length", "cop_mean_velocity", "cop_rms_ml", "cop_rms_ap", "cop_range_ml", "cop_range_ap",
               "cop_ellipse_area")


def _ev(seg: TrialSegment, name: str) -> int:
    idx = seg.event(name)
    assert idx is not None, f"{name} not in {seg.events}"
    return idx


def _stance(stands: list[float], *, rate: float, force_sway: float = 15.0, noise: float = 5.0, seed: int = 1,
            start_on: bool = False) -> tuple[ForceTrace, list[tuple[float, float]]]:
    """Empty plate, then per entry of ``stands``: step on (0.8 s raised cosine), stand that long, step off (0.6 s),
    1.5 s empty. On the plate the vertical force sways about body weight by sines of SD ``force_sway`` N (a single
    leg's corrections, about 2 % of body weight) and the CoP runs round the single-leg ellipse. Returns the trace
    (CoP undefined below 100 N) and, per stance, (end of the step on, start of the step off) in seconds."""
    tl = Timeline(initial=BW if start_on else 0.0)
    spans = []
    for i, s in enumerate(stands):
        if start_on and i == 0:
            on = 0.0
        else:
            tl.hold(1.0 if i == 0 else 1.5, 0.0)
            on = tl.ramp(0.8, BW) + 0.8
        tl.hold(s, BW)
        spans.append((on, tl.ramp(0.6, 0.0)))
    tl.hold(1.5, 0.0)
    t = np.arange(int(tl.end * rate)) / rate
    f = tl.evaluate(t)
    wobble = np.sin(2 * np.pi * 1.1 * t) + 0.7 * np.sin(2 * np.pi * 2.3 * t + 1) + 0.5 * np.sin(2 * np.pi * 0.4 * t + 2)
    f = f + force_sway / math.sqrt((1 + 0.49 + 0.25) / 2) * wobble * (f / BW)
    f = f + np.random.default_rng(seed).normal(0.0, noise, t.size)
    w = 2 * np.pi * FREQ * t
    loaded = f >= 100.0
    x = np.where(loaded, SINGLE_LEG_ML * np.cos(w), np.nan)
    y = np.where(loaded, SINGLE_LEG_AP * np.sin(w), np.nan)
    return ForceTrace(rate, f, cop_x=x, cop_y=y), spans


def _truth(duration: float) -> dict[str, float]:
    return synthetic.quiet_stance(ml=SINGLE_LEG_ML, ap=SINGLE_LEG_AP, frequency=FREQ, duration=duration).truth


def _fed(trace: ForceTrace, block: int, **thresholds: float) -> list[TrialSegment]:
    det = OnlineTrialDetector(trace.rate, kind="stance", **thresholds)
    out: list[TrialSegment] = []
    for i in range(0, trace.n, block):
        out += det.feed(trace.total[i:i + block])
    return out + det.finish()


@pytest.mark.parametrize("rate", [200.0, 1000.0, 2000.0])
def test_single_leg_stance_is_one_trial_of_the_duration_and_its_sway_is_measured(rate: float) -> None:
    tr, [(on, off)] = _stance([40.0], rate=rate)
    (seg,) = find_trials(tr, kind="stance")
    start, end = _ev(seg, "balance_start"), _ev(seg, "balance_end")
    assert seg.kind == "stance" and seg.test_hint == "" and seg.event("step_off") is None
    # settled after the step on (the window may not take in its end), within 1.5 s of it
    assert on <= start / rate <= on + 1.5
    assert (seg.start, seg.end) == (start, end) and end - start == int(30.0 * rate)
    r = dispatch.analyze(tr.slice(seg.start, seg.end), "balance", stance="single_leg_left")
    assert r.flags == []
    truth = _truth(30.0)
    for name in CLOSED_FORM:
        assert r.value(name) == pytest.approx(truth[name], rel=0.01), name
    assert r.value("balance_duration") == pytest.approx(30.0, abs=1.0 / rate)
    assert r.value("mean_force") == pytest.approx(BW, abs=3.0)


def test_the_settle_rule_is_what_lets_a_single_leg_stance_through() -> None:
    """With the weighing's standard (SD ≤ max(8 N, 1.5 %), the jumps' quiet rule) a single leg swaying by 2 % of
    body weight never settles; the stance defaults take it, and a 3 % sway too."""
    tr, _ = _stance([40.0], rate=1000.0)
    assert find_trials(tr, kind="stance", quiet_sd=8.0, quiet_sd_frac=0.015) == []
    assert len(find_trials(tr, kind="stance")) == 1
    wobbly, [(on, _)] = _stance([40.0], rate=1000.0, force_sway=22.0, seed=3)
    (seg,) = find_trials(wobbly, kind="stance")
    assert on <= _ev(seg, "balance_start") / 1000.0 <= on + 3.0


@pytest.mark.parametrize("duration", [10.0, 60.0])
def test_the_tester_sets_the_duration(duration: float) -> None:
    tr, [(on, off)] = _stance([duration + 5.0], rate=200.0, seed=2)
    (seg,) = find_trials(tr, kind="stance", duration=duration)
    assert _ev(seg, "balance_end") - _ev(seg, "balance_start") == int(duration * 200.0)
    assert seg.event("step_off") is None


def test_stepping_off_early_is_a_short_trial_with_its_marker() -> None:
    """Asked 30 s, the athlete steps off after 12: the segment ends at the step-off (``step_off`` and
    ``balance_end`` there), and the analysis asked for 30 s says the trial is short."""
    rate = 1000.0
    tr, [(on, off)] = _stance([12.0], rate=rate)
    (seg,) = find_trials(tr, kind="stance")
    step = _ev(seg, "step_off")
    assert step == _ev(seg, "balance_end") == seg.end
    assert off < step / rate < off + 0.6 and np.all(tr.total[seg.start:seg.end] >= DEFAULTS["stance"]["flight_threshold"])
    assert (seg.end - _ev(seg, "balance_start")) / rate < 30.0 - 15.0
    r = dispatch.analyze(tr.slice(seg.start, seg.end), "balance", duration=30.0)
    codes = [f.code for f in r.flags]
    assert "short_trial" in codes and "left_the_plate" in codes  # the last samples are the step off (< 100 N)
    assert r.value("cop_rms_ml") is not None


@pytest.mark.parametrize("block", [1, 7, 250, 4096])
def test_two_stances_are_two_trials_for_every_block_size(block: int) -> None:
    """Two times on the plate, the first longer than the duration (standing on after it is not a new trial),
    the second cut short; the recording ends 1.5 s after the last step off."""
    rate = 500.0
    tr, spans = _stance([38.0, 20.0], rate=rate, seed=5)
    segs = find_trials(tr, kind="stance")
    assert _fed(tr, block) == segs
    assert len(segs) == 2
    assert segs[0].event("step_off") is None and segs[1].event("step_off") is not None
    for seg, (on, _) in zip(segs, spans, strict=True):
        assert on <= _ev(seg, "balance_start") / rate <= on + 1.5


def test_a_recording_that_starts_with_the_athlete_on_the_plate_or_ends_mid_trial() -> None:
    rate = 1000.0
    tr, _ = _stance([35.0], rate=rate, start_on=True)
    (seg,) = find_trials(tr, kind="stance")
    assert _ev(seg, "balance_start") / rate <= 1.5 and seg.event("step_off") is None
    cut = int(20.0 * rate)
    (short,) = find_trials(tr.slice(0, cut), kind="stance")
    assert short.end == cut == _ev(short, "recording_end") == _ev(short, "balance_end")


def test_stepping_on_and_straight_off_is_no_trial() -> None:
    tr, _ = _stance([0.5], rate=1000.0)
    assert find_trials(tr, kind="stance") == []
    assert _fed(tr, 1) == []


def test_pre_and_post_widen_the_segment_and_the_state_says_stance() -> None:
    rate = 1000.0
    tr, _ = _stance([40.0], rate=rate)
    (seg,) = find_trials(tr, kind="stance", pre=0.5, post=2.0)
    start, end = _ev(seg, "balance_start"), _ev(seg, "balance_end")
    assert (seg.start, seg.end) == (start - 500, end + 2000)
    # the analysis then skips the pre with trim_start and measures the duration
    r = dispatch.analyze(tr.slice(seg.start, seg.end), "balance", trim_start=0.5, duration=30.0)
    assert r.flags == [] and r.value("cop_rms_ap") == pytest.approx(_truth(30.0)["cop_rms_ap"], rel=0.01)
    det = OnlineTrialDetector(rate, kind="stance")
    det.feed(tr.total[: int(10 * rate)])
    assert det.state == "stance"
    with pytest.raises(ValueError, match="duration"):
        OnlineTrialDetector(rate, kind="stance", duration_s=30.0)
    for bad in (0.0, float("inf")):
        with pytest.raises(ValueError, match="duration .s. of a stance trial"):
            OnlineTrialDetector(rate, kind="stance", duration=bad)


@pytest.mark.parametrize("rate", [200.0, 2000.0])
def test_the_simulated_athlete_on_one_leg(rate: float) -> None:
    """The live simulator's athlete (forcelab.simulation.motion, the dual-plate profile's eight cells) steps on and
    stands on the left plate alone with a 3 cm sway: one trial of 30 s from where it settled, whose CoP ranges are
    the simulator's sway (the Lissajous figure passes its extremes within 30 s)."""
    from forcelab.devices.plates import PlateMap
    from forcelab.devices.profiles import load_profile
    from forcelab.simulation.motion import SimMotion

    sway = 0.03
    motion = SimMotion(channels=8, asymmetry=1.0, sway=sway, seed=2)
    motion.stand(now=1.0, step_on=0.8)
    t = np.arange(int(40.0 * rate)) / rate
    cells = motion.cell_forces(t) + np.random.default_rng(2).normal(0.0, 5.0 / math.sqrt(8), (t.size, 8))
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    total, per_plate, cop = pm.combine(cells)
    x, y = pm.combined_cop(per_plate, cop)
    tr = ForceTrace(rate, total, cop_x=x, cop_y=y)
    segs = find_trials(tr, kind="stance")
    assert segs == _fed(tr, max(1, int(0.02 * rate)))
    (seg,) = segs
    assert 1.8 <= _ev(seg, "balance_start") / rate <= 3.3 and seg.length == int(30.0 * rate)
    r = dispatch.analyze(tr.slice(seg.start, seg.end), "balance", stance="single_leg_left")
    assert r.flags == []
    # the cells' 5 N noise moves the CoP by about a millimetre after the 10 Hz low-pass: the range widens by that
    for name in ("cop_range_ml", "cop_range_ap"):
        assert 2 * sway - 0.001 <= r.value(name) <= 2 * sway + 0.003, name
    assert r.value("mean_force") == pytest.approx(motion.weight, abs=2.0)
