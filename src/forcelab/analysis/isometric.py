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
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis.asymmetry import asymmetry_metrics
from forcelab.analysis.filters import lowpass
from forcelab.analysis.jump_metrics import MetricBook
from forcelab.analysis.jump_rate import span_note
from forcelab.analysis.settings import IsometricSettings
from forcelab.analysis.types import Event, ForceTrace, Metric, ParamValue, TrialResult
from forcelab.analysis.weighing import sliding_mean_sd

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


#: Events that a tester may place by hand (``events=``): the baseline window's start, onset, release.
EDITABLE_EVENTS = ("baseline_start", "onset", "release")
#: The settings used when none are given (frozen, so one instance serves every call).
DEFAULT_SETTINGS = IsometricSettings()
#: Keyword parameters that are the trial's inputs, not analysis settings (not in :data:`DEFAULTS`).
INPUTS = ("events",)


# Metric names reported as not found when the pull itself cannot be analysed.
_CORE = ("baseline_force", "baseline_sd", "onset_threshold", "peak_force", "net_peak_force",
         "relative_peak_force", "time_to_peak_force", "peak_rfd", "length_of_pull")


def _ms(window: float) -> int:
    return int(round(window * 1000.0))


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


@dataclass(frozen=True)
class _Baseline:
    """The baseline window ``[b0, b1)``, its mean and SD, the onset threshold, and the parameters behind them."""

    b0: int
    b1: int
    mean: float
    sd: float
    threshold: float
    oparams: dict[str, ParamValue]


def analyze_isometric(
    trace: ForceTrace,
    settings: IsometricSettings | None = None,
    *,
    events: Mapping[str, int] | None = None,
    **overrides: Any,
) -> TrialResult:
    """Analyse one isometric pull recorded as vertical force (plate under the feet, or a load cell).

    ``settings`` (default :class:`~forcelab.analysis.settings.IsometricSettings()`, which documents each) and
    ``overrides`` (settings by archive key, e.g. ``onset_sd=3.0``, on top of ``settings``). The stages:
    prepare (finite check, optional low-pass) -> locate the pull -> baseline -> quality gates (``pretension``,
    ``unsteady_baseline``) -> onset, peak and release (``early_onset``) -> peak metrics -> peak RFD -> time
    windows -> per limb with two plates. ``events`` places events by hand (sample indices of the trace; names
    in :data:`EDITABLE_EVENTS`): they replace the detected ones, carry the method ``"edited"`` and are listed
    in ``params["edited_events"]``; an index outside its allowed range is a :class:`ValueError`.

    Returns a :class:`TrialResult` with ``test="imtp"`` (:func:`forcelab.analysis.isometric_tests.analyze_isometric_test`
    runs the other isometric tests through here and names them). Invalid settings raise :class:`ValueError`;
    a trace without a usable pull gives not-found events and metrics with the reason.
    """
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    rate = float(trace.rate)
    res = TrialResult(test="imtp", rate=rate, params=s.params())
    book = MetricBook(res, {})  # each isometric metric carries the parameters it depends on
    prepared = _prepare(trace, s)
    if isinstance(prepared, str):
        return _not_found(res, prepared, s.windows)
    trace, x = prepared, prepared.total
    w = int(round(s.baseline_window * rate))
    if w < 2:
        raise ValueError(f"baseline_window {s.baseline_window} s is under two samples at {rate:g} Hz")
    if len(x) < w + 3:
        return _not_found(res, f"recording is {len(x) / rate:.3f} s long; a pull needs a {s.baseline_window:g} s "
                          "baseline before it", s.windows)
    peak = int(np.argmax(x))
    edited = _check_events(events, n=len(x), w=w, peak=peak, rate=rate)
    if edited:
        res.params["edited_events"] = ",".join(sorted(edited))
    rise = _locate_pull(x, peak, w, rate, s, edited)
    if isinstance(rise, str):
        return _not_found(res, rise, s.windows)
    base = _baseline(book, x, w, rise, s, edited)
    _quality_gates(res, x, w, base, s)
    onset = _onset_peak_release(book, x, peak, rise, base, s, edited)
    if onset is None:
        return res
    release = res.events["release"].index
    _peak_metrics(book, x, onset, peak, release, base, s)
    m = _peak_rfd(book, x, onset, peak, base, s)
    _window_metrics(book, x, onset, base, s)
    _window_rate_flag(res, s)
    if trace.left is not None and trace.right is not None:
        _per_limb(res, trace.left, trace.right, b0=base.b0, b1=base.b1, onset=onset, peak=peak, release=release,
                  windows=s.windows, m=m, oparams=base.oparams, pparams=_pparams(base, s))
    return res


