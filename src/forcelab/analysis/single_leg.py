"""Single-leg jumps (single-leg CMJ ``sl_cmj``, single-leg drop jump ``sl_dj``) and the limb asymmetry across
left-leg and right-leg trials.

A single-leg trial is analysed by the two-leg analysis (:func:`~forcelab.analysis.cmj.analyze_cmj`,
:func:`~forcelab.analysis.dj.analyze_dj`) on the force under the stance leg alone:

* **one plate** (one force channel): the whole trace; the tester names the limb (``limb="left"|"right"``);
* **two plates**, the athlete on one of them: the force of the plate *loaded* at the trial's highest force.
  The other plate is unloaded when its force stays at most :data:`UNLOADED_FRACTION` of the loaded plate's
  peak within :data:`STANCE_WINDOW` of that instant (noise and an offset of a few newtons stay under it; a
  foot put down on it does not; standing on it before the jump, stepping across, does not count). With no limb named, the limb is the loaded plate's
  side (``params["limb_source"] = "plate"``); a named limb is kept (``"tester"``: one may stand on the left plate
  with the right leg) and the flag ``limb_plate_differs`` says when it is not the plate's side. When neither
  plate is unloaded (the other foot touched down) the trial is analysed on the summed force and flagged
  ``both_plates_loaded``.

Per-plate metrics (``left_*``, ``right_*``, ``*_asymmetry``) are not reported within a single-leg trial: the
other plate carries nothing. The limb asymmetry compares trials instead (:func:`limb_asymmetry`): the best (or
mean) value of each limb's trials of a session, by a named formula (:mod:`forcelab.analysis.asymmetry`;
Bishop et al. 2018 recommend the percent difference for unilateral tests). See docs/methods-asymmetry.md,
"Single-leg tests: limb asymmetry across trials", and docs/methods-jumps.md, "Single-leg jumps".
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forcelab.analysis.asymmetry import FORMULAS, REFERENCE, asymmetry_metrics
from forcelab.analysis.types import ForceTrace, Metric, ParamValue, TrialResult

LIMBS = ("left", "right")
#: A plate whose force stays at most this fraction of the stance plate's peak around the jump carries no foot.
UNLOADED_FRACTION = 0.05
#: How long before and after the trial's highest force (s) the other plate must stay unloaded: the jump itself
#: (a CMJ's countermovement to its landing, a drop jump's contact), not the stance before it, where the athlete
#: may still stand on the other plate (stepping across between left- and right-leg trials).
STANCE_WINDOW = 1.0
#: The single-leg tests and the two-leg analysis each runs (module, function).
BASES: Mapping[str, tuple[str, str]] = {"sl_cmj": ("forcelab.analysis.cmj", "analyze_cmj"),
                                        "sl_dj": ("forcelab.analysis.dj", "analyze_dj")}
SINGLE_LEG_TESTS = tuple(BASES)
NAMES = {"sl_cmj": "single-leg countermovement jump", "sl_dj": "single-leg drop jump"}
#: The metrics compared across limbs by default, per test (larger is better for each, so the "stronger side"
#: of the percent difference is the better limb).
LIMB_METRICS: Mapping[str, tuple[str, ...]] = {
    "sl_cmj": ("jump_height_takeoff_velocity", "jump_height_flight_time", "peak_force", "propulsive_net_impulse",
               "peak_power", "rsi_modified"),
    "sl_dj": ("rsi", "jump_height_flight_time", "peak_force", "peak_landing_force"),
}
STATISTICS = ("best", "mean")


@dataclass(frozen=True)
class Stance:
    """Which force a single-leg trial is analysed on: ``trace`` (one channel), the plate it came from
    (``"left"``, ``"right"``, ``"single"`` for a one-channel recording, ``"both"`` when neither plate was
    unloaded) and the plate's loaded share of the summed force."""

    trace: ForceTrace
    plate: str
    share: float | None


def stance(trace: ForceTrace) -> Stance:
    """The stance leg's force of a single-leg trial (see the module docstring for the rule)."""
    if trace.left is None or trace.right is None:
        return Stance(trace, "single", None)
    peak = int(np.argmax(trace.total))
    loaded, force, other = (("left", trace.left, trace.right) if trace.left[peak] >= trace.right[peak]
                            else ("right", trace.right, trace.left))
    n = int(round(STANCE_WINDOW * trace.rate))
    a, b = max(0, peak - n), min(trace.n, peak + n + 1)
    big, small = float(force[a:b].max()), float(np.clip(other[a:b], 0.0, None).max())
    share = big / (big + small) if big + small > 0 else None
    if big > 0 and small <= UNLOADED_FRACTION * big:
        return Stance(ForceTrace(trace.rate, force), loaded, share)
    return Stance(ForceTrace(trace.rate, trace.total), "both", share)


def _check_limb(limb: object) -> str | None:
    if limb is None or limb in LIMBS:
        return limb
    raise ValueError(f"limb must be one of {', '.join(LIMBS)} (or not given, to detect it from the plates); "
                     f"got {limb!r}")


