"""forcelab.storage.readers on every layout in ../shared/data and on broken files made for each error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forcelab.storage.readers import LAYOUTS, ForceFileError, read_force_file

# --------------------------------------------------------------------------- real files, every layout


def test_jumpmetrics_layout_sums_fz1_and_fz2(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "jumpmetrics/F02_CTRL1.txt", rate=2000)
    assert rec.layout == "jumpmetrics"
    assert rec.trace.rate == 2000
    assert rec.trace.n == 40000  # 40001 lines, the first one blank
    assert rec.time is None
    # first data row: FZ1 = -0.70688 (column 3), FZ2 = -1.74332 (column 9)
    assert rec.trace.left is not None and rec.trace.right is not None
    assert rec.trace.left[0] == pytest.approx(-0.70688)
    assert rec.trace.right[0] == pytest.approx(-1.74332)
    np.testing.assert_allclose(rec.trace.total, rec.trace.left + rec.trace.right)
    # quiet stance weighs about 723 N (data README)
    assert 700 < np.median(rec.trace.total[8000:12000]) < 750
    assert any("plate 1" in n for n in rec.notes)


def test_jumpmetrics_without_rate_says_give_rate(shared_data: Path) -> None:
    with pytest.raises(ForceFileError, match=r"F02_CTRL1\.txt.*no time column.*--rate"):
        read_force_file(shared_data / "jumpmetrics/F02_CTRL1.txt")


def test_jumpmetrics_column_choice_by_number(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "jumpmetrics/FHOC_P30_SQT300007.txt", rate=1000, force_column="3")
    assert not rec.trace.has_plates
    assert rec.trace.total[0] == pytest.approx(0.61598)


def test_shiny_fp1_fp2(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "shiny-vertical-jump/example_data/single_trial.csv", rate=1000)
    assert rec.layout == "csv"
    assert dict(rec.columns) == {"left": "fp1", "right": "fp2"}
    assert rec.trace.n == 5589
    assert rec.trace.left is not None and rec.trace.right is not None
    assert (rec.trace.left[0], rec.trace.right[0]) == (399.52, 405.08)
    assert (rec.trace.left[-1], rec.trace.right[-1]) == (240.7, 10.04)  # last line of the file: stepping off


def test_shiny_z_left_z_right(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "shiny-vertical-jump/example_data/long_4.csv", rate=1000)
    assert dict(rec.columns) == {"left": "Z Left", "right": "Z Right"}
    assert rec.trace.n == 40928


def test_wide_file_needs_trial_and_reads_each(shared_data: Path) -> None:
    path = shared_data / "shiny-vertical-jump/example_data/wide_data.csv"
    with pytest.raises(ForceFileError, match=r"4 trials.*--trial 1\.\.4"):
        read_force_file(path, rate=1000)
    lengths = []
    for trial in (1, 2, 3, 4):
        rec = read_force_file(path, rate=1000, trial=trial)
        assert rec.layout == "wide"
        assert np.isfinite(rec.trace.total).all()
        lengths.append(rec.trace.n)
    # trials are padded to the longest one: the padded ones are shorter, the longest keeps every row
    assert max(lengths) == 11144 and min(lengths) < 11144
    first = read_force_file(path, rate=1000, trial=1)
    assert first.trace.left is not None and first.trace.left[0] == 1.67
    with pytest.raises(ForceFileError, match="--trial 5 does not exist"):
        read_force_file(path, rate=1000, trial=5)


def test_pasco_export(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "shiny-vertical-jump/example_data/comma_pasco.csv")
    assert rec.layout == "pasco"
    assert rec.trace.rate == 1000  # from 'Time (s)' in 1 ms steps
    assert rec.time is not None and rec.time[1] == pytest.approx(0.001)
    assert rec.trace.left is not None and rec.trace.right is not None
    assert rec.trace.left[0] == pytest.approx(242.50)  # decimal comma read as a decimal point
    assert rec.trace.right[0] == pytest.approx(313.45)
    # plate 1 stops 10 rows before plate 2: those rows are padding, dropped with a note
    assert rec.trace.n == 7672 - 10
    assert any("last 10 rows" in n for n in rec.notes)


def test_vertical_jumps_fz_tab_separated(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "vertical-jumps-fz/Dual-CMJ-Fz.txt", rate=1000)
    assert dict(rec.columns) == {"left": "FP1", "right": "FP2"}
    assert rec.trace.n == 5000
    assert np.median(rec.trace.total[:1000]) == pytest.approx(662, abs=5)


def test_isometric_time_column_gives_rate(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "isometric-analyzer/Example1.csv")
    assert rec.trace.rate == 1000
    assert not rec.trace.has_plates
    i = int(np.argmax(rec.trace.total))
    assert rec.trace.total[i] == pytest.approx(2803.6, abs=0.05)  # README: peak 2803.6 N at 17.016 s
    assert rec.time is not None and rec.time[i] == pytest.approx(17.016)
    half = read_force_file(shared_data / "isometric-analyzer/Example1_500hz.csv")
    assert half.trace.rate == 500
    same = read_force_file(shared_data / "isometric-analyzer/Example1.csv", rate=1000.5)  # within 1 %
    assert same.trace.rate == 1000.5


def test_rate_contradicting_time_names_both(shared_data: Path) -> None:
    with pytest.raises(ForceFileError, match=r"--rate 500 Hz contradicts the time column.*1000 Hz"):
        read_force_file(shared_data / "isometric-analyzer/Example1.csv", rate=500)


def test_plateforce_single_column(shared_data: Path) -> None:
    rec = read_force_file(shared_data / "plateforce/subject01_trial1.force.txt", rate=1200)
    assert rec.layout == "single-column"
    assert rec.trace.n == 6000 and rec.trace.rate == 1200
    assert rec.trace.total[0] == pytest.approx(584.3485)


def test_other_columns_may_hold_text(shared_data: Path) -> None:
    """The 2021 app export has date/name/phase text columns beside time, fp1, fp2."""
    rec = read_force_file(shared_data / "shiny-vertical-jump/historical_app_outputs/app_2021-07-17_raw_force_time.csv")
    assert rec.trace.rate == pytest.approx(1000)
    assert rec.trace.left is not None and rec.trace.left[0] == 349.43
    assert rec.time is not None and rec.time[0] == pytest.approx(7.072)


def test_wrong_column_lists_existing(shared_data: Path) -> None:
    with pytest.raises(ForceFileError, match=r"no column 'Fy'.*'Time', 'Fz', 'Mx'"):
        read_force_file(shared_data / "isometric-analyzer/Example2.csv", force_column="Fy")


def test_all_layouts_named() -> None:
    assert LAYOUTS[0] == "auto"
    assert {"csv", "jumpmetrics", "pasco", "wide", "single-column"} <= set(LAYOUTS)


# --------------------------------------------------------------------------- forcelab's plain CSV


def write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def plain(n: int = 200, rate: float = 1000.0) -> str:
    t = np.arange(n) / rate
    return "time,left,right\n" + "".join(f"{x:.6f},{350 + i % 3},{360.5}\n" for i, x in enumerate(t))


def test_plain_csv_time_left_right(tmp_path: Path) -> None:
    rec = read_force_file(write(tmp_path, plain(300, 1000)))
    assert rec.trace.rate == 1000 and rec.trace.n == 300
    assert rec.trace.total[1] == pytest.approx(351 + 360.5)
    assert rec.notes == ()


def test_plain_csv_force_without_time_needs_rate(tmp_path: Path) -> None:
    p = write(tmp_path, "force\n700\n701\n702\n")
    with pytest.raises(ForceFileError, match="--rate"):
        read_force_file(p)
    rec = read_force_file(p, rate=250)
    assert rec.trace.rate == 250 and list(rec.trace.total) == [700, 701, 702]


def test_time_in_ms_and_units(tmp_path: Path) -> None:
    rec = read_force_file(write(tmp_path, "Time (ms),Force (N)\n0,1\n2,2\n4,3\n"))
    assert rec.trace.rate == 500
    with pytest.raises(ForceFileError, match=r"'kN'.*newtons"):
        read_force_file(write(tmp_path, "time,force (kN)\n0,1\n0.001,2\n", "k.csv"))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", "is empty"),
        ("\n  \n\n", "is empty"),
        ("time,force\n", "no data rows"),
        ("time,force\n0,700\n0.001,\n0.002,702\n", r"line 3, column 2 \('force'\) is empty"),
        ("time,force\n0,700\n0.001,nan\n0.002,702\n", r"line 3, column 2 \('force'\) is not a finite number"),
        ("time,force\n0,700\n0.001,abc\n0.002,702\n", r"line 3, column 2 \('force'\) is not a number: 'abc'"),
        ("time,force\n0,700\n0.001,701\n\n0.002,702\n", "line 4 is blank inside the data"),
        ("time,force\n0,700\n0.002,701\n0.001,702\n", r"time goes backwards at line 4"),
        ("time,force\n0,700\n0.001,701\n0.001,702\n", r"time repeats at line 4"),
        ("time,force\n0,700\n0.001,701\n0.002,702\n0.005,703\n0.006,703\n", r"unevenly at line 5.*0\.003 s"),
        ("time,weight\n0,700\n0.001,701\n", r"no force column found; its columns are: 'time', 'weight'"),
        ("time,force\n0,700\n", "only 1 data row"),
        ("time,force\n0,700\n0.001\n0.002,702\n", r"line 3 has 1 cells, so column 2 \('force'\) is missing"),
        ("1,2,3\n4,5,6\n", "has 3 numbers and no header"),
    ],
)
def test_bad_files_say_what_and_where(tmp_path: Path, text: str, pattern: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ForceFileError, match=pattern) as info:
        read_force_file(p, rate=None)
    assert str(p) in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ForceFileError, match="no such file"):
        read_force_file(tmp_path / "nope.csv")
    with pytest.raises(ForceFileError, match="is a directory"):
        read_force_file(tmp_path)


def test_option_errors(tmp_path: Path) -> None:
    p = write(tmp_path, plain())
    with pytest.raises(ForceFileError, match="unknown layout"):
        read_force_file(p, layout="xlsx")
    with pytest.raises(ForceFileError, match="positive number of hertz"):
        read_force_file(p, rate=-5)
    with pytest.raises(ForceFileError, match="both a left and a right"):
        read_force_file(p, left_column="left")
    with pytest.raises(ForceFileError, match="--trial chooses"):
        read_force_file(p, trial=2)
    with pytest.raises(ForceFileError, match="column 7 does not exist; the file has 3 columns"):
        read_force_file(p, force_column="7")


def test_large_negative_forces_kept_and_noted(tmp_path: Path) -> None:
    p = write(tmp_path, "force\n" + "\n".join(["-150", "-3", "700", "700"]) + "\n")
    rec = read_force_file(p, rate=100)
    assert rec.trace.total[0] == -150  # never clipped
    assert len(rec.notes) == 1 and "total in 1 samples (lowest -150.0 N at 0.000 s)" in rec.notes[0]
    assert "zeroed" in rec.notes[0]


def test_semicolon_and_explicit_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "t;a;b;c\n0;1;2;3\n0.01;4;5;6\n")
    rec = read_force_file(p, left_column="B", right_column="4")
    assert rec.trace.rate == 100
    assert rec.trace.left is not None and list(rec.trace.left) == [2, 5]
    assert rec.trace.right is not None and list(rec.trace.right) == [3, 6]


def test_duplicate_names_need_numbers(shared_data: Path) -> None:
    with pytest.raises(ForceFileError, match=r"appears 2 times \(columns 7, 13\); give its number"):
        read_force_file(shared_data / "shiny-vertical-jump/example_data/comma_pasco.csv",
                        force_column="Normal Force (N)")


def test_round_trip_preserves_values_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    left = np.round(rng.normal(400, 50, 1000), 3)
    right = np.round(rng.normal(380, 50, 1000), 3)
    t = np.arange(1000) / 1200.0
    body = "".join(f"{a:.9f},{b},{c}\n" for a, b, c in zip(t, left, right, strict=True))
    rec = read_force_file(write(tmp_path, "time,left,right\n" + body))
    assert rec.trace.rate == pytest.approx(1200)
    np.testing.assert_array_equal(rec.trace.left, left)
    np.testing.assert_array_equal(rec.trace.right, right)


def test_truncated_last_row_dropped_with_note(tmp_path: Path) -> None:
    """A recording cut off mid-line (power cut while writing) keeps every complete row and says so."""
    rec = read_force_file(write(tmp_path, "time,force\n0,700\n0.001,701\n0.002,702\n0.003,\n"))
    assert list(rec.trace.total) == [700, 701, 702]
    assert rec.notes and "ignored the last row" in rec.notes[0]


def test_semicolon_decimal_comma_export(tmp_path: Path) -> None:
    """A European spreadsheet export: semicolons between cells, decimal commas inside them."""
    rec = read_force_file(write(tmp_path, "Zeit;Links;Rechts;Time\n0;350,5;360,25;0,000\n1;351;361;0,002\n"),
                          left_column="Links", right_column="Rechts")
    assert rec.trace.rate == 500
    assert rec.trace.left is not None and list(rec.trace.left) == [350.5, 351.0]
    assert rec.trace.right is not None and list(rec.trace.right) == [360.25, 361.0]
    with pytest.raises(ForceFileError, match=r"line 3, column 2 \('Links'\) is not a number: '3x'"):
        read_force_file(write(tmp_path, "Time;Links;Rechts\n0,000;350,5;360\n0,001;3x;1\n", "b.csv"),
                        left_column="Links", right_column="Rechts")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(2, 400),
    rate=st.sampled_from([200.0, 500.0, 1000.0, 1200.0, 2000.0, 4000.0]),
    delimiter=st.sampled_from([",", "\t", ";"]),
    plates=st.booleans(),
    with_time=st.booleans(),
    crlf=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_written_recordings_read_back_exactly(tmp_path: Path, n: int, rate: float, delimiter: str,
                                              plates: bool, with_time: bool, crlf: bool, seed: int) -> None:
    """Whatever the delimiter, line ending, channels and rate, the numbers come back bit for bit."""
    rng = np.random.default_rng(seed)
    cols = {"left": rng.normal(400, 80, n), "right": rng.normal(400, 80, n)} if plates else \
        {"force": rng.normal(800, 150, n)}
    if with_time:
        cols = {"time": np.arange(n) / rate, **cols}
    names = list(cols)
    eol = "\r\n" if crlf else "\n"
    rows = (delimiter.join(repr(float(cols[k][i])) for k in names) for i in range(n))
    path = tmp_path / "rt.txt"
    path.write_text(delimiter.join(names) + eol + eol.join(rows) + eol, encoding="utf-8", newline="")
    rec = read_force_file(path, rate=None if with_time else rate)
    assert rec.trace.rate == pytest.approx(rate, rel=1e-9)
    assert rec.trace.n == n
    if plates:
        np.testing.assert_array_equal(rec.trace.left, cols["left"])
        np.testing.assert_array_equal(rec.trace.right, cols["right"])
    else:
        np.testing.assert_array_equal(rec.trace.total, cols["force"])
