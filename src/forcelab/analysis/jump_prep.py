"""Input checks, optional filtering and weighing shared by the jump analyses.

Structurally invalid input (empty, NaN/infinite samples) raises ``ValueError`` naming the channel and the
first bad sample; anything else (nobody on the plate, no quiet stance, no jump) becomes a not-found event
or metric with its reason further on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from forcelab.analysis.events import Flight, detect_flight, first_run
from forcelab.analysis.filters import lowpass
from forcelab.analysis.jump_edits import EDITED, window_samples
from forcelab.analysis.jump_metrics import Limb, MetricBook
from forcelab.analysis.params import num
from forcelab.analysis.types import Event, ForceTrace, ParamValue
from forcelab.analysis.units import STANDARD_GRAVITY
from forcelab.analysis.weighing import REFERENCE as REF_OWEN
from forcelab.analysis.weighing import Weighing, weigh, weigh_window


@dataclass
class Prepared:
    """The (optionally filtered) forces of a trial."""

    rate: float
    total: np.ndarray
    left: np.ndarray | None
    right: np.ndarray | None


def check_and_filter(trace: ForceTrace, filter_cutoff: float | None, filter_order: int) -> Prepared:
    """Validate ``trace`` and low-pass it when ``filter_cutoff`` (Hz) is given."""
    if not isinstance(trace, ForceTrace):
        raise ValueError(f"expected a ForceTrace, got {type(trace).__name__}")
    if trace.n == 0:
        raise ValueError("the force trace is empty (0 samples)")
    chans: dict[str, np.ndarray] = {"total": trace.total}
    if trace.left is not None and trace.right is not None:
        chans["left"], chans["right"] = trace.left, trace.right
    for name, x in chans.items():
        bad = ~np.isfinite(x)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name} force has {int(bad.sum())} missing or non-finite samples, the first at sample {i} "
                f"({i / trace.rate:.3f} s); fix or cut the recording before analysis"
            )
    if filter_cutoff is not None:
        chans = {k: lowpass(v, trace.rate, float(filter_cutoff), order=int(filter_order)) for k, v in chans.items()}
        if "left" in chans:
            chans["total"] = chans["left"] + chans["right"]
    return Prepared(trace.rate, chans["total"], chans.get("left"), chans.get("right"))


def on_plate_region(force: np.ndarray, rate: float, min_body_weight: float, coarse_fraction: float,
                    min_flight: float) -> tuple[int | None, int, str | None]:
    """``(on, off, reason)``: first sample with someone on the plate and the start of the first flight
    (or step-off) after it; the stance before ``off`` is where weighing searches."""
    on_mask = force >= min_body_weight
    if not on_mask.any():
        return None, force.size, (
            f"force never reaches {min_body_weight:g} N (max {float(force.max()):.1f} N): nobody on the plate"
            + (" or the force sign is inverted" if float(force.min()) < -min_body_weight else "")
        )
    on = int(np.argmax(on_mask))
    prelim = float(np.median(force[on_mask]))
    off = first_run(force < coarse_fraction * prelim, int(round(min_flight * rate)), on)
    return on, force.size if off is None else off, None


def weigh_trial(
    prep: Prepared,
    params: dict[str, ParamValue],
    search_start: int,
    search_stop: int,
    at: int | None = None,
) -> tuple[Weighing, dict[str, Limb]]:
    """Weigh on the total force; with two plates also each plate's share over the same window.

    ``at`` is the first sample of a weighing window placed by hand (method ``"edited"``); the search bounds
    and the weighing method are then not used.
    """
    if at is not None:
        w = weigh_window(prep.total, at, window_samples(params, prep.rate), method=EDITED,
                         min_body_weight=num(params, "min_body_weight"), max_sd=num(params, "max_weighing_sd"))
    else:
        w = weigh(
            prep.total, prep.rate,
            search_start=search_start, search_stop=search_stop,
            method=str(params["weighing_method"]), window=num(params, "weighing_window"),
            start=num(params, "weighing_start"), min_body_weight=num(params, "min_body_weight"),
            max_sd=num(params, "max_weighing_sd"),
        )
    limbs: dict[str, Limb] = {}
    if prep.left is not None and prep.right is not None:
        if w.found and w.start is not None and w.stop is not None:
            limbs["left"] = Limb(prep.left, float(prep.left[w.start:w.stop].mean()))
            limbs["right"] = Limb(prep.right, float(prep.right[w.start:w.stop].mean()))
        else:
            limbs["left"] = Limb(prep.left, float("nan"))
            limbs["right"] = Limb(prep.right, float("nan"))
    return w, limbs


# --------------------------------------------------------------------------------------------------
# body weight known from a separate (session) weighing: ``body_weight=`` / ``body_weight_sd=``
# --------------------------------------------------------------------------------------------------

#: Method id of the body weight (and mass, SD) metrics when the body weight was given, not measured.
GIVEN = "given_body_weight"
#: Where the SD behind the onset threshold came from with a given body weight (``params["body_weight_sd_source"]``).
SD_SOURCES = ("given", "trial_window", "floor")


def positive_newtons(name: str, value: object, *, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``), or ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number of newtons, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0 N, got {value!r}")
    return v


def check_given(params: dict[str, ParamValue]) -> tuple[float | None, float | None]:
    """The given body weight and SD from ``params`` (``None`` when not given), validated.

    ``ValueError`` naming the parameter for a non-number, a non-finite value, a body weight <= 0 or below
    ``min_body_weight`` (a mass in kg passed by mistake), a negative SD, or an SD without a body weight.
    """
    bw, sd = params.get("body_weight"), params.get("body_weight_sd")
    if bw is None:
        if sd is not None:
            raise ValueError("body_weight_sd was given without body_weight; give both (or neither)")
        return None, None
    value = positive_newtons("body_weight", bw)
    floor = num(params, "min_body_weight")
    if value < floor:
        raise ValueError(f"body_weight {value:g} N is below min_body_weight {floor:g} N: body weight is a force in "
                         f"newtons (a mass of {value:g} kg weighs {value * STANDARD_GRAVITY:.1f} N)")
    return value, None if sd is None else positive_newtons("body_weight_sd", sd, allow_zero=True)


def given_weighing(trial: Weighing, bw: float, sd: float | None, stance_start: int, stance_found: bool,
                   ) -> tuple[Weighing, str, bool]:
    """The weighing the rest of a jump analysis uses when the body weight is given.

    Returns ``(weighing, sd_source, steady)``. The body weight is ``bw``. The SD (onset threshold) is ``sd``
    when given, else the trial's own window's SD when that window is steady, else 0 (the threshold is then
    its floor, ``onset_min_threshold``); an unsteady window's SD is not used, since it measures movement,
    not noise. When the trial's own window is steady the onset search starts after it, as without a given
    body weight (``steady`` True); otherwise there is no window to anchor on: the weighing "window" is the
    first sample of the stance, and the caller searches the onset backwards (after the last quiet moment
    at ``bw`` before take-off). Nobody on the plate (``stance_found`` False) stays not found.
    """
    steady = trial.found and not trial.unsteady and trial.stop is not None
    source = "given" if sd is not None else ("trial_window" if steady and trial.sd is not None else "floor")
    used_sd = sd if sd is not None else (trial.sd if source == "trial_window" and trial.sd is not None else 0.0)
    if not stance_found:
        return Weighing(None, None, None, None, GIVEN, reason=trial.reason), source, False
    if steady:
        return Weighing(bw, used_sd, trial.start, trial.stop, GIVEN), source, True
    return Weighing(bw, used_sd, stance_start, stance_start, GIVEN), source, False


def plate_shares(prep: Prepared, limbs: dict[str, Limb], bw: float, a: int | None, b: int | None) -> None:
    """Split the given total ``bw`` between the plates by their mean ratio over samples ``[a, b)``.

    With a given body weight each plate's share is ``bw`` times the plate's fraction of the summed plate
    force over a stance stretch of the trial (the steady weighing window, else the quiet stance just before
    onset); NaN (per-limb metrics not found) when there is no such stretch. No-op with one plate.
    """
    if not limbs or prep.left is None or prep.right is None:
        return
    if a is None or b is None or b <= a:
        limbs["left"].bw = limbs["right"].bw = float("nan")
        return
    sl, sr = float(prep.left[a:b].sum()), float(prep.right[a:b].sum())
    if not sl + sr > 0:
        limbs["left"].bw = limbs["right"].bw = float("nan")
        return
    limbs["left"].bw = bw * sl / (sl + sr)
    limbs["right"].bw = bw * sr / (sl + sr)


def add_given_weighing(book: MetricBook, trial: Weighing, used: Weighing, bw: float, sd_source: str,
                       g: float) -> float:
    """Record a given body weight: the trial's own weighing window as events, the body weight, mass and SD
    metrics with method :data:`GIVEN`, ``params["trial_body_weight"]`` / ``["body_weight_sd_source"]``, the
    trial's ``unsteady_weighing`` flag when its own window was unsteady, and the flag ``body_weight_given``.
    Returns the body weight."""
    res = book.result
    rate = res.rate
    meth = f"weighing_{trial.method}_{book.params['weighing_window']}s"
    res.add_event(Event("weighing_start", trial.start if trial.found else None, rate,
                        EDITED if trial.method == EDITED else meth, reason=trial.reason))
    res.add_event(Event("weighing_end", trial.stop if trial.found else None, rate, meth, reason=trial.reason))
    book.put("body_weight", bw, "N", GIVEN, REF_OWEN, description="Body weight given from a separate (session) "
             "weighing, not measured on this trial.")
    book.put("body_mass", bw / g, "kg", GIVEN, REF_OWEN, description="Given body weight over g.")
    sd_why = None
    sd_val: float | None = used.sd
    sd_meth = GIVEN + "_sd" if sd_source == "given" else meth
    if sd_source == "floor":
        sd_val, sd_meth = None, GIVEN + "_sd"
        sd_why = (f"no SD given and the trial has no steady weighing window; the onset threshold is its floor "
                  f"onset_min_threshold ({book.params.get('onset_min_threshold', 'n/a')} N)")
    book.put("weighing_sd", sd_val, "N", sd_meth, REF_OWEN, reason=sd_why,
             description="SD of the stance force behind the onset threshold (given, or the trial's steady window).")
    res.params["trial_body_weight"] = trial.body_weight
    res.params["body_weight_sd_source"] = sd_source
    if trial.unsteady and trial.sd is not None:
        res.flag("unsteady_weighing",
                 f"weighing SD {trial.sd:.1f} N exceeds {book.params['max_weighing_sd']} N: the athlete was not still "
                 f"(the given body weight is used instead)")
    own = (f"this trial's own weighing gave {trial.body_weight:.1f} N (SD {trial.sd:.1f} N)"
           if trial.body_weight is not None and trial.sd is not None else f"this trial weighs nothing: {trial.reason}")
    res.flag("body_weight_given", f"body weight from the session weighing ({bw:.1f} N), not from this trial's stance; "
             f"{own}")
    return bw


#: An unzeroed plate's flight offset (N) beyond which the trial is flagged ``plate_not_zeroed``.
ZERO_TOLERANCE = 5.0
#: Flight offset (N) beyond which it is subtracted from every channel before the analysis. Below it the offset is
#: measured and reported (metric ``flight_baseline``) but left in, so results stay identical to programs that do
#: not zero; 2 N moves body mass by 0.3 % and jump height by take-off velocity by 0.6 % (0.3 cm at 0.5 m) at 75 kg.
#: Left in up to the flag's 5 N it was 0.7 cm, which with drift broke the 1 cm bound of the synthetic suite.
SUBTRACT_ABOVE = 2.0


def flight_settings(params: dict[str, ParamValue]) -> dict[str, Any]:
    """The trial's flight-detection settings as keyword arguments of :func:`~forcelab.analysis.events.detect_flight`
    (one place, so the zeroing step and the take-off search detect the same flight)."""
    return dict(method=str(params["flight_threshold_method"]), fixed_threshold=num(params, "flight_fixed_threshold"),
                k=num(params, "flight_k"), floor=num(params, "flight_floor"),
                coarse_fraction=num(params, "flight_coarse_fraction"), min_flight=num(params, "min_flight_time"),
                absolute=bool(params["flight_abs"]), takeoff_persistence=num(params, "takeoff_persistence"),
                landing_persistence=num(params, "landing_persistence"))


def zero_on_flight(prep: Prepared, params: dict[str, ParamValue]) -> tuple[Prepared, float | None, Flight | None]:
    """The forces with each channel's flight baseline subtracted when the total exceeds :data:`SUBTRACT_ABOVE` (an
    unloaded plate reads its own offset, not zero: left in, it inflates body mass and shifts every threshold), the
    total baseline (N) or ``None`` when no flight was found, and the first flight found, in the returned forces'
    frame, for the take-off search to reuse (``None`` when it cannot: no flight, or ``flight_abs`` on a plate that
    was zeroed here, where ``|F|`` does not move with the offset). The baseline is the median of the middle half of
    the first flight (ringing at its ends trimmed), per plate when there are two. The flight is detected with the
    trial's own settings (:func:`flight_settings`) and the median on-plate force as body weight."""
    F = prep.total
    on = F[F >= num(params, "min_body_weight")]
    if on.size == 0:
        return prep, None, None
    fl = detect_flight(F, prep.rate, float(np.median(on)), search_start=0, **flight_settings(params))
    a, b = fl.takeoff.index, fl.landing.index
    if a is None or b is None or b - a < 8:
        return prep, None, None
    q = (b - a) // 4
    lo, hi = a + q, b - q
    total = float(np.median(F[lo:hi]))
    if abs(total) <= SUBTRACT_ABOVE:
        return prep, total, fl
    keep = not bool(params["flight_abs"])
    if prep.left is not None and prep.right is not None:
        bl, br = float(np.median(prep.left[lo:hi])), float(np.median(prep.right[lo:hi]))
        left, right = prep.left - bl, prep.right - br
        return Prepared(prep.rate, left + right, left, right), bl + br, shift_flight(fl, bl + br) if keep else None
    return Prepared(prep.rate, F - total, None, None), total, shift_flight(fl, total) if keep else None


def shift_flight(fl: Flight, offset: float) -> Flight:
    """``fl`` as found on forces ``offset`` newtons higher: threshold and baseline moved down by ``offset``
    (indices, crossing times and ringing size do not change: the threshold moves with the forces)."""
    return replace(fl, threshold=None if fl.threshold is None else fl.threshold - offset,
                   baseline=None if fl.baseline is None else fl.baseline - offset)
