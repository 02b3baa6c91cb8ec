"""Limb asymmetry of the single-leg tests across sessions: one value per session, judged like the bilateral one.

A single-leg test (``sl_cmj``, ``sl_dj``) has one limb per trial, so its asymmetry is a property of a session,
not of a trial: :func:`forcelab.analysis.single_leg.limb_asymmetry` compares the best (or mean) value of the
session's left-leg trials with that of its right-leg trials by a named formula (default: percent difference,
Bishop et al. 2018). :func:`limb_trend` takes that number for every session of an athlete and applies the rules
the bilateral asymmetry trend uses (:mod:`forcelab.compare.trends`, :mod:`forcelab.compare.asymmetry_watch`):

* **Levels and side flips** — :func:`~forcelab.compare.asymmetry_watch.asymmetry_levels`: ok < 10 % <= monitor
  < 15 % <= high (Bishop et al. 2018; Impellizzeri et al. 2007), and a flip when the stronger limb differs from
  the last session that had one.
* **Meaningful change** — :func:`~forcelab.compare.trends.trend`: a change from the previous session larger than
  both the smallest worthwhile change (0.2 x the between-session SD, Hopkins 2004) and 1.96·√2 x the typical
  error (the 95 % minimal detectable change, Weir 2005). Its direction is by magnitude: a smaller asymmetry is
  better, whatever the formula's sign.
* **Typical error of the asymmetry** — a session has one limb asymmetry, not several trials of it, so its TE
  cannot be the within-session CV of its own trials. Each limb's TE is (Hopkins 2000: the within-session CV of
  that limb's accepted trials, pooled over sessions as an RMS); the asymmetry's is propagated from the two to
  first order (Ku 1966), with relative errors e_L, e_R of the limb values::

      percent difference   (s - w) / s * 100          sd = 100 (w / s)          sqrt(e_L² + e_R²)
      symmetry index       (L - R) / (L + R) * 100    sd = 200 L R / (L + R)²   sqrt(e_L² + e_R²)
      mean normalised      (L - R) / ((L + R) / 2)    sd = 400 L R / (L + R)²   sqrt(e_L² + e_R²)

  (s, w: the stronger and the weaker limb), at each session's values, pooled over the sessions as an RMS; in
  percentage points. As for the bilateral trend with best-trial session values, the trial CV stands for the
  noise of a session value.

A session where only one limb was recorded (or the metric was not found on one) is **missing**, not zero: its
point keeps the limb value it has and the reason, takes no part in the TE, SWC, levels or flips, and the next
session's change is measured from the last session that had a value. See docs/methods-comparisons.md, "Limb
asymmetry across sessions".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from forcelab.analysis.asymmetry import FORMULAS
from forcelab.analysis.asymmetry import REFERENCE as ASYMMETRY_REFERENCE
from forcelab.analysis.single_leg import LIMB_METRICS, LIMBS, STATISTICS, limb_asymmetry
from forcelab.analysis.types import TrialResult
from forcelab.compare.asymmetry_watch import asymmetry_levels
from forcelab.compare.trends import (
    SWC_REFERENCE,
    TE_REFERENCE,
    TrialValue,
    session_points,
    trend,
    typical_error_cv,
)

PROPAGATION_REFERENCE = ("Ku HH (1966) Notes on the use of propagation of error formulas. J Res Natl Bur Stand "
                         "70C(4):263-273 (first-order propagation of the limbs' typical errors)")
REFERENCE = f"{ASYMMETRY_REFERENCE}; {TE_REFERENCE}; {SWC_REFERENCE}; {PROPAGATION_REFERENCE}"
DEFAULT_THRESHOLDS = (10.0, 15.0)
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class SingleLegSession:
    """One session's trials of one single-leg test as the archive holds them: the accepted and undecided ones
    (rejected trials are left out by whoever reads them), or ``problem`` saying why the session was not read."""

    session_id: str
    when: datetime | None
    test: str
    results: tuple[TrialResult, ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class LimbPoint:
    """One session's limb asymmetry. ``value`` is ``None`` when the session is missing (``reason`` says why);
    ``left``/``right`` are the limb values compared (``None`` for a limb without one)."""

    session_id: str
    when: datetime
    left: float | None
    right: float | None
    left_trials: int
    right_trials: int
    value: float | None
    stronger_side: str | None = None
    reason: str | None = None
    change: float | None = None  # percentage points, from the last session with a value
    meaningful: bool = False
    direction: str | None = None  # "better" (smaller asymmetry) | "worse" | None
    level: str | None = None  # "ok" | "monitor" | "high"; None when missing
    flipped: bool = False

    @property
    def missing(self) -> bool:
        """True when the session has no limb asymmetry (one limb recorded, or the metric not found)."""
        return self.value is None


@dataclass(frozen=True)
class LimbTrend:
    """An athlete's limb asymmetry of ``metric`` in ``test`` across sessions, with the noise used to judge it."""

    test: str
    metric: str  # the limb metric compared, e.g. "jump_height_takeoff_velocity"
    formula: str
    statistic: str
    limb_unit: str
    points: tuple[LimbPoint, ...]
    limb_cv: dict[str, float | None]  # each limb's typical error, percent
    typical_error: float | None  # of the asymmetry, percentage points
    swc: float | None  # percentage points
    swc_source: str
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS
    params: dict[str, float | int | str] = field(default_factory=dict)
    unit: str = "%"
    reference: str = REFERENCE

    @property
    def name(self) -> str:
        """The asymmetry's key (as :func:`~forcelab.analysis.single_leg.limb_asymmetry` names it)."""
        return f"{self.metric}_asymmetry"

    @property
    def method(self) -> str:
        """How the values and flags were made, in one line (chart notes, ``--json``)."""
        te_rule = f"{self.params.get('te_multiplier', 1.0):.2f} x TE"
        return (f"session value = {self.formula.replace('_', ' ')} of the {self.statistic} left-leg and "
                f"{self.statistic} right-leg trial; TE propagated from each limb's trial CV; change flagged when "
                f"> {te_rule} and > SWC ({self.swc_source}); levels {self.thresholds[0]:g} % / "
                f"{self.thresholds[1]:g} %")


