"""Host-side stream decoder for the forcelab binary protocol (hardware/protocol.md).

:class:`BinaryDecoder` is sans-IO: ``feed(bytes)`` in, :class:`SampleBlock` s out; replies to commands
go to ``replies`` (and an optional callback). It is batched for speed: each ``feed`` takes everything
up to the last 0x00, COBS-decodes all its frames at once (:func:`forcelab.devices.cobs.decode_stream`),
checks each CRC with :func:`zlib.crc32`, and parses runs of equal-sized sample frames with one numpy
view. A read of only a few frames takes a lean frame-by-frame path instead (same checks, same counts).
A frame that fails COBS, CRC or layout checks is dropped whole and counted; it never becomes data.

Sample counters (32-bit on the wire) are unwrapped to uint64; every forward jump larger than one is
counted in ``stats.samples_lost``. The device clock (32-bit microseconds) is unwrapped too, so
``device_time`` keeps rising across the 71-minute wrap.
"""

from __future__ import annotations

import functools
import logging
import zlib
from collections import deque
from collections.abc import Callable

import numpy as np

from forcelab.devices import cobs
from forcelab.devices.protocol import (
    DELIMITER,
    MAX_ENCODED,
    SAMPLE_HEADER,
    Ack,
    CalibrationReply,
    ErrorReply,
    FrameType,
    IdentifyReply,
    LogMessage,
    Message,
    ProtocolError,
    Reply,
    parse_frame,
    sample_frame_size,
)
from forcelab.devices.types import DecoderStats, SampleBlock

log = logging.getLogger(__name__)

SMALL_FEED = 5
"""Below this many delimiters in a feed, frames are COBS-decoded one by one (measured crossover)."""
BATCH_BYTES = 1 << 16
"""Reads larger than this are decoded in pieces of about this size (measured: faster than one piece)."""
_WRAP = 1 << 32
_HALF = 1 << 31
_REPLY_TYPES = {
    FrameType.LOG, FrameType.IDENTIFY_REPLY, FrameType.ACK, FrameType.CALIBRATION_REPLY, FrameType.ERROR_REPLY,
}


