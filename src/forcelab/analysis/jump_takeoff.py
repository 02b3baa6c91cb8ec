"""Weighing, flight and take-off metrics shared by the countermovement and squat jump analyses.

Jump height by take-off velocity is ``v^2 / 2g`` (v from impulse–momentum integration); by flight time
``g t^2 / 8`` (a ballistic flight that lands at the take-off height). RSI-modified is the take-off-velocity
jump height over time to take-off (Ebben & Petushek 2010).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forcelab.analysis.events import Flight, detect_flight, edge_time
from forcelab.analysis.jump_edits import EDITED
from forcelab.analysis.jump_metrics import (
    REF_EBBEN,
    REF_HAWKIN,
    REF_LINTHORNE,
    REF_MOIR,
    MetricBook,
    net_impulse,
    why_missing,
)
from forcelab.analysis.jump_prep import SUBTRACT_ABOVE, ZERO_TOLERANCE, flight_settings
from forcelab.analysis.kinematics import Kinematics
from forcelab.analysis.params import num
from forcelab.analysis.types import Event, ParamValue, TrialResult
from forcelab.analysis.weighing import REFERENCE as REF_OWEN
from forcelab.analysis.weighing import Weighing


@dataclass(frozen=True)
class Takeoff:
    """Take-off and landing events, the flight threshold and the flight time (s) when both were found."""

    takeoff: Event
    landing: Event
    threshold: float | None
    flight_time: float | None
    #: threshold crossing at take-off (s, between samples), and the ringing after it recognised as flight (N)
    takeoff_time: float | None = None
    ringing: float | None = None
    #: the unloaded plate's reading in the flight (N, in the analysed forces' frame): where the contact force
    #: meets it is the departure the take-off velocity is taken back to
    baseline: float | None = None


def add_weighing(book: MetricBook, w: Weighing, g: float) -> float | None:
    """Body weight, mass and SD metrics, weighing events, unsteady flag; returns the body weight."""
    res = book.result
    rate = res.rate
    meth = f"weighing_{w.method}_{book.params['weighing_window']}s"
    res.add_event(Event("weighing_start", w.start if w.found else None, rate, EDITED if w.method == EDITED else meth,
                        reason=w.reason))
    res.add_event(Event("weighing_end", w.stop if w.found else None, rate, meth, reason=w.reason))
    bw = w.body_weight
    book.put("body_weight", bw, "N", meth, REF_OWEN, reason=w.reason, description="Mean force over the weighing window.")
    book.put("body_mass", None if bw is None else bw / g, "kg", meth, REF_OWEN, reason=w.reason,
             description="Body weight over g.")
    book.put("weighing_sd", w.sd, "N", meth, REF_OWEN, reason=w.reason,
             description="Sample SD of force over the weighing window (sets the onset threshold).")
    if w.unsteady and w.sd is not None:
        res.flag("unsteady_weighing",
                 f"weighing SD {w.sd:.1f} N exceeds {book.params['max_weighing_sd']} N: the athlete was not still")
    return bw


def find_flight(F: np.ndarray, rate: float, w: Weighing, bw: float | None, params: dict[str, ParamValue],
                search_start: int, found: Flight | None = None) -> tuple[Takeoff, str | None]:
    """Take-off and landing of the first flight after ``search_start``, and a note when its threshold was
    capped (noisy flight). ``found`` is the first flight of the whole trace, already detected with the same
    settings (by :func:`~forcelab.analysis.jump_prep.zero_on_flight`): reused when its take-off is at or after
    ``search_start`` (it is then also the first flight from there), so the trace is not searched twice.
    Nothing is recorded; see :func:`record_flight`."""
    if bw is None or w.stop is None:
        why = f"body weight not found: {w.reason}"
        return Takeoff(Event("takeoff", None, rate, "", reason=why), Event("landing", None, rate, "", reason=why),
                       None, None), None
    if found is not None and found.takeoff.index is not None and found.takeoff.index >= search_start:
        fl = found
    else:
        fl = detect_flight(F, rate, bw, search_start=search_start, **flight_settings(params))
    ft = None
    if fl.takeoff.index is not None and fl.landing.index is not None:
        ft = (fl.landing.index - fl.takeoff.index) / rate
        if fl.takeoff_time is not None and fl.landing_time is not None:
            ft = fl.landing_time - fl.takeoff_time
    return Takeoff(fl.takeoff, fl.landing, fl.threshold, ft, fl.takeoff_time, fl.ringing, fl.baseline), fl.note


def record_flight(res: TrialResult, tk: Takeoff, note: str | None) -> None:
    """Add the take-off and landing events and the noisy-flight / no-landing flags."""
    res.add_event(tk.takeoff)
    res.add_event(tk.landing)
    if note:
        res.flag("noisy_flight", note)
    if tk.takeoff.found and not tk.landing.found:
        res.flag("no_landing", f"no landing in the trace: {tk.landing.reason}")
    if tk.ringing is not None and tk.takeoff.time is not None:
        res.flag("plate_ringing", f"plate rang after take-off (up to ±{tk.ringing:.0f} N around its flight zero): "
                 f"take-off kept at the first crossing, {tk.takeoff.time:.3f} s, and the ringing counted as flight")


def record_zero(book: MetricBook, zero: float | None) -> None:
    """Metric ``flight_baseline`` (the unloaded plate's reading, subtracted from every sample before
    analysis) and the flag ``plate_not_zeroed`` when it exceeds :data:`ZERO_TOLERANCE`."""
    book.put("flight_baseline", zero, "N", "median_middle_half_of_first_flight", REF_OWEN,
             reason=None if zero is not None else "no flight to measure the plate's zero in",
             description="Force the unloaded plate reads in flight; subtracted before analysis when beyond "
                         f"{SUBTRACT_ABOVE:g} N.")
    if zero is not None and abs(zero) > ZERO_TOLERANCE:
        book.result.flag("plate_not_zeroed", f"plate not zeroed: {zero:+.0f} N in flight (subtracted before analysis)")


def departure_velocity(F: np.ndarray, rate: float, bw: float, kin: Kinematics, takeoff: int, baseline: float,
                       g: float) -> float:
    """Centre-of-mass velocity at the departure: the velocity at the last contact sample (``takeoff - 1``) plus
    the impulse of the straight contact-side line from there down to the plate's flight reading ``baseline``
    (:func:`~forcelab.analysis.events.edge_time`). Integrating to the take-off sample instead would count up to
    a sample of flight (``-g`` per second of it: 0.12 m/s, 3.5 cm of jump height, at 80 Hz)."""
    j = takeoff - 1 - kin.start
    if j < 0:
        return float(kin.velocity[-1])
    t0 = edge_time(F, takeoff, baseline, rate, contact_before=True)
    dt = t0 - (takeoff - 1) / rate
    return float(kin.velocity[j]) + dt * ((float(F[takeoff - 1]) + baseline) / 2.0 - bw) * g / bw


def add_takeoff(book: MetricBook, F: np.ndarray, rate: float, bw: float, onset: Event, tk: Takeoff,
                kin: Kinematics | None, params: dict[str, ParamValue]) -> None:
    """Take-off velocity, both jump heights, flight time, time to take-off, RSI-mod, impulse, peaks."""
    res = book.result
    g = num(params, "g")
    rule = str(params["integration_rule"])
    kmeth = "impulse_momentum_" + rule
    kwhy = why_missing(onset, tk.takeoff) or (None if kin is not None else "no kinematics")
    v = float(kin.velocity[-1]) if kin is not None and kwhy is None else None
    if v is not None and kin is not None and tk.takeoff_time is not None and tk.takeoff.index is not None:
        v = departure_velocity(F, rate, bw, kin, tk.takeoff.index, 0.0 if tk.baseline is None else tk.baseline, g)
    book.put("takeoff_velocity", v, "m/s", kmeth, REF_LINTHORNE, reason=kwhy,
             description="Centre-of-mass velocity at take-off by forward integration from onset (v=0).")
    h = None
    hwhy = kwhy
    if v is not None:
        if v > 0:
            h = v * v / (2.0 * g)
        else:
            hwhy = f"take-off velocity {v:.3f} m/s is not upward: no jump"
    book.put("jump_height_takeoff_velocity", h, "m", kmeth + "_v2_over_2g", REF_MOIR, reason=hwhy,
             description="Rise of the centre of mass after take-off, v^2/(2g).")
    ftwhy = why_missing(tk.takeoff, tk.landing)
    ft = tk.flight_time
    book.put("flight_time", ft, "s", "landing_minus_takeoff", REF_MOIR, reason=ftwhy,
             description="Time between take-off and landing.")
    book.put("jump_height_flight_time", None if ft is None else g * ft * ft / 8.0, "m", "flight_time_g_t2_over_8",
             REF_MOIR, reason=ftwhy, description="g·t²/8, assumes take-off and landing in the same posture.")
    tt = why_missing(onset, tk.takeoff)
    ttt = None
    if tt is None and onset.index is not None and tk.takeoff.index is not None:
        ttt = (tk.takeoff.index - onset.index) / rate
    book.put("time_to_takeoff", ttt, "s", "onset_to_takeoff", REF_HAWKIN, reason=tt,
             description="Movement onset to take-off.")
    book.put("rsi_modified", None if h is None or not ttt else h / ttt, "m/s", "jump_height_takeoff_velocity_over_ttt",
             REF_EBBEN, reason=hwhy or tt, description="Jump height (take-off velocity) over time to take-off.")
    book.put("flight_time_ratio", None if ft is None or not ttt else ft / ttt, "1", "flight_time_over_ttt", REF_HAWKIN,
             reason=ftwhy or tt, description="Flight time over time to take-off (the CMJ 'RSI' of commercial systems).")
    mass = bw / g
    book.put("jump_momentum", None if v is None else mass * v, "kg*m/s", kmeth, REF_HAWKIN, reason=kwhy,
             description="Body mass times take-off velocity.")
    a = onset.index if onset.index is not None else 0
    b = tk.takeoff.index if tk.takeoff.index is not None else 0
    book.force_metric("net_impulse", lambda f, w_: net_impulse(f, w_, a, b, rate, rule), "N*s", "net_impulse_" + rule,
                      REF_LINTHORNE, reason=tt, relative="N*s/kg", total_force=F, bw=bw,
                      description="Impulse of force minus body weight from onset to take-off.")
    pk = a + int(np.argmax(F[a:b])) if tt is None and b > a else None
    res.add_event(Event("peak_force", pk, rate, "max_force_onset_to_takeoff", reason=None if pk is not None else tt or "empty"))
    pwhy = None if pk is not None else tt or "no samples between onset and take-off"
    book.force_metric("peak_force", book.extreme(F, a, b), "N", "max_force_onset_to_takeoff", REF_HAWKIN,
                      reason=pwhy, relative="%", total_force=F, bw=bw,
                      description="Highest force between onset and take-off.")
    book.put("time_to_peak_force", None if pk is None else (pk - a) / rate, "s", "onset_to_peak_force", REF_HAWKIN,
             reason=pwhy, description="Onset to the instant of peak force.")
    vv = kin.velocity if kin is not None and kwhy is None else None
    book.put("peak_velocity", None if vv is None else float(vv.max()), "m/s", kmeth, REF_HAWKIN, reason=kwhy,
             description="Highest centre-of-mass velocity before take-off.")
    pp = None if vv is None or kin is None else float(kin.power.max())
    book.put("peak_power", pp, "W", kmeth + "_force_times_velocity", REF_LINTHORNE, reason=kwhy,
             description="Highest F·v before take-off.")
    book.put("relative_peak_power", None if pp is None else pp / mass, "W/kg", kmeth + "_force_times_velocity",
             REF_LINTHORNE, reason=kwhy, description="Peak power per kg body mass.")


def flight_flags(res: TrialResult, params: dict[str, ParamValue]) -> None:
    """Flags: flight time out of the plausible range; the two jump-height methods disagreeing."""
    ft = res.value("flight_time")
    lo, hi = num(params, "min_plausible_flight_time"), num(params, "max_plausible_flight_time")
    if ft is not None and not lo <= ft <= hi:
        res.flag("flight_time_out_of_range", f"flight time {ft:.3f} s is outside {lo:g}-{hi:g} s")
    h1, h2 = res.value("jump_height_takeoff_velocity"), res.value("jump_height_flight_time")
    tol = num(params, "max_height_difference")
    if h1 is not None and h2 is not None and abs(h1 - h2) > tol:
        res.flag("jump_height_methods_disagree",
                 f"jump height by take-off velocity {h1 * 100:.1f} cm and by flight time {h2 * 100:.1f} cm "
                 f"differ by more than {tol * 100:g} cm")
