"""Calibration: apply, tare, known-mass fits with residuals, JSON storage per serial; plate combination."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.acquisition.calibration import (
    STANDARD_GRAVITY,
    Calibration,
    CalibrationError,
    CalibrationStore,
    MassPoint,
    default_directory,
    fit_known_masses,
    fit_line,
)
from forcelab.devices.plates import PlateLayout, PlateMap


def test_apply_is_gain_times_counts_minus_offset() -> None:
    cal = Calibration((0.5, -2.0), (100.0, 10.0))
    out = cal.apply(np.array([[100, 10], [300, 0]], dtype=np.int32))
    np.testing.assert_allclose(out, [[0.0, 0.0], [100.0, 20.0]])


def test_wrong_channel_count_names_both_shapes() -> None:
    with pytest.raises(CalibrationError, match="2 channels .* shape \\(3, 3\\)"):
        Calibration((1.0, 1.0), (0.0, 0.0)).apply(np.zeros((3, 3)))


def test_zero_gain_and_nan_are_refused() -> None:
    with pytest.raises(CalibrationError, match="channel 1: gain is zero"):
        Calibration((1.0, 0.0), (0.0, 0.0))
    with pytest.raises(CalibrationError, match="finite"):
        Calibration((1.0, float("nan")), (0.0, 0.0))


def test_tare_sets_offsets_to_window_mean_for_chosen_channels() -> None:
    cal = Calibration((2.0, 2.0, 2.0), (0.0, 0.0, 0.0))
    rng = np.random.default_rng(1)
    window = rng.normal([50, -20, 7], 1.0, size=(500, 3))
    tared = cal.tare(window, channels=[0, 2])
    assert tared.offsets[1] == 0.0
    np.testing.assert_allclose([tared.offsets[0], tared.offsets[2]], window.mean(axis=0)[[0, 2]])
    assert abs(tared.apply(window)[:, 0].mean()) < 1e-9
    with pytest.raises(CalibrationError, match="empty"):
        cal.tare(np.zeros((0, 3)))
    with pytest.raises(CalibrationError, match="NaN"):
        cal.tare(np.full((3, 3), np.nan))


def test_fit_line_recovers_gain_offset_and_reports_residual() -> None:
    counts = np.array([1000.0, 21000.0, 41000.0, 61000.0])
    forces = 0.01 * (counts - 1000.0) + np.array([0.0, 0.3, -0.3, 0.0])
    fit = fit_line(counts, forces, channel=3)
    assert fit.channel == 3 and fit.n_points == 4
    assert fit.gain == pytest.approx(0.01, rel=1e-3)
    assert fit.offset == pytest.approx(1000.0, abs=20)
    assert 0.1 < fit.rms_residual_n < 0.3 and fit.max_residual_n >= fit.rms_residual_n


def test_fit_line_refuses_bad_points() -> None:
    with pytest.raises(CalibrationError, match="at least 2 points"):
        fit_line([1.0], [2.0])
    with pytest.raises(CalibrationError, match="do not change"):
        fit_line([5.0, 5.0, 5.0], [0.0, 10.0, 20.0], channel=2)


def test_known_masses_per_channel_keep_other_channels() -> None:
    base = Calibration((1.0, 3.0), (0.0, 5.0), device_serial="FL-1")
    true_gain, true_off = 0.02, 800.0
    pts = [MassPoint(0, m, m * STANDARD_GRAVITY / true_gain + true_off) for m in (0.0, 10.0, 20.0, 40.0)]
    cal = fit_known_masses(pts, base)
    assert cal.gains[0] == pytest.approx(true_gain) and cal.offsets[0] == pytest.approx(true_off)
    assert (cal.gains[1], cal.offsets[1]) == (3.0, 5.0)
    assert cal.source == "known_masses" and cal.device_serial == "FL-1"
    assert cal.fits[0].rms_residual_n < 1e-6 and cal.fits[0].n_points == 4
    with pytest.raises(CalibrationError, match="channel 7"):
        fit_known_masses([MassPoint(7, 1.0, 1.0)], base)


def test_store_round_trip_per_serial(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    assert store.load("FL-0001") is None
    cal = fit_known_masses([MassPoint(1, 0, 10), MassPoint(1, 20, 4010)],
                           Calibration.identity(2, device_serial="FL-0001"))
    path = store.save(cal)
    assert path.parent == tmp_path and path.name == "FL-0001.json"
    assert store.load("FL-0001") == cal
    assert json.loads(path.read_text())["formula"] == "newtons = gain * (counts - offset)"


def test_store_defaults_to_user_config_dir() -> None:
    assert "forcelab" in str(default_directory())
    cal = Calibration.identity(1, device_serial="a/b:c")
    path = CalibrationStore().save(cal)  # conftest points the config dir at a temp folder
    assert path.name == "a_b_c.json" and CalibrationStore().load("a/b:c") == cal


def test_damaged_store_file_is_a_clear_error(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    store.path_for("X").write_text("{not json")
    with pytest.raises(CalibrationError, match="X.json: cannot read"):
        store.load("X")
    store.path_for("Y").write_text(json.dumps({"schema": "forcelab.calibration/1", "gains": [1]}))
    with pytest.raises(CalibrationError, match="Y.json: malformed"):
        store.load("Y")
    other = Calibration.identity(1, device_serial="Z")
    store.path_for("W").write_text(json.dumps(other.to_dict()))
    with pytest.raises(CalibrationError, match="not 'W'"):
        store.load("W")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=8), st.floats(1e-4, 10), st.floats(-1e5, 1e5))
def test_fit_is_exact_on_exact_lines(xs: list[float], gain: float, offset: float) -> None:
    x = np.asarray(xs)
    if np.ptp(x) < 1.0:
        return
    fit = fit_line(x, gain * (x - offset))
    assert fit.gain == pytest.approx(gain, rel=1e-6)
    np.testing.assert_allclose(fit.gain * (x - fit.offset), gain * (x - offset), atol=1e-6 * (1 + abs(gain * x).max()))


def test_plate_map_sums_plates_and_computes_cop() -> None:
    xy = ((-0.2, -0.3), (0.2, -0.3), (0.2, 0.3), (-0.2, 0.3))
    pm = PlateMap(9, (PlateLayout("left", (0, 1, 2, 3), xy), PlateLayout("right", (4, 5, 6, 7), xy)))
    newtons = np.array([
        [100, 100, 100, 100, 0, 0, 0, 0, 99.0],
        [0, 200, 200, 0, 1, 1, 1, 1, 0.0],
    ])
    total, plates, cop = pm.combine(newtons)
    np.testing.assert_allclose(total, [400, 404])  # channel 8 is in no plate: recorded, not summed
    np.testing.assert_allclose(plates, [[400, 0], [400, 4]])
    np.testing.assert_allclose(cop[0, 0], [0, 0], atol=1e-12)
    np.testing.assert_allclose(cop[1, 0], [0.2, 0.0], atol=1e-12)
    assert np.isnan(cop[:, 1]).all()  # right plate below 20 N: no CoP


def test_plate_map_rejects_inconsistent_profiles() -> None:
    with pytest.raises(ValueError, match="more than one plate"):
        PlateMap(4, (PlateLayout("a", (0, 1)), PlateLayout("b", (1, 2))))
    with pytest.raises(ValueError, match="channel 5"):
        PlateMap(4, (PlateLayout("a", (0, 5)),))
    pm = PlateMap.from_profile({"channels": 2, "plates": [{"name": "cell", "channels": [0, 1]}]})
    assert pm.names == ("cell",)
    assert PlateMap.from_profile({"channels": 3}).names == ("plate",)
