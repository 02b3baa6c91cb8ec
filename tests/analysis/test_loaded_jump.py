"""Loaded jumps (CMJ / squat jump with a barbell or vest): synthetic truth for the system, the athlete's body
mass derived from the system weighing, a body weight given without the load, the CLI and the archive."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis.dispatch import analyze, analyze_with_session_weight, reanalyze
from forcelab.analysis.types import ForceTrace
from forcelab.cli import main
from forcelab.simulation import synthetic
from forcelab.storage import bridge
from forcelab.storage.importer import import_file
from forcelab.storage.reanalyze import reanalyze_session
from forcelab.storage.session import open_session

G = 9.80665


@pytest.mark.parametrize("test, make", [("cmj", synthetic.cmj), ("sj", synthetic.squat_jump)])
@pytest.mark.parametrize("body, load", [(75.0, 20.0), (62.0, 60.0), (90.0, 0.0)])
def test_loaded_jump_known_answer(test: str, make: object, body: float, load: float) -> None:
    s = make(body_mass=body, load_mass=load, jump_height=0.22, asymmetry=0.1)  # type: ignore[operator]
    r = analyze(s.trace, test, load_mass=load)
    assert r.params["load_mass"] == load
    assert r.value("external_load") == load
    assert r.metrics["external_load"].method == "entered_by_tester"
    # the plate weighed the system; the athlete is the system less the load
    assert r.value("system_mass") == pytest.approx(body + load, rel=1e-6)
    assert r.value("system_weight") == pytest.approx((body + load) * G, rel=1e-6)
    assert r.value("body_mass") == pytest.approx(body, abs=1e-4 * (body + load))
    assert r.value("body_weight") == pytest.approx(body * G, abs=1e-3 * (body + load))
    assert r.metrics["body_mass"].method == "system_weight_minus_load"
    # height, velocity, power and momentum are the system's (synthetic truth built with the system mass)
    assert r.value("takeoff_velocity") == pytest.approx(s.truth["takeoff_velocity"], abs=1e-3)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.22, abs=5e-4)
    assert r.value("jump_height_flight_time") == pytest.approx(0.22, abs=3e-3)
    assert r.value("peak_power") == pytest.approx(s.truth["peak_power"], rel=2e-3)
    assert r.value("relative_peak_power") == pytest.approx(s.truth["peak_power"] / (body + load), rel=2e-3)
    assert r.value("peak_power_per_body_mass") == pytest.approx(s.truth["peak_power"] / body, rel=2e-3)
    assert r.value("jump_momentum") == pytest.approx((body + load) * s.truth["takeoff_velocity"], rel=2e-3)
    assert r.flags == []


@pytest.mark.parametrize("test, make", [("cmj", synthetic.cmj), ("sj", synthetic.squat_jump)])
@pytest.mark.parametrize("load, seed", [(20.0, 1), (60.0, 2)])
def test_loaded_jump_timing_and_rsi_with_noise(test: str, make: object, load: float, seed: int) -> None:
    """Issue 10's figures for a loaded jump at 1 kHz with 2 N of noise: flight time and time to take-off within
    2 ms, RSI-modified within 3 % of the simulator's truth."""
    s = make(body_mass=70.0, load_mass=load, jump_height=0.22, noise_sd=2.0, seed=seed)  # type: ignore[operator]
    r = analyze(s.trace, test, load_mass=load)
    t = s.truth
    assert r.value("flight_time") == pytest.approx(t["flight_time"], abs=0.002)
    assert r.value("rsi_modified") == pytest.approx(t["rsi_modified"], rel=0.03)
    assert r.events["takeoff"].time == pytest.approx(t["takeoff_time"], abs=0.002)


def test_unloaded_jump_has_no_load_metrics() -> None:
    s = synthetic.cmj(body_mass=80.0)
    r = analyze(s.trace, "cmj")
    assert "load_mass" not in r.params
    for name in ("external_load", "system_mass", "system_weight", "peak_power_per_body_mass"):
        assert name not in r.metrics
    assert r.value("body_mass") == pytest.approx(80.0, rel=1e-6)


def test_given_body_weight_without_the_load_gets_the_load_added() -> None:
    """A session weighing without the bar: the integration must use body weight + load, or the jump is wrong."""
    s = synthetic.cmj(body_mass=70.0, load_mass=30.0, jump_height=0.20, plates=False)
    given = 70.0 * G
    r = analyze(s.trace, "cmj", load_mass=30.0, body_weight=given, body_weight_sd=2.0)
    assert r.value("system_weight") == pytest.approx(100.0 * G)
    assert r.value("body_weight") == pytest.approx(given)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.20, abs=1e-3)
    assert "given_body_weight_differs" not in [f.code for f in r.flags]
    # the same body weight taken as the system's (load forgotten) integrates 30 kg too light: the trial flags it
    wrong = analyze(s.trace, "cmj", body_weight=given, body_weight_sd=2.0)
    assert "given_body_weight_differs" in [f.code for f in wrong.flags]
    h = wrong.value("jump_height_takeoff_velocity")
    assert h is None or abs(h - 0.20) > 0.05


