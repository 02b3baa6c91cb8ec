"""A Chronojump-speaking device on a pty: get_version: / start_capture: handshake, newtons, end_capture:.

The device side is a small responder thread written here from the protocol description (commands end in
``:``, samples are ``<micros>;<newtons>`` lines): the real sensor is not in the lab.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from forcelab.acquisition.connect import open_device
from support.pty_plate import PtyPlate


def wait(cond: Callable[[], bool], timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not cond():
        time.sleep(0.02)
    return cond()


class FakeChronojump:
    """Answers get_version:, streams 100 Hz lines after start_capture:, stops at end_capture:."""

    def __init__(self, dev: PtyPlate) -> None:
        self.dev = dev
        self.commands: list[str] = []
        self.sent: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buf = b""
        capturing = False
        k = 0
        t0 = time.monotonic()
        while not self._stop.is_set():
            buf += self.dev.read()
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                cmd = line.decode().strip()
                self.commands.append(cmd)
                if cmd == "get_version:":
                    self.dev.write(b"Force_Sensor-0.6\r\n")
                elif cmd == "start_capture:":
                    self.dev.write(b"Starting capture...\r\n")
                    capturing, k, t0 = True, 0, time.monotonic()
                elif cmd == "end_capture:":
                    self.dev.write(b"Capture ended:\r\n")
                    capturing = False
            if capturing:
                due = int((time.monotonic() - t0) * 100)
                lines = []
                while k < due:
                    force = 700.0 + 50.0 * np.sin(k / 10)
                    self.sent.append(round(force, 2))
                    lines.append(f"{k * 10000};{force:.2f}\r\n")
                    k += 1
                if lines:
                    self.dev.write("".join(lines).encode())
            time.sleep(0.002)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def test_chronojump_handshake_and_newtons(tmp_path: Path) -> None:
    dev = PtyPlate(tmp_path)
    fake = FakeChronojump(dev)
    try:
        engine = open_device(dev.port, profile="chronojump-force-sensor")
        assert engine.device_info["protocol"] == "chronojump"
        assert engine.device_info["model"] == "Force_Sensor-0.6"
        assert engine.plate_map.channels == 1 and abs(engine.rate - 100) < 1
        assert engine.calibration.source == "default"  # newtons from the device: identity
        engine.start()
        try:
            assert wait(lambda: engine.status().samples >= 150)
        finally:
            engine.stop()
        assert wait(lambda: "end_capture:" in fake.commands)
        assert fake.commands[0] == "get_version:" and "start_capture:" in fake.commands
        st = engine.status()
        assert (st.lost_samples, st.malformed) == (0, 0)
        got = engine.ring.latest(st.samples)[:, engine.column("total")]
        start = fake.sent.index(got[0])  # the probe's lines are given back, so nothing is skipped
        np.testing.assert_allclose(got, fake.sent[start : start + len(got)])
        assert start == 0
    finally:
        fake.stop()
        dev.close()
