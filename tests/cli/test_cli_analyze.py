"""``forcelab analyze`` end to end: the real console entry on real recordings and on broken files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forcelab.analysis.types import Flag, Metric, TrialResult
from forcelab.cli import main
from forcelab.cli.output import AnalysedTrial, FileReport, format_table, format_value, report_to_dict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "recordings" / "examples"

REQUIRED_KEYS = {"value", "unit", "method", "params", "reference"}
JUMP_METRICS = (
    "body_weight", "jump_height_takeoff_velocity", "jump_height_flight_time", "takeoff_velocity", "flight_time",
    "peak_force", "net_impulse", "peak_landing_force",
)
CMJ_METRICS = (
    *JUMP_METRICS, "time_to_takeoff", "rsi_modified", "braking_net_impulse", "propulsive_net_impulse",
    "unweighting_time", "braking_time", "propulsive_time", "countermovement_depth",
)
PLATE_METRICS = ("left_peak_force", "right_peak_force", "peak_force_asymmetry")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """Run ``forcelab analyze ARGS --json`` through the console entry; the output must be one JSON document."""
    rc = main(["analyze", *args, "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    doc = json.loads(out)  # exactly one document: json.loads refuses trailing text
    assert isinstance(doc, dict)
    for key in ("test", "file", "rate", "trials"):
        assert key in doc
    for trial in doc["trials"]:
        assert {"start", "end", "metrics", "events", "flags"} <= set(trial)
        assert trial["start"] < trial["end"]
        for name, m in trial["metrics"].items():
            assert REQUIRED_KEYS <= set(m), name
            assert (m["value"] is None) == ("reason" in m), name
    return doc


def run_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``forcelab analyze ARGS``, expecting a user error: exit code 2 and one line on stderr."""
    rc = main(["analyze", *args])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    assert err.startswith("forcelab: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def values(trial: dict[str, Any]) -> dict[str, float | None]:
    return {k: m["value"] for k, m in trial["metrics"].items()}


# ------------------------------------------------------------------------------------ real recordings


def test_example_cmj_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(EXAMPLES / "cmj_two_plates.csv"), "--test", "cmj")
    assert doc["test"] == "cmj" and doc["rate"] == 1000
    assert len(doc["trials"]) == 1
    trial = doc["trials"][0]
    v = values(trial)
    for name in (*CMJ_METRICS, *PLATE_METRICS):
        assert name in v, name
    # plausibility on this real jump: quiet stance ≈ 662 N (data README), a jump of a few tens of cm
    assert v["body_weight"] == pytest.approx(662, abs=10)
    assert 0.1 < (v["jump_height_takeoff_velocity"] or 0) < 0.7
    assert 0.2 < (v["flight_time"] or 0) < 0.8
    assert trial["metrics"]["jump_height_takeoff_velocity"]["unit"] == "m"
    assert trial["metrics"]["peak_force"]["unit"] == "N"
    # events are counted from the start of the file
    takeoff = trial["events"].get("takeoff")
    if takeoff is not None and takeoff["index"] is not None:
        assert trial["start"] <= takeoff["time"] <= trial["end"]


def test_example_cmj_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["analyze", str(EXAMPLES / "cmj_two_plates.csv")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "cmj_two_plates.csv" in out and "1000 Hz" in out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.strip()}
    assert "jump_height_takeoff_velocity" in lines and " m " in lines["jump_height_takeoff_velocity"]
    assert "left_peak_force" in lines
    # the asymmetry names its stronger side, and the legend names the formula
    assert lines["peak_force_asymmetry"].rstrip().endswith((" L", " R"))
    assert "asymmetry by percent difference" in out
    rc = main(["analyze", str(EXAMPLES / "cmj_two_plates.csv"), "--all-metrics"])
    everything, _ = capsys.readouterr()
    assert rc == 0
    assert len(everything.splitlines()) > len(out.splitlines())


def test_example_sj_and_dj(capsys: pytest.CaptureFixture[str]) -> None:
    sj = run_json(capsys, str(EXAMPLES / "sj_two_plates.csv"), "--test", "sj")
    assert len(sj["trials"]) == 1
    v = values(sj["trials"][0])
    assert 0.1 < (v["jump_height_takeoff_velocity"] or 0) < 0.7
    dj = run_json(capsys, str(EXAMPLES / "dj_two_plates.csv"), "--test", "dj")
    assert len(dj["trials"]) >= 1
    v = values(dj["trials"][0])
    assert 0.1 < (v["contact_time"] or 0) < 1.0
    assert v["rsi"] is not None and 0.1 < v["rsi"] < 5