class BinaryDecoder:
    """Decode a forcelab binary byte stream into sample blocks and replies.

    ``channels``: the channel count the host expects (from IDENTIFY); sample frames with another count
    are rejected as malformed. ``None`` accepts any count (a change of count starts a new block).
    ``on_reply``: called with each reply as it is decoded, in addition to queueing it in ``replies``.
    ``max_replies`` bounds the queue (oldest dropped) so a host that never reads it cannot grow it forever.

    Counting, in ``stats``: ``frames_ok`` valid frames of known type; ``samples_ok`` samples returned;
    ``crc_errors`` frames whose CRC failed; ``malformed`` frames that were not valid COBS, too short or too
    long, or whose layout did not match their header; ``bytes_discarded`` the bytes of every rejected
    frame (with its delimiter) and of any unsynchronised prefix; ``resyncs`` how many times the decoder
    dropped bytes and picked up again at the next delimiter; ``samples_lost`` counter gaps. Bytes before
    the first delimiter of a stream (joining mid-frame) count as a resync, not as an error.
    ``unknown_frames`` counts valid frames of a type this host does not know (ignored, as the protocol's
    versioning rules ask).
    """

    def __init__(
        self,
        channels: int | None = None,
        *,
        on_reply: Callable[[Reply], None] | None = None,
        max_replies: int = 256,
    ) -> None:
        if channels is not None and not 1 <= channels <= 255:
            raise ValueError(f"channels must be 1..255 or None, got {channels}")
        self.expected_channels = channels
        self.stats = DecoderStats()
        self.replies: deque[Reply] = deque(maxlen=max_replies)
        self.on_reply = on_reply
        self.unknown_frames = 0
        self._pending = bytearray()
        self._synced = False
        self._next32: int | None = None  # wire counter expected next
        self._next64 = 0  # unwrapped counter expected next
        self._last_us: int | None = None  # last wire micros
        self._us64 = 0  # unwrapped micros of the last sample

    # ------------------------------------------------------------------------------------------ api
    def reset(self) -> None:
        """Forget pending bytes and counter/clock history (after START or a reconnect); keep stats."""
        self._pending.clear()
        self._synced = False
        self._next32 = None
        self._last_us = None

    def feed(self, data: bytes) -> list[SampleBlock]:
        """Consume ``data``; return the sample blocks it completed, in stream order. Never raises."""
        self._pending += data
        cut = self._pending.rfind(DELIMITER)
        if cut < 0:
            if len(self._pending) > MAX_ENCODED:
                self._reject_bytes(len(self._pending))
                self._pending.clear()
            return []
        chunk = bytes(self._pending[: cut + 1])
        del self._pending[: cut + 1]
        if chunk.count(0) < SMALL_FEED:
            return self._decode_small(chunk)
        if len(chunk) <= BATCH_BYTES:
            return self._decode(chunk)
        # Big reads go in pieces of about BATCH_BYTES (cut at delimiters): the work arrays stay in cache.
        blocks: list[SampleBlock] = []
        start = 0
        while start < len(chunk):
            end = chunk.rfind(DELIMITER, start, start + BATCH_BYTES) + 1
            if end <= start:  # one frame longer than a piece (up to MAX_ENCODED)
                end = chunk.index(DELIMITER, start) + 1
            blocks += self._decode(chunk[start:end])
            start = end
        return _merge(blocks)

    # ------------------------------------------------------------------------------------ internals
    def _reject_bytes(self, n: int) -> None:
        self.stats.bytes_discarded += n
        self.stats.resyncs += 1

    def _reject(self, n_bytes: int, *, crc: bool) -> None:
        if crc:
            self.stats.crc_errors += 1
        else:
            self.stats.malformed += 1
        self._reject_bytes(n_bytes)

    def _split(self, chunk: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
        """COBS-decode every frame of ``chunk`` (ends with a delimiter).

        Returns ``(data, starts, ends, ok, enc_len, joined_mid_frame)``; frame ``i`` decodes to
        ``data[starts[i]:ends[i]]`` and took ``enc_len[i]`` bytes on the wire with its delimiter.
        ``joined_mid_frame``: frame 0 is the very first bytes of the connection (no delimiter before it).
        """
        head = not self._synced and chunk[0] != 0
        self._synced = True
        data, starts, ends, ok, estart, eend = cobs.decode_stream(chunk)
        return data, starts, ends, ok, eend - estart + 1, head

    def _decode(self, chunk: bytes) -> list[SampleBlock]:
        data, starts, ends, ok, enc_len, head = self._split(chunk)
        if ok.size == 0:
            return []
        lens = ends - starts
        ok &= (lens >= 5) & (enc_len <= MAX_ENCODED + 1)
        raw = data.tobytes()
        mv = memoryview(raw)
        idx_ok = np.flatnonzero(ok)
        # CRC: zlib per frame (C speed), stored values gathered with numpy in one go.
        e = ends[idx_ok]
        stored = (
            data[e - 4].astype(np.uint32)
            | (data[e - 3].astype(np.uint32) << 8)
            | (data[e - 2].astype(np.uint32) << 16)
            | (data[e - 1].astype(np.uint32) << 24)
        )
        calc = np.fromiter(
            (zlib.crc32(mv[a : b - 4]) for a, b in zip(starts[idx_ok].tolist(), e.tolist(), strict=True)),
            dtype=np.uint32,
            count=idx_ok.size,
        )
        crc_ok = np.zeros(ok.size, dtype=bool)
        crc_ok[idx_ok] = calc == stored
        skip = np.zeros(ok.size, dtype=bool)
        if head and not crc_ok[0]:
            # joined mid-frame: not an error, just bytes before the first delimiter
            self._reject_bytes(int(enc_len[0]))
            skip[0] = True
        # Reject what failed, in one pass.
        for i in np.flatnonzero(~ok & ~skip).tolist():
            self._reject(int(enc_len[i]), crc=False)
        for i in np.flatnonzero(ok & ~crc_ok & ~skip).tolist():
            self._reject(int(enc_len[i]), crc=True)
        good = np.flatnonzero(crc_ok)
        if good.size == 0:
            return []
        types = data[starts[good]]
        is_samples = types == FrameType.SAMPLES
        for i in good[~is_samples].tolist():
            self._other_frame(bytes(mv[starts[i] : ends[i]]), int(enc_len[i]))
        sample_idx = good[is_samples]
        if sample_idx.size == 0:
            return []
        return self._samples(data, starts[sample_idx], lens[sample_idx], enc_len[sample_idx])

    def _other_frame(self, raw: bytes, n_enc: int) -> None:
        ftype = raw[0]
        if ftype not in _REPLY_TYPES:
            self.unknown_frames += 1
            self.stats.frames_ok += 1
            self.stats.note(f"ignored frame of type 0x{ftype:02X} ({len(raw)} bytes)")
            return
        try:
            msg: Message = parse_frame(raw)
        except ProtocolError as exc:
            self._reject(n_enc, crc=False)
            self.stats.note(f"bad reply frame: {exc}")
            return
        self.stats.frames_ok += 1
        if not isinstance(msg, IdentifyReply | Ack | CalibrationReply | ErrorReply | LogMessage):
            return  # unreachable: _REPLY_TYPES only admits reply frames
        if isinstance(msg, LogMessage):
            self.stats.note(msg.text)
        self.replies.append(msg)
        if self.on_reply is not None:
            self.on_reply(msg)

    def _samples(
        self, data: np.ndarray, starts: np.ndarray, lens: np.ndarray, enc_len: np.ndarray
    ) -> list[SampleBlock]:
        # Validate each frame's header against its size.
        ch = data[starts + 1].astype(np.int64)
        k = data[starts + 2].astype(np.int64)
        expect = SAMPLE_HEADER + k * 4 * (1 + ch) + 4
        valid = (lens == expect) & (ch > 0) & (k > 0)
        if self.expected_channels is not None:
            wrong = valid & (ch != self.expected_channels)
            if wrong.any():
                self.stats.note(
                    f"{int(wrong.sum())} sample frame(s) with {int(ch[wrong][0])} channels, expected "
                    f"{self.expected_channels}"
                )
            valid &= ch == self.expected_channels
        for i in np.flatnonzero(~valid).tolist():
            self._reject(int(enc_len[i]), crc=False)
        keep = np.flatnonzero(valid)
        if keep.size == 0:
            return []
        starts, ch, k = starts[keep], ch[keep], k[keep]
        self.stats.frames_ok += int(keep.size)
        # Runs of frames with the same (channels, count) share one structured view.
        shape_key = ch * 256 + k
        breaks = np.flatnonzero(np.diff(shape_key)) + 1
        bounds = [0, *breaks.tolist(), int(keep.size)]
        blocks: list[SampleBlock] = []
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            blocks.append(self._run(data, starts[a:b], int(ch[a]), int(k[a])))
        return _merge(blocks)

    def _run(self, data: np.ndarray, starts: np.ndarray, channels: int, count: int) -> SampleBlock:
        size = sample_frame_size(channels, count)
        at = int(starts[0])
        if int(starts[-1]) - at == (starts.size - 1) * size:  # back to back (the usual case): a view
            rows = data[at : at + starts.size * size].reshape(starts.size, size)
        else:
            rows = data[starts[:, None] + np.arange(size)]
        frames = np.ascontiguousarray(rows).view(_frame_dtype(channels, count)).reshape(-1)
        return self._stamp(
            frames["counter"].astype(np.int64),
            np.full(frames.shape[0], count, dtype=np.int64),
            frames["rec"]["us"].reshape(-1),
            frames["rec"]["c"].reshape(-1, channels),
        )

    def _stamp(self, c32: np.ndarray, k: np.ndarray, micros: np.ndarray, counts: np.ndarray) -> SampleBlock:
        """Unwrap counters and clock of consecutive frames (first counter ``c32`` and ``k`` samples each)."""
        nf = c32.size
        frame_end = np.cumsum(k)
        frame_start = frame_end - k
        # Counter: distance of each frame's first sample from the one expected after the previous frame.
        if self._next32 is None:
            self._next32 = int(c32[0])
            self._next64 = int(c32[0])
        expected = np.empty(nf, dtype=np.int64)
        expected[0] = self._next32
        expected[1:] = c32[:-1] + k[:-1]
        gap = (c32 - expected) % _WRAP
        back = gap >= _HALF
        if back.any():
            n_back = int(back.sum())
            self.stats.resyncs += n_back
            self.stats.note(f"sample counter went backwards {n_back} time(s) (device restarted?); continuing")
            log.warning("sample counter went backwards %d time(s)", n_back)
            gap[back] = 0
        self.stats.samples_lost += int(gap.sum())
        first = self._next64 + np.cumsum(gap) + frame_start
        n = int(frame_end[-1])
        counter = (np.repeat(first - frame_start, k) + np.arange(n, dtype=np.int64)).astype(np.uint64)
        self._next64 = int(first[-1]) + int(k[-1])
        self._next32 = int((c32[-1] + k[-1]) % _WRAP)
        # Clock: signed 32-bit differences, so the wrap and small steps back both come out right.
        us = micros.astype(np.int64)
        if self._last_us is None:
            self._last_us = int(us[0])
            self._us64 = int(us[0])
        step = np.diff(us, prepend=self._last_us)
        step = (step + _HALF) % _WRAP - _HALF
        us64 = self._us64 + np.cumsum(step)
        self._us64 = int(us64[-1])
        self._last_us = int(us[-1])
        self.stats.samples_ok += n
        return SampleBlock(counter=counter, device_time=us64 * 1e-6, counts=counts.astype(np.int32))

    def _decode_small(self, chunk: bytes) -> list[SampleBlock]:
        """The same as the batched path, frame by frame: cheaper for the one or two frames of a small read."""
        head = not self._synced and chunk[0] != 0
        self._synced = True
        blocks: list[SampleBlock] = []
        c32: list[int] = []
        ks: list[int] = []
        micros: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        channels = 0
        for i, enc in enumerate(chunk[:-1].split(DELIMITER)):
            if not enc:
                continue
            n_enc = len(enc) + 1
            raw = cobs.decode_split_frame(enc) if n_enc <= MAX_ENCODED + 1 else None
            good = raw is not None and len(raw) >= 5 and zlib.crc32(raw[:-4]) == int.from_bytes(raw[-4:], "little")
            if head and i == 0 and not good:
                self._reject_bytes(n_enc)  # joined mid-frame: bytes before the first delimiter
                continue
            if raw is None or len(raw) < 5:
                self._reject(n_enc, crc=False)
                continue
            if not good:
                self._reject(n_enc, crc=True)
                continue
            if raw[0] != FrameType.SAMPLES:
                self._other_frame(raw, n_enc)
                continue
            ch, k = raw[1], raw[2]
            if ch == 0 or k == 0 or len(raw) != sample_frame_size(ch, k):
                self._reject(n_enc, crc=False)
                continue
            if self.expected_channels is not None and ch != self.expected_channels:
                self.stats.note(f"1 sample frame(s) with {ch} channels, expected {self.expected_channels}")
                self._reject(n_enc, crc=False)
                continue
            if c32 and ch != channels:
                blocks.append(self._stamp(np.array(c32), np.array(ks), np.concatenate(micros),
                                          np.concatenate(counts)))
                c32, ks, micros, counts = [], [], [], []
            channels = ch
            rec = np.frombuffer(raw, dtype=_record_dtype(ch), count=k, offset=SAMPLE_HEADER)
            c32.append(int.from_bytes(raw[3:7], "little"))
            ks.append(k)
            micros.append(rec["us"])
            counts.append(rec["c"])
            self.stats.frames_ok += 1
        if c32:
            blocks.append(self._stamp(np.array(c32, dtype=np.int64), np.array(ks, dtype=np.int64),
                                      np.concatenate(micros), np.concatenate(counts)))
        return blocks


def _merge(blocks: list[SampleBlock]) -> list[SampleBlock]:
    """Join neighbouring blocks of the same channel count into one."""
    if len(blocks) < 2:
        return blocks
    merged: list[list[SampleBlock]] = [[blocks[0]]]
    for blk in blocks[1:]:
        if merged[-1][0].counts.shape[1] == blk.counts.shape[1]:
            merged[-1].append(blk)
        else:
            merged.append([blk])
    return [
        group[0] if len(group) == 1 else SampleBlock(
            counter=np.concatenate([b.counter for b in group]),
            device_time=np.concatenate([b.device_time for b in group]),
            counts=np.concatenate([b.counts for b in group]),
        )
        for group in merged
    ]


@functools.lru_cache(maxsize=64)
def _record_dtype(channels: int) -> np.dtype:
    """One sample on the wire: micros, then the counts."""
    return np.dtype([("us", "<u4"), ("c", "<i4", (channels,))])


@functools.lru_cache(maxsize=64)
def _frame_dtype(channels: int, count: int) -> np.dtype:
    """A whole SAMPLES frame (type + payload + crc) as one record."""
    return np.dtype([("type", "u1"), ("ch", "u1"), ("k", "u1"), ("counter", "<u4"),
                     ("rec", _record_dtype(channels), (count,)), ("crc", "<u4")])
