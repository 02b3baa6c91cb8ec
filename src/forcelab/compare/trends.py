"""An athlete's metric across sessions, and whether a change is bigger than the test's own noise.

Definitions (all parameters keyword-only with defaults; every result names the method it used):

* **Session value** — the best trial (``aggregate="best"``: the highest value, or the lowest for metrics
  where lower is better, such as time to take-off or asymmetry) or the mean of the accepted trials
  (``aggregate="mean"``). Rejected trials never count.
* **Typical error (TE)** — the within-session coefficient of variation of the trials, pooled over the
  sessions that have at least two accepted trials as the root mean square of the per-session CVs
  (Hopkins 2000, *Sports Med* 30(1):1-15). Given as a percentage and, times the mean of the session
  values, in the metric's unit.
* **Smallest worthwhile change (SWC)** — ``swc_factor`` (default 0.2, Hopkins' "small" effect) times the
  between-session standard deviation of the session values, unless the user gives a value.
* **Meaningful change** — a session whose change from the previous session is larger than both the
  SWC and the noise of a change between two sessions, ``te_multiplier`` x TE. The default multiplier,
  1.96·√2 ≈ 2.77, makes that the 95 % minimal detectable change (Weir 2005, *J Strength Cond Res*
  19(1):231-40): a change smaller than it is within the test's own noise. ``te_multiplier=1`` gives
  the plain "larger than TE" rule, which fires on noise in about a third of stable weeks. Its direction
  (better or worse) follows ``better``.
* **Rolling baseline** — the mean and SD of the previous ``baseline_sessions`` session values (at least
  ``min_baseline`` of them). Status: ``green`` when the value is no worse than ``amber_z`` SDs below the
  baseline, ``amber`` up to ``red_z`` SDs, ``red`` beyond; ``insufficient`` before there is a baseline.
  The SD has a floor of the typical error, so that three near-identical sessions do not turn every
  later wobble red.
* **Typical error given** — a session value that is not a mean of trials of its own (a limb asymmetry: one
  number from the best left-leg and best right-leg trials) has no within-session CV; its caller works the TE
  out another way (:mod:`forcelab.compare.limb_trend` propagates each limb's TE) and passes it as
  ``typical_error`` (in the metric's unit), and every rule above uses it unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import numpy as np

Better = Literal["higher", "lower"]
Aggregate = Literal["best", "mean"]

TE_REFERENCE = "Hopkins 2000, Sports Med 30(1):1-15 (typical error as CV)"
SWC_REFERENCE = "Hopkins 2004, Sportscience 8:1-7 (smallest worthwhile change, 0.2 x between-session SD)"


@dataclass(frozen=True)
class TrialValue:
    """One trial's value of one metric, as the archive index gives it."""

    session_id: str
    when: datetime
    trial: int
    value: float | None
    accepted: bool = True
    stronger_side: str | None = None  # for asymmetry metrics: "left" | "right" | "equal"


@dataclass(frozen=True)
class SessionPoint:
    """One session's value of a metric and how it compares with what came before."""

    session_id: str
    when: datetime
    value: float
    n_trials: int
    trial_values: tuple[float, ...]
    stronger_side: str | None = None
    change: float | None = None  # from the previous session, in the metric's unit
    meaningful: bool = False  # |change| > te_multiplier x TE and > SWC
    direction: str | None = None  # "better" | "worse" | None
    baseline_mean: float | None = None
    baseline_sd: float | None = None
    z: float | None = None  # (value - baseline) / sd, signed so that positive is better
    status: str = "insufficient"  # green | amber | red | insufficient


@dataclass(frozen=True)
class Trend:
    """A metric's session values for one athlete with the noise estimates used to judge them."""

    metric: str
    aggregate: str
    better: str
    points: tuple[SessionPoint, ...]
    typical_error_cv: float | None  # percent
    typical_error: float | None  # metric unit
    swc: float | None  # metric unit
    swc_source: str
    params: dict[str, float | int | str] = field(default_factory=dict)
    unit: str = ""

    @property
    def method(self) -> str:
        """A one-line description of how session values and flags were made, for chart legends."""
        agg = "best trial" if self.aggregate == "best" else "mean of trials"
        te_rule = f"{self.params.get('te_multiplier', 1.0):.2f} x TE"
        return f"session value = {agg}; change flagged when > {te_rule} and > SWC ({self.swc_source})"


