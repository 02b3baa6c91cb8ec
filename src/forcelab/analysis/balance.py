"""Quiet stance and single-leg balance: centre-of-pressure (CoP) sway measures.

The CoP comes with the trace (``ForceTrace.cop_x`` / ``cop_y``, metres): the force-weighted mean of the cell
positions of a four-cell plate, from the plate geometry of the device profile (:mod:`forcelab.devices.plates`;
for two plates the combined CoP of both, each plate's CoP placed at its ``origin_mm``). x is to the athlete's right
(medio-lateral, ML), y forward (antero-posterior, AP).

Pipeline: the analysed window (``trim_start`` s skipped, ``duration`` s kept) -> every sample must carry the
athlete (force >= ``min_force``, CoP defined), else the balance is lost or the athlete stepped off: flagged
``left_the_plate`` and measured on the part before -> CoP low-passed (zero-lag Butterworth, ``filter_cutoff``
10 Hz) -> the measures of Prieto et al. (1996), all about the mean CoP:

* ``cop_path_length`` (m): the summed distance between successive CoP samples;
* ``cop_mean_velocity`` (m/s): path length over the window's duration; ``cop_mean_velocity_ap`` / ``_ml``
  from the AP / ML components alone;
* ``cop_rms_ap`` / ``cop_rms_ml`` (m): root mean square distance from the mean in each direction;
  ``cop_range_ap`` / ``cop_range_ml`` (m); ``cop_mean_distance`` (m): the mean radial distance;
* ``cop_ellipse_area`` (m²): the 95 % confidence (prediction) ellipse, ``π χ²₂(p) √(λ₁ λ₂)`` with λ the
  eigenvalues of the CoP covariance (Schubert & Kirchner 2014; χ²₂(0.95) = 5.991), and its semi-axes
  ``cop_ellipse_major`` / ``cop_ellipse_minor`` (m).

The tester notes the stance condition: ``condition`` (``eyes_open`` / ``eyes_closed``) and ``stance``
(``bipedal``, ``single_leg_left``, ``single_leg_right``, ``tandem``), kept in ``params``; :func:`romberg_ratios`
compares eyes-closed with eyes-open trials of a session. See docs/methods-balance.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from forcelab.analysis.filters import lowpass
from forcelab.analysis.jump_metrics import MetricBook
from forcelab.analysis.settings import BalanceSettings
from forcelab.analysis.types import Event, ForceTrace, Metric, ParamValue, TrialResult

REF_PRIETO = ("Prieto TE, Myklebust JB, Hoffmann RG, Lovett EG, Myklebust BM (1996) Measures of postural steadiness: "
              "differences between healthy young and elderly adults. IEEE Trans Biomed Eng 43(9):956-966")
REF_ELLIPSE = ("Schubert P, Kirchner M (2014) Ellipse area calculations and their applicability in posturography. "
               "Gait Posture 39(1):518-522")
CONDITIONS = ("eyes_open", "eyes_closed")
STANCES = ("bipedal", "single_leg_left", "single_leg_right", "tandem")
#: Events a tester may place by hand: none (the window is a setting).
EDITABLE_EVENTS: tuple[str, ...] = ()
#: Keyword parameters that are the trial's inputs, not analysis settings.
INPUTS = ("condition", "stance", "events")
DEFAULT_SETTINGS = BalanceSettings()
#: The measures compared by :func:`romberg_ratios`.
ROMBERG_METRICS = ("cop_path_length", "cop_mean_velocity", "cop_ellipse_area", "cop_rms_ap", "cop_rms_ml")


def chi2_2(p: float) -> float:
    """The ``p`` quantile of the chi-square distribution with 2 degrees of freedom, ``-2 ln(1 - p)`` (closed form)."""
    return -2.0 * math.log(1.0 - p)


def _choice(name: str, value: object, allowed: Sequence[str]) -> str | None:
    if value is None or value in allowed:
        return value  # type: ignore[return-value]
    raise ValueError(f"{name} must be one of {', '.join(allowed)} (or not given), got {value!r}")


def analyze_balance(trace: ForceTrace, settings: BalanceSettings | None = None, *, condition: str | None = None,
                    stance: str | None = None, events: Mapping[str, int] | None = None,
                    **overrides: Any) -> TrialResult:
    """Analyse one quiet-stance or single-leg balance trial (a trace with the centre of pressure).

    ``condition`` / ``stance``: what the tester noted (see the module docstring). ``ValueError`` for a trace
    without CoP, an unknown condition or stance, invalid settings, or events (none can be placed by hand)."""
    s = (settings or DEFAULT_SETTINGS).replace(**overrides)
    cond, st = _choice("condition", condition, CONDITIONS), _choice("stance", stance, STANCES)
    if events:
        raise ValueError(f"a balance trial has no events to place by hand (got {', '.join(events)})")
    if not trace.has_cop or trace.cop_x is None or trace.cop_y is None:
        raise ValueError("this trace has no centre of pressure: a balance test needs a plate with four positioned "
                         "load cells (plate geometry in the device profile) or cop_x/cop_y columns")
    if not 0 < s.ellipse_probability < 1:
        raise ValueError(f"ellipse_probability must be in (0, 1), got {s.ellipse_probability!r}")
    if s.trim_start < 0 or (s.duration is not None and not s.duration > 0):
        raise ValueError(f"trim_start must be >= 0 s and duration > 0 s, got {s.trim_start!r}, {s.duration!r}")
    params: dict[str, ParamValue] = {**s.params(), "condition": cond, "stance": st}
    rate = float(trace.rate)
    res = TrialResult("balance", rate, params=params)
    book = MetricBook(res, params)
    a = int(round(s.trim_start * rate))
    b = trace.n if s.duration is None else min(trace.n, a + int(round(s.duration * rate)))
    x, y, f = trace.cop_x[a:b], trace.cop_y[a:b], trace.total[a:b]
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(f) & (f >= s.min_force)
    stop = b if ok.all() else a + int(np.argmin(ok))
    if stop < b:
        res.flag("left_the_plate", f"at {stop / rate:.2f} s the plate carried less than {s.min_force:g} N (or no "
                 f"CoP): balance lost or a step off; measured on the {(stop - a) / rate:.2f} s before")
    if s.duration is not None and b - a < int(round(s.duration * rate)):
        res.flag("short_trial", f"the trial has {(b - a) / rate:.2f} s after trim_start, not the {s.duration:g} s asked")
    res.add_event(Event("balance_start", a, rate, "trim_start"))
    res.add_event(Event("balance_end", stop, rate, "end_of_window" if stop == b else "left_the_plate"))
    n = stop - a
    if n < max(8, int(0.5 * rate)):
        why = f"only {n / rate:.2f} s of stance on the plate to measure (at least 0.5 s)"
        for name, unit in _UNITS.items():
            book.put(name, None, unit, "cop", REF_PRIETO, reason=why)
        return res
    x, y, f = x[: n], y[: n], f[: n]
    if s.filter.filter_cutoff is not None:
        if s.filter.filter_cutoff >= rate / 2:
            raise ValueError(f"filter_cutoff {s.filter.filter_cutoff:g} Hz is at or above half the rate ({rate / 2:g} Hz)")
        x = lowpass(x, rate, s.filter.filter_cutoff, order=s.filter.filter_order)
        y = lowpass(y, rate, s.filter.filter_cutoff, order=s.filter.filter_order)
    _measures(book, x, y, f, rate, s.ellipse_probability)
    return res


_UNITS = {"balance_duration": "s", "mean_force": "N", "cop_path_length": "m", "cop_mean_velocity": "m/s",
          "cop_mean_velocity_ap": "m/s", "cop_mean_velocity_ml": "m/s", "cop_rms_ap": "m", "cop_rms_ml": "m",
          "cop_range_ap": "m", "cop_range_ml": "m", "cop_mean_distance": "m", "cop_ellipse_area": "m^2",
          "cop_ellipse_major": "m", "cop_ellipse_minor": "m"}


def _measures(book: MetricBook, x: np.ndarray, y: np.ndarray, f: np.ndarray, rate: float, p: float) -> None:
    """The sway measures of the CoP samples ``x`` (ML), ``y`` (AP) over their whole length."""
    duration = x.size / rate
    dx, dy = np.diff(x), np.diff(y)
    path = float(np.hypot(dx, dy).sum())
    xc, yc = x - x.mean(), y - y.mean()
    put = book.put
    put("balance_duration", duration, "s", "analysed_window", REF_PRIETO, description="Length of the analysed stance.")
    put("mean_force", float(f.mean()), "N", "mean_force_balance_window", REF_PRIETO,
        description="Mean vertical force over the window (the athlete's weight when still).")
    put("cop_path_length", path, "m", "sum_of_cop_displacements", REF_PRIETO,
        description="Total distance travelled by the CoP.")
    put("cop_mean_velocity", path / duration, "m/s", "path_length_over_duration", REF_PRIETO,
        description="CoP path length over the duration.")
    put("cop_mean_velocity_ap", float(np.abs(dy).sum()) / duration, "m/s", "ap_path_over_duration", REF_PRIETO,
        description="Antero-posterior CoP path over the duration.")
    put("cop_mean_velocity_ml", float(np.abs(dx).sum()) / duration, "m/s", "ml_path_over_duration", REF_PRIETO,
        description="Medio-lateral CoP path over the duration.")
    put("cop_rms_ap", float(np.sqrt(np.mean(yc * yc))), "m", "rms_about_mean", REF_PRIETO,
        description="Root mean square AP distance of the CoP from its mean.")
    put("cop_rms_ml", float(np.sqrt(np.mean(xc * xc))), "m", "rms_about_mean", REF_PRIETO,
        description="Root mean square ML distance of the CoP from its mean.")
    put("cop_range_ap", float(np.ptp(y)), "m", "max_minus_min", REF_PRIETO, description="AP extent of the CoP.")
    put("cop_range_ml", float(np.ptp(x)), "m", "max_minus_min", REF_PRIETO, description="ML extent of the CoP.")
    put("cop_mean_distance", float(np.hypot(xc, yc).mean()), "m", "mean_radial_distance", REF_PRIETO,
        description="Mean distance of the CoP from its mean.")
    cov = np.cov(np.vstack([xc, yc]))
    lam = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
    k = chi2_2(p)
    meth = f"confidence_ellipse_{p * 100:g}pct_chi2"
    put("cop_ellipse_area", math.pi * k * math.sqrt(float(lam[0] * lam[1])), "m^2", meth, REF_ELLIPSE,
        description=f"Area of the {p * 100:g} % confidence ellipse of the CoP: π χ²₂(p) √(λ1 λ2).")
    put("cop_ellipse_major", math.sqrt(k * float(lam[1])), "m", meth, REF_ELLIPSE,
        description="Semi-major axis of the confidence ellipse.")
    put("cop_ellipse_minor", math.sqrt(k * float(lam[0])), "m", meth, REF_ELLIPSE,
        description="Semi-minor axis of the confidence ellipse.")


def romberg_ratios(results: Sequence[TrialResult], *, metrics: Sequence[str] = ROMBERG_METRICS,
                   stance: str | None = None) -> list[Metric]:
    """Eyes-closed over eyes-open ratio (the Romberg quotient) of each measure, from the mean of each condition's
    balance trials (of one ``stance`` when given): ``romberg_<metric>`` (unit "1"), not found with the reason when
    a condition has no trial. ``ValueError`` for a trial that is not a balance trial."""
    if any(r.test != "balance" for r in results):
        raise ValueError("Romberg ratios compare balance trials only")
    chosen = [r for r in results if stance is None or r.params.get("stance") == stance]
    by = {c: [r for r in chosen if r.params.get("condition") == c] for c in CONDITIONS}
    out = []
    for name in metrics:
        means: dict[str, float | None] = {}
        for c, trials in by.items():
            vals = [v for r in trials if (v := r.value(name)) is not None]
            means[c] = float(np.mean(vals)) if vals else None
        eo, ec = means["eyes_open"], means["eyes_closed"]
        why = None
        if eo is None or ec is None:
            why = f"no {'eyes-open' if eo is None else 'eyes-closed'} balance trial with {name}"
        elif eo <= 0:
            why = f"eyes-open {name} is {eo:g}: no ratio"
        out.append(Metric(f"romberg_{name}", None if why or ec is None or eo is None else ec / eo, "1",
                          "eyes_closed_mean_over_eyes_open_mean", {"stance": stance, "eyes_open_trials":
                          len(by["eyes_open"]), "eyes_closed_trials": len(by["eyes_closed"])}, REF_PRIETO, why,
                          f"Romberg quotient of {name}: eyes closed over eyes open."))
    return out


#: The defaults of :func:`analyze_balance`'s settings, by archive key.
DEFAULTS: dict[str, ParamValue] = BalanceSettings.defaults()
