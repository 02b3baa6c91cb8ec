"""Import a real recording -> export CSV -> import again: same samples, same metrics; and re-analysis."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis.cmj import analyze_cmj
from forcelab.analysis.types import ForceTrace, Metric, TrialResult
from forcelab.storage.export import export_csv
from forcelab.storage.importer import import_file
from forcelab.storage.readers import ForceFileError
from forcelab.storage.reanalyze import reanalyze
from forcelab.storage.session import open_session


def _cmj(trace: ForceTrace, test: str) -> TrialResult:
    """The real CMJ analysis of the total force (the archive does not care which metrics come back)."""
    assert test == "cmj"
    return analyze_cmj(ForceTrace(rate=trace.rate, total=trace.total))


def test_round_trip_import_export_import(tmp_path: Path, shared_data: Path) -> None:
    src = shared_data / "vertical-jumps-fz" / "Dual-CMJ-Fz.txt"
    first = import_file(src, archive=tmp_path, athlete="Gidiel", test="cmj", rate=1000, whole=True, analyze=_cmj)
    s1 = open_session(first)
    assert s1.complete and s1.plates == 2 and s1.rate == 1000 and len(s1.trials) == 1
    t1 = s1.trials[0]
    assert t1.n == 5000 and t1.raw_unit == "N"
    assert 600 < float(np.median(t1.total[:500])) < 720  # quiet stance ≈ 662 N body weight (README)
    assert t1.metrics["jump_height_takeoff_velocity"]["unit"] == "m"

    files = export_csv(first, tmp_path / "csv")
    assert [f.name for f in files] == ["metrics.csv", "trial_001_force.csv"]
    with open(files[0], newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["trial"] == "1" and rows[0]["test"] == "cmj"
    jh = t1.metrics["jump_height_takeoff_velocity"]["value"]
    assert float(rows[0]["jump_height_takeoff_velocity [m]"]) == jh

    second = import_file(files[1], archive=tmp_path, athlete="Gidiel", test="cmj", whole=True, analyze=_cmj)
    t2 = open_session(second).trials[0]
    np.testing.assert_array_equal(t2.total, t1.total)
    np.testing.assert_array_equal(t2.left, t1.left)
    np.testing.assert_array_equal(t2.right, t1.right)
    assert t2.metrics == t1.metrics


def test_reanalyze_keeps_old_metrics_as_history(tmp_path: Path, shared_data: Path) -> None:
    src = shared_data / "vertical-jumps-fz" / "Dual-CMJ-Fz.txt"

    def old_method(trace: ForceTrace, test: str) -> TrialResult:
        r = TrialResult(test=test, rate=trace.rate)
        r.add_metric(Metric("peak_force", float(trace.total.max()) - 1.0, "N", "old_peak_v0", {}, "none"))
        return r

    path = import_file(src, archive=tmp_path, athlete="Gidiel", test="cmj", rate=1000, whole=True, analyze=old_method)
    changes = reanalyze(path, analyze=_cmj)
    s = open_session(path)
    t = s.trials[0]
    assert changes[1][0]["peak_force"]["method"] == "old_peak_v0"
    assert t.metrics["peak_force"]["method"] != "old_peak_v0"
    assert t.metrics["peak_force"]["value"] == _cmj(t.trace(), "cmj").value("peak_force")
    (label,) = t.history
    assert label.startswith("v1_") and t.history[label]["metrics"]["peak_force"]["method"] == "old_peak_v0"
    reanalyze(path, analyze=_cmj)
    assert len(open_session(path).trials[0].history) == 2


def test_import_of_a_bad_file_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,force\n0,1\n0.001,abc\n")
    with pytest.raises(ForceFileError, match="bad.csv"):
        import_file(bad, archive=tmp_path, athlete="X", test="cmj", whole=True, analyze=_cmj)
    with pytest.raises(ValueError, match="unknown test"):
        import_file(bad, archive=tmp_path, athlete="X", test="hop", whole=True, analyze=_cmj)
    assert not list(tmp_path.rglob("*.h5"))  # nothing half-written left behind


def test_reanalyze_recovers_a_crashed_session_and_refuses_a_live_one(tmp_path: Path) -> None:
    from forcelab.storage.writer import SessionWriter
    from support.archive import block_for, info

    def peak(trace: ForceTrace, test: str) -> TrialResult:
        r = TrialResult(test=test, rate=trace.rate)
        r.add_metric(Metric("peak_force", float(trace.total.max()), "N", "max_v1", {}, "none"))
        return r

    w = SessionWriter(tmp_path / "live.h5", info())
    n = w.begin_trial("cmj")
    b, t, lft, rgt = block_for(0, 500)
    w.append(b, t, lft, rgt)
    w.end_trial(n)
    with pytest.raises(ValueError, match="being recorded now"):
        reanalyze(w.path, analyze=peak)
    w.abort()  # the recorder dies: now the session may be repaired and re-analysed
    changes = reanalyze(w.path, analyze=peak)
    assert changes[1][1]["peak_force"]["value"] == float(t.max())
    s = open_session(w.path)
    assert not s.complete and s.recovered and s.trials[0].metrics["peak_force"]["method"] == "max_v1"


def test_import_segments_a_long_recording_into_trials(tmp_path: Path) -> None:
    from forcelab.simulation import synthetic

    trace, truths = synthetic.session(["cmj", ("cmj", {"jump_height": 0.4}), "cmj"], rate=1000.0, noise_sd=1.0, seed=7)
    assert trace.left is not None and trace.right is not None
    src = tmp_path / "long.csv"
    t = np.arange(trace.n) / trace.rate
    np.savetxt(src, np.column_stack([t, trace.left, trace.right]), delimiter=",", header="time,left,right", comments="")
    path = import_file(src, archive=tmp_path, athlete="Long", test="cmj", analyze=_cmj)
    s = open_session(path)
    assert len(s.trials) == 3 == len(truths)
    starts = [tr.start for tr in s.trials]
    assert starts == sorted(starts) and all(tr.n > 1000 for tr in s.trials)
    jh = [tr.metrics["jump_height_takeoff_velocity"]["value"] for tr in s.trials]
    assert jh[1] == pytest.approx(0.4, abs=0.02) and jh[0] == pytest.approx(0.35, abs=0.02)
