"""Balance in the trends: a real archive of balance sessions (SessionWriter, the real analysis, indexed) with
eyes-open and eyes-closed trials in every session. A trend is one stance condition's (``balance/eyes_open/
bipedal``), its values the closed forms of that condition's sway, less sway counting as the improvement; all
conditions in one trend are refused, in the library, the command line and the comparison window's test list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forcelab.cli import main
from forcelab.compare.conditions import BALANCE_TREND_TESTS, condition_test, session_trend_test, split_test
from forcelab.compare.source import (
    KEY_METRICS,
    LOWER_IS_BETTER,
    TREND_TESTS,
    athlete_trend,
    better_direction,
    team_table,
)
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support import balance_archive
from support.balance_archive import ATHLETE, OPEN_MM


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("balance_archive")
    balance_archive.build(root)
    return root


def test_balance_is_offered_per_condition_and_less_sway_is_better() -> None:
    assert "balance" not in TREND_TESTS  # never all conditions in one trend
    assert set(BALANCE_TREND_TESTS) <= set(TREND_TESTS)
    assert "balance/eyes_closed/single_leg_left" in TREND_TESTS
    for key in (*BALANCE_TREND_TESTS, "balance"):
        assert "cop_ellipse_area" in KEY_METRICS[key] and "cop_mean_velocity" in KEY_METRICS[key]
    for metric in KEY_METRICS["balance"]:
        assert metric in LOWER_IS_BETTER and better_direction(metric) == "lower"
    assert split_test("balance/eyes_open/bipedal") == ("balance", ("eyes_open", "bipedal"))
    assert split_test("cmj") == ("cmj", None) and condition_test(None, "bipedal") == "balance/not_noted/bipedal"
    with pytest.raises(ValueError, match="condition must be one of"):
        split_test("balance/eyes_shut/bipedal")
    with pytest.raises(ValueError, match="balance/CONDITION/STANCE"):
        split_test("balance/eyes_open")


@pytest.mark.parametrize("condition", ["eyes_open", "eyes_closed"])
def test_a_condition_trend_holds_that_conditions_closed_forms(archive: Path, condition: str) -> None:
    with ArchiveIndex(archive) as index:
        for metric in ("cop_ellipse_area", "cop_rms_ml", "cop_path_length"):
            t = athlete_trend(index, ATHLETE, metric, test=f"balance/{condition}/bipedal", aggregate="best")
            assert [p.n_trials for p in t.points] == [2] * len(OPEN_MM)
            for week, p in enumerate(t.points):
                assert p.value == pytest.approx(balance_archive.truth(metric, condition, week), rel=0.01)
            assert t.better == "lower"
        # the eyes-open sway shrinks every week: an improvement, not a decline
        area = athlete_trend(index, ATHLETE, "cop_ellipse_area", test=f"balance/{condition}/bipedal")
        changes = [p.change for p in area.points[1:]]
        assert all(c is not None and c < 0 for c in changes)
        assert [p.direction for p in area.points[1:]] == ["better"] * (len(OPEN_MM) - 1)  # were "worse" before
        none = athlete_trend(index, ATHLETE, "cop_ellipse_area", test="balance/eyes_open/single_leg_left")
        assert len(none.points) == 0


def test_all_conditions_in_one_trend_are_refused(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ArchiveIndex(archive) as index:
        with pytest.raises(ValueError, match="2 conditions .*balance/eyes_closed/bipedal, balance/eyes_open/bipedal"):
            athlete_trend(index, ATHLETE, "cop_ellipse_area", test="balance")
        rows = team_table(index, test="balance/eyes_closed/bipedal")
        (row,) = rows
        assert row.values["cop_ellipse_area"] == pytest.approx(
            balance_archive.truth("cop_ellipse_area", "eyes_closed", len(OPEN_MM) - 1), rel=0.01)
    argv = ["trends", "--archive", str(archive), "--athlete", ATHLETE, "--metric", "cop_rms_ap", "--json"]
    assert main([*argv, "--test", "balance/eyes_open/bipedal"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["value"] for s in doc["sessions"]] == pytest.approx(
        [balance_archive.truth("cop_rms_ap", "eyes_open", w) for w in range(len(OPEN_MM))], rel=0.01)
    assert doc["better"] == "lower"
    rc = main([*argv, "--test", "balance"])
    err = capsys.readouterr().err
    assert rc != 0 and "not comparable" in err and "balance/eyes_open/bipedal" in err


def test_a_sessions_report_trends_its_own_condition(archive: Path) -> None:
    path = sorted(archive.rglob("*.h5"))[0]
    session = open_session(path, load_analysis=True)
    assert session_trend_test("balance", [t.result for t in session.trials]) == "balance/eyes_open/bipedal"
    assert session_trend_test("cmj", [t.result for t in session.trials]) == "cmj"
