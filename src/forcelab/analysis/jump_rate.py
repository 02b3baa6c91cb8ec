"""What a jump's numbers are worth at its sample rate: the error bounds forcelab checks, and the low-rate flag.

Cheap load cells (HX711-class converters, e.g. Chronojump's) sample at 80-200 Hz. Flight time, contact time and
jump height stay meaningful there because take-off, landing and contact are placed between samples
(:func:`forcelab.analysis.events.edge_time`); a peak force is the highest *sample* and reads low when the peak
falls between samples; and a metric measured over a short span (a phase of a few samples, a rate of force
development over 50 ms) rests on too few samples to mean anything. The bounds below are the ones
docs/methods-jumps.md derives and tests/analysis/test_real_plates.py checks on synthetic jumps with known truth;
``bench/validation.py`` quotes them from here.
"""

from __future__ import annotations

import numpy as np

from forcelab.analysis.labels import metric_name
from forcelab.analysis.types import TrialResult

#: Flight time and contact time within this many seconds of the truth (synthetic suite, 100 Hz - 4 kHz, ringing,
#: offsets, drift, noise): the threshold's lead at each end (threshold / force slope, ~0.5-1 ms at 10 N) plus the
#: straight-line placement between samples.
FLIGHT_TIME_TOLERANCE = 0.002
#: Below 150 Hz the bound is this fraction of a sample, when larger than :data:`FLIGHT_TIME_TOLERANCE`.
LOW_RATE_SAMPLE_FRACTION = 0.3
#: Jump height by take-off velocity within this many metres of the truth (same suite).
JUMP_HEIGHT_TOLERANCE = 0.01
#: Rates (Hz) the bounds are checked at; below the lower one they are not claimed.
CHECKED_RATES = (100.0, 4000.0)
#: Plate ringing must appear at least this fast in the samples (its alias ``|f - k * rate|``, Hz): the flight
#: region's 40 ms moving mean averages ringing of 25 Hz and faster; point-sampled ringing near a multiple of the
#: rate aliases to slow false force no method can tell from the athlete.
MIN_ALIAS_FREQUENCY = 25.0
#: A duration (or a rate of force development over it) measured with fewer samples than this is flagged: one
#: sample at each end is then more than 10 % of it.
MIN_SPAN_SAMPLES = 10
#: A sampled peak force that the parabola through it and its neighbours puts more than this fraction higher is
#: flagged as under-read.
PEAK_UNDER_READ = 0.01
#: Metrics measured over a span (s) whose sample count is judged, with the metric that gives the span.
SPAN_METRICS = {
    "braking_rfd": "braking_time",
    "propulsive_rfd": "time_to_peak_force",  # squat jump: onset to peak force
    "unweighting_time": "unweighting_time",
    "braking_time": "braking_time",
    "propulsive_time": "propulsive_time",
    "time_to_peak_force": "time_to_peak_force",
    "landing_phase_time": "landing_phase_time",
}
#: Peak metrics whose under-read is estimated, with the event at their sample (when the result has it).
PEAK_EVENTS = {"peak_force": "peak_force"}


def flight_time_tolerance(rate: float) -> float:
    """The flight (and contact) time bound (s) at ``rate`` Hz: :data:`FLIGHT_TIME_TOLERANCE`, or
    :data:`LOW_RATE_SAMPLE_FRACTION` of a sample when that is larger (below 150 Hz)."""
    return max(FLIGHT_TIME_TOLERANCE, LOW_RATE_SAMPLE_FRACTION / rate)


def alias_frequency(freq: float, rate: float) -> float:
    """The frequency (Hz) at which a ``freq`` Hz oscillation appears when sampled at ``rate`` Hz."""
    return abs(freq - rate * round(freq / rate))


def peak_under_read(force: np.ndarray, i: int) -> float:
    """How much higher (N) than sample ``i`` the parabola through samples ``i - 1``, ``i``, ``i + 1`` peaks: an
    estimate of how much a sampled maximum under-reads the force's true peak (0 at the ends or when flat)."""
    if i <= 0 or i >= force.size - 1:
        return 0.0
    a, b, c = float(force[i - 1]), float(force[i]), float(force[i + 1])
    den = a - 2.0 * b + c
    if den >= 0:
        return 0.0
    d = 0.5 * (a - c) / den
    return max(0.0, -0.25 * (a - c) * d)


def span_note(name: str, span: float, rate: float) -> str | None:
    """Why metric ``name``, measured over ``span`` seconds, is not supported at ``rate`` Hz (fewer than
    :data:`MIN_SPAN_SAMPLES` samples), or ``None`` when it is. Shared by the jumps and the isometric windows."""
    n = abs(span) * rate
    if n >= MIN_SPAN_SAMPLES:
        return None
    return f"{metric_name(name)} rests on {n:.0f} samples ({abs(span) * 1000:.0f} ms)"


def rate_flags(res: TrialResult, force: np.ndarray, rate: float) -> None:
    """Flag ``low_sample_rate`` listing the metrics of ``res`` that the rate does not support: a span metric
    (:data:`SPAN_METRICS`) measured with fewer than :data:`MIN_SPAN_SAMPLES` samples, and a peak
    (:data:`PEAK_EVENTS`) the parabola through its samples puts more than :data:`PEAK_UNDER_READ` higher. The
    values are kept as they are (never hidden); the message says what each rests on."""
    parts: list[str] = []
    for name, span_name in SPAN_METRICS.items():
        m, span = res.metrics.get(name), res.value(span_name)
        if m is None or m.value is None or span is None:
            continue
        note = span_note(name, span, rate)
        if note:
            parts.append(note)
    for name, ev_name in PEAK_EVENTS.items():
        m = res.metrics.get(name)
        ev = res.events.get(ev_name)
        if m is None or m.value is None or ev is None or ev.index is None or not m.value:
            continue
        under = peak_under_read(force, ev.index)
        if under > PEAK_UNDER_READ * abs(m.value):
            parts.append(f"{metric_name(name)} may read {under:.0f} N ({under / abs(m.value) * 100:.1f} %) low: "
                         "the peak falls between samples")
    if parts:
        res.flag("low_sample_rate", f"at {rate:g} Hz " + "; ".join(parts))
