"""The simulated plates over a real pty, opened with real pyserial, decoded by the real BinaryDecoder.

Every test compares what the host decoded with the simulator's own record of what it generated, sample
by sample, and checks that every fault and overrun shows up in the decoder's counters.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import serial

from forcelab.devices.binary_decoder import BinaryDecoder
from forcelab.devices.protocol import (
    Ack,
    CalibrationReply,
    ErrorCode,
    ErrorReply,
    FrameType,
    Identify,
    IdentifyReply,
    LogMessage,
    ReadCalibration,
    SetRate,
    Start,
    Stop,
    Tare,
    WriteCalibration,
    encode_command,
    frame,
)
from forcelab.devices.types import SampleBlock
from forcelab.simulation.simulator import DAMAGED, OVERRUN, SENT, SampleRecord, SimulatedPlates
from forcelab.simulation.wire import FaultPlan


class Host:
    """The host side: pyserial on the simulator's port, the binary decoder, a little command helper."""

    def __init__(self, port: str) -> None:
        self.ser = serial.Serial(port, timeout=0.005)
        self.dec = BinaryDecoder(8)
        self.blocks: list[SampleBlock] = []
        self.seq = 0

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.blocks += self.dec.feed(self.ser.read(65536))

    def until(self, cond: Callable[[], bool], timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.blocks += self.dec.feed(self.ser.read(65536))
            if cond():
                return
        raise AssertionError("timed out waiting for the device")

    def command(self, cmd_type: type, **kw: object) -> object:
        self.seq = (self.seq + 1) % 256
        seq = self.seq
        self.ser.write(encode_command(cmd_type(seq=seq, **kw)))
        found: list[object] = []

        def got() -> bool:
            while self.dec.replies:
                r = self.dec.replies.popleft()
                if getattr(r, "seq", None) == seq:
                    found.append(r)
            return bool(found)

        self.until(got)
        return found[0]

    def wait_banner(self) -> str:
        self.until(lambda: any(isinstance(r, LogMessage) for r in self.dec.replies))
        msg = next(r for r in self.dec.replies if isinstance(r, LogMessage))
        self.dec.replies.clear()
        return msg.text

    def samples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c = np.concatenate([b.counter for b in self.blocks])
        t = np.concatenate([b.device_time for b in self.blocks])
        k = np.concatenate([b.counts for b in self.blocks])
        return c, t, k

    def close(self) -> None:
        self.ser.close()


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., SimulatedPlates]]:
    made: list[SimulatedPlates] = []

    def make(**kw: object) -> SimulatedPlates:
        kw.setdefault("record", True)
        kw.setdefault("seed", 3)
        kw.setdefault("boot_delay", 0.02)
        kw.setdefault("tx_buffer", 65536)  # a host thread starved on a loaded machine should not lose frames
        sim = SimulatedPlates(**kw)  # type: ignore[arg-type]
        sim.start()
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.stop()


def _assert_decoded_equals_sent(host: Host, rec: SampleRecord) -> None:
    counter, device_time, counts = host.samples()
    sent = rec.select(rec.status == SENT)
    np.testing.assert_array_equal(counter, sent.counter)
    np.testing.assert_array_equal(counts, sent.counts)
    np.testing.assert_allclose(device_time, sent.micros.astype(np.float64) / 1e6, atol=1e-9)


def test_stream_decodes_into_exactly_the_generated_samples(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=2000, noise=3.0)
    host = Host(sim.port)
    assert "ready" in host.wait_banner()
    ident = host.command(Identify)
    assert isinstance(ident, IdentifyReply)
    assert (ident.channels, ident.rate_hz, ident.protocol_version) == (8, 2000, 1)
    assert isinstance(host.command(Start), Ack)
    host.pump(0.6)
    assert isinstance(host.command(Stop), Ack)
    host.pump(0.05)
    rec = sim.recorded()
    assert rec.n >= 1000
    assert np.all(rec.status == SENT)
    _assert_decoded_equals_sent(host, rec)
    assert host.dec.stats.samples_lost == 0
    assert host.dec.stats.crc_errors == host.dec.stats.malformed == 0
    # frames of ceil(2000/1000) = 2 samples, counters from 0
    assert host.samples()[0][0] == 0
    host.close()


def test_samples_are_the_athletes_force_through_the_calibration(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=1000, body_mass=80.0, asymmetry=0.2, stand_after=0.0)
    host = Host(sim.port)
    host.wait_banner()
    cal = host.command(ReadCalibration)
    assert isinstance(cal, CalibrationReply)
    assert cal.gains == sim.calibration.gains and cal.offsets == sim.calibration.offsets
    host.command(Start)
    host.pump(0.3)
    host.command(Stop)
    _, _, counts = host.samples()
    newtons = (counts - np.array(cal.offsets)) * np.array(cal.gains)
    left, right = newtons[:, :4].sum(axis=1), newtons[:, 4:].sum(axis=1)
    weight = 80.0 * 9.80665
    quantum = 4 * 0.5 * max(cal.gains) + 1e-9  # four cells rounded to whole counts
    np.testing.assert_allclose(left, 0.6 * weight, atol=quantum)
    np.testing.assert_allclose(right, 0.4 * weight, atol=quantum)
    host.close()


