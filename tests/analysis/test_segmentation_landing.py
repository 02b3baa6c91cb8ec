"""Trial detection for the drop landing (``kind="landing"``): touchdown against the simulator's closed-form truth,
the whole hold in the segment, the segment analysed as a landing, drop jumps told apart, step-offs and unsettled
holds marked, and the same segments for every block size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis import dispatch
from forcelab.analysis.segmentation import DEFAULTS, OnlineTrialDetector, TrialSegment, find_trials
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic
from forcelab.simulation.shapes import G, Timeline, build_drop_landing

THR = DEFAULTS["landing"]["flight_threshold"]
BLOCKS = [1, 7, 333, 4096]


def _ev(seg: TrialSegment, name: str) -> int:
    idx = seg.event(name)
    assert idx is not None, f"{name} not in {seg.events}"
    return idx


def _fed(trace: ForceTrace, block: int, **thresholds: float) -> list[TrialSegment]:
    """The detector fed ``block`` samples at a time, as the live stream does."""
    det = OnlineTrialDetector(trace.rate, kind="landing", **thresholds)
    out: list[TrialSegment] = []
    for i in range(0, trace.n, block):
        out += det.feed(trace.total[i:i + block])
    return out + det.finish()


def _box_then(*pieces: tuple[str, float], mass: float = 75.0, drop_height: float = 0.3) -> tuple[Timeline, dict]:
    """An empty plate for 1 s, a drop landing from ``drop_height``, then ``pieces`` (``("hold", s)`` at body
    weight, ``("off", s)`` a 0.2 s step off and ``s`` s of empty plate)."""
    tl = Timeline(initial=0.0)
    tl.hold(1.0, 0.0)
    truth = build_drop_landing(tl, m=mass, g=G, drop_height=drop_height, impact_time=0.05, absorb_time=0.35,
                               impact_fraction=0.3)
    for what, s in pieces:
        if what == "hold":
            tl.hold(s)
        else:
            truth["step_off_time"] = tl.ramp(0.2, 0.0)
            tl.hold(s, 0.0)
    return tl, truth


def _sample(tl: Timeline, rate: float, noise: float = 5.0, seed: int = 1) -> ForceTrace:
    t = np.arange(int(tl.end * rate)) / rate
    return ForceTrace(rate, tl.evaluate(t) + np.random.default_rng(seed).normal(0.0, noise, t.size))


@pytest.mark.parametrize("rate", [200.0, 1000.0, 2000.0])
def test_one_landing_touchdown_hold_and_analysis(rate: float) -> None:
    s = synthetic.drop_landing(rate=rate, noise_sd=5.0, seed=3, quiet_after=5.0)
    t = s.truth
    (seg,) = find_trials(s.trace, kind="landing")
    assert seg.kind == "landing" and seg.test_hint == ""
    contact = _ev(seg, "contact")
    # touchdown: the first sample above the threshold after the closed-form instant (2 ms at 1 kHz; a sample at
    # 200 Hz, where the force passes 30 N within the first 5 ms)
    assert 0 <= contact / rate - t["landing_time"] <= max(0.002, 1.0 / rate) + 1e-9
    # the segment starts in the air (what the analysis needs for its contact threshold), 0.5 s before touchdown
    assert seg.start == contact - int(0.5 * rate) and np.all(s.trace.total[seg.start:contact] < THR)
    # the hold: quiet from about where the force is back within 5 % of body weight (the window may take in the
    # last few ms of the absorption), and the segment keeps the 3 s after touchdown the analysis' sequential
    # average needs
    assert t["stabilisation_time"] - 0.05 <= _ev(seg, "quiet_start") / rate <= t["landing_end_time"] + 0.3
    assert seg.end == contact + int(3.0 * rate)
    r = dispatch.analyze(s.trace.slice(seg.start, seg.end), "landing", drop_height=t["drop_height"])
    assert r.flags == []
    dt = 1.0 / rate
    assert (r.events["contact"].index or 0) + seg.start == contact
    assert r.value("body_weight") == pytest.approx(t["body_weight"], abs=2.0)
    assert r.value("peak_landing_force") == pytest.approx(t["peak_landing_force"], rel=0.01 if rate > 500 else 0.02)
    assert r.value("time_to_peak_landing_force") == pytest.approx(t["time_to_peak_landing_force"], abs=2 * dt)
    assert r.value("time_to_stabilisation") == pytest.approx(t["stabilisation_time"] - t["landing_time"], abs=2 * dt)
    assert r.value("time_to_stabilisation_sequential") is not None  # its 3 s window fits the segment


@pytest.mark.parametrize("block", BLOCKS)
def test_n_landings_in_one_session_are_n_trials(block: int) -> None:
    """The session's athlete steps on (no impact: not a trial), then each landing is: step off onto the box,
    1.5 s on it, drop and hold. Same segments for every block size."""
    tr, truths = synthetic.session(["landing", ("landing", {"drop_height": 0.45}), "landing"], noise_sd=5.0,
                                   seed=11, plates=False)
    segs = find_trials(tr, kind="landing")
    assert _fed(tr, block) == segs
    assert len(segs) == 3
    for seg, t in zip(segs, truths, strict=True):
        assert abs(_ev(seg, "contact") / tr.rate - t["landing_time"]) <= 0.002
        assert seg.test_hint == "" and seg.event("step_off") is None
        assert seg.start >= t["step_off_time"] * tr.rate  # never into the stance before the box
        r = dispatch.analyze(tr.slice(seg.start, seg.end), "landing", drop_height=t["drop_height"])
        assert r.flags == []
        assert r.value("peak_landing_force") == pytest.approx(t["peak_landing_force"], rel=0.01)
    assert all(a.end <= b.start for a, b in zip(segs, segs[1:], strict=False))


def test_a_drop_jump_under_landing_is_emitted_with_the_dj_hint() -> None:
    tr, truths = synthetic.session(["landing", "dj", "landing"], noise_sd=5.0, seed=5, plates=False)
    segs = find_trials(tr, kind="landing")
    assert [s.test_hint for s in segs] == ["", "dj", ""]
    dj, t = segs[1], truths[1]
    assert abs(_ev(dj, "contact") / tr.rate - t["contact_start_time"]) <= 0.002
    assert abs(_ev(dj, "takeoff") / tr.rate - t["takeoff_time"]) <= 0.002
    assert abs(_ev(dj, "landing") / tr.rate - t["landing_time"]) <= 0.002
    # what the hint suggests works: the segment is a drop jump the dj analysis takes
    r = dispatch.analyze(tr.slice(dj.start, dj.end), "dj")
    assert r.value("contact_time") == pytest.approx(t["contact_time"], abs=0.003)
    assert segs == find_trials(tr, kind="landing", block=7)


def test_stepping_off_before_the_hold_is_quiet_is_a_marked_trial() -> None:
    """Land, 0.3 s later step off (never quiet): the trial ends 0.1 s into the unloading with ``step_off``, and
    the landing analysis flags landing_not_held from the segment alone."""
    rate = 1000.0
    tl, t = _box_then(("hold", 0.3), ("off", 2.0))
    tr = _sample(tl, rate)
    (seg,) = find_trials(tr, kind="landing")
    off = _ev(seg, "step_off")
    assert t["step_off_time"] < off / rate < t["step_off_time"] + 0.2
    assert seg.end == off + int(0.1 * rate) and seg.event("quiet_start") is None
    r = dispatch.analyze(tr.slice(seg.start, seg.end), "landing")
    assert "landing_not_held" in [f.code for f in r.flags]
    assert [_fed(tr, b) for b in (1, 13)] == [[seg], [seg]]


def test_stepping_off_after_the_hold_ends_the_trial_there() -> None:
    rate = 1000.0
    tl, t = _box_then(("hold", 1.5), ("off", 2.0))
    tr = _sample(tl, rate)
    (seg,) = find_trials(tr, kind="landing")
    assert seg.event("quiet_start") is not None
    off = _ev(seg, "step_off")
    assert seg.end == off and t["step_off_time"] < off / rate < t["step_off_time"] + 0.2
    assert np.all(tr.total[_ev(seg, "contact"):seg.end] >= THR)


def test_a_hold_that_never_settles_ends_at_max_after() -> None:
    """A landing followed by 6 s of wobbling (±120 N at 2 Hz): no quiet window, so the trial ends 4 s after touchdown
    with ``not_settled``."""
    rate = 1000.0
    tl, _ = _box_then(("hold", 6.0))
    tr = _sample(tl, rate)
    t = np.arange(tr.n) / rate
    wobble = np.where(t > 1.4, 120.0 * np.sin(2 * np.pi * 2.0 * t), 0.0)
    tr = ForceTrace(rate, tr.total + wobble)
    (seg,) = find_trials(tr, kind="landing")
    contact = _ev(seg, "contact")
    assert seg.end == contact + int(4.0 * rate) == _ev(seg, "not_settled")
    assert _fed(tr, 7) == [seg]


def test_the_recording_ending_during_the_hold_keeps_the_trial() -> None:
    s = synthetic.drop_landing(noise_sd=5.0, seed=2)
    cut = int((s.truth["landing_time"] + 0.25) * s.trace.rate)
    (seg,) = find_trials(s.trace.slice(0, cut), kind="landing")
    assert seg.end == cut == _ev(seg, "recording_end") and seg.event("contact") is not None


def test_stepping_on_and_off_without_landing_is_no_trial() -> None:
    """Walking on from the side (a 0.6 s ramp, no impact) and off again, with and without standing still."""
    rate = 1000.0
    bw = 75.0 * G
    for stand in (3.0, 0.4):
        tl = Timeline(initial=0.0)
        tl.hold(1.0, 0.0)
        tl.ramp(0.6, bw)
        tl.hold(stand)
        tl.ramp(0.6, 0.0)
        tl.hold(1.0, 0.0)
        assert find_trials(_sample(tl, rate), kind="landing") == []


@pytest.mark.parametrize("kind", ["landing", "stance"])
def test_a_plate_that_reads_zero_gives_no_trials(kind: str) -> None:
    zero = ForceTrace(1000.0, np.zeros(20_000))
    assert find_trials(zero, kind=kind) == []
    assert find_trials(zero, kind=kind, block=1) == []
    noisy = ForceTrace(1000.0, np.random.default_rng(0).normal(0.0, 5.0, 20_000))
    assert find_trials(noisy, kind=kind) == []
    det = OnlineTrialDetector(1000.0, kind=kind)
    assert det.feed(np.zeros(0)) == [] and det.finish() == [] and det.state == "empty"


@settings(max_examples=6, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=2500), min_size=1, max_size=30), st.integers(0, 2**16))
def test_random_block_cuts_give_the_same_landings(sizes: list[int], seed: int) -> None:
    tr, _ = synthetic.session(["landing", "dj", "landing"], noise_sd=5.0, seed=seed, plates=False, rate=500.0)
    ref = find_trials(tr, kind="landing")
    det = OnlineTrialDetector(tr.rate, kind="landing")
    got: list[TrialSegment] = []
    i = k = 0
    while i < tr.n:
        n = sizes[k % len(sizes)]
        got += det.feed(tr.total[i:i + n])
        i, k = i + n, k + 1
    assert got + det.finish() == ref and len(ref) == 3


def test_landing_thresholds_are_checked() -> None:
    with pytest.raises(ValueError, match="min_hold"):
        OnlineTrialDetector(1000.0, kind="landing", min_hold_time=2.0)
    with pytest.raises(ValueError, match="takeoff_margin"):
        OnlineTrialDetector(1000.0, kind="jump", impact_factor=2.0)
    # a shorter hold asked: the segment is shorter, the rest unchanged
    s = synthetic.drop_landing(noise_sd=5.0, seed=4)
    (seg,) = find_trials(s.trace, kind="landing", min_hold=0.0, post=0.5)
    assert seg.end == _ev(seg, "quiet_start") + int(0.5 * s.trace.rate) + int(0.5 * s.trace.rate)


def test_a_drop_soon_after_a_landing_that_was_stepped_off_is_found() -> None:
    """Land, step off at once (never quiet), and drop again 1.3 s after leaving: the empty plate counts from where
    the force fell, so the second drop has its ``min_air`` and both landings are trials."""
    rate = 1000.0
    tl, _ = _box_then(("hold", 0.3), ("off", 1.3))
    second = build_drop_landing(tl, m=75.0, g=G, drop_height=0.3, impact_time=0.05, absorb_time=0.35,
                                impact_fraction=0.3)
    tl.hold(4.0)
    tr = _sample(tl, rate)
    segs = find_trials(tr, kind="landing")
    assert len(segs) == 2 and segs[0].event("step_off") is not None and segs[1].event("quiet_start") is not None
    assert abs(_ev(segs[1], "contact") / rate - second["landing_time"]) <= 0.002
    assert segs[0].end <= segs[1].start and np.all(tr.total[segs[1].start:_ev(segs[1], "contact")] < THR)
    assert _fed(tr, 3) == segs


def test_memory_stays_bounded_through_a_long_hold() -> None:
    tr, _ = synthetic.session(["landing"] * 3, noise_sd=5.0, seed=8, plates=False, pause=20.0)
    det = OnlineTrialDetector(tr.rate, kind="landing")
    for i in range(0, tr.n, 250):
        det.feed(tr.total[i:i + 250])
        assert det._ring.n <= 250 + det._ring.keep + 1


def test_a_hop_out_of_an_unsettled_landing_ends_it_and_starts_nothing() -> None:
    """Land, wobble for 1.5 s (never quiet), hop (0.3 s off: a contact far longer than a drop jump's), land and
    stand: the landing ends with ``step_off`` 0.1 s into the hop, and the hop's landing is no trial."""
    rate = 1000.0
    bw = 75.0 * G
    tl, t = _box_then(("hold", 1.5))
    hop = tl.ramp(0.15, 0.0)
    tl.hold(0.3, 0.0)
    tl.ramp(0.1, 2.0 * bw)
    tl.ramp(0.3, bw)
    tl.hold(4.0)
    tr = _sample(tl, rate)
    tt = np.arange(tr.n) / rate
    wobble = np.where((tt > 1.4) & (tt < hop), 120.0 * np.sin(2 * np.pi * 2.0 * tt), 0.0)
    tr = ForceTrace(rate, tr.total + wobble)
    (seg,) = find_trials(tr, kind="landing")
    off = _ev(seg, "step_off")
    assert hop < off / rate < hop + 0.15 and seg.end == off + int(0.1 * rate) and seg.test_hint == ""
    assert _fed(tr, 11) == [seg]


@pytest.mark.parametrize("rate", [200.0, 2000.0])
def test_the_simulated_athletes_landing_script(rate: float) -> None:
    """The live simulator's motion (``forcelab simulate --test landing --trials 3``: step on, then each landing
    steps off onto the box, waits and drops; a drop jump in between), fed in 20 ms blocks as the app reads it."""
    from forcelab.simulation.motion import Script, SimMotion

    motion = SimMotion(channels=2, seed=4)
    recs = motion.run_script(Script(trials=("landing", "dj", "landing", "landing")), now=0.0)
    t = np.arange(int(motion.scheduled_until * rate)) / rate
    tr = ForceTrace(rate, motion.total_force(t) + np.random.default_rng(4).normal(0.0, 5.0, t.size))
    segs = _fed(tr, max(1, int(0.02 * rate)))
    assert segs == find_trials(tr, kind="landing")
    assert [s.test_hint for s in segs] == ["", "dj", "", ""]
    for seg, rec in zip(segs, recs, strict=True):
        touchdown = rec.truth["contact_start_time"] if rec.test == "dj" else rec.truth["landing_time"]
        assert 0 <= _ev(seg, "contact") / rate - touchdown <= max(0.002, 1.0 / rate) + 1e-9
