"""The one calibration type: counts to newtons per channel, ``newtons = gain * (counts - offset)``.

This is the device protocol's convention (WRITE_CALIBRATION / READ_CALIBRATION), the engine's, the device
profiles' and the simulator's. The archive stores the same calibration in the NWB form
``newtons = counts * conversion + offset_n`` (attributes ``conversion``/``offset`` of ``/stream/raw``,
datasets ``/calibration/gain``/``offset``); :meth:`Calibration.to_archive` and
:meth:`Calibration.from_archive` convert, and are the only place that knows both forms.

It lives in ``devices`` (the lowest layer) so that profiles, the acquisition engine, the simulator and the
archive all pass the same value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

SCHEMA = "forcelab.calibration/1"


class CalibrationError(ValueError):
    """Calibration input or a stored calibration file that cannot be used; the message says why."""


@dataclass(frozen=True)
class ChannelFit:
    """The least-squares line of one channel through known-mass points, and how well it fits."""

    channel: int
    gain: float  # newtons per count
    offset: float  # counts at zero force
    rms_residual_n: float  # root-mean-square of (fitted - known) force, newtons
    max_residual_n: float
    n_points: int

    def to_dict(self) -> dict[str, float | int]:
        """Plain JSON-able form."""
        return {
            "channel": self.channel,
            "gain": self.gain,
            "offset": self.offset,
            "rms_residual_n": self.rms_residual_n,
            "max_residual_n": self.max_residual_n,
            "n_points": self.n_points,
        }


@dataclass(frozen=True)
class Calibration:
    """Per-channel ``newtons = gain * (counts - offset)`` for one device."""

    gains: tuple[float, ...]
    offsets: tuple[float, ...]
    device_serial: str = ""
    source: str = "default"  # "default", "profile", "tare", "known_masses", "device", "file"
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    fits: tuple[ChannelFit, ...] = ()
    _arrays: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        gains = tuple(float(g) for g in self.gains)
        offsets = tuple(float(o) for o in self.offsets)
        if len(gains) == 0 or len(gains) != len(offsets):
            raise CalibrationError(
                f"calibration needs one gain and one offset per channel, got {len(gains)} gains "
                f"and {len(offsets)} offsets"
            )
        for i, (g, o) in enumerate(zip(gains, offsets, strict=True)):
            if not (np.isfinite(g) and np.isfinite(o)):
                raise CalibrationError(f"channel {i}: gain {g} and offset {o} must be finite numbers")
            if g == 0:
                raise CalibrationError(f"channel {i}: gain is zero, every reading would be 0 N")
        object.__setattr__(self, "gains", gains)
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "_arrays", (np.asarray(gains), np.asarray(offsets)))

    @classmethod
    def identity(cls, channels: int, *, device_serial: str = "") -> Calibration:
        """Gain 1, offset 0 on every channel (for devices that send newtons)."""
        return cls((1.0,) * channels, (0.0,) * channels, device_serial=device_serial, source="default")

    @property
    def channels(self) -> int:
        """Number of channels."""
        return len(self.gains)

    def apply(self, counts: np.ndarray) -> np.ndarray:
        """Newtons for ``counts`` of shape ``(n, channels)`` (float64, new array)."""
        counts = np.asarray(counts)
        if counts.ndim != 2 or counts.shape[1] != self.channels:
            raise CalibrationError(
                f"calibration has {self.channels} channels but the data has shape {counts.shape}"
            )
        gains, offsets = self._arrays
        out = counts.astype(np.float64)
        out -= offsets
        out *= gains
        return out

    def tare(self, counts: np.ndarray, *, channels: Sequence[int] | None = None) -> Calibration:
        """A copy whose offsets are the mean of ``counts`` (an unloaded window, ``(n, channels)``).

        ``channels`` limits the tare to some channels (e.g. one plate); the others keep their offset.
        """
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 2 or counts.shape[1] != self.channels:
            raise CalibrationError(
                f"tare needs a window of shape (n, {self.channels}), got {counts.shape}"
            )
        if counts.shape[0] == 0:
            raise CalibrationError("tare needs at least one sample; the window is empty")
        if not np.all(np.isfinite(counts)):
            raise CalibrationError("the tare window contains missing samples (NaN); take another window")
        means = counts.mean(axis=0)
        chosen = range(self.channels) if channels is None else channels
        offsets = list(self.offsets)
        for c in chosen:
            if not 0 <= c < self.channels:
                raise CalibrationError(f"channel {c} does not exist (device has {self.channels})")
            offsets[c] = float(means[c])
        return Calibration(self.gains, tuple(offsets), device_serial=self.device_serial, source="tare",
                           fits=self.fits)

    def to_archive(self) -> tuple[np.ndarray, np.ndarray]:
        """The archive's ``(conversion, offset_n)`` per channel: ``newtons = counts * conversion + offset_n``,
        i.e. ``conversion = gain`` and ``offset_n = -gain * offset``."""
        gains, offsets = self._arrays
        return gains.copy(), -gains * offsets

    @classmethod
    def from_archive(cls, conversion: Any, offset_n: Any, *, device_serial: str = "",
                     source: str = "file") -> Calibration:
        """Inverse of :meth:`to_archive`: ``gain = conversion``, ``offset = -offset_n / conversion``."""
        conv = np.asarray(conversion, dtype=np.float64).reshape(-1)
        off = np.asarray(offset_n, dtype=np.float64).reshape(-1)
        if conv.shape != off.shape:
            raise CalibrationError(f"archive calibration has {conv.size} gains and {off.size} offsets")
        if np.any(conv == 0):
            raise CalibrationError("archive calibration has a zero gain")
        return cls(tuple(conv.tolist()), tuple((-off / conv).tolist()), device_serial=device_serial, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (also what the archive stores with each trial)."""
        return {
            "schema": SCHEMA,
            "device_serial": self.device_serial,
            "source": self.source,
            "created": self.created,
            "formula": "newtons = gain * (counts - offset)",
            "gains": list(self.gains),
            "offsets": list(self.offsets),
            "fits": [f.to_dict() for f in self.fits],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, where: str = "calibration") -> Calibration:
        """Inverse of :meth:`to_dict`; raise :class:`CalibrationError` naming ``where`` if malformed."""
        try:
            if d.get("schema") != SCHEMA:
                raise CalibrationError(f"{where}: unknown schema {d.get('schema')!r}, expected {SCHEMA!r}")
            fits = tuple(
                ChannelFit(int(f["channel"]), float(f["gain"]), float(f["offset"]), float(f["rms_residual_n"]),
                           float(f["max_residual_n"]), int(f["n_points"]))
                for f in d.get("fits", [])
            )
            return cls(
                tuple(d["gains"]), tuple(d["offsets"]), device_serial=str(d.get("device_serial", "")),
                source=str(d.get("source", "file")), created=str(d.get("created", "")), fits=fits,
            )
        except CalibrationError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"{where}: malformed calibration ({exc!r})") from exc
