"""Quiet stance and single-leg balance (analysis/balance.py): CoP measures within 1 % of the closed form for a
CoP on a circle and on an ellipse, the CoP from four cells and the plate geometry of the device profile (one plate
and both plates), a step off, the Romberg quotient, and the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from forcelab.analysis import dispatch
from forcelab.analysis.balance import chi2_2, romberg_ratios
from forcelab.analysis.types import ForceTrace
from forcelab.cli import main
from forcelab.devices.plates import PlateMap
from forcelab.devices.profiles import load_profile
from forcelab.simulation import synthetic
from forcelab.simulation.motion import cell_weights

CLOSED_FORM = ("cop_path_length", "cop_mean_velocity", "cop_mean_velocity_ap", "cop_mean_velocity_ml", "cop_rms_ap",
               "cop_rms_ml", "cop_range_ap", "cop_range_ml", "cop_ellipse_area", "cop_ellipse_major",
               "cop_ellipse_minor")


def _within_1pct(r: object, truth: dict[str, float], names: tuple[str, ...] = CLOSED_FORM) -> None:
    for name in names:
        got = r.value(name)  # type: ignore[attr-defined]
        assert got == pytest.approx(truth[name], rel=0.01), name


@pytest.mark.parametrize("rate", [100.0, 1000.0])
@pytest.mark.parametrize("ml, ap, centre", [(0.01, 0.01, (0.0, 0.0)), (0.006, 0.018, (0.03, -0.05)),
                                            (0.02, 0.005, (-0.1, 0.1))])
def test_cop_measures_match_the_closed_form(rate: float, ml: float, ap: float, centre: tuple[float, float]) -> None:
    # 1 N of force noise (a perfectly constant force would read as a clipped channel); the CoP is exact
    s = synthetic.quiet_stance(ml=ml, ap=ap, centre=centre, duration=40.0, frequency=0.25, rate=rate, noise_sd=1.0,
                               seed=1)
    r = dispatch.analyze(s.trace, "balance", condition="eyes_open", stance="bipedal")
    assert r.test == "balance" and r.flags == []
    _within_1pct(r, s.truth)
    if ml == ap:
        assert r.value("cop_mean_distance") == pytest.approx(ml, rel=0.01)
    assert r.value("mean_force") == pytest.approx(s.truth["body_weight"], rel=1e-4)
    assert r.params["condition"] == "eyes_open" and r.params["stance"] == "bipedal"
    area = r.metrics["cop_ellipse_area"]
    assert area.unit == "m^2" and area.method == "confidence_ellipse_95pct_chi2" and "Schubert" in area.reference


def test_ellipse_area_follows_the_probability() -> None:
    s = synthetic.quiet_stance(ml=0.01, ap=0.02, duration=40.0)
    r = dispatch.analyze(s.trace, "balance", ellipse_probability=0.5)
    assert r.value("cop_ellipse_area") == pytest.approx(math.pi * chi2_2(0.5) * 0.01 * 0.02 / 2, rel=0.01)
    assert chi2_2(0.95) == pytest.approx(5.991, abs=1e-3)


def _cells(trace: ForceTrace, positions: list[tuple[float, float]]) -> np.ndarray:
    assert trace.cop_x is not None and trace.cop_y is not None
    return cell_weights(trace.cop_x, trace.cop_y, positions) * trace.total[:, None]


def test_cop_from_four_cells_and_the_profile_geometry() -> None:
    """Single-leg stance on the left plate of the dual-plate profile: the CoP from its cells, placed at the plate's
    origin_mm, gives the closed-form measures; its mean sits at the plate's centre in the common frame."""
    profile = load_profile("forcelab-dual-plate")
    pm = PlateMap.from_profile(profile)
    left = next(p for p in pm.plates if p.name == "left")
    assert left.has_cop and left.origin == (-0.205, 0.0)
    s = synthetic.quiet_stance(ml=0.012, ap=0.02, duration=30.0, rate=200.0)
    newtons = np.zeros((s.trace.n, pm.channels))
    newtons[:, list(left.channels)] = _cells(s.trace, list(left.cell_positions or ()))
    total, per_plate, cop = pm.combine(newtons)
    x, y = pm.combined_cop(per_plate, cop)
    assert np.nanmax(np.abs(cop[:, 0, 0] - s.trace.cop_x)) < 1e-12  # the plate's own frame
    r = dispatch.analyze(ForceTrace(200.0, total, cop_x=x, cop_y=y), "balance", stance="single_leg_left")
    _within_1pct(r, s.truth)
    assert float(np.mean(x)) == pytest.approx(-0.205, abs=1e-4)


