"""forcelab binary protocol, version 1: frame layout, commands, replies (see hardware/protocol.md).

On the wire every frame is ``COBS(type + payload + crc32_le(type + payload)) + 0x00``. CRC-32 is the
IEEE 802.3 / zlib polynomial exactly as :func:`zlib.crc32` computes it (reflected 0xEDB88320, initial
0xFFFFFFFF, final xor 0xFFFFFFFF), stored little-endian. All integers are little-endian.

This module is sans-IO and has no state: it builds frames (:func:`encode_samples`,
:func:`encode_command`, :func:`encode_reply`) and parses single frames (:func:`parse_frame`). The
host-side stream decoder is :class:`forcelab.devices.binary_decoder.BinaryDecoder`; a device (the
simulator, the firmware) reads host commands with :class:`FrameReader`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from forcelab.devices import cobs
from forcelab.devices.types import DecoderStats

PROTOCOL_VERSION = 1
DELIMITER = b"\x00"
MAX_FRAME = 4096
"""Largest decoded frame (type + payload + CRC) a receiver must accept; longer ones are discarded."""
MAX_ENCODED = MAX_FRAME + MAX_FRAME // 254 + 2
SAMPLE_HEADER = 7  # type, channels, count, counter (u32)
DEFAULT_SAMPLES_PER_FRAME = 10
MAX_CHANNELS = 64
COUNT_MIN = -(1 << 23)
COUNT_MAX = (1 << 23) - 1


class FrameType(IntEnum):
    """The type byte that starts every frame."""

    SAMPLES = 0x01
    LOG = 0x02
    IDENTIFY = 0x10
    START = 0x11
    STOP = 0x12
    SET_RATE = 0x13
    TARE = 0x14
    READ_CALIBRATION = 0x15
    WRITE_CALIBRATION = 0x16
    IDENTIFY_REPLY = 0x81
    ACK = 0x82
    CALIBRATION_REPLY = 0x83
    ERROR_REPLY = 0x8F


class ErrorCode(IntEnum):
    """Why a device refused a command (byte 2 of an ERROR reply)."""

    UNKNOWN_COMMAND = 1
    BAD_LENGTH = 2
    BAD_ARGUMENT = 3
    BUSY = 4
    HARDWARE = 5
    STORAGE = 6


class ProtocolError(ValueError):
    """A frame or argument that does not follow the protocol; the message says what and where."""


# --------------------------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Identify:
    """Ask the device who it is; it answers :class:`IdentifyReply`."""

    seq: int = 0


@dataclass(frozen=True)
class Start:
    """Start streaming sample frames; the counter restarts at 0. Answer: :class:`Ack`."""

    seq: int = 0


@dataclass(frozen=True)
class Stop:
    """Stop streaming. Answer: :class:`Ack` (sent after the last sample frame)."""

    seq: int = 0


@dataclass(frozen=True)
class SetRate:
    """Set the sample rate in Hz (only while stopped). Answer: :class:`Ack` or BAD_ARGUMENT / BUSY."""

    rate_hz: int
    seq: int = 0


@dataclass(frozen=True)
class Tare:
    """Average the next ``samples`` readings (0 = device default) into the calibration offsets.

    Answer: :class:`CalibrationReply` with the new offsets.
    """

    samples: int = 0
    seq: int = 0


@dataclass(frozen=True)
class ReadCalibration:
    """Ask for the stored per-channel calibration. Answer: :class:`CalibrationReply`."""

    seq: int = 0


@dataclass(frozen=True)
class WriteCalibration:
    """Store per-channel calibration: newtons = gain * (counts - offset). Answer: :class:`Ack`."""

    gains: tuple[float, ...]
    offsets: tuple[float, ...]
    seq: int = 0


Command = Identify | Start | Stop | SetRate | Tare | ReadCalibration | WriteCalibration

# ---------------------------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class IdentifyReply:
    """Who the device is."""

    seq: int
    protocol_version: int
    channels: int
    rate_hz: int
    model: str
    serial: str
    firmware: str


def require_supported(reply: IdentifyReply) -> None:
    """Raise :class:`ProtocolError` unless this host can stream from the device that sent ``reply``.

    A host reads IDENTIFY first and refuses a protocol version it does not know (protocol.md section 7).
    """
    if reply.protocol_version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"device {reply.model} {reply.serial} speaks forcelab protocol version {reply.protocol_version}; "
            f"this forcelab speaks version {PROTOCOL_VERSION} (update forcelab or the firmware)"
        )
    if not 1 <= reply.channels <= MAX_CHANNELS:
        raise ProtocolError(f"device {reply.model} {reply.serial} reports {reply.channels} channels (1..{MAX_CHANNELS})")
    if reply.rate_hz <= 0:
        raise ProtocolError(f"device {reply.model} {reply.serial} reports a sample rate of {reply.rate_hz} Hz")


@dataclass(frozen=True)
class Ack:
    """The command with this ``seq`` and type ``command`` was done."""

    seq: int
    command: int


@dataclass(frozen=True)
class CalibrationReply:
    """Per-channel calibration as stored on the device: newtons = gain * (counts - offset)."""

    seq: int
    gains: tuple[float, ...]
    offsets: tuple[float, ...]


@dataclass(frozen=True)
class ErrorReply:
    """The command with this ``seq`` and type ``command`` failed with ``code``."""

    seq: int
    command: int
    code: int
    message: str

    @property
    def code_name(self) -> str:
        """The error code's name, or ``UNKNOWN_<n>`` for a code this host does not know."""
        try:
            return ErrorCode(self.code).name
        except ValueError:
            return f"UNKNOWN_{self.code}"


