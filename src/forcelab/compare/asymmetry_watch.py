"""Left/right asymmetry across sessions: how big, and whether the stronger side stays the same.

Asymmetry values come from the analysis (``<metric>_asymmetry``, percent, with the formula and the
stronger side in the metric's params). Levels use two thresholds, 10 % and 15 % by default, the
commonly used "monitor" and "act" limits (Bishop et al. 2018, *J Sports Sci* 36(10):1135-44, and
Impellizzeri et al. 2007, *Med Sci Sports Exerc* 39(11):2044-50). The values are compared as
magnitudes, whatever the formula's sign convention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from forcelab.compare.trends import SessionPoint


@dataclass(frozen=True)
class AsymmetryPoint:
    """One session's asymmetry level and whether the stronger side flipped since the previous one."""

    session_id: str
    magnitude: float
    stronger_side: str | None
    level: str  # "ok" | "monitor" | "high"
    flipped: bool


def asymmetry_levels(
    points: Sequence[SessionPoint], *, thresholds: tuple[float, float] = (10.0, 15.0)
) -> list[AsymmetryPoint]:
    """Classify each session's asymmetry and mark side flips (left-stronger to right-stronger or back)."""
    low, high = thresholds
    if not 0 <= low < high:
        raise ValueError(f"asymmetry thresholds must satisfy 0 <= low < high, got {thresholds}")
    out: list[AsymmetryPoint] = []
    previous_side: str | None = None
    for p in points:
        magnitude = abs(p.value)
        level = "high" if magnitude >= high else ("monitor" if magnitude >= low else "ok")
        side = p.stronger_side if p.stronger_side in ("left", "right") else None
        flipped = side is not None and previous_side is not None and side != previous_side
        if side is not None:
            previous_side = side
        out.append(AsymmetryPoint(p.session_id, magnitude, p.stronger_side, level, flipped))
    return out
