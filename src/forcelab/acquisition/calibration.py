"""Counts to newtons: per-channel linear calibration, tare, known-mass fits, and their storage.

The value type is :class:`forcelab.devices.calibration.Calibration` (``newtons = gain * (counts - offset)``
per channel, the device protocol's convention; re-exported here). Devices that already send newtons (text
lines, Chronojump) use gain 1 and offset 0 until tared.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.devices.calibration import SCHEMA, Calibration, CalibrationError, ChannelFit

log = logging.getLogger(__name__)

__all__ = ["SCHEMA", "Calibration", "CalibrationError", "ChannelFit", "CalibrationStore", "MassPoint",
           "fit_known_masses", "fit_line", "STANDARD_GRAVITY"]


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
