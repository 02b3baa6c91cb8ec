"""Consistent Overhead Byte Stuffing (COBS), one frame at a time or many frames at once.

COBS (Cheshire & Baker 1999) rewrites a frame so it contains no 0x00 byte; 0x00 then delimits frames
on the wire, and a receiver resynchronises at the next 0x00 after any damage. Each run of up to 254
non-zero bytes is preceded by a code byte: its distance to the next code byte (or the frame end). A
code below 0xFF stands for "run, then a zero"; 0xFF for "254 bytes, no zero".

:func:`decode_stream` (what the binary decoder uses) and :func:`decode_batch` decode many frames with
numpy: they walk the code-byte chains of all frames in lockstep (vector steps over all frames, not a
Python loop per code byte) and then remove or zero the code bytes in one pass. That is what makes the
binary decoder fast although its frames carry many zero bytes (int32 counts of positive 24-bit values
have a zero top byte, so a frame of 8 channels has a code byte every few bytes).
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
    out = decode_split_frame(frame)
    if out is None:
        raise CobsError("a code byte points past the frame end")
    return out


def decode_split_frame(frame: bytes) -> bytes | None:
    """Decode a frame known to hold no 0x00 (a piece of ``bytes.split(b"\\0")``); None if it is not valid."""
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
        decoded = [decode_split_frame(f) if f else None for f in frames]
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


def decode_stream(buf: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode every frame of a byte stream that ends with a 0x00 delimiter, without splitting it first.

    Returns ``(data, dstart, dend, ok, estart, eend)`` for the non-empty frames in order: frame ``i``
    decodes to ``data[dstart[i]:dend[i]]`` and was ``buf[estart[i]:eend[i]]`` on the wire (delimiter at
    ``eend[i]``); ``ok[i]`` is False where it is not a valid encoding (its slice is then meaningless).

    One jump table ``J[i] = i + buf[i]`` for the whole buffer (a delimiter jumps to itself), composed into
    jumps of 8 code bytes, turns the lockstep walk into a few gathers per 8 code bytes of every frame; a
    frame is valid when its chain lands exactly on its own delimiter.
    """
    enc = np.frombuffer(buf, dtype=np.uint8)
    size = enc.size
    empty = np.zeros(0, np.int64)
    if size == 0 or enc[-1] != 0:
        raise ValueError("decode_stream needs a buffer that ends with a 0x00 delimiter")
    delims = np.flatnonzero(enc == 0)
    estart = np.empty(delims.size, dtype=np.int64)
    estart[0] = 0
    estart[1:] = delims[:-1] + 1
    eend = delims.astype(np.int64)
    nonempty = eend > estart
    estart, eend = estart[nonempty], eend[nonempty]
    if estart.size == 0:
        return np.zeros(0, np.uint8), empty, empty, np.zeros(0, bool), empty, empty
    # one extra slot past the end, jumping to itself, catches chains that overshoot the last delimiter
    jump = np.arange(size + 1, dtype=np.int64)
    jump[:size] += enc
    np.minimum(jump, size, out=jump)
    # Jumps of 2, 4 and 8 code bytes: the lockstep walk then takes one step per 8 code bytes, and the
    # seven positions in between are filled in afterwards with a few large gathers.
    jump2 = jump[jump]
    jump4 = jump2[jump2]
    jump8 = jump4[jump4]
    p = estart
    visited = [p]
    while True:
        p = jump8[p]
        visited.append(p)
        p = jump8[p]
        visited.append(p)
        if np.array_equal(jump[p], p):
            break
    ok = p == eend
    v0 = np.stack(visited)[:, ok]
    v1 = jump[v0]
    v2 = jump2[v0]
    v3 = jump2[v1]
    is_code = np.zeros(size + 1, dtype=bool)
    for v in (v0, v1, v2, v3, jump4[v0], jump4[v1], jump4[v2], jump4[v3]):
        is_code[v.ravel()] = True
    is_code[delims] = False
    is_code = is_code[:size]
    positions = np.flatnonzero(is_code)
    codes = enc[positions]
    is_start = np.zeros(size, dtype=bool)
    is_start[estart[ok]] = True
    # A code byte becomes the zero its predecessor (code < 0xFF) stands for, or vanishes (first code
    # byte of a frame, or after a 0xFF run).
    drop = is_start[positions]
    drop[1:] |= codes[:-1] == 0xFF
    out = enc.copy()
    out[positions[~drop]] = 0
    keep = np.ones(size, dtype=bool)
    keep[positions[drop]] = False
    keep[delims] = False
    kept = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(keep, out=kept[1:])
    return out[keep], kept[estart], kept[eend], ok, estart, eend