@dataclass(frozen=True)
class LogMessage:
    """Free text from the device (boot banner, warning)."""

    text: str


Reply = IdentifyReply | Ack | CalibrationReply | ErrorReply | LogMessage


@dataclass(frozen=True)
class SampleFrame:
    """One decoded SAMPLES frame (the slow, one-frame path; the stream decoder batches instead)."""

    counter: int
    micros: np.ndarray  # uint32, (count,)
    counts: np.ndarray  # int32, (count, channels)


# ---------------------------------------------------------------------------------------------- framing


def frame(frame_type: int, payload: bytes) -> bytes:
    """Build one wire frame: COBS(type + payload + CRC-32 LE) followed by the 0x00 delimiter."""
    body = bytes([frame_type]) + payload
    if len(body) + 4 > MAX_FRAME:
        raise ProtocolError(f"frame of {len(body) + 4} bytes exceeds MAX_FRAME={MAX_FRAME}")
    return cobs.encode(body + struct.pack("<I", zlib.crc32(body))) + DELIMITER


def check_crc(raw: bytes) -> bool:
    """True if the last four bytes of ``raw`` are the little-endian CRC-32 of the bytes before them."""
    return len(raw) >= 5 and zlib.crc32(raw[:-4]) == int.from_bytes(raw[-4:], "little")


