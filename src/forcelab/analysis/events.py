"""Event detection for jumps: movement onset, take-off and landing (vectorised, no per-sample loops).

Onset (Owen et al. 2014): the first sample after the weighing window where ``|F - BW|`` exceeds
``max(k * SD, min_threshold)`` and stays beyond it for ``persistence`` seconds; optionally stepped back
by ``step_back`` seconds (Owen's 30 ms). Take-off is the first sample below the flight threshold, landing
the first sample at or above it after take-off. The flight threshold is, by default, derived from the
noise of the flight plateau itself (mean + k * SD of its middle part, with a floor), or a fixed force.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis.types import Event

ONSET_REFERENCE = "Owen et al. 2014, J Strength Cond Res 28(6):1552-1558"
FLIGHT_REFERENCE = "Street et al. 2001, J Appl Biomech 17(1):43-54"
DIRECTIONS = ("both", "below", "above")
ONSET_SEARCHES = ("forward", "backward")
FLIGHT_METHODS = ("noise", "fixed")
MAX_FLIGHT_CANDIDATES = 20
#: Width (s) of the centred moving mean that finds the flight region: it averages an unloaded plate's ringing
#: (>= 25 Hz, one period or more) down to its baseline, so ringing after take-off or before landing is flight.
RING_WINDOW = 0.040
#: Shortest contact (s) that counts as landing: plate ringing above the coarse level lasts under half a period
#: (< 17 ms at 30 Hz), a real landing stays above it for hundreds of milliseconds.
RING_HOLD = 0.020


def _run_starts(cond: np.ndarray, length: int) -> np.ndarray:
    """Every ``i`` with ``cond[i:i+length]`` all true (``length`` at least 1), in order."""
    if cond.size < length:
        return np.zeros(0, dtype=np.intp)
    cs = np.concatenate(([0], np.cumsum(cond, dtype=np.int64)))
    return np.flatnonzero(cs[length:] - cs[:-length] == length)


def first_run(cond: np.ndarray, length: int, start: int = 0) -> int | None:
    """Index of the first ``i >= start`` with ``cond[i:i+length]`` all true, or ``None``."""
    full = _run_starts(np.asarray(cond[start:], dtype=bool), max(1, int(length)))
    return None if full.size == 0 else start + int(full[0])


def first_true(cond: np.ndarray, start: int = 0, stop: int | None = None) -> int | None:
    """Index of the first true element in ``cond[start:stop]`` (as an index into ``cond``), or ``None``."""
    hits = np.flatnonzero(cond[start:stop])
    return None if hits.size == 0 else start + int(hits[0])


def moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean of ``x`` over ``width`` samples (shorter windows at the ends), same length."""
    width = max(1, int(width))
    n = x.size
    cs = np.concatenate(([0.0], np.cumsum(x, dtype=np.float64)))
    i = np.arange(n)
    lo = np.clip(i - width // 2, 0, n)
    hi = np.clip(i - width // 2 + width, 0, n)
    return (cs[hi] - cs[lo]) / np.maximum(hi - lo, 1)


def crossing_time(force: np.ndarray, i: int, level: float, rate: float) -> float:
    """Time (s) where ``force`` crosses ``level`` between samples ``i - 1`` and ``i``, linearly interpolated
    between those two samples; ``i / rate`` at the first sample or when the two samples are equal."""
    if i <= 0:
        return i / rate
    a, b = float(force[i - 1]), float(force[i])
    if a == b:
        return i / rate
    frac = min(max((a - level) / (a - b), 0.0), 1.0)
    return (i - 1 + frac) / rate


#: Span (s) of the contact-side line that places a take-off or landing between samples (:func:`edge_time`): long
#: enough that sample noise (a few newtons) hardly tilts it at 4 kHz, short enough that the force's curvature
#: does not bend it (one sample at 500 Hz and below).
EDGE_SPAN = 0.002


def edge_time(force: np.ndarray, i: int, level: float, rate: float, *, contact_before: bool) -> float:
    """Time (s) where the contact side of a take-off (``contact_before``: contact up to sample ``i - 1``, flight
    from sample ``i``) or of a landing (flight up to ``i - 1``, contact from ``i``) reaches ``level``.

    The crossing lies between samples ``i - 1`` and ``i``. It is found on the straight line through two contact
    samples :data:`EDGE_SPAN` apart (at least one sample) ending at the last (take-off) or starting at the first
    (landing) contact sample, not on the line joining the contact sample to the flight sample: the force has a
    kink where the foot leaves or meets the plate, and the flight sample (plate ringing, noise) says nothing about
    where the contact force reached ``level``. The result is kept within ``[i - 1, i] / rate``; where the contact
    side does not slope towards ``level`` (too few samples, flat or rising at a take-off) it falls back to
    :func:`crossing_time`. At 80-200 Hz this keeps take-off and landing within a fraction of a sample of the
    departure and touchdown instead of one whole sample (docs/methods-jumps.md, "Low rates")."""
    n = force.size
    if i <= 0 or i >= n:
        return i / rate
    k = max(1, int(round(EDGE_SPAN * rate)))
    if contact_before:
        a, b, j = i - 1 - k, i - 1, i - 1
    else:
        a, b, j = i, i + k, i
    if a < 0 or b >= n:
        return crossing_time(force, i, level, rate)
    fa, fb = float(force[a]), float(force[b])
    slope = (fb - fa) / (b - a)  # newtons per sample
    fj = float(force[j])
    if (contact_before and slope >= 0) or (not contact_before and slope <= 0):
        return crossing_time(force, i, level, rate)
    at = j + (level - fj) / slope
    return min(max(at, i - 1.0), float(i)) / rate


def last_quiet_end(inside: np.ndarray, length: int) -> int | None:
    """Index just after the last run of at least ``length`` true samples in ``inside``, or ``None``."""
    length = max(1, int(length))
    full = _run_starts(inside, length)
    return None if full.size == 0 else int(full[-1]) + length


def detect_onset(
    force: np.ndarray,
    rate: float,
    body_weight: float,
    sd: float,
    *,
    search_start: int,
    search_stop: int,
    k: float = 5.0,
    min_threshold: float = 10.0,
    persistence: float = 0.030,
    direction: str = "both",
    step_back: float = 0.0,
    search: str = "forward",
    quiet_time: float = 0.1,
    name: str = "onset",
) -> Event:
    """Movement onset between ``search_start`` and ``search_stop`` (sample indices).

    ``search="forward"`` (Owen 2014): the first persistent deviation after ``search_start``.
    ``search="backward"``: the first persistent deviation after the LAST quiet period (force within the band
    for ``quiet_time`` s) before ``search_stop``, so a fidget long before the jump is not taken for its onset.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"onset direction must be one of {DIRECTIONS}, got {direction!r}")
    if search not in ONSET_SEARCHES:
        raise ValueError(f"onset search must be one of {ONSET_SEARCHES}, got {search!r}")
    thr = max(k * sd, min_threshold)
    method = f"bw_{direction}_{k:g}sd_floor{min_threshold:g}N_persist{persistence * 1000:g}ms"
    if step_back > 0:
        method += f"_back{step_back * 1000:g}ms"
    dev = force[search_start:search_stop] - body_weight
    if direction == "both":
        cond = np.abs(dev) > thr
    elif direction == "below":
        cond = dev < -thr
    else:
        cond = dev > thr
    i0 = 0
    if search == "backward":
        method += f"_after_last_quiet{quiet_time * 1000:g}ms"
        q = last_quiet_end(np.abs(dev) <= thr, int(round(quiet_time * rate)))
        i0 = 0 if q is None else q
    i = first_run(cond, int(round(persistence * rate)), i0)
    if i is None:
        return Event(
            name, None, rate, method,
            reason=f"force never left body weight ± {thr:.1f} N for {persistence * 1000:g} ms before take-off",
        )
    idx = search_start + i - int(round(step_back * rate))
    if idx < search_start:
        return Event(
            name, None, rate, method,
            reason=f"onset stepped back {step_back * 1000:g} ms falls before the end of the weighing window",
        )
    return Event(name, idx, rate, method)


@dataclass(frozen=True)
class Flight:
    """Take-off and landing of one flight, with the threshold used and any problem found."""

    takeoff: Event
    landing: Event
    threshold: float | None
    note: str | None = None
    skipped: tuple[str, ...] = ()
    #: crossing times (s) of the threshold at take-off and landing, between samples (:func:`edge_time`)
    takeoff_time: float | None = None
    landing_time: float | None = None
    #: median force in the flight (N): the plate's own zero, non-zero on a plate that was not zeroed
    baseline: float | None = None
    #: largest excursion (N) of the force from ``baseline`` in the first ``RING_WINDOW``·2 after take-off
    #: that crossed the threshold again (plate ringing recognised as flight), else ``None``
    ringing: float | None = None


class FlightRegions:
    """Where one force trace may be in flight, computed once for every flight search of that trace.

    A flight candidate is a run of samples whose centred moving mean over :data:`RING_WINDOW` is below a level
    (the coarse flight level), at least ``min_flight`` long. The moving mean, the starts of those runs and the
    samples above the level depend only on the trace, the window, the level and the run length, not on where a
    search starts: :func:`detect_flights` (a series of hops: one search per flight) computes them once per trace
    instead of once per flight. ``force`` must be the very array the searches run on."""

    def __init__(self, force: np.ndarray) -> None:
        self.force = force
        self._means: dict[int, np.ndarray] = {}
        self._runs: dict[tuple[int, float, int], tuple[np.ndarray, np.ndarray]] = {}

    def runs(self, width: int, level: float, length: int) -> tuple[np.ndarray, np.ndarray]:
        """``(starts, above)``: every ``i`` where the moving mean over ``width`` samples stays below ``level``
        for ``length`` samples from ``i``, and every sample where it does not, both in order."""
        key = (width, level, length)
        if key not in self._runs:
            if width not in self._means:
                self._means[width] = moving_mean(self.force, width)
            low = self._means[width] < level
            self._runs[key] = (_run_starts(low, max(1, length)), np.flatnonzero(~low))
        return self._runs[key]


def _next(indices: np.ndarray, start: int) -> int | None:
    """The first of the sorted ``indices`` at or after ``start``, or ``None``."""
    k = int(np.searchsorted(indices, start))
    return None if k == indices.size else int(indices[k])


def _first_run_above(force: np.ndarray, level: float, length: int, start: int, guess: int) -> int | None:
    """The first ``i >= start`` with ``force[i:i+length] >= level`` throughout, or ``None``; searched first up to
    ``guess`` (where it is expected), then, only if not found there, to the end. Exactly :func:`first_run` on the
    whole remainder: a run that fits before ``guess`` is found there, and any earlier run would fit too."""
    stop = min(force.size, max(guess, start))
    hit = first_run(force[start:stop] >= level, length)
    if hit is None and stop < force.size:
        hit = first_run(force[start:] >= level, length)
    return None if hit is None else start + hit


def flight_threshold(
    force: np.ndarray,
    run_start: int,
    run_stop: int,
    *,
    method: str,
    fixed: float,
    k: float,
    floor: float,
    trim: float,
) -> tuple[float, str | None]:
    """Threshold separating flight from contact, from the plateau ``force[run_start:run_stop]``.

    Returns the threshold and a note when the noise estimate could not be used as is. The noise threshold is
    ``baseline + max(k * SD, floor)`` around the plateau's median (its own zero: an unzeroed plate's offset
    moves the threshold with it), the fixed one ``fixed`` newtons.
    """
    if method == "fixed":
        return fixed, None
    n = run_stop - run_start
    cut = int(n * trim)
    plateau = force[run_start + cut : run_stop - cut]
    if plateau.size < 3:
        return floor, f"flight plateau too short to measure its noise; threshold at the floor {floor:g} N"
    base = float(np.median(plateau))
    return base + max(k * float(plateau.std(ddof=1)), floor), None


def flight_baseline(force: np.ndarray, run_start: int, run_stop: int, trim: float = 0.25) -> float | None:
    """Median force of the middle of the flight ``force[run_start:run_stop]`` (ringing at its start and end
    trimmed off), or ``None`` when the flight is too short."""
    cut = int((run_stop - run_start) * trim)
    plateau = force[run_start + cut : run_stop - cut]
    return float(np.median(plateau)) if plateau.size >= 3 else None


def detect_flight(
    force: np.ndarray,
    rate: float,
    body_weight: float,
    *,
    search_start: int,
    method: str = "noise",
    fixed_threshold: float = 20.0,
    k: float = 5.0,
    floor: float = 10.0,
    coarse_fraction: float = 0.1,
    min_flight: float = 0.05,
    trim: float = 0.25,
    absolute: bool = False,
    takeoff_persistence: float = 0.0,
    landing_persistence: float = 0.0,
    takeoff_name: str = "takeoff",
    landing_name: str = "landing",
    regions: FlightRegions | None = None,
) -> Flight:
    """First flight after ``search_start``: take-off and landing indices.

    A flight candidate is the first run of at least ``min_flight`` seconds below
    ``coarse_fraction * body_weight``; the threshold then comes from that run's noise (``method="noise"``)
    or is ``fixed_threshold`` newtons. Take-off is the first sample of the candidate region below the
    threshold. Landing is found where contact is sustained (force at or above the coarse level for
    ``landing_persistence`` s) and placed at the threshold crossing just before it. ``absolute`` compares ``|F|`` with the
    take-off threshold (the jumpmetrics convention; after a zero-lag filter it waits for the post-take-off undershoot
    to settle). ``takeoff_persistence``/``landing_persistence`` (s) require the new state to last that long.
    A flight shorter than ``min_flight`` between take-off and landing (a hop) is skipped and the search goes
    on from its landing; ``Flight.skipped`` lists them. ``regions`` (:class:`FlightRegions` of ``force``) shares
    the flight regions between searches of the same trace; without it they are computed here.
    """
    if method not in FLIGHT_METHODS:
        raise ValueError(f"flight threshold method must be one of {FLIGHT_METHODS}, got {method!r}")
    if regions is None:
        regions = FlightRegions(force)
    elif regions.force is not force:
        raise ValueError("regions were computed on another force array than the one searched")
    start = search_start
    skipped: list[str] = []
    for _ in range(MAX_FLIGHT_CANDIDATES):
        fl = _one_flight(force, rate, body_weight, start, method, fixed_threshold, k, floor, coarse_fraction,
                         min_flight, trim, absolute, takeoff_persistence, landing_persistence, takeoff_name,
                         landing_name, regions)
        to, ld = fl.takeoff.index, fl.landing.index
        if to is None or ld is None or (ld - to) / rate >= min_flight:
            break
        skipped.append(f"{(ld - to) * 1000 / rate:.0f} ms at {to / rate:.3f} s")
        start = ld
    return Flight(fl.takeoff, fl.landing, fl.threshold, fl.note, tuple(skipped), fl.takeoff_time, fl.landing_time,
                  fl.baseline, fl.ringing)


def detect_flights(force: np.ndarray, rate: float, body_weight: float, *, search_start: int = 0,
                   max_flights: int = 100, **settings: Any) -> list[Flight]:
    """Every flight after ``search_start``, in order: :func:`detect_flight` run again from each landing.

    ``settings`` are :func:`detect_flight`'s keywords (threshold method, ``min_flight`` ...), the same for
    every flight; each flight's threshold comes from its own plateau. The list holds the flights whose take-off
    was found; it stops at the first search that finds none, after a flight with no landing (the trace ends
    in the air), or after ``max_flights`` flights. A repeated-hop series is the contacts between them. The flight
    regions (:class:`FlightRegions`) are computed once for the whole trace, not once per flight.
    """
    out: list[Flight] = []
    start = search_start
    regions = FlightRegions(force)
    while len(out) < max_flights:
        fl = detect_flight(force, rate, body_weight, search_start=start, regions=regions, **settings)
        if fl.takeoff.index is None:
            break
        out.append(fl)
        if fl.landing.index is None or fl.landing.index <= start:
            break
        start = fl.landing.index
    return out


def _no_flight(why: str, rate: float, tag: str, takeoff_name: str, landing_name: str, threshold: float | None,
               note: str | None) -> Flight:
    """A flight whose take-off (hence landing) was not found, both for ``why``."""
    return Flight(Event(takeoff_name, None, rate, tag, reason=why), Event(landing_name, None, rate, tag, reason=why),
                  threshold, note)


#: Below this rate (Hz) a sample is longer than 2 ms and the first flight sample can read plate ringing above the
#: threshold: take-off and landing are then also checked against the contact side's descent and rise
#: (:func:`_ringing_departure`, :func:`_descent_departure`, :func:`_rise_touchdown`). At and above it ringing is
#: sampled finely enough that the first sample below the threshold is the departure (checked by the synthetic suite),
#: and a low-pass filter's undershoot after take-off (jumpmetrics' 26.64 Hz) must not be read as ringing.
LOW_RATE = 500.0
#: Level (fraction of body weight, times the coarse flight level) below which a rise of the force during the final
#: descent is plate ringing, not contact (see :func:`_ringing_departure`): ringing reaches up to ~15 % BW, the coarse
#: level is 10 % BW.
RISE_LEVEL = 2.0


def _ringing_departure(force: np.ndarray, look: int, takeoff: int, coarse: float, margin: float) -> int:
    """The first flight sample: ``takeoff`` (the first sample below the threshold), or an earlier sample where the
    force, on its final descent below ``RISE_LEVEL`` x the coarse level, rises by more than ``margin`` (the flight
    threshold's height above the plate's zero, beyond noise). An athlete's push-off force falls steadily to zero;
    a rise there is the unloaded plate ringing. At 80-200 Hz the first sample after the departure can read the
    ringing above the threshold (and at the rates of integrating converters, e.g. HX711, the sample that
    straddles the departure does), and without this the take-off would be placed where the ringing first swings
    below the threshold, a sample or more late."""
    if takeoff - look < 2:
        return takeoff
    seg = force[look:takeoff + 1]
    d = np.diff(seg)
    # sample j (in seg) rises by more than margin after a sample that was on the descent below the rise level
    cond = (d[1:] > margin) & (d[:-1] < 0) & (seg[1:-1] < RISE_LEVEL * coarse)
    hits = np.flatnonzero(cond)
    return takeoff if hits.size == 0 else look + int(hits[0]) + 2


#: The descent line of :func:`_descent_departure` (and the rise of :func:`_rise_touchdown`) is extrapolated at most
#: this many samples.
MAX_EXTRAPOLATION = 2.0
#: Contact for sure: this many times the ringing (or the threshold's height above the plate's zero) above the zero.
SURE_FACTOR = 2.5


def _rise_touchdown(force: np.ndarray, land: int, t_ld: float, thr: float, base: float, ring: float,
                    rate: float) -> tuple[int, float]:
    """Landing index and crossing time, moved later when the samples just before sustained contact are ringing
    read above the threshold (:func:`_descent_departure` mirrored): the first sample ``C`` at or after ``land``
    above ``base + SURE_FACTOR * max(ring, thr - base)`` is contact; the line through ``C`` and ``C + 1`` reaches
    ``thr`` at ``t``; when ``t`` lies within :data:`MAX_EXTRAPOLATION` samples before ``C`` and after sample
    ``land`` (which the line says is still flight), the landing is the first sample after ``t``."""
    sure = base + SURE_FACTOR * max(ring, thr - base)
    hits = np.flatnonzero(force[land:land + 8] >= sure)
    if hits.size == 0:
        return land, t_ld
    c = land + int(hits[0])
    if c + 1 >= force.size:
        return land, t_ld
    slope = float(force[c + 1] - force[c])
    if slope <= 0:
        return land, t_ld
    at = c + (thr - float(force[c])) / slope
    if c - at > MAX_EXTRAPOLATION or at <= land:
        return land, t_ld
    return int(np.floor(at)) + 1, at / rate


def _descent_departure(force: np.ndarray, look: int, takeoff: int, t_to: float, thr: float, base: float, rate: float,
                       width: int) -> tuple[int, float]:
    """Take-off index and crossing time, moved earlier when the samples just before ``takeoff`` are flight read
    above the threshold: the plate ringing (amplitude ``R`` measured over two windows from ``takeoff``), or, with an
    integrating converter, the sample that straddles the departure.

    The last sample ``C`` above ``base + SURE_FACTOR * max(R, thr - base)`` is contact for sure (ringing, which
    decays, cannot reach it).
    The straight line through ``C - 1`` and ``C`` reaches ``thr`` at ``t``. When that is within
    :data:`MAX_EXTRAPOLATION` samples of ``C`` (a steep descent: one or two samples at 80-200 Hz; at 1 kHz and
    above the descent spans many samples and this never applies) and before sample ``takeoff - 1`` (which the
    line says is flight, though it reads above the threshold),
    the take-off is the first sample after ``t`` and its crossing is ``t``. Otherwise ``(takeoff, t_to)``."""
    post = force[takeoff:takeoff + 2 * width]
    ring = float(np.max(np.abs(post - base))) if post.size else 0.0
    sure = base + SURE_FACTOR * max(ring, thr - base)
    above = np.flatnonzero(force[look:takeoff] >= sure)
    if above.size == 0:
        return takeoff, t_to
    c = look + int(above[-1])
    if c < 1:
        return takeoff, t_to
    slope = float(force[c] - force[c - 1])
    if slope >= 0:
        return takeoff, t_to
    at = c + (thr - float(force[c])) / slope
    if at - c > MAX_EXTRAPOLATION or at >= takeoff - 1:
        return takeoff, t_to
    return int(np.floor(at)) + 1, at / rate


def _line_departure(force: np.ndarray, look: int, takeoff: int, t_to: float, thr: float,
                    rate: float) -> tuple[int, float]:
    """Take-off index and crossing time, moved earlier to the first sample ``j`` (before ``takeoff``) that the
    descent through ``j - 2`` and ``j - 1`` says is flight: the line through them reaches ``thr`` before ``j``
    while ``j`` reads above it (ringing, or an integrating converter's straddling sample). The crossing is then on
    that line, between ``j - 1`` and ``j``. A push-off force falls nearly straight over the last sample or two at
    80-200 Hz, so its own samples do not trigger this (their line meets the next sample to within a few newtons)."""
    lo = look + 2
    if takeoff - lo < 1:
        return takeoff, t_to
    j = np.arange(lo, takeoff)
    a, b = force[j - 2], force[j - 1]
    cond = (a > b) & (b >= thr) & (2.0 * b - a < thr) & (force[j] >= thr)
    hits = np.flatnonzero(cond)
    if hits.size == 0:
        return takeoff, t_to
    k = int(j[hits[0]])
    fa, fb = float(force[k - 2]), float(force[k - 1])
    at = (k - 1) + (fb - thr) / (fa - fb)
    return (k, at / rate) if at / rate < t_to else (takeoff, t_to)


def _one_flight(
    force: np.ndarray, rate: float, body_weight: float, search_start: int, method: str, fixed_threshold: float,
    k: float, floor: float, coarse_fraction: float, min_flight: float, trim: float, absolute: bool,
    takeoff_persistence: float, landing_persistence: float, takeoff_name: str, landing_name: str,
    regions: FlightRegions,
) -> Flight:
    """The first flight candidate after ``search_start`` (see :func:`detect_flight`); every comparison with a
    flight's own threshold is made on that flight's stretch of the trace only."""
    tag = f"threshold_{method}" + (f"_{fixed_threshold:g}N" if method == "fixed" else f"_{k:g}sd_floor{floor:g}N")
    if absolute:
        tag += "_abs"
    coarse = coarse_fraction * body_weight
    # the flight region: the moving mean over RING_WINDOW (ringing averages out) below the coarse level
    width = max(1, int(round(RING_WINDOW * rate)))
    starts, above = regions.runs(width, max(coarse, fixed_threshold if method == "fixed" else floor),
                                 int(round(min_flight * rate)))
    run0 = _next(starts, search_start)
    if run0 is None:
        return _no_flight(f"force never stays below {coarse:.0f} N for {min_flight * 1000:g} ms: no flight (no jump) "
                          "in the trace", rate, tag, takeoff_name, landing_name, None, None)
    run1 = _next(above, run0)
    run_stop = force.size if run1 is None else run1
    thr, note = flight_threshold(force, run0, run_stop, method=method, fixed=fixed_threshold, k=k, floor=floor, trim=trim)
    base = flight_baseline(force, run0, run_stop, trim)
    if method == "noise" and thr >= coarse:
        note = f"flight noise threshold {thr:.1f} N reaches {coarse_fraction:g}·BW: flight plateau too noisy"
        thr = coarse
    # the real departure lies within half a window of the region's start: take-off is the first sustained
    # crossing below ``thr`` from a window before it; ringing that follows re-crosses ``thr`` inside the flight.
    look = max(search_start, run0 - width)
    stretch = force[look:run_stop]
    below = (np.abs(stretch) if absolute else stretch) < thr  # below[j]: sample look + j
    if look == search_start and (look == 0 or force[look - 1] < coarse) and below[0]:
        return _no_flight("the trace starts in flight: no contact before the flight", rate, tag, takeoff_name,
                          landing_name, thr, note)
    first_below = first_run(below, int(round(takeoff_persistence * rate)))
    takeoff = None if first_below is None else look + first_below
    if takeoff is None:
        return _no_flight(f"force never drops below the flight threshold {thr:.1f} N", rate, tag, takeoff_name,
                          landing_name, thr, note)
    t_to = edge_time(force, takeoff, thr, rate, contact_before=True)
    if base is not None and rate < LOW_RATE:
        takeoff = _ringing_departure(force, look, takeoff, coarse, thr - base)
        t_to = edge_time(force, takeoff, thr, rate, contact_before=True)
        takeoff, t_to = _descent_departure(force, look, takeoff, t_to, thr, base, rate, width)
        takeoff, t_to = _line_departure(force, look, takeoff, t_to, thr, rate)
    ring = None
    early = force[takeoff:min(run_stop, takeoff + 2 * width)]
    if early.size and np.any(early >= thr) and base is not None:
        ring = float(np.max(np.abs(early - base)))
    # landing: first contact above the coarse level held for RING_HOLD (plate ringing crosses it only for part
    # of a half period), then back to the last threshold crossing before it
    hold = max(1, int(round(max(landing_persistence, RING_HOLD) * rate)))
    # (the coarse level counts from the plate's own zero: on an unzeroed plate its offset lifts the ringing too)
    sustained = _first_run_above(force, max(coarse + (0.0 if base is None else max(base, 0.0)), thr), hold, takeoff,
                                 run_stop + hold + 2 * width)
    land: int | None = None
    if sustained is not None:
        under = np.flatnonzero(force[takeoff:sustained] < thr)
        land = sustained if under.size == 0 else takeoff + int(under[-1]) + 1
    if land is None:
        return Flight(
            Event(takeoff_name, takeoff, rate, tag),
            Event(landing_name, None, rate, tag, reason="the trace ends in flight: no landing recorded"),
            thr, note, (), t_to, None, base, ring,
        )
    t_ld = edge_time(force, land, thr, rate, contact_before=False)
    if base is not None and rate < LOW_RATE:
        pre = force[max(takeoff, land - 2 * width):land]
        land, t_ld = _rise_touchdown(force, land, t_ld, thr, base,
                                     float(np.max(np.abs(pre - base))) if pre.size else 0.0, rate)
    return Flight(Event(takeoff_name, takeoff, rate, tag), Event(landing_name, land, rate, tag), thr, note, (),
                  t_to, t_ld, base, ring)
