"""The SQLite index beside the session files: athlete roster, sessions and trial metrics (long format).

The HDF5 files are the truth; the index only makes cross-session questions fast ("asymmetry of peak
force for one athlete across all sessions"). :meth:`ArchiveIndex.sync` brings it up to date with the files
(new, changed or removed files; a session left incomplete by a crash is re-read and marked incomplete),
and :meth:`ArchiveIndex.rebuild` recreates the session tables from the files alone. The athlete roster
(body mass, sex, date of birth, sport, team, tags) is the one thing kept only here, and survives a rebuild.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from forcelab.storage.archive import INDEX_NAME, session_files
from forcelab.storage.h5open import SessionFileError
from forcelab.storage.session import Session, open_session

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS athletes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body_mass REAL,
    sex TEXT,
    date_of_birth TEXT,
    sport TEXT,
    team TEXT,
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    athlete_id INTEGER REFERENCES athletes(id),
    started TEXT,
    tests TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    n_trials INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER,
    size INTEGER,
    error TEXT
);
CREATE TABLE IF NOT EXISTS trial_metrics (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    trial INTEGER NOT NULL,
    test TEXT,
    metric TEXT NOT NULL,
    value REAL,
    unit TEXT,
    accepted INTEGER,
    side TEXT
);
CREATE INDEX IF NOT EXISTS sessions_athlete ON sessions(athlete_id, started);
CREATE INDEX IF NOT EXISTS metrics_metric_session ON trial_metrics(metric, session_id);
CREATE INDEX IF NOT EXISTS metrics_session ON trial_metrics(session_id);
CREATE INDEX IF NOT EXISTS metrics_session_metric ON trial_metrics(session_id, metric);
"""

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