def _u8(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise ProtocolError(f"{what} must be 0..255, got {value}")
    return value


def _str8(text: str, what: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > 0xFF:
        raise ProtocolError(f"{what} is {len(raw)} bytes of UTF-8; at most 255 fit")
    return bytes([len(raw)]) + raw


def sample_frame_size(channels: int, count: int) -> int:
    """Decoded size in bytes of a SAMPLES frame (type + payload + CRC)."""
    return SAMPLE_HEADER + count * 4 * (1 + channels) + 4


def max_samples_per_frame(channels: int) -> int:
    """The most samples of ``channels`` channels that fit one frame (and the count byte)."""
    return int(min(255, (MAX_FRAME - SAMPLE_HEADER - 4) // (4 * (1 + channels))))


def encode_samples(
    counter_start: int,
    micros: np.ndarray,
    counts: np.ndarray,
    *,
    samples_per_frame: int = DEFAULT_SAMPLES_PER_FRAME,
) -> bytes:
    """Encode samples as consecutive SAMPLES frames, ``samples_per_frame`` per frame (the last may be short).

    ``counter_start`` is the sample counter of the first sample (taken modulo 2**32, as on the wire);
    ``micros`` the device clock per sample in microseconds (modulo 2**32); ``counts`` is
    ``(n, channels)`` with values in the 24-bit signed range. Vectorised: one numpy pass builds all
    frame bodies, then each is CRC'd and COBS-encoded.
    """
    counts = np.asarray(counts)
    micros = np.asarray(micros)
    if counts.ndim != 2:
        raise ProtocolError(f"counts must be (n, channels), got shape {counts.shape}")
    n, channels = counts.shape
    if micros.shape != (n,):
        raise ProtocolError(f"micros must have shape ({n},), got {micros.shape}")
    if not 1 <= channels <= MAX_CHANNELS:
        raise ProtocolError(f"channels must be 1..{MAX_CHANNELS}, got {channels}")
    limit = max_samples_per_frame(channels)
    if not 1 <= samples_per_frame <= limit:
        raise ProtocolError(f"samples_per_frame must be 1..{limit} for {channels} channels, got {samples_per_frame}")
    if n and (counts.min() < COUNT_MIN or counts.max() > COUNT_MAX):
        raise ProtocolError("counts must be 24-bit signed values (-8388608..8388607)")
    out: list[bytes] = []
    full = n // samples_per_frame
    micros_u32 = (micros.astype(np.int64) & 0xFFFFFFFF).astype("<u4")
    counts_i32 = counts.astype("<i4")
    pieces = [(0, full, samples_per_frame)]
    if n % samples_per_frame:
        pieces.append((full * samples_per_frame, 1, n % samples_per_frame))
    for first, nframes, k in pieces:
        if nframes == 0:
            continue
        rec = np.dtype([("us", "<u4"), ("c", "<i4", (channels,))])
        dt = np.dtype([("type", "u1"), ("ch", "u1"), ("k", "u1"), ("counter", "<u4"), ("rec", rec, (k,))])
        bodies = np.zeros(nframes, dtype=dt)
        bodies["type"] = FrameType.SAMPLES
        bodies["ch"] = channels
        bodies["k"] = k
        bodies["counter"] = (counter_start + first + np.arange(nframes, dtype=np.int64) * k) & 0xFFFFFFFF
        sl = slice(first, first + nframes * k)
        bodies["rec"]["us"] = micros_u32[sl].reshape(nframes, k)
        bodies["rec"]["c"] = counts_i32[sl].reshape(nframes, k, channels)
        raw = bodies.tobytes()
        size = dt.itemsize
        for j in range(nframes):
            body = raw[j * size : (j + 1) * size]
            out.append(cobs.encode(body + zlib.crc32(body).to_bytes(4, "little")))
            out.append(DELIMITER)
    return b"".join(out)


def encode_command(command: Command) -> bytes:
    """Encode a host command as one wire frame."""
    seq = _u8(command.seq, "seq")
    if isinstance(command, Identify):
        return frame(FrameType.IDENTIFY, bytes([seq]))
    if isinstance(command, Start):
        return frame(FrameType.START, bytes([seq]))
    if isinstance(command, Stop):
        return frame(FrameType.STOP, bytes([seq]))
    if isinstance(command, SetRate):
        if not 1 <= command.rate_hz <= 0xFFFFFFFF:
            raise ProtocolError(f"rate_hz must be a positive 32-bit integer, got {command.rate_hz}")
        return frame(FrameType.SET_RATE, struct.pack("<BI", seq, command.rate_hz))
    if isinstance(command, Tare):
        if not 0 <= command.samples <= 0xFFFF:
            raise ProtocolError(f"tare samples must be 0..65535, got {command.samples}")
        return frame(FrameType.TARE, struct.pack("<BH", seq, command.samples))
    if isinstance(command, ReadCalibration):
        return frame(FrameType.READ_CALIBRATION, bytes([seq]))
    if isinstance(command, WriteCalibration):
        return frame(FrameType.WRITE_CALIBRATION, bytes([seq]) + _calibration_payload(command.gains, command.offsets))
    raise ProtocolError(f"not a command: {command!r}")


def _calibration_payload(gains: Sequence[float], offsets: Sequence[float]) -> bytes:
    if len(gains) != len(offsets):
        raise ProtocolError(f"{len(gains)} gains but {len(offsets)} offsets")
    if not 1 <= len(gains) <= MAX_CHANNELS:
        raise ProtocolError(f"calibration needs 1..{MAX_CHANNELS} channels, got {len(gains)}")
    pairs = np.empty((len(gains), 2), dtype="<f4")
    pairs[:, 0] = gains
    pairs[:, 1] = offsets
    if not np.isfinite(pairs).all():
        raise ProtocolError("calibration gains and offsets must be finite")
    return bytes([len(gains)]) + pairs.tobytes()


def encode_reply(reply: Reply) -> bytes:
    """Encode a device reply (what the firmware or the simulator sends) as one wire frame."""
    if isinstance(reply, IdentifyReply):
        payload = (
            struct.pack("<BBBI", _u8(reply.seq, "seq"), _u8(reply.protocol_version, "protocol_version"),
                        _u8(reply.channels, "channels"), reply.rate_hz)
            + _str8(reply.model, "model")
            + _str8(reply.serial, "serial")
            + _str8(reply.firmware, "firmware")
        )
        return frame(FrameType.IDENTIFY_REPLY, payload)
    if isinstance(reply, Ack):
        return frame(FrameType.ACK, bytes([_u8(reply.seq, "seq"), _u8(reply.command, "command")]))
    if isinstance(reply, CalibrationReply):
        return frame(FrameType.CALIBRATION_REPLY,
                     bytes([_u8(reply.seq, "seq")]) + _calibration_payload(reply.gains, reply.offsets))
    if isinstance(reply, ErrorReply):
        payload = bytes([_u8(reply.seq, "seq"), _u8(reply.command, "command"), _u8(reply.code, "code")])
        return frame(FrameType.ERROR_REPLY, payload + _str8(reply.message, "message"))
    if isinstance(reply, LogMessage):
        return frame(FrameType.LOG, reply.text.encode("utf-8"))
    raise ProtocolError(f"not a reply: {reply!r}")


# ---------------------------------------------------------------------------------------------- parsing


class _Reader:
    """Bounds-checked little-endian reads from one payload."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ProtocolError(f"{self.what}: payload too short ({len(self.data)} bytes, needed {self.pos + n})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "little")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "little")

    def str8(self) -> str:
        return self.take(self.u8()).decode("utf-8", errors="replace")

    def calibration(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        n = self.u8()
        pairs = np.frombuffer(self.take(8 * n), dtype="<f4").reshape(n, 2).astype(np.float64)
        return tuple(float(g) for g in pairs[:, 0]), tuple(float(o) for o in pairs[:, 1])

    def done(self, exact: bool) -> None:
        if exact and self.pos != len(self.data):
            raise ProtocolError(f"{self.what}: {len(self.data) - self.pos} unexpected trailing bytes")


@dataclass(frozen=True)
class Rejected:
    """A frame with a good CRC that :class:`FrameReader` could not parse.

    A device answers it with ``ErrorReply(seq, frame_type, code, reason)``: ``code`` is UNKNOWN_COMMAND
    for an unknown type, BAD_LENGTH for a payload of the wrong size; ``seq`` is the first payload byte
    (0 if there is none), as hardware/protocol.md section 6 asks.
    """

    frame_type: int
    seq: int
    code: ErrorCode
    reason: str

    def error_reply(self) -> ErrorReply:
        """The ERROR_REPLY a device sends back for this frame."""
        return ErrorReply(self.seq, self.frame_type, int(self.code), self.reason[:255])


Message = Command | Reply | SampleFrame


def parse_frame(raw: bytes) -> Message:
    """Parse one decoded frame (type + payload + CRC, COBS already removed) into a message.

    Raises :class:`ProtocolError` for a bad CRC, an unknown type or a payload of the wrong size.
    Replies may carry extra trailing bytes (a later minor version may append fields); commands and
    sample frames must have their exact size.
    """
    if len(raw) < 5:
        raise ProtocolError(f"frame of {len(raw)} bytes is shorter than type + CRC (5 bytes)")
    if not check_crc(raw):
        raise ProtocolError("CRC mismatch")
    ftype = raw[0]
    try:
        kind = FrameType(ftype)
    except ValueError:
        raise ProtocolError(f"unknown frame type 0x{ftype:02X}") from None
    r = _Reader(raw[1:-4], kind.name)
    msg: Message
    if kind is FrameType.SAMPLES:
        channels, count, counter = r.u8(), r.u8(), r.u32()
        if channels == 0 or count == 0:
            raise ProtocolError("SAMPLES: channels and count must be at least 1")
        rec = np.dtype([("us", "<u4"), ("c", "<i4", (channels,))])
        body = np.frombuffer(r.take(rec.itemsize * count), dtype=rec)
        r.done(True)
        return SampleFrame(counter, body["us"].astype(np.uint32), body["c"].astype(np.int32).reshape(count, channels))
    if kind is FrameType.LOG:
        return LogMessage(r.take(len(r.data)).decode("utf-8", errors="replace"))
    seq = r.u8()
    simple: dict[FrameType, type[Identify | Start | Stop | ReadCalibration]] = {
        FrameType.IDENTIFY: Identify, FrameType.START: Start, FrameType.STOP: Stop,
        FrameType.READ_CALIBRATION: ReadCalibration,
    }
    if kind in simple:
        msg = simple[kind](seq=seq)
        r.done(True)
    elif kind is FrameType.SET_RATE:
        msg = SetRate(rate_hz=r.u32(), seq=seq)
        r.done(True)
    elif kind is FrameType.TARE:
        msg = Tare(samples=r.u16(), seq=seq)
        r.done(True)
    elif kind is FrameType.WRITE_CALIBRATION:
        gains, offsets = r.calibration()
        msg = WriteCalibration(gains=gains, offsets=offsets, seq=seq)
        r.done(True)
    elif kind is FrameType.IDENTIFY_REPLY:
        version, channels, rate = r.u8(), r.u8(), r.u32()
        msg = IdentifyReply(seq, version, channels, rate, r.str8(), r.str8(), r.str8())
    elif kind is FrameType.ACK:
        msg = Ack(seq, r.u8())
    elif kind is FrameType.CALIBRATION_REPLY:
        gains, offsets = r.calibration()
        msg = CalibrationReply(seq, gains, offsets)
    else:  # ERROR_REPLY
        command, code = r.u8(), r.u8()
        msg = ErrorReply(seq, command, code, r.str8())
    return msg


@dataclass
class FrameReader:
    """Sans-IO reader of whole frames, one at a time: for low-rate traffic (commands, replies).

    A device (the simulator) feeds the bytes the host wrote and gets commands back; damaged or unknown
    frames are counted in ``stats`` and skipped. The host's sample stream uses the batched
    :class:`~forcelab.devices.binary_decoder.BinaryDecoder` instead.
    """

    stats: DecoderStats = field(default_factory=DecoderStats)
    _pending: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Message | Rejected]:
        """Consume ``data``; return every message completed by it, in order.

        Frames with a bad COBS encoding or CRC are dropped and counted. A frame with a good CRC that does
        not parse (unknown type, wrong size) comes back as :class:`Rejected`, so a device can answer it.
        """
        self._pending += data
        *complete, rest = bytes(self._pending).split(DELIMITER)
        if len(rest) > MAX_ENCODED:
            self.stats.bytes_discarded += len(rest)
            self.stats.resyncs += 1
            rest = b""
        self._pending = bytearray(rest)
        out: list[Message | Rejected] = []
        for enc in complete:
            if not enc:
                continue
            try:
                raw = cobs.decode(enc)
            except cobs.CobsError:
                self.stats.malformed += 1
                self.stats.bytes_discarded += len(enc) + 1
                continue
            if not check_crc(raw):
                self.stats.crc_errors += 1
                self.stats.bytes_discarded += len(enc) + 1
                continue
            try:
                msg = parse_frame(raw)
            except ProtocolError as exc:
                self.stats.malformed += 1
                self.stats.note(str(exc))
                known = raw[0] in FrameType._value2member_map_
                code = ErrorCode.BAD_LENGTH if known else ErrorCode.UNKNOWN_COMMAND
                out.append(Rejected(raw[0], raw[1] if len(raw) > 5 else 0, code, str(exc)))
                continue
            self.stats.frames_ok += 1
            out.append(msg)
        return out