def session_points(
    trials: Iterable[TrialValue], *, aggregate: Aggregate = "best", better: Better = "higher"
) -> list[SessionPoint]:
    """Collapse accepted trials to one value per session, oldest session first."""
    if aggregate not in ("best", "mean"):
        raise ValueError(f"aggregate must be 'best' or 'mean', got {aggregate!r}")
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    by_session: dict[str, list[TrialValue]] = {}
    for t in trials:
        if t.accepted and t.value is not None and math.isfinite(t.value):
            by_session.setdefault(t.session_id, []).append(t)
    points: list[SessionPoint] = []
    for sid, rows in by_session.items():
        rows.sort(key=lambda r: r.trial)
        values = np.array([r.value for r in rows], dtype=float)
        if aggregate == "mean":
            value = float(values.mean())
            sides = [r.stronger_side for r in rows if r.stronger_side]
            side = max(set(sides), key=sides.count) if sides else None
        else:
            i = int(values.argmax() if better == "higher" else values.argmin())
            value = float(values[i])
            side = rows[i].stronger_side
        points.append(
            SessionPoint(
                session_id=sid,
                when=min(r.when for r in rows),
                value=value,
                n_trials=len(rows),
                trial_values=tuple(float(v) for v in values),
                stronger_side=side,
            )
        )
    points.sort(key=lambda p: p.when)
    return points


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample SD (ddof 1; 0 for one value) of a short sequence.

    Plain Python on purpose: sessions hold 3-5 trials and baselines 3-5 sessions, where numpy's per-call
    overhead is twenty times the arithmetic (500 sessions: 40 ms with numpy, 2 ms without).
    """
    n = len(values)
    m = math.fsum(values) / n
    if n < 2:
        return m, 0.0
    return m, math.sqrt(math.fsum((v - m) ** 2 for v in values) / (n - 1))


def typical_error_cv(points: Sequence[SessionPoint]) -> float | None:
    """Pooled within-session CV in percent (RMS of per-session CVs); None with fewer than 2 trials anywhere."""
    squares = []
    for p in points:
        if p.n_trials >= 2:
            m, sd = mean_sd(p.trial_values)
            if m != 0:
                squares.append((sd / abs(m)) ** 2)
    if not squares:
        return None
    return math.sqrt(math.fsum(squares) / len(squares)) * 100.0


def smallest_worthwhile_change(points: Sequence[SessionPoint], *, factor: float = 0.2) -> float | None:
    """``factor`` times the between-session SD of the session values; None with fewer than 3 sessions."""
    if len(points) < 3:
        return None
    return factor * mean_sd([p.value for p in points])[1]


def trend(
    trials: Iterable[TrialValue],
    *,
    metric: str,
    unit: str = "",
    aggregate: Aggregate = "best",
    better: Better = "higher",
    swc: float | None = None,
    swc_factor: float = 0.2,
    te_multiplier: float = 1.96 * math.sqrt(2.0),
    baseline_sessions: int = 5,
    min_baseline: int = 3,
    amber_z: float = 1.0,
    red_z: float = 2.0,
    typical_error: float | None = None,
) -> Trend:
    """Session values of ``metric`` with typical error, SWC, meaningful-change and readiness flags.

    ``typical_error`` (metric unit) replaces the TE from the trials' CV when given (see the module docstring)."""
    if baseline_sessions < 1 or min_baseline < 1 or min_baseline > baseline_sessions:
        raise ValueError("need 1 <= min_baseline <= baseline_sessions")
    if not 0 < amber_z < red_z:
        raise ValueError("need 0 < amber_z < red_z")
    if typical_error is not None and not (math.isfinite(typical_error) and typical_error >= 0):
        raise ValueError(f"typical_error must be a non-negative number, got {typical_error!r}")
    raw = session_points(trials, aggregate=aggregate, better=better)
    mean_value = math.fsum(abs(p.value) for p in raw) / len(raw) if raw else 0.0
    if typical_error is None:
        te_cv = typical_error_cv(raw)
        te = None if te_cv is None else te_cv / 100.0 * mean_value
    else:
        te = float(typical_error)
        te_cv = te / mean_value * 100.0 if mean_value > 0 else None
    if swc is None:
        swc_value = smallest_worthwhile_change(raw, factor=swc_factor)
        swc_source = f"{swc_factor:g} x between-session SD"
    else:
        swc_value = float(swc)
        swc_source = "set by the user"
    sign = 1.0 if better == "higher" else -1.0
    out: list[SessionPoint] = []
    for i, p in enumerate(raw):
        change = None if i == 0 else p.value - raw[i - 1].value
        meaningful = False
        direction = None
        if change is not None and te is not None and swc_value is not None:
            meaningful = abs(change) > te_multiplier * te and abs(change) > swc_value
            if meaningful:
                direction = "better" if sign * change > 0 else "worse"
        base = [q.value for q in raw[max(0, i - baseline_sessions) : i]]
        b_mean = b_sd = z = None
        status = "insufficient"
        if len(base) >= min_baseline:
            b_mean, b_sd = mean_sd(base)
            if te is not None:
                b_sd = max(b_sd, te)
            if b_sd > 0:
                z = sign * (p.value - b_mean) / b_sd
                status = "green" if z >= -amber_z else ("amber" if z >= -red_z else "red")
            else:
                status = "green" if sign * (p.value - b_mean) >= 0 else "red"
        out.append(
            replace(p, change=change, meaningful=meaningful, direction=direction, baseline_mean=b_mean,
                    baseline_sd=b_sd, z=z, status=status)
        )
    return Trend(
        metric=metric,
        aggregate=aggregate,
        better=better,
        points=tuple(out),
        typical_error_cv=te_cv,
        typical_error=te,
        swc=swc_value,
        swc_source=swc_source,
        unit=unit,
        params={
            "swc_factor": swc_factor,
            "te_multiplier": te_multiplier,
            "baseline_sessions": baseline_sessions,
            "min_baseline": min_baseline,
            "amber_z": amber_z,
            "red_z": red_z,
        },
    )
