"""Left/right asymmetry of one bilateral measure, by a named formula.

Three formulas are in use in the literature and in commercial software, and they give different numbers
for the same pair of values, so the formula is always named in the result (``params["formula"]``):

``percent_difference`` (default; Impellizzeri et al. 2007, Bishop et al. 2018)
    ``(stronger - weaker) / stronger * 100``. Always >= 0; the stronger side is named separately
    (``"left"``, ``"right"`` or ``"equal"``). Bishop et al. recommend it for bilateral tests because it
    does not depend on which limb is put first.
``symmetry_index``
    ``(L - R) / (L + R) * 100``. Signed: **positive means the left side is larger**, negative the right.
    Bounded to [-100, 100] for non-negative inputs.
``mean_normalised``
    ``(L - R) / ((L + R) / 2) * 100``, the "symmetry index" of Robinson et al. (1987) and of the shiny
    vertical-jump app (-18.8 % for a left net impulse of 93.38 N*s and a right one of 112.77 N*s).
    Signed like ``symmetry_index`` (positive = left larger) and exactly twice it.

The inputs must be non-negative magnitudes (forces, impulses, times). A pair that is not (a negative
value, a non-finite value, or both zero so that the sum is zero) has no meaningful asymmetry: the
metric is then reported as not found with the reason, never as a division blow-up. Quantities that are
negative by convention (for instance an unweighting net impulse) can be compared by magnitude with
``use_magnitude=True``, which is recorded in the metric's params.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from forcelab.analysis.types import Metric, ParamValue

FORMULAS = ("percent_difference", "symmetry_index", "mean_normalised")

REFERENCE = (
    "Bishop C, Read P, Lake J, Chavda S, Turner A (2018) Interlimb asymmetries: understanding how to "
    "calculate differences from bilateral and unilateral tests. Strength Cond J 40(4):1-6; "
    "Impellizzeri FM, Rampinini E, Maffiuletti N, Marcora SM (2007) A vertical jump force test for "
    "assessing bilateral strength asymmetry in athletes. Med Sci Sports Exerc 39(11):2044-2050"
)

_SIDE_RTOL = 1e-12


def _check_formula(formula: str) -> None:
    if formula not in FORMULAS:
        raise ValueError(f"unknown asymmetry formula {formula!r}; valid formulas: {', '.join(FORMULAS)}")


def asymmetry(left: float, right: float, formula: str = "percent_difference") -> tuple[float, str]:
    """Asymmetry between ``left`` and ``right`` in percent, and the stronger side.

    Returns ``(value, side)`` where ``side`` is ``"left"``, ``"right"`` or ``"equal"`` (the two values
    equal to a relative 1e-12). Sign conventions: ``percent_difference`` is >= 0 and the side says
    which limb is stronger; ``symmetry_index`` and ``mean_normalised`` are positive when left > right.

    Raises :class:`ValueError` with the reason when the pair has no meaningful asymmetry: an unknown
    formula, a non-finite or negative value, or a zero sum.
    """
    _check_formula(formula)
    lv = float(left)
    rv = float(right)
    if not (math.isfinite(lv) and math.isfinite(rv)):
        raise ValueError(f"asymmetry needs finite values, got left={lv!r}, right={rv!r}")
    if lv < 0 or rv < 0:
        raise ValueError(
            f"asymmetry needs non-negative values (magnitudes), got left={lv:g}, right={rv:g}"
        )
    total = lv + rv
    if total <= 0:
        raise ValueError(f"asymmetry is undefined when both sides are zero (left={lv:g}, right={rv:g})")
    if math.isclose(lv, rv, rel_tol=_SIDE_RTOL, abs_tol=0.0):
        side = "equal"
    else:
        side = "left" if lv > rv else "right"
    if formula == "percent_difference":
        strong = max(lv, rv)
        value = 0.0 if side == "equal" else (strong - min(lv, rv)) / strong * 100.0
    elif formula == "symmetry_index":
        value = 0.0 if side == "equal" else (lv - rv) / total * 100.0
    else:  # mean_normalised: (L - R) / (total / 2) * 100, written so that total / 2 cannot underflow to 0
        value = 0.0 if side == "equal" else (lv - rv) / total * 200.0
    return value, side


def asymmetry_metrics(
    base_name: str,
    left: float | None,
    right: float | None,
    *,
    unit: str,
    method: str,
    params: Mapping[str, ParamValue],
    reference: str,
    formula: str = "percent_difference",
    description: str = "",
    left_reason: str | None = None,
    right_reason: str | None = None,
    use_magnitude: bool = False,
) -> list[Metric]:
    """Per-limb metrics and their asymmetry: ``left_<base>``, ``right_<base>``, ``<base>_asymmetry``.

    ``unit``, ``method``, ``params`` and ``reference`` describe how the per-limb values were computed
    and are copied onto the two limb metrics. The asymmetry metric has unit ``"%"``, method
    ``"asymmetry_<formula>"``, the reference of :data:`REFERENCE`, and params carrying ``formula``,
    ``stronger_side`` and ``of`` (the base name). A ``None`` limb value gives a not-found limb metric
    (with ``left_reason``/``right_reason`` when given) and a not-found asymmetry; so does a pair with
    no meaningful asymmetry (see :func:`asymmetry`). With ``use_magnitude`` the absolute values are
    compared (for quantities that are negative by convention).
    """
    _check_formula(formula)
    base_params = dict(params)
    out: list[Metric] = []
    for side_name, val, why in (("left", left, left_reason), ("right", right, right_reason)):
        reason: str | None = None
        if val is None:
            reason = why or f"{side_name} plate value of {base_name} not available"
        else:
            fv = float(val)
            if not math.isfinite(fv):
                val, reason = None, f"{side_name} plate value of {base_name} is not finite ({fv})"
        out.append(
            Metric(
                name=f"{side_name}_{base_name}",
                value=val,
                unit=unit,
                method=method,
                params=base_params,
                reference=reference,
                reason=reason,
                description=f"{description} ({side_name} plate)" if description else "",
            )
        )
    lval, rval = out[0].value, out[1].value
    asym_params: dict[str, ParamValue] = {"formula": formula, "of": base_name}
    if use_magnitude:
        asym_params["use_magnitude"] = True
    value: float | None = None
    asym_reason: str | None = None
    if lval is None or rval is None:
        missing = [s for s, v in (("left", lval), ("right", rval)) if v is None]
        asym_reason = f"{' and '.join(missing)} value of {base_name} not available"
    else:
        a, b = (abs(lval), abs(rval)) if use_magnitude else (lval, rval)
        try:
            value, side = asymmetry(a, b, formula)
            asym_params["stronger_side"] = side
        except ValueError as exc:
            asym_reason = f"{base_name}: {exc}"
    out.append(
        Metric(
            name=f"{base_name}_asymmetry",
            value=value,
            unit="%",
            method=f"asymmetry_{formula}",
            params=asym_params,
            reference=REFERENCE,
            reason=asym_reason,
            description=(f"Left/right asymmetry of {description or base_name} ({formula.replace('_', ' ')})"),
        )
    )
    return out
