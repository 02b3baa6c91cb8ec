"""Comparisons on sessions imported from the real recordings in ../shared/data.

plateforce: one athlete's six countermovement jumps (1200 Hz, total force) imported as six weekly
sessions. shiny-vertical-jump: long_1 (four jumps) and long_4 (three jumps), two plates, imported as two
sessions of one athlete. The trends must carry exactly what the analysis of each file gives, and the
report of a real session must render.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from forcelab.analysis.dispatch import analyze
from forcelab.analysis.segmentation import find_trials
from forcelab.compare.source import asymmetry_trend, athlete_trend
from forcelab.gui.report import write_session_report
from forcelab.storage.importer import import_file
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.readers import read_force_file

WEEK0 = datetime(2026, 1, 5, 10, 0).astimezone()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    path = tmp_path_factory.mktemp("real-archive")
    for k in range(1, 7):
        import_file(shared_data / "plateforce" / f"subject01_trial{k}.force.txt", archive=path,
                    athlete="plateforce subject01", test="cmj", rate=1200.0, whole=True,
                    started=WEEK0 + timedelta(weeks=k - 1))
    for k, name in enumerate(("long_1.csv", "long_4.csv")):
        import_file(shared_data / "shiny-vertical-jump" / "example_data" / name, archive=path,
                    athlete="shiny athlete", test="cmj", rate=1000.0, started=WEEK0 + timedelta(weeks=k))
    with ArchiveIndex(path) as index:
        index.sync()
    return path


def test_plateforce_trend_carries_each_trials_jump_height(archive: Path, shared_data: Path) -> None:
    with ArchiveIndex(archive) as index:
        t = athlete_trend(index, "plateforce subject01", "jump_height_takeoff_velocity", test="cmj")
    assert len(t.points) == 6 and all(p.n_trials == 1 for p in t.points)
    for k, point in enumerate(t.points, start=1):
        rec = read_force_file(shared_data / "plateforce" / f"subject01_trial{k}.force.txt", rate=1200.0)
        direct = analyze(rec.trace, "cmj").value("jump_height_takeoff_velocity")
        assert direct is not None
        assert point.value == pytest.approx(direct, abs=1e-12)
        # the impulse-method heights the reference file lists for these trials span 41-45 cm
        assert 0.38 < point.value < 0.47
    # one trial per session: no within-session CV, so no typical error and no meaningful-change flags
    assert t.typical_error_cv is None and not any(p.meaningful for p in t.points)


def test_shiny_asymmetry_trend_matches_the_analysis_of_each_trial(archive: Path, shared_data: Path) -> None:
    expected = []
    for name in ("long_1.csv", "long_4.csv"):
        trace = read_force_file(shared_data / "shiny-vertical-jump" / "example_data" / name, rate=1000.0).trace
        values = []
        for seg in find_trials(trace, kind="jump"):
            m = analyze(trace.slice(seg.start, seg.end), "cmj").metrics.get("peak_force_asymmetry")
            if m is not None and m.value is not None:
                values.append((m.value, m.params["stronger_side"]))
        expected.append(values)
    assert [len(v) for v in expected] == [4, 3]
    with ArchiveIndex(archive) as index:
        t, levels = asymmetry_trend(index, "shiny athlete", "peak_force_asymmetry", test="cmj")
    assert [p.n_trials for p in t.points] == [4, 3]
    for point, values in zip(t.points, expected, strict=True):
        assert point.value == pytest.approx(sum(v for v, _ in values) / len(values), abs=1e-9)
        assert sorted(point.trial_values) == pytest.approx(sorted(v for v, _ in values), abs=1e-12)
    assert [lv.level for lv in levels] == [
        "ok" if p.value < 10 else ("monitor" if p.value < 15 else "high") for p in t.points
    ]


def test_report_of_a_real_two_plate_session_renders(archive: Path, tmp_path: Path) -> None:
    session = next(p for p in sorted((archive / "sessions").rglob("*.h5")) if "shiny" in p.name)
    with ArchiveIndex(archive) as index:
        summary = write_session_report(session, tmp_path / "shiny.pdf", index=index)
    assert summary.titles[0].startswith("Session report: shiny athlete")
    assert "Left/right asymmetry" in summary.titles and "Trends" in summary.titles
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm (Debian poppler-utils) is needed to render the report; .ci/run installs it")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(summary.path), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == summary.pages
