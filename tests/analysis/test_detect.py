"""Telling the test type from the trace, on real recordings of known type and on synthetic trials."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis.detect import detect_test_type
from forcelab.analysis.segmentation import find_trials
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic
from forcelab.storage.readers import read_force_file


@pytest.mark.parametrize(
    ("rel", "rate", "expected"),
    [
        ("vertical-jumps-fz/Dual-CMJ-Fz.txt", 1000.0, "cmj"),
        ("vertical-jumps-fz/Dual-SJ-Fz.txt", 1000.0, "sj"),
        ("vertical-jumps-fz/Dual-DJ-Fz.txt", 1000.0, "dj"),
        ("shiny-vertical-jump/example_data/single_trial.csv", 1000.0, "cmj"),
        # a slow, shallow countermovement: the force dips only 120 N but the body moves down at ~0.5 m/s
        ("jumpmetrics/F02_CTRL1.txt", 2000.0, "cmj"),
        # a squat jump with a small twitch before the push (86 N dip, ~0.14 m/s): still a squat jump
        ("jumpmetrics/FHOC_P30_SQT300007.txt", 1000.0, "sj"),
        # trimmed to end in flight (no landing in the file)
        ("plateforce/subject01_trial2.force.txt", 1200.0, "cmj"),
        ("isometric-analyzer/Example1.csv", None, "imtp"),
        ("isometric-analyzer/Example3.csv", None, "imtp"),
    ],
)
def test_real_recordings(shared_data: Path, rel: str, rate: float | None, expected: str) -> None:
    test, reason = detect_test_type(read_force_file(shared_data / rel, rate=rate).trace)
    assert test == expected, reason
    assert len(reason) > 20


@pytest.mark.parametrize("trial", [1, 2, 3, 4])
def test_wide_data_squat_jumps(shared_data: Path, trial: int) -> None:
    rec = read_force_file(shared_data / "shiny-vertical-jump/example_data/wide_data.csv", rate=1000.0, trial=trial)
    assert detect_test_type(rec.trace)[0] == "sj"


def test_segments_of_long_recordings(shared_data: Path) -> None:
    # four and three countermovement jumps; the first of long_1 is preceded by a hop
    for name, n in (("long_1.csv", 4), ("long_4.csv", 3)):
        tr = read_force_file(shared_data / "shiny-vertical-jump/example_data" / name, rate=1000.0).trace
        segs = find_trials(tr)
        assert [detect_test_type(tr.slice(s.start, s.end))[0] for s in segs] == ["cmj"] * n


def test_synthetic_session_types() -> None:
    steps: list[str | tuple[str, dict[str, float]]] = [
        "cmj", "sj", "dj", ("cmj", {"depth": 0.15}), ("sj", {"countermovement": 0.01})]
    tr, truths = synthetic.session(steps, noise_sd=3.0, seed=11)
    segs = find_trials(tr)
    assert [detect_test_type(tr.slice(s.start, s.end))[0] for s in segs] == [t["test_name"] for t in truths]
    pull = synthetic.isometric_pull(noise_sd=2.0, seed=1)
    assert detect_test_type(pull.trace)[0] == "imtp"


def test_what_cannot_be_told() -> None:
    with pytest.raises(ValueError, match="no flight"):
        detect_test_type(ForceTrace(1000.0, np.full(3000, 700.0)))
    with pytest.raises(ValueError, match="half a second"):
        detect_test_type(ForceTrace(1000.0, np.full(100, 700.0)))
    with pytest.raises(ValueError, match="non-finite"):
        detect_test_type(ForceTrace(1000.0, np.full(3000, np.nan)))
    with pytest.raises(ValueError, match="unknown threshold"):
        detect_test_type(ForceTrace(1000.0, np.full(3000, 700.0)), cm_speed=1.0)
