"""Trends and flags on twelve weekly sessions of simulated athletes with known drift.

Each athlete does three trials a week with a 2 % trial-to-trial CV (a typical CMJ height CV). The drifts
are large against that noise, so the flags must fire exactly on the weeks the drift happens and not on
the stable ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from forcelab.compare.asymmetry_watch import asymmetry_levels
from forcelab.compare.trends import TrialValue, session_points, trend, typical_error_cv

START = datetime(2026, 9, 1, 9, 0)
WEEKS = 12


def weekly_trials(levels: list[float], *, cv: float = 0.02, seed: int = 1,
                  sides: list[str] | None = None) -> list[TrialValue]:
    """Three trials per week around ``levels[week]`` with the given CV (fixed seed)."""
    rng = np.random.default_rng(seed)
    out = []
    for week, level in enumerate(levels):
        for trial in range(3):
            out.append(TrialValue(
                session_id=f"s{week:02d}", when=START + timedelta(weeks=week), trial=trial,
                value=float(level * (1 + cv * rng.standard_normal())),
                stronger_side=None if sides is None else sides[week],
            ))
    return out


def test_stable_athlete_raises_no_flag() -> None:
    t = trend(weekly_trials([0.35] * WEEKS), metric="jump_height_takeoff_velocity")
    assert len(t.points) == WEEKS
    assert t.typical_error_cv == pytest.approx(2.0, abs=1.0)
    assert not any(p.meaningful for p in t.points)
    # a stable athlete may wobble into amber now and then (z < -1 is a one-in-six event); never red
    assert not any(p.status == "red" for p in t.points)


def test_drop_in_jump_height_flags_the_week_it_happens() -> None:
    levels = [0.35] * 8 + [0.30] * 4  # a 14 % drop from week 8 on
    t = trend(weekly_trials(levels, seed=1), metric="jump_height_takeoff_velocity", swc=0.01)
    flagged = [i for i, p in enumerate(t.points) if p.meaningful]
    assert flagged == [8]
    assert t.points[8].direction == "worse"
    assert t.points[8].status == "red"
    assert not any(p.status == "red" for p in t.points[:8])


def test_flag_rates_over_many_athletes() -> None:
    """Over 300 simulated athletes the drop is caught almost always and noise is almost never flagged.

    The rule is "change > 1.96·√2·TE and > SWC": for best-of-3 session values the noise of a week-to-week
    change is about 1.06 trial SDs, so a false flag needs a ~2.6-sigma draw (about 1 % of weeks); the 14 %
    drop is about 7 trial SDs and is missed only when noise cancels most of it.
    """
    detected = false_flags = stable_weeks = 0
    for seed in range(300):
        t = trend(weekly_trials([0.35] * 8 + [0.30] * 4, seed=1000 + seed), metric="h", swc=0.01)
        flags = [p.meaningful for p in t.points]
        detected += flags[8]
        false_flags += sum(flags[:8]) + sum(flags[9:])
        stable_weeks += len(flags) - 1
    assert detected / 300 >= 0.97
    assert false_flags / stable_weeks <= 0.03


def test_lower_is_better_flags_an_increase_as_worse() -> None:
    levels = [0.80] * 6 + [0.95] * 6  # time to take-off grows
    t = trend(weekly_trials(levels, seed=3), metric="time_to_takeoff", better="lower", swc=0.02)
    assert [i for i, p in enumerate(t.points) if p.meaningful] == [6]
    assert t.points[6].direction == "worse" and t.points[6].status == "red"


def test_best_and_mean_aggregates_and_rejected_trials() -> None:
    trials = [
        TrialValue("a", START, 0, 0.30), TrialValue("a", START, 1, 0.34),
        TrialValue("a", START, 2, 0.50, accepted=False),
    ]
    assert session_points(trials)[0].value == pytest.approx(0.34)
    assert session_points(trials, aggregate="mean")[0].value == pytest.approx(0.32)
    assert session_points(trials, better="lower")[0].value == pytest.approx(0.30)
    assert typical_error_cv(session_points(trials)) == pytest.approx(np.std([0.30, 0.34], ddof=1) / 0.32 * 100)


def test_asymmetry_levels_and_side_flip() -> None:
    levels = [5.0] * 7 + [12.0, 16.0, 17.0, 16.0, 16.0]
    sides = ["left"] * 10 + ["right"] * 2
    pts = session_points(weekly_trials(levels, cv=0.02, seed=4, sides=sides), better="lower")
    asym = asymmetry_levels(pts)
    assert [a.level for a in asym] == ["ok"] * 7 + ["monitor"] + ["high"] * 4
    assert [i for i, a in enumerate(asym) if a.flipped] == [10]


def test_bad_parameters_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="aggregate"):
        session_points([], aggregate="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="amber_z"):
        trend([], metric="x", amber_z=3, red_z=2)
    with pytest.raises(ValueError, match="thresholds"):
        asymmetry_levels([], thresholds=(15, 10))


def test_a_given_typical_error_replaces_the_trials_cv() -> None:
    """One value a session (no within-session CV): nothing is meaningful until the caller gives the TE."""
    one = [TrialValue(f"s{w}", START + timedelta(weeks=w), 0, v) for w, v in enumerate([5.0, 5.2, 4.9, 5.1, 20.0])]
    assert trend(one, metric="x_asymmetry", better="lower").typical_error is None
    assert not any(p.meaningful for p in trend(one, metric="x_asymmetry", better="lower").points)
    t = trend(one, metric="x_asymmetry", better="lower", typical_error=2.5)
    assert t.typical_error == 2.5 and t.typical_error_cv == pytest.approx(2.5 / (40.2 / 5) * 100)
    assert [i for i, p in enumerate(t.points) if p.meaningful] == [4] and t.points[4].direction == "worse"
    big = trend(one, metric="x_asymmetry", better="lower", typical_error=6.0)  # 2.77 x 6 > the 14.9 pp rise
    assert not any(p.meaningful for p in big.points)
    with pytest.raises(ValueError, match="typical_error"):
        trend(one, metric="x_asymmetry", typical_error=-1.0)
