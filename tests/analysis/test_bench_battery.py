"""bench/analysis.py times every test the analysis knows: its battery list covers ``dispatch.TESTS`` (behaviour
only; the bench prints the times, nothing here measures them)."""

from __future__ import annotations

from types import ModuleType

import pytest

from forcelab.analysis.dispatch import TESTS, analyze
from support.bench import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("analysis")


def test_the_bench_times_every_test_of_the_dispatch(bench: ModuleType) -> None:
    missing = set(TESTS) - bench.battery_tests()
    assert not missing, f"bench/analysis.py has no battery line for {sorted(missing)}"


def test_every_battery_case_is_analysed_as_its_test_and_the_baseline_comes_first(bench: ModuleType) -> None:
    cases = bench.battery_cases()
    assert cases[0][2] == bench.BASELINE == "cmj" and not cases[0][3]  # the ratio's denominator: a plain CMJ
    for label, trace, test, params in cases:
        res = analyze(trace, test, **params)  # a case the analysis refuses would print no time
        assert res.test == test, label
        assert any(m.value is not None for m in res.metrics.values()), label
    assert {"load_mass"} <= {k for _, _, t, p in cases if t in ("cmj", "sj") for k in p}  # the loaded jumps
