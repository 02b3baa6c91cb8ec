"""``forcelab reanalyze SESSION`` takes the batch's path: history, the new file put in place and in the index
in one version-checked step; and a batch refuses to overwrite a session someone changed since it was planned."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from forcelab.cli import CliError
from forcelab.cli import archive as archive_cli
from forcelab.storage.archive import session_files
from forcelab.storage.batch import run_batch, select_sessions
from forcelab.storage.edit import set_trial_decision
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.publish import edit_published
from forcelab.storage.session import open_session

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "recordings" / "examples" / "cmj_two_plates.csv"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="forcelab")
    archive_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def _imported(archive: Path) -> Path:
    assert _run(["import", str(EXAMPLE), "--athlete", "Sol Single", "--test", "cmj", "--archive", str(archive)]) == 0
    (path,) = session_files(archive)
    return path


def test_reanalyze_one_session_goes_through_history_index_and_version(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "arch"
    path = _imported(archive)
    with ArchiveIndex(archive) as index:
        assert index.session_version(path) == 1
    capsys.readouterr()
    assert _run(["reanalyze", str(path), "--archive", str(archive)]) == 0
    out = capsys.readouterr().out
    assert f"session: {path}" in out
    assert "  trial 1: " in out and "metrics (0 changed; the same as before: no history entry)" in out
    with ArchiveIndex(archive) as index:
        assert index.session_version(path) == 2  # an edit of version 1, registered with the file
        assert index.sync().updated == 0  # the index already holds what the file holds
    t = open_session(path, load_analysis=True).trials[0]
    assert len(t.history) == 1 and next(iter(t.history.values()))["metrics"] == t.metrics
    assert not list(archive.rglob(".*.reanalyzing"))

    outside = tmp_path / "elsewhere.h5"
    outside.write_bytes(path.read_bytes())
    with pytest.raises(CliError, match="not a session of the archive"):
        _run(["reanalyze", str(outside), "--archive", str(archive)])
    with pytest.raises(CliError, match="no such session file"):
        _run(["reanalyze", str(tmp_path / "missing.h5"), "--archive", str(archive)])


def test_a_session_changed_after_planning_is_not_overwritten(tmp_path: Path) -> None:
    archive = tmp_path / "arch"
    path = _imported(archive)
    with ArchiveIndex(archive) as index:
        planned = select_sessions(index)  # the batch plans at version 1 ...
        edit_published(archive, path, lambda p: set_trial_decision(p, 1, False, "stepped off"),
                       expected_version=1, index=index)  # ... another station's tester decides meanwhile
        report = run_batch(planned, index=index, force=True)
        assert report.trials == 0 and report.sessions == 0
        ((where, trial, why),) = report.failures
        assert where == path and trial is None and "changed by someone else" in why
        assert index.session_version(path) == 2
    t = open_session(path, load_analysis=True).trials[0]
    assert (t.accepted, t.note) == (False, "stepped off") and t.history == {}  # their change kept, untouched
    assert not list(archive.rglob(".*.reanalyzing"))
