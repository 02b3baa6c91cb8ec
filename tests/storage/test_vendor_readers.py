"""The commercial export layouts: each written from a synthetic jump with known truth, read back, imported, analysed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic, vendor_files
from forcelab.storage.importer import import_file
from forcelab.storage.readers import ForceFileError, read_force_file
from forcelab.storage.session import open_session

RATE = 1000.0
TRUTH = synthetic.cmj(body_mass=80.0, jump_height=0.32, rate=RATE, asymmetry=0.08, noise_sd=1.5, seed=3)

WRITERS: dict[str, Callable[[ForceTrace, Path], Path]] = {
    "forcedecks": vendor_files.write_forcedecks,
    "hawkin": vendor_files.write_hawkin,
    "amti-bertec": vendor_files.write_amti_bertec,
}
SUFFIX = {"forcedecks": ".csv", "hawkin": ".csv", "amti-bertec": ".txt", "c3d": ".c3d"}


def _write(layout: str, folder: Path) -> Path:
    path = folder / f"jump_{layout}{SUFFIX[layout]}"
    if layout == "c3d":
        pytest.importorskip("ezc3d")
        return vendor_files.write_c3d(TRUTH.trace, path)
    return WRITERS[layout](TRUTH.trace, path)


@pytest.mark.parametrize("layout", ["forcedecks", "hawkin", "amti-bertec", "c3d"])
def test_detects_layout_and_reads_forces_rate_plates(layout: str, tmp_path: Path) -> None:
    rec = read_force_file(_write(layout, tmp_path))
    assert rec.layout == layout
    assert rec.trace.rate == RATE
    assert rec.trace.left is not None and rec.trace.right is not None
    n = rec.trace.n
    truth = TRUTH.trace
    assert truth.n - 10 < n <= truth.n  # C3D keeps whole marker frames: up to 9 samples fewer
    assert truth.left is not None and truth.right is not None
    np.testing.assert_allclose(rec.trace.left, truth.left[:n], atol=1e-5)
    np.testing.assert_allclose(rec.trace.right, truth.right[:n], atol=1e-5)
    np.testing.assert_allclose(rec.trace.total, truth.total[:n], atol=2e-5)
    assert any("left" in note for note in rec.notes) or layout in ("hawkin", "forcedecks")


@pytest.mark.parametrize("layout", ["forcedecks", "hawkin", "amti-bertec", "c3d"])
def test_import_is_an_ordinary_session_with_the_true_metrics(layout: str, tmp_path: Path) -> None:
    src = _write(layout, tmp_path)
    path = import_file(src, archive=tmp_path / "archive", athlete="Vendor Athlete", test="cmj", whole=True)
    session = open_session(path, load_analysis=True)
    assert session.complete and session.plates == 2 and session.rate == RATE
    assert session.source == f"import:{src.name}"
    (trial,) = session.trials
    m = trial.metrics
    assert m["jump_height_takeoff_velocity"]["value"] == pytest.approx(TRUTH.truth["jump_height"], abs=0.005)
    assert m["body_weight"]["value"] == pytest.approx(80.0 * synthetic.G, rel=0.005)
    asym = m["peak_force_asymmetry"]
    # the split is 54 % / 46 % at every instant, so the peak-force asymmetry is the split's (noise moves it little)
    assert asym["value"] == pytest.approx(synthetic.asymmetry_truth(0.08)["asymmetry_index_max_pct"], abs=0.3)
    assert asym["params"]["stronger_side"] == "left"


def test_c3d_kistler_type_3_sums_four_vertical_channels(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    path = vendor_files.write_c3d(TRUTH.trace, tmp_path / "kistler.c3d", plate_type=3)
    rec = read_force_file(path)
    assert TRUTH.trace.left is not None
    np.testing.assert_allclose(rec.trace.left, TRUTH.trace.left[: rec.trace.n], atol=1e-4)
    assert "fz1+fz2+fz3+fz4" in rec.columns["left"]


def test_c3d_type_4_applies_the_calibration_matrix(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    path = vendor_files.write_c3d(TRUTH.trace, tmp_path / "type4.c3d", plate_type=4)
    rec = read_force_file(path)
    assert TRUTH.trace.left is not None and TRUTH.trace.right is not None
    np.testing.assert_allclose(rec.trace.left, TRUTH.trace.left[: rec.trace.n], atol=1e-3)
    np.testing.assert_allclose(rec.trace.right, TRUTH.trace.right[: rec.trace.n], atol=1e-3)
    assert "CAL_MATRIX row 3" in rec.columns["left"]


def test_c3d_wrong_rate_and_missing_plate_are_named(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    path = vendor_files.write_c3d(TRUTH.trace, tmp_path / "two.c3d")
    with pytest.raises(ForceFileError, match=r"two\.c3d: --rate 500 Hz contradicts the file's ANALOG:RATE of 1000"):
        read_force_file(path, rate=500)
    with pytest.raises(ForceFileError, match="plate 3 does not exist"):
        read_force_file(path, plates=[3])
    one = read_force_file(path, plates=[2])
    assert one.trace.left is None and TRUTH.trace.right is not None
    np.testing.assert_allclose(one.trace.total, TRUTH.trace.right[: one.trace.n], atol=1e-5)


def _hawkin_with_cell(folder: Path, line: int, column: int, text: str) -> Path:
    """A Hawkin export of the truth with the cell at (1-based) ``line`` and ``column`` replaced by ``text``."""
    path = vendor_files.write_hawkin(TRUTH.trace, folder / "h.csv")
    lines = path.read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[column - 1] = text
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_hawkin_combined_that_is_not_left_plus_right_names_line_and_column(tmp_path: Path) -> None:
    path = _hawkin_with_cell(tmp_path, 102, 4, "12.5")
    with pytest.raises(ForceFileError, match=r"h\.csv: line 102, column 4 \('CombinedForce \(N\)'\) is 12\.5 N"):
        read_force_file(path)


def test_hawkin_non_number_names_line_and_column(tmp_path: Path) -> None:
    path = _hawkin_with_cell(tmp_path, 7, 2, "oops")
    with pytest.raises(ForceFileError, match=r"line 7, column 2 \('LeftForce \(N\)'\) is not a number: 'oops'"):
        read_force_file(path)


def test_forcedecks_rate_in_metadata_must_agree_with_time(tmp_path: Path) -> None:
    path = vendor_files.write_forcedecks(TRUTH.trace, tmp_path / "fd.csv")
    path.write_text(path.read_text().replace("Sample Rate,1000", "Sample Rate,2000"))
    with pytest.raises(ForceFileError, match=r"fd\.csv: line 3 states 2000 Hz but the time column steps at 1000 Hz"):
        read_force_file(path)


def test_amti_volts_and_too_many_plates_are_refused(tmp_path: Path) -> None:
    path = vendor_files.write_amti_bertec(TRUTH.trace, tmp_path / "a.txt")
    text = path.read_text()
    volts = tmp_path / "v.txt"
    volts.write_text(text.replace("Fz1 (N)", "Fz1 (V)"))
    with pytest.raises(ForceFileError, match=r"v\.txt: column 3 \('Fz1 \(V\)'\) is in 'V'"):
        read_force_file(volts)
    rec = read_force_file(path, plates=[2])
    assert rec.trace.left is None and rec.columns == {"total": "Fz2 (N)"}
    with pytest.raises(ForceFileError, match="no Fz column for plate 3"):
        read_force_file(path, plates=[1, 3])


def test_amti_without_rate_asks_for_it(tmp_path: Path) -> None:
    path = vendor_files.write_amti_bertec(TRUTH.trace, tmp_path / "a.txt")
    path.write_text(path.read_text().replace("Sample Rate: 1000 Hz\n", ""))
    with pytest.raises(ForceFileError, match="no time column, so the sample rate is unknown"):
        read_force_file(path)
    assert read_force_file(path, rate=1000).trace.rate == 1000


def test_named_layout_on_the_wrong_file_says_what_it_expected(tmp_path: Path) -> None:
    path = vendor_files.write_amti_bertec(TRUTH.trace, tmp_path / "a.txt")
    with pytest.raises(ForceFileError, match=r"a\.txt: no Hawkin Dynamics header row in the first 60 lines; "
                                             r"expected 'Time \(s\)', 'LeftForce \(N\)'"):
        read_force_file(path, layout="hawkin")
    not_c3d = tmp_path / "fake.c3d"
    not_c3d.write_text("time,force\n0,1\n")
    pytest.importorskip("ezc3d")
    with pytest.raises(ForceFileError, match=r"fake\.c3d: not a readable C3D file"):
        read_force_file(not_c3d)


def test_forcelab_import_reads_a_c3d_file_into_the_indexed_archive(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from forcelab.cli import main
    from forcelab.storage.index import ArchiveIndex

    src = _write("c3d", tmp_path)
    archive = tmp_path / "archive"
    assert main(["import", str(src), "--athlete", "Mocap Mia", "--test", "cmj", "--whole", "--plates", "2,1",
                 "--archive", str(archive)]) == 0
    assert "trial 1: cmj" in capsys.readouterr().out
    with ArchiveIndex(archive) as index:
        (row,) = index.sessions("Mocap Mia")
        (value,) = index.metric_values("Mocap Mia", "peak_force_asymmetry")
    assert row["tests"] == "cmj" and not row["error"]
    assert value.side == "right"  # plates swapped: plate 2 (the lighter) is now left
    with pytest.raises(SystemExit):
        main(["import", str(src), "--athlete", "X", "--test", "cmj", "--plates", "1,2,3", "--archive", str(archive)])
    assert "'1,2,3': give one or two plate numbers" in capsys.readouterr().err


def test_c3d_is_recognised_by_its_header_not_only_its_name(tmp_path: Path) -> None:
    pytest.importorskip("ezc3d")
    path = vendor_files.write_c3d(TRUTH.trace, tmp_path / "trial.c3d")
    renamed = path.rename(tmp_path / "trial.dat")
    assert read_force_file(renamed).layout == "c3d"
    text = tmp_path / "fp.txt"
    text.write_text("FP1\tFP2\n301.3\t312.1\n301.4\t312.0\n")  # 'P' as second byte, like a C3D header key
    assert read_force_file(text, rate=1000).layout == "csv"