def test_session_weight_is_compared_without_the_load() -> None:
    """An unsteady loaded trial takes the session body weight (athlete only) and adds the load."""
    s = synthetic.cmj(body_mass=75.0, load_mass=25.0, jump_height=0.2, plates=False, noise_sd=14.0, seed=3)
    r = analyze_with_session_weight(s.trace, "cmj", session_body_weight=75.0 * G, session_sd=14.0, load_mass=25.0)
    codes = [f.code for f in r.flags]
    assert "unsteady_weighing" in codes and "body_weight_given" in codes
    assert r.value("system_mass") == pytest.approx(100.0)
    assert r.value("body_mass") == pytest.approx(75.0)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.2, abs=0.02)


def test_implausible_load_is_flagged() -> None:
    s = synthetic.squat_jump(body_mass=80.0)
    r = analyze(s.trace, "sj", load_mass=80.0 * 2.2)  # pounds entered as kilograms
    assert [f.code for f in r.flags] == ["load_exceeds_weighing"]
    assert r.value("body_weight") is not None and r.value("body_weight") < 0  # type: ignore[operator]


@pytest.mark.parametrize("bad", [-5.0, float("nan"), float("inf"), "20", True])
def test_bad_load_is_an_error_naming_it(bad: object) -> None:
    s = synthetic.cmj()
    with pytest.raises(ValueError, match="load_mass"):
        analyze(s.trace, "cmj", load_mass=bad)


@pytest.mark.parametrize("test", ["dj", "imtp"])
def test_load_does_not_apply_to_other_tests(test: str) -> None:
    s = synthetic.drop_jump() if test == "dj" else synthetic.isometric_pull()
    with pytest.raises(ValueError, match="load_mass"):
        analyze(s.trace, test, load_mass=20.0)


def test_review_reanalysis_keeps_the_load() -> None:
    s = synthetic.cmj(body_mass=75.0, load_mass=20.0)
    r = analyze(s.trace, "cmj", load_mass=20.0)
    again = reanalyze(s.trace, r, {"onset": r.events["onset"].index - 20})  # type: ignore[operator]
    assert again.params["load_mass"] == 20.0
    assert again.value("body_mass") == pytest.approx(75.0, rel=1e-4)


def _csv(path: Path, trace: ForceTrace) -> Path:
    assert trace.left is not None and trace.right is not None
    t = np.arange(trace.n) / trace.rate
    np.savetxt(path, np.column_stack([t, trace.left, trace.right]), delimiter=",", header="time,left,right",
               comments="", fmt="%.6f")
    return path


def test_cli_analyze_load_kg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = synthetic.cmj(body_mass=75.0, load_mass=40.0, jump_height=0.18, noise_sd=1.0, seed=1)
    f = _csv(tmp_path / "loaded.csv", s.trace)
    assert main(["analyze", str(f), "--test", "cmj", "--load-kg", "40", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    m = doc["trials"][0]["metrics"]
    assert m["external_load"]["value"] == 40.0
    assert m["body_mass"]["value"] == pytest.approx(75.0, abs=0.2)
    assert m["system_mass"]["value"] == pytest.approx(115.0, abs=0.2)
    assert m["jump_height_takeoff_velocity"]["params"]["load_mass"] == 40.0
    assert main(["analyze", str(f), "--test", "cmj", "--load-kg", "40"]) == 0
    table = capsys.readouterr().out
    assert "external_load" in table and "system_weight" in table
    for argv, why in ((["--test", "imtp", "--load-kg", "40"], "applies to loaded jumps"),
                      (["--test", "cmj", "--load-kg", "-1"], "zero or more")):
        assert main(["analyze", str(f), *argv]) == 2
        assert why in capsys.readouterr().err


def test_load_is_archived_and_survives_reanalysis(tmp_path: Path) -> None:
    s = synthetic.squat_jump(body_mass=68.0, load_mass=32.5, jump_height=0.2, noise_sd=1.0, seed=2)
    f = _csv(tmp_path / "loaded_sj.csv", s.trace)
    path = import_file(f, archive=tmp_path / "archive", athlete="Ana", test="sj", whole=True,
                       analyze=partial(bridge.analyze, load_mass=32.5))
    trial = open_session(path, load_analysis=True).trials[0]
    assert trial.result is not None and trial.result["params"]["load_mass"] == 32.5
    assert trial.metrics["external_load"]["value"] == 32.5
    assert trial.metrics["body_mass"]["value"] == pytest.approx(68.0, abs=0.2)
    reanalyze_session(path)  # today's analysis again: the tester's load is passed again, not dropped
    trial = open_session(path, load_analysis=True).trials[0]
    assert trial.metrics["external_load"]["value"] == 32.5
    assert trial.metrics["body_mass"]["value"] == pytest.approx(68.0, abs=0.2)


def test_simulated_session_carries_the_load() -> None:
    """The simulator's loaded athlete is the synthetic generator's: plates weigh body + load."""
    s = synthetic.cmj(body_mass=75.0, load_mass=20.0)
    assert s.truth["system_mass"] == 95.0 and s.truth["body_mass"] == 75.0 and s.truth["load_mass"] == 20.0
    assert float(s.trace.total[:100].mean()) == pytest.approx(95.0 * G)
    with pytest.raises(ValueError, match="load_mass"):
        synthetic.cmj(load_mass=-1.0)
