"""Shared test setup: offscreen Qt and the path to the real recordings in ../shared/data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import postgres
from support.postgres import PostgresServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real recordings from other labs (read in place, never copied)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real recordings not found at {SHARED_DATA}; clone forcelab beside shared/")
    return SHARED_DATA


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """The folder the GUI tests save screenshots to: ``$FORCELAB_SCREENSHOTS`` to keep them and look at them,
    else the test's temp folder (support.screens.save_shot writes them)."""
    folder = Path(os.environ.get("FORCELAB_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every test its own config, data and cache directories (never the real user's).

    Per test, not per session: a calibration or roster one test saves must not change what the next sees.
    """
    base = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))  # the station's spool lives there
    monkeypatch.delenv("FORCELAB_INDEX", raising=False)  # SQLite in the test's archive unless a test says
    monkeypatch.delenv("FORCELAB_SPOOL", raising=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session's tests (temp folder, loopback, free port); stopped after.

    Skipped where PostgreSQL or psycopg is not installed, except under CI (``$CI``), where that fails.
    """
    why = postgres.missing()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {why}")
        pytest.skip(why)
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_url(pg_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty database on :func:`pg_server`, one per test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return pg_server.create_database(f"{name}_{os.getpid()}")