def analyze_single_leg(trace: ForceTrace, test: str, *, limb: str | None = None,
                       events: Mapping[str, int] | None = None, **params: Any) -> TrialResult:
    """Analyse one single-leg trial of ``test`` (``sl_cmj`` or ``sl_dj``) on the stance leg's force.

    ``limb`` (``"left"``/``"right"``) is the leg the tester named; ``None`` detects it from the plates (the
    loaded one) and, on one channel, leaves it unnamed (flag ``limb_not_named``). ``params`` are the two-leg
    analysis' (``drop_height``, ``body_weight``, settings by archive key). The result's ``test`` is ``test``;
    ``params`` gain ``limb`` (the tester's, ``None`` when not named: the input, as stored), ``stance_limb`` (the
    leg that jumped: the tester's, else the loaded plate's side, else ``"unknown"``), ``limb_source``
    (``tester``, ``plate`` or ``none``) and ``stance_plate``. Errors as the two-leg analysis, and ``ValueError`` for an unknown test or limb."""
    if test not in BASES:
        raise ValueError(f"unknown single-leg test {test!r}; known: {', '.join(BASES)}")
    named = _check_limb(limb)
    mod, fn = BASES[test]
    base = getattr(importlib.import_module(mod), fn)
    st = stance(trace)
    res: TrialResult = base(st.trace, events=events, **params)
    res.test = test
    if named is not None:
        side, source = named, "tester"
    elif st.plate in LIMBS:
        side, source = st.plate, "plate"
    else:
        side, source = "unknown", "none"
    res.params.update(limb=named, stance_limb=side, limb_source=source, stance_plate=st.plate)
    if st.plate == "both":
        res.flag("both_plates_loaded",
                 f"neither plate was unloaded (the loaded one carried {100 * (st.share or 0):.0f} % of the force): "
                 "the other foot touched down; analysed on the summed force")
    if side == "unknown":
        res.flag("limb_not_named", "which leg jumped is not known: name the limb (left/right), or use two plates "
                 "with the athlete on one of them")
    elif source == "tester" and st.plate in LIMBS and st.plate != side:
        res.flag("limb_plate_differs", f"the tester named the {side} leg; it stood on the {st.plate} plate")
    return res


@dataclass(frozen=True)
class SingleLegAnalysis:
    """One single-leg test as :mod:`forcelab.analysis.dispatch` calls it: ``analysis(trace, limb=..., **params)``,
    with the two-leg analysis' settings (``DEFAULTS``), inputs (``INPUTS``, plus ``limb``) and editable events."""

    test: str

    def _base(self) -> Any:
        return importlib.import_module(BASES[self.test][0])

    @property
    def DEFAULTS(self) -> dict[str, ParamValue]:  # noqa: N802 - the attribute dispatch reads of every analysis
        return dict(self._base().DEFAULTS)

    @property
    def INPUTS(self) -> tuple[str, ...]:  # noqa: N802
        return (*self._base().INPUTS, "limb")

    @property
    def EDITABLE_EVENTS(self) -> tuple[str, ...]:  # noqa: N802
        return tuple(self._base().EDITABLE_EVENTS)

    def __call__(self, trace: ForceTrace, *, limb: str | None = None, events: Mapping[str, int] | None = None,
                 **params: Any) -> TrialResult:
        return analyze_single_leg(trace, self.test, limb=limb, events=events, **params)


def limb_asymmetry(results: Sequence[TrialResult], *, metrics: Sequence[str] | None = None,
                   formula: str = "percent_difference", statistic: str = "best") -> list[Metric]:
    """Limb asymmetry across the single-leg trials ``results`` of one session (one test).

    For each metric (default :data:`LIMB_METRICS` of the trials' test): ``left_<metric>`` and ``right_<metric>``,
    the ``statistic`` (``"best"``: the largest; ``"mean"``) of that limb's trials where it was found, and
    ``<metric>_asymmetry`` by ``formula`` (see :mod:`forcelab.analysis.asymmetry`), with ``statistic``, the trial
    counts and the formula in ``params``. Trials of an unknown limb are left out. A limb without a trial gives
    not-found metrics with the reason. ``ValueError`` for trials of different tests or not single-leg, an
    unknown formula or statistic."""
    if formula not in FORMULAS:
        raise ValueError(f"unknown asymmetry formula {formula!r}; valid formulas: {', '.join(FORMULAS)}")
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(STATISTICS)}, got {statistic!r}")
    tests = {r.test for r in results}
    if len(tests) > 1 or not tests <= set(BASES):
        raise ValueError(f"limb asymmetry compares trials of one single-leg test ({', '.join(BASES)}); "
                         f"got {', '.join(sorted(tests)) or 'no trials'}")
    test = next(iter(tests), "sl_cmj")
    by_limb = {side: [r for r in results if r.params.get("stance_limb") == side] for side in LIMBS}
    out: list[Metric] = []
    for name in metrics if metrics is not None else LIMB_METRICS[test]:
        values: dict[str, float | None] = {}
        reasons: dict[str, str | None] = {}
        unit = ""
        for side, trials in by_limb.items():
            found = [m for r in trials if (m := r.metrics.get(name)) is not None and m.value is not None]
            unit = unit or (found[0].unit if found else "")
            if found:
                vals = [float(m.value) for m in found if m.value is not None]
                values[side] = max(vals) if statistic == "best" else float(np.mean(vals))
                reasons[side] = None
            else:
                values[side] = None
                reasons[side] = (f"no {side}-leg trial with {name}" if not trials else
                                 f"{name} not found in the {len(trials)} {side}-leg trial(s)")
        params: dict[str, ParamValue] = {"statistic": statistic, "test": test,
                                         "left_trials": len(by_limb["left"]), "right_trials": len(by_limb["right"])}
        left, right, asym = asymmetry_metrics(
            name, values["left"], values["right"], unit=unit, method=f"single_leg_{statistic}_of_trials",
            params=params, reference=REFERENCE, formula=formula,
            description=f"{statistic} {name.replace('_', ' ')} of the limb's single-leg trials",
            left_reason=reasons["left"], right_reason=reasons["right"])
        out.extend((left, right, dataclasses.replace(asym, params={**params, **asym.params})))
    return out
