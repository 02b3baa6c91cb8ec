"""The common front of the countermovement and squat jump analyses.

Check and filter the input, weigh (steadiest window before the jump, or after the landing for recordings
whose quiet stance is at the end), find take-off and landing, the movement onset, and integrate the
centre-of-mass motion forward from onset (v = 0) to take-off. Everything not found carries its reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from forcelab.analysis.events import detect_onset, first_run, first_true
from forcelab.analysis.jump_edits import check_edits, check_order, edited_event, mark_result, window_samples
from forcelab.analysis.jump_metrics import MetricBook, why_missing
from forcelab.analysis.jump_prep import (
    Prepared,
    add_given_weighing,
    check_and_filter,
    check_given,
    given_weighing,
    on_plate_region,
    plate_shares,
    weigh_trial,
    zero_on_flight,
)
from forcelab.analysis.jump_takeoff import Takeoff, add_weighing, find_flight, record_flight, record_zero
from forcelab.analysis.kinematics import Kinematics, integrate
from forcelab.analysis.loaded import add_system, load_of, system_weight_given
from forcelab.analysis.params import num
from forcelab.analysis.types import Event, ForceTrace, ParamValue, TrialResult
from forcelab.analysis.weighing import Weighing

WEIGHING_REGIONS = ("before", "after")
MAX_HOPS = 3
_NAMES = {"cmj": "countermovement jump", "sj": "squat jump"}


@dataclass
class Core:
    """Forces, weighing, events and kinematics of one jump, ready for the metric writers."""

    F: np.ndarray
    rate: float
    book: MetricBook
    weighing: Weighing
    bw: float | None
    tk: Takeoff
    onset: Event
    kin: Kinematics | None
    kin_reason: str | None

    @property
    def bwv(self) -> float:
        """Body weight, NaN when not found (then every dependent metric already has a reason)."""
        return self.bw if self.bw is not None else float("nan")


def _after_landing_region(F: np.ndarray, off: int, coarse: float) -> tuple[int, int]:
    """Samples after the first flight's landing (where the quiet stance is at the end of the recording)."""
    back = first_true(F >= coarse, off)
    return (F.size, F.size) if back is None else (back, F.size)


def stance_jump_params(settings: Mapping[str, ParamValue], body_weight: float | None, body_weight_sd: float | None,
                       load_mass: float | None) -> dict[str, ParamValue]:
    """A CMJ's or squat jump's ``params``: its ``settings`` by archive key, then the trial's inputs, a separate
    weighing's ``body_weight`` / ``body_weight_sd`` and, for a loaded jump only, ``load_mass`` (an unloaded
    jump's params carry none). :func:`run_core` checks them."""
    params: dict[str, ParamValue] = {**settings, "body_weight": body_weight, "body_weight_sd": body_weight_sd}
    if load_mass is not None:
        params["load_mass"] = load_mass
    return params


