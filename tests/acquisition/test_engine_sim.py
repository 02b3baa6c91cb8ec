"""The real serial path with the simulated plates: simulator -> pty -> pyserial -> decoder -> engine -> ring."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from forcelab.acquisition.calibration import Calibration, CalibrationStore
from forcelab.acquisition.connect import open_device
from forcelab.acquisition.engine import AcquisitionEngine
from forcelab.devices.serial_transport import TransportError
from forcelab.simulation.simulator import SENT, SimulatedPlates


def wait(cond: Callable[[], bool], timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


@pytest.fixture
def sim() -> Iterator[SimulatedPlates]:
    s = SimulatedPlates(rate=1000, protocol="binary", record=True, seed=3, noise=2.0)
    s.start()
    yield s
    s.stop()


def raw_rows(engine: AcquisitionEngine, n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = engine.ring.latest(engine.ring.total_written)[:n]
    r0 = engine.column("raw0")
    return rows[:, engine.column("counter")].astype(np.int64), rows[:, r0 : r0 + engine.plate_map.channels]


def test_every_simulated_sample_arrives_unchanged(sim: SimulatedPlates) -> None:
    engine = open_device(sim.port, protocol="binary")
    assert engine.device_info["serial"] == "SIM00001" and engine.rate == 1000
    assert engine.calibration.source == "device"  # read with READ_CALIBRATION
    engine.start()
    try:
        time.sleep(1.5)
        rec = sim.recorded()
        sent = rec.select(rec.status == SENT)
        assert sent.n > 1000
        assert wait(lambda: engine.status().samples >= sent.n)
        counter, raw = raw_rows(engine, sent.n)
        np.testing.assert_array_equal(counter, sent.counter.astype(np.int64))
        np.testing.assert_array_equal(counter, np.arange(sent.n))  # continuous from START
        np.testing.assert_array_equal(raw, sent.counts)
        st = engine.status()
        assert (st.lost_samples, st.crc_errors, st.malformed, st.gaps) == (0, 0, 0, 0)
        f0 = engine.column("f0")
        rows = engine.ring.latest(sent.n)
        np.testing.assert_allclose(rows[:, f0 : f0 + 8], engine.calibration.apply(rows[:, f0 + 8 : f0 + 16]))
    finally:
        engine.stop()


def test_unplug_reconnect_and_gap_with_the_simulator(sim: SimulatedPlates) -> None:
    engine = open_device(sim.port, protocol="binary")
    engine.start()
    try:
        assert wait(lambda: engine.status().samples > 300)
        sim.unplug()
        assert wait(lambda: engine.status().state == "reconnecting")
        before = engine.status().samples
        time.sleep(0.3)
        sim.replug()
        assert wait(lambda: engine.status().state == "connected")  # handshake ran again: IDENTIFY, START
        assert wait(lambda: engine.status().samples > before + 300)
        gaps = engine.gaps()
        assert [g.kind for g in gaps] == ["disconnect"]
        assert gaps[0].row == before and gaps[0].duration is not None and gaps[0].duration >= 0.3
        st = engine.status()
        assert st.reconnects == 1 and st.lost_samples == 0
        rec = sim.recorded()
        second = rec.select((rec.status == SENT) & (rec.stream == rec.stream.max()))
        counter = engine.ring.latest(engine.ring.total_written)[before:, engine.column("counter")]
        assert counter[0] == 0  # a new stream after START
        n = min(len(counter), second.n)
        np.testing.assert_array_equal(counter[:n], second.counter[:n].astype(np.int64))
    finally:
        engine.stop()


def test_damaged_frames_are_counted_and_become_lost_samples(sim: SimulatedPlates) -> None:
    engine = open_device(sim.port, protocol="binary")
    engine.start()
    try:
        assert wait(lambda: engine.status().samples > 200)
        sim.damage_next("flip", 3)
        sim.damage_next("drop", 2)
        assert wait(lambda: sim.stats.units_damaged == 5)
        time.sleep(0.3)
        rec = sim.recorded()
        damaged = int(np.sum(rec.status != SENT) - np.sum(rec.status == 0))  # QUEUED tail excluded
        assert wait(lambda: engine.status().lost_samples == damaged)
        st = engine.status()
        assert st.crc_errors + st.malformed >= 5 and st.running
        assert all(g.kind == "lost" for g in engine.gaps())
        assert sum(g.lost_samples or 0 for g in engine.gaps()) == damaged
    finally:
        engine.stop()


def test_stalled_device_goes_silent_and_overrun_is_counted_exactly() -> None:
    sim = SimulatedPlates(rate=1000, protocol="binary", record=True, seed=4, tx_buffer=4096)
    sim.start()
    try:
        engine = open_device(sim.port, protocol="binary", silent_after=0.4)
        engine.start()
        try:
            assert wait(lambda: engine.status().samples > 200)
            sim.stall(1500)
            assert wait(lambda: engine.status().state == "silent", timeout=3)
            assert wait(lambda: engine.status().state == "connected", timeout=3)
            time.sleep(0.3)
            overrun = sim.stats.samples_overrun
            assert overrun > 0  # 1.5 s of samples cannot fit a 4 KiB device buffer
            assert wait(lambda: engine.status().lost_samples == overrun)
        finally:
            engine.stop()
    finally:
        sim.stop()


def test_text_protocol_and_stored_calibration() -> None:
    store = CalibrationStore()
    sim = SimulatedPlates(rate=500, protocol="text", record=True, seed=5)
    sim.start()
    try:
        engine = open_device(sim.port, protocol="text")
        assert engine.plate_map.channels == 8 and engine.rate == 500
        assert engine.calibration.source == "default"
        engine.start()
        try:
            assert wait(lambda: engine.status().samples > 600)
            st = engine.status()
            assert (st.lost_samples, st.malformed) == (0, 0)
            rec = sim.recorded()
            n = 500
            _, raw = raw_rows(engine, n)
            sent = rec.select(rec.status == SENT)
            # the first lines may have been cut by the probe/boot; align on the values themselves
            k = int(np.flatnonzero((sent.counts == raw[0]).all(axis=1))[0])
            np.testing.assert_array_equal(raw, sent.counts[k : k + n])
        finally:
            engine.stop()
    finally:
        sim.stop()
    assert store.load("SIM00001") is None


def test_user_calibration_wins_over_the_device(sim: SimulatedPlates, tmp_path: Path) -> None:
    mine = Calibration((0.5,) * 8, (1.0,) * 8, device_serial="SIM00001", source="known_masses")
    store = CalibrationStore(tmp_path)
    store.save(mine)
    engine = open_device(sim.port, protocol="binary", store=store)
    try:
        assert engine.calibration == mine
    finally:
        engine.stop()


def test_wrong_protocol_is_a_clear_error() -> None:
    sim = SimulatedPlates(rate=200, protocol="text", seed=6)
    sim.start()
    try:
        with pytest.raises(TransportError, match="no answer to IDENTIFY"):
            open_device(sim.port, protocol="binary", handshake_timeout=1.0)
    finally:
        sim.stop()
