"""Export every metric of a query (athlete, test, date range) in long format, to CSV or Parquet.

One row per (session, trial, metric) with the value, its unit and the method and parameters that
produced it, so an analyst can filter and pivot in pandas, R or polars without forcelab. The index
(:class:`~forcelab.storage.index.ArchiveIndex`, public methods only) chooses the sessions; the values,
methods, parameters and references come from the session files themselves, which are the truth.
The columns are :data:`COLUMNS`, documented in ``docs/export-format.md``.

Per-item tables (a repeated-hop trial's hops) are wide, one row per item: :func:`query_table_rows` gives them and
:func:`write_tables` writes each beside the metrics file, ``<stem>_<table>.<suffix>`` (``sam_hops.csv``), with
the session and trial columns of :data:`forcelab.storage.trial_tables.KEY_COLUMNS` first.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import Session, Trial, open_session
from forcelab.storage.trial_tables import (
    KEY_COLUMNS,
    csv_cell,
    csv_rows,
    export_tables,
    header,
    table_file_name,
)

log = logging.getLogger(__name__)

#: The export's columns, in order (see docs/export-format.md for types and meaning).
COLUMNS: tuple[str, ...] = (
    "athlete", "session", "session_started", "session_date", "trial", "test", "accepted", "metric", "value",
    "unit", "side", "method", "params", "reference", "reason", "session_complete",
)
#: Output formats by file suffix.
FORMATS = {".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class MetricQuery:
    """Which metrics to export: ``None`` means any; ``since``/``until`` are inclusive session dates."""

    athlete: str | None = None
    test: str | None = None
    since: date | None = None
    until: date | None = None
    accepted_only: bool = False

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}: no session can match")

    def takes_session(self, started: datetime | None) -> bool:
        """True when a session started at ``started`` is in the date range (undated: only without a range)."""
        if started is None:
            return self.since is None and self.until is None
        day = started.date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def _query_trials(index: ArchiveIndex, query: MetricQuery) -> Iterator[tuple[dict[str, Any], Session, Trial]]:
    """``(index entry, session, trial)`` of every trial the query takes, sessions oldest first, trials in order."""
    for entry in index.sessions(query.athlete):
        if entry["error"]:
            continue
        started = datetime.fromisoformat(entry["started"]) if entry["started"] else None
        if not query.takes_session(started):
            continue
        if query.test is not None and query.test not in (entry["tests"] or "").split(","):
            continue
        path = Path(entry["path"])
        try:
            session = open_session(index.session_file(path), load_analysis=True)
        except SessionFileError as exc:
            log.warning("export: %s skipped: %s", path, exc)
            continue
        for trial in session.trials:
            if query.test is not None and trial.test != query.test:
                continue
            if query.accepted_only and trial.accepted is not True:
                continue
            yield entry, session, trial


def _keys(entry: dict[str, Any], session: Session, trial: Trial) -> dict[str, Any]:
    started = datetime.fromisoformat(entry["started"]) if entry["started"] else None
    return {"athlete": session.athlete, "session": entry["path"],
            "session_started": started.isoformat() if started else None,
            "session_date": started.date().isoformat() if started else None,
            "trial": trial.number, "test": trial.test, "accepted": trial.accepted}


def query_rows(index: ArchiveIndex, query: MetricQuery) -> list[dict[str, Any]]:
    """The rows of ``query`` (dicts keyed by :data:`COLUMNS`), sessions oldest first, trials in order."""
    rows: list[dict[str, Any]] = []
    for entry, session, trial in _query_trials(index, query):
        keys = _keys(entry, session, trial)
        for name, m in trial.metrics.items():
            params = dict(m.get("params") or {})
            rows.append({
                **keys,
                "metric": name,
                "value": None if m.get("value") is None else float(m["value"]),
                "unit": m.get("unit", ""),
                "side": params.get("stronger_side"),
                "method": m.get("method", ""),
                "params": json.dumps(params, sort_keys=True, default=str),
                "reference": m.get("reference", ""),
                "reason": m.get("reason"),
                "session_complete": session.complete,
            })
    return rows


@dataclass(frozen=True)
class TableExport:
    """One per-item table of a query: its value columns ``(name, unit, kind)`` and its rows (dicts keyed by
    :data:`~forcelab.storage.trial_tables.KEY_COLUMNS` and the column names)."""

    columns: list[tuple[str, str, str]]
    rows: list[dict[str, Any]]


def query_table_rows(index: ArchiveIndex, query: MetricQuery) -> dict[str, TableExport]:
    """The per-item tables of the trials ``query`` takes, by table name (``{}`` when none has one)."""
    trials = ((_keys(entry, session, trial), trial.result) for entry, session, trial in _query_trials(index, query))
    return {name: TableExport(columns, rows) for name, (columns, rows) in export_tables(trials).items()}


def table_path(metrics_path: str | Path, name: str) -> Path:
    """Where table ``name`` of a query exported to ``metrics_path`` goes: ``<stem>_<name><suffix>`` beside it."""
    p = Path(metrics_path)
    return p.with_name(table_file_name(name, p.suffix, p.stem))


def write_tables(tables: dict[str, TableExport], metrics_path: str | Path) -> list[Path]:
    """Write every table beside ``metrics_path`` (:func:`table_path`), in its format; returns the paths."""
    paths = []
    for name, table in tables.items():
        path = table_path(metrics_path, name)
        if FORMATS.get(path.suffix.lower()) == "parquet":
            _write_table_parquet(table, path)
        else:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows(csv_rows(table.columns, table.rows))
        paths.append(path)
    return paths


def write_rows(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write ``rows`` to ``path``; the suffix (``.csv`` or ``.parquet``) chooses the format."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: the export file must end in {' or '.join(FORMATS)}")
    if kind == "parquet":
        return _write_parquet(list(rows), path)
    return _write_csv(rows, path)


def _write_csv(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    """UTF-8, comma-separated, a header row of :data:`COLUMNS`; empty cell = missing; floats round-trip."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for row in rows:
            w.writerow([csv_cell(row[c]) for c in COLUMNS])
    return path


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    return pa, pq


