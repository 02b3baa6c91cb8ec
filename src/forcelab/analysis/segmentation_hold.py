"""Trial detection for the tests whose trial is an arrival on the plate that is then held: the drop landing
(``kind="landing"``) and quiet stance / single-leg balance (``kind="stance"``).

These are states of :class:`forcelab.analysis.segmentation.OnlineTrialDetector` (the same machine, the same
ring of exact running sums, so a file and a stream cut into any blocks give identical segments), kept in their
own module for size. Thresholds are keys of ``segmentation.DEFAULTS[kind]``; times in seconds, forces in newtons.

Drop landing and hold (``kind="landing"``), empty plate -> the athlete steps off a box and lands -> holds:

* **arrival**: the force rises above ``flight_threshold`` after at least ``min_air`` s (0.3) of empty plate (the
  ``contact`` event, the same name the drop jump uses). Anything else on the plate (stepping on from the side,
  standing, walking off) is not a trial; only a step-off (force below ``flight_threshold``) matters there.
* **held**: a quiet window (``quiet_time`` 0.5 s with SD at most ``max(quiet_sd, quiet_sd_frac * mean)``, 10 N or
  2 % of the level: a held landing still wobbles) starting at least ``min_after`` (0.3) s after touchdown and ending
  within ``max_after`` (4) s of it; the event ``quiet_start`` is its first sample. It is a landing when the peak
  force between touchdown and that window reached ``impact_factor`` (1.5) times the window's mean (a drop from
  10 cm already lands near 2 BW); without an impact it was a step on, not a trial. The segment runs from ``pre``
  (0.5) s before touchdown (never before the empty stretch began: the analysis needs the air before touchdown)
  to ``post`` (1) s after the quiet window, and at least ``min_hold`` (3) s after touchdown (the analysis' 3 s
  sequential-average window), or to a step-off before that (event ``step_off``, the first sample below the
  threshold; the segment ends there).
* **not held**: leaving the plate before the quiet window (a step off, or a hop that is not a drop jump's
  rebound) ends the segment ``flight_min`` (0.1) s after the force fell below the threshold, with the event
  ``step_off``: the segment holds the unloading, so :func:`forcelab.analysis.landing.analyze_landing` flags
  ``landing_not_held`` itself. No quiet window by ``max_after`` s ends it there, with the event ``not_settled``.
  Either is a landing only with the impact (peak at least ``impact_factor`` times the mean force since touchdown).
* **a drop jump is not a landing**: an arrival followed by a flight of ``flight_min`` to ``flight_max`` s after a
  contact of ``dj_min_contact`` to ``dj_max_contact`` s is found by the drop-jump rules of ``kind="jump"`` (same
  keys, same defaults) and emitted with ``test_hint="dj"`` and the drop jump's events (``contact``, ``takeoff``,
  ``landing``), so the app can suggest the drop jump and the tester decide; it is not dropped silently.

Quiet stance / single-leg balance (``kind="stance"``), empty plate -> step on -> settle -> stand ``duration`` s:

* **settled**: the first window of ``quiet_time`` (1 s) starting at least ``min_after`` (1) s after the force
  rose above ``flight_threshold`` (stepping on takes most of a second: the window must not take in its end)
  whose SD is at most ``max(quiet_sd, quiet_sd_frac * mean)``: 25 N or 4 % of the level, far looser than the
  weighing's, because a single-leg stance sways (its vertical force varies by about 1-2 % of body weight); the
  event ``balance_start`` is that window's first sample. A recording that starts with the athlete already on the
  plate counts from its first sample (then ``min_after`` from there).
* **the trial** runs ``duration`` s (30; the tester sets 10-60) from ``balance_start``: the segment is
  ``[balance_start - pre, balance_end + post)`` (``pre`` and ``post`` 0 s, so the segment is exactly what
  :func:`forcelab.analysis.balance.analyze_balance` measures with its defaults). The event ``balance_end`` is where
  it reached the duration, or the step-off before it: the event ``step_off`` (first sample below the threshold;
  the segment ends there, so ``balance_end - balance_start`` is shorter than asked and ``analyze_balance`` with
  ``duration=`` set flags ``short_trial``). After the trial the athlete standing on is not a new trial: only
  stepping off and on again starts one. Leaving before settling is no trial.

For both kinds a recording that ends during a trial closes it there with the event ``recording_end``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from forcelab.analysis.segmentation import OnlineTrialDetector, TrialSegment


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _landing_start(det: OnlineTrialDetector) -> int:
    """``pre`` s before touchdown, never before the empty stretch (the air) or the previous trial's end."""
    return max(det._lower, det._empty_start, det._contact - det._s("pre"))