def asymmetry_error(left: float, right: float, cv_left: float, cv_right: float,
                    formula: str = "percent_difference") -> float:
    """The SD (percentage points) of the asymmetry of ``left`` and ``right`` when each has the relative typical
    error ``cv_left``/``cv_right`` (percent): first-order propagation through ``formula`` (module docstring)."""
    if formula not in FORMULAS:
        raise ValueError(f"unknown asymmetry formula {formula!r}; valid formulas: {', '.join(FORMULAS)}")
    if not (left > 0 and right > 0):
        raise ValueError(f"asymmetry error needs positive limb values, got left={left!r}, right={right!r}")
    e = math.hypot(cv_left / 100.0, cv_right / 100.0)
    if formula == "percent_difference":
        return 100.0 * min(left, right) / max(left, right) * e
    scale = 200.0 if formula == "symmetry_index" else 400.0
    return scale * left * right / (left + right) ** 2 * e


def _limb_cv(sessions: Sequence[SingleLegSession], metric: str, side: str) -> float | None:
    """One limb's typical error (percent): the pooled within-session CV of its trials' ``metric``."""
    values = [TrialValue(s.session_id, s.when or _EPOCH, k, r.value(metric))
              for s in sessions for k, r in enumerate(s.results) if r.params.get("stance_limb") == side]
    return typical_error_cv(session_points(values))


def _session_point(s: SingleLegSession, metric: str, formula: str, statistic: str) -> tuple[LimbPoint, str]:
    """The limb asymmetry of one session (missing with the reason when it has none) and the limbs' unit."""
    when = s.when or _EPOCH
    if s.problem is not None or not s.results:
        return LimbPoint(s.session_id, when, None, None, 0, 0, None,
                         reason=s.problem or f"no accepted {s.test} trial"), ""
    left, right, asym = limb_asymmetry(s.results, metrics=[metric], formula=formula, statistic=statistic)
    side = asym.params.get("stronger_side")
    counts = {k: int(str(asym.params.get(f"{k}_trials", 0))) for k in LIMBS}
    return LimbPoint(
        s.session_id, when, left.value, right.value, counts["left"], counts["right"], asym.value, str(side) if side is not None else None,
        reason=None if asym.value is not None else (left.reason or right.reason or asym.reason),
    ), left.unit


