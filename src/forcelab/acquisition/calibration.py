"""Counts to newtons: per-channel linear calibration, tare, known-mass fits, and their storage.

Convention (the same as the device protocol's WRITE_CALIBRATION): ``newtons = gain * (counts - offset)``
per channel. Devices that already send newtons (text lines, Chronojump) use gain 1 and offset 0 until
tared.

* :meth:`Calibration.tare` sets each channel's offset to the mean of a window of unloaded counts.
* :func:`fit_known_masses` fits, per channel, a least-squares line through several (counts, newtons)
  points taken with known masses and reports its residual (RMS in newtons and the number of points), so
  the tester sees how good the calibration is before accepting it.
* :class:`CalibrationStore` keeps one JSON file per device serial number under
  ``platformdirs.user_config_dir("forcelab")/calibration``; writes are atomic (temporary file and
  rename), so a crash never leaves a half-written calibration.

How channels combine into plates (per-plate force, total, centre of pressure) is :mod:`.plates`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs

log = logging.getLogger(__name__)

STANDARD_GRAVITY = 9.80665  # m/s^2, CGPM 1901
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


def fit_line(counts: Sequence[float], forces_n: Sequence[float], *, channel: int = 0) -> ChannelFit:
    """Least-squares ``force = gain * (counts - offset)`` through the points, with its residual."""
    x = np.asarray(counts, dtype=np.float64)
    y = np.asarray(forces_n, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise CalibrationError(f"channel {channel}: need as many count readings as known forces")
    if x.size < 2:
        raise CalibrationError(f"channel {channel}: a line needs at least 2 points, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise CalibrationError(f"channel {channel}: calibration points must be finite numbers")
    if np.ptp(x) == 0:
        raise CalibrationError(
            f"channel {channel}: the count readings do not change with the load "
            "(is the cell connected, and were different masses used?)"
        )
    slope, intercept = np.polyfit(x, y, 1)
    if slope == 0:
        raise CalibrationError(f"channel {channel}: fitted gain is zero")
    residual = slope * x + intercept - y
    return ChannelFit(
        channel=channel,
        gain=float(slope),
        offset=float(-intercept / slope),
        rms_residual_n=float(np.sqrt(np.mean(residual**2))),
        max_residual_n=float(np.max(np.abs(residual))),
        n_points=int(x.size),
    )


@dataclass(frozen=True)
class MassPoint:
    """One known-mass reading: ``mass_kg`` on the channel, and the mean counts it produced."""

    channel: int
    mass_kg: float
    counts: float


def fit_known_masses(
    points: Sequence[MassPoint],
    base: Calibration,
    *,
    gravity: float = STANDARD_GRAVITY,
) -> Calibration:
    """A new calibration from known-mass points; channels without points keep ``base``'s line.

    Each channel with points gets its own least-squares line (``force = mass * gravity``), at least two
    points with different readings. The fit quality of each is in the result's ``fits``.
    """
    by_channel: dict[int, list[MassPoint]] = {}
    for p in points:
        if not 0 <= p.channel < base.channels:
            raise CalibrationError(f"point for channel {p.channel}, but the device has {base.channels}")
        if not np.isfinite(p.mass_kg) or p.mass_kg < 0:
            raise CalibrationError(f"channel {p.channel}: mass {p.mass_kg} kg is not a valid mass")
        by_channel.setdefault(p.channel, []).append(p)
    if not by_channel:
        raise CalibrationError("no calibration points given")
    gains = list(base.gains)
    offsets = list(base.offsets)
    fits = []
    for c in sorted(by_channel):
        pts = by_channel[c]
        fit = fit_line([p.counts for p in pts], [p.mass_kg * gravity for p in pts], channel=c)
        gains[c], offsets[c] = fit.gain, fit.offset
        fits.append(fit)
    return Calibration(tuple(gains), tuple(offsets), device_serial=base.device_serial,
                       source="known_masses", fits=tuple(fits))


def default_directory() -> Path:
    """Where calibrations live: ``<user config dir>/forcelab/calibration``."""
    return Path(platformdirs.user_config_dir("forcelab")) / "calibration"


_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class CalibrationStore:
    """One JSON calibration file per device serial number."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def path_for(self, device_serial: str) -> Path:
        """The file holding ``device_serial``'s calibration."""
        if not device_serial:
            raise CalibrationError("a stored calibration needs the device's serial number")
        return self.directory / f"{_SAFE.sub('_', device_serial)}.json"

    def load(self, device_serial: str) -> Calibration | None:
        """The stored calibration, None if none; :class:`CalibrationError` if the file is damaged."""
        path = self.path_for(device_serial)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CalibrationError(f"{path}: cannot read calibration ({exc})") from exc
        if not isinstance(data, dict):
            raise CalibrationError(f"{path}: not a calibration object")
        cal = Calibration.from_dict(data, where=str(path))
        if cal.device_serial and cal.device_serial != device_serial:
            raise CalibrationError(
                f"{path}: holds the calibration of device {cal.device_serial!r}, not {device_serial!r}"
            )
        return cal

    def save(self, cal: Calibration) -> Path:
        """Write ``cal`` atomically under its device serial number; returns the path."""
        path = self.path_for(cal.device_serial)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cal-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(cal.to_dict(), fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        log.info("saved calibration of %s to %s", cal.device_serial, path)
        return path