def run_core(trace: ForceTrace, test: str, params: dict[str, ParamValue], events: Mapping[str, int] | None = None,
             editable: Collection[str] = ()) -> Core:
    """Weighing, take-off/landing, onset and forward kinematics of a CMJ or squat jump.

    ``events`` are events placed by hand (names in ``editable``; see :mod:`forcelab.analysis.jump_edits`):
    each replaces the detected one and the rest is found and computed around it.

    ``params["body_weight"]`` (N, optional) is a body weight known from a separate weighing: it replaces the
    trial's own (see :func:`forcelab.analysis.jump_prep.given_weighing` for the SD, the onset search and the
    plate shares); the trial is still weighed, to anchor the onset search and to show how it compares.
    ``params["load_mass"]`` (kg, optional) makes it a loaded jump: the weighing and the integration are the
    system's (athlete + load) and a given body weight has the load added (:mod:`forcelab.analysis.loaded`).
    """
    given_bw, given_sd = check_given(params)
    load = load_of(params)  # a loaded jump: the plate weighs athlete and load (see forcelab.analysis.loaded)
    given_bw = system_weight_given(given_bw, load, num(params, "g"))
    region = str(params.get("weighing_region", "before"))
    if region not in WEIGHING_REGIONS:
        raise ValueError(f"weighing_region must be one of {WEIGHING_REGIONS}, got {region!r}")
    cutoff = params["filter_cutoff"]
    prep = check_and_filter(trace, None if cutoff is None else num(params, "filter_cutoff"),
                            int(num(params, "filter_order")))
    prep, zero, first_flight = zero_on_flight(prep, params)
    F, rate = prep.total, prep.rate
    edits = check_edits(events, editable, n=F.size, rate=rate, test=_NAMES.get(test, test),
                        weighing_samples=window_samples(params, rate))
    res = TrialResult(test, trace.rate, params=params)
    min_bw, coarse_frac = num(params, "min_body_weight"), num(params, "flight_coarse_fraction")
    on, off, why_on = on_plate_region(F, rate, min_bw, coarse_frac, num(params, "min_flight_time"))
    lo, hi = (on or 0), off
    span = params.get("weighing_search_span")
    if region == "before" and span is not None:
        lo = max(lo, hi - int(round(num(params, "weighing_search_span") * rate)))
    if region == "after" and why_on is None:
        prelim = float(np.median(F[F >= min_bw]))
        lo, hi = _after_landing_region(F, off, coarse_frac * prelim)
    if region == "before" and "weighing_start" not in edits:
        hi = _weigh_before_edits(edits, lo, hi, off >= F.size, window_samples(params, rate), rate,
                                 need_room=given_bw is None)
    w, limbs = weigh_trial(prep, params, lo, hi, at=edits.get("weighing_start"))
    if why_on is not None and "weighing_start" not in edits:
        w = Weighing(None, None, None, None, w.method, reason=why_on)
    book = MetricBook(res, params, limbs)
    g = num(params, "g")
    osearch = str(params["onset_search"])
    trial_w, steady = w, True
    if given_bw is None:
        bw = add_weighing(book, w, g)
    else:
        w, sd_source, steady = given_weighing(trial_w, given_bw, given_sd, lo, why_on is None)
        bw = add_given_weighing(book, trial_w, w, given_bw, sd_source, g)
        if not steady:
            osearch = "backward"
    if load is not None:
        add_system(book, load, g)
    flight_from = (w.stop or 0) if region == "before" else (on if on is not None else 0)
    rule = str(params["integration_rule"])
    # The first flight whose take-off is upward is the jump's; an earlier flight with a downward or zero
    # take-off velocity was a hop (flagged below), and the search goes on from its landing.
    for _ in range(MAX_HOPS + 1):
        tk, note = find_flight(F, rate, w, bw, params, flight_from, first_flight)
        onset = _onset(F, rate, w, bw, params, region, on, tk, search=osearch, need_quiet=not steady)
        kin = None
        kwhy = why_missing(onset, tk.takeoff)
        if kwhy is None and onset.index is not None and tk.takeoff.index is not None and bw is not None:
            kin = integrate(F, rate, bw, onset.index, tk.takeoff.index + 1, g=g, rule=rule)
        if kin is None or kin.velocity[-1] > 0 or tk.landing.index is None:
            break
        flight_from = tk.landing.index
    if edits:
        tk, onset, kin, kwhy = _apply_edits(F, rate, w, bw, params, region, on, tk, onset, kin, kwhy, edits,
                                            osearch, not steady)
    if given_bw is not None:
        _given_shares(prep, book, given_bw, trial_w, steady, onset, lo, params, rate)
    record_flight(res, tk, note)
    record_zero(book, zero)
    res.add_event(onset)
    if (onset.index is not None and bw is not None and w.sd is not None and osearch == "forward"
            and "onset" not in edits):
        late = _onset(F, rate, w, bw, params, region, on, tk, search="backward")
        if late.index is not None and late.index > onset.index:
            res.flag("movement_before_onset",
                     f"force came back to body weight for {num(params, 'onset_quiet_time') * 1000:g} ms between the "
                     f"onset ({onset.index / rate:.3f} s) and the jump ({late.index / rate:.3f} s): the onset may be a "
                     "fidget; onset_search='backward' starts at the last quiet moment")
    if onset.index is not None and tk.takeoff.index is not None and tk.threshold is not None:
        air = first_run(F[onset.index:tk.takeoff.index] < tk.threshold, max(2, int(round(0.01 * rate))))
        if air is not None:
            res.flag("airborne_before_takeoff",
                     f"force fell below the flight threshold at {(onset.index + air) / rate:.3f} s, before the take-off "
                     f"at {tk.takeoff.index / rate:.3f} s: a hop or rebound, not a single jump")
    mark_result(res, edits)
    return Core(F, rate, book, w, bw, tk, onset, kin, kwhy)


