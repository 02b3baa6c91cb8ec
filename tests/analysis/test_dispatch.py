"""The single analysis entry point: routing, auto detection, parameter checks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from forcelab.analysis.dispatch import TESTS, analyze, editable_events, parameters, reanalyze, settings_of
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic

MAKERS: dict[str, Callable[..., synthetic.SyntheticTrial]] = {
    "cmj": synthetic.cmj, "sj": synthetic.squat_jump, "dj": synthetic.drop_jump, "imtp": synthetic.isometric_pull,
    "rebound": synthetic.rebound}
#: the tests auto detection tells apart
BASIC = tuple(MAKERS)
# the isometric test definitions and the single-leg jumps (one leg on the left plate)
MAKERS.update({k: synthetic.isometric_pull for k in ("iso_squat",)})
MAKERS.update({k: synthetic.isometric_load_cell for k in ("iso_belly_press", "hip_adduction", "hip_abduction",
                                                           "iso_load_cell")})
MAKERS["sl_cmj"] = lambda **kw: synthetic.cmj(asymmetry=1.0, jump_height=0.15, **kw)
MAKERS["sl_dj"] = lambda **kw: synthetic.drop_jump(asymmetry=1.0, jump_height=0.15, **kw)
MAKERS["landing"] = synthetic.drop_landing
MAKERS["balance"] = synthetic.quiet_stance


def test_tests_listed() -> None:
    assert TESTS[:5] == ("cmj", "sj", "dj", "imtp", "rebound")
    assert set(TESTS) == set(MAKERS)


@pytest.mark.parametrize("test", TESTS)
def test_each_test_routes_to_its_analysis(test: str) -> None:
    make = MAKERS[test]
    trial = make(noise_sd=1.0, seed=3)
    res = analyze(trial.trace, test)
    assert res.test == test
    assert "test_auto_detected" not in {f.code for f in res.flags}
    assert res.metrics  # the analysis ran


@pytest.mark.parametrize("test", BASIC)
def test_auto_detects_and_records(test: str) -> None:
    make = MAKERS[test]
    trial = make(noise_sd=1.0, seed=5)
    res = analyze(trial.trace, "auto")
    assert res.test == test
    assert res.params["detected_test"] == test
    assert isinstance(res.params["detection"], str) and res.params["detection"]
    flag = next(f for f in res.flags if f.code == "test_auto_detected")
    assert f"({test})" in flag.message
    # the same numbers as asking for the test directly
    direct = analyze(trial.trace, test)
    assert res.value("peak_force") == direct.value("peak_force")


def test_params_pass_through() -> None:
    trial = synthetic.isometric_pull(noise_sd=1.0, seed=2)
    res = analyze(trial.trace, "imtp", onset_sd=3.0, baseline="first")
    assert res.params["onset_sd"] == 3.0 and res.params["baseline"] == "first"
    assert "onset_sd" in parameters("imtp")
    assert "filter_cutoff" in parameters("imtp") and "filter_cutoff" in parameters("cmj")


def test_unknown_test_lists_valid() -> None:
    tr = ForceTrace(1000.0, np.zeros(10))
    with pytest.raises(ValueError, match="valid tests: cmj, sj, dj, imtp, rebound, .*iso_squat.*sl_cmj, sl_dj, landing, "
                                         "balance, auto"):
        analyze(tr, "hop")
    with pytest.raises(ValueError, match="valid tests"):
        parameters("hop")


def test_unknown_parameter_names_the_test() -> None:
    trial = synthetic.isometric_pull(noise_sd=1.0, seed=2)
    with pytest.raises(ValueError, match=r"onset_k do not apply to the isometric pull \(imtp\)"):
        analyze(trial.trace, "imtp", onset_k=5.0)


def test_auto_on_an_unrecognisable_trace() -> None:
    with pytest.raises(ValueError, match="cannot tell the test"):
        analyze(ForceTrace(1000.0, np.full(3000, 700.0)), "auto")


def test_hand_placed_events_route_for_every_test() -> None:
    trial = synthetic.isometric_pull(noise_sd=1.0, seed=2)
    auto = analyze(trial.trace, "imtp")
    onset = auto.events["onset"].index
    assert onset is not None
    res = analyze(trial.trace, "imtp", events={"onset": onset + 5})
    assert res.events["onset"].index == onset + 5 and res.events["onset"].method == "edited"
    for test in ("cmj", "sj", "dj"):
        tr = MAKERS[test](noise_sd=1.0, seed=1).trace
        detected = analyze(tr, test)
        to = detected.events["takeoff"].index
        assert to is not None
        assert "takeoff" in editable_events(test)
        res = analyze(tr, test, events={"takeoff": to + 3})
        assert res.events["takeoff"].index == to + 3 and res.events["takeoff"].method == "edited"
        assert res.params["edited_events"] == "takeoff"
        ft, ft0 = res.value("flight_time"), detected.value("flight_time")
        assert ft is not None and ft0 is not None and ft == pytest.approx(ft0 - 3 / tr.rate, abs=1e-12)
        with pytest.raises(ValueError, match="editable: "):
            analyze(tr, test, events={"release": 10})


def test_editable_events_listed() -> None:
    assert editable_events("cmj") == ("weighing_start", "onset", "takeoff", "landing")
    assert editable_events("dj") == ("contact", "takeoff", "landing", "weighing_start")
    assert editable_events("imtp") == ("baseline_start", "onset", "release")
    with pytest.raises(ValueError, match="valid tests"):
        editable_events("hop")


@pytest.mark.parametrize(("test", "settings"), [
    ("dj", {"drop_height": 0.3, "flight_k": 4.0}),
    ("imtp", {"windows": (0.1, 0.2), "onset_sd": 3.0}),
    ("cmj", {"onset_k": 4.0, "filter_cutoff": 50.0}),
])
def test_reanalyze_keeps_the_settings(test: str, settings: dict[str, object]) -> None:
    tr = MAKERS[test](noise_sd=1.0, seed=2).trace
    res = analyze(tr, test, **settings)  # type: ignore[arg-type]
    assert all(settings_of(res)[k] == v for k, v in settings.items())
    assert "events" not in settings_of(res) and "edited_events" not in settings_of(res)
    again = reanalyze(tr, res, None)
    assert again.to_dict() == res.to_dict()
    name = "onset" if test != "dj" else "takeoff"
    i = res.events[name].index
    assert i is not None
    moved = reanalyze(tr, res, {name: i + 2})
    assert moved.events[name].index == i + 2 and moved.events[name].method == "edited"
    if test == "dj":  # the drop height came along: the forward integration still runs
        assert moved.value("takeoff_velocity") is not None
