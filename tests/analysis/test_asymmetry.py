"""Left/right asymmetry formulas and the per-limb metric triple."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcelab.analysis.asymmetry import FORMULAS, asymmetry, asymmetry_metrics


def test_shiny_reference_net_impulse_mean_normalised() -> None:
    # shiny-vertical-jump reference: left 93.38 N*s, right 112.77 N*s -> "symmetry index" -18.8 %
    value, side = asymmetry(93.38, 112.77, "mean_normalised")
    assert round(value, 1) == -18.8
    assert side == "right"


def test_three_formulas_by_hand() -> None:
    pd, side = asymmetry(80.0, 100.0)
    assert side == "right"
    assert pd == pytest.approx(20.0)
    si, _ = asymmetry(80.0, 100.0, "symmetry_index")
    assert si == pytest.approx(-20.0 / 180.0 * 100.0)
    mn, _ = asymmetry(80.0, 100.0, "mean_normalised")
    assert mn == pytest.approx(-20.0 / 90.0 * 100.0)
    pd2, side2 = asymmetry(100.0, 80.0)
    assert (pd2, side2) == (pytest.approx(20.0), "left")
    assert asymmetry(5.0, 5.0, "symmetry_index") == (0.0, "equal")


@pytest.mark.parametrize(
    ("left", "right", "word"),
    [(0.0, 0.0, "both sides are zero"), (-1.0, 3.0, "non-negative"), (math.nan, 1.0, "finite")],
)
def test_undefined_pairs_raise_with_reason(left: float, right: float, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        asymmetry(left, right)


def test_unknown_formula_lists_valid() -> None:
    with pytest.raises(ValueError, match="percent_difference, symmetry_index, mean_normalised"):
        asymmetry(1.0, 2.0, "ratio")


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=1e5, allow_nan=False),
    st.floats(min_value=0.0, max_value=1e5, allow_nan=False),
)
def test_formula_relations(left: float, right: float) -> None:
    if left + right <= 0:
        return
    pd, side = asymmetry(left, right)
    si, side_si = asymmetry(left, right, "symmetry_index")
    mn, _ = asymmetry(left, right, "mean_normalised")
    assert side == side_si
    assert 0.0 <= pd <= 100.0
    assert -100.0 <= si <= 100.0
    assert mn == pytest.approx(2.0 * si, abs=1e-9)
    if side == "left":
        assert si > 0
    elif side == "right":
        assert si < 0
    # swapping the limbs flips the sign and the side, not the magnitude
    pd_s, side_s = asymmetry(right, left)
    assert pd_s == pytest.approx(pd)
    assert {side, side_s} in ({"left", "right"}, {"equal"})


def _triple(left: float | None, right: float | None, **kw: object) -> dict:
    ms = asymmetry_metrics(
        "peak_force", left, right, unit="N", method="peak", params={"window": 1.0},
        reference="ref", **kw,  # type: ignore[arg-type]
    )
    return {m.name: m for m in ms}


def test_metrics_triple() -> None:
    ms = _triple(1200.0, 1000.0)
    assert list(ms) == ["left_peak_force", "right_peak_force", "peak_force_asymmetry"]
    assert ms["left_peak_force"].value == 1200.0 and ms["left_peak_force"].unit == "N"
    assert ms["right_peak_force"].params == {"window": 1.0}
    a = ms["peak_force_asymmetry"]
    assert a.unit == "%"
    assert a.value == pytest.approx(200.0 / 1200.0 * 100.0)
    assert a.params["formula"] == "percent_difference"
    assert a.params["stronger_side"] == "left"
    assert "Bishop" in a.reference and "Impellizzeri" in a.reference


def test_metrics_none_and_zero_give_reasons() -> None:
    ms = _triple(None, 1000.0, left_reason="left plate unplugged")
    assert ms["left_peak_force"].value is None
    assert ms["left_peak_force"].reason == "left plate unplugged"
    assert ms["peak_force_asymmetry"].value is None
    assert "left" in (ms["peak_force_asymmetry"].reason or "")
    zs = _triple(0.0, 0.0)
    assert zs["peak_force_asymmetry"].value is None
    assert "zero" in (zs["peak_force_asymmetry"].reason or "")
    neg = _triple(-3.0, -1.0)
    assert neg["peak_force_asymmetry"].value is None
    mag = _triple(-3.0, -1.0, use_magnitude=True)
    assert mag["peak_force_asymmetry"].value == pytest.approx(200.0 / 3.0)
    assert mag["peak_force_asymmetry"].params["use_magnitude"] is True


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_named_in_metric(formula: str) -> None:
    a = _triple(10.0, 20.0, formula=formula)["peak_force_asymmetry"]
    assert a.params["formula"] == formula
    assert a.method == f"asymmetry_{formula}"


def test_metrics_unknown_formula_raises() -> None:
    with pytest.raises(ValueError, match="unknown asymmetry formula"):
        _triple(1.0, 2.0, formula="bogus")
