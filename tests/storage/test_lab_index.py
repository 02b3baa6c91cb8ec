"""A lab's archive: the index on SQLite and on a real PostgreSQL server, stations, publishing, stale edits.

Every database here is real: SQLite files in the test's folder, and a PostgreSQL server started in a temp
folder by ``tests/support/postgres.py`` (the ``pg_server`` / ``pg_url`` fixtures).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import h5py
import pytest

from forcelab.cli import main
from forcelab.compare.source import athlete_trend
from forcelab.storage import spool
from forcelab.storage.archive import SESSIONS_DIR, archive_dir, new_session_path, session_files
from forcelab.storage.edit import set_trial_decision
from forcelab.storage.importer import import_file
from forcelab.storage.index import ArchiveIndex, StaleSessionError
from forcelab.storage.index_backend import IndexUnavailable
from forcelab.storage.index_schema import SCHEMA_VERSION
from forcelab.storage.publish import PublishError, edit_published, publish_pending, publish_session
from forcelab.storage.session import open_session
from support.archive import write_session
from support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "recordings" / "examples").glob("*.csv"))


def _lab_archive(tmp_path: Path) -> Path:
    """An archive of five sessions of two athletes on distinct days, written through the real writer."""
    archive = archive_dir(tmp_path / "archive")
    folder = archive / SESSIONS_DIR / "2026"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(5):
        write_session(folder / f"s{i}.h5", athlete="Ada" if i % 2 == 0 else "Bo", trials=3, trial_rows=200, gap_rows=100)
    return archive


def _spooled_import(archive: Path, csv: Path, when: datetime) -> Path:
    """Import ``csv`` into this station's spool of ``archive`` (what ``forcelab import`` does before publishing)."""
    test = csv.stem.split("_")[0]
    dest = new_session_path(spool.spool_dir(archive), "Gidiel", [test], when, also_free_in=[archive])
    return import_file(csv, archive=archive, athlete="Gidiel", test=test, started=when, dest=dest)


def test_same_queries_give_the_same_results_on_sqlite_and_postgresql(tmp_path: Path, pg_url: str) -> None:
    archive = _lab_archive(tmp_path)
    with ArchiveIndex(archive) as lite, ArchiveIndex(archive, pg_url) as pg:
        assert (lite.backend, pg.backend) == ("sqlite", "postgresql")
        assert lite.sync() == pg.sync()
        lite.set_athlete("Ada", body_mass=61.5, tags=["u21"])
        pg.set_athlete("Ada", body_mass=61.5, tags=["u21"])
        assert lite.athletes() == pg.athletes()
        assert lite.sessions() == pg.sessions() and len(pg.sessions()) == 5
        assert list(lite.metric_names()) == list(pg.metric_names()) and list(pg.metric_names("Bo"))
        for metric in pg.metric_names():
            for accepted in (False, True):
                assert lite.metric_values("Ada", metric, accepted_only=accepted) == pg.metric_values(
                    "Ada", metric, accepted_only=accepted)
        values = pg.metric_values("Ada", "peak_force_asymmetry")
        assert len(values) == 9 and all(v.value is not None for v in values)
        assert athlete_trend(lite, "Ada", "peak_force_asymmetry") == athlete_trend(pg, "Ada", "peak_force_asymmetry")


