"""A session recorded in the app and one recorded with ``forcelab record`` from the same simulated device
describe the device alike: the same model, serial number and firmware (what the device said to IDENTIFY),
the same calibration (what it said to READ_CALIBRATION) in the same archive convention, and the device's
own clock in ``/stream/device_time``.

The app is the real offscreen window on simulated plates on a real pty (keys pressed on the window); the
command line is a real ``forcelab record --simulate`` process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
from PySide6 import QtCore

from forcelab.gui.app import build_window
from forcelab.simulation.motion import default_calibration
from forcelab.simulation.simulator import FIRMWARE, OVERRUN
from forcelab.storage.session import open_session
from support.record_cli import record_command

RATE = 1000.0


def _record_in_app(qtbot, archive: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The session file, and the simulated device's own record of every sample (counter, micros)."""
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(archive))
    window = build_window()
    qtbot.addWidget(window)
    try:
        window.session.archive.index.set_athlete("App Athlete", body_mass=75.0)
        assert window.roster is not None
        window.roster.reload(select="App Athlete")
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        assert window.start_simulated("forcelab dual plate (8 cells)", RATE, noise=2.0, seed=1, record=True)
        link = window.session.link
        assert link is not None
        engine = link.engine
        qtbot.waitUntil(lambda: engine.ring.total_written > 500, timeout=8000)
        qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # start recording
        assert window.session.is_recording
        began = engine.ring.total_written
        qtbot.waitUntil(lambda: engine.ring.total_written > began + 1500, timeout=8000)
        qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)  # stop: the file is closed, complete
        assert not window.session.is_recording
        assert link.simulator is not None
        sent = link.simulator.recorded()
    finally:
        window.close()  # waits for the session to be closed and published from the spool
    (path,) = (archive / "sessions").rglob("*.h5")
    return path, sent


def _record_on_command_line(archive: Path) -> Path:
    cmd = record_command(archive, "--rate", str(RATE), "--seconds", "2", athlete="Cli Athlete")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    return Path(next(line for line in proc.stdout.splitlines() if line.startswith("session: ")).split(": ", 1)[1])


def _device_and_calibration(path: Path) -> tuple[tuple[str, str, str], np.ndarray, np.ndarray]:
    with h5py.File(path, "r") as f:
        device = (str(f.attrs["device_model"]), str(f.attrs["device_serial"]), str(f.attrs["device_firmware"]))
        gain, offset = f["calibration/gain"][()], f["calibration/offset"][()]
        raw = f["stream/raw"]
        np.testing.assert_array_equal(raw.attrs["conversion"], gain)
        np.testing.assert_array_equal(raw.attrs["offset"], offset)
    return device, gain, offset


def test_app_and_command_line_sessions_carry_the_same_device_and_calibration(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    app_path, sent = _record_in_app(qtbot, tmp_path / "app", monkeypatch)
    cli_path = _record_on_command_line(tmp_path / "cli")

    app_device, app_gain, app_offset = _device_and_calibration(app_path)
    cli_device, cli_gain, cli_offset = _device_and_calibration(cli_path)
    assert app_device == cli_device == ("forcelab-sim", "SIM00001", FIRMWARE)  # what IDENTIFY said
    np.testing.assert_array_equal(app_gain, cli_gain)
    np.testing.assert_array_equal(app_offset, cli_offset)
    # the calibration the device holds, N = gain * (counts - offset), in the archive's counts * gain + offset
    device_cal = default_calibration(8)
    np.testing.assert_allclose(app_gain, device_cal.gains, rtol=1e-6)  # sent over the wire as float32
    np.testing.assert_allclose(app_offset, -np.asarray(device_cal.gains) * np.asarray(device_cal.offsets),
                               rtol=1e-6)

    for path in (app_path, cli_path):
        s = open_session(path)
        assert s.complete and s.stream_rows > 1000
        data = s.stream()
        # the stored forces are the raw counts through the stored calibration (one convention, both files)
        newtons = data["raw"].astype(np.float64) * app_gain + app_offset
        np.testing.assert_allclose(newtons.sum(axis=1), data["force_total"], rtol=1e-9, atol=1e-6)
        # /stream/device_time is seconds on the device's clock: 1/rate per sample counted. A frame the device
        # had to drop (its transmit buffer full while a loaded machine did not read the port: a real
        # device's overrun) is a counter step of more than 1, and its time passes too
        steps = np.diff(data["counter"].astype(np.int64))
        assert np.all(steps >= 1)
        np.testing.assert_allclose(np.diff(data["device_time"]), steps / RATE, rtol=0, atol=2e-6)
    # ... and exactly the device's clock, not the engine's re-anchored time: the micros the simulated device
    # put on the wire with each sample of the app's session
    data = open_session(app_path).stream()
    by_counter = dict(zip(sent.counter.tolist(), sent.micros.tolist(), strict=True))
    micros = np.array([by_counter[int(c)] for c in data["counter"]], dtype=np.float64)
    np.testing.assert_allclose(data["device_time"], micros * 1e-6, rtol=0, atol=1e-9)
    # every sample the device sent intact in the recorded span is in the file; the ones missing are exactly
    # those it dropped (overrun), none lost on the host's side
    stored = data["counter"].astype(np.int64)
    span = (sent.counter >= stored[0]) & (sent.counter <= stored[-1])
    missing = np.setdiff1d(sent.counter[span].astype(np.int64), stored)
    dropped = sent.counter[span & (sent.status == OVERRUN)].astype(np.int64)
    np.testing.assert_array_equal(missing, dropped)
