"""COBS: round trips against a plain reference, the batched decoder against the single one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.devices import cobs


def reference_encode(data: bytes) -> bytes:
    """Textbook COBS (Cheshire & Baker), written independently of the module under test."""
    out = bytearray([0])
    code_at, code = 0, 1
    for byte in data:
        if byte == 0:
            out[code_at] = code
            code_at, code = len(out), 1
            out.append(0)
        else:
            out.append(byte)
            code += 1
            if code == 0xFF:
                out[code_at] = code
                code_at, code = len(out), 1
                out.append(0)
    out[code_at] = code
    return bytes(out)


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"", b"\x01"),
        (b"\x00", b"\x01\x01"),
        (b"\x00\x00", b"\x01\x01\x01"),
        (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
        (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
        (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
        (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255))),
        (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255))),
        (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
    ],
)
def test_known_encodings(data: bytes, encoded: bytes) -> None:
    # Examples from the COBS article (Wikipedia "Consistent Overhead Byte Stuffing").
    assert cobs.encode(data) == encoded
    assert cobs.decode(encoded) == data


@given(st.binary(max_size=1200))
@settings(max_examples=300)
def test_round_trip_and_reference(data: bytes) -> None:
    enc = cobs.encode(data)
    assert 0 not in enc
    assert cobs.decode(enc) == data
    # decoders must agree on the meaning even where encoders differ in the trailing 0xFF case
    assert cobs.decode(reference_encode(data)) == data


@given(st.lists(st.binary(max_size=600), min_size=0, max_size=80), st.data())
@settings(max_examples=120)
def test_batch_matches_single(frames: list[bytes], data: st.DataObject) -> None:
    encoded = [cobs.encode(f) for f in frames]
    # damage some: truncate a frame so its last code byte points past the end
    damaged = set()
    for i, e in enumerate(encoded):
        if len(e) > 2 and data.draw(st.booleans()):
            cut = e[:-1]
            try:
                cobs.decode(cut)
            except cobs.CobsError:
                encoded[i] = cut
                damaged.add(i)
    out, offsets, ok = cobs.decode_batch(encoded)
    assert len(offsets) == len(encoded) + 1
    for i, f in enumerate(frames):
        if i in damaged:
            assert not ok[i]
        else:
            assert ok[i]
            assert out[offsets[i] : offsets[i + 1]].tobytes() == f


def test_batch_large_path_is_used_and_correct() -> None:
    rng = np.random.default_rng(1)
    frames = [bytes(rng.integers(0, 3, int(rng.integers(0, 700))).astype(np.uint8)) for _ in range(200)]
    encoded = [cobs.encode(f) for f in frames] + [b"\x09\x01"]
    assert len(encoded) >= cobs.SMALL_BATCH
    out, offsets, ok = cobs.decode_batch(encoded)
    assert ok[:-1].all() and not ok[-1]
    for i, f in enumerate(frames):
        assert out[offsets[i] : offsets[i + 1]].tobytes() == f
    assert offsets[-1] == offsets[-2]


@pytest.mark.parametrize("bad", [b"", b"\x05\x01\x02", b"\x02\x00", b"\x03\x01"])
def test_decode_rejects_invalid(bad: bytes) -> None:
    with pytest.raises(cobs.CobsError):
        cobs.decode(bad)


@given(st.lists(st.binary(max_size=700), min_size=1, max_size=60), st.data())
@settings(max_examples=150)
def test_stream_matches_single(frames: list[bytes], data: st.DataObject) -> None:
    encoded = [cobs.encode(f) for f in frames]
    damaged = set()
    for i, e in enumerate(encoded):
        if len(e) > 2 and data.draw(st.booleans()):
            cut = e[: data.draw(st.integers(1, len(e) - 1))]
            try:
                cobs.decode(cut)
            except cobs.CobsError:
                encoded[i] = cut
                damaged.add(i)
    idle = b"\x00" * data.draw(st.integers(0, 2))
    stream = idle + b"".join(e + b"\x00" + idle for e in encoded)
    out, ds, de, ok, es, ee = cobs.decode_stream(stream)
    assert len(ok) == len(frames)
    for i, f in enumerate(frames):
        assert stream[es[i] : ee[i]] == encoded[i] and stream[ee[i]] == 0
        assert ok[i] == (i not in damaged)
        if ok[i]:
            assert out[ds[i] : de[i]].tobytes() == f


def test_stream_needs_a_final_delimiter() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        cobs.decode_stream(b"\x02\x01")
    out, ds, de, ok, es, ee = cobs.decode_stream(b"\x00\x00")
    assert ok.size == 0
