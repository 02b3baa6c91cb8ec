"""Land and hold (drop landing and stick): the landing from a box, held still on the plate(s).

Pipeline: check and filter -> initial contact from the air (the drop jump's detector,
:func:`forcelab.analysis.dj.detect_contact`) -> weighing on the quiet stance after it (steadiest window; or a given
body weight) -> the landing metrics the jumps share (:func:`forcelab.analysis.jump_landing.add_landing`: peak
landing force with its per-limb values and asymmetry, landing phase to the lowest point when the drop height is
given, time to stabilisation by the band method) -> the landing test's own:

* ``peak_landing_force_bw``: peak landing force in multiples of body weight;
* ``time_to_peak_landing_force``: touchdown to the peak (s);
* ``loading_rate``: average loading rate, (peak − force at touchdown) / time to peak (N/s), per limb (each
  limb's own peak and time) with asymmetry; ``relative_loading_rate`` in body weights per second;
* ``time_to_stabilisation_sequential``: the sequential-average method (Colby et al. 1999; compared with other
  methods by Fransz et al. 2015): the running mean of the force from touchdown, over a window of
  ``stabilisation_window`` s, is compared with the window's overall mean; the time to stabilisation is where it
  enters ``overall mean ± stabilisation_sd_fraction × SD`` (SD of the window) and stays. Its value depends on the
  window length (Fransz et al. 2015), so the window is a parameter stored with it.

Quality gate ``landing_not_held``: the force fell to the contact threshold for ``min_flight_time`` after
touchdown (a hop, a step off): not a stuck landing. See docs/methods-landing.md.

A recording of several landings is cut into trials by the same detector the live path runs,
``forcelab.analysis.segmentation.find_trials(trace, kind="landing")`` (rules in
:mod:`forcelab.analysis.segmentation_hold`); this module analyses one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from forcelab.analysis.dj import detect_contact, weigh_after_landing
from forcelab.analysis.drop_input import NO_DROP_HEIGHT, drop_inputs, put_drop_height, touchdown_velocity
from forcelab.analysis.events import first_run
from forcelab.analysis.jump_edits import check_edits, edited_event, mark_result, window_samples
from forcelab.analysis.jump_landing import add_landing
from forcelab.analysis.jump_metrics import MetricBook, why_missing
from forcelab.analysis.jump_prep import check_and_filter
from forcelab.analysis.params import num
from forcelab.analysis.settings import LandingTestSettings
from forcelab.analysis.types import Event, ForceTrace, ParamValue, TrialResult

REF_COLBY = ("Colby SM, Hintermeister RA, Torry MR, Steadman JR (1999) Lower limb stability with ACL impairment. "
             "J Orthop Sports Phys Ther 29(8):444-451")
REF_FRANSZ = ("Fransz DP, Huurnink A, de Boode VA, Kingma I, van Dieen JH (2015) Time to stabilization in single "
              "leg drop jump landings: an examination of calculation methods and assessment of differences in "
              "sample rate, filter settings and trial length on outcome values. Gait Posture 41(1):63-69")
REF_LANDING = ("McMahon JJ, Suchomel TJ, Lake JP, Comfort P (2018) Understanding the key phases of the "
               "countermovement jump force-time curve. Strength Cond J 40(4):96-106 (landing); "
               "Hawkin Dynamics metric dictionary (loading rate, time to stabilisation)")

#: Events a tester may place by hand: the touchdown and the weighing window's first sample.
EDITABLE_EVENTS = ("contact", "weighing_start")
#: Keyword parameters that are the trial's inputs, not analysis settings.
INPUTS = ("drop_height", "body_weight", "body_weight_sd", "events")
DEFAULT_SETTINGS = LandingTestSettings()


def analyze_landing(trace: ForceTrace, settings: LandingTestSettings | None = None, *,
                    drop_height: float | None = None, body_weight: float | None = None,
                    body_weight_sd: float | None = None, events: Mapping[str, int] | None = None,
                    **overrides: Any) -> TrialResult:
    """Analyse one drop landing held still (the trace starts in the air, on the box).

    ``drop_height`` (m, optional) gives the touchdown velocity ``-sqrt(2 g h)`` for the landing phase (lowest
    point, depth, stiffness); ``body_weight`` / ``body_weight_sd`` (N) a separate weighing; ``settings`` and
    ``overrides`` (archive keys) as for the jumps. ``events`` places ``contact`` or ``weighing_start`` by hand.
    Raises ``ValueError`` for structurally invalid input (empty trace, NaN samples, a negative drop height, an
    unknown setting, a bad edited event)."""
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    params, given_bw, given_sd = drop_inputs(drop_height, s.params(), body_weight, body_weight_sd)
    for name in ("stabilisation_window", "stabilisation_sd_fraction"):
        if not (math.isfinite(num(params, name)) and num(params, name) > 0):
            raise ValueError(f"{name} must be a positive number, got {params[name]!r}")
    prep = check_and_filter(trace, s.filter.filter_cutoff, s.filter.filter_order)
    F, rate = prep.total, prep.rate
    res = TrialResult("landing", trace.rate, params=params)
    edits = check_edits(events, EDITABLE_EVENTS, n=F.size, rate=rate, test="drop landing",
                        weighing_samples=window_samples(params, rate))
    found = detect_contact(F, rate, params, what="a drop landing")
    contact = edited_event("contact", edits["contact"], rate) if "contact" in edits else found.event
    book, w, bw = weigh_after_landing(prep, res, params, s, contact, edits, contact.reason, given_bw, given_sd)
    res.add_event(contact)
    bwv = bw if bw is not None else float("nan")
    g = s.integration.g
    add_landing(book, F, bwv, rate, contact, touchdown_velocity(drop_height, g),
                None if drop_height is not None else NO_DROP_HEIGHT,
                window=s.landing.landing_window, band=s.landing.stabilisation_band, hold=s.landing.stabilisation_hold,
                rule=s.integration.integration_rule, g=g, v_tolerance=s.landing.landing_velocity_tolerance)
    _peak_and_loading(book, F, bwv, rate, contact, s.landing.landing_window)
    _sequential_stabilisation(book, F, rate, contact, s.stabilisation_window, s.stabilisation_sd_fraction)
    _held(res, F, rate, contact, found.threshold, s.flight.min_flight_time)
    put_drop_height(book, drop_height, REF_LANDING)
    mark_result(res, edits)
    return res


def _peak_and_loading(book: MetricBook, F: np.ndarray, bw: float, rate: float, contact: Event, window: float) -> None:
    """Peak landing force in body weights, time to peak, average loading rate (total and per limb)."""
    why = why_missing(contact)
    c = contact.index if contact.index is not None else 0
    stop = min(F.size, c + max(2, int(round(window * rate))))
    bw_why = why or (None if np.isfinite(bw) and bw > 0 else "body weight not found")
    peak = book.result.value("peak_landing_force")
    book.put("peak_landing_force_bw", None if bw_why or peak is None else peak / bw, "1",
             f"max_force_{window:g}s_after_touchdown_over_body_weight", REF_LANDING, reason=bw_why,
             description="Peak landing force in multiples of body weight.")
    pk = c + int(np.argmax(F[c:stop])) if why is None and stop > c else None
    book.result.add_event(Event("peak_landing_force", pk, rate, f"max_force_{window:g}s_after_touchdown",
                                reason=None if pk is not None else why or "no samples after touchdown"))
    ttp_why = why or (None if pk is not None and pk > c else "peak at touchdown")
    book.put("time_to_peak_landing_force", None if ttp_why or pk is None else (pk - c) / rate, "s",
             "touchdown_to_peak_landing_force", REF_LANDING, reason=ttp_why,
             description="Touchdown to the peak landing force.")

    def loading(f: np.ndarray, w: float) -> float | None:
        j = int(np.argmax(f[c:stop]))
        return None if j == 0 else (float(f[c + j]) - float(f[c])) / (j / rate)

    book.force_metric("loading_rate", loading, "N/s", "average_touchdown_to_peak", REF_LANDING, reason=ttp_why,
                      total_force=F, bw=bw, description="Average loading rate: force rise from touchdown to the "
                      "peak over the time to peak.")
    lr = book.result.value("loading_rate")
    book.put("relative_loading_rate", None if lr is None or bw_why else lr / bw, "1/s", "average_touchdown_to_peak",
             REF_LANDING, reason=ttp_why or bw_why or "loading rate not found",
             description="Average loading rate in body weights per second.")


def sequential_average_tts(force: np.ndarray, start: int, n: int, fraction: float) -> int | None:
    """Samples from ``start`` to stabilisation by the sequential-average method (Colby et al. 1999): the running
    mean of ``force[start:start+n]`` enters ``mean ± fraction·SD`` of that window and stays there to its end.
    ``None`` when the window does not fit the trace."""
    if n < 2 or start + n > force.size:
        return None
    seg = force[start:start + n]
    running = np.cumsum(seg) / np.arange(1, n + 1)
    band = fraction * float(np.std(seg, ddof=1))
    outside = np.flatnonzero(np.abs(running - float(seg.mean())) > band)
    return 0 if outside.size == 0 else int(outside[-1]) + 1


def _sequential_stabilisation(book: MetricBook, F: np.ndarray, rate: float, contact: Event, window: float,
                              fraction: float) -> None:
    why = why_missing(contact)
    c = contact.index if contact.index is not None else 0
    n = int(round(window * rate))
    j = None if why else sequential_average_tts(F, c, n, fraction)
    if why is None and j is None:
        why = (f"the trace ends {(F.size - c) / rate:.2f} s after touchdown, before the {window:g} s window of the "
               "sequential-average method")
    method = f"sequential_average_{window:g}s_window_{fraction:g}sd"
    book.result.add_event(Event("stabilisation_sequential", None if j is None else c + j, rate, method, reason=why))
    book.put("time_to_stabilisation_sequential", None if j is None else j / rate, "s", method, f"{REF_COLBY}; {REF_FRANSZ}",
             reason=why, params={**book.params, "stabilisation_window": window, "stabilisation_sd_fraction": fraction},
             description="Touchdown until the running mean of the force stays within "
             f"{fraction:g} SD of the {window:g} s window's mean.")


def _held(res: TrialResult, F: np.ndarray, rate: float, contact: Event, threshold: float | None,
          min_flight: float) -> None:
    """Flag ``landing_not_held`` when the force falls to the contact threshold for ``min_flight`` s after touchdown."""
    if contact.index is None or threshold is None:
        return
    off = first_run(F < threshold, max(1, int(round(min_flight * rate))), contact.index)
    if off is not None:
        res.flag("landing_not_held", f"the force fell below the contact threshold ({threshold:.0f} N) at "
                 f"{off / rate:.3f} s, {(off - contact.index) / rate:.3f} s after touchdown, for {min_flight:g} s: "
                 "a hop or a step off, not a held landing")


#: The defaults of :func:`analyze_landing`'s settings, by archive key (``drop_height`` is an input).
DEFAULTS: dict[str, ParamValue] = LandingTestSettings.defaults()
