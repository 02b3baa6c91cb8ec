"""The single-leg tests' limb asymmetry across sessions, on a real archive (tests/support/limb_archive.py): eight
weekly single-leg CMJ sessions of one athlete with known left- and right-leg jump heights (a one-limb week, a
rise to 20 %, a flip) written through SessionWriter and analysed with the real analysis; plus drop landings with
a known plate share, whose per-limb asymmetry trends like the bilateral ones."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from forcelab.analysis.asymmetry import FORMULAS, asymmetry
from forcelab.cli import main
from forcelab.compare.limb_trend import SingleLegSession, asymmetry_error, limb_trend
from forcelab.compare.source import asymmetry_trend, limb_asymmetry_trend, limb_metrics, single_leg_sessions
from forcelab.storage.index import ArchiveIndex
from support import limb_archive
from support.limb_archive import ATHLETE, LANDINGS, WEEKS

METRIC = "jump_height_takeoff_velocity"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("limbs")
    limb_archive.build(path)
    return path


def _stored_limb_values(index: ArchiveIndex, metric: str) -> list[dict[str, list[float]]]:
    """Each week's accepted trial values of ``metric`` per limb, from the index and the order the trials were
    written in (three left, three right, then a rejected left one): not from the code under test."""
    rows = index.metric_values(ATHLETE, metric, test="sl_cmj")
    out = []
    for sid in dict.fromkeys(r.session_id for r in rows):
        mine = [r for r in rows if r.session_id == sid and r.accepted]
        week = WEEKS[len(out)]
        sides = [s for s, h in zip(("left", "right"), week, strict=True) if h is not None for _ in range(3)]
        assert len(mine) == len(sides)
        by: dict[str, list[float]] = {"left": [], "right": []}
        for side, r in zip(sides, sorted(mine, key=lambda r: r.trial), strict=True):
            by[side].append(float(r.value))  # type: ignore[arg-type]
        out.append(by)
    return out


def test_trend_values_equal_the_closed_form(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        t = limb_asymmetry_trend(index, ATHLETE, METRIC)
        stored = _stored_limb_values(index, METRIC)
    assert t.test == "sl_cmj" and t.name == f"{METRIC}_asymmetry" and t.formula == "percent_difference"
    assert t.limb_unit == "m" and t.unit == "%" and len(t.points) == len(WEEKS)
    for p, by, (hl, hr) in zip(t.points, stored, WEEKS, strict=True):
        if hl is None or hr is None:
            continue
        best_l, best_r = max(by["left"]), max(by["right"])  # the rejected 30 % higher left trial never counts
        assert (p.left, p.right) == (best_l, best_r) and (p.left_trials, p.right_trials) == (3, 3)
        value, side = asymmetry(best_l, best_r)
        assert p.value == pytest.approx(value, rel=1e-12) and p.stronger_side == side
        # ... and the generated deficit: (stronger - weaker) / stronger, the (1 + cv) of each best cancels
        assert p.value == pytest.approx(abs(hl - hr) / max(hl, hr) * 100.0, abs=1.5)
        assert side == ("left" if hl > hr else "right")


def test_a_session_with_one_limb_is_missing_not_zero(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        t = limb_asymmetry_trend(index, ATHLETE, f"{METRIC}_asymmetry")  # the asymmetry's key is accepted too
    gap = t.points[4]
    assert gap.missing and gap.value is None and gap.level is None and not gap.meaningful
    assert gap.left is None and gap.right == pytest.approx(0.185 * 1.02, abs=3e-3) and gap.left_trials == 0
    assert "no left-leg trial" in str(gap.reason)
    after = t.points[5]  # its change is from the last session with a value, not from zero
    assert after.change == pytest.approx(after.value - t.points[3].value)  # type: ignore[operator]


def test_meaningful_change_levels_and_flip_follow_the_bilateral_rules(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        t = limb_asymmetry_trend(index, ATHLETE, METRIC)
    assert [i for i, p in enumerate(t.points) if p.meaningful] == [5]
    assert t.points[5].direction == "worse"
    assert [p.level for p in t.points] == ["ok"] * 4 + [None, "high", "monitor", "monitor"]
    assert [i for i, p in enumerate(t.points) if p.flipped] == [7]
    assert t.points[7].stronger_side == "right"
    # each limb's TE is its trial CV, generated at 2 %; the asymmetry's is propagated to first order
    cv_l, cv_r = t.limb_cv["left"], t.limb_cv["right"]
    assert cv_l is not None and cv_r is not None
    assert cv_l == pytest.approx(2.0, abs=0.4) and cv_r == pytest.approx(2.0, abs=0.4)
    valued = [p for p in t.points if p.value is not None]
    closed = [100.0 * min(p.left, p.right) / max(p.left, p.right) * math.hypot(cv_l, cv_r) / 100.0  # type: ignore[type-var,arg-type]
              for p in valued]
    assert t.typical_error == pytest.approx(math.sqrt(sum(v * v for v in closed) / len(closed)), rel=1e-12)
    assert t.typical_error == pytest.approx(100 * 0.9 * math.sqrt(2) * 0.02, abs=0.5)  # w/s about 0.9
    values = [p.value for p in valued]
    mean = sum(values) / len(values)  # type: ignore[arg-type]
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))  # type: ignore[operator]
    assert t.swc == pytest.approx(0.2 * sd)
    assert "2.77 x TE" in t.method and "percent difference" in t.method


def test_every_limb_metric_of_the_test_has_a_trend(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        names = limb_metrics(index, ATHLETE, "sl_cmj")
        assert names[:2] == ["jump_height_takeoff_velocity", "jump_height_flight_time"] and "peak_force" in names
        assert "rsi_modified" in names
        assert limb_metrics(index, ATHLETE, "sl_dj") == []
        rsi = limb_asymmetry_trend(index, ATHLETE, "rsi_modified", formula="symmetry_index", statistic="mean")
        sessions = single_leg_sessions(index, ATHLETE, "sl_cmj", "rsi_modified")
    assert rsi.formula == "symmetry_index" and rsi.statistic == "mean"
    week0 = [r for r in sessions[0].results]
    mean = {s: sum(v := [r.value("rsi_modified") for r in week0 if r.params["stance_limb"] == s]) / len(v)  # type: ignore[arg-type,misc]
            for s in ("left", "right")}
    assert rsi.points[0].value == pytest.approx((mean["left"] - mean["right"]) / (mean["left"] + mean["right"]) * 100)
    assert rsi.points[0].value > 0 and rsi.points[7].value < 0  # type: ignore[operator]  # signed: left larger


def test_landing_asymmetry_trends_like_the_bilateral_asymmetries(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        t, levels = asymmetry_trend(index, ATHLETE, "peak_landing_force_asymmetry", test="landing")
    assert [p.value for p in t.points] == pytest.approx(list(LANDINGS), abs=0.5)
    assert [lv.level for lv in levels] == ["ok", "monitor", "high"]
    assert {lv.stronger_side for lv in levels} == {"left"}


@pytest.mark.parametrize("formula", FORMULAS)
def test_asymmetry_error_is_the_first_order_propagation(formula: str) -> None:
    left, right, cv_l, cv_r = 0.21, 0.18, 2.0, 3.0
    h = 1e-7
    d_l = (asymmetry(left * (1 + h), right, formula)[0] - asymmetry(left * (1 - h), right, formula)[0]) / (2 * h)
    d_r = (asymmetry(left, right * (1 + h), formula)[0] - asymmetry(left, right * (1 - h), formula)[0]) / (2 * h)
    # d_l, d_r: the change per relative change of each limb; times each limb's relative TE, in quadrature
    expected = math.hypot(d_l * cv_l / 100, d_r * cv_r / 100)
    assert asymmetry_error(left, right, cv_l, cv_r, formula) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="positive limb values"):
        asymmetry_error(0.0, right, cv_l, cv_r, formula)


def test_limb_trend_refuses_mixed_tests_and_unknown_settings(archive: Path) -> None:
    with ArchiveIndex(archive) as index:
        sessions = single_leg_sessions(index, ATHLETE, "sl_cmj")
        with pytest.raises(ValueError, match="single-leg tests"):
            single_leg_sessions(index, ATHLETE, "cmj")
    other = SingleLegSession("x.h5", None, "sl_dj")
    with pytest.raises(ValueError, match="one single-leg test"):
        limb_trend([*sessions, other], METRIC)
    with pytest.raises(ValueError, match="formula"):
        limb_trend(sessions, METRIC, formula="ratio")
    with pytest.raises(ValueError, match="statistic"):
        limb_trend(sessions, METRIC, statistic="median")
    with pytest.raises(ValueError, match="thresholds"):
        limb_trend(sessions, METRIC, thresholds=(15.0, 10.0))


def test_an_unreadable_session_is_missing_with_the_reason(archive: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    with ArchiveIndex(copy) as index:
        sids = list(dict.fromkeys(r.session_id for r in index.metric_values(ATHLETE, METRIC, test="sl_cmj")))
        victim = copy / sids[2]
        victim.write_bytes(b"not hdf5 any more")  # damaged after it was indexed
        t = limb_asymmetry_trend(index, ATHLETE, METRIC)
    assert t.points[2].missing and "cannot read" in str(t.points[2].reason) and victim.name in str(t.points[2].reason)
    assert [p.value is not None for p in t.points] == [True, True, False, True, False, True, True, True]


def test_trends_command_prints_the_limb_asymmetry(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trends", "--athlete", ATHLETE, "--limb-asymmetry", "--json", "--archive", str(archive)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["test"] == "sl_cmj"
    trends = {t["metric"]: t for t in doc["limb_asymmetry"]}
    jump = trends[METRIC]
    assert jump["formula"] == "percent_difference" and jump["limb_unit"] == "m" and len(jump["sessions"]) == 8
    gap = jump["sessions"][4]
    assert gap["value"] is None and gap["missing"] and "no left-leg trial" in gap["reason"]
    assert [s["meaningful"] for s in jump["sessions"]].index(True) == 5
    assert jump["sessions"][7]["flipped"] and jump["sessions"][7]["stronger_side"] == "right"
    with ArchiveIndex(archive) as index:
        assert jump["sessions"][5]["value"] == limb_asymmetry_trend(index, ATHLETE, METRIC).points[5].value
    assert main(["trends", "--athlete", ATHLETE, "--limb-asymmetry", "--metric", METRIC,
                 "--archive", str(archive)]) == 0
    text = capsys.readouterr().out
    assert "limb asymmetry of Jump height (take-off velocity)" in text and "missing" in text
    assert "no left-leg trial with jump height (take-off velocity)" in text
    assert "meaningful worse" in text and "right (flipped)" in text and " cm" in text
    assert main(["trends", "--athlete", ATHLETE, "--limb-asymmetry", "--test", "cmj", "--archive", str(archive)]) == 2
    assert "single-leg tests" in capsys.readouterr().err
    assert main(["trends", "--athlete", ATHLETE, "--limb-asymmetry", "--metric", "contact_time",
                 "--archive", str(archive)]) == 2
    assert "not a limb metric of sl_cmj" in capsys.readouterr().err
    assert main(["trends", "--athlete", ATHLETE, "--archive", str(archive)]) == 2
    assert "--metric is required" in capsys.readouterr().err
