"""Trial segmentation: the same detector on whole recordings and on streams cut into any block size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis.segmentation import DEFAULTS, OnlineTrialDetector, TrialSegment, find_trials
from forcelab.analysis.types import ForceTrace
from forcelab.analysis.weighing import sliding_mean_sd
from forcelab.simulation import synthetic
from forcelab.storage.readers import read_force_file

SHINY = "shiny-vertical-jump/example_data"


def _trace(shared_data: Path, rel: str, rate: float | None = 1000.0) -> ForceTrace:
    return read_force_file(shared_data / rel, rate=rate).trace


def _ev(seg: TrialSegment, name: str) -> int:
    idx = seg.event(name)
    assert idx is not None, name
    return idx


def _check_jumps(trace: ForceTrace, segs: list[TrialSegment]) -> None:
    """Every jump segment holds its take-off and landing, with a real flight and a push above BW."""
    for s in segs:
        to, land = _ev(s, "takeoff"), _ev(s, "landing")
        assert to is not None and land is not None
        assert s.start < to < land < s.end <= trace.n
        x = trace.total
        assert np.all(x[to:land] < DEFAULTS["jump"]["flight_threshold"])
        assert 0.1 <= (land - to) / trace.rate <= 1.2


def test_long_1_four_jumps_no_step_off(shared_data: Path) -> None:
    # Four countermovement jumps; the athlete steps off the plate at ~53 s (not a jump). The first jump
    # is preceded by a 0.11 s hop (both plates at 0 N, no push above body weight): part of the movement.
    tr = _trace(shared_data, f"{SHINY}/long_1.csv")
    segs = find_trials(tr)
    assert len(segs) == 4
    _check_jumps(tr, segs)
    takeoffs = [_ev(s, "takeoff") / tr.rate for s in segs]
    assert takeoffs == pytest.approx([11.42, 26.02, 37.79, 48.44], abs=0.02)
    assert all(s.test_hint == "" for s in segs)
    # each segment starts with quiet stance for weighing: >= 1 s before the movement
    for s in segs:
        assert (_ev(s, "movement") - s.start) / tr.rate >= 1.0
        _, sds = sliding_mean_sd(tr.total[s.start:_ev(s, "movement")], int(tr.rate))
        assert sds.min() < 10.0  # a steady second to weigh on
    # segments do not overlap and the step-off (force to ~0 from 53.5 s) is outside all of them
    assert all(a.end <= b.start for a, b in zip(segs, segs[1:], strict=False))
    assert segs[-1].end < 53.0 * tr.rate


def test_long_4_three_jumps(shared_data: Path) -> None:
    tr = _trace(shared_data, f"{SHINY}/long_4.csv")
    segs = find_trials(tr)
    assert len(segs) == 3
    _check_jumps(tr, segs)
    assert [round(_ev(s, "landing") / tr.rate, 1) for s in segs] == [20.5, 27.7, 34.5]


@pytest.mark.parametrize(("name", "hint"), [("Dual-CMJ-Fz.txt", ""), ("Dual-SJ-Fz.txt", ""),
                                            ("Dual-DJ-Fz.txt", "dj")])
def test_vertical_jumps_fz_one_jump_each(shared_data: Path, name: str, hint: str) -> None:
    tr = _trace(shared_data, f"vertical-jumps-fz/{name}")
    segs = find_trials(tr)
    assert len(segs) == 1
    _check_jumps(tr, segs)
    assert segs[0].test_hint == hint
    if hint == "dj":
        # the drop jump starts off the plate: the segment keeps the box landing (contact) and before it
        contact = _ev(segs[0], "contact")
        assert contact is not None and segs[0].start < contact
        assert tr.total[segs[0].start] < 30.0


@pytest.mark.parametrize("name", ["Example1.csv", "Example1_500hz.csv", "Example2.csv", "Example3.csv"])
def test_isometric_files_one_pull(shared_data: Path, name: str) -> None:
    tr = _trace(shared_data, f"isometric-analyzer/{name}", rate=None)
    segs = find_trials(tr, kind="pull")
    assert len(segs) == 1
    s = segs[0]
    peak = int(np.argmax(tr.total))
    assert _ev(s, "peak") == peak
    assert s.start < _ev(s, "pull_start") < peak < _ev(s, "release") <= s.end
    # room for a baseline before the pull
    assert (_ev(s, "pull_start") - s.start) / tr.rate >= 1.0


def test_pull_starts_at_the_rise_not_at_the_pretension(shared_data: Path) -> None:
    # Example2 drifts up by ~100 N of pre-tension over 8-13 s before the pull at ~13.75 s; steady stretches
    # of that drift become new baselines, so the pull starts at the rise.
    tr = _trace(shared_data, "isometric-analyzer/Example2.csv", rate=None)
    (s,) = find_trials(tr, kind="pull")
    assert 13.5 <= _ev(s, "pull_start") / tr.rate <= 13.9


@pytest.mark.parametrize("block", [1, 7, 100, 5000])
def test_block_size_does_not_change_jumps(shared_data: Path, block: int) -> None:
    tr = _trace(shared_data, f"{SHINY}/long_4.csv")
    assert find_trials(tr, block=block) == find_trials(tr)


@pytest.mark.parametrize("block", [1, 7, 100, 5000])
def test_block_size_does_not_change_pulls(shared_data: Path, block: int) -> None:
    tr = _trace(shared_data, "isometric-analyzer/Example2.csv", rate=None)
    assert find_trials(tr, kind="pull", block=block) == find_trials(tr, kind="pull")


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=40), st.integers(0, 2**16))
def test_random_block_cuts_give_the_same_segments(sizes: list[int], seed: int) -> None:
    tr, _ = synthetic.session(["cmj", "dj", "sj"], noise_sd=2.0, seed=seed, plates=False)
    ref = find_trials(tr)
    det = OnlineTrialDetector(tr.rate)
    got: list[TrialSegment] = []
    i = 0
    k = 0
    while i < tr.n:
        n = sizes[k % len(sizes)]
        got += det.feed(tr.total[i:i + n])
        i += n
        k += 1
    got += det.finish()
    assert got == ref


def test_synthetic_session_finds_every_trial() -> None:
    steps: list[str | tuple[str, dict[str, float]]] = [
        "cmj", ("sj", {"jump_height": 0.25}), "dj", ("cmj", {"jump_height": 0.45}), "sj"]
    tr, truths = synthetic.session(steps, noise_sd=3.0, seed=7, rate=2000.0)
    segs = find_trials(tr)
    assert len(segs) == len(truths)
    for s, t in zip(segs, truths, strict=True):
        assert _ev(s, "takeoff") / tr.rate == pytest.approx(t["takeoff_time"], abs=0.01)
        assert _ev(s, "landing") / tr.rate == pytest.approx(t["landing_time"], abs=0.01)
        assert s.test_hint == ("dj" if t["test_name"] == "dj" else "")


def test_synthetic_pulls() -> None:
    tr, truths = synthetic.session(["imtp", ("imtp", {"peak_force": 2200.0}), "imtp"], noise_sd=3.0, seed=2)
    segs = find_trials(tr, kind="pull")
    assert len(segs) == 3
    for s, t in zip(segs, truths, strict=True):
        assert _ev(s, "pull_start") / tr.rate == pytest.approx(t["onset_time"], abs=0.05)
        assert s.start <= t["onset_time"] * tr.rate - tr.rate  # >= 1 s of baseline kept


def test_step_off_and_back_on_is_not_a_jump() -> None:
    # stand, step off (force to zero for 2 s), step back on, stand: no trial
    rate = 1000.0
    bw = 800.0
    x = np.concatenate([np.full(3000, bw), np.linspace(bw, 0, 300), np.zeros(2000), np.linspace(0, bw, 300),
                        np.full(3000, bw)])
    x = x + np.random.default_rng(1).normal(0, 2.0, x.size)
    assert find_trials(ForceTrace(rate, x)) == []
    # a quick step off and back on (0.5 s off) without a push above body weight: still not a jump
    y = np.concatenate([np.full(3000, bw), np.linspace(bw, 0, 200), np.zeros(500), np.linspace(0, bw, 100),
                        np.full(3000, bw)])
    assert find_trials(ForceTrace(rate, y)) == []


def test_state_for_the_gui() -> None:
    det = OnlineTrialDetector(1000.0)
    assert det.state == "empty"
    det.feed(np.zeros(100))
    assert det.state == "empty"
    det.feed(np.full(1000, 700.0))
    assert det.state == "quiet"
    assert det.body_weight == pytest.approx(700.0)
    det.feed(np.full(100, 400.0))
    assert det.state == "movement"
    det.feed(np.full(50, 1500.0))
    det.feed(np.zeros(200))
    assert det.state == "flight"
    det.feed(np.full(50, 2000.0))
    assert det.state == "landing"


def test_bounded_memory() -> None:
    det = OnlineTrialDetector(1000.0)
    tr, _ = synthetic.session(["cmj"] * 6, noise_sd=2.0, seed=3, plates=False)
    for i in range(0, tr.n, 250):
        det.feed(tr.total[i:i + 250])
    assert det.samples_seen == tr.n
    assert det._ring.n <= 250 + det._ring.keep + 1  # the ring holds a block and a window, not the stream


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="valid kinds: jump, pull"):
        OnlineTrialDetector(1000.0, kind="hop")
    with pytest.raises(ValueError, match="unknown threshold"):
        OnlineTrialDetector(1000.0, flight_treshold=20.0)
    with pytest.raises(ValueError, match="positive"):
        OnlineTrialDetector(0.0)
    with pytest.raises(ValueError, match="block"):
        find_trials(ForceTrace(1000.0, np.zeros(10)), block=0)


def test_no_trials_in_quiet_or_empty_or_nan() -> None:
    assert find_trials(ForceTrace(1000.0, np.zeros(5000))) == []
    assert find_trials(ForceTrace(1000.0, np.full(5000, 750.0))) == []
    x = np.full(5000, 750.0)
    x[100:200] = np.nan
    assert find_trials(ForceTrace(1000.0, x)) == []
    assert find_trials(ForceTrace(1000.0, np.full(5000, 750.0)), kind="pull") == []


def test_running_sums_stay_exact_when_they_wrap() -> None:
    # After hours of stream the integer sums wrap around int64; window statistics must not notice.
    from forcelab.analysis.segmentation import _Ring

    ring = _Ring(keep=10)
    big = np.iinfo(np.int64).max - 1000
    ring.c1[0] = big
    ring.c2[0] = big
    x = 800.0 + np.random.default_rng(2).normal(0.0, 5.0, 3000)
    ring.append(x, 0)
    mean, sd = ring.window_stats(500, 3000, 500)
    ref = np.lib.stride_tricks.sliding_window_view(x, 500)[1:]
    assert mean == pytest.approx(ref.mean(axis=1), abs=0.006)  # centinewton resolution
    assert sd == pytest.approx(ref.std(axis=1, ddof=1), abs=0.01)


@settings(max_examples=10, deadline=None)
@given(
    steps=st.lists(st.sampled_from(["cmj", "sj", "dj"]), min_size=1, max_size=5),
    rate=st.sampled_from([500.0, 1000.0, 2000.0]),
    noise=st.floats(min_value=0.0, max_value=4.0),
    mass=st.floats(min_value=50.0, max_value=110.0),
    seed=st.integers(0, 1000),
)
def test_synthetic_sessions_of_n_trials(steps: list[str], rate: float, noise: float, mass: float,
                                        seed: int) -> None:
    tr, truths = synthetic.session(list(steps), rate=rate, noise_sd=noise, body_mass=mass, seed=seed,
                                   plates=False)
    segs = find_trials(tr)
    assert len(segs) == len(steps)
    for s, t in zip(segs, truths, strict=True):
        assert abs(_ev(s, "takeoff") / rate - t["takeoff_time"]) <= 0.01
        assert s.test_hint == ("dj" if t["test_name"] == "dj" else "")


def test_load_cell_pull_from_zero() -> None:
    # a load cell on a chain reads ~0 N at rest: 0 N must not mean "nobody there"
    trial = synthetic.isometric_pull(noise_sd=1.0, seed=1, plates=False, quiet_before=2.0)
    cell = ForceTrace(trial.trace.rate, trial.trace.total - trial.truth["body_weight"])
    assert find_trials(cell, kind="pull") == []  # with the plate default, 0 N is an empty plate
    segs = find_trials(cell, kind="pull", flight_threshold=float("-inf"), min_pull_frac=0.0)
    assert len(segs) == 1
    assert _ev(segs[0], "pull_start") / cell.rate == pytest.approx(trial.truth["onset_time"], abs=0.05)


def test_recording_that_ends_just_after_landing() -> None:
    # cut 0.1 s after touchdown: the landing check uses what there is, and the trial is kept
    tr, truths = synthetic.session(["cmj"], noise_sd=2.0, seed=4, plates=False)
    cut = int((truths[0]["landing_time"] + 0.1) * tr.rate)
    segs = find_trials(tr.slice(0, cut))
    assert len(segs) == 1 and segs[0].end == cut
