"""Repeated hops (the 10/5 test): per-hop timing against the simulator's closed-form truth, the trial figures,
the slow- and double-contact flags, detection among the jumps, segmentation into one trial, the command line
and the archive's table of hops."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from forcelab.analysis.detect import detect_test_type
from forcelab.analysis.dispatch import analyze, editable_events
from forcelab.analysis.rebound import HOP_COLUMNS, ReboundSettings, analyze_rebound
from forcelab.analysis.segmentation import find_trials
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.simulation import synthetic
from forcelab.storage.readers import read_force_file
from forcelab.storage.trialio import read_result, write_result

NAMES = ("hop_count", "contact_time_mean", "flight_time_mean", "rsi_best5_mean", "rsi_max",
         "contact_time_best5_mean", "jump_height_best5_mean")


def _hops(res: TrialResult) -> list[dict[str, float]]:
    return [dict(r) for r in res.tables["hops"].rows]  # type: ignore[misc]


def _timing_and_rsi_to_truth(h: dict[str, float], t: dict[str, float]) -> None:
    """Issue 10's figures for one hop against the simulator's truth: contact and flight time within 2 ms at 1 kHz
    (both ends are interpolated threshold crossings: a sample at most, less at steep edges), RSI within 3 %."""
    i = h["hop"]
    assert h["contact_time"] == pytest.approx(t[f"hop_{i}_contact_time"], abs=0.002)
    assert h["flight_time"] == pytest.approx(t[f"hop_{i}_flight_time"], abs=0.002)
    assert h["rsi"] == pytest.approx(t[f"hop_{i}_rsi"], rel=0.03)


@pytest.mark.parametrize(("noise", "plates", "seed"), [(0.0, False, 0), (2.0, True, 1), (4.0, False, 2)])
def test_every_hop_against_the_truth_at_1khz(noise: float, plates: bool, seed: int) -> None:
    trial = synthetic.rebound(noise_sd=noise, plates=plates, seed=seed, asymmetry=0.05 if plates else 0.0)
    res = analyze(trial.trace, "rebound")
    t = trial.truth
    hops = _hops(res)
    assert len(hops) == t["hop_count"] == 10
    for h in hops:
        i = h["hop"]
        _timing_and_rsi_to_truth(h, t)
        assert h["contact_start_time"] == pytest.approx(t[f"hop_{i}_contact_start_time"], abs=0.002)
        assert h["takeoff_time"] == pytest.approx(t[f"hop_{i}_takeoff_time"], abs=0.002)
        assert h["jump_height"] == pytest.approx(t[f"hop_{i}_jump_height"], rel=0.02)
        assert h["peak_force"] == pytest.approx(t[f"hop_{i}_peak_force"], abs=5.0 * max(noise, 1.0))
        assert h["fast_ssc"] == 1 and h["double_contact"] == 0
    for name in ("contact_time_mean", "flight_time_mean", "contact_time_best5_mean"):
        assert res.value(name) == pytest.approx(t[name], abs=0.002), name
    for name in ("rsi_best5_mean", "rsi_max", "jump_height_best5_mean"):
        assert res.value(name) == pytest.approx(t[name], rel=0.03), name
    assert res.value("hop_count") == 10
    assert [f.code for f in res.flags] == []
    if plates:
        assert res.value("peak_force_asymmetry") is not None


def test_metric_names_units_methods_and_references() -> None:
    res = analyze(synthetic.rebound(noise_sd=1.0, seed=4).trace, "rebound")
    assert res.test == "rebound"
    for name in NAMES:
        m = res.metrics[name]
        assert m.value is not None and m.reference and m.method, name
    assert res.metrics["rsi_best5_mean"].unit == "m/s" and res.metrics["contact_time_mean"].unit == "s"
    assert "Harper" in res.metrics["rsi_best5_mean"].reference
    assert "Flanagan" in res.metrics["rsi_max"].reference
    assert [c[0] for c in res.tables["hops"].columns] == [c[0] for c in HOP_COLUMNS]
    # the best five by RSI are five distinct hops and their mean is the mean of the five largest
    rsi = sorted((h["rsi"] for h in _hops(res)), reverse=True)
    assert res.value("rsi_best5_mean") == pytest.approx(float(np.mean(rsi[:5])))
    assert res.value("rsi_max") == pytest.approx(rsi[0])
    # every hop and the series' first take-off / last landing are events for the review screen
    assert {"takeoff_1", "landing_1", "takeoff_11", "landing_11"} <= set(res.events)
    json.dumps(res.to_dict(), allow_nan=False)


def test_best_five_are_the_highest_rsi_hops_of_a_given_series() -> None:
    cts = [0.18, 0.30, 0.16, 0.22, 0.20, 0.26, 0.17]
    hs = [0.20, 0.15, 0.18, 0.25, 0.22, 0.20, 0.12]
    trial = synthetic.rebound(contact_times=cts, jump_heights=hs, noise_sd=1.5, seed=9)
    res = analyze(trial.trace, "rebound")
    rsi = [h / c for h, c in zip(hs, cts, strict=True)]
    best = sorted(range(7), key=lambda i: -rsi[i])[:5]
    assert res.value("rsi_best5_mean") == pytest.approx(np.mean([rsi[i] for i in best]), rel=0.03)
    assert res.value("contact_time_best5_mean") == pytest.approx(np.mean([cts[i] for i in best]), abs=0.002)
    assert res.value("jump_height_best5_mean") == pytest.approx(np.mean([hs[i] for i in best]), rel=0.02)
    # hops 2 (300 ms) and 6 (260 ms) are not fast stretch-shortening contacts: flagged, and 0 in the table
    (flag,) = [f for f in res.flags if f.code == "slow_contact"]
    assert "hop 2 (300 ms), 6 (260 ms)" in flag.message and "250 ms" in flag.message
    assert [h["fast_ssc"] for h in _hops(res)] == [1, 0, 1, 1, 1, 0, 1]


def test_double_contact_is_flagged_and_kept_whole() -> None:
    trial = synthetic.rebound(hops=8, double_contacts={4: 0.03}, noise_sd=2.0, seed=3)
    res = analyze(trial.trace, "rebound")
    hops = _hops(res)
    assert len(hops) == 8  # the 30 ms bounce is not a flight: still one hop
    assert [h["double_contact"] for h in hops] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert hops[3]["contact_time"] == pytest.approx(trial.truth["hop_4_contact_time"], abs=0.002)
    (flag,) = [f for f in res.flags if f.code == "double_contact"]
    assert flag.message.startswith("hop 4 (") and "ms unloaded" in flag.message
    assert detect_test_type(trial.trace)[0] == "rebound"


def test_fewer_hops_than_the_best_five_say_why() -> None:
    res = analyze(synthetic.rebound(hops=3, noise_sd=1.0, seed=2).trace, "rebound")
    assert res.value("hop_count") == 3 and res.value("rsi_max") is not None
    for name in ("rsi_best5_mean", "contact_time_best5_mean", "jump_height_best5_mean"):
        m = res.metrics[name]
        assert m.value is None and m.reason is not None and "best 5 needs 5" in m.reason
    res3 = analyze(synthetic.rebound(hops=3, noise_sd=1.0, seed=2).trace, "rebound", best_hops=3)
    assert res3.value("rsi_best5_mean") is not None and res3.metrics["rsi_best5_mean"].method == (
        "mean_of_best_3_hops_by_rsi")


def test_a_single_jump_has_no_hop() -> None:
    res = analyze(synthetic.cmj(noise_sd=1.0, seed=1).trace, "rebound")
    assert res.value("hop_count") == 0
    assert res.metrics["contact_time_mean"].value is None
    assert "no ground contact between two flights" in (res.metrics["contact_time_mean"].reason or "")
    assert res.tables["hops"].rows == ()
    nobody = analyze(ForceTrace(1000.0, np.zeros(2000)), "rebound")
    assert nobody.value("hop_count") == 0 and "nobody on the plate" in (nobody.metrics["rsi_max"].reason or "")


def test_hops_dropped_into_from_a_box() -> None:
    # a drop jump is one contact between the air and a flight: analysed as a series, it is one hop
    dj = synthetic.drop_jump(contact_time=0.2, jump_height=0.3, noise_sd=1.0, seed=1)
    res = analyze(dj.trace, "rebound")
    (hop,) = _hops(res)
    assert hop["contact_time"] == pytest.approx(0.2, abs=0.002)
    assert hop["contact_start_time"] == pytest.approx(dj.truth["contact_start_time"], abs=0.002)
    assert hop["rsi"] == pytest.approx(dj.truth["rsi"], rel=0.03)
    assert res.events["landing_0"].found and not res.events["takeoff_0"].found


def test_long_pause_between_flights_is_not_a_hop() -> None:
    tr, _ = synthetic.session(["cmj", "cmj"], pause=1.2, noise_sd=1.0, seed=1)
    res = analyze(tr, "rebound")
    assert res.value("hop_count") == 0
    assert any(f.code == "pause_in_series" for f in res.flags)


def test_settings_and_events() -> None:
    assert editable_events("rebound") == ()
    tr = synthetic.rebound(hops=2, seed=1).trace
    with pytest.raises(ValueError, match="cannot be placed by hand"):
        analyze(tr, "rebound", events={"takeoff_1": 100})
    with pytest.raises(ValueError, match="best_hops"):
        analyze_rebound(tr, best_hops=0)
    with pytest.raises(ValueError, match="fast_contact_max"):
        ReboundSettings(fast_contact_max=-1.0)
    with pytest.raises(ValueError, match="do not apply to the repeated-hop test"):
        analyze(tr, "rebound", drop_height=0.3)
    res = analyze(tr, "rebound", fast_contact_max=0.15)
    assert res.params["fast_contact_max"] == 0.15 and any(f.code == "slow_contact" for f in res.flags)


@pytest.mark.parametrize(("make", "expected"), [
    (lambda: synthetic.rebound(noise_sd=2.0, seed=1), "rebound"),
    (lambda: synthetic.rebound(hops=2, noise_sd=2.0, seed=2), "rebound"),
    (lambda: synthetic.cmj(noise_sd=2.0, seed=3), "cmj"),
    (lambda: synthetic.squat_jump(noise_sd=2.0, seed=4), "sj"),
    (lambda: synthetic.drop_jump(noise_sd=2.0, seed=5), "dj"),
    (lambda: synthetic.rebound(hops=1, noise_sd=2.0, seed=6), "cmj"),  # one rebound after a CMJ is no series
])
def test_detection_among_the_jumps(make, expected: str) -> None:  # type: ignore[no-untyped-def]
    test, why = detect_test_type(make().trace)
    assert test == expected, why


def test_detection_of_a_drop_into_hops() -> None:
    tl = synthetic.Timeline(initial=0.0)
    tl.hold(1.0, 0.0)
    from forcelab.simulation.shapes import build_drop_jump

    m, g = 75.0, synthetic.G
    # box drop, then the landing's contact launches hops: modelled as drop jumps whose landings are the next boxes
    build_drop_jump(tl, m=m, g=g, drop_height=0.3, contact_time=0.2, jump_height=0.2, impact_time=0.03,
                    impact_fraction=0.1)
    tl.hold(1.0)
    trace = ForceTrace(1000.0, tl.evaluate(np.arange(int(tl.end * 1000)) / 1000.0))
    assert detect_test_type(trace)[0] == "dj"
    # the multi-rebound version: box, then three hops
    tl2 = synthetic.Timeline(initial=0.0)
    tl2.hold(1.0, 0.0)
    from forcelab.simulation.shapes import _contact, _flight, _landing

    v = np.sqrt(2 * g * 0.3)
    for _ in range(3):
        _contact(tl2, m, g, float(v), 2.0, 0.2, 0.03, 0.1)
        _flight(tl2, g, 2.0)
        v = 2.0
    _landing(tl2, m, g, 2.0)
    tl2.hold(1.0)
    trace2 = ForceTrace(1000.0, tl2.evaluate(np.arange(int(tl2.end * 1000)) / 1000.0))
    test, why = detect_test_type(trace2)
    assert test == "rebound" and why.startswith("3 hops"), why
    res = analyze(trace2, "rebound")  # the box landing's contact is the first hop
    assert [h["contact_time"] for h in _hops(res)] == pytest.approx([0.2, 0.2, 0.2], abs=0.002)


REAL = [
    ("vertical-jumps-fz/Dual-CMJ-Fz.txt", 1000.0), ("vertical-jumps-fz/Dual-SJ-Fz.txt", 1000.0),
    ("vertical-jumps-fz/Dual-DJ-Fz.txt", 1000.0), ("shiny-vertical-jump/example_data/single_trial.csv", 1000.0),
    ("shiny-vertical-jump/example_data/long_1.csv", 1000.0), ("shiny-vertical-jump/example_data/long_4.csv", 1000.0),
    ("jumpmetrics/F02_CTRL1.txt", 2000.0), ("jumpmetrics/FHOC_P30_SQT300007.txt", 1000.0),
    *((f"plateforce/subject01_trial{i}.force.txt", 1200.0) for i in range(1, 7)),
]


@pytest.mark.parametrize(("rel", "rate"), REAL)
def test_no_real_recording_of_a_single_jump_is_told_a_hop_series(shared_data: Path, rel: str, rate: float) -> None:
    """../shared/data holds no repeated-hop recording; every jump file there (whole, and each trial the
    segmentation finds) must keep its own test: the long_1 hop before a jump (70 ms off the plate) is no flight."""
    trace = read_force_file(shared_data / rel, rate=rate).trace
    pieces = [trace] + [trace.slice(s.start, s.end) for s in find_trials(trace)]
    for piece in pieces:
        try:
            test, why = detect_test_type(piece)
        except ValueError:
            continue  # a piece that cannot be told (no stance) is no wrong suggestion
        assert test != "rebound", why
    assert len(find_trials(trace)) == len(find_trials(trace, hop_series=0))  # no jump files joined into series


def test_segmentation_keeps_a_series_as_one_trial() -> None:
    tr, truths = synthetic.session(["cmj", ("rebound", {"hops": 10}), "dj", ("rebound", {"hops": 4}), "sj"],
                                   noise_sd=3.0, seed=2)
    segs = find_trials(tr)
    assert [s.test_hint for s in segs] == ["", "rebound", "dj", "rebound", ""]
    assert [sum(k == "hop_takeoff" for k, _ in s.events) for s in segs] == [0, 10, 0, 4, 0]
    for s, t in zip(segs, truths, strict=True):
        assert s.event("takeoff") == pytest.approx(t["takeoff_time"] * tr.rate, abs=10)
        test = detect_test_type(tr.slice(s.start, s.end))[0]
        assert test == t["test_name"]
        if test == "rebound":
            res = analyze(tr.slice(s.start, s.end), "rebound")
            assert res.value("hop_count") == t["hop_count"]
            assert res.value("rsi_max") == pytest.approx(t["rsi_max"], rel=0.03)
    # with hop_series=0 every hop's flight is a trial of its own
    assert len(find_trials(tr, hop_series=0)) == 3 + 11 + 5  # a series of n hops has n + 1 flights


@pytest.mark.parametrize("block", [1, 37, 1000])
def test_series_segments_do_not_depend_on_block_size(block: int) -> None:
    tr, _ = synthetic.session([("rebound", {"hops": 5}), "cmj"], noise_sd=2.0, seed=4)
    assert find_trials(tr, block=block) == find_trials(tr)


def test_cli_analyze_rebound_json(tmp_path: Path) -> None:
    trial = synthetic.rebound(noise_sd=2.0, seed=5, plates=True, asymmetry=0.04)
    tr = trial.trace
    assert tr.left is not None and tr.right is not None
    path = tmp_path / "hops.csv"
    np.savetxt(path, np.column_stack([np.arange(tr.n) / tr.rate, tr.left, tr.right]), delimiter=",",
               header="time,left,right", comments="", fmt="%.4f")
    run = subprocess.run([sys.executable, "-m", "forcelab", "analyze", str(path), "--test", "rebound", "--json"],
                         capture_output=True, text=True, check=True)
    doc = json.loads(run.stdout)
    (t,) = doc["trials"]
    assert t["test"] == "rebound"
    for name in NAMES:
        assert t["metrics"][name]["value"] is not None, name
    assert t["metrics"]["hop_count"]["value"] == 10
    assert t["metrics"]["rsi_best5_mean"]["value"] == pytest.approx(trial.truth["rsi_best5_mean"], rel=0.03)
    rows = t["tables"]["hops"]["rows"]
    assert len(rows) == 10 and rows[0]["hop"] == 1
    assert rows[0]["contact_time"] == pytest.approx(trial.truth["hop_1_contact_time"], abs=0.002)
    table = subprocess.run([sys.executable, "-m", "forcelab", "analyze", str(path)], capture_output=True,
                           text=True, check=True).stdout
    assert "trial 1 (rebound)" in table and "trial 1 hops" in table


def test_hop_table_in_the_archive(tmp_path: Path) -> None:
    res = analyze(synthetic.rebound(hops=6, double_contacts={2: 0.03}, noise_sd=2.0, seed=8).trace, "rebound")
    d = json.loads(json.dumps(res.to_dict()))
    with h5py.File(tmp_path / "t.h5", "w") as f:
        write_result(f.create_group("trial"), d)
    with h5py.File(tmp_path / "t.h5", "r") as f:
        ds = f["trial/tables/hops"]
        assert json.loads(ds.attrs["units"])["contact_time"] == "s"
        assert list(ds["double_contact"]) == [0, 1, 0, 0, 0, 0]
        back = read_result(f["trial"])
    assert back is not None and back["tables"] == d["tables"]
    # analysed again as a test without tables, the old table goes
    with h5py.File(tmp_path / "t.h5", "a") as f:
        write_result(f["trial"], analyze(synthetic.cmj(seed=1).trace, "cmj").to_dict())
        assert "tables" not in f["trial"]


def test_injected_long_and_double_contacts_are_flagged_on_their_hops() -> None:
    """The simulator's long contact (350 ms) and double contact land on the hops asked for, measured to truth."""
    trial = synthetic.rebound(hops=8, long_contact_at=3, double_contact_at=6, noise_sd=2.0, seed=5)
    t = trial.truth
    assert t["hop_3_contact_time"] == synthetic.LONG_CONTACT_TIME and t["hop_6_unloaded"] == synthetic.DOUBLE_CONTACT_GAP
    res = analyze(trial.trace, "rebound")
    hops = _hops(res)
    assert [h["fast_ssc"] for h in hops] == [1, 1, 0, 1, 1, 1, 1, 1]
    assert [h["double_contact"] for h in hops] == [0, 0, 0, 0, 0, 1, 0, 0]
    for h in hops:
        _timing_and_rsi_to_truth(h, t)
    assert {f.code for f in res.flags} == {"slow_contact", "double_contact"}
    with pytest.raises(ValueError, match="long_contact_at must be a hop number 1-8"):
        synthetic.rebound(hops=8, long_contact_at=9)
    with pytest.raises(ValueError, match="double_contact_at must be a hop number"):
        synthetic.rebound(hops=8, double_contact_at=2.5)
