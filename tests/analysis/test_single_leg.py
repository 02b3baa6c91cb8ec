"""Single-leg CMJ and drop jump (analysis/single_leg.py): the stance plate and limb, synthetic truth, the limb
asymmetry across left- and right-leg trials with its formula, the command line, the simulator's single-leg
athlete and re-analysis keeping what the tester named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis import dispatch
from forcelab.analysis.asymmetry import asymmetry
from forcelab.analysis.single_leg import UNLOADED_FRACTION, limb_asymmetry, stance
from forcelab.analysis.types import ForceTrace
from forcelab.cli import main
from forcelab.simulation import synthetic

SIDE = {"left": 1.0, "right": -1.0}


@pytest.mark.parametrize("side", ["left", "right"])
def test_single_leg_cmj_on_one_of_two_plates(side: str) -> None:
    s = synthetic.cmj(body_mass=70.0, jump_height=0.16, asymmetry=SIDE[side], noise_sd=2.0, seed=4)
    r = dispatch.analyze(s.trace, "sl_cmj")
    assert r.test == "sl_cmj" and r.flags == []
    assert r.params["limb"] is None and r.params["stance_limb"] == side
    assert r.params["limb_source"] == "plate" and r.params["stance_plate"] == side
    assert r.value("body_mass") == pytest.approx(70.0, abs=0.05)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.16, abs=2e-3)
    assert r.value("flight_time") == pytest.approx(s.truth["flight_time"], abs=2e-3)
    assert r.value("takeoff_velocity") == pytest.approx(s.truth["takeoff_velocity"], abs=0.01)
    assert r.value("peak_force") == pytest.approx(s.truth["peak_force"], rel=0.01)
    assert r.value("rsi_modified") == pytest.approx(s.truth["rsi_modified"], rel=0.03)
    # the other plate carries nothing: no per-plate values within a single-leg trial
    assert not any(k.startswith(("left_", "right_")) or k.endswith("_asymmetry") for k in r.metrics)


@pytest.mark.parametrize(("side", "noise"), [("left", 0.0), ("right", 0.0), ("left", 2.0), ("right", 2.0)])
def test_single_leg_drop_jump_known_answer(side: str, noise: float) -> None:
    s = synthetic.drop_jump(body_mass=72.0, drop_height=0.2, contact_time=0.32, jump_height=0.12,
                            asymmetry=SIDE[side], noise_sd=noise, seed=3)
    r = dispatch.analyze(s.trace, "sl_dj", drop_height=0.2)
    assert r.test == "sl_dj" and r.params["stance_limb"] == side
    assert r.value("contact_time") == pytest.approx(s.truth["contact_time"], abs=2e-3)
    assert r.value("flight_time") == pytest.approx(s.truth["flight_time"], abs=2e-3)
    assert r.value("rsi") == pytest.approx(s.truth["rsi"], rel=0.03)
    assert r.params["drop_height"] == 0.2


def test_one_plate_needs_the_limb_named() -> None:
    s = synthetic.cmj(jump_height=0.15, plates=False)
    unnamed = dispatch.analyze(s.trace, "sl_cmj")
    assert unnamed.params["stance_limb"] == "unknown" and [f.code for f in unnamed.flags] == ["limb_not_named"]
    named = dispatch.analyze(s.trace, "sl_cmj", limb="right")
    assert named.params["limb"] == "right" and named.params["limb_source"] == "tester"
    assert named.params["stance_plate"] == "single" and named.flags == []


def test_tester_limb_on_the_other_plate_is_kept_and_flagged() -> None:
    s = synthetic.cmj(jump_height=0.15, asymmetry=1.0)  # on the left plate
    r = dispatch.analyze(s.trace, "sl_cmj", limb="right")
    assert r.params["stance_limb"] == "right" and r.params["stance_plate"] == "left"
    assert [f.code for f in r.flags] == ["limb_plate_differs"]


def test_both_plates_loaded_is_flagged_and_analysed_on_the_total() -> None:
    s = synthetic.cmj(jump_height=0.2, asymmetry=0.6)  # 80/20: the other foot is down
    r = dispatch.analyze(s.trace, "sl_cmj")
    assert r.params["stance_plate"] == "both" and "both_plates_loaded" in [f.code for f in r.flags]
    assert r.value("body_mass") == pytest.approx(75.0, rel=1e-4)
    # a plate carrying 4 % of the other's is unloaded (noise, offset); 6 % is a foot
    for frac, plate in ((0.04, "left"), (0.06, "both")):
        left = s.trace.total.copy()
        st = stance(ForceTrace.from_plates(1000.0, left, left * frac))
        assert st.plate == plate and frac < 1 and UNLOADED_FRACTION == 0.05


@pytest.mark.parametrize("bad", ["both", "L", 1])
def test_bad_limb_is_an_error(bad: object) -> None:
    with pytest.raises(ValueError, match="limb must be one of left, right"):
        dispatch.analyze(synthetic.cmj(asymmetry=1.0).trace, "sl_cmj", limb=bad)
    with pytest.raises(ValueError, match="limb"):
        dispatch.analyze(synthetic.cmj().trace, "cmj", limb="left")  # a two-leg jump takes no limb


def _trials(heights: dict[str, tuple[float, ...]]) -> list:  # type: ignore[type-arg]
    out = []
    for side, hs in heights.items():
        for k, h in enumerate(hs):
            tr = synthetic.cmj(jump_height=h, asymmetry=SIDE[side], noise_sd=1.0, seed=k).trace
            out.append(dispatch.analyze(tr, "sl_cmj"))
    return out


def test_limb_asymmetry_across_trials_names_its_formula() -> None:
    results = _trials({"left": (0.18, 0.20, 0.19), "right": (0.15, 0.16)})
    ms = {m.name: m for m in limb_asymmetry(results)}
    left, right = ms["left_jump_height_takeoff_velocity"].value, ms["right_jump_height_takeoff_velocity"].value
    assert left == pytest.approx(0.20, abs=1e-3) and right == pytest.approx(0.16, abs=1e-3)
    a = ms["jump_height_takeoff_velocity_asymmetry"]
    assert a.value == pytest.approx(asymmetry(left, right)[0]) and a.value == pytest.approx(20.0, abs=0.6)
    assert a.method == "asymmetry_percent_difference" and a.params["formula"] == "percent_difference"
    assert a.params["stronger_side"] == "left" and a.params["statistic"] == "best"
    assert (a.params["left_trials"], a.params["right_trials"]) == (3, 2)
    assert ms["left_jump_height_takeoff_velocity"].method == "single_leg_best_of_trials"
    si = {m.name: m for m in limb_asymmetry(results, formula="symmetry_index", statistic="mean")}
    mean_l, mean_r = 0.19, 0.155
    assert si["jump_height_flight_time_asymmetry"].value == pytest.approx(
        (mean_l - mean_r) / (mean_l + mean_r) * 100, abs=0.5)
    one_leg = {m.name: m for m in limb_asymmetry(results[:3])}
    gone = one_leg["jump_height_takeoff_velocity_asymmetry"]
    assert gone.value is None and "right" in str(gone.reason)
    assert "no right-leg trial" in str(one_leg["right_jump_height_takeoff_velocity"].reason)
    with pytest.raises(ValueError, match="one single-leg test"):
        limb_asymmetry([*results, dispatch.analyze(synthetic.cmj().trace, "cmj")])
    with pytest.raises(ValueError, match="formula"):
        limb_asymmetry(results, formula="ratio")


def test_cli_detects_limbs_and_reports_their_asymmetry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pieces = [synthetic.cmj(jump_height=h, asymmetry=SIDE[side], noise_sd=1.5, seed=k, quiet_after=2.5).trace
              for k, (side, h) in enumerate((("left", 0.18), ("right", 0.15), ("left", 0.20), ("right", 0.16)))]
    left = np.concatenate([p.left for p in pieces if p.left is not None])
    right = np.concatenate([p.right for p in pieces if p.right is not None])
    f = tmp_path / "single_leg.csv"
    np.savetxt(f, np.column_stack([np.arange(left.size) / 1000.0, left, right]), delimiter=",",
               header="time,left,right", comments="", fmt="%.4f")
    assert main(["analyze", str(f), "--test", "sl_cmj", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [t["params"]["stance_limb"] for t in doc["trials"]] == ["left", "right", "left", "right"]
    a = doc["limb_asymmetry"]["jump_height_takeoff_velocity_asymmetry"]
    assert a["value"] == pytest.approx(20.0, abs=1.5) and a["params"]["stronger_side"] == "left"
    assert a["params"]["formula"] == "percent_difference"
    assert main(["analyze", str(f), "--test", "sl_cmj"]) == 0
    table = capsys.readouterr().out
    assert "limb asymmetry across trials (best of each leg's trials; 2 left, 2 right)" in table
    assert main(["analyze", str(f), "--test", "cmj", "--limb", "left"]) == 2
    assert "--limb applies to single-leg tests" in capsys.readouterr().err


def test_review_and_archive_reanalysis_keep_the_named_limb() -> None:
    from forcelab.storage.bridge import tester_inputs

    s = synthetic.cmj(jump_height=0.15, plates=False)
    named = dispatch.analyze(s.trace, "sl_cmj", limb="left")
    assert dispatch.reanalyze(s.trace, named, None).params["stance_limb"] == "left"
    assert tester_inputs(named.to_dict()) == {"limb": "left"}
    detected = dispatch.analyze(synthetic.cmj(jump_height=0.15, asymmetry=-1.0).trace, "sl_cmj")
    assert tester_inputs(detected.to_dict()) == {}  # found again from the plates
