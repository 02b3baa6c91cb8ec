"""Simulated athletes vary from trial to trial and are not perfectly symmetric (issue 13), with the truth
of every trial still known."""

from __future__ import annotations

import pytest

from forcelab.simulation.motion import SimMotion


def _trials(motion: SimMotion, test: str, n: int) -> list[dict[str, float]]:
    return [motion.trigger(test, now=0.0).truth for _ in range(n)]


def test_variation_and_asymmetry_sd_make_each_trial_its_own() -> None:
    motion = SimMotion(channels=2, asymmetry=0.04, asymmetry_sd=0.015, variation=0.04, seed=1)
    truths = _trials(motion, "cmj", 8)
    heights = [t["jump_height"] for t in truths]
    splits = [t["asymmetry"] for t in truths]
    assert len(set(heights)) == 8 and max(heights) - min(heights) > 0.005
    assert len(set(splits)) == 8 and all(s != 0.0 for s in splits)
    assert 0.0 < sum(splits) / len(splits) < 0.08  # around the athlete's usual split (left stronger)
    assert all(t["asymmetry_index_max_pct"] != 0.0 for t in truths)
    pulls = [t["peak_force"] for t in _trials(motion, "imtp", 3)]
    assert len(set(pulls)) == 3


def test_without_variation_trials_repeat_exactly() -> None:
    motion = SimMotion(channels=2, seed=1)
    truths = _trials(motion, "cmj", 3)
    assert len({t["jump_height"] for t in truths}) == 1
    assert {t["asymmetry"] for t in truths} == {0.0}


def test_a_given_height_is_kept() -> None:
    motion = SimMotion(channels=2, variation=0.1, seed=2)
    assert motion.trigger("cmj", now=0.0, jump_height=0.3).truth["jump_height"] == pytest.approx(0.3)


@pytest.mark.parametrize("field", ["variation", "asymmetry_sd"])
def test_bad_variation_is_named(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        SimMotion(channels=2, **{field: -0.1})  # type: ignore[arg-type]
