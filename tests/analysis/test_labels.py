"""The one table of words a person reads: metric names with units, values as a coach writes them, and every
quality flag the analysis can raise in words (found by reading the analysis source, so a new flag without
words fails here with its file and line)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from forcelab.analysis.cmj import analyze_cmj
from forcelab.analysis.labels import (
    FLAG_WORDS,
    desnake,
    display_number,
    display_unit,
    flag_text,
    metric_label,
    metric_text,
    readable,
)
from forcelab.analysis.rebound import analyze_rebound
from forcelab.analysis.types import Flag, Metric
from forcelab.analysis.units import COUNT
from forcelab.simulation import synthetic
from support.plates import ringing_cmj

ANALYSIS = Path(__file__).resolve().parents[2] / "src" / "forcelab" / "analysis"


def _raised_flags(folder: Path) -> tuple[dict[str, str], list[str]]:
    """``({code: "file:line"}, [places whose code cannot be read])`` for every ``x.flag(code, ...)`` and
    ``Flag(code, ...)`` call under ``folder``. A code may be a string literal or a module-level string constant."""
    found: dict[str, str] = {}
    unreadable: list[str] = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                     for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            is_flag = (isinstance(f, ast.Attribute) and f.attr == "flag") or (isinstance(f, ast.Name) and f.id == "Flag")
            if not is_flag:
                continue
            where = f"{path.relative_to(folder.parents[1])}:{node.lineno}"
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, where)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                found.setdefault(constants[arg.id], where)
            elif not (isinstance(arg, ast.Name) and arg.id == "code"):  # TrialResult.flag itself passes `code` on
                unreadable.append(where)
    return found, unreadable


def test_every_flag_the_analysis_raises_has_words() -> None:
    found, unreadable = _raised_flags(ANALYSIS)
    assert {"plate_not_zeroed", "plate_ringing", "airborne_before_takeoff", "unsteady_weighing"} <= set(found)
    assert unreadable == [], "flag codes this test cannot read (use a string literal or a module constant):\n" + \
        "\n".join(unreadable)
    missing = {code: where for code, where in found.items() if code not in FLAG_WORDS}
    assert missing == {}, "add these flags to FLAG_WORDS in src/forcelab/analysis/labels.py: " + \
        ", ".join(f"{c} ({w})" for c, w in missing.items())


def test_the_scan_would_see_a_new_flag(tmp_path: Path) -> None:
    """The scan above is what keeps the table complete: check it finds literals and constants, and refuses a
    computed code rather than skipping it."""
    pkg = tmp_path / "src" / "forcelab" / "analysis"
    pkg.mkdir(parents=True)
    (pkg / "artefacts.py").write_text(
        'CLIP = "channel_clipped"\n'
        "def f(res, kind):\n"
        '    res.flag("mains_hum", "50 Hz")\n'
        '    res.flag(CLIP, "saturated")\n'
        '    res.flag(f"rate_{kind}", "low")\n', encoding="utf-8")
    found, unreadable = _raised_flags(pkg)
    assert set(found) == {"mains_hum", "channel_clipped"}
    assert unreadable == ["forcelab/analysis/artefacts.py:5"]


def test_the_ringing_unzeroed_plate_reads_in_words_with_its_numbers() -> None:
    """Issue 9's case, analysed for real: the card's words name the offset the numbers were corrected for."""
    _, tr = ringing_cmj(1000.0, 10.0, 90.0, 80.0)
    res = analyze_cmj(tr)
    texts = {f.code: flag_text(f, res.metrics) for f in res.flags}
    assert texts["plate_not_zeroed"] == "Plate not zeroed: +10 N in flight, subtracted"
    assert texts["plate_ringing"].startswith("Plate rang after take-off") and "counted as flight" in texts["plate_ringing"]
    assert "airborne_before_takeoff" not in texts  # the plate's ringing is not taken for a hop


def test_flag_details_come_from_the_metrics_and_drop_out_when_missing() -> None:
    metrics = {"jump_height_takeoff_velocity": Metric("jump_height_takeoff_velocity", 0.338, "m", "", {}, ""),
               "jump_height_flight_time": {"value": 0.41, "unit": "m"}}
    assert flag_text(Flag("jump_height_methods_disagree", "..."), metrics) == \
        "Jump heights disagree: 33.8 cm by take-off velocity, 41.0 cm by flight time"
    assert flag_text({"code": "flight_time_out_of_range", "message": "..."}, {"flight_time": {"value": 1.31, "unit": "s"}}) == \
        "Flight time out of the plausible range: 1.31 s"
    # not found, absent, or no metrics at all: the words alone, never a KeyError or "None"
    assert flag_text("plate_not_zeroed", {"flight_baseline": {"value": None, "unit": "N"}}) == "Plate not zeroed"
    assert flag_text("plate_not_zeroed", {}) == "Plate not zeroed"
    assert flag_text("plate_not_zeroed") == "Plate not zeroed"


@pytest.mark.parametrize(("code", "words"), [
    ("one_plate_unloaded", "One plate unloaded"),
    ("mains_hum_50hz", "Mains hum 50hz"),
    ("", "Unnamed flag"),
])
def test_an_unknown_flag_reads_as_its_desnaked_code(code: str, words: str) -> None:
    assert flag_text(Flag(code, "a sentence")) == words == desnake(code)
    assert flag_text(None) == "Unnamed flag"  # a malformed stored flag never crashes a screen


def test_every_flag_reads_as_a_sentence() -> None:
    for code, words in FLAG_WORDS.items():
        assert words.text[:1].isupper() and "_" not in words.text, code
        assert not words.text.endswith("."), code


def test_values_read_in_the_units_a_coach_uses() -> None:
    assert metric_text("jump_height_takeoff_velocity", 0.3566, "m") == "35.7 cm"
    assert metric_text("peak_force", 1994.4, "N") == "1994 N"
    assert metric_text("peak_force_asymmetry", 13.83, "%") == "13.8 %"
    assert metric_text("net_impulse", 197.74, "N*s") == "198 N·s"
    assert metric_text("flight_time_ratio", 0.634, "1") == "0.63"
    assert metric_text("rsi_modified", None, "m/s") == "—"
    assert display_unit("countermovement_depth", "m") == "cm" and display_unit("takeoff_velocity", "m/s") == "m/s"
    assert metric_label("jump_height_takeoff_velocity", display_unit("jump_height_takeoff_velocity", "m")) == \
        "Jump height (take-off velocity) (cm)"


def test_a_count_reads_as_a_whole_number_because_its_definition_says_count() -> None:
    hops = analyze_rebound(synthetic.rebound(hops=10, noise_sd=1.0, seed=1).trace).metrics["hop_count"]
    assert hops.unit == COUNT and hops.value == 10
    assert metric_text(hops.name, hops.value, hops.unit) == "10"  # not "10.00"
    assert metric_label(hops.name, hops.unit) == "Hops"  # unitless on screen
    assert display_number("hop_count", 0.0, COUNT) == "0"
    assert display_number("hop_count", 10.5, COUNT) == "10.5"  # a mean of counts over trials keeps its half
    # a unitless value that is not a count keeps its decimals, even when it happens to be whole
    assert metric_text("flight_time_ratio", 2.0, "1") == "2.00"
    assert display_number("impulse_ratio", 1.0, "1") == "1.00"


def test_notes_that_name_keys_read_in_words() -> None:
    assert readable("peak_force_asymmetry: 13.8 % (monitor)") == "Peak force asymmetry: 13.8 % (monitor)"
    assert readable("jump_height_takeoff_velocity: meaningful change (worse)") == \
        "Jump height (take-off velocity): meaningful change (worse)"
    assert readable("asymmetry_rising") == "Asymmetry rising"
    assert readable("after plate_not_zeroed and rfd_0_200ms") == "after plate not zeroed and RFD 0–200 ms"


def test_sway_measures_read_in_millimetres_everywhere_labels_are_used() -> None:
    """The balance tests' CoP figures are stored in SI (m, m/s, m²) and read in mm, as the literature reports
    them; charts draw them with the same factor as the tables (``display_scale``)."""
    from forcelab.analysis.labels import display_scale, display_unit, metric_text

    assert metric_text("cop_ellipse_area", 0.0020, "m^2") == "2,000 mm²"
    assert metric_text("cop_rms_ml", 0.0042, "m") == "4.2 mm"
    assert metric_text("cop_path_length", 0.351, "m") == "351 mm"
    assert metric_text("cop_mean_velocity", 0.0117, "m/s") == "11.7 mm/s"
    assert (display_unit("cop_ellipse_area", "m^2"), display_scale("cop_ellipse_area", "m^2")) == ("mm²", 1e6)
    assert (display_unit("jump_height_flight_time", "m"), display_scale("jump_height_flight_time", "m")) == ("cm", 100.0)
    assert display_scale("peak_force", "N") == 1.0 and display_unit("peak_force", "N") == "N"


def test_every_balance_condition_and_stance_has_words() -> None:
    from forcelab.analysis.balance import CONDITIONS, STANCES
    from forcelab.analysis.labels import CONDITION_WORDS

    assert set(CONDITIONS) | set(STANCES) <= set(CONDITION_WORDS)
