"""Comparisons on a real generated archive: twelve weekly sessions of three simulated athletes.

The archive is written through SessionWriter from synthetic two-plate CMJs analysed with the real
analysis (forcelab.simulation.example_archive); the known drifts are a 14 % jump-height drop in week 8 for
Dropping Dana and an asymmetry rise (weeks 7-8) with a side flip (week 10) for Asymmetric Alex.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from forcelab.cli import main
from forcelab.compare.source import asymmetry_trend, athlete_trend, team_table
from forcelab.simulation import example_archive
from forcelab.storage.index import ArchiveIndex


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive")
    example_archive.build(path, weeks=12, trials=3, reject_every=10)
    return path


def test_jump_height_drop_is_flagged_in_week_8_only(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        t = athlete_trend(index, "Dropping Dana", "jump_height_takeoff_velocity", test="cmj")
    assert len(t.points) == 12
    assert t.unit == "m"
    assert [i for i, p in enumerate(t.points) if p.meaningful] == [8]
    assert t.points[8].direction == "worse" and t.points[8].status == "red"
    assert t.typical_error_cv is not None and 1.0 < t.typical_error_cv < 3.5  # generated with a 2 % CV


def test_stable_athlete_has_no_meaningful_change_and_no_red(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        for metric in ("jump_height_takeoff_velocity", "peak_force", "rsi_modified"):
            t = athlete_trend(index, "Stable Sam", metric, test="cmj")
            assert not any(p.meaningful for p in t.points), metric
            assert not any(p.status == "red" for p in t.points), metric


def test_asymmetry_levels_and_side_flip(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        t, levels = asymmetry_trend(index, "Asymmetric Alex", "peak_force_asymmetry", test="cmj")
    assert [lv.level for lv in levels] == ["ok"] * 7 + ["monitor"] + ["high"] * 4
    assert [lv.stronger_side for lv in levels] == ["left"] * 10 + ["right"] * 2
    assert [i for i, lv in enumerate(levels) if lv.flipped] == [10]
    np.testing.assert_allclose([p.value for p in t.points[:7]], 5.0, atol=0.6)  # generated at 5 %


def test_rejected_trials_are_left_out(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        values = index.metric_values("Stable Sam", "jump_height_takeoff_velocity")
        t = athlete_trend(index, "Stable Sam", "jump_height_takeoff_velocity")
    rejected = sum(v.accepted is False for v in values)
    assert rejected > 0
    assert sum(p.n_trials for p in t.points) == len(values) - rejected


def test_team_table_puts_the_athletes_needing_attention_first(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        rows = team_table(index, test="cmj")
    assert [r.athlete for r in rows][0] == "Asymmetric Alex"
    alex = rows[0]
    assert any("peak_force_asymmetry" in f and "high" in f for f in alex.flags)
    sam = next(r for r in rows if r.athlete == "Stable Sam")
    assert not any("high" in f for f in sam.flags)


def test_trends_command_json(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["trends", "--athlete", "Dropping Dana", "--metric", "jump_height_takeoff_velocity",
                 "--json", "--archive", str(archive)])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["metric"] == "jump_height_takeoff_velocity" and len(doc["sessions"]) == 12
    assert [s["meaningful"] for s in doc["sessions"]].index(True) == 8
    assert "2.77 x TE" in doc["method"]


def test_trends_command_unknown_athlete_and_metric(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trends", "--athlete", "Nobody", "--metric", "peak_force", "--archive", str(archive)]) == 2
    assert "no athlete named 'Nobody'" in capsys.readouterr().err
    assert main(["trends", "--athlete", "Stable Sam", "--metric", "jump_hieght", "--archive", str(archive)]) == 2
    assert "no metric 'jump_hieght'" in capsys.readouterr().err


def test_report_pdf_has_its_pages_and_renders(archive: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    session = sorted((archive / "sessions").rglob("*asymmetric-alex*.h5"))[-1]
    out = tmp_path / "alex.pdf"
    assert main(["report", str(session), "--out", str(out)]) == 0
    assert "4 pages" in capsys.readouterr().out
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm (Debian poppler-utils) is needed to render the report; .ci/run installs it")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 4
    from PySide6.QtGui import QImage

    for page in pages:  # every page has ink on it: not a blank render
        img = QImage(str(page))
        arr = np.frombuffer(img.convertToFormat(QImage.Format.Format_Grayscale8).constBits(), np.uint8)
        assert (arr < 128).mean() > 0.002, page.name
    keep = Path(__file__).resolve().parents[2] / "screenshots"
    if keep.is_dir():
        for page in pages:
            shutil.copy(page, keep / f"report-{page.name}")


def test_report_of_a_damaged_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not an hdf5 file at all")
    assert main(["report", str(bad), "--out", str(tmp_path / "x.pdf")]) == 2
    assert "broken.h5" in capsys.readouterr().err


def test_team_rows_carry_each_metrics_stored_unit(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ArchiveIndex(archive) as index:
        rows = team_table(index, test="cmj")
    for r in rows:
        assert r.units == {"jump_height_takeoff_velocity": "m", "rsi_modified": "m/s", "peak_force": "N",
                           "peak_force_asymmetry": "%"}
    assert main(["team", "--json", "--archive", str(archive)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc[0]["units"]["peak_force"] == "N" and doc[0]["units"]["jump_height_takeoff_velocity"] == "m"
