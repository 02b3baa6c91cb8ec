"""Optional low-pass filtering of force traces (off by default in every jump analysis).

A zero-lag Butterworth filter: the ``order``-th order design is run forwards and backwards
(``scipy.signal.sosfiltfilt``), so the phase lag cancels and the magnitude response is squared
(the effective order doubles). This matches the "4th-order zero-lag Butterworth" of the jump literature
and of jumpmetrics (``butter(4, ...)`` + ``filtfilt``).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

REFERENCE = "Winter 2009, Biomechanics and Motor Control of Human Movement, 4th ed., ch. 3"


def lowpass(force: np.ndarray, rate: float, cutoff: float, *, order: int = 4) -> np.ndarray:
    """Return ``force`` low-pass filtered at ``cutoff`` Hz with a zero-lag Butterworth filter.

    Raises ``ValueError`` when the cutoff is not between 0 and the Nyquist frequency, or the trace
    is too short for the filter's edge padding.
    """
    x = np.asarray(force, dtype=np.float64)
    if not np.isfinite(cutoff) or cutoff <= 0:
        raise ValueError(f"filter cutoff must be a positive frequency in Hz, got {cutoff!r}")
    nyquist = rate / 2.0
    if cutoff >= nyquist:
        raise ValueError(f"filter cutoff {cutoff:g} Hz must be below the Nyquist frequency {nyquist:g} Hz")
    if order < 1:
        raise ValueError(f"filter order must be at least 1, got {order!r}")
    sos = signal.butter(int(order), cutoff / nyquist, btype="low", output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    if x.size <= padlen:
        raise ValueError(f"trace of {x.size} samples is too short to filter (needs more than {padlen})")
    return np.asarray(signal.sosfiltfilt(sos, x), dtype=np.float64)
