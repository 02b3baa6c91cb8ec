"""Squat jump: synthetic known answers, the countermovement gate, jumpmetrics FHOC_P30, vertical-jumps-fz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis.sj import analyze_sj
from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic
from support.tolerances import P30_26HZ, P30_50HZ, SHINY_WIDE, VJFZ

G = 9.80665


def test_clean_squat_jump_known_answer() -> None:
    s = synthetic.squat_jump(body_mass=70.0, jump_height=0.30, rate=1000.0, plates=False)
    r = analyze_sj(s.trace)
    assert r.flags == []
    # onset delay (10 N floor) and the sub-sample end of contact: < 1e-3 m/s here (see test_cmj for the bound)
    assert r.value("takeoff_velocity") == pytest.approx(s.truth["takeoff_velocity"], abs=1e-3)
    assert r.value("jump_height_takeoff_velocity") == pytest.approx(0.30, abs=5e-4)
    assert r.value("flight_time") == pytest.approx(s.truth["flight_time"], abs=2e-3)
    assert r.value("peak_force") == pytest.approx(s.truth["peak_force"], rel=1e-4)
    assert r.value("propulsive_time") == pytest.approx(s.truth["propulsion_duration"], abs=3e-3)
    assert r.value("countermovement_depth") == 0.0
    assert r.value("propulsive_net_impulse") == pytest.approx(s.truth["propulsive_net_impulse"], abs=0.2)
    for name in ("propulsive_rfd", "mean_propulsive_power", "peak_landing_force", "rsi_modified"):
        assert r.metrics[name].found, name


def test_countermovement_is_flagged_and_measured() -> None:
    s = synthetic.squat_jump(body_mass=70.0, jump_height=0.30, countermovement=0.05, plates=False)
    r = analyze_sj(s.trace)
    assert [f.code for f in r.flags] == ["countermovement_in_squat_jump"]
    assert r.value("countermovement_depth") == pytest.approx(0.05, abs=1e-3)  # integration of a known dip
    # propulsion then starts at the lowest point (zero velocity), exactly where the synthetic push begins
    assert r.events["propulsion_start"].time == pytest.approx(s.truth["propulsion_start_time"], abs=2e-3)
    # a dip smaller than the threshold is not flagged
    r2 = analyze_sj(s.trace, countermovement_threshold=1e6)
    assert r2.flags == []


@settings(max_examples=15, deadline=None)
@given(mass=st.floats(45.0, 130.0), height=st.floats(0.15, 0.5),
       rate=st.sampled_from([500.0, 1000.0, 2000.0, 4000.0]))
def test_squat_jump_properties(mass: float, height: float, rate: float) -> None:
    s = synthetic.squat_jump(body_mass=mass, jump_height=height, rate=rate, plates=False)
    r = analyze_sj(s.trace)
    f, to = s.trace.total, r.events["takeoff"].index
    assert to is not None
    late = 10.0 / ((f[to - 2] - f[to - 1]) * rate) + 1.0 / rate  # see test_cmj: missed end of contact
    v = s.truth["takeoff_velocity"]
    assert r.value("takeoff_velocity") == pytest.approx(v, abs=G * late + 1e-3)
    assert r.value("flight_time") == pytest.approx(s.truth["flight_time"], abs=late + 1.0 / rate)
    assert not any(fl.code == "countermovement_in_squat_jump" for fl in r.flags)


def _p30(shared_data: Path) -> ForceTrace:
    a = np.loadtxt(shared_data / "jumpmetrics" / "FHOC_P30_SQT300007.txt", delimiter=",", skiprows=1)
    return ForceTrace(1000.0, a[:, 2] + a[:, 8])


@pytest.mark.parametrize("cutoff", [50.0, 26.64])
def test_jumpmetrics_p30(shared_data: Path, cutoff: float) -> None:
    """jumpmetrics settings: low-pass, 2 s before take-off, weighing the first 0.5 s, |F| < 10 N take-off.
    References, tolerances and reasons: tests/support/tolerances.py (P30_50HZ, P30_26HZ). Same filter, same
    samples: peaks exact to rounding; jumpmetrics integrates from another start over an unsteady stance, and its
    own two settings rows differ by 0.078 m/s, so take-off velocity is held to 0.1 m/s."""
    S = {50.0: P30_50HZ, 26.64: P30_26HZ}[cutoff]
    tr = _p30(shared_data)
    assert S.settings["filter_cutoff"] == cutoff and S.cut_before_takeoff == 2.0
    to = analyze_sj(tr, **S.settings).events["takeoff"].index
    assert to is not None
    r = analyze_sj(tr.slice(to - 2000, tr.n), **S.settings, **S.cut_settings)
    for ref in S.refs:
        assert r.value(ref.name) == ref.approx(), ref.name
    codes = {f.code for f in r.flags}
    # jumpmetrics also reports a "potential unweighting start" on this trial: a dip before the push
    assert "countermovement_in_squat_jump" in codes and "unsteady_weighing" in codes


@pytest.mark.parametrize("region", ["before", "after"])
def test_vertical_jumps_fz_sj(shared_data: Path, region: str) -> None:
    a = np.loadtxt(shared_data / "vertical-jumps-fz" / "Dual-SJ-Fz.txt", skiprows=1)
    r = analyze_sj(ForceTrace.from_plates(1000.0, a[:, 0], a[:, 1]), weighing_region=region)
    # their quiet second is at the end (≈660 N); weighing before the jump finds the same stance weight
    assert r.value("body_weight") == VJFZ[1]["body_weight"].approx()
    h_v, h_ft = r.value("jump_height_takeoff_velocity"), r.value("jump_height_flight_time")
    assert h_v is not None and h_ft is not None and 0.15 < h_v < 0.5 and abs(h_v - h_ft) < 0.03
    assert r.value("left_peak_force") is not None and r.value("peak_force_asymmetry") is not None


def test_no_jump_and_bad_input() -> None:
    r = analyze_sj(ForceTrace(1000.0, np.full(4000, 700.0)))
    assert r.metrics["jump_height_takeoff_velocity"].value is None
    assert "no flight" in (r.events["takeoff"].reason or "")
    with pytest.raises(ValueError, match="weighing_region"):
        analyze_sj(ForceTrace(1000.0, np.full(4000, 700.0)), weighing_region="middle")
    with pytest.raises(ValueError, match="empty"):
        analyze_sj(ForceTrace(1000.0, np.zeros(0)))


def _wide_trial(shared_data: Path, j: int) -> ForceTrace:
    import csv

    with (shared_data / "shiny-vertical-jump" / "example_data" / "wide_data.csv").open() as fh:
        rows = list(csv.reader(fh))[1:]
    cols = []
    for c in (2 * j, 2 * j + 1):  # trials side by side, shorter ones padded with empty cells
        cols.append(np.array([float(r[c]) for r in rows if c < len(r) and r[c] not in ("", "NA")]))
    n = min(len(cols[0]), len(cols[1]))
    return ForceTrace.from_plates(1000.0, cols[0][:n], cols[1][:n])


@pytest.mark.parametrize("j", [0, 1])
def test_shiny_wide_squat_jumps(shared_data: Path, j: int) -> None:
    """Squat jumps 1-2 of wide_data.csv = trials 1-2 of the app's online 2019 output. The README says to trust
    their peak force and flight time (their impulse heights are not physical). References: SHINY_WIDE."""
    S = SHINY_WIDE[j]
    assert S.trial == j + 1
    tr = _wide_trial(shared_data, j)
    r = analyze_sj(tr, **S.settings)
    # samples of the file: exact. Per plate each plate's own peak (limb_peak="own", as the app does); flight
    # time: thresholds differ by up to a sample
    for ref in S.refs:
        assert r.value(ref.name) == ref.approx(), ref.name
    peak = S["peak_force"].value
    # the commercial definition: limb forces at the instant of the total peak, adding up to it
    r2 = analyze_sj(tr, limb_peak="at_total_peak")
    lv, rv = r2.value("left_peak_force"), r2.value("right_peak_force")
    assert lv is not None and rv is not None and lv + rv == pytest.approx(peak, abs=1e-6)
    # the athlete stands, sinks into the squat and holds it on the plate: the sinking is seen and flagged
    assert "countermovement_in_squat_jump" in {f.code for f in r.flags}
