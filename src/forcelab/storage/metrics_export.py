"""Export every metric of a query (athlete, test, date range) in long format, to CSV or Parquet.

One row per (session, trial, metric) with the value, its unit and the method and parameters that
produced it, so an analyst can filter and pivot in pandas, R or polars without forcelab. The index
(:class:`~forcelab.storage.index.ArchiveIndex`, public methods only) chooses the sessions; the values,
methods, parameters and references come from the session files themselves, which are the truth.
The columns are :data:`COLUMNS`, documented in ``docs/export-format.md``.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from forcelab.storage.h5open import SessionFileError
from forcelab.storage.index import ArchiveIndex
from forcelab.storage.session import open_session

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


def query_rows(index: ArchiveIndex, query: MetricQuery) -> list[dict[str, Any]]:
    """The rows of ``query`` (dicts keyed by :data:`COLUMNS`), sessions oldest first, trials in order."""
    rows: list[dict[str, Any]] = []
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
            session = open_session(path if path.is_absolute() else index.archive / path, load_analysis=True)
        except SessionFileError as exc:
            log.warning("export: %s skipped: %s", path, exc)
            continue
        for trial in session.trials:
            if query.test is not None and trial.test != query.test:
                continue
            if query.accepted_only and trial.accepted is not True:
                continue
            for name, m in trial.metrics.items():
                params = dict(m.get("params") or {})
                rows.append({
                    "athlete": session.athlete,
                    "session": entry["path"],
                    "session_started": started.isoformat() if started else None,
                    "session_date": started.date().isoformat() if started else None,
                    "trial": trial.number,
                    "test": trial.test,
                    "accepted": trial.accepted,
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


def write_rows(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write ``rows`` to ``path``; the suffix (``.csv`` or ``.parquet``) chooses the format."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: the export file must end in {' or '.join(FORMATS)}")
    if kind == "parquet":
        return _write_parquet(list(rows), path)
    return _write_csv(rows, path)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_csv(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    """UTF-8, comma-separated, a header row of :data:`COLUMNS`; empty cell = missing; floats round-trip."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for row in rows:
            w.writerow([_csv_cell(row[c]) for c in COLUMNS])
    return path


def _write_parquet(rows: list[dict[str, Any]], path: Path) -> Path:
    """Parquet with an explicit schema (so an empty export still has typed columns)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(f"{path}: writing Parquet needs pyarrow: pip install 'forcelab[parquet]'") from None
    types = {"trial": pa.int32(), "accepted": pa.bool_(), "value": pa.float64(),
             "session_complete": pa.bool_(), "session_date": pa.date32()}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
    columns: dict[str, list[Any]] = {c: [r[c] for r in rows] for c in COLUMNS}
    columns["session_date"] = [None if d is None else date.fromisoformat(d) for d in columns["session_date"]]
    pq.write_table(pa.table(columns, schema=schema), path)
    return path
