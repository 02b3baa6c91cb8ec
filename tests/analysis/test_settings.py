"""Jump analysis settings as frozen types: defaults in one place, stored flat in ``params`` as before."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from forcelab.analysis import cmj, dj, sj
from forcelab.analysis.dispatch import analyze, parameters, settings_of
from forcelab.analysis.settings import (
    CMJSettings,
    DJSettings,
    FilterSettings,
    FlightSettings,
    OnsetSettings,
    SJSettings,
    TestSettings,
    WeighingSettings,
)
from forcelab.analysis.types import ForceTrace, TrialResult
from forcelab.simulation import synthetic

CASES: list[tuple[str, Any, type[TestSettings], Callable[..., TrialResult]]] = [
    ("cmj", cmj, CMJSettings, cmj.analyze_cmj),
    ("sj", sj, SJSettings, sj.analyze_sj),
    ("dj", dj, DJSettings, dj.analyze_dj),
]


def _trace(test: str) -> ForceTrace:
    if test == "dj":
        return synthetic.drop_jump(body_mass=70.0, drop_height=0.3, plates=True, seed=2).trace
    if test == "sj":
        return synthetic.squat_jump(body_mass=70.0, plates=True, seed=2).trace
    return synthetic.cmj(body_mass=75.0, plates=True, seed=2).trace


def _values(r: TrialResult) -> dict[str, float | None]:
    return {n: m.value for n, m in r.metrics.items()}


@pytest.mark.parametrize(("test", "mod", "cls", "fn"), CASES)
def test_result_params_are_the_flat_settings_then_the_inputs(test: str, mod: Any, cls: type[TestSettings],
                                                             fn: Callable[..., TrialResult]) -> None:
    r = fn(_trace(test))
    assert mod.DEFAULTS == cls().params()
    inputs = [k for k in mod.INPUTS if k != "events"]
    # the archive keys, in the order they have always been stored: (drop_height,) settings, body weight inputs
    expected = [k for k in inputs if k == "drop_height"] + list(mod.DEFAULTS) + ["body_weight", "body_weight_sd"]
    assert list(r.params)[:len(expected)] == expected
    assert all(m.params == {k: r.params[k] for k in expected} for m in r.metrics.values()
               if m.name == "peak_force")
    assert set(parameters(test)) == set(mod.DEFAULTS) | set(mod.INPUTS)


def test_defaults_differ_per_test_where_the_method_needs_it() -> None:
    assert CMJSettings().flight.min_flight_time == 0.1
    assert DJSettings().flight.min_flight_time == 0.05  # a rebound flight may be short
    assert "weighing_region" in SJSettings.defaults() and "weighing_region" not in CMJSettings.defaults()
    assert "contact_persistence" in DJSettings.defaults() and "flight_abs" not in DJSettings.defaults()


@pytest.mark.parametrize(("test", "mod", "cls", "fn"), CASES)
def test_settings_object_and_flat_overrides_give_the_same_result(test: str, mod: Any, cls: type[TestSettings],
                                                                 fn: Callable[..., TrialResult]) -> None:
    trace = _trace(test)
    flat = fn(trace, filter_cutoff=50.0, flight_k=4.0)
    typed = fn(trace, cls().replace(filter_cutoff=50.0, flight_k=4.0))
    nested = fn(trace, dataclasses.replace(cls(), filter=FilterSettings(filter_cutoff=50.0),
                                           flight=dataclasses.replace(cls().flight, flight_k=4.0)))
    assert flat.params == typed.params == nested.params
    assert flat.params["filter_cutoff"] == 50.0 and flat.params["flight_k"] == 4.0
    assert _values(flat) == _values(typed) == _values(nested)
    assert _values(flat) != _values(fn(trace))  # the settings reached the analysis


def test_overrides_win_over_the_settings_object() -> None:
    trace = _trace("cmj")
    r = cmj.analyze_cmj(trace, CMJSettings(onset=OnsetSettings(onset_k=3.0, onset_persistence=0.02)), onset_k=4.0)
    assert r.params["onset_k"] == 4.0 and r.params["onset_persistence"] == 0.02


def test_unknown_or_not_taken_settings_are_clear_errors() -> None:
    trace = _trace("cmj")
    with pytest.raises(ValueError, match="onset_kk"):
        cmj.analyze_cmj(trace, onset_kk=3.0)
    with pytest.raises(ValueError, match="weighing_region"):  # only the squat jump weighs after the landing
        cmj.analyze_cmj(trace, weighing_region="after")
    with pytest.raises(ValueError, match="CMJSettings does not take weighing_region"):
        CMJSettings(weighing=WeighingSettings(weighing_region="after"))
    with pytest.raises(ValueError, match="flight_abs"):
        DJSettings(flight=FlightSettings(flight_abs=True))
    with pytest.raises(dataclasses.FrozenInstanceError):
        CMJSettings().onset.onset_k = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(("test", "mod", "cls", "fn"), CASES)
def test_settings_come_back_from_stored_params(test: str, mod: Any, cls: type[TestSettings],
                                               fn: Callable[..., TrialResult]) -> None:
    used = cls().replace(filter_cutoff=40.0, landing_window=0.4)
    r = analyze(_trace(test), test, **used.params())
    assert cls.from_params(r.params) == used
    assert cls.from_params(r.to_dict()["params"]) == used
    again = analyze(_trace(test), test, **settings_of(r))
    assert _values(again) == _values(r)


def test_isometric_settings_store_as_before_and_read_back() -> None:
    from forcelab.analysis.isometric import DEFAULTS, analyze_isometric
    from forcelab.analysis.settings import IsometricSettings

    trace = synthetic.isometric_pull(peak_force=2500.0, noise_sd=1.0, seed=4).trace
    r = analyze_isometric(trace, onset_sd=3, windows=(0.05, 0.1))
    assert r.params["onset_sd"] == 3.0 and isinstance(r.params["onset_sd"], float)
    assert r.params["windows"] == "0.05,0.1"  # text in the archive, as always
    assert list(r.params)[:len(DEFAULTS)] == list(DEFAULTS)
    back = IsometricSettings.from_params(r.params)
    assert back.windows == (0.05, 0.1) and back == IsometricSettings(onset_sd=3.0, windows=(0.05, 0.1))
    typed = analyze_isometric(trace, back)
    assert _values(typed) == _values(r) and typed.params == r.params
    assert "net_impulse_0_100ms" in r.metrics and "net_impulse_0_250ms" not in r.metrics
    with pytest.raises(ValueError, match="baseline must be one of"):
        analyze_isometric(trace, baseline="last")
    with pytest.raises(ValueError, match="windows"):
        IsometricSettings(windows=(0.05, -0.1))
