"""recordings/: every sample session opens, re-analyses from raw to its expected metrics, meets its references."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType

import pytest

from forcelab.storage.session import open_session

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
EXPECTED = json.loads((RECORDINGS / "expected.json").read_text())


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_recordings", RECORDINGS / "make_recordings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _maker()


def test_every_session_file_is_listed_and_small() -> None:
    files = sorted(p.name for p in RECORDINGS.glob("*.h5"))
    assert files == sorted(EXPECTED) and len(files) >= 3
    for name in files:
        assert (RECORDINGS / name).stat().st_size < 1_200_000, name
        assert name in (RECORDINGS / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reanalysis_from_raw_reproduces_expected_metrics(name: str) -> None:
    entry = EXPECTED[name]
    s = open_session(RECORDINGS / name)
    assert s.complete and s.tests == [entry["test"]]
    assert len(s.trials) == len(entry["trials"]) == len(entry["references"])
    for t, want, refs in zip(s.trials, entry["trials"], entry["references"], strict=True):
        assert want, "a sample without expected metrics checks nothing"
        stored = {k: t.metrics[k]["value"] for k in want}
        assert stored == want
        result = MAKER.analyze(t.trace_from_raw(s.device["channel_map"]), t.test)
        for key, value in want.items():
            got = result.value(key)
            if value is None:  # expected "not found" (with a reason), never a number
                assert got is None and result.metrics[key].reason, (name, key, got)
                continue
            assert got is not None and math.isclose(got, value, rel_tol=1e-6, abs_tol=1e-9), (name, key, got, value)
        for key, (value, tol, note) in refs.items():
            got = result.value(key)
            assert got is not None and abs(got - value) <= tol, f"{name} {key}: {got} vs {value} ± {tol} ({note})"