def _given_shares(prep: Prepared, book: MetricBook, bw: float, trial: Weighing, steady: bool, onset: Event, lo: int,
                  params: dict[str, ParamValue], rate: float) -> None:
    """Plate shares of a given body weight (steady window, else the quiet stance just before onset), and the
    flag ``given_body_weight_differs`` when the trial's steady stance is off the given body weight by more
    than the onset threshold."""
    if steady and trial.start is not None and trial.stop is not None:
        plate_shares(prep, book.limbs, bw, trial.start, trial.stop)
        thr = max(num(params, "onset_k") * (trial.sd or 0.0), num(params, "onset_min_threshold"))
        if trial.body_weight is not None and abs(trial.body_weight - bw) > thr:
            book.result.flag("given_body_weight_differs",
                             f"this trial's steady stance weighs {trial.body_weight:.1f} N, {trial.body_weight - bw:+.1f} N "
                             f"from the given body weight {bw:.1f} N (more than the {thr:.1f} N onset threshold): "
                             "onset, velocity and heights use the given value")
        return
    if onset.index is None:
        plate_shares(prep, book.limbs, bw, None, None)
        return
    n = max(2, int(round(num(params, "onset_quiet_time") * rate)))
    plate_shares(prep, book.limbs, bw, max(lo, onset.index - n), onset.index)


def _weigh_before_edits(edits: Mapping[str, int], lo: int, hi: int, no_flight: bool, n: int, rate: float, *,
                        need_room: bool = True) -> int:
    """End of the weighing search with hand-placed events: the body weight comes from the stance before a
    hand-placed onset, and before a hand-placed take-off when no flight was seen (else the detected onset
    judges the take-off). ``ValueError`` when a hand-placed onset leaves no room for the weighing window
    (unless ``need_room`` is False: the body weight was given)."""
    if "takeoff" in edits and no_flight:
        hi = min(hi, edits["takeoff"])
    if "onset" in edits:
        hi = min(hi, edits["onset"])
        if need_room and hi - lo < n:
            on = edits["onset"]
            raise ValueError(f"onset at sample {on} ({on / rate:.3f} s) leaves {max(hi - lo, 0) / rate:.3f} s of stance "
                             f"before it; the weighing needs {n / rate:g} s: move onset later (or weighing_start)")
    return hi


def _apply_edits(F: np.ndarray, rate: float, w: Weighing, bw: float | None, params: dict[str, ParamValue],
                 region: str, on: int | None, tk: Takeoff, onset: Event, kin: Kinematics | None, kwhy: str | None,
                 edits: Mapping[str, int], search: str,
                 need_quiet: bool) -> tuple[Takeoff, Event, Kinematics | None, str | None]:
    """Take-off, landing and onset with the hand-placed ones in place of the detected; onset (when not
    placed) found again before the take-off, and the kinematics integrated again from onset to take-off."""
    takeoff = edited_event("takeoff", edits["takeoff"], rate) if "takeoff" in edits else tk.takeoff
    landing = edited_event("landing", edits["landing"], rate) if "landing" in edits else tk.landing
    if "onset" in edits:
        onset = edited_event("onset", edits["onset"], rate)
    elif "takeoff" in edits:
        # a take-off dragged before the detected onset is an error, not an onset silently found elsewhere
        check_order([("onset", onset.index, "onset"), ("takeoff", takeoff.index, "takeoff")], edits, rate)
        onset = _onset(F, rate, w, bw, params, region, on, Takeoff(takeoff, landing, tk.threshold, None),
                       search=search, need_quiet=need_quiet)
    wend = w.stop if region == "before" and ("weighing_start" in edits or "onset" in edits) else None
    check_order([("the end of the weighing window", wend, "weighing_start"), ("onset", onset.index, "onset"),
                 ("takeoff", takeoff.index, "takeoff"), ("landing", landing.index, "landing")], edits, rate,
                may_touch=("the end of the weighing window", "onset"))
    # a hand-placed event is a whole number of samples from the detected one and keeps the detected crossing's
    # place between samples (moving take-off by k samples shortens the flight by exactly k / rate; giving back the
    # detected sample gives back the detected numbers); where nothing was detected it sits on its sample
    t_to = _edited_time(takeoff, tk.takeoff, tk.takeoff_time, rate)
    t_ld = _edited_time(landing, tk.landing, None if tk.takeoff_time is None or tk.flight_time is None
                        else tk.takeoff_time + tk.flight_time, rate)
    ft = None if t_to is None or t_ld is None else t_ld - t_to
    same_to = takeoff.index == tk.takeoff.index
    tk = Takeoff(takeoff, landing, tk.threshold, ft, tk.takeoff_time if same_to else None,
                 tk.ringing if same_to else None, tk.baseline)
    if "onset" in edits or "takeoff" in edits:
        kin, kwhy = None, why_missing(onset, takeoff) or (None if bw is not None else f"body weight not found: {w.reason}")
        if kwhy is None and onset.index is not None and takeoff.index is not None and bw is not None:
            kin = integrate(F, rate, bw, onset.index, takeoff.index + 1, g=num(params, "g"),
                            rule=str(params["integration_rule"]))
    return tk, onset, kin, kwhy


