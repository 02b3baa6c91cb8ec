"""Changes of a closed session are rewritten compactly: re-analysis and edits do not make a file grow by the
space of what they replaced (HDF5 never reclaims freed space in place), and a failing change writes nothing."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

from forcelab.analysis.types import ForceTrace, Metric, TrialResult
from forcelab.storage import schema
from forcelab.storage.edit import set_trial_decision, set_trial_result
from forcelab.storage.importer import import_file
from forcelab.storage.reanalyze import reanalyze_session
from forcelab.storage.rewrite import repack, rewrite_session
from forcelab.storage.session import open_session

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "recordings" / "examples" / "cmj_two_plates.csv"


@pytest.fixture
def session(tmp_path: Path) -> Path:
    """A real CMJ session: the example two-plate recording imported and analysed with today's analysis."""
    return import_file(EXAMPLE, archive=tmp_path / "archive", athlete="Rita Rewrite", test="cmj")


def _compact_size(path: Path, tmp_path: Path) -> int:
    """The size of the same content written afresh (what the file holds without freed space)."""
    out = tmp_path / "compact.h5"
    with h5py.File(path, "r") as f:
        repack(f, out)
    return out.stat().st_size


def test_three_reanalyses_keep_the_size_of_the_first(session: Path) -> None:
    sizes = []
    for _ in range(3):
        done = reanalyze_session(session, force=True)
        assert sorted(done.changes) == [1]
        sizes.append(session.stat().st_size)
    assert max(sizes) <= 1.10 * sizes[0], sizes  # before this fix: 0.64 -> 1.3 -> 2.0 MB
    t = open_session(session, load_analysis=True).trials[0]
    assert len(t.history) == 3  # each re-run is in the history (who, when) ...
    assert all(h["metrics"] == t.metrics for h in t.history.values())  # ... saying what it said
    with h5py.File(session, "r") as f:  # ... sharing the current tables, not copying them
        g = f[schema.TRIALS][schema.trial_group_name(1)]
        assert all(g[schema.HISTORY][label]["metrics"].id == g["metrics"].id for label in g[schema.HISTORY])


def test_changed_analyses_grow_by_their_history_only(session: Path, tmp_path: Path) -> None:
    def method(k: int):  # type: ignore[no-untyped-def]
        def analyze(trace: ForceTrace, test: str) -> TrialResult:
            r = TrialResult(test=test, rate=trace.rate)
            r.add_metric(Metric("peak_force", float(trace.total.max()) + k, "N", f"max_v{k}", {"k": k}, "none"))
            return r
        return analyze

    for k in range(3):
        reanalyze_session(session, analyze=method(k), force=True)
        assert session.stat().st_size <= 1.02 * _compact_size(session, tmp_path)  # no freed space kept
    t = open_session(session, load_analysis=True).trials[0]
    assert t.metrics["peak_force"]["method"] == "max_v2"
    kept = [h["metrics"]["peak_force"]["method"] if "peak_force" in h["metrics"] and len(h["metrics"]) == 1
            else "today's" for h in t.history.values()]
    assert kept == ["today's", "max_v0", "max_v1"]  # every earlier analysis, oldest first


def test_edits_keep_the_size_and_a_failing_change_writes_nothing(session: Path) -> None:
    size = session.stat().st_size
    result = TrialResult(test="cmj", rate=1000.0)
    result.add_metric(Metric("peak_force", 1234.0, "N", "by_hand", {}, "none"))
    for k in range(5):
        set_trial_decision(session, 1, k % 2 == 0, f"note {k}")
        set_trial_result(session, 1, result)
    t = open_session(session, load_analysis=True).trials[0]
    assert (t.accepted, t.note) == (True, "note 4") and t.metrics["peak_force"]["value"] == 1234.0
    assert session.stat().st_size <= 1.02 * size
    before = session.read_bytes()

    def broken(f: h5py.File) -> None:
        f.attrs["athlete"] = "someone else"
        raise RuntimeError("the change failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        rewrite_session(session, broken)
    assert session.read_bytes() == before
    assert sorted(p.name for p in session.parent.iterdir()) == [session.name]  # no staged copy left
