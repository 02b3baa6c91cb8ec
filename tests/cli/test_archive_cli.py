"""``forcelab import / export / reanalyze / index`` through their argparse front end."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from forcelab.cli import CliError
from forcelab.cli import archive as archive_cli
from forcelab.storage.archive import SESSIONS_DIR
from forcelab.storage.session import open_session
from support.archive import write_session


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="forcelab")
    archive_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_index_export_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "arch"
    folder = archive / SESSIONS_DIR / "2026"
    folder.mkdir(parents=True)
    path = write_session(folder / "a.h5", trials=2, trial_rows=300, gap_rows=100)
    (folder / "broken.h5").write_bytes(b"not hdf5 at all")
    assert _run(["index", "--rebuild", "--archive", str(archive)]) == 0
    out = capsys.readouterr().out
    assert f"archive: {archive}" in out and "1 sessions (1 added" in out and "broken.h5" in out

    assert _run(["export", str(path), "--csv", str(tmp_path / "csv")]) == 0
    out = capsys.readouterr().out
    assert "metrics.csv" in out and "trial_002_force.csv" in out
    header = (tmp_path / "csv" / "metrics.csv").read_text().splitlines()[0]
    assert header.startswith("trial,test,accepted,note,peak_force [N],peak_force_asymmetry [%]")

    with pytest.raises(CliError, match="broken.h5"):
        _run(["export", str(folder / "broken.h5"), "--csv", str(tmp_path / "x")])
    with pytest.raises(CliError, match="missing.txt"):
        _run(["import", str(tmp_path / "missing.txt"), "--athlete", "A", "--test", "cmj", "--archive", str(archive)])


def test_import_with_whole_file_goes_into_the_index(tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "arch"
    src = shared_data / "vertical-jumps-fz" / "Dual-SJ-Fz.txt"
    code = _run(["import", str(src), "--athlete", "Gidiel", "--test", "sj", "--rate", "1000", "--whole", "--archive", str(archive)])
    assert code == 0
    out = capsys.readouterr().out
    session_line = next(line for line in out.splitlines() if line.startswith("session: "))
    s = open_session(session_line.removeprefix("session: "))
    assert s.athlete == "Gidiel" and s.trials[0].n == 5000 and s.trials[0].metrics
