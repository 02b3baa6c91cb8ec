"""How a device's channels combine into plates: per-plate force, total force, centre of pressure.

A :class:`PlateMap` lists the plates of a device (from its profile): which channels are the cells of
each plate and, for a plate with four cells, where each cell sits (metres, in the plate's own frame).
Per-plate force is the sum of its cells; total force is the sum over plates; the centre of pressure of
a four-cell plate is the force-weighted mean of the cell positions, NaN while the plate carries less
than ``cop_min_force`` newtons (the CoP of an unloaded plate is noise, never a number to plot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PlateLayout:
    """One plate: its name, its channels, and (optionally) the ``(x, y)`` of each cell in metres."""

    name: str
    channels: tuple[int, ...]
    cell_positions: tuple[tuple[float, float], ...] | None = None
    #: the plate centre in the device's common frame (metres): where its CoP sits in the combined CoP
    origin: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        if not self.channels:
            raise ValueError(f"plate {self.name!r} has no channels")
        if self.cell_positions is not None and len(self.cell_positions) != len(self.channels):
            raise ValueError(
                f"plate {self.name!r}: {len(self.cell_positions)} cell positions for "
                f"{len(self.channels)} channels"
            )

    @property
    def has_cop(self) -> bool:
        """True when centre of pressure can be computed (four cells with known positions)."""
        return self.cell_positions is not None and len(self.channels) == 4


@dataclass(frozen=True)
class PlateMap:
    """The plates of one device; channels not in any plate are still recorded but not summed."""

    channels: int
    plates: tuple[PlateLayout, ...]
    cop_min_force: float = 20.0

    def __post_init__(self) -> None:
        if self.channels <= 0:
            raise ValueError("a device needs at least one channel")
        seen: set[int] = set()
        for p in self.plates:
            for c in p.channels:
                if not 0 <= c < self.channels:
                    raise ValueError(f"plate {p.name!r} uses channel {c}; the device has {self.channels}")
                if c in seen:
                    raise ValueError(f"channel {c} belongs to more than one plate")
                seen.add(c)
        names = [p.name for p in self.plates]
        if len(set(names)) != len(names):
            raise ValueError(f"plate names must be unique, got {names}")

    @classmethod
    def single(cls, channels: int) -> PlateMap:
        """Every channel summed into one plate called ``"plate"`` (no CoP)."""
        return cls(channels, (PlateLayout("plate", tuple(range(channels))),))

    @classmethod
    def from_profile(cls, profile: Any) -> PlateMap:
        """Build from a device profile (an object or mapping with ``channels`` and ``plates``).

        Each plate needs ``name`` and ``channels``; ``cell_positions`` (list of ``[x, y]`` metres) is
        optional. Accepts the dataclasses of :mod:`forcelab.devices.profiles` and plain JSON dicts.
        """

        def get(obj: Any, key: str, default: Any = None) -> Any:
            if isinstance(obj, dict):
                return obj.get(key, default)
            return getattr(obj, key, default)

        n = get(profile, "channels")
        if not isinstance(n, int):
            n = len(n) if n is not None else None
        if n is None:
            raise ValueError("device profile has no channel count")
        plates = []
        for p in get(profile, "plates", []) or []:
            pos = get(p, "cell_positions")
            ox, oy = get(p, "origin", (0.0, 0.0)) or (0.0, 0.0)
            plates.append(
                PlateLayout(
                    str(get(p, "name")),
                    tuple(int(c) for c in get(p, "channels")),
                    None if pos is None else tuple((float(x), float(y)) for x, y in pos),
                    (float(ox), float(oy)),
                )
            )
        if not plates:
            return cls.single(n)
        min_force = get(profile, "cop_min_force")
        return cls(n, tuple(plates)) if min_force is None else cls(n, tuple(plates), float(min_force))

    def to_dict(self) -> dict[str, Any]:
        """The plain JSON form :meth:`from_profile` reads back (what the archive keeps of a session's plates:
        channels, each plate's cells, their positions and its origin in metres, the CoP's least force)."""
        return {"channels": self.channels, "cop_min_force": self.cop_min_force,
                "plates": [{"name": p.name, "channels": list(p.channels),
                            "cell_positions": None if p.cell_positions is None else [list(c) for c in p.cell_positions],
                            "origin": list(p.origin)} for p in self.plates]}

    @property
    def has_cop(self) -> bool:
        """True when at least one plate has four positioned cells (a centre of pressure)."""
        return any(p.has_cop for p in self.plates)

    def centre_of_pressure(self, newtons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The combined centre of pressure (x, y in metres) of channel newtons ``(n, channels)``: :meth:`combine`,
        then :meth:`combined_cop`."""
        _total, per_plate, cop = self.combine(newtons)
        return self.combined_cop(per_plate, cop)

    @property
    def names(self) -> tuple[str, ...]:
        """Plate names in order."""
        return tuple(p.name for p in self.plates)

    def combine(self, newtons: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Total ``(n,)``, per-plate force ``(n, plates)`` and CoP ``(n, plates, 2)`` from channel newtons.

        CoP is NaN for plates without four positioned cells and where the plate force is below
        ``cop_min_force``.
        """
        n = newtons.shape[0]
        weights, cop_plates = self._weights()
        np_ = len(self.plates)
        m = newtons @ weights  # one matmul: plate sums, then x and y moments of the CoP plates
        per_plate = m[:, :np_]
        cop = np.full((n, np_, 2), np.nan)
        if cop_plates:
            k = len(cop_plates)
            force = per_plate[:, cop_plates]
            loaded = force >= self.cop_min_force
            with np.errstate(invalid="ignore", divide="ignore"):
                cop[:, cop_plates, 0] = np.where(loaded, m[:, np_ : np_ + k] / force, np.nan)
                cop[:, cop_plates, 1] = np.where(loaded, m[:, np_ + k :] / force, np.nan)
        total = per_plate.sum(axis=1) if self.plates else newtons.sum(axis=1)
        return total, per_plate, cop

    def combined_cop(self, per_plate: np.ndarray, cop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The centre of pressure of all CoP plates together (metres, the device's common frame): each plate's
        CoP moved to its ``origin``, weighted by its force (``per_plate``, ``cop`` as :meth:`combine` returns them).
        An unloaded plate (NaN CoP) counts with no weight; NaN where no CoP plate is loaded."""
        idx = [i for i, p in enumerate(self.plates) if p.has_cop]
        if not idx:
            n = per_plate.shape[0]
            return np.full(n, np.nan), np.full(n, np.nan)
        origin = np.array([self.plates[i].origin for i in idx])  # (k, 2)
        c = cop[:, idx, :] + origin[None, :, :]
        w = np.where(np.isfinite(c[:, :, 0]), per_plate[:, idx], 0.0)
        total = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.where(total > 0, np.nansum(w * c[:, :, 0], axis=1) / total, np.nan)
            y = np.where(total > 0, np.nansum(w * c[:, :, 1], axis=1) / total, np.nan)
        return x, y

    def combined_cop_of_rows(self, rows: np.ndarray, plate_cols: Sequence[int],
                             cop_cols: Sequence[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`combined_cop` of rows of an acquisition ring buffer: ``plate_cols`` are the per-plate force
        columns (one per plate, in order), ``cop_cols`` each CoP plate's ``(plate index, x column, y column)``."""
        per_plate = rows[:, list(plate_cols)]
        cop = np.full((rows.shape[0], len(self.plates), 2), np.nan)
        for i, cx, cy in cop_cols:
            cop[:, i, 0], cop[:, i, 1] = rows[:, cx], rows[:, cy]
        return self.combined_cop(per_plate, cop)

    def _weights(self) -> tuple[np.ndarray, list[int]]:
        cached = self.__dict__.get("_w")
        if cached is not None:
            return cached
        cop_plates = [i for i, p in enumerate(self.plates) if p.has_cop]
        np_, k = len(self.plates), len(cop_plates)
        w = np.zeros((self.channels, np_ + 2 * k))
        for i, plate in enumerate(self.plates):
            w[list(plate.channels), i] = 1.0
        for j, i in enumerate(cop_plates):
            plate = self.plates[i]
            assert plate.cell_positions is not None
            xy = np.asarray(plate.cell_positions)
            w[list(plate.channels), np_ + j] = xy[:, 0]
            w[list(plate.channels), np_ + k + j] = xy[:, 1]
        result = (w, cop_plates)
        object.__setattr__(self, "_w", result)
        return result

    def check_channels(self, channels: int, *, where: str = "device") -> None:
        """Raise ValueError when ``channels`` does not match this map."""
        if channels != self.channels:
            raise ValueError(f"{where} sends {channels} channels but the plate map expects {self.channels}")


def layout_columns(plates: Sequence[PlateLayout]) -> list[str]:
    """Column names for per-plate force and CoP, in the order :class:`PlateMap.combine` yields them."""
    cols = [p.name for p in plates]
    for p in plates:
        if p.has_cop:
            cols += [f"{p.name}_cop_x", f"{p.name}_cop_y"]
    return cols
