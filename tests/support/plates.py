"""Synthetic jumps on plates that ring when unloaded and are not zeroed (issue 9), for analysis and GUI tests."""

from __future__ import annotations

import numpy as np

from forcelab.analysis.types import ForceTrace
from forcelab.simulation import synthetic


def ring(t: np.ndarray, t0: float, amp: float, freq: float, decay: float, span: float) -> np.ndarray:
    """Damped sinusoid starting at ``t0`` for ``span`` s (an unloaded plate ringing)."""
    d = t - t0
    on = (d >= 0) & (d < span)
    return np.where(on, amp * np.exp(-np.clip(d, 0, None) / decay) * np.sin(2 * np.pi * freq * d), 0.0)


def ringing_cmj(rate: float, offset: float, amp: float, freq: float, *, before_landing: bool = False,
                noise: float = 2.0, drift: float = 0.0, seed: int = 1,
                height: float = 0.41) -> tuple[synthetic.SyntheticTrial, ForceTrace]:
    """A synthetic CMJ (its truth) and its trace with ``offset`` N on the plates, ``drift`` N over the trial and
    ringing of ``amp`` N at ``freq`` Hz for 50 ms after take-off (and before landing when ``before_landing``)."""
    s = synthetic.cmj(jump_height=height, rate=rate, noise_sd=noise, seed=seed)
    tr = s.trace
    t = np.arange(tr.n) / rate
    to, ld = s.truth["takeoff_time"], s.truth["landing_time"]
    extra = offset + drift * t / t[-1] + ring(t, to, amp, freq, 0.05, 0.05)
    if before_landing:
        extra = extra + ring(t, ld - 0.06, amp, freq, 1.0, 0.05)
    return s, ForceTrace.from_plates(rate, tr.left + extra / 2, tr.right + extra / 2)
