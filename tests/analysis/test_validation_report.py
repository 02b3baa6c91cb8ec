"""The validation report's core (bench/validation.py) on a tiny subset, and the tolerances it shares with the tests.

The whole report is a bench script (not run here); these keep its arithmetic, its closing line and the committed
docs/validation.md from rotting.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import ModuleType

import pytest

from support.bench import load_bench
from support.tolerances import (
    REFERENCE_SETS,
    VJFZ,
    Reference,
    Tolerance,
    synthetic_covered,
    synthetic_flight_time,
)

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^\d+ of \d+ reference values within tolerance$")


@pytest.fixture(scope="module")
def validation() -> ModuleType:
    return load_bench("validation")


def test_bland_altman_on_known_numbers(validation: ModuleType) -> None:
    a = validation.bland_altman([1.0, 2.0, 3.0, 4.0])
    sd = math.sqrt(5.0 / 3.0)  # sample SD of 1..4: sum of squares 5 over n - 1 = 3
    assert (a.n, a.bias, a.worst) == (4, 2.5, 4.0)
    assert a.sd == pytest.approx(sd, rel=1e-12)
    assert a.lower == pytest.approx(2.5 - 1.96 * sd, rel=1e-12)
    assert a.upper == pytest.approx(2.5 + 1.96 * sd, rel=1e-12)
    assert validation.bland_altman([-5.0, 1.0]).worst == -5.0  # the largest |difference|, with its sign
    one = validation.bland_altman([0.3])
    assert (one.n, one.bias, one.sd, one.lower, one.upper) == (1, 0.3, None, None, None)
    with pytest.raises(ValueError, match="finite"):
        validation.bland_altman([])
    with pytest.raises(ValueError, match="finite"):
        validation.bland_altman([1.0, math.nan])


def test_closing_line(validation: ModuleType) -> None:
    assert validation.closing_line(3, 4) == "3 of 4 reference values within tolerance"
    assert LINE.match(validation.closing_line(0, 0))
    with pytest.raises(ValueError, match="between 0 and the total"):
        validation.closing_line(5, 4)


def test_tolerance_bounds() -> None:
    t = Tolerance("why", abs=0.5, rel=0.1)
    assert t.bound(2.0) == 0.5 and t.bound(10.0) == 1.0
    assert t.holds(10.9, 10.0) and not t.holds(11.1, 10.0) and not t.holds(None, 10.0)
    assert t.describe(10.0) == "±10 %" and t.describe(2.0, "N") == "±0.5 N"
    above = Tolerance("above it", lowest=0.0, highest=math.inf)
    assert above.holds(0.3, 0.2) and not above.holds(0.1, 0.2) and above.describe(0.2) == "above the reference"
    window = Tolerance("1-2 samples early", lowest=-2, highest=0)
    assert window.holds(98, 100) and not window.holds(101, 100) and window.describe(100, "samples") == "-2 to +0 samples"
    with pytest.raises(ValueError, match="one-sided"):
        above.approx(0.2)
    assert Tolerance("exact").describe(1.0) == "exact"
    assert synthetic_flight_time(1000.0).abs == 0.002 and synthetic_flight_time(100.0).abs == pytest.approx(0.003)
    # 80 Hz ringing sampled at 1 kHz is bounded; at 100 Hz it appears at 20 Hz, below the 25 Hz the method separates
    assert synthetic_covered(1000.0, 80.0) and not synthetic_covered(100.0, 80.0) and synthetic_covered(100.0, None)
    assert not synthetic_covered(80.0, None)
    assert Reference("x", None, t, column="c", scale=0.01).at({"c": "42"}).value == pytest.approx(0.42)


def test_every_reference_has_a_reason_and_a_unique_key() -> None:
    keys = [s.key for s in REFERENCE_SETS]
    assert len(keys) == len(set(keys))
    for s in REFERENCE_SETS:
        assert s.refs and s.source and s.title, s.key
        assert len({r.key for r in s.refs}) == len(s.refs), s.key
        for r in s.refs:
            assert len(r.tol.reason) > 10, (s.key, r.key)
            assert (r.value is None) == (r.column is not None), (s.key, r.key)


def test_tiny_subset_of_the_report(validation: ModuleType, shared_data: Path, tmp_path: Path) -> None:
    """One real recording, two synthetic jumps: compared, rendered, plotted; the page ends with its line."""
    comparisons = validation.run(VJFZ[:1], shared_data)
    assert [c.ref.key for c in comparisons] == ["body_weight"]
    c = comparisons[0]
    assert c.ok and c.unit == "N" and c.difference == pytest.approx(c.value - 662.0)
    plain = validation.CONDITIONS[0]
    cases = [validation.run_synthetic(plain, 1000.0, 0.35), validation.run_synthetic(plain, 80.0, 0.35)]
    assert cases[0].covered and not cases[1].covered
    assert abs(cases[0].jh_error) < 0.01 and not cases[0].airborne_flag
    page = validation.render(comparisons, cases)
    lines = page.rstrip("\n").splitlines()
    assert lines[-1] == "1 of 1 reference values within tolerance"
    assert "| vertical-jumps-fz | 1 | 1 | 1 | none |" in page
    assert "Dual-CMJ-Fz.txt" in page and "`onset_k`" in page  # the recording and the default settings
    validation.plot_bland_altman(comparisons, cases, tmp_path / "ba.png")
    validation.plot_flight_time_vs_rate(cases, tmp_path / "ft.png")
    assert (tmp_path / "ba.png").stat().st_size > 1000 and (tmp_path / "ft.png").stat().st_size > 1000


def test_committed_report_is_current_in_shape() -> None:
    """docs/validation.md ends with the closing line and covers every reference set (regenerate it with
    `.venv/bin/python bench/validation.py` after adding one)."""
    page = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert LINE.match(page.rstrip("\n").splitlines()[-1])
    for s in REFERENCE_SETS:
        assert s.title in page, f"docs/validation.md lacks {s.title!r}: regenerate it"
    for png in ("bland_altman_jump_height.png", "flight_time_vs_rate.png"):
        assert (ROOT / "docs" / "validation" / png).is_file()