class ArchiveIndex:
    """The index database of the archive folder ``archive`` (``archive/index.sqlite``)."""

    def __init__(self, archive: Path) -> None:
        self.archive = Path(archive)
        self.db_path = self.archive / INDEX_NAME
        self.db = sqlite3.connect(self.db_path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(trial_metrics)")}
        if "side" not in columns:  # indexes written before the stronger side was kept:
            self.db.execute("ALTER TABLE trial_metrics ADD COLUMN side TEXT")
            self.db.execute("DELETE FROM sessions")  # re-read every file at the next sync (roster kept)
            self.db.commit()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> ArchiveIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ roster
    def athlete_id(self, name: str) -> int:
        """The roster id of ``name``, adding the athlete when new."""
        row = self.db.execute("SELECT id FROM athletes WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        cur = self.db.execute("INSERT INTO athletes(name) VALUES (?)", (name,))
        self.db.commit()
        return int(cur.lastrowid or 0)

    def set_athlete(self, name: str, **fields: Any) -> None:
        """Set roster fields (``body_mass`` kg, ``sex``, ``date_of_birth`` ISO date, ``sport``, ``team``, ``tags``)."""
        unknown = set(fields) - set(ROSTER_FIELDS)
        if unknown:
            raise ValueError(f"unknown athlete fields {sorted(unknown)}; known: {ROSTER_FIELDS}")
        self.athlete_id(name)
        if "tags" in fields:
            fields["tags"] = json.dumps(list(fields["tags"]))
        for key, value in fields.items():
            self.db.execute(f"UPDATE athletes SET {key} = ? WHERE name = ?", (value, name))  # noqa: S608
        self.db.commit()

    def athletes(self) -> list[dict[str, Any]]:
        """The roster as dicts, by name."""
        cur = self.db.execute(f"SELECT name, {', '.join(ROSTER_FIELDS)} FROM athletes ORDER BY name")
        out = []
        for row in cur.fetchall():
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

    def add_session(self, session: Session, *, commit: bool = True) -> int:
        """Index (or re-index) one session read with :func:`open_session`."""
        rel = self._rel(session.path)
        stat = session.path.stat()
        aid = self.athlete_id(session.athlete)
        self.db.execute("DELETE FROM sessions WHERE path = ?", (rel,))
        cur = self.db.execute(
            "INSERT INTO sessions(path, athlete_id, started, tests, complete, n_trials, mtime_ns, size, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                rel,
                aid,
                session.started.isoformat() if session.started else None,
                ",".join(session.tests),
                int(session.complete),
                len(session.trials),
                stat.st_mtime_ns,
                stat.st_size,
            ),
        )
        sid = int(cur.lastrowid or 0)
        rows = [
            (
                sid, t.number, t.test, name, m.get("value"), m.get("unit", ""),
                None if t.accepted is None else int(t.accepted),
                (m.get("params") or {}).get("stronger_side"),
            )
            for t in session.trials
            for name, m in t.metrics.items()
        ]
        self.db.executemany(
            "INSERT INTO trial_metrics(session_id, trial, test, metric, value, unit, accepted, side)"
            " VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        if commit:
            self.db.commit()
        return sid

    def _record_error(self, path: Path, message: str) -> None:
        rel = self._rel(path)
        stat = path.stat()
        self.db.execute("DELETE FROM sessions WHERE path = ?", (rel,))
        self.db.execute(
            "INSERT INTO sessions(path, complete, mtime_ns, size, error) VALUES (?, 0, ?, ?, ?)",
            (rel, stat.st_mtime_ns, stat.st_size, message),
        )

    def sync(self, files: Iterable[Path] | None = None, *, recover: bool = True) -> SyncReport:
        """Bring the index up to date with the session files (run at every start; repairs after a crash).

        With ``recover`` a session whose recorder died is first rewritten in the final layout
        (:func:`forcelab.storage.recovery.recover_session`); it stays marked incomplete.
        """
        paths = list(session_files(self.archive) if files is None else files)
        known = {
            row[0]: (row[1], row[2])
            for row in self.db.execute("SELECT path, mtime_ns, size FROM sessions").fetchall()
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
                self._record_error(p, exc.reason)
                continue
            self.add_session(session, commit=False)
            if rel in known:
                updated += 1
            else:
                added += 1
            incomplete += int(not session.complete)
        gone = [rel for rel in known if rel not in seen]
        if files is None:
            for rel in gone:
                self.db.execute("DELETE FROM sessions WHERE path = ?", (rel,))
        self.db.commit()
        return SyncReport(added, updated, len(gone) if files is None else 0, incomplete, tuple(errors))

    def rebuild(self) -> SyncReport:
        """Forget every indexed session and re-read all files (the roster is kept)."""
        self.db.execute("DELETE FROM trial_metrics")
        self.db.execute("DELETE FROM sessions")
        self.db.commit()
        return self.sync()

    def sessions(self, athlete: str | None = None) -> list[dict[str, Any]]:
        """Indexed sessions (optionally of one athlete), oldest first."""
        sql = (
            "SELECT s.path, a.name, s.started, s.tests, s.complete, s.n_trials, s.error FROM sessions s"
            " LEFT JOIN athletes a ON a.id = s.athlete_id"
        )
        args: tuple[Any, ...] = ()
        if athlete is not None:
            sql += " WHERE a.name = ?"
            args = (athlete,)
        sql += " ORDER BY s.started"
        keys = ("path", "athlete", "started", "tests", "complete", "n_trials", "error")
        return [dict(zip(keys, row, strict=True)) for row in self.db.execute(sql, args).fetchall()]

    def metric_values(
        self, athlete: str, metric: str, *, test: str | None = None, accepted_only: bool = False
    ) -> list[MetricValue]:
        """Every trial value of ``metric`` for ``athlete`` across all sessions, oldest first."""
        sql = (
            "SELECT s.path, s.started, m.trial, m.test, m.metric, m.value, m.unit, m.accepted, s.complete, m.side"
            " FROM trial_metrics m JOIN sessions s ON s.id = m.session_id"
            " JOIN athletes a ON a.id = s.athlete_id WHERE a.name = ? AND m.metric = ?"
        )
        args: list[Any] = [athlete, metric]
        if test is not None:
            sql += " AND m.test = ?"
            args.append(test)
        if accepted_only:
            sql += " AND m.accepted = 1"
        sql += " ORDER BY s.started, m.trial"
        out = []
        for path, started, trial, t, name, value, unit, acc, complete, side in self.db.execute(sql, args):
            out.append(
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
            )
        return out

    def metric_names(self, athlete: str | None = None) -> Sequence[str]:
        """Distinct metric names in the index (optionally for one athlete)."""
        if athlete is None:
            cur = self.db.execute("SELECT DISTINCT metric FROM trial_metrics ORDER BY metric")
        else:
            cur = self.db.execute(
                "SELECT DISTINCT m.metric FROM trial_metrics m JOIN sessions s ON s.id = m.session_id"
                " JOIN athletes a ON a.id = s.athlete_id WHERE a.name = ? ORDER BY m.metric",
                (athlete,),
            )
        return [r[0] for r in cur.fetchall()]