def landing_settling(det: OnlineTrialDetector, c: int, e: int, thr: float, out: list[TrialSegment]) -> bool:
    """After a touchdown from an empty plate: find the quiet hold, a flight (a drop jump's, a hop or a
    step-off; the flight state decides) or ``max_after`` s without either."""
    ring = det._ring
    t_max = det._contact + det._s("max_after")
    hi = min(e, t_max)
    x = ring.get(c, hi)
    off = _first(x < thr)
    lim = c + off if off is not None else hi
    quiet = det._first_quiet(c, lim, det._contact + det._s("min_after"))
    if quiet is not None:
        i, mean, sd = quiet
        peak = max(det._contact_peak, float(x[:i - c + 1].max(initial=-math.inf)))
        if peak >= det.params["impact_factor"] * mean:
            det._seg_start = _landing_start(det)
            det._events = [("contact", det._contact), ("quiet_start", i - det._q + 1)]
            det._hint = ""
            det._next_bw, det._next_sd = mean, sd
            det._end_target = max(i + 1 + det._s("post"), det._contact + det._s("min_hold"))
            det._state = "post"
            det._cursor = i + 1
        else:  # no impact: stepping on, not landing
            det._lower = max(det._lower, i - det._q + 1)
            det._enter_quiet(i, mean, sd)
        return True
    if off is not None:
        det._contact_peak = max(det._contact_peak, float(x[:off].max(initial=-math.inf)))
        det._contact_mean = ring.mean_since(det._contact_cum, det._contact, c + off)
        det._flight_start, det._origin = c + off, "contact"
        det._state = "flight"
        det._cursor = c + off
        return True
    det._contact_peak = max(det._contact_peak, float(x.max(initial=-math.inf)))
    if e >= t_max:
        det._contact_mean = ring.mean_since(det._contact_cum, det._contact, t_max)
        _emit_cut(det, out, t_max, [("not_settled", t_max)])
        det._arrived = False
        det._movement, det._peak, det._peak_at = t_max, -math.inf, t_max
        det._state = "movement"  # wait for a quiet stance (or a step-off) as after any trial
        det._cursor = t_max
        return True
    det._cursor = hi  # windows are indexed by their last sample: all those ending before hi are done
    return False


def _emit_cut(det: OnlineTrialDetector, out: list[TrialSegment], end: int,
              events: list[tuple[str, int]]) -> None:
    """Emit a landing that was not held still, if it was a landing (an impact over the mean force since
    touchdown), ending at ``end`` with ``events`` after ``contact``."""
    if det._contact_peak < det.params["impact_factor"] * det._contact_mean:
        return  # stepped on and off (or walked across): no impact, not a landing
    det._seg_start = _landing_start(det)
    det._events = [("contact", det._contact), *events]
    det._hint = ""
    det._emit(out, end)


def landing_left(det: OnlineTrialDetector, out: list[TrialSegment], *, limit: int | None = None) -> None:
    """The athlete left the plate after touchdown before the hold was quiet (and not for a drop jump's
    rebound): the landing ends ``flight_min`` s into the unloading (at most ``limit``), with ``step_off``."""
    off = det._flight_start
    end = off + max(1, det._s("flight_min"))
    _emit_cut(det, out, end if limit is None else min(end, limit), [("step_off", off)])


def stance_settling(det: OnlineTrialDetector, c: int, e: int, thr: float) -> bool:
    """On the plate, before a balance trial: the first settled window starts it; leaving first is no trial."""
    x = det._ring.get(c, e)
    off = _first(x < thr)
    lim = c + off if off is not None else e
    quiet = det._first_quiet(c, lim, det._contact + det._s("min_after"))
    if quiet is not None:
        i, mean, sd = quiet
        s0 = i - det._q + 1
        det._seg_start = max(det._lower, det._contact, s0 - det._s("pre"))
        det._events = [("balance_start", s0)]
        det._hint = ""
        det._stance_end = s0 + max(1, det._s("duration"))
        det._end_target = det._stance_end + det._s("post")
        det._next_bw, det._next_sd = mean, sd
        det._state = "post"  # the closing state: ends at the target or where the athlete steps off
        det._cursor = i + 1
        return True
    if off is not None:
        det._set_empty()
        det._cursor = c + off
        return True
    det._cursor = e
    return False


def step_off_events(det: OnlineTrialDetector, off: int) -> list[tuple[str, int]]:
    """Events of a held trial that the athlete left at ``off`` (first sample below the threshold)."""
    if det.kind == "stance":
        if off >= det._stance_end:  # stepped off in the ``post`` margin: the trial was complete
            return [("balance_end", det._stance_end)]
        return [("balance_end", off), ("step_off", off)]
    return [("step_off", off)]


def finish_held(det: OnlineTrialDetector, end: int, out: list[TrialSegment]) -> None:
    """At the end of the recording: close a held trial still open (``recording_end``); the caller closes
    the states the jumps share."""
    st = det._state
    if det.kind == "landing" and det._arrived and st == "settling":
        det._contact_mean = det._ring.mean_since(det._contact_cum, det._contact, end)
        _emit_cut(det, out, end, [("recording_end", end)])
        det._set_empty()
    elif det.kind == "landing" and det._arrived and st == "flight" and det._origin == "contact":
        landing_left(det, out, limit=end)
        det._set_empty()
    elif st == "post":
        if det.kind == "stance":
            det._events.append(("balance_end", min(end, det._stance_end)))
        det._events.append(("recording_end", end))