def _edited_time(event: Event, detected: Event, detected_time: float | None, rate: float) -> float | None:
    """Time (s) of a possibly hand-placed ``event``: the detected crossing time moved by the same whole number of
    samples as the event, or the event's sample when nothing was detected (see :func:`_apply_edits`)."""
    if event.index is None:
        return None
    if detected.index is None or detected_time is None:
        return event.index / rate
    return detected_time + (event.index - detected.index) / rate


def _onset(F: np.ndarray, rate: float, w: Weighing, bw: float | None, params: dict[str, ParamValue], region: str,
           on: int | None, tk: Takeoff, search: str | None = None, need_quiet: bool = False) -> Event:
    """Movement onset between the weighing window (or the first contact) and take-off.

    ``need_quiet`` (a given body weight without a steady window to start after): the force must stay within
    the onset band around ``bw`` for ``onset_quiet_time`` somewhere before take-off, else the onset is not
    found (the athlete never stood still at that body weight), rather than taken at the first sample.
    """
    if bw is None or w.sd is None or w.stop is None:
        return Event("onset", None, rate, "", reason=f"body weight not found: {w.reason}")
    start = w.stop if region == "before" else (on if on is not None else 0)
    stop = tk.takeoff.index if tk.takeoff.index is not None else F.size
    if need_quiet:
        thr = max(num(params, "onset_k") * w.sd, num(params, "onset_min_threshold"))
        nq = max(1, int(round(num(params, "onset_quiet_time") * rate)))
        if first_run(np.abs(F[start:stop] - bw) <= thr, nq) is None:
            return Event("onset", None, rate, "", reason=(
                f"force never stayed within the given body weight {bw:.1f} N ± {thr:.1f} N for "
                f"{nq / rate * 1000:g} ms before take-off: no quiet stance at that body weight (another athlete's "
                "weighing?)"))
    onset = detect_onset(
        F, rate, bw, w.sd, search_start=start, search_stop=stop, search=search or str(params["onset_search"]),
        k=num(params, "onset_k"), min_threshold=num(params, "onset_min_threshold"),
        persistence=num(params, "onset_persistence"), direction=str(params["onset_direction"]),
        step_back=num(params, "onset_step_back"), quiet_time=num(params, "onset_quiet_time"),
    )
    if region == "after" and onset.index is not None and onset.index == start:
        return Event("onset", None, rate, onset.method,
                     reason="force already away from body weight at the start of the trace: no quiet start")
    return onset


def propulsion_start(onset: int, j_zero: int | None, rate: float, method: str) -> Event:
    """The start of propulsion at ``onset + j_zero`` (the velocity back at zero), or not found when the
    velocity never came back up before take-off (``j_zero`` ``None``)."""
    if j_zero is None:
        return Event("propulsion_start", None, rate, method, reason="velocity still negative at take-off")
    return Event("propulsion_start", onset + j_zero, rate, method)


def persistent_dip(F: np.ndarray, rate: float, bw: float, threshold: float, persistence: float, i0: int,
                   i1: int) -> int | None:
    """First sample in ``[i0, i1)`` where force stays below ``bw - threshold`` for ``persistence`` s."""
    j = first_run(F[i0:i1] < bw - threshold, int(round(persistence * rate)))
    return None if j is None else i0 + j