def _prepare(trace: ForceTrace, s: IsometricSettings) -> ForceTrace | str:
    """The trace, low-pass filtered when ``filter_cutoff`` is set; or why it cannot be analysed (non-finite)."""
    x = trace.total
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        return (f"force has {bad.size} missing or non-finite samples (first at sample {int(bad[0])}); clean or cut "
                "the recording")
    cutoff, order = s.filter.filter_cutoff, s.filter.filter_order
    if cutoff is None:
        return trace
    rate = float(trace.rate)
    return ForceTrace(
        rate=rate, total=lowpass(x, rate, cutoff, order=order),
        left=None if trace.left is None else lowpass(trace.left, rate, cutoff, order=order),
        right=None if trace.right is None else lowpass(trace.right, rate, cutoff, order=order),
    )


def _locate_pull(x: np.ndarray, peak: int, w: int, rate: float, s: IsometricSettings,
                 edited: Mapping[str, int]) -> int | str:
    """The pull's rise (last sample before the peak under half-way from a low level to the peak), or why
    there is no room for a baseline before it."""
    fpeak = float(x[peak])
    if peak < w and "baseline_start" not in edited:
        return (f"the highest force ({fpeak:.1f} N) is in the first {s.baseline_window:g} s: no baseline before "
                "the pull")
    low = float(np.percentile(x[:peak], 10.0))
    under = np.flatnonzero(x[:peak] < 0.5 * (low + fpeak))
    rise = int(under[-1]) + 1 if under.size else 0
    if rise < w and "baseline_start" not in edited:
        return (f"force rises to the peak within {rise / rate:.3f} s of the start: no {s.baseline_window:g} s "
                "baseline before the pull")
    return rise


def _baseline(book: MetricBook, x: np.ndarray, w: int, rise: int, s: IsometricSettings,
              edited: Mapping[str, int]) -> _Baseline:
    """Baseline window (hand-placed, first, or steadiest before the rise), its events and metrics, the
    onset threshold."""
    res, rate = book.result, book.result.rate
    if "baseline_start" in edited:
        b0 = edited["baseline_start"]
    elif s.baseline == "first":
        b0 = 0
    else:
        b0 = _steadiest_start(x, w, lo=max(0, rise - max(w, int(round(s.baseline_search * rate)))), rise=rise,
                              onset_sd=s.onset_sd, max_lead=int(round(s.max_onset_lead * rate)))
    b1 = b0 + w
    seg = x[b0:b1]
    b_mean, b_sd = float(np.mean(seg)), float(np.std(seg, ddof=1))
    threshold = b_mean + s.onset_sd * b_sd
    method = "edited" if "baseline_start" in edited else f"imtp_baseline_{s.baseline}"
    bparams: dict[str, ParamValue] = {"baseline": s.baseline, "baseline_window": float(s.baseline_window)}
    if s.baseline == "steadiest":
        bparams["baseline_search"] = float(s.baseline_search)
    res.add_event(Event("baseline_start", b0, rate, method=method))
    res.add_event(Event("baseline_end", b1 - 1, rate, method=method))
    book.put("baseline_force", b_mean, "N", method, REF_IMTP, params=bparams,
             description="Mean force of the baseline window (standing weight or pre-tension)")
    book.put("baseline_sd", b_sd, "N", method, REF_IMTP, params=bparams,
             description="Sample SD of the force in the baseline window")
    oparams: dict[str, ParamValue] = {**bparams, "onset_sd": float(s.onset_sd),
                                      "onset_persistence": float(s.onset_persistence)}
    book.put("onset_threshold", threshold, "N", "imtp_onset_sd", REF_ONSET, params=oparams,
             description="Force above which the pull has started: baseline + k SD")
    return _Baseline(b0, b1, b_mean, b_sd, threshold, oparams)


