"""Consistent Overhead Byte Stuffing (COBS), one frame at a time or many frames at once.

COBS (Cheshire & Baker 1999) rewrites a frame so it contains no 0x00 byte; 0x00 then delimits frames
on the wire, and a receiver resynchronises at the next 0x00 after any damage. Each run of up to 254
non-zero bytes is preceded by a code byte: its distance to the next code byte (or the frame end). A
code below 0xFF stands for "run, then a zero"; 0xFF for "254 bytes, no zero".

:func:`decode_batch` decodes many frames with numpy: it walks the code-byte chains of all frames in
lockstep (one vector step per code byte, not per frame) and then removes or zeroes the code bytes in
one pass. That is what makes the binary decoder fast when frames carry many zero bytes (int32 counts
of small positive values have a zero top byte, so a frame of 8 channels has a code byte every few
bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class CobsError(ValueError):
    """The bytes are not a valid COBS encoding (a code byte points past the frame end, or a 0x00)."""


def encode(data: bytes) -> bytes:
    """COBS-encode ``data`` (without the trailing 0x00 delimiter)."""
    out = bytearray()
    start = 0
    n = len(data)
    while True:
        zero = data.find(b"\x00", start, min(start + 254, n))
        if zero < 0:
            end = min(start + 254, n)
            out.append(end - start + 1)
            out += data[start:end]
            if end == n:
                return bytes(out)
            if end - start == 254:
                start = end
                continue
            # unreachable: a run shorter than 254 that is not at the end was stopped by a zero
        else:
            out.append(zero - start + 1)
            out += data[start:zero]
            start = zero + 1
            if start == n:
                out.append(1)
                return bytes(out)


def decode(frame: bytes) -> bytes:
    """Decode one COBS frame (delimiter removed); raise :class:`CobsError` if it is not valid."""
    if not frame:
        raise CobsError("empty frame")
    if 0 in frame:
        raise CobsError(f"0x00 inside a frame at byte {frame.index(0)}")
    out = _decode_unchecked(frame)
    if out is None:
        raise CobsError("a code byte points past the frame end")
    return out


def _decode_unchecked(frame: bytes) -> bytes | None:
    """Decode a frame known to hold no 0x00; None if a code byte points past its end."""
    parts: list[bytes] = []
    i = 0
    n = len(frame)
    glue = False  # after a 0xFF run no zero follows: the next run joins the previous part
    while i < n:
        code = frame[i]
        end = i + code
        if end > n:
            return None
        if glue:
            parts[-1] += frame[i + 1 : end]
        else:
            parts.append(frame[i + 1 : end])
        glue = code == 0xFF
        i = end
    return b"\0".join(parts)


SMALL_BATCH = 48
"""Below this many frames a plain loop beats the numpy lockstep walk (measured, 8-channel frames)."""


def decode_batch(frames: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode many COBS frames at once.

    ``frames`` are encoded frames without delimiters and without any 0x00 byte (as ``bytes.split(b"\\0")``
    yields them; an empty frame is reported invalid). Returns ``(data, offsets, ok)``: ``data`` is a
    uint8 array of every decoded frame back to back, frame ``i`` is ``data[offsets[i]:offsets[i + 1]]``,
    and ``ok[i]`` is False where frame ``i`` was not a valid encoding (its slice is then empty).
    """
    nf = len(frames)
    if nf < SMALL_BATCH:
        decoded = [_decode_unchecked(f) if f else None for f in frames]
        ok = np.fromiter((d is not None for d in decoded), dtype=bool, count=nf)
        good = [d if d is not None else b"" for d in decoded]
        lengths = np.fromiter((len(d) for d in good), dtype=np.int64, count=nf)
        offsets = np.zeros(nf + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return np.frombuffer(b"".join(good), dtype=np.uint8), offsets, ok
    joined = b"".join(frames)
    enc = np.frombuffer(joined, dtype=np.uint8)
    lengths = np.fromiter((len(f) for f in frames), dtype=np.int64, count=nf)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    ok = lengths > 0
    # Walk all chains in lockstep: step k visits the k-th code byte of every frame not yet finished.
    fid = np.flatnonzero(ok)
    p = starts[fid]
    fend = ends[fid]
    visited: list[np.ndarray] = []
    while p.size:
        visited.append(p)
        p = p + enc[p]
        more = p < fend
        if not more.all():
            over = p > fend
            if over.any():
                ok[fid[over]] = False
            fid, p, fend = fid[more], p[more], fend[more]
    is_code = np.zeros(enc.size, dtype=bool)
    for v in visited:
        is_code[v] = True
    positions = np.flatnonzero(is_code)  # sorted, without a sort
    codes = enc[positions]
    # A code byte becomes the zero its predecessor (code < 0xFF) stands for, or vanishes (first code
    # byte of a frame, or after a 0xFF run).
    is_start = np.zeros(enc.size, dtype=bool)
    is_start[starts[lengths > 0]] = True
    first = is_start[positions]
    prev_ff = np.zeros(positions.size, dtype=bool)
    prev_ff[1:] = codes[:-1] == 0xFF
    drop = first | prev_ff
    out = enc.copy()
    out[positions[~drop]] = 0
    keep = np.ones(enc.size, dtype=bool)
    keep[positions[drop]] = False
    removed = np.bincount(np.searchsorted(ends, positions[drop], side="right"), minlength=nf)
    dec_len = np.where(ok, lengths - removed, 0)
    offsets = np.zeros(nf + 1, dtype=np.int64)
    np.cumsum(dec_len, out=offsets[1:])
    bad = np.flatnonzero(~ok)
    if bad.size:  # blank out invalid frames so the offsets stay consistent
        for i in bad.tolist():
            keep[starts[i] : ends[i]] = False
    return out[keep], offsets, ok
