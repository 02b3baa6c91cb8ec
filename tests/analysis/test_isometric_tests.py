"""Isometric tests as named definitions (analysis/isometric_tests.py): the table, the pull as one row of it,
synthetic truth on a plate (isometric squat) and on a load cell (belly press, hip squeezes), per-limb values
with two pads, segmentation of a load-cell recording, the command line and the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis import dispatch
from forcelab.analysis.isometric import analyze_isometric
from forcelab.analysis.isometric_tests import (
    DEFINITIONS,
    ISOMETRIC_TESTS,
    analyze_isometric_test,
    definition,
    segmentation,
)
from forcelab.analysis.segmentation import find_trials
from forcelab.analysis.settings import IsometricSettings
from forcelab.analysis.types import ForceTrace
from forcelab.cli import main
from forcelab.simulation import synthetic
from support.simulate_cli import simulate_and_read

LOAD_CELL = [k for k, d in DEFINITIONS.items() if d.device == "load_cell"]


def test_the_table_holds_the_pull_and_every_test_is_dispatched() -> None:
    assert ISOMETRIC_TESTS[0] == "imtp" and {"iso_squat", "iso_belly_press", "hip_adduction", "hip_abduction",
                                                 "iso_load_cell"} <= set(ISOMETRIC_TESTS)
    assert set(ISOMETRIC_TESTS) <= set(dispatch.TESTS)
    assert definition("imtp").defaults() == IsometricSettings()  # the pull is the table's plain row
    for key, d in DEFINITIONS.items():
        assert d.key == key and d.name and d.position and d.reference and d.channels
        assert d.defaults().baseline_is_body_weight is (d.device == "plate")
        assert key in d.baseline_rule or d.baseline_rule  # readable
        assert dispatch.editable_events(key) == ("baseline_start", "onset", "release")
    with pytest.raises(ValueError, match="unknown isometric test 'iso_neck'.*known: imtp"):
        definition("iso_neck")


def test_the_pull_through_the_table_is_the_pull() -> None:
    trial = synthetic.isometric_pull(noise_sd=2.0, seed=5)
    direct = analyze_isometric(trial.trace).to_dict()
    via = analyze_isometric_test(trial.trace, "imtp").to_dict()
    assert via == direct
    routed = dispatch.analyze(trial.trace, "imtp")  # dispatch adds the recording's artefact checks on top
    assert {k: m.value for k, m in routed.metrics.items() if k in direct["metrics"]} == {
        k: m["value"] for k, m in direct["metrics"].items()}


@pytest.mark.parametrize("rate", [1000.0, 2000.0])
def test_isometric_squat_known_answer(rate: float) -> None:
    """On the plate: baseline = standing weight, relative force per kg of baseline / g."""
    trial = synthetic.isometric_pull(rate=rate, body_mass=82.0, peak_force=2600.0, noise_sd=0.0)
    truth = trial.truth
    res = dispatch.analyze(trial.trace, "iso_squat")
    assert res.test == "iso_squat" and res.flags == []
    dt = 1.0 / rate
    assert res.value("baseline_force") == pytest.approx(82.0 * synthetic.G, rel=1e-9)
    assert res.value("relative_peak_force") == pytest.approx(truth["peak_force"] / 82.0, rel=1e-3)
    assert res.value("peak_force") == pytest.approx(truth["peak_force"], rel=1e-4)
    assert res.value("time_to_peak_force") == pytest.approx(truth["time_to_peak"], abs=2 * dt)
    step = truth["peak_rfd"] * dt
    for ms in (50, 100, 200, 250):
        assert res.value(f"force_at_{ms}ms") == pytest.approx(truth[f"force_at_{ms}ms"], abs=step + 1e-6)
    assert res.value("peak_rfd") == pytest.approx(truth["peak_rfd"], rel=0.01)


@pytest.mark.parametrize("test", LOAD_CELL)
def test_load_cell_isometric_known_answer(test: str) -> None:
    """On a load cell: the baseline is the resting cell (pad contact), not body weight."""
    trial = synthetic.isometric_load_cell(peak_force=350.0, resting_force=6.0, rise_time=0.35, noise_sd=0.0)
    truth = trial.truth
    res = dispatch.analyze(trial.trace, test)
    assert res.test == test and res.flags == []
    assert res.params["baseline_is_body_weight"] is False
    assert res.value("baseline_force") == pytest.approx(6.0, rel=1e-9)
    assert res.value("peak_force") == pytest.approx(350.0, rel=1e-4)
    assert res.value("net_peak_force") == pytest.approx(344.0, rel=1e-4)
    assert res.value("time_to_peak_force") == pytest.approx(0.35, abs=2e-3)
    step = truth["peak_rfd"] * 1e-3
    for ms in (50, 100, 200, 300):
        assert res.value(f"force_at_{ms}ms") == pytest.approx(truth[f"force_at_{ms}ms"], abs=step + 1e-6)
        assert res.value(f"rfd_0_{ms}ms") == pytest.approx(truth[f"rfd_0_{ms}ms"], abs=(step + 1e-6) / (ms / 1e3))
        assert res.value(f"net_impulse_0_{ms}ms") == pytest.approx(truth[f"net_impulse_0_{ms}ms"],
                                                                  abs=step * ms / 1e3 + 1e-3)
    assert res.value("peak_rfd") == pytest.approx(truth["peak_rfd"], rel=0.01)
    assert res.metrics["force_at_500ms"].found  # the load-cell windows reach 500 ms
    # a resting cell's 6 N is not a body mass: relative forces need body_mass, and say so
    rel = res.metrics["relative_peak_force"]
    assert rel.value is None and rel.reason is not None and "pass body_mass" in rel.reason
    given = dispatch.analyze(trial.trace, test, body_mass=70.0)
    assert given.value("relative_peak_force") == pytest.approx(350.0 / 70.0, rel=1e-4)


def test_two_pads_give_per_limb_values_and_asymmetry() -> None:
    trial = synthetic.isometric_load_cell(peak_force=420.0, asymmetry=-0.2, plates=True, noise_sd=0.0)
    res = dispatch.analyze(trial.trace, "hip_adduction")
    assert res.value("left_peak_force") == pytest.approx(0.4 * 420.0, rel=1e-6)
    assert res.value("right_peak_force") == pytest.approx(0.6 * 420.0, rel=1e-6)
    a = res.metrics["peak_force_asymmetry"]
    assert a.value == pytest.approx(abs(synthetic.asymmetry_truth(-0.2)["asymmetry_index_max_pct"]), rel=1e-6)
    assert a.params["stronger_side"] == "right"


def test_load_cell_gates_scale_to_small_forces() -> None:
    """A 40 N rise over 1 s before the effort is pre-tension on a load cell (the pull's gate is 50 N)."""
    trial = synthetic.isometric_load_cell(peak_force=300.0, pretension=40.0, noise_sd=0.0)
    assert "pretension" in [f.code for f in dispatch.analyze(trial.trace, "hip_abduction").flags]
    flat = synthetic.isometric_load_cell(peak_force=15.0, resting_force=5.0, noise_sd=0.0)
    res = dispatch.analyze(flat.trace, "iso_belly_press")  # a 10 N twitch is no effort
    assert not res.events["onset"].found and "no pull" in str(res.events["onset"].reason)


def _session(n: int, seed: int = 0) -> ForceTrace:
    pieces = [synthetic.isometric_load_cell(peak_force=250.0 + 40 * k, noise_sd=0.8, seed=seed + k).trace.total
              for k in range(n)]
    return ForceTrace(1000.0, np.concatenate(pieces))


def test_a_load_cell_recording_is_cut_into_its_efforts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = _session(3)
    kind, thresholds = segmentation("hip_adduction")
    assert kind == "pull" and len(find_trials(trace, kind=kind, **thresholds)) == 3
    assert find_trials(trace, kind="pull") == []  # the plate defaults see nobody on a resting cell
    f = tmp_path / "squeezes.csv"
    np.savetxt(f, np.column_stack([np.arange(trace.n) / 1000.0, trace.total]), delimiter=",",
               header="time,force", comments="", fmt="%.4f")
    assert main(["analyze", str(f), "--test", "hip_adduction", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    peaks = [t["metrics"]["peak_force"]["value"] for t in doc["trials"]]
    assert [t["test"] for t in doc["trials"]] == ["hip_adduction"] * 3
    assert peaks == pytest.approx([250.0, 290.0, 330.0], abs=3.0)
    assert main(["analyze", str(f), "--test", "hip_adduction"]) == 0
    assert "net_peak_force" in capsys.readouterr().out


def test_simulator_performs_a_load_cell_squeeze(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data, _printed = simulate_and_read(capsys, [
        "--protocol", "text", "--channels", "2", "--rate", "500", "--seconds", "8", "--test", "hip_adduction",
        "--trials", "1", "--noise", "0", "--boot-delay", "0", "--text-units", "newtons", "--delimiter", ","],
        until=7.5)  # the squeeze peaks about 4.3 s after the start
    assert rc == 0
    rows = [line.split(b",") for line in data.split(b"\n")[1:] if line.count(b",") == 2]
    total = np.array([float(r[1]) + float(r[2]) for r in rows])
    assert total.max() == pytest.approx(400.0, rel=0.01)  # the squeeze's peak
    resting = total[(total > 1.0) & (total < 10.0)]
    assert resting.size > 100 and float(np.median(resting)) == pytest.approx(0.5 * synthetic.G, abs=0.1)
    res = dispatch.analyze(ForceTrace(500.0, total), "hip_adduction")
    assert res.value("peak_force") == pytest.approx(400.0, rel=0.01) and res.value("baseline_force") < 10.0


def test_every_definition_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "methods-isometric.md").read_text()
    for key in ISOMETRIC_TESTS:
        assert f"| `{key}` |" in doc, key
