"""Chronojump force sensor: data lines, triggers, replies, commands."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.devices import chronojump as cj


def test_capture_session_with_replies_and_triggers() -> None:
    replies: list[cj.ChronojumpReply] = []
    events: list[cj.TriggerEvent] = []
    dec = cj.ChronojumpDecoder(rate_hz=80, on_reply=replies.append, on_event=events.append)
    session = (
        b"Force_Sensor-0.6\r\n"
        b"Starting capture...\r\n"
        + b"".join(f"{12_500 * i};{100 + i * 0.25:.2f}\r\n".encode() for i in range(10))
        + b"118750;R\r\n"
        + b"".join(f"{12_500 * i};{100 + i * 0.25:.2f}\r\n".encode() for i in range(10, 20))
        + b"240000;r\r\n"
        + b"Capture ended:\r\n915.00\r\nTaring OK:10012\r\nCalibrating OK:912.5\r\nNot a valid command\r\n"
    )
    blocks = []
    for i in range(0, len(session), 7):
        blocks += dec.feed(session[i : i + 7])
    counter = np.concatenate([b.counter for b in blocks])
    values = np.concatenate([b.values for b in blocks if b.values is not None])
    np.testing.assert_array_equal(counter, np.arange(20))
    np.testing.assert_allclose(values[:, 0], np.round(100 + np.arange(20) * 0.25, 2))
    assert all(b.counts.shape[1] == 0 and b.channels == 1 for b in blocks)
    np.testing.assert_allclose(np.concatenate([b.device_time for b in blocks]), np.arange(20) * 0.0125)
    assert events == [cj.TriggerEvent(0.11875, True, 10), cj.TriggerEvent(0.24, False, 20)]
    assert list(dec.events) == events
    assert [r.kind for r in replies] == ["version", "capture_started", "capture_ended", "number", "tared",
                                         "calibrated", "invalid_command"]
    assert replies[3].value == 915.0 and replies[4].value == 10012 and replies[5].value == 912.5
    assert dec.version == "Force_Sensor-0.6"
    assert dec.stats.samples_lost == 0 and dec.stats.malformed == 0 and dec.stats.samples_ok == 20


def test_damaged_lines_are_malformed_and_gaps_counted() -> None:
    dec = cj.ChronojumpDecoder(rate_hz=100)
    data = b"0;1.0\n10000;2.0\n20000;3.0\n30000;4.040000;5.0\n;\n50000;6.0\n60000;x\n70000;8.0\n"
    blocks = dec.feed(data)
    counter = np.concatenate([b.counter for b in blocks])
    assert list(counter) == [0, 1, 2, 5, 7]
    assert dec.stats.malformed == 3
    assert dec.stats.samples_lost == 3


def test_capture_restart_is_not_time_going_backwards() -> None:
    dec = cj.ChronojumpDecoder(rate_hz=100)
    dec.feed(b"0;1\n10000;1\n20000;1\n")
    dec.capture_started()
    blocks = dec.feed(b"Starting capture...\n0;2\n10000;2\n")
    assert list(blocks[0].counter) == [3, 4]
    assert dec.stats.resyncs == 0 and dec.stats.samples_lost == 0


def test_clock_wrap_after_71_minutes() -> None:
    dec = cj.ChronojumpDecoder(rate_hz=1000)
    w = 1 << 32
    data = "".join(f"{(w - 2000 + 1000 * i) % w};5.5\n" for i in range(5)).encode()
    blocks = dec.feed(data)
    np.testing.assert_allclose(np.diff(blocks[0].device_time), 1e-3)
    assert dec.stats.samples_lost == 0


def test_commands() -> None:
    assert cj.start_capture() == b"start_capture:\n"
    assert cj.end_capture() == b"end_capture:\n"
    assert cj.get_version() == b"get_version:\n"
    assert cj.tare() == b"tare:\n"
    assert cj.get_tare() == b"get_tare:\n"
    assert cj.calibrate(20) == b"calibrate:20;\n"
    assert cj.calibrate(12.5) == b"calibrate:12.5;\n"
    assert cj.get_calibration_factor() == b"get_calibration_factor:\n"
    assert cj.set_calibration_factor(915.5) == b"set_calibration_factor:915.5;\n"
    assert cj.BAUD == 115200
    with pytest.raises(ValueError, match="positive"):
        cj.calibrate(0)
    with pytest.raises(ValueError, match="finite"):
        cj.set_calibration_factor(float("inf"))