def _quality_gates(res: TrialResult, x: np.ndarray, w: int, base: _Baseline, s: IsometricSettings) -> None:
    """Flags ``unsteady_baseline`` (SD over ``unsteady_sd``) and ``pretension`` (force rising across the
    baseline window, or the baseline above the first window of the recording)."""
    rate = res.rate
    if base.sd > s.unsteady_sd:
        res.flag("unsteady_baseline",
                 f"baseline SD is {base.sd:.1f} N (over {s.unsteady_sd:g} N): the onset threshold is "
                 f"{s.onset_sd * base.sd:.0f} N above baseline and the onset is late; ask for a still start")
    tt = (np.arange(w) - (w - 1) / 2.0) / rate
    drift = float(np.dot(tt, x[base.b0:base.b1] - base.mean) / np.dot(tt, tt)) * (w / rate)
    if drift > s.pretension_threshold:
        res.flag("pretension", f"force rises by {drift:.0f} N across the baseline window: the athlete was "
                 "already pulling (pre-tension); baseline and onset are uncertain")
    elif base.b0 > 0:
        first_mean = float(np.mean(x[:w]))
        if base.mean - first_mean > s.pretension_threshold:
            res.flag("pretension", f"the baseline ({base.mean:.0f} N) is {base.mean - first_mean:.0f} N above the "
                     f"first {s.baseline_window:g} s ({first_mean:.0f} N): pre-tension on the bar; relative "
                     "forces use the baseline as body weight unless body_mass is given")


def _onset_peak_release(book: MetricBook, x: np.ndarray, peak: int, rise: int, base: _Baseline,
                        s: IsometricSettings, edited: Mapping[str, int]) -> int | None:
    """Events onset, peak force and release (flag ``early_onset``); ``None`` when there is no onset (then
    every remaining metric is reported not found with the reason)."""
    res, rate = book.result, book.result.rate
    fpeak = float(x[peak])
    onset: int | None = None
    if "onset" in edited:
        onset, reason = edited["onset"], ""
    elif fpeak <= base.threshold or fpeak - base.mean < s.min_pull_force:
        reason = (f"no pull: the highest force ({fpeak:.1f} N) is {fpeak - base.mean:.1f} N above the baseline "
                  f"({base.mean:.1f} N), under the onset threshold ({base.threshold:.1f} N) or the "
                  f"{s.min_pull_force:g} N minimum pull")
    else:
        onset = _onset_backwards(x, base.threshold, base.b1 - 1, peak, int(round(s.onset_persistence * rate)))
        reason = (f"force never returns to the onset threshold ({base.threshold:.1f} N) between the baseline "
                  f"and the peak")
    if onset is None:
        res.add_event(Event("onset", None, rate, method="imtp_onset_sd", reason=reason))
        res.add_event(Event("peak_force", peak, rate, method="imtp_peak"))
        book.put("peak_force", fpeak, "N", "imtp_peak", REF_IMTP, params={},
                 description="Highest vertical force of the pull")
        _fill_not_found(res, reason, s.windows)
        return None
    res.add_event(Event("onset", onset, rate, method="edited" if "onset" in edited else "imtp_onset_sd"))
    if (rise - onset) / rate > s.max_onset_lead:
        res.flag("early_onset", f"onset is {(rise - onset) / rate:.2f} s before the force reaches half-way to "
                 f"the peak (over {s.max_onset_lead:g} s): drifting force crossed the threshold before the pull; "
                 "time-window metrics are unreliable")
    res.add_event(Event("peak_force", peak, rate, method="imtp_peak"))
    after = np.flatnonzero(x[peak:] <= base.threshold)
    if "release" in edited:
        res.add_event(Event("release", edited["release"], rate, method="edited"))
    elif not after.size:
        res.add_event(Event("release", None, rate, method="imtp_release",
                            reason="force is still above the onset threshold at the end of the recording"))
    else:
        res.add_event(Event("release", peak + int(after[0]), rate, method="imtp_release"))
    return onset


