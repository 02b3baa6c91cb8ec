"""Drop jump analysis: box drop, one ground contact, rebound jump, landing.

The athlete starts in the air (on the box), so there is no quiet stance before the movement: body weight
comes from the steadiest window after the final landing, and the centre-of-mass velocity is found by
**backward** integration from take-off, where it is known from the flight time (``v = g·t/2``, a ballistic
flight landing in the take-off posture). With ``drop_height`` given, the touchdown velocity
``-sqrt(2 g h)`` also allows forward integration from initial contact, which gives the take-off velocity
(and jump height) by impulse–momentum as a second estimate. Contact time, flight time, jump height from
flight time and RSI need no body weight. See docs/methods-jumps.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis.drop_input import NO_DROP_HEIGHT, drop_inputs, put_drop_height, touchdown_velocity
from forcelab.analysis.events import detect_flight, edge_time, first_run, first_true, flight_threshold
from forcelab.analysis.jump_edits import check_edits, check_order, edited_event, mark_result, window_samples
from forcelab.analysis.jump_landing import finish_jump
from forcelab.analysis.jump_metrics import (
    REF_HAWKIN,
    REF_LINTHORNE,
    REF_MCMAHON,
    REF_MOIR,
    REF_YOUNG,
    MetricBook,
    add_phase,
    net_impulse,
    why_missing,
)
from forcelab.analysis.jump_prep import (
    Prepared,
    add_given_weighing,
    check_and_filter,
    given_weighing,
    plate_shares,
    weigh_trial,
)
from forcelab.analysis.jump_rate import rate_flags
from forcelab.analysis.jump_takeoff import add_weighing
from forcelab.analysis.kinematics import Kinematics, integrate
from forcelab.analysis.params import num
from forcelab.analysis.settings import DJSettings, IntegrationSettings
from forcelab.analysis.types import Event, ForceTrace, ParamValue, TrialResult
from forcelab.analysis.weighing import Weighing

#: The settings used when none are given (frozen, so one instance serves every call).
DEFAULT_SETTINGS = DJSettings()
#: Keyword parameters that are the trial's inputs, not analysis settings (not in :data:`DEFAULTS`).
INPUTS = ("drop_height", "body_weight", "body_weight_sd", "events")
#: Events a tester may place by hand (``events=``, sample indices): initial contact, take-off, landing and
#: the first sample of the weighing window (on the stance after the landing).
EDITABLE_EVENTS = ("contact", "takeoff", "landing", "weighing_start")


def analyze_dj(
    trace: ForceTrace,
    settings: DJSettings | None = None,
    *,
    drop_height: float | None = None,
    body_weight: float | None = None,
    body_weight_sd: float | None = None,
    events: Mapping[str, int] | None = None,
    **overrides: Any,
) -> TrialResult:
    """Analyse one drop jump in ``trace`` (air, contact, flight, landing, quiet stance).

    ``drop_height`` (m, optional) is the box height. ``settings`` (default
    :class:`~forcelab.analysis.settings.DJSettings()`) and ``overrides`` (settings by archive key, on top of
    ``settings``) as for :func:`forcelab.analysis.cmj.analyze_cmj`. The stages: events (contact, take-off, landing) ->
    weighing after the landing -> timing (contact and flight time, RSI) -> kinematics over the contact ->
    phases -> contact metrics -> landing metrics and flight checks. Raises ``ValueError`` only for structurally invalid
    input (empty trace, NaN samples, negative drop height). ``events`` places events by hand (names in
    :data:`EDITABLE_EVENTS`, sample indices): each replaces the detected one (method ``"edited"``),
    everything after it is computed again, ``params["edited_events"]`` lists them and the flag
    ``edited_events`` says so; an unknown, out-of-range or out-of-order one is a ``ValueError`` naming it.
    ``body_weight`` (N) / ``body_weight_sd`` (N), from a separate weighing, replace the weighing after the
    landing (which is still done and shown; flag ``body_weight_given``); plate shares then follow the
    plates' ratio over that window (or the stance after the landing). Non-finite or <= 0 is a ``ValueError``.
    """
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    params, given_bw, given_sd = drop_inputs(drop_height, s.params(), body_weight, body_weight_sd)
    prep = check_and_filter(trace, s.filter.filter_cutoff, s.filter.filter_order)
    F, rate, rule = prep.total, prep.rate, s.integration.integration_rule
    res = TrialResult("dj", trace.rate, params=params)
    edits = check_edits(events, EDITABLE_EVENTS, n=F.size, rate=rate, test="drop jump",
                        weighing_samples=window_samples(params, rate))
    contact, takeoff, landing, why_on, times = _events_with_edits(F, rate, params, edits)
    book, w, bw = weigh_after_landing(prep, res, params, s, landing, edits, why_on, given_bw, given_sd)
    bwv = bw if bw is not None else float("nan")
    for ev in (contact, takeoff, landing):
        res.add_event(ev)
    if (contact.found and takeoff.found and not landing.found):
        res.flag("no_landing", f"no landing in the trace: {landing.reason}")
    ct, ft, cwhy, fwhy = _timing(book, contact, takeoff, landing, times, s.integration.g)
    kin, kwhy = _kinematics(book, F, w, bw, contact, takeoff, ct, ft, cwhy, fwhy, drop_height, s.integration)
    zero = _propulsion_start(kin, kwhy, contact, rate)
    res.add_event(zero)
    for phase, a, b in (("braking", contact, zero), ("propulsive", zero, takeoff)):
        add_phase(book, phase, force=F, bw=bwv, rate=rate, rule=rule, start=a, end=b, kin=kin)
    _contact_metrics(book, F, rate, bwv, contact, takeoff, zero, kin, kwhy, s.impact_fraction, rule)
    finish_jump(book, F, bwv, rate, takeoff, landing, ft, params)
    rate_flags(res, F, rate)
    mark_result(res, edits)
    return res


def _events_with_edits(F: np.ndarray, rate: float, params: dict[str, ParamValue], edits: Mapping[str, int],
                       ) -> tuple[Event, Event, Event, str | None, dict[str, float]]:
    """Contact, take-off and landing (:func:`_events`), the hand-placed ones in place of the detected, in order,
    and their times (s, between samples). A hand-placed event keeps the detected crossing's place between samples
    (so moving it by k samples moves its time by exactly k / rate); where nothing was detected it sits on its
    sample."""
    detected = _events(F, rate, params)
    contact, takeoff, landing, why_on, times = detected
    if edits:
        moved = []
        for e in (contact, takeoff, landing):
            if e.name not in edits:
                moved.append(e)
                continue
            i = edits[e.name]
            t0 = times.get(e.name)
            times[e.name] = i / rate if t0 is None or e.index is None else t0 + (i - e.index) / rate
            moved.append(edited_event(e.name, i, rate))
        contact, takeoff, landing = moved
        check_order([(e.name, e.index, e.name) for e in (contact, takeoff, landing)]
                    + [("the weighing window's start", edits.get("weighing_start"), "weighing_start")],
                    edits, rate, may_touch=("landing", "the weighing window's start"))
    return contact, takeoff, landing, why_on, times


def weigh_after_landing(prep: Prepared, res: TrialResult, params: dict[str, ParamValue], s: DJSettings | Any,
                        landing: Event, edits: Mapping[str, int], why_on: str | None, given_bw: float | None,
                        given_sd: float | None) -> tuple[MetricBook, Weighing, float | None]:
    """Weigh on the stance after the final landing (or at a hand-placed window), or take the given body
    weight (plate shares then from that window, or the stance after the landing); records the weighing.
    ``s``: settings with the weighing and integration families (the drop jump's, the drop landing's)."""
    F, g = prep.total, s.integration.g
    if "weighing_start" in edits:
        w, limbs = weigh_trial(prep, params, 0, 0, at=edits["weighing_start"])
    elif landing.index is not None:
        w, limbs = weigh_trial(prep, params, landing.index, F.size)
    else:
        w, limbs = weigh_trial(prep, params, 0, 0)
        w = Weighing(None, None, None, None, s.weighing.weighing_method,
                     reason=why_on or f"no quiet stance after the landing: {landing.reason}")
    book = MetricBook(res, params, limbs)
    if given_bw is None:
        return book, w, add_weighing(book, w, g)
    trial_w = w
    w, sd_source, _ = given_weighing(trial_w, given_bw, given_sd, 0, True)
    bw = add_given_weighing(book, trial_w, w, given_bw, sd_source, g)
    if trial_w.start is not None and trial_w.stop is not None:
        plate_shares(prep, book.limbs, given_bw, trial_w.start, trial_w.stop)
    else:
        plate_shares(prep, book.limbs, given_bw, landing.index, None if landing.index is None else F.size)
    return book, w, bw


def _timing(book: MetricBook, contact: Event, takeoff: Event, landing: Event, times: Mapping[str, float],
            g: float) -> tuple[float | None, float | None, str | None, str | None]:
    """Contact time, flight time, jump height from flight time, RSI and flight/contact ratio (no body weight
    needed) from the events' ``times`` (threshold crossings between samples); returns ``(contact_time,
    flight_time, why_no_contact_time, why_no_flight_time)``."""
    cwhy = why_missing(contact, takeoff)
    ct = None if cwhy else times["takeoff"] - times["contact"]
    fwhy = why_missing(takeoff, landing)
    ft = None if fwhy else times["landing"] - times["takeoff"]
    h_ft = None if ft is None else g * ft * ft / 8.0
    book.put("contact_time", ct, "s", "contact_to_takeoff", REF_YOUNG, reason=cwhy,
             description="Initial contact to take-off.")
    book.put("flight_time", ft, "s", "landing_minus_takeoff", REF_MOIR, reason=fwhy,
             description="Take-off to landing.")
    book.put("jump_height_flight_time", h_ft, "m", "flight_time_g_t2_over_8", REF_MOIR, reason=fwhy,
             description="g·t²/8 from the rebound's flight time.")
    book.put("rsi", None if h_ft is None or not ct else h_ft / ct, "m/s", "jump_height_flight_time_over_contact_time",
             REF_YOUNG, reason=fwhy or cwhy, description="Reactive strength index: jump height over contact time.")
    book.put("flight_contact_ratio", None if ft is None or not ct else ft / ct, "1", "flight_time_over_contact_time",
             REF_YOUNG, reason=fwhy or cwhy, description="Flight time over contact time (reactivity index).")
    return ct, ft, cwhy, fwhy


def _kinematics(book: MetricBook, F: np.ndarray, w: Weighing, bw: float | None, contact: Event, takeoff: Event,
                ct: float | None, ft: float | None, cwhy: str | None, fwhy: str | None, drop_height: float | None,
                integ: IntegrationSettings) -> tuple[Kinematics | None, str | None]:
    """Centre-of-mass motion over the contact: backward from take-off (v = g·ft/2) for touchdown velocity and
    effective drop height; forward from contact at -sqrt(2 g h) when the drop height is given, for take-off
    velocity, jump height and RSI-modified. Returns the backward kinematics and why they are missing."""
    rate, g, rule = book.result.rate, integ.g, integ.integration_rule
    c = contact.index if contact.index is not None else 0
    t = takeoff.index if takeoff.index is not None else 0
    kin: Kinematics | None = None
    kwhy = cwhy or fwhy or (None if bw is not None else f"body weight not found: {w.reason}")
    if kwhy is None and bw is not None and ft is not None:
        kin = integrate(F, rate, bw, c, t + 1, g=g, rule=rule, v_start=None, v_end=g * ft / 2.0)
    kmeth = "impulse_momentum_backward_from_flight_time_" + rule
    book.put("touchdown_velocity", None if kin is None else float(kin.velocity[0]), "m/s", kmeth, REF_LINTHORNE,
             reason=kwhy, description="Centre-of-mass velocity at initial contact (negative: downward).")
    vt = None if kin is None else float(kin.velocity[0])
    book.put("effective_drop_height", None if vt is None else vt * vt / (2 * g), "m", kmeth, REF_LINTHORNE,
             reason=kwhy, description="Drop height implied by the touchdown velocity, v²/(2g).")
    dwhy = None if drop_height is not None else NO_DROP_HEIGHT
    put_drop_height(book, drop_height, REF_HAWKIN)
    v_drop = touchdown_velocity(drop_height, g)
    book.put("drop_velocity", v_drop, "m/s", "sqrt_2_g_drop_height", REF_HAWKIN, reason=dwhy,
             description="Touchdown velocity expected from the drop height, -sqrt(2 g h).")
    fw_why = dwhy or cwhy or (None if bw is not None else f"body weight not found: {w.reason}")
    v_to = None
    if fw_why is None and bw is not None and v_drop is not None:
        v_to = float(integrate(F, rate, bw, c, t + 1, g=g, rule=rule, v_start=v_drop).velocity[-1])
    fmeth = "impulse_momentum_forward_from_drop_height_" + rule
    book.put("takeoff_velocity", v_to, "m/s", fmeth, REF_LINTHORNE, reason=fw_why,
             description="Take-off velocity by forward integration from contact at -sqrt(2 g h).")
    hv = None if v_to is None or v_to <= 0 else v_to * v_to / (2 * g)
    book.put("jump_height_takeoff_velocity", hv, "m", fmeth + "_v2_over_2g", REF_MOIR,
             reason=fw_why or "take-off velocity not upward", description="v²/(2g) from the forward integration.")
    book.put("rsi_modified", None if hv is None or not ct else hv / ct, "m/s", "jump_height_takeoff_velocity_over_ct",
             REF_HAWKIN, reason=fw_why or cwhy or "no upward take-off velocity",
             description="Jump height (take-off velocity) over contact time.")
    return kin, kwhy


def _propulsion_start(kin: Kinematics | None, kwhy: str | None, contact: Event, rate: float) -> Event:
    """The lowest point of the contact (velocity back at zero): the end of braking, the start of propulsion."""
    if kin is None:
        return Event("propulsion_start", None, rate, "velocity_zero", reason=kwhy or "not found")
    jz = first_true(kin.velocity >= 0.0)
    if jz is None or jz == 0:
        return Event("propulsion_start", None, rate, "velocity_zero", reason="velocity never changes sign during contact")
    return Event("propulsion_start", (contact.index or 0) + jz, rate, "velocity_zero")


def _none_found(why: str, rate: float, tag: str) -> tuple[Event, Event, Event, str, dict[str, float]]:
    """Contact, take-off and landing all not found for ``why`` (and ``why`` itself, as :func:`_events` returns)."""
    return (Event("contact", None, rate, tag, reason=why), Event("takeoff", None, rate, tag, reason=why),
            Event("landing", None, rate, tag, reason=why), why, {})


@dataclass(frozen=True)
class Contact:
    """The first ground contact of a trace that starts in the air: its event (not found with the reason), the
    contact threshold (N) and the median on-plate force (a preliminary body weight)."""

    event: Event
    threshold: float | None
    prelim: float | None


def detect_contact(F: np.ndarray, rate: float, params: dict[str, ParamValue], *, what: str = "a drop jump") -> Contact:
    """Initial contact from the air (a drop jump's, a drop landing's): the force above a threshold set by the air
    before it (the flight-threshold settings; at most ``flight_coarse_fraction`` of the on-plate force) for
    ``contact_persistence`` s."""
    min_bw = num(params, "min_body_weight")
    method = str(params["flight_threshold_method"])
    tag = f"threshold_{method}"
    on_mask = F >= min_bw
    if not on_mask.any():
        return Contact(Event("contact", None, rate, tag, reason=f"force never reaches {min_bw:g} N: nobody landed on "
                             "the plate"), None, None)
    prelim = float(np.median(F[on_mask]))
    coarse = num(params, "flight_coarse_fraction") * prelim
    hi = first_true(F >= coarse)
    if hi is None or hi == 0:
        return Contact(Event("contact", None, rate, tag, reason=f"the trace starts with force on the plate: {what} "
                             "starts in the air (on the box)"), None, prelim)
    thr, _ = flight_threshold(F, 0, hi, method=method, fixed=num(params, "flight_fixed_threshold"),
                              k=num(params, "flight_k"), floor=num(params, "flight_floor"), trim=0.25)
    thr = min(thr, coarse)
    c = first_run(F >= thr, int(round(num(params, "contact_persistence") * rate)), 0)
    if c is None:
        return Contact(Event("contact", None, rate, tag, reason="no sustained contact"), thr, prelim)
    return Contact(Event("contact", c, rate, tag + f"_{thr:.1f}N"), thr, prelim)


def _events(F: np.ndarray, rate: float,
            params: dict[str, ParamValue]) -> tuple[Event, Event, Event, str | None, dict[str, float]]:
    """Initial contact, take-off and landing, and the times (s) of their threshold crossings between samples
    (:func:`~forcelab.analysis.events.edge_time`); the flight threshold of the contact comes from the air before
    it."""
    method = str(params["flight_threshold_method"])
    tag = f"threshold_{method}"
    found = detect_contact(F, rate, params)
    c, prelim, thr = found.event.index, found.prelim, found.threshold
    if c is None or prelim is None or thr is None:
        return _none_found(str(found.event.reason), rate, tag)
    fl = detect_flight(F, rate, prelim, search_start=c, method=method,
                       fixed_threshold=num(params, "flight_fixed_threshold"), k=num(params, "flight_k"),
                       floor=num(params, "flight_floor"), coarse_fraction=num(params, "flight_coarse_fraction"),
                       min_flight=num(params, "min_flight_time"),
                       landing_persistence=num(params, "landing_persistence"))
    times = {"contact": edge_time(F, c, thr, rate, contact_before=False)}
    if fl.takeoff_time is not None:
        times["takeoff"] = fl.takeoff_time
    if fl.landing_time is not None:
        times["landing"] = fl.landing_time
    return found.event, fl.takeoff, fl.landing, None, times


def _contact_metrics(book: MetricBook, F: np.ndarray, rate: float, bw: float, contact: Event, takeoff: Event,
                     zero: Event, kin: Kinematics | None, kwhy: str | None, impact_fraction: float, rule: str) -> None:
    """Peak and impact force, time to peak, contact net impulse, depth, force at the lowest point, stiffness."""
    res = book.result
    why = why_missing(contact, takeoff)
    c = contact.index if contact.index is not None else 0
    t = takeoff.index if takeoff.index is not None else 0
    pk = c + int(np.argmax(F[c:t])) if why is None and t > c else None
    res.add_event(Event("peak_force", pk, rate, "max_force_during_contact", reason=None if pk is not None else why))
    book.force_metric("peak_force", book.extreme(F, c, t), "N", "max_force_during_contact", REF_HAWKIN,
                      reason=why, relative="%", total_force=F, bw=bw,
                      description="Highest force during contact.")
    book.put("time_to_peak_force", None if pk is None else (pk - c) / rate, "s", "contact_to_peak_force", REF_HAWKIN,
             reason=why, description="Initial contact to peak force.")
    n_imp = max(1, int(round((t - c) * impact_fraction)))
    book.force_metric("peak_impact_force", book.extreme(F, c, c + n_imp), "N",
                      f"max_force_first_{impact_fraction * 100:g}pct_of_contact", REF_HAWKIN, reason=why,
                      relative="%", total_force=F, bw=bw,
                      description=f"Highest force in the first {impact_fraction * 100:g} % of contact.")
    book.put("impact_peak", None if pk is None else float(pk - c < n_imp), "1",
             f"peak_in_first_{impact_fraction * 100:g}pct_of_contact", REF_HAWKIN, reason=why,
             description="1 when the contact's peak force falls in its first part (an impact peak), else 0.")
    bw_why = why or (None if np.isfinite(bw) else "body weight not found")
    book.force_metric("contact_net_impulse", lambda f, w: net_impulse(f, w, c, t, rate, rule), "N*s",
                      "net_impulse_" + rule, REF_LINTHORNE, reason=bw_why, relative="N*s/kg", total_force=F, bw=bw,
                      description="Impulse of force minus body weight over the contact.")
    zwhy = why_missing(zero) if kin is not None else kwhy or "no kinematics"
    z = zero.index if zero.index is not None else 0
    depth = None if zwhy or kin is None else -float(kin.displacement[z - kin.start])
    book.put("depth", depth, "m", "impulse_momentum_backward_displacement_at_zero_velocity", REF_MCMAHON,
             reason=zwhy, description="How far the centre of mass sinks during contact (positive down).")
    book.force_metric("force_at_zero_velocity", lambda f, w: float(f[z]), "N", "force_at_lowest_point", REF_HAWKIN,
                      reason=zwhy, relative="%", total_force=F, bw=bw,
                      description="Force at the lowest point of the contact (zero velocity).")
    book.put("stiffness", None if depth is None or depth <= 0 else float(F[z]) / depth, "N/m",
             "force_at_lowest_over_depth", REF_HAWKIN, reason=zwhy or "no downward displacement",
             description="Force at the lowest point over the contact depth.")
    pbf = c + int(np.argmax(F[c:z])) if zwhy is None and z > c else None
    book.put("time_to_peak_braking_force", None if pbf is None else (pbf - c) / rate, "s",
             "contact_to_max_force_in_braking", REF_HAWKIN, reason=zwhy or "braking phase empty",
             description="Initial contact to the highest force of the braking phase.")
    corr = None
    if kin is not None and kwhy is None:
        f_c, x_c = F[c:t + 1], -kin.displacement
        if f_c.std() > 0 and x_c.std() > 0:
            corr = float(np.corrcoef(f_c, x_c)[0, 1])
    book.put("spring_like_correlation", corr, "1", "pearson_force_vs_lowering_during_contact", REF_HAWKIN,
             reason=kwhy or "force or displacement constant",
             description="Pearson r of force against centre-of-mass lowering (positive down) over the contact; "
             "near 1 means spring-like.")
    bn, pn = res.value("braking_net_impulse"), res.value("propulsive_net_impulse")
    book.put("impulse_ratio", None if bn is None or not pn else bn / pn, "1", "braking_over_propulsive_net_impulse",
             REF_HAWKIN, reason=zwhy or "propulsive net impulse not found",
             description="Braking net impulse over propulsive net impulse.")


#: The defaults of :func:`analyze_dj`'s settings, by archive key (``drop_height`` is an input).
DEFAULTS: dict[str, ParamValue] = DJSettings.defaults()
