"""Centre-of-mass kinematics by impulse–momentum integration of the vertical force.

``a = (F - BW) / m`` with ``m = BW / g``; velocity is the running integral of ``a`` and displacement the
running integral of velocity, both by the trapezoidal rule (default) or the rectangular (forward Euler)
rule. Forward integration starts from a known state (standing still at onset: v = 0, s = 0); backward
integration ends at a known velocity (the take-off velocity of a drop jump, from its flight time).
Power is ``F * v`` (force on the centre of mass times its velocity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forcelab.analysis.units import STANDARD_GRAVITY

REFERENCE = "Linthorne 2001, Am J Phys 69(11):1198-1204; Owen et al. 2014, J Strength Cond Res 28(6):1552-1558"
RULES = ("trapezoid", "rectangle")


@dataclass(frozen=True)
class Kinematics:
    """Velocity (m/s), displacement (m) and power (W) for samples ``[start, stop)`` of the trace.

    ``velocity[i]`` belongs to sample ``start + i``.
    """

    start: int
    stop: int
    velocity: np.ndarray
    displacement: np.ndarray
    power: np.ndarray

    def at(self, index: int) -> tuple[float, float]:
        """Velocity and displacement at trace sample ``index``."""
        j = index - self.start
        return float(self.velocity[j]), float(self.displacement[j])


def cumulative(y: np.ndarray, dt: float, rule: str) -> np.ndarray:
    """Running integral of ``y`` (first value 0) by ``rule``."""
    if rule not in RULES:
        raise ValueError(f"integration rule must be one of {RULES}, got {rule!r}")
    out = np.empty_like(y, dtype=np.float64)
    out[0] = 0.0
    if rule == "trapezoid":
        np.cumsum((y[1:] + y[:-1]) * (0.5 * dt), out=out[1:])
    else:
        np.cumsum(y[:-1] * dt, out=out[1:])
    return out


def integrate(
    force: np.ndarray,
    rate: float,
    body_weight: float,
    start: int,
    stop: int,
    *,
    g: float = STANDARD_GRAVITY,
    rule: str = "trapezoid",
    v_start: float | None = 0.0,
    v_end: float | None = None,
    s_start: float = 0.0,
) -> Kinematics:
    """Integrate ``force[start:stop]`` (N).

    Give ``v_start`` (forward integration, velocity at sample ``start``) or ``v_end`` with
    ``v_start=None`` (backward integration, velocity at sample ``stop - 1``). Displacement is 0 at
    ``start`` plus ``s_start``.
    """
    if stop - start < 2:
        raise ValueError(f"need at least 2 samples to integrate, got {stop - start}")
    mass = body_weight / g
    f = force[start:stop]
    dt = 1.0 / rate
    dv = cumulative((f - body_weight) / mass, dt, rule)
    if v_start is not None:
        v = dv + v_start
    elif v_end is not None:
        v = dv + (v_end - dv[-1])
    else:
        raise ValueError("give v_start (forward) or v_end (backward integration)")
    s = cumulative(v, dt, rule) + s_start
    return Kinematics(start, stop, v, s, f * v)


def countermovement_phases(velocity: np.ndarray) -> tuple[int | None, int | None]:
    """McMahon et al. 2018 boundaries in a velocity array that starts at onset.

    Returns ``(j_min, j_zero)``: the index of the velocity minimum (unweighting -> braking) and the first
    index after it with ``v >= 0`` (braking -> propulsion). ``j_min`` is ``None`` when the velocity never
    goes negative (no countermovement); ``j_zero`` is ``None`` when it never comes back to zero.
    """
    if velocity.size == 0:
        return None, None
    jmin = int(np.argmin(velocity))
    if velocity[jmin] >= 0:
        return None, None
    up = np.flatnonzero(velocity[jmin:] >= 0.0)
    return jmin, (None if up.size == 0 else jmin + int(up[0]))
