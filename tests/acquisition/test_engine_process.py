"""Process mode: the port lives in a child process; bytes, events and gaps reach the engine in order."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from forcelab.acquisition.connect import open_device
from forcelab.acquisition.process_transport import ProcessTransport, TransportSpec
from forcelab.devices.serial_transport import TransportError
from forcelab.simulation.simulator import SENT, SimulatedPlates


def wait(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not cond():
        time.sleep(0.02)
    return cond()


def test_process_mode_delivers_every_sample_and_survives_an_unplug() -> None:
    sim = SimulatedPlates(rate=2000, protocol="binary", record=True, seed=11)
    sim.start()
    try:
        engine = open_device(sim.port, protocol="binary", process=True)
        assert engine.device_info["mode"] == "process"
        assert isinstance(engine.transport, ProcessTransport)
        engine.start()
        try:
            assert wait(lambda: engine.status().samples > 2000)
            rec = sim.recorded()
            sent = rec.select((rec.status == SENT) & (rec.stream == rec.stream.max()))
            assert wait(lambda: engine.status().samples >= sent.n)
            rows = engine.ring.latest(engine.ring.total_written)[: sent.n]
            r0 = engine.column("raw0")
            np.testing.assert_array_equal(rows[:, engine.column("counter")], np.arange(sent.n))
            np.testing.assert_array_equal(rows[:, r0 : r0 + 8], sent.counts)
            assert engine.status().lost_samples == 0

            sim.unplug()
            assert wait(lambda: engine.status().state == "reconnecting")
            before = engine.status().samples
            sim.replug()
            assert wait(lambda: engine.status().state == "connected")
            assert wait(lambda: engine.status().samples > before + 500)
            (gap,) = engine.gaps()
            assert gap.kind == "disconnect" and gap.row == before
            st = engine.status()
            assert st.reconnects == 1 and st.lost_samples == 0 and st.crc_errors == 0
        finally:
            engine.stop()
        assert engine.transport.state == "closed"
    finally:
        sim.stop()


def test_process_transport_reports_a_missing_port(tmp_path: Path) -> None:
    t = ProcessTransport(TransportSpec(port=str(tmp_path / "gone")))
    with pytest.raises(TransportError, match="cannot open serial port .*gone"):
        t.open()
    with pytest.raises(TransportError, match="closed"):
        t.read()
