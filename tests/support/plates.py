"""Synthetic jumps on plates that ring when unloaded and are not zeroed (issue 9), for analysis and GUI tests."""

from __future__ import annotations

import numpy as np

from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic

#: Sub-samples per output sample when an integrating converter is modelled (``adc="integrating"``).
OVERSAMPLE = 16


def ring(t: np.ndarray, t0: float, amp: float, freq: float, decay: float, span: float) -> np.ndarray:
    """Damped sinusoid starting at ``t0`` for ``span`` s (an unloaded plate ringing)."""
    d = t - t0
    on = (d >= 0) & (d < span)
    return np.where(on, amp * np.exp(-np.clip(d, 0, None) / decay) * np.sin(2 * np.pi * freq * d), 0.0)


def integrate_like_adc(fine: np.ndarray, m: int) -> np.ndarray:
    """Each output sample the mean of the ``m`` sub-samples centred on it, as an integrating (sigma-delta, e.g.
    HX711) converter reports the mean force over its conversion period; the first half-period repeats the first
    value, so sample ``k`` stays centred on ``k / rate`` (no delay)."""
    half = m // 2
    padded = np.concatenate((np.full(half, fine[0]), fine))
    n = (padded.size // m) * m
    return padded[:n].reshape(-1, m).mean(axis=1)


def ringing_cmj(rate: float, offset: float, amp: float, freq: float, *, before_landing: bool = False,
                noise: float = 2.0, drift: float = 0.0, seed: int = 1, height: float = 0.41,
                adc: str = "point") -> tuple[synthetic.SyntheticTrial, ForceTrace]:
    """A synthetic CMJ (its truth) and its trace with ``offset`` N on the plates, ``drift`` N over the trial and
    ringing of ``amp`` N at ``freq`` Hz for 50 ms after take-off (and before landing when ``before_landing``).

    ``adc="point"`` samples the force at ``k / rate``; ``"integrating"`` reports the mean over each sample period
    (what an HX711-class load-cell converter does: its averaging filter keeps ringing near or above the sample rate
    from aliasing into slow false force); noise (SD ``noise`` N on the total) is added after either."""
    if adc not in ("point", "integrating"):
        raise ValueError(f"adc must be 'point' or 'integrating', got {adc!r}")
    m = OVERSAMPLE if adc == "integrating" else 1
    s = synthetic.cmj(jump_height=height, rate=rate * m, noise_sd=0.0)
    tr = s.trace
    t = np.arange(tr.n) / (rate * m)
    to, ld = s.truth["takeoff_time"], s.truth["landing_time"]
    extra = offset + drift * t / t[-1] + ring(t, to, amp, freq, 0.05, 0.05)
    if before_landing:
        extra = extra + ring(t, ld - 0.06, amp, freq, 1.0, 0.05)
    left, right = tr.left + extra / 2, tr.right + extra / 2
    if m > 1:
        left, right = integrate_like_adc(left, m), integrate_like_adc(right, m)
    rng = np.random.default_rng(seed)
    sd = noise / np.sqrt(2.0)
    left = left + rng.normal(0.0, sd, left.size)
    right = right + rng.normal(0.0, sd, right.size)
    return s, ForceTrace.from_plates(rate, left, right)
