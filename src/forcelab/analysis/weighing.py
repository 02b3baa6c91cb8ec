"""Weighing: body weight and its noise from a quiet stance window.

Default (Owen et al. 2014; the "lowest SD window" of commercial systems): slide a window of
``window`` seconds over the search region and keep the one with the smallest standard deviation whose
mean is a plausible body weight. Option ``method="fixed"``: a window of ``window`` seconds starting at
``start`` seconds. The SD is the sample SD (ddof=1). No quiet stance, or a mean below ``min_body_weight``,
gives a not-found weighing with the reason; an SD above ``max_sd`` marks the weighing unsteady.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REFERENCE = "Owen et al. 2014, J Strength Cond Res 28(6):1552-1558"
METHODS = ("steadiest", "fixed")


@dataclass(frozen=True)
class Weighing:
    """Result of weighing: ``body_weight`` (N) and ``sd`` (N) over samples ``[start, stop)``."""

    body_weight: float | None
    sd: float | None
    start: int | None
    stop: int | None
    method: str
    unsteady: bool = False
    reason: str | None = None

    @property
    def found(self) -> bool:
        """True when a body weight was measured."""
        return self.body_weight is not None


def sliding_mean_sd(x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample SD of every window of ``n`` samples of ``x`` (window ``i`` is ``x[i:i+n]``).

    Cumulative sums of the values minus their first sample, so the variance does not lose precision to
    cancellation on large offsets. Needs ``2 <= n <= len(x)``.
    """
    ref = float(x[0])
    d = x - ref
    c1 = np.concatenate(([0.0], np.cumsum(d)))
    c2 = np.concatenate(([0.0], np.cumsum(d * d)))
    s1 = c1[n:] - c1[:-n]
    s2 = c2[n:] - c2[:-n]
    var = (s2 - s1 * s1 / n) / (n - 1)
    return s1 / n + ref, np.sqrt(np.maximum(var, 0.0))


def weigh(
    force: np.ndarray,
    rate: float,
    *,
    search_start: int = 0,
    search_stop: int | None = None,
    method: str = "steadiest",
    window: float = 1.0,
    start: float = 0.0,
    min_body_weight: float = 200.0,
    max_sd: float = 10.0,
) -> Weighing:
    """Weigh the athlete on ``force`` (N) sampled at ``rate`` (Hz).

    ``search_start``/``search_stop`` (sample indices) bound the region searched by the steadiest
    method (normally from the start of the trace to the movement). ``start`` (s) places the fixed window.
    """
    if method not in METHODS:
        raise ValueError(f"weighing method must be one of {METHODS}, got {method!r}")
    if not window > 0:
        raise ValueError(f"weighing window must be positive, got {window!r} s")
    x = np.asarray(force, dtype=np.float64)
    n = int(round(window * rate))
    if n < 2:
        return Weighing(None, None, None, None, method, reason=f"a {window:g} s window holds fewer than 2 samples")
    stop_limit = x.size if search_stop is None else min(int(search_stop), x.size)
    if method == "fixed":
        i0 = int(round(start * rate))
        i1 = i0 + n
        if i0 < 0 or i1 > x.size:
            return Weighing(
                None, None, None, None, method,
                reason=f"fixed weighing window {start:g}-{start + window:g} s lies outside the {x.size / rate:g} s trace",
            )
        return weigh_window(x, i0, n, method=method, min_body_weight=min_body_weight, max_sd=max_sd)
    else:
        i_lo = max(0, int(search_start))
        region = x[i_lo:stop_limit]
        if region.size < n:
            return Weighing(
                None, None, None, None, method,
                reason=f"only {region.size / rate:.2f} s of stance to weigh on; weighing needs {window:g} s of quiet stance",
            )
        means, sds = sliding_mean_sd(region, n)
        ok = means >= min_body_weight
        if not ok.any():
            return Weighing(
                None, None, None, None, method,
                reason=f"no {window:g} s window of the weighing region has a mean force of at least {min_body_weight:g} N: "
                "nobody standing on the plate (or the force sign is inverted)",
            )
        best = int(np.argmin(np.where(ok, sds, np.inf)))
        i0, i1 = i_lo + best, i_lo + best + n
        bw, sd = float(means[best]), float(sds[best])
    return Weighing(bw, sd, i0, i1, method, unsteady=sd > max_sd)


def weigh_window(
    force: np.ndarray, start: int, n: int, *, method: str, min_body_weight: float = 200.0, max_sd: float = 10.0
) -> Weighing:
    """Weigh on the ``n`` samples from sample ``start`` (a fixed or hand-placed window inside ``force``).

    ``method`` is recorded as given (``"fixed"``, or ``"edited"`` for a window placed by hand in review).
    """
    seg = force[start:start + n]
    bw, sd = float(seg.mean()), float(seg.std(ddof=1))
    if bw < min_body_weight:
        return Weighing(
            None, None, start, start + n, method,
            reason=f"mean force {bw:.1f} N in the weighing window is below {min_body_weight:g} N: nobody standing on the plate",
        )
    return Weighing(bw, sd, start, start + n, method, unsteady=sd > max_sd)
