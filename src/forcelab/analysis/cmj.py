"""Countermovement jump analysis (McMahon et al. 2018 phases, Owen et al. 2014 weighing and onset).

Pipeline: check input -> optional low-pass -> weighing (steadiest window before the first flight) ->
take-off/landing (flight threshold) -> onset (BW ± k·SD after the weighing window) -> forward
impulse–momentum integration from onset (v = 0) to take-off -> phases: unweighting (onset -> velocity
minimum), braking (velocity minimum -> zero velocity), propulsion (zero velocity -> take-off) -> metrics.
Every step that fails leaves a not-found event/metric with the reason; quality gates raise flags.
See docs/methods-jumps.md for each metric's definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from forcelab.analysis.jump_core import propulsion_start, run_core, stance_jump_params
from forcelab.analysis.jump_landing import finish_jump
from forcelab.analysis.jump_metrics import REF_HAWKIN, MetricBook, add_phase, why_missing
from forcelab.analysis.jump_rate import rate_flags
from forcelab.analysis.jump_takeoff import Takeoff, add_takeoff
from forcelab.analysis.kinematics import Kinematics, countermovement_phases
from forcelab.analysis.loaded import add_body_mass_power
from forcelab.analysis.settings import CMJSettings
from forcelab.analysis.types import Event, ForceTrace, ParamValue, TrialResult

BRAKING_STARTS = ("min_velocity", "min_force")
#: Events a tester may place by hand (``events=``, sample indices): the weighing window's first sample, the
#: movement onset, take-off and landing. Phases, heights and landing metrics follow from them.
EDITABLE_EVENTS = ("weighing_start", "onset", "takeoff", "landing")

#: The settings used when none are given (frozen, so one instance serves every call).
DEFAULT_SETTINGS = CMJSettings()
#: Keyword parameters that are the trial's inputs, not analysis settings (not in :data:`DEFAULTS`).
INPUTS = ("body_weight", "body_weight_sd", "load_mass", "events")


def analyze_cmj(
    trace: ForceTrace,
    settings: CMJSettings | None = None,
    *,
    body_weight: float | None = None,
    body_weight_sd: float | None = None,
    load_mass: float | None = None,
    events: Mapping[str, int] | None = None,
    **overrides: Any,
) -> TrialResult:
    """Analyse one countermovement jump in ``trace`` (quiet stance, jump, optionally landing).

    ``settings`` (default :class:`~forcelab.analysis.settings.CMJSettings()`) and ``overrides``, settings by
    their archive key (``onset_k=3.0``, applied on top of ``settings``; an unknown one is a ``ValueError``),
    are documented in docs/methods-jumps.md; ``DEFAULTS`` holds their defaults and the result's ``params``
    the values used. ``events`` places events by hand (names in :data:`EDITABLE_EVENTS`,
    sample indices of ``trace``): each replaces the detected one (method ``"edited"``), everything after it is
    computed again, ``params["edited_events"]`` lists them and the flag ``edited_events`` says so. Raises
    ``ValueError`` for structurally invalid input (empty trace, NaN samples, unknown option) and for an
    edited event that is unknown, outside the trace or out of order (the message names it).
    ``body_weight`` / ``body_weight_sd`` (N), from a separate (session) weighing, replace the trial's own
    body weight and onset SD (the trial is still weighed and shown; flag ``body_weight_given``; see "Known
    body weight" in docs/methods-jumps.md); non-finite, <= 0 or below ``min_body_weight`` is a ``ValueError``.
    ``load_mass`` (kg) is an external load carried in the jump (barbell, vest): the analysis is then the
    system's, athlete and load (:mod:`forcelab.analysis.loaded`; docs/methods-jumps.md "Loaded jumps").
    """
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    params = stance_jump_params(s.params(), body_weight, body_weight_sd, load_mass)
    braking_start = s.braking_start
    if braking_start not in BRAKING_STARTS:
        raise ValueError(f"braking_start must be one of {BRAKING_STARTS}, got {braking_start!r}")
    core = run_core(trace, "cmj", params, events, EDITABLE_EVENTS)
    res, book, F, rate = core.book.result, core.book, core.F, core.rate
    tk, onset, kin, kwhy, bwv = core.tk, core.onset, core.kin, core.kin_reason, core.bwv
    # phase boundaries
    pwhy: str | None = kwhy or "no kinematics"
    if kin is not None and onset.index is not None:
        v = kin.velocity
        jmin, jz = countermovement_phases(v)
        if jmin is None:
            pwhy = "no countermovement: the centre-of-mass velocity never goes negative before take-off"
            res.flag("no_countermovement", pwhy)
        else:
            pwhy = None
            pstart = propulsion_start(onset.index, jz, rate, "velocity_zero")
            jb = jmin
            if braking_start == "min_force":
                hi = jz if jz is not None else v.size
                jb = int(np.argmin(F[onset.index:onset.index + hi]))
            bstart = Event("braking_start", onset.index + jb, rate, braking_start)
    if pwhy is not None:
        bstart = Event("braking_start", None, rate, braking_start, reason=pwhy)
        pstart = Event("propulsion_start", None, rate, "velocity_zero", reason=pwhy)
    res.add_event(bstart)
    res.add_event(pstart)
    rule = s.integration.integration_rule
    add_takeoff(book, F, rate, bwv, onset, tk, kin, params)
    for phase, a, b in (("unweighting", onset, bstart), ("braking", bstart, pstart), ("propulsive", pstart, tk.takeoff)):
        add_phase(book, phase, force=F, bw=bwv, rate=rate, rule=rule, start=a, end=b, kin=kin)
    _add_cmj_specific(book, F, rate, bwv, onset, bstart, pstart, tk, kin)
    finish_jump(book, F, bwv, rate, tk.takeoff, tk.landing, tk.flight_time, params)
    rate_flags(res, F, rate)
    add_body_mass_power(book)
    return res


def _add_cmj_specific(book: MetricBook, F: np.ndarray, rate: float, bw: float, onset: Event, bstart: Event,
                      pstart: Event, tk: Takeoff, kin: Kinematics | None) -> None:
    """Countermovement depth, force at zero velocity, braking RFD, stiffness, impulse ratio, phase shares."""
    res = book.result
    why = why_missing(onset, bstart, pstart)
    z = pstart.index if pstart.index is not None else 0
    b0 = bstart.index if bstart.index is not None else 0
    depth = None
    if why is None and kin is not None:
        depth = -float(kin.displacement[z - kin.start])
    book.put("countermovement_depth", depth, "m", "impulse_momentum_displacement_at_zero_velocity", REF_HAWKIN,
             reason=why, description="Lowest centre-of-mass position below standing (positive down).")
    book.force_metric("force_at_zero_velocity", lambda f, w: float(f[z]), "N", "force_at_propulsion_start",
                      REF_HAWKIN, reason=why, relative="%", total_force=F, bw=bw,
                      description="Force at the lowest point (zero velocity, start of propulsion).")
    bt = (z - b0) / rate
    rwhy = why or (None if bt > 0 else "braking phase has no duration")
    book.force_metric("braking_rfd", lambda f, w: (float(f[z]) - float(f[b0])) / bt, "N/s",
                      "force_change_over_braking_time", REF_HAWKIN, reason=rwhy, total_force=F, bw=bw,
                      description="Average slope of force over the braking phase.")
    stiff = None if depth is None or depth <= 0 else float(F[z]) / depth
    book.put("stiffness", stiff, "N/m", "force_at_lowest_over_depth", REF_HAWKIN,
             reason=why or "no downward displacement", description="Force at the lowest point over countermovement depth.")
    bn, pn = res.value("braking_net_impulse"), res.value("propulsive_net_impulse")
    book.put("impulse_ratio", None if bn is None or not pn else bn / pn, "1", "braking_over_propulsive_net_impulse",
             REF_HAWKIN, reason=why or "propulsive net impulse not found",
             description="Braking net impulse over propulsive net impulse.")
    pos = None if bn is None or pn is None else bn + pn
    book.put("positive_net_impulse", pos, "N*s", "braking_plus_propulsive_net_impulse", REF_HAWKIN,
             reason=why or "propulsive net impulse not found", description="Net impulse above body weight (braking + propulsion).")
    ttt = res.value("time_to_takeoff")
    for phase in ("unweighting", "braking", "propulsive"):
        t = res.value(f"{phase}_time")
        book.put(f"{phase}_time_percentage", None if t is None or not ttt else t / ttt * 100.0, "%",
                 "phase_time_over_time_to_takeoff", REF_HAWKIN,
                 reason=res.metrics[f"{phase}_time"].reason or "time to take-off not found",
                 description=f"{phase.capitalize()} time as a share of time to take-off.")


#: The defaults of :func:`analyze_cmj`'s settings, by archive key.
DEFAULTS: dict[str, ParamValue] = CMJSettings.defaults()
