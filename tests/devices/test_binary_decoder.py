"""BinaryDecoder: exact values, counter unwrapping, gaps, damage accounting, replies."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.devices import protocol as p
from forcelab.devices.binary_decoder import BATCH_BYTES, BinaryDecoder
from forcelab.devices.types import SampleBlock


def stream(n: int, ch: int = 8, *, counter: int = 0, spf: int = 10, seed: int = 0) -> tuple[bytes, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = rng.integers(-(1 << 23), 1 << 23, (n, ch))
    micros = 5_000 + np.arange(n, dtype=np.int64) * 100
    return p.encode_samples(counter, micros, counts, samples_per_frame=spf), micros, counts


def feed_all(dec: BinaryDecoder, wire: bytes, chunk: int) -> list[SampleBlock]:
    out: list[SampleBlock] = []
    for i in range(0, len(wire), chunk):
        out += dec.feed(wire[i : i + chunk])
    return out


def cat(blocks: list[SampleBlock]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.concatenate([b.counter for b in blocks]),
        np.concatenate([b.device_time for b in blocks]),
        np.concatenate([b.counts for b in blocks]),
    )


@pytest.mark.parametrize("chunk", [1, 7, 371, 4096, 1 << 20])
def test_every_sample_exact_whatever_the_chunking(chunk: int) -> None:
    wire, micros, counts = stream(1000, counter=123)
    dec = BinaryDecoder(8)
    counter, t, c = cat(feed_all(dec, wire, chunk))
    assert counter.dtype == np.uint64 and c.dtype == np.int32 and t.dtype == np.float64
    np.testing.assert_array_equal(counter, 123 + np.arange(1000))
    np.testing.assert_array_equal(c, counts)
    np.testing.assert_allclose(t, micros * 1e-6, rtol=0, atol=1e-9)
    s = dec.stats
    assert (s.frames_ok, s.samples_ok, s.crc_errors, s.malformed, s.samples_lost, s.bytes_discarded) == (
        100, 1000, 0, 0, 0, 0)


def test_counter_and_clock_unwrap_past_32_bits() -> None:
    n = 500
    counts = np.zeros((n, 2), dtype=np.int64)
    micros = (2**32 - 20_000) + np.arange(n) * 100  # the clock wraps after 200 samples
    wire = p.encode_samples(2**32 - 250, micros, counts)
    dec = BinaryDecoder(2)
    counter, t, _ = cat(feed_all(dec, wire, 999))
    np.testing.assert_array_equal(counter, 2**32 - 250 + np.arange(n, dtype=np.uint64))
    np.testing.assert_allclose(np.diff(t), 100e-6, atol=1e-9)
    assert dec.stats.samples_lost == 0


def test_gap_counts_lost_samples_and_counter_shows_it() -> None:
    a, _, ca = stream(100, ch=4, counter=0)
    b, _, cb = stream(50, ch=4, counter=137, seed=1)  # 37 samples never sent
    dec = BinaryDecoder(4)
    counter, _, counts = cat(feed_all(dec, a + b, 64))
    assert dec.stats.samples_lost == 37
    np.testing.assert_array_equal(counter, np.r_[np.arange(100), 137 + np.arange(50)])
    np.testing.assert_array_equal(counts, np.r_[ca, cb])


def test_corrupt_frame_is_dropped_counted_and_never_data() -> None:
    wire, _, counts = stream(100, ch=8)
    frames = wire.split(b"\x00")[:-1]
    damaged = bytearray(frames[3])
    damaged[40] ^= 0x10
    frames[3] = bytes(damaged)
    dec = BinaryDecoder(8)
    counter, _, c = cat(feed_all(dec, b"\x00".join(frames) + b"\x00", 500))
    keep = np.r_[0:30, 40:100]
    np.testing.assert_array_equal(c, counts[keep])
    np.testing.assert_array_equal(counter, keep)
    assert dec.stats.crc_errors + dec.stats.malformed == 1
    assert dec.stats.samples_lost == 10
    assert dec.stats.bytes_discarded == len(frames[3]) + 1


def test_joining_mid_stream_is_a_resync_not_an_error() -> None:
    wire, _, counts = stream(50, ch=8)
    dec = BinaryDecoder(8)
    _, _, c = cat(feed_all(dec, wire[200:], 300))
    np.testing.assert_array_equal(c, counts[10:])
    assert dec.stats.crc_errors == 0 and dec.stats.malformed == 0
    assert dec.stats.resyncs == 1 and dec.stats.bytes_discarded > 0


def test_long_garbage_without_delimiter_is_discarded() -> None:
    dec = BinaryDecoder(8)
    assert dec.feed(b"\x05" * (p.MAX_ENCODED + 10)) == []
    assert dec.stats.bytes_discarded == p.MAX_ENCODED + 10
    wire, _, counts = stream(20, ch=8)
    _, _, c = cat(dec.feed(b"\x00" + wire))
    np.testing.assert_array_equal(c, counts)


def test_wrong_channel_count_rejected_when_expected() -> None:
    wire8, _, _ = stream(20, ch=8)
    wire2, _, c2 = stream(20, ch=2, counter=20)
    dec = BinaryDecoder(2)
    blocks = dec.feed(wire8 + wire2)
    assert dec.stats.malformed == 2
    np.testing.assert_array_equal(cat(blocks)[2], c2)
    assert any("expected 2" in m for m in dec.stats.messages)
    # with channels=None a change of channel count starts a new block
    dec = BinaryDecoder()
    blocks = dec.feed(wire8 + wire2)
    assert [b.channels for b in blocks] == [8, 2]


def test_replies_are_queued_and_called_back_between_samples() -> None:
    seen: list[p.Reply] = []
    dec = BinaryDecoder(8, on_reply=seen.append)
    ident = p.IdentifyReply(1, p.PROTOCOL_VERSION, 8, 10_000, "forcelab-dual-plate", "FL-42", "1.0.0")
    wire, _, counts = stream(40)
    data = p.encode_reply(p.LogMessage("boot ok")) + p.encode_reply(ident) + wire[:500] + wire[500:]
    data += p.encode_reply(p.ErrorReply(2, p.FrameType.SET_RATE, p.ErrorCode.BUSY, "streaming"))
    _, _, c = cat(feed_all(dec, data, 333))
    np.testing.assert_array_equal(c, counts)
    assert list(dec.replies) == seen
    assert seen[0] == p.LogMessage("boot ok") and seen[1] == ident
    assert isinstance(seen[2], p.ErrorReply) and seen[2].code_name == "BUSY"
    assert "boot ok" in dec.stats.messages


def test_unknown_frame_type_is_ignored_and_counted() -> None:
    wire, _, counts = stream(10, ch=1)
    dec = BinaryDecoder(1)
    _, _, c = cat(dec.feed(p.frame(0x55, b"future") + wire))
    np.testing.assert_array_equal(c, counts)
    assert dec.unknown_frames == 1 and dec.stats.malformed == 0


def test_counter_going_backwards_is_noted_and_reset_restarts() -> None:
    a, _, _ = stream(30, ch=1, counter=1000)
    b, _, _ = stream(30, ch=1, counter=0)
    dec = BinaryDecoder(1)
    counter, _, _ = cat(dec.feed(a + b))
    assert np.all(np.diff(counter.astype(np.int64)) == 1)  # stays monotonic
    assert any("backwards" in m for m in dec.stats.messages)
    dec.reset()
    counter, _, _ = cat(dec.feed(b"\x00" + b))
    assert counter[0] == 0


def test_mixed_frame_sizes_in_one_feed_stay_in_order() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(-100, 100, (237, 3))
    micros = np.arange(237) * 500
    wire = b"".join(
        p.encode_samples(i, micros[i : i + 37], counts[i : i + 37], samples_per_frame=spf)
        for i, spf in zip(range(0, 237, 37), [5, 7, 37, 1, 3, 10, 2], strict=True)
    )
    dec = BinaryDecoder(3)
    blocks = dec.feed(wire)
    assert len(blocks) == 1
    counter, _, c = cat(blocks)
    np.testing.assert_array_equal(c, counts)
    np.testing.assert_array_equal(counter, np.arange(237))


def test_big_read_is_decoded_in_pieces_with_the_same_result() -> None:
    wire, _, counts = stream(6000, counter=5)  # ~220 kB, several BATCH_BYTES pieces
    frames = wire.split(b"\x00")[:-1]
    bad = bytearray(frames[300])
    bad[50] ^= 0x01
    frames[300] = bytes(bad)
    frames.insert(400, p.encode_reply(p.LogMessage("mid-stream"))[:-1])
    data = b"\x00".join(frames) + b"\x00"
    assert len(data) > 3 * BATCH_BYTES
    whole, pieces = BinaryDecoder(8), BinaryDecoder(8)
    a = whole.feed(data)
    b = feed_all(pieces, data, 100)
    assert len(a) == 1  # one block per read
    for x, y in zip(cat(a), cat(b), strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(cat(a)[2], np.delete(counts, np.s_[3000:3010], axis=0))
    assert whole.stats == pieces.stats
    assert whole.stats.crc_errors + whole.stats.malformed == 1 and whole.stats.samples_lost == 10
    assert "mid-stream" in whole.stats.messages
