"""The SQLite index: sync with the files, rebuild from them, roster, cross-session queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcelab.storage.archive import SESSIONS_DIR, archive_dir, new_session_path
from forcelab.storage.index import ArchiveIndex
from support.archive import write_session


def _archive_with_sessions(tmp_path: Path, n: int = 3) -> Path:
    archive = tmp_path / "archive"
    folder = archive / SESSIONS_DIR / "2026"
    folder.mkdir(parents=True)
    for i in range(n):
        write_session(folder / f"s{i}.h5", athlete="Ada" if i % 2 == 0 else "Bo", trials=2, trial_rows=200, gap_rows=100)
    return archive


def test_sync_indexes_sessions_and_long_metrics(tmp_path: Path) -> None:
    archive = _archive_with_sessions(tmp_path)
    with ArchiveIndex(archive) as index:
        report = index.sync()
        assert (report.added, report.updated, report.removed, report.errors) == (3, 0, 0, ())
        assert index.sync().added == 0  # unchanged files are not re-read
        assert [r["athlete"] for r in index.sessions()].count("Ada") == 2
        values = index.metric_values("Ada", "peak_force_asymmetry")
        assert [(v.trial, v.value, v.unit) for v in values] == [(1, 3.0, "%"), (2, 6.0, "%")] * 2
        assert [v.accepted for v in values] == [True, False, True, False]
        assert [v.value for v in index.metric_values("Ada", "peak_force", accepted_only=True)] == [2001.0, 2001.0]
        assert "jump_height_takeoff_velocity" in index.metric_names("Bo")
        # a metric that could not be computed is indexed as NULL, never as a number
        assert {v.value for v in index.metric_values("Bo", "jump_height_takeoff_velocity")} == {None}


def test_rebuild_from_files_keeps_roster_and_drops_removed_files(tmp_path: Path) -> None:
    archive = _archive_with_sessions(tmp_path)
    with ArchiveIndex(archive) as index:
        index.sync()
        index.set_athlete("Ada", body_mass=61.5, sex="F", date_of_birth="2001-02-03", sport="volleyball", team="U23", tags=["jumper"])
        with pytest.raises(ValueError, match="unknown athlete fields"):
            index.set_athlete("Ada", shoe_size=38)
    (archive / SESSIONS_DIR / "2026" / "s1.h5").unlink()
    (archive / "index.sqlite").unlink()  # the index is disposable ...
    with ArchiveIndex(archive) as index:
        report = index.rebuild()  # ... and comes back from the HDF5 files
        assert report.added == 2
        assert {r["athlete"] for r in index.sessions()} == {"Ada"}
    with ArchiveIndex(archive) as index:
        index.set_athlete("Ada", body_mass=61.5, tags=["jumper"])
        index.rebuild()
        (ada,) = [a for a in index.athletes() if a["name"] == "Ada"]
        assert ada["body_mass"] == 61.5 and ada["tags"] == ["jumper"]
        (archive / SESSIONS_DIR / "2026" / "s2.h5").unlink()
        assert index.sync().removed == 1


def test_archive_location_explicit_env_or_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert archive_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("FORCELAB_ARCHIVE", str(tmp_path / "env"))
    assert archive_dir() == tmp_path / "env"
    monkeypatch.delenv("FORCELAB_ARCHIVE")
    default = archive_dir()
    assert "forcelab" in str(default) and (default / SESSIONS_DIR).is_dir()
    from datetime import datetime

    monkeypatch.setenv("FORCELAB_STATION", "Lab PC 2")
    p1 = new_session_path(tmp_path / "x", "Ada Lovelace", ["cmj"], datetime(2026, 1, 2, 3, 4, 5))
    assert p1.name == "2026-01-02_030405_lab-pc-2_ada-lovelace_cmj.h5"
    p1.touch()
    assert new_session_path(tmp_path / "x", "Ada Lovelace", ["cmj"], datetime(2026, 1, 2, 3, 4, 5)).name.endswith("_2.h5")
    # another station's session of the same athlete in the same second gets its own name
    other = new_session_path(tmp_path / "x", "Ada Lovelace", ["cmj"], datetime(2026, 1, 2, 3, 4, 5), station="pc-1")
    assert other.name == "2026-01-02_030405_pc-1_ada-lovelace_cmj.h5"
    # a spool keeps names free that the shared archive already holds
    spooled = new_session_path(tmp_path / "spool", "Ada Lovelace", ["cmj"], datetime(2026, 1, 2, 3, 4, 5),
                               also_free_in=[tmp_path / "x"])
    assert spooled.name.endswith("_lab-pc-2_ada-lovelace_cmj_2.h5")
