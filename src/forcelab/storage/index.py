"""The archive's index: athlete roster, sessions and trial metrics (long format), on SQLite or PostgreSQL.

The HDF5 files are the truth; the index only makes cross-session questions fast ("asymmetry of peak
force for one athlete across all sessions"). :meth:`ArchiveIndex.sync` brings it up to date with the files
(new, changed or removed files; a session left incomplete by a crash is re-read and marked incomplete),
and :meth:`ArchiveIndex.rebuild` recreates the session tables from the files alone. The athlete roster
(body mass, sex, date of birth, sport, team, tags) is the one thing kept only here, and survives a rebuild.

One station: SQLite, ``index.sqlite`` in the archive folder. A lab: one PostgreSQL database shared by
every station (``$FORCELAB_INDEX``; :mod:`forcelab.storage.index_backend`). The tables are defined once
(:mod:`forcelab.storage.index_schema`) and every query below is SQLAlchemy Core, so both backends give
the same rows in the same order.

Each session row has a ``version``: it goes up whenever the indexed content of the file changes.
An edit of a published session names the version it started from (:meth:`ArchiveIndex.claim_version`)
and is refused with :class:`StaleSessionError` when someone else changed the session meanwhile.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from forcelab.storage.archive import session_files
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index_backend import WRITE_OPTION, IndexUnavailable, describe, index_url, make_engine
from forcelab.storage.index_schema import athletes as _athletes
from forcelab.storage.index_schema import migrate
from forcelab.storage.index_schema import sessions as _sessions
from forcelab.storage.index_schema import trial_metrics as _metrics
from forcelab.storage.session import Session, open_session

log = logging.getLogger(__name__)

ROSTER_FIELDS = ("body_mass", "sex", "date_of_birth", "sport", "team", "tags")


@dataclass(frozen=True)
class MetricValue:
    """One trial's value of one metric as the index gives it."""

    session_id: str  # the session file path relative to the archive
    when: datetime | None
    trial: int
    test: str
    metric: str
    value: float | None
    unit: str
    accepted: bool | None
    complete: bool
    side: str | None = None  # the stronger side, for asymmetry metrics ("left" | "right" | "equal")