def test_jumpmetrics_file_needs_rate_then_works(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    path = str(shared_data / "jumpmetrics/F02_CTRL1.txt")
    err = run_error(capsys, path)
    assert "--rate" in err and "F02_CTRL1.txt" in err
    doc = run_json(capsys, path, "--rate", "2000", "--test", "cmj")
    assert len(doc["trials"]) == 1
    v = values(doc["trials"][0])
    # Plausibility only (the analysis tests hold it to jumpmetrics' numbers): jumpmetrics reports 0.318 m
    # from flight time and 723 N body weight (data README).
    assert v["body_weight"] == pytest.approx(723, abs=10)
    assert 0.2 < (v["jump_height_flight_time"] or 0) < 0.45


def test_long_recording_finds_every_jump(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    doc = run_json(capsys, str(shared_data / "shiny-vertical-jump/example_data/long_1.csv"), "--rate", "1000",
                   "--test", "cmj")
    assert len(doc["trials"]) == 4  # data README: four countermovement jumps with step-offs between
    starts = [t["start"] for t in doc["trials"]]
    assert starts == sorted(starts)
    for t in doc["trials"]:
        assert 0.1 < (values(t)["jump_height_flight_time"] or 0) < 0.8


def test_single_trial_per_plate_peaks(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    doc = run_json(capsys, str(shared_data / "shiny-vertical-jump/example_data/single_trial.csv"), "--rate", "1000")
    v = values(doc["trials"][0])
    # data README: peak force 1959.73 N (left 989.14, right 970.59) from the app that recorded it
    assert v["peak_force"] == pytest.approx(1959.73, abs=5)
    assert v["left_peak_force"] == pytest.approx(989.14, abs=5)
    assert v["right_peak_force"] == pytest.approx(970.59, abs=5)


def test_wide_file_trial_option(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    path = str(shared_data / "shiny-vertical-jump/example_data/wide_data.csv")
    assert "--trial 1..4" in run_error(capsys, path, "--rate", "1000")
    doc = run_json(capsys, path, "--rate", "1000", "--trial", "1", "--test", "sj")
    # data README: squat jump 1 of wide_data.csv peaks at 1421.60 N
    assert values(doc["trials"][0])["peak_force"] == pytest.approx(1421.6, abs=5)


def test_isometric_peak_is_a_fact_of_the_file(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    doc = run_json(capsys, str(shared_data / "isometric-analyzer/Example1.csv"), "--test", "imtp")
    assert doc["rate"] == 1000
    assert len(doc["trials"]) == 1
    trial = doc["trials"][0]
    v = values(trial)
    assert v["peak_force"] == pytest.approx(2803.6, abs=0.05)
    for name in ("time_to_peak_force", "force_at_100ms", "rfd_0_100ms", "rfd_0_200ms", "peak_rfd"):
        assert name in v, name


def test_filter_option(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "cmj_two_plates.csv")
    doc = run_json(capsys, path, "--test", "cmj", "--filter", "50")
    raw = run_json(capsys, path, "--test", "cmj")
    pf, pr = values(doc["trials"][0])["peak_force"], values(raw["trials"][0])["peak_force"]
    assert pf is not None and pr is not None and pf != pr and abs(pf - pr) < 100
    assert "half the sample rate" in run_error(capsys, path, "--filter", "600")
    assert "positive" in run_error(capsys, path, "--filter", "0")


# ------------------------------------------------------------------------------------------ bad input


def test_bad_inputs_exit_2_with_a_clear_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              shared_data: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "is empty" in run_error(capsys, str(empty))

    nans = tmp_path / "nans.csv"
    nans.write_text("time,force\n0,700\n0.001,nan\n0.002,701\n")
    assert "line 3" in run_error(capsys, str(nans))

    err = run_error(capsys, str(shared_data / "isometric-analyzer/Example2.csv"), "--force-column", "Fy")
    assert "'Fz'" in err and "'CoPx'" in err

    err = run_error(capsys, str(shared_data / "isometric-analyzer/Example1.csv"), "--rate", "2000")
    assert "2000 Hz" in err and "1000 Hz" in err

    assert "no such file" in run_error(capsys, str(tmp_path / "missing.csv"))


def test_no_jump_in_a_quiet_recording(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    quiet = tmp_path / "quiet.csv"
    force = 700 + rng.normal(0, 2, 5000)
    quiet.write_text("force\n" + "\n".join(f"{f:.2f}" for f in force) + "\n")
    err = run_error(capsys, str(quiet), "--rate", "1000", "--test", "cmj")
    assert "no" in err and "quiet.csv" in err


def test_subprocess_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    ok = subprocess.run([sys.executable, "-m", "forcelab", "analyze", str(EXAMPLES / "cmj_two_plates.csv"), "--json"],
                        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["trials"]
    bad = tmp_path / "bad.csv"
    bad.write_text("time,forse\n0,1\n0.001,2\n")
    fail = subprocess.run([sys.executable, "-m", "forcelab", "analyze", str(bad)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert fail.returncode == 2
    assert "Traceback" not in fail.stderr and "'forse'" in fail.stderr


# ---------------------------------------------------------------------------------- output helpers


def test_format_value() -> None:
    assert format_value(None) == "n/a"
    assert format_value(1959.734) == "1960"
    assert format_value(662.123) == "662.1"
    assert format_value(2.37275) == "2.373"
    assert format_value(0.28697) == "0.2870"
    assert format_value(0.0) == "0"
    assert format_value(-36.45) == "-36.45"
    assert format_value(1.5e-5) == "1.5e-05"


def test_table_lists_flags_and_not_found_reasons() -> None:
    res = TrialResult(test="cmj", rate=1000.0)
    res.add_metric(Metric("jump_height_takeoff_velocity", 0.3, "m", "tov", {}, "ref"))
    res.add_metric(Metric("flight_time", None, "s", "ft", {}, "ref", reason="landing not found"))
    res.flag("flight_out_of_range", "flight time outside 0.1-1.2 s")
    report = FileReport(test="cmj", file=Path("x.csv"), rate=1000.0, layout="csv", duration=5.0,
                        two_plates=False, trials=[AnalysedTrial(1.0, 4.0, 1000, res)], notes=("a note",))
    text = format_table(report)
    assert "flight_out_of_range" in text and "landing not found" in text and "note: a note" in text
    assert "0.3000" in text
    d = report_to_dict(report)
    assert d["trials"][0]["flags"] == [Flag("flight_out_of_range", "flight time outside 0.1-1.2 s").to_dict()]
    assert d["trials"][0]["metrics"]["flight_time"]["reason"] == "landing not found"


def test_auto_detects_each_example(capsys: pytest.CaptureFixture[str]) -> None:
    for name, test in (("cmj_two_plates.csv", "cmj"), ("sj_two_plates.csv", "sj"), ("dj_two_plates.csv", "dj")):
        doc = run_json(capsys, str(EXAMPLES / name))
        assert doc["test"] == "auto"
        assert [t["test"] for t in doc["trials"]] == [test], name
        assert "test_auto_detected" in [f["code"] for f in doc["trials"][0]["flags"]]


def test_drop_height_option(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "dj_two_plates.csv")
    without = values(run_json(capsys, path, "--test", "dj")["trials"][0])
    assert without["drop_height"] is None
    v = values(run_json(capsys, path, "--test", "dj", "--drop-height", "0.3")["trials"][0])
    assert v["drop_height"] == pytest.approx(0.3)
    assert v["jump_height_takeoff_velocity"] is not None and 0.1 < v["jump_height_takeoff_velocity"] < 0.7
    assert "drop jumps" in run_error(capsys, path, "--test", "cmj", "--drop-height", "0.3")


@pytest.mark.parametrize(("trial", "low", "high"), [(1, 0.405, 0.425), (2, 0.429, 0.458)])
def test_files_cut_tightly_around_one_jump(capsys: pytest.CaptureFixture[str], shared_data: Path,
                                          trial: int, low: float, high: float) -> None:
    """plateforce trials are trimmed to one jump; trial 2 even ends in flight. Each gives one CMJ.

    Whether segmentation finds the trial or the whole file is analysed (then a note says so), the jump
    height must sit in the range of the impulse-momentum methods that plateforce's reference table lists
    for that trial (41.1-42.0 cm and 43.4-45.3 cm), widened by 0.5 cm for the weighing window.
    """
    doc = run_json(capsys, str(shared_data / f"plateforce/subject01_trial{trial}.force.txt"), "--rate", "1200")
    assert len(doc["trials"]) == 1 and doc["trials"][0]["test"] == "cmj"
    v = values(doc["trials"][0])
    assert v["jump_height_takeoff_velocity"] is not None and low <= v["jump_height_takeoff_velocity"] <= high
    if trial == 2:  # ends in flight: no landing, so no flight time, and the reason says so
        m = doc["trials"][0]["metrics"]["flight_time"]
        assert m["value"] is None and "flight" in m["reason"]


def test_quiet_recording_with_auto_cannot_tell(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    quiet = tmp_path / "still.csv"
    force = 650 + np.random.default_rng(2).normal(0, 2, 3000)
    quiet.write_text("time,force\n" + "".join(f"{i / 1000:.3f},{f:.2f}\n" for i, f in enumerate(force)))
    err = run_error(capsys, str(quiet))
    assert "still.csv" in err


def test_key_metrics_are_metrics_the_analyses_report() -> None:
    """A key-metric name the analysis does not report would silently never be shown in the table."""
    from forcelab.analysis.dispatch import analyze
    from forcelab.cli.output import KEY_METRICS, KEY_PLATE_METRICS
    from forcelab.simulation import synthetic

    for test, trial in (("cmj", synthetic.cmj()), ("sj", synthetic.squat_jump()), ("dj", synthetic.drop_jump()),
                        ("imtp", synthetic.isometric_pull())):
        result = analyze(trial.trace, test)
        unknown = [n for n in (*KEY_METRICS[test], *KEY_PLATE_METRICS) if n not in result.metrics]
        assert not unknown, f"{test}: {unknown}"
