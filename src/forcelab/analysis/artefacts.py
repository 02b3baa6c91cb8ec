"""Recording artefacts: clipping, a dead plate, drift, mains hum, a step-off before the landing settled, and one
plate unloaded — each detected on the trial as recorded and flagged in words, never hidden or corrected.

:func:`flag_artefacts` runs every check on a trial that has been analysed (it reads the analysis' events —
weighing window, onset, take-off, landing, stabilisation — and its body weight) and adds a flag per artefact
found to the trial's flags, plus two metrics that measure the recording itself (``drift_rate`` in N/s and
``mains_hum_amplitude`` in N, each with its method and these settings). The checks look at the forces as given
to the analysis (no low-pass, no zeroing), since the artefacts live there. Each check is one function below
with its definition, threshold, rationale and reference; every threshold is a field of
:class:`ArtefactSettings` (one frozen type, as :mod:`forcelab.analysis.settings`). The flags' words for a person
are in :data:`forcelab.analysis.labels.FLAG_WORDS`. Methods: docs/methods-artefacts.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from forcelab.analysis.types import Flag, ForceTrace, Metric, ParamValue, TrialResult
from forcelab.analysis.weighing import sliding_mean_sd

#: References of the two metrics (every check's own reference is in its docstring and docs/methods-artefacts.md).
REF_DRIFT = "Street et al. 2001, J Appl Biomech 17(1):43-54; Owen et al. 2014, J Strength Cond Res 28(6):1552-1558"
REF_HUM = "Harris 1978, Proc IEEE 66(1):51-83 (Hann-windowed amplitude spectrum)"

#: The flag codes these checks raise (each in words in :data:`forcelab.analysis.labels.FLAG_WORDS`).
ARTEFACT_FLAGS = ("channel_clipped", "plate_disconnected", "baseline_drift", "mains_hum", "step_off_before_settled",
                  "plate_unloaded", "samples_lost")


@dataclass(frozen=True)
class ArtefactSettings:
    """Thresholds of the artefact checks (a field's name is its key in the metrics' ``params``).

    Clipping: ``clip_min_duration`` (s) flat at the channel's maximum; ``clip_full_scale`` (N per plate channel,
    from the device's range when known, else ``None``: identical maximum values) with ``clip_margin`` (fraction
    of full scale counted as at full scale); ``clip_min_force`` (N) below which a flat maximum is an unloaded
    plate, not a clip. Dead plate: ``disconnect_min_duration`` (s), ``disconnect_below`` (N under the plate's
    unloaded level), ``loaded_fraction`` (of body weight, the other plate "carries load"). Drift:
    ``drift_window`` (s of quiet stance or unloaded plate compared), ``drift_quiet_sd`` (N, the most a quiet
    window may vary), ``drift_max_change`` (N between two unloaded readings), ``drift_max_stance_change`` (N
    between two quiet stances), ``drift_max_slope`` (N/s within the weighing window, when nothing is there to
    compare). Hum: ``mains_frequencies`` (Hz), ``hum_ratio`` (line over the median of its neighbouring bins),
    ``hum_min_amplitude`` (N), ``hum_band`` (Hz either side holding the neighbours). Step-off: ``step_off_fraction`` (of body weight, "off the plate"),
    ``step_off_min_duration`` (s). One plate unloaded: ``unloaded_fraction`` (share of the total force),
    ``landing_window`` (s after touchdown that make the landing phase).
    """

    clip_min_duration: float = 0.010
    clip_full_scale: float | None = None
    clip_margin: float = 0.002
    clip_min_force: float = 100.0
    disconnect_min_duration: float = 0.100
    disconnect_below: float = 50.0
    loaded_fraction: float = 0.2
    drift_window: float = 0.5
    drift_quiet_sd: float = 10.0
    drift_max_change: float = 10.0
    drift_max_stance_change: float = 50.0
    drift_max_slope: float = 50.0
    mains_frequencies: tuple[float, ...] = (50.0, 60.0)
    hum_ratio: float = 8.0
    hum_min_amplitude: float = 1.0
    hum_band: float = 15.0
    step_off_fraction: float = 0.1
    step_off_min_duration: float = 0.3
    unloaded_fraction: float = 0.10
    landing_window: float = 0.5

    def params(self) -> dict[str, ParamValue]:
        """Every setting by key, as stored with the metrics (``mains_frequencies`` as text, ``"50,60"``)."""
        out: dict[str, ParamValue] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = ",".join(f"{x:g}" for x in v) if isinstance(v, tuple) else v
        return out


DEFAULT_ARTEFACT_SETTINGS = ArtefactSettings()


@dataclass(frozen=True)
class Measure:
    """A measured quantity of the recording (value, or ``None`` with the reason) and how it was measured."""

    value: float | None
    method: str
    reason: str | None = None


# --------------------------------------------------------------------------------------------------- helpers
def _runs(mask: np.ndarray) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of every run of true values in ``mask``, in order (vectorised edge finding)."""
    if mask.size == 0:
        return iter(())
    d = np.diff(np.concatenate(([0], mask.view(np.int8) if mask.dtype == bool else mask.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return zip(starts.tolist(), stops.tolist(), strict=True)


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """``(start, length)`` of the longest run of true values in ``mask`` (``(0, 0)`` when none)."""
    best = (0, 0)
    for a, b in _runs(mask):
        if b - a > best[1]:
            best = (a, b - a)
    return best


def _index(result: TrialResult, name: str) -> int | None:
    ev = result.events.get(name)
    return None if ev is None else ev.index


def _body_weight(trace: ForceTrace, result: TrialResult) -> float | None:
    """The analysis' body weight (or, for a pull, its baseline), else the median force on the plate."""
    for key in ("body_weight", "baseline_force"):
        v = result.value(key)
        if v is not None and v > 0:
            return v
    on = trace.total[trace.total >= 200.0]
    return float(np.median(on)) if on.size else None


def _plates(trace: ForceTrace) -> list[tuple[str, np.ndarray]]:
    """The channels artefacts are looked for in: each plate with two plates, else the one force."""
    if trace.left is not None and trace.right is not None:
        return [("left plate", trace.left), ("right plate", trace.right)]
    return [("force", trace.total)]


def _quiet_window(result: TrialResult) -> tuple[int, int] | None:
    """The analysis' quiet stance: the weighing window of a jump, the baseline window of a pull."""
    a, b = _index(result, "weighing_start"), _index(result, "weighing_end")
    if a is None or b is None:
        a, b = _index(result, "baseline_start"), _index(result, "baseline_end")
        b = None if b is None else b + 1  # baseline_end is the window's last sample
    if a is None or b is None or b - a < 4:
        return None
    return a, b


def _flight(result: TrialResult) -> tuple[int, int] | None:
    """The middle half of the jump's flight (ringing at its ends left out), as sample bounds."""
    a, b = _index(result, "takeoff"), _index(result, "landing")
    if a is None or b is None or b - a < 8:
        return None
    q = (b - a) // 4
    return a + q, b - q


def _line_fit(y: np.ndarray) -> tuple[float, float]:
    """``(slope per sample, intercept)`` of the least-squares line through ``y`` at 0, 1, 2, ... (closed form,
    several times faster than ``np.polyfit`` on the short windows here)."""
    n = y.size
    t = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
    slope = float(t @ y) / float(t @ t) if n > 1 else 0.0
    return slope, float(y.mean()) - slope * (n - 1) / 2.0


@dataclass(frozen=True)
class _Plan:
    """What the hum spectrum of an ``n``-sample window needs, computed once per window length and rate: the
    Hann window, the centred sample times of the detrend, the bins kept, and per mains line the positions (in
    the kept bins) of its own bins and of its neighbours."""

    window: np.ndarray
    scale: float
    t: np.ndarray
    tt: float
    bins: np.ndarray
    lines: tuple[np.ndarray, ...]
    neighbours: tuple[np.ndarray, ...]


@lru_cache(maxsize=16)
def _spectrum_plan(n: int, rate: float, lines: tuple[float, ...], band: float) -> _Plan:
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    df = float(freqs[1])
    window = np.hanning(n)
    keep = np.zeros(freqs.size, dtype=bool)
    for f in lines:
        keep |= np.abs(freqs - f) <= band
    bins = np.flatnonzero(keep)
    kept = freqs[bins]
    at = tuple(np.flatnonzero(np.abs(kept - f) <= max(df, 1.0)) for f in lines)
    beside = tuple(np.flatnonzero((np.abs(kept - f) <= band) & (np.abs(kept - f) >= 3 * df)) for f in lines)
    t = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
    return _Plan(window, 2.0 / float(window.sum()), t, float(t @ t), bins, at, beside)


def _ms(samples: int, rate: float) -> str:
    return f"{samples / rate * 1000:.0f} ms"


# --------------------------------------------------------------------------------------------------- checks
def detect_clipping(trace: ForceTrace, result: TrialResult | None = None,
                    s: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> list[Flag]:
    """Clipping / saturation of a channel (flag ``channel_clipped``).

    Definition: a plate channel (each plate with two, else the force) holds its maximum for at least
    ``clip_min_duration`` s (10 ms, and at least 3 samples). The maximum is the device's full scale when known
    (``clip_full_scale``, N: samples within ``clip_margin`` of it count), else the channel's own largest value,
    which a clipped channel repeats exactly (an ADC at its last code, calibrated linearly, gives one value).
    A flat maximum below ``clip_min_force`` (100 N) is an unloaded plate, not a clip.
    Rationale: a real force peak is smooth; even on a coarsely quantised plate (≈3 N steps) a jump's peak stays
    within one step for a few milliseconds, while an amplifier at its rail stays there for as long as the
    force exceeds it — tens of milliseconds in a landing. Peak force, RFD and impulse over a clipped stretch
    are underestimated, so they must not be shown as valid.
    With ``result`` the message says which phase the clip is in (after the landing, the landing's peak).
    Reference: McMahon et al. 2018 (plates must not saturate); the device's ADC range (hardware/profiles).
    """
    out: list[Flag] = []
    landing = None if result is None else _index(result, "landing")
    need = max(3, math.ceil(s.clip_min_duration * trace.rate - 1e-9))
    for name, x in _plates(trace):
        if x.size < need:
            continue
        if s.clip_full_scale is not None:
            level = float(s.clip_full_scale)
            at = x >= level * (1.0 - s.clip_margin)
        else:
            level = float(x.max())
            at = x >= level - 1e-9 * max(1.0, abs(level))
        if level < s.clip_min_force or np.count_nonzero(at) < need:  # a peak seen once: the usual case
            continue
        start, length = _longest_run(at)
        if length >= need:
            what = "its full scale " if s.clip_full_scale is not None else ""
            hurt = (" in the landing: peak landing force and landing impulse are underestimated"
                    if landing is not None and start >= landing else
                    ": peak force, RFD and impulse there are underestimated")
            out.append(Flag("channel_clipped", f"{name} clipped at {what}{level:,.0f} N for {_ms(length, trace.rate)} "
                            f"(from {start / trace.rate:.3f} s){hurt}"))
    return out


def detect_disconnect(trace: ForceTrace, result: TrialResult,
                      s: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> list[Flag]:
    """A plate that reads zero or is disconnected mid-trial (flag ``plate_disconnected``; two plates only).

    Definition: for at least ``disconnect_min_duration`` s (100 ms) one plate reads a constant value (every
    sample equal to its neighbour) within ``disconnect_below`` N (50 N) of its unloaded level, or reads more
    than ``disconnect_below`` N below it, while the other plate carries more than ``loaded_fraction`` (20 %) of
    body weight. The unloaded level is the plate's median in the middle half of the flight (0 N without one).
    Rationale: an analogue plate is never exactly constant (its noise moves the last bits every sample), and an
    unloaded plate sits at its zero, not far below it; a dropped cable or amplifier gives exactly 0 (a digital
    link) or a rail far below zero. Requiring the other plate to carry load separates this from a flight, when
    both plates read their zero. A plate so coarsely quantised that its unloaded noise is under one step would
    read constant too: a single-leg stance on it is reported as a dead plate (the flag names the plate and the
    time; the tester judges).
    Reference: McMahon et al. 2018 (check every channel before testing).
    """
    if trace.left is None or trace.right is None:
        return []
    bw = _body_weight(trace, result)
    if bw is None:
        return []
    need = max(3, math.ceil(s.disconnect_min_duration * trace.rate - 1e-9))
    fl = _flight(result)
    out: list[Flag] = []
    for (name, x), (_, other) in zip(_plates(trace), reversed(_plates(trace)), strict=True):
        zero = float(np.median(x[fl[0]:fl[1]])) if fl is not None else 0.0
        loaded = other > s.loaded_fraction * bw
        if np.count_nonzero(loaded & (x <= zero + s.disconnect_below)) < need:  # both feet down: the usual case
            continue
        same = x[1:] == x[:-1]
        flat = np.concatenate(([False], same)) | np.concatenate((same, [False]))  # equal to a neighbour
        dead = (flat & (np.abs(x - zero) <= s.disconnect_below)) | (x < zero - s.disconnect_below)
        start, length = _longest_run(dead & loaded)
        if length >= need:
            seg = x[start:start + length]
            how = f"exactly {seg[0]:.0f} N" if np.all(seg == seg[0]) else f"down to {float(seg.min()):.0f} N"
            out.append(Flag("plate_disconnected",
                               f"{name} read {how} for {_ms(length, trace.rate)} from {start / trace.rate:.3f} s while "
                               f"the other plate carried load: disconnected or dropped out; its force is missing there"))
    return out


def _level(x: np.ndarray, a: int, b: int) -> float:
    return float(np.median(x[a:b]))


def measure_drift(trace: ForceTrace, result: TrialResult,
                  s: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> tuple[Measure, Flag | None]:
    """Drift over the trial (metric ``drift_rate``, N/s; flag ``baseline_drift``).

    Definition: the change between two readings of the same true force, over the time between them, from the
    best pair the trial has. First choice, the unloaded plate at two times: the flight (median of its middle
    half) and an unloaded stretch of at least ``drift_window`` s (0.5 s) at the start or the end of the trace
    (before stepping on, after stepping off; force under ``step_off_fraction`` of body weight), the one
    furthest from the flight; flag when they differ by more than ``drift_max_change`` (10 N). Else two quiet
    stances: the weighing window before the jump and the steadiest ``drift_window`` s of stance (SD at most
    ``drift_quiet_sd``, 10 N) after the landing settled; flag beyond ``drift_max_stance_change`` (50 N). Else
    the least-squares slope of the quiet stance itself; flag beyond ``drift_max_slope`` (50 N/s).
    Rationale: an unloaded plate reads its zero, so two such readings differ by drift alone; on the real
    recordings in ../shared/data they agree within 5 N over a minute (long_1: unloaded medians -1.6 to
    +5.2 N), so 10 N is drift (and twice the zero tolerance that flags an unzeroed plate). A standing athlete's
    0.5 s mean wanders by ±20 N between quiet stretches of one recording (long_1: 805-842 N at one body
    weight: settling after a landing, shifting weight), and a 1 s stance's slope reaches 30 N/s from sway alone
    (long_4), so those two estimates only catch gross drift, and say so in their method. Drift matters because
    body weight is taken before the jump and subtracted through it: the drift enters the net force that is
    integrated.
    Reference: Street et al. 2001 (plate zero in flight), Owen et al. 2014 (body weight from quiet stance).
    """
    rate, F = trace.rate, trace.total
    bw = _body_weight(trace, result)
    n = max(4, int(round(s.drift_window * rate)))
    # 1. the unloaded plate at two times: flight and the start or end of the trace
    fl = _flight(result)
    level = s.step_off_fraction * bw if bw is not None else 0.0
    if fl is not None and bw is not None and (F[0] < level or F[-1] < level):  # the trace starts or ends unloaded
        off = F < level
        head = F.size if off.all() else int(np.argmin(off))
        tail = 0 if off.all() else F.size - int(np.argmin(off[::-1]))
        mid = (fl[0] + fl[1]) / 2
        pairs: list[tuple[float, float, str]] = []
        if n <= head <= fl[0]:
            pairs.append((_level(F, 0, head), (mid - head / 2) / rate, "before stepping on"))
        if F.size - tail >= n and tail >= fl[1]:
            pairs.append((_level(F, tail, F.size), ((tail + F.size) / 2 - mid) / rate, "after stepping off"))
        if pairs:
            zero, dt, when = max(pairs, key=lambda p: p[1])
            flight = _level(F, *fl)
            if when == "before stepping on":
                return _drift(flight - zero, dt, "unloaded_plate_off_vs_flight", "the unloaded plate in flight reads",
                              f"the unloaded plate {when}", s.drift_max_change)
            return _drift(zero - flight, dt, "unloaded_plate_flight_vs_off", f"the unloaded plate {when} reads",
                          "in flight", s.drift_max_change)
    # 2. quiet stance before the jump and after the landing
    quiet = _quiet_window(result)
    landing, takeoff = _index(result, "landing"), _index(result, "takeoff")
    if quiet is not None and takeoff is not None and quiet[1] <= takeoff and landing is not None and bw is not None:
        settled = _index(result, "stabilisation")
        start = settled if settled is not None else landing + int(round(s.landing_window * rate))
        if F.size - start >= n:
            mean, sd = sliding_mean_sd(F[start:], n)
            sd = np.where(mean >= 0.5 * bw, sd, np.inf)
            j = int(np.argmin(sd))
            if np.isfinite(sd[j]) and sd[j] <= s.drift_quiet_sd:
                before = float(F[quiet[0]:quiet[1]].mean())
                dt = (start + j + n / 2 - (quiet[0] + quiet[1]) / 2) / rate
                return _drift(float(mean[j]) - before, dt, "quiet_stance_before_vs_after",
                              "the stance after the landing reads", "the weighing window", s.drift_max_stance_change)
    # 3. slope of the quiet stance
    if quiet is None:
        return Measure(None, "none", "no quiet stance and no unloaded plate to compare: drift not measured"), None
    a, b = quiet
    slope = _line_fit(F[a:b])[0] * rate
    m = Measure(slope, "quiet_stance_slope")
    if abs(slope) > s.drift_max_slope:
        return m, Flag("baseline_drift", f"force drifted {slope:+.0f} N/s through the quiet stance (over "
                          f"{s.drift_max_slope:g} N/s, more than sway gives): the plate is drifting")
    return m, None


def _drift(change: float, dt: float, method: str, later: str, earlier: str,
           limit: float) -> tuple[Measure, Flag | None]:
    """The drift measure of ``change`` N over ``dt`` s, and its flag when ``|change|`` exceeds ``limit`` N."""
    per_s = change / dt if dt > 0 else 0.0
    m = Measure(per_s, method)
    if abs(change) > limit:
        return m, Flag("baseline_drift", f"plate drifted {change:+.0f} N over {dt:.1f} s ({per_s:+.1f} N/s): {later} "
                          f"{change:+.0f} N against {earlier} (over {limit:g} N)")
    return m, None


def measure_hum(trace: ForceTrace, result: TrialResult,
                s: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> tuple[Measure, Flag | None]:
    """Mains hum (metric ``mains_hum_amplitude``, N; flag ``mains_hum``).

    Definition: the amplitude spectrum (linear trend removed, Hann window, amplitude-corrected: a sinusoid of
    amplitude A reads A) of the quiet stance (the weighing or baseline window), on each plate and the total.
    The hum amplitude is the highest bin within one bin (at least 1 Hz) of each mains frequency
    (``mains_frequencies``, 50 and 60 Hz) that lies below the Nyquist frequency; its reference is the median
    of the bins within ``hum_band`` (15 Hz) either side, three bins and more away from the line. Flag when a
    line exceeds ``hum_ratio`` (8) times its reference and ``hum_min_amplitude`` (1 N).
    Rationale: stance sway has no power at 50-60 Hz, so on a healthy plate those bins hold only the
    amplifier's white noise and a line 8 times above its neighbours (18 dB) is not chance (white-noise amplitude
    bins are Rayleigh-distributed: one exceeds 8 times their median with probability ~1e-19). Below 1 N a line is smaller than the plates' own noise
    and moves no threshold. At rates whose Nyquist frequency is below the band the hum is not measured (it
    aliases elsewhere; the metric says so).
    Reference: Harris 1978 (windowed spectra and their amplitude correction).
    """
    quiet = _quiet_window(result)
    if quiet is None:
        return Measure(None, "none", "no quiet stance to take the spectrum of: hum not measured"), None
    a, b = quiet
    rate, n = trace.rate, b - a
    lines = tuple(f for f in s.mains_frequencies if f + s.hum_band < rate / 2)
    if not lines or n < 16:
        return Measure(None, "none", f"at {rate:g} Hz the mains frequencies are above or too near the Nyquist "
                       f"frequency ({rate / 2:g} Hz): hum not measured"), None
    plan = _spectrum_plan(n, rate, lines, s.hum_band)
    if any(b.size == 0 for b in plan.neighbours):
        return Measure(None, "none", f"the quiet stance ({n} samples) is too short to resolve {s.hum_band:g} Hz "
                       "either side of the mains frequencies: hum not measured"), None
    names, segs = ["the total force"], [trace.total[a:b]]
    if trace.left is not None and trace.right is not None:
        names, segs = ["the left plate", "the right plate"], [trace.left[a:b], trace.right[a:b]]
    x = np.array(segs)
    x -= x.mean(axis=1, keepdims=True) + np.outer(x @ plan.t / plan.tt, plan.t)  # linear trend removed
    spec = np.fft.rfft(x * plan.window, axis=1)[:, plan.bins]
    if len(segs) == 2:  # the total's spectrum is the plates' sum (the transform is linear)
        spec = np.vstack((spec, spec.sum(axis=0)))
        names.append("the total force")
    amp = np.abs(spec) * plan.scale
    best: tuple[float, float, float, str] = (0.0, 0.0, 1.0, "")
    for f, at, beside in zip(lines, plan.lines, plan.neighbours, strict=True):
        peak = amp[:, at].max(axis=1)
        ref = np.median(amp[:, beside], axis=1)
        k = int(np.argmax(peak))
        if peak[k] > best[0]:
            best = (float(peak[k]), f, float(peak[k] / ref[k]) if ref[k] > 0 else math.inf, names[k])
    line, f, ratio, name = best
    m = Measure(line, f"hann_amplitude_spectrum_quiet_stance_{'_'.join(f'{x:g}' for x in lines)}hz")
    if line >= s.hum_min_amplitude and ratio >= s.hum_ratio:
        return m, Flag("mains_hum", f"mains hum: a {f:g} Hz line of {line:.1f} N in {name} during the quiet stance, "
                          f"{ratio:.0f}× the noise beside it: check the earthing and the plate cables")
    return m, None


def detect_step_off(trace: ForceTrace, result: TrialResult,
                    s: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> Flag | None:
    """A step-off before the landing settled (flag ``step_off_before_settled``).

    Definition: after the landing, the total force falls below ``step_off_fraction`` (10 %) of body weight and
    stays there for ``step_off_min_duration`` s (0.3 s) or to the end of the trace (at least 50 ms), while the
    analysis found no stabilisation (force within its band of body weight for its hold time) before it.
    Rationale: a step-off after the force settled is the end of the trial; one before it means the landing
    never settled, so landing phase, landing depth and time to stabilisation describe the step-off, not the
    landing. A brief dip (a hop on the spot) is shorter than 0.3 s, which is the flight of a 11 cm hop.
    Reference: McMahon et al. 2018 (landing phase and stabilisation).
    """
    landing = _index(result, "landing")
    bw = _body_weight(trace, result)
    if landing is None or bw is None or _index(result, "stabilisation") is not None:
        return None
    F, rate = trace.total, trace.rate
    off = F[landing:] < s.step_off_fraction * bw
    for a, b in _runs(off):
        length = b - a
        to_end = landing + b == F.size
        if length >= s.step_off_min_duration * rate or (to_end and length >= 0.05 * rate):
            t = (landing + a) / rate
            return Flag("step_off_before_settled",
                           f"stepped off {(t - landing / rate):.2f} s after landing (force under "
                           f"{s.step_off_fraction * bw:.0f} N from {t:.3f} s) before the landing settled: landing and "
                           "stabilisation metrics are not meaningful")
    return None


def detect_unloaded_plate(trace: ForceTrace, result: TrialResult,
                          s: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> Flag | None:
    """One plate unloaded in a two-footed phase (flag ``plate_unloaded``; two plates only).

    Definition: over a phase where both feet should load — the quiet stance (weighing or baseline window),
    the take-off (onset, or a drop jump's contact, to take-off) and the landing (touchdown to
    ``landing_window`` s, 0.5 s, after) — one plate's share of the summed plate force (its impulse over the
    phase) is under ``unloaded_fraction`` (10 %).
    Rationale: even a strongly asymmetric athlete (30 % asymmetry is rare) puts 35 % on the weaker side; under
    10 % is a single-leg take-off or landing (or a foot off its plate), and per-limb values and asymmetry then
    describe one leg, not a difference between legs.
    Reference: Bishop et al. 2018 (inter-limb asymmetry).
    """
    if trace.left is None or trace.right is None:
        return None
    rate = trace.rate
    landing = _index(result, "landing")
    start = _index(result, "onset")
    if start is None:
        start = _index(result, "contact")
    phases: list[tuple[str, int | None, int | None]] = []
    quiet = _quiet_window(result)
    if quiet is not None:
        phases.append(("quiet stance", *quiet))
    phases.append(("take-off", start, _index(result, "takeoff")))
    if landing is not None:
        phases.append(("landing", landing, min(trace.n, landing + int(round(s.landing_window * rate)))))
    low: list[str] = []
    for phase, a, b in phases:
        if a is None or b is None or b - a < 2:
            continue
        sl, sr = float(trace.left[a:b].sum()), float(trace.right[a:b].sum())
        if not sl + sr > 0:
            continue
        share, side = min((sl / (sl + sr), "left"), (sr / (sl + sr), "right"))
        if share < s.unloaded_fraction:
            low.append(f"the {side} plate carried {share * 100:.0f} % of the force in the {phase}")
    if not low:
        return None
    text = "; ".join(low)
    return Flag("plate_unloaded", text[:1].upper() + text[1:] + " (a single-leg movement or a foot off its plate): "
                   "per-limb values and asymmetry there describe one leg")


# ------------------------------------------------------------------------------------------- lost samples
def detect_lost_samples(trace: ForceTrace, result: TrialResult) -> Flag | None:
    """Samples the device sent but the host never got, inside the trial (flag ``samples_lost``).

    Definition: ``trace.lost`` is not empty (the engine fills it from the device's sample counter; a stored trial
    from its archived counter, :func:`forcelab.analysis.types.lost_from_counter`). The trace closes over a gap,
    so every duration and integral across it is short by the missing samples (a 20-sample gap in a 1 kHz flight
    takes 20 ms off the flight time, about 2.8 cm off a 35 cm jump): the flag names each gap's time, its size and
    the events it falls between, so the tester knows which numbers to distrust. Nothing is interpolated: a
    guess at the missing force would hide the loss. Cause: an overrun on the serial link (the host read too
    late), a cable glitch or a reconnection. Reference: none needed (a bookkeeping fact of the device counter).
    """
    if not trace.lost:
        return None
    found = sorted((e.index, e.name) for e in result.events.values() if e.index is not None)
    parts = []
    for i, count in trace.lost:
        before = [name for idx, name in found if idx < i]
        after = [name for idx, name in found if idx >= i]
        where = (f"between {before[-1]} and {after[0]}" if before and after else
                 f"after {before[-1]}" if before else f"before {after[0]}" if after else "")
        size = f"{count} sample{'s' if count != 1 else ''} ({1000.0 * count / trace.rate:.0f} ms)" if count else \
            "an unknown number of samples (counter reset or reconnection)"
        parts.append(f"{size} at {i / trace.rate:.3f} s" + (f", {where}" if where else ""))
    return Flag("samples_lost", "samples lost inside the trial: " + "; ".join(parts)
                + "; durations and impulses across a gap are short by the missing time")


# --------------------------------------------------------------------------------------------------- all
def flag_artefacts(trace: ForceTrace, result: TrialResult,
                   settings: ArtefactSettings = DEFAULT_ARTEFACT_SETTINGS) -> None:
    """Run every artefact check on ``trace`` (the forces as analysed into ``result``) and add to ``result``
    a flag per artefact found and the metrics ``drift_rate`` (N/s) and ``mains_hum_amplitude`` (N).

    ``result``'s events are sample indices into ``trace``. The flags are added after the analysis' own; the
    metrics carry their settings of :meth:`ArtefactSettings.params` as their parameters."""
    s = settings
    found: list[Flag] = []
    found += detect_clipping(trace, result, s)
    found += detect_disconnect(trace, result, s)
    drift, fd = measure_drift(trace, result, s)
    hum, fh = measure_hum(trace, result, s)
    for f in (fd, fh, detect_step_off(trace, result, s), detect_unloaded_plate(trace, result, s),
              detect_lost_samples(trace, result)):
        if f is not None:
            found.append(f)
    params = s.params()
    dparams = {k: v for k, v in params.items() if k.startswith("drift_") or k in ("step_off_fraction", "landing_window")}
    hparams = {k: v for k, v in params.items() if k.startswith("hum_") or k == "mains_frequencies"}
    if "drift_rate" not in result.metrics:
        result.add_metric(Metric("drift_rate", drift.value, "N/s", "drift_" + drift.method, dparams, REF_DRIFT,
                                 reason=drift.reason, description="How fast the plate's reading of one true force "
                                 "changed during the trial (a recording check, not a performance metric)."))
    if "mains_hum_amplitude" not in result.metrics:
        result.add_metric(Metric("mains_hum_amplitude", hum.value, "N", hum.method, hparams, REF_HUM, reason=hum.reason,
                                 description="Largest 50/60 Hz line in the quiet stance (a recording check)."))
    result.flags.extend(found)