#: Parquet types of the session and trial columns (the rest are strings).
KEY_TYPES = {"trial": "int32", "accepted": "bool_", "session_date": "date32"}


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> Path:
    """Parquet with an explicit schema (so an empty export still has typed columns)."""
    arrow = _arrow()
    if arrow is None:
        raise ValueError(f"{path}: writing Parquet needs pyarrow: pip install 'forcelab[parquet]'")
    pa, pq = arrow
    types = {"value": pa.float64(), "session_complete": pa.bool_(),
             **{k: getattr(pa, t)() for k, t in KEY_TYPES.items()}}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
    columns: dict[str, list[Any]] = {c: [r[c] for r in rows] for c in COLUMNS}
    columns["session_date"] = [None if d is None else date.fromisoformat(d) for d in columns["session_date"]]
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def _write_table_parquet(table: TableExport, path: Path) -> Path:
    """A per-item table as Parquet: the same column names as its CSV (``contact_time [s]``), numbers as float64
    (null = not measured) or int64, each value column's unit also in its field metadata (``unit``)."""
    arrow = _arrow()
    if arrow is None:
        raise ValueError(f"{path}: writing Parquet needs pyarrow: pip install 'forcelab[parquet]'")
    pa, pq = arrow
    fields = [pa.field(k, getattr(pa, KEY_TYPES[k])() if k in KEY_TYPES else pa.string()) for k in KEY_COLUMNS]
    fields += [pa.field(header(c, u), pa.int64() if k == "i8" else pa.float64(), metadata={"unit": u})
               for c, u, k in table.columns]
    data: dict[str, list[Any]] = {k: [r.get(k) for r in table.rows] for k in KEY_COLUMNS}
    data["session_date"] = [None if d is None else date.fromisoformat(d) for d in data["session_date"]]
    for c, u, _k in table.columns:
        data[header(c, u)] = [r.get(c) for r in table.rows]
    pq.write_table(pa.table(data, schema=pa.schema(fields)), path)
    return path
