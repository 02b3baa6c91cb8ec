"""What the simulated device puts on the wire: sample frames or text lines, and line damage.

:class:`WireEncoder` turns a block of samples into wire *units* (one binary SAMPLES frame with its 0x00
delimiter, or a group of text lines), each tagged with the samples it carries, so the device can drop a
whole unit when its transmit buffer is full and account for every sample. :class:`FaultPlan` describes
the faults to inject and :func:`damage` applies one byte-level fault to one unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from forcelab.devices.calibration import Calibration
from forcelab.devices.protocol import DELIMITER, encode_samples, max_samples_per_frame

PROTOCOLS = ("binary", "text")


@dataclass(frozen=True)
class FaultPlan:
    """Faults the simulated device injects while it streams.

    ``drop_rate`` / ``flip_rate``: probability per wire unit (binary frame, or text line group) that one
    byte is deleted / one bit is flipped. The delimiter (0x00, or the newline) is never hit, so exactly the
    samples of the damaged unit are lost to a binary host and no others. ``stall_every`` s, the link
    stops draining for ``stall_ms`` (the device keeps sampling; its transmit buffer fills and then
    overflows, which the counter shows). ``unplug_after`` s after start the device is unplugged for
    ``unplug_for`` s, again every ``unplug_every`` s if that is positive. Zero disables each fault.
    """

    drop_rate: float = 0.0
    flip_rate: float = 0.0
    stall_every: float = 0.0
    stall_ms: float = 0.0
    unplug_after: float = 0.0
    unplug_for: float = 1.0
    unplug_every: float = 0.0

    def __post_init__(self) -> None:
        for name in ("drop_rate", "flip_rate"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise ValueError(f"fault {name} must be a probability between 0 and 1, got {v!r}")
        for name in ("stall_every", "stall_ms", "unplug_after", "unplug_for", "unplug_every"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0):
                raise ValueError(f"fault {name} must be zero or a positive number, got {v!r}")
        if self.stall_every > 0 and self.stall_ms <= 0:
            raise ValueError("a periodic stall needs its length: stall_ms must be positive")
        if self.unplug_after > 0 and self.unplug_for <= 0:
            raise ValueError("unplug_for must be positive")

    @property
    def damages(self) -> bool:
        """True when byte-level damage is enabled."""
        return self.drop_rate > 0 or self.flip_rate > 0


def parse_fault(spec: str) -> dict[str, float]:
    """Parse one command-line fault: ``drop:P``, ``flip:P``, ``stall:EVERY_S:MS``,
    ``unplug:AFTER_S[:FOR_S[:EVERY_S]]``; returns the :class:`FaultPlan` fields it sets."""
    parts = spec.strip().split(":")
    kind = parts[0].lower()
    try:
        nums = [float(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(f"fault {spec!r}: the values after {kind!r} must be numbers") from None
    if kind in ("drop", "flip") and len(nums) == 1:
        return {f"{kind}_rate": nums[0]}
    if kind == "stall" and len(nums) == 2:
        return {"stall_every": nums[0], "stall_ms": nums[1]}
    if kind == "unplug" and 1 <= len(nums) <= 3:
        out = {"unplug_after": nums[0]}
        if len(nums) > 1:
            out["unplug_for"] = nums[1]
        if len(nums) > 2:
            out["unplug_every"] = nums[2]
        return out
    raise ValueError(
        f"fault {spec!r} not understood; use drop:P, flip:P (P = probability per frame), "
        "stall:EVERY_S:MS or unplug:AFTER_S[:FOR_S[:EVERY_S]]"
    )


def samples_per_unit(rate: float, channels: int) -> int:
    """Samples per frame (binary) or per line group (text): ceil(rate / 1000), as protocol.md recommends."""
    return int(max(1, min(math.ceil(rate / 1000.0), max_samples_per_frame(channels))))


class WireEncoder:
    """Encode sample blocks as wire units of ``k`` samples (the last unit of a block may be shorter).

    Text lines are ``micros<d>c1<d>...<d>cN`` with delimiter ``d``; the values are raw counts, or, when
    ``calibration`` is set, newtons with two decimals, as a
    hobby device that applies its own calibration prints them. The caller may replace ``calibration``
    at any time (after a tare); later blocks use the new one.
    """

    def __init__(self, protocol: str, channels: int, k: int, *, delimiter: str = ";",
                 calibration: Calibration | None = None) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if delimiter not in (";", ",", "\t", " "):
            raise ValueError(f"text delimiter must be ';', ',', tab or space, got {delimiter!r}")
        self.protocol = protocol
        self.channels = channels
        self.k = k
        self.delimiter = delimiter
        self.calibration = calibration

    def encode(self, counter0: int, micros: np.ndarray, counts: np.ndarray) -> list[tuple[bytes, int]]:
        """Units as ``(bytes, samples)``; ``counter0`` is the first sample's counter."""
        n = len(micros)
        if n == 0:
            return []
        if self.protocol == "binary":
            data = encode_samples(counter0, micros, counts, samples_per_frame=self.k)
            frames = data.split(DELIMITER)[:-1]
            sizes = [self.k] * (n // self.k) + ([n % self.k] if n % self.k else [])
            return [(f + DELIMITER, s) for f, s in zip(frames, sizes, strict=True)]
        t = (np.asarray(micros, dtype=np.int64) & 0xFFFFFFFF).astype(str)
        if self.calibration is None:
            values = np.asarray(counts, dtype=np.int64).astype(str)
        else:
            newtons = self.calibration.apply(counts)
            values = np.char.mod("%.2f", np.round(newtons, 2) + 0.0)  # + 0.0: no "-0.00"
        d = self.delimiter
        lines = [ti + d + d.join(row) for ti, row in zip(t, values, strict=True)]
        out = []
        for i in range(0, n, self.k):
            chunk = lines[i : i + self.k]
            out.append((("\n".join(chunk) + "\n").encode("ascii"), len(chunk)))
        return out


def damage(unit: bytes, kind: str, rng: np.random.Generator, *, delimiter: int) -> bytes:
    """``unit`` with one byte deleted (``kind="drop"``) or one bit flipped (``"flip"``), at a random
    position that is not a ``delimiter`` byte (so neighbouring units stay intact)."""
    arr = np.frombuffer(unit, dtype=np.uint8)
    candidates = np.flatnonzero(arr != delimiter)
    if candidates.size == 0:
        return unit
    pos = int(candidates[rng.integers(candidates.size)])
    if kind == "drop":
        return unit[:pos] + unit[pos + 1 :]
    if kind == "flip":
        out = bytearray(unit)
        bit = int(rng.integers(8))
        if delimiter == 0x0A and out[pos] ^ (1 << bit) == delimiter:
            bit = (bit + 1) % 8  # a flip that makes a newline would split the line: hit another bit
        out[pos] ^= 1 << bit
        return bytes(out)
    raise ValueError(f"unknown damage kind {kind!r}")
