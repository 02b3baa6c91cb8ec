"""Landing metrics shared by the jump analyses: peak landing force, landing phase, stabilisation.

The landing phase runs from touchdown to the lowest centre-of-mass position after it (velocity back to
zero, within ``v_tolerance`` m/s, so that a touchdown velocity a hair too fast cannot leave the
centre of mass "sinking" for ever at body weight), found by integrating forward from touchdown with the touchdown velocity ``-g * flight_time / 2``
(a ballistic flight landing in the take-off posture; it keeps the landing consistent with the measured
flight rather than mixing in the take-off velocity's own error). Time to stabilisation is the time from touchdown until the
force stays within ``band * BW`` of body weight for ``hold`` seconds (the commercial definition: 5 % for 1 s).
"""

from __future__ import annotations

import numpy as np

from forcelab.analysis.events import first_run, first_true
from forcelab.analysis.jump_metrics import REF_HAWKIN, REF_MCMAHON, MetricBook, impulse, why_missing
from forcelab.analysis.jump_takeoff import flight_flags
from forcelab.analysis.kinematics import integrate
from forcelab.analysis.params import num
from forcelab.analysis.types import Event, ParamValue


def finish_jump(book: MetricBook, force: np.ndarray, bw: float, rate: float, takeoff: Event, landing: Event,
                flight_time: float | None, params: dict[str, ParamValue]) -> None:
    """The end every jump analysis shares: landing metrics with the touchdown velocity ``-g * t / 2`` of the
    flight time ``t`` (see :func:`add_landing`), then the flight flags (:func:`flight_flags`)."""
    g = num(params, "g")
    add_landing(book, force, bw, rate, landing, None if flight_time is None else -g * flight_time / 2.0,
                why_missing(takeoff, landing), window=num(params, "landing_window"),
                band=num(params, "stabilisation_band"), hold=num(params, "stabilisation_hold"),
                rule=str(params["integration_rule"]), g=g, v_tolerance=num(params, "landing_velocity_tolerance"))
    flight_flags(book.result, params)


def add_landing(
    book: MetricBook,
    force: np.ndarray,
    bw: float,
    rate: float,
    landing: Event,
    v_touchdown: float | None,
    v_reason: str | None,
    *,
    window: float,
    band: float,
    hold: float,
    rule: str,
    g: float,
    v_tolerance: float = 0.05,
) -> None:
    """Landing metrics after the touchdown ``landing``; adds events ``landing_lowest`` and ``stabilisation``."""
    res = book.result
    why = why_missing(landing)
    L = landing.index if landing.index is not None else 0
    n = force.size
    stop = min(n, L + max(1, int(round(window * rate))))
    book.force_metric("peak_landing_force", book.extreme(force, L, stop), "N", f"max_force_{window:g}s_after_touchdown",
                      REF_MCMAHON, reason=why, relative="%", total_force=force, bw=bw,
                      description="Highest force after touchdown.")
    # landing phase: touchdown -> lowest point
    bw_why = None if np.isfinite(bw) else "body weight not found"
    lwhy = why or v_reason or bw_why
    lowest: int | None = None
    kin = None
    if lwhy is None and v_touchdown is not None:
        if n - L < 3:
            lwhy = "trace ends at touchdown"
        else:
            kin = integrate(force, rate, bw, L, n, g=g, rule=rule, v_start=v_touchdown)
            j = first_true(kin.velocity >= -v_tolerance)
            if j is not None and j == 0:
                j = first_true(kin.velocity >= -v_tolerance, 1)
            if j is None:
                lwhy = "centre of mass still moving down at the end of the trace"
            else:
                lowest = L + j
    res.add_event(Event("landing_lowest", lowest, rate, "velocity_zero_after_touchdown",
                        reason=None if lowest is not None else lwhy or "not found"))
    lo = lowest if lowest is not None else L + 1
    book.put("landing_phase_time", (lo - L) / rate if lowest is not None else None, "s", "touchdown_to_lowest_point",
             REF_MCMAHON, reason=lwhy, description="Touchdown to the lowest centre-of-mass position.")
    book.force_metric("mean_landing_force", lambda f, w: float(f[L:lo].mean()), "N", "mean_force_landing_phase",
                      REF_HAWKIN, reason=lwhy, relative="%", total_force=force, bw=bw,
                      description="Mean force from touchdown to the lowest point.")
    book.force_metric("landing_impulse", lambda f, w: impulse(f, L, lo, rate, rule), "N*s", "impulse_landing_phase_" + rule,
                      REF_HAWKIN, reason=lwhy, total_force=force, bw=bw,
                      description="Impulse of the vertical force from touchdown to the lowest point.")
    depth = None if kin is None or lowest is None else -float(kin.displacement[lowest - L])
    book.put("landing_depth", depth, "m", "impulse_momentum_" + rule, REF_HAWKIN, reason=lwhy,
             description="How far the centre of mass sinks after touchdown (positive down).")
    stiff = None
    if depth is not None and lowest is not None and depth > 0:
        stiff = float(force[lowest]) / depth
    book.put("landing_stiffness", stiff, "N/m", "force_at_lowest_over_depth", REF_HAWKIN,
             reason=lwhy or "no downward landing displacement",
             description="Force at the lowest point divided by the landing depth.")
    # stabilisation
    swhy = why or bw_why
    st: int | None = None
    if swhy is None:
        hold_n = max(1, int(round(hold * rate)))
        st = first_run(np.abs(force - bw) <= band * bw, hold_n, L)
        if st is None:
            swhy = f"force does not stay within {band * 100:g} % of body weight for {hold:g} s after touchdown"
    res.add_event(Event("stabilisation", st, rate, f"within_{band * 100:g}pct_bw_for_{hold:g}s",
                        reason=None if st is not None else swhy or "not found"))
    book.put("time_to_stabilisation", (st - L) / rate if st is not None else None, "s",
             f"within_{band * 100:g}pct_bw_for_{hold:g}s", REF_HAWKIN, reason=swhy,
             description="Touchdown until force stays near body weight.")
