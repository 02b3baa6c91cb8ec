"""bench/analysis.py times every test the analysis knows: its battery list covers ``dispatch.TESTS`` (behaviour
only; the bench prints the times, nothing here measures them)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from forcelab.analysis.dispatch import TESTS, analyze

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_analysis", ROOT / "bench" / "analysis.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_analysis"] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


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
