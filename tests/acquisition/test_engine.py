"""AcquisitionEngine end to end through a real pty pair: bytes -> pyserial -> decoder -> ring buffer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from forcelab.acquisition.calibration import Calibration
from forcelab.acquisition.engine import AcquisitionEngine, EngineBlock, EngineStatus
from forcelab.devices.binary_decoder import BinaryDecoder
from forcelab.devices.plates import PlateLayout, PlateMap
from forcelab.devices.protocol import encode_samples
from forcelab.devices.serial_transport import SerialTransport
from support.pty_plate import PtyPlate

RATE = 1000.0
XY = ((-0.2, -0.3), (0.2, -0.3), (0.2, 0.3), (-0.2, 0.3))
PLATES = PlateMap(8, (PlateLayout("left", (0, 1, 2, 3), XY), PlateLayout("right", (4, 5, 6, 7), XY)))
GAIN = 0.01


def counts_for(start: int, n: int) -> np.ndarray:
    """Deterministic, distinct counts per sample and channel (fits 24 bits)."""
    k = np.arange(start, start + n, dtype=np.int64)[:, None]
    ch = np.arange(8, dtype=np.int64)[None, :]
    return ((k * 37 + ch * 1001) % 200_000 + 10_000).astype(np.int32)


def frames(start: int, n: int) -> bytes:
    micros = (np.arange(start, start + n) * 1000) % (1 << 32)
    return encode_samples(start, micros.astype(np.uint32), counts_for(start, n))


def wait(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[PtyPlate, AcquisitionEngine]]:
    dev = PtyPlate(tmp_path)
    transport = SerialTransport(dev.port, reconnect_interval=0.05, silent_after=0.3)
    cal = Calibration((GAIN,) * 8, (10_000.0,) * 8, device_serial="TEST")
    engine = AcquisitionEngine(transport, BinaryDecoder(8), rate=RATE, plate_map=PLATES, calibration=cal,
                               ring_seconds=60, status_interval=0.05)
    engine.start()
    yield dev, engine
    engine.stop()
    dev.close()


def test_every_sample_arrives_with_its_values(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig
    blocks: list[EngineBlock] = []
    engine.add_block_listener(blocks.append)
    n = 20_000
    for start in range(0, n, 500):
        dev.write(frames(start, 500))
    assert wait(lambda: engine.status().samples == n)
    rows = engine.ring.latest(n)
    raw = rows[:, engine.column("raw0") : engine.column("raw7") + 1]
    np.testing.assert_array_equal(raw, counts_for(0, n))
    np.testing.assert_array_equal(rows[:, engine.column("counter")], np.arange(n))
    expected_n = GAIN * (counts_for(0, n) - 10_000.0)
    np.testing.assert_allclose(rows[:, engine.column("f0") : engine.column("f7") + 1], expected_n)
    np.testing.assert_allclose(rows[:, engine.column("left")], expected_n[:, :4].sum(axis=1))
    np.testing.assert_allclose(rows[:, engine.column("total")], expected_n.sum(axis=1))
    t = rows[:, engine.column("time")]
    np.testing.assert_allclose(np.diff(t), 1 / RATE, atol=1e-9)
    st = engine.status()
    assert (st.lost_samples, st.crc_errors, st.malformed, st.gaps) == (0, 0, 0, 0)
    assert engine.gaps() == []
    assert 1 <= len(blocks) < n / 10  # blocks, never one call per sample
    assert sum(len(b.rows) for b in blocks) == n
    assert [b.first_row for b in blocks] == list(np.cumsum([0] + [len(b.rows) for b in blocks[:-1]]))


def test_lost_samples_are_a_gap_not_filled(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig
    dev.write(frames(0, 100) + frames(130, 70))  # 30 samples never sent
    assert wait(lambda: engine.status().samples == 170)
    st = engine.status()
    assert st.lost_samples == 30
    (gap,) = engine.gaps()
    assert (gap.row, gap.kind, gap.lost_samples) == (100, "lost", 30)
    counter = engine.ring.latest(170)[:, engine.column("counter")]
    assert counter[99] == 99 and counter[100] == 130  # rows hold only what arrived
    t = engine.ring.latest(170)[:, engine.column("time")]
    assert t[100] - t[99] == pytest.approx(31 / RATE)  # ...and time shows the hole


def test_unplug_is_reported_reconnects_and_marks_the_gap(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig
    states: list[str] = []
    engine.add_status_listener(lambda s: states.append(s.state))
    dev.write(frames(0, 300))
    assert wait(lambda: engine.status().samples == 300)
    dev.unplug()
    assert wait(lambda: engine.status().state == "reconnecting")
    time.sleep(0.2)
    dev.replug()
    assert wait(lambda: engine.status().state == "connected")
    dev.write(frames(0, 200))  # the device rebooted: its counter starts again
    assert wait(lambda: engine.status().samples == 500)
    st = engine.status()
    assert st.reconnects == 1 and st.lost_samples == 0
    (gap,) = engine.gaps()
    assert gap.kind == "disconnect" and gap.row == 300 and gap.lost_samples is None
    assert gap.duration is not None and gap.duration >= 0.2
    assert "reconnecting" in states and states[-1] == "connected"
    t = engine.ring.latest(500)[:, engine.column("time")]
    assert np.all(np.diff(t) > 0)  # time stays monotonic across the reconnect
    np.testing.assert_array_equal(engine.ring.latest(200)[:, engine.column("raw0"):engine.column("raw7") + 1],
                                  counts_for(0, 200))


def test_garbage_is_counted_and_good_frames_after_it_recovered(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig
    rng = np.random.default_rng(7)
    good = frames(0, 100)
    bad = bytearray(frames(100, 50))
    bad[20] ^= 0x40  # one flipped bit: that frame's CRC fails
    dev.write(good + bytes(bad) + rng.integers(0, 256, 3000, dtype=np.uint8).tobytes() + b"\x00" + frames(150, 100))
    assert wait(lambda: engine.status().samples >= 230)
    time.sleep(0.1)
    st = engine.status()
    assert st.running and st.crc_errors + st.malformed >= 1
    counter = engine.ring.latest(st.samples)[:, engine.column("counter")]
    assert counter[-1] == 249 and 240 <= st.samples <= 250
    assert st.lost_samples == 250 - st.samples  # every dropped sample is accounted for as lost


def test_silent_device_sets_watchdog_status(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig
    dev.write(frames(0, 50))
    assert wait(lambda: engine.status().samples == 50)
    assert wait(lambda: engine.status().state == "silent", timeout=3)
    dev.write(frames(50, 50))
    assert wait(lambda: engine.status().state == "connected")
    assert engine.status().lost_samples == 0


def test_broken_listener_is_counted_not_fatal(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig

    def boom(_: EngineBlock) -> None:
        raise RuntimeError("listener bug")

    engine.add_block_listener(boom)
    dev.write(frames(0, 100))
    assert wait(lambda: engine.status().samples == 100)
    dev.write(frames(100, 100))
    assert wait(lambda: engine.status().samples == 200)
    st: EngineStatus = engine.status()
    assert st.listener_errors >= 2 and st.running


def test_tare_zeroes_on_recent_raw_counts(rig: tuple[PtyPlate, AcquisitionEngine]) -> None:
    dev, engine = rig
    dev.write(frames(0, 1000))
    assert wait(lambda: engine.status().samples == 1000)
    cal = engine.tare(0.5)
    np.testing.assert_allclose(cal.offsets, counts_for(500, 500).mean(axis=0))
    dev.write(frames(1000, 500))
    assert wait(lambda: engine.status().samples == 1500)
    new = engine.ring.latest(500)[:, engine.column("f0")]
    np.testing.assert_allclose(new, GAIN * (counts_for(1000, 500)[:, 0] - cal.offsets[0]))


def test_wrong_channel_count_is_rejected_and_said() -> None:
    cal = Calibration((1.0,) * 8, (0.0,) * 8)
    with pytest.raises(ValueError, match="calibration has 8 channels, plate map 4"):
        AcquisitionEngine(SerialTransport("loop://"), BinaryDecoder(), rate=100, plate_map=PlateMap.single(4),
                          calibration=cal)
    engine = AcquisitionEngine(SerialTransport("loop://"), BinaryDecoder(), rate=100,
                               plate_map=PlateMap.single(4))
    engine.start()
    try:
        engine.transport.write(frames(0, 20))  # type: ignore[attr-defined]
        assert wait(lambda: engine.status().rejected_samples == 20)
        assert "8 channels, expected 4" in engine.status().last_error
        with pytest.raises(KeyError, match="columns are time, counter, total"):
            engine.column("nope")
    finally:
        engine.stop()


def test_nice_applies_to_the_engine_thread_only(tmp_path: Path) -> None:
    import os
    import threading

    dev = PtyPlate(tmp_path)
    engine = AcquisitionEngine(SerialTransport(dev.port), BinaryDecoder(8), rate=RATE, plate_map=PLATES, nice=5)
    seen: list[int] = []
    engine.add_block_listener(lambda b: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    engine.start()
    try:
        dev.write(frames(0, 50))
        assert wait(lambda: bool(seen))
    finally:
        engine.stop()
        dev.close()
    assert seen[0] == 5  # raising niceness needs no privilege
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base