def test_two_feet_on_two_plates_give_the_combined_cop() -> None:
    """Half the weight on each plate, each plate's CoP on the same ellipse: the combined CoP is the ellipse about
    the midpoint of the plate origins."""
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    s = synthetic.quiet_stance(ml=0.01, ap=0.015, duration=30.0, rate=200.0)
    half = ForceTrace(200.0, s.trace.total / 2, cop_x=s.trace.cop_x, cop_y=s.trace.cop_y)
    newtons = np.zeros((s.trace.n, pm.channels))
    for plate in pm.plates:
        newtons[:, list(plate.channels)] = _cells(half, list(plate.cell_positions or ()))
    total, per_plate, cop = pm.combine(newtons)
    x, y = pm.combined_cop(per_plate, cop)
    r = dispatch.analyze(ForceTrace(200.0, total, cop_x=x, cop_y=y), "balance")
    _within_1pct(r, s.truth)
    assert float(np.mean(x)) == pytest.approx(0.0, abs=1e-4)


def test_a_step_off_is_flagged_and_the_stance_before_measured() -> None:
    s = synthetic.quiet_stance(duration=30.0, rate=100.0, noise_sd=1.0, seed=2)
    total = s.trace.total.copy()
    total[2000:] = 5.0  # stepped off at 20 s
    r = dispatch.analyze(ForceTrace(100.0, total, cop_x=s.trace.cop_x, cop_y=s.trace.cop_y), "balance")
    assert [f.code for f in r.flags] == ["left_the_plate"]
    assert r.value("balance_duration") == pytest.approx(20.0)
    truth = synthetic.quiet_stance(duration=20.0, rate=100.0).truth
    _within_1pct(r, truth, ("cop_path_length", "cop_rms_ap", "cop_rms_ml", "cop_ellipse_area"))
    short = dispatch.analyze(s.trace, "balance", trim_start=5.0, duration=60.0)
    assert [f.code for f in short.flags] == ["short_trial"]


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no centre of pressure"):
        dispatch.analyze(synthetic.cmj().trace, "balance")
    s = synthetic.quiet_stance()
    with pytest.raises(ValueError, match="condition must be one of eyes_open, eyes_closed"):
        dispatch.analyze(s.trace, "balance", condition="closed")
    with pytest.raises(ValueError, match="ellipse_probability"):
        dispatch.analyze(s.trace, "balance", ellipse_probability=1.5)
    with pytest.raises(ValueError, match="cop_x and cop_y"):
        ForceTrace(100.0, np.ones(3), cop_x=np.zeros(3))


def test_romberg_quotient_of_eyes_closed_over_eyes_open() -> None:
    trials = [dispatch.analyze(synthetic.quiet_stance(ml=k * 0.01, ap=k * 0.012, duration=40.0).trace, "balance",
                               condition=c, stance="bipedal")
              for k, c in ((1.0, "eyes_open"), (1.0, "eyes_open"), (1.5, "eyes_closed"))]
    ratios = {m.name: m for m in romberg_ratios(trials)}
    assert ratios["romberg_cop_path_length"].value == pytest.approx(1.5, rel=0.01)
    assert ratios["romberg_cop_ellipse_area"].value == pytest.approx(2.25, rel=0.01)
    assert ratios["romberg_cop_rms_ap"].params["eyes_open_trials"] == 2
    none = {m.name: m for m in romberg_ratios(trials[:2])}
    assert none["romberg_cop_path_length"].value is None and "eyes-closed" in str(none["romberg_cop_path_length"].reason)


