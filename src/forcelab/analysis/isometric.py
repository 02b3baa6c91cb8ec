"""Isometric pull (IMTP and other isometric tests): baseline, onset, peak force and force-time windows.

The method follows Comfort et al. (2019) and Dos'Santos et al. (2017); docs/methods-isometric.md
gives every definition with its reasoning. In short:

1. **Locate the pull.** The highest force of the trace is the peak of the pull; the pull's rise is the
   last time before it that the force was below half-way between a low level of the trace before the
   peak (its 10th percentile) and the peak. Everything before that is available for the baseline.
2. **Baseline** (standing weight, or weight plus pre-tension) over ``baseline_window`` seconds:
   ``"steadiest"`` (default) takes the window with the smallest SD before the rise; ``"first"`` takes the
   first window of the recording (IsometricAnalyzer's default).
3. **Onset** is the first sample of the run of force above ``baseline + onset_sd * SD`` that contains the
   peak (found backwards from the peak, so that fidgeting long before the pull cannot start it). Dips
   below the threshold shorter than ``onset_persistence`` seconds are bridged as noise.
4. **Release** is the first sample after the peak back at or below the threshold.
5. Force, net force, RFD and impulse at fixed times after onset; peak RFD over a sliding window.

Per-limb values and their asymmetry come with two plates. Everything that cannot be found is reported
as not found with the reason; quality gates raise flags (``pretension``, ``unsteady_baseline``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from forcelab.analysis.asymmetry import asymmetry_metrics
from forcelab.analysis.filters import lowpass
from forcelab.analysis.params import keyword_defaults
from forcelab.analysis.types import Event, ForceTrace, Metric, ParamValue, TrialResult
from forcelab.analysis.weighing import sliding_mean_sd

G = 9.80665

REF_ONSET = (
    "Dos'Santos T, Jones PA, Comfort P, Thomas C (2017) Effect of different onset thresholds on isometric "
    "midthigh pull force-time variables. J Strength Cond Res 31(12):3463-3473"
)
REF_IMTP = (
    "Comfort P, Dos'Santos T, Beckham GK, Stone MH, Guppy SN, Haff GG (2019) Standardization and "
    "methodological considerations for the isometric midthigh pull. Strength Cond J 41(2):57-79"
)
REF_PEAK_RFD = (
    "Haff GG, Ruben RP, Lider J, Twine C, Cormie P (2015) A comparison of methods for determining the rate "
    "of force development during isometric midthigh clean pulls. J Strength Cond Res 29(2):386-395"
)

BASELINES = ("steadiest", "first")

#: Events that a tester may place by hand (``events=``): the baseline window's start, onset, release.
EDITABLE_EVENTS = ("baseline_start", "onset", "release")
#: Keyword parameters that are the trial's inputs, not analysis settings (not in :data:`DEFAULTS`).
INPUTS = ("events",)


# Metric names reported as not found when the pull itself cannot be analysed.
_CORE = ("baseline_force", "baseline_sd", "onset_threshold", "peak_force", "net_peak_force",
         "relative_peak_force", "time_to_peak_force", "peak_rfd", "length_of_pull")


def _ms(window: float) -> int:
    return int(round(window * 1000.0))


def _check_params(baseline_window: float, baseline: str, onset_sd: float, onset_persistence: float,
                  peak_rfd_window: float, windows: Sequence[float], body_mass: float | None, g: float) -> None:
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}; got {baseline!r}")
    for name, v in (("baseline_window", baseline_window), ("onset_sd", onset_sd),
                    ("peak_rfd_window", peak_rfd_window), ("g", g)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    if not (math.isfinite(onset_persistence) and onset_persistence >= 0):
        raise ValueError(f"onset_persistence must be zero or positive seconds, got {onset_persistence!r}")
    if not windows or any(not (math.isfinite(w) and w > 0) for w in windows):
        raise ValueError(f"windows must be positive times in seconds, got {tuple(windows)!r}")
    if body_mass is not None and not (math.isfinite(body_mass) and body_mass > 0):
        raise ValueError(f"body_mass must be a positive number of kilograms, got {body_mass!r}")


def _value_at(x: np.ndarray, pos: float) -> float:
    """Force at the fractional sample position ``pos`` (linear interpolation)."""
    k = int(math.floor(pos))
    f = pos - k
    if f <= 1e-9 or k + 1 >= len(x):
        return float(x[k])
    return float(x[k] + (x[k + 1] - x[k]) * f)


def _area_to(c: np.ndarray, x: np.ndarray, pos: float) -> float:
    """Integral of the piecewise-linear force from sample 0 to position ``pos``, in newton-samples."""
    k = int(math.floor(pos))
    f = pos - k
    if f <= 1e-9 or k + 1 >= len(x):
        return float(c[k])
    return float(c[k] + x[k] * f + (x[k + 1] - x[k]) * f * f / 2.0)


def _cumtrapz(x: np.ndarray) -> np.ndarray:
    return np.concatenate(([0.0], np.cumsum((x[1:] + x[:-1]) * 0.5)))


def _sliding_rfd(x: np.ndarray, onset: int, peak: int, m: int, rate: float) -> np.ndarray:
    """Mean RFD (N/s) over every ``m``-sample window between onset and peak (window ``i`` starts at onset + i)."""
    return (x[onset + m:peak + 1] - x[onset:peak + 1 - m]) * (rate / m)


def _at_window(x: np.ndarray, c: np.ndarray, onset: int, win: float, rate: float,
               base: float) -> tuple[float, float, float] | None:
    """Force, impulse and net impulse (less ``base`` N) ``win`` s after onset; ``None`` past the recording.

    ``c`` is :func:`_cumtrapz` of ``x``."""
    pos = onset + win * rate
    if pos > len(x) - 1:
        return None
    imp = (_area_to(c, x, pos) - float(c[onset])) / rate
    return _value_at(x, pos), imp, imp - base * win


def _onset_backwards(x: np.ndarray, threshold: float, lo: int, peak: int, bridge: int) -> int | None:
    """First sample of the above-threshold run containing ``peak``, searching no earlier than ``lo``.

    Below-threshold gaps shorter than ``bridge`` samples are bridged (treated as noise). Vectorised
    over runs, not samples. ``None`` when the force never comes down to the threshold after ``lo``.
    """
    seg = x[lo:peak + 1] > threshold
    below = np.flatnonzero(~seg)
    if below.size == 0:
        return None
    # runs of below-threshold samples: starts and ends (inclusive), in seg coordinates
    brk = np.flatnonzero(np.diff(below) > 1)
    starts = np.concatenate(([below[0]], below[brk + 1]))
    ends = np.concatenate((below[brk], [below[-1]]))
    lengths = ends - starts + 1
    # walk back over the below-runs: a short one with an above-run before it is bridged
    j = len(starts) - 1
    while j > 0 and lengths[j] < bridge:
        j -= 1
    return lo + int(ends[j]) + 1


def _check_events(events: Mapping[str, int] | None, *, n: int, w: int, peak: int, rate: float) -> dict[str, int]:
    """Hand-placed events as validated sample indices (ValueError naming the event and its range)."""
    if not events:
        return {}
    unknown = sorted(set(events) - set(EDITABLE_EVENTS))
    if unknown:
        raise ValueError(f"event(s) {', '.join(unknown)} cannot be placed by hand in an isometric pull; "
                         f"editable: {', '.join(EDITABLE_EVENTS)}")
    out: dict[str, int] = {}
    limits = {"baseline_start": (0, peak - w), "onset": (0, peak - 1), "release": (peak + 1, n - 1)}
    for name, value in events.items():
        idx = int(value)
        lo, hi = limits[name]
        if not lo <= idx <= hi:
            raise ValueError(f"{name} at sample {idx} ({idx / rate:.3f} s) is outside its range "
                             f"{lo / rate:.3f}-{max(lo, hi) / rate:.3f} s (peak force at {peak / rate:.3f} s)")
        out[name] = idx
    if "baseline_start" in out and "onset" in out and out["onset"] < out["baseline_start"] + w:
        raise ValueError("the onset is inside the baseline window; move the onset later or the baseline earlier")
    return out


def _steadiest_start(x: np.ndarray, w: int, *, lo: int, rise: int, onset_sd: float, max_lead: int) -> int:
    """Start of the steadiest ``w``-sample window in ``x[lo:rise]`` that is a plausible baseline.

    A window is plausible when the force comes back to its own threshold (mean + k SD) at or after the
    window's end, and then leaves it for good no more than ``max_lead`` samples before ``rise``: the
    window describes the stance the pull starts from, and never contains the rise itself. Vectorised:
    the onset each window would give is a binary search in the suffix minimum of the force. When no
    window is plausible the steadiest of all is returned (the onset checks then say what is wrong).
    """
    means, sds = sliding_mean_sd(x[lo:rise], w)
    thr = means + onset_sd * sds
    seg = x[lo:rise]
    suffix_min = np.minimum.accumulate(seg[::-1])[::-1]  # non-decreasing
    onset_rel = np.searchsorted(suffix_min, thr, side="right")  # first j with min(seg[j:]) > thr
    ends = np.arange(len(sds)) + w
    ok = np.flatnonzero((onset_rel >= ends) & (len(seg) - onset_rel <= max_lead))
    if ok.size == 0:
        return lo + int(np.argmin(sds))
    return lo + int(ok[np.argmin(sds[ok])])


_UNITS = {"baseline_force": "N", "baseline_sd": "N", "onset_threshold": "N", "peak_force": "N",
          "net_peak_force": "N", "relative_peak_force": "N/kg", "time_to_peak_force": "s", "peak_rfd": "N/s",
          "length_of_pull": "s", "force_at": "N", "net_force_at": "N", "relative_force_at": "N/kg",
          "rfd_0": "N/s", "impulse_0": "N*s", "net_impulse_0": "N*s"}


def _fill_not_found(res: TrialResult, reason: str, windows: Sequence[float]) -> None:
    """Report every standard metric not yet in ``res`` as not found with ``reason``."""
    names = [(n, _UNITS[n]) for n in _CORE]
    for w in windows:
        for stem in ("force_at", "net_force_at", "relative_force_at"):
            names.append((f"{stem}_{_ms(w)}ms", _UNITS[stem]))
        for stem in ("rfd_0", "impulse_0", "net_impulse_0"):
            names.append((f"{stem}_{_ms(w)}ms", _UNITS[stem]))
    for name, unit in names:
        if name not in res.metrics:
            res.add_metric(Metric(name, None, unit, "imtp", reference=REF_IMTP, reason=reason))


def _not_found(res: TrialResult, reason: str, windows: Sequence[float]) -> TrialResult:
    for name in ("onset", "peak_force"):
        res.add_event(Event(name, None, res.rate, method="imtp", reason=reason))
    _fill_not_found(res, reason, windows)
    return res


def analyze_isometric(
    trace: ForceTrace,
    *,
    baseline_window: float = 1.0,
    baseline: str = "steadiest",
    baseline_search: float = 3.0,
    onset_sd: float = 5.0,
    onset_persistence: float = 0.010,
    peak_rfd_window: float = 0.020,
    windows: Sequence[float] = (0.05, 0.10, 0.15, 0.20, 0.25),
    pretension_threshold: float = 50.0,
    unsteady_sd: float = 25.0,
    max_onset_lead: float = 1.0,
    min_pull_force: float = 50.0,
    body_mass: float | None = None,
    g: float = G,
    filter_cutoff: float | None = None,
    filter_order: int = 4,
    events: Mapping[str, int] | None = None,
) -> TrialResult:
    """Analyse one isometric pull recorded as vertical force (plate under the feet, or a load cell).

    ``baseline_window`` (s) and ``baseline`` (``"steadiest"`` | ``"first"``) choose the baseline; the
    steadiest window is searched in the last ``baseline_search`` seconds before the rise, so that it
    describes the stance or pre-tension the pull starts from, not a moment long before it;
    ``onset_sd`` is k in ``baseline + k * SD``; ``onset_persistence`` (s) bridges shorter dips below the
    threshold; ``peak_rfd_window`` (s) is the sliding window of peak RFD; ``windows`` (s) are the times
    after onset for force, RFD and impulse. ``pretension_threshold`` (N) is the rise within the baseline
    window (or its excess over the first window) that raises the ``pretension`` flag; ``unsteady_sd``
    (N) is the baseline SD above which ``unsteady_baseline`` is raised; an onset more than
    ``max_onset_lead`` seconds before the force reaches half-way to the peak raises ``early_onset``
    (the threshold was crossed by drifting force, not by the pull). A peak less than
    ``min_pull_force`` (N) above the baseline, or not above the onset threshold, is no pull. ``body_mass`` (kg) scales the
    relative forces; without it the baseline force divided by ``g`` is used (right when the athlete
    stands on the plate without pre-tension). ``filter_cutoff`` (Hz, off by default) low-pass filters
    the force first (zero-lag Butterworth of ``filter_order``, :func:`forcelab.analysis.filters.lowpass`).
    ``events`` places events by hand (sample indices of the trace; names in :data:`EDITABLE_EVENTS`):
    they replace the detected ones, carry the method ``"edited"`` and are listed in
    ``params["edited_events"]``; an index outside its allowed range is a :class:`ValueError`.

    Returns a :class:`TrialResult` with ``test="imtp"``. Invalid parameters raise :class:`ValueError`;
    a trace without a usable pull gives not-found events and metrics with the reason.
    """
    windows = tuple(float(w) for w in windows)
    _check_params(baseline_window, baseline, onset_sd, onset_persistence, peak_rfd_window, windows,
                  body_mass, g)
    rate = float(trace.rate)
    params: dict[str, ParamValue] = {
        "baseline_window": float(baseline_window), "baseline": baseline,
        "baseline_search": float(baseline_search), "onset_sd": float(onset_sd),
        "onset_persistence": float(onset_persistence), "peak_rfd_window": float(peak_rfd_window),
        "windows": ",".join(f"{w:g}" for w in windows), "pretension_threshold": float(pretension_threshold),
        "unsteady_sd": float(unsteady_sd), "max_onset_lead": float(max_onset_lead),
        "min_pull_force": float(min_pull_force), "body_mass": body_mass, "g": float(g),
        "filter_cutoff": filter_cutoff, "filter_order": int(filter_order),
    }
    res = TrialResult(test="imtp", rate=rate, params=params)
    x = trace.total
    n = len(x)
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        return _not_found(res, f"force has {bad.size} missing or non-finite samples (first at sample "
                          f"{int(bad[0])}); clean or cut the recording", windows)
    if filter_cutoff is not None:
        trace = ForceTrace(
            rate=rate, total=lowpass(x, rate, filter_cutoff, order=filter_order),
            left=None if trace.left is None else lowpass(trace.left, rate, filter_cutoff, order=filter_order),
            right=None if trace.right is None else lowpass(trace.right, rate, filter_cutoff, order=filter_order),
        )
        x = trace.total
    w = int(round(baseline_window * rate))
    if w < 2:
        raise ValueError(f"baseline_window {baseline_window} s is under two samples at {rate:g} Hz")
    if n < w + 3:
        return _not_found(res, f"recording is {n / rate:.3f} s long; a pull needs a {baseline_window:g} s "
                          "baseline before it", windows)

    peak = int(np.argmax(x))
    fpeak = float(x[peak])
    edited = _check_events(events, n=n, w=w, peak=peak, rate=rate)
    if edited:
        res.params["edited_events"] = ",".join(sorted(edited))
    if peak < w and "baseline_start" not in edited:
        return _not_found(res, f"the highest force ({fpeak:.1f} N) is in the first {baseline_window:g} s: "
                          "no baseline before the pull", windows)
    low = float(np.percentile(x[:peak], 10.0))
    mid = 0.5 * (low + fpeak)
    under = np.flatnonzero(x[:peak] < mid)
    rise = int(under[-1]) + 1 if under.size else 0
    if rise < w and "baseline_start" not in edited:
        return _not_found(res, f"force rises to the peak within {rise / rate:.3f} s of the start: no "
                          f"{baseline_window:g} s baseline before the pull", windows)

    # ---- baseline
    if "baseline_start" in edited:
        b0 = edited["baseline_start"]
    elif baseline == "first":
        b0 = 0
    else:
        b0 = _steadiest_start(x, w, lo=max(0, rise - max(w, int(round(baseline_search * rate)))), rise=rise,
                              onset_sd=onset_sd, max_lead=int(round(max_onset_lead * rate)))
    b1 = b0 + w
    seg = x[b0:b1]
    b_mean = float(np.mean(seg))
    b_sd = float(np.std(seg, ddof=1))
    threshold = b_mean + onset_sd * b_sd
    method_b = "edited" if "baseline_start" in edited else f"imtp_baseline_{baseline}"
    bparams: dict[str, ParamValue] = {"baseline": baseline, "baseline_window": float(baseline_window)}
    if baseline == "steadiest":
        bparams["baseline_search"] = float(baseline_search)
    res.add_event(Event("baseline_start", b0, rate, method=method_b))
    res.add_event(Event("baseline_end", b1 - 1, rate, method=method_b))
    res.add_metric(Metric("baseline_force", b_mean, "N", method_b, bparams, REF_IMTP,
                          description="Mean force of the baseline window (standing weight or pre-tension)"))
    res.add_metric(Metric("baseline_sd", b_sd, "N", method_b, bparams, REF_IMTP,
                          description="Sample SD of the force in the baseline window"))
    oparams: dict[str, ParamValue] = {**bparams, "onset_sd": float(onset_sd),
                                      "onset_persistence": float(onset_persistence)}
    res.add_metric(Metric("onset_threshold", threshold, "N", "imtp_onset_sd", oparams, REF_ONSET,
                          description="Force above which the pull has started: baseline + k SD"))

    # ---- quality gates on the baseline
    if b_sd > unsteady_sd:
        res.flag("unsteady_baseline",
                 f"baseline SD is {b_sd:.1f} N (over {unsteady_sd:g} N): the onset threshold is "
                 f"{onset_sd * b_sd:.0f} N above baseline and the onset is late; ask for a still start")
    tt = (np.arange(w) - (w - 1) / 2.0) / rate
    drift = float(np.dot(tt, seg - b_mean) / np.dot(tt, tt)) * (w / rate)
    if drift > pretension_threshold:
        res.flag("pretension", f"force rises by {drift:.0f} N across the baseline window: the athlete was "
                 "already pulling (pre-tension); baseline and onset are uncertain")
    elif b0 > 0:
        first_mean = float(np.mean(x[:w]))
        if b_mean - first_mean > pretension_threshold:
            res.flag("pretension", f"the baseline ({b_mean:.0f} N) is {b_mean - first_mean:.0f} N above the "
                     f"first {baseline_window:g} s ({first_mean:.0f} N): pre-tension on the bar; relative "
                     "forces use the baseline as body weight unless body_mass is given")

    # ---- onset, release, peak
    bridge = int(round(onset_persistence * rate))
    onset: int | None = None
    if "onset" in edited:
        onset, reason = edited["onset"], ""
    elif fpeak <= threshold or fpeak - b_mean < min_pull_force:
        reason = (f"no pull: the highest force ({fpeak:.1f} N) is {fpeak - b_mean:.1f} N above the baseline "
                  f"({b_mean:.1f} N), under the onset threshold ({threshold:.1f} N) or the "
                  f"{min_pull_force:g} N minimum pull")
    else:
        onset = _onset_backwards(x, threshold, b1 - 1, peak, bridge)
        reason = (f"force never returns to the onset threshold ({threshold:.1f} N) between the baseline "
                  f"and the peak")
    if onset is None:
        res.add_event(Event("onset", None, rate, method="imtp_onset_sd", reason=reason))
        res.add_event(Event("peak_force", peak, rate, method="imtp_peak"))
        res.add_metric(Metric("peak_force", fpeak, "N", "imtp_peak", {}, REF_IMTP,
                              description="Highest vertical force of the pull"))
        _fill_not_found(res, reason, windows)
        return res
    res.add_event(Event("onset", onset, rate, method="edited" if "onset" in edited else "imtp_onset_sd"))
    if (rise - onset) / rate > max_onset_lead:
        res.flag("early_onset", f"onset is {(rise - onset) / rate:.2f} s before the force reaches half-way to "
                 f"the peak (over {max_onset_lead:g} s): drifting force crossed the threshold before the pull; "
                 "time-window metrics are unreliable")
    res.add_event(Event("peak_force", peak, rate, method="imtp_peak"))
    after = np.flatnonzero(x[peak:] <= threshold)
    release: int | None = peak + int(after[0]) if after.size else None
    if "release" in edited:
        release = edited["release"]
        res.add_event(Event("release", release, rate, method="edited"))
    elif release is None:
        res.add_event(Event("release", None, rate, method="imtp_release",
                            reason="force is still above the onset threshold at the end of the recording"))
    else:
        res.add_event(Event("release", release, rate, method="imtp_release"))

    mass = float(body_mass) if body_mass is not None else b_mean / g
    mass_src = "body_mass" if body_mass is not None else "baseline"
    rparams: dict[str, ParamValue] = {**oparams, "body_mass_source": mass_src, "body_mass": mass, "g": float(g)}
    res.add_metric(Metric("peak_force", fpeak, "N", "imtp_peak", oparams, REF_IMTP,
                          description="Highest vertical force of the pull (gross)"))
    res.add_metric(Metric("net_peak_force", fpeak - b_mean, "N", "imtp_peak_net", oparams, REF_IMTP,
                          description="Peak force minus the baseline"))
    if mass > 0:
        res.add_metric(Metric("relative_peak_force", fpeak / mass, "N/kg", "imtp_peak_relative", rparams,
                              REF_IMTP, description="Peak force per kilogram of body mass"))
    else:
        res.add_metric(Metric("relative_peak_force", None, "N/kg", "imtp_peak_relative", rparams, REF_IMTP,
                              reason=f"baseline force {b_mean:.1f} N gives no body mass; pass body_mass"))
    res.add_metric(Metric("time_to_peak_force", (peak - onset) / rate, "s", "imtp_time_to_peak", oparams,
                          REF_IMTP, description="Time from onset to peak force"))
    if release is None:
        res.add_metric(Metric("length_of_pull", None, "s", "imtp_release", oparams, REF_IMTP,
                              reason="force is still above the onset threshold at the end of the recording"))
    else:
        res.add_metric(Metric("length_of_pull", (release - onset) / rate, "s", "imtp_release", oparams,
                              REF_IMTP, description="Time from onset back to the onset threshold"))

    # ---- peak RFD over a sliding window, from onset to peak
    m = max(1, int(round(peak_rfd_window * rate)))
    pparams: dict[str, ParamValue] = {**oparams, "peak_rfd_window": float(peak_rfd_window)}
    if peak - onset >= m:
        d = _sliding_rfd(x, onset, peak, m, rate)
        i = int(np.argmax(d))
        res.add_event(Event("peak_rfd", onset + i, rate, method="imtp_peak_rfd_sliding"))
        res.add_metric(Metric("peak_rfd", float(d[i]), "N/s", "imtp_peak_rfd_sliding", pparams, REF_PEAK_RFD,
                              description="Highest mean RFD over a sliding window between onset and peak"))
    else:
        reason = (f"peak comes {peak - onset} samples after onset, fewer than the {peak_rfd_window * 1000:g} "
                  "ms peak-RFD window")
        res.add_event(Event("peak_rfd", None, rate, method="imtp_peak_rfd_sliding", reason=reason))
        res.add_metric(Metric("peak_rfd", None, "N/s", "imtp_peak_rfd_sliding", pparams, REF_PEAK_RFD,
                              reason=reason))

    # ---- force, RFD and impulse in time windows after onset
    c = _cumtrapz(x)
    f0 = float(x[onset])
    res.add_metric(Metric("force_at_0ms", f0, "N", "imtp_force_at", oparams, REF_IMTP,
                          description="Force at onset"))
    for win in windows:
        ms = _ms(win)
        wparams: dict[str, ParamValue] = {**oparams, "window": win}
        names = (f"force_at_{ms}ms", f"net_force_at_{ms}ms", f"relative_force_at_{ms}ms", f"rfd_0_{ms}ms",
                 f"impulse_0_{ms}ms", f"net_impulse_0_{ms}ms")
        at = _at_window(x, c, onset, win, rate, b_mean)
        if at is None:
            reason = f"the recording ends {(n - 1 - onset) / rate * 1000:.0f} ms after onset, before {ms} ms"
            for name, unit in zip(names, ("N", "N", "N/kg", "N/s", "N*s", "N*s"), strict=True):
                res.add_metric(Metric(name, None, unit, "imtp_windows", wparams, REF_IMTP, reason=reason))
            continue
        fw, imp, net_imp = at
        res.add_metric(Metric(names[0], fw, "N", "imtp_force_at", wparams, REF_IMTP,
                              description=f"Force {ms} ms after onset"))
        res.add_metric(Metric(names[1], fw - b_mean, "N", "imtp_force_at_net", wparams, REF_IMTP,
                              description=f"Force {ms} ms after onset minus baseline"))
        if mass > 0:
            res.add_metric(Metric(names[2], fw / mass, "N/kg", "imtp_force_at_relative", {**wparams, **rparams},
                                  REF_IMTP, description=f"Force {ms} ms after onset per kg of body mass"))
        else:
            res.add_metric(Metric(names[2], None, "N/kg", "imtp_force_at_relative", wparams, REF_IMTP,
                                  reason=f"baseline force {b_mean:.1f} N gives no body mass; pass body_mass"))
        res.add_metric(Metric(names[3], (fw - f0) / win, "N/s", "imtp_rfd_average", wparams, REF_IMTP,
                              description=f"Average rate of force development from onset to {ms} ms"))
        res.add_metric(Metric(names[4], imp, "N*s", "imtp_impulse", wparams, REF_IMTP,
                              description=f"Impulse of the gross force from onset to {ms} ms"))
        res.add_metric(Metric(names[5], net_imp, "N*s", "imtp_impulse_net", wparams, REF_IMTP,
                              description=f"Impulse of the force above baseline from onset to {ms} ms"))

    if trace.left is not None and trace.right is not None:
        _per_limb(res, trace.left, trace.right, b0=b0, b1=b1, onset=onset, peak=peak, release=release,
                  windows=windows, m=m, oparams=oparams, pparams=pparams)
    return res


def _limb_values(x: np.ndarray, *, b0: int, b1: int, onset: int, peak: int, stop: int,
                 windows: Sequence[float], m: int, rate: float) -> dict[str, float | None]:
    """The per-plate force and impulse values of one limb (None beyond the recording)."""
    base = float(np.mean(x[b0:b1]))
    pk = float(np.max(x[onset:stop]))
    out: dict[str, float | None] = {
        "peak_force": pk,
        "net_peak_force": pk - base,
        "force_at_peak": float(x[peak]),
        "force_at_0ms": float(x[onset]),
    }
    out["peak_rfd"] = float(np.max(_sliding_rfd(x, onset, peak, m, rate))) if peak - onset >= m else None
    c = _cumtrapz(x)
    for win in windows:
        ms = _ms(win)
        at = _at_window(x, c, onset, win, rate, base)
        out[f"force_at_{ms}ms"], out[f"impulse_0_{ms}ms"], out[f"net_impulse_0_{ms}ms"] = (
            (None, None, None) if at is None else at)
    return out


_LIMB_UNITS = {"peak_force": "N", "net_peak_force": "N", "force_at_peak": "N", "force_at_0ms": "N",
               "peak_rfd": "N/s"}


def _per_limb(res: TrialResult, left: np.ndarray, right: np.ndarray, *, b0: int, b1: int, onset: int,
              peak: int, release: int | None, windows: Sequence[float], m: int,
              oparams: Mapping[str, ParamValue], pparams: Mapping[str, ParamValue]) -> None:
    """Left and right values of every force/impulse metric, and their asymmetry."""
    stop = release if release is not None else len(left)
    kw = {"b0": b0, "b1": b1, "onset": onset, "peak": peak, "stop": stop, "windows": windows, "m": m,
          "rate": res.rate}
    lv = _limb_values(left, **kw)  # type: ignore[arg-type]
    rv = _limb_values(right, **kw)  # type: ignore[arg-type]
    for name in lv:
        unit = _LIMB_UNITS.get(name, "N*s" if "impulse" in name else "N")
        params = pparams if name == "peak_rfd" else oparams
        reason = None if lv[name] is not None else "window ends after the recording or the peak"
        for metric in asymmetry_metrics(
            name, lv[name], rv[name], unit=unit, method=f"imtp_per_limb_{name}", params=params,
            reference=REF_PEAK_RFD if name == "peak_rfd" else REF_IMTP,
            description=name.replace("_", " "), left_reason=reason, right_reason=reason,
        ):
            res.add_metric(metric)


#: Default parameters of :func:`analyze_isometric` (seconds, standard deviations, newtons), read from its
#: signature (``events`` are an input, not a setting).
DEFAULTS: dict[str, Any] = keyword_defaults(analyze_isometric, exclude=INPUTS)
