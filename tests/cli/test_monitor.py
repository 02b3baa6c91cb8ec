"""``forcelab monitor`` against the simulated plates, and its clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forcelab.cli import main
from forcelab.simulation.simulator import SimulatedPlates


def test_monitor_prints_rate_losses_and_forces(capsys: pytest.CaptureFixture[str]) -> None:
    sim = SimulatedPlates(rate=1000, protocol="binary", seed=1, body_mass=80.0)
    sim.start()
    try:
        code = main(["monitor", "--port", sim.port, "--seconds", "2.5"])
    finally:
        sim.stop()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "forcelab-sim SN SIM00001, 8 channels at 1000 Hz, calibration: device" in out
    lines = [ln for ln in out.splitlines() if re.match(r"\s+\d+ s ", ln)]
    assert len(lines) >= 2, out
    fields = lines[-1].split()
    assert fields[2] == "connected", out
    assert float(fields[3]) > 0, out  # achieved rate in Hz
    assert fields[6:9] == ["0", "0", "0"], out  # lost, CRC, malformed
    per_channel = [float(x) for x in lines[-1].split("|")[1].split()]
    assert len(per_channel) == 8
    assert "0 lost, 0 CRC errors, 0 malformed, 0 reconnects, 0 gaps" in out


def test_monitor_missing_port_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["monitor", "--port", str(tmp_path / "ttyNOPE"), "--seconds", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("forcelab: error: cannot open serial port") and "ttyNOPE" in err
    assert "Traceback" not in err


def test_monitor_needs_a_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["monitor", "--port", "x", "--seconds", "-1"]) == 2


def test_monitor_lists_ports(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "--list"]) == 0
    assert capsys.readouterr().out.strip()  # either ports or "no serial ports found"
