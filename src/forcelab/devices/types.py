"""What decoders yield and how they account for damage.

A decoder is sans-IO: ``feed(bytes)`` in, a list of :class:`SampleBlock` out. It never blocks, never
touches a port or Qt, and counts in :class:`DecoderStats` everything it had to throw away and every
sample that went missing (gaps in the device's sample counter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class SampleBlock:
    """Consecutive samples as the device sent them.

    ``counter`` (uint64) is the device's sample counter, unwrapped to 64 bits; it is continuous unless
    samples were lost. ``device_time`` (float64) is seconds on the device clock. ``counts`` is
    ``(n, channels)`` int32 raw ADC counts, or for devices that send newtons already (text lines,
    Chronojump) the values in ``values`` with ``counts`` empty of columns.
    """

    counter: np.ndarray
    device_time: np.ndarray
    counts: np.ndarray
    values: np.ndarray | None = None  # (n, channels) float64 when the device sends engineering units

    def __post_init__(self) -> None:
        n = len(self.counter)
        if len(self.device_time) != n or len(self.counts) != n:
            raise ValueError("counter, device_time and counts must have the same length")
        if self.values is not None and len(self.values) != n:
            raise ValueError("values must have the same length as counter")

    @property
    def n(self) -> int:
        """Number of samples in the block."""
        return int(len(self.counter))

    @property
    def channels(self) -> int:
        """Number of channels."""
        if self.values is not None:
            return int(self.values.shape[1])
        return int(self.counts.shape[1])


@dataclass
class DecoderStats:
    """What a decoder saw: good frames, what it threw away, and what went missing."""

    frames_ok: int = 0
    samples_ok: int = 0
    crc_errors: int = 0
    malformed: int = 0
    resyncs: int = 0
    bytes_discarded: int = 0
    samples_lost: int = 0
    messages: list[str] = field(default_factory=list)  # replies / banners / non-data lines, newest last

    def note(self, message: str, *, keep: int = 50) -> None:
        """Remember a non-data message (boot banner, command reply), keeping the newest ``keep``."""
        self.messages.append(message)
        if len(self.messages) > keep:
            del self.messages[: len(self.messages) - keep]


class Decoder(Protocol):
    """A sans-IO stream decoder."""

    stats: DecoderStats

    def feed(self, data: bytes) -> list[SampleBlock]:
        """Consume ``data`` and return every complete block of samples it finished."""
        ...
