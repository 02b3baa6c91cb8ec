"""Batch re-analysis on a real dask.distributed LocalCluster over archives written by the real writer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import pytest

from forcelab.storage import bridge, schema
from forcelab.storage.archive import session_files
from forcelab.storage.batch import cluster, run_batch, select_sessions
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session
from support.batch import small_archive, trial_states

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One LocalCluster of two worker processes for the module (started and closed here)."""
    with cluster(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def archive_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache") / "archive"


def _batch(archive: Path, client: Any, **kwargs: Any) -> Any:
    with ArchiveIndex(archive) as index:
        return run_batch(select_sessions(index), index=index, client=client, **kwargs)


def test_cluster_reanalyses_every_trial_and_the_index_follows(
    tmp_path: Path, client: Any, archive_cache: Path
) -> None:
    archive = small_archive(archive_cache, tmp_path / "a")
    before = {p.name: open_session(p).trials[0].metrics for p in session_files(archive)}
    report = _batch(archive, client)
    assert (report.trials, report.sessions, report.skipped, report.failures) == (12, 6, 0, [])
    version = bridge.method_version()
    assert set(trial_states(archive).values()) == {(version, 1)}  # every trial once, old metrics in history
    for p in session_files(archive):
        s = open_session(p)
        t = s.trials[0]
        expected = bridge.analyze(t.trace_from_raw(s.device["channel_map"]), "cmj").to_dict()["metrics"]
        assert t.metrics["jump_height_takeoff_velocity"]["value"] == pytest.approx(
            expected["jump_height_takeoff_velocity"]["value"])
        assert t.history[next(iter(t.history))]["metrics"] == before[p.name]
    with ArchiveIndex(archive) as index:  # the batch kept the index in step with the rewritten files
        sync = index.sync()
        assert (sync.added, sync.updated, sync.removed) == (0, 0, 0)
        assert len(index.metric_values("Stable Sam", "jump_height_takeoff_velocity")) == 4


def test_second_run_skips_and_force_reruns(tmp_path: Path, client: Any, archive_cache: Path) -> None:
    archive = small_archive(archive_cache, tmp_path / "a")
    assert _batch(archive, client).trials == 12
    stamps = {p: p.stat().st_mtime_ns for p in session_files(archive)}
    again = _batch(archive, client)
    assert (again.trials, again.sessions, again.skipped) == (0, 0, 12)
    assert {p: p.stat().st_mtime_ns for p in session_files(archive)} == stamps  # no file rewritten
    forced = _batch(archive, client, force=True)
    assert (forced.trials, forced.sessions, forced.skipped) == (12, 6, 0)
    assert set(trial_states(archive).values()) == {(bridge.method_version(), 2)}


def test_failing_trial_and_unreadable_file_are_reported_while_the_rest_finish(
    tmp_path: Path, client: Any, archive_cache: Path
) -> None:
    archive = small_archive(archive_cache, tmp_path / "a")
    files = session_files(archive)
    bad_trial, broken = files[1], files[4]
    with h5py.File(bad_trial, "r+") as f:
        f[schema.TRIALS][schema.trial_group_name(2)].attrs["test"] = "bogus"
    with ArchiveIndex(archive) as index:
        planned = select_sessions(index)  # planned while the file was still readable ...
        broken.write_bytes(b"not an HDF5 file any more")  # ... then damaged before its task runs
        report = run_batch(planned, index=index, client=client)
    assert report.trials == 12 - 1 - 2 and report.sessions == 5
    assert len(report.failures) == 2
    (p1, n1, why1), (p2, n2, why2) = sorted(report.failures, key=lambda f: str(f[0]))
    by_file = {p1: (n1, why1), p2: (n2, why2)}
    assert by_file[bad_trial][0] == 2 and "unknown test 'bogus'" in by_file[bad_trial][1]
    assert by_file[broken][0] is None and broken.name in by_file[broken][1]
    states = trial_states(archive, [bad_trial])
    assert states[(bad_trial.name, 2)] == ("", 0)  # untouched
    assert states[(bad_trial.name, 1)] == (bridge.method_version(), 1)  # its neighbour was done


def test_filters_pick_athlete_test_and_date(tmp_path: Path, archive_cache: Path) -> None:
    archive = small_archive(archive_cache, tmp_path / "a")
    with ArchiveIndex(archive) as index:
        everyone = select_sessions(index)
        dana = select_sessions(index, athlete="Dropping Dana")
        assert len(everyone) == 6 and len(dana) == 2
        assert all("dropping" in s.path.name.lower() for s in dana)
        assert select_sessions(index, test="imtp") == []
        days = sorted({d.date() for s in everyone if (d := open_session(s.path).started) is not None})
        assert len(days) == 2  # week 0 and week 1
        later = select_sessions(index, since=days[1])
        assert len(later) == 3 and {s.path for s in later} < {s.path for s in everyone}
