"""Building blocks shared by the jump analyses (CMJ, squat jump, drop jump).

:class:`MetricBook` writes metrics into a :class:`TrialResult` with their unit, method, parameters and
reference, turning a missing input into a not-found metric with its reason. The ``phase_*`` helpers
compute the force, impulse, velocity and power figures of one phase (a half-open sample range) for the
total force and, with two plates, per limb with asymmetry (one call site: :meth:`MetricBook.limbs`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from forcelab.analysis.asymmetry import asymmetry_metrics
from forcelab.analysis.kinematics import Kinematics, cumulative
from forcelab.analysis.params import num
from forcelab.analysis.types import Event, Metric, ParamValue, TrialResult

REF_MCMAHON = "McMahon et al. 2018, Strength Cond J 40(4):96-106"
REF_HAWKIN = "Hawkin Dynamics metric dictionary (metric definitions)"
REF_MOIR = "Moir 2008, Meas Phys Educ Exerc Sci 12(4):207-218"
REF_LINTHORNE = "Linthorne 2001, Am J Phys 69(11):1198-1204"
REF_EBBEN = "Ebben & Petushek 2010, J Strength Cond Res 24(8):1983-1987"
REF_YOUNG = "Young 1995, New Stud Athl 10(1):89-96; Flanagan & Comyns 2008, Strength Cond J 30(5):32-38"
LIMB_PEAKS = ("own", "at_total_peak")
REF_ASYM = "Bishop et al. 2018, J Strength Cond Res 32(1); Impellizzeri et al. 2007, Med Sci Sports Exerc 39(11)"


@dataclass
class Limb:
    """One force channel: ``force`` (N) and its body-weight share ``bw`` (N) from the weighing window."""

    force: np.ndarray
    bw: float


@dataclass
class MetricBook:
    """Writes metrics into ``result``; ``params`` are the analysis parameters used."""

    result: TrialResult
    params: Mapping[str, ParamValue]
    limbs: dict[str, Limb] = field(default_factory=dict)  # "left"/"right" when two plates

    def __post_init__(self) -> None:
        # metrics share one read-only copy, so later edits of the caller's dict cannot change stored methods
        self.params = MappingProxyType(dict(self.params))

    def put(
        self,
        name: str,
        value: float | None,
        unit: str,
        method: str,
        reference: str,
        *,
        reason: str | None = None,
        description: str = "",
        params: Mapping[str, ParamValue] | None = None,
    ) -> None:
        """Add metric ``name``; ``value`` ``None`` (or non-finite) needs/gets a reason. ``params``: the
        parameters this metric depends on, when they are not the book's (the isometric pull's metrics each
        carry their own)."""
        if value is not None and not math.isfinite(value):
            reason, value = f"not finite ({value})", None
        if value is None and not reason:
            raise ValueError(f"metric {name!r} has no value and no reason")  # programming error
        self.result.add_metric(
            Metric(name, value, unit, method, self.params if params is None else params, reference,
                   None if value is not None else reason, description)
        )

    def force_metric(
        self,
        name: str,
        fn: Callable[[np.ndarray, float], float | None],
        unit: str,
        method: str,
        reference: str,
        *,
        reason: str | None = None,
        description: str = "",
        relative: str | None = None,
        total_force: np.ndarray,
        bw: float,
    ) -> None:
        """A force/impulse metric ``fn(force, bw)`` for the total and, with two plates, per limb.

        ``reason`` not ``None`` means it cannot be computed (then all variants are not found).
        ``relative``: also add ``relative_<name>`` in this unit ("%" of body weight or "N*s/kg").
        """
        value = None if reason else fn(total_force, bw)
        self.put(name, value, unit, method, reference, reason=reason or "no value", description=description)
        if relative is not None:
            rel = None
            rel_reason = reason or (None if np.isfinite(bw) else "body weight not found")
            if value is not None and rel_reason is None:
                rel = value / bw * 100.0 if relative == "%" else value / (bw / num(self.params, "g"))
            self.put(f"relative_{name}", rel, relative, method, reference, reason=rel_reason or "no value",
                     description=f"{description} Relative to body weight." if relative == "%" else
                     f"{description} Per kilogram of body mass.")
        if self.limbs:
            left, right = self.limbs["left"], self.limbs["right"]
            lv = None if reason else fn(left.force, left.bw)
            rv = None if reason else fn(right.force, right.bw)
            self.add_limbs(name, lv, rv, unit, method, reference, reason or "no value")

    def extreme(self, total: np.ndarray, a: int, b: int, *, lowest: bool = False) -> Callable[[np.ndarray, float], float]:
        """The peak (or lowest) force over samples ``[a, b)`` as a function of a channel.

        Per limb, ``limb_peak="own"`` (default) takes the limb's own extreme in the same window (as the shiny
        app and the asymmetry literature do); ``"at_total_peak"`` takes the limb force at the instant of the
        total's extreme (the commercial definition, where left + right = total).
        """
        mode = str(self.params.get("limb_peak", "own"))
        if mode not in LIMB_PEAKS:
            raise ValueError(f"limb_peak must be one of {LIMB_PEAKS}, got {mode!r}")
        if b <= a:
            return lambda f, w: float("nan")
        idx = a + int(np.argmin(total[a:b]) if lowest else np.argmax(total[a:b]))

        def fn(f: np.ndarray, w: float) -> float:
            if mode == "at_total_peak":
                return float(f[idx])
            seg = f[a:b]
            return float(seg.min() if lowest else seg.max())

        return fn

    def add_limbs(
        self, base: str, left: float | None, right: float | None, unit: str, method: str, reference: str, reason: str
    ) -> None:
        """``left_<base>``, ``right_<base>`` and ``<base>_asymmetry`` (the one place asymmetry is computed)."""
        formula = str(self.params.get("asymmetry_formula", "percent_difference"))
        for m in asymmetry_metrics(base, left, right, unit=unit, method=method, params=self.params, reference=reference,
                                   formula=formula, left_reason=reason, right_reason=reason,
                                   use_magnitude=base.startswith("unweighting_net")):
            self.result.add_metric(m)


def why_missing(*events: Event | None) -> str | None:
    """The reason of the first event that was not found, or ``None`` when all were."""
    for ev in events:
        if ev is None:
            return "event not determined"
        if ev.index is None:
            return f"{ev.name} not found: {ev.reason}"
    return None


def net_impulse(force: np.ndarray, bw: float, i0: int, i1: int, rate: float, rule: str) -> float:
    """Net impulse ``∫(F - BW) dt`` from sample ``i0`` to sample ``i1`` (N*s)."""
    if i1 <= i0:
        return 0.0
    return float(cumulative(force[i0 : i1 + 1] - bw, 1.0 / rate, rule)[-1])


def impulse(force: np.ndarray, i0: int, i1: int, rate: float, rule: str) -> float:
    """Gross impulse ``∫F dt`` from sample ``i0`` to sample ``i1`` (N*s)."""
    if i1 <= i0:
        return 0.0
    return float(cumulative(force[i0 : i1 + 1], 1.0 / rate, rule)[-1])


def span(kin: Kinematics, i0: int, i1: int) -> slice:
    """Slice into the kinematics arrays for trace samples ``[i0, i1)``."""
    return slice(i0 - kin.start, i1 - kin.start)


def add_phase(
    book: MetricBook,
    phase: str,
    *,
    force: np.ndarray,
    bw: float,
    rate: float,
    rule: str,
    start: Event | None,
    end: Event | None,
    kin: Kinematics | None,
    ref: str = REF_MCMAHON,
    power: bool = True,
    gross_impulse: bool = True,
) -> None:
    """Duration, mean/peak force, net (and gross) impulse, mean/peak velocity and power of one phase.

    The phase is the samples ``[start, end)``; impulses integrate from ``start`` to ``end``.
    """
    why = why_missing(start, end)
    i0 = None if start is None else start.index
    i1 = None if end is None else end.index
    if why is None and i0 is not None and i1 is not None and i1 <= i0:
        why = f"{phase} phase has no samples ({start.name if start else '?'} at or after {end.name if end else '?'})"
    ok = why is None and i0 is not None and i1 is not None
    a, b = (i0, i1) if ok and i0 is not None and i1 is not None else (0, 0)
    meth = f"phase_{phase}"
    book.put(f"{phase}_time", (b - a) / rate if ok else None, "s", meth, ref, reason=why,
             description=f"Duration of the {phase} phase.")
    book.force_metric(f"mean_{phase}_force", lambda f, w: float(f[a:b].mean()), "N", meth + "_mean_force", ref,
                      reason=why, relative="%", total_force=force, bw=bw,
                      description=f"Mean vertical force over the {phase} phase.")
    peak_fn = book.extreme(force, a, b, lowest=phase == "unweighting")

    peak_name = "min_unweighting_force" if phase == "unweighting" else f"peak_{phase}_force"
    book.force_metric(peak_name, peak_fn, "N", meth + "_extreme_force", ref, reason=why, relative="%",
                      total_force=force, bw=bw,
                      description=f"{'Lowest' if phase == 'unweighting' else 'Highest'} vertical force in the {phase} phase.")
    book.force_metric(f"{phase}_net_impulse", lambda f, w: net_impulse(f, w, a, b, rate, rule), "N*s",
                      meth + "_net_impulse_" + rule, ref, reason=why, relative="N*s/kg", total_force=force, bw=bw,
                      description=f"Impulse of force minus body weight over the {phase} phase.")
    if gross_impulse:
        book.force_metric(f"{phase}_impulse", lambda f, w: impulse(f, a, b, rate, rule), "N*s",
                          meth + "_impulse_" + rule, ref, reason=why, total_force=force, bw=bw,
                          description=f"Impulse of the vertical force over the {phase} phase.")
    if not power:
        return
    kwhy = why if why else (None if kin is not None else "no centre-of-mass kinematics")
    mass = bw / num(book.params, "g")
    s = span(kin, a, b) if (kin is not None and kwhy is None) else slice(0, 0)
    v = kin.velocity[s] if kin is not None and kwhy is None else np.zeros(0)
    p = kin.power[s] if kin is not None and kwhy is None else np.zeros(0)
    vmeth = "impulse_momentum_" + rule
    book.put(f"mean_{phase}_velocity", float(v.mean()) if kwhy is None else None, "m/s", vmeth, ref, reason=kwhy,
             description=f"Mean centre-of-mass velocity in the {phase} phase.")
    neg = phase in ("unweighting", "braking")
    book.put(f"peak_{phase}_velocity", (float(v.min()) if neg else float(v.max())) if kwhy is None else None, "m/s",
             vmeth, ref, reason=kwhy, description=f"{'Most negative' if neg else 'Highest'} velocity in the {phase} phase.")
    for stat, fn in (("mean", np.mean), ("peak", np.min if neg else np.max)):
        val = float(fn(p)) if kwhy is None else None
        book.put(f"{stat}_{phase}_power", val, "W", vmeth + "_force_times_velocity", ref, reason=kwhy,
                 description=f"{stat.capitalize()} power F*v in the {phase} phase"
                 + (" (negative: work done on the body)." if neg else "."))
        book.put(f"relative_{stat}_{phase}_power", None if val is None else val / mass, "W/kg",
                 vmeth + "_force_times_velocity", ref, reason=kwhy, description=f"{stat.capitalize()} {phase} power per kg.")
