"""End to end with no hardware: simulator -> pty -> pyserial -> decoder -> engine -> ring buffer.

The simulator keeps a record of every sample it generated; the ring buffer must hold exactly those
values, in order, with a gap marked where the device was unplugged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from forcelab.acquisition.connect import open_device
from forcelab.simulation.simulator import OVERRUN, SENT, SimulatedPlates
from forcelab.simulation.synthetic import G


def _wait(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_every_sample_reaches_the_ring_and_an_unplug_is_a_marked_gap() -> None:
    sim = SimulatedPlates(rate=2000, record=True, seed=5, stand_after=0.0, body_mass=72.0, boot_delay=0.05,
                          tx_buffer=65536)
    sim.start()
    engine = open_device(sim.port, protocol="binary")
    try:
        engine.start()
        _wait(lambda: engine.ring.total_written > 1500)
        sim.unplug()
        _wait(lambda: engine.status().state == "reconnecting")  # the engine noticed the unplug
        time.sleep(0.2)
        sim.replug()
        _wait(lambda: sim.stats.streams == 2 and sim.stats.samples_sent > 3000)
        first = engine.ring.total_written
        _wait(lambda: engine.ring.total_written > first + 1000)
    finally:
        engine.stop()
        sim.stop()
    rows = engine.ring.latest(engine.ring.total_written)
    counter = rows[:, engine.column("counter")].astype(np.int64)
    raw = rows[:, engine.column("raw0") : engine.column("raw0") + 8].astype(np.int64)
    rec = sim.recorded()
    gaps = [g for g in engine.gaps() if g.kind == "disconnect"]
    assert len(gaps) == 1
    cut = gaps[0].row
    for stream, part in ((0, slice(0, cut)), (1, slice(cut, len(rows)))):
        sent = rec.select((rec.stream == stream) & (rec.status == SENT))
        n = len(counter[part])
        assert n > 500
        # what the host got is a prefix of what the device sent, sample for sample: counters
        # continuous from 0, counts identical (bytes still in the pty when it vanished are lost)
        np.testing.assert_array_equal(counter[part], sent.counter[:n].astype(np.int64))
        np.testing.assert_array_equal(raw[part], sent.counts[:n])
    # a host that falls behind on a loaded machine loses frames exactly as with a real device; every
    # lost sample is then an overrun the device counted and a counter gap the engine marked
    overrun = 0
    for stream, part in ((0, slice(0, cut)), (1, slice(cut, len(rows)))):
        inside = (rec.stream == stream) & (rec.counter <= counter[part][-1])
        overrun += int(np.count_nonzero(rec.status[inside] == OVERRUN))
    assert engine.status().lost_samples == overrun
    assert sum(g.lost_samples or 0 for g in engine.gaps() if g.kind == "lost") == overrun
    # the engine applied the calibration the device reported: the athlete's weight
    total = rows[:, engine.column("total")]
    np.testing.assert_allclose(total, 72.0 * G, atol=8 * 0.5 * max(sim.calibration.gains))


def test_text_device_in_newtons_through_the_text_profile() -> None:
    """Text lines ``t_us,c1..c8`` in newtons, as hardware/profiles/text-8ch-plates.json describes them."""
    sim = SimulatedPlates(rate=500, protocol="text", text_units="newtons", text_delimiter=",", record=True,
                          seed=2, stand_after=0.0, body_mass=64.0, asymmetry=0.1, boot_delay=0.05)
    sim.start()
    engine = open_device(sim.port, protocol="text", profile="text-8ch-plates")
    try:
        engine.start()
        _wait(lambda: engine.ring.total_written > 400)
    finally:
        engine.stop()
        sim.stop()
    rows = engine.ring.latest(engine.ring.total_written)
    forces = rows[:, engine.column("f0") : engine.column("f0") + 8]
    rec = sim.recorded()
    expected = np.round(sim.calibration.apply(rec.counts), 2)
    # the rows are consecutive lines the device printed (joining mid-stream: find the first one)
    first = int(np.flatnonzero(np.all(np.abs(expected - forces[0]) < 1e-9, axis=1))[0])
    np.testing.assert_allclose(forces, expected[first : first + len(forces)], atol=1e-9)
    np.testing.assert_allclose(rows[:, engine.column("total")], 64.0 * G, atol=8 * 0.005 + 8 * 0.5 * 0.0021)
    left = rows[:, engine.column("left")]
    np.testing.assert_allclose(left / rows[:, engine.column("total")], 0.55, atol=1e-3)
