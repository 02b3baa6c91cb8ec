"""Squat jump analysis: a jump from a held squat, propulsion only.

Same front as the countermovement jump (weighing, onset at BW ± k·SD, take-off/landing, forward
integration from onset with v = 0). Propulsion runs from onset to take-off. A countermovement before
the push is a quality problem: when force stays below ``BW - countermovement_threshold`` for
``countermovement_persistence`` seconds before the peak force (threshold default: the onset threshold,
max(k·SD, floor)), the trial is flagged ``countermovement_in_squat_jump`` and propulsion starts at the
zero-velocity instant after the dip instead. See docs/methods-jumps.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from forcelab.analysis.events import first_true
from forcelab.analysis.jump_core import persistent_dip, propulsion_start, run_core, stance_jump_params
from forcelab.analysis.jump_landing import finish_jump
from forcelab.analysis.jump_metrics import REF_HAWKIN, add_phase, why_missing
from forcelab.analysis.jump_rate import rate_flags
from forcelab.analysis.jump_takeoff import add_takeoff
from forcelab.analysis.loaded import add_body_mass_power
from forcelab.analysis.settings import SJSettings
from forcelab.analysis.types import Event, ForceTrace, ParamValue, TrialResult

#: Events a tester may place by hand (``events=``, sample indices): the weighing window's first sample, the
#: movement onset, take-off and landing.
EDITABLE_EVENTS = ("weighing_start", "onset", "takeoff", "landing")

#: The settings used when none are given (frozen, so one instance serves every call).
DEFAULT_SETTINGS = SJSettings()
#: Keyword parameters that are the trial's inputs, not analysis settings (not in :data:`DEFAULTS`).
INPUTS = ("body_weight", "body_weight_sd", "load_mass", "events")


def analyze_sj(
    trace: ForceTrace,
    settings: SJSettings | None = None,
    *,
    body_weight: float | None = None,
    body_weight_sd: float | None = None,
    load_mass: float | None = None,
    events: Mapping[str, int] | None = None,
    **overrides: Any,
) -> TrialResult:
    """Analyse one squat jump in ``trace`` (held squat, push, flight, optionally landing).

    ``settings`` (default :class:`~forcelab.analysis.settings.SJSettings()`) and ``overrides`` (settings by
    archive key, on top of ``settings``) as for :func:`forcelab.analysis.cmj.analyze_cmj`.

    ``weighing_region="after"`` weighs on the quiet stance after the landing (for recordings that start
    in motion). ``events`` places events by hand (names in :data:`EDITABLE_EVENTS`, sample indices): each
    replaces the detected one (method ``"edited"``) and everything after it is computed again (see
    :func:`forcelab.analysis.cmj.analyze_cmj`). Raises ``ValueError`` for structurally invalid input and for
    an edited event that is unknown, outside the trace or out of order.
    ``body_weight`` / ``body_weight_sd`` (N), from a separate (session) weighing, replace the trial's own
    body weight and onset SD (the trial is still weighed and shown; flag ``body_weight_given``; see "Known
    body weight" in docs/methods-jumps.md); non-finite, <= 0 or below ``min_body_weight`` is a ``ValueError``.
    ``load_mass`` (kg) is an external load carried in the jump (barbell, vest): the analysis is then the
    system's, athlete and load (:mod:`forcelab.analysis.loaded`; docs/methods-jumps.md "Loaded jumps").
    """
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    params = stance_jump_params(s.params(), body_weight, body_weight_sd, load_mass)
    core = run_core(trace, "sj", params, events, EDITABLE_EVENTS)
    res, book, F, rate = core.book.result, core.book, core.F, core.rate
    tk, onset, kin, bwv = core.tk, core.onset, core.kin, core.bwv
    # countermovement gate
    pstart = Event("propulsion_start", onset.index, rate, "onset", reason=why_missing(onset))
    dip_depth: float | None = None
    if kin is not None and onset.index is not None and tk.takeoff.index is not None and core.weighing.sd is not None:
        thr = s.countermovement_threshold
        if thr is None:
            thr = max(s.onset.onset_k * core.weighing.sd, s.onset.onset_min_threshold)
        cm_persistence = s.countermovement_persistence
        peak = onset.index + int(np.argmax(F[onset.index:tk.takeoff.index]))
        dip = persistent_dip(F, rate, bwv, thr, cm_persistence, onset.index, peak)
        if dip is not None:
            v = kin.velocity
            jmin = int(np.argmin(v[: peak - onset.index + 1]))
            jz = first_true(v >= 0.0, jmin)
            dip_depth = -float(kin.displacement[: (jz if jz is not None else v.size)].min())
            res.flag("countermovement_in_squat_jump",
                     f"force fell more than {thr:.1f} N below body weight for {cm_persistence * 1000:g} ms "
                     f"before the push (a {dip_depth * 100:.1f} cm dip): not a pure squat jump")
            pstart = propulsion_start(onset.index, jz, rate, "velocity_zero_after_dip")
    res.add_event(pstart)
    cwhy = why_missing(onset, tk.takeoff) or core.kin_reason
    book.put("countermovement_depth", None if cwhy else (dip_depth or 0.0), "m", "impulse_momentum_min_displacement",
             REF_HAWKIN, reason=cwhy, description="Depth of any dip before the push (0 for a clean squat jump).")
    add_takeoff(book, F, rate, bwv, onset, tk, kin, params)
    add_phase(book, "propulsive", force=F, bw=bwv, rate=rate, rule=s.integration.integration_rule, start=pstart,
              end=tk.takeoff, kin=kin)
    pk = res.events["peak_force"].index
    why = why_missing(onset, res.events["peak_force"])
    a = onset.index if onset.index is not None else 0
    b = pk if pk is not None else 0
    rwhy = why or (None if b > a else "peak force at onset")
    book.force_metric("propulsive_rfd", lambda f, w: (float(f[b]) - float(f[a])) / ((b - a) / rate), "N/s",
                      "force_change_onset_to_peak_force", REF_HAWKIN, reason=rwhy, total_force=F, bw=bwv,
                      description="Average rate of force development from onset to peak force.")
    finish_jump(book, F, bwv, rate, tk.takeoff, tk.landing, tk.flight_time, params)
    rate_flags(res, F, rate)
    add_body_mass_power(book)
    return res


#: The defaults of :func:`analyze_sj`'s settings, by archive key.
DEFAULTS: dict[str, ParamValue] = SJSettings.defaults()