def limb_trend(
    sessions: Sequence[SingleLegSession],
    metric: str,
    *,
    test: str | None = None,
    formula: str = "percent_difference",
    statistic: str = "best",
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    swc: float | None = None,
    swc_factor: float = 0.2,
    te_multiplier: float = 1.96 * math.sqrt(2.0),
) -> LimbTrend:
    """The limb asymmetry of ``metric`` (a limb metric, e.g. ``jump_height_takeoff_velocity``) in every session
    of ``sessions`` (one single-leg test), oldest first, judged as the module docstring says.

    ``ValueError`` for sessions of different tests, an unknown formula or statistic, bad thresholds."""
    tests = {s.test for s in sessions} | ({test} if test else set())
    if len(tests) > 1 or not tests <= set(LIMB_METRICS):
        raise ValueError(f"a limb trend follows one single-leg test ({', '.join(LIMB_METRICS)}); "
                         f"got {', '.join(sorted(tests)) or 'none'}")
    if formula not in FORMULAS:
        raise ValueError(f"unknown asymmetry formula {formula!r}; valid formulas: {', '.join(FORMULAS)}")
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(STATISTICS)}, got {statistic!r}")
    asymmetry_levels([], thresholds=thresholds)  # checks the thresholds
    ordered = sorted(sessions, key=lambda s: ((s.when or _EPOCH).timestamp(), s.session_id))
    points, unit = [], ""
    for s in ordered:
        p, u = _session_point(s, metric, formula, statistic)
        points.append(p)
        unit = unit or u
    readable = [s for s in ordered if s.problem is None]
    cv = {side: _limb_cv(readable, metric, side) for side in LIMBS}
    valued = [p for p in points if p.value is not None and p.left and p.right]
    te: float | None = None
    if valued and cv["left"] is not None and cv["right"] is not None:
        sds = [asymmetry_error(float(p.left or 0), float(p.right or 0), cv["left"], cv["right"], formula)
               for p in valued]
        te = math.sqrt(math.fsum(v * v for v in sds) / len(sds))
    t = trend([TrialValue(p.session_id, p.when, 0, p.value, stronger_side=p.stronger_side)
               for p in points if p.value is not None],
              metric=f"{metric}_asymmetry", unit="%", better="lower", swc=swc, swc_factor=swc_factor,
              te_multiplier=te_multiplier, typical_error=te)
    levels = {lv.session_id: lv for lv in asymmetry_levels(t.points, thresholds=thresholds)}
    judged = {q.session_id: q for q in t.points}
    previous: float | None = None
    out: list[LimbPoint] = []
    for p in points:
        q = judged.get(p.session_id)
        if p.value is None or q is None:
            out.append(p)
            continue
        lv = levels[p.session_id]
        direction = None
        if q.meaningful and previous is not None:
            direction = "better" if abs(p.value) < abs(previous) else "worse"
        out.append(LimbPoint(p.session_id, p.when, p.left, p.right, p.left_trials, p.right_trials, p.value,
                             p.stronger_side, None, q.change, q.meaningful, direction, lv.level, lv.flipped))
        previous = p.value
    return LimbTrend(
        test=next(iter(tests), "sl_cmj"), metric=metric, formula=formula, statistic=statistic, limb_unit=unit,
        points=tuple(out), limb_cv=cv, typical_error=te, swc=t.swc, swc_source=t.swc_source,
        thresholds=(float(thresholds[0]), float(thresholds[1])),
        params={"swc_factor": swc_factor, "te_multiplier": te_multiplier, "formula": formula, "statistic": statistic},
    )
