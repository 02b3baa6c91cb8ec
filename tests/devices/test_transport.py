"""SerialTransport over pyserial's loop:// and over a real pty pair: reads, unplug, reconnect, silence."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from forcelab.devices.serial_transport import (
    LinkState,
    SerialTransport,
    TransportError,
    find_port_by_serial,
    list_serial_ports,
)
from support.pty_plate import PtyPlate


def read_until(t: SerialTransport, n: int, timeout: float = 3.0) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while len(buf) < n and time.monotonic() < deadline:
        buf += t.read()
    return buf


def test_loopback_url_round_trip() -> None:
    with SerialTransport("loop://") as t:
        t.write(b"hello plate\n")
        assert read_until(t, 12) == b"hello plate\n"
        assert t.state is LinkState.CONNECTED
        assert t.bytes_read == 12
        assert [e.kind for e in t.drain_events()] == ["connected"]


def test_missing_port_is_a_clear_error(tmp_path: Path) -> None:
    t = SerialTransport(str(tmp_path / "nothing-here"))
    with pytest.raises(TransportError, match="cannot open serial port .*nothing-here"):
        t.open()


def test_unknown_serial_number_is_a_clear_error() -> None:
    assert find_port_by_serial("no-such-device-1234") is None
    with pytest.raises(TransportError, match="no-such-device-1234"):
        SerialTransport(serial_number="no-such-device-1234").open()


def test_discovery_lists_ports_without_error() -> None:
    ports = list_serial_ports()
    for p in ports:  # this machine may have none; every listed one must be fully described
        assert p.device and p.summary().startswith(p.device)


def test_pty_bytes_arrive_intact(tmp_path: Path) -> None:
    dev = PtyPlate(tmp_path)
    payload = bytes(range(256)) * 40  # every byte value, incl. \r \n 0x00 0x11 0x13: raw mode
    with SerialTransport(dev.port) as t:
        dev.write(payload)
        assert read_until(t, len(payload)) == payload
    dev.close()


def test_unplug_then_replug_reconnects_by_itself(tmp_path: Path) -> None:
    dev = PtyPlate(tmp_path)
    connects: list[str] = []
    t = SerialTransport(dev.port, reconnect_interval=0.05, on_connect=lambda tr: connects.append(tr.device_path or ""))
    t.open()
    dev.write(b"before")
    assert read_until(t, 6) == b"before"
    dev.unplug()
    deadline = time.monotonic() + 3
    while t.state is not LinkState.RECONNECTING and time.monotonic() < deadline:
        t.read()
    assert t.state is LinkState.RECONNECTING
    for _ in range(10):  # port still gone: stays reconnecting, returns nothing, never raises
        assert t.read() == b""
    assert t.state is LinkState.RECONNECTING
    dev.replug()
    deadline = time.monotonic() + 3
    while t.state is not LinkState.CONNECTED and time.monotonic() < deadline:
        t.read()
    assert t.state is LinkState.CONNECTED
    dev.write(b"after")
    assert read_until(t, 5) == b"after"
    kinds = [e.kind for e in t.drain_events()]
    assert kinds == ["connected", "disconnected", "connected"]
    assert t.reconnects == 1 and len(connects) == 2
    t.close()
    dev.close()


def test_silent_device_is_reported_and_recovers(tmp_path: Path) -> None:
    dev = PtyPlate(tmp_path)
    with SerialTransport(dev.port, silent_after=0.15) as t:
        dev.write(b"x")
        read_until(t, 1)
        deadline = time.monotonic() + 2
        while t.state is not LinkState.SILENT and time.monotonic() < deadline:
            assert t.read() == b""
        assert t.state is LinkState.SILENT
        dev.write(b"y")
        assert read_until(t, 1) == b"y"
        assert t.state is LinkState.CONNECTED
        assert [e.kind for e in t.drain_events()] == ["connected", "silent", "resumed"]
    dev.close()


def test_wait_for_banner_keeps_every_byte(tmp_path: Path) -> None:
    dev = PtyPlate(tmp_path)
    with SerialTransport(dev.port) as t:
        dev.write(b"noise\r\nforcelab plate v1 ready\r\n12;3.5\r\n")
        found, data = t.wait_for(b"ready", timeout=2.0)
        assert found and data.startswith(b"noise\r\nforcelab plate v1 ready")
        found, more = t.wait_for(b"never", timeout=0.05)
        assert not found
        assert (data + more + read_until(t, 0, 0.05)).endswith(b"12;3.5\r\n")
    dev.close()


def test_read_on_closed_transport_raises() -> None:
    t = SerialTransport("loop://")
    with pytest.raises(TransportError, match="closed"):
        t.read()


def test_on_close_hook_runs_before_the_port_closes(tmp_path: Path) -> None:
    dev = PtyPlate(tmp_path)
    t = SerialTransport(dev.port, on_close=lambda tr: tr.write(b"STOP\n"))
    t.open()
    t.close()
    assert t.state is LinkState.CLOSED
    got = b""
    deadline = time.monotonic() + 2
    while b"STOP" not in got and time.monotonic() < deadline:
        got += dev.read()
    assert got == b"STOP\n"
    dev.close()
