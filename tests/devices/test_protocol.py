"""forcelab binary protocol: frame layout, commands and replies round trip, argument errors."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from forcelab.devices import cobs
from forcelab.devices import protocol as p


def unframe(wire: bytes) -> list[bytes]:
    """Split a wire stream into decoded frames (type + payload + CRC)."""
    assert wire.endswith(b"\x00")
    return [cobs.decode(f) for f in wire[:-1].split(b"\x00")]


def test_sample_frame_layout_byte_by_byte() -> None:
    micros = np.array([1000, 1100], dtype=np.int64)
    counts = np.array([[1, -1], [0x123456, -0x800000]])
    wire = p.encode_samples(7, micros, counts, samples_per_frame=2)
    (raw,) = unframe(wire)
    body = (
        bytes([0x01, 2, 2])
        + struct.pack("<I", 7)
        + struct.pack("<Iii", 1000, 1, -1)
        + struct.pack("<Iii", 1100, 0x123456, -0x800000)
    )
    assert raw == body + struct.pack("<I", zlib.crc32(body))
    assert len(raw) == p.sample_frame_size(2, 2)


def test_samples_split_into_frames_and_last_short() -> None:
    counts = np.arange(23 * 3).reshape(23, 3)
    wire = p.encode_samples(2**32 - 5, np.arange(23) * 100, counts, samples_per_frame=10)
    frames = [p.parse_frame(r) for r in unframe(wire)]
    assert [type(f) for f in frames] == [p.SampleFrame] * 3
    sf = [f for f in frames if isinstance(f, p.SampleFrame)]
    assert [f.counter for f in sf] == [2**32 - 5, 5, 15]  # wraps modulo 2**32 on the wire
    assert [len(f.micros) for f in sf] == [10, 10, 3]
    np.testing.assert_array_equal(np.concatenate([f.counts for f in sf]), counts)


@pytest.mark.parametrize(
    "command",
    [
        p.Identify(seq=1),
        p.Start(seq=2),
        p.Stop(seq=3),
        p.SetRate(rate_hz=10000, seq=4),
        p.Tare(samples=500, seq=5),
        p.ReadCalibration(seq=6),
        p.WriteCalibration(gains=(0.5, 0.25), offsets=(-12.0, 100.5), seq=7),
    ],
)
def test_commands_round_trip(command: p.Command) -> None:
    (raw,) = unframe(p.encode_command(command))
    assert p.parse_frame(raw) == command


@pytest.mark.parametrize(
    "reply",
    [
        p.IdentifyReply(9, 1, 8, 2000, "forcelab-dual-plate", "FL-0001", "1.0.0"),
        p.Ack(3, p.FrameType.START),
        p.CalibrationReply(4, (1.0, 2.0, 0.125), (0.0, -1.5, 3.0)),
        p.ErrorReply(5, p.FrameType.SET_RATE, p.ErrorCode.BAD_ARGUMENT, "rate 7 Hz not supported"),
        p.LogMessage("forcelab firmware 1.0.0 booting"),
    ],
)
def test_replies_round_trip(reply: p.Reply) -> None:
    (raw,) = unframe(p.encode_reply(reply))
    assert p.parse_frame(raw) == reply


def test_reply_with_extra_trailing_bytes_is_accepted_command_is_not() -> None:
    # versioning rule: a later minor version may append fields to replies, never to commands
    body = bytes([p.FrameType.ACK, 1, p.FrameType.STOP, 0xAA, 0xBB])
    assert p.parse_frame(body + struct.pack("<I", zlib.crc32(body))) == p.Ack(1, p.FrameType.STOP)
    body = bytes([p.FrameType.START, 1, 0xAA])
    with pytest.raises(p.ProtocolError, match="trailing"):
        p.parse_frame(body + struct.pack("<I", zlib.crc32(body)))


def test_parse_frame_errors_say_what() -> None:
    with pytest.raises(p.ProtocolError, match="shorter"):
        p.parse_frame(b"\x01\x02")
    body = bytes([0x7E, 1])
    with pytest.raises(p.ProtocolError, match="unknown frame type 0x7E"):
        p.parse_frame(body + struct.pack("<I", zlib.crc32(body)))
    good = unframe(p.encode_command(p.SetRate(rate_hz=1000)))[0]
    with pytest.raises(p.ProtocolError, match="CRC"):
        p.parse_frame(good[:-1] + bytes([good[-1] ^ 1]))
    body = bytes([p.FrameType.SET_RATE, 0, 1])
    with pytest.raises(p.ProtocolError, match="too short"):
        p.parse_frame(body + struct.pack("<I", zlib.crc32(body)))


def test_encode_argument_errors() -> None:
    with pytest.raises(p.ProtocolError, match="24-bit"):
        p.encode_samples(0, np.zeros(1), np.array([[1 << 23]]))
    with pytest.raises(p.ProtocolError, match="shape"):
        p.encode_samples(0, np.zeros(2), np.zeros(3))
    with pytest.raises(p.ProtocolError, match="micros"):
        p.encode_samples(0, np.zeros(2), np.zeros((3, 1)))
    with pytest.raises(p.ProtocolError, match="samples_per_frame"):
        p.encode_samples(0, np.zeros(3), np.zeros((3, 8)), samples_per_frame=200)
    with pytest.raises(p.ProtocolError, match="seq"):
        p.encode_command(p.Start(seq=256))
    with pytest.raises(p.ProtocolError, match="gains"):
        p.encode_command(p.WriteCalibration(gains=(1.0,), offsets=(1.0, 2.0)))
    with pytest.raises(p.ProtocolError, match="finite"):
        p.encode_command(p.WriteCalibration(gains=(float("nan"),), offsets=(1.0,)))
    with pytest.raises(p.ProtocolError, match="255"):
        p.encode_reply(p.IdentifyReply(0, 1, 8, 1000, "x" * 300, "", ""))


def test_frame_reader_skips_damage_and_keeps_going() -> None:
    good = p.encode_command(p.Identify(seq=1))
    bad = bytearray(p.encode_command(p.Start(seq=2)))
    bad[3] ^= 0x40
    reader = p.FrameReader()
    stream = good + bytes(bad) + b"\x00\x00" + p.encode_command(p.Stop(seq=3))
    out: list[p.Message] = []
    for i in range(0, len(stream), 3):
        out += reader.feed(stream[i : i + 3])
    assert out == [p.Identify(seq=1), p.Stop(seq=3)]
    assert reader.stats.crc_errors + reader.stats.malformed == 1
    assert reader.stats.frames_ok == 2


def test_max_samples_per_frame_fits() -> None:
    for ch in (1, 2, 8, 16, 64):
        k = p.max_samples_per_frame(ch)
        assert p.sample_frame_size(ch, k) <= p.MAX_FRAME
        assert k == 255 or p.sample_frame_size(ch, k + 1) > p.MAX_FRAME


def test_frame_reader_hands_back_unparseable_frames_for_an_error_reply() -> None:
    reader = p.FrameReader()
    out = reader.feed(p.frame(0x20, b"\x09") + p.frame(p.FrameType.SET_RATE, b"\x04\x01"))
    assert out == [
        p.Rejected(0x20, 9, p.ErrorCode.UNKNOWN_COMMAND, "unknown frame type 0x20"),
        p.Rejected(0x13, 4, p.ErrorCode.BAD_LENGTH, "SET_RATE: payload too short (2 bytes, needed 5)"),
    ]
    assert isinstance(out[0], p.Rejected)
    assert out[0].error_reply() == p.ErrorReply(9, 0x20, 1, "unknown frame type 0x20")


def test_require_supported_refuses_other_versions() -> None:
    ok = p.IdentifyReply(1, p.PROTOCOL_VERSION, 8, 1000, "forcelab-dual-plate", "FL-1", "1.0.0")
    p.require_supported(ok)
    with pytest.raises(p.ProtocolError, match="speaks forcelab protocol version 2; this forcelab speaks version 1"):
        p.require_supported(p.IdentifyReply(1, 2, 8, 1000, "forcelab-dual-plate", "FL-1", "2.0.0"))
    with pytest.raises(p.ProtocolError, match="0 channels"):
        p.require_supported(p.IdentifyReply(1, 1, 0, 1000, "x", "y", "z"))
    with pytest.raises(p.ProtocolError, match="0 Hz"):
        p.require_supported(p.IdentifyReply(1, 1, 8, 0, "x", "y", "z"))
