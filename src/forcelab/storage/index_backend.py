"""Which database holds the index, and how to connect to it.

* default: SQLite, ``index.sqlite`` in the archive folder (embedded, zero set-up: one station);
* ``$FORCELAB_INDEX`` (or ``--index URL`` on any command and the app, or the station's saved setting
  :func:`settings_file`, which the app and every command read):
  ``postgresql://USER@HOST:PORT/DB`` for a lab's shared index (needs the extra ``forcelab[lab]``),
  or ``sqlite:///PATH`` for an SQLite file elsewhere.

SQLAlchemy is a core dependency because the SQLite default goes through it too (one code path, one set
of queries for both backends); only the PostgreSQL driver (psycopg 3) is in the ``lab`` extra.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url

from forcelab.storage.archive import INDEX_NAME

INDEX_ENV = "FORCELAB_INDEX"
SQLITE_TIMEOUT_S = 30.0  # a station waits this long for another's write on a shared SQLite file


class IndexUnavailable(OSError):
    """The index database cannot be used: not installed, not reachable, or a bad URL. The message says which.

    An ``OSError``: like an unreachable archive folder, callers that keep working without it catch it so.
    """


def settings_file() -> Path:
    """The station's saved index setting: one line, the URL (``platformdirs.user_config_dir``/forcelab/index-url)."""
    return Path(platformdirs.user_config_dir("forcelab", appauthor=False)) / "index-url"


def saved_index_url() -> str:
    """The index URL saved in :func:`settings_file` ("" when none)."""
    try:
        return settings_file().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def index_url(archive: Path, explicit: str | None = None) -> str:
    """The index URL for ``archive``: ``explicit``, else ``$FORCELAB_INDEX``, else the station's saved
    setting (:func:`settings_file`), else SQLite in the archive."""
    url = explicit or os.environ.get(INDEX_ENV) or saved_index_url()
    if not url:
        return f"sqlite:///{Path(archive).absolute() / INDEX_NAME}"
    return url


def describe(url: str) -> str:
    """``url`` fit for messages and logs (any password hidden)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse is shown as given
        return url


def _postgres_url(url: str) -> str:
    """Pin psycopg 3 as the driver of a ``postgresql://`` URL, with a clear message when it is missing."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        try:
            import psycopg  # noqa: F401 - only to tell a missing driver apart from an unreachable server
        except ImportError as exc:
            raise IndexUnavailable(
                f"the index {describe(url)} is a PostgreSQL database, which needs the PostgreSQL driver: "
                "install it with  pip install 'forcelab[lab]'  (or  pip install 'psycopg[binary]>=3.1')"
            ) from exc
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy's "begin" event issue BEGIN (Python's sqlite3 would skip it before DDL)
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.close()


#: Execution option of a connection that will write: on SQLite it takes the write lock at BEGIN
#: (``BEGIN IMMEDIATE``), so a read-then-write transaction waits for another writer instead of failing.
WRITE_OPTION = "forcelab_write"


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite or PostgreSQL) with the settings forcelab relies on.

    SQLite: foreign keys on (trial metrics go with their session), WAL (readers never block the
    writer), real transactions around DDL too. PostgreSQL: psycopg 3, a short connect timeout so an
    unreachable server is reported in seconds, connections checked before use (a restarted server).
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types for a bad URL
        raise IndexUnavailable(f"not an index URL: {url!r} ({exc}); expected postgresql://USER@HOST:PORT/DB") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        return create_engine(
            _postgres_url(url), connect_args={"connect_timeout": 5}, pool_pre_ping=True, pool_size=2
        )
    raise IndexUnavailable(f"index URL {describe(url)}: unsupported database {backend!r}; use postgresql:// or sqlite://")