@dataclass(frozen=True)
class SyncReport:
    """What :meth:`ArchiveIndex.sync` did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    incomplete: int = 0
    errors: tuple[str, ...] = ()


class StaleSessionError(Exception):
    """An edit started from an older version of a session than the index holds: refused, nothing written."""

    def __init__(self, path: str, expected: int, found: int | None) -> None:
        self.path, self.expected, self.found = path, expected, found
        now = "it is no longer indexed" if found is None else f"it is at version {found} now"
        super().__init__(
            f"{path}: changed by someone else since you opened it (you edited version {expected}, {now}); "
            "reopen the session and make the change again"
        )


class ArchiveIndex:
    """The index of the archive folder ``archive``: ``archive/index.sqlite``, or the database at ``url``.

    ``url`` defaults to ``$FORCELAB_INDEX`` and then to SQLite in the archive. Raises
    :class:`~forcelab.storage.index_backend.IndexUnavailable` when the database cannot be reached or
    its driver is not installed (the message says what to install or check).
    """

    def __init__(self, archive: Path, url: str | None = None) -> None:
        self.archive = Path(archive)
        self.url = index_url(self.archive, url)
        self.engine = make_engine(self.url)
        #: the SQLite file, or ``None`` for a database server
        self.db_path: Path | None = (
            Path(self.engine.url.database) if self.engine.dialect.name == "sqlite" and self.engine.url.database
            else None
        )
        self._tx: Connection | None = None
        try:
            with self.transaction() as conn:  # on SQLite: BEGIN IMMEDIATE, stations migrate one after another
                before = migrate(conn)
        except OperationalError as exc:
            self.engine.dispose()
            raise IndexUnavailable(f"index {describe(self.url)} unreachable: {_first_line(exc)}") from exc
        if before:
            log.info("index %s migrated from schema %d", describe(self.url), before)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return str(self.engine.dialect.name)

    def describe(self) -> str:
        """Where the index is, for messages (a file path, or the database URL without password)."""
        return str(self.db_path) if self.db_path is not None else describe(self.url)

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    def __enter__(self) -> ArchiveIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: every change made through this index inside the ``with`` commits together."""
        if self._tx is not None:
            yield self._tx
            return
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                self._tx = conn
                try:
                    yield conn
                finally:
                    self._tx = None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        if self._tx is not None:
            yield self._tx
            return
        with self.engine.connect() as conn:
            yield conn

    # ------------------------------------------------------------------ roster
    def _dialect_insert(self) -> Any:
        """The backend's INSERT with ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
        from sqlalchemy.dialects import postgresql, sqlite

        return (postgresql if self.backend == "postgresql" else sqlite).insert

    def _athlete_id(self, conn: Connection, name: str) -> int:
        row = conn.execute(select(_athletes.c.id).where(_athletes.c.name == name)).first()
        if row is not None:
            return int(row[0])
        # two stations adding the same new athlete at once: one inserts, the other finds the row
        conn.execute(self._dialect_insert()(_athletes).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
        return int(conn.execute(select(_athletes.c.id).where(_athletes.c.name == name)).scalar_one())

    def athlete_id(self, name: str) -> int:
        """The roster id of ``name``, adding the athlete when new."""
        with self.transaction() as conn:
            return self._athlete_id(conn, name)

    def set_athlete(self, name: str, **fields: Any) -> None:
        """Set roster fields (``body_mass`` kg, ``sex``, ``date_of_birth`` ISO date, ``sport``, ``team``, ``tags``)."""
        unknown = set(fields) - set(ROSTER_FIELDS)
        if unknown:
            raise ValueError(f"unknown athlete fields {sorted(unknown)}; known: {ROSTER_FIELDS}")
        if "tags" in fields:
            fields["tags"] = json.dumps(list(fields["tags"]))
        with self.transaction() as conn:
            self._athlete_id(conn, name)
            if fields:
                conn.execute(update(_athletes).where(_athletes.c.name == name).values(**fields))

    def athletes(self) -> list[dict[str, Any]]:
        """The roster as dicts, by name."""
        cols = [_athletes.c.name, *(_athletes.c[k] for k in ROSTER_FIELDS)]
        with self._read() as conn:
            rows = conn.execute(select(*cols).order_by(_athletes.c.name)).all()
        out = []
        for row in rows:
            d = dict(zip(("name",) + ROSTER_FIELDS, row, strict=True))
            d["tags"] = json.loads(d["tags"] or "[]")
            out.append(d)
        return out

    # ------------------------------------------------------------------ sessions
    def _rel(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.archive.resolve()))
        except ValueError:
            return str(Path(path).resolve())

    def session_file(self, key: str | os.PathLike[str]) -> Path:
        """The session file of the index key ``key`` (a path relative to the archive, or an absolute one for a
        file outside it): the inverse of :meth:`relative`."""
        p = Path(key)
        return p if p.is_absolute() else self.archive / p

    def relative(self, path: str | os.PathLike[str]) -> str:
        """The key of the session file ``path`` in the index (its path relative to the archive)."""
        return self._rel(self.session_file(path))

    def _upsert_session(self, conn: Connection, rel: str, values: dict[str, Any], *, bump: bool | None) -> int:
        """Insert or update the row of ``rel`` and return its id (kept across updates).

        ``bump=None``: the version goes up when the file changed (other ``mtime_ns`` or ``size``);
        ``True``: always; ``False``: never (the caller already claimed the new version).
        """
        stmt = self._dialect_insert()(_sessions).values(path=rel, version=1, **values)
        ex = stmt.excluded
        if bump is None:
            same = and_(_sessions.c.mtime_ns == ex.mtime_ns, _sessions.c.size == ex.size)
            version: Any = case((same, _sessions.c.version), else_=_sessions.c.version + 1)
        else:
            version = _sessions.c.version + 1 if bump else _sessions.c.version
        upsert = stmt.on_conflict_do_update(
            index_elements=[_sessions.c.path], set_={**{k: ex[k] for k in values}, "version": version}
        ).returning(_sessions.c.id)
        return int(conn.execute(upsert).scalar_one())

    def _write_session(self, conn: Connection, session: Session, *, bump: bool | None = None,
                       stat: os.stat_result | None = None, rel: str | None = None) -> int:
        rel = rel or self._rel(session.path)
        stat = stat or session.path.stat()
        values = {
            "athlete_id": self._athlete_id(conn, session.athlete),
            "started": session.started.isoformat() if session.started else None,
            "tests": ",".join(session.tests),
            "complete": int(session.complete),
            "n_trials": len(session.trials),
            "mtime_ns": stat.st_mtime_ns,
            "size": stat.st_size,
            "error": None,
            "station": session.station or None,
        }
        sid = self._upsert_session(conn, rel, values, bump=bump)
        conn.execute(delete(_metrics).where(_metrics.c.session_id == sid))
        rows = [
            {
                # the test the metrics were computed as (a suggestion the tester confirmed can change it)
                "session_id": sid, "trial": t.number, "test": (t.result or {}).get("test") or t.test, "metric": name,
                "value": m.get("value"),
                "unit": m.get("unit", ""), "accepted": None if t.accepted is None else int(t.accepted),
                "side": (m.get("params") or {}).get("stronger_side"),
            }
            for t in session.trials
            for name, m in t.metrics.items()
        ]
        if rows:
            conn.execute(insert(_metrics), rows)
        return sid

    def add_session(self, session: Session, *, commit: bool = True,
                    stat: os.stat_result | None = None, rel: str | None = None) -> int:
        """Index (or re-index) one session read with :func:`open_session`; returns its row id.

        Re-indexing keeps the row (and its id) and raises its version when the file changed. ``commit``
        is kept for old callers: inside :meth:`transaction` the change always commits with the rest.
        ``stat``/``rel`` index the file under another name than it has now (a publish before its rename).
        """
        with self.transaction() as conn:
            return self._write_session(conn, session, stat=stat, rel=rel)

    def session_version(self, path: str | os.PathLike[str]) -> int | None:
        """The index version of the session file ``path`` (absolute or archive-relative); ``None`` if not indexed."""
        with self._read() as conn:
            v = conn.execute(select(_sessions.c.version).where(_sessions.c.path == self.relative(path))).scalar()
        return None if v is None else int(v)

    def claim_version(self, conn: Connection, rel: str, expected: int) -> int:
        """In transaction ``conn``: move ``rel`` from version ``expected`` to the next, or refuse.

        The compare-and-set is one UPDATE, so of two stations editing the same version exactly one wins;
        the other gets :class:`StaleSessionError` and nothing of its edit is written.
        """
        done = conn.execute(
            update(_sessions)
            .where(_sessions.c.path == rel, _sessions.c.version == expected)
            .values(version=_sessions.c.version + 1)
        ).rowcount
        if done != 1:
            found = conn.execute(select(_sessions.c.version).where(_sessions.c.path == rel)).scalar()
            raise StaleSessionError(rel, expected, None if found is None else int(found))
        return expected + 1

    def register_edit(self, conn: Connection, session: Session, *, rel: str, expected: int,
                      stat: os.stat_result) -> int:
        """In ``conn``: claim the next version of ``rel`` (or refuse) and re-index ``session`` under it."""
        version = self.claim_version(conn, rel, expected)
        self._write_session(conn, session, bump=False, stat=stat, rel=rel)
        return version

    def _record_error(self, conn: Connection, path: Path, message: str) -> None:
        stat = path.stat()
        values = {"athlete_id": None, "started": None, "tests": None, "complete": 0, "n_trials": 0,
                  "mtime_ns": stat.st_mtime_ns, "size": stat.st_size, "error": message, "station": None}
        sid = self._upsert_session(conn, self._rel(path), values, bump=None)
        conn.execute(delete(_metrics).where(_metrics.c.session_id == sid))

    def sync(self, files: Iterable[Path] | None = None, *, recover: bool = True) -> SyncReport:
        """Bring the index up to date with the session files (run at every start; repairs after a crash).

        With ``recover`` a session whose recorder died is first rewritten in the final layout
        (:func:`forcelab.storage.recovery.recover_session`); it stays marked incomplete.
        """
        paths = list(session_files(self.archive) if files is None else files)
        with self._read() as conn:
            known = {
                row[0]: (row[1], row[2])
                for row in conn.execute(select(_sessions.c.path, _sessions.c.mtime_ns, _sessions.c.size)).all()
            }
        if recover:
            from forcelab.storage.recovery import recover_session

            for p in paths:
                stat = p.stat()
                if known.get(self._rel(p)) == (stat.st_mtime_ns, stat.st_size):
                    continue  # indexed and unchanged since: a finished or already recovered session
                try:
                    recover_session(p)
                except (SessionFileError, OSError) as exc:
                    log.warning("%s: not recovered: %s", p, exc)
        added = updated = incomplete = 0
        errors: list[str] = []
        seen = set()
        with self.transaction() as conn:
            for p in paths:
                rel = self._rel(p)
                seen.add(rel)
                stat = p.stat()
                if known.get(rel) == (stat.st_mtime_ns, stat.st_size):
                    continue
                try:
                    session = open_session(p, load_analysis=True)
                except SessionFileError as exc:
                    errors.append(str(exc))
                    log.warning("%s", exc)
                    self._record_error(conn, p, exc.reason)
                    continue
                self._write_session(conn, session, stat=stat)
                if rel in known:
                    updated += 1
                else:
                    added += 1
                incomplete += int(not session.complete)
            gone = [rel for rel in known if rel not in seen]
            if files is None and gone:
                conn.execute(delete(_sessions).where(_sessions.c.path.in_(gone)))
        return SyncReport(added, updated, len(gone) if files is None else 0, incomplete, tuple(errors))

    def rebuild(self) -> SyncReport:
        """Forget every indexed session and re-read all files (the roster is kept)."""
        with self.transaction() as conn:
            conn.execute(delete(_metrics))
            conn.execute(delete(_sessions))
        return self.sync()

    def sessions(self, athlete: str | None = None) -> list[dict[str, Any]]:
        """Indexed sessions (optionally of one athlete), oldest first.

        Keys: path, athlete, started, tests, complete, n_trials, error, station, version.
        """
        s, a = _sessions, _athletes
        q = (
            select(s.c.path, a.c.name, s.c.started, s.c.tests, s.c.complete, s.c.n_trials, s.c.error,
                   s.c.station, s.c.version)
            .select_from(s.outerjoin(a, a.c.id == s.c.athlete_id))
        )
        if athlete is not None:
            q = q.where(a.c.name == athlete)
        q = q.order_by(s.c.started.asc().nulls_first(), s.c.path)
        keys = ("path", "athlete", "started", "tests", "complete", "n_trials", "error", "station", "version")
        with self._read() as conn:
            return [dict(zip(keys, row, strict=True)) for row in conn.execute(q).all()]

    def metric_values(
        self, athlete: str, metric: str, *, test: str | None = None, accepted_only: bool = False
    ) -> list[MetricValue]:
        """Every trial value of ``metric`` for ``athlete`` across all sessions, oldest first."""
        m, s, a = _metrics, _sessions, _athletes
        q = (
            select(s.c.path, s.c.started, m.c.trial, m.c.test, m.c.metric, m.c.value, m.c.unit, m.c.accepted,
                   s.c.complete, m.c.side)
            .select_from(m.join(s, s.c.id == m.c.session_id).join(a, a.c.id == s.c.athlete_id))
            .where(a.c.name == athlete, m.c.metric == metric)
        )
        if test is not None:
            q = q.where(m.c.test == test)
        if accepted_only:
            q = q.where(m.c.accepted == 1)
        q = q.order_by(s.c.started.asc().nulls_first(), s.c.path, m.c.trial)
        with self._read() as conn:
            rows = conn.execute(q).all()
        return [
            MetricValue(
                session_id=path,
                when=datetime.fromisoformat(started) if started else None,
                trial=int(trial),
                test=t or "",
                metric=name,
                value=value,
                unit=unit or "",
                accepted=None if acc is None else bool(acc),
                complete=bool(complete),
                side=side,
            )
            for path, started, trial, t, name, value, unit, acc, complete, side in rows
        ]

    def metric_names(self, athlete: str | None = None) -> Sequence[str]:
        """Distinct metric names in the index (optionally for one athlete)."""
        m, s, a = _metrics, _sessions, _athletes
        q = select(m.c.metric).distinct()
        if athlete is not None:
            q = q.select_from(m.join(s, s.c.id == m.c.session_id).join(a, a.c.id == s.c.athlete_id)).where(
                a.c.name == athlete
            )
        with self._read() as conn:
            return [r[0] for r in conn.execute(q.order_by(m.c.metric)).all()]

    def count_sessions(self) -> int:
        """How many session rows the index holds (unreadable files included)."""
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(_sessions)).scalar_one())


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