def test_index_rebuild_on_both_backends_from_the_command_line(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _lab_archive(tmp_path)
    assert main(["index", "--rebuild", "--archive", str(archive)]) == 0
    assert main(["index", "--rebuild", "--archive", str(archive), "--index", pg_url]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("index: ")]
    assert lines[0].startswith(f"index: {archive / 'index.sqlite'}: 5 sessions (5 added")
    assert lines[1].startswith(f"index: {pg_url}: 5 sessions (5 added")
    with ArchiveIndex(archive, pg_url) as pg:
        pg.set_athlete("Bo", team="A")
    assert main(["--index", pg_url, "index", "--rebuild", "--archive", str(archive)]) == 0  # option before the command
    with ArchiveIndex(archive, pg_url) as pg:
        assert len(pg.sessions()) == 5 and {a["name"]: a["team"] for a in pg.athletes()}["Bo"] == "A"  # roster kept


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_stations_import_into_one_archive_and_one_index_at_once(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    archive = archive_dir(tmp_path / "shared")
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else f"sqlite:///{archive / 'index.sqlite'}"
    runner = (
        "import sys\nfrom forcelab.cli import main\n"
        "for f in sys.argv[1:]:\n"
        "    code = main(['import', f, '--athlete', 'Gidiel', '--test', f.rsplit('/', 1)[1].split('_')[0]])\n"
        "    if code:\n        sys.exit(code)\n"
    )
    procs = []
    for station in ("lab-a", "lab-b"):
        env = {**os.environ, "FORCELAB_STATION": station, "FORCELAB_INDEX": url, "FORCELAB_ARCHIVE": str(archive),
               "FORCELAB_SPOOL": str(tmp_path / f"spool-{station}")}
        procs.append(subprocess.Popen([sys.executable, "-c", runner, *map(str, EXAMPLES)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        assert "warning" not in err, err
    files = session_files(archive)
    assert len(files) == 2 * len(EXAMPLES) == 6
    assert sorted(open_session(f).station for f in files) == ["lab-a"] * 3 + ["lab-b"] * 3
    assert all(f"_{open_session(f).station}_gidiel_" in f.name for f in files)  # the station is in every name
    with ArchiveIndex(archive, url) as pg:
        assert pg.backend == backend
        rows = pg.sessions()
        assert sorted(r["path"] for r in rows) == sorted(str(f.relative_to(archive)) for f in files)
        assert sorted(r["station"] for r in rows) == ["lab-a"] * 3 + ["lab-b"] * 3
        assert len(pg.metric_values("Gidiel", "jump_height_flight_time")) == 6  # cmj, sj and dj of each station
        assert pg.sync().added == 0  # all were registered by the publish itself
    for station in ("lab-a", "lab-b"):
        assert not list((tmp_path / f"spool-{station}").rglob("*.h5"))  # nothing left behind
    assert not list(archive.rglob(".*.publishing"))


def test_database_stopped_during_a_publish_keeps_the_session_and_publishes_it_once_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if (why := __import__("support.postgres", fromlist=["missing"]).missing()) is not None:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    server = PostgresServer()  # its own server: this test stops it
    try:
        server.start()
        url = server.create_database("publish")
        archive = archive_dir(tmp_path / "shared")
        index = ArchiveIndex(archive, url)  # the station is up and connected ...
        first = _spooled_import(archive, EXAMPLES[0], datetime(2026, 3, 1, 9, 0).astimezone())
        second = _spooled_import(archive, EXAMPLES[1], datetime(2026, 3, 1, 9, 5).astimezone())
        server.stop()  # ... when the database goes away
        with pytest.raises(PublishError, match="index unreachable"):
            publish_session(first, archive, index=index)
        index.close()
        assert first.exists() and second.exists()  # both safe in the spool
        assert session_files(archive) == [] and not list(archive.rglob(".*.publishing"))
        report = publish_pending(archive, url=url)  # a later attempt while it is still down
        assert report.published == () and len(report.waiting) == 2
        msg = report.message()
        assert msg is not None and "2 session(s) kept on this station" in msg and "unreachable" in msg

        server.start()
        report = publish_pending(archive, url=url)
        assert len(report.published) == 2 and report.waiting == () and report.message() is None
        assert not first.exists() and not second.exists()
        assert publish_pending(archive, url=url).published == ()  # nothing published twice
        with ArchiveIndex(archive, url) as pg:
            rows = pg.sessions()
            assert [r["path"] for r in rows] == [str(p.relative_to(archive)) for p in report.published]
            assert [r["version"] for r in rows] == [1, 1]
            assert pg.sync().added == 0 and len(pg.sessions()) == 2
        assert len(session_files(archive)) == 2
    finally:
        server.cleanup()


def test_republishing_the_same_file_updates_its_row_and_never_adds_one(tmp_path: Path) -> None:
    archive = archive_dir(tmp_path / "shared")
    spooled = _spooled_import(archive, EXAMPLES[0], datetime(2026, 3, 1, 9, 0).astimezone())
    keep = tmp_path / "copy.h5"
    keep.write_bytes(spooled.read_bytes())
    os.utime(keep, ns=(spooled.stat().st_atime_ns, spooled.stat().st_mtime_ns))
    target = publish_session(spooled, archive)
    # a station that died after the commit but before removing its spooled copy publishes it again
    os.replace(keep, spooled)
    assert publish_session(spooled, archive) == target
    with ArchiveIndex(archive) as index:
        assert [(r["path"], r["version"]) for r in index.sessions()] == [(str(target.relative_to(archive)), 1)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_edit_from_a_stale_version_is_refused(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    archive = archive_dir(tmp_path / "shared")
    target = publish_session(_spooled_import(archive, EXAMPLES[0], datetime(2026, 3, 1, 9, 0).astimezone()),
                             archive, url=url)
    with ArchiveIndex(archive, url) as index:
        seen = index.session_version(target)
        assert seen == 1
        # two testers opened version 1; the first to save wins ...
        edit_published(archive, target, lambda p: set_trial_decision(p, 1, False, "stepped off"),
                       expected_version=seen, index=index)
        assert index.session_version(target) == 2
        with pytest.raises(StaleSessionError, match="version 1.*version 2 now"):
            edit_published(archive, target, lambda p: set_trial_decision(p, 1, True, "fine"),
                           expected_version=seen, index=index)
        # ... and the second's edit is neither in the file, nor in the index, nor left in the spool
        t = open_session(target).trial(1)
        assert (t.accepted, t.note) == (False, "stepped off")
        assert {v.accepted for v in index.metric_values("Gidiel", "peak_force") if v.trial == 1} == {False}
        assert spool.pending(archive) == []
        # an edit made on the current version goes through
        edit_published(archive, target, lambda p: set_trial_decision(p, 1, True, "fine after all"),
                       expected_version=2, index=index)
        assert index.session_version(target) == 3 and open_session(target).trial(1).accepted is True


def test_a_session_still_being_recorded_is_not_published(tmp_path: Path) -> None:
    from support.archive import info

    archive = archive_dir(tmp_path / "shared")
    path = new_session_path(spool.spool_dir(archive), "Ada", ["cmj"], datetime(2026, 3, 1, 9, 0))
    from forcelab.storage.writer import SessionWriter

    with SessionWriter(path, info("Ada")):
        with pytest.raises(PublishError, match="being recorded now"):
            publish_session(path, archive)
        assert publish_pending(archive).published == () and path.exists()
    assert len(publish_pending(archive).published) == 1


def test_an_index_from_before_the_migration_scheme_is_upgraded_keeping_the_roster(tmp_path: Path) -> None:
    archive = _lab_archive(tmp_path)
    db = sqlite3.connect(archive / "index.sqlite")  # the schema forcelab wrote before stations (no side either)
    db.executescript(
        "CREATE TABLE athletes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, body_mass REAL, sex TEXT,"
        " date_of_birth TEXT, sport TEXT, team TEXT, tags TEXT NOT NULL DEFAULT '[]');"
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, athlete_id INTEGER,"
        " started TEXT, tests TEXT, complete INTEGER NOT NULL DEFAULT 0, n_trials INTEGER NOT NULL DEFAULT 0,"
        " mtime_ns INTEGER, size INTEGER, error TEXT);"
        "CREATE TABLE trial_metrics (session_id INTEGER NOT NULL, trial INTEGER NOT NULL, test TEXT,"
        " metric TEXT NOT NULL, value REAL, unit TEXT, accepted INTEGER);"
        "INSERT INTO athletes(name, body_mass, tags) VALUES ('Ada', 60.0, '[\"senior\"]');"
        "INSERT INTO sessions(path, athlete_id, mtime_ns, size) VALUES ('sessions/2026/gone.h5', 1, 1, 1);"
    )
    db.commit()
    db.close()
    with ArchiveIndex(archive) as index:
        assert {a["name"]: (a["body_mass"], a["tags"]) for a in index.athletes()} == {"Ada": (60.0, ["senior"])}
        assert index.sessions() == []  # old rows dropped, to be re-read from the files
        assert index.sync().added == 5
        assert {r["version"] for r in index.sessions()} == {1} and "peak_force" in index.metric_names()
    db = sqlite3.connect(archive / "index.sqlite")
    assert db.execute("SELECT version FROM forcelab_schema").fetchall() == [(SCHEMA_VERSION,)]
    assert {"station", "version"} <= {r[1] for r in db.execute("PRAGMA table_info(sessions)")}
    db.close()
    with ArchiveIndex(archive) as index:  # opening a current index again changes nothing
        assert len(index.sessions()) == 5


def test_a_postgresql_index_without_the_driver_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the lab extra were not installed
    with pytest.raises(IndexUnavailable, match=r"pip install 'forcelab\[lab\]'"):
        ArchiveIndex(tmp_path, "postgresql://forcelab@127.0.0.1:9/lab")


def test_an_unreachable_postgresql_server_is_one_clear_cli_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from support.postgres import free_port

    url = f"postgresql://forcelab@127.0.0.1:{free_port()}/lab"
    assert main(["index", "--archive", str(tmp_path), "--index", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"forcelab: error: index {url} unreachable") and "Traceback" not in err


def test_every_new_session_file_stores_its_station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCELAB_STATION", "Lab PC 7")
    spooled = _spooled_import(archive_dir(tmp_path / "a"), EXAMPLES[0], datetime(2026, 3, 1) + timedelta(hours=9))
    with h5py.File(spooled, "r") as f:
        assert f.attrs["station"] == "lab-pc-7"
    assert "_lab-pc-7_gidiel_cmj" in spooled.name


@pytest.mark.parametrize(("url", "says"), [
    ("foo", "not an index URL: 'foo'"),
    ("mysql://a@b/c", "unsupported database 'mysql'; use postgresql:// or sqlite://"),
])
def test_a_bad_index_url_is_one_clear_cli_error(
    tmp_path: Path, url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "--archive", str(tmp_path), "--index", url]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
