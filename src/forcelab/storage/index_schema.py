"""The index's tables, defined once for every backend (SQLAlchemy Core), and their small migration scheme.

The same :data:`METADATA` creates the tables on SQLite (the default ``index.sqlite`` in the archive
folder) and on PostgreSQL (a lab's shared index). Column types are the portable core ones, and dates stay
ISO text, so a query gives the same rows in the same order on both.

Migrations: the table ``forcelab_schema`` holds one row, the schema version. :func:`migrate` brings any
index up to :data:`SCHEMA_VERSION` step by step, inside one transaction (on PostgreSQL under an advisory
lock, so two stations starting at once against a fresh database do not both create the tables). An
index written before this scheme existed has no ``forcelab_schema`` table; its version is read from its
columns. Every step is idempotent and keeps the athlete roster (the one thing stored only in the index).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

#: The schema version :func:`migrate` brings every index to.
SCHEMA_VERSION = 2

#: Key of the PostgreSQL advisory lock held while migrating (any constant unique to forcelab).
_MIGRATION_LOCK = 0x666F7263  # "forc"

METADATA = MetaData()

athletes = Table(
    "athletes",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("body_mass", Float),
    Column("sex", Text),
    Column("date_of_birth", Text),
    Column("sport", Text),
    Column("team", Text),
    Column("tags", Text, nullable=False, server_default="[]"),
)

sessions = Table(
    "sessions",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, unique=True),  # relative to the archive folder
    Column("athlete_id", Integer, ForeignKey("athletes.id")),
    Column("started", Text),  # ISO 8601 with the station's UTC offset, as the file stores it
    Column("tests", Text),
    Column("complete", Integer, nullable=False, server_default="0"),
    Column("n_trials", Integer, nullable=False, server_default="0"),
    Column("mtime_ns", BigInteger),  # nanoseconds: beyond 32 bits
    Column("size", BigInteger),
    Column("error", Text),
    Column("station", Text),  # the station that recorded the session (schema 2)
    # Bumped whenever the indexed content changes; an edit names the version it started from (schema 2).
    Column("version", Integer, nullable=False, server_default="1"),
    Index("sessions_athlete", "athlete_id", "started"),
)

trial_metrics = Table(
    "trial_metrics",
    METADATA,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("trial", Integer, nullable=False),
    Column("test", Text),
    Column("metric", Text, nullable=False),
    Column("value", Float),
    Column("unit", Text),
    Column("accepted", Integer),
    Column("side", Text),  # the stronger side of an asymmetry metric (schema 1)
    Index("metrics_metric_session", "metric", "session_id"),
    Index("metrics_session", "session_id"),
    Index("metrics_session_metric", "session_id", "metric"),
)

schema_table = Table(
    "forcelab_schema",
    METADATA,
    Column("version", Integer, nullable=False),
)


def _columns(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def _to_1(conn: Connection) -> None:
    """Keep the stronger side of asymmetry metrics; every file is re-read at the next sync."""
    if "side" not in _columns(conn, "trial_metrics"):
        conn.execute(text("ALTER TABLE trial_metrics ADD COLUMN side TEXT"))
    conn.execute(trial_metrics.delete())
    conn.execute(sessions.delete())


def _to_2(conn: Connection) -> None:
    """Stations and versions: which station recorded a session, and a version against stale edits."""
    have = _columns(conn, "sessions")
    if "station" not in have:
        conn.execute(text("ALTER TABLE sessions ADD COLUMN station TEXT"))
    if "version" not in have:
        conn.execute(text("ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1"))


#: ``STEPS[k]`` takes an index from version ``k`` to ``k + 1``.
STEPS: tuple[Callable[[Connection], None], ...] = (_to_1, _to_2)
assert len(STEPS) == SCHEMA_VERSION


def stored_version(conn: Connection) -> int | None:
    """The schema version of the index behind ``conn``; ``None`` when it has no tables yet."""
    insp = inspect(conn)
    if insp.has_table("forcelab_schema"):
        row = conn.execute(schema_table.select()).first()
        if row is not None:
            return int(row[0])
    if not insp.has_table("sessions"):
        return None
    # written before the migration table existed: tell the version by its columns
    return 1 if "side" in _columns(conn, "trial_metrics") else 0


def migrate(conn: Connection) -> int:
    """Create or upgrade the tables behind ``conn`` (in its transaction) and return the version before."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
    before = stored_version(conn)
    if before is None:
        METADATA.create_all(conn)
        conn.execute(schema_table.insert(), {"version": SCHEMA_VERSION})
        return 0
    if before > SCHEMA_VERSION:
        raise RuntimeError(
            f"the index has schema version {before}, newer than this forcelab ({SCHEMA_VERSION}): update forcelab"
        )
    for version in range(before, SCHEMA_VERSION):
        log.info("index: migrating schema %d -> %d (%s)", version, version + 1, STEPS[version].__doc__)
        STEPS[version](conn)
    METADATA.create_all(conn)  # tables and indexes a step may have added
    conn.execute(schema_table.delete())
    conn.execute(schema_table.insert(), {"version": SCHEMA_VERSION})
    return before