def _mass(base: _Baseline, s: IsometricSettings) -> tuple[float, dict[str, ParamValue]]:
    """Body mass for the relative forces (``body_mass``, else baseline / g when the baseline is the athlete's
    weight, else 0: no relative forces) and the parameters saying which."""
    if s.body_mass is not None:
        mass, src = float(s.body_mass), "body_mass"
    elif s.baseline_is_body_weight:
        mass, src = base.mean / s.g, "baseline"
    else:
        mass, src = 0.0, "none"
    return mass, {**base.oparams, "body_mass_source": src, "body_mass": mass, "g": float(s.g)}


def _no_mass(base: _Baseline, s: IsometricSettings) -> str:
    """Why a relative force has no body mass to use."""
    if not s.baseline_is_body_weight:
        return ("the baseline of this test is not the athlete's weight (a load cell, not a plate under the feet); "
                "pass body_mass")
    return f"baseline force {base.mean:.1f} N gives no body mass; pass body_mass"


def _peak_metrics(book: MetricBook, x: np.ndarray, onset: int, peak: int, release: int | None, base: _Baseline,
                  s: IsometricSettings) -> None:
    """Peak force (gross, net, relative), time to peak force, length of the pull."""
    rate, op = book.result.rate, base.oparams
    fpeak = float(x[peak])
    mass, rparams = _mass(base, s)
    book.put("peak_force", fpeak, "N", "imtp_peak", REF_IMTP, params=op,
             description="Highest vertical force of the pull (gross)")
    book.put("net_peak_force", fpeak - base.mean, "N", "imtp_peak_net", REF_IMTP, params=op,
             description="Peak force minus the baseline")
    book.put("relative_peak_force", fpeak / mass if mass > 0 else None, "N/kg", "imtp_peak_relative", REF_IMTP,
             params=rparams, reason=_no_mass(base, s),
             description="Peak force per kilogram of body mass" if mass > 0 else "")
    book.put("time_to_peak_force", (peak - onset) / rate, "s", "imtp_time_to_peak", REF_IMTP, params=op,
             description="Time from onset to peak force")
    book.put("length_of_pull", None if release is None else (release - onset) / rate, "s", "imtp_release", REF_IMTP,
             params=op, reason="force is still above the onset threshold at the end of the recording",
             description="" if release is None else "Time from onset back to the onset threshold")


def _pparams(base: _Baseline, s: IsometricSettings) -> dict[str, ParamValue]:
    return {**base.oparams, "peak_rfd_window": float(s.peak_rfd_window)}


def _peak_rfd(book: MetricBook, x: np.ndarray, onset: int, peak: int, base: _Baseline, s: IsometricSettings) -> int:
    """Peak RFD over a sliding window from onset to peak (event and metric); returns the window in samples."""
    res, rate = book.result, book.result.rate
    m = max(1, int(round(s.peak_rfd_window * rate)))
    pparams = _pparams(base, s)
    if peak - onset >= m:
        d = _sliding_rfd(x, onset, peak, m, rate)
        i = int(np.argmax(d))
        res.add_event(Event("peak_rfd", onset + i, rate, method="imtp_peak_rfd_sliding"))
        book.put("peak_rfd", float(d[i]), "N/s", "imtp_peak_rfd_sliding", REF_PEAK_RFD, params=pparams,
                 description="Highest mean RFD over a sliding window between onset and peak")
    else:
        reason = (f"peak comes {peak - onset} samples after onset, fewer than the {s.peak_rfd_window * 1000:g} "
                  "ms peak-RFD window")
        res.add_event(Event("peak_rfd", None, rate, method="imtp_peak_rfd_sliding", reason=reason))
        book.put("peak_rfd", None, "N/s", "imtp_peak_rfd_sliding", REF_PEAK_RFD, params=pparams, reason=reason)
    return m