def test_injected_damage_is_counted_and_never_becomes_data(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=2000)
    host = Host(sim.port)
    host.wait_banner()
    host.command(Start)
    host.pump(0.2)
    sim.damage_next("drop", 3)
    host.pump(0.1)
    sim.damage_next("flip", 4)
    host.pump(0.2)
    host.command(Stop)
    host.pump(0.05)
    rec = sim.recorded()
    st = sim.stats
    assert st.units_damaged == 7 and st.samples_damaged == 14
    assert np.count_nonzero(rec.status == DAMAGED) == 14
    _assert_decoded_equals_sent(host, rec)
    ds = host.dec.stats
    assert ds.samples_lost == 14
    assert ds.crc_errors + ds.malformed >= 7


def test_random_faults_account_for_every_sample(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=4000, faults=FaultPlan(drop_rate=0.03, flip_rate=0.03))
    host = Host(sim.port)
    host.wait_banner()
    host.command(Start)
    host.pump(0.8)
    host.command(Stop)
    host.pump(0.05)
    rec = sim.recorded()
    assert sim.stats.units_damaged > 5
    _assert_decoded_equals_sent(host, rec)
    counter, _, _ = host.samples()
    inside = (rec.counter >= counter[0]) & (rec.counter <= counter[-1])
    assert host.dec.stats.samples_lost == int(np.count_nonzero(rec.status[inside] != SENT))


def test_overrun_when_the_host_does_not_read(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=10000, tx_buffer=4096)
    host = Host(sim.port)
    host.wait_banner()
    host.command(Start)
    time.sleep(1.0)  # the host stops reading: the pty buffer fills, then the device's transmit buffer
    host.pump(0.3)
    host.command(Stop)
    host.pump(0.05)
    st = sim.stats
    assert st.samples_overrun > 1000
    assert st.would_block > 0
    rec = sim.recorded()
    assert np.count_nonzero(rec.status == OVERRUN) == st.samples_overrun
    _assert_decoded_equals_sent(host, rec)
    # every overrun sample is a counter gap the host saw, never papered over (an overrun in the last
    # moments before STOP, after the last frame that got through, is invisible to any host)
    counter, _, _ = host.samples()
    seen = rec.counter <= counter[-1]
    assert host.dec.stats.samples_lost == int(np.count_nonzero(rec.status[seen] == OVERRUN))
    assert np.all(rec.status[~seen] == OVERRUN)


def test_stall_pauses_the_link_without_losing_samples(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=1000)
    host = Host(sim.port)
    host.wait_banner()
    host.command(Start)
    host.pump(0.2)
    sim.stall(150)
    arrivals: list[float] = [time.monotonic()]
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        data = host.ser.read(65536)
        if data:
            arrivals.append(time.monotonic())
            host.blocks += host.dec.feed(data)
    host.command(Stop)
    gaps = np.diff(arrivals)
    assert gaps.max() > 0.12  # at most one frame was already in flight when the stall began
    assert host.dec.stats.samples_lost == 0
    assert sim.stats.stalls == 1
    _assert_decoded_equals_sent(host, sim.recorded())


def test_unplug_fails_host_reads_and_replug_comes_back_at_the_same_port(
    sim_factory: Callable[..., SimulatedPlates],
) -> None:
    sim = sim_factory(rate=1000)
    host = Host(sim.port)
    host.wait_banner()
    host.command(Start)
    host.pump(0.1)
    first = sim.device_path
    sim.unplug()
    assert not os.path.exists(sim.port)
    with pytest.raises(serial.SerialException):
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            host.ser.read(65536)
    host.close()
    with pytest.raises(serial.SerialException):
        serial.Serial(sim.port)
    sim.replug()
    assert os.path.exists(sim.port)
    assert os.path.realpath(sim.port) == sim.device_path
    host2 = Host(sim.port)
    assert "ready" in host2.wait_banner()  # a new boot on the new pty
    host2.command(Start)
    host2.pump(0.1)
    host2.command(Stop)
    counter, _, _ = host2.samples()
    assert counter[0] == 0  # a fresh stream
    st = sim.stats
    assert (st.unplugs, st.replugs, st.host_opens) == (1, 1, 2)
    host2.close()
    assert first is not None


def test_scheduled_unplug_fault(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=1000, faults=FaultPlan(unplug_after=0.3, unplug_for=0.3))
    assert os.path.exists(sim.port)
    time.sleep(0.45)
    assert sim.device_path is None and not os.path.exists(sim.port)
    time.sleep(0.35)
    assert sim.device_path is not None and os.path.exists(sim.port)
    assert (sim.stats.unplugs, sim.stats.replugs) == (1, 1)


