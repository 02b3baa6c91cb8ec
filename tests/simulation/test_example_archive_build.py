"""The example archive (the app's demo squad) is built while the app already reads it: a reader that lists
the archive's session files during the build only ever finds complete files, and a cancelled build adds
nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from forcelab.simulation import example_archive
from forcelab.storage.archive import session_files
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.session import open_session

SMALL = {"weeks": 4, "trials": 2, "athletes": example_archive.ATHLETES[:2]}


def test_a_reader_during_the_build_never_finds_a_half_written_session(tmp_path: Path) -> None:
    archive = tmp_path / "demo"
    done = threading.Event()
    opened: list[Path] = []  # each file the reader opened (complete)
    problems: list[str] = []
    scans = [0]  # listings of the archive made while the build ran

    def reader() -> None:  # what the app's window does meanwhile (latest trial, roster, history)
        while not done.wait(0.002):
            scans[0] += 1
            for path in session_files(archive):
                if path in opened:
                    continue
                try:
                    session = open_session(path)
                    stream_rows = session.stream_rows
                except (SessionFileError, OSError, KeyError, ValueError) as exc:
                    problems.append(f"{path.name}: {exc}")
                    continue
                if not session.complete or stream_rows == 0 or not session.trials:
                    problems.append(f"{path.name}: listed before it was complete")
                else:
                    opened.append(path)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        paths = example_archive.build(archive, **SMALL)  # type: ignore[arg-type]
    finally:
        done.set()
        thread.join(timeout=60)
    assert problems == []
    assert scans[0] > 10  # the reader did look while the files were written
    assert session_files(archive) == sorted(paths) and len(paths) == 8
    assert [p.name for p in archive.iterdir() if p.name.startswith(".building")] == []  # staging removed


def test_a_cancelled_build_adds_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "demo"
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(example_archive.BuildCancelled, match="cancelled after 0 sessions"):
        example_archive.build_demo(archive, cancel=cancel)
    assert session_files(archive) == [] and not example_archive.demo_ready(archive)
    assert [p.name for p in archive.iterdir() if p.name.startswith(".building")] == []
    assert example_archive.build(archive, **SMALL)  # type: ignore[arg-type]  # a later build starts afresh
    assert len(session_files(archive)) == 8