def _window_rate_flag(res: TrialResult, s: IsometricSettings) -> None:
    """Flag ``low_sample_rate`` when an RFD window (or the peak-RFD window) holds fewer than
    :data:`~forcelab.analysis.jump_rate.MIN_SPAN_SAMPLES` samples at the trace's rate: e.g. RFD 0-50 ms at 80 Hz
    rests on 4 samples, so one sample of onset placement is a quarter of it. The values are kept (never hidden)."""
    spans = {f"rfd_0_{_ms(win)}ms": win for win in s.windows}
    spans["peak_rfd"] = s.peak_rfd_window
    notes = [note for name, span in spans.items()
             if (m := res.metrics.get(name)) is not None and m.value is not None
             and (note := span_note(name, span, res.rate))]
    if notes:
        res.flag("low_sample_rate", f"at {res.rate:g} Hz " + "; ".join(notes))


def _window_metrics(book: MetricBook, x: np.ndarray, onset: int, base: _Baseline, s: IsometricSettings) -> None:
    """Force (gross, net, relative), average RFD and impulse (gross, net) at each time window after onset."""
    rate, n = book.result.rate, len(x)
    mass, rparams = _mass(base, s)
    c = _cumtrapz(x)
    f0 = float(x[onset])
    book.put("force_at_0ms", f0, "N", "imtp_force_at", REF_IMTP, params=base.oparams, description="Force at onset")
    for win in s.windows:
        ms = _ms(win)
        wp: dict[str, ParamValue] = {**base.oparams, "window": win}
        names = (f"force_at_{ms}ms", f"net_force_at_{ms}ms", f"relative_force_at_{ms}ms", f"rfd_0_{ms}ms",
                 f"impulse_0_{ms}ms", f"net_impulse_0_{ms}ms")
        at = _at_window(x, c, onset, win, rate, base.mean)
        if at is None:
            reason = f"the recording ends {(n - 1 - onset) / rate * 1000:.0f} ms after onset, before {ms} ms"
            for name, unit in zip(names, ("N", "N", "N/kg", "N/s", "N*s", "N*s"), strict=True):
                book.put(name, None, unit, "imtp_windows", REF_IMTP, params=wp, reason=reason)
            continue
        fw, imp, net_imp = at
        book.put(names[0], fw, "N", "imtp_force_at", REF_IMTP, params=wp, description=f"Force {ms} ms after onset")
        book.put(names[1], fw - base.mean, "N", "imtp_force_at_net", REF_IMTP, params=wp,
                 description=f"Force {ms} ms after onset minus baseline")
        if mass > 0:
            book.put(names[2], fw / mass, "N/kg", "imtp_force_at_relative", REF_IMTP, params={**wp, **rparams},
                     description=f"Force {ms} ms after onset per kg of body mass")
        else:
            book.put(names[2], None, "N/kg", "imtp_force_at_relative", REF_IMTP, params=wp,
                     reason=_no_mass(base, s))
        book.put(names[3], (fw - f0) / win, "N/s", "imtp_rfd_average", REF_IMTP, params=wp,
                 description=f"Average rate of force development from onset to {ms} ms")
        book.put(names[4], imp, "N*s", "imtp_impulse", REF_IMTP, params=wp,
                 description=f"Impulse of the gross force from onset to {ms} ms")
        book.put(names[5], net_imp, "N*s", "imtp_impulse_net", REF_IMTP, params=wp,
                 description=f"Impulse of the force above baseline from onset to {ms} ms")


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


#: Default settings of :func:`analyze_isometric` (seconds, standard deviations, newtons), by archive key.
DEFAULTS: dict[str, Any] = IsometricSettings.defaults()