def test_commands_and_errors(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=1000)
    host = Host(sim.port)
    host.wait_banner()
    assert isinstance(host.command(SetRate, rate_hz=500), Ack)
    ident = host.command(Identify)
    assert isinstance(ident, IdentifyReply) and ident.rate_hz == 500
    bad = host.command(SetRate, rate_hz=20000)
    assert isinstance(bad, ErrorReply) and bad.code == ErrorCode.BAD_ARGUMENT and "supported" in bad.message
    host.command(Start)
    busy = host.command(SetRate, rate_hz=1000)
    assert isinstance(busy, ErrorReply) and busy.code == ErrorCode.BUSY
    again = host.command(Start)
    assert isinstance(again, ErrorReply) and again.code == ErrorCode.BUSY
    host.command(Stop)
    wrong_n = host.command(WriteCalibration, gains=(1.0, 2.0), offsets=(0.0, 0.0))
    assert isinstance(wrong_n, ErrorReply) and wrong_n.code == ErrorCode.BAD_ARGUMENT
    gains = tuple(0.5 + i / 8 for i in range(8))
    offsets = tuple(float(i * 100) for i in range(8))
    assert isinstance(host.command(WriteCalibration, gains=gains, offsets=offsets), Ack)
    cal = host.command(ReadCalibration)
    assert isinstance(cal, CalibrationReply) and cal.gains == gains and cal.offsets == offsets
    # tare while stopped: offsets become the mean counts of the next samples
    tared = host.command(Tare, samples=100)
    assert isinstance(tared, CalibrationReply) and tared.gains == gains
    assert tared.offsets != offsets
    # unknown type with a good CRC: UNKNOWN_COMMAND echoing the seq byte
    host.ser.write(frame(0x42, bytes([77])))
    host.until(lambda: any(isinstance(r, ErrorReply) for r in host.dec.replies))
    unk = host.dec.replies.popleft()
    assert isinstance(unk, ErrorReply)
    assert (unk.seq, unk.command, unk.code) == (77, 0x42, ErrorCode.UNKNOWN_COMMAND)
    # a command with the wrong payload size: BAD_LENGTH
    host.ser.write(frame(FrameType.START, bytes([5, 1, 2])))
    host.until(lambda: any(isinstance(r, ErrorReply) for r in host.dec.replies))
    bl = host.dec.replies.popleft()
    assert isinstance(bl, ErrorReply) and bl.code == ErrorCode.BAD_LENGTH and bl.seq == 5
    # closing and reopening the port resets the device (DTR): the tare is gone, the written calibration stays
    host.close()
    time.sleep(0.05)
    host2 = Host(sim.port)
    host2.wait_banner()
    cal2 = host2.command(ReadCalibration)
    assert isinstance(cal2, CalibrationReply) and cal2.offsets == offsets
    assert sim.stats.host_opens == 2 and sim.stats.host_closes == 1
    host2.close()


def test_tare_while_streaming_averages_streamed_samples(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=1000)
    host = Host(sim.port)
    host.wait_banner()
    host.command(Start)
    host.pump(0.1)
    reply = host.command(Tare, samples=200)
    assert isinstance(reply, CalibrationReply)
    host.command(Stop)
    rec = sim.recorded()
    # the 200 samples averaged are among the recorded ones: the reply equals one window's mean
    means = np.array([rec.counts[i : i + 200].mean(axis=0) for i in range(rec.n - 199)])
    got = np.array(reply.offsets)
    assert np.min(np.abs(means - got).max(axis=1)) < 1.0
    host.close()


def test_text_protocol_lines(sim_factory: Callable[..., SimulatedPlates]) -> None:
    sim = sim_factory(rate=1000, protocol="text", noise=2.0)
    ser = serial.Serial(sim.port, timeout=0.01)
    buf = b""
    end = time.monotonic() + 0.6
    while time.monotonic() < end:
        buf += ser.read(65536)
    ser.close()
    lines = buf.split(b"\n")[:-1]
    assert b"ready" in lines[0]
    rows = np.array([[int(v) for v in line.split(b";")] for line in lines[1:]])
    assert rows.shape[1] == 9
    rec = sim.recorded()
    n = len(rows)
    np.testing.assert_array_equal(rows[:, 0], rec.micros[:n])
    np.testing.assert_array_equal(rows[:, 1:], rec.counts[:n])
    assert np.all(np.diff(rows[:, 0]) == 1000)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"rate": 20000}, "rate"),
        ({"rate": 999.5}, "whole number"),
        ({"protocol": "morse"}, "protocol"),
        ({"channels": 3}, "channels"),
        ({"body_mass": 0}, "body mass"),
        ({"asymmetry": 2.0}, "asymmetry"),
    ],
)
def test_bad_options_are_clear_errors(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SimulatedPlates(**kw)  # type: ignore[arg-type]
