"""The simulator's athlete, load cells and wire units, without a port: physics, calibration, faults."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.devices import cobs
from forcelab.devices.protocol import SampleFrame, parse_frame
from forcelab.simulation.motion import (
    CELL_POSITIONS,
    Calibration,
    Script,
    SimMotion,
    cell_weights,
    default_calibration,
)
from forcelab.simulation.synthetic import G
from forcelab.simulation.wire import FaultPlan, WireEncoder, damage, parse_fault, samples_per_unit


def _newtons(motion: SimMotion, t: np.ndarray) -> np.ndarray:
    cal = motion.calibration
    assert cal is not None
    return cal.apply(motion.counts(t))


def test_counts_through_the_calibration_give_back_the_force_and_cop() -> None:
    motion = SimMotion(channels=8, body_mass=70.0, asymmetry=-0.1, sway=0.02)
    motion.stand(now=0.0, step_on=0.0)
    t = np.arange(0, 3.0, 0.001)
    f = _newtons(motion, t)
    gain = max(motion.calibration.gains)  # type: ignore[union-attr]
    left, right = f[:, :4].sum(axis=1), f[:, 4:].sum(axis=1)
    np.testing.assert_allclose(left, 0.45 * 70 * G, atol=4 * 0.5 * gain)
    np.testing.assert_allclose(right, 0.55 * 70 * G, atol=4 * 0.5 * gain)
    # the force-weighted mean of the cell positions is the swaying centre of pressure
    xy = np.asarray(CELL_POSITIONS)
    cop_x = f[:, :4] @ xy[:, 0] / left
    assert np.ptp(cop_x) == pytest.approx(0.04, abs=2e-3)
    assert np.all(f >= -gain)  # no cell pulls


def test_cell_weights_sum_to_one_and_reproduce_the_cop() -> None:
    x = np.array([0.0, 0.1, -0.15])
    y = np.array([0.0, -0.2, 0.25])
    w = cell_weights(x, y)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    xy = np.asarray(CELL_POSITIONS)
    np.testing.assert_allclose(w @ xy, np.stack([x, y], axis=1), atol=1e-15)


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_smaller_layouts_sum_to_the_total(channels: int) -> None:
    motion = SimMotion(channels=channels, body_mass=60.0)
    motion.stand(now=0.0, step_on=0.0)
    f = _newtons(motion, np.arange(0, 1, 0.01))
    assert f.shape[1] == channels
    gain = max(motion.calibration.gains)  # type: ignore[union-attr]
    np.testing.assert_allclose(f.sum(axis=1), 60 * G, atol=channels * 0.5 * gain)


def test_triggered_jump_through_the_cells_matches_its_truth() -> None:
    rate = 2000.0
    motion = SimMotion(channels=8, body_mass=82.0, asymmetry=0.05)
    motion.stand(now=0.0, step_on=0.0)
    rec = motion.trigger("cmj", now=1.0, jump_height=0.32)
    assert rec.test == "cmj"
    truth = rec.truth
    t = np.arange(0.0, truth["landing_time"] + 2.0, 1.0 / rate)
    total = _newtons(motion, t).sum(axis=1)
    a = total / 82.0 - G
    v = np.concatenate([[0.0], np.cumsum((a[1:] + a[:-1]) / (2 * rate))])
    k = int(round((truth["takeoff_time"] + truth["flight_time"] / 2) * rate))
    v0 = v[k] + G * (t[k] - truth["takeoff_time"])
    # count quantisation (<= 8 * 0.5 * gain N per sample, unbiased) adds far less than 1 mm/s
    assert v0 == pytest.approx(truth["takeoff_velocity"], abs=2e-3)
    assert truth["onset_time"] >= 1.3  # queued after `lead`
    # the next trigger is queued after this trial and its pause
    rec2 = motion.trigger("imtp", now=1.0, peak_force=2600.0)
    assert rec2.truth["onset_time"] > truth["landing_time"]
    assert len(motion.trials) == 2


def test_trigger_steps_on_first_when_off_the_plate() -> None:
    motion = SimMotion(channels=2)
    rec = motion.trigger("sj", now=0.0)
    t = np.arange(0.0, rec.truth["onset_time"], 0.01)
    f = motion.total_force(t)
    assert f[0] == 0.0 and f[-1] == pytest.approx(motion.weight)


def test_repeating_script_keeps_extending() -> None:
    motion = SimMotion(channels=8)
    script = Script(trials=("cmj", ("dj", {"contact_time": 0.2})), repeat=True)
    first = motion.run_script(script, now=0.0)
    assert [r.test for r in first] == ["cmj", "dj"]
    end = motion.scheduled_until
    motion.extend(end - 1.0)
    assert motion.scheduled_until > end
    assert len(motion.trials) == 4
    once = SimMotion(channels=8)
    once.run_script(Script(trials=("cmj",)), now=0.0)
    e = once.scheduled_until
    once.extend(e)
    assert once.scheduled_until == e  # not repeating: the plate stays empty
    assert once.total_force(np.array([e + 5.0]))[0] == 0.0


def test_noise_is_seeded_and_of_the_asked_size() -> None:
    a = SimMotion(channels=8, noise=5.0, seed=11)
    b = SimMotion(channels=8, noise=5.0, seed=11)
    for m in (a, b):
        m.stand(now=0.0, step_on=0.0)
    t = np.arange(0, 4, 0.001)
    fa, fb = _newtons(a, t).sum(axis=1), _newtons(b, t).sum(axis=1)
    np.testing.assert_array_equal(fa, fb)
    assert fa.std() == pytest.approx(5.0, rel=0.05)


def test_saturation_is_clipped_and_counted() -> None:
    cal = Calibration(gains=(0.0001,), offsets=(0.0,))  # full scale 839 N
    motion = SimMotion(channels=1, body_mass=100.0, calibration=cal)
    motion.stand(now=0.0, step_on=0.0)
    counts = motion.counts(np.arange(0, 0.1, 0.01))
    assert counts.max() == (1 << 23) - 1
    assert motion.saturated == 10


def test_default_calibration_is_float32_exact_and_per_channel() -> None:
    cal = default_calibration(8)
    assert all(float(np.float32(g)) == g for g in cal.gains)
    assert len(set(cal.gains)) == 8 and len(set(cal.offsets)) == 8
    with pytest.raises(ValueError, match="channels"):
        default_calibration(3)
    with pytest.raises(ValueError, match="finite"):
        Calibration((float("nan"),), (0.0,))
    with pytest.raises(ValueError, match="zero"):
        Calibration((0.0,), (0.0,))


def test_binary_units_are_whole_frames_with_their_samples() -> None:
    enc = WireEncoder("binary", 8, samples_per_unit(2000, 8))
    assert enc.k == 2
    micros = np.arange(7, dtype=np.uint32) * 500
    counts = np.arange(56, dtype=np.int32).reshape(7, 8) - 20
    units = enc.encode(100, micros, counts)
    assert [n for _, n in units] == [2, 2, 2, 1]
    got = []
    for data, n in units:
        assert data.endswith(b"\x00") and data.count(b"\x00") == 1
        msg = parse_frame(cobs.decode(data[:-1]))
        assert isinstance(msg, SampleFrame) and len(msg.micros) == n
        got.append(msg)
    assert [m.counter for m in got] == [100, 102, 104, 106]
    np.testing.assert_array_equal(np.concatenate([m.counts for m in got]), counts)


def test_text_units_are_lines() -> None:
    enc = WireEncoder("text", 2, 3)
    units = enc.encode(0, np.array([0, 1000, 2000, 3000], dtype=np.uint32),
                       np.array([[1, -2], [3, 4], [5, 6], [7, 8]], dtype=np.int32))
    assert units == [(b"0;1;-2\n1000;3;4\n2000;5;6\n", 3), (b"3000;7;8\n", 1)]


def test_damage_never_hits_the_delimiter() -> None:
    rng = np.random.default_rng(0)
    unit = bytes([5, 1, 2, 3, 4, 0])
    for _ in range(200):
        d = damage(unit, "drop", rng, delimiter=0)
        assert len(d) == 5 and d.endswith(b"\x00")
        f = damage(unit, "flip", rng, delimiter=0)
        assert len(f) == 6 and f[-1] == 0 and f != unit
    line = b"123;456\n"
    for _ in range(200):
        f = damage(line, "flip", rng, delimiter=0x0A)
        assert f.count(b"\n") == 1 and f.endswith(b"\n")


def test_fault_specs() -> None:
    assert parse_fault("drop:0.01") == {"drop_rate": 0.01}
    assert parse_fault("stall:2:150") == {"stall_every": 2.0, "stall_ms": 150.0}
    assert parse_fault("unplug:5:1.5:10") == {"unplug_after": 5.0, "unplug_for": 1.5, "unplug_every": 10.0}
    for bad in ("drop", "drop:x", "zap:1", "stall:1"):
        with pytest.raises(ValueError, match="fault"):
            parse_fault(bad)
    with pytest.raises(ValueError, match="probability"):
        FaultPlan(drop_rate=1.5)
    with pytest.raises(ValueError, match="stall_ms"):
        FaultPlan(stall_every=1.0)
    with pytest.raises(ValueError, match="unknown test"):
        Script(trials=("hop",))


def test_cell_layout_matches_the_dual_plate_profile_and_is_checked() -> None:
    from forcelab.devices.profiles import load_profile

    profile = load_profile("forcelab-dual-plate")
    assert [p.channels for p in profile.plates] == [(0, 1, 2, 3), (4, 5, 6, 7)]  # left, right
    for plate in profile.plates:
        assert plate.cell_positions is not None
        np.testing.assert_allclose(np.asarray(plate.cell_positions), np.asarray(CELL_POSITIONS))
    with pytest.raises(ValueError, match="corners of a rectangle"):
        SimMotion(channels=8, cell_positions=((-0.2, 0.3), (-0.2, 0.3), (0.2, -0.3), (0.2, 0.3)))


def test_per_trial_asymmetry_shifts_the_split_before_the_trial() -> None:
    motion = SimMotion(channels=2, body_mass=70.0, asymmetry=0.0)
    motion.stand(now=0.0, step_on=0.0)
    first = motion.trigger("cmj", now=1.0, asymmetry=0.2)  # onset 0.3 s later; the shift takes those 0.3 s
    second = motion.trigger("cmj", now=1.0)  # keeps the shifted split
    assert first.truth["asymmetry"] == 0.2 and second.truth["asymmetry"] == 0.2
    t = np.array([0.99, first.truth["onset_time"], second.truth["onset_time"] + 0.1])
    f = motion.cell_forces(t)
    share = (f[:, 0] - f[:, 1]) / f.sum(axis=1)
    np.testing.assert_allclose(share, [0.0, 0.2, 0.2], atol=1e-12)
    with pytest.raises(ValueError, match="asymmetry"):
        motion.trigger("cmj", now=0.0, asymmetry=3.0)


def test_stream_releases_whole_frames_on_time_and_follows_the_device_crystal() -> None:
    from forcelab.simulation.stream import SampleStream

    motion = SimMotion(channels=8)
    enc = WireEncoder("binary", 8, samples_per_unit(2000, 8))  # 2 samples per frame
    stream = SampleStream(motion, enc, rate=2000, t0=10.0, t_boot=9.0, t_motion0=0.0)
    assert stream.due(9.9999) == []
    first = stream.due(10.0)  # only sample 0 taken: its frame (samples 0, 1) is not complete
    assert first == []
    units = stream.due(10.0005)  # samples 0 and 1 taken
    assert [(u.counter, u.samples) for u in units] == [(0, 2)]
    assert list(units[0].micros) == [1_000_000, 1_000_500]  # device clock since its reset
    units = stream.due(10.5)
    assert sum(u.samples for u in units) == 998  # samples 2..999; the frame of 1000-1001 is not complete
    fast = SampleStream(motion, enc, rate=2000, t0=0.0, t_boot=0.0, t_motion0=0.0, clock_ppm=10_000)
    got = fast.due(1.0)
    n = sum(u.samples for u in got)
    assert n == 2020  # 1 % fast crystal: 2020 samples in a host second (counters 0..2019)
    micros = np.concatenate([u.micros for u in got]).astype(np.int64)
    assert np.all(np.diff(micros) == 500)  # but its own clock still says 500 us per sample


def test_the_athlete_sways_as_one_body_on_two_plates() -> None:
    """Both feet's CoP follow the same Lissajous figure: the combined CoP of the two plates (profile geometry)
    traces it in ML and AP alike, and the balance measures of 60 s match the figure's closed forms within 1 %
    (rms s/sqrt2 each way, 95 % ellipse pi chi2(0.95) s^2/2, path from the figure's speed)."""
    import math

    from forcelab.analysis import dispatch
    from forcelab.analysis.balance import chi2_2
    from forcelab.analysis.types import ForceTrace
    from forcelab.devices.plates import PlateMap
    from forcelab.devices.profiles import load_profile
    from forcelab.simulation.motion import SWAY_HZ

    s = 0.01
    motion = SimMotion(channels=8, body_mass=70.0, sway=s)
    motion.stand(now=0.0, step_on=0.0)
    t = np.arange(0.0, 60.0, 0.001)
    f = motion.cell_forces(t)
    # per plate: each foot's CoP is the figure about its plate's centre (the truth per plate)
    xy = np.asarray(CELL_POSITIONS)
    ex, ey = motion.sway_at(t)
    for cells in (slice(0, 4), slice(4, 8)):
        np.testing.assert_allclose(f[:, cells] @ xy / f[:, cells].sum(axis=1)[:, None], np.stack([ex, ey], axis=1),
                                   atol=1e-12)
    pm = PlateMap.from_profile(load_profile("forcelab-dual-plate"))
    total, per_plate, cop = pm.combine(f)
    x, y = pm.combined_cop(per_plate, cop)
    np.testing.assert_allclose(x, ex, atol=1e-9)  # about the midpoint between the plates, ML as much as AP
    np.testing.assert_allclose(y, ey, atol=1e-9)
    assert np.ptp(x) == pytest.approx(2 * s, rel=1e-3) and np.ptp(y) == pytest.approx(2 * s, rel=1e-3)
    r = dispatch.analyze(ForceTrace(1000.0, total, cop_x=x, cop_y=y), "balance", trim_start=0.0, duration=60.0)
    assert r.value("cop_rms_ml") == pytest.approx(s / math.sqrt(2), rel=0.01)
    assert r.value("cop_rms_ap") == pytest.approx(s / math.sqrt(2), rel=0.01)
    assert r.value("cop_ellipse_area") == pytest.approx(math.pi * chi2_2(0.95) * s * s / 2, rel=0.01)
    tf = np.arange(0.0, r.value("balance_duration"), 1e-5)  # type: ignore[arg-type]
    w1, w2 = 2 * math.pi * SWAY_HZ[0], 2 * math.pi * SWAY_HZ[1]
    speed = s * np.hypot(w1 * np.cos(w1 * tf), w2 * np.cos(w2 * tf + 0.7))
    assert r.value("cop_path_length") == pytest.approx(float(speed.sum() * 1e-5), rel=0.01)
