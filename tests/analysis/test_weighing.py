"""Weighing: sliding statistics, steadiest window, fixed window, not-found reasons, unsteady flag."""

from __future__ import annotations

import numpy as np
import pytest

from forcelab.analysis.weighing import sliding_mean_sd, weigh


def test_sliding_mean_sd_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    x = 700.0 + rng.normal(0, 3, 500)
    m, s = sliding_mean_sd(x, 50)
    ref_m = np.array([x[i:i + 50].mean() for i in range(451)])
    ref_s = np.array([x[i:i + 50].std(ddof=1) for i in range(451)])
    # tolerance: float64 cumulative sums over 500 samples; 1e-9 N is far below any physical meaning
    np.testing.assert_allclose(m, ref_m, atol=1e-9)
    np.testing.assert_allclose(s, ref_s, atol=1e-9)


def test_steadiest_window_is_the_quiet_one() -> None:
    rng = np.random.default_rng(2)
    rate = 1000.0
    fidget = 700 + rng.normal(0, 20, 2000)
    quiet = 712 + rng.normal(0, 1, 1500)
    x = np.concatenate([fidget, quiet, fidget])
    w = weigh(x, rate)
    assert w.found and not w.unsteady
    assert 2000 <= w.start and w.stop <= 3500  # type: ignore[operator]
    assert w.body_weight == pytest.approx(712, abs=0.3)  # 1 s of SD 1 N noise: SE 0.03 N
    assert w.sd == pytest.approx(1.0, abs=0.15)


def test_fixed_window_and_out_of_range() -> None:
    x = np.concatenate([np.full(1000, 600.0), np.full(1000, 800.0)])
    w = weigh(x, 1000.0, method="fixed", start=1.0, window=0.5)
    assert (w.start, w.stop, w.body_weight, w.sd) == (1000, 1500, 800.0, 0.0)
    bad = weigh(x, 1000.0, method="fixed", start=1.8, window=0.5)
    assert not bad.found and "outside" in (bad.reason or "")


def test_nobody_on_plate_and_short_stance() -> None:
    w = weigh(np.zeros(3000), 1000.0)
    assert not w.found and "nobody" in (w.reason or "")
    w = weigh(np.full(500, 700.0), 1000.0)
    assert not w.found and "quiet stance" in (w.reason or "")


def test_unsteady_flagged() -> None:
    rng = np.random.default_rng(3)
    w = weigh(700 + rng.normal(0, 30, 3000), 1000.0, max_sd=10.0)
    assert w.found and w.unsteady


def test_bad_options_raise() -> None:
    with pytest.raises(ValueError, match="weighing method"):
        weigh(np.ones(10), 1000.0, method="median")
    with pytest.raises(ValueError, match="window"):
        weigh(np.ones(10), 1000.0, window=0.0)