def test_cli_reads_cop_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = synthetic.quiet_stance(ml=0.008, ap=0.014, duration=30.0, rate=100.0, noise_sd=1.0, seed=1)
    assert s.trace.cop_x is not None and s.trace.cop_y is not None
    f = tmp_path / "stance.csv"
    np.savetxt(f, np.column_stack([np.arange(s.trace.n) / 100.0, s.trace.total, s.trace.cop_x, s.trace.cop_y]),
               delimiter=",", header="time,force,cop_x,cop_y", comments="", fmt="%.7f")
    assert main(["analyze", str(f), "--test", "balance", "--condition", "eyes_closed", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (trial,) = doc["trials"]
    assert trial["params"]["condition"] == "eyes_closed"
    for name in ("cop_path_length", "cop_ellipse_area", "cop_rms_ap"):
        assert trial["metrics"][name]["value"] == pytest.approx(s.truth[name], rel=0.01)
    assert main(["analyze", str(f), "--test", "balance"]) == 0
    assert "cop_ellipse_area" in capsys.readouterr().out
    assert main(["analyze", str(f), "--test", "cmj", "--condition", "eyes_open"]) == 2
    assert "--condition applies to --test balance" in capsys.readouterr().err


def test_simulated_plates_sway_as_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """``forcelab simulate --test balance --sway 0.02``: the CoP of each plate, computed from its four cells with
    the profile's geometry, is the simulator's Lissajous sway (0.31 Hz ML, 0.19 Hz AP) of 0.02 m amplitude."""
    import re
    import threading
    import time

    import serial

    got: dict[str, bytes] = {}

    def host() -> None:
        t0 = time.monotonic()
        port, seen = None, ""
        while port is None and time.monotonic() < t0 + 6.0:
            seen += capsys.readouterr().out
            m = re.search(r"simulated plates on (\S+)", seen)
            port = m.group(1) if m else None
            time.sleep(0.02)
        assert port is not None
        with serial.Serial(port, timeout=0.05) as ser:
            buf = b""
            while time.monotonic() < t0 + 7.5:
                buf += ser.read(65536)
        got["data"] = buf

    t = threading.Thread(target=host)
    t.start()
    rc = main(["simulate", "--protocol", "text", "--rate", "200", "--seconds", "8", "--test", "balance",
               "--sway", "0.02", "--noise", "0", "--boot-delay", "0", "--text-units", "newtons", "--delimiter", ",",
               # 10 % more on one plate: both feet sway as one body, so with equal plates and no noise the total
               # (a sum of 0.01 N-rounded cells) would sit on its largest value for 15 ms, which the clip check
               # rightly cannot tell from an amplifier at its rail
               "--asymmetry", "10"])
    t.join()
    assert rc == 0
    rows = np.array([[float(v) for v in line.split(b",")] for line in got["data"].split(b"\n")[1:]
                     if line.count(b",") == 8])
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    total, per_plate, cop = pm.combine(rows[:, 1:])
    stand = total > 0.99 * float(total.max())  # after stepping on
    assert stand.sum() > 400
    tt = rows[stand, 0] * 1e-6
    for axis, freq in ((0, 0.31), (1, 0.19)):
        v = cop[stand, 0, axis]
        basis = np.column_stack([np.sin(2 * np.pi * freq * tt), np.cos(2 * np.pi * freq * tt), np.ones_like(tt)])
        coef, *_ = np.linalg.lstsq(basis, v, rcond=None)
        assert math.hypot(coef[0], coef[1]) == pytest.approx(0.02, rel=0.01)
        assert float(np.abs(basis @ coef - v).max()) < 1e-4
    x, y = pm.combined_cop(per_plate, cop)
    r = dispatch.analyze(ForceTrace(200.0, total[stand], cop_x=x[stand], cop_y=y[stand]), "balance")
    assert r.flags == [] and r.value("cop_path_length") > 0


def test_real_recording_with_cop_columns() -> None:
    """IsometricAnalyzer's Example3 (an AMTI-style export with CoPx/CoPy in metres) carries its centre of pressure."""
    from forcelab.storage.readers import read_force_file

    path = Path(__file__).resolve().parents[3] / "shared" / "data" / "isometric-analyzer" / "Example3.csv"
    if not path.is_file():
        pytest.skip(f"{path} not here")
    rec = read_force_file(path)
    assert rec.trace.has_cop and rec.columns["cop_x"] == "CoPx" and rec.columns["cop_y"] == "CoPy"
    r = dispatch.analyze(rec.trace.slice(0, 2000), "balance")  # the quiet stance before the pull
    assert r.flags == [] and 0 < r.value("cop_rms_ml") < 0.05 and 0 < r.value("cop_rms_ap") < 0.05
